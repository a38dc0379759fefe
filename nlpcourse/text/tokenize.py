"""Word tokenization: the first step from raw text to model input.

``word_tokenize("Don't split U.S. numbers like 3.14!")`` ->
``["don't", "split", "u.s.", "numbers", "like", "3.14", "!"]``.

A token is a word (letters, digits, inner apostrophes, hyphens or dots, as in "don't", "state-of-the-art",
"3.14", "u.s."), or a single punctuation character. Whitespace separates tokens and is dropped.
"""

from __future__ import annotations

import re

__all__ = ["WORD_PATTERN", "word_tokenize", "split_paragraphs"]

#: An abbreviation of single letters ("u.s.", "e.g."), a word with optional inner ' - . joints
#: ("don't", "state-of-the-art", "3.14"), or one character that is neither a word nor a space.
WORD_PATTERN = re.compile(r"(?:[^\W\d_]\.){2,}|\w+(?:['’.\-]\w+)*|[^\w\s]", re.UNICODE)


def word_tokenize(text: str, lower: bool = True) -> list[str]:
    """Split ``text`` into word and punctuation tokens (lower-cased unless ``lower=False``)."""
    if not isinstance(text, str):
        raise TypeError(f"word_tokenize expects a str, got {type(text).__name__}: decode or join it first")
    tokens = WORD_PATTERN.findall(text)
    return [t.lower() for t in tokens] if lower else tokens


def split_paragraphs(text: str) -> list[str]:
    """Split text at blank lines; each paragraph's lines are joined with single spaces."""
    if not isinstance(text, str):
        raise TypeError(f"split_paragraphs expects a str, got {type(text).__name__}")
    paragraphs = re.split(r"\n\s*\n", text)
    return [" ".join(line.strip() for line in p.splitlines()).strip() for p in paragraphs if p.strip()]
