"""Scores of a translation system, overall and by category.

* exact match: the share of outputs equal to the reference, character for character. For numbers
  and dates this is the only score that matters: 三百一十二 for 312 is right, 三百二十一 is wrong.
* BLEU (our :func:`~nlpcourse.translation.bleu.bleu`, equal to sacrebleu's) and chrF (sacrebleu's
  character n-gram F-score) give partial credit for overlap: 三百二十一 shares most characters and
  bigrams with 三百一十二, so BLEU calls it a decent translation while it names another number.
"""

from __future__ import annotations

from collections.abc import Sequence

from nlpcourse.translation.bleu import bleu

__all__ = ["exact_match", "chrf", "category", "CATEGORIES", "scores", "scores_by_category"]

CATEGORIES = ("plain number", "with 零", "with 万", "date")


def exact_match(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Share (0-1) of hypotheses identical to their reference."""
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses but {len(references)} references")
    if not references:
        raise ValueError("no sentences to score")
    return sum(h == r for h, r in zip(hypotheses, references, strict=True)) / len(references)


def chrf(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """sacrebleu's corpus chrF (0-100)."""
    import sacrebleu

    return sacrebleu.corpus_chrf(list(hypotheses), [list(references)]).score


def category(example: dict[str, str]) -> str:
    """Which part of the task an example tests: dates, numbers with 万, with an inner 零, or neither."""
    if example["kind"] == "date":
        return "date"
    if "万" in example["zh"]:
        return "with 万"
    return "with 零" if "零" in example["zh"] else "plain number"


def scores(hypotheses: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """Exact match (%), BLEU and chrF of one set of outputs."""
    return {
        "exact match": 100 * exact_match(hypotheses, references),
        "BLEU": bleu(hypotheses, references),
        "chrF": chrf(hypotheses, references),
        "n": float(len(references)),
    }


def scores_by_category(
    examples: Sequence[dict[str, str]], hypotheses: Sequence[str]
) -> dict[str, dict[str, float]]:
    """``{category: scores}`` for every category present, plus ``"all"``."""
    if len(examples) != len(hypotheses):
        raise ValueError(f"{len(examples)} examples but {len(hypotheses)} hypotheses")
    table = {}
    for name in CATEGORIES:
        index = [i for i, e in enumerate(examples) if category(e) == name]
        if index:
            table[name] = scores([hypotheses[i] for i in index], [examples[i]["zh"] for i in index])
    table["all"] = scores(list(hypotheses), [e["zh"] for e in examples])
    return table
