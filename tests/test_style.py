"""The code base is linted and formatted: `ruff check` and `ruff format --check` (as `make lint`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUFF = Path(sys.executable).parent / "ruff"
PATHS = ["nlpcourse", "tests", "benchmarks", ".ci/lock.py"]


def test_ruff_check_is_clean():
    result = subprocess.run(
        [str(RUFF), "check", *PATHS], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:]


def test_every_file_is_formatted():
    result = subprocess.run(
        [str(RUFF), "format", "--check", *PATHS], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, "run `ruff format nlpcourse tests benchmarks`:\n" + result.stdout[-3000:]
