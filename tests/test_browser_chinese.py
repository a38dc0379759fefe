"""End to end, in Chinese: a student opens the Chinese edition of chapter 00 in JupyterLab (its menus
in Chinese, as ``make lab EDITION=zh`` sets them), runs every cell, and reads Chinese everywhere:
the prose, the check messages, the figure labels, all drawn with real glyphs, not tofu boxes.

Tofu is caught twice: in the browser, the characters 自 and 然 drawn in the page's own font must
differ pixel for pixel (missing glyphs are all the same box) and be as wide as a CJK font draws
them; in the kernel JupyterLab started, the figure's label must be Chinese and every character of it
must have a glyph in the font matplotlib chose.
"""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path

import pytest
from test_browser import (  # noqa: F401 - fixtures used by name
    CHROMIUM_ARGS,
    KERNEL_TIMEOUT,
    NOTEBOOK,
    RUN_ALL_TIMEOUT,
    _run_menu,
    chromium,
    lab,
    workdir,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "00_welcome"
RELEASE = ROOT / "notebooks" / "zh" / CHAPTER / f"{CHAPTER}.ipynb"
SOLUTION = ROOT / "solutions" / CHAPTER / f"{CHAPTER}.ipynb"
PROBE = """\
# the figure probe of tests/test_browser_chinese.py
import torch
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font
from nlpcourse.plots import softmax_bars

probe = softmax_bars(["a", "b"], torch.tensor([1.0, 2.0]))
probe.canvas.draw()
label = probe.axes[0].yaxis.label
font = FT2Font(font_manager.findfont(label.get_fontproperties()))
missing = [c for c in label.get_text() if font.get_char_index(ord(c)) == 0]
print(f"PROBE label={label.get_text()} missing={len(missing)} font={font.family_name}")
"""


@pytest.fixture(scope="module")
def solved_notebook(workdir: Path) -> Path:  # noqa: F811 - replaces test_browser's for `lab`
    """The Chinese release with every answer filled in, and the figure probe as its last cell."""
    notebook = json.loads(RELEASE.read_text(encoding="utf-8"))
    solution = json.loads(SOLUTION.read_text(encoding="utf-8"))
    answers = {
        c["metadata"]["nbgrader"]["grade_id"]: c["source"]
        for c in solution["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade_id")
    }
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code" and cell["metadata"].get("nbgrader", {}).get("solution"):
            cell["source"] = answers[cell["metadata"]["nbgrader"]["grade_id"]]
    notebook["cells"].append(
        {
            "cell_type": "code",
            "id": "probe",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": PROBE,
        }
    )
    root = workdir / "notebooks"
    root.mkdir()
    path = root / RELEASE.name
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    settings = workdir / "lab-settings" / "@jupyterlab" / "translation-extension"
    settings.mkdir(parents=True)
    source = ROOT / ".jupyter" / "lab" / "user-settings-zh" / "@jupyterlab" / "translation-extension"
    (settings / "plugin.jupyterlab-settings").write_text(
        (source / "plugin.jupyterlab-settings").read_text(encoding="utf-8"), encoding="utf-8"
    )
    return path


CJK = re.compile(r"[\u4e00-\u9fff]")


def test_student_reads_chapter_00_in_chinese(chromium: Path, lab, solved_notebook: Path):  # noqa: F811
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            try:
                _drive(page, lab, solved_notebook)
            except BaseException:
                with contextlib.suppress(PlaywrightError):
                    page.screenshot(path=str(lab.root.parent / "failure-zh.png"), full_page=True)
                print(f"JupyterLab log ({lab.log}):\n{lab.log_tail()}")
                raise
        finally:
            browser.close()


def _drive(page, server, notebook: Path) -> None:
    page.goto(f"{server.url}/lab/tree/{notebook.name}?token={server.token}")
    page.wait_for_selector(NOTEBOOK, timeout=KERNEL_TIMEOUT)

    # JupyterLab itself speaks Chinese (jupyterlab-language-pack-zh-CN, locale zh_CN)
    menus = page.eval_on_selector_all(".lm-MenuBar-itemLabel", "nodes => nodes.map(n => n.textContent)")
    assert any(CJK.search(m) for m in menus), f"JupyterLab's menus are not in Chinese: {menus}"
    page.wait_for_function(
        "s => document.querySelectorAll(s).length > 0",
        arg=f"{NOTEBOOK} .jp-CodeCell .jp-InputArea-prompt",
        timeout=KERNEL_TIMEOUT,
    )
    _wait_for_idle_any(page)
    page.locator(NOTEBOOK).first.click()
    _run_all(page)
    _wait_for_idle_any(page)

    # the prose is the translation
    title = page.locator(f"{NOTEBOOK} .jp-MarkdownOutput h1").first.text_content() or ""
    assert CJK.search(title), f"the first heading is not Chinese: {title!r}"

    # the browser draws Chinese with real glyphs: two characters give two different pictures
    glyphs = page.evaluate(
        """selector => {
        const node = document.querySelector(selector);
        const font = getComputedStyle(node).fontFamily;
        const draw = ch => {
            const canvas = document.createElement("canvas");
            canvas.width = 64; canvas.height = 64;
            const ctx = canvas.getContext("2d");
            ctx.font = `48px ${font}`;
            ctx.fillText(ch, 4, 52);
            return [Array.from(ctx.getImageData(0, 0, 64, 64).data), ctx.measureText(ch).width];
        };
        const [a, wa] = draw("自"), [b, wb] = draw("然"), [, wx] = draw("x");
        let differ = 0, ink = 0;
        for (let i = 3; i < a.length; i += 4) { differ += a[i] !== b[i]; ink += a[i] > 0; }
        return {font, differ, ink, wa, wb, wx};
    }""",
        f"{NOTEBOOK} .jp-MarkdownOutput",
    )
    assert glyphs["ink"] > 50 and glyphs["differ"] > 50, f"tofu in the browser: {glyphs}"
    assert glyphs["wa"] == glyphs["wb"] > 1.5 * glyphs["wx"], f"CJK glyphs should be full width: {glyphs}"

    # the check messages and the figure speak Chinese, in the kernel JupyterLab started
    page.locator(f"{NOTEBOOK}").first.click()
    page.keyboard.press("Control+s")
    page.wait_for_timeout(3000)
    saved = json.loads(notebook.read_text(encoding="utf-8"))
    texts = [
        "".join(o.get("text", ""))
        for c in saved["cells"]
        if c["cell_type"] == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "stream"
    ]
    confirmations = [t for t in texts if t.startswith("✔")]
    assert confirmations and all(CJK.search(t) for t in confirmations), confirmations[:3]
    probe = next((t for t in texts if t.startswith("PROBE")), "")
    assert re.search(r"label=概率 missing=0 font=Noto Sans CJK", probe), probe or texts[-3:]
    images = [o for c in saved["cells"] for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert images, "no figure was drawn"


def _run_all(page) -> None:
    _run_menu(page, "运行", "运行所有单元格")
    page.wait_for_function(
        """selector => {
            const prompts = [...document.querySelectorAll(selector)];
            return prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:$/.test(p.textContent.trim()));
        }""",
        arg=f"{NOTEBOOK} .jp-CodeCell .jp-InputArea-prompt",
        timeout=RUN_ALL_TIMEOUT,
    )


def _wait_for_idle_any(page) -> None:
    """The kernel is connected and idle: the status bar reads "Python 3 (ipykernel) | 空闲" (Idle in
    Chinese) and the toolbar's indicator agrees (alone it reads idle before the kernel connects)."""
    page.wait_for_function(
        r"""() => {
            const texts = [...document.querySelectorAll("#jp-main-statusbar .jp-StatusBar-TextItem")]
                .map(n => n.textContent.trim());
            const dot = document.querySelector(".jp-NotebookPanel:not(.lm-mod-hidden) "
                                               + ".jp-Notebook-ExecutionIndicator");
            return texts.some(t => /[|]\s*(空闲|Idle)$/.test(t)) && dot?.dataset.status === "idle";
        }""",
        timeout=RUN_ALL_TIMEOUT,
    )
