"""Wrong answers for chapter 07_huggingface: each must make its check cell fail with words."""

CHAPTER = "07_huggingface"

_RIGHT = {
    "attention.self.query": "self_attn.q_proj",
    "attention.self.key": "self_attn.k_proj",
    "attention.self.value": "self_attn.v_proj",
    "attention.output.dense": "self_attn.out_proj",
    "attention.output.LayerNorm": "norm1",
    "intermediate.dense": "linear1",
    "output.dense": "linear2",
    "output.LayerNorm": "norm2",
}


def _renamer(changes: dict[str, str]) -> str:
    """An our_name that renames with the right table except for ``changes``."""
    table = {**_RIGHT, **changes}
    return (
        "def our_name(key):\n"
        f"    table = {table!r}\n"
        "    p = key.split('.')\n"
        "    if p[:2] != ['encoder', 'layer']:\n        return key\n"
        "    m = '.'.join(p[3:-1])\n"
        "    return '.'.join([*p[:3], table.get(m, m), p[-1]])"
    )


WRONG: dict[str, list[str]] = {
    "wordpiece": [
        # lets the library's tokenizer do it
        "def wordpiece_tokenize(word, vocab):\n    return tokenizer.tokenize(word)",
        # shortest match first
        "def wordpiece_tokenize(word, vocab):\n"
        "    pieces, start = [], 0\n"
        "    while start < len(word):\n"
        "        for end in range(start + 1, len(word) + 1):\n"
        "            piece = word[start:end] if start == 0 else '##' + word[start:end]\n"
        "            if piece in vocab:\n                break\n"
        "        else:\n            return ['[UNK]']\n"
        "        pieces.append(piece)\n        start = end\n"
        "    return pieces",
        # forgets the ## prefix of continuation pieces
        "def wordpiece_tokenize(word, vocab):\n"
        "    pieces, start = [], 0\n"
        "    while start < len(word):\n"
        "        end = len(word)\n"
        "        while end > start and word[start:end] not in vocab:\n            end -= 1\n"
        "        if end == start:\n            return ['[UNK]']\n"
        "        pieces.append(word[start:end])\n        start = end\n"
        "    return pieces",
        # keeps the pieces found so far and adds [UNK] for the rest
        "def wordpiece_tokenize(word, vocab):\n"
        "    pieces, start = [], 0\n"
        "    while start < len(word):\n"
        "        end = len(word)\n"
        "        while end > start:\n"
        "            piece = word[start:end] if start == 0 else '##' + word[start:end]\n"
        "            if piece in vocab:\n                break\n"
        "            end -= 1\n"
        "        else:\n            return pieces + ['[UNK]']\n"
        "        pieces.append(piece)\n        start = end\n"
        "    return pieces",
    ],
    "mean_pool": [
        # calls the course's own mean pooling
        "def mean_pool(last_hidden_state, attention_mask):\n"
        "    from nlpcourse.pretrained import mean_pooling\n"
        "    return mean_pooling(last_hidden_state, attention_mask)",
        # averages the padding too
        "def mean_pool(last_hidden_state, attention_mask):\n    return last_hidden_state.mean(dim=1)",
        # zeroes the padding but divides by the padded length
        "def mean_pool(last_hidden_state, attention_mask):\n"
        "    m = attention_mask.unsqueeze(-1).float()\n"
        "    return (last_hidden_state * m).sum(1) / last_hidden_state.shape[1]",
        # the [CLS] vector instead of the mean
        "def mean_pool(last_hidden_state, attention_mask):\n    return last_hidden_state[:, 0]",
    ],
    "cosine_matrix": [
        # calls the course's own cosine similarity (chapter 02)
        "def cosine_matrix(a, b):\n"
        "    from nlpcourse.embeddings.vectors import cosine_similarity\n"
        "    return cosine_similarity(a, b)",
        # dot products, not cosines
        "def cosine_matrix(a, b):\n    return a @ b.T",
        # normalises the columns instead of the rows
        "def cosine_matrix(a, b):\n"
        "    return (a / a.norm(dim=0, keepdim=True)) @ (b / b.norm(dim=0, keepdim=True)).T",
        # (m, n) instead of (n, m)
        "def cosine_matrix(a, b):\n"
        "    a = a / a.norm(dim=-1, keepdim=True)\n"
        "    b = b / b.norm(dim=-1, keepdim=True)\n    return b @ a.T",
    ],
    "layer_attention": [
        # lets transformers' eager attention compute the weights
        "def layer_attention(x, self_attention, attention_mask):\n"
        "    from transformers.models.bert.modeling_bert import eager_attention_forward\n"
        "    b, s, _ = x.shape\n"
        "    h, d = self_attention.num_attention_heads, self_attention.attention_head_size\n"
        "    q = self_attention.query(x).view(b, s, h, d).transpose(1, 2)\n"
        "    k = self_attention.key(x).view(b, s, h, d).transpose(1, 2)\n"
        "    v = self_attention.value(x).view(b, s, h, d).transpose(1, 2)\n"
        "    bias = torch.zeros(b, 1, 1, s)\n"
        "    bias = bias.masked_fill(attention_mask[:, None, None, :] == 0, float('-inf'))\n"
        "    _, weights = eager_attention_forward(self_attention, q, k, v, bias, scaling=d ** -0.5,\n"
        "                                         dropout=0.0)\n"
        "    return weights",
        # ignores the padding mask
        "def layer_attention(x, self_attention, attention_mask):\n"
        "    b, s, _ = x.shape\n"
        "    h, d = self_attention.num_attention_heads, self_attention.attention_head_size\n"
        "    q = self_attention.query(x).view(b, s, h, d).transpose(1, 2)\n"
        "    k = self_attention.key(x).view(b, s, h, d).transpose(1, 2)\n"
        "    return torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d), dim=-1)",
        # no 1 / sqrt(d_k) scaling
        "def layer_attention(x, self_attention, attention_mask):\n"
        "    b, s, _ = x.shape\n"
        "    h, d = self_attention.num_attention_heads, self_attention.attention_head_size\n"
        "    q = self_attention.query(x).view(b, s, h, d).transpose(1, 2)\n"
        "    k = self_attention.key(x).view(b, s, h, d).transpose(1, 2)\n"
        "    scores = (q @ k.transpose(-2, -1)).masked_fill(attention_mask[:, None, None, :] == 0, -1e9)\n"
        "    return torch.softmax(scores, dim=-1)",
        # reshapes straight to (batch, heads, seq, size): mixes tokens and heads
        "def layer_attention(x, self_attention, attention_mask):\n"
        "    b, s, _ = x.shape\n"
        "    h, d = self_attention.num_attention_heads, self_attention.attention_head_size\n"
        "    q = self_attention.query(x).reshape(b, h, s, d)\n"
        "    k = self_attention.key(x).reshape(b, h, s, d)\n"
        "    scores = (q @ k.transpose(-2, -1) / math.sqrt(d))\n"
        "    scores = scores.masked_fill(attention_mask[:, None, None, :] == 0, float('-inf'))\n"
        "    return torch.softmax(scores, dim=-1)",
    ],
    "our_name": [
        # calls the course's own key map
        "def our_name(key):\n    from nlpcourse.pretraining import our_key\n    return our_key(key)",
        # leaves every name as it is
        "def our_name(key):\n    return key",
        # norm1 and norm2 swapped: everything loads, the numbers differ
        _renamer({"attention.output.LayerNorm": "norm2", "output.LayerNorm": "norm1"}),
        # linear1 and linear2 swapped: the shapes do not fit
        _renamer({"intermediate.dense": "linear2", "output.dense": "linear1"}),
        # plain str.replace in the wrong order: attention.output.dense becomes attention.linear2
        "def our_name(key):\n"
        "    pairs = [('attention.self.query', 'self_attn.q_proj'),\n"
        "             ('attention.self.key', 'self_attn.k_proj'),\n"
        "             ('attention.self.value', 'self_attn.v_proj'), ('output.dense', 'linear2'),\n"
        "             ('attention.output.dense', 'self_attn.out_proj'),\n"
        "             ('attention.output.LayerNorm', 'norm1'), ('intermediate.dense', 'linear1'),\n"
        "             ('output.LayerNorm', 'norm2')]\n"
        "    for a, b in pairs:\n"
        "        key = key.replace(a, b)\n"
        "    return key",
    ],
}

_EMBED = (
    "def embed(texts, tokenizer, model, batch_size=16):\n"
    "    vectors = []\n"
    "    for start in range(0, len(texts), batch_size):\n"
    "        batch = tokenizer(texts[start:start + batch_size], padding=True, return_tensors='pt')\n"
    "        pooled = mean_pool(model(**batch).last_hidden_state, batch['attention_mask'])\n"
    "        vectors.append(pooled / pooled.norm(dim=-1, keepdim=True))\n"
    "    return torch.cat(vectors)\n\n"
)
_SEARCH = (
    "def search(queries, corpus, tokenizer, model, batch_size=16):\n"
    "    similarity = cosine_matrix(embed(queries, tokenizer, model, batch_size),\n"
    "                               embed(corpus, tokenizer, model, batch_size))\n"
    "    return similarity.argmax(dim=1)\n"
)

WRONG["sentence_search"] = [
    # the course's sentence_embeddings does the encoding
    "def embed(texts, tokenizer, model, batch_size=16):\n"
    "    from nlpcourse.pretrained import sentence_embeddings\n"
    "    return sentence_embeddings(texts, tokenizer, model, batch_size=batch_size)\n\n" + _SEARCH,
    # averages the padding positions too
    _EMBED.replace(
        "mean_pool(model(**batch).last_hidden_state, batch['attention_mask'])",
        "model(**batch).last_hidden_state.mean(dim=1)",
    )
    + _SEARCH,
    # the [CLS] vector instead of the mean
    _EMBED.replace(
        "mean_pool(model(**batch).last_hidden_state, batch['attention_mask'])",
        "model(**batch).last_hidden_state[:, 0]",
    )
    + _SEARCH,
    # vectors left at their length
    _EMBED.replace("vectors.append(pooled / pooled.norm(dim=-1, keepdim=True))", "vectors.append(pooled)")
    + _SEARCH,
    # the best query for each corpus sentence (argmax over the wrong axis)
    _EMBED + _SEARCH.replace("argmax(dim=1)", "argmax(dim=0)"),
    # the least similar sentence
    _EMBED + _SEARCH.replace("argmax(dim=1)", "argmin(dim=1)"),
]

#: wrong answers that the visible checks alone must reject (the student sees these before grading)
VISIBLE: dict[str, list[int]] = {
    "wordpiece": [0, 1, 2, 3],
    "mean_pool": [1, 2, 3],
    "cosine_matrix": [1, 2, 3],
    "layer_attention": [1, 2, 3],
    "our_name": [1, 2, 3, 4],
    "sentence_search": [1, 2, 3, 4, 5],
}
