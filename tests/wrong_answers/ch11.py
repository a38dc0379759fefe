"""Wrong answers for chapter 11_trends: each must make its check cell fail with words."""

CHAPTER = "11_trends"

_CLIP_HEAD = (
    "def train_clip(images, captions, vocab, steps, seed):\n"
    "    torch.manual_seed(seed)\n"
    "    model = ToyClip(ClipConfig(vocab_size=len(vocab)))\n"
)

WRONG: dict[str, list[str]] = {
    "fit_loglog": [
        # keeps the slope's sign: alpha comes out negative
        "def fit_loglog(x, loss):\n"
        "    lx, ly = np.log(np.asarray(x, float)), np.log(np.asarray(loss, float))\n"
        "    slope, intercept = np.polyfit(lx, ly, 1)\n"
        "    return float(np.exp(intercept)), float(slope)",
        # fits in log10 but takes exp of the intercept
        "def fit_loglog(x, loss):\n"
        "    lx, ly = np.log10(np.asarray(x, float)), np.log10(np.asarray(loss, float))\n"
        "    slope, intercept = np.polyfit(lx, ly, 1)\n"
        "    return float(np.exp(intercept)), float(-slope)",
        # fits loss against log x (semi-log), not log loss
        "def fit_loglog(x, loss):\n"
        "    slope, intercept = np.polyfit(np.log(np.asarray(x, float)), np.asarray(loss, float), 1)\n"
        "    return float(np.exp(intercept)), float(-slope)",
        # calls the course's own fit
        "def fit_loglog(x, loss):\n"
        "    law = reference_fit_power_law(np.asarray(x, float), np.asarray(loss, float), offset=False)\n"
        "    return float(law.a), float(law.alpha)",
    ],
    "distillation_loss": [
        # forgets the T^2 factor
        "def distillation_loss(student_logits, teacher_logits, labels, temperature, alpha):\n"
        "    t = temperature\n"
        "    log_ps = F.log_softmax(student_logits / t, dim=-1)\n"
        "    pt = F.softmax(teacher_logits.detach() / t, dim=-1)\n"
        "    kl = (pt * (pt.log() - log_ps)).sum(-1).mean()\n"
        "    return alpha * kl + (1 - alpha) * F.cross_entropy(student_logits, labels)",
        # softmax over the batch axis
        "def distillation_loss(student_logits, teacher_logits, labels, temperature, alpha):\n"
        "    t = temperature\n"
        "    log_ps = F.log_softmax(student_logits / t, dim=0)\n"
        "    pt = F.softmax(teacher_logits.detach() / t, dim=0)\n"
        "    kl = (pt * (pt.log() - log_ps)).sum(-1).mean()\n"
        "    return alpha * t * t * kl + (1 - alpha) * F.cross_entropy(student_logits, labels)",
        # KL the wrong way round: KL(student || teacher)
        "def distillation_loss(student_logits, teacher_logits, labels, temperature, alpha):\n"
        "    t = temperature\n"
        "    log_ps = F.log_softmax(student_logits / t, dim=-1)\n"
        "    log_pt = F.log_softmax(teacher_logits.detach() / t, dim=-1)\n"
        "    kl = (log_ps.exp() * (log_ps - log_pt)).sum(-1).mean()\n"
        "    return alpha * t * t * kl + (1 - alpha) * F.cross_entropy(student_logits, labels)",
        # averages the KL over classes too (reduction='mean' instead of 'batchmean')
        "def distillation_loss(student_logits, teacher_logits, labels, temperature, alpha):\n"
        "    t = temperature\n"
        "    log_ps = F.log_softmax(student_logits / t, -1)\n"
        "    kl = F.kl_div(log_ps, F.softmax(teacher_logits.detach() / t, -1), reduction='mean')\n"
        "    return alpha * t * t * kl + (1 - alpha) * F.cross_entropy(student_logits, labels)",
        # calls the course's own loss
        "def distillation_loss(student_logits, teacher_logits, labels, temperature, alpha):\n"
        "    return reference_distillation_loss(student_logits, teacher_logits, labels, temperature, alpha)",
    ],
    "gradient_x_input": [
        # returns the gradient alone
        "def gradient_x_input(forward, inputs, target):\n"
        "    x = inputs.detach().clone().requires_grad_(True)\n"
        "    (grad,) = torch.autograd.grad(forward(x)[torch.arange(len(target)), target].sum(), x)\n"
        "    return grad",
        # the gradient of all logits, whatever the target
        "def gradient_x_input(forward, inputs, target):\n"
        "    x = inputs.detach().clone().requires_grad_(True)\n"
        "    (grad,) = torch.autograd.grad(forward(x).sum(), x)\n"
        "    return grad * x.detach()",
        # logits[:, target] takes every example's logit of every target
        "def gradient_x_input(forward, inputs, target):\n"
        "    x = inputs.detach().clone().requires_grad_(True)\n"
        "    (grad,) = torch.autograd.grad(forward(x)[:, target].sum(), x)\n"
        "    return grad * x.detach()",
        # calls the course's own attribution
        "def gradient_x_input(forward, inputs, target):\n"
        "    return reference_gradient_x_input(forward, inputs, target)",
    ],
    "weat_effect_size": [
        # population standard deviation (ddof=0)
        "def weat_effect_size(X, Y, A, B):\n"
        "    u = lambda m: m / np.linalg.norm(m, axis=1, keepdims=True)\n"
        "    X, Y, A, B = u(X), u(Y), u(A), u(B)\n"
        "    s = lambda W: (W @ A.T).mean(1) - (W @ B.T).mean(1)\n"
        "    return float((s(X).mean() - s(Y).mean()) / np.concatenate([s(X), s(Y)]).std())",
        # dot products instead of cosines
        "def weat_effect_size(X, Y, A, B):\n"
        "    s = lambda W: (W @ A.T).mean(1) - (W @ B.T).mean(1)\n"
        "    return float((s(X).mean() - s(Y).mean()) / np.concatenate([s(X), s(Y)]).std(ddof=1))",
        # standard deviation of X's associations only
        "def weat_effect_size(X, Y, A, B):\n"
        "    u = lambda m: m / np.linalg.norm(m, axis=1, keepdims=True)\n"
        "    X, Y, A, B = u(X), u(Y), u(A), u(B)\n"
        "    s = lambda W: (W @ A.T).mean(1) - (W @ B.T).mean(1)\n"
        "    return float((s(X).mean() - s(Y).mean()) / s(np.concatenate([X, X])).std(ddof=1))",
        # calls the course's own effect size
        "def weat_effect_size(X, Y, A, B):\n    return reference_weat_effect_size(X, Y, A, B)",
    ],
    "clip_loss": [
        # only the image-to-text direction
        "def clip_loss(image, text, scale):\n"
        "    logits = scale * image @ text.T\n"
        "    return F.cross_entropy(logits, torch.arange(len(image)))",
        # the sum of both directions instead of their mean
        "def clip_loss(image, text, scale):\n"
        "    logits = scale * image @ text.T\n"
        "    t = torch.arange(len(image))\n"
        "    return F.cross_entropy(logits, t) + F.cross_entropy(logits.T, t)",
        # forgets the temperature scale
        "def clip_loss(image, text, scale):\n"
        "    logits = image @ text.T\n"
        "    t = torch.arange(len(image))\n"
        "    return (F.cross_entropy(logits, t) + F.cross_entropy(logits.T, t)) / 2",
        # calls the course's own loss
        "def clip_loss(image, text, scale):\n    return reference_clip_loss(image, text, scale)",
    ],
    "train_clip": [
        # returns the model untrained
        _CLIP_HEAD + "    return model.eval()",
        # pairs every image with another image's caption (shuffled captions): nothing to learn
        _CLIP_HEAD + "    shuffled = [captions[(i + 1) % len(captions)] for i in range(len(captions))]\n"
        "    def loss_fn(m, batch):\n"
        "        return clip_loss(m.encode_images(batch[0]), m.encode_texts(batch[1]), m.logit_scale.exp())\n"
        "    train(model, clip_batches(images, shuffled, vocab, batch_size=64, seed=seed), steps,\n"
        "          torch.optim.Adam(model.parameters(), lr=3e-3), loss_fn=loss_fn, progress=False)\n"
        "    return model.eval()",
        # far too few steps
        _CLIP_HEAD + "    def loss_fn(m, batch):\n"
        "        return clip_loss(m.encode_images(batch[0]), m.encode_texts(batch[1]), m.logit_scale.exp())\n"
        "    train(model, clip_batches(images, captions, vocab, batch_size=64, seed=seed), 3,\n"
        "          torch.optim.Adam(model.parameters(), lr=3e-3), loss_fn=loss_fn, progress=False)\n"
        "    return model.eval()",
        # calls the course's own trainer
        "def train_clip(images, captions, vocab, steps, seed):\n"
        "    return train_toy_clip(images, captions, vocab, steps=steps, seed=seed, progress=False)",
    ],
}

VISIBLE: dict[str, list[int]] = {
    "fit_loglog": [0, 1, 2],
    "distillation_loss": [0, 1, 2, 3],
    "gradient_x_input": [0, 1, 2],
    "weat_effect_size": [0, 1, 2],
    "clip_loss": [0, 1, 2],
    "train_clip": [0, 1],
}
