"""``nlpcourse grade`` on a fabricated class: every way a submission can go wrong, graded at once.

A module-scoped fixture releases 00_welcome in a throw-away course folder, fabricates one
submission per student below (outside the course folder, as an LMS download would be), and runs
the real console script once over all of them, in parallel sandboxes, as an instructor would (as
root in CI). Each test then checks one student's outcome, while the others were graded in the
same run. A second run, from an LMS zip, checks that re-grading never loses an earlier grade.

The hostile submissions are bounded by their own code (2,000 processes at most, children that
exit at once, output of 100 MB, one 8 GB allocation, 6 GB in 15 processes), so that a broken
sandbox fails the test without taking the machine down.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import socket
import subprocess
import sys
import threading
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import nbformat
import pytest
from grading_helpers import (
    BIN,
    cells_by_id,
    html_text,
    is_check_cell,
    make_course,
    nbgrader_env,
    secret_lines,
    with_solutions,
)
from nbgrader.api import Gradebook, MissingEntry

from nlpcourse.check import check

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform != "linux", reason="the grading sandbox uses Linux namespaces"),
]

CHAPTER = "00_welcome"
#: Per-cell timeout of this run: the looping students cost this much. An honest cell (the torch
#: import) takes 2 s on an idle 2-core machine and up to 6 s under load.
TIMEOUT_S = 20
DUE = datetime(2025, 1, 1, 12, 0, 0)
FORK_LIMIT = 2000  # the fork bomb stops by itself here, sandbox or not
AUTO = {"make_grid_check": 1.0, "normalize_rows_check": 1.0, "softmax_check": 2.0, "one_hot_check": 1.0}


@dataclass(frozen=True)
class Student:
    name: str
    outcome: str  # Result.outcome: "ok" or the reasons, e.g. "timeout"
    lost: frozenset[str] = frozenset()  # check cells that score 0; the others get full points

    @property
    def graded(self) -> bool:
        return self.outcome not in ("corrupt notebook", "missing notebook")

    @property
    def score(self) -> float:
        return sum(pts for gid, pts in AUTO.items() if gid not in self.lost)


ALL = frozenset(AUTO)
STUDENTS = [
    Student("solution", "ok"),
    Student("blank", "ok", ALL),
    Student("edited_tests", "ok", ALL),
    Student("deleted_tests", "ok"),
    Student("infinite_loop", "timeout", frozenset({"softmax_check"})),
    Student("ignores_interrupt", "timeout", frozenset({"softmax_check", "one_hot_check"})),
    Student("exits", "kernel died", frozenset({"softmax_check", "one_hot_check"})),
    Student("allocates_8gb", "memory limit", frozenset({"softmax_check"})),
    Student("fork_bomb", "ok"),
    Student("forks_6gb", "memory limit, kernel died", ALL),
    Student("prints_100mb", "output limit"),
    Student("reads_solutions", "ok"),
    Student("network", "ok"),
    Student("leaks_tests", "ok", frozenset({"one_hot_check"})),
    Student("late", "late"),
    Student("corrupt", "corrupt notebook"),
    Student("wrong_name", "missing notebook"),
]
BY_NAME = {s.name: s for s in STUDENTS}

LOOP = "while True:\n    pass"
IGNORES_INTERRUPT = """\
while True:
    try:
        while True:
            pass
    except KeyboardInterrupt:
        pass"""
FORK_BOMB = f"""\
import os
children = 0
try:
    for _ in range({FORK_LIMIT}):
        if os.fork() == 0:
            os._exit(0)  # a zombie until reaped: it still counts against the process limit
        children += 1
    print(f"forked all {{children}} children")
except OSError as error:
    print(f"fork failed after {{children}} children: {{type(error).__name__}}: {{error}}")
while children:
    os.wait()
    children -= 1"""
FORKS_6GB = """\
import os
import time
children = []
for _ in range(15):  # 15 x 400 MiB: each process is under the limit, together they are not
    pid = os.fork()
    if pid == 0:
        try:
            block = b"x" * (400 * 2**20)
            time.sleep(60)
        finally:
            os._exit(0)
    children.append(pid)
for pid in children:
    os.waitpid(pid, 0)"""
PRINTS = 'line = "x" * 999_999 + "\\n"\nfor _ in range(100):\n    print(line, end="")'
LEAKS = """\
import inspect
import sys

def softmax(x):
    print(inspect.getsource(sys._getframe(1)))  # the calling check cell, hidden tests included
    shifted = x - x.max(dim=-1, keepdim=True).values
    return shifted.exp() / shifted.exp().sum(dim=-1, keepdim=True)"""


def reader(paths: list[Path]) -> str:
    return "\n".join([
        "import os",
        f"for path in {[str(p) for p in paths]!r}:",
        "    try:",
        "        print('READ', path, len(open(path, 'rb').read()))",
        "    except OSError as error:",
        "        print('DENIED', path, type(error).__name__)",
        "print('UID', os.getuid())",
    ])


def connector(port: int) -> str:
    return "\n".join([
        "import socket",
        f"for host, port in [('127.0.0.1', {port}), ('1.1.1.1', 80), ('pypi.org', 443)]:",
        "    try:",
        "        socket.create_connection((host, port), timeout=3).close()",
        "        print('CONNECTED', host)",
        "    except OSError as error:",
        "        print('BLOCKED', host, type(error).__name__)",
    ])


@dataclass
class Class:
    root: Path
    submissions: Path
    env: dict[str, str]
    solutions: nbformat.NotebookNode
    release: nbformat.NotebookNode
    listener: dict


def _with_cell(nb, source: str):
    """``nb`` with a new code cell after the set-up cell (the one calling ``start``)."""
    nb = copy.deepcopy(nb)
    index = next(i for i, c in enumerate(nb.cells) if "start(FAST, SEED)" in c.source)
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell(source))
    return nb


def _answer(nb, grade_id: str, source: str):
    nb = copy.deepcopy(nb)
    cells_by_id(nb)[grade_id].source = source
    return nb


def fabricate(course: Class, listen_port: int) -> None:
    root, out = course.root, course.submissions
    solved = with_solutions(course.release, course.solutions)
    softmax = cells_by_id(solved)["softmax"].source
    edited, deleted = copy.deepcopy(course.release), copy.deepcopy(solved)
    for cell in edited.cells:
        if is_check_cell(cell):
            cell.source = 'print("all good")'
    deleted.cells = [c for c in deleted.cells if not is_check_cell(c)]
    leaks = _with_cell(_answer(solved, "softmax", LEAKS), 'get_ipython().run_line_magic("xmode", "Verbose")')
    wrong_one_hot = "def one_hot(ids, vocab_size):\n    return torch.zeros(len(ids), vocab_size)"
    leaks = _answer(leaks, "one_hot", wrong_one_hot)
    secrets = [root / "solutions" / CHAPTER / f"{CHAPTER}.ipynb", root / "gradebook.db",
               root / "nbgrader_config.py", out / "solution" / f"{CHAPTER}.ipynb", Path("/etc/shadow")]
    notebooks = {
        "solution": solved,
        "blank": course.release,
        "edited_tests": edited,
        "deleted_tests": deleted,
        "infinite_loop": _answer(solved, "softmax", LOOP),
        "ignores_interrupt": _answer(solved, "softmax", IGNORES_INTERRUPT),
        "exits": _answer(solved, "softmax", "import os\nos._exit(0)"),
        "allocates_8gb": _answer(solved, "softmax", "block = b'x' * (8 * 2**30)\n" + softmax),
        "fork_bomb": _with_cell(solved, FORK_BOMB),
        "forks_6gb": _with_cell(solved, FORKS_6GB),
        "prints_100mb": _with_cell(solved, PRINTS),
        "reads_solutions": _with_cell(solved, reader(secrets)),
        "network": _with_cell(solved, connector(listen_port)),
        "leaks_tests": leaks,
        "late": solved,
    }
    for name, nb in notebooks.items():
        path = out / name / f"{CHAPTER}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
    (out / "late" / "timestamp.txt").write_text("2025-01-02 09:30:00")
    (out / "corrupt").mkdir()
    (out / "corrupt" / f"{CHAPTER}.ipynb").write_text("this is not a notebook: {\n")
    (out / "wrong_name").mkdir()
    nbformat.write(solved, out / "wrong_name" / "welcome.ipynb")


def grade(course: Class, submissions: Path) -> subprocess.CompletedProcess[str]:
    command = [str(BIN / "nlpcourse"), "grade", CHAPTER, str(submissions), "--course", str(course.root),
               "--timeout", str(TIMEOUT_S)]
    return subprocess.run(command, cwd=course.root, env=course.env, capture_output=True, text=True,
                          timeout=900, check=False)


def listen() -> tuple[socket.socket, dict]:
    """A TCP server on the host's loopback that records every connection it gets."""
    server = socket.create_server(("127.0.0.1", 0))
    seen = {"connections": 0}

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            seen["connections"] += 1
            conn.close()

    threading.Thread(target=accept, daemon=True).start()
    return server, seen


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Class:
    root = tmp_path_factory.mktemp("course")
    env = nbgrader_env(tmp_path_factory.mktemp("config"))
    make_course(CHAPTER, root, env=env)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        gb.update_or_create_assignment(CHAPTER, duedate=DUE)
    name = f"{CHAPTER}.ipynb"
    return Class(root, tmp_path_factory.mktemp("submissions"), env,
                 nbformat.read(root / "solutions" / CHAPTER / name, as_version=4),
                 nbformat.read(root / "notebooks" / CHAPTER / name, as_version=4), {})


@pytest.fixture(scope="module")
def run(course: Class) -> subprocess.CompletedProcess[str]:
    server, seen = listen()
    try:
        fabricate(course, server.getsockname()[1])
        result = grade(course, course.submissions)
    finally:
        server.close()
    course.listener.update(seen)
    return result


def autograded(course: Class, student: str) -> nbformat.NotebookNode:
    path = course.root / "autograded" / student / CHAPTER / f"{CHAPTER}.ipynb"
    assert path.is_file(), f"no autograded notebook for {student} at {path}"
    return nbformat.read(path, as_version=4)


def outputs(nb, kind: str = "stream") -> str:
    return "\n".join(out.get("text", "") if kind == "stream" else f"{out.get('ename')}: {out.get('evalue')}"
                     for cell in nb.cells if cell.cell_type == "code"
                     for out in cell.outputs if out.output_type == kind)


def results(course: Class) -> dict[str, dict]:
    data = json.loads((course.root / "grades" / f"{CHAPTER}.json").read_text())
    return {r["student"]: r for r in data["students"]}


def gradebook_scores(course: Class) -> dict[str, dict[str, float | None]]:
    out = {}
    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gb:
        for student in BY_NAME:
            try:
                sub = gb.find_submission_notebook(CHAPTER, CHAPTER, student)
            except MissingEntry:
                continue
            out[student] = {g.name: g.auto_score for g in sub.grades if g.name in AUTO}
    return out


# --- the run as a whole ------------------------------------------------------------------------


def test_exit_code_lists_only_the_ungraded(run):
    assert run.returncode == 1, f"exit {run.returncode}\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    line = next((ln for ln in run.stderr.splitlines() if ln.startswith("could not grade")), "")
    expected = "could not grade 2 submission(s): corrupt (corrupt notebook), wrong_name (missing notebook)"
    assert line == expected, run.stderr[-3000:]
    for student in BY_NAME:
        assert f"\n{student} " in run.stdout, f"{student} missing from the summary table:\n{run.stdout}"


@pytest.mark.parametrize("student", STUDENTS, ids=lambda s: s.name)
def test_each_submission_gets_its_own_outcome(course, run, student: Student):
    result = results(course)[student.name]
    assert (", ".join(result["reasons"]) or "ok") == student.outcome, result
    scores = gradebook_scores(course)
    if not student.graded:
        assert result["score"] is None and student.name not in scores, (result, scores.get(student.name))
        assert not (course.root / "feedback" / student.name).exists()
        return
    expected = {gid: 0.0 if gid in student.lost else pts for gid, pts in AUTO.items()}
    assert scores[student.name] == expected, f"{student.name}: {result['detail']}"
    assert result["score"] == student.score, result
    assert (course.root / "feedback" / student.name / CHAPTER / f"{CHAPTER}.html").is_file()


def test_csv_for_the_lms_has_every_student(course, run):
    with open(course.root / "grades" / f"{CHAPTER}.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert set(rows) == set(BY_NAME)
    for name, student in BY_NAME.items():
        row = rows[name]
        assert row["status"] == student.outcome, row
        if student.graded:
            assert float(row["score"]) == student.score and float(row["max_score"]) == 7.0, row
        else:  # empty, not 0: an import into the LMS must not look like a grade
            assert row["score"] == "" and row["detail"], row


# --- each hostile submission --------------------------------------------------------------------


def test_check_cells_restored_and_reported(course, run):
    notes = {name: results(course)[name]["notes"] for name in ("edited_tests", "deleted_tests", "solution")}
    assert notes["solution"] == []
    assert notes["edited_tests"] == [f"check cell {g} was edited: restored" for g in AUTO]
    assert notes["deleted_tests"] == [f"check cell {g} was deleted: added back" for g in AUTO]
    originals = cells_by_id(course.solutions, is_check_cell)
    for student in ("edited_tests", "deleted_tests"):
        restored = cells_by_id(autograded(course, student), is_check_cell)
        assert restored.keys() == originals.keys()


def test_interrupt_ignored_stops_the_kernel_and_zeroes_what_never_ran(course, run):
    nb = autograded(course, "ignores_interrupt")
    cells = cells_by_id(nb)
    assert "CellTimeoutError" in outputs(nb, "error")
    for gid in ("softmax_check", "one_hot_check"):
        assert [o.ename for o in cells[gid].outputs] == ["CellNotRun"], cells[gid].outputs
    assert "ignored the interrupt" in results(course)["ignores_interrupt"]["detail"]


def test_exit_is_a_dead_kernel_not_full_marks(course, run):
    detail = results(course)["exits"]["detail"]
    assert "the kernel exited with status 0" in detail, detail


def test_memory_limit_stops_the_allocation(course, run):
    assert "MemoryError" in outputs(autograded(course, "allocates_8gb"), "error")


def test_memory_of_all_processes_together_is_limited(course, run):
    detail = results(course)["forks_6gb"]["detail"]
    assert "GiB of memory together, over the 4 GiB memory limit" in detail, detail


def test_fork_bomb_hits_the_process_limit(course, run):
    text = outputs(autograded(course, "fork_bomb"))
    assert "fork failed after" in text and "BlockingIOError" in text, text
    children = int(text.split("fork failed after ")[1].split()[0])
    assert children < 300, f"the sandbox let {children} processes start"


def test_huge_output_is_cut(course, run):
    path = course.root / "autograded" / "prints_100mb" / CHAPTER / f"{CHAPTER}.ipynb"
    assert path.stat().st_size < 5 * 2**20, f"autograded notebook is {path.stat().st_size} bytes"
    assert "output truncated" in outputs(autograded(course, "prints_100mb"))


def test_course_files_and_other_students_are_out_of_reach(course, run):
    text = outputs(autograded(course, "reads_solutions"))
    assert "READ" not in text and text.count("DENIED") == 5, text
    if os.geteuid() == 0:
        uid = int(text.split("UID ")[1].split()[0])
        assert uid != 0, "the kernel ran as root"


def test_no_network(course, run):
    text = outputs(autograded(course, "network"))
    assert "CONNECTED" not in text and text.count("BLOCKED") == 3, text
    assert course.listener["connections"] == 0, "the sandbox reached the host's loopback"


def test_late_submission_is_flagged(course, run):
    result = results(course)["late"]
    assert result["timestamp"].startswith("2025-01-02 09:30:00"), result


# --- feedback ---------------------------------------------------------------------------------


def test_feedback_never_shows_hidden_tests(course, run):
    secrets = secret_lines(course.solutions, course.release)
    assert secrets, "no hidden test lines: this test would prove nothing"
    flat = [line for lines in secrets.values() for line in lines]
    # positive control: the leaking student did get hidden test source into the kernel's output
    leaked = outputs(autograded(course, "leaks_tests")) + outputs(autograded(course, "leaks_tests"), "error")
    assert any(line in leaked for line in flat), "the leak trick did not work: nothing to redact"
    for student in (s.name for s in STUDENTS if s.graded):
        text = html_text((course.root / "feedback" / student / CHAPTER / f"{CHAPTER}.html").read_text())
        assert "HIDDEN TESTS" not in text, student
        shown = [line for line in flat if line in text]
        assert not shown, f"{student}'s feedback shows hidden test lines: {shown}"
    text = html_text((course.root / "feedback" / "solution" / CHAPTER / f"{CHAPTER}.html").read_text())
    assert "make_grid(2, 3) is right" in text, "the visible check output is missing from the feedback"


# --- a second run from an LMS zip ---------------------------------------------------------------


@pytest.fixture(scope="module")
def rerun(course: Class, run, tmp_path_factory):
    before = gradebook_scores(course)
    folder = tmp_path_factory.mktemp("lms")
    archive = folder / "download.zip"
    stamp = "2024-12-30-10-00-00"
    with zipfile.ZipFile(archive, "w") as z:  # nbgrader's zip_collect example file names
        z.writestr(f"{CHAPTER}_solution_attempt_{stamp}_{CHAPTER}.ipynb", "{ broken")
        z.writestr(f"{CHAPTER}_blank_attempt_{stamp}_{CHAPTER}.ipynb", nbformat.writes(course.release))
    return before, grade(course, archive)


def test_regrading_keeps_earlier_grades(course, rerun):
    before, second = rerun
    assert second.returncode == 1, second.stderr[-3000:]
    assert "could not grade 1 submission(s): solution (corrupt notebook)" in second.stderr
    assert gradebook_scores(course) == before, "a re-run changed the gradebook"
    result = results(course)["solution"]
    assert result["reasons"] == ["corrupt notebook"] and result["kept_score"] == 5.0, result
    assert "the earlier grade (5) is kept" in result["detail"]
    assert results(course)["blank"]["reasons"] == [] and len(results(course)) == len(STUDENTS)
    with open(course.root / "grades" / f"{CHAPTER}.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert float(rows["solution"]["score"]) == 5.0 and rows["solution"]["status"] == "corrupt notebook"
    assert set(rows) == set(BY_NAME)


# --- the student's side -------------------------------------------------------------------------


def test_student_check_says_what_was_expected(course, capsys):
    import torch

    release = course.root / "notebooks" / CHAPTER / f"{CHAPTER}.ipynb"
    namespace = {"torch": torch, "softmax": lambda x: x.exp() / x.exp().sum(-1, keepdim=True)}
    assert check("softmax", notebook=release, namespace=namespace) is False
    assert "softmax([1000, 1001]): got NaN" in capsys.readouterr().out
    exec(cells_by_id(course.solutions)["softmax"].source, namespace)  # noqa: S102
    assert check("softmax", notebook=release, namespace=namespace) is True
    assert "✔ softmax is right" in capsys.readouterr().out
    assert check("one_hot", notebook=release, namespace=namespace) is False
    assert "run the answer cell" in capsys.readouterr().out
    with pytest.raises(ValueError, match="choose from"):
        check("nope", notebook=release, namespace=namespace)
