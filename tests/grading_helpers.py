"""Helpers for tests that drive nbgrader on a throw-away copy of the course.

A test builds a course directory in a temporary folder (:func:`make_course`), fabricates student
submissions from the release notebook, and runs nbgrader there (:func:`run_nbgrader`), so that the
repository's own ``gradebook.db``, ``submitted/`` and ``autograded/`` are never touched.
"""

from __future__ import annotations

import copy
import html
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the virtualenv running pytest; nbgrader shells out to alembic

BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"


def nbgrader_env(scratch: Path | None = None) -> dict[str, str]:
    """Environment for nbgrader subprocesses: the venv first on PATH.

    With ``scratch`` (a folder outside the course directory) the Jupyter, IPython and matplotlib
    configuration directories live there, empty, so only the course's ``nbgrader_config.py`` and
    no user-level configuration is in effect.
    """
    env = os.environ.copy()
    env.pop("NBGRADER_EXECUTION", None)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["MPLBACKEND"] = "Agg"
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    for name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
        env[name] = "1"
    if scratch is None:
        return env
    env["JUPYTER_CONFIG_DIR"] = str(scratch / "jupyter-config")
    env["IPYTHONDIR"] = str(scratch / "ipython")
    env["MPLCONFIGDIR"] = str(scratch / "matplotlib")
    return env


def run_nbgrader(
    args: Iterable[str], cwd: Path, *, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``nbgrader <args>`` in ``cwd``; stdout and stderr come back merged, in order."""
    exe = BIN / "nbgrader"
    cmd = [str(exe) if exe.exists() else "nbgrader", *args]
    return subprocess.run(
        cmd,
        cwd=cwd,
        env=env if env is not None else nbgrader_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )


def validate_output(path: Path, cwd: Path = REPO, *, env: dict[str, str] | None = None) -> str:
    """Return everything ``nbgrader validate <path>`` prints, run with the course config in ``cwd``.

    ``nbgrader validate`` exits 0 whether or not the notebook's checks pass: the verdict is only
    in its output ("VALIDATION FAILED ON n CELL(S)!" or "Success! Your notebook passes all the
    tests."), so callers must read the text. A non-zero exit means nbgrader itself broke, and
    raises AssertionError here.
    """
    result = run_nbgrader(["validate", str(path)], cwd, env=env, timeout=180)
    assert result.returncode == 0, (
        f"nbgrader validate {path} exited {result.returncode} (it exits 0 even when checks fail, "
        f"so this is a crash):\n{result.stdout[-4000:]}"
    )
    return result.stdout


def make_course(chapter: str, root: Path, *, env: dict[str, str] | None = None) -> str:
    """Copy ``nbgrader_config.py`` and ``solutions/<chapter>`` into ``root`` and release there.

    Returns the output of ``nbgrader generate_assignment <chapter> --force`` (run in ``root``).
    """
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(REPO / "solutions" / chapter, root / "solutions" / chapter)
    result = run_nbgrader(["generate_assignment", chapter, "--force"], root, env=env)
    assert result.returncode == 0, (
        f"nbgrader generate_assignment {chapter} failed in {root} "
        f"(exit {result.returncode}):\n{result.stdout[-4000:]}"
    )
    return result.stdout


# --- notebook cells by nbgrader metadata -------------------------------------------------------


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def grade_id(cell) -> str | None:
    return nbgrader_meta(cell).get("grade_id")


def is_check_cell(cell) -> bool:
    """An autograded test cell: graded, not a solution, code."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and cell.cell_type == "code"


def is_solution_cell(cell) -> bool:
    return bool(nbgrader_meta(cell).get("solution"))


def is_manual_cell(cell) -> bool:
    """A graded answer written by the student (markdown or code): graded by hand."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and bool(meta.get("solution"))


def cells_by_id(nb, predicate=None) -> dict[str, nbformat.NotebookNode]:
    return {grade_id(c): c for c in nb.cells if grade_id(c) and (predicate is None or predicate(c))}


def points(nb) -> dict[str, float]:
    """grade_id -> maximum points, for every graded cell."""
    return {grade_id(c): float(nbgrader_meta(c)["points"]) for c in nb.cells if nbgrader_meta(c).get("grade")}


def with_solutions(release, solutions):
    """A copy of ``release`` whose solution cells hold the matching ``solutions`` source."""
    answers = cells_by_id(solutions, is_solution_cell)
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        if is_solution_cell(cell):
            cell.source = answers[grade_id(cell)].source
    return nb


def write_submission(course: Path, student: str, chapter: str, nb) -> Path:
    path = course / "submitted" / student / chapter / f"{chapter}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


# --- hidden tests and feedback -------------------------------------------------------------


def hidden_lines(cell) -> list[str]:
    """The stripped, non-blank lines between the hidden-test delimiters of one cell."""
    lines, inside = [], False
    for line in cell.source.splitlines():
        if BEGIN_HIDDEN in line:
            inside = True
        elif END_HIDDEN in line:
            inside = False
        elif inside and line.strip():
            lines.append(line.strip())
    return lines


def secret_lines(solutions, release) -> dict[str, list[str]]:
    """grade_id -> hidden-test lines that appear nowhere in the release (the true secrets)."""
    visible = "\n".join(c.source for c in release.cells)
    secrets = {}
    for gid, cell in cells_by_id(solutions).items():
        lines = [line for line in hidden_lines(cell) if line not in visible]
        if lines:
            secrets[gid] = lines
    return secrets


def html_text(page: str) -> str:
    """The text a reader sees in an nbconvert HTML page: tags stripped, entities decoded.

    Syntax highlighting splits code into one ``<span>`` per token, so searching raw HTML for a
    line of code finds nothing even when the line is there; search this text instead.
    """
    return html.unescape(re.sub(r"<[^>]+>", "", page))
