"""Shared fixtures: the course root, chapter list, and an offline, course-local environment."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted(
    p.name for p in (ROOT / "solutions").iterdir() if p.is_dir() and (p / f"{p.name}.ipynb").is_file()
)

# Offline and course-local for this process and every kernel or tool it starts.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
# nbgrader shells out to tools installed beside the interpreter (alembic): put them on PATH.
_bin = str(Path(sys.executable).parent)
if _bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(autouse=True)
def _seed_and_one_thread() -> Iterator[None]:
    """Seed every test; run on one thread (tiny tensors; 2 threads are far slower on a busy CPU)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    yield
    torch.set_num_threads(threads)


#: Test files whose tests are independent of each other (each runs its own notebook or kernel in its
#: own temporary folder): under pytest-xdist their tests spread over the workers one by one. Every
#: other file's tests stay together on one worker, so that its module-scoped fixtures (a graded class,
#: a JupyterLab or JupyterHub server, a course copy) are built once.
SPREAD = {"test_notebooks"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`make test` runs `pytest -n 2 --dist loadgroup`: group each file's tests but those of SPREAD."""
    for item in items:
        module = item.module.__name__ if item.module is not None else item.nodeid.split("::")[0]
        if module.rsplit(".", 1)[-1] not in SPREAD:
            item.add_marker(pytest.mark.xdist_group(module))
