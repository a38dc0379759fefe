"""Benchmark grading a class: ``nlpcourse grade`` against plain serial ``nbgrader autograde``.

    python benchmarks/grading.py             # 40 submissions of 00_welcome
    python benchmarks/grading.py --quick     # 6 submissions, a smoke test of a minute

Both graders get the same 40 fabricated submissions (solutions, blank releases and one wrong
answer, in turn) in their own throw-away copy of the course, on the same machine in the same run,
and are timed wall-clock from the command's start to its exit:

* ``nbgrader autograde``: nbgrader 0.9's own command, one submission after the other, kernels
  unsandboxed (what an instructor runs today);
* ``nlpcourse grade``: the same nbgrader preprocessors and gradebook, kernels sandboxed
  (bubblewrap, setpriv, prlimit, a fresh uid and a memory + pids cgroup per kernel when run as root),
  one worker per core and one more when memory allows (``default_workers``), with everything a
  hostile class needs switched on: the instructor's solution runs once more to give the golden
  records, every check is decided in the grader from the student's records, submissions are
  reviewed statically; it also writes the HTML feedback and the CSV, so the table shows nbgrader
  with ``generate_feedback`` and ``export`` too.

The ratio is nbgrader's seconds over ours (> 1: ours is faster). Both must agree on every score.
"""

from __future__ import annotations

import argparse
import copy
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def env_for(scratch: Path) -> dict[str, str]:
    """The venv first on PATH (nbgrader runs alembic) and empty user-level Jupyter configuration."""
    env = os.environ.copy()
    env.pop("NBGRADER_EXECUTION", None)
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        MPLBACKEND="Agg",
        JUPYTER_CONFIG_DIR=str(scratch / "jupyter"),
        IPYTHONDIR=str(scratch / "ipython"),
        MPLCONFIGDIR=str(scratch / "matplotlib"),
        HF_HUB_OFFLINE="1",
        HF_DATASETS_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    return env


def run(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Seconds ``command`` took; exits with its output if it failed."""
    start = time.perf_counter()
    result = subprocess.run(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
    )
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(command[:3])} exited {result.returncode}:\n{result.stdout[-3000:]}")
    return seconds


def make_course(chapter: str, root: Path, env: dict[str, str]) -> None:
    root.mkdir(parents=True)
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(REPO / "solutions" / chapter, root / "solutions" / chapter)
    run([str(BIN / "nbgrader"), "generate_assignment", chapter, "--force"], root, env)


def fabricate(chapter: str, course: Path, out: Path, count: int) -> None:
    """``count`` submissions in ``out/<student>/<chapter>/``: solution, blank, one wrong answer."""
    solution = nbformat.read(course / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
    release = nbformat.read(course / "notebooks" / chapter / f"{chapter}.ipynb", as_version=4)
    answers = {
        c.metadata.nbgrader["grade_id"]: c.source
        for c in solution.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    for i in range(count):
        nb = copy.deepcopy(release)
        kind = ("solution", "blank", "one_wrong")[i % 3]
        answered = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
        if kind != "blank":
            for cell in answered:
                cell.source = answers[cell.metadata.nbgrader["grade_id"]]
        if kind == "one_wrong":
            code = [c for c in answered if c.cell_type == "code"]
            code[0].source = code[0].source.replace("return ", "return 0 * ", 1)
        path = out / f"student{i:02d}_{kind}" / chapter / f"{chapter}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)


def scores(course: Path, chapter: str) -> dict[str, float]:
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {s.student.id: round(s.score, 6) for s in gb.find_assignment(chapter).submissions}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapter", default="00_welcome")
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--workers", type=int, default=None, help="nlpcourse grade --workers")
    parser.add_argument("--quick", action="store_true", help="6 students: a smoke test")
    args = parser.parse_args(argv)
    count = 6 if args.quick else args.students
    load_before = os.getloadavg()[0]

    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        tmp = Path(tmp)
        env = env_for(tmp / "config")
        ours, theirs = tmp / "nlpcourse", tmp / "nbgrader"
        make_course(args.chapter, theirs, env)
        fabricate(args.chapter, theirs, theirs / "submitted", count)
        shutil.copytree(theirs, ours)

        nb_autograde = run([str(BIN / "nbgrader"), "autograde", args.chapter, "--create"], theirs, env)
        nb_rest = run([str(BIN / "nbgrader"), "generate_feedback", args.chapter], theirs, env)
        nb_rest += run([str(BIN / "nbgrader"), "export", "--to", str(tmp / "nbgrader.csv")], theirs, env)
        command = [
            str(BIN / "nlpcourse"),
            "grade",
            args.chapter,
            str(ours / "submitted"),
            "--course",
            str(ours),
            "--quiet",
        ]
        if args.workers:
            command += ["--workers", str(args.workers)]
        grade = run(command, ours, env)

        ours_scores, theirs_scores = scores(ours, args.chapter), scores(theirs, args.chapter)
        if ours_scores != theirs_scores:
            sys.exit(f"the graders disagree:\n nbgrader {theirs_scores}\n nlpcourse {ours_scores}")
        with open(ours / "grades" / f"{args.chapter}.csv", newline="") as f:
            statuses = {row["status"] for row in csv.DictReader(f)}

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    from nlpcourse.grading import default_workers

    workers = args.workers or default_workers()
    print(
        f"{count} submissions of {args.chapter}, {cores} cores, nlpcourse grade with {workers} workers; "
        f"scores agree; statuses {sorted(statuses)}"
    )
    print(
        f"load average (1 min) before: {load_before:.1f}, after: {os.getloadavg()[0]:.1f} "
        "(other work on the machine slows both graders)"
    )
    print(f"{'grader':<52} {'seconds':>8} {'s/student':>10} {'x ours':>7}")
    rows = [
        ("nbgrader autograde (serial, no sandbox)", nb_autograde),
        ("nbgrader autograde + generate_feedback + export", nb_autograde + nb_rest),
        ("nlpcourse grade (parallel, sandboxed, feedback, CSV)", grade),
    ]
    for name, seconds in rows:
        print(f"{name:<52} {seconds:>8.1f} {seconds / count:>10.2f} {seconds / grade:>7.2f}")
    print(f"ratio nbgrader autograde / nlpcourse grade: {nb_autograde / grade:.2f}x")
    print(f"ratio: {nb_autograde / grade:.2f} (ours vs serial nbgrader autograde, higher is better)")


if __name__ == "__main__":
    main()
