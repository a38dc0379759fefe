"""``nlpcourse grade``: a class's submissions of one chapter, graded in parallel sandboxes.

The grading process (trusted) collects the submissions, sanitizes each notebook with nbgrader's
preprocessors against the gradebook, and hands it to a pool of worker processes (forked from a
fork server that imported their modules once); each worker runs one notebook at a time in a fresh
sandboxed kernel (:mod:`nlpcourse.grading.execute`). Results come back to the grading process,
which alone writes the gradebook, ``autograded/``, the HTML ``feedback/``, a CSV for the LMS and
``grades/<chapter>.json`` (every student's outcome).

Re-running is idempotent: a submission that grades again replaces its autograde scores (manual
grades are kept, as nbgrader does); one that cannot be graded this time (corrupt, missing) leaves
the earlier grade in the gradebook untouched and says so.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import multiprocessing
import os
import pickle
import tempfile
import time
import warnings
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from tqdm.auto import tqdm
from traitlets.config import Config

from nlpcourse.grading import compat, integrity
from nlpcourse.grading.collect import STUDENT_ID, ArchiveError, Submission, collect, read_regular
from nlpcourse.grading.execute import Executed, Job, init_worker, run_job
from nlpcourse.grading.feedback import FeedbackRenderer
from nlpcourse.grading.gradebook import Course, is_check, shared_engines, write_atomic
from nlpcourse.grading.outcome import Reason, Result, printable
from nlpcourse.grading.sandbox import Cgroup, Limits, Sandbox
from nlpcourse.i18n import notebook_language, speaking

__all__ = ["Options", "Report", "grade", "export", "default_workers"]

CSV_COLUMNS = [
    "assignment",
    "duedate",
    "timestamp",
    "student_id",
    "last_name",
    "first_name",
    "email",
    "raw_score",
    "late_submission_penalty",
    "score",
    "max_score",
    "auto_score",
    "auto_max",
    "manual_score",
    "manual_pending",
    "status",
    "flags",
    "detail",
]
#: The name of the instructor's solution run in messages (not a valid student id).
SOLUTION = "(solution)"


def cores() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _memory_available() -> int | None:
    """Bytes of memory available now (Linux's MemAvailable), or None when unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def default_workers(memory: int | None = None) -> int:
    """One worker per core, and one more when there is memory for every kernel at its limit
    (``memory``, default :attr:`Limits.memory`) at once.

    Each kernel spends about a second starting (bubblewrap, Python, ipykernel's handshake) and a
    little between cells with its core idle; the extra worker's kernel fills those gaps. On a
    machine shared with other work it also keeps the grader's share of the cores where Linux shares
    them between sessions (autogroups), as every kernel is a session of its own.
    """
    count = cores()
    memory = memory or Limits().memory
    available = _memory_available()
    if available is not None and available >= (count + 1) * memory:
        return count + 1
    return count


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
    uid_base: int = 65100  # unused: as root every sandbox gets a fresh random uid of its own
    scratch: Path | None = None  # where kernels' scratch folders go (default: the temp folder)
    cgroups: bool = True  # a memory + pids cgroup per sandbox when the machine allows it


@dataclass
class Report:
    """The outcome of one ``grade`` run."""

    chapter: str
    results: list[Result]  # this run's students, in name order
    csv: Path
    json: Path
    seconds: float
    notices: list[str] = field(default_factory=list)  # e.g. "no cgroups here: ..."

    @property
    def ungraded(self) -> list[Result]:
        return [r for r in self.results if not r.graded]

    @property
    def exit_code(self) -> int:
        return 1 if self.ungraded else 0


def _copy_to_submitted(course: Course, sub: Submission, limit: int) -> None:
    """Keep what was submitted in nbgrader's ``submitted/<student>/<chapter>/`` (as zip_collect does):
    the contents of regular files only, written anew by the grader (no modes, owners or links)."""
    dest = course.folder(course.coursedir.submitted_directory, sub.student)
    if sub.folder is not None and sub.folder.resolve() == dest.resolve():
        return
    if dest.is_symlink():
        dest.unlink()
    dest.mkdir(parents=True, exist_ok=True)
    for path in sub.files:
        name = f"{course.chapter}.ipynb" if path == sub.notebook else path.name
        target = dest / name
        if target.is_symlink() or (target.exists() and not target.is_file()):
            continue
        try:
            data = read_regular(path, limit)
        except (ArchiveError, OSError):
            continue
        write_atomic(target, data)
    if sub.timestamp is not None:
        write_atomic(dest / "timestamp.txt", sub.timestamp.isoformat(" "))


class _Grader:
    """The grading process's side of one run: prepares jobs and records what comes back."""

    def __init__(self, course: Course, options: Options, submissions: list[Submission]) -> None:
        self.course, self.options = course, options
        self.subs = {sub.student: sub for sub in submissions}
        self.results: dict[str, Result] = {}
        self.notes: dict[str, list[str]] = {}
        self.flags: dict[str, list[str]] = {}
        self.languages: dict[str, str] = {}  # student -> edition of the submission (en, zh)
        self.feedback = FeedbackRenderer(course.config, course.db_url, course.chapter, str(course.release))
        self.files = course.release_files()
        self.golden: dict[str, list] | None = None  # check cell -> the solution's records
        self.golden_error = ""
        self.waiting: list[Executed] = []  # students done before the solution run
        self._config: Config | None = None

    def _fail(self, student: str, reason: Reason, detail: str) -> Result:
        kept = self.course.earlier_score(student) if STUDENT_ID.fullmatch(student) else None
        if kept is not None:
            detail += f"; the earlier grade ({kept:g}) is kept"
        result = Result(
            student,
            [reason],
            max_score=self.course.max_score,
            detail=detail,
            notes=self.notes.get(student, []),
            kept_score=kept,
            flags=self.flags.get(student, []),
        )
        self.results[student] = result
        return result

    def _worker_config(self) -> Config:
        """The course configuration without what cannot go to a worker process (classes defined in
        ``nbgrader_config.py`` itself, used only when releasing)."""
        if self._config is None:
            self._config = Config()
            for section, value in self.course.config.items():
                try:
                    pickle.dumps(value)
                except Exception:  # noqa: BLE001, S112 - not needed by the kernel's run
                    continue
                self._config[section] = value
        return self._config

    def _job(self, student: str, nb: NotebookNode, strip: bool, language: str = "en") -> Job:
        checks = {i: c["metadata"]["nbgrader"]["grade_id"] for i, c in enumerate(nb.cells) if is_check(c)}
        sources = {i: integrity.strip_expected(nb.cells[i].source) for i in checks} if strip else {}
        return Job(
            student,
            self.course.chapter,
            nbformat.writes(nb),
            self.files,
            self.options.limits,
            self._worker_config(),
            str(self.options.scratch) if self.options.scratch else None,
            sources=sources,
            checks=checks,
            language=language,
        )

    def solution_job(self) -> Job:
        """The instructor's solution, run once per grading run: its records are the right answers."""
        nb = nbformat.read(self.course.solution, as_version=4)
        nb, _ = self.course.sanitize(nb, SOLUTION)
        job = self._job(SOLUTION, nb, strip=False)
        # trusted code: the students' per-cell and per-notebook time limits do not apply to it
        # (a slow import on a busy machine must not fail the whole class)
        limits = job.limits
        job.limits = dataclasses.replace(
            limits, cell_timeout=max(limits.cell_timeout, 300), notebook_time=max(limits.wall_clock, 1800)
        )
        return job

    def _released_sources(self) -> set[str]:
        if not hasattr(self, "_released"):
            release = nbformat.read(self.course.release, as_version=4)
            self._released = {c.source.strip() for c in release.cells}
        return self._released

    def prepare(self, sub: Submission) -> Job | None:
        """A job for the pool, or None when the submission already has its (ungraded) result."""
        if sub.problem:
            reason = Reason.REJECTED if sub.rejected else Reason.MISSING
            self._fail(sub.student, reason, sub.problem)
            return None
        self.course.add_student(sub.student)
        limit = self.options.limits.notebook_size
        try:
            data = read_regular(sub.notebook, limit)
        except ArchiveError as error:
            self._fail(sub.student, Reason.REJECTED, f"{error}: not graded")
            return None
        except OSError as error:
            self._fail(sub.student, Reason.CORRUPT, f"{sub.notebook.name}: {type(error).__name__}")
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                nb = nbformat.reads(data.decode("utf-8"), as_version=4)
                nbformat.validate(nb, relax_add_props=True)
        except Exception as error:  # noqa: BLE001 - any unreadable file is a corrupt notebook
            message = (str(error).splitlines() or [""])[0][:200]
            self._fail(sub.student, Reason.CORRUPT, f"{sub.notebook.name}: {type(error).__name__}: {message}")
            return None
        try:
            self.flags[sub.student] = integrity.suspicious(
                [
                    c.source
                    for c in nb.cells
                    if c.get("cell_type") == "code"
                    and not is_check(c)
                    and isinstance(c.get("source"), str)
                    and c.source.strip() not in self._released_sources()
                ]
            )
        except Exception:  # noqa: BLE001 - the review is advisory; never a reason not to grade
            self.flags[sub.student] = ["code the grader could not read"]
        self.languages[sub.student] = notebook_language(nb)  # the edition: en or zh, nothing else
        try:
            nb, self.notes[sub.student] = self.course.sanitize(nb, sub.student)
        except Exception as error:  # noqa: BLE001 - nbgrader rejects broken cell metadata
            message = printable(str(error).splitlines()[0] if str(error) else type(error).__name__, 200)
            self._fail(
                sub.student,
                Reason.TAMPERED,
                f"the nbgrader metadata of its cells was changed (nbgrader: {message}): not graded",
            )
            return None
        return self._job(sub.student, nb, strip=True, language=self.languages[sub.student])

    # -- results --------------------------------------------------------------------------------

    def solution_done(self, done: Executed) -> list[Result]:
        """Keep the solution's records; grade the students who were waiting for them."""
        problems = [r.value for r in done.reasons]
        if done.notebook is not None:
            nb = nbformat.reads(done.notebook, as_version=4)
            for cell in nb.cells:
                if is_check(cell) and any(o.output_type == "error" for o in cell.outputs):
                    error = next(o for o in cell.outputs if o.output_type == "error")
                    problems.append(
                        f"check cell {cell['metadata']['nbgrader']['grade_id']} fails: "
                        f"{error.ename}: {str(error.evalue)[:300]}"
                    )
        if done.notebook is None or problems:
            self.golden_error = (
                f"the instructor's solution {self.course.solution} does not pass its own "
                f"checks in the grading sandbox "
                f"({'; '.join(filter(None, [*problems, done.detail]))}): "
                "fix it (or the limits) and grade again"
            )
        self.golden = done.records
        waiting, self.waiting = self.waiting, []
        return [self.finish(student_done) for student_done in waiting]

    def _judge(self, nb: NotebookNode, records: dict[str, list]) -> list[str]:
        """Decide every check cell from the records (outside the kernel): a cell whose records do not
        match the solution's gets the failure as an error output, so nbgrader scores it 0. Output a
        check cell's code did not make (a value meant as partial credit) does not count."""
        failed = []
        assert self.golden is not None
        for cell in nb.cells:
            if not is_check(cell):
                continue
            for out in cell.outputs:
                if out.output_type == "execute_result":  # nbgrader would read it as partial credit
                    out.output_type = "display_data"
                    out.pop("execution_count", None)
            grade_id = cell["metadata"]["nbgrader"]["grade_id"]
            problem = integrity.verdict(self.golden.get(grade_id, []), records.get(grade_id, []))
            has_error = any(o.output_type == "error" for o in cell.outputs)
            if problem or has_error:  # the kernel printed passed()'s ✔: it could not know
                for out in cell.outputs:
                    if out.output_type == "stream" and "✔" in str(out.get("text", "")):
                        out.text = "".join(
                            line
                            for line in str(out.text).splitlines(keepends=True)
                            if not line.startswith("✔")
                        )
            if problem and not has_error:
                cell.outputs.append(
                    NotebookNode(
                        output_type="error",
                        ename="CheckFailed",
                        evalue=problem,
                        traceback=[f"CheckFailed: {problem}"],
                    )
                )
            if problem or has_error:
                failed.append(grade_id)
        return failed

    def finish(self, done: Executed) -> Result:
        """Record a worker's result: gradebook, autograded notebook, feedback. Never raises: anything
        that fails here fails for this student only, with a named reason."""
        if self.golden is None:
            self.waiting.append(done)
            return Result(done.student, detail="waiting for the solution's run")
        try:
            return self._finish(done)
        except Exception as error:  # noqa: BLE001 - one student's failure is theirs alone
            return self._fail(
                done.student,
                Reason.GRADER_ERROR,
                f"recording the grade failed: {type(error).__name__}: {printable(str(error), 300)}",
            )

    def _finish(self, done: Executed) -> Result:
        student, sub = done.student, self.subs[done.student]
        if self.golden_error:
            return self._fail(student, Reason.GRADER_ERROR, self.golden_error)
        if done.notebook is None:
            reason = done.reasons[0] if done.reasons else Reason.GRADER_ERROR
            return self._fail(student, reason, done.detail)
        nb = nbformat.reads(done.notebook, as_version=4)
        with speaking(self.languages.get(done.student, "en")):  # messages in the student's edition
            self._judge(nb, done.records)
        totals = self.course.record(student, nb, sub.timestamp)
        reasons = list(done.reasons) + ([Reason.LATE] if totals["late"] else [])
        detail = done.detail
        if totals["late"]:
            detail = "; ".join(filter(None, [detail, f"late (penalty {totals['penalty']:g})"]))
        html = self.feedback.render(nb, student)
        path = self.course.folder(self.course.coursedir.feedback_directory, student)
        write_atomic(path / f"{self.course.chapter}.html", html)
        submitted = self.course.folder(self.course.coursedir.submitted_directory, student)
        for name in ("timestamp.txt", "submission_secret.txt"):  # what nbgrader release_feedback reads
            source = submitted / name
            if source.is_file() and not source.is_symlink():
                write_atomic(path / name, read_regular(source, 4096))
        result = Result(
            student,
            reasons,
            score=totals["score"],
            max_score=totals["max_score"],
            late_penalty=totals["penalty"],
            detail=detail,
            notes=self.notes.get(student, []),
            seconds=round(done.seconds, 2),
            timestamp=totals["timestamp"],
            auto_score=totals["auto_score"],
            auto_max=totals["auto_max"],
            manual_score=totals["manual_score"],
            manual_pending=totals["manual_pending"],
            flags=self.flags.get(student, []),
        )
        self.results[student] = result
        return result


def _context() -> multiprocessing.context.BaseContext:
    """Where workers come from: a fork server, which imports the worker's modules once and forks a
    worker per slot (each worker would otherwise spend seconds of CPU importing them again); spawn
    where there is no fork server. Starts the fork server now, so that its imports overlap the
    grader's own preparation."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["nlpcourse.grading.execute"])
    from multiprocessing import forkserver

    forkserver.ensure_running()
    return context


def _pool(
    workers: int, template: Sandbox, context: multiprocessing.context.BaseContext
) -> ProcessPoolExecutor:
    slots = context.Queue()
    for slot in range(workers):
        slots.put(slot)
    # a worker forked from the fork server gets the grader's environment and folder of now, as a
    # spawned one would
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=init_worker,
        initargs=(slots, template, dict(os.environ), os.getcwd()),
    )


def _prepare(grader: _Grader, sub: Submission) -> Job | None:
    """The job of one submission, or None when it already has its (ungraded) result."""
    try:
        if not sub.problem:
            _copy_to_submitted(grader.course, sub, grader.options.limits.upload)
        return grader.prepare(sub)
    except Exception as error:  # noqa: BLE001 - one student's failure is theirs alone
        grader._fail(
            sub.student,
            Reason.GRADER_ERROR,
            f"preparing the submission failed: {type(error).__name__}: {printable(str(error), 200)}",
        )
        return None


def _run_pool(
    grader: _Grader,
    solution: Job,
    subs: list[Submission],
    template: Sandbox,
    context: multiprocessing.context.BaseContext,
    bar: tqdm,
) -> None:
    """Run the solution first, then every student, in parallel; a student's result is recorded as
    soon as both it and the solution's run are back. Each submission is prepared just before it is
    handed to the pool, so that the first kernels start while the others are prepared."""
    pool: ProcessPoolExecutor | None = None
    pending: dict[Future, str] = {}
    try:
        for sub in subs:
            job = _prepare(grader, sub)
            if job is None:
                bar.update(1)
                continue
            if pool is None:  # the first student to grade: the solution runs, first
                pool = _pool(min(grader.options.workers, len(subs) + 1), template, context)
                pending[pool.submit(run_job, solution)] = SOLUTION
            pending[pool.submit(run_job, job)] = job.student
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                student = pending.pop(future)
                try:
                    executed = future.result()
                except BrokenProcessPool:
                    executed = Executed(student, None, [Reason.GRADER_ERROR], "a grading worker crashed")
                except Exception as error:  # noqa: BLE001 - a worker's failure is this student's alone
                    executed = Executed(
                        student,
                        None,
                        [Reason.GRADER_ERROR],
                        f"a grading worker failed: {type(error).__name__}",
                    )
                if student == SOLUTION:
                    finished = grader.solution_done(executed)
                else:
                    finished = [grader.finish(executed)]
                for result in finished:
                    if result.student in grader.results:
                        bar.set_postfix_str(
                            f"{printable(result.student, 20)}: {result.outcome}", refresh=False
                        )
                        bar.update(1)
    except KeyboardInterrupt:
        # workers ignore Ctrl-C; stop them (their kernels die with them) instead of waiting
        for process in compat.pool_processes(pool):
            process.terminate()
        raise
    finally:
        if pool is not None:
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


def _refresh(course: Course, results: dict[str, Result], rows: dict[str, dict]) -> None:
    """Scores from the gradebook as it is now (manual grades entered in Formgrader included)."""
    for student, result in results.items():
        row = rows.get(student)
        if row is None:
            continue
        parts = {key: row[key] for key in ("auto_score", "auto_max", "manual_score", "manual_pending")}
        if result.graded:
            result.score, result.max_score = row["score"], row["max_score"]
            result.late_penalty = row["late_submission_penalty"]
            for key, value in parts.items():
                setattr(result, key, value)
        elif result.kept_score is not None:
            result.kept_score = row["score"]


def _write_csv(course: Course, results: dict[str, Result], path: Path, rows: dict[str, dict]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for student in sorted(set(rows) | set(results)):
        result = results.get(student)
        row = dict(
            rows.get(student)
            or {
                "assignment": course.chapter,
                "duedate": course.duedate or "",
                "student_id": student,
                "max_score": course.max_score,
            }
        )
        # no gradebook entry: the score is left empty, so that an LMS import changes nothing
        row["status"] = result.outcome if result else ""
        row["detail"] = printable(result.detail) if result else ""
        row["flags"] = ", ".join(result.flags) if result else ""
        writer.writerow({key: row.get(key, "") for key in CSV_COLUMNS})
    write_atomic(path, out.getvalue())


def _write_outputs(course: Course, results: list[Result], csv_path: Path) -> Path:
    json_path = course.root / "grades" / f"{course.chapter}.json"
    merged = _merge_json(json_path, results)
    rows = course.rows()
    _refresh(course, merged, rows)
    students = [result.to_json() for result in merged.values()]
    write_atomic(json_path, json.dumps({"chapter": course.chapter, "students": students}, indent=1))
    _write_csv(course, merged, csv_path, rows)
    return json_path


def export(chapter: str, *, root: Path, csv_path: Path | None = None) -> Report:
    """Write ``grades/<chapter>.csv`` and ``.json`` again from the gradebook, e.g. after manual
    grading in Formgrader: the totals then include the manual points, and nothing is pending."""
    with shared_engines():
        return _export(chapter, root=root, csv_path=csv_path)


def _export(chapter: str, *, root: Path, csv_path: Path | None) -> Report:
    start = time.monotonic()
    course = Course(root, chapter, auto_release=False)
    csv_path = csv_path or course.root / "grades" / f"{chapter}.csv"
    json_path = _write_outputs(course, [], csv_path)
    merged = _merge_json(json_path, [])
    return Report(chapter, list(merged.values()), csv_path, json_path, time.monotonic() - start)


def grade(chapter: str, submissions: Path, *, root: Path, options: Options | None = None) -> Report:
    """Grade every submission of ``chapter`` found in ``submissions`` (a folder or an LMS zip).

    Raises :class:`~nlpcourse.grading.gradebook.GradingError` or
    :class:`~nlpcourse.grading.sandbox.SandboxError` before touching anything if the class cannot
    be graded at all; otherwise every student found gets a :class:`Result`.
    """
    with shared_engines():
        return _grade(chapter, submissions, root=root, options=options or Options())


def _grade(chapter: str, submissions: Path, *, root: Path, options: Options) -> Report:
    start = time.monotonic()
    course = Course(root, chapter)
    threads = max(1, cores() // max(1, options.workers))
    notices = []
    cgroup = None
    if options.cgroups:
        why = Cgroup.available()
        if why:
            notices.append(
                f"no cgroup per sandbox ({why}): memory is watched per process tree from "
                "outside, shared memory not counted; processes limited by RLIMIT_NPROC only"
            )
        else:
            cgroup = Cgroup("template", options.limits.memory, options.limits.processes)
    template = Sandbox(
        limits=options.limits,
        enabled=options.sandbox,
        threads=threads,
        uid=options.uid_base if os.geteuid() == 0 else None,
        cgroup=cgroup,
    )
    with tempfile.TemporaryDirectory(prefix="nlpcourse-grade-", dir=options.scratch) as scratch:
        context = _context()
        probe = Sandbox(
            limits=options.limits,
            enabled=options.sandbox,
            threads=threads,
            uid=options.uid_base if os.geteuid() == 0 else None,
        )
        template.fonts = probe.probe(Path(scratch))
        regexp = options.regexp or course.config.FileNameCollectorPlugin.get("named_regexp") or None
        subs = collect(Path(submissions), chapter, Path(scratch), regexp, limit=options.limits.upload)
        grader = _Grader(course, options, subs)
        solution = grader.solution_job()
        bar = tqdm(total=len(subs), desc=f"grading {chapter}", unit="student", disable=not options.progress)
        with bar:
            _run_pool(grader, solution, subs, template, context, bar)
    results = [grader.results[s] for s in sorted(grader.results)]
    csv_path = options.csv or course.root / "grades" / f"{chapter}.csv"
    json_path = _write_outputs(course, results, csv_path)
    return Report(chapter, results, csv_path, json_path, time.monotonic() - start, notices)
