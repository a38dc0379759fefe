"""``nlpcourse grade``: a class's submissions of one chapter, graded in parallel sandboxes.

The grading process (trusted) collects the submissions, sanitizes each notebook with nbgrader's
preprocessors against the gradebook, and hands it to a pool of worker processes; each worker runs
one notebook at a time in a fresh sandboxed kernel (:mod:`nlpcourse.grading.execute`). Results
come back to the grading process, which alone writes the gradebook, ``autograded/``, the HTML
``feedback/``, a CSV for the LMS and ``grades/<chapter>.json`` (every student's outcome).

Re-running is idempotent: a submission that grades again replaces its autograde scores (manual
grades are kept, as nbgrader does); one that cannot be graded this time (corrupt, missing) leaves
the earlier grade in the gradebook untouched and says so.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import shutil
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from tqdm.auto import tqdm

from nlpcourse.grading.collect import Submission, collect
from nlpcourse.grading.execute import Executed, Job, init_worker, run_job
from nlpcourse.grading.feedback import FeedbackRenderer
from nlpcourse.grading.gradebook import Course, write_atomic
from nlpcourse.grading.outcome import Reason, Result
from nlpcourse.grading.sandbox import Limits, Sandbox

__all__ = ["Options", "Report", "grade", "default_workers"]

CSV_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
               "raw_score", "late_submission_penalty", "score", "max_score", "status", "detail"]


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@dataclass
class Options:
    """How to grade: parallelism, sandbox and limits, where the CSV goes."""

    workers: int = field(default_factory=default_workers)
    limits: Limits = field(default_factory=Limits)
    sandbox: bool = True  # False: no isolation (``--no-sandbox``), limits still apply
    regexp: str | None = None  # LMS file names (default: FileNameCollectorPlugin.named_regexp of
    # nbgrader_config.py, else nbgrader's documented example)
    csv: Path | None = None  # default <course>/grades/<chapter>.csv
    progress: bool = True
    uid_base: int = 65100  # sandbox users when run as root: uid_base + worker slot
    scratch: Path | None = None  # where kernels' scratch folders go (default: the temp folder)


@dataclass
class Report:
    """The outcome of one ``grade`` run."""

    chapter: str
    results: list[Result]  # this run's students, in name order
    csv: Path
    json: Path
    seconds: float

    @property
    def ungraded(self) -> list[Result]:
        return [r for r in self.results if not r.graded]

    @property
    def exit_code(self) -> int:
        return 1 if self.ungraded else 0


def _copy_to_submitted(course: Course, sub: Submission) -> None:
    """Keep what was submitted in nbgrader's ``submitted/<student>/<chapter>/`` (as zip_collect does)."""
    dest = course.folder(course.coursedir.submitted_directory, sub.student)
    if sub.folder is not None and sub.folder.resolve() == dest.resolve():
        return
    dest.mkdir(parents=True, exist_ok=True)
    for path in sub.files:
        name = f"{course.chapter}.ipynb" if path == sub.notebook else path.name
        shutil.copy2(path, dest / name)
    if sub.timestamp is not None:
        (dest / "timestamp.txt").write_text(sub.timestamp.isoformat(" "))


class _Grader:
    """The grading process's side of one run: prepares jobs and records what comes back."""

    def __init__(self, course: Course, options: Options, submissions: list[Submission]) -> None:
        self.course, self.options = course, options
        self.subs = {sub.student: sub for sub in submissions}
        self.results: dict[str, Result] = {}
        self.notes: dict[str, list[str]] = {}
        self.feedback = FeedbackRenderer(course.config, course.db_url, course.chapter, str(course.release))
        self.files = course.release_files()

    def _fail(self, student: str, reason: Reason, detail: str) -> Result:
        kept = self.course.earlier_score(student)
        if kept is not None:
            detail += f"; the earlier grade ({kept:g}) is kept"
        result = Result(student, [reason], max_score=self.course.max_score, detail=detail,
                        notes=self.notes.get(student, []), kept_score=kept)
        self.results[student] = result
        return result

    def prepare(self, sub: Submission) -> Job | None:
        """A job for the pool, or None when the submission already has its (ungraded) result."""
        if sub.problem:
            self._fail(sub.student, Reason.MISSING, sub.problem)
            return None
        self.course.add_student(sub.student)
        try:
            nb = nbformat.read(sub.notebook, as_version=4)
        except Exception as error:  # noqa: BLE001 - any unreadable file is a corrupt notebook
            message = (str(error).splitlines() or [""])[0][:200]
            self._fail(sub.student, Reason.CORRUPT, f"{sub.notebook.name}: {type(error).__name__}: {message}")
            return None
        try:
            nb, self.notes[sub.student] = self.course.sanitize(nb, sub.student)
        except Exception as error:  # noqa: BLE001 - nbgrader rejects broken cell metadata
            self._fail(sub.student, Reason.CORRUPT, f"nbgrader cannot read its cells: {error}")
            return None
        return Job(sub.student, self.course.chapter, nbformat.writes(nb), self.files, self.options.limits,
                   self.course.config, str(self.options.scratch) if self.options.scratch else None)

    def finish(self, done: Executed) -> Result:
        """Record a worker's result: gradebook, autograded notebook, feedback."""
        student, sub = done.student, self.subs[done.student]
        if done.notebook is None:
            return self._fail(student, Reason.GRADER_ERROR, done.detail)
        nb = nbformat.reads(done.notebook, as_version=4)
        totals = self.course.record(student, nb, sub.timestamp)
        reasons = list(done.reasons) + ([Reason.LATE] if totals["late"] else [])
        detail = done.detail
        if totals["late"]:
            detail = "; ".join(filter(None, [detail, f"late (penalty {totals['penalty']:g})"]))
        html = self.feedback.render(nb, student)
        path = self.course.folder(self.course.coursedir.feedback_directory, student)
        write_atomic(path / f"{self.course.chapter}.html", html)
        result = Result(student, reasons, score=totals["score"], max_score=totals["max_score"],
                        late_penalty=totals["penalty"], detail=detail, notes=self.notes.get(student, []),
                        seconds=round(done.seconds, 2), timestamp=totals["timestamp"])
        self.results[student] = result
        return result


def _pool(workers: int, template: Sandbox) -> ProcessPoolExecutor:
    context = multiprocessing.get_context("spawn")
    slots = context.Queue()
    for slot in range(workers):
        slots.put(slot)
    return ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=init_worker, initargs=(slots, template))


def _run_pool(grader: _Grader, jobs: list[Job], template: Sandbox, bar: tqdm) -> None:
    pool = _pool(min(grader.options.workers, len(jobs)), template)
    try:
        pending: dict[Future, str] = {pool.submit(run_job, job): job.student for job in jobs}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                student = pending.pop(future)
                try:
                    result = grader.finish(future.result())
                except BrokenProcessPool:
                    result = grader._fail(student, Reason.GRADER_ERROR, "a grading worker crashed")
                bar.set_postfix_str(f"{student}: {result.outcome}", refresh=False)
                bar.update(1)
    except KeyboardInterrupt:
        # workers ignore Ctrl-C; stop them (their kernels die with them) instead of waiting
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _merge_json(path: Path, results: list[Result]) -> dict[str, Result]:
    """Earlier outcomes of students not in this run, plus this run's."""
    merged: dict[str, Result] = {}
    if path.is_file():
        try:
            for data in json.loads(path.read_text()).get("students", []):
                result = Result.from_json(data)
                merged[result.student] = result
        except (ValueError, KeyError, TypeError):
            pass
    merged.update({r.student: r for r in results})
    return dict(sorted(merged.items()))


def _write_csv(course: Course, results: dict[str, Result], path: Path) -> None:
    rows = course.rows()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for student in sorted(set(rows) | set(results)):
        result = results.get(student)
        row = rows.get(student) or {"assignment": course.chapter, "duedate": course.duedate or "",
                                    "student_id": student, "max_score": course.max_score}
        # no gradebook entry: the score is left empty, so that an LMS import changes nothing
        row["status"] = result.outcome if result else ""
        row["detail"] = result.detail if result else ""
        writer.writerow({key: row.get(key, "") for key in CSV_COLUMNS})
    write_atomic(path, out.getvalue())


def grade(chapter: str, submissions: Path, *, root: Path, options: Options | None = None) -> Report:
    """Grade every submission of ``chapter`` found in ``submissions`` (a folder or an LMS zip).

    Raises :class:`~nlpcourse.grading.gradebook.GradingError` or
    :class:`~nlpcourse.grading.sandbox.SandboxError` before touching anything if the class cannot
    be graded at all; otherwise every student found gets a :class:`Result`.
    """
    options = options or Options()
    start = time.monotonic()
    course = Course(root, chapter)
    threads = max(1, default_workers() // max(1, options.workers))
    template = Sandbox(limits=options.limits, enabled=options.sandbox, threads=threads,
                       uid=options.uid_base if os.geteuid() == 0 else None)
    with tempfile.TemporaryDirectory(prefix="nlpcourse-grade-", dir=options.scratch) as scratch:
        template.probe(Path(scratch))
        regexp = options.regexp or course.config.FileNameCollectorPlugin.get("named_regexp") or None
        subs = collect(Path(submissions), chapter, Path(scratch), regexp)
        grader = _Grader(course, options, subs)
        jobs = []
        for sub in subs:
            if not sub.problem.startswith("invalid"):
                _copy_to_submitted(course, sub)
            job = grader.prepare(sub)
            if job is not None:
                jobs.append(job)
        bar = tqdm(total=len(subs), desc=f"grading {chapter}", unit="student", disable=not options.progress)
        bar.update(len(subs) - len(jobs))
        with bar:
            if jobs:
                _run_pool(grader, jobs, template, bar)
    results = [grader.results[s] for s in sorted(grader.results)]
    grades = course.root / "grades"
    json_path = grades / f"{chapter}.json"
    merged = _merge_json(json_path, results)
    students = [result.to_json() for result in merged.values()]
    write_atomic(json_path, json.dumps({"chapter": chapter, "students": students}, indent=1))
    csv_path = options.csv or grades / f"{chapter}.csv"
    _write_csv(course, merged, csv_path)
    return Report(chapter, results, csv_path, json_path, time.monotonic() - start)
