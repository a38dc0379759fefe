"""Wrong answers for chapter 08_finetune: each must make its check cell fail with words."""

CHAPTER = "08_finetune"

_LOOP = (
    "def train_classifier(model, data, steps, lr, batch_size, seed):\n"
    "    batches = ClassificationBatches(data, batch_size, seed)\n"
    "    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr={lr})\n"
    "    losses = []\n"
    "    model.train()\n"
    "    for step in range(steps):\n"
    "        input_ids, token_type_ids, attention_mask, labels = batches(step)\n"
    "        logits, _ = model(input_ids, token_type_ids, attention_mask)\n"
    "        loss = F.cross_entropy(logits, labels)\n"
    "{update}"
    "        losses.append(loss.item())\n"
    "    model.eval()\n"
    "    return losses"
)
_STEP = "        optimizer.zero_grad()\n        loss.backward()\n        optimizer.step()\n"

WRONG: dict[str, list[str]] = {
    "bag_of_words": [
        # counts instead of presence
        "def bag_of_words_features(texts, vocabulary):\n"
        "    x = torch.zeros(len(texts), len(vocabulary))\n"
        "    for row, text in enumerate(texts):\n"
        "        for word in words(text):\n"
        "            if word in vocabulary:\n                x[row, vocabulary[word]] += 1.0\n"
        "    return x",
        # splits on spaces: no lower-casing, punctuation stuck to the words
        "def bag_of_words_features(texts, vocabulary):\n"
        "    x = torch.zeros(len(texts), len(vocabulary))\n"
        "    for row, text in enumerate(texts):\n"
        "        for word in text.split():\n"
        "            if word in vocabulary:\n                x[row, vocabulary[word]] = 1.0\n"
        "    return x",
        # one row per vocabulary word: transposed
        "def bag_of_words_features(texts, vocabulary):\n"
        "    x = torch.zeros(len(vocabulary), len(texts))\n"
        "    for row, text in enumerate(texts):\n"
        "        for word in words(text):\n"
        "            if word in vocabulary:\n                x[vocabulary[word], row] = 1.0\n"
        "    return x",
        # calls the course's own implementation
        "def bag_of_words_features(texts, vocabulary):\n    return bag_of_words(texts, vocabulary)",
    ],
    "classify": [
        # averages the padding too
        "def classify(last_hidden_state, attention_mask, weight, bias, labels):\n"
        "    logits = last_hidden_state.mean(1) @ weight.T + bias\n"
        "    return logits, F.cross_entropy(logits, labels)",
        # the [CLS] vector instead of the mean
        "def classify(last_hidden_state, attention_mask, weight, bias, labels):\n"
        "    logits = last_hidden_state[:, 0] @ weight.T + bias\n"
        "    return logits, F.cross_entropy(logits, labels)",
        # the summed loss, not the mean
        "def classify(last_hidden_state, attention_mask, weight, bias, labels):\n"
        "    m = attention_mask.unsqueeze(-1).float()\n"
        "    logits = (last_hidden_state * m).sum(1) / m.sum(1) @ weight.T + bias\n"
        "    return logits, F.cross_entropy(logits, labels, reduction='sum')",
        # log-softmax over the batch axis instead of the classes
        "def classify(last_hidden_state, attention_mask, weight, bias, labels):\n"
        "    m = attention_mask.unsqueeze(-1).float()\n"
        "    logits = (last_hidden_state * m).sum(1) / m.sum(1) @ weight.T + bias\n"
        "    return logits, F.nll_loss(F.log_softmax(logits, dim=0), labels)",
        # calls the course's own mean pooling
        "from nlpcourse.pretrained import mean_pooling\n"
        "def classify(last_hidden_state, attention_mask, weight, bias, labels):\n"
        "    logits = mean_pooling(last_hidden_state, attention_mask) @ weight.T + bias\n"
        "    return logits, F.cross_entropy(logits, labels)",
    ],
    "freeze_lower": [
        # prefix without the final dot: layer.1 also catches layers 10 and 11
        "def freeze_lower(model, k):\n"
        "    prefixes = ('bert.embeddings',) + tuple(f'bert.encoder.layer.{i}' for i in range(k))\n"
        "    frozen = 0\n"
        "    for name, p in model.named_parameters():\n"
        "        if name.startswith(prefixes):\n"
        "            p.requires_grad_(False)\n            frozen += p.numel()\n"
        "    return frozen",
        # forgets the embeddings
        "def freeze_lower(model, k):\n"
        "    prefixes = tuple(f'bert.encoder.layer.{i}.' for i in range(k))\n"
        "    frozen = 0\n"
        "    for name, p in model.named_parameters():\n"
        "        if name.startswith(prefixes):\n"
        "            p.requires_grad_(False)\n            frozen += p.numel()\n"
        "    return frozen",
        # counts tensors, not numbers
        "def freeze_lower(model, k):\n"
        "    prefixes = ('bert.embeddings.',) + tuple(f'bert.encoder.layer.{i}.' for i in range(k))\n"
        "    frozen = 0\n"
        "    for name, p in model.named_parameters():\n"
        "        if name.startswith(prefixes):\n"
        "            p.requires_grad_(False)\n            frozen += 1\n"
        "    return frozen",
        # one layer too many
        "def freeze_lower(model, k):\n"
        "    prefixes = ('bert.embeddings.',) + tuple(f'bert.encoder.layer.{i}.' for i in range(k + 1))\n"
        "    frozen = 0\n"
        "    for name, p in model.named_parameters():\n"
        "        if name.startswith(prefixes):\n"
        "            p.requires_grad_(False)\n            frozen += p.numel()\n"
        "    return frozen",
        # calls the course's own implementation
        "from nlpcourse.finetune import freeze_lower_layers\n"
        "def freeze_lower(model, k):\n    return freeze_lower_layers(model, k)",
    ],
    "lora_forward": [
        # scales by alpha, not alpha / r
        "def lora_forward(x, weight, bias, lora_A, lora_B, alpha):\n"
        "    return x @ weight.T + bias + alpha * (x @ lora_A.T) @ lora_B.T",
        # forgets the bias
        "def lora_forward(x, weight, bias, lora_A, lora_B, alpha):\n"
        "    return x @ weight.T + (alpha / lora_A.shape[0]) * (x @ lora_A.T) @ lora_B.T",
        # scales by r / alpha
        "def lora_forward(x, weight, bias, lora_A, lora_B, alpha):\n"
        "    return x @ weight.T + bias + (lora_A.shape[0] / alpha) * (x @ lora_A.T) @ lora_B.T",
        # calls the course's own LoRA layer
        "from nlpcourse.finetune import LoRALinear\n"
        "def lora_forward(x, weight, bias, lora_A, lora_B, alpha):\n"
        "    base = torch.nn.Linear(weight.shape[1], weight.shape[0])\n"
        "    with torch.no_grad():\n"
        "        base.weight.copy_(weight)\n        base.bias.copy_(bias)\n"
        "        layer = LoRALinear(base, r=lora_A.shape[0], alpha=alpha)\n"
        "        layer.lora_A.weight.copy_(lora_A)\n        layer.lora_B.weight.copy_(lora_B)\n"
        "        return layer(x)",
    ],
    "macro_f1": [
        # micro-averaged F1: equals the accuracy
        "def macro_f1_score(predictions, labels, num_labels):\n"
        "    return float((predictions == labels).float().mean())",
        # NaN for a class with no true positive and no prediction
        "def macro_f1_score(predictions, labels, num_labels):\n"
        "    scores = []\n"
        "    for k in range(num_labels):\n"
        "        tp = ((predictions == k) & (labels == k)).sum().item()\n"
        "        p = tp / (predictions == k).sum().item() if (predictions == k).any() else float('nan')\n"
        "        r = tp / (labels == k).sum().item() if (labels == k).any() else float('nan')\n"
        "        scores.append(2 * p * r / (p + r) if p + r else 0.0)\n"
        "    return sum(scores) / num_labels",
        # weighted by class frequency
        "def macro_f1_score(predictions, labels, num_labels):\n"
        "    total = 0.0\n"
        "    for k in range(num_labels):\n"
        "        tp = int(((predictions == k) & (labels == k)).sum())\n"
        "        fp = int(((predictions == k) & (labels != k)).sum())\n"
        "        fn = int(((predictions != k) & (labels == k)).sum())\n"
        "        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0\n"
        "        total += f1 * int((labels == k).sum()) / len(labels)\n"
        "    return total",
        # averages over the classes that occur only
        "def macro_f1_score(predictions, labels, num_labels):\n"
        "    scores = []\n"
        "    for k in torch.cat([predictions, labels]).unique().tolist():\n"
        "        tp = int(((predictions == k) & (labels == k)).sum())\n"
        "        fp = int(((predictions == k) & (labels != k)).sum())\n"
        "        fn = int(((predictions != k) & (labels == k)).sum())\n"
        "        scores.append(2 * tp / (2 * tp + fp + fn))\n"
        "    return sum(scores) / len(scores)",
        # calls the course's own implementation
        "from nlpcourse.finetune import macro_f1\n"
        "def macro_f1_score(predictions, labels, num_labels):\n"
        "    return macro_f1(predictions, labels, num_labels)",
    ],
    "capstone": [
        # never updates the weights
        _LOOP.format(lr="lr", update="        optimizer.zero_grad()\n        loss.backward()\n"),
        # a learning rate far too high for a pretrained model: it forgets and collapses
        _LOOP.format(lr="0.05", update=_STEP),
        # calls the course's fine_tune
        "def train_classifier(model, data, steps, lr, batch_size, seed):\n"
        "    return fine_tune(model, data, steps=steps, lr=lr, batch_size=batch_size, seed=seed,\n"
        "                     progress=False)['loss']",
        # trains with the labels shuffled away from their reviews
        _LOOP.format(
            lr="lr",
            update="        labels = labels[torch.randperm(len(labels))]\n"
            "        loss = F.cross_entropy(logits, labels)\n" + _STEP,
        ),
    ],
}

VISIBLE: dict[str, list[int]] = {
    "bag_of_words": [0, 1, 2],
    "classify": [0, 1, 2, 3],
    "freeze_lower": [0, 1, 2, 3],
    "lora_forward": [0, 1, 2],
    "macro_f1": [0, 1, 2, 3],
    "capstone": [0, 2],
}
