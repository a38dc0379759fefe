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
        # calls the course's own masking
        "def mask_tokens(input_ids, mask_id, vocab_size, special_ids, generator, probability=0.15):\n"
        "    from nlpcourse.pretraining import mask_tokens as course_mask_tokens\n"
        "    return course_mask_tokens(input_ids, mask_id, vocab_size, special_ids, probability, generator)",
        # every chosen token becomes [MASK]
        _MASK_HEADER
        + _CHOOSE
        + "    inputs = input_ids.clone()\n    inputs[chosen] = mask_id\n    return inputs, labels",
        # special tokens may be chosen too
        _MASK_HEADER + "    chosen = torch.rand(input_ids.shape, generator=generator) < probability\n"
        "    labels = torch.where(chosen, input_ids, torch.full_like(input_ids, -100))\n"
        "    action = torch.rand(input_ids.shape, generator=generator)\n"
        "    random_ids = torch.randint(5, vocab_size, input_ids.shape, generator=generator)\n"
        "    inputs = input_ids.clone()\n    inputs[chosen & (action < 0.8)] = mask_id\n"
        "    r = chosen & (action >= 0.8) & (action < 0.9)\n    inputs[r] = random_ids[r]\n"
        "    return inputs, labels",
        # labels at every position: the loss would be computed on all tokens
        _MASK_HEADER
        + _CHOOSE
        + "    inputs = input_ids.clone()\n    inputs[chosen & (action < 0.8)] = mask_id\n"
        "    r = chosen & (action >= 0.8) & (action < 0.9)\n    inputs[r] = random_ids[r]\n"
        "    return inputs, input_ids.clone()",
        # random replacements drawn from the whole vocabulary, specials included
        _MASK_HEADER
        + _CHOOSE
        + "    random_ids = torch.randint(vocab_size, input_ids.shape, generator=generator)\n"
        "    inputs = input_ids.clone()\n    inputs[chosen & (action < 0.8)] = mask_id\n"
        "    r = chosen & (action >= 0.8) & (action < 0.9)\n    inputs[r] = random_ids[r]\n"
        "    return inputs, labels",
        # overlapping ranges: random tokens overwrite some [MASK]s (70/10/20)
        _MASK_HEADER
        + _CHOOSE
        + "    inputs = input_ids.clone()\n    inputs[chosen & (action < 0.8)] = mask_id\n"
        "    r = chosen & (action < 0.1)\n    inputs[r] = random_ids[r]\n"
        "    return inputs, labels",
        # modifies input_ids in place
        _MASK_HEADER + _CHOOSE + "    inputs = input_ids\n    inputs[chosen & (action < 0.8)] = mask_id\n"
        "    r = chosen & (action >= 0.8) & (action < 0.9)\n    inputs[r] = random_ids[r]\n"
        "    return inputs, labels",
    ],
    "mlm_loss": [
        # calls the course's own loss
        "def mlm_loss(logits, labels):\n"
        "    from nlpcourse.pretraining import masked_lm_loss\n"
        "    return masked_lm_loss(logits, labels)",
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
        # calls the course's own pair sampler
        "def nsp_example(documents, rng):\n"
        "    from nlpcourse.pretraining import nsp_pair\n"
        "    return nsp_pair(documents, rng)",
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
        # calls the course's own padding
        "def pad_batch(sequences, segments, pad_id):\n"
        "    from nlpcourse.pretraining import pad_batch as course_pad_batch\n"
        "    return course_pad_batch(sequences, segments, pad_id)",
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
        # calls the course's own mask
        "def permutation_mask(order):\n"
        "    from nlpcourse.pretraining import permutation_mask as course_mask\n"
        "    return course_mask(order)",
        # compares the order's entries instead of the ranks
        "def permutation_mask(order):\n    o = torch.tensor(order)\n    return o[None, :] < o[:, None]",
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

_STEP = (
    "def pretraining_step(model, batch, optimizer, clip=1.0):\n"
    "    input_ids, token_type_ids, attention_mask, labels, next_sentence_label = batch\n"
    "    hidden, pooled = model.bert(input_ids, token_type_ids, attention_mask)\n"
    "    mlm = mlm_loss(model.cls.predictions(hidden), labels)\n"
    "    nsp = F.cross_entropy(model.cls.seq_relationship(pooled), next_sentence_label)\n"
    "    optimizer.zero_grad()\n"
    "    (mlm + nsp).backward()\n"
    "    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)\n"
    "    optimizer.step()\n"
    "    return mlm.item(), nsp.item()\n"
)

WRONG["pretraining_step"] = [
    # the model's own forward computes the losses
    "def pretraining_step(model, batch, optimizer, clip=1.0):\n"
    "    output, loss = model(*batch)\n"
    "    optimizer.zero_grad()\n"
    "    loss.backward()\n"
    "    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)\n"
    "    optimizer.step()\n"
    "    return output.mlm_loss.item(), output.nsp_loss.item()",
    # backward through the MLM loss only: the NSP head never learns
    _STEP.replace("(mlm + nsp).backward()", "mlm.backward()"),
    # returns the loss tensors
    _STEP.replace("return mlm.item(), nsp.item()", "return mlm, nsp"),
    # never steps the optimizer
    _STEP.replace("    optimizer.step()\n", ""),
    # NSP labels read the wrong way round
    _STEP.replace("next_sentence_label)\n", "1 - next_sentence_label)\n"),
    # predicts every token, not only the masked ones
    _STEP.replace(
        "mlm_loss(model.cls.predictions(hidden), labels)",
        "F.cross_entropy(model.cls.predictions(hidden).flatten(0, 1),\n"
        "                          torch.where(labels == -100, input_ids, labels).flatten())",
    ),
]

#: wrong answers that the visible checks alone must reject (the student sees these before grading)
VISIBLE: dict[str, list[int]] = {
    "mask_tokens": [1, 2, 3, 5, 6],
    "mlm_loss": [1, 2, 3, 4],
    "nsp_example": [1, 2, 3, 4],
    "pad_batch": [1, 2, 3, 4],
    "permutation_mask": [1, 2, 3],
    "pretraining_step": [1, 2, 3, 4, 5],
}
