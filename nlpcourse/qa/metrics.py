"""SQuAD's exact match and F1, with the official v1.1 answer normalisation.

    normalize("The  Eiffel Tower!")  ->  "eiffel tower"
    lower case; drop punctuation (string.punctuation); drop the articles a, an, the; collapse whitespace

    EM = 1 if normalize(prediction) == normalize(reference) else 0
    F1 = 2 P R / (P + R),  P = |common tokens| / |prediction tokens|,  R = |common| / |reference tokens|
         (tokens are the whitespace-separated words after normalising; common counts with multiplicity)

A question has one or more references (SQuAD's dev set has three annotators); a prediction scores the
maximum over them. An unanswerable question (SQuAD 2.0) has the single reference ``""``: there a
prediction scores 1 only when it is empty too (SQuAD 2.0's rule for empty token lists).
"""

from __future__ import annotations

import re
import string
from collections import Counter, defaultdict
from collections.abc import Sequence

__all__ = ["normalize_answer", "exact_match", "f1_score", "squad_em_f1", "em_f1_by_group"]

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCTUATION = set(string.punctuation)


def normalize_answer(text: str) -> str:
    """SQuAD v1.1 normalisation: lower case, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, reference: str) -> float:
    """1.0 when the two answers are equal after :func:`normalize_answer`, else 0.0."""
    return float(normalize_answer(prediction) == normalize_answer(reference))


def f1_score(prediction: str, reference: str) -> float:
    """Token-overlap F1 of two answers after :func:`normalize_answer`."""
    predicted, gold = normalize_answer(prediction).split(), normalize_answer(reference).split()
    if not predicted or not gold:  # an empty answer: right only if both are empty
        return float(predicted == gold)
    common = sum((Counter(predicted) & Counter(gold)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def squad_em_f1(prediction: str, ground_truths: Sequence[str]) -> tuple[float, float]:
    """``(EM, F1)`` of one prediction: the maximum of each over the reference answers."""
    if not isinstance(prediction, str):
        raise TypeError(f"prediction must be a str, got {type(prediction).__name__}")
    if isinstance(ground_truths, str):
        raise TypeError("ground_truths must be a list of reference answers, got one str: wrap it in a list")
    if not ground_truths:
        raise ValueError("no reference answers: pass at least one (use [''] for an unanswerable question)")
    return (
        max(exact_match(prediction, g) for g in ground_truths),
        max(f1_score(prediction, g) for g in ground_truths),
    )


def em_f1_by_group(
    predictions: Sequence[str], references: Sequence[Sequence[str]], groups: Sequence[str] | None = None
) -> dict[str, dict[str, float]]:
    """Mean EM and F1 (in %) and the count, overall (``"all"``) and per group (e.g. question type)."""
    if len(predictions) != len(references) or (groups is not None and len(groups) != len(predictions)):
        counts = f"{len(predictions)} predictions, {len(references)} reference lists"
        counts += "" if groups is None else f" and {len(groups)} groups"
        raise ValueError(f"got {counts}: one of each per question")
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for i, (prediction, gold) in enumerate(zip(predictions, references, strict=True)):
        em, f1 = squad_em_f1(prediction, gold)
        for key in ("all", groups[i]) if groups is not None else ("all",):
            sums[key][0] += em
            sums[key][1] += f1
            sums[key][2] += 1
    return {key: {"em": 100 * em / n, "f1": 100 * f1 / n, "count": n} for key, (em, f1, n) in sums.items()}
