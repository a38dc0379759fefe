"""The baseline a fine-tuned model must beat: logistic regression on a bag of words.

    vocabulary = build_vocabulary(train_texts)
    x = bag_of_words(train_texts, vocabulary)               # (n, V): 1 where the word occurs
    model, history = train_bag_of_words(x, labels, num_labels=2)
    p(y | text) = softmax(W x + b)

A bag of words forgets the order: "the plot was dull but the acting was superb" and "the acting was
dull but the plot was superb" are the same vector. :func:`accuracy_by_group` shows where that hurts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nlpcourse.train import History, train

__all__ = [
    "words",
    "build_vocabulary",
    "bag_of_words",
    "LogisticRegression",
    "train_bag_of_words",
    "accuracy_by_group",
]

_WORD = re.compile(r"[a-z0-9']+")


def words(text: str) -> list[str]:
    """Lower-cased words (letters, digits, apostrophes): "Wasn't good." -> ["wasn't", "good"]."""
    return _WORD.findall(text.lower())


def build_vocabulary(texts: Sequence[str], min_count: int = 1) -> dict[str, int]:
    """Word -> column, for words seen at least ``min_count`` times, in order of first appearance."""
    if not texts:
        raise ValueError("no texts: the vocabulary needs at least one")
    counts = Counter(w for text in texts for w in words(text))
    return {w: i for i, w in enumerate(w for w in counts if counts[w] >= min_count)}


def bag_of_words(texts: Sequence[str], vocabulary: dict[str, int]) -> Tensor:
    """``(len(texts), len(vocabulary))`` float32: 1.0 where the word occurs (unknown words ignored)."""
    x = torch.zeros(len(texts), len(vocabulary))
    for row, text in enumerate(texts):
        columns = [vocabulary[w] for w in words(text) if w in vocabulary]
        x[row, columns] = 1.0
    return x


class LogisticRegression(nn.Module):
    """``logits = W x + b``: ``(batch, features) -> (batch, num_labels)``; ``model(x, y)`` returns
    ``(logits, loss)``."""

    def __init__(self, features: int, num_labels: int):
        super().__init__()
        self.linear = nn.Linear(features, num_labels)

    def forward(self, x: Tensor, labels: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        logits = self.linear(x)
        return logits, None if labels is None else F.cross_entropy(logits, labels)


def train_bag_of_words(
    x: Tensor,
    labels: Sequence[int] | Tensor,
    num_labels: int,
    steps: int = 300,
    lr: float = 0.05,
    weight_decay: float = 1e-4,
    seed: int = 0,
    progress: bool = False,
) -> tuple[LogisticRegression, History]:
    """Full-batch Adam on the cross-entropy, on the shared training loop."""
    labels = torch.as_tensor(labels, dtype=torch.long)
    if x.dim() != 2 or len(x) != len(labels) or not len(x):
        raise ValueError(
            f"need features (n, V) and n labels with n >= 1, got {tuple(x.shape)} and {len(labels)}"
        )
    torch.manual_seed(seed)
    model = LogisticRegression(x.shape[1], num_labels)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    history = train(model, lambda step: (x, labels), steps, optimizer, progress=progress, desc="bag of words")
    return model, history


def accuracy_by_group(
    predictions: Sequence[int] | Tensor, labels: Sequence[int] | Tensor, groups: Sequence[str]
) -> dict[str, tuple[float, int]]:
    """``{group: (accuracy, count)}`` for each value of ``groups`` (e.g. the construction of a review)."""
    p, y = torch.as_tensor(predictions).reshape(-1), torch.as_tensor(labels).reshape(-1)
    if not len(p) == len(y) == len(groups):
        raise ValueError(f"{len(p)} predictions, {len(y)} labels and {len(groups)} groups must match")
    result = {}
    for group in sorted(set(groups)):
        rows = torch.tensor([g == group for g in groups])
        result[group] = (float((p[rows] == y[rows]).double().mean()), int(rows.sum()))
    return result
