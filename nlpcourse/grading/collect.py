"""Find each student's submission of a chapter in a folder of student folders or an LMS download.

Accepted layouts (nbgrader's ``submitted/`` and ``zip_collect`` conventions):

* ``SUBMISSIONS/<student>/<chapter>/<chapter>.ipynb`` (nbgrader's ``submitted/`` folder itself);
* ``SUBMISSIONS/<student>/<chapter>.ipynb``;
* an LMS download, zipped or unpacked: files named so that nbgrader's
  :class:`~nbgrader.plugins.zipcollect.FileNameCollectorPlugin` regular expression finds the student,
  the file and optionally the time in the name, by default nbgrader's example
  ``<anything>_<student>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file>.ipynb``.

A ``timestamp.txt`` beside the notebook (nbgrader's convention) or the time in the LMS file name is
the submission time, which nbgrader compares with the chapter's due date.
"""

from __future__ import annotations

import logging
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from nbgrader.plugins.zipcollect import ExtractorPlugin, FileNameCollectorPlugin
from nbgrader.utils import parse_utc

_QUIET = logging.getLogger("nlpcourse.grading.collect")
_QUIET.setLevel(logging.ERROR)

__all__ = ["Submission", "collect", "DEFAULT_REGEXP", "STUDENT_ID"]

#: nbgrader's documented example for LMS file names (``zip_collect``); override with ``--regexp``.
DEFAULT_REGEXP = r".*_(?P<student_id>\w+)_attempt_(?P<timestamp>[0-9\-]+)_(?P<file_id>\w+)"
#: Student ids become folder names: letters, digits and ``_ . @ + -``, not starting with a dot.
STUDENT_ID = re.compile(r"[\w@+\-][\w.@+\-]*")


@dataclass
class Submission:
    """One student's submission; ``notebook`` is None when the chapter's notebook is not in it."""

    student: str
    notebook: Path | None
    timestamp: datetime | None = None
    files: list[Path] = field(default_factory=list)  # everything submitted, copied to submitted/
    found: list[str] = field(default_factory=list)  # notebooks found under other names
    problem: str = ""  # why it cannot be graded, found before reading it
    folder: Path | None = None  # the student's folder, for folder layouts


def _timestamp(folder: Path) -> datetime | None:
    path = folder / "timestamp.txt"
    if not path.is_file():
        return None
    try:
        return parse_utc(path.read_text().strip())
    except (ValueError, OverflowError):
        return None


def _from_folder(student: str, folder: Path, chapter: str) -> Submission:
    if (folder / chapter).is_dir():  # nbgrader's submitted/<student>/<chapter>/
        folder = folder / chapter
    files = sorted(p for p in folder.rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts)
    notebook = folder / f"{chapter}.ipynb"
    sub = Submission(student, notebook if notebook.is_file() else None, _timestamp(folder), files,
                     folder=folder)
    if sub.notebook is None:
        sub.found = sorted(str(p.relative_to(folder)) for p in files if p.suffix == ".ipynb")
    return sub


def _student_folders(source: Path, chapter: str) -> list[Submission]:
    subs = []
    for folder in sorted(p for p in source.iterdir() if p.is_dir() and not p.name.startswith(".")):
        subs.append(_from_folder(folder.name, folder, chapter))
    return subs


def _lms_files(source: Path, chapter: str, regexp: str) -> list[Submission]:
    collector = FileNameCollectorPlugin(named_regexp=regexp, log=_QUIET)
    by_student: dict[str, Submission] = {}
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        info = collector.collect(str(path))
        if not info or "student_id" not in info or "file_id" not in info:
            continue
        student = info["student_id"]
        try:
            stamp = parse_utc(info["timestamp"]) if info.get("timestamp") else None
        except (ValueError, OverflowError):
            stamp = None
        sub = by_student.setdefault(student, Submission(student, None))
        sub.files.append(path)
        name = Path(info["file_id"]).stem + path.suffix
        if name != f"{chapter}.ipynb":
            if path.suffix == ".ipynb":
                sub.found.append(name)
            continue
        # the newest of several uploads wins, as in nbgrader zip_collect
        if sub.notebook is None or (stamp and (sub.timestamp is None or stamp >= sub.timestamp)):
            sub.notebook, sub.timestamp = path, stamp
    for sub in by_student.values():
        if sub.notebook is not None:
            sub.found = []
    return [by_student[s] for s in sorted(by_student)]


def _looks_like_student(folder: Path, chapter: str) -> bool:
    return (folder / chapter).is_dir() or any(folder.glob("*.ipynb"))


def _class_folder(folder: Path, chapter: str) -> Path:
    """Step down through single folders that are not student folders (``class.zip/submitted/...``)."""
    while True:
        entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
        if len(entries) != 1 or not entries[0].is_dir() or _looks_like_student(entries[0], chapter):
            return folder
        folder = entries[0]


def collect(source: Path, chapter: str, workdir: Path, regexp: str | None = None) -> list[Submission]:
    """All submissions of ``chapter`` in ``source`` (a folder, or a ``.zip`` unpacked into ``workdir``).

    Every student found gets a :class:`Submission`, with ``problem`` set when it cannot be graded:
    an invalid student id or no notebook named ``<chapter>.ipynb`` ("missing notebook").
    """
    source = Path(source)
    if source.is_file():
        if source.suffix not in (".zip", ".gz"):
            raise ValueError(f"{source} is neither a folder of student folders nor a .zip download")
        extracted = workdir / "extracted"
        archive = workdir / "archive"
        archive.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, archive / source.name)
        ExtractorPlugin(log=_QUIET).extract(str(archive), str(extracted))
        source = extracted / source.name.removesuffix(".gz").removesuffix(".tar").removesuffix(".zip")
        if not source.is_dir():
            source = extracted
    if not source.is_dir():
        raise FileNotFoundError(f"no submissions at {source}: pass a folder of student folders or a .zip")
    subs = _lms_files(source, chapter, regexp or DEFAULT_REGEXP)
    if not subs:
        source = _class_folder(source, chapter)
        subs = _student_folders(source, chapter)
    for sub in subs:
        if not STUDENT_ID.fullmatch(sub.student):
            sub.problem = f"invalid student id {sub.student!r}: use letters, digits and _ . @ + -"
        elif sub.notebook is None:
            found = f" (found {', '.join(sub.found)})" if sub.found else ""
            sub.problem = f"no {chapter}.ipynb in the submission{found}"
    return subs
