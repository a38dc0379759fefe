"""n-gram language models: MLE, add-k, interpolation, back-off and interpolated Kneser-Ney.

    lm = NgramLM(order=3, smoothing="kneser_ney").fit(train_sentences)   # lists of str tokens
    lm.logprob("world", ("hello",))      # natural log of P(world | hello)
    lm.perplexity(valid_sentences)       # exp(- mean log P) over every word and </s>
    lm.generate(temperature=0.8, seed=0) # ['the', 'file', 'is', ...]
    lm.to_arpa("model.arpa")             # for KenLM, SRILM and friends

The chain rule with the Markov assumption: P(w_1 .. w_m) = prod_i P(w_i | w_{i-n+1} .. w_{i-1}), over the
words and the end marker of each sentence padded as ``<bos> w_1 .. w_m <eos>``, as SRILM and KenLM pad it
(``padding="srilm"``, the default: the first word is predicted from ``<bos>`` alone, the second from
``<bos> w_1``, ...), or as ``<bos>^(n-1) w_1 .. w_m <eos>``, as nltk pads it (``padding="nltk"``).
Words outside the vocabulary are ``<unk>`` in training and evaluation alike. The vocabulary that can be
predicted is every vocabulary entry except ``<bos>`` and ``<pad>``; |V| below is its size. With c() the
training counts:

* ``mle``: P(w | h) = c(h w) / c(h) (zero for anything unseen);
* ``add_k``: P(w | h) = (c(h w) + k) / (c(h) + k |V|); k = 1 is Laplace, 0 < k < 1 Lidstone;
* ``interpolation`` (Jelinek-Mercer): P(w | h) = lambda c(h w) / c(h) + (1 - lambda) P(w | h'), where h' is h
  without its first word, down to the uniform distribution 1 / |V|;
* ``backoff`` (absolute discounting, Katz style): P(w | h) = (c(h w) - D) / c(h) if c(h w) > 0, otherwise
  beta(h) P(w | h'), with beta(h) making the distribution sum to one;
* ``kneser_ney`` (interpolated): P(w | h) = max(c(h w) - D, 0) / c(h) + D N1+(h .) / c(h) P(w | h'), where
  the lower orders count *continuations* N1+(. h w), the number of distinct words seen before h w, not
  occurrences -- except, with SRILM padding, n-grams that begin with ``<bos>``: nothing can stand before
  them, so they keep their counts (as SRILM and KenLM's lmplz do). A context never seen passes all its
  mass to the next lower order.

Discounts D are per order, estimated as D = n1 / (n1 + 2 n2) from the numbers of n-grams seen once and
twice (Ney, Essen and Kneser 1994) unless given. In the last three methods the unigram level gives its
discounted (or 1 - lambda) mass to the uniform distribution, so that no token, not even ``<unk>``, gets 0.

Every interpolated or back-off model is stored in back-off form, as an ARPA file stores it: a probability
for every seen n-gram and a back-off weight for every seen context; scoring finds each order's n-gram
with one probe of a hash table (:mod:`nlpcourse.lm.scoring`), whatever the vocabulary size.
nltk's ``KneserNeyInterpolated(order, discount=d)`` is ``NgramLM(order, "kneser_ney",
discount=(0, d, ..., d), padding="nltk")``: nltk does not discount the unigram level, so it gives new words
probability 0. With the default padding, ``kenlm.Model(lm.to_arpa(path)).score(" ".join(sentence))``
equals ``lm.sentence_logprob(sentence) / ln 10``.

This module is the fast engine (sorted arrays, vectorised back-off, a compiled per-sentence scorer);
:mod:`nlpcourse.lm.reference` computes the same probabilities in plain Python, formula by formula.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import chain, repeat
from pathlib import Path

import numpy as np

from nlpcourse.lm.arpa import write_arpa
from nlpcourse.lm.counts import NgramCounts, padded_stream
from nlpcourse.lm.scoring import BackoffTables
from nlpcourse.text.vocab import BOS, EOS, PAD, UNK, Vocab

__all__ = ["METHODS", "PADDINGS", "NgramLM", "apply_temperature", "padded_ngrams"]

METHODS = ("mle", "add_k", "interpolation", "backoff", "kneser_ney")
PADDINGS = ("srilm", "nltk")
_INTERPOLATED = ("interpolation", "backoff", "kneser_ney")


def padded_ngrams(sentence: Sequence[str], order: int, padding: str = "srilm") -> list[tuple[str, ...]]:
    """The n-grams that predict each word and ``<eos>`` of the padded sentence.

    ``padded_ngrams(["a", "b"], 3)`` -> ``[("<bos>", "a"), ("<bos>", "a", "b"), ("a", "b", "<eos>")]``;
    with ``padding="nltk"`` the sentence is ``<bos>^(order-1) a b <eos>`` and every n-gram has n tokens.
    """
    if isinstance(sentence, str):
        raise TypeError(f"sentence must be a list of tokens, got the str {sentence[:30]!r}: tokenize it")
    pad = _pad(order, padding)
    padded = [BOS] * pad + list(sentence) + [EOS]
    return [tuple(padded[max(i - order + 1, 0) : i + 1]) for i in range(pad, len(padded))]


def _pad(order: int, padding: str) -> int:
    """The number of ``<bos>`` before a sentence: one (SRILM, KenLM) or order - 1 (nltk)."""
    if padding not in PADDINGS:
        raise ValueError(
            f"unknown padding {padding!r}: 'srilm' (one <bos>, as SRILM and KenLM) or "
            "'nltk' (order - 1 of them)"
        )
    return min(1, order - 1) if padding == "srilm" else order - 1


def apply_temperature(probs: np.ndarray, temperature: float) -> np.ndarray:
    """Sharpen (T < 1) or flatten (T > 1) a distribution: p_i^(1/T) / sum_j p_j^(1/T); T = 0 is argmax."""
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    probs = np.asarray(probs, dtype=np.float64)
    if temperature == 0:
        out = np.zeros_like(probs)
        out[np.argmax(probs)] = 1.0
        return out
    with np.errstate(divide="ignore"):
        logits = np.log(probs) / temperature
    out = np.exp(logits - logits.max())
    return out / out.sum()


class NgramLM:
    """An n-gram language model of any order; see the module docstring for the formulas.

    order: n, the number of tokens in an n-gram (1 = unigram model).
    smoothing: one of :data:`METHODS`.
    k: the pseudo-count of ``add_k`` (1 = Laplace).
    discount: D for ``backoff`` and ``kneser_ney``: None (estimated per order), a number for every order,
        or ``order`` numbers (unigrams first).
    lambdas: the weights of ``interpolation``: a number for every order or ``order`` numbers (unigrams
        first); default 0.99 for unigrams (against the uniform distribution), 0.6 above.
    padding: ``"srilm"`` (one ``<bos>`` before each sentence, as SRILM and KenLM) or ``"nltk"``
        (order - 1 of them).
    """

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
        if isinstance(order, bool) or not isinstance(order, int) or order < 1:
            raise ValueError(f"order must be an int >= 1 (1 = unigrams, 2 = bigrams, ...), got {order!r}")
        if smoothing not in METHODS:
            raise ValueError(f"unknown smoothing {smoothing!r}: choose one of {', '.join(METHODS)}")
        if smoothing == "add_k" and not k > 0:
            raise ValueError(f"add_k needs k > 0 (k = 1 is Laplace), got {k}; k = 0 is smoothing='mle'")
        self.order, self.smoothing, self.k = order, smoothing, float(k)
        self.padding, self.pad = padding, _pad(order, padding)
        highest = 1.0 if smoothing == "kneser_ney" else 0.999
        self.discount = None if discount is None else _per_order(discount, order, "discount", 0.0, highest)
        self.discounts: tuple[float, ...] | None = self.discount  # the ones in use, estimated by fit
        default = [0.99] + [0.6] * (order - 1)
        self.lambdas = _per_order(default if lambdas is None else lambdas, order, "lambdas", 0.0, 1.0)
        self.vocab: Vocab | None = None
        self.counts: NgramCounts | None = None

    def __repr__(self) -> str:
        state = f"{len(self.vocab):,} types" if self.vocab else "not fitted"
        return f"NgramLM(order={self.order}, smoothing={self.smoothing!r}, {state})"

    # --- training ----------------------------------------------------------------------------------
    def fit(
        self, sentences: Iterable[Sequence[str]], vocab: Vocab | None = None, min_freq: int = 1
    ) -> NgramLM:
        """Count the n-grams of ``sentences`` (lists of str tokens) and estimate the model.

        vocab: the vocabulary to use (it needs ``<unk>``, ``<bos>`` and ``<eos>``); by default one is built
        from ``sentences`` keeping tokens seen ``min_freq`` times or more, ordered as ``Vocab.build`` does.
        """
        sentences = _as_sentences(sentences, "training data")
        if not sentences:
            raise ValueError("training data is empty: pass at least one sentence (a list of tokens)")
        if vocab is None:
            vocab = _build_vocab(sentences, min_freq)
        self.vocab = vocab
        self._index = {token: i for i, token in enumerate(vocab.tokens)}
        self._unk, self._start, self._end = vocab.unk_id, [vocab.bos_id] * self.pad, [vocab.eos_id]
        self.counts = NgramCounts.from_ids(
            *self._encode_all(sentences), self.order, len(vocab), vocab.bos_id, vocab.eos_id, self.pad
        )
        self._predictable = np.ones(len(vocab), dtype=bool)
        self._predictable[[vocab.bos_id] + ([vocab.pad_id] if PAD in vocab.specials else [])] = False
        self._estimate()
        return self

    def _estimate(self) -> None:
        """Fill the back-off form: ``logp[i]`` per row of table i, ``log_backoff[i]`` per row of table i - 1.

        (Table i holds the (i + 1)-grams.) ``seen[i]`` marks the rows that have their own probability.
        """
        tables, size = self.counts.tables, int(self._predictable.sum())
        kn = self.smoothing == "kneser_ney"
        effective = [t.count for t in tables]
        if kn:  # lower orders count continuations, except n-grams that start a sentence (SRILM padding)
            first = tables[0].word
            for i, table in enumerate(tables[:-1]):
                first = first if i == 0 else first[table.prefix]
                starts = (first == self.vocab.bos_id) if self.padding == "srilm" else False
                effective[i] = np.where(starts, table.count, table.continuation)
        self.totals = [np.array([effective[0].sum()])] + [
            np.bincount(t.prefix, weights=e, minlength=len(lower))
            for t, e, lower in zip(tables[1:], effective[1:], tables[:-1], strict=True)
        ]
        self.seen = [e > 0 for e in effective]
        self.seen[0] = self._predictable.copy()
        if self.smoothing in ("backoff", "kneser_ney") and self.discount is None:
            self.discounts = tuple(
                _estimate_discount(e[self._predictable] if i == 0 else e) for i, e in enumerate(effective)
            )
        self.logp, self.log_backoff = [], [np.zeros(1)]
        if self.smoothing not in _INTERPOLATED:
            return
        lower_p = np.where(self._predictable, 1.0 / size, 0.0)  # order 0: uniform
        with np.errstate(divide="ignore", invalid="ignore"):
            for i, (table, eff) in enumerate(zip(tables, effective, strict=True)):
                total, below = self.totals[i][table.prefix], lower_p[table.suffix] if i else lower_p
                types = np.bincount(table.prefix[eff > 0], minlength=len(self.totals[i]))
                if self.smoothing == "interpolation":
                    alpha = self.lambdas[i] * eff / total
                    gamma = np.full(len(self.totals[i]), 1.0 - self.lambdas[i])
                else:
                    alpha = np.maximum(eff - self.discounts[i], 0.0) / total
                    gamma = self.discounts[i] * types / self.totals[i]
                if self.smoothing == "backoff" and i > 0:
                    covered = np.bincount(table.prefix[eff > 0], weights=below[eff > 0], minlength=len(gamma))
                    gamma = gamma / np.maximum(1.0 - covered, 1e-12)
                    p = alpha
                else:
                    p = alpha + gamma[table.prefix] * below
                gamma = np.where(self.totals[i] > 0, gamma, 1.0)
                p = np.where(self.seen[i], p, 0.0) if i else np.where(self._predictable, p, 0.0)
                self.logp.append(np.log(p))
                if i:
                    self.log_backoff.append(np.log(gamma))
                lower_p = p
        self._compiled = BackoffTables.from_model(
            tables, self.logp, self.seen, self.log_backoff, len(self.vocab)
        )

    # --- queries -----------------------------------------------------------------------------------
    def logprob(self, word: str, context: Sequence[str] = ()) -> float:
        """Natural log of P(word | context); ``context`` holds at most order - 1 tokens.

        A shorter context asks the model of that lower order (e.g. ``()`` gives the unigram level).
        """
        context = self._check_context(context)
        ids = np.array(self._encode(list(context) + [_check_word(word)]), dtype=np.int64)
        return float(self._stream_logprobs(ids, np.arange(len(ids)), len(ids))[-1])

    def prob(self, word: str, context: Sequence[str] = ()) -> float:
        """P(word | context)."""
        return math.exp(self.logprob(word, context))

    def distribution(self, context: Sequence[str] = ()) -> np.ndarray:
        """P(w | context) for every vocabulary id w: a float64 array of ``len(vocab)`` summing to one."""
        return self._distribution_ids(self._encode(self._check_context(context)))

    def token_logprobs(self, sentences: Iterable[Sequence[str]]) -> np.ndarray:
        """log P of every predicted token (each word, then ``<eos>``) of every sentence, in order."""
        self._check_fitted()
        tokens, offset = padded_stream(
            *self._encode_all(_as_sentences(sentences, "sentences")),
            self.order,
            self.vocab.bos_id,
            self.vocab.eos_id,
            self.pad,
        )
        return self._stream_logprobs(tokens, offset, self.order)[offset >= self.pad]

    def sentence_logprob(self, sentence: Sequence[str]) -> float:
        """log P(sentence), ``<eos>`` included: the sum of its tokens' log-probabilities."""
        if self.smoothing not in _INTERPOLATED or isinstance(sentence, str):
            return float(self.token_logprobs([sentence]).sum())
        get, unk = self._index.get, self._unk  # the fast path of one sentence: no stream to build
        ids = np.array(self._start + [get(token, unk) for token in sentence] + self._end, dtype=np.int64)
        return float(self._compiled.sentence(ids, self.pad, self.order))

    def perplexity(self, sentences: Iterable[Sequence[str]]) -> float:
        """exp(- mean log P) over every predicted token; ``inf`` if one of them has probability 0."""
        logprobs = self.token_logprobs(sentences)
        if len(logprobs) == 0:
            raise ValueError("no sentences to evaluate: pass at least one")
        return math.exp(-logprobs.mean()) if np.isfinite(logprobs).all() else math.inf

    def generate(
        self,
        max_words: int = 30,
        temperature: float = 1.0,
        seed: int | np.random.Generator | None = None,
        prefix: Sequence[str] = (),
    ) -> list[str]:
        """Sample a sentence word by word until ``<eos>`` or ``max_words``; ``prefix`` starts it."""
        self._check_fitted()
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        history = [self.vocab.bos_id] * self.pad + self._encode(list(prefix))
        words = list(prefix)
        for _ in range(max_words):
            probs = apply_temperature(
                self._distribution_ids(history[max(len(history) - self.order + 1, 0) :]), temperature
            )
            token = int(rng.choice(len(probs), p=probs))
            if token == self.vocab.eos_id:
                break
            words.append(self.vocab.id_to_token(token))
            history.append(token)
        return words

    def to_arpa(self, path: str | Path) -> Path:
        """Write the model as an ARPA file (log10 probabilities, ``<s>``, ``</s>``, ``<unk>``)."""
        return write_arpa(self, path)

    # --- internals ---------------------------------------------------------------------------------
    def _stream_logprobs(self, tokens: np.ndarray, offset: np.ndarray, top: int) -> np.ndarray:
        """log P(token_i | up to top - 1 tokens before it in its sentence) at every position.

        Back-off models are scored by the compiled walk of :mod:`nlpcourse.lm.scoring`; ``mle`` and
        ``add_k`` read the counts of the longest context each position has.
        """
        if self.smoothing in _INTERPOLATED:
            return self._compiled.score(tokens, offset, top)
        counts, rows = self.counts, [tokens]
        for k in range(2, top + 1):
            rows.append(counts.rows(tokens, offset, k, rows[-1]))
        level = np.minimum(offset + 1, top)
        seen, total = np.zeros(len(tokens)), np.zeros(len(tokens))
        for n in range(1, top + 1):
            at, row = level == n, rows[n - 1]
            context = np.zeros(len(tokens), dtype=np.int64)  # row of the n - 1 tokens before (n = 1: none)
            if n > 1:
                context[0], context[1:] = -1, rows[n - 2][:-1]
                context[offset < n - 1] = -1
            seen[at] = np.where(row >= 0, counts.tables[n - 1].count[np.maximum(row, 0)], 0)[at]
            total[at] = np.where(context >= 0, self.totals[n - 1][np.maximum(context, 0)], 0)[at]
        k = self.k if self.smoothing == "add_k" else 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            p = (seen + k) / (total + k * self._predictable.sum())
            return np.log(np.where(self._predictable[tokens] & (total + k > 0), p, 0.0))

    def _distribution_ids(self, context: list[int]) -> np.ndarray:
        counts, top = self.counts, len(context) + 1
        if self.smoothing not in _INTERPOLATED:
            seen = np.zeros(len(self.vocab))
            row = counts.context_row(context)
            if row >= 0:
                rows = counts.followers(top, row) if top > 1 else slice(None)
                table = counts.tables[top - 1]
                seen[table.word[rows]] = table.count[rows]
            total = self.totals[top - 1][row] if row >= 0 else 0.0
            k = self.k if self.smoothing == "add_k" else 0.0
            if total + k == 0:
                raise ValueError(
                    f"context {self.vocab.decode(context)} was never seen: the MLE has no "
                    "distribution there; use a smoothed model"
                )
            return np.where(self._predictable, (seen + k) / (total + k * self._predictable.sum()), 0.0)
        probs = np.exp(self.logp[0])
        for k in range(2, top + 1):
            row = counts.context_row(context[len(context) - k + 1 :])
            if row < 0:
                continue
            rows = counts.followers(k, row)
            found = self.seen[k - 1][rows]
            probs = probs * math.exp(self.log_backoff[k - 1][row])
            probs[counts.tables[k - 1].word[rows][found]] = np.exp(self.logp[k - 1][rows][found])
        return probs

    def _check_fitted(self) -> None:
        if self.counts is None:
            raise RuntimeError("this model is not fitted yet: call lm.fit(train_sentences) first")

    def _check_context(self, context: Sequence[str]) -> list[str]:
        self._check_fitted()
        if isinstance(context, str):
            raise TypeError(
                f"context must be a sequence of tokens, got the str {context!r}: "
                f"pass ({context!r},) or {context.split()!r}"
            )
        context = list(context)
        if len(context) > self.order - 1:
            raise ValueError(
                f"context {context} has {len(context)} tokens but an order-{self.order} model "
                f"looks at most {self.order - 1} back: pass context[-{self.order - 1}:]"
                if self.order > 1
                else f"a unigram model takes no context, got {context}"
            )
        for token in context:
            _check_word(token)
        return context

    def _encode(self, tokens: list[str]) -> list[int]:
        get, unk = self._index.get, self._unk
        return [get(token, unk) for token in tokens]

    def _encode_all(self, sentences: list[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        """(ids of all tokens concatenated, number of tokens of each sentence)."""
        lengths = np.fromiter(map(len, sentences), dtype=np.int64, count=len(sentences))
        tokens = chain.from_iterable(sentences)
        ids = map(self._index.get, tokens, repeat(self._unk))
        return np.fromiter(ids, dtype=np.int64, count=int(lengths.sum())), lengths


def _check_word(word: object) -> str:
    if not isinstance(word, str) or not word:
        raise TypeError(f"tokens must be non-empty str, got {type(word).__name__} {word!r}")
    return word


def _as_sentences(sentences: Iterable[Sequence[str]], what: str) -> list[Sequence[str]]:
    if isinstance(sentences, str):
        raise TypeError(
            f"{what} is one str; pass a list of sentences, each a list of tokens "
            "(e.g. [word_tokenize(text) for text in texts])"
        )
    sentences = list(sentences)
    for i, sentence in enumerate(sentences):
        if type(sentence) is list or type(sentence) is tuple:  # the common case, without the ABC check
            continue
        if isinstance(sentence, str) or not isinstance(sentence, Sequence):
            raise TypeError(
                f"{what}: sentence {i} is {type(sentence).__name__} {str(sentence)[:40]!r}, "
                "expected a list of str tokens: tokenize it first"
            )
    return sentences


def _build_vocab(sentences: list[Sequence[str]], min_freq: int) -> Vocab:
    """``Vocab.build(sentences, min_freq)``, counted in one C-level pass (Vocab.build checks each token)."""
    if isinstance(min_freq, bool) or not isinstance(min_freq, int) or min_freq < 1:
        raise ValueError(f"min_freq must be an int >= 1, got {min_freq!r}")
    counts = Counter(chain.from_iterable(sentences))
    if not counts:
        raise ValueError("training data has no tokens: pass sentences with at least one token")
    for token in counts:
        _check_word(token)
    specials = [PAD, UNK, BOS, EOS]
    kept = sorted(
        (t for t, c in counts.items() if c >= min_freq and t not in specials), key=lambda t: (-counts[t], t)
    )
    return Vocab(specials + kept, specials, counts)


def _per_order(
    value: float | Sequence[float], order: int, name: str, low: float, high: float
) -> tuple[float, ...]:
    values = (value,) * order if isinstance(value, int | float) else tuple(value)
    if len(values) != order:
        raise ValueError(
            f"{name} needs one number or {order} (one per order, unigrams first), got {len(values)}: {values}"
        )
    for v in values:
        if not low <= v <= high:
            raise ValueError(f"{name} values must lie in [{low}, {high}], got {v}")
    return tuple(float(v) for v in values)


def _estimate_discount(counts: np.ndarray) -> float:
    """D = n1 / (n1 + 2 n2), with n_r the number of n-grams seen r times; 0.75 without such n-grams."""
    n1, n2 = int((counts == 1).sum()), int((counts == 2).sum())
    return n1 / (n1 + 2 * n2) if n1 and n2 else 0.75
