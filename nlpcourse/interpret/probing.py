"""Probing classifiers: what a layer's vectors know, read off by a linear classifier (Alain & Bengio 2016).

A probe is a logistic regression trained on frozen representations of one layer. High accuracy says the
property is linearly decodable there, not that the model uses it; a probe on random features or a
control task (Hewitt & Liang 2019) tells how much the probe itself learns. The task here is the number
of a toy-world subject, read at the *last* word of a phrase that does not show it:

    "the dogs in the kennel"  -> plural (1)        "the dog in the kennel" -> singular (0)

The last word ("kennel") is the same for both, so its input embedding knows nothing; whatever a layer's
vector there knows about the number, attention must have brought.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nlpcourse.train import train

__all__ = ["number_phrases", "layer_vectors", "train_probe", "probe_layers"]


def number_phrases(n: int = 400, seed: int = 0) -> tuple[list[str], list[int]]:
    """``n`` toy-world phrases "the <animal(s)> in the <home>" and their labels (1 = plural), balanced."""
    from nlpcourse.data.lexicon import ANIMALS, HABITATS

    rng = random.Random(seed)
    texts, labels = [], []
    for i in range(n):
        singular, plural = rng.choice(ANIMALS)
        home = HABITATS[singular][0] if rng.random() < 0.5 else rng.choice(list(HABITATS.values()))[0]
        label = i % 2
        texts.append(f"the {plural if label else singular} in the {home}")
        labels.append(label)
    return texts, labels


@torch.no_grad()
def layer_vectors(
    model: Any, tokenizer: Any, texts: Sequence[str], position: int = -2, batch_size: int = 64
) -> list[Tensor]:
    """Each layer's vector at token ``position`` counted from each text's end (default -2: the last word
    before ``[SEP]``).

    ``model`` is a transformers ``BertModel``; returns ``num_layers + 1`` tensors ``(len(texts), hidden)``,
    index 0 the embedding layer's output.
    """
    if position >= 0:
        raise ValueError(f"position counts from the end of each text and must be negative, got {position}")
    model.eval()
    chunks: list[list[Tensor]] = []
    for start in range(0, len(texts), batch_size):
        batch = tokenizer(list(texts[start : start + batch_size]), padding=True, return_tensors="pt")
        hidden = model(**batch, output_hidden_states=True).hidden_states  # layers + 1 of (b, seq, H)
        index = batch["attention_mask"].sum(1) + position  # (b,): position in each unpadded text
        rows = torch.arange(len(index))
        chunks.append([h[rows, index] for h in hidden])
    return [torch.cat([c[layer] for c in chunks]) for layer in range(len(chunks[0]))]


def train_probe(
    features: Tensor,
    labels: Tensor,
    steps: int = 200,
    lr: float = 0.05,
    weight_decay: float = 1e-3,
    seed: int = 0,
) -> nn.Linear:
    """A logistic-regression probe (full-batch Adam on standardised features) on the shared loop."""
    if features.dim() != 2 or len(features) != len(labels):
        raise ValueError(f"need features (n, d) and n labels, got {tuple(features.shape)} and {len(labels)}")
    torch.manual_seed(seed)
    probe = nn.Linear(features.size(1), int(labels.max()) + 1)
    optimizer = torch.optim.Adam(probe.parameters(), lr=lr, weight_decay=weight_decay)
    train(
        probe,
        lambda _: (features, labels),
        steps,
        optimizer,
        loss_fn=lambda m, b: F.cross_entropy(m(b[0]), b[1]),
        progress=False,
    )
    return probe


def probe_layers(
    layers: Sequence[Tensor], labels: Sequence[int], train_share: float = 0.5, steps: int = 200, seed: int = 0
) -> list[float]:
    """Held-out accuracy of a probe trained on each layer's features (the same split for all)."""
    y = torch.as_tensor(labels, dtype=torch.long)
    n = len(y)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    cut = int(train_share * n)
    if not 0 < cut < n:
        raise ValueError(f"train_share={train_share} leaves no training or no test example of {n}")
    fit, held = order[:cut], order[cut:]
    accuracies = []
    for x in layers:
        mean, std = x[fit].mean(0), x[fit].std(0) + 1e-6
        z = (x - mean) / std
        probe = train_probe(z[fit], y[fit], steps=steps, seed=seed)
        with torch.no_grad():
            accuracies.append(float((probe(z[held]).argmax(-1) == y[held]).double().mean()))
    return accuracies
