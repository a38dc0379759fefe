"""Seeing word vectors: 2-D projections (PCA, t-SNE) and a neighbour explorer.

* :func:`pca_2d`: the two directions of largest variance (a linear map: distances along them are
  faithful, but most of the 100 dimensions are left out);
* :func:`tsne_2d`: exact t-SNE (van der Maaten and Hinton 2008) for a few hundred words: keeps each
  word's nearest neighbours near, at the price of distorting large distances;
* :func:`plot_projection`: a labelled scatter plot, coloured by word groups;
* :func:`neighbour_explorer`: choose a word and ``k``, see its ``k`` nearest neighbours; a static
  picture where no widget frontend is listening.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from nlpcourse.embeddings.vectors import WordVectors
from nlpcourse.threads import one_thread
from nlpcourse.widgets import WidgetWithFallback, interactive_plot

__all__ = ["pca_2d", "tsne_2d", "plot_projection", "plot_neighbours", "neighbour_explorer"]


def pca_2d(x: torch.Tensor) -> torch.Tensor:
    """``(n, d) -> (n, 2)``: coordinates on the two principal components (signs fixed for stability)."""
    centred = x.double() - x.double().mean(0)
    _, _, v = torch.linalg.svd(centred, full_matrices=False)
    components = v[:2]
    signs = torch.sign(components[torch.arange(2), components.abs().argmax(1)])
    return (centred @ (components * signs[:, None]).T).float()


def _conditional_p(sq_dist: torch.Tensor, perplexity: float) -> torch.Tensor:
    """Rows ``p_{j|i}`` of Gaussians whose entropy is ``log(perplexity)``, by bisection on precision."""
    n = sq_dist.shape[0]
    target = math.log(perplexity)
    lo = torch.zeros(n, dtype=torch.float64)
    hi = torch.full((n,), float("inf"), dtype=torch.float64)
    beta = torch.ones(n, dtype=torch.float64)
    off_diagonal = ~torch.eye(n, dtype=torch.bool)
    for _ in range(64):
        logits = -sq_dist * beta[:, None]
        logits = logits.masked_fill(~off_diagonal, -float("inf"))
        p = torch.softmax(logits, dim=1)
        entropy = -(p * torch.log(p.clamp(min=1e-300))).sum(1)
        too_flat = entropy > target  # entropy too high: sharpen (raise beta)
        lo = torch.where(too_flat, beta, lo)
        hi = torch.where(too_flat, hi, beta)
        beta = torch.where(torch.isinf(hi), beta * 2, (lo + hi) / 2)
    return p


def tsne_2d(x: torch.Tensor, perplexity: float = 15.0, steps: int = 750, seed: int = 0) -> torch.Tensor:
    """``(n, d) -> (n, 2)`` by exact t-SNE on cosine geometry (rows are normalised first).

    Meant for up to a few hundred points (it computes all ``n^2`` distances). Starts from the PCA
    projection, exaggerates the affinities 12x for the first 100 steps, and uses gradient descent with
    momentum and per-coordinate gains; deterministic for a given ``seed``.
    """
    with one_thread():  # hundreds of tiny (n, n) operations: see nlpcourse.threads
        return _tsne(x, perplexity, steps, seed)


def _tsne(x: torch.Tensor, perplexity: float, steps: int, seed: int) -> torch.Tensor:
    n = x.shape[0]
    if n < 4:
        raise ValueError(f"t-SNE needs at least 4 points, got {n}")
    perplexity = min(perplexity, (n - 1) / 3)
    unit = x.double() / x.double().norm(dim=1, keepdim=True).clamp(min=1e-12)
    p = _conditional_p(torch.cdist(unit, unit) ** 2, perplexity)
    p = ((p + p.T) / (2 * n)).clamp(min=1e-12)
    generator = torch.Generator().manual_seed(seed)
    y = pca_2d(unit).double()
    y = y / y[:, 0].std() * 1e-4 + 1e-6 * torch.randn(n, 2, generator=generator, dtype=torch.float64)
    velocity, gains = torch.zeros_like(y), torch.ones_like(y)
    lr = max(n / 12 / 4, 50.0)
    for step in range(steps):
        exaggeration, momentum = (12.0, 0.5) if step < 100 else (1.0, 0.8)
        num = 1 / (1 + torch.cdist(y, y) ** 2)
        num.fill_diagonal_(0.0)
        q = (num / num.sum()).clamp(min=1e-12)
        weights = (exaggeration * p - q) * num  # (n, n)
        grad = 4 * (weights.sum(1, keepdim=True) * y - weights @ y)
        same_sign = torch.sign(grad) == torch.sign(velocity)
        gains = torch.where(same_sign, gains * 0.8, gains + 0.2).clamp(min=0.01)
        velocity = momentum * velocity - lr * gains * grad
        y = y + velocity
    return (y - y.mean(0)).float()


def plot_projection(
    vectors: WordVectors,
    words: Sequence[str] | None = None,
    method: str = "pca",
    groups: Mapping[str, Sequence[str]] | None = None,
    title: str = "",
    ax: plt.Axes | None = None,
    seed: int = 0,
) -> Figure:
    """Scatter ``words`` (default: all of ``groups``' words) in 2-D, labelled, coloured by group.

    ``method``: ``"pca"`` or ``"tsne"``. ``groups`` maps a group name to its words.
    """
    if words is None:
        if not groups:
            raise ValueError("pass words to plot, or groups of words")
        words = [w for members in groups.values() for w in members]
    words = list(dict.fromkeys(words))
    x = vectors.vectors[[vectors.id(w) for w in words]]
    if method == "pca":
        points = pca_2d(x)
    elif method == "tsne":
        points = tsne_2d(x, seed=seed)
    else:
        raise ValueError(f"method must be 'pca' or 'tsne', got {method!r}")
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 5.5))
    else:
        fig = ax.figure
    group_of = {w: name for name, members in (groups or {}).items() for w in members}
    names = list(groups or {}) or [""]
    colours = plt.get_cmap("tab10")
    for k, name in enumerate(names):
        chosen = [i for i, w in enumerate(words) if group_of.get(w, "") == name]
        if chosen:
            ax.scatter(points[chosen, 0], points[chosen, 1], s=18, color=colours(k % 10), label=name or None)
    for i, word in enumerate(words):
        ax.annotate(
            word,
            (float(points[i, 0]), float(points[i, 1])),
            fontsize=8,
            xytext=(2, 2),
            textcoords="offset points",
        )
    ax.set_title(title or f"{'PCA' if method == 'pca' else 't-SNE'} projection of {len(words)} word vectors")
    ax.set_xticks([])
    ax.set_yticks([])
    if groups:
        ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    return fig


def plot_neighbours(vectors: WordVectors, word: str, k: int = 10, ax: plt.Axes | None = None) -> Figure:
    """A bar chart of the cosine similarity of ``word``'s ``k`` nearest neighbours."""
    neighbours = vectors.most_similar(word, topn=k)
    if ax is None:
        fig, ax = plt.subplots(figsize=(5, 0.28 * k + 1.2))
    else:
        fig = ax.figure
    names = [w for w, _ in neighbours][::-1]
    ax.barh(names, [s for _, s in neighbours][::-1], color="tab:blue")
    ax.set_xlim(min(0.0, min(s for _, s in neighbours)), 1.0)
    ax.set_xlabel("cosine similarity")
    ax.set_title(f"nearest neighbours of '{word}'")
    fig.tight_layout()
    return fig


def neighbour_explorer(vectors: WordVectors, words: Sequence[str], k: int = 10) -> WidgetWithFallback:
    """Display a word menu and a ``k`` slider over :func:`plot_neighbours`.

    Without a widget frontend the output is the static chart of the first word.
    """
    import ipywidgets as widgets

    words = list(words)
    if not words:
        raise ValueError("give at least one word to explore")
    for word in words:
        vectors.id(word)  # an unknown word fails here, with suggestions
    controls = {
        "word": widgets.Dropdown(options=words, value=words[0], description="word"),
        "k": widgets.IntSlider(value=k, min=3, max=25, description="neighbours"),
    }
    return interactive_plot(
        lambda word, k: plot_neighbours(vectors, word, k),
        controls,
        text=f"nearest neighbours of {words[0]!r} (run in JupyterLab to choose a word)",
    )
