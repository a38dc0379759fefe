"""Figures of chapter 10: start/end scores over a window, and the windows of a long context."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

__all__ = ["plot_span_logits", "plot_windows"]


def plot_span_logits(
    tokens: Sequence[str],
    start_logits: torch.Tensor,
    end_logits: torch.Tensor,
    span: tuple[int, int] | None = None,
    title: str = "",
) -> Figure:
    """Start and end logits of one window as bars over its tokens; the chosen span shaded."""
    start, end = start_logits.detach().float().numpy(), end_logits.detach().float().numpy()
    if not len(tokens) == len(start) == len(end):
        raise ValueError(f"{len(tokens)} tokens but {len(start)} start and {len(end)} end logits")
    fig, ax = plt.subplots(figsize=(max(6.0, 0.24 * len(tokens)), 3.2))
    x = np.arange(len(tokens))
    ax.bar(x - 0.2, start, 0.4, label="start logit", color="tab:blue")
    ax.bar(x + 0.2, end, 0.4, label="end logit", color="tab:orange")
    if span is not None:
        ax.axvspan(span[0] - 0.5, span[1] + 0.5, color="tab:green", alpha=0.15, label="best span")
    ax.set_xticks(x, list(tokens), rotation=90, fontsize=7)
    ax.set(ylabel="logit", title=title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_windows(
    example_index: torch.Tensor,
    offsets: torch.Tensor,
    context_length: int,
    answer: tuple[int, int] | None = None,
    title: str = "",
) -> Figure:
    """The character range of the context each window covers, one row per window; the answer marked."""
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(offsets) + 1.2))
    for w in range(len(offsets)):
        inside = offsets[w][offsets[w, :, 1] > offsets[w, :, 0]]
        first, last = int(inside[0, 0]), int(inside[-1, 1])
        ax.barh(w, last - first, left=first, color="tab:blue", alpha=0.6)
        ax.text(last, w, f"  example {int(example_index[w])}, chars {first}-{last}", va="center", fontsize=7)
    if answer is not None:
        ax.axvspan(answer[0], answer[1], color="tab:red", alpha=0.4, label="answer")
        ax.legend(fontsize=8, loc="lower right")
    ax.set(
        xlim=(0, context_length * 1.35),
        xlabel="character offset in the context",
        ylabel="window",
        title=title,
    )
    ax.invert_yaxis()
    fig.tight_layout()
    return fig
