"""Shared by the task generators: checking sizes and seeds, drawing unique examples, packing splits.

Every task dataset is a ``datasets.DatasetDict`` with ``train``, ``validation`` and ``test`` splits
whose examples are unique across all three (no test example is also a training example).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Hashable, Sequence
from typing import Any

__all__ = ["SPLITS", "check_sizes", "check_seed", "draw_unique", "draw_balanced", "to_dataset_dict"]

SPLITS = ("train", "validation", "test")


def check_sizes(sizes: Sequence[int]) -> tuple[int, int, int]:
    """Validate ``(train, validation, test)`` example counts: three positive ints."""
    if isinstance(sizes, str) or not isinstance(sizes, Sequence) or len(sizes) != 3:
        raise ValueError(f"sizes must be (train, validation, test), three positive ints, got {sizes!r}")
    for name, size in zip(SPLITS, sizes, strict=True):
        if not isinstance(size, int) or isinstance(size, bool):
            raise TypeError(f"the {name} size must be an int, got {type(size).__name__} {size!r}")
        if size < 1:
            raise ValueError(f"the {name} size must be at least 1, got {size}: every split needs examples")
    return tuple(sizes)  # type: ignore[return-value]


def check_seed(seed: object) -> int:
    """Validate a seed: an int (not a bool)."""
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {type(seed).__name__} {seed!r}")
    return seed


def draw_unique(
    draw: Callable[[random.Random], dict[str, Any]],
    key: Callable[[dict[str, Any]], Hashable],
    total: int,
    rng: random.Random,
    what: str,
) -> list[dict[str, Any]]:
    """Call ``draw(rng)`` until ``total`` examples with distinct ``key`` are collected.

    Raises ``ValueError`` when the grammar runs out of new examples (too many repeats in a row).
    """
    examples: list[dict[str, Any]] = []
    seen: set[Hashable] = set()
    misses, patience = 0, max(1000, total)
    while len(examples) < total:
        example = draw(rng)
        k = key(example)
        if k in seen:
            misses += 1
            if misses > patience:
                raise ValueError(
                    f"{what}: the grammar gave only {len(examples)} distinct examples, "
                    f"{total} were asked for: ask for fewer"
                )
            continue
        misses = 0
        seen.add(k)
        examples.append(example)
    return examples


def draw_balanced(
    draw: Callable[[random.Random, int], dict[str, Any]],
    n_labels: int,
    key: Callable[[dict[str, Any]], Hashable],
    total: int,
    rng: random.Random,
    what: str,
) -> list[dict[str, Any]]:
    """``total`` unique examples, ``total // n_labels`` (or one more) per label, in random order.

    ``draw(rng, label)`` writes one example of ``label``.
    """
    examples: list[dict[str, Any]] = []
    for label in range(n_labels):
        quota = total // n_labels + (1 if label < total % n_labels else 0)
        if quota:
            examples += draw_unique(
                lambda r, label=label: draw(r, label), key, quota, rng, f"{what} (label {label})"
            )
    rng.shuffle(examples)
    return examples


def to_dataset_dict(examples: list[dict[str, Any]], sizes: tuple[int, int, int], features: Any) -> Any:
    """Cut ``examples`` (already in random order) into the three splits of a ``DatasetDict``."""
    from datasets import Dataset, DatasetDict

    cuts = [0, sizes[0], sizes[0] + sizes[1], sum(sizes)]
    parts = {}
    for i, name in enumerate(SPLITS):
        rows = examples[cuts[i] : cuts[i + 1]]
        columns = {column: [row[column] for row in rows] for column in features}
        parts[name] = Dataset.from_dict(columns, features=features)
    return DatasetDict(parts)
