"""Two editions from one source: the Chinese notebooks are the English ones with translated prose.

``solutions/NN_name/NN_name.ipynb`` (English) is the only source. ``translations/zh/NN_name.yml``
holds the chapter's Chinese, reviewed like code, and like ``solutions/`` never published (it holds the
model answers of the written questions and the hints of hidden tests)::

    chapter: 01_text
    glossary:                  # the chapter's key terms, shown at its top in both editions
    - {en: tokenization, zh: 分词}
    cells:                     # every markdown cell, by its stable cell id
      md-001:
        en: |                  # the English it translates, exactly as in solutions/
          # 01 · Text and the challenges of NLP
        zh: |
          # 01 · 文本与自然语言处理的挑战
    strings:                   # check names and hints, plot and widget labels (see nlpcourse.i18n.tr)
      subtract the maximum first: 先减去最大值

A Chinese notebook is the English notebook with each markdown cell's source replaced by its ``zh`` and
``metadata.nlpcourse.language = "zh"``; code cells, cell ids, grade ids and checksums are untouched, so
one nbgrader gradebook grades both editions. A translation whose ``en`` is no longer the cell's English
is **stale**, a markdown cell without one is **missing**: :func:`problems` names both, the test suite
fails on either, and ``nlpcourse edition zh --update`` adds the missing cells to the file (with an
empty ``zh``) and shows what changed in the stale ones.

``make release`` writes the English release with nbgrader and then, with :func:`write_release`,
``notebooks/zh/`` and ``nlpcourse/locale/zh/NN_name.yml``: the strings of the chapter that its release
shows (so the student's kernel can translate them), never those of hidden tests.
"""

from __future__ import annotations

import copy
import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from nlpcourse.i18n import LOCALE, check_language

ROOT = Path(__file__).resolve().parents[1]
#: The cell at the top of every chapter that lists its key terms in both languages.
GLOSSARY_ID = "glossary"
#: What nbgrader leaves in a written answer's cell of the release (nbgrader_config.py text_stub).
TEXT_STUB = "YOUR ANSWER HERE"
STUBS = {"zh": "在此写下你的回答（YOUR ANSWER HERE）"}
GLOSSARY_TITLE = {
    "en": "**Key terms** of this chapter, in English and Chinese:",
    "zh": "本章**关键术语**（中英对照）：",
}
HEADER = {"en": "| English | 中文 |", "zh": "| 中文 | English |"}


class TranslationError(ValueError):
    """A translation file that is missing, stale or malformed: the message names the cells."""


@dataclass(frozen=True)
class Problem:
    """One cell whose translation is missing, stale or orphaned."""

    chapter: str
    cell_id: str
    kind: str  # "missing" | "stale" | "orphan" | "empty"
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.chapter} cell {self.cell_id}: {self.kind}{': ' + self.detail if self.detail else ''}"


# --- the files -----------------------------------------------------------------------------------


def chapters(root: Path = ROOT) -> list[str]:
    """The chapters of the course, from ``solutions/``."""
    return sorted(p.name for p in (root / "solutions").glob("[0-9][0-9]_*") if p.is_dir())


def source_path(chapter: str, root: Path = ROOT) -> Path:
    return root / "solutions" / chapter / f"{chapter}.ipynb"


def translation_path(chapter: str, language: str = "zh", root: Path = ROOT) -> Path:
    """The translation file of ``chapter`` (instructor side, beside ``solutions/``)."""
    return root / "translations" / check_language(language) / f"{chapter}.yml"


def package_strings_path(chapter: str, language: str = "zh", root: Path = ROOT) -> Path:
    """The strings of ``chapter``'s release that the package carries to students' kernels."""
    return root / LOCALE.relative_to(ROOT) / check_language(language) / f"{chapter}.yml"


def _str_presenter(dumper: Any, data: str) -> Any:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


def dump_yaml(data: dict[str, Any]) -> str:
    """YAML with multi-line strings as literal blocks (reviewable); round-trips exactly."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    Dumper.add_representer(str, _str_presenter)
    return yaml.dump(data, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=10_000)


def load(chapter: str, language: str = "zh", root: Path = ROOT) -> dict[str, Any]:
    """The translation file of ``chapter`` (an empty one if it does not exist yet)."""
    import yaml

    path = translation_path(chapter, language, root)
    if not path.is_file():
        return {"chapter": chapter, "glossary": [], "cells": {}, "strings": {}}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise TranslationError(f"{path}: not valid YAML ({error}); fix the file and run again") from error
    if not isinstance(data, dict) or data.get("chapter") != chapter:
        raise TranslationError(f"{path}: expected a mapping with `chapter: {chapter}`")
    data.setdefault("glossary", [])
    data.setdefault("cells", {})
    data.setdefault("strings", {})
    for key in ("cells", "strings"):
        if data[key] is None:
            data[key] = {}
    return data


def save(chapter: str, data: dict[str, Any], language: str = "zh", root: Path = ROOT) -> Path:
    path = translation_path(chapter, language, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (
        f"# {chapter}, Chinese edition: every markdown cell by id, with the English it translates\n"
        "# (`en`, exactly as in solutions/) and its translation (`zh`). Check with\n"
        "# `nlpcourse edition zh --check`; add new cells with `nlpcourse edition zh --update`.\n"
    )
    path.write_text(header + dump_yaml(data), encoding="utf-8")
    return path


def translated_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The cells an edition translates: every markdown cell except the generated glossary."""
    return [c for c in notebook.cells if c.cell_type == "markdown" and c.get("id") != GLOSSARY_ID]


#: Calls whose string arguments a student reads: check names, messages and hints, labels of plots and widgets.
CHECKS = {
    "check_tensor",
    "check_scalar",
    "check_equal",
    "check_true",
    "check_raises",
    "check_at_least",
    "check_accuracy",
    "check_own_work",
    "passed",
}
LABEL_CALLS = {"xlabel", "ylabel", "title", "suptitle", "set_xlabel", "set_ylabel", "set_title"}
LABEL_KEYWORDS = {"hint", "title", "xlabel", "ylabel", "label", "description", "message", "placeholder"}


def _code(source: str) -> str:
    """A code cell without IPython magics and shell escapes, so that ``ast`` can read it."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def shown_strings(notebook: nbformat.NotebookNode) -> list[str]:
    """Literal strings of the notebook's code that a student sees: check names, check messages and
    hints, ``passed`` confirmations, titles and axis labels, widget descriptions (in order, once)."""
    import ast

    found: dict[str, None] = {}

    def take(node: ast.AST) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and " " in node.value.strip():
            found.setdefault(node.value, None)

    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(_code(cell.source))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if (name in CHECKS or name == "tr") and node.args:  # tr("{n} ...", n=...): a template
                take(node.args[0])
                if name == "check_true" and len(node.args) > 2:
                    take(node.args[2])
            if name in LABEL_CALLS:
                for arg in node.args:
                    take(arg)
            for keyword in node.keywords:
                if keyword.arg in LABEL_KEYWORDS:
                    take(keyword.value)
    return list(found)


# --- the glossary ---------------------------------------------------------------------------------


def glossary_markdown(terms: list[dict[str, str]], language: str = "en") -> str:
    """The glossary cell of a chapter: a two-column table of its key terms."""
    rows = [GLOSSARY_TITLE[language], "", HEADER[language], "|---|---|"]
    for term in terms:
        en, zh = term["en"].replace("|", "\\|"), term["zh"].replace("|", "\\|")
        rows.append(f"| {en} | {zh} |" if language == "en" else f"| {zh} | {en} |")
    return "\n".join(rows)


def sync_glossary(chapter: str, root: Path = ROOT) -> bool:
    """Write the glossary cell (id ``glossary``, right after the title cell) of the English source
    from the chapter's translation file; returns whether the source changed."""
    terms = load(chapter, "zh", root).get("glossary") or []
    path = source_path(chapter, root)
    notebook = nbformat.read(path, as_version=4)
    cells = [c for c in notebook.cells if c.get("id") == GLOSSARY_ID]
    text = glossary_markdown(terms, "en") if terms else None
    if cells and text is not None and cells[0].source == text:
        return False
    if not cells and text is None:
        return False
    notebook.cells = [c for c in notebook.cells if c.get("id") != GLOSSARY_ID]
    if text is not None:
        cell = nbformat.v4.new_markdown_cell(text)
        cell["id"] = GLOSSARY_ID
        notebook.cells.insert(1, cell)
    nbformat.write(notebook, path)
    return True


def glossary_document(root: Path = ROOT) -> str:
    """GLOSSARY.md: every chapter's key terms, alphabetical, with the chapter that introduces them."""
    seen: dict[str, tuple[str, str]] = {}
    for chapter in chapters(root):
        for term in load(chapter, "zh", root).get("glossary") or []:
            seen.setdefault(term["en"].lower(), (term["en"], term["zh"], chapter))
    lines = [
        "# Glossary · 术语表",
        "",
        "The key terms of the course in English and Chinese, with the chapter that introduces each.",
        "课程的关键术语（中英对照）及首次出现的章节。Generated from `nlpcourse/locale/zh/*.yml` by",
        "`nlpcourse edition zh --update`; do not edit by hand.",
        "",
        "| English | 中文 | chapter · 章节 |",
        "|---|---|---|",
    ]
    for _, (en, zh, chapter) in sorted(seen.items()):
        lines.append(f"| {en} | {zh} | [{chapter}](notebooks/{chapter}/{chapter}.ipynb) |")
    return "\n".join(lines) + "\n"


# --- checking and updating -----------------------------------------------------------------------


def problems(chapter: str, language: str = "zh", root: Path = ROOT) -> list[Problem]:
    """Cells of ``chapter`` whose translation is missing, empty, stale, or that no longer exist."""
    notebook = nbformat.read(source_path(chapter, root), as_version=4)
    entries = load(chapter, language, root)["cells"]
    found: list[Problem] = []
    ids = set()
    for cell in translated_cells(notebook):
        ids.add(cell.id)
        entry = entries.get(cell.id)
        if not isinstance(entry, dict) or "en" not in entry:
            found.append(Problem(chapter, cell.id, "missing", "no translation"))
        elif entry["en"] != cell.source:
            diff = difflib.unified_diff(
                str(entry["en"]).splitlines(), cell.source.splitlines(), "translated", "now", lineterm="", n=0
            )
            found.append(
                Problem(
                    chapter,
                    cell.id,
                    "stale",
                    "the English changed since it was translated:\n" + "\n".join(diff),
                )
            )
        elif not str(entry.get(language) or "").strip():
            found.append(Problem(chapter, cell.id, "empty", f"`{language}` is not written yet"))
    for cell_id in entries:
        if cell_id not in ids:
            found.append(Problem(chapter, cell_id, "orphan", "no such markdown cell in the source"))
    data = load(chapter, language, root)
    for text in shown_strings(notebook):
        if not str(data["strings"].get(text) or "").strip():
            found.append(Problem(chapter, "strings", "empty", f"no translation of {text!r}"))
    terms = data.get("glossary") or []
    for term in terms:
        if not (
            isinstance(term, dict) and str(term.get("en", "")).strip() and str(term.get("zh", "")).strip()
        ):
            found.append(
                Problem(chapter, GLOSSARY_ID, "malformed", f"glossary entry {term!r} needs en and zh")
            )
    return found


def update(chapter: str, language: str = "zh", root: Path = ROOT) -> list[Problem]:
    """Add every untranslated markdown cell of ``chapter`` to its file (English in, ``zh`` empty),
    drop entries of deleted cells, keep cell order; returns what still needs a translator."""
    notebook = nbformat.read(source_path(chapter, root), as_version=4)
    data = load(chapter, language, root)
    old = data["cells"]
    cells = {}
    for cell in translated_cells(notebook):
        entry = old.get(cell.id)
        fresh = {"en": cell.source, language: ""}
        cells[cell.id] = entry if isinstance(entry, dict) and "en" in entry else fresh
    old_strings = data["strings"]
    strings = {text: old_strings.get(text) or "" for text in shown_strings(notebook)}
    save(
        chapter,
        {"chapter": chapter, "glossary": data["glossary"], "cells": cells, "strings": strings},
        language,
        root,
    )
    return problems(chapter, language, root)


# --- writing an edition --------------------------------------------------------------------------


def translate(
    notebook: nbformat.NotebookNode, chapter: str, language: str = "zh", root: Path = ROOT
) -> nbformat.NotebookNode:
    """The ``language`` edition of ``notebook`` (a solutions source or its nbgrader release).

    Raises :class:`TranslationError` naming every cell that is missing or stale, so an edition is
    never half translated.
    """
    check_language(language)
    data = load(chapter, language, root)
    entries = data["cells"]
    result = copy.deepcopy(notebook)
    wrong: list[str] = []
    for cell in translated_cells(result):
        entry = entries.get(cell.id)
        grader = cell.metadata.get("nbgrader", {})
        if grader.get("solution") and cell.source.strip() == TEXT_STUB:  # the release's written answer
            cell.source = STUBS[language]
            continue
        if not isinstance(entry, dict) or not str(entry.get(language) or "").strip():
            wrong.append(f"{cell.id} (missing)")
        elif entry.get("en") != cell.source:
            wrong.append(f"{cell.id} (stale)")
        else:
            cell.source = str(entry[language]).rstrip("\n")
    for cell in result.cells:
        if cell.get("id") == GLOSSARY_ID:
            cell.source = glossary_markdown(data.get("glossary") or [], language)
    if wrong:
        raise TranslationError(
            f"{chapter}: {len(wrong)} cell(s) without a current {language} translation: "
            f"{', '.join(wrong[:12])}{' …' if len(wrong) > 12 else ''}; run "
            f"`nlpcourse edition {language} --update` and translate them"
        )
    result.metadata.setdefault("nlpcourse", {})["language"] = language
    return result


def release_path(chapter: str, language: str = "en", root: Path = ROOT) -> Path:
    """Where the student release of ``chapter`` in ``language`` lives."""
    folder = root / "notebooks" if language == "en" else root / "notebooks" / language
    return folder / chapter / f"{chapter}.ipynb"


def write_release(language: str = "zh", root: Path = ROOT, only: list[str] | None = None) -> list[Path]:
    """Write ``notebooks/<language>/`` from the English release in ``notebooks/``."""
    written = []
    for chapter in only or chapters(root):
        english = release_path(chapter, "en", root)
        if not english.is_file():
            raise TranslationError(f"{english} does not exist: run `make release` first")
        notebook = translate(nbformat.read(english, as_version=4), chapter, language, root)
        target = release_path(chapter, language, root)
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, target)
        strings = load(chapter, language, root)["strings"]
        shown = {
            text: strings[text] for text in shown_strings(notebook) if str(strings.get(text) or "").strip()
        }
        package = package_strings_path(chapter, language, root)
        package.parent.mkdir(parents=True, exist_ok=True)
        package.write_text(package_strings(chapter, shown), encoding="utf-8")
        written += [target, package]
    return written


def package_strings(chapter: str, strings: dict[str, str]) -> str:
    """The package's copy of the strings ``chapter``'s student release shows (generated)."""
    return (
        f"# Generated by `make release` from translations/zh/{chapter}.yml: the strings the student\n"
        "# release of this chapter shows. Do not edit; edit the translation file.\n"
        + dump_yaml({"chapter": chapter, "strings": strings})
    )


def run(language: str, selected: list[str], *, check: bool = False, update_files: bool = False) -> int:
    """The ``edition`` command: check, update, or write the release of ``language``."""
    check_language(language)
    names = selected or chapters()
    if update_files:
        found = []
        for chapter in names:
            sync_glossary(chapter)
            found += update(chapter, language)
        if not selected:
            (ROOT / "GLOSSARY.md").write_text(glossary_document(), encoding="utf-8")
    elif check:
        found = [p for chapter in names for p in problems(chapter, language)]
    else:
        for path in write_release(language, only=names):
            print(f"wrote {path.relative_to(ROOT)}")
        return 0
    for problem in found:
        print(problem)
    print(f"{len(found)} cell(s) to translate or review" if found else "every cell is translated and current")
    return 1 if found and check else 0
