"""Size, latency and accuracy of classifiers, measured the same way for each: the decision table.

    rows = decision_table({"MiniLM fine-tuned": teacher, "distilled": student, "int8": quantised},
                          data, batch)
    print(format_table(rows))

Size is the bytes of the ``state_dict`` as ``torch.save`` writes it (what you would ship); latency the
median over ``repeats`` timed calls on one batch, after a warm-up call; accuracy on a labelled set.
Every model is called as ``model(*inputs)[0]`` -> logits ``(batch, classes)``.
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
from torch import Tensor, nn

__all__ = [
    "model_size_mb",
    "latency_ms",
    "accuracy_on",
    "decision_table",
    "format_table",
    "plot_decision_table",
]


def model_size_mb(model: nn.Module) -> float:
    """Megabytes (10^6 bytes) of ``torch.save(model.state_dict())``."""
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.getbuffer().nbytes / 1e6


@torch.no_grad()
def latency_ms(call: Callable[[], Any], repeats: int = 10) -> float:
    """Median milliseconds of ``call()`` over ``repeats`` runs after one warm-up run."""
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


@torch.no_grad()
def accuracy_on(model: nn.Module | Callable[..., Any], batches: Sequence[tuple[Tensor, ...]]) -> float:
    """Share of right predictions over ``batches`` of ``(*inputs, labels)``; the model in eval mode."""
    if isinstance(model, nn.Module):
        model.eval()
    right = total = 0
    for *inputs, labels in batches:
        right += int((model(*inputs)[0].argmax(-1) == labels).sum())
        total += len(labels)
    if not total:
        raise ValueError("no labelled examples to measure accuracy on")
    return right / total


def decision_table(
    models: Mapping[str, nn.Module],
    batches: Sequence[tuple[Tensor, ...]],
    timing_batch: tuple[Tensor, ...],
    repeats: int = 10,
    sizes: Mapping[str, float] | None = None,
) -> list[dict[str, Any]]:
    """One row per model: name, size (MB), latency (ms per ``timing_batch``), accuracy on ``batches``.

    ``timing_batch`` holds the model inputs (no labels). ``sizes`` overrides the measured size of a
    model (e.g. a non-``nn.Module`` pipeline).
    """
    rows = []
    for name, model in models.items():
        size = (sizes or {}).get(name)
        if size is None:
            size = model_size_mb(model)
        if isinstance(model, nn.Module):
            model.eval()
        rows.append(
            {
                "model": name,
                "size_mb": size,
                "latency_ms": latency_ms(lambda m=model: m(*timing_batch), repeats),
                "accuracy": accuracy_on(model, batches),
            }
        )
    return rows


def format_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """A plain-text table of :func:`decision_table`'s rows."""
    lines = [f"{'model':32s} {'size (MB)':>10s} {'latency (ms)':>13s} {'accuracy':>9s}"]
    for row in rows:
        lines.append(
            f"{row['model']:32s} {row['size_mb']:10.1f} {row['latency_ms']:13.1f} {row['accuracy']:9.3f}"
        )
    return "\n".join(lines)


def plot_decision_table(rows: Sequence[Mapping[str, Any]]):  # noqa: ANN201 - a matplotlib Figure
    """Accuracy against latency (log scale), one point per model, its area proportional to its size."""
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(7, 4))
    for row in rows:
        ax.scatter(row["latency_ms"], row["accuracy"], s=20 + 4 * row["size_mb"], alpha=0.6)
        ax.annotate(
            f"{row['model']}\n{row['size_mb']:.1f} MB",
            (row["latency_ms"], row["accuracy"]),
            fontsize=7,
            xytext=(6, -4),
            textcoords="offset points",
        )
    ax.set_xscale("log")
    ax.set(
        xlabel="latency per batch (ms, log scale)",
        ylabel="test accuracy",
        title="choosing a model: accuracy, latency, size (area)",
    )
    figure.tight_layout()
    return figure
