"""The figures of the interpretability section: probe accuracy per layer, token scores side by side."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

__all__ = ["plot_probes", "plot_token_scores"]


def plot_probes(accuracies: Mapping[str, Sequence[float]], chance: float = 0.5):  # noqa: ANN201 - a Figure
    """Held-out probe accuracy against layer (0 = embeddings), one line per probed model or task."""
    figure, ax = plt.subplots(figsize=(6, 3.5))
    for name, values in accuracies.items():
        ax.plot(range(len(values)), values, "o-", label=name)
    ax.axhline(chance, color="grey", linestyle=":", label="chance")
    ax.set(xlabel="layer (0 = embeddings)", ylabel="probe accuracy (held out)", ylim=(0.3, 1.02))
    ax.legend(fontsize=8)
    figure.tight_layout()
    return figure


def plot_token_scores(
    tokens: Sequence[str], scores: Mapping[str, torch.Tensor | np.ndarray], title: str = ""
):  # noqa: ANN201 - a Figure
    """One bar chart per method (e.g. integrated gradients, gradient x input, attention), each scaled to a
    maximum absolute value of 1 so that they can be compared."""
    figure, axes = plt.subplots(
        len(scores), 1, figsize=(max(6, 0.55 * len(tokens)), 1.6 * len(scores)), sharex=True, squeeze=False
    )
    for ax, (name, values) in zip(axes[:, 0], scores.items(), strict=True):
        values = np.asarray(torch.as_tensor(values, dtype=torch.float64))
        values = values / max(np.abs(values).max(), 1e-12)
        ax.bar(range(len(tokens)), values, color=["tab:red" if v < 0 else "tab:blue" for v in values])
        ax.axhline(0, color="black", linewidth=0.5)
        ax.set_ylabel(name, fontsize=8)
    axes[-1, 0].set_xticks(range(len(tokens)), tokens, rotation=45, ha="right")
    if title:
        axes[0, 0].set_title(title)
    figure.tight_layout()
    return figure
