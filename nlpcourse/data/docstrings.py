"""A real English corpus already on every machine: the docstrings of Python's standard library.

    corpus = docstring_corpus()
    print(corpus.describe())
    # docstrings: 15,494 paragraphs, 262,286 tokens, 13,899 types (3,768 with count >= 5), sha256 9ca796c759b4
    # (CPython 3.11.7 on Linux; other versions have other docstrings)

The docstrings are collected by :mod:`nlpcourse.data._docwalk` in a fresh, isolated interpreter
(``python -I -S``: only the standard library is importable, and the hundreds of imports never touch
the notebook's process). Each docstring is split into paragraphs at blank lines
(:func:`~nlpcourse.text.tokenize.split_paragraphs`) and each paragraph into lower-cased word tokens
(:func:`~nlpcourse.text.tokenize.word_tokenize`; punctuation tokens are dropped unless
``keep_punctuation=True``). Paragraphs without a word are dropped. The order is fixed: modules sorted
by name, members sorted by name, so the same Python build (and the same ``word_tokenize``) always
gives the same corpus and the same fingerprint.

The paragraphs are cached as JSON in the course data directory (``$NLPCOURSE_DATA``, default
``~/.cache/nlpcourse``) under a name holding the Python version, the platform and
:data:`EXTRACTION_VERSION`; the file is written atomically, so a crash never leaves half a cache.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from nlpcourse.data.corpus import Corpus
from nlpcourse.text.tokenize import split_paragraphs, word_tokenize

__all__ = ["EXTRACTION_VERSION", "data_dir", "docstring_corpus", "docstring_paragraphs"]

#: Bump when the walk or the paragraph splitting changes: old caches are then ignored.
EXTRACTION_VERSION = 1

_WORD = re.compile(r"\w")
_WALKER = Path(__file__).with_name("_docwalk.py")


def data_dir() -> Path:
    """The course data directory: ``$NLPCOURSE_DATA`` or ``~/.cache/nlpcourse``."""
    return Path(os.environ.get("NLPCOURSE_DATA") or Path.home() / ".cache" / "nlpcourse").expanduser()


def _cache_path() -> Path:
    version = ".".join(str(v) for v in sys.version_info[:3])
    name = f"docstrings-{platform.python_implementation().lower()}{version}-{sys.platform}"
    return data_dir() / f"{name}-v{EXTRACTION_VERSION}.json"


def _walk_stdlib() -> list[str]:
    """Run the walker in a fresh interpreter, in an empty working directory; return the docstrings."""
    env = {k: v for k, v in os.environ.items() if k not in {"DISPLAY", "WAYLAND_DISPLAY", "BROWSER"}}
    with tempfile.TemporaryDirectory(prefix="nlpcourse-docwalk-") as work:
        output = Path(work) / "docstrings.json"
        try:
            result = subprocess.run(
                [os.path.abspath(sys.executable), "-I", "-S", str(_WALKER), str(output)],
                cwd=work,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=600,
            )
        except subprocess.TimeoutExpired as error:
            raise RuntimeError(
                "collecting the standard library's docstrings took over 10 minutes: "
                "is the machine overloaded?"
            ) from error
        if result.returncode != 0 or not output.is_file():
            raise RuntimeError(
                f"collecting the standard library's docstrings failed "
                f"(exit code {result.returncode}):\n{result.stderr[-2000:]}"
            )
        return json.loads(output.read_text(encoding="utf-8"))


def _extract() -> tuple[list[str], list[int]]:
    paragraphs, doc_ids = [], []
    for doc_id, docstring in enumerate(_walk_stdlib()):
        for paragraph in split_paragraphs(docstring):
            if _WORD.search(paragraph):
                paragraphs.append(paragraph)
                doc_ids.append(doc_id)
    return paragraphs, doc_ids


def _read_cache(path: Path) -> tuple[list[str], list[int]] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        paragraphs, doc_ids = data["paragraphs"], data["doc_ids"]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing or unreadable: extract again and rewrite it
    if data.get("version") != EXTRACTION_VERSION or len(paragraphs) != len(doc_ids) or not paragraphs:
        return None
    return paragraphs, doc_ids


def _write_cache(path: Path, paragraphs: list[str], doc_ids: list[int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "version": EXTRACTION_VERSION,
        "python": sys.version,
        "paragraphs": paragraphs,
        "doc_ids": doc_ids,
    }
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(data, file, ensure_ascii=False)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def docstring_paragraphs(use_cache: bool = True) -> tuple[list[str], list[int]]:
    """The paragraphs of the standard library's docstrings and, for each, its docstring's index.

    ``use_cache=False`` extracts afresh and does not touch the cache.
    """
    path = _cache_path()
    if use_cache:
        cached = _read_cache(path)
        if cached is not None:
            return cached
    paragraphs, doc_ids = _extract()
    if not paragraphs:
        raise RuntimeError(
            "the standard library gave no docstrings: is this Python built without them "
            "(python -OO or PYTHONOPTIMIZE=2)?"
        )
    if use_cache:
        try:
            _write_cache(path, paragraphs, doc_ids)
        except OSError as error:
            raise OSError(
                f"cannot write the corpus cache {path}: {error}; set NLPCOURSE_DATA to a "
                "writable folder or pass use_cache=False"
            ) from error
    return paragraphs, doc_ids


def docstring_corpus(use_cache: bool = True, keep_punctuation: bool = False) -> Corpus:
    """The standard library's docstrings as a :class:`~nlpcourse.data.corpus.Corpus` of paragraphs.

    Tokens are lower-cased words (``keep_punctuation=True`` keeps punctuation tokens too);
    ``doc_ids`` groups the paragraphs by docstring.
    """
    paragraphs, doc_ids = docstring_paragraphs(use_cache)
    sentences = [word_tokenize(p) for p in paragraphs]
    if not keep_punctuation:
        sentences = [[t for t in s if _WORD.match(t)] for s in sentences]
    return Corpus("docstrings", paragraphs, sentences, doc_ids)
