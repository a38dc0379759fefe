"""Autograde round trip on fabricated submissions, in a throw-away copy of the course.

For each chapter in CHAPTERS, a module-scoped fixture copies ``nbgrader_config.py`` and
``solutions/<chapter>`` into a temporary course directory, releases the chapter there, fabricates
one submission per way a student can go wrong, and runs ``nbgrader autograde`` once over all of
them, then ``generate_feedback`` and ``export``. The tests read the gradebook, the logs, the
autograded notebooks, the feedback HTML and the CSV. The repository's own gradebook is never used.
"""

from __future__ import annotations

import copy
import csv
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from grading_helpers import (
    cells_by_id,
    html_text,
    is_check_cell,
    is_manual_cell,
    make_course,
    nbgrader_env,
    points,
    run_nbgrader,
    secret_lines,
    validate_output,
    with_solutions,
    write_submission,
)
from nbgrader.api import Gradebook, MissingEntry

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Chapter:
    name: str
    #: the solution cell the ``infinite_loop`` student replaces by ``while True: pass``
    loop_cell: str
    #: the check cells that fail because that answer never got defined
    loop_breaks: frozenset[str]


CHAPTERS = [
    Chapter("00_welcome", loop_cell="softmax", loop_breaks=frozenset({"softmax_check"})),
]

#: Per-cell timeout for the autograde run (config: 120 s); the looping student costs this much. The
#: slowest honest cell of a chapter in fast mode must stay well under it on a busy machine: in
#: 00_welcome the torch import takes 2 s on an idle 2-core machine and took 6 s under load.
LOOP_TIMEOUT_S = 15

STUDENTS = ("solution", "blank", "edited_tests", "deleted_tests", "infinite_loop", "corrupt")
GRADED = tuple(s for s in STUDENTS if s != "corrupt")
CORRUPT_TEXT = "this is not a notebook: {\n"
LOOP_SOURCE = "while True:\n    pass"


@dataclass
class Course:
    chapter: Chapter
    root: Path
    env: dict[str, str]
    solutions: nbformat.NotebookNode
    release: nbformat.NotebookNode
    generate_log: str

    @property
    def name(self) -> str:
        return self.chapter.name

    @property
    def points(self) -> dict[str, float]:
        return points(self.solutions)

    @property
    def checks(self) -> dict[str, float]:
        """Autograded check cells -> points."""
        return {g: self.points[g] for g in cells_by_id(self.solutions, is_check_cell)}

    @property
    def manual(self) -> dict[str, float]:
        """Hand-graded answers (written questions) -> points."""
        return {g: self.points[g] for g in cells_by_id(self.solutions, is_manual_cell)}


@dataclass
class Graded:
    course: Course
    autograde_rc: int
    autograde_log: str
    autograde_s: float
    #: student -> grade_id -> (auto_score, manual_score, needs_manual_grade); None: no submission
    grades: dict[str, dict[str, tuple] | None] = field(default_factory=dict)
    feedback_rc: int = -1
    feedback_log: str = ""
    export_rc: int = -1
    export_log: str = ""
    csv_rows: list[dict[str, str]] = field(default_factory=list)

    def autograded(self, student: str) -> nbformat.NotebookNode:
        name = self.course.name
        path = self.course.root / "autograded" / student / name / f"{name}.ipynb"
        assert path.exists(), f"no autograded notebook for {student!r} at {path}"
        return nbformat.read(path, as_version=4)

    def feedback(self, student: str) -> Path:
        name = self.course.name
        return self.course.root / "feedback" / student / name / f"{name}.html"

    def scores(self, student: str) -> dict[str, float | None]:
        grades = self.grades[student]
        assert grades is not None, f"gradebook has no submission of {self.course.name} by {student}"
        return {gid: auto for gid, (auto, _, _) in grades.items()}


@pytest.fixture(scope="module", params=CHAPTERS, ids=lambda chapter: chapter.name)
def course(request, tmp_path_factory) -> Course:
    chapter: Chapter = request.param
    root = tmp_path_factory.mktemp(f"course-{chapter.name}")
    env = nbgrader_env(tmp_path_factory.mktemp(f"config-{chapter.name}"))
    log = make_course(chapter.name, root, env=env)
    name = chapter.name
    return Course(
        chapter=chapter,
        root=root,
        env=env,
        solutions=nbformat.read(root / "solutions" / name / f"{name}.ipynb", as_version=4),
        release=nbformat.read(root / "notebooks" / name / f"{name}.ipynb", as_version=4),
        generate_log=log,
    )


def fabricate(course: Course) -> None:
    """Write one submission per student under ``<course>/submitted/<student>/<chapter>/``."""
    name, release, solutions = course.name, course.release, course.solutions
    write_submission(course.root, "solution", name, with_solutions(release, solutions))
    write_submission(course.root, "blank", name, copy.deepcopy(release))

    edited = copy.deepcopy(release)
    for cell in edited.cells:
        if is_check_cell(cell):
            cell.source = 'print("all good")'
    write_submission(course.root, "edited_tests", name, edited)

    deleted = with_solutions(release, solutions)
    deleted.cells = [cell for cell in deleted.cells if not is_check_cell(cell)]
    write_submission(course.root, "deleted_tests", name, deleted)

    looping = with_solutions(release, solutions)
    cells = cells_by_id(looping)
    assert course.chapter.loop_cell in cells, f"{name} has no cell {course.chapter.loop_cell!r}"
    cells[course.chapter.loop_cell].source = LOOP_SOURCE
    write_submission(course.root, "infinite_loop", name, looping)

    corrupt = course.root / "submitted" / "corrupt" / name / f"{name}.ipynb"
    corrupt.parent.mkdir(parents=True)
    corrupt.write_text(CORRUPT_TEXT)


def read_gradebook(course: Course) -> dict[str, dict[str, tuple] | None]:
    out: dict[str, dict[str, tuple] | None] = {}
    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gb:
        for student in STUDENTS:
            try:
                sub = gb.find_submission_notebook(course.name, course.name, student)
            except MissingEntry:
                out[student] = None
                continue
            out[student] = {g.name: (g.auto_score, g.manual_score, g.needs_manual_grade) for g in sub.grades}
    return out


@pytest.fixture(scope="module")
def graded(course: Course) -> Graded:
    fabricate(course)
    name, root, env = course.name, course.root, course.env
    start = time.monotonic()
    auto = run_nbgrader(
        ["autograde", name, "--create", "--force", f"--Execute.timeout={LOOP_TIMEOUT_S}"],
        root,
        env=env,
    )
    result = Graded(course, auto.returncode, auto.stdout, time.monotonic() - start)
    result.grades = read_gradebook(course)
    feedback = run_nbgrader(["generate_feedback", name], root, env=env)
    result.feedback_rc, result.feedback_log = feedback.returncode, feedback.stdout
    export = run_nbgrader(["export", "--to", str(root / "grades.csv")], root, env=env)
    result.export_rc, result.export_log = export.returncode, export.stdout
    if (root / "grades.csv").exists():
        with open(root / "grades.csv", newline="") as f:
            result.csv_rows = list(csv.DictReader(f))
    return result


# --- the temporary course ------------------------------------------------------------------


def test_course_copy_works_in_tmp(course: Course):
    """The config sets CourseDirectory.root to its own folder, so a copy releases into the copy."""
    release = course.root / "notebooks" / course.name / f"{course.name}.ipynb"
    log = course.generate_log
    assert release.exists(), f"generate_assignment wrote no release at {release}:\n{log}"
    assert (course.root / "gradebook.db").exists(), "generate_assignment made no gradebook in tmp"
    written = re.findall(r"Writing \d+ bytes to (\S+)", log)
    assert written, f"no 'Writing ... to' line in the generate_assignment log:\n{log}"
    outside = [p for p in written if not Path(p).is_relative_to(course.root)]
    assert not outside, f"generate_assignment in {course.root} wrote outside it: {outside}"
    assert course.checks, f"{course.name} has no autograded check cells"


# --- autograde -------------------------------------------------------------------------------


def test_autograde_fails_only_for_the_corrupt_submission(graded: Graded):
    """One unreadable submission makes nbgrader exit 1, after grading everybody else."""
    name, log = graded.course.name, graded.autograde_log
    assert graded.autograde_rc == 1, (
        f"nbgrader autograde exited {graded.autograde_rc} after {graded.autograde_s:.0f} s, "
        f"expected 1 (one corrupt submission):\n{log[-4000:]}"
    )
    failed = re.findall(r"error processing assignment '([^']+)' for student '([^']+)'", log)
    assert failed == [(name, "corrupt")], f"students reported as failed: {failed}"
    for student in GRADED:
        nb = graded.course.root / "autograded" / student / name / f"{name}.ipynb"
        assert f"Autograding {nb}" in log, f"{student} was not autograded:\n{log[-4000:]}"


def test_solution_gets_full_marks(graded: Graded):
    course = graded.course
    scores = graded.scores("solution")
    wrong = {g: (scores.get(g), pts) for g, pts in course.checks.items() if scores.get(g) != pts}
    assert not wrong, f"solution lost points (grade_id: (got, max)): {wrong}"
    for gid in course.manual:
        auto, manual, needs_manual = graded.grades["solution"][gid]
        assert auto is None and manual is None and needs_manual, (
            f"written answer {gid} should wait for a human, got auto={auto} manual={manual} "
            f"needs_manual_grade={needs_manual}"
        )


def test_solution_runs_clean(graded: Graded):
    """No error anywhere, and no stderr in a graded cell (nbgrader scores that as a failure)."""
    problems = []
    for i, cell in enumerate(graded.autograded("solution").cells):
        if cell.cell_type != "code":
            continue
        graded_cell = cell.metadata.get("nbgrader", {}).get("grade", False)
        for out in cell.outputs:
            if out.output_type == "error":
                problems.append(f"cell {i}: {out.ename}: {out.evalue}")
            elif out.output_type == "stream" and out.name == "stderr" and graded_cell:
                problems.append(f"graded cell {i} wrote to stderr: {out.text[:200]!r}")
    assert not problems, (
        "the solution's autograded notebook has:\n"
        + "\n".join(problems)
        + f"\n(a CellTimeoutError here means an honest cell took over {LOOP_TIMEOUT_S} s)"
    )


@pytest.mark.parametrize("student", ["blank", "edited_tests"])
def test_unanswered_gets_no_free_points(graded: Graded, student: str):
    """Every graded cell, written answers included, scores 0 when left as released."""
    scores = graded.scores(student)
    expected = {g: 0.0 for g in graded.course.points}
    assert scores == expected, f"{student}: got {scores}, expected {expected}"


def test_edited_check_cells_are_restored(graded: Graded):
    course = graded.course
    originals = cells_by_id(course.solutions, is_check_cell)
    restored = cells_by_id(graded.autograded("edited_tests"), is_check_cell)
    assert restored.keys() == originals.keys(), f"check cells after autograde: {sorted(restored)}"
    changed = [g for g, cell in restored.items() if cell.source != originals[g].source]
    assert not changed, f"check cells not restored to the gradebook source: {changed}"
    # nbgrader also logs "Attribute 'checksum' for cell <id> has changed!", but it does so for
    # every student, untouched releases included: the release checksum is taken after the hidden
    # tests are cut, the gradebook's before. The warning therefore says nothing about tampering.


def test_deleted_check_cells_are_added_back(graded: Graded):
    course = graded.course
    for gid in course.checks:
        line = f"Missing grade cell {gid} encountered, adding to notebook"
        assert line in graded.autograde_log, f"log lacks {line!r}"
    added = cells_by_id(graded.autograded("deleted_tests"), is_check_cell)
    assert added.keys() == course.checks.keys(), f"check cells after autograde: {sorted(added)}"
    scores = graded.scores("deleted_tests")
    wrong = {g: (scores.get(g), pts) for g, pts in course.checks.items() if scores.get(g) != pts}
    assert not wrong, f"deleted_tests (solution answers) lost points (got, max): {wrong}"


def test_infinite_loop_times_out_and_loses_only_that_exercise(graded: Graded):
    course, log = graded.course, graded.autograde_log
    assert f"Timeout waiting for execute reply ({LOOP_TIMEOUT_S}s)." in log, log[-4000:]
    assert "Interrupting kernel" in log, "nbgrader did not interrupt the looping kernel"
    nb = graded.autograded("infinite_loop")
    loop = cells_by_id(nb)[course.chapter.loop_cell]
    errors = [out.ename for out in loop.outputs if out.output_type == "error"]
    assert "CellTimeoutError" in errors, f"looping cell outputs: {loop.outputs}"
    scores = graded.scores("infinite_loop")
    breaks = course.chapter.loop_breaks
    expected = {g: 0.0 if g in breaks else pts for g, pts in course.checks.items()}
    got = {g: scores.get(g) for g in course.checks}
    assert got == expected, f"infinite_loop: got {got}, expected {expected}"


def test_corrupt_submission_is_reported_by_name(graded: Graded):
    course, log = graded.course, graded.autograde_log
    folder = course.root / "submitted" / "corrupt" / course.name
    assert f"There was an error processing assignment: {folder}" in log, log[-4000:]
    assert f"Converting notebook {folder / (course.name + '.ipynb')}" in log
    assert "NotJSONError: Notebook does not appear to be JSON" in log, log[-4000:]
    assert not (course.root / "autograded" / "corrupt").exists(), "corrupt has an autograded copy"
    # nbgrader records the submission before it fails to read it: no score, "needs manual grade".
    grades = graded.grades["corrupt"]
    assert grades is not None, "corrupt has no gradebook entry at all"
    assert all(auto is None for auto, _, _ in grades.values()), f"corrupt got scores: {grades}"


# --- feedback and export ---------------------------------------------------------------------


def test_feedback_hides_hidden_tests(graded: Graded):
    course = graded.course
    assert graded.feedback_rc == 0, f"generate_feedback failed:\n{graded.feedback_log[-4000:]}"
    assert graded.feedback("solution").exists(), f"no feedback at {graded.feedback('solution')}"
    assert not graded.feedback("corrupt").exists(), "feedback was made for the corrupt submission"
    secrets = secret_lines(course.solutions, course.release)
    assert secrets, f"{course.name}: no hidden test lines found, this test would prove nothing"
    for student in GRADED:
        page = graded.feedback(student)
        assert page.exists(), f"no feedback for {student} at {page}"
        text = html_text(page.read_text())
        assert "HIDDEN TESTS" not in text, f"{student}'s feedback shows a hidden-test delimiter"
        leaked = {g: [line for line in lines if line in text] for g, lines in secrets.items()}
        leaked = {g: lines for g, lines in leaked.items() if lines}
        assert not leaked, f"{student}'s feedback shows hidden test lines: {leaked}"
    # positive control: the visible part of each check cell is found by the same search
    text = html_text(graded.feedback("solution").read_text())
    for gid, cell in cells_by_id(course.release, is_check_cell).items():
        visible = [line.strip() for line in cell.source.splitlines() if line.strip()]
        missing = [line for line in visible if line not in text]
        assert not missing, f"visible lines of {gid} not found in the feedback text: {missing}"


def test_export_has_one_row_per_student_with_scores(graded: Graded):
    course = graded.course
    assert graded.export_rc == 0, f"nbgrader export failed:\n{graded.export_log[-4000:]}"
    full = sum(course.checks.values())
    expected = {
        "solution": full,
        "blank": 0.0,
        "edited_tests": 0.0,
        "deleted_tests": full,
        "infinite_loop": full - sum(course.checks[g] for g in course.chapter.loop_breaks),
        "corrupt": 0.0,  # listed, with 0: the failed submission is not told apart from a zero
    }
    rows = [r for r in graded.csv_rows if r["assignment"] == course.name]
    ids = [r["student_id"] for r in rows]
    assert sorted(ids) == sorted(expected), f"CSV students: {ids}"
    got = {r["student_id"]: float(r["score"]) for r in rows}
    assert got == expected, f"CSV scores: got {got}, expected {expected}"
    maxima = {float(r["max_score"]) for r in rows}
    assert maxima == {sum(course.points.values())}, f"CSV max_score: {maxima}"


# --- validate ------------------------------------------------------------------------------


def test_validate_verdict_is_in_the_output_not_the_exit_code(course: Course, tmp_path: Path):
    """``nbgrader validate`` exits 0 when checks fail; validate_output asserts that exit code."""
    release = course.root / "notebooks" / course.name / f"{course.name}.ipynb"
    failing = validate_output(release, course.root, env=course.env)
    assert "VALIDATION FAILED" in failing, f"release validated without failure:\n{failing[-3000:]}"
    assert "Success!" not in failing, failing[-3000:]

    solved = tmp_path / f"{course.name}.ipynb"
    nbformat.write(with_solutions(course.release, course.solutions), solved)
    passing = validate_output(solved, course.root, env=course.env)
    assert "Success! Your notebook passes all the tests." in passing, passing[-3000:]
    assert "VALIDATION FAILED" not in passing, passing[-3000:]
