"""The trusted half of autograding: nbgrader's preprocessors and gradebook, in the grading process.

nbgrader's ``autograde`` runs two groups of preprocessors around the kernel. Here the same
classes run in the grader, which alone opens ``gradebook.db``; only the notebook (sanitized: check
cells restored from the gradebook) goes to a sandboxed kernel:

* before: ``ClearOutput``, ``DeduplicateIds``, ``OverwriteKernelspec``, ``OverwriteCells``,
  ``CheckCellMetadata`` (:meth:`Course.sanitize`);
* after: ``SaveAutoGrades``, ``AssignLatePenalties``, ``CheckCellMetadata`` (:meth:`Course.record`),
  one student at a time, so that SQLite sees a single writer.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import nbformat
import nbgrader.api
from nbformat import NotebookNode
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)
from nbgrader.utils import find_all_files, is_grade, is_solution
from sqlalchemy.exc import SAWarning
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

__all__ = [
    "Course",
    "GradingError",
    "is_check",
    "load_config",
    "nbgrader_resources",
    "shared_engines",
    "venv_on_path",
    "write_atomic",
]


class GradingError(RuntimeError):
    """The class cannot be graded at all (no gradebook, chapter not released); says what to run."""


def load_config(root: Path) -> Config:
    """The course's ``nbgrader_config.py`` (only that file: no user-level Jupyter configuration)."""
    path = root / "nbgrader_config.py"
    if not path.is_file():
        raise GradingError(f"no nbgrader_config.py in {root}: run this in the course folder or pass --course")
    config = PyFileConfigLoader(path.name, path=str(root)).load_config()
    config.CourseDirectory.root = str(root)  # the folder we were given, even if the file says otherwise
    return config


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``path`` through a temporary file and a rename: a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def is_check(cell: NotebookNode) -> bool:
    """An autograded test cell: graded, code, not an answer."""
    return cell.get("cell_type") == "code" and is_grade(cell) and not is_solution(cell)


_is_check = is_check


@contextmanager
def shared_engines() -> Iterator[None]:
    """Within this block, nbgrader's gradebooks share one SQLAlchemy engine per database URL.

    nbgrader opens the gradebook anew, with an engine of its own, in every preprocessor and for
    every student (eight times per student here); a new engine starts with an empty cache of
    compiled SQL, so every query is compiled again: a third of the CPU the grader spends recording
    a student. Sessions stay separate, as before; closing a gradebook still closes its connections
    (``engine.dispose()``), only the engine and its compiled SQL are kept until the block ends.
    """
    original = nbgrader.api.create_engine
    engines: dict[tuple, object] = {}

    def create_engine(url, **kwargs):  # noqa: ANN001, ANN202 - sqlalchemy.create_engine's signature
        key = (str(url), tuple(sorted(kwargs.items())))
        if key not in engines:
            engines[key] = original(url, **kwargs)
        return engines[key]

    nbgrader.api.create_engine = create_engine
    try:
        yield
    finally:
        nbgrader.api.create_engine = original
        for engine in engines.values():
            engine.dispose()


def nbgrader_resources(db_url: str, chapter: str, student: str) -> dict:
    """The resources nbgrader's preprocessors and exporters read: which gradebook, notebook, student."""
    return {
        "nbgrader": {"db_url": db_url, "assignment": chapter, "notebook": chapter, "student": student},
        "metadata": {"name": chapter},
    }


def venv_on_path() -> None:
    """Put this interpreter's scripts folder first on PATH: nbgrader runs ``alembic`` by name when it
    creates a gradebook, which fails when ``nlpcourse`` is run by its full path outside the venv."""
    scripts = os.path.dirname(sys.executable)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


def release(root: Path, chapter: str) -> None:
    """``nbgrader generate_assignment CHAPTER --force`` in ``root``: the chapter enters the gradebook."""
    venv_on_path()
    command = [sys.executable, "-m", "nbgrader", "generate_assignment", chapter, "--force"]
    result = subprocess.run(
        command,
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PATH": os.environ["PATH"]},
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise GradingError(
            f"releasing {chapter} into the gradebook failed (nbgrader generate_assignment "
            f"{chapter}, exit {result.returncode}):\n{tail}"
        )


class Course:
    """One chapter of an nbgrader course folder: its configuration, folders and gradebook."""

    def __init__(self, root: Path, chapter: str, *, auto_release: bool = True) -> None:
        self.root = Path(root).resolve()
        self.chapter = chapter
        self.config = load_config(self.root)
        self.coursedir = CourseDirectory(config=self.config)
        self.db_url = self.coursedir.db_url
        venv_on_path()
        self.solution = self.folder(self.coursedir.source_directory, ".") / f"{chapter}.ipynb"
        if auto_release and not self._in_gradebook():
            if not self.solution.is_file():
                raise GradingError(
                    f"{chapter} is not in the gradebook {self.db_url} and there is no "
                    f"{self.solution} to release it from"
                )
            release(self.root, chapter)
        quiet = logging.getLogger("nlpcourse.grading.nbgrader")
        quiet.setLevel(logging.ERROR)  # nbgrader warns "checksum has changed" for every student
        sanitizers = (ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata)
        self._sanitizers = [cls(config=self.config, log=quiet) for cls in sanitizers]
        self._recorders = [
            cls(config=self.config, log=quiet)
            for cls in (SaveAutoGrades, AssignLatePenalties, CheckCellMetadata)
        ]
        with Gradebook(self.db_url, self.coursedir.course_id) as gb:
            try:
                assignment = gb.find_assignment(chapter)
            except MissingEntry:
                raise GradingError(
                    f"{chapter} is not in the gradebook {self.db_url}: release it first "
                    f"(make release, or nbgrader generate_assignment {chapter})"
                ) from None
            notebooks = [nb.name for nb in assignment.notebooks]
            self.max_score = float(assignment.max_score)
            self.duedate = assignment.duedate
        if notebooks != [chapter]:
            raise GradingError(
                f"{chapter} must have exactly one notebook {chapter}.ipynb, the gradebook lists {notebooks}"
            )
        self.release = self.folder(self.coursedir.release_directory, ".") / f"{chapter}.ipynb"
        if not self.release.is_file():
            raise GradingError(f"no released notebook {self.release}: run make release")
        release_nb = nbformat.read(self.release, as_version=4)
        self._released_checks = {
            c.metadata.nbgrader["grade_id"]: c.source for c in release_nb.cells if _is_check(c)
        }
        if not self.solution.is_file():
            raise GradingError(
                f"no solution notebook {self.solution}: the grader runs the instructor's "
                "solution once to know the right answers"
            )

    def _in_gradebook(self) -> bool:
        release = self.folder(self.coursedir.release_directory, ".") / f"{self.chapter}.ipynb"
        db = self.db_url.removeprefix("sqlite:///")
        if self.db_url.startswith("sqlite:///") and not os.path.exists(db):
            return False
        with Gradebook(self.db_url, self.coursedir.course_id) as gb:
            try:
                gb.find_assignment(self.chapter)
            except MissingEntry:
                return False
        return release.is_file()

    # -- folders ------------------------------------------------------------------------------

    def folder(self, step: str, student: str) -> Path:
        return Path(self.coursedir.format_path(step, student, self.chapter))

    def notebook_path(self, step: str, student: str) -> Path:
        return self.folder(step, student) / f"{self.chapter}.ipynb"

    def release_files(self) -> list[tuple[str, str]]:
        """(host path, path relative to the chapter folder) of every released file but notebooks."""
        folder = self.folder(self.coursedir.release_directory, ".")
        files = find_all_files(str(folder), self.coursedir.ignore + ["*.ipynb"])
        return [(f, os.path.relpath(f, folder)) for f in sorted(files)]

    def resources(self, student: str) -> dict:
        return nbgrader_resources(self.db_url, self.chapter, student)

    # -- before the kernel ----------------------------------------------------------------------

    def sanitize(self, nb: NotebookNode, student: str) -> tuple[NotebookNode, list[str]]:
        """Restore check cells from the gradebook; return the notebook and notes on what was changed.

        The notes compare the submission with the *released* check cells (nbgrader's own warning
        compares with the gradebook copy, which holds the hidden tests, so it fires for everyone).
        """
        submitted = {
            c.metadata.nbgrader["grade_id"]: c.source
            for c in nb.cells
            if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") and _is_check(c)
        }
        notes = []
        for grade_id, source in self._released_checks.items():
            if grade_id not in submitted:
                notes.append(f"check cell {grade_id} was deleted: added back")
            elif submitted[grade_id].strip() != source.strip():
                notes.append(f"check cell {grade_id} was edited: restored")
        resources = self.resources(student)
        for preprocessor in self._sanitizers:
            nb, resources = preprocessor(nb, resources)
        return nb, notes

    # -- after the kernel -----------------------------------------------------------------------

    @contextmanager
    def gradebook(self) -> Iterator[Gradebook]:
        """The gradebook, without SQLAlchemy 2's autoflush warnings about nbgrader's own queries."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)
            with Gradebook(self.db_url) as gb:
                yield gb

    def earlier_score(self, student: str) -> float | None:
        """The score the gradebook already holds for ``student``, if any."""
        with self.gradebook() as gb:
            try:
                return float(gb.find_submission(self.chapter, student).score)
            except MissingEntry:
                return None

    def add_student(self, student: str) -> None:
        with self.gradebook() as gb:
            gb.update_or_create_student(student)

    def record(self, student: str, nb: NotebookNode, timestamp: datetime | None) -> dict:
        """Save the autograded scores and late penalty; write ``autograded/``; return the totals."""
        with self.gradebook() as gb:
            gb.update_or_create_student(student)
            extra = {"timestamp": timestamp} if timestamp else {}
            gb.update_or_create_submission(self.chapter, student, **extra)
        resources = self.resources(student)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)
            for preprocessor in self._recorders:
                nb, resources = preprocessor(nb, resources)
        write_atomic(self.notebook_path(self.coursedir.autograded_directory, student), nbformat.writes(nb))
        with self.gradebook() as gb:
            sub = gb.find_submission(self.chapter, student)
            penalty = float(sub.late_submission_penalty or 0.0)
            return {
                "raw": float(sub.score),
                "penalty": penalty,
                "score": max(0.0, sub.score - penalty),
                "max_score": float(sub.max_score),
                "late": sub.total_seconds_late > 0,
                "timestamp": str(sub.timestamp or ""),
                **self._parts(sub),
            }

    def _parts(self, sub) -> dict:  # noqa: ANN001 - nbgrader's SubmittedAssignment
        """Automatic points, manual points given and pending, from the gradebook's grades."""
        auto = auto_max = manual = pending = 0.0
        for notebook in sub.notebooks:
            for grade in notebook.grades:
                if grade.name in self._released_checks:
                    auto += float(grade.score or 0.0)
                    auto_max += float(grade.max_score)
                elif grade.needs_manual_grade:
                    pending += float(grade.max_score)
                else:
                    manual += float(grade.score or 0.0)
        return {"auto_score": auto, "auto_max": auto_max, "manual_score": manual, "manual_pending": pending}

    def rows(self) -> dict[str, dict]:
        """student -> nbgrader's CSV export columns, plus the automatic and manual parts, for every
        submission of this chapter."""
        out = {}
        with self.gradebook() as gb:
            assignment = gb.find_assignment(self.chapter)
            for sub in assignment.submissions:
                student = sub.student
                penalty = float(sub.late_submission_penalty or 0.0)
                out[student.id] = {
                    "assignment": self.chapter,
                    "duedate": assignment.duedate or "",
                    "timestamp": sub.timestamp or "",
                    "student_id": student.id,
                    "last_name": student.last_name or "",
                    "first_name": student.first_name or "",
                    "email": student.email or "",
                    "raw_score": float(sub.score),
                    "late_submission_penalty": penalty,
                    "score": max(0.0, sub.score - penalty),
                    "max_score": float(assignment.max_score),
                    **self._parts(sub),
                }
        return out
