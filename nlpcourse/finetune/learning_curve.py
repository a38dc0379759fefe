"""Learning curves: accuracy against the number of labelled examples, for several starting points.

    minilm = lambda seed: SequenceClassifier.from_pretrained_minilm(seed=seed)
    scratch = lambda seed: SequenceClassifier.from_scratch(config, seed=seed)
    starts = [Start("MiniLM", minilm, train, val, 5e-5), Start("scratch", scratch, train2, val2, 1e-3)]
    rows = learning_curve(starts, sizes=[16, 64, 256, 1024], seeds=[0, 1, 2])
    print(format_curve(rows))          # mean ± spread per start and size

For each size ``n`` and seed, the ``n`` training examples are the first ``n`` of a seed-dependent
shuffle of the pool (so a larger set contains the smaller one of the same seed), and a fresh model is
fine-tuned for ``clamp(epochs * n / batch_size, min_steps, max_steps)`` steps and scored on the whole
validation set. The spread is the standard deviation over the seeds.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from tqdm.auto import tqdm

from nlpcourse.finetune.data import EncodedDataset, subset
from nlpcourse.finetune.trainer import evaluate, fine_tune

__all__ = ["Start", "learning_curve", "summarize", "format_curve"]


@dataclass
class Start:
    """A starting point: how to build a fresh model for a seed, its encoded data and learning rate."""

    name: str
    build: Callable[[int], nn.Module]
    train: EncodedDataset
    validation: EncodedDataset
    lr: float


def learning_curve(
    starts: Sequence[Start],
    sizes: Sequence[int],
    seeds: Sequence[int],
    *,
    epochs: float = 4,
    batch_size: int = 16,
    min_steps: int = 20,
    max_steps: int = 200,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """One row ``{"start", "size", "seed", "steps", "accuracy", "seconds"}`` per start, size and seed."""
    if not starts or not sizes or not seeds:
        raise ValueError("need at least one start, one size and one seed")
    rows = []
    runs = [(start, size, seed) for start in starts for size in sizes for seed in seeds]
    for start, size, seed in tqdm(runs, desc="learning curve", disable=not progress, leave=False):
        if not 1 <= size <= len(start.train):
            raise ValueError(f"size {size} is outside 1..{len(start.train)}, the pool of {start.name!r}")
        order = torch.randperm(len(start.train), generator=torch.Generator().manual_seed(seed)).tolist()
        data = subset(start.train, order[:size])
        steps = int(min(max_steps, max(min_steps, math.ceil(epochs * size / batch_size))))
        began = time.perf_counter()
        model = start.build(seed)
        fine_tune(model, data, steps=steps, batch_size=batch_size, lr=start.lr, seed=seed, progress=False)
        accuracy = evaluate(model, start.validation)["accuracy"]
        rows.append(
            {
                "start": start.name,
                "size": size,
                "seed": seed,
                "steps": steps,
                "accuracy": accuracy,
                "seconds": time.perf_counter() - began,
            }
        )
    return rows


def summarize(rows: Sequence[dict[str, Any]]) -> dict[str, dict[int, tuple[float, float]]]:
    """``{start: {size: (mean accuracy, standard deviation over seeds)}}``."""
    table: dict[str, dict[int, list[float]]] = {}
    for row in rows:
        table.setdefault(row["start"], {}).setdefault(row["size"], []).append(row["accuracy"])
    return {
        start: {
            size: (statistics.fmean(values), statistics.pstdev(values) if len(values) > 1 else 0.0)
            for size, values in by_size.items()
        }
        for start, by_size in table.items()
    }


def format_curve(rows: Sequence[dict[str, Any]]) -> str:
    """A text table: one line per start, one column per size, ``mean ± spread`` accuracy in %."""
    summary = summarize(rows)
    sizes = sorted({row["size"] for row in rows})
    width = max(len("start"), *(len(s) for s in summary))
    lines = [f"{'start':<{width}}" + "".join(f"{f'n={n}':>16}" for n in sizes)]
    for start, by_size in summary.items():
        cells = [
            f"{100 * by_size[n][0]:.1f} ± {100 * by_size[n][1]:.1f}" if n in by_size else "" for n in sizes
        ]
        lines.append(f"{start:<{width}}" + "".join(f"{c:>16}" for c in cells))
    return "\n".join(lines)
