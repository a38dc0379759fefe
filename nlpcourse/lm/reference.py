"""n-gram language models in plain Python, one function per formula: the reference for chapter 03.

:class:`~nlpcourse.lm.ngram.NgramLM` is the fast engine (sorted arrays, back-off tables, compiled
scoring). This module computes the same probabilities the way the formulas read, with dictionaries of
counts and recursion over the orders, so that each line can be matched to the chapter's equations::

    ref = ReferenceNgramLM(3, "kneser_ney").fit(train_sentences)
    ref.prob("world", ("hello",))          # = NgramLM(3, "kneser_ney").fit(...).prob(...) to 1e-12

It is slow (a recursion per query) and meant for reading and for testing the engine, not for use.
Notation, with h a context of k - 1 tokens, h' the same without its first token, c() counts of the
predicted tokens and |V| the number of tokens that can be predicted (all but ``<bos>`` and ``<pad>``):

* ``mle``            P(w | h) = c(h w) / c(h)
* ``add_k``          P(w | h) = (c(h w) + k) / (c(h) + k |V|)
* ``interpolation``  P(w | h) = lambda c(h w) / c(h) + (1 - lambda) P(w | h')
* ``backoff``        P(w | h) = (c(h w) - D) / c(h)          if c(h w) > 0
                              = beta(h) P(w | h')            otherwise,
                     beta(h) = (D N1+(h .) / c(h)) / (1 - sum_{v: c(h v) > 0} P(v | h'))
* ``kneser_ney``     P(w | h) = max(c'(h w) - D, 0) / c'(h) + D N1+(h .) / c'(h) P(w | h'),
                     c' = counts at the highest order, continuation counts N1+(. h w) below it (n-grams
                     that start with ``<bos>`` keep their counts under SRILM padding).

Below the unigrams sits the uniform distribution 1 / |V|; the unigram level of ``backoff`` interpolates
with it (as ``kneser_ney`` does), so that no token gets probability 0. A context never seen (c(h) = 0)
hands the whole query to h'. Discounts are estimated per order as D = n1 / (n1 + 2 n2).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from nlpcourse.lm.ngram import METHODS, PADDINGS
from nlpcourse.text.vocab import BOS, EOS, PAD, Vocab

__all__ = ["ReferenceNgramLM"]

Gram = tuple[str, ...]


class ReferenceNgramLM:
    """The formulas of the module docstring, in plain Python; same arguments as ``NgramLM``."""

    def __init__(
        self,
        order: int = 3,
        smoothing: str = "kneser_ney",
        *,
        k: float = 1.0,
        discount: float | Sequence[float] | None = None,
        lambdas: float | Sequence[float] | None = None,
        padding: str = "srilm",
    ) -> None:
        if smoothing not in METHODS:
            raise ValueError(f"unknown smoothing {smoothing!r}: choose one of {', '.join(METHODS)}")
        if padding not in PADDINGS:
            raise ValueError(f"unknown padding {padding!r}: choose one of {', '.join(PADDINGS)}")
        self.order, self.smoothing, self.k, self.padding = order, smoothing, k, padding
        self.pad = min(1, order - 1) if padding == "srilm" else order - 1
        self.given_discount = None if discount is None else _per_order(discount, order)
        self.lambdas = _per_order([0.99] + [0.6] * (order - 1) if lambdas is None else lambdas, order)

    # --- counting ----------------------------------------------------------------------------------
    def fit(
        self, sentences: Iterable[Sequence[str]], vocab: Vocab | None = None, min_freq: int = 1
    ) -> ReferenceNgramLM:
        sentences = [list(s) for s in sentences]
        self.vocab = vocab or Vocab.build(sentences, min_freq=min_freq)
        self.predictable = [t for t in self.vocab.tokens if t not in (BOS, PAD)]
        # c(g): how often the last token of g was predicted right after the rest of g
        self.count: Counter[Gram] = Counter()
        for sentence in sentences:
            padded = [BOS] * self.pad + [self._known(w) for w in sentence] + [EOS]
            for i in range(self.pad, len(padded)):
                for n in range(1, min(self.order, i + 1) + 1):
                    self.count[tuple(padded[i - n + 1 : i + 1])] += 1
        # N1+(. g): the number of distinct tokens seen right before g
        self.left: Counter[Gram] = Counter(g[1:] for g in self.count)
        self.discount = self.given_discount or tuple(
            _estimate_discount([self._c(g) for g in self.count if len(g) == n])
            for n in range(1, self.order + 1)
        )
        # the effective counts of each context, and the words seen after it
        self.context_total: Counter[Gram] = Counter()
        self.followers: defaultdict[Gram, set[str]] = defaultdict(set)
        for g in self.count:
            if self._c(g) > 0:
                self.context_total[g[:-1]] += self._c(g)
                self.followers[g[:-1]].add(g[-1])
        return self

    def _known(self, word: str) -> str:
        return word if word in self.vocab else self.vocab.tokens[self.vocab.unk_id]

    def _c(self, gram: Gram) -> int:
        """c'(g): the count Kneser-Ney uses -- continuations below the highest order."""
        if self.smoothing != "kneser_ney" or len(gram) == self.order:
            return self.count[gram]
        if self.padding == "srilm" and gram[0] == BOS:
            return self.count[gram]  # nothing can stand before <bos>: keep the count
        return self.left[gram]

    # --- probabilities -----------------------------------------------------------------------------
    def prob(self, word: str, context: Sequence[str] = ()) -> float:
        """P(word | context), straight from the formula of the chosen smoothing."""
        word, context = self._known(word), tuple(self._known(w) if w != BOS else w for w in context)
        if word in (BOS, PAD):
            return 0.0
        return getattr(self, "_" + self.smoothing)(word, context)

    def logprob(self, word: str, context: Sequence[str] = ()) -> float:
        p = self.prob(word, context)
        return math.log(p) if p > 0 else -math.inf

    def sentence_logprob(self, sentence: Sequence[str]) -> float:
        """log P(sentence): the chain rule over the words and ``<eos>`` of the padded sentence."""
        padded = [BOS] * self.pad + list(sentence) + [EOS]
        return sum(
            self.logprob(padded[i], padded[max(i - self.order + 1, 0) : i])
            for i in range(self.pad, len(padded))
        )

    def _mle(self, w: str, h: Gram) -> float:
        return self.count[h + (w,)] / self._total(h) if self._total(h) else 0.0

    def _add_k(self, w: str, h: Gram) -> float:
        return (self.count[h + (w,)] + self.k) / (self._total(h) + self.k * len(self.predictable))

    def _interpolation(self, w: str, h: Gram) -> float:
        lower = self._interpolation(w, h[1:]) if h else 1 / len(self.predictable)
        if not self._total(h):
            return lower
        lam = self.lambdas[len(h)]
        return lam * self.count[h + (w,)] / self._total(h) + (1 - lam) * lower

    def _backoff(self, w: str, h: Gram) -> float:
        d = self.discount[len(h)]
        if not h:  # unigrams: absolute discounting interpolated with the uniform distribution
            return self._kneser_ney(w, h)
        if not self._total(h):
            return self._backoff(w, h[1:])
        if self.count[h + (w,)] > 0:
            return (self.count[h + (w,)] - d) / self._total(h)
        covered = sum(self._backoff(v, h[1:]) for v in self.followers[h])
        beta = d * len(self.followers[h]) / self._total(h) / max(1 - covered, 1e-12)
        return beta * self._backoff(w, h[1:])

    def _kneser_ney(self, w: str, h: Gram) -> float:
        lower = self._kneser_ney(w, h[1:]) if h else 1 / len(self.predictable)
        total = self._total(h)
        if not total:
            return lower
        d = self.discount[len(h)]
        return max(self._c(h + (w,)) - d, 0) / total + d * len(self.followers[h]) / total * lower

    def _total(self, h: Gram) -> int:
        """c(h) = sum over w of c(h w) (effective counts for Kneser-Ney)."""
        return self.context_total[h]


def _per_order(value: float | Sequence[float], order: int) -> tuple[float, ...]:
    return (float(value),) * order if isinstance(value, int | float) else tuple(map(float, value))


def _estimate_discount(counts: list[int]) -> float:
    n1, n2 = counts.count(1), counts.count(2)
    return n1 / (n1 + 2 * n2) if n1 and n2 else 0.75
