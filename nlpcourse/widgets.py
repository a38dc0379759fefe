"""Interactive explorers that still show something without a widget frontend.

A Jupyter output may carry several representations of one object; the frontend renders the richest
one it understands. :func:`show` displays an ipywidgets explorer together with a static PNG of its
initial state in the *same* output: JupyterLab (which has the widget manager) shows the live widget;
papermill, nbconvert, GitHub and a lecturer's exported slides, which have no widget frontend, show
the static picture. Nothing depends on guessing whether a frontend is listening.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any

import matplotlib.pyplot as plt
from IPython.display import display
from matplotlib.figure import Figure

__all__ = ["WidgetWithFallback", "figure_png", "display_figure", "show", "interactive_plot"]


def figure_png(fig: Figure, dpi: int = 90) -> str:
    """Render a matplotlib figure to base64 PNG text (as Jupyter stores images) and close it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def display_figure(fig: Figure) -> None:
    """Display a figure as a PNG (whatever matplotlib's backend) and release it."""
    display({"image/png": figure_png(fig)}, raw=True)


class WidgetWithFallback:
    """A widget whose output also holds a static image for frontends without widgets."""

    def __init__(self, widget: Any, fallback: Figure, text: str = "") -> None:
        self.widget = widget
        self.png = figure_png(fallback)
        self.text = text or "interactive explorer (run in JupyterLab to use it)"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["image/png"] = self.png
        bundle["text/plain"] = self.text
        return bundle


def show(widget: Any, fallback: Figure, text: str = "") -> WidgetWithFallback:
    """Display ``widget``, with ``fallback`` as the static picture for widget-less frontends."""
    shown = WidgetWithFallback(widget, fallback, text)
    display(shown)
    return shown


def interactive_plot(
    draw: Callable[..., Figure], controls: dict[str, Any], text: str = ""
) -> WidgetWithFallback:
    """An explorer: ``draw(**values) -> Figure`` redrawn whenever one of ``controls`` changes.

    ``controls`` maps keyword names of ``draw`` to ipywidgets controls (sliders, dropdowns, ...).
    The static fallback is ``draw`` at the controls' initial values.
    """
    import ipywidgets as widgets

    output = widgets.Output()

    def redraw(*_: Any) -> None:
        values = {name: control.value for name, control in controls.items()}
        with output:
            output.clear_output(wait=True)
            display_figure(draw(**values))

    for control in controls.values():
        control.observe(redraw, names="value")
    redraw()
    box = widgets.VBox([widgets.HBox(list(controls.values())), output])
    return show(box, draw(**{name: c.value for name, c in controls.items()}), text)
