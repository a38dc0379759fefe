"""Wrong answers for chapter 02_embeddings: each must make its check cell fail with words."""

CHAPTER = "02_embeddings"

_PPMI = (
    "def ppmi(counts):\n"
    "    n = {n}\n"
    "    pmi = torch.log(counts * n / (counts.sum(-1, keepdim=True) * counts.sum(-2, keepdim=True)))\n"
    "    return torch.where(counts > 0, pmi, torch.zeros_like(pmi)){clip}"
)
_INIT = "(torch.rand(len(noise), dim, generator=g) - 0.5) / dim"
_SGNS = (
    "def train_sgns(centres, contexts, noise, dim=50, negative=5, epochs=2, batch_size=1024,\n"
    "               lr=0.02, seed=0):\n"
    "    g = torch.Generator().manual_seed(seed)\n"
    "    v = torch.nn.Parameter({init})\n"
    "    u = torch.nn.Parameter(torch.zeros(len(noise), dim))\n"
    "    opt = torch.optim.Adam([v, u], lr=lr)\n"
    "    losses = []\n"
    "    for _ in range(epochs):\n"
    "        order, total = torch.randperm(len(centres), generator=g), 0.0\n"
    "        for s in range(0, len(order), batch_size):\n"
    "            b = order[s:s + batch_size]\n"
    "            neg = torch.multinomial(noise, len(b) * negative, True, generator=g).view(len(b), -1)\n"
    "            loss = sgns_loss({v}[centres[b]], {u}[contexts[b]], {u}[neg]).mean()\n"
    "            opt.zero_grad()\n"
    "            {step}\n"
    "            opt.step()\n"
    "            total += loss.item() * len(b)\n"
    "        losses.append(total / len(order))\n"
    "    return v.detach(), losses"
)

WRONG: dict[str, list[str]] = {
    "ppmi": [
        # keeps negative PMI values
        _PPMI.format(n="counts.sum(dim=(-2, -1), keepdim=True)", clip=""),
        # one total N for the whole batch
        _PPMI.format(n="counts.sum()", clip=".clamp(min=0)"),
        # forgets N: log(X_ij / (X_i. X_.j))
        _PPMI.format(n="1.0", clip=".clamp(min=0)"),
        # no mask: an all-zero row gives nan
        "def ppmi(counts):\n"
        "    n = counts.sum(dim=(-2, -1), keepdim=True)\n"
        "    rows, cols = counts.sum(-1, keepdim=True), counts.sum(-2, keepdim=True)\n"
        "    return torch.log(counts * n / (rows * cols)).clamp(min=0)",
        # log base 2
        _PPMI.format(n="counts.sum(dim=(-2, -1), keepdim=True)", clip=".clamp(min=0)").replace("log", "log2"),
    ],
    "skipgram_pairs": [
        # pairs a word with itself
        "def skipgram_pairs(tokens, window):\n"
        "    return [(tokens[i], tokens[j]) for i in range(len(tokens))\n"
        "            for j in range(max(0, i - window), min(len(tokens), i + window + 1))]",
        # the right end of the window is left out
        "def skipgram_pairs(tokens, window):\n"
        "    return [(tokens[i], tokens[j]) for i in range(len(tokens))\n"
        "            for j in range(max(0, i - window), min(len(tokens), i + window)) if j != i]",
        # right context only
        "def skipgram_pairs(tokens, window):\n"
        "    return [(tokens[i], tokens[j]) for i in range(len(tokens))\n"
        "            for j in range(i + 1, min(len(tokens), i + window + 1))]",
        # lists instead of tuples
        "def skipgram_pairs(tokens, window):\n"
        "    return [[tokens[i], tokens[j]] for i in range(len(tokens))\n"
        "            for j in range(max(0, i - window), min(len(tokens), i + window + 1)) if j != i]",
        # (context, centre)
        "def skipgram_pairs(tokens, window):\n"
        "    return [(tokens[j], tokens[i]) for i in range(len(tokens))\n"
        "            for j in range(max(0, i - window), min(len(tokens), i + window + 1)) if j != i]",
        # calls the package's pair builder on ids
        "def skipgram_pairs(tokens, window):\n"
        "    if len(tokens) < 2:\n        return []\n"
        "    words = list(dict.fromkeys(tokens))\n"
        "    ids = torch.tensor([words.index(t) for t in tokens], dtype=torch.long)\n"
        "    c, o = package_skipgram_pairs(ids, torch.tensor([0, len(tokens)]), window, dynamic=False)\n"
        "    return [(words[a], words[b]) for a, b in zip(c.tolist(), o.tolist())]",
    ],
    "sgns_loss": [
        # the noise words are scored like true pairs
        "def sgns_loss(v_c, u_o, u_neg):\n"
        "    pos = (u_o * v_c).sum(-1)\n    neg = (u_neg @ v_c.unsqueeze(-1)).squeeze(-1)\n"
        "    return -F.logsigmoid(pos) - F.logsigmoid(neg).sum(-1)",
        # mean over the noise words instead of the sum
        "def sgns_loss(v_c, u_o, u_neg):\n"
        "    pos = (u_o * v_c).sum(-1)\n    neg = (u_neg @ v_c.unsqueeze(-1)).squeeze(-1)\n"
        "    return -F.logsigmoid(pos) - F.logsigmoid(-neg).mean(-1)",
        # one number for the whole batch
        "def sgns_loss(v_c, u_o, u_neg):\n"
        "    pos = (u_o * v_c).sum(-1)\n    neg = (u_neg @ v_c.unsqueeze(-1)).squeeze(-1)\n"
        "    return (-F.logsigmoid(pos) - F.logsigmoid(-neg).sum(-1)).mean()",
        # log(sigmoid(x)): infinite for large scores
        "def sgns_loss(v_c, u_o, u_neg):\n"
        "    pos = (u_o * v_c).sum(-1)\n    neg = (u_neg @ v_c.unsqueeze(-1)).squeeze(-1)\n"
        "    return -torch.log(torch.sigmoid(pos)) - torch.log(torch.sigmoid(-neg)).sum(-1)",
        # calls the package's loss
        "from nlpcourse.embeddings import negative_sampling_loss\n"
        "def sgns_loss(v_c, u_o, u_neg):\n"
        "    return negative_sampling_loss((u_o * v_c).sum(-1), torch.einsum('bkd,bd->bk', u_neg, v_c),\n"
        "                                  reduction='none')",
    ],
    "noise_probabilities": [
        # not normalised
        "def noise_probabilities(counts, power=0.75):\n    return counts.double() ** power",
        # normalised before the power: does not sum to 1
        "def noise_probabilities(counts, power=0.75):\n    return (counts.double() / counts.sum()) ** power",
        # ignores the power argument
        "def noise_probabilities(counts, power=0.75):\n"
        "    w = counts.double() ** 0.75\n    return w / w.sum()",
        # float32
        "def noise_probabilities(counts, power=0.75):\n"
        "    w = counts.float() ** power\n    return w / w.sum()",
        # calls the package's noise distribution through a stand-in vocabulary
        "from types import SimpleNamespace\n"
        "def noise_probabilities(counts, power=0.75):\n"
        "    fake = SimpleNamespace(specials=[], tokens=list(range(len(counts))),\n"
        "                           counts=dict(enumerate(counts.tolist())))\n"
        "    return noise_distribution(fake, power)",
    ],
    "solve_analogy": [
        # does not exclude the query words
        "def solve_analogy(vectors, a, b, c):\n"
        "    u = vectors.unit\n    scores = u @ (u[vectors.id(b)] - u[vectors.id(a)] + u[vectors.id(c)])\n"
        "    return vectors.words[int(scores.argmax())]",
        # raw vectors, no normalisation
        "def solve_analogy(vectors, a, b, c):\n"
        "    v = vectors.vectors\n    scores = v @ (v[vectors.id(b)] - v[vectors.id(a)] + v[vectors.id(c)])\n"
        "    for w in (a, b, c):\n        scores[vectors.id(w)] = -float('inf')\n"
        "    return vectors.words[int(scores.argmax())]",
        # a - b + c
        "def solve_analogy(vectors, a, b, c):\n"
        "    u = vectors.unit\n    scores = u @ (u[vectors.id(a)] - u[vectors.id(b)] + u[vectors.id(c)])\n"
        "    for w in (a, b, c):\n        scores[vectors.id(w)] = -float('inf')\n"
        "    return vectors.words[int(scores.argmax())]",
        # returns the row number
        "def solve_analogy(vectors, a, b, c):\n"
        "    u = vectors.unit\n    scores = u @ (u[vectors.id(b)] - u[vectors.id(a)] + u[vectors.id(c)])\n"
        "    for w in (a, b, c):\n        scores[vectors.id(w)] = -float('inf')\n"
        "    return int(scores.argmax())",
        # calls the package's analogy solver
        "def solve_analogy(vectors, a, b, c):\n    return vectors.analogy(a, b, c)[0][0]",
    ],
    "glove_weight": [
        # no cap at 1
        "def glove_weight(x, x_max=100.0, alpha=0.75):\n    return (x / x_max) ** alpha",
        # the power on x only
        "def glove_weight(x, x_max=100.0, alpha=0.75):\n    return (x ** alpha / x_max).clamp(max=1.0)",
        # zero weight above x_max
        "def glove_weight(x, x_max=100.0, alpha=0.75):\n"
        "    return torch.where(x < x_max, (x / x_max) ** alpha, torch.zeros_like(x))",
        # ignores alpha
        "def glove_weight(x, x_max=100.0, alpha=0.75):\n    return (x / x_max).pow(0.75).clamp(max=1.0)",
        # calls the package's weighting function
        "from nlpcourse.embeddings import glove_weight as _weight\n"
        "def glove_weight(x, x_max=100.0, alpha=0.75):\n    return _weight(x, x_max, alpha)",
    ],
    "train_sgns": [
        # both tables start at zero: every gradient is zero, nothing is learnt
        _SGNS.format(init="torch.zeros(len(noise), dim)", v="v", u="u", step="loss.backward()"),
        # gradient ascent: maximises the loss
        _SGNS.format(init=_INIT, v="v", u="u", step="(-loss).backward()"),
        # one table for centres and contexts: u is never used
        _SGNS.format(init=_INIT, v="v", u="v", step="loss.backward()"),
        # calls the package's trainer
        "def train_sgns(centres, contexts, noise, dim=50, negative=5, epochs=2, batch_size=1024,\n"
        "               lr=0.02, seed=0):\n"
        "    config = Word2VecConfig(dim=dim, negative=negative, epochs=epochs, seed=seed, min_count=5)\n"
        "    vectors, history = train_word2vec(toy, config, backend='torch')\n"
        "    table = torch.zeros(len(noise), dim)\n"
        "    for i, word in enumerate(sgns_vocab.tokens):\n"
        "        if word in vectors:\n            table[i] = vectors.vectors[vectors.id(word)]\n"
        "    return table, [2.5, 1.5]",
    ],
}

# Wrong answers (indices into WRONG) that the visible checks alone must reject.
VISIBLE: dict[str, list[int]] = {
    "ppmi": [0, 1, 2, 4],
    "skipgram_pairs": [0, 1, 2, 3, 4],
    "sgns_loss": [0, 1, 2],
    "noise_probabilities": [0, 1, 3],
    "solve_analogy": [0, 1, 2, 3],
    "glove_weight": [0, 1, 2],
    "train_sgns": [0, 1, 3],
}
