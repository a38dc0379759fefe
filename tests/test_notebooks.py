"""Every chapter notebook, in both editions (English and Chinese): runs in fast mode with all checks
passing, is released in sync, gives no free points, and rejects plausible wrong answers with a worded
message (in Chinese in the Chinese edition)."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from conftest import CHAPTERS, ROOT
from wrong_answers import VISIBLE_ANSWERS, WRONG_ANSWERS

pytestmark = pytest.mark.slow

MIN_AUTOGRADED = {"00_welcome": 3}  # the welcome chapter is small; every other chapter has >= 4


def _grade_cells(nb, kind: str) -> list:
    cells = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if kind == "autograded" and meta.get("grade") and cell.cell_type == "code":
            cells.append(cell)
        elif kind == "solution" and meta.get("solution") and cell.cell_type == "code":
            cells.append(cell)
        elif (
            kind == "written" and meta.get("grade") and meta.get("solution") and cell.cell_type == "markdown"
        ):
            cells.append(cell)
    return cells


def _source(chapter: str):
    return nbformat.read(ROOT / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_source_notebook_conventions(chapter):
    nb = _source(chapter)
    code = [c for c in nb.cells if c.cell_type == "code"]
    with_outputs = [i for i, c in enumerate(code) if c.outputs or c.execution_count]
    assert not with_outputs, f"{chapter}: code cells {with_outputs} have outputs: strip them"
    first = code[0]
    assert "parameters" in first.metadata.get("tags", []), f"{chapter}: first code cell not tagged"
    assert "FAST" in first.source and "SEED" in first.source, f"{chapter}: parameters lack FAST/SEED"
    autograded = _grade_cells(nb, "autograded")
    assert len(autograded) >= MIN_AUTOGRADED.get(chapter, 4), f"{chapter}: too few exercises"
    if chapter != "00_welcome":
        assert _grade_cells(nb, "written"), f"{chapter}: no written question"
    for cell in autograded:
        assert "### BEGIN HIDDEN TESTS" in cell.source, f"{cell.metadata.nbgrader.grade_id}: no hidden"
        assert "assert " not in cell.source, (
            f"{cell.metadata.nbgrader.grade_id}: use nlpcourse.check, not a bare assert"
        )
    slides = [c for c in nb.cells if c.metadata.get("slideshow", {}).get("slide_type") == "slide"]
    assert len(slides) >= 3, f"{chapter}: mark sections as slides"


CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("edition", ["en"])
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_fast_mode_runs_and_all_checks_pass(chapter, edition, tmp_path):
    """papermill runs the solution notebook (hidden checks included) without an error or stderr
    output in a graded cell (nbgrader would score stderr as a failure); the Chinese edition also
    draws its figures without a missing glyph (matplotlib warns of each tofu box).

    In CI only the English edition runs here: the Chinese solution runs in full, every check passing,
    in ``test_checks_reject_wrong_answers[zh]`` (after the wrong answers), and the Chinese release in
    ``test_chinese_release_gives_no_free_points_and_speaks_chinese``; ``nlpcourse course --fast
    --edition zh`` runs it by hand."""
    from nlpcourse.course import run_chapter

    run = run_chapter(chapter, fast=True, out_dir=tmp_path, language=edition)
    assert run.status == "ok", f"{chapter} ({edition}) failed in fast mode: {run.status}"
    print(f"{chapter} ({edition}): fast mode {run.seconds:.1f} s")
    executed = nbformat.read(run.output, as_version=4)
    if edition == "zh":
        tofu = [
            o.text[:200]
            for c in executed.cells
            if c.cell_type == "code"
            for o in c.outputs
            if o.output_type == "stream" and "missing from" in o.text and "Glyph" in o.text
        ]
        assert not tofu, f"a figure of the Chinese edition lacks glyphs: {tofu[0]}"
    for cell in _grade_cells(executed, "autograded"):
        grade_id = cell.metadata.nbgrader.grade_id
        stderr = [o for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"]
        assert not stderr, f"{grade_id} wrote to stderr: {stderr[0].text[:300]}"
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        assert "✔" in text, f"{grade_id} printed no confirmation: {text[:200]!r}"
    widget_outputs = [
        o
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    for output in widget_outputs:
        if re.search(r"\d+%\|", output.data.get("text/plain", "")):
            continue  # a tqdm progress bar: text is its fallback
        assert "image/png" in output.data, "a widget without a static fallback picture"


def _generate_release(tmp_path: Path, chapters: list[str]) -> Path:
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    for chapter in chapters:
        shutil.copytree(
            ROOT / "solutions" / chapter,
            course / "solutions" / chapter,
            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
        )
        result = subprocess.run(
            [sys.executable, "-m", "nbgrader", "generate_assignment", chapter, "--force"],
            cwd=course,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-3000:]
    return course / "notebooks"


def test_release_is_in_sync(tmp_path):
    """notebooks/ equals what `nbgrader generate_assignment` produces from solutions/ now."""
    fresh = _generate_release(tmp_path, CHAPTERS)
    committed = ROOT / "notebooks"
    fresh_files = sorted(p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file())
    committed_files = sorted(
        p.relative_to(committed)
        for p in committed.rglob("*")
        if p.is_file()
        and ".ipynb_checkpoints" not in p.parts
        and p.relative_to(committed).parts[0] != "zh"  # the Chinese edition: tests/test_editions.py
    )
    assert fresh_files == committed_files, "notebooks/ has other files than a release: make release"
    for rel in fresh_files:
        a, b = fresh / rel, committed / rel
        if rel.suffix == ".ipynb":
            assert json.loads(a.read_text()) == json.loads(b.read_text()), (
                f"notebooks/{rel} is stale: run `make release` and commit"
            )
        else:
            assert a.read_bytes() == b.read_bytes(), f"notebooks/{rel} is stale: make release"


def _validate(path: Path, invert: bool = False) -> str:
    """nbgrader validate's output: its exit code is 0 even when checks fail, so read the text."""
    command = [sys.executable, "-m", "nbgrader", "validate", str(path)]
    if invert:
        command.append("--invert")
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT)
    return result.stdout + result.stderr


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_release_gives_no_free_points(chapter):
    """Every check cell fails on the student release, as `nbgrader validate --invert` sees it."""
    release = ROOT / "notebooks" / chapter / f"{chapter}.ipynb"
    output = _validate(release, invert=True)
    assert "Success! The notebook does not pass any tests." in output, output[-3000:]
    nb = nbformat.read(release, as_version=4)
    for cell in _grade_cells(nb, "autograded"):
        assert "BEGIN HIDDEN TESTS" not in cell.source, "hidden tests leaked into the release"
    for cell in _grade_cells(nb, "solution"):
        assert "BEGIN SOLUTION" not in cell.source, "a solution leaked into the release"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chinese_release_gives_no_free_points_and_speaks_chinese(chapter, tmp_path):
    """The Chinese release, run top to bottom as a student's Run All would: every check cell fails
    (no free points) and says so in Chinese ("尚未作答" ...), and its markdown is the translation."""
    from nbclient import NotebookClient

    release = ROOT / "notebooks" / "zh" / chapter / f"{chapter}.ipynb"
    nb = nbformat.read(release, as_version=4)
    assert nb.metadata["nlpcourse"]["language"] == "zh"
    assert all(CJK.search(c.source) for c in nb.cells if c.cell_type == "markdown"), "untranslated cell"
    work = tmp_path / chapter
    work.mkdir()
    nbformat.write(nb, work / f"{chapter}.ipynb")  # the kernel finds the notebook beside it
    env_before = os.environ.pop("NLPCOURSE_LANGUAGE", None)
    os.environ["NLPCOURSE_FAST"] = "1"
    try:
        NotebookClient(
            nb,
            timeout=300,
            kernel_name="python3",
            allow_errors=True,
            resources={"metadata": {"path": str(work)}},
        ).execute()
    finally:
        os.environ.pop("NLPCOURSE_FAST", None)
        if env_before is not None:
            os.environ["NLPCOURSE_LANGUAGE"] = env_before
    tofu = [
        o.text[:200]
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "stream" and "missing from" in o.text and "Glyph" in o.text
    ]
    assert not tofu, f"a figure of the Chinese edition lacks glyphs: {tofu[0]}"
    for cell in _grade_cells(nb, "autograded"):
        errors = [o for o in cell.outputs if o.output_type == "error"]
        grade_id = cell.metadata.nbgrader.grade_id
        assert errors, f"{grade_id}: a check cell of the Chinese release passes without an answer"
        said = errors[0].evalue + "\n".join(errors[0].traceback)
        assert CJK.search(said), f"{grade_id}: not in Chinese: {said[:300]}"


# --- wrong answers -------------------------------------------------------------------------------


class Kernel:
    """A Python kernel driven cell by cell, reporting (status, error name, error text)."""

    def __init__(self, cwd: Path, language: str = "en") -> None:
        from jupyter_client.manager import start_new_kernel

        env = dict(os.environ, NLPCOURSE_FAST="1", NLPCOURSE_LANGUAGE=language)
        self.km, self.kc = start_new_kernel(kernel_name="python3", cwd=str(cwd), env=env)

    def run(self, code: str, timeout: float = 300) -> tuple[str, str, str]:
        msg_id = self.kc.execute(code)
        deadline = time.monotonic() + timeout
        ename, text = "", []
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty as error:
                raise TimeoutError(f"cell did not finish in {timeout} s:\n{code[:300]}") from error
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "error":
                ename = content["ename"]
                text.append(f"{content['ename']}: {content['evalue']}")
            elif kind == "stream":
                text.append(content["text"])
            elif kind == "status" and content["execution_state"] == "idle":
                break
        return ("error" if ename else "ok"), ename, "".join(text)

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


@pytest.mark.parametrize("edition", ["en", "zh"])
@pytest.mark.parametrize("chapter", [c for c in CHAPTERS if c in WRONG_ANSWERS])
def test_checks_reject_wrong_answers(chapter, edition):
    """Each exercise's check cell (hidden part included) fails, with a CheckFailed message, for
    every plausible wrong answer listed in wrong_answers.py, and passes again for the solution.
    The wrong answers listed in VISIBLE are rejected by the visible checks alone, as a student
    sees them before grading. In the Chinese edition every message is in Chinese."""
    from nlpcourse.check import _visible

    nb = _source(chapter)
    wrong = WRONG_ANSWERS[chapter]
    visible = VISIBLE_ANSWERS[chapter]
    solution_ids = {c.metadata.nbgrader.grade_id for c in _grade_cells(nb, "solution")}
    assert set(wrong) == solution_ids, (
        f"{chapter}: wrong answers missing for {sorted(solution_ids - set(wrong))}"
    )
    assert visible is not None, f"tests/wrong_answers for {chapter} defines no VISIBLE"
    assert set(visible) == solution_ids, f"{chapter}: VISIBLE misses {sorted(solution_ids - set(visible))}"
    for grade_id, indices in visible.items():
        assert indices and all(0 <= i < len(wrong[grade_id]) for i in indices), (
            f"{chapter} {grade_id}: VISIBLE needs indices into WRONG[{grade_id!r}], got {indices}"
        )
    kernel = Kernel(ROOT / "solutions" / chapter, language=edition)
    failures = []
    try:
        cells = [c for c in nb.cells if c.cell_type == "code"]
        for index, cell in enumerate(cells):
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("solution"):
                check = cells[index + 1]
                assert check.metadata.get("nbgrader", {}).get("grade"), "check must follow answer"
                for number, attempt in enumerate(wrong[meta["grade_id"]]):
                    status, _, _ = kernel.run(attempt)
                    assert status == "ok", f"wrong answer does not even define: {attempt}"
                    if number in visible[meta["grade_id"]] and edition == "en":
                        status, ename, text = kernel.run(_visible(check.source))
                        if ename != "CheckFailed":
                            failures.append(
                                f"{meta['grade_id']} (visible checks only): "
                                f"{ename or 'passed'} for\n{attempt}\n{text}"
                            )
                    status, ename, text = kernel.run(check.source)
                    if ename != "CheckFailed":
                        failures.append(f"{meta['grade_id']}: {ename or 'passed'} for\n{attempt}\n{text}")
                    elif edition == "zh" and not CJK.search(text):
                        failures.append(f"{meta['grade_id']}: a message not in Chinese: {text[:300]}")
            source = "FAST = True\nSEED = 0" if "parameters" in cell.metadata.get("tags", []) else cell.source
            status, ename, text = kernel.run(source)
            assert status == "ok", f"solution cell {index} failed: {text[-2000:]}"
    finally:
        kernel.close()
    assert not failures, "checks that accept a wrong answer or fail without words:\n" + "\n\n".join(failures)
