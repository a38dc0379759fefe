"""An explorer of attention weights: choose a sentence, a layer and a head.

Works for any model that yields per-layer attention maps, ours (``Encoder.attention_maps()``) or a
Hugging Face model (``outputs.attentions``). Without a widget frontend (papermill, exported slides)
the output shows a static grid of one layer's heads instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from nlpcourse.plots import heatmap
from nlpcourse.widgets import WidgetWithFallback, display_figure, show

__all__ = ["attention_explorer", "draw_heads"]


def _validate(tokens: Mapping[str, Sequence[str]], maps: Mapping[str, Sequence[torch.Tensor]]) -> None:
    if not tokens:
        raise ValueError("no sentences given: pass at least one sentence and its attention maps")
    for name, toks in tokens.items():
        if name not in maps:
            raise ValueError(f"sentence {name!r} has tokens but no attention maps")
        for layer, weights in enumerate(maps[name]):
            if weights.dim() != 3 or weights.shape[-1] != len(toks) or weights.shape[-2] != len(toks):
                raise ValueError(
                    f"sentence {name!r}, layer {layer}: expected weights of shape (heads, {len(toks)}, "
                    f"{len(toks)}), got {tuple(weights.shape)}; drop the batch dimension first"
                )


def draw_heads(tokens: Sequence[str], weights: torch.Tensor, title: str = "", columns: int = 6) -> Figure:
    """All heads of one layer, ``columns`` to a row (a real model has 12); weights: (heads, seq, seq)."""
    heads = weights.shape[0]
    cols = min(heads, columns)
    rows = -(-heads // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols + 1, 3.4 * rows), squeeze=False)
    for head in range(heads):
        ax = axes[head // cols, head % cols]
        heatmap(weights[head], tokens, tokens, title=f"head {head}", ax=ax, vmax=1.0)
    for ax in axes.flat[heads:]:
        ax.axis("off")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def attention_explorer(
    tokens: Mapping[str, Sequence[str]],
    maps: Mapping[str, Sequence[torch.Tensor]],
) -> WidgetWithFallback:
    """Display dropdowns (sentence, layer, head) over attention heatmaps.

    tokens: sentence name -> its tokens (length seq).
    maps: sentence name -> list over layers of weights (heads, seq, seq); rows are queries.
    """
    import ipywidgets as widgets

    _validate(tokens, maps)
    names = list(tokens)
    num_layers = len(maps[names[0]])
    num_heads = maps[names[0]][0].shape[0]
    sentence = widgets.Dropdown(options=names, description="sentence")
    layer = widgets.Dropdown(options=list(range(num_layers)), value=num_layers - 1, description="layer")
    head = widgets.Dropdown(options=list(range(num_heads)), description="head")
    output = widgets.Output()

    def redraw(*_: object) -> None:
        weights = maps[sentence.value][layer.value][head.value]
        toks = tokens[sentence.value]
        with output:
            output.clear_output(wait=True)
            fig = heatmap(weights, toks, toks, title=f"layer {layer.value}, head {head.value}", vmax=1.0)
            display_figure(fig)

    for control in (sentence, layer, head):
        control.observe(redraw, names="value")
    redraw()
    fallback = draw_heads(
        tokens[names[0]],
        maps[names[0]][num_layers - 1],
        title=f"last layer ({num_layers - 1}), all heads",
    )
    box = widgets.VBox([widgets.HBox([sentence, layer, head]), output])
    return show(box, fallback, text="attention explorer (sentence, layer, head)")
