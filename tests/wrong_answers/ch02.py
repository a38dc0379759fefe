"""Wrong answers for chapter 02_embeddings: each must make its check cell fail with words."""

CHAPTER = "02_embeddings"

WRONG: dict[str, list[str]] = {
    "cosine_similarity": [
        # dot products, no normalisation
        "def cosine_similarity(x, y):\n    return x @ y.T",
        # normalises x only
        "def cosine_similarity(x, y):\n    return (x / x.norm(dim=1, keepdim=True)) @ y.T",
        # no guard: a zero vector gives NaN
        "def cosine_similarity(x, y):\n"
        "    return (x / x.norm(dim=1, keepdim=True)) @ (y / y.norm(dim=1, keepdim=True)).T",
        # (m, n) instead of (n, m)
        "def cosine_similarity(x, y):\n"
        "    x = x / x.norm(dim=1, keepdim=True).clamp(min=1e-8)\n"
        "    y = y / y.norm(dim=1, keepdim=True).clamp(min=1e-8)\n    return y @ x.T",
        # always float32
        "def cosine_similarity(x, y):\n"
        "    x = x.float() / x.float().norm(dim=1, keepdim=True).clamp(min=1e-8)\n"
        "    y = y.float() / y.float().norm(dim=1, keepdim=True).clamp(min=1e-8)\n    return x @ y.T",
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
    ],
    "noise_probabilities": [
        # not normalised
        "def noise_probabilities(counts, power=0.75):\n    return counts.double() ** power",
        # normalised before the power: does not sum to 1
        "def noise_probabilities(counts, power=0.75):\n"
        "    return (counts.double() / counts.sum()) ** power",
        # ignores the power argument
        "def noise_probabilities(counts, power=0.75):\n"
        "    w = counts.double() ** 0.75\n    return w / w.sum()",
        # float32
        "def noise_probabilities(counts, power=0.75):\n"
        "    w = counts.float() ** power\n    return w / w.sum()",
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
    ],
}
