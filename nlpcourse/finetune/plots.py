"""Figures of chapter 08: learning curves, confusion matrices, learning-rate sweeps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from nlpcourse.finetune.learning_curve import summarize

__all__ = ["plot_learning_curve", "plot_confusion_matrix", "plot_lr_sweep"]


def _axes(ax: plt.Axes | None, size: tuple[float, float]) -> tuple[Figure, plt.Axes]:
    if ax is None:
        return plt.subplots(figsize=size)
    return ax.figure, ax


def plot_learning_curve(
    rows: Sequence[dict[str, Any]], title: str = "", ax: plt.Axes | None = None, chance: float | None = None
) -> Figure:
    """Mean validation accuracy against labelled examples (log scale), a band of ± one spread."""
    fig, ax = _axes(ax, (6.5, 4))
    for start, by_size in summarize(rows).items():
        sizes = sorted(by_size)
        mean = np.array([by_size[n][0] for n in sizes])
        spread = np.array([by_size[n][1] for n in sizes])
        ax.plot(sizes, mean, marker="o", label=start)
        ax.fill_between(sizes, mean - spread, mean + spread, alpha=0.2)
    if chance is not None:
        ax.axhline(chance, color="gray", linestyle=":", label="chance")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("labelled training examples")
    ax.set_ylabel("validation accuracy")
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title or "learning curve: mean ± spread over seeds")
    fig.tight_layout()
    return fig


def plot_confusion_matrix(
    matrix: torch.Tensor | np.ndarray, names: Sequence[str], title: str = "", ax: plt.Axes | None = None
) -> Figure:
    """Counts with rows = true class, columns = predicted class, each cell written out."""
    data = matrix.numpy() if isinstance(matrix, torch.Tensor) else np.asarray(matrix)
    fig, ax = _axes(ax, (0.9 * len(names) + 2.5, 0.8 * len(names) + 1.5))
    ax.imshow(data, cmap="Blues")
    for (i, j), value in np.ndenumerate(data):
        ax.text(
            j,
            i,
            str(int(value)),
            ha="center",
            va="center",
            color="white" if value > data.max() / 2 else "black",
        )
    ax.set_xticks(range(len(names)), labels=list(names), rotation=30, ha="right")
    ax.set_yticks(range(len(names)), labels=list(names))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title or "confusion matrix")
    fig.tight_layout()
    return fig


def plot_lr_sweep(
    histories: Mapping[float, Mapping[str, Sequence[float]]],
    key: str = "val_accuracy",
    title: str = "",
    ax: plt.Axes | None = None,
) -> Figure:
    """One curve of ``key`` per learning rate (its history) against training steps."""
    fig, ax = _axes(ax, (6.5, 4))
    for lr, history in histories.items():
        values = np.asarray(history[key], dtype=float)
        steps = len(history["loss"])
        x = np.linspace(steps / len(values), steps, len(values))
        ax.plot(x, values, marker="o", label=f"lr {lr:g}")
    ax.set_xlabel("step")
    ax.set_ylabel(key.replace("_", " "))
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title or f"{key.replace('_', ' ')} by learning rate")
    fig.tight_layout()
    return fig
