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


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):  # noqa: ANN001, ANN201 - xdist's types
    """`make test` runs `pytest -n 2 --dist loadscope`: a file is one unit of work, but for SPREAD,
    whose tests are units of their own.

    (Not ``--dist loadgroup`` with ``xdist_group`` marks: pytest-xdist 3.8 groups by appending the
    group to ``item._nodeid``, which pytest 9 no longer reads, so every file's tests were spread and
    its module fixtures built on both workers.)
    """
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class FileScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return nodeid if Path(path).stem in SPREAD else path

    return FileScheduling(config, log)
