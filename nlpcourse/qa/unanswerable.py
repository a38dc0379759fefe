"""Unanswerable questions (SQuAD 2.0): the same question about a context that lost its answer.

Rajpurkar, Jia and Liang (2018) added questions whose answer is not in the paragraph, so that a reader
must also decide *whether* to answer. Here an unanswerable variant of a ``qa_dataset`` example drops
the sentence that holds the answer (sentences end with ". "): the question still matches the text
around it, but the fact is gone. Its ``answers`` are empty, SQuAD 2.0's form, and a reader is trained
to point at ``[CLS]`` for it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Any

__all__ = ["drop_answer_sentence", "mix_unanswerable"]

_SENTENCE = re.compile(r"[^.]*\.(?: |$)")


def drop_answer_sentence(example: dict[str, Any]) -> dict[str, Any]:
    """A copy of a SQuAD-form example without the sentence holding its answer, and no answer."""
    context, answers = example["context"], example["answers"]
    if not answers["text"]:
        raise ValueError(f"example {example.get('id')!r} has no answer already")
    start = answers["answer_start"][0]
    kept = [m.group() for m in _SENTENCE.finditer(context) if not m.start() <= start < m.end()]
    new_context = "".join(kept).strip()
    if not new_context:
        raise ValueError(f"example {example.get('id')!r} has only the answer's sentence: nothing is left")
    return {
        **example,
        "id": f"{example.get('id', '')}-unanswerable",
        "context": new_context,
        "answers": {"text": [], "answer_start": []},
    }


def mix_unanswerable(examples: Sequence[dict[str, Any]], share: float, seed: int = 0) -> list[dict[str, Any]]:
    """The examples with a ``share`` of them (chosen with ``random.Random(seed)``) made unanswerable."""
    if not 0 <= share <= 1:
        raise ValueError(f"share must be in [0, 1], got {share}")
    rng = random.Random(seed)
    chosen = set(rng.sample(range(len(examples)), round(share * len(examples))))
    return [drop_answer_sentence(e) if i in chosen else dict(e) for i, e in enumerate(examples)]
