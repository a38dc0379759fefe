"""Wrong answers for chapter 04_rnn: each must make its check cell fail with words."""

CHAPTER = "04_rnn"

WRONG: dict[str, list[str]] = {
    "rnn_step": [
        # calls the course's own cell
        "def rnn_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n"
        "    from nlpcourse.lm.cells import RNNCell\n"
        "    cell = RNNCell(x.shape[1], h.shape[1])\n"
        "    with torch.no_grad():\n"
        "        for name, value in [('weight_ih', weight_ih), ('weight_hh', weight_hh),\n"
        "                            ('bias_ih', bias_ih), ('bias_hh', bias_hh)]:\n"
        "            getattr(cell, name).copy_(value)\n"
        "    return cell(x, h)",
        # weights not transposed (only works by accident for square matrices)
        "def rnn_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n"
        "    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh + bias_hh)",
        # one bias forgotten
        "def rnn_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n"
        "    return torch.tanh(x @ weight_ih.T + h @ weight_hh.T + bias_hh)",
        # sigmoid instead of tanh
        "def rnn_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh):\n"
        "    return torch.sigmoid(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)",
    ],
    "lstm_step": [
        # calls the course's own cell
        "def lstm_step(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):\n"
        "    from nlpcourse.lm.cells import LSTMCell\n"
        "    cell = LSTMCell(x.shape[1], h.shape[1])\n"
        "    with torch.no_grad():\n"
        "        for name, value in [('weight_ih', weight_ih), ('weight_hh', weight_hh),\n"
        "                            ('bias_ih', bias_ih), ('bias_hh', bias_hh)]:\n"
        "            getattr(cell, name).copy_(value)\n"
        "    return cell(x, (h, c))",
        # gate order i, g, f, o instead of PyTorch's i, f, g, o
        "def lstm_step(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):\n"
        "    i, g, f, o = (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=-1)\n"
        "    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)\n"
        "    return torch.sigmoid(o) * torch.tanh(c), c",
        # h from the old cell state
        "def lstm_step(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):\n"
        "    i, f, g, o = (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=-1)\n"
        "    new_c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)\n"
        "    return torch.sigmoid(o) * torch.tanh(c), new_c",
        # no tanh on the candidate
        "def lstm_step(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):\n"
        "    i, f, g, o = (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=-1)\n"
        "    c = torch.sigmoid(f) * c + torch.sigmoid(i) * g\n"
        "    return torch.sigmoid(o) * torch.tanh(c), c",
        # returns (c, h)
        "def lstm_step(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):\n"
        "    i, f, g, o = (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=-1)\n"
        "    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)\n"
        "    return c, torch.sigmoid(o) * torch.tanh(c)",
    ],
    "clip_gradients": [
        # lets PyTorch's clip_grad_norm_ (what the course's training loop uses) do the work
        "def clip_gradients(grads, max_norm):\n"
        "    params = [torch.nn.Parameter(torch.zeros_like(g)) for g in grads]\n"
        "    for p, g in zip(params, grads):\n        p.grad = g.clone()\n"
        "    total = float(torch.nn.utils.clip_grad_norm_(params, max_norm))\n"
        "    return total, [p.grad for p in params]",
        # clips each gradient on its own norm
        "def clip_gradients(grads, max_norm):\n"
        "    total = math.sqrt(sum(float(g.pow(2).sum()) for g in grads))\n"
        "    return total, [g * min(1.0, max_norm / (float(g.norm()) + 1e-6)) for g in grads]",
        # always rescales to max_norm, also scaling small gradients up
        "def clip_gradients(grads, max_norm):\n"
        "    total = math.sqrt(sum(float(g.pow(2).sum()) for g in grads))\n"
        "    return total, [g * max_norm / (total + 1e-6) for g in grads]",
        # clips every element to [-max_norm, max_norm] (clip by value)
        "def clip_gradients(grads, max_norm):\n"
        "    total = math.sqrt(sum(float(g.pow(2).sum()) for g in grads))\n"
        "    return total, [g.clamp(-max_norm, max_norm) for g in grads]",
        # the sum of the norms instead of the global norm
        "def clip_gradients(grads, max_norm):\n"
        "    total = sum(float(g.norm()) for g in grads)\n"
        "    return total, [g * min(1.0, max_norm / (total + 1e-6)) for g in grads]",
        # modifies the gradients in place
        "def clip_gradients(grads, max_norm):\n"
        "    total = math.sqrt(sum(float(g.pow(2).sum()) for g in grads))\n"
        "    for g in grads:\n        g.mul_(min(1.0, max_norm / (total + 1e-6)))\n"
        "    return total, grads",
    ],
    "windows": [
        # calls the course's own batchify and TruncatedBPTT
        "def batchify(stream, batch_size):\n"
        "    from nlpcourse.lm import batchify as course_batchify\n"
        "    return course_batchify(stream, batch_size)\n\n"
        "def get_window(data, start, bptt):\n"
        "    from nlpcourse.lm import TruncatedBPTT\n"
        "    walk = TruncatedBPTT(data, bptt)\n"
        "    x, y, _ = walk.batch(walk.starts.index(start))\n"
        "    return x, y",
        # rows interleaved (stream.view(n, batch).T) instead of contiguous
        "def batchify(stream, batch_size):\n"
        "    n = len(stream) // batch_size\n"
        "    return stream[: n * batch_size].view(n, batch_size).T\n\n"
        "def get_window(data, start, bptt):\n"
        "    length = min(bptt, data.shape[1] - 1 - start)\n"
        "    return data[:, start: start + length], data[:, start + 1: start + 1 + length]",
        # targets equal to the inputs
        "def batchify(stream, batch_size):\n"
        "    n = len(stream) // batch_size\n"
        "    return stream[: n * batch_size].view(batch_size, n)\n\n"
        "def get_window(data, start, bptt):\n"
        "    length = min(bptt, data.shape[1] - 1 - start)\n"
        "    return data[:, start: start + length], data[:, start: start + length]",
        # the last window is not shortened: its inputs have no target
        "def batchify(stream, batch_size):\n"
        "    n = len(stream) // batch_size\n"
        "    return stream[: n * batch_size].view(batch_size, n)\n\n"
        "def get_window(data, start, bptt):\n"
        "    return data[:, start: start + bptt], data[:, start + 1: start + 1 + bptt]",
    ],
    "top_k": [
        # calls the course's own next_token_probs
        "def top_k_probs(logits, temperature, k):\n"
        "    from nlpcourse.lm import next_token_probs\n"
        "    return next_token_probs(logits, temperature, k)",
        # softmax over the first dimension: right for one row, wrong for a batch
        "def top_k_probs(logits, temperature, k):\n"
        "    logits = logits / temperature\n"
        "    if k is not None and k < logits.shape[-1]:\n"
        "        kth = torch.topk(logits, k, dim=-1).values[..., -1:]\n"
        "        logits = logits.masked_fill(logits < kth, float('-inf'))\n"
        "    return torch.softmax(logits, dim=0)",
        # one threshold for the whole batch (the smallest of all rows' k-th values)
        "def top_k_probs(logits, temperature, k):\n"
        "    logits = logits / temperature\n"
        "    if k is not None and k < logits.shape[-1]:\n"
        "        kth = torch.topk(logits, k, dim=-1).values.min()\n"
        "        logits = logits.masked_fill(logits < kth, float('-inf'))\n"
        "    return torch.softmax(logits, dim=-1)",
        # top-k applied before the temperature, but the temperature forgotten
        "def top_k_probs(logits, temperature, k):\n"
        "    if k is not None and k < len(logits):\n"
        "        kth = torch.topk(logits, k).values[-1]\n"
        "        logits = logits.masked_fill(logits < kth, float('-inf'))\n"
        "    return torch.softmax(logits, dim=-1)",
        # multiplies by the temperature
        "def top_k_probs(logits, temperature, k):\n"
        "    logits = logits * temperature\n"
        "    if k is not None and k < len(logits):\n"
        "        kth = torch.topk(logits, k).values[-1]\n"
        "        logits = logits.masked_fill(logits < kth, float('-inf'))\n"
        "    return torch.softmax(logits, dim=-1)",
        # zeroes the tail after the softmax without renormalising
        "def top_k_probs(logits, temperature, k):\n"
        "    probs = torch.softmax(logits / temperature, dim=-1)\n"
        "    if k is not None and k < len(logits):\n"
        "        probs = probs.masked_fill(probs < torch.topk(probs, k).values[-1], 0.0)\n"
        "    return probs",
        # keeps k + 1 values
        "def top_k_probs(logits, temperature, k):\n"
        "    logits = logits / temperature\n"
        "    if k is not None and k < len(logits) - 1:\n"
        "        kth = torch.topk(logits, k + 1).values[-1]\n"
        "        logits = logits.masked_fill(logits < kth, float('-inf'))\n"
        "    return torch.softmax(logits, dim=-1)",
    ],
    "perplexity_from_logits": [
        # calls the course's own perplexity
        "def perplexity_from_logits(logits, targets, pad_id):\n"
        "    from nlpcourse.train import perplexity\n"
        "    loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=pad_id)\n"
        "    return perplexity(loss.item())",
        # padding counted
        "def perplexity_from_logits(logits, targets, pad_id):\n"
        "    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))\n"
        "    return math.exp(loss.item())",
        # returns a tensor
        "def perplexity_from_logits(logits, targets, pad_id):\n"
        "    loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=pad_id)\n"
        "    return torch.exp(loss)",
        # the cross-entropy, not its exponential
        "def perplexity_from_logits(logits, targets, pad_id):\n"
        "    loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=pad_id)\n"
        "    return loss.item()",
        # base 2
        "def perplexity_from_logits(logits, targets, pad_id):\n"
        "    loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=pad_id)\n"
        "    return 2 ** loss.item()",
    ],
}

_MODEL = (
    "class LSTMLanguageModel(nn.Module):\n"
    "    def __init__(self, vocab_size, dim):\n"
    "        super().__init__()\n"
    "        self.embedding = nn.Embedding(vocab_size, dim)\n"
    "        self.lstm = nn.LSTM(dim, dim, batch_first=True)\n"
    "        self.head = nn.Linear(dim, vocab_size)\n"
    "        self.head.weight = self.embedding.weight\n\n"
    "    def forward(self, idx, state=None):\n"
    "        out, state = self.lstm(self.embedding(idx), state)\n"
    "        return self.head(out), state\n\n"
)


def _loop(body: str) -> str:
    return (
        "def train_tbptt(model, data, steps, bptt=35, lr=1e-2, clip=0.5):\n"
        "    optimizer = torch.optim.Adam(model.parameters(), lr=lr)\n"
        "    losses, state, start = [], None, 0\n"
        "    for _ in range(steps):\n"
        "        if start >= data.shape[1] - 1:\n"
        "            start, state = 0, None\n" + body + "        losses.append(loss.item())\n"
        "        start += inputs.shape[1]\n"
        "    return losses\n"
    )


_RIGHT_STEP = (
    "        inputs, targets = get_window(data, start, bptt)\n"
    "        logits, state = model(inputs, state)\n"
    "        state = tuple(s.detach() for s in state)\n"
    "        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))\n"
    "        optimizer.zero_grad()\n"
    "        loss.backward()\n"
    "        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)\n"
    "        optimizer.step()\n"
)

WRONG["lstm_lm"] = [
    # the course's shared training loop does the truncated BPTT
    _MODEL + "def train_tbptt(model, data, steps, bptt=35, lr=1e-2, clip=0.5):\n"
    "    from nlpcourse.train import train\n"
    "    starts = list(range(0, data.shape[1] - 1, bptt))\n"
    "    carried = {'state': None}\n\n"
    "    def loss_fn(model, batch):\n"
    "        inputs, targets, restart = batch\n"
    "        logits, state = model(inputs, None if restart else carried['state'])\n"
    "        carried['state'] = tuple(s.detach() for s in state)\n"
    "        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))\n\n"
    "    def batch(step):\n"
    "        start = starts[step % len(starts)]\n"
    "        return (*get_window(data, start, bptt), start == 0)\n\n"
    "    history = train(model, batch, steps, torch.optim.Adam(model.parameters(), lr=lr), loss_fn=loss_fn,\n"
    "                    clip=clip, progress=False)\n"
    "    return history['loss']",
    # nn.LSTM without batch_first: reads the batch as time and the time steps as a batch
    _MODEL.replace("nn.LSTM(dim, dim, batch_first=True)", "nn.LSTM(dim, dim)") + _loop(_RIGHT_STEP),
    # forward ignores the state it is given
    _MODEL.replace("self.lstm(self.embedding(idx), state)", "self.lstm(self.embedding(idx))")
    + _loop(_RIGHT_STEP),
    # targets not shifted: learns to copy the input token
    _MODEL
    + _loop(
        _RIGHT_STEP.replace(
            "inputs, targets = get_window(data, start, bptt)",
            "inputs, _ = get_window(data, start, bptt)\n        targets = inputs",
        )
    ),
    # never zeroes the gradients: every step adds up all earlier gradients
    _MODEL + _loop(_RIGHT_STEP.replace("        optimizer.zero_grad()\n", "")),
]

#: wrong answers that the visible checks alone must reject (the student sees these before grading)
VISIBLE: dict[str, list[int]] = {
    "rnn_step": [1, 2, 3],
    "lstm_step": [1, 2, 3, 4],
    "clip_gradients": [1, 3, 4, 5],
    "windows": [1, 2, 3],
    "top_k": [1, 2, 3, 4, 5, 6],
    "perplexity_from_logits": [2, 3, 4],
    "lstm_lm": [1, 2],
}
