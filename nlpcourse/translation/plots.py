"""Figures of chapter 09: cross-attention alignments, scores by category, length generalisation.

Matplotlib's default fonts have no Chinese glyphs (and the course installs no CJK font), so axis
labels spell each character with its pinyin and meaning: 百 -> ``bai(100)``, 年 -> ``nian(yr)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from nlpcourse.plots import heatmap
from nlpcourse.widgets import WidgetWithFallback, interactive_plot

__all__ = ["zh_label", "draw_alignment", "alignment_explorer", "plot_scores", "plot_accuracy_by_digits"]

_PINYIN = {
    "零": "ling(0)",
    "一": "yi(1)",
    "二": "er(2)",
    "三": "san(3)",
    "四": "si(4)",
    "五": "wu(5)",
    "六": "liu(6)",
    "七": "qi(7)",
    "八": "ba(8)",
    "九": "jiu(9)",
    "十": "shi(10)",
    "百": "bai(100)",
    "千": "qian(1000)",
    "万": "wan(10^4)",
    "年": "nian(yr)",
    "月": "yue(mon)",
    "日": "ri(day)",
}


def zh_label(token: str) -> str:
    """A label matplotlib can draw for one target token: pinyin and meaning for a Chinese character."""
    return _PINYIN.get(token, token)


def draw_alignment(
    source: Sequence[str],
    target: Sequence[str],
    weights: torch.Tensor,
    title: str = "",
    ax: plt.Axes | None = None,
) -> Figure:
    """Cross-attention ``(len_target, len_source)``: row t = where the decoder looked for character t."""
    if tuple(weights.shape) != (len(target), len(source)):
        raise ValueError(
            f"weights of shape {tuple(weights.shape)} do not match {len(target)} target and "
            f"{len(source)} source tokens: pass one head, (len_target, len_source)"
        )
    return heatmap(weights, [zh_label(t) for t in target], list(source), title=title, ax=ax, vmax=1.0)


def _draw_heads(
    source: Sequence[str], target: Sequence[str], maps: Sequence[torch.Tensor], layer: int
) -> Figure:
    heads = maps[layer].shape[0]
    size = (0.35 * len(source) * heads + 3 * heads, 0.35 * len(target) + 2)
    fig, axes = plt.subplots(1, heads, figsize=size, squeeze=False)
    for head in range(heads):
        draw_alignment(source, target, maps[layer][head], f"layer {layer}, head {head}", ax=axes[0, head])
    fig.tight_layout()
    return fig


def alignment_explorer(
    examples: Mapping[str, tuple[Sequence[str], Sequence[str], Sequence[torch.Tensor]]],
) -> WidgetWithFallback:
    """Dropdowns (sentence, layer, head) over cross-attention maps; static fallback: every head of the
    last layer for the first sentence.

    examples: name -> (source tokens, target tokens, per-layer weights ``(heads, len_t, len_s)``), as
    returned by :meth:`Translator.cross_attention`.
    """
    import ipywidgets as widgets

    if not examples:
        raise ValueError("no sentences given: pass at least one (source, target, maps) triple")
    names = list(examples)
    layers = len(examples[names[0]][2])
    heads = examples[names[0]][2][0].shape[0]
    controls = {
        "sentence": widgets.Dropdown(options=names, description="sentence"),
        "layer": widgets.Dropdown(options=list(range(layers)), value=layers - 1, description="layer"),
        "head": widgets.Dropdown(options=["all", *range(heads)], description="head"),
    }

    def draw(sentence: str, layer: int, head: int | str) -> Figure:
        source, target, maps = examples[sentence]
        if head == "all":
            return _draw_heads(source, target, maps, layer)
        return draw_alignment(source, target, maps[layer][head], f"layer {layer}, head {head}")

    return interactive_plot(draw, controls, text="cross-attention explorer (sentence, layer, head)")


def plot_scores(
    tables: Mapping[str, Mapping[str, Mapping[str, float]]], metric: str = "exact match"
) -> Figure:
    """Grouped bars: ``tables`` maps a system name to its :func:`scores_by_category` result."""
    systems = list(tables)
    categories = [c for c in next(iter(tables.values())) if all(c in t for t in tables.values())]
    fig, ax = plt.subplots(figsize=(1.6 * len(categories) + 2, 3.2))
    width = 0.8 / len(systems)
    for i, name in enumerate(systems):
        values = [tables[name][c][metric] for c in categories]
        ax.bar(np.arange(len(categories)) + i * width, values, width, label=name)
    ax.set_xticks(
        np.arange(len(categories)) + 0.4 - width / 2,
        labels=[c.replace("零", "ling").replace("万", "wan") for c in categories],
    )
    ax.set_ylabel(metric)
    ax.set_ylim(0, 105)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_accuracy_by_digits(results: Mapping[str, Mapping[int, float]]) -> Figure:
    """Exact match (%) against the number of digits, one line per model (length generalisation)."""
    fig, ax = plt.subplots(figsize=(5, 3))
    for name, by_digits in results.items():
        digits = sorted(by_digits)
        ax.plot(digits, [by_digits[d] for d in digits], "o-", label=name)
    ax.set_xlabel("digits of the number")
    ax.set_ylabel("exact match (%)")
    ax.set_ylim(-5, 105)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
