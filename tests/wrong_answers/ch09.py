"""Wrong answers for chapter 09_translation: each must make its check cell fail with words."""

CHAPTER = "09_translation"

_PRECISION = (
    "def ngram_precision(hyp, ref, n):\n"
    "    def counts(tokens):\n"
    "        table = {}\n"
    "        for i in range(len(tokens) - n + 1):\n"
    "            table[tuple(tokens[i:i + n])] = table.get(tuple(tokens[i:i + n]), 0) + 1\n"
    "        return table\n"
    "    h, r = counts(hyp), counts(ref)\n"
    "    return sum(min(c, r.get(g, 0)) for g, c in h.items()), sum(h.values())\n\n"
)
_BREVITY = (
    "def brevity(c, r):\n"
    "    if c >= r:\n        return 1.0\n"
    "    return math.exp(1 - r / c) if c > 0 else 0.0\n"
)
_LAYER_INIT = (
    "class MyDecoderLayer(nn.Module):\n"
    "    def __init__(self, d_model, num_heads, d_ff):\n"
    "        super().__init__()\n"
    "        self.self_attn = MultiHeadAttention(d_model, num_heads)\n"
    "        self.cross_attn = MultiHeadAttention(d_model, num_heads)\n"
    "        self.ff = nn.Sequential(nn.Linear(d_model, d_ff), nn.ReLU(), nn.Linear(d_ff, d_model))\n"
    "        self.norms = nn.ModuleList(nn.LayerNorm(d_model) for _ in range(3))\n\n"
    "    def forward(self, x, memory, self_mask=None, memory_mask=None, cache=None, need_weights=False):\n"
)
_TRAIN = (
    "\n\ndef train_my_translator(examples):\n"
    "    torch.manual_seed(SEED)\n"
    "    model = build_translator(examples, decoder_layer=lambda: MyDecoderLayer(64, 4, 256), **MODEL)\n"
    "    train_translator(model, examples, steps=CAPSTONE_STEPS, lr=LR, seed=SEED)\n"
    "    return model\n"
)
_CROSS = (
    "        x = self.norms[1](x + self.cross_attn(x, memory, memory, mask=memory_mask,"
    " need_weights=False)[0])\n"
)
_RIGHT_FORWARD = (
    "        x = self.norms[0](x + self.self_attn(x, mask=self_mask, need_weights=False)[0])\n"
    + _CROSS
    + "        return self.norms[2](x + self.ff(x))\n"
)

WRONG: dict[str, list[str]] = {
    "decoder_mask": [
        # causal only: padding keys stay visible
        "def decoder_mask(tgt, pad_id):\n"
        "    n = tgt.shape[1]\n"
        "    return torch.ones(n, n, dtype=torch.bool).tril().expand(tgt.shape[0], 1, n, n)",
        # upper triangle: every position sees the future
        "def decoder_mask(tgt, pad_id):\n"
        "    n = tgt.shape[1]\n"
        "    return torch.ones(n, n, dtype=torch.bool).triu() & (tgt != pad_id)[:, None, None, :]",
        # hides padded queries instead of padded keys
        "def decoder_mask(tgt, pad_id):\n"
        "    n = tgt.shape[1]\n"
        "    return torch.ones(n, n, dtype=torch.bool).tril() & (tgt != pad_id)[:, None, :, None]",
        # no head dimension: (batch, T, T)
        "def decoder_mask(tgt, pad_id):\n"
        "    n = tgt.shape[1]\n"
        "    return torch.ones(n, n, dtype=torch.bool).tril() & (tgt != pad_id)[:, None, :]",
        # calls the course's implementation
        "def decoder_mask(tgt, pad_id):\n    return decoder_self_mask(tgt, pad_id)",
    ],
    "cross_attention": [
        # ignores the padding mask
        "def cross_attention(x, memory, memory_keep, w_q, w_k, w_v, w_o, num_heads):\n"
        "    b, t, d = x.shape\n    h = d // num_heads\n"
        "    split = lambda z: z.view(b, -1, num_heads, h).transpose(1, 2)\n"
        "    q, k, v = split(x @ w_q.T), split(memory @ w_k.T), split(memory @ w_v.T)\n"
        "    w = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(h), dim=-1)\n"
        "    return (w @ v).transpose(1, 2).reshape(b, t, d) @ w_o.T",
        # scales by sqrt(d_model) instead of sqrt(d_head)
        "def cross_attention(x, memory, memory_keep, w_q, w_k, w_v, w_o, num_heads):\n"
        "    b, t, d = x.shape\n    h = d // num_heads\n"
        "    split = lambda z: z.view(b, -1, num_heads, h).transpose(1, 2)\n"
        "    q, k, v = split(x @ w_q.T), split(memory @ w_k.T), split(memory @ w_v.T)\n"
        "    s = (q @ k.transpose(-2, -1) / math.sqrt(d)).masked_fill(~memory_keep[:, None, None, :], -1e9)\n"
        "    return (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(b, t, d) @ w_o.T",
        # softmax over the queries
        "def cross_attention(x, memory, memory_keep, w_q, w_k, w_v, w_o, num_heads):\n"
        "    b, t, d = x.shape\n    h = d // num_heads\n"
        "    split = lambda z: z.view(b, -1, num_heads, h).transpose(1, 2)\n"
        "    q, k, v = split(x @ w_q.T), split(memory @ w_k.T), split(memory @ w_v.T)\n"
        "    s = (q @ k.transpose(-2, -1) / math.sqrt(h)).masked_fill(~memory_keep[:, None, None, :], -1e9)\n"
        "    return (torch.softmax(s, -2) @ v).transpose(1, 2).reshape(b, t, d) @ w_o.T",
        # reshapes straight into (batch, heads, n, d_head): mixes positions and features
        "def cross_attention(x, memory, memory_keep, w_q, w_k, w_v, w_o, num_heads):\n"
        "    b, t, d = x.shape\n    h = d // num_heads\n"
        "    split = lambda z: z.reshape(b, num_heads, -1, h)\n"
        "    q, k, v = split(x @ w_q.T), split(memory @ w_k.T), split(memory @ w_v.T)\n"
        "    s = (q @ k.transpose(-2, -1) / math.sqrt(h)).masked_fill(~memory_keep[:, None, None, :], -1e9)\n"
        "    return (torch.softmax(s, -1) @ v).reshape(b, t, d) @ w_o.T",
        # lets the course's MultiHeadAttention do it
        "def cross_attention(x, memory, memory_keep, w_q, w_k, w_v, w_o, num_heads):\n"
        "    attn = MultiHeadAttention(x.shape[-1], num_heads, bias=False)\n"
        "    with torch.no_grad():\n"
        "        projections = (attn.q_proj, attn.k_proj, attn.v_proj, attn.out_proj)\n"
        "        for p, w in zip(projections, (w_q, w_k, w_v, w_o)):\n"
        "            p.weight.copy_(w)\n"
        "        return attn(x, memory, memory, mask=memory_keep[:, None, None, :])[0]",
    ],
    "beam_step": [
        # forgets the scores of the hypotheses so far
        "def beam_step(log_probs, scores, beam_size):\n"
        "    b, k, v = log_probs.shape\n"
        "    s, i = log_probs.reshape(b, k * v).topk(beam_size, dim=-1)\n"
        "    return scores.gather(1, i // v) + s, i // v, i % v",
        # only the best token of each hypothesis
        "def beam_step(log_probs, scores, beam_size):\n"
        "    s, t = (scores[:, :, None] + log_probs).max(dim=-1)\n"
        "    beam = torch.arange(s.shape[1]).expand_as(t)\n"
        "    return s[:, :beam_size], beam[:, :beam_size], t[:, :beam_size]",
        # beam and token swapped when unflattening
        "def beam_step(log_probs, scores, beam_size):\n"
        "    b, k, v = log_probs.shape\n"
        "    s, i = (scores[:, :, None] + log_probs).reshape(b, k * v).topk(beam_size, dim=-1)\n"
        "    return s, i % k, i // k",
        # calls the course's implementation
        "from nlpcourse.transformer.decoding import top_extensions\n\n"
        "def beam_step(log_probs, scores, beam_size):\n"
        "    return top_extensions(log_probs, scores, beam_size)",
    ],
    "bleu_parts": [
        # no clipping: every hypothesis n-gram found in the reference counts
        "def ngram_precision(hyp, ref, n):\n"
        "    h = [tuple(hyp[i:i + n]) for i in range(len(hyp) - n + 1)]\n"
        "    r = {tuple(ref[i:i + n]) for i in range(len(ref) - n + 1)}\n"
        "    return sum(g in r for g in h), len(h)\n\n" + _BREVITY,
        # brevity penalty upside down
        _PRECISION + "def brevity(c, r):\n"
        "    if c >= r:\n        return 1.0\n"
        "    return math.exp(1 - c / r) if c > 0 else 0.0\n",
        # counts distinct n-grams (sets) instead of occurrences
        "def ngram_precision(hyp, ref, n):\n"
        "    h = {tuple(hyp[i:i + n]) for i in range(len(hyp) - n + 1)}\n"
        "    r = {tuple(ref[i:i + n]) for i in range(len(ref) - n + 1)}\n"
        "    return len(h & r), len(h)\n\n" + _BREVITY,
        # calls the course's implementation
        "from nlpcourse.translation.bleu import brevity_penalty, modified_precision\n\n"
        "def ngram_precision(hyp, ref, n):\n    return modified_precision(hyp, ref, n)\n\n"
        "def brevity(c, r):\n    return brevity_penalty(c, r)\n",
    ],
    "capstone": [
        # no causal mask: the decoder reads the answer during teacher forcing
        _LAYER_INIT
        + "        x = self.norms[0](x + self.self_attn(x, need_weights=False)[0])\n"
        + _CROSS
        + "        return self.norms[2](x + self.ff(x))\n"
        + _TRAIN,
        # "cross"-attention over the decoder states: the source is never read
        _LAYER_INIT
        + "        x = self.norms[0](x + self.self_attn(x, mask=self_mask, need_weights=False)[0])\n"
        "        x = self.norms[1](x + self.cross_attn(x, mask=self_mask, need_weights=False)[0])\n"
        "        return self.norms[2](x + self.ff(x))\n" + _TRAIN,
        # a right layer, never trained
        _LAYER_INIT + _RIGHT_FORWARD + "\n\ndef train_my_translator(examples):\n"
        "    return build_translator(examples, decoder_layer=lambda: MyDecoderLayer(64, 4, 256), **MODEL)\n",
        # wraps the course's DecoderLayer
        "from nlpcourse.transformer import DecoderLayer\n\n"
        "class MyDecoderLayer(nn.Module):\n"
        "    def __init__(self, d_model, num_heads, d_ff):\n"
        "        super().__init__()\n"
        "        self.inner = DecoderLayer(d_model, num_heads, d_ff)\n\n"
        "    def forward(self, x, memory, self_mask=None, memory_mask=None, cache=None,\n"
        "                need_weights=False):\n"
        "        return self.inner(x, memory, self_mask, memory_mask)\n" + _TRAIN,
    ],
}

VISIBLE: dict[str, list[int]] = {
    "decoder_mask": [0, 1, 2, 3],
    "cross_attention": [0, 1, 2, 3],
    "beam_step": [0, 1, 2],
    "bleu_parts": [0, 1, 2],
    "capstone": [0, 1],
}
