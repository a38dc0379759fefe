"""Wrong answers for chapter 04_rnn: each must make its check cell fail with words."""

CHAPTER = "04_rnn"

WRONG: dict[str, list[str]] = {
    "rnn_step": [
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
