"""Classification metrics: accuracy, confusion matrix, per-class and macro-averaged F1.

    C[i, j] = number of examples of true class i predicted as class j        (scikit-learn's layout)
    precision_k = C[k, k] / sum_i C[i, k]      recall_k = C[k, k] / sum_j C[k, j]
    F1_k = 2 precision_k recall_k / (precision_k + recall_k)     (0 when both are 0)
    macro-F1 = mean_k F1_k        every class counts the same, however rare

Inputs are 1-D sequences of class ids (tensors, arrays or lists), predictions first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

__all__ = ["accuracy", "confusion_matrix", "f1_per_class", "macro_f1"]


def _ids(values: Any, what: str) -> Tensor:
    tensor = torch.as_tensor(values).reshape(-1) if not isinstance(values, Tensor) else values.reshape(-1)
    if tensor.numel() and tensor.is_floating_point():
        raise TypeError(
            f"{what} must be class ids (integers), got dtype {tensor.dtype}: take the argmax of the logits"
        )
    return tensor.long()


def _pair(predictions: Any, labels: Any) -> tuple[Tensor, Tensor]:
    p, y = _ids(predictions, "predictions"), _ids(labels, "labels")
    if p.shape != y.shape:
        raise ValueError(f"{p.numel()} predictions for {y.numel()} labels: they must match one to one")
    if not p.numel():
        raise ValueError("no examples: metrics need at least one prediction")
    return p, y


def accuracy(predictions: Sequence[int] | Tensor, labels: Sequence[int] | Tensor) -> float:
    """Share of predictions equal to the labels."""
    p, y = _pair(predictions, labels)
    return float((p == y).double().mean())


def confusion_matrix(
    predictions: Sequence[int] | Tensor, labels: Sequence[int] | Tensor, num_labels: int | None = None
) -> Tensor:
    """``(K, K)`` counts, rows the true class, columns the predicted class."""
    p, y = _pair(predictions, labels)
    k = num_labels if num_labels is not None else int(max(p.max(), y.max())) + 1
    if p.min() < 0 or y.min() < 0 or p.max() >= k or y.max() >= k:
        raise ValueError(
            f"class ids must be in [0, {k}): got predictions {int(p.min())}..{int(p.max())}, "
            f"labels {int(y.min())}..{int(y.max())}"
        )
    return torch.bincount(y * k + p, minlength=k * k).reshape(k, k)


def f1_per_class(
    predictions: Sequence[int] | Tensor, labels: Sequence[int] | Tensor, num_labels: int | None = None
) -> Tensor:
    """``(K,)`` F1 of each class (0 for a class never predicted nor present)."""
    c = confusion_matrix(predictions, labels, num_labels).double()
    true_positive = c.diagonal()
    predicted, actual = c.sum(0), c.sum(1)
    denominator = predicted + actual  # 2 TP + FP + FN
    return torch.where(denominator > 0, 2 * true_positive / denominator.clamp(min=1), torch.zeros_like(c[0]))


def macro_f1(
    predictions: Sequence[int] | Tensor, labels: Sequence[int] | Tensor, num_labels: int | None = None
) -> float:
    """Unweighted mean of the per-class F1 over the ``num_labels`` classes (or those that occur)."""
    scores = f1_per_class(predictions, labels, num_labels)
    if num_labels is None:  # scikit-learn's labels=None: the classes seen in either
        p, y = _pair(predictions, labels)
        present = torch.zeros_like(scores, dtype=torch.bool)
        present[torch.cat([p, y]).unique()] = True
        scores = scores[present]
    return float(scores.mean())
