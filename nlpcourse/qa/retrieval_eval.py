"""Evaluating retrieval: questions over the docstrings whose answer passage is known, and recall@k.

The questions are generated, deterministically, from the docstrings themselves. Many docstrings open
with an imperative summary ("Return the number of items in a container."). For every docstring whose
first paragraph opens with such a sentence (its first word in :data:`VERBS`, 4 to 25 words), the
sentence is turned into a question about the function it documents,

    "Return the number of items in a container."
    ->  "Which function returns the number of items in a container?"

and the paragraph is the question's known answer passage. A sentence that opens more than one paragraph
(e.g. ``Return self==value.``) is dropped, since its passage would be ambiguous. ``n`` questions are drawn
with ``random.Random(seed)``; the same paragraphs and seed always give the same questions.

recall@k is the share of questions whose answer passage is among the k passages a retriever ranks
first. The questions copy the passage's words (only the verb form changes), so they favour lexical
matching: real users' words differ more from the documents' than these do.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import NamedTuple

__all__ = ["VERBS", "RetrievalQuestion", "third_person", "docstring_questions", "recall_at_k"]

#: Imperative verbs that open docstring summaries (lower case).
VERBS = frozenset(
    """add append apply build calculate call change check clear close compare compile compute
configure convert copy create decode delete determine encode ensure escape evaluate execute extract fetch find
flush format generate get handle initialize insert install join list load log look make match merge move
normalize open parse perform pop print process put raise read receive register release remove rename render
replace reset resolve restore retrieve return run save search send set show shut skip sort split start stop
strip test translate truncate try turn unpack unregister update validate wait walk wrap write
yield""".split()
)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


class RetrievalQuestion(NamedTuple):
    """A generated question and the index of its answer passage."""

    question: str
    passage: int  # index into the paragraphs the questions were generated from
    sentence: str  # the docstring sentence it came from


def third_person(verb: str) -> str:
    """``return`` -> ``returns``, ``match`` -> ``matches``, ``apply`` -> ``applies``."""
    if verb.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if verb.endswith("y") and verb[-2:-1] not in set("aeiou"):
        return verb[:-1] + "ies"
    return verb + "s"


def _first_sentence(paragraph: str) -> str:
    return _SENTENCE_END.split(" ".join(paragraph.split()), maxsplit=1)[0]


def docstring_questions(
    paragraphs: Sequence[str], doc_ids: Sequence[int], n: int = 200, seed: int = 0
) -> list[RetrievalQuestion]:
    """``n`` questions (fewer if the paragraphs hold fewer), each with its answer passage's index."""
    if len(paragraphs) != len(doc_ids):
        raise ValueError(
            f"{len(paragraphs)} paragraphs but {len(doc_ids)} doc_ids: pass both from docstring_paragraphs()"
        )
    openings = Counter(_first_sentence(p).lower() for p in paragraphs)
    candidates = []
    for index, (paragraph, doc) in enumerate(zip(paragraphs, doc_ids, strict=True)):
        if index > 0 and doc_ids[index - 1] == doc:
            continue  # not the first paragraph of its docstring
        sentence = _first_sentence(paragraph)
        words = sentence.rstrip(".").split()
        if not 4 <= len(words) <= 25 or words[0].lower() not in VERBS or not sentence.endswith("."):
            continue
        if openings[sentence.lower()] > 1 or not re.fullmatch(r"[\w\s,'()\-/]+", " ".join(words[1:])):
            continue  # ambiguous answer passage, or code-like text
        question = f"Which function {third_person(words[0].lower())} {' '.join(words[1:])}?"
        candidates.append(RetrievalQuestion(question, index, sentence))
    chosen = random.Random(seed).sample(candidates, min(n, len(candidates)))
    return sorted(chosen, key=lambda q: q.passage)


def recall_at_k(
    search: Callable[[str, int], tuple[list[int], list[float]]],
    questions: Sequence[RetrievalQuestion],
    ks: Sequence[int] = (1, 5, 20),
) -> dict[int, float]:
    """recall@k for every k in ``ks``: share of questions whose passage is in ``search(question, k)[0]``."""
    if not questions:
        raise ValueError("no questions to evaluate")
    depth = max(ks)
    ranks = []
    for q in questions:
        ranked = search(q.question, depth)[0]
        ranks.append(ranked.index(q.passage) if q.passage in ranked else depth)
    return {k: sum(r < k for r in ranks) / len(ranks) for k in ks}
