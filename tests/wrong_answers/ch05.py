"""Wrong answers for chapter 05_attention: each must make its check cell fail with words."""

CHAPTER = "05_attention"

WRONG: dict[str, list[str]] = {
    "attention": [
        # calls the course's own attention
        "def attention(q, k, v):\n"
        "    from nlpcourse.transformer import scaled_dot_product_attention\n"
        "    return scaled_dot_product_attention(q, k, v)",
        # softmax over dimension 1: the keys for one (n_q, n_k) matrix, the heads for a batch
        "def attention(q, k, v):\n"
        "    w = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=1)\n    return w @ v, w",
        # scales by the number of keys instead of d_k
        "def attention(q, k, v):\n"
        "    w = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(k.shape[0]), dim=-1)\n    return w @ v, w",
        # no scaling
        "def attention(q, k, v):\n"
        "    w = torch.softmax(q @ k.transpose(-2, -1), dim=-1)\n    return w @ v, w",
        # scales by d_k instead of sqrt(d_k)
        "def attention(q, k, v):\n"
        "    w = torch.softmax(q @ k.transpose(-2, -1) / q.shape[-1], dim=-1)\n    return w @ v, w",
        # softmax over the queries
        "def attention(q, k, v):\n"
        "    w = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-2)\n"
        "    return w @ v, w",
        # returns only the output
        "def attention(q, k, v):\n    return F.scaled_dot_product_attention(q, k, v)",
    ],
    "masked_attention": [
        # calls the course's own attention
        "def masked_attention(q, k, v, mask):\n"
        "    from nlpcourse.transformer import scaled_dot_product_attention\n"
        "    return scaled_dot_product_attention(q, k, v, mask=mask)",
        # inverted mask
        "def masked_attention(q, k, v, mask):\n"
        "    s = (q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])).masked_fill(mask, float('-inf'))\n"
        "    w = torch.softmax(s, dim=-1)\n    return w @ v, w",
        # zeroes weights after the softmax without renormalising
        "def masked_attention(q, k, v, mask):\n"
        "    w = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1) * mask\n"
        "    return w @ v, w",
        # ignores the mask
        "def masked_attention(q, k, v, mask):\n"
        "    w = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)\n"
        "    return w @ v, w",
    ],
    "causal_mask": [
        # calls the course's own mask
        "def causal_mask(n):\n"
        "    from nlpcourse.transformer import causal_mask as course_mask\n"
        "    return course_mask(n)",
        # upper triangle: attends to the future
        "def causal_mask(n):\n    return torch.ones(n, n, dtype=torch.bool).triu()",
        # strictly lower: a token cannot see itself
        "def causal_mask(n):\n    return torch.ones(n, n, dtype=torch.bool).tril(-1)",
        # float mask
        "def causal_mask(n):\n    return torch.ones(n, n).tril()",
    ],
    "heads": [
        # calls the course's own split and merge
        "def split_heads(x, num_heads):\n"
        "    from nlpcourse.transformer import split_heads as course_split\n"
        "    return course_split(x, num_heads)\n\n"
        "def merge_heads(x):\n"
        "    from nlpcourse.transformer import merge_heads as course_merge\n"
        "    return course_merge(x)",
        # reshapes straight to (batch, heads, seq, d_head): mixes positions
        "def split_heads(x, num_heads):\n"
        "    b, s, d = x.shape\n"
        "    if d % num_heads:\n        raise ValueError('not divisible')\n"
        "    return x.reshape(b, num_heads, s, d // num_heads)\n\n"
        "def merge_heads(x):\n    b, h, s, d = x.shape\n    return x.reshape(b, s, h * d)",
        # right split, wrong merge
        "def split_heads(x, num_heads):\n"
        "    b, s, d = x.shape\n"
        "    if d % num_heads:\n        raise ValueError('not divisible')\n"
        "    return x.reshape(b, s, num_heads, d // num_heads).transpose(1, 2)\n\n"
        "def merge_heads(x):\n    b, h, s, d = x.shape\n    return x.reshape(b, s, h * d)",
        # no error for an indivisible width
        "def split_heads(x, num_heads):\n"
        "    b, s, d = x.shape\n"
        "    return x.reshape(b, s, num_heads, -1).transpose(1, 2)\n\n"
        "def merge_heads(x):\n    b, h, s, d = x.shape\n"
        "    return x.transpose(1, 2).reshape(b, s, h * d)",
    ],
    "positional_encoding": [
        # calls the course's own encoding
        "def positional_encoding(max_len, d_model):\n"
        "    from nlpcourse.transformer import sinusoidal_positional_encoding\n"
        "    return sinusoidal_positional_encoding(max_len, d_model)",
        # exponent i / d_model instead of 2i / d_model
        "def positional_encoding(max_len, d_model):\n"
        "    pos = torch.arange(max_len, dtype=torch.float32)[:, None]\n"
        "    i = torch.arange(d_model // 2, dtype=torch.float32)\n"
        "    a = pos / 10000 ** (i / d_model)\n"
        "    pe = torch.zeros(max_len, d_model)\n"
        "    pe[:, 0::2], pe[:, 1::2] = torch.sin(a), torch.cos(a)\n    return pe",
        # sines in the first half, cosines in the second
        "def positional_encoding(max_len, d_model):\n"
        "    pos = torch.arange(max_len, dtype=torch.float32)[:, None]\n"
        "    two_i = torch.arange(0, d_model, 2, dtype=torch.float32)\n"
        "    a = pos / 10000 ** (two_i / d_model)\n"
        "    return torch.cat([torch.sin(a), torch.cos(a)], dim=1)",
        # float64 result
        "def positional_encoding(max_len, d_model):\n"
        "    pos = torch.arange(max_len, dtype=torch.float64)[:, None]\n"
        "    two_i = torch.arange(0, d_model, 2, dtype=torch.float64)\n"
        "    a = pos / 10000 ** (two_i / d_model)\n"
        "    pe = torch.zeros(max_len, d_model, dtype=torch.float64)\n"
        "    pe[:, 0::2], pe[:, 1::2] = torch.sin(a), torch.cos(a)\n    return pe",
    ],
    "encoder_block": [
        # runs the course's own EncoderLayer.forward on the given sublayers
        "def encoder_block(x, self_attn, feed_forward, norm1, norm2, norm_first=False):\n"
        "    from types import SimpleNamespace\n"
        "    from nlpcourse.transformer import EncoderLayer\n"
        "    layer = SimpleNamespace(norm_first=norm_first, norm1=norm1, norm2=norm2,\n"
        "                            _attention_block=lambda h, mask, need_weights: self_attn(h),\n"
        "                            _feed_forward_block=feed_forward)\n"
        "    return EncoderLayer.forward(layer, x)",
        # pre-LN always
        "def encoder_block(x, self_attn, feed_forward, norm1, norm2, norm_first=False):\n"
        "    h = x + self_attn(norm1(x))\n    return h + feed_forward(norm2(h))",
        # no residual connections
        "def encoder_block(x, self_attn, feed_forward, norm1, norm2, norm_first=False):\n"
        "    h = norm1(self_attn(x))\n    return norm2(feed_forward(h))",
        # post-LN right, pre-LN normalises the residual sum
        "def encoder_block(x, self_attn, feed_forward, norm1, norm2, norm_first=False):\n"
        "    if norm_first:\n        h = norm1(x + self_attn(x))\n"
        "        return norm2(h + feed_forward(h))\n"
        "    h = norm1(x + self_attn(x))\n    return norm2(h + feed_forward(h))",
    ],
}

_ATTENTION = (
    "class SelfAttention(nn.Module):\n"
    "    def __init__(self, d_model, num_heads):\n"
    "        super().__init__()\n"
    "        self.qkv = nn.Linear(d_model, 3 * d_model)\n"
    "        self.out = nn.Linear(d_model, d_model)\n"
    "        self.num_heads = num_heads\n\n"
    "    def forward(self, x):\n"
    "        q, k, v = (split_heads(t, self.num_heads) for t in self.qkv(x).chunk(3, dim=-1))\n"
    "        return self.out(merge_heads(attention(q, k, v)[0]))\n\n"
)
_ENCODER = (
    "class ReversalEncoder(nn.Module):\n"
    "    def __init__(self, vocab_size, d_model, num_heads, d_ff, num_layers, max_len):\n"
    "        super().__init__()\n"
    "        self.embedding = nn.Embedding(vocab_size, d_model)\n"
    "        self.register_buffer('positions', positional_encoding(max_len, d_model))\n"
    "        self.attentions = nn.ModuleList(SelfAttention(d_model, num_heads) for _ in range(num_layers))\n"
    "        self.feed_forwards = nn.ModuleList(\n"
    "            nn.Sequential(nn.Linear(d_model, d_ff), nn.ReLU(), nn.Linear(d_ff, d_model))\n"
    "            for _ in range(num_layers))\n"
    "        self.norms1 = nn.ModuleList(nn.LayerNorm(d_model) for _ in range(num_layers))\n"
    "        self.norms2 = nn.ModuleList(nn.LayerNorm(d_model) for _ in range(num_layers))\n"
    "        self.head = nn.Linear(d_model, vocab_size)\n\n"
    "    def forward(self, tokens):\n"
    "        x = self.embedding(tokens) + self.positions[: tokens.shape[1]]\n"
    "        for a, f, n1, n2 in zip(self.attentions, self.feed_forwards, self.norms1, self.norms2):\n"
    "            x = encoder_block(x, a, f, n1, n2)\n"
    "        return self.head(x)\n\n"
)
_TRAIN = (
    "def train_reversal_encoder(model, steps, vocab_size, seq_len=8, batch_size=64, lr=3e-3, seed=0):\n"
    "    generator = torch.Generator().manual_seed(seed)\n"
    "    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)\n"
    "    losses = []\n"
    "    for _ in range(steps):\n"
    "        inputs, targets = reversal_batch(batch_size, seq_len, vocab_size, generator)\n"
    "        loss = F.cross_entropy(model(inputs).reshape(-1, vocab_size), targets.reshape(-1))\n"
    "        optimizer.zero_grad()\n"
    "        loss.backward()\n"
    "        optimizer.step()\n"
    "        losses.append(loss.item())\n"
    "    return losses\n"
)

WRONG["reversal_encoder"] = [
    # the course's Encoder does the work
    "class ReversalEncoder(nn.Module):\n"
    "    def __init__(self, vocab_size, d_model, num_heads, d_ff, num_layers, max_len):\n"
    "        super().__init__()\n"
    "        from nlpcourse.transformer import Encoder, EncoderConfig\n"
    "        self.encoder = Encoder(EncoderConfig(vocab_size=vocab_size, d_model=d_model,\n"
    "                                             num_heads=num_heads, d_ff=d_ff, num_layers=num_layers,\n"
    "                                             max_len=max_len))\n"
    "        self.head = nn.Linear(d_model, vocab_size)\n\n"
    "    def forward(self, tokens):\n"
    "        return self.head(self.encoder(tokens))\n\n" + _TRAIN,
    # no positions: a bag of tokens, which cannot be reversed
    _ATTENTION + _ENCODER.replace(" + self.positions[: tokens.shape[1]]", "") + _TRAIN,
    # attention mixes the sequences of a batch: heads split with a plain reshape
    _ATTENTION.replace(
        "q, k, v = (split_heads(t, self.num_heads) for t in self.qkv(x).chunk(3, dim=-1))",
        "b, s, d = x.shape\n"
        "        q, k, v = (t.reshape(self.num_heads, b * s, d // self.num_heads)\n"
        "                   for t in self.qkv(x).chunk(3, dim=-1))",
    ).replace(
        "return self.out(merge_heads(attention(q, k, v)[0]))",
        "return self.out(attention(q, k, v)[0].reshape(b, s, d))",
    )
    + _ENCODER
    + _TRAIN,
    # trained to copy instead of reverse
    _ATTENTION
    + _ENCODER
    + _TRAIN.replace(
        "inputs, targets = reversal_batch(batch_size, seq_len, vocab_size, generator)",
        "inputs, _ = reversal_batch(batch_size, seq_len, vocab_size, generator)\n        targets = inputs",
    ),
    # the optimizer never steps
    _ATTENTION + _ENCODER + _TRAIN.replace("        optimizer.step()\n", ""),
]

#: wrong answers that the visible checks alone must reject (the student sees these before grading)
VISIBLE: dict[str, list[int]] = {
    "attention": [1, 2, 3, 4, 5, 6],
    "masked_attention": [1, 2, 3],
    "causal_mask": [1, 2, 3],
    "heads": [1, 2, 3],
    "positional_encoding": [1, 2, 3],
    "encoder_block": [1, 2],
    "reversal_encoder": [1, 2, 4],
}
