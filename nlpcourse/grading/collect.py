"""Find each student's submission of a chapter in a folder of student folders or an LMS download.

Accepted layouts (nbgrader's ``submitted/`` and ``zip_collect`` conventions):

* ``SUBMISSIONS/<student>/<chapter>/<chapter>.ipynb`` (nbgrader's ``submitted/`` folder itself);
* ``SUBMISSIONS/<student>/<chapter>.ipynb``;
* an LMS download, zipped or unpacked: files (at the top of the download) whose *base name* the
  regular expression splits into the student, the time and the file, by default
  ``<chapter>_<student>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file>`` (nbgrader's documented example,
  anchored, with the first ``_attempt_<time>_`` deciding: a student cannot pose as another by
  putting such a pattern in the name of the file they upload). A student upload that is itself a
  ``.zip`` is unpacked in place.

A folder that holds student folders is never read as an LMS download. Only regular files are
taken: symbolic links, devices, FIFOs and sockets are refused with a named reason, as are archives
with unsafe paths or links, and files or archives past the size limits. A ``timestamp.txt``
beside the notebook (nbgrader's convention) or the time in the LMS file name is the submission
time, which nbgrader compares with the chapter's due date.
"""

from __future__ import annotations

import os
import re
import stat
import tarfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from nbgrader.utils import parse_utc

__all__ = ["Submission", "collect", "default_regexp", "STUDENT_ID", "ArchiveError", "read_regular"]

#: Student ids become folder names and go to terminals and CSV files: ASCII letters and digits first,
#: then letters, digits and ``_ . @ + -``, at most 64 characters.
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@+\-]{0,63}", re.ASCII)
#: The most files an archive may hold, nested archives included.
MAX_MEMBERS = 10_000


def default_regexp(chapter: str) -> str:
    """nbgrader's example LMS file name, anchored on the base name: the first ``_attempt_<time>_``
    ends the student id, so a file name cannot claim another student or another time."""
    return (
        rf"^(?:{re.escape(chapter)}|[^_]+)_(?P<student_id>[A-Za-z0-9][A-Za-z0-9_.@+\-]*?)"
        r"_attempt_(?P<timestamp>\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})_(?P<file_id>.+)$"
    )


class ArchiveError(ValueError):
    """An archive that is not extracted: unsafe paths, links, special files or too large."""


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
    rejected: bool = False  # the problem is a refused file (link, special file, archive, size)


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of ``path`` if it is a regular file (not a link) of at most ``limit`` bytes."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ArchiveError(f"{path.name} is not a regular file")
        if info.st_size > limit:
            raise ArchiveError(
                f"{path.name} is {info.st_size / 2**20:.0f} MiB, over the {limit / 2**20:.0f} MiB limit"
            )
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read(limit + 1)
        if len(data) > limit:
            raise ArchiveError(f"{path.name} is over the {limit / 2**20:.0f} MiB limit")
        return data
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _walk(folder: Path) -> tuple[list[Path], list[str]]:
    """Regular files under ``folder`` (links never followed) and what was refused, as reasons."""
    files, refused = [], []
    for root, dirs, names in os.walk(folder, followlinks=False):
        for name in list(dirs):
            path = Path(root) / name
            if name == ".ipynb_checkpoints":
                dirs.remove(name)
            elif path.is_symlink():
                dirs.remove(name)
                refused.append(f"{path.relative_to(folder)} is a symbolic link")
        for name in names:
            path = Path(root) / name
            mode = os.lstat(path).st_mode
            if stat.S_ISREG(mode):
                files.append(path)
            else:
                refused.append(f"{path.relative_to(folder)} is {_kind(mode)}")
    return sorted(files), refused


# --- archives ------------------------------------------------------------------------------------


class _Budget:
    def __init__(self, limit: int) -> None:
        self.left, self.limit, self.members = limit, limit, 0

    def take(self, size: int, name: str) -> None:
        self.members += 1
        if self.members > MAX_MEMBERS:
            raise ArchiveError(f"more than {MAX_MEMBERS} files")
        if size <= self.left:
            self.left -= size
        else:
            raise ArchiveError(
                f"{name} takes the archive past the {self.limit / 2**20:.0f} MiB limit on extracted files"
            )


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ArchiveError(f"unsafe path {name!r} in the archive")
    return path


def _write_new(dest: Path, data: bytes) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _extract_zip(archive: Path, dest: Path, budget: _Budget) -> None:
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():
            name = _safe_name(info.filename)
            mode = info.external_attr >> 16
            if info.is_dir():
                continue
            if stat.S_IFMT(mode) and not stat.S_ISREG(mode):  # no type bits: a plain file
                raise ArchiveError(f"{info.filename} is {_kind(mode)}")
            budget.take(info.file_size, info.filename)
            with z.open(info) as f:
                data = f.read(info.file_size + 1)
            if len(data) > info.file_size:
                raise ArchiveError(f"{info.filename} is larger than its archive entry says")
            _write_new(dest / name, data)


def _extract_tar(archive: Path, dest: Path, budget: _Budget) -> None:
    with tarfile.open(archive) as t:
        for member in t:
            name = _safe_name(member.name)
            if member.isdir():
                continue
            if not member.isreg():
                raise ArchiveError(f"{member.name} is a link or special file")
            budget.take(member.size, member.name)
            f = t.extractfile(member)
            _write_new(dest / name, f.read(member.size) if f else b"")


def extract(
    archive: Path, dest: Path, limit: int, depth: int = 0, budget: _Budget | None = None
) -> dict[Path, str]:
    """Extract ``archive`` into ``dest`` (contents only: no modes, owners or links), then every
    archive inside it into a folder of its name. Returns nested archives that were refused, with why;
    raises :class:`ArchiveError` when ``archive`` itself is refused."""
    budget = budget or _Budget(limit)
    if zipfile.is_zipfile(archive):
        _extract_zip(archive, dest, budget)
    elif tarfile.is_tarfile(archive):
        _extract_tar(archive, dest, budget)
    else:
        raise ArchiveError(f"{archive.name} is neither a zip nor a tar archive")
    refused: dict[Path, str] = {}
    if depth >= 2:
        return refused
    for path in sorted(dest.rglob("*")):
        if path.is_file() and path.suffix.lower() in (".zip", ".tar", ".gz", ".tgz"):
            inner = path.with_name(path.name + ".contents")
            try:
                refused.update(extract(path, inner, limit, depth + 1, budget))
            except (ArchiveError, zipfile.BadZipFile, tarfile.TarError, OSError, EOFError) as error:
                refused[path] = f"archive {path.name} refused: {error}"
    return refused


# --- layouts -------------------------------------------------------------------------------------


def _timestamp(folder: Path) -> datetime | None:
    path = folder / "timestamp.txt"
    if not path.is_file() or path.is_symlink():
        return None
    try:
        return parse_utc(read_regular(path, 4096).decode().strip())
    except (ValueError, OverflowError, OSError, UnicodeDecodeError):
        return None


def _from_folder(student: str, folder: Path, chapter: str) -> Submission:
    if folder.is_symlink():
        return Submission(
            student, None, problem=f"{folder.name} is a symbolic link: not graded", rejected=True
        )
    if (folder / chapter).is_symlink():
        return Submission(student, None, problem=f"{chapter}/ is a symbolic link: not graded", rejected=True)
    if (folder / chapter).is_dir():  # nbgrader's submitted/<student>/<chapter>/
        folder = folder / chapter
    files, refused = _walk(folder)
    notebook = folder / f"{chapter}.ipynb"
    sub = Submission(
        student, notebook if notebook in files else None, _timestamp(folder), files, folder=folder
    )
    if refused:
        sub.problem = "refused: " + "; ".join(refused[:3]) + (" ..." if len(refused) > 3 else "")
        sub.rejected = True
    elif sub.notebook is None:
        sub.found = sorted(str(p.relative_to(folder)) for p in files if p.suffix == ".ipynb")
    return sub


def _student_folders(source: Path, chapter: str) -> list[Submission]:
    subs = []
    for folder in sorted(
        p for p in source.iterdir() if (p.is_dir() or p.is_symlink()) and not p.name.startswith(".")
    ):
        subs.append(_from_folder(folder.name, folder, chapter))
    return subs


def _lms_files(source: Path, chapter: str, regexp: str, refused: dict[Path, str]) -> list[Submission]:
    pattern = re.compile(regexp)
    by_student: dict[str, Submission] = {}
    claims: dict[str, list[str]] = {}
    for path in sorted(source.iterdir()):
        if path.name.endswith(".contents"):  # an upload's archive, unpacked: read with the archive
            continue
        match = pattern.search(path.name)
        if not match or "student_id" not in match.groupdict() or "file_id" not in match.groupdict():
            continue
        info = match.groupdict()
        student = info["student_id"] or ""
        sub = by_student.setdefault(student, Submission(student, None))
        try:
            stamp = parse_utc(info["timestamp"]) if info.get("timestamp") else None
        except (ValueError, OverflowError):
            stamp = None
        mode = os.lstat(path).st_mode
        if path in refused:
            sub.problem, sub.rejected = refused[path], True
            continue
        if not stat.S_ISREG(mode):
            sub.problem, sub.rejected = f"{path.name} is {_kind(mode)}", True
            continue
        contents = path.with_name(path.name + ".contents")
        members = _walk(contents)[0] if contents.is_dir() else [path]
        for member in members:
            sub.files.append(member)
            base = Path(info["file_id"]).stem if member == path else member.stem
            suffix = member.suffix
            name = base + suffix
            if name != f"{chapter}.ipynb":
                if suffix == ".ipynb":
                    sub.found.append(name)
                continue
            claims.setdefault(student, []).append(path.name)
            if sub.notebook is None or (stamp and (sub.timestamp is None or stamp >= sub.timestamp)):
                sub.notebook, sub.timestamp = member, stamp
    for student, names in claims.items():
        sub = by_student[student]
        if len(names) > 1 and not sub.problem:
            sub.problem = (
                f"{len(names)} uploads claim to be {student}'s {chapter}.ipynb "
                f"({', '.join(sorted(names)[:3])}): keep one and grade again"
            )
            sub.rejected = True
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
        if (
            len(entries) != 1
            or not entries[0].is_dir()
            or entries[0].is_symlink()
            or _looks_like_student(entries[0], chapter)
        ):
            return folder
        folder = entries[0]


def collect(
    source: Path, chapter: str, workdir: Path, regexp: str | None = None, limit: int = 256 * 2**20
) -> list[Submission]:
    """All submissions of ``chapter`` in ``source`` (a folder, or a ``.zip`` unpacked into ``workdir``).

    Every student found gets a :class:`Submission`, with ``problem`` set when it cannot be graded:
    an invalid student id, a refused file, or no notebook named ``<chapter>.ipynb``.
    Raises ValueError when ``source`` itself cannot be read (an unsafe or oversized archive).
    """
    source = Path(source)
    refused: dict[Path, str] = {}
    if source.is_file():
        if not source.name.endswith((".zip", ".gz", ".tgz", ".tar")):
            raise ValueError(f"{source} is neither a folder of student folders nor a .zip download")
        extracted = workdir / "extracted"
        try:
            refused = extract(source, extracted, limit)
        except (ArchiveError, zipfile.BadZipFile, tarfile.TarError, EOFError) as error:
            raise ValueError(f"{source.name} cannot be read safely: {error}") from None
        source = extracted
    if not source.is_dir():
        raise FileNotFoundError(f"no submissions at {source}: pass a folder of student folders or a .zip")
    source = _class_folder(source, chapter)
    folders = [
        p
        for p in source.iterdir()
        if (p.is_dir() or p.is_symlink()) and not p.name.startswith(".") and not p.name.endswith(".contents")
    ]
    if folders:  # a folder of student folders is never an LMS download
        subs = _student_folders(source, chapter)
    else:
        subs = _lms_files(source, chapter, regexp or default_regexp(chapter), refused)
    for sub in subs:
        if not STUDENT_ID.fullmatch(sub.student):
            sub.rejected = True
            sub.problem = (
                f"invalid student id {sub.student!r}: use ASCII letters, digits and _ . @ + -, "
                "starting with a letter or digit"
            )
        elif sub.problem:
            continue
        elif sub.notebook is None:
            found = f" (found {', '.join(sub.found)})" if sub.found else ""
            sub.problem = f"no {chapter}.ipynb in the submission{found}"
    return subs
