"""Plots shared by the chapters: training histories, heatmaps of attention or similarity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from nlpcourse.i18n import tr

__all__ = ["plot_history", "heatmap", "plot_curves", "bar_comparison", "grouped_bars", "plot_distribution"]


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


def plot_curves(
    curves: Mapping[str, Sequence[float]],
    x: Sequence[float] | None = None,
    *,
    xlabel: str = "",
    ylabel: str = "",
    title: str = "",
    logx: bool = False,
    logy: bool = False,
    dashed: Sequence[str] = (),
    ax: plt.Axes | None = None,
) -> Figure:
    """One line per entry of ``curves`` (name -> y values) against ``x`` (default 0, 1, ...);
    names listed in ``dashed`` are drawn dashed (e.g. a baseline family)."""
    if not curves:
        raise ValueError("no curves to plot: pass at least one name -> values")
    fig, ax = _figure(ax, (7, 4))
    for name, values in curves.items():
        values = np.asarray(values, dtype=float)
        xs = np.arange(len(values)) if x is None else np.asarray(x, dtype=float)
        ax.plot(xs, values, "--" if name in dashed else "-", label=name)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return fig


def bar_comparison(
    values: Mapping[str, float],
    *,
    xlabel: str = "",
    title: str = "",
    colors: Sequence[str] | None = None,
    ax: plt.Axes | None = None,
) -> Figure:
    """Horizontal bars, one per ``name -> value``, top to bottom in the mapping's order, each labelled."""
    if not values:
        raise ValueError("no values to compare: pass at least one name -> value")
    fig, ax = _figure(ax, (7, 0.45 * len(values) + 1.2))
    names = list(values)
    ax.barh(names, [values[n] for n in names], color=colors)
    for i, name in enumerate(names):
        ax.text(values[name], i, f" {values[name]:.2f}", va="center")
    ax.set(xlabel=xlabel, title=title)
    ax.invert_yaxis()
    fig.tight_layout()
    return fig


def grouped_bars(
    groups: Mapping[str, Sequence[float]],
    labels: Sequence[str],
    *,
    ylabel: str = "",
    title: str = "",
    ax: plt.Axes | None = None,
) -> Figure:
    """Side-by-side bars: one series per entry of ``groups`` (name -> one value per label)."""
    fig, ax = _figure(ax, (6, 3.2))
    width = 0.8 / max(len(groups), 1)
    x = np.arange(len(labels))
    for k, (name, heights) in enumerate(groups.items()):
        if len(heights) != len(labels):
            raise ValueError(f"series {name!r} has {len(heights)} values for {len(labels)} labels")
        ax.bar(x + (k - (len(groups) - 1) / 2) * width, np.asarray(heights, dtype=float), width, label=name)
    ax.set_xticks(x, list(labels), rotation=30)
    ax.set(ylabel=ylabel)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    return fig


def plot_distribution(
    probabilities: torch.Tensor | np.ndarray,
    labels: Sequence[str],
    *,
    top: int = 15,
    title: str = "",
    ax: plt.Axes | None = None,
) -> Figure:
    """Bars of the ``top`` most likely outcomes of a 1-D distribution (e.g. the next token), labelled."""
    probs = (
        probabilities.detach().cpu().numpy()
        if isinstance(probabilities, torch.Tensor)
        else np.asarray(probabilities)
    )
    if probs.ndim != 1 or len(probs) != len(labels):
        raise ValueError(
            f"need a 1-D distribution with one label per entry, got shape {probs.shape} "
            f"and {len(labels)} labels"
        )
    best = np.argsort(-probs, kind="stable")[:top]
    fig, ax = _figure(ax, (8, 3.2))
    ax.bar(range(len(best)), probs[best], color="tab:purple")
    ax.set_xticks(range(len(best)), [labels[i] for i in best], rotation=45, ha="right")
    ax.set(ylim=(0, max(0.1, 1.15 * float(probs[best[0]]))), ylabel="probability", title=title)
    fig.tight_layout()
    return fig


def _figure(ax: plt.Axes | None, size: tuple[float, float]) -> tuple[Figure, plt.Axes]:
    if ax is None:
        return plt.subplots(figsize=size)
    return ax.figure, ax


# --- chapters 00-03: figures the notebooks call instead of matplotlib cells --------------------------


def softmax_bars(words: Sequence[str], logits: torch.Tensor, temperature: float = 1.0) -> Figure:
    """Bars of ``softmax(logits / temperature)``, one per word (chapter 00's temperature explorer).

    logits: (len(words),) scores.
    """
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    if logits.shape != (len(words),):
        raise ValueError(
            f"need one logit per word: {len(words)} words, logits of shape {tuple(logits.shape)}"
        )
    probs = torch.softmax(logits.double() / temperature, dim=0)
    fig, ax = plt.subplots(figsize=(5, 2.6))
    ax.bar(list(words), probs.numpy(), color="tab:blue")
    ax.set_ylim(0, 1)
    ax.set_ylabel("probability")
    ax.set_title(tr("softmax(logits / T), T = {temperature:.2f}", temperature=temperature))
    fig.tight_layout()
    return fig


def zipf_plot(
    counts: Mapping[str, int], max_rank: int, words: Sequence[str] = (), ax: plt.Axes | None = None
) -> Figure:
    """Frequency against rank on log-log axes, with the least-squares line ln f = a + b ln r fitted over
    the ``max_rank`` most frequent types and the given ``words`` labelled (chapter 01)."""
    if not counts:
        raise ValueError("no counts to plot: pass a Counter of at least one token")
    freqs = np.array(sorted(counts.values(), reverse=True), dtype=float)
    ranks = np.arange(1, len(freqs) + 1)
    slope, intercept = np.polyfit(np.log(ranks[:max_rank]), np.log(freqs[:max_rank]), 1)
    fig, ax = _figure(ax, (6, 4))
    ax.loglog(ranks, freqs, ".", markersize=3, label="types")
    ax.loglog(
        ranks,
        np.exp(intercept) * ranks**slope,
        "r-",
        label=tr("least squares, ranks 1-{last}: s = {s:.2f}", last=min(max_rank, len(freqs)), s=-slope),
    )
    for word in words:
        if word in counts:
            rank = 1 + int((freqs > counts[word]).sum())
            ax.annotate(word, (rank, counts[word]), fontsize=8)
    ax.set(xlabel="rank r", ylabel="frequency f(r)", title="Zipf's law")
    ax.legend()
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return fig


def segmentation_boxes(segmented: Sequence[Sequence[str]], title: str = "") -> Figure:
    """One row per word, its pieces drawn as coloured boxes side by side (chapter 01's BPE explorer).

    segmented: for each word, the list of its pieces (e.g. ``bpe.encode_word(word)``); an end-of-word
    marker ``</w>`` is drawn as ``_``.
    """
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(segmented) + 0.6))
    ax.set(xlim=(0, 10), ylim=(-len(segmented) + 0.4, 0.6), title=title)
    ax.axis("off")
    renderer = fig.canvas.get_renderer()
    for row, pieces in enumerate(segmented):
        x = 0.1
        for k, piece in enumerate(pieces):
            label = ax.text(
                x,
                -row,
                piece.replace("</w>", "_"),
                fontsize=11,
                family="monospace",
                va="center",
                bbox={"boxstyle": "round,pad=0.25", "fc": plt.cm.Pastel1(k % 9), "ec": "grey"},
            )
            x = label.get_window_extent(renderer).transformed(ax.transData.inverted()).x1 + 0.25
    return fig


def arrows_2d(
    points: torch.Tensor | np.ndarray,
    labels: Sequence[str],
    pairs: Sequence[tuple[int, int]],
    title: str = "",
    ax: plt.Axes | None = None,
) -> Figure:
    """Labelled 2-D points with an arrow for each ``(from, to)`` pair of row indices (e.g. country ->
    capital in a PCA projection of word vectors, chapter 02). points: (n, 2)."""
    xy = np.asarray(points.detach().cpu() if isinstance(points, torch.Tensor) else points, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2 or len(xy) != len(labels):
        raise ValueError(
            f"need (n, 2) points with one label each, got shape {xy.shape} and {len(labels)} labels"
        )
    fig, ax = _figure(ax, (6, 5))
    ax.scatter(xy[:, 0], xy[:, 1], s=12)
    for i, label in enumerate(labels):
        ax.annotate(label, xy[i].tolist(), fontsize=8)
    for start, end in pairs:
        ax.annotate(
            "",
            xy[end].tolist(),
            xy[start].tolist(),
            arrowprops={"arrowstyle": "->", "color": "tab:red", "alpha": 0.6},
        )
    ax.set(title=title, xticks=[], yticks=[])
    return fig


__all__ += ["softmax_bars", "zipf_plot", "segmentation_boxes", "arrows_2d"]


# --- chapter 06 ------------------------------------------------------------------------------------


def pretraining_curves(history: Mapping[str, Sequence[float]], vocab_size: int, smooth: int = 1) -> Figure:
    """BERT pretraining at a glance: the MLM loss against a uniform guess (ln V), the NSP loss against
    a coin flip (ln 2), and the learning-rate schedule (warm-up, then linear decay), side by side.

    history: a pretraining history with ``mlm_loss``, ``nsp_loss`` and ``lr`` per step.
    """
    missing = [key for key in ("mlm_loss", "nsp_loss", "lr") if key not in history]
    if missing:
        raise ValueError(f"pretraining_curves needs the history of a pretraining run: {missing} missing")
    fig, axes = plt.subplots(1, 3, figsize=(15, 3.6))
    plot_history(history, keys=["mlm_loss"], smooth=smooth, ax=axes[0], title="MLM loss (masked positions)")
    axes[0].axhline(
        np.log(vocab_size),
        color="gray",
        linestyle=":",
        label=tr("uniform guess, ln {vocab}", vocab=vocab_size),
    )
    axes[0].legend()
    plot_history(history, keys=["nsp_loss"], smooth=smooth, ax=axes[1], title="NSP loss")
    axes[1].axhline(np.log(2), color="gray", linestyle=":", label="coin flip, ln 2")
    axes[1].legend()
    plot_history(history, keys=["lr"], ax=axes[2], title="learning rate: warm-up, then linear decay")
    fig.tight_layout()
    return fig


__all__ += ["pretraining_curves"]
