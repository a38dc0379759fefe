"""Run the course's notebooks: every chapter of ``solutions/`` under papermill, timed.

``make course`` runs each chapter in full mode into ``build/executed/`` and prints a table of
chapter, seconds and status; the test suite runs the same function in fast mode.
"""

from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ChapterRun", "course_root", "chapters", "run_chapter", "run_course", "format_table"]


@dataclass
class ChapterRun:
    """The outcome of one notebook run."""

    chapter: str
    seconds: float
    status: str  # "ok" or "failed: <reason>"
    output: Path


def course_root() -> Path:
    """The course folder: the one holding ``solutions/`` (the repository root)."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (Path.cwd(), here):
        if (candidate / "solutions").is_dir():
            return candidate
    raise FileNotFoundError(
        "no solutions/ folder found in the current directory or beside the package: "
        "run this from the course folder"
    )


def chapters(root: Path | None = None) -> list[str]:
    """Chapter names (``NN_name``) that have a source notebook, in course order."""
    root = root or course_root()
    return sorted(
        p.name
        for p in (root / "solutions").iterdir()
        if p.is_dir() and p.name[:2].isdigit() and (p / f"{p.name}.ipynb").is_file()
    )


def run_chapter(
    chapter: str,
    *,
    fast: bool = False,
    out_dir: Path | None = None,
    root: Path | None = None,
    timeout: int = 600,
    language: str = "en",
) -> ChapterRun:
    """Execute ``solutions/<chapter>/<chapter>.ipynb`` with papermill; never raises for a failure.

    ``language="zh"`` runs the Chinese edition of the solution (:func:`nlpcourse.editions.translate`),
    its kernel told so by ``NLPCOURSE_LANGUAGE``; the output is then ``<chapter>.zh.ipynb``.
    """
    import nbformat
    import papermill

    from nlpcourse.i18n import ENV, check_language

    root = root or course_root()
    source = root / "solutions" / chapter / f"{chapter}.ipynb"
    if not source.is_file():
        raise FileNotFoundError(f"no notebook {source}: chapters are {', '.join(chapters(root))}")
    out_dir = out_dir or root / "build" / "executed"
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = "" if check_language(language) == "en" else f".{language}"
    output = out_dir / f"{chapter}{suffix}.ipynb"
    start = time.perf_counter()
    previous = os.environ.get(ENV)
    try:
        if language != "en":
            from nlpcourse.editions import translate

            edition = out_dir / f"{chapter}{suffix}.source.ipynb"
            nbformat.write(translate(nbformat.read(source, as_version=4), chapter, language), edition)
            source_path = edition
        else:
            source_path = source
        os.environ[ENV] = language  # the kernel inherits it: it speaks the edition's language
        papermill.execute_notebook(
            str(source_path),
            str(output),
            parameters={"FAST": fast},
            cwd=str(source.parent),
            kernel_name="python3",
            progress_bar=False,
            execution_timeout=timeout,
            log_output=False,
        )
        status = "ok"
    except Exception as error:  # noqa: BLE001 - every chapter gets a row, failures included
        lines = [line for line in traceback.format_exception_only(error)[-1].splitlines() if line]
        status = "failed: " + (lines[-1][:200] if lines else type(error).__name__)
    finally:
        if previous is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = previous
    return ChapterRun(chapter, time.perf_counter() - start, status, output)


def format_table(runs: list[ChapterRun]) -> str:
    """A plain-text table: chapter, seconds, status."""
    width = max([len("chapter")] + [len(r.chapter) for r in runs])
    lines = [f"{'chapter':<{width}}  {'seconds':>8}  status", f"{'-' * width}  {'-' * 8}  ------"]
    lines += [f"{r.chapter:<{width}}  {r.seconds:>8.1f}  {r.status}" for r in runs]
    return "\n".join(lines)


def run_course(
    selected: list[str] | None = None,
    *,
    fast: bool = False,
    out_dir: Path | None = None,
    language: str = "en",
) -> list[ChapterRun]:
    """Run the selected chapters (default: all) one after another, printing each as it ends."""
    root = course_root()
    names = selected or chapters(root)
    unknown = sorted(set(names) - set(chapters(root)))
    if unknown:
        raise ValueError(f"unknown chapters {unknown}: choose from {chapters(root)}")
    runs = []
    for name in names:
        run = run_chapter(name, fast=fast, out_dir=out_dir, root=root, language=language)
        print(f"{name}: {run.seconds:.1f} s, {run.status}", flush=True)
        runs.append(run)
    return runs
