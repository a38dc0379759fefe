"""Lecture slides offline: built from the student release, no parameters cell, explorers as
pictures, no hidden test (nor answer, unless asked); in Chromium with every non-local request
blocked, reveal.js steps through the slides and MathJax renders the maths."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest

from nlpcourse.publish import answer_texts
from nlpcourse.slides import BEGIN_SOLUTION, _present, build_slides, lecture_notebook

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "00_welcome"
CHROMIUM = Path("/usr/bin/chromium")


def _text(html: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style"]):
        tag.decompose()
    return " ".join(soup.get_text(" ").split())


def _squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def slides(tmp_path_factory: pytest.TempPathFactory):
    return build_slides(CHAPTER, ROOT, out_dir=tmp_path_factory.mktemp("slides"), fast=True)


def test_lecture_notebook_answers_only_on_request():
    release = nbformat.read(ROOT / "notebooks" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    solutions, hidden = answer_texts(ROOT)
    for show in (False, True):
        notebook, stubs = lecture_notebook(CHAPTER, ROOT)
        assert stubs, "the chapter has exercise cells"
        shown = _present(notebook, stubs, solutions=show)
        body = "\n".join(c.source for c in shown.cells)
        assert "BEGIN HIDDEN TESTS" not in body and BEGIN_SOLUTION not in body
        assert not [line for line in hidden if len(line) >= 12 and line in body]
        answers_shown = any(
            _squash(s) in _squash(c.source)
            for c in shown.cells
            for s in solutions
            if c.cell_type == "code" and len(_squash(s)) > 20
        )
        assert answers_shown == show
        tags = [set(c.metadata.get("tags", [])) for c in shown.cells]
        assert not any(t & {"parameters", "injected-parameters"} for t in tags)
        assert len(shown.cells) == len(release.cells) - 1  # only the parameters cell goes


@pytest.mark.slow
def test_slides_hold_no_hidden_test_parameters_or_answers(slides):
    html = slides.html.read_text(encoding="utf-8")
    text = _squash(_text(html))
    solutions, hidden = answer_texts(ROOT)
    assert "BEGIN HIDDEN TESTS" not in html and "BEGIN SOLUTION" not in html
    leaked = [line for line in hidden if len(line) >= 12 and _squash(line) in text]
    assert not leaked, leaked
    chapter_blocks = [b for b in solutions if len([x for x in b.splitlines() if x.strip()]) >= 2]
    assert not [b for b in chapter_blocks if _squash(b) in text]
    assert "# Parameters" not in html and "injected-parameters" not in html
    release = nbformat.read(ROOT / "notebooks" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    parameters = next(c for c in release.cells if "parameters" in c.metadata.get("tags", []))
    assert _squash(parameters.source) not in text
    # every asset is local: no script or stylesheet from another host
    assert not re.findall(r'<(?:script|link)[^>]+(?:src|href)="https?://', html)
    assert "application/vnd.jupyter.widget-view+json" not in html
    assert slides.slides >= 3


@pytest.mark.browser
@pytest.mark.slow
def test_slides_offline_in_the_browser(slides):
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {CHROMIUM} is missing: run .ci/install-system-packages")
        pytest.skip(f"{CHROMIUM} not found: install it with .ci/install-system-packages")
    from playwright.sync_api import sync_playwright

    blocked, failed, errors = [], [], []

    def route(route_):
        url = route_.request.url
        if url.startswith(("file://", "data:", "http://127.0.0.1", "http://localhost")):
            route_.continue_()
        else:
            blocked.append(url)
            route_.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.route("**/*", route)
            page.on("requestfailed", lambda r: failed.append(r.url))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(slides.html.as_uri())
            # reveal.js (loaded by require.js from assets/) marks the deck ready
            page.wait_for_selector(".reveal.ready", timeout=60_000)
            # MathJax (SVG output) has typeset the maths: no raw TeX left in the markdown
            page.wait_for_function(
                "() => document.querySelectorAll('.MathJax_SVG svg').length > 0", timeout=60_000
            )
            page.wait_for_function(
                "() => !window.MathJax || !MathJax.Hub || MathJax.Hub.queue.pending === 0", timeout=60_000
            )
            raw = page.evaluate(r"""() => [...document.querySelectorAll('.jp-MarkdownOutput')]
                .map(n => n.textContent).filter(t => /\$[^$\s][^$]*\$/.test(t))""")
            assert not raw, f"raw LaTeX left on the slides: {raw[:3]}"
            assert "Math Processing Error" not in page.content()
            # step through every slide with the keyboard
            seen = set()
            for _ in range(200):
                seen.add(page.evaluate("() => location.hash"))
                if page.evaluate(
                    "() => document.querySelector('.reveal .controls .navigate-right')"
                    ".classList.contains('enabled') === false && "
                    "document.querySelector('.reveal .controls .navigate-down')"
                    ".classList.contains('enabled') === false"
                ):
                    break
                page.keyboard.press("Space")  # next slide, sub-slides included
                page.wait_for_timeout(50)
            assert len(seen) >= slides.slides, f"stepped through {len(seen)} slides: {sorted(seen)}"
            # the explorer's static picture is there, no empty widget placeholder
            pictures = page.eval_on_selector_all("img[src^='data:image/png']", "n => n.length")
            assert pictures >= 1
            assert page.locator(".jupyter-widgets").count() == 0
        finally:
            browser.close()
    assert not blocked, f"the slides asked the network for {blocked}"
    assert not [u for u in failed if u.startswith("file://")], f"missing local files: {failed}"
    assert not errors, errors
