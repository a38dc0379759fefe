"""Lecture slides that work offline: a chapter as reveal.js slides, built from the student release.

    nlpcourse slides 05_attention             # = make slides CHAPTER=05_attention
    nlpcourse slides 05_attention --solutions # show the answers in the exercise cells

writes ``build/slides/05_attention.slides.html`` and, beside it, ``build/slides/assets/`` with
reveal.js, MathJax (SVG output: no web fonts), require.js and jQuery: open the HTML from disk,
no network needed. The assets come from the npm registry once (pinned in :data:`ASSETS`, cached in
``.cache/slides-assets``; ``NLPCOURSE_SLIDES_ASSETS`` points elsewhere).

What the audience sees is the student release (``notebooks/``): exercise cells show the stub unless
``--solutions``; check cells never carry hidden tests (the release has none; they are never run).
To have real outputs, the chapter is executed with the solutions' answers in the exercise cells.
The papermill parameters cell is dropped, and interactive explorers show their static picture
(their outputs carry ``image/png`` beside the widget view); other widgets (progress bars) go.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ASSETS", "SlidesError", "Slides", "build_slides", "lecture_notebook", "fetch_assets"]

#: npm packages bundled with the slides, pinned.
ASSETS = {"reveal.js": "4.6.1", "mathjax": "2.7.9", "requirejs": "2.3.7", "jquery": "3.7.1"}
MATHJAX_CONFIG = "TeX-AMS_SVG-full,Safe"
WIDGET = "application/vnd.jupyter.widget-view+json"
BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
HIDDEN = "BEGIN HIDDEN TESTS"
# What of each package the slides load (relative to the package folder).
_KEEP = {
    "reveal.js": ["dist", "plugin/notes", "LICENSE"],
    "mathjax": [
        "MathJax.js",
        "LICENSE",
        "config",
        "extensions",
        "jax/input/TeX",
        "jax/element",
        "jax/output/SVG",
        "localization/en",
    ],
    "requirejs": ["require.js"],
    "jquery": ["dist/jquery.min.js", "LICENSE.txt"],
}


class SlidesError(RuntimeError):
    """Slides could not be built; the message says why and what to do."""


@dataclass
class Slides:
    html: Path
    assets: Path
    slides: int


def _assets_cache(root: Path) -> Path:
    return Path(os.environ.get("NLPCOURSE_SLIDES_ASSETS") or root / ".cache" / "slides-assets")


def _installed(modules: Path) -> bool:
    for name, version in ASSETS.items():
        package = modules / name / "package.json"
        if not package.is_file() or json.loads(package.read_text(encoding="utf-8")).get("version") != version:
            return False
    return True


def fetch_assets(root: Path) -> Path:
    """``node_modules`` with :data:`ASSETS` installed (npm, once); returns its path."""
    cache = _assets_cache(root)
    modules = cache / "node_modules"
    if _installed(modules):
        return modules
    npm = shutil.which("npm")
    if npm is None:
        raise SlidesError(
            f"reveal.js and MathJax are not in {cache} and npm is missing: install Node.js "
            "(.ci/install-system-packages does), then run make slides again"
        )
    cache.mkdir(parents=True, exist_ok=True)
    specs = [f"{name}@{version}" for name, version in ASSETS.items()]
    result = subprocess.run(
        [
            npm,
            "install",
            "--no-save",
            "--no-package-lock",
            "--no-fund",
            "--no-audit",
            "--prefix",
            str(cache),
            *specs,
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0 or not _installed(modules):
        raise SlidesError(
            f"npm could not install {' '.join(specs)} into {cache} (once, online):\n"
            + (result.stderr or result.stdout)[-2000:]
        )
    return modules


def _copy_assets(modules: Path, target: Path) -> None:
    for name, parts in _KEEP.items():
        for part in parts:
            source, dest = modules / name / part, target / name / part
            if source.is_dir():
                shutil.copytree(source, dest, dirs_exist_ok=True)
            elif source.is_file():
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, dest)


def _source(cell) -> str:
    return "".join(cell.source) if isinstance(cell.source, list) else cell.source


def _grader(cell) -> dict:
    return cell.metadata.get("nbgrader", {}) or {}


def _answer(source: str) -> str:
    """Solution cell source without the nbgrader markers."""
    return "\n".join(
        line for line in source.splitlines() if BEGIN_SOLUTION not in line and END_SOLUTION not in line
    ).strip("\n")


def lecture_notebook(chapter: str, root: Path):
    """The release notebook with each exercise's answer filled in (to execute), and the stubs.

    Returns ``(notebook, stubs)``: ``stubs`` maps a cell index to the release source shown in place
    of the answer when solutions are not shown.
    """
    import nbformat

    release_path = root / "notebooks" / chapter / f"{chapter}.ipynb"
    solution_path = root / "solutions" / chapter / f"{chapter}.ipynb"
    if not release_path.is_file():
        raise SlidesError(f"no release of {chapter} at {release_path}: run `make release` first")
    release = nbformat.read(release_path, as_version=4)
    answers = {}
    if solution_path.is_file():
        for cell in nbformat.read(solution_path, as_version=4).cells:
            grade_id = _grader(cell).get("grade_id")
            if grade_id and _grader(cell).get("solution"):
                answers[grade_id] = _answer(_source(cell))
    stubs = {}
    for index, cell in enumerate(release.cells):
        grader = _grader(cell)
        if HIDDEN in _source(cell):
            raise SlidesError(f"{release_path} cell {index} holds hidden tests: regenerate it (make release)")
        if grader.get("solution") and grader.get("grade_id") in answers:
            stubs[index] = _source(cell)
            cell.source = answers[grader["grade_id"]]
    return release, stubs


def _present(notebook, stubs: dict[int, str], solutions: bool):
    """Executed notebook -> what the slides show."""
    cells = []
    for index, cell in enumerate(notebook.cells):
        tags = set(cell.metadata.get("tags", []))
        if tags & {"parameters", "injected-parameters"}:
            continue
        if index in stubs and not solutions:
            cell.source = stubs[index]
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        if cell.cell_type == "code":
            outputs = []
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if WIDGET in data:
                    if "image/png" not in data:
                        continue  # a live-only widget (a progress bar): nothing to show on a slide
                    output["data"] = {k: v for k, v in data.items() if k in ("image/png", "text/plain")}
                outputs.append(output)
            cell.outputs = outputs
        cells.append(cell)
    notebook.cells = cells
    notebook.metadata.pop("widgets", None)
    notebook.metadata.pop("papermill", None)
    return notebook


def build_slides(
    chapter: str,
    root: Path | None = None,
    *,
    out_dir: Path | None = None,
    solutions: bool = False,
    fast: bool = False,
    timeout: int = 600,
) -> Slides:
    """Execute and export ``chapter`` as offline reveal.js slides; see the module docstring."""
    import nbformat
    import papermill
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    from nlpcourse.course import chapters, course_root

    root = Path(root or course_root()).resolve()
    if chapter not in chapters(root):
        raise SlidesError(f"no chapter {chapter!r}: choose from {', '.join(chapters(root))}")
    out_dir = Path(out_dir or root / "build" / "slides").resolve()
    modules = fetch_assets(root)
    notebook, stubs = lecture_notebook(chapter, root)

    with tempfile.TemporaryDirectory(prefix=f"slides-{chapter}-") as work:
        workdir = Path(work) / chapter
        shutil.copytree(root / "notebooks" / chapter, workdir)
        source, executed = workdir / "lecture.ipynb", workdir / "lecture.out.ipynb"
        nbformat.write(notebook, source)
        try:
            papermill.execute_notebook(
                str(source),
                str(executed),
                parameters={"FAST": fast},
                cwd=str(workdir),
                kernel_name="python3",
                progress_bar=False,
                execution_timeout=timeout,
                log_output=False,
            )
        except Exception as error:  # noqa: BLE001 - say which chapter and why, in one line
            last = str(error).strip().splitlines()[-1][:300] if str(error).strip() else repr(error)
            raise SlidesError(f"{chapter} failed while running for the slides: {last}") from error
        shown = _present(nbformat.read(executed, as_version=4), stubs, solutions)

    body = "\n".join(_source(c) for c in shown.cells)
    if HIDDEN in body or (not solutions and BEGIN_SOLUTION in body):
        raise SlidesError(f"{chapter}: the slides would show answers or hidden tests; not written")
    assets = out_dir / "assets"
    _copy_assets(modules, assets)
    config = Config()
    config.SlidesExporter.reveal_url_prefix = "assets/reveal.js"
    config.SlidesExporter.reveal_scroll = True
    config.SlidesExporter.reveal_theme = "white"  # its fonts ship with reveal.js (others import web fonts)
    config.SlidesExporter.require_js_url = "assets/requirejs/require.js"
    config.SlidesExporter.jquery_url = "assets/jquery/dist/jquery.min.js"
    config.SlidesExporter.mathjax_url = f"assets/mathjax/MathJax.js?config={MATHJAX_CONFIG}"
    exporter = SlidesExporter(config=config)
    html, _ = exporter.from_notebook_node(shown, resources={"metadata": {"name": chapter}})
    # mermaid is imported as an ES module from a CDN; the course has no mermaid diagrams
    html = re.sub(r"<script type=\"module\">\s*import mermaid.*?</script>", "", html, flags=re.S)
    suffix = ".solutions.slides.html" if solutions else ".slides.html"
    out = out_dir / f"{chapter}{suffix}"
    out.write_text(html, encoding="utf-8")
    return Slides(
        out,
        assets,
        sum(1 for c in shown.cells if c.metadata.get("slideshow", {}).get("slide_type") == "slide"),
    )
