"""BLEU by hand (Papineni et al. 2002), equal to ``sacrebleu.corpus_bleu(..., tokenize="zh")``.

    BLEU = BP * exp( (1/4) * sum_{n=1..4} log p_n )

* ``p_n``, the *modified* n-gram precision over the corpus: each hypothesis n-gram counts as correct
  at most as often as it occurs in the reference ("clipping"), so "的的的的" cannot score by
  repeating a common character:  p_n = sum_s sum_g min(c_hyp(g), c_ref(g)) / sum_s sum_g c_hyp(g).
* ``BP``, the brevity penalty: precision alone rewards saying little, so a corpus of hypotheses of
  total length c shorter than the references' r is penalised: BP = exp(1 - r / c) if c < r, else 1.
* Smoothing (sacrebleu's default, "exp"): the k-th order with no match at all gets
  p_n = 1 / (2^k * total_n) instead of 0; with no match of any order BLEU is 0.

Scores are on sacrebleu's 0-100 scale. Chinese is scored per character: the text is tokenised by
sacrebleu's own ``zh`` tokenizer (each CJK character becomes a token; other text is split like
mteval-13a), so that both implementations count exactly the same tokens.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Callable, Sequence

__all__ = ["tokenize_zh", "ngrams", "modified_precision", "brevity_penalty", "bleu"]

MAX_ORDER = 4


def tokenize_zh(text: str) -> list[str]:
    """sacrebleu's ``zh`` tokenisation: ``"2021年3月5日"`` -> ``['2021', '年', '3', '月', '5', '日']``."""
    return _zh_tokenizer()(text.rstrip()).split()


@functools.cache
def _zh_tokenizer() -> Callable[[str], str]:
    from sacrebleu.tokenizers.tokenizer_zh import TokenizerZh

    return TokenizerZh()


def ngrams(tokens: Sequence[str], n: int) -> Counter:
    """Counts of the n-grams (tuples of n tokens) of one sentence."""
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def modified_precision(hypothesis: Sequence[str], reference: Sequence[str], n: int) -> tuple[int, int]:
    """(clipped matches, hypothesis n-grams) of order n for one tokenised sentence pair."""
    hyp, ref = ngrams(hypothesis, n), ngrams(reference, n)
    return sum(min(count, ref[g]) for g, count in hyp.items()), sum(hyp.values())


def brevity_penalty(hyp_len: int, ref_len: int) -> float:
    """exp(1 - r / c) when the corpus is too short (c < r), 1 otherwise; 0 for an empty output."""
    if hyp_len >= ref_len:
        return 1.0
    return math.exp(1 - ref_len / hyp_len) if hyp_len > 0 else 0.0


def bleu(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Corpus BLEU (0-100) of ``hypotheses`` against one reference each (lists of strings)."""
    if isinstance(hypotheses, str) or isinstance(references, str):
        raise TypeError("pass lists of strings (one sentence each), not a single str: wrap it in a list")
    if len(hypotheses) != len(references):
        raise ValueError(
            f"{len(hypotheses)} hypotheses but {len(references)} references: give one "
            "reference per hypothesis"
        )
    correct, total = [0] * MAX_ORDER, [0] * MAX_ORDER
    hyp_len = ref_len = 0
    for hypothesis, reference in zip(hypotheses, references, strict=True):
        hyp, ref = tokenize_zh(hypothesis), tokenize_zh(reference)
        hyp_len, ref_len = hyp_len + len(hyp), ref_len + len(ref)
        for n in range(1, MAX_ORDER + 1):
            matches, count = modified_precision(hyp, ref, n)
            correct[n - 1] += matches
            total[n - 1] += count
    if not any(correct):
        return 0.0
    log_precisions, zeros = [], 0
    for n in range(MAX_ORDER):
        if total[n] == 0:  # sentences too short for this order: it counts as log(0)
            break
        if correct[n] == 0:
            zeros += 1
            log_precisions.append(math.log(100.0 / (2**zeros * total[n])))  # "exp" smoothing
        else:
            log_precisions.append(math.log(100.0 * correct[n] / total[n]))
    log_precisions += [-9999999999.0] * (MAX_ORDER - len(log_precisions))  # sacrebleu's log(0)
    return brevity_penalty(hyp_len, ref_len) * math.exp(sum(log_precisions) / MAX_ORDER)
