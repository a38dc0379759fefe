"""Notebook start-up: fast mode, seeds and threads, the same in every chapter.

Every notebook's first code cell is tagged ``parameters`` and holds ``FAST`` and ``SEED``; the next
cell calls :func:`start`::

    FAST, rng = start(FAST, SEED)

Fast mode is what CI and the autograder run: it is on when the notebook asks for it (papermill
``-p FAST True``) and whenever nbgrader executes the notebook (``NBGRADER_EXECUTION`` is set during
``nbgrader validate`` and ``nbgrader autograde``), so grading never waits for full-size training.
"""

from __future__ import annotations

import os
import random
import warnings

import numpy as np
import torch

#: Threads used by torch in notebooks: the course is budgeted for a 2-core laptop.
DEFAULT_THREADS = 2


def fast_mode(requested: bool = False) -> bool:
    """Return True when the notebook should run its quick version.

    ``requested`` is the notebook's ``FAST`` parameter; nbgrader's execution (validate, autograde)
    and the environment variable ``NLPCOURSE_FAST=1`` switch fast mode on as well.
    """
    if requested:
        return True
    if os.environ.get("NBGRADER_EXECUTION"):
        return True
    return os.environ.get("NLPCOURSE_FAST", "").strip().lower() in {"1", "true", "yes"}


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python, NumPy and torch; return a NumPy generator for the notebook's own draws."""
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"SEED must be an int, got {type(seed).__name__} {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def start(fast: bool = False, seed: int = 0, threads: int | None = None) -> tuple[bool, np.random.Generator]:
    """Prepare a chapter: decide fast mode, seed every generator, cap torch's threads.

    Returns ``(FAST, rng)``. Warnings from third-party libraries are kept out of check cells,
    because nbgrader counts any output on stderr in a graded cell as a failure.
    """
    torch.set_num_threads(threads or int(os.environ.get("NLPCOURSE_THREADS", DEFAULT_THREADS)))
    torch.use_deterministic_algorithms(True, warn_only=True)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", message=".*deterministic.*")
    return fast_mode(fast), seed_everything(seed)
