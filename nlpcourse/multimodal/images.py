"""Images and captions for a toy CLIP: digits rendered offline with matplotlib, captions from templates.

    images, labels = digit_images(512, seed=0)          # (512, 1, 24, 24) floats in [0, 1], digit ids
    captions = digit_captions(labels, seed=0)           # ["the number seven", "a drawing of two", ...]

Each digit is drawn once per font (matplotlib's bundled DejaVu Sans, Serif and Sans Mono) and then
shifted, scaled and blurred with noise at random, so that no two images are the same.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    "DIGIT_WORDS",
    "TRAIN_TEMPLATES",
    "PROMPT_TEMPLATE",
    "FONTS",
    "glyphs",
    "digit_images",
    "digit_captions",
    "plot_digits",
]

DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
#: Captions seen in training.
TRAIN_TEMPLATES = [
    "the number {}",
    "a drawing of {}",
    "{} written in black",
    "an image of the digit {}",
    "a picture showing {}",
]
#: A prompt never seen in training, for zero-shot classification.
PROMPT_TEMPLATE = "a photo of the number {}"
FONTS = ["DejaVu Sans", "DejaVu Serif", "DejaVu Sans Mono"]


@lru_cache(maxsize=4)
def glyphs(size: int = 24) -> Tensor:
    """``(len(FONTS), 10, size, size)``: every digit in every font, centred, ink 1 on background 0."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    big = 4 * size
    out = torch.zeros(len(FONTS), 10, size, size)
    for f, font in enumerate(FONTS):
        for digit in range(10):
            figure = Figure(figsize=(1, 1), dpi=big)
            canvas = FigureCanvasAgg(figure)
            figure.text(0.5, 0.5, str(digit), fontsize=0.55 * 72, family=font, ha="center", va="center")
            canvas.draw()
            pixels = np.asarray(canvas.buffer_rgba())[..., 0].astype(np.float32)  # white 255, ink 0
            ink = torch.from_numpy(1 - pixels / 255)[None, None]
            out[f, digit] = F.interpolate(ink, size=(size, size), mode="area")[0, 0]
    return out


def digit_images(n: int, seed: int = 0, size: int = 24, noise: float = 0.1) -> tuple[Tensor, Tensor]:
    """``n`` random digit images ``(n, 1, size, size)`` and their labels ``(n,)``."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    g = torch.Generator().manual_seed(seed)
    base = glyphs(size)
    labels = torch.randint(0, 10, (n,), generator=g)
    fonts = torch.randint(0, len(FONTS), (n,), generator=g)
    x = base[fonts, labels][:, None]  # (n, 1, size, size)
    scale = 0.8 + 0.4 * torch.rand(n, generator=g)  # zoom in or out
    shift = (torch.rand(n, 2, generator=g) - 0.5) * 0.3  # up to 15% of the image each way
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = theta[:, 1, 1] = 1 / scale
    theta[:, :, 2] = shift
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, align_corners=False)
    x = x + noise * torch.randn(x.shape, generator=g)
    return x.clamp(0, 1), labels


def digit_captions(
    labels: Sequence[int] | Tensor, seed: int = 0, templates: Sequence[str] = TRAIN_TEMPLATES
) -> list[str]:
    """One caption per label, each from a random template."""
    rng = random.Random(seed)
    return [rng.choice(templates).format(DIGIT_WORDS[int(y)]) for y in labels]


def plot_digits(images: Tensor, captions: Sequence[str], columns: int = 8):  # noqa: ANN201 - a Figure
    """A grid of images with their captions underneath; returns the matplotlib figure."""
    import matplotlib.pyplot as plt

    rows = math.ceil(len(images) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(1.6 * columns, 1.9 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, image, caption in zip(axes.flat, images, captions, strict=False):
        ax.imshow(image[0], cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(caption, fontsize=7)
    figure.tight_layout()
    return figure
