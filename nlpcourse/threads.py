"""Run a block of PyTorch code on one thread, then restore the caller's setting.

Training the course's small models is thousands of small operations (gathers of a few hundred rows,
sparse updates, matrices of 64 x 64). A second thread saves little on them, and every operation that
starts a parallel region waits for both threads: when the CPU is busy with anything else (a browser,
the test suite, a second kernel) that wait dominates. On this course's 2-core machine under load, the
toy-world skip-gram of chapter 02 took 39 s with 2 threads and 2.3 s with 1; chapter 09's translator
(d_model 64, batches of 64) trains at 0.040 s per step on one thread and 0.092 s on two, idle machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

__all__ = ["one_thread"]


@contextmanager
def one_thread() -> Iterator[None]:
    """``with one_thread(): ...`` runs torch on one intra-op thread inside the block."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
