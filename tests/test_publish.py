"""The student edition carries no answer: every solution block and hidden-test line of every chapter
(read from solutions/ now, so a new chapter is covered the day it is added) is absent from it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from nlpcourse.publish import MARKER, PublishError, publish

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted(p.parent.name for p in (ROOT / "solutions").glob("*/*.ipynb") if p.stem == p.parent.name)
REPO = "acme-university/nlp-student"


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("publish") / "nlp-student"
    # check=False: this module scans the tree with its own reading of solutions/, below
    publish(dest, ROOT, repo=REPO, check=False)
    return dest


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _text(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _secrets() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(chapter, solution block) and (chapter, hidden-test line) of every chapter, from solutions/."""
    blocks, hidden, visible = [], [], []
    for chapter in CHAPTERS:
        for cell in _cells(ROOT / "solutions" / chapter / f"{chapter}.ipynb"):
            text = _text(cell)
            for body in re.findall(r"### BEGIN SOLUTION[^\n]*\n(.*?)\n[ \t]*### END SOLUTION", text, re.S):
                blocks.append((chapter, body))
            hidden_re = r"### BEGIN HIDDEN TESTS[^\n]*\n(.*?)\n[ \t]*### END HIDDEN TESTS"
            for body in re.findall(hidden_re, text, re.S):
                hidden += [
                    (chapter, line.strip())
                    for line in body.splitlines()
                    if line.strip() and not line.strip().startswith(("#", "import ", "from "))
                ]
            visible.append(re.sub(r"### BEGIN (SOLUTION|HIDDEN TESTS).*?### END \1", "", text, flags=re.S))
    shown = "\n".join(visible)  # what some chapter shows anyway (e.g. `model.eval()`) is no secret
    hidden = [(c, line) for c, line in hidden if line not in shown]
    return blocks, hidden


def _squash(text: str) -> str:
    return " ".join(text.split())


def _files(tree: Path) -> dict[Path, str]:
    out = {}
    for path in tree.rglob("*"):
        if path.is_file():
            try:
                out[path.relative_to(tree)] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
    return out


def test_no_solutions_hidden_tests_or_wrong_answers_in_the_tree(edition: Path):
    names = {p.relative_to(edition).as_posix() for p in edition.rglob("*")}
    for forbidden in (
        "solutions",
        "tests",
        "gradebook.db",
        "submitted",
        "autograded",
        "feedback",
        "nbgrader_config.py",
        ".jupyter/instructor",
        "release",
    ):
        assert not any(n == forbidden or n.startswith(forbidden + "/") for n in names), forbidden
    assert not any("wrong_answers" in n for n in names)
    assert {p.name for p in (edition / "notebooks").iterdir()} <= {*CHAPTERS, "zh"}
    assert {p.name for p in (edition / "notebooks" / "zh").iterdir()} <= set(CHAPTERS)


def test_no_answer_can_be_read_from_the_student_edition(edition: Path):
    blocks, hidden = _secrets()
    assert len(blocks) >= 4 * len(CHAPTERS) and hidden, "solutions/ should hold answers and hidden tests"
    files = _files(edition)
    notebooks = {p: "\n".join(_text(c) for c in _cells(edition / p)) for p in files if p.suffix == ".ipynb"}
    assert len(notebooks) == len(list((ROOT / "notebooks").glob("**/*.ipynb")))
    found = []
    for path, text in {**files, **notebooks}.items():
        squashed = _squash(text)
        if path.suffix == ".ipynb":
            found += [f"{path}: marker {m}" for m in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS") if m in text]
            found += [
                f"{path}: hidden line of {c}: {line!r}"
                for c, line in hidden
                if len(line) >= 12 and line in text
            ]
        else:  # the package may share plain statements with a hidden test, never a check
            found += [
                f"{path}: hidden check of {c}: {line!r}"
                for c, line in hidden
                if len(line) >= 12 and "check" in line and line in text
            ]
        for chapter, block in blocks:
            lines = [x for x in block.splitlines() if x.strip() and not x.strip().startswith("#")]
            if (len(lines) >= 2 or len(_squash(block)) >= 60) and _squash(block) in squashed:
                found.append(f"{path}: solution block of {chapter}: {_squash(block)[:70]!r}")
    assert not found, "answers readable in the student edition:\n" + "\n".join(found)


def test_published_notebooks_are_the_release(edition: Path):
    for chapter in CHAPTERS:
        release = ROOT / "notebooks" / chapter / f"{chapter}.ipynb"
        if release.is_file():
            assert (edition / "notebooks" / chapter / f"{chapter}.ipynb").read_bytes() == release.read_bytes()
            chinese = ROOT / "notebooks" / "zh" / chapter / f"{chapter}.ipynb"
            published = edition / "notebooks" / "zh" / chapter / f"{chapter}.ipynb"
            assert published.read_bytes() == chinese.read_bytes()
            stubs = [
                c
                for c in _cells(release)
                if c["metadata"].get("nbgrader", {}).get("solution") and c["cell_type"] == "code"
            ]
            assert stubs and all("NotImplementedError" in _text(c) for c in stubs), chapter


def test_publish_refuses_a_tree_with_an_answer(tmp_path: Path):
    """Plant one chapter's solution block in a copy of the package: publish stops and names it."""
    course = tmp_path / "course"
    for name in ("notebooks", "nlpcourse", "binder", "solutions"):
        shutil.copytree(ROOT / name, course / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("constraints.txt", "pyproject.toml", "Makefile"):
        shutil.copy2(ROOT / name, course / name)
    blocks, _ = _secrets()
    chapter, block = max(blocks, key=lambda b: len(b[1]))
    (course / "nlpcourse" / "planted.py").write_text("def f(x):\n" + block + "\n", encoding="utf-8")
    with pytest.raises(PublishError, match="planted.py: contains a solution block"):
        publish(tmp_path / "out", course, repo=REPO)


def test_student_readme_binder_badge_and_nbgitpuller_link(edition: Path):
    readme = (edition / "README.md").read_text(encoding="utf-8")
    badge = re.search(r"\[!\[Binder\]\(https://mybinder.org/badge_logo.svg\)\]\((\S+)\)", readme)
    assert badge, readme[:500]
    url = urlparse(badge.group(1))
    assert url.path.startswith(f"/v2/gh/{REPO}/")
    opened = parse_qs(url.query)["urlpath"][0].removeprefix("lab/tree/")
    assert (edition / opened).is_file(), opened
    pull = re.search(r"(https://\S+/hub/user-redirect/git-pull\?\S+)", readme)
    assert pull, "no nbgitpuller link"
    query = parse_qs(urlparse(pull.group(1)).query)
    assert query["repo"] == [f"https://github.com/{REPO}"] and query["branch"] == ["main"]
    folder, _, inside = query["urlpath"][0].removeprefix("lab/tree/").partition("/")
    assert folder == REPO.split("/")[1] and (edition / inside).is_file()
    for chapter in CHAPTERS:
        if (ROOT / "notebooks" / chapter).is_dir():
            assert f"notebooks/{chapter}/{chapter}.ipynb" in readme


def _make_exports(makefile: Path, curdir: Path) -> dict[str, str]:
    exports = {}
    for name, value in re.findall(r"^export (\w+) := (.*)$", makefile.read_text(encoding="utf-8"), re.M):
        if name != "PATH":
            exports[name] = value.replace("$(CURDIR)", str(curdir))
    return exports


def test_binder_start_exports_the_makefiles_environment(edition: Path):
    expected = _make_exports(ROOT / "Makefile", edition)
    assert {"JUPYTER_CONFIG_DIR", "HF_HUB_OFFLINE", "OMP_WAIT_POLICY"} <= set(expected)
    out = subprocess.run(
        [str(edition / "binder" / "start"), "env"], capture_output=True, text=True, check=True, cwd="/"
    ).stdout
    env = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    differ = {k: (v, env.get(k)) for k, v in expected.items() if env.get(k) != v}
    assert not differ, f"binder/start and the Makefile disagree (Makefile, binder): {differ}"
    # the student Makefile exports the same, and installs from the same pins
    assert _make_exports(edition / "Makefile", edition) == expected
    assert (edition / "constraints.txt").read_bytes() == (ROOT / "constraints.txt").read_bytes()
    dry = subprocess.run(
        ["make", "-n", "-B", "install"], cwd=edition, capture_output=True, text=True, check=True
    )
    assert "-c constraints.txt" in dry.stdout


def test_student_profile_and_package_work_in_the_edition(edition: Path):
    config = json.loads((edition / ".jupyter" / "jupyter_server_config.json").read_text(encoding="utf-8"))
    extensions = config["ServerApp"]["jpserver_extensions"]
    assert extensions["nbgrader.server_extensions.formgrader"] is False
    imports = "import nlpcourse.check, nlpcourse.notebook, nlpcourse.transformer"
    result = subprocess.run([sys.executable, "-c", imports], cwd=edition, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_republish_keeps_git_and_refuses_foreign_folders(tmp_path: Path):
    dest = tmp_path / "student"
    publish(dest, ROOT, repo=REPO, check=False)
    (dest / ".git").mkdir()
    (dest / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (dest / "stale.txt").write_text("from an older edition")
    publish(dest, ROOT, repo=REPO, check=False)
    assert (dest / ".git" / "HEAD").is_file() and (dest / MARKER).is_file()
    assert not (dest / "stale.txt").exists()
    foreign = tmp_path / "somebody-else"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("do not delete")
    with pytest.raises(PublishError, match="not empty"):
        publish(foreign, ROOT, repo=REPO)
    assert (foreign / "thesis.tex").is_file()
    with pytest.raises(PublishError, match="inside the course"):
        publish(ROOT / "build" / "student", ROOT, repo=REPO)


def test_make_publish_needs_dest():
    result = subprocess.run(
        ["make", "--no-print-directory", "publish"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode != 0 and "usage: make publish DEST=" in result.stdout + result.stderr


def test_readme_course_map_lists_existing_chapters_only():
    """The course map's rows are chapters of solutions/ (no module rows pasted into it), once each."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Course map", 1)[1].split("\n\n", 2)[1]
    rows = [line for line in section.splitlines() if line.startswith("|")][2:]
    assert rows, "no course map table"
    numbers = []
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert re.fullmatch(r"\d\d", cells[0]), f"not a chapter row: {row[:80]}"
        assert len(cells) == 5, f"course map row with {len(cells)} columns: {row[:80]}"
        folder = re.search(r"`notebooks/(\d\d_\w+)`", cells[2])
        assert folder and folder.group(1) in CHAPTERS, f"row for a chapter not in solutions/: {row[:80]}"
        assert folder.group(1).startswith(cells[0])
        numbers.append(cells[0])
    assert numbers == sorted(set(numbers)), numbers
