"""Plots shared by the chapters: training histories, heatmaps of attention or similarity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

__all__ = ["plot_history", "heatmap"]


def _smooth(values: np.ndarray, window: int) -> np.ndarray:
    if window <= 1 or len(values) < window:
        return values
    kernel = np.ones(window) / window
    return np.convolve(values, kernel, mode="valid")


def plot_history(
    history: Mapping[str, Sequence[float]],
    keys: Sequence[str] | None = None,
    smooth: int = 1,
    logy: bool = False,
    title: str = "",
    ax: plt.Axes | None = None,
) -> Figure:
    """Draw curves from a history ``{"loss": [...], "val_loss": [...], ...}`` against steps.

    Keys starting with ``val_`` may be shorter than the training curve: they are spread evenly
    over the same step range. ``smooth`` is a moving-average window for noisy training curves.
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 3.5))
    else:
        fig = ax.figure
    keys = list(keys or [k for k in history if len(history[k])])
    if not keys:
        raise ValueError("history has no non-empty curve to plot: train for at least one step")
    steps_total = max(len(history[k]) for k in keys)
    for key in keys:
        values = np.asarray(history[key], dtype=float)
        if len(values) == 0:
            continue
        shown = _smooth(values, smooth) if not key.startswith("val_") else values
        x = np.linspace(1, steps_total, num=len(shown)) if len(shown) > 1 else np.array([steps_total])
        ax.plot(x, shown, label=key, marker="o" if len(shown) < 30 else None)
    ax.set_xlabel("step")
    if logy:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def heatmap(
    matrix: torch.Tensor | np.ndarray,
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
    title: str = "",
    cmap: str = "viridis",
    ax: plt.Axes | None = None,
    annotate: bool = False,
    vmin: float | None = 0.0,
    vmax: float | None = None,
) -> Figure:
    """Draw a 2-D matrix (e.g. attention weights: rows = queries, columns = keys)."""
    data = matrix.detach().cpu().numpy() if isinstance(matrix, torch.Tensor) else np.asarray(matrix)
    if data.ndim != 2:
        raise ValueError(f"heatmap needs a 2-D matrix, got shape {data.shape}: select one head/layer")
    if ax is None:
        fig, ax = plt.subplots(figsize=(0.45 * data.shape[1] + 2.5, 0.45 * data.shape[0] + 1.5))
    else:
        fig = ax.figure
    image = ax.imshow(data, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
    if col_labels is not None:
        ax.set_xticks(range(len(col_labels)), labels=list(col_labels), rotation=60, ha="right")
    if row_labels is not None:
        ax.set_yticks(range(len(row_labels)), labels=list(row_labels))
    if annotate:
        for (i, j), value in np.ndenumerate(data):
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7, color="w")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
