"""Wrong answers for chapter 06_pretraining: each must make its check cell fail with words."""

CHAPTER = "06_pretraining"

_MASK_HEADER = (
    "def mask_tokens(input_ids, mask_id, vocab_size, special_ids, generator, probability=0.15):\n"
    "    specials = torch.tensor(special_ids)\n"
)
_CHOOSE = (
    "    chosen = (torch.rand(input_ids.shape, generator=generator) < probability)"
    " & ~torch.isin(input_ids, specials)\n"
    "    labels = torch.where(chosen, input_ids, torch.full_like(input_ids, -100))\n"
    "    action = torch.rand(input_ids.shape, generator=generator)\n"
    "    ordinary = torch.tensor([i for i in range(vocab_size) if i not in special_ids])\n"
    "    random_ids = ordinary[torch.randint(len(ordinary), input_ids.shape, generator=generator)]\n"
)

WRONG: dict[str, list[str]] = {
    "mask_tokens": [
        # every chosen token becomes [MASK]
        _MASK_HEADER + _CHOOSE
        + "    inputs = input_ids.clone()\n    inputs[chosen] = mask_id\n    return inputs, labels",
        # special tokens may be chosen too
        _MASK_HEADER
        + "    chosen = torch.rand(input_ids.shape, generator=generator) < probability\n"
        "    labels = torch.where(chosen, input_ids, torch.full_like(input_ids, -100))\n"
        "    action = torch.rand(input_ids.shape, generator=generator)\n"
        "    random_ids = torch.randint(5, vocab_size, input_ids.shape, generator=generator)\n"
        "    inputs = input_ids.clone()\n    inputs[chosen & (action < 0.8)] = mask_id\n"
        "    r = chosen & (action >= 0.8) & (action < 0.9)\n    inputs[r] = random_ids[r]\n"
        "    return inputs, labels",
        # labels at every position: the loss would be computed on all tokens
        _MASK_HEADER + _CHOOSE
        + "    inputs = input_ids.clone()\n    inputs[chosen & (action < 0.8)] = mask_id\n"
        "    r = chosen & (action >= 0.8) & (action < 0.9)\n    inputs[r] = random_ids[r]\n"
        "    return inputs, input_ids.clone()",
        # random replacements drawn from the whole vocabulary, specials included
        _MASK_HEADER + _CHOOSE
        + "    random_ids = torch.randint(vocab_size, input_ids.shape, generator=generator)\n"
        "    inputs = input_ids.clone()\n    inputs[chosen & (action < 0.8)] = mask_id\n"
        "    r = chosen & (action >= 0.8) & (action < 0.9)\n    inputs[r] = random_ids[r]\n"
        "    return inputs, labels",
        # overlapping ranges: random tokens overwrite some [MASK]s (70/10/20)
        _MASK_HEADER + _CHOOSE
        + "    inputs = input_ids.clone()\n    inputs[chosen & (action < 0.8)] = mask_id\n"
        "    r = chosen & (action < 0.1)\n    inputs[r] = random_ids[r]\n"
        "    return inputs, labels",
        # modifies input_ids in place
        _MASK_HEADER + _CHOOSE
        + "    inputs = input_ids\n    inputs[chosen & (action < 0.8)] = mask_id\n"
        "    r = chosen & (action >= 0.8) & (action < 0.9)\n    inputs[r] = random_ids[r]\n"
        "    return inputs, labels",
    ],
    "mlm_loss": [
        # unmasked positions counted as token 0
        "def mlm_loss(logits, labels):\n"
        "    return F.cross_entropy(logits.flatten(0, 1), labels.clamp(min=0).flatten())",
        # a sum instead of a mean
        "def mlm_loss(logits, labels):\n"
        "    chosen = labels != -100\n"
        "    return F.cross_entropy(logits[chosen], labels[chosen], reduction='sum')",
        # mean per sentence, then mean over sentences
        "def mlm_loss(logits, labels):\n"
        "    losses = [F.cross_entropy(l[m != -100], m[m != -100]) for l, m in zip(logits, labels)\n"
        "              if (m != -100).any()]\n"
        "    return torch.stack(losses).mean()",
        # divides by all positions, masked or not
        "def mlm_loss(logits, labels):\n"
        "    total = F.cross_entropy(logits.flatten(0, 1), labels.flatten(), reduction='sum')\n"
        "    return total / labels.numel()",
    ],
    "nsp_example": [
        # the random b may come from the same document
        "def nsp_example(documents, rng):\n"
        "    usable = [i for i, d in enumerate(documents) if len(d) >= 2]\n"
        "    d = usable[rng.integers(len(usable))]\n    i = rng.integers(len(documents[d]) - 1)\n"
        "    if rng.random() < 0.5:\n        return documents[d][i], documents[d][i + 1], 0\n"
        "    other = rng.integers(len(documents))\n"
        "    return documents[d][i], documents[other][rng.integers(len(documents[other]))], 1",
        # labels swapped
        "def nsp_example(documents, rng):\n"
        "    usable = [i for i, d in enumerate(documents) if len(d) >= 2]\n"
        "    d = usable[rng.integers(len(usable))]\n    i = rng.integers(len(documents[d]) - 1)\n"
        "    if rng.random() < 0.5:\n        return documents[d][i], documents[d][i + 1], 1\n"
        "    other = (d + 1 + rng.integers(len(documents) - 1)) % len(documents)\n"
        "    return documents[d][i], documents[other][rng.integers(len(documents[other]))], 0",
        # always the true next unit
        "def nsp_example(documents, rng):\n"
        "    usable = [i for i, d in enumerate(documents) if len(d) >= 2]\n"
        "    d = usable[rng.integers(len(usable))]\n    i = rng.integers(len(documents[d]) - 1)\n"
        "    return documents[d][i], documents[d][i + 1], 0",
        # b of an is-next pair is a itself
        "def nsp_example(documents, rng):\n"
        "    usable = [i for i, d in enumerate(documents) if len(d) >= 2]\n"
        "    d = usable[rng.integers(len(usable))]\n    i = rng.integers(len(documents[d]) - 1)\n"
        "    if rng.random() < 0.5:\n        return documents[d][i], documents[d][i], 0\n"
        "    other = (d + 1 + rng.integers(len(documents) - 1)) % len(documents)\n"
        "    return documents[d][i], documents[other][rng.integers(len(documents[other]))], 1",
    ],
    "pad_batch": [
        # attention mask inverted (1 on padding)
        "def pad_batch(sequences, segments, pad_id):\n"
        "    n = max(len(s) for s in sequences)\n"
        "    ids = torch.tensor([s + [pad_id] * (n - len(s)) for s in sequences])\n"
        "    segs = torch.tensor([s + [0] * (n - len(s)) for s in segments])\n"
        "    mask = torch.tensor([[0] * len(s) + [1] * (n - len(s)) for s in sequences])\n"
        "    return ids, segs, mask",
        # segment ids padded with 1
        "def pad_batch(sequences, segments, pad_id):\n"
        "    n = max(len(s) for s in sequences)\n"
        "    ids = torch.tensor([s + [pad_id] * (n - len(s)) for s in sequences])\n"
        "    segs = torch.tensor([s + [1] * (n - len(s)) for s in segments])\n"
        "    mask = torch.tensor([[1] * len(s) + [0] * (n - len(s)) for s in sequences])\n"
        "    return ids, segs, mask",
        # a float attention mask
        "def pad_batch(sequences, segments, pad_id):\n"
        "    n = max(len(s) for s in sequences)\n"
        "    ids = torch.tensor([s + [pad_id] * (n - len(s)) for s in sequences])\n"
        "    segs = torch.tensor([s + [0] * (n - len(s)) for s in segments])\n"
        "    mask = torch.tensor([[1.0] * len(s) + [0.0] * (n - len(s)) for s in sequences])\n"
        "    return ids, segs, mask",
        # pads on the left
        "def pad_batch(sequences, segments, pad_id):\n"
        "    n = max(len(s) for s in sequences)\n"
        "    ids = torch.tensor([[pad_id] * (n - len(s)) + s for s in sequences])\n"
        "    segs = torch.tensor([[0] * (n - len(s)) + s for s in segments])\n"
        "    mask = torch.tensor([[0] * (n - len(s)) + [1] * len(s) for s in sequences])\n"
        "    return ids, segs, mask",
    ],
    "permutation_mask": [
        # compares the order's entries instead of the ranks
        "def permutation_mask(order):\n"
        "    o = torch.tensor(order)\n    return o[None, :] < o[:, None]",
        # a position may see itself
        "def permutation_mask(order):\n"
        "    rank = torch.empty(len(order), dtype=torch.long)\n"
        "    rank[torch.tensor(order)] = torch.arange(len(order))\n"
        "    return rank[None, :] <= rank[:, None]",
        # transposed: position i sees the positions predicted after it
        "def permutation_mask(order):\n"
        "    rank = torch.empty(len(order), dtype=torch.long)\n"
        "    rank[torch.tensor(order)] = torch.arange(len(order))\n"
        "    return rank[:, None] < rank[None, :]",
    ],
}
