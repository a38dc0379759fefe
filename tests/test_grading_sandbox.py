"""``nlpcourse grade`` on a fabricated class: every way a submission can go wrong, graded at once.

A module-scoped fixture releases 00_welcome in a throw-away course folder, fabricates one
submission per student below (outside the course folder, as an LMS download would be), and runs
the real console script once over all of them, in parallel sandboxes, as an instructor would (as
root in CI). Each test then checks one student's outcome, while the others were graded in the
same run. A second run, from an LMS zip, checks that re-grading never loses an earlier grade.

The hostile submissions are bounded by their own code (2,000 processes at most, children that
exit at once, output of 100 MB, one 8 GB allocation, 6 GB in 15 processes), so that a broken
sandbox fails the test without taking the machine down.

The attacks of a security review (issue 17) are students of the same run: cheats that try to score
without answering (each must score what a blank notebook scores, and be flagged for review),
symbolic links, hostile ids and file names, output and memory past the limits, a check cell that
claims partial credit; the LMS zip of the second run carries the archive attacks.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import re
import shutil
import socket
import stat
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
#: Per-cell timeout of this run: the looping students cost this much. An honest cell (the imports)
#: takes 2 s on an idle 2-core machine and took over 40 s with eight agents sharing it (load 37).
TIMEOUT_S = 60
#: Wall-clock limit per notebook: the sleeping student (200 s of sleep) is stopped here.
NOTEBOOK_TIMEOUT_S = 150
DUE = datetime(2025, 1, 1, 12, 0, 0)
FORK_LIMIT = 2000  # the fork bomb stops by itself here, sandbox or not
AUTO = {"make_grid_check": 1.0, "normalize_rows_check": 1.0, "softmax_check": 2.0, "one_hot_check": 1.0}


@dataclass(frozen=True)
class Student:
    name: str
    outcome: str  # Result.outcome: "ok" or the reasons, e.g. "timeout"
    lost: frozenset[str] = frozenset()  # check cells that score 0; the others get full points
    #: other outcomes that are right too (the memory cgroup may kill the kernel before the watchdog
    #: stops it, or the other way round, depending on the machine's load)
    also: tuple[str, ...] = ()

    def gets(self, outcome: str) -> bool:
        return outcome == self.outcome or outcome in self.also

    @property
    def graded(self) -> bool:
        return self.outcome not in (
            "corrupt notebook",
            "missing notebook",
            "rejected submission",
            "tampered notebook",
        )

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
    # issue 17, item 3: cheats on a blank notebook; each must score what "blank" scores (0)
    Student("cheat_patch_checks", "ok", ALL),
    Student("cheat_fake_module", "ok", ALL),
    Student("cheat_input_transformer", "ok", ALL),
    Student("cheat_ast_transformer", "ok", ALL),
    Student("cheat_patch_isclose", "ok", ALL),
    Student("cheat_custom_exc", "ok", ALL),
    Student("cheat_later_patch", "ok", ALL),
    Student("cheat_tensor_subclass", "ok", ALL),
    Student("cheat_forged_records", "ok", ALL),
    # item 4: a check cell whose last value claims 1e9 points
    Student("partial_credit", "ok", frozenset({"softmax_check"})),
    # item 5: 6 GiB in memfd files, which per-process limits do not see
    Student("memfd_6gb", "memory limit, kernel died", ALL, also=("memory limit",)),
    # item 6: symbolic links
    Student("link_to_solution", "rejected submission"),
    Student("link_to_other", "rejected submission"),
    Student("link_chapter", "rejected submission"),
    Student("link_to_shadow", "rejected submission"),
    # item 7: output over many cells, widget buffers, a huge notebook, a notebook that sleeps
    Student("prints_60_cells", "output limit"),
    Student("comm_buffers", "output limit"),
    Student("huge_notebook", "rejected submission"),
    Student("sleeps", "timeout, kernel died", frozenset({"softmax_check", "one_hot_check"})),
    # item 9: script in feedback, kernel.json, tampered metadata, malformed output
    Student("xss", "ok"),
    Student("appends_kernel_json", "ok"),
    Student("tampered", "tampered notebook"),
    Student("malformed_output", "malformed output", frozenset({"softmax_check", "one_hot_check"})),
]
#: Folder names that are not acceptable student ids (item 9): each gets "rejected submission".
BAD_IDS = ["+1+2", "@x", "b\u043eb", "esc\x1b[31mred"]
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


# --- issue 17, item 3: ways to score without answering ------------------------------------------
CHEATS = {
    "cheat_patch_checks": """\
import nlpcourse.check as c
for name in ["check_tensor", "check_scalar", "check_equal", "check_raises", "check_true"]:
    setattr(c, name, lambda *args, **kwargs: None)""",
    "cheat_fake_module": """\
import sys, types
fake = types.ModuleType("nlpcourse.check")
for name in ["check_tensor", "check_scalar", "check_equal", "check_raises", "check_true", "passed"]:
    setattr(fake, name, lambda *args, **kwargs: None)
sys.modules["nlpcourse.check"] = fake""",
    "cheat_input_transformer": """\
ip = get_ipython()
ip.input_transformers_post.append(lambda lines: ["pass\\n"])""",
    "cheat_ast_transformer": """\
import ast
class Swallow(ast.NodeTransformer):
    def visit_Module(self, node):
        handler = ast.ExceptHandler(type=ast.Name("BaseException", ast.Load()), name=None, body=[ast.Pass()])
        wrapped = ast.Try(body=node.body or [ast.Pass()], handlers=[handler], orelse=[], finalbody=[])
        return ast.fix_missing_locations(ast.Module(body=[wrapped], type_ignores=[]))
get_ipython().ast_transformers.append(Swallow())
def make_grid(rows, cols): raise NotImplementedError
""",
    "cheat_patch_isclose": """\
import torch
torch.isclose = lambda a, b, **kwargs: torch.ones_like(b, dtype=torch.bool)
def make_grid(rows, cols): return torch.zeros(rows, cols)
def normalize_rows(x): return torch.zeros_like(x)
def softmax(x): return torch.zeros_like(x)
def one_hot(ids, vocab_size):
    if (ids < 0).any() or (ids >= vocab_size).any(): raise ValueError("out of range")
    return torch.zeros(len(ids), vocab_size)""",
    "cheat_custom_exc": """\
from IPython.core.interactiveshell import ExecutionResult
ExecutionResult.success = property(lambda self: True)
get_ipython().set_custom_exc((BaseException,), lambda shell, etype, value, tb, tb_offset=None: None)""",
    "cheat_later_patch": """\
import threading, time
import nlpcourse.check as c
def later():
    time.sleep(0.5)
    for name in ["check_tensor", "check_raises", "passed"]:
        setattr(c, name, lambda *args, **kwargs: None)
class Bomb:
    def __del__(self):
        later()
threading.Thread(target=later, daemon=True).start()
bomb = Bomb(); del bomb
import torch
def make_grid(rows, cols): return torch.zeros(rows, cols)
def normalize_rows(x): return x
def softmax(x): return x
def one_hot(ids, vocab_size): return torch.zeros(len(ids), vocab_size)
time.sleep(1)""",
    "cheat_tensor_subclass": """\
import sys
import torch
class Answer(torch.Tensor):
    def detach(self):  # hand the check whatever the caller expects
        frame = sys._getframe(1)
        for value in frame.f_locals.values():
            if isinstance(value, torch.Tensor) and type(value) is not Answer and value.shape == self.shape:
                return value
        return torch.Tensor.detach(self)
def _answer(shape):
    return torch.zeros(shape).as_subclass(Answer)
def make_grid(rows, cols): return _answer((rows, cols))
def normalize_rows(x): return _answer(x.shape)
def softmax(x): return _answer(x.shape)
def one_hot(ids, vocab_size):
    if (ids < 0).any() or (ids >= vocab_size).any(): raise ValueError("out of range")
    return _answer((len(ids), vocab_size))""",
    "cheat_forged_records": """\
from IPython.display import publish_display_data
import nlpcourse.check as c
import torch
def forge(name, got, expected=None, **kwargs):  # send a record of the expected value as the answer
    data = c._encode(expected) if expected is not ... else c._encode(torch.zeros(1))
    publish_display_data({c.RECORD_MIME: {"kind": "tensor", "name": name, "got": data, "params": {}}})
c.check_tensor = forge
c.check_raises = lambda *args, **kwargs: None""",
}
PARTIAL_CREDIT = """\
import nlpcourse.check as c
c.passed = lambda message: 1e9  # the check cell's last value: nbgrader reads it as points
def softmax(x):
    return x.exp() / x.exp().sum()"""
MEMFD = """\
import os
files = []
for _ in range(192):  # 192 x 32 MiB = 6 GiB of shared memory, no resident memory of its own
    fd = os.memfd_create("x")
    os.ftruncate(fd, 32 * 2**20)
    with open(fd, "wb", closefd=False) as f:
        f.write(b"x" * (32 * 2**20))
    files.append(fd)
print("held", len(files))"""
COMM = """\
from ipykernel.comm import Comm
comm = Comm(target_name="nlpcourse.test")
block = b"x" * 2**20
for _ in range(24):  # 24 MiB, past the 16 MiB output budget of a notebook
    comm.send(data={"method": "custom"}, buffers=[block])"""
SLEEP = "import time\ntime.sleep(50)"  # under the cell timeout; 4 of them pass the notebook's
XSS_MARKDOWN = 'Shift. <script>alert("xss-script")</script><img src=x onerror="alert(1)">'
XSS_OUTPUT = """\
from IPython.display import HTML, Javascript, display
display(HTML('<img src=y onerror="alert(2)"><script>alert("xss-output")</script>'))
display(Javascript('alert("xss-js")'))"""
KERNEL_JSON = """\
import sys
path = sys.argv[sys.argv.index("-f") + 1]
try:
    with open(path, "a") as f:
        f.write("appended")
    print("APPENDED", path)
except OSError as error:
    print("DENIED", type(error).__name__)"""
MALFORMED = """\
kernel = get_ipython().kernel
kernel.session.send(kernel.iopub_socket, "stream", {"name": "stdout"}, parent=kernel.get_parent(),
                    ident=b"stream.stdout")"""


def reader(paths: list[Path]) -> str:
    return "\n".join(
        [
            "import os",
            f"for path in {[str(p) for p in paths]!r}:",
            "    try:",
            "        print('READ', path, len(open(path, 'rb').read()))",
            "    except OSError as error:",
            "        print('DENIED', path, type(error).__name__)",
            "print('UID', os.getuid())",
        ]
    )


def connector(port: int) -> str:
    return "\n".join(
        [
            "import socket",
            f"for host, port in [('127.0.0.1', {port}), ('1.1.1.1', 80), ('pypi.org', 443)]:",
            "    try:",
            "        socket.create_connection((host, port), timeout=3).close()",
            "        print('CONNECTED', host)",
            "    except OSError as error:",
            "        print('BLOCKED', host, type(error).__name__)",
        ]
    )


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
    secrets = [
        root / "solutions" / CHAPTER / f"{CHAPTER}.ipynb",
        root / "gradebook.db",
        root / "nbgrader_config.py",
        out / "solution" / f"{CHAPTER}.ipynb",
        Path("/etc/shadow"),
    ]
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
    blank = course.release
    for name, cheat in CHEATS.items():
        notebooks[name] = _with_cell(blank, cheat)
    notebooks["partial_credit"] = _answer(solved, "softmax", PARTIAL_CREDIT)
    notebooks["memfd_6gb"] = _with_cell(solved, MEMFD)
    printing = copy.deepcopy(solved)
    for _ in range(60):  # 60 cells of 2 MiB each, each under the per-cell limit
        printing.cells.append(nbformat.v4.new_code_cell('print("x" * (2 * 2**20 - 100))'))
    notebooks["prints_60_cells"] = printing
    notebooks["comm_buffers"] = _with_cell(solved, COMM)
    sleeper = copy.deepcopy(solved)
    index = next(
        i for i, c in enumerate(sleeper.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "softmax"
    )
    for _ in range(4):  # 200 s in all, each cell under the cell timeout
        sleeper.cells.insert(index, nbformat.v4.new_code_cell(SLEEP))
    notebooks["sleeps"] = sleeper
    xss = _with_cell(solved, XSS_OUTPUT)
    cells_by_id(xss)["softmax_shift"].source = XSS_MARKDOWN
    notebooks["xss"] = xss
    notebooks["appends_kernel_json"] = _with_cell(solved, KERNEL_JSON)
    tampered = copy.deepcopy(solved)
    cells_by_id(tampered)["softmax_check"].metadata.nbgrader["points"] = "lots"
    notebooks["tampered"] = tampered
    notebooks["malformed_output"] = _answer(solved, "softmax", MALFORMED)
    for name, nb in notebooks.items():
        path = out / name / f"{CHAPTER}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
    (out / "late" / "timestamp.txt").write_text("2025-01-02 09:30:00")
    # item 6: links, as a git clone or a tar file brings them
    (out / "link_to_solution").mkdir()
    source = root / "solutions" / CHAPTER / f"{CHAPTER}.ipynb"
    (out / "link_to_solution" / f"{CHAPTER}.ipynb").symlink_to(source)
    (out / "link_to_other").mkdir()
    (out / "link_to_other" / f"{CHAPTER}.ipynb").symlink_to(out / "solution" / f"{CHAPTER}.ipynb")
    (out / "link_chapter").mkdir()
    (out / "link_chapter" / CHAPTER).symlink_to(root / "solutions" / CHAPTER)
    (out / "link_to_shadow").mkdir()
    nbformat.write(solved, out / "link_to_shadow" / f"{CHAPTER}.ipynb")
    (out / "link_to_shadow" / "notes.txt").symlink_to("/etc/shadow")
    (out / "link_to_shadow" / "env.txt").symlink_to("/proc/self/environ")
    # item 7: a notebook past the size limit (32 MiB): one big markdown cell
    huge = copy.deepcopy(solved)
    huge.cells.append(nbformat.v4.new_markdown_cell("x" * (40 * 2**20)))
    (out / "huge_notebook").mkdir()
    nbformat.write(huge, out / "huge_notebook" / f"{CHAPTER}.ipynb")
    # item 9: ids that are not plain ASCII names
    for name in BAD_IDS:
        (out / name).mkdir()
        nbformat.write(solved, out / name / f"{CHAPTER}.ipynb")
    # item 2: an LMS-style file among student folders claims "solution": never read as an LMS download
    nbformat.write(course.release, out / f"{CHAPTER}_solution_attempt_2030-01-01-00-00-00_{CHAPTER}.ipynb")
    (out / "corrupt").mkdir()
    (out / "corrupt" / f"{CHAPTER}.ipynb").write_text("this is not a notebook: {\n")
    (out / "wrong_name").mkdir()
    nbformat.write(solved, out / "wrong_name" / "welcome.ipynb")


def grade(course: Class, submissions: Path) -> subprocess.CompletedProcess[str]:
    command = [
        str(BIN / "nlpcourse"),
        "grade",
        CHAPTER,
        str(submissions),
        "--course",
        str(course.root),
        "--timeout",
        str(TIMEOUT_S),
        "--notebook-timeout",
        str(NOTEBOOK_TIMEOUT_S),
    ]
    return subprocess.run(
        command, cwd=course.root, env=course.env, capture_output=True, text=True, timeout=2700, check=False
    )


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
    return Class(
        root,
        tmp_path_factory.mktemp("submissions"),
        env,
        nbformat.read(root / "solutions" / CHAPTER / name, as_version=4),
        nbformat.read(root / "notebooks" / CHAPTER / name, as_version=4),
        {},
    )


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
    return "\n".join(
        out.get("text", "") if kind == "stream" else f"{out.get('ename')}: {out.get('evalue')}"
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.output_type == kind
    )


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
    ungraded = [s for s in STUDENTS if not s.graded]
    count = len(ungraded) + len(BAD_IDS)
    assert line.startswith(f"could not grade {count} submission(s): "), run.stderr[-3000:]
    for student in STUDENTS:
        listed = any(f"{student.name} ({o})" in line for o in (student.outcome, *student.also))
        assert listed is not student.graded, (student, line)
    for student in BY_NAME:
        assert f"\n{student} " in run.stdout, f"{student} missing from the summary table:\n{run.stdout}"


@pytest.mark.parametrize("student", STUDENTS, ids=lambda s: s.name)
def test_each_submission_gets_its_own_outcome(course, run, student: Student):
    result = results(course)[student.name]
    assert student.gets(", ".join(result["reasons"]) or "ok"), result
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
    assert set(rows) == set(BY_NAME) | set(BAD_IDS)
    for name, student in BY_NAME.items():
        row = rows[name]
        assert student.gets(row["status"]), row
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
    source = cells_by_id(course.solutions)["make_grid_check"].source
    shown = re.search(r'passed\("([^"]+)"\)', source).group(1)
    assert shown in text, "the visible check output is missing from the feedback"
    # a check cell that scored 0 never says it passed (the kernel cannot tell: the grader decides)
    for student in (s.name for s in STUDENTS if s.graded):
        for cell in cells_by_id(autograded(course, student), is_check_cell).values():
            if any(out.output_type == "error" for out in cell.outputs):
                shown = [out for out in cell.outputs if "✔" in str(out.get("text", ""))]
                assert not shown, (student, cell.outputs)


# --- a second run from an LMS zip ---------------------------------------------------------------


@pytest.fixture(scope="module")
def rerun(course: Class, run, tmp_path_factory):
    before = gradebook_scores(course)
    folder = tmp_path_factory.mktemp("lms")
    archive = folder / "download.zip"
    stamp = "2024-12-30-10-00-00"
    solved = nbformat.writes(with_solutions(course.release, course.solutions))
    with zipfile.ZipFile(archive, "w") as z:  # nbgrader's zip_collect example file names
        z.writestr(f"{CHAPTER}_solution_attempt_{stamp}_{CHAPTER}.ipynb", "{ broken")
        z.writestr(f"{CHAPTER}_blank_attempt_{stamp}_{CHAPTER}.ipynb", nbformat.writes(course.release))
        # item 2: mallory's upload is named like an upload of blank's, later: it stays mallory's
        z.writestr(
            f"{CHAPTER}_mallory_attempt_{stamp}_x_blank_attempt_2024-12-31-23-59-00_{CHAPTER}.ipynb", solved
        )
        for hour in ("10", "11"):  # two uploads claim the same student
            z.writestr(f"{CHAPTER}_dup_attempt_2024-12-30-{hour}-00-00_{CHAPTER}.ipynb", solved)
        z.writestr(f"{CHAPTER}_setuid_attempt_{stamp}_{CHAPTER}.zip", _nested_setuid())
        z.writestr(
            f"{CHAPTER}_traversal_attempt_{stamp}_{CHAPTER}.zip", _nested({"../../escaped.ipynb": solved})
        )
        z.writestr(
            f"{CHAPTER}_zipbomb_attempt_{stamp}_{CHAPTER}.zip",
            _nested({f"{CHAPTER}.ipynb": solved, "padding.bin": b"\0" * (300 * 2**20)}),
        )
        z.writestr(f"{CHAPTER}_nested_attempt_{stamp}_{CHAPTER}.zip", _nested({f"{CHAPTER}.ipynb": solved}))
    return before, grade(course, archive)


#: Students of the LMS zip beyond the first run's, and their outcome (items 1, 2, 4, 7).
LMS_ATTACKS = {
    "mallory": "missing notebook",
    "dup": "rejected submission",
    "setuid": "corrupt notebook",
    "traversal": "rejected submission",
    "zipbomb": "rejected submission",
    "nested": "ok",
}


def _nested(files: dict[str, str | bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return out.getvalue()


def _nested_setuid() -> bytes:
    """A student's own zip holding a copy of /usr/bin/id named like the notebook, mode 04755."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        info = zipfile.ZipInfo(f"{CHAPTER}.ipynb")
        info.external_attr = (stat.S_IFREG | stat.S_ISUID | 0o755) << 16
        z.writestr(info, Path("/usr/bin/id").read_bytes())
    return out.getvalue()


def test_lms_attacks_fail_for_their_uploader_only(course, rerun):
    _, second = rerun
    data = results(course)
    for student, outcome in LMS_ATTACKS.items():
        assert (", ".join(data[student]["reasons"]) or "ok") == outcome, (student, data[student])
    assert "x_blank_attempt" in data["mallory"]["detail"], data["mallory"]
    assert data["blank"]["score"] == 0.0, "mallory's upload became blank's submission"
    assert "2 uploads claim to be dup's" in data["dup"]["detail"], data["dup"]
    assert "unsafe path" in data["traversal"]["detail"], data["traversal"]
    assert "MiB limit" in data["zipbomb"]["detail"], data["zipbomb"]
    assert data["nested"]["score"] == 5.0, data["nested"]
    copied = course.root / "submitted" / "setuid" / CHAPTER / f"{CHAPTER}.ipynb"
    mode = copied.stat().st_mode
    assert not mode & (stat.S_ISUID | stat.S_ISGID | 0o111), oct(mode)
    assert copied.stat().st_uid == os.geteuid()
    assert not (course.root.parent / "escaped.ipynb").exists()


def test_regrading_keeps_earlier_grades(course, rerun):
    before, second = rerun
    assert second.returncode == 1, second.stderr[-3000:]
    assert "solution (corrupt notebook)" in second.stderr
    assert gradebook_scores(course) == before, "a re-run changed the gradebook"
    result = results(course)["solution"]
    assert result["reasons"] == ["corrupt notebook"] and result["kept_score"] == 5.0, result
    assert "the earlier grade (5) is kept" in result["detail"]
    assert results(course)["blank"]["reasons"] == []
    assert set(results(course)) == set(BY_NAME) | set(BAD_IDS) | set(LMS_ATTACKS)
    with open(course.root / "grades" / f"{CHAPTER}.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert float(rows["solution"]["score"]) == 5.0 and rows["solution"]["status"] == "corrupt notebook"
    assert set(rows) == set(BY_NAME) | set(BAD_IDS) | set(LMS_ATTACKS)


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


# --- issue 17: each attack of the security review ----------------------------------------------------


@pytest.mark.parametrize("cheat", sorted(CHEATS))
def test_cheats_score_no_more_than_a_blank_notebook_and_are_flagged(course, run, cheat):
    data = results(course)
    assert data[cheat]["score"] == data["blank"]["score"] == 0.0, data[cheat]
    assert data[cheat]["flags"], f"{cheat} was not flagged for review: {data[cheat]}"
    assert data["blank"]["flags"] == [] and data["solution"]["flags"] == [], (data["blank"], data["solution"])
    with open(course.root / "grades" / f"{CHAPTER}.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert rows[cheat]["flags"] and float(rows[cheat]["score"]) == 0.0, rows[cheat]
    assert f"{cheat} (" in run.stderr.split("grading machinery:")[1].splitlines()[0], run.stderr[-2000:]


def test_partial_credit_claim_is_not_read_as_points(course, run):
    data = results(course)["partial_credit"]
    assert data["reasons"] == [] and data["score"] == 3.0, data
    nb = autograded(course, "partial_credit")
    for cell in nb.cells:
        assert all(
            out.output_type != "execute_result"
            for out in cell.get("outputs", [])
            if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code"
        )


def test_memfd_memory_is_counted(course, run):
    detail = results(course)["memfd_6gb"]["detail"]
    assert "GiB of memory together, over the 4 GiB memory limit" in detail, detail


def test_links_are_refused_by_name_and_never_copied(course, run):
    data = results(course)
    for student in ("link_to_solution", "link_to_other", "link_chapter", "link_to_shadow"):
        assert "symbolic link" in data[student]["detail"], data[student]
        assert data[student]["score"] is None
    assert not (course.root / "submitted" / "link_to_shadow").exists()
    text = (course.root / "grades" / f"{CHAPTER}.csv").read_text()
    assert "root:" not in text and "PATH=" not in text


def test_output_is_bounded_per_notebook(course, run):
    for student in ("prints_60_cells", "comm_buffers"):
        path = course.root / "autograded" / student / CHAPTER / f"{CHAPTER}.ipynb"
        assert path.stat().st_size < 24 * 2**20, (student, path.stat().st_size)
        feedback = course.root / "feedback" / student / CHAPTER / f"{CHAPTER}.html"
        assert feedback.stat().st_size < 48 * 2**20, (student, feedback.stat().st_size)
        assert "MiB" in results(course)[student]["detail"], results(course)[student]


def test_huge_notebook_is_refused_before_reading(course, run):
    assert "MiB limit" in results(course)["huge_notebook"]["detail"], results(course)["huge_notebook"]


def test_notebook_wall_clock_limit(course, run):
    data = results(course)["sleeps"]
    assert f"ran past its {NOTEBOOK_TIMEOUT_S} s time limit" in data["detail"], data
    assert data["seconds"] < NOTEBOOK_TIMEOUT_S + 30, data


def test_feedback_html_is_sanitised(course, run):
    page = (course.root / "feedback" / "xss" / CHAPTER / f"{CHAPTER}.html").read_text()
    assert "xss-output" in page or "Shift." in page, "the student's content is not in the page at all"
    assert not re.search(r"<script[^>]*>\s*alert", page), "a student's script reached the feedback"
    assert not re.search(r"<[a-z]+[^>]*\sonerror\s*=", page, re.I), "an onerror handler reached the feedback"
    assert 'alert("xss-js")' not in page.replace("&quot;", '"') or "application/javascript" not in page


def test_kernel_cannot_write_its_connection_file_after_lock(course, run):
    text = outputs(autograded(course, "appends_kernel_json"))
    if os.geteuid() == 0:
        assert "DENIED" in text and "APPENDED" not in text, text


def test_tampered_and_malformed_are_named(course, run):
    data = results(course)
    assert data["tampered"]["reasons"] == ["tampered notebook"], data["tampered"]
    assert "metadata" in data["tampered"]["detail"]
    assert "malformed" in data["malformed_output"]["detail"], data["malformed_output"]


def test_bad_ids_are_refused_and_printed_escaped(course, run):
    data = results(course)
    for name in BAD_IDS:
        assert data[name]["reasons"] == ["rejected submission"], data[name]
        assert "invalid student id" in data[name]["detail"]
    assert "\x1b" not in run.stdout and "\x1b" not in run.stderr
    assert "esc\\x1b[31mred" in run.stdout


# --- issue 14, item 3: honest grades, manual grading, re-export --------------------------------------


def test_grades_separate_automatic_and_pending_manual_points(course, run):
    data = results(course)["deleted_tests"]  # the solution's answers ("solution" is re-graded later)
    parts = (data["auto_score"], data["auto_max"], data["manual_pending"], data["max_score"])
    assert parts == (5.0, 5.0, 2.0, 7.0), data
    blank = results(course)["blank"]
    assert (blank["auto_score"], blank["manual_pending"], blank["manual_score"]) == (0.0, 0.0, 0.0), blank
    page = html_text((course.root / "feedback" / "deleted_tests" / CHAPTER / f"{CHAPTER}.html").read_text())
    assert "awaiting grading (2.0 points)" in page and "2 points of written answers awaiting grading" in page
    assert "Score: 0.0 / 2.0" not in page
    assert "\nsolution " in run.stdout and re.search(r"\nsolution\s+5 / 5\s+0\s+2\s+5 / 7", run.stdout)


def test_manual_grades_then_export_gives_the_totals(course, run, rerun):
    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gb:
        for student, points in (("deleted_tests", 2.0), ("late", 1.5)):
            grade_ = gb.find_grade("softmax_shift", CHAPTER, CHAPTER, student)
            grade_.manual_score = points
            grade_.needs_manual_grade = False  # what Formgrader does when a grader enters points
            gb.db.commit()
    command = [str(BIN / "nlpcourse"), "grade", CHAPTER, "--export", "--course", str(course.root)]
    done = subprocess.run(
        command, cwd=course.root, env=course.env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    with open(course.root / "grades" / f"{CHAPTER}.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    full = rows["deleted_tests"]
    parts = (float(full["score"]), float(full["manual_score"]), float(full["manual_pending"]))
    assert parts == (7.0, 2.0, 0.0), full
    late = rows["late"]
    penalty = float(late["late_submission_penalty"])
    assert float(late["raw_score"]) == 6.5 and float(late["score"]) == 6.5 - penalty, late
    assert float(rows["infinite_loop"]["manual_pending"]) == 2.0
    assert results(course)["deleted_tests"]["score"] == 7.0


# --- issue 17 item 8 and issue 14 item 9: a fresh course, one worker, no venv on PATH ----------------

HOLDS = """\
import os, time
print("UID", os.getuid())
children = 0
try:
    for _ in range(2000):
        if os.fork() == 0:
            time.sleep(300)
            os._exit(0)
        children += 1
except OSError as error:
    print("fork stopped after", children, type(error).__name__)"""


@pytest.fixture(scope="module")
def fresh(course: Class, tmp_path_factory):
    """A course never released (no gradebook), graded by the script's full path without the
    virtualenv on PATH, one worker: a student leaving ~250 processes behind, then an honest one."""
    root = tmp_path_factory.mktemp("fresh")
    (root / "solutions").mkdir()
    (root / "nbgrader_config.py").write_text((course.root / "nbgrader_config.py").read_text())
    shutil.copytree(course.root / "solutions" / CHAPTER, root / "solutions" / CHAPTER)
    subs = tmp_path_factory.mktemp("fresh-subs")
    solved = with_solutions(course.release, course.solutions)
    honest = _with_cell(solved, 'import os\nprint("UID", os.getuid())')
    for name, nb in (("a_holds", _with_cell(solved, HOLDS)), ("b_honest", honest)):
        (subs / name).mkdir()
        nbformat.write(nb, subs / name / f"{CHAPTER}.ipynb")
    env = {k: v for k, v in course.env.items() if k not in ("VIRTUAL_ENV",)}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
    command = [
        str(BIN / "nlpcourse"),
        "grade",
        CHAPTER,
        str(subs),
        "--course",
        str(root),
        "--workers",
        "1",
        "--timeout",
        str(TIMEOUT_S),
        "--quiet",
    ]
    done = subprocess.run(
        command, cwd=root, env=env, capture_output=True, text=True, timeout=1800, check=False
    )
    return root, done


def test_fresh_course_is_released_and_graded_without_venv_on_path(fresh):
    root, done = fresh
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert "alembic" not in done.stderr
    graded = json.loads((root / "grades" / f"{CHAPTER}.json").read_text())["students"]
    data = {r["student"]: r for r in graded}
    assert data["b_honest"]["reasons"] == [] and data["b_honest"]["score"] == 5.0, data["b_honest"]


def test_each_sandbox_has_a_fresh_uid(fresh):
    root, _ = fresh
    uids = {}
    for student in ("a_holds", "b_honest"):
        nb = nbformat.read(root / "autograded" / student / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
        text = outputs(nb)
        uids[student] = int(text.split("UID ")[1].split()[0])
        if student == "a_holds":
            assert "fork stopped after" in text, text
    if os.geteuid() == 0:
        assert uids["a_holds"] != uids["b_honest"], uids
        assert not any(65100 <= u < 65300 for u in uids.values()), uids
