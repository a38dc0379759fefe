"""The student edition: a ready-to-push repository without a single answer.

The course repository holds the answers (``solutions/``: solution code and hidden tests) and the
instructor's tools (``tests/wrong_answers/``, the gradebook); it stays private. Students get what
:func:`publish` writes::

    nlpcourse publish ../nlpcourse-student --repo my-org/nlpcourse-student
    # = make publish DEST=../nlpcourse-student

* ``notebooks/``: the nbgrader release (answer cells are stubs, hidden tests removed);
* ``nlpcourse/``: the support package (reference implementations later chapters build on);
* ``binder/``: the pinned environment, ``postBuild`` and ``start`` (the Makefile's environment);
* ``constraints.txt`` + ``pyproject.toml``: the same pinned versions as the course;
* ``.jupyter/``: the students' JupyterLab profile (no Formgrader, no Create Assignment);
* a student ``README.md`` (Binder badge, nbgitpuller link), a ``Makefile`` (``make lab``), ``.gitignore``.

Before it returns, :func:`publish` scans what it wrote for every solution block and hidden-test line
of every chapter in ``solutions/`` and refuses (deleting nothing it did not write) if one is found.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

__all__ = ["PublishError", "Edition", "publish", "answer_texts", "find_answers"]

#: Marks a folder as written by ``nlpcourse publish`` (so re-publishing may replace it).
MARKER = ".nlpcourse-student-edition"
BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
#: Course paths copied as they are (folders recursively).
COPIED = ("notebooks", "nlpcourse", "binder", "constraints.txt", "pyproject.toml", "LICENSE")
#: The students' Jupyter profile: settings only, never the instructor profile or runtime state.
JUPYTER_PROFILE = (
    ".jupyter/jupyter_server_config.json",
    ".jupyter/labconfig",
    ".jupyter/lab/user-settings",
    ".jupyter/lab/user-settings-zh",
)
#: The Chinese edition of the release (``notebooks/zh/``, see nlpcourse.editions).
EDITIONS = ("zh",)
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".ipynb_checkpoints", ".DS_Store")
#: The first chapter: what the Binder badge and the nbgitpuller link open.
FIRST = "notebooks/00_welcome/00_welcome.ipynb"


class PublishError(RuntimeError):
    """The student edition could not be written safely; the message says why and what to do."""


@dataclass
class Edition:
    """What :func:`publish` wrote."""

    path: Path
    chapters: list[str]
    files: int


def _cells(notebook: Path) -> list[dict]:
    return json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _between(text: str, begin: str, end: str) -> list[str]:
    blocks, inside, current = [], False, []
    for line in text.splitlines():
        if begin in line:
            inside, current = True, []
        elif end in line and inside:
            inside = False
            blocks.append("\n".join(current))
        elif inside:
            current.append(line)
    return blocks


def _code_lines(block: str) -> list[str]:
    return [line.strip() for line in block.splitlines() if line.strip() and not line.strip().startswith("#")]


def answer_texts(root: Path) -> tuple[list[str], list[str]]:
    """What students must never read, from every chapter in ``root/solutions`` (read at call time).

    Returns ``(solution_blocks, hidden_lines)``: the code between ``BEGIN/END SOLUTION`` markers, and
    the hidden-test lines a student could not otherwise see (lines that also appear in a visible
    part of any chapter, such as a visible check repeated among the hidden ones, are not secret).
    """
    solutions, secret, visible = [], [], []
    for notebook in sorted((root / "solutions").glob("*/*.ipynb")):
        for cell in _cells(notebook):
            text = _source(cell)
            solutions += [b for b in _between(text, BEGIN_SOLUTION, END_SOLUTION) if _code_lines(b)]
            for block in _between(text, BEGIN_HIDDEN, END_HIDDEN):
                secret += _code_lines(block)
            inside = False
            for line in text.splitlines():
                if BEGIN_HIDDEN in line or BEGIN_SOLUTION in line:
                    inside = True
                elif END_HIDDEN in line or END_SOLUTION in line:
                    inside = False
                elif not inside:
                    visible.append(line.strip())
    # a line any chapter shows (e.g. `model.eval()`) is no secret; an import names a module, not an answer
    shown = "\n".join(visible)
    hidden = [
        line
        for line in dict.fromkeys(secret)
        if line not in shown and not line.startswith(("import ", "from "))
    ]
    return solutions, hidden


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _texts(tree: Path):
    for path in sorted(tree.rglob("*")):
        if path.is_file() and ".git" not in path.relative_to(tree).parts:
            try:
                yield path, path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue


def find_answers(tree: Path, root: Path) -> list[str]:
    """Places in ``tree`` where an answer of ``root/solutions`` can be read (empty: none).

    * a notebook with a ``BEGIN SOLUTION`` or ``BEGIN HIDDEN TESTS`` marker;
    * any file holding a whole solution block (whitespace aside) of two or more lines, or of one
      line of 60 characters or more (shorter one-liners are the formula the chapter's prose states);
    * a notebook holding a hidden-test line, or any file holding a hidden check (a line calling
      ``check_...``: where the expected values are).
    """
    solutions, hidden = answer_texts(root)
    blocks = {_normal(b) for b in solutions if len(_code_lines(b)) >= 2 or len(_normal(b)) >= 60}
    lines = {line for line in hidden if len(line) >= 12}
    checks = {line for line in lines if "check" in line}
    found = []
    for path, text in _texts(tree):
        where = path.relative_to(tree)
        secret = checks
        if path.suffix == ".ipynb":
            body = "\n".join(_source(c) for c in _cells(path))
            for marker in (BEGIN_SOLUTION, BEGIN_HIDDEN):
                if marker in body:
                    found.append(f"{where}: contains {marker!r}")
            text, secret = body, lines
        flat = _normal(text)
        found += [f"{where}: contains a solution block starting {b[:60]!r}" for b in blocks if b in flat]
        found += [f"{where}: contains the hidden-test line {line[:80]!r}" for line in secret if line in text]
    return found


def _chapter_title(notebook: Path) -> str:
    for cell in _cells(notebook):
        if cell.get("cell_type") == "markdown":
            for line in _source(cell).splitlines():
                if line.startswith("# "):
                    return re.sub(r"^#\s*\d+\s*[·:.-]?\s*", "", line).strip()
    return notebook.stem


def _makefile(root: Path) -> str:
    exports = [
        line
        for line in (root / "Makefile").read_text(encoding="utf-8").splitlines()
        if line.startswith("export ")
    ]
    return "\n".join(
        [
            "# nlpcourse, student edition: `make lab` creates .venv on first use and opens the notebooks.",
            "SHELL := /bin/bash",
            ".DEFAULT_GOAL := lab",
            "PYTHON ?= $(shell command -v python3.11 || command -v python3)",
            "VENV := .venv",
            "BIN := $(CURDIR)/$(VENV)/bin",
            "STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)",
            *exports,
            "",
            ".PHONY: install lab",
            "install: $(STAMP)",
            "",
            "$(STAMP): pyproject.toml constraints.txt",
            "\t@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)",
            "\t$(VENV)/bin/python -m pip install --quiet --upgrade pip",
            "\t$(VENV)/bin/python -m pip install --quiet -c constraints.txt -e .",
            "\t@rm -f $(VENV)/.installed-*",
            "\t@touch $@",
            "",
            "# `make lab EDITION=zh`: the Chinese edition, JupyterLab's menus in Chinese",
            "lab: $(STAMP)",
            "\t$(if $(filter zh,$(EDITION)),JUPYTERLAB_SETTINGS_DIR=$(CURDIR)/.jupyter/lab/user-settings-zh) "
            "jupyter lab --ServerApp.root_dir=notebooks$(if $(EDITION),/$(EDITION)) "
            "$(if $(filter 0,$(shell id -u)),--allow-root)",
            "",
        ]
    )


def binder_url(repo: str, branch: str = "HEAD") -> str:
    return f"https://mybinder.org/v2/gh/{repo}/{branch}?urlpath=lab/tree/{FIRST}"


def nbgitpuller_url(hub: str, repo: str, branch: str = "main") -> str:
    """The link students click on a JupyterHub with nbgitpuller: clone or update, then open chapter 00."""
    folder = repo.rsplit("/", 1)[-1]
    source = quote("https://github.com/" + repo, safe="")
    return (
        f"{hub.rstrip('/')}/hub/user-redirect/git-pull?repo={source}"
        f"&branch={branch}&urlpath={quote(f'lab/tree/{folder}/{FIRST}', safe='')}"
    )


def _readme(chapters: list[tuple[str, str]], repo: str, branch: str) -> str:
    rows = "\n".join(
        f"| {name[:2]} | {title} | `notebooks/{name}/{name}.ipynb` |" for name, title in chapters
    )
    hub = "https://hub.example.edu"
    return f"""# nlpcourse — NLP and pretrained language models (student edition)

[![Binder](https://mybinder.org/badge_logo.svg)]({binder_url(repo, branch)})

A course on natural language processing from word vectors to BERT, in Jupyter notebooks. Each
chapter explains with prose, formulas and plots, and has exercises whose **check cells** tell you
what is right and what is not (`✔ ...`, or what was expected and what came back). It runs offline
on a laptop CPU.

## Start

* **On your laptop** (Python ≥ 3.10 and `make`): `make lab`. The first run creates `.venv` with
  the pinned versions of `constraints.txt`, then opens JupyterLab on `notebooks/`.
  **中文版**：`make lab EDITION=zh` 打开 `notebooks/zh/` 中的中文版笔记本，JupyterLab 界面也是中文
  (the Chinese edition: same exercises, same grading, prose and messages in Chinese).
* **On Binder**: click the badge above (the first start takes a few minutes).
* **On your class's JupyterHub**: click the link your instructor gives you. It uses
  [nbgitpuller](https://nbgitpuller.readthedocs.io) and has this form:

  ```
  {nbgitpuller_url(hub, repo, branch)}
  ```

  It copies this repository into your home folder the first time and brings in new chapters
  later, without overwriting your work. Fetch and submit graded chapters from
  *Nbgrader → Assignment List*.

## Chapters

| # | chapter | notebook |
|---|---|---|
{rows}

## Exercises

Write your answer where a cell says `# YOUR CODE HERE`, delete the `raise NotImplementedError()`,
and run the check cell below it. Written questions are answered in the markdown cell that says
`YOUR ANSWER HERE`. Before you submit, *Validate* (the button in the notebook's toolbar) runs the
whole notebook as the grader will. The first code cell holds `FAST` (the quick version) and
`SEED` (every result is repeatable).
"""


def _copy(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target, ignore=IGNORED, dirs_exist_ok=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def _prepare(dest: Path) -> None:
    if dest.exists() and not dest.is_dir():
        raise PublishError(f"{dest} is a file: give a folder for the student edition")
    if dest.is_dir():
        entries = [p for p in dest.iterdir() if p.name != ".git"]
        if entries and not (dest / MARKER).is_file():
            raise PublishError(
                f"{dest} is not empty and was not written by `nlpcourse publish`: give a new or empty "
                "folder (or a clone of your student repository that an earlier publish wrote)"
            )
        for entry in entries:  # an earlier edition: replace everything but its git history
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    dest.mkdir(parents=True, exist_ok=True)


def publish(
    dest: Path,
    root: Path | None = None,
    *,
    repo: str = "OWNER/nlpcourse-student",
    branch: str = "main",
    check: bool = True,
) -> Edition:
    """Write the student edition of the course at ``root`` into ``dest``; see the module docstring.

    ``check=False`` skips the final scan for answers (for tests that scan the tree themselves).
    """
    from nlpcourse.course import course_root

    root = Path(root or course_root()).resolve()
    dest = Path(dest).resolve()
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", repo):
        raise PublishError(f"--repo {repo!r}: give the student repository as OWNER/NAME (as on GitHub)")
    if dest == root or root in dest.parents:
        raise PublishError(
            f"{dest} is inside the course repository: publish outside it, e.g. ../nlpcourse-student"
        )
    release = sorted(
        p.parent.name for p in (root / "notebooks").glob("[0-9][0-9]_*/*.ipynb") if p.stem == p.parent.name
    )
    if not release:
        raise PublishError(f"{root / 'notebooks'} holds no released chapter: run `make release` first")
    missing = [
        p
        for p in ("notebooks", "nlpcourse", "binder", "constraints.txt", "pyproject.toml")
        if not (root / p).exists()
    ]
    if missing:
        raise PublishError(f"the course at {root} lacks {missing}: is it the course repository?")

    _prepare(dest)
    for name in COPIED + JUPYTER_PROFILE:
        if (root / name).exists():
            _copy(root / name, dest / name)
    for extra in (dest / "notebooks").iterdir():  # only released chapters and their editions
        if extra.is_dir() and extra.name not in release and extra.name not in EDITIONS:
            shutil.rmtree(extra)
    for edition in EDITIONS:
        if (dest / "notebooks" / edition).is_dir():
            for extra in (dest / "notebooks" / edition).iterdir():
                if extra.is_dir() and extra.name not in release:
                    shutil.rmtree(extra)
    chapters = [(name, _chapter_title(dest / "notebooks" / name / f"{name}.ipynb")) for name in release]
    (dest / "README.md").write_text(_readme(chapters, repo, branch), encoding="utf-8")
    (dest / "Makefile").write_text(_makefile(root), encoding="utf-8")
    (dest / ".gitignore").write_text(
        ".venv/\n__pycache__/\n*.pyc\n*.egg-info/\n.ipynb_checkpoints/\n.ipython/\n.cache/\n"
        ".jupyter/data/\n.jupyter/runtime/\n.jupyter/lab/workspaces/\n",
        encoding="utf-8",
    )
    (dest / MARKER).write_text(
        f"student edition of the course, written by `nlpcourse publish`; chapters: {' '.join(release)}\n",
        encoding="utf-8",
    )

    leaks = find_answers(dest, root) if check else []
    if leaks:
        raise PublishError(
            "the student edition would contain answers; fix these and publish again:\n  "
            + "\n  ".join(leaks[:20])
        )
    files = sum(1 for p in dest.rglob("*") if p.is_file() and ".git" not in p.relative_to(dest).parts)
    return Edition(dest, release, files)
