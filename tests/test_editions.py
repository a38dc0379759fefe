"""The Chinese edition: every cell translated and current, the release in sync with its English one
(code, grade ids and checksums identical), no hidden test text in what students get, the glossary,
and the language machinery itself (messages, figures, widgets, fonts)."""

from __future__ import annotations

import ast
import re
import shutil
import string
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch
import yaml
from conftest import CHAPTERS, ROOT

from nlpcourse import editions, i18n
from nlpcourse.check import CheckFailed, check_equal, check_tensor, passed

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def chinese():
    with i18n.speaking("zh"):
        yield


# --- the translation files ----------------------------------------------------------------------


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_cell_and_string_is_translated_and_current(chapter):
    problems = editions.problems(chapter)
    assert not problems, f"{len(problems)} translation problem(s):\n" + "\n".join(map(str, problems[:10]))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_translations_keep_markdown_structure(chapter):
    """Same headings (level and number), same formulas, same code spans as the English cell."""
    data = editions.load(chapter)
    for cell_id, entry in data["cells"].items():
        en, zh = entry["en"], str(entry.get("zh") or "")
        heading = re.compile(r"^(#+)\s*([0-9.]+)?", re.M)
        assert [m.groups() for m in heading.finditer(en)] == [m.groups() for m in heading.finditer(zh)], (
            f"{chapter} {cell_id}: headings differ"
        )
        display = re.compile(r"\$\$.+?\$\$", re.S)
        assert len(display.findall(en)) == len(display.findall(zh)), f"{chapter} {cell_id}: formulas differ"
        assert CJK.search(zh), f"{chapter} {cell_id}: no Chinese in the translation"


def _course(tmp_path: Path) -> tuple[Path, str]:
    """A one-chapter course in tmp_path: chapter 00's source and its translation file."""
    chapter = "00_welcome"
    (tmp_path / "solutions" / chapter).mkdir(parents=True)
    shutil.copy(editions.source_path(chapter), editions.source_path(chapter, tmp_path))
    (tmp_path / "translations" / "zh").mkdir(parents=True)
    shutil.copy(editions.translation_path(chapter), editions.translation_path(chapter, "zh", tmp_path))
    return tmp_path, chapter


def test_a_changed_english_cell_is_stale_and_a_new_one_missing(tmp_path):
    root, chapter = _course(tmp_path)
    assert editions.problems(chapter, root=root) == []
    path = editions.source_path(chapter, root)
    nb = nbformat.read(path, as_version=4)
    prose = [c for c in editions.translated_cells(nb) if not c.metadata.get("nbgrader")]
    prose[1].source += "\n\nOne more sentence."
    new = nbformat.v4.new_markdown_cell("## A new section")
    new["id"] = "md-new"
    nb.cells.append(new)
    nbformat.write(nb, path)
    found = {(p.cell_id, p.kind) for p in editions.problems(chapter, root=root)}
    assert found == {(prose[1].id, "stale"), ("md-new", "missing")}
    with pytest.raises(editions.TranslationError, match="without a current zh translation"):
        editions.translate(nb, chapter, root=root)
    # --update adds the new cell (zh empty) but keeps the stale one for a translator to review
    left = {(p.cell_id, p.kind) for p in editions.update(chapter, root=root)}
    assert left == {(prose[1].id, "stale"), ("md-new", "empty")}


def test_yaml_round_trip_is_exact():
    tricky = {"a": "line one\nline two  \n\ttab\n", "b": "ends without newline\n  indented", "c": "- x: y"}
    assert yaml.safe_load(editions.dump_yaml(tricky)) == tricky


# --- the release ---------------------------------------------------------------------------------


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chinese_release_is_in_sync_and_grades_like_the_english(chapter, tmp_path):
    """notebooks/zh equals the translation of notebooks/ now; code cells, ids and nbgrader metadata
    (grade ids, points, checksums) are those of the English release, so one gradebook grades both."""
    english = nbformat.read(editions.release_path(chapter), as_version=4)
    committed = nbformat.read(editions.release_path(chapter, "zh"), as_version=4)
    assert committed == editions.translate(english, chapter), (
        f"notebooks/zh/{chapter} is stale: run `make release` (or `nlpcourse edition zh`) and commit"
    )
    assert [c.get("id") for c in committed.cells] == [c.get("id") for c in english.cells]
    for a, b in zip(english.cells, committed.cells, strict=True):
        assert a.metadata == b.metadata
        if a.cell_type == "code":
            assert a.source == b.source
    package = editions.package_strings_path(chapter)
    assert package.read_text(encoding="utf-8") == editions.package_strings(
        chapter,
        {
            k: v
            for k, v in editions.load(chapter)["strings"].items()
            if k in editions.shown_strings(committed) and str(v).strip()
        },
    ), f"{package} is stale: run `nlpcourse edition zh`"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_students_get_no_hidden_test_text(chapter):
    """The package's strings of a chapter are all visible in its student release: none comes from a
    hidden test (hints or names of hidden checks would tell students what is checked)."""
    release = set(editions.shown_strings(nbformat.read(editions.release_path(chapter), as_version=4)))
    source = set(editions.shown_strings(nbformat.read(editions.source_path(chapter), as_version=4)))
    hidden = source - release
    assert hidden, f"{chapter}: its hidden tests show no string at all?"
    strings = yaml.safe_load(editions.package_strings_path(chapter).read_text(encoding="utf-8"))["strings"]
    assert set(strings) <= release, f"strings not in the release: {sorted(set(strings) - release)[:5]}"
    assert not set(strings) & hidden


# --- the glossary --------------------------------------------------------------------------------


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_opens_with_its_glossary(chapter):
    terms = editions.load(chapter)["glossary"]
    assert 6 <= len(terms) <= 16, f"{chapter}: {len(terms)} key terms"
    nb = nbformat.read(editions.source_path(chapter), as_version=4)
    assert nb.cells[1].get("id") == editions.GLOSSARY_ID
    assert nb.cells[1].source == editions.glossary_markdown(terms, "en")
    chinese = nbformat.read(editions.release_path(chapter, "zh"), as_version=4)
    assert chinese.cells[1].source == editions.glossary_markdown(terms, "zh")
    for term in terms:
        assert CJK.search(term["zh"]) and term["en"] in nb.cells[1].source


def test_course_glossary_is_generated_from_the_chapters():
    document = (ROOT / "GLOSSARY.md").read_text(encoding="utf-8")
    assert document == editions.glossary_document(), "GLOSSARY.md is stale: nlpcourse edition zh --update"
    assert "| perplexity | 困惑度 |" in document.replace("Perplexity", "perplexity")


# --- messages ------------------------------------------------------------------------------------


def _tr_templates() -> dict[str, str]:
    found = {}
    for path in sorted((ROOT / "nlpcourse").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "tr"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found[node.args[0].value] = str(path.relative_to(ROOT))
    return found


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_package_message_has_a_chinese_template_with_the_same_fields():
    messages = yaml.safe_load((i18n.LOCALE / "zh" / "messages.yml").read_text(encoding="utf-8"))["messages"]
    templates = _tr_templates()
    assert len(templates) >= 30
    missing = [t for t in templates if t not in messages]
    assert not missing, f"untranslated messages: {missing[:5]}"
    for english, chinese in messages.items():
        assert _fields(english) == _fields(chinese), f"{english!r}: placeholders differ in {chinese!r}"
        assert CJK.search(chinese) or not CJK.search(english)


def test_check_messages_speak_the_notebook_language(chinese):
    with pytest.raises(CheckFailed) as failure:
        check_tensor("softmax of [1, 2, 3]", torch.zeros(2), torch.ones(3), hint="sum over dim=-1")
    assert str(failure.value).startswith("softmax of [1, 2, 3]: 形状应为 (3,)，实际为 (2,)")
    assert "提示：" in str(failure.value)
    with pytest.raises(CheckFailed, match="应为 list"):
        check_equal("tokens", ("a",), ["a"])
    with i18n.speaking("en"), pytest.raises(CheckFailed, match=r"expected shape \(3,\), got shape \(2,\)"):
        check_tensor("softmax", torch.zeros(2), torch.ones(3))


def test_hints_and_confirmations_come_from_the_translation_files(chinese, capsys):
    strings = editions.load("02_embeddings")["strings"]
    english, translated = next((k, v) for k, v in strings.items() if str(v).strip())
    assert i18n.tr(english) == translated
    passed(english)
    assert capsys.readouterr().out.strip() == f"✔ {translated}"
    assert i18n.tr("a string nobody translated") == "a string nobody translated"


def test_language_comes_from_environment_then_notebook(tmp_path, monkeypatch):
    nb = nbformat.v4.new_notebook()
    nb.metadata["nlpcourse"] = {"language": "zh"}
    nbformat.write(nb, tmp_path / "03_ngram.ipynb")
    assert i18n.notebook_language(tmp_path / "03_ngram.ipynb") == "zh"
    assert i18n.notebook_language({"metadata": {"nlpcourse": {"language": "klingon"}}}) == "en"
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(i18n.ENV, raising=False)
    monkeypatch.setattr(i18n, "_chosen", None)
    monkeypatch.setattr(i18n, "use_language_hooks", lambda: None)
    assert i18n.use_notebook_language() == "zh"
    monkeypatch.setattr(i18n, "_chosen", None)
    monkeypatch.setenv(i18n.ENV, "en")
    assert i18n.use_notebook_language() == "en"
    with pytest.raises(ValueError, match="choose one of en, zh"):
        i18n.set_language("fr")


# --- figures and widgets -------------------------------------------------------------------------


def _pixels(text: str, font: str) -> np.ndarray:
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(0.6, 0.6), dpi=60)
    fig.text(0.1, 0.2, text, fontsize=24, family=font)
    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba())[..., 0].copy()
    plt.close(fig)
    return pixels


def test_a_chinese_font_draws_real_glyphs_not_boxes():
    """Tofu boxes are the same picture for every missing character: with a CJK font the glyphs of
    自 and 然 differ, and every character of the glossary has a glyph in the font's file."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    font = i18n.cjk_font()
    assert font is not None, "no CJK font: run .ci/install-system-packages (fonts-noto-cjk)"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        a, b = _pixels("自", font), _pixels("然", font)
    assert (a != b).sum() > 20 and (a < 128).sum() > 20
    path = font_manager.findfont(font_manager.FontProperties(family=font), fallback_to_default=False)
    ft = FT2Font(path)
    characters = {
        ch for chapter in CHAPTERS for term in editions.load(chapter)["glossary"] for ch in term["zh"]
    }
    missing = [ch for ch in characters if CJK.match(ch) and ft.get_char_index(ord(ch)) == 0]
    assert not missing


def test_figures_and_widgets_of_a_chinese_notebook_are_translated(chinese):
    import ipywidgets
    import matplotlib.pyplot as plt

    from nlpcourse.plots import zipf_plot

    i18n.use_language_hooks()
    fig = zipf_plot({"the": 50, "of": 20, "a": 12, "cat": 3}, max_rank=3)
    ax = fig.axes[0]
    assert ax.get_title() == "齐普夫定律" and ax.get_xlabel() == "排名 r"
    assert [t.get_text() for t in ax.get_legend().get_texts()][0] == "词型"
    assert i18n.cjk_font() in plt.rcParams["font.sans-serif"][:1]
    plt.close(fig)
    slider = ipywidgets.IntSlider(description="probability")
    assert slider.description == "概率"
    with i18n.speaking("en"):
        fig, ax = plt.subplots()
        ax.set_title("probability")
        assert ax.get_title() == "probability"
        plt.close(fig)


def test_edition_command_checks_chapters_named_after_the_flag(capsys):
    from nlpcourse.cli import main

    assert main(["edition", "zh", "--check", "05_attention"]) == 0
    assert "every cell is translated and current" in capsys.readouterr().out
    assert main(["edition", "fr", "--check"]) == 2
    assert "unknown language 'fr'" in capsys.readouterr().err


# --- one gradebook for both editions ---------------------------------------------------------------


@pytest.mark.slow
def test_nlpcourse_grade_grades_both_editions_with_one_gradebook(tmp_path):
    """A class that mixes editions: the English and the Chinese solution get full marks from the same
    gradebook, a blank Chinese notebook gets 0 with Chinese feedback, a blank English one English."""
    import json
    import subprocess
    import sys

    from grading_helpers import make_course, nbgrader_env, with_solutions

    chapter = "00_welcome"
    root, env = tmp_path / "course", nbgrader_env(tmp_path / "config")
    make_course(chapter, root, env=env)
    release = nbformat.read(root / "notebooks" / chapter / f"{chapter}.ipynb", as_version=4)
    solutions = nbformat.read(root / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
    chinese = editions.translate(release, chapter)
    students = {
        "en_solution": with_solutions(release, solutions),
        "en_blank": release,
        "zh_solution": with_solutions(chinese, solutions),
        "zh_blank": chinese,
    }
    for student, nb in students.items():
        (tmp_path / "in" / student).mkdir(parents=True)
        nbformat.write(nb, tmp_path / "in" / student / f"{chapter}.ipynb")
    command = [
        str(Path(sys.executable).parent / "nlpcourse"),
        "grade",
        chapter,
        str(tmp_path / "in"),
        "--course",
        str(root),
        "--quiet",
    ]
    result = subprocess.run(
        command, cwd=root, env=env, capture_output=True, text=True, timeout=1200, check=False
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    report = json.loads((root / "grades" / f"{chapter}.json").read_text())
    grades = {r["student"]: r for r in report["students"]}
    top = grades["en_solution"]["score"]
    assert top > 0 and grades["zh_solution"]["score"] == top
    assert grades["en_blank"]["score"] == grades["zh_blank"]["score"] == 0
    feedback = {
        s: (root / "feedback" / s / chapter / f"{chapter}.html").read_text(encoding="utf-8") for s in students
    }
    assert "尚未作答" in feedback["zh_blank"] and "not answered yet" not in feedback["zh_blank"]
    assert "not answered yet" in feedback["en_blank"] and "尚未作答" not in feedback["en_blank"]
    title = editions.load(chapter)["cells"]["md-001"]["zh"].splitlines()[0].lstrip("# ")
    assert title in feedback["zh_solution"] and title not in feedback["en_solution"]
