"""`make lab` is the students' JupyterLab; `make instructor` keeps nbgrader's instructor tools.

Each target is started as a user starts it (through make, with the Makefile's environment) on a
free port, and asked what it serves: nbgrader's server routes, the page config's disabled lab
plugins, and (in the browser) the Nbgrader menu, the Validate button, a chapter that opens without
being marked unsaved, and a progress bar that still shows after the notebook is saved and reopened.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHAPTER = "00_welcome"
STUDENT_PLUGINS_OFF = {
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, url: str, token: str, root: Path, log: Path) -> None:
        self.url, self.token, self.root, self.log = url, token, root, log

    def get(self, path: str) -> tuple[int, str]:
        request = urllib.request.Request(self.url + path, headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, ""

    def page_config(self) -> dict:
        status, html = self.get("/lab")
        assert status == 200, status
        pattern = r'<script id="jupyter-config-data" type="application/json">(.*?)</script>'
        data = re.search(pattern, html, re.S)
        return json.loads(data.group(1))


@contextlib.contextmanager
def _make_target(target: str, tmp: Path) -> Iterator[Server]:
    root = tmp / "work"
    (root / CHAPTER).mkdir(parents=True)
    shutil.copy2(ROOT / "notebooks" / CHAPTER / f"{CHAPTER}.ipynb", root / CHAPTER)
    port, token = _free_port(), secrets.token_hex(12)
    args = (
        f"--no-browser --port={port} --ServerApp.port_retries=0 --ServerApp.ip=127.0.0.1 "
        f"--IdentityProvider.token={token}"
    )
    log = tmp / f"{target}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "MAKE"))}
    command = [
        "make",
        "--no-print-directory",
        target,
        f"LAB_ARGS={args}",
        f"LAB_ROOT={root}",
        f"JUPYTERLAB_WORKSPACES_DIR={tmp / 'workspaces'}",
        f"JUPYTER_RUNTIME_DIR={tmp / 'runtime'}",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", token, root, log)
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"make {target} exited {process.returncode}:\n{log.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                if server.get("/api/status")[0] == 200:
                    break
            if time.monotonic() > deadline:
                pytest.fail(f"make {target} did not answer in 90 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def student(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with _make_target("lab", tmp_path_factory.mktemp("student-lab")) as server:
        yield server


def test_student_lab_has_no_instructor_tools(student: Server):
    # server side: Formgrader's routes are gone; the assignment list and Validate are served
    assert student.get("/formgrader/static/css/nbgrader.css")[0] == 404
    assert student.get("/nbgrader_version?version=0")[0] != 404
    assert student.get("/assignments")[0] != 404  # 400 without a course id: the handler is there
    # browser side: the Formgrader, Create Assignment and Course List plugins are disabled
    disabled = set(student.page_config()["disabledExtensions"])
    assert STUDENT_PLUGINS_OFF <= disabled
    assert not disabled & {"@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:validate-assignment"}


def test_instructor_lab_keeps_formgrader(tmp_path: Path):
    with _make_target("instructor", tmp_path) as instructor:
        assert instructor.get("/formgrader/static/css/nbgrader.css")[0] == 200
        disabled = set(instructor.page_config()["disabledExtensions"])
        assert not disabled & (STUDENT_PLUGINS_OFF | {"@jupyter/nbgrader:assignment-list"})


def test_no_incompatible_lab_extension_is_enabled():
    """jupyterlab-rise pulls in jupyterlab-mathjax3, a Lab 3 bundle: dropped and disabled."""
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(ROOT / ".jupyter")}
    result = subprocess.run(
        ["jupyter", "labextension", "list"], capture_output=True, text=True, env=env, cwd=ROOT
    )
    out = result.stdout + result.stderr
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    pattern = r"incompatible with the current version of jupyterlab:\n(.*?)\n\s*\n"
    incompatible = re.search(pattern, plain, re.S)
    names = incompatible.group(1).split() if incompatible else []
    disabled = plain.split("Disabled extensions:")[-1] if "Disabled extensions:" in plain else ""
    enabled_bad = [n for n in names if f"{n} (all plugins)" not in disabled]
    assert not enabled_bad, f"incompatible lab extensions enabled: {enabled_bad}\n{plain}"


def test_language_info_is_completed_on_open(tmp_path: Path):
    from nbformat import v4

    from nlpcourse.lab import complete_language_info, kernel_language_info

    notebook = v4.new_notebook(
        metadata={
            "kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3 (ipykernel)"},
            "language_info": {"name": "python"},
        }
    )
    assert complete_language_info(notebook)
    assert notebook.metadata.language_info == kernel_language_info()
    assert not complete_language_info(notebook)  # complete already: nothing to do
    other = v4.new_notebook(metadata={"language_info": {"name": "R"}})
    assert not complete_language_info(other) and other.metadata.language_info == {"name": "R"}


# ------------------------------------------------------------------------------------- browser

TQDM_NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "bar",
            "metadata": {},
            "outputs": [],
            "source": [
                "from tqdm.auto import tqdm\n",
                "for _ in tqdm(range(3), desc='training'):\n",
                "    pass",
            ],
        }
    ],
    "metadata": {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}


def _idle(page) -> None:
    page.wait_for_function(
        """() => [...document.querySelectorAll('#jp-main-statusbar .jp-StatusBar-TextItem')]
                 .some(n => /[|]\\s*Idle$/.test(n.textContent.trim()))""",
        timeout=60_000,
    )


@pytest.mark.browser
def test_student_lab_in_the_browser(student: Server):
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {CHROMIUM} is missing: run .ci/install-system-packages")
        pytest.skip(f"{CHROMIUM} not found: install it with .ci/install-system-packages")
    from playwright.sync_api import sync_playwright

    (student.root / "progress.ipynb").write_text(json.dumps(TQDM_NOTEBOOK), encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{student.url}/lab/tree/{CHAPTER}/{CHAPTER}.ipynb?reset&token={student.token}")
            page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook", timeout=60_000)
            _idle(page)
            time.sleep(2)  # JupyterLab updates the notebook's metadata from the kernel just after idle
            # 1. the chapter opens clean: not marked unsaved
            dirty = page.eval_on_selector_all(".lm-TabBar-tab.jp-mod-dirty", "n => n.map(x => x.textContent)")
            assert dirty == [], f"opened notebook marked unsaved: {dirty}"
            # 2. the notebook toolbar has Validate; the Nbgrader menu has the assignment list only
            assert (
                page.locator(
                    ".jp-NotebookPanel-toolbar .validate-button, "
                    ".jp-NotebookPanel-toolbar [data-jp-item-name*='alidate']"
                ).count()
                >= 1
                or page.get_by_role("button", name=re.compile("Validate")).count() >= 1
            )
            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Nbgrader$")).click()
            items = page.eval_on_selector_all(".lm-Menu-itemLabel", "n => n.map(x => x.textContent)")
            page.keyboard.press("Escape")
            assert "Assignment List" in items, items
            assert not {"Formgrader", "Create Assignment", "Course List"} & set(items), items
            # 3. a tqdm bar survives save and reopen (widget state saved in the notebook)
            page.goto(f"{student.url}/lab/tree/progress.ipynb?reset&token={student.token}")
            page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook", timeout=60_000)
            _idle(page)
            page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").first.click()
            page.keyboard.press("Shift+Enter")
            page.wait_for_selector(".jp-OutputArea-output .widget-hprogress", timeout=60_000)
            _idle(page)
            page.keyboard.press("Control+s")
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                saved = json.loads((student.root / "progress.ipynb").read_text(encoding="utf-8"))
                if saved["metadata"].get("widgets"):
                    break
                time.sleep(0.3)
            assert saved["metadata"].get("widgets"), "widget state was not saved into the notebook"
            page.reload()
            page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook", timeout=60_000)
            page.wait_for_selector(".jp-OutputArea-output .widget-hprogress", timeout=30_000)
            text = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea").first.text_content()
            assert "model not found" not in (text or ""), text
            assert "training" in (text or ""), text
        finally:
            browser.close()
