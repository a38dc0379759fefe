"""Wrong answers for chapter 05_attention: each must make its check cell fail with words."""

CHAPTER = "05_attention"

WRONG: dict[str, list[str]] = {
    "attention": [
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
        "def attention(q, k, v):\n"
        "    return F.scaled_dot_product_attention(q, k, v)",
    ],
    "masked_attention": [
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
        # upper triangle: attends to the future
        "def causal_mask(n):\n    return torch.ones(n, n, dtype=torch.bool).triu()",
        # strictly lower: a token cannot see itself
        "def causal_mask(n):\n    return torch.ones(n, n, dtype=torch.bool).tril(-1)",
        # float mask
        "def causal_mask(n):\n    return torch.ones(n, n).tril()",
    ],
    "heads": [
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
