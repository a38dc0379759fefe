"""Run All runs everything: an unanswered exercise shows one short error and the notebook goes on.

Two layers make it so (see ``nbgrader_config.py`` and ``nlpcourse/notebook.py``):

* the release tags every answer and check cell ``raises-exception``, so JupyterLab and nbclient go on
  past such a cell when it fails;
* ``nlpcourse.notebook.start`` installs an IPython exception handler that shows a failed check, a
  ``raise NotImplementedError()`` left in an answer, or a name an unrun answer cell should have
  defined as one short error output (no frames of the course's package), still an ``error`` output
  with the exception's name, so nbgrader scores the cell 0.

The kernel tests check the handler's outputs; the browser test plays a student who opens each
chapter's release, answers nothing, and presses Run All once: every cell runs, the last one too, and
every check cell shows a short error.
"""

from __future__ import annotations

import contextlib
import json
import queue
import re
import shutil
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from conftest import CHAPTERS, ROOT

# JupyterLab + Playwright + Debian's Chromium, shared with the chapter-00 browser test. `lab` serves
# the folder of the `solved_notebook` fixture, which this module overrides (below).
from test_browser import (  # noqa: F401 - pytest fixtures are used by name
    CHROMIUM_ARGS,
    CODE_PROMPTS,
    KERNEL_TIMEOUT,
    NOTEBOOK,
    Lab,
    _cell_prompts,
    _run_menu,
    _wait_for_idle,
    chromium,
    lab,
    workdir,
)

pytestmark = pytest.mark.slow

SHORT_ERRORS = {"CheckFailed", "NotImplementedError", "NameError"}
RUN_ALL_TAG = "raises-exception"
CHAPTER_TIMEOUT = 300_000  # ms for Run All on one chapter in fast mode (a shared, busy CPU)


def _release(chapter: str) -> Path:
    return ROOT / "notebooks" / chapter / f"{chapter}.ipynb"


def _is_exercise_cell(cell) -> bool:
    grader = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(grader.get("solution") or grader.get("grade"))


# --- the release ---------------------------------------------------------------------------------


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_release_tags_exercise_cells(chapter):
    """Every answer and check cell of the release carries the tag, and no other cell does (an error
    anywhere else must still stop Run All: it is a bug in the chapter)."""
    nb = nbformat.read(_release(chapter), as_version=4)
    for index, cell in enumerate(nb.cells):
        tagged = RUN_ALL_TAG in cell.metadata.get("tags", [])
        assert tagged == _is_exercise_cell(cell), (
            f"{chapter} cell {index}: {'untagged exercise' if not tagged else 'tagged non-exercise'} "
            "cell: release with `nbgrader generate_assignment` (nbgrader_config.py tags them)"
        )


# --- the exception handler, in a real kernel -----------------------------------------------------


class _Kernel:
    """A kernel that reports each cell's error output as (ename, traceback lines)."""

    def __init__(self) -> None:
        from jupyter_client.manager import start_new_kernel

        self.km, self.kc = start_new_kernel(kernel_name="python3", cwd=str(ROOT))

    def run(self, code: str, timeout: float = 120) -> tuple[str, list[str], str]:
        msg_id = self.kc.execute(code)
        deadline = time.monotonic() + timeout
        ename, traceback, text = "", [], []
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty as error:
                raise TimeoutError(f"cell did not finish in {timeout} s: {code[:200]}") from error
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "error":
                ename, traceback = content["ename"], content["traceback"]
            elif kind == "stream":
                text.append(content["text"])
            elif kind == "status" and content["execution_state"] == "idle":
                return ename, traceback, "".join(text)

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


@pytest.fixture(scope="module")
def kernel():
    k = _Kernel()
    ename, traceback, _ = k.run(
        "from nlpcourse.notebook import start\nFAST, rng = start(True, 0)\n"
        "import torch\nfrom nlpcourse.check import check_own_work, check_tensor"
    )
    assert not ename, traceback
    yield k
    k.close()


def _plain(traceback: list[str]) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(traceback))


def test_unanswered_exercise_is_one_short_error(kernel):
    kernel.run("def softmax(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()")
    ename, traceback, _ = kernel.run("check_tensor('softmax', softmax(torch.zeros(2)), torch.ones(2) / 2)")
    assert ename == "NotImplementedError"
    assert len(traceback) == 1, traceback
    assert "softmax() is not answered yet" in _plain(traceback)


def test_unanswered_method_names_its_class(kernel):
    kernel.run("class Model:\n    def __init__(self, data):\n        raise NotImplementedError()")
    ename, traceback, _ = kernel.run("check_own_work('Model', lambda: Model([1]), [])")
    assert ename == "NotImplementedError"
    assert "Model.__init__() is not answered yet" in _plain(traceback)


def test_failed_check_is_its_message_alone(kernel):
    ename, traceback, _ = kernel.run("check_tensor('rows', torch.ones(2, 3), torch.zeros(2, 3))")
    assert ename == "CheckFailed"
    assert len(traceback) == 1, traceback
    text = _plain(traceback)
    assert text.startswith("CheckFailed: rows: values differ") and "expected 0, got 1" in text
    assert "check.py" not in text


def test_unrun_answer_cell_says_what_to_do(kernel):
    ename, traceback, _ = kernel.run("check_tensor('grid', never_defined(2), torch.zeros(2))")
    assert ename == "NameError"
    assert len(traceback) == 1
    assert "run the answer cell above" in _plain(traceback)


def test_other_errors_keep_the_students_frames_without_the_packages(kernel):
    """A bug in the student's code keeps its traceback (they need the line), minus nlpcourse.check."""
    kernel.run("def broken(x):\n    return x.shape + 1")
    ename, traceback, _ = kernel.run("check_own_work('broken', lambda: broken(torch.ones(1)), [])")
    text = _plain(traceback)
    assert ename == "TypeError"
    assert "return x.shape + 1" in text
    assert "check.py" not in text and "sys.setprofile" not in text


def test_the_error_still_fails_the_cell(kernel):
    """The execute reply says error: nbclient, nbgrader and papermill all see the failure."""
    msg_id = kernel.kc.execute("check_tensor('z', torch.ones(1), torch.zeros(1))")
    reply = kernel.kc.get_shell_msg(timeout=60)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kernel.kc.get_shell_msg(timeout=60)
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "CheckFailed"


# --- Run All in JupyterLab -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def solved_notebook(workdir: Path) -> Path:  # noqa: F811 - overrides test_browser's fixture
    """Every chapter's release, unanswered, copied under one folder that ``lab`` serves.

    test_browser's ``lab`` serves ``solved_notebook.parent``; here that is the copy of notebooks/.
    """
    root = workdir / "release"
    shutil.copytree(
        ROOT / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    )
    # Render every cell: by default JupyterLab keeps off-screen cells of a long notebook out of the
    # page, and the test counts prompts. (`lab` reads its user settings from workdir/lab-settings.)
    settings = workdir / "lab-settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps({"windowingMode": "none"}), encoding="utf-8")
    return root / CHAPTERS[0]


def _shut_down_kernels(server: Lab) -> None:
    headers = {"Authorization": f"token {server.token}"}
    with urllib.request.urlopen(urllib.request.Request(f"{server.url}/api/sessions", headers=headers)) as r:
        sessions = json.load(r)
    for session in sessions:
        request = urllib.request.Request(
            f"{server.url}/api/sessions/{session['id']}", headers=headers, method="DELETE"
        )
        with contextlib.suppress(OSError):
            urllib.request.urlopen(request).close()


def _saved_code_cells(path: Path, timeout: float = 30) -> list[dict]:
    deadline, code = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        with contextlib.suppress(json.JSONDecodeError):
            code = [
                c for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"
            ]
            if code and all(c.get("execution_count") for c in code):
                return code
        time.sleep(0.25)
    return code


@pytest.mark.browser
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_run_all_reaches_the_end_of_the_release(chapter, chromium, lab, solved_notebook):  # noqa: F811
    """One press of Run All on the unanswered release runs every code cell, the last one included;
    every check cell ends in one short error (so it scores 0) and no other cell fails."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    path = lab.root / chapter / f"{chapter}.ipynb"
    screenshot = lab.root.parent / f"run-all-{chapter}.png"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            try:
                page.goto(f"{lab.url}/lab/tree/{chapter}/{path.name}?token={lab.token}")
                n_code = sum(
                    c["cell_type"] == "code" for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
                )
                page.wait_for_selector(NOTEBOOK, timeout=KERNEL_TIMEOUT)
                page.wait_for_function(
                    "([selector, n]) => document.querySelectorAll(selector).length === n",
                    arg=[CODE_PROMPTS, n_code],
                    timeout=KERNEL_TIMEOUT,
                )
                _wait_for_idle(page, KERNEL_TIMEOUT)

                _run_menu(page, "Run", "Run All Cells")  # once
                page.wait_for_function(
                    """selector => {
                        const prompts = [...document.querySelectorAll(selector)];
                        return prompts.length > 0
                            && /^\\[\\d+\\]:$/.test(prompts[prompts.length - 1].textContent.trim());
                    }""",
                    arg=CODE_PROMPTS,
                    timeout=CHAPTER_TIMEOUT,
                )
                _wait_for_idle(page, CHAPTER_TIMEOUT)
                prompts = _cell_prompts(page)
                _run_menu(page, "File", "Save Notebook")
                code = _saved_code_cells(path)
            except BaseException:
                with contextlib.suppress(PlaywrightError):
                    page.screenshot(path=str(screenshot), full_page=True)
                print(f"\nscreenshot: {screenshot}\nJupyterLab log:\n{lab.log_tail()}")
                raise
        finally:
            browser.close()
            _shut_down_kernels(lab)

    unrun = [i for i, cell in enumerate(code) if not cell.get("execution_count")]
    assert not unrun, f"{chapter}: code cells {unrun} did not run after one Run All (prompts {prompts})"
    for index, cell in enumerate(code):
        errors = [o for o in cell.get("outputs", []) if o["output_type"] == "error"]
        grader = cell["metadata"].get("nbgrader", {})
        is_check = grader.get("grade") and not grader.get("solution")
        if is_check:
            assert errors, f"{chapter} code cell {index} ({grader['grade_id']}) passed unanswered"
        for error in errors:
            where = f"{chapter} code cell {index} ({grader.get('grade_id', 'not an exercise')})"
            assert RUN_ALL_TAG in cell["metadata"].get("tags", []), (
                f"{where} failed: {error['ename']}: {error['evalue']}"
            )
            assert error["ename"] in SHORT_ERRORS, f"{where}: {error['ename']}: {error['evalue']}"
            assert len(error["traceback"]) == 1, f"{where}: a {len(error['traceback'])}-line traceback"
