"""End to end: a student opens chapter 00 in JupyterLab, runs every cell, and sees the widget.

This is the one test that looks at the course the way a student does: a real JupyterLab server, a
real kernel and a real browser (Debian's Chromium, driven by Playwright; CI installs it with
``.ci/install-system-packages``). It catches what kernel-only tests cannot: the widget frontend
failing to load, an output that only breaks when rendered, a notebook that does not open.

The release notebook raises ``NotImplementedError`` in every answer cell by design, so the test
plays a student who has solved the exercises: answer cells get the solutions' code before the
notebook is opened.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "00_welcome"
RELEASE = ROOT / "notebooks" / CHAPTER / f"{CHAPTER}.ipynb"
SOLUTION = ROOT / "solutions" / CHAPTER / f"{CHAPTER}.ipynb"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

SERVER_START_TIMEOUT = 60  # s until /api/status answers
KERNEL_TIMEOUT = 60_000  # ms until the kernel is idle after opening the notebook
RUN_ALL_TIMEOUT = 120_000  # ms for "Run All Cells" to finish
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


# --------------------------------------------------------------------------------------------
# fixtures


def _missing(message: str) -> None:
    """Skip on a laptop; fail in CI, which installs everything this test needs."""
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def chromium() -> Path:
    """Debian's Chromium (never a browser downloaded by `playwright install`)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        _missing(f"playwright cannot be imported ({error}): pip install -e '.[dev]'")
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} not found: install it with .ci/install-system-packages")
    return CHROMIUM


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("browser")


@pytest.fixture(scope="module")
def solved_notebook(workdir: Path) -> Path:
    """The student release of the chapter, with every answer cell filled in from the solutions."""
    notebook = json.loads(RELEASE.read_text(encoding="utf-8"))
    solution = json.loads(SOLUTION.read_text(encoding="utf-8"))
    answers = {
        cell["metadata"]["nbgrader"]["grade_id"]: cell["source"]
        for cell in solution["cells"]
        if cell["metadata"].get("nbgrader", {}).get("grade_id")
    }
    filled = 0
    for cell in notebook["cells"]:
        grader = cell["metadata"].get("nbgrader", {})
        if cell["cell_type"] == "code" and grader.get("solution") is True:
            grade_id = grader["grade_id"]
            assert grade_id in answers, f"answer cell {grade_id!r} has no match in {SOLUTION}"
            cell["source"] = answers[grade_id]
            filled += 1
    assert filled, f"{RELEASE} has no answer cells: is it an nbgrader release?"

    root = workdir / "notebooks"
    root.mkdir()
    path = root / RELEASE.name
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


class Lab:
    """A running JupyterLab server."""

    def __init__(self, url: str, token: str, root: Path, log: Path) -> None:
        self.url, self.token, self.root, self.log = url, token, root, log

    def log_tail(self, chars: int = 6000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]


@pytest.fixture(scope="module")
def lab(workdir: Path, solved_notebook: Path) -> Iterator[Lab]:
    """JupyterLab on a free localhost port, configured only from temporary, course-local dirs."""
    config = workdir / "jupyter-config"
    settings = workdir / "lab-settings"
    # Nothing may reach for the internet: no news feed, no update check, no PyPI extension manager.
    _write_json(
        config / "jupyter_server_config.json",
        {
            "LabApp": {
                "news_url": None,
                "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
                "extension_manager": "readonly",
            }
        },
    )
    # ... and no toast asking whether it may, covering the page.
    _write_json(
        settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings",
        {"fetchNews": "false", "checkForUpdates": False},
    )
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(workdir / "lab-workspaces"),
        "JUPYTER_DATA_DIR": str(workdir / "jupyter-data"),
        "JUPYTER_RUNTIME_DIR": str(workdir / "jupyter-runtime"),
        "IPYTHONDIR": str(workdir / "ipython"),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "NLPCOURSE_FAST": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    env.pop("JUPYTER_TOKEN", None)
    # Like `make lab`: no MPLBACKEND, so ipykernel picks matplotlib's inline backend. Under
    # MPLBACKEND=Agg a displayed Figure has only a text repr and the explorer shows no plot.
    env.pop("MPLBACKEND", None)
    port, token = _free_port(), secrets.token_hex(16)
    root = solved_notebook.parent
    log = workdir / "jupyterlab.log"
    command = [
        sys.executable, "-m", "jupyterlab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # CI containers run as root
    with log.open("wb") as log_file:
        server = subprocess.Popen(
            command, cwd=root, env=env, stdout=log_file, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
    lab = Lab(f"http://127.0.0.1:{port}", token, root, log)
    try:
        _wait_for_server(server, lab)
        yield lab
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)


def _wait_for_server(server: subprocess.Popen, lab: Lab) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    request = urllib.request.Request(f"{lab.url}/api/status", headers={"Authorization": f"token {lab.token}"})
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(
                f"JupyterLab exited with code {server.returncode}:\n{lab.log_tail()}",
                pytrace=False,
            )
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.25)
    pytest.fail(
        f"JupyterLab did not answer {lab.url}/api/status within {SERVER_START_TIMEOUT} s:\n{lab.log_tail()}",
        pytrace=False,
    )


# --------------------------------------------------------------------------------------------
# the browser


# The JupyterLab 4 DOM the test relies on (checked against JupyterLab 4.6):
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
# The notebook toolbar's kernel indicator: data-status is "idle", "busy", "starting", ...
KERNEL_INDICATOR = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator"
# The status bar's kernel item reads "Python 3 (ipykernel) | Idle" (or "| Busy", "| Connecting").
STATUSBAR_TEXT = "#jp-main-statusbar .jp-StatusBar-TextItem"
CODE_PROMPTS = f"{NOTEBOOK} .jp-CodeCell .jp-InputArea-prompt"
# ipywidgets 8: the explorer's VBox (slider row + Output widget) rendered by the widget manager.
EXPLORER = ".jupyter-widgets.widget-vbox:has(.widget-hslider)"


def _cell_prompts(page) -> list[str]:
    # textContent, not innerText: JupyterLab skips rendering of off-screen cells
    # (content-visibility), which would make innerText empty for them.
    return page.eval_on_selector_all(CODE_PROMPTS, "nodes => nodes.map(node => node.textContent.trim())")


def _wait_for_idle(page, timeout: int) -> None:
    # Both the status bar ("Python 3 (ipykernel) | Idle") and the toolbar's indicator must agree:
    # the indicator alone reads "idle" for a moment before the kernel has even connected.
    page.wait_for_function(
        """([statusbar, indicator]) => {
            const texts = [...document.querySelectorAll(statusbar)].map(n => n.textContent.trim());
            const dot = document.querySelector(indicator);
            return texts.some(t => /[|]\\s*Idle$/.test(t)) && dot?.dataset.status === "idle";
        }""",
        arg=[STATUSBAR_TEXT, KERNEL_INDICATOR],
        timeout=timeout,
    )


def _run_menu(page, menu: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()


def _slider_state(explorer) -> tuple[str, str | None]:
    readout = explorer.locator(".widget-readout").first.text_content() or ""
    image = explorer.locator(".widget-output img").first.get_attribute("src")
    return readout.strip(), image


def test_student_runs_chapter_00_in_jupyterlab(chromium: Path, lab: Lab, solved_notebook: Path):
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect, sync_playwright

    console: list[str] = []
    screenshot = lab.root.parent / "failure.png"
    html = lab.root.parent / "failure.html"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("console", lambda m: m.type == "error" and console.append(m.text))
            page.on("pageerror", lambda e: console.append(f"page error: {e}"))
            try:
                _drive(page, lab, solved_notebook, expect)
            except BaseException:
                with contextlib.suppress(PlaywrightError):
                    page.screenshot(path=str(screenshot), full_page=True)
                    html.write_text(page.content(), encoding="utf-8")
                print(f"\nscreenshot of the failure: {screenshot} (page HTML: {html})")
                print("browser console errors:\n  " + "\n  ".join(console[-30:]))
                print(f"JupyterLab log ({lab.log}):\n{lab.log_tail()}")
                raise
        finally:
            browser.close()


def _drive(page, lab: Lab, notebook: Path, expect) -> None:
    page.goto(f"{lab.url}/lab/tree/{notebook.name}?token={lab.token}")

    # 1. The notebook opens, all its code cells are there, and its kernel starts.
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    n_code = sum(cell["cell_type"] == "code" for cell in cells)
    page.wait_for_selector(NOTEBOOK, timeout=KERNEL_TIMEOUT)
    page.wait_for_function(
        "([selector, n]) => document.querySelectorAll(selector).length === n",
        arg=[CODE_PROMPTS, n_code],
        timeout=KERNEL_TIMEOUT,
    )
    _wait_for_idle(page, KERNEL_TIMEOUT)
    prompts = _cell_prompts(page)
    assert all(p in ("[ ]:", "") for p in prompts), f"cells ran before Run All: {prompts}"

    # 2. Run → Run All Cells; every code cell gets an execution count, the kernel is idle again.
    _run_menu(page, "Run", "Run All Cells")
    page.wait_for_function(
        """selector => {
            const prompts = [...document.querySelectorAll(selector)];
            const ran = p => /^\\[\\d+\\]:$/.test(p.textContent.trim());
            return prompts.length > 0 && prompts.every(ran);
        }""",
        arg=CODE_PROMPTS,
        timeout=RUN_ALL_TIMEOUT,
    )
    _wait_for_idle(page, RUN_ALL_TIMEOUT)
    prompts = _cell_prompts(page)
    counts = [int(p.strip("[]:")) for p in prompts]
    assert counts == list(range(1, len(counts) + 1)), f"cells ran out of order: {prompts}"

    # 3. No error on the page. JupyterLab renders errors (tracebacks) and stderr streams with the
    # same mime type, so look at the text; the saved file below tells them apart for certain.
    stderr = page.eval_on_selector_all(
        f'{NOTEBOOK} .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]',
        "nodes => nodes.map(node => node.textContent)",
    )
    errors = [text for text in stderr if re.search(r"Traceback|\w+Error\b|\w+Exception\b", text)]
    assert not errors, "error output in the notebook:\n" + "\n---\n".join(errors)

    # 4. The softmax temperature explorer is a live widget, not its static fallback picture.
    explorer = page.locator(f"{NOTEBOOK} {EXPLORER}")
    expect(explorer).to_have_count(1)
    explorer.scroll_into_view_if_needed()
    slider = explorer.locator(".widget-hslider")
    expect(slider).to_be_visible()
    plot = explorer.locator(".widget-output")
    expect(plot.locator(".jp-OutputArea-output")).not_to_have_count(0)
    shown = plot.text_content() or ""
    assert plot.locator("img").count() == 1, (
        f"the explorer's Output widget shows {shown.strip()!r} instead of a plot: is the "
        "kernel's matplotlib backend Agg (MPLBACKEND=Agg) rather than inline? Then a Figure has "
        "only a text repr; nlpcourse.widgets could display PNG data instead of the Figure."
    )
    expect(plot.locator("img")).to_be_visible()
    readout, image = _slider_state(explorer)
    assert readout == "1.00", readout

    # ... and it responds: one step right redraws the plot at a higher temperature.
    explorer.locator(".noUi-handle").first.focus()
    page.keyboard.press("ArrowRight")
    expect(explorer.locator(".widget-readout").first).not_to_have_text("1.00")
    page.wait_for_function(
        """([selector, before]) => {
            const img = document.querySelector(selector);
            return img !== null && img.getAttribute("src") !== before;
        }""",
        arg=[f"{NOTEBOOK} {EXPLORER} .widget-output img", image],
        timeout=30_000,
    )
    moved, _ = _slider_state(explorer)
    assert float(moved) > 1.0, f"slider readout after ArrowRight: {moved!r}"

    # 5. Save, and check the file on disk: every code cell ran, none produced an error.
    _run_menu(page, "File", "Save Notebook")
    deadline, code = time.monotonic() + 30, []
    while True:
        with contextlib.suppress(json.JSONDecodeError):
            saved = json.loads(notebook.read_text(encoding="utf-8"))
            code = [cell for cell in saved["cells"] if cell["cell_type"] == "code"]
            if all(cell.get("execution_count") for cell in code):
                break
        if time.monotonic() > deadline:
            break
        time.sleep(0.25)
    assert all(cell.get("execution_count") for cell in code), "the saved notebook has unrun cells"
    failed = [
        f"{output.get('ename')}: {output.get('evalue')}"
        for cell in code
        for output in cell.get("outputs", [])
        if output["output_type"] == "error"
    ]
    assert not failed, f"error outputs in the saved notebook: {failed}"
    widgets = [
        output for cell in code for output in cell.get("outputs", []) if WIDGET_MIME in output.get("data", {})
    ]
    assert len(widgets) == 1, "the saved notebook should hold the explorer's widget output"
