"""Compiled scoring of a back-off n-gram model: the query loop of KenLM, in numba.

:class:`~nlpcourse.lm.ngram.NgramLM` stores every interpolated or back-off model in back-off form (a
log-probability per seen n-gram, a back-off weight per seen context). Scoring token w_i then means::

    log P(w_i | h) = log p(longest seen n-gram h' w_i) + sum of the back-off weights of the contexts
                     longer than h' that were passed on the way down

:class:`BackoffTables` packs the tables of every order into two flat arrays: for each n-gram its key
(``prefix_row * vocab_size + word``, sorted within an order), its log-probability and its back-off
weight, and a hash table from (order, key) to the n-gram's row, as KenLM's default ``probing`` structure
does. :func:`score_stream` walks the tokens once, carrying the row of every n-gram that ends at the
previous token, so each order costs one hash probe (a binary search among the words seen after a
frequent context such as *the* would take a dozen steps).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

__all__ = ["BackoffTables", "score_stream", "score_sentence"]


@dataclass
class BackoffTables:
    """A back-off model of order ``order`` over ``vocab_size`` ids with ``rows`` n-grams in all.

    ints: int64 (order + 1 + rows + slots,): ``starts`` (where each order's rows begin, then the
        total), ``keys`` (one per n-gram), ``table`` (a power of two ``slots`` >= 2 * rows: linear
        probing from :func:`_slot` of (order, key) finds 1 + the n-gram's index in ``keys``; 0 is empty;
        unigrams are not in it: their row is their id).
    floats: float64 (2 rows,): ``logp`` (natural log-probability of each n-gram; -inf for an n-gram that
        has no probability of its own, e.g. a context only) then ``backoff`` (natural log back-off weight
        of each n-gram as a context; 0 at the top order).
    Two arrays rather than six keep each compiled call cheap: numba checks every argument's type.
    """

    order: int
    vocab_size: int
    ints: np.ndarray
    floats: np.ndarray

    @classmethod
    def from_model(
        cls,
        tables: list,
        logp: list[np.ndarray],
        seen: list[np.ndarray],
        log_backoff: list[np.ndarray],
        vocab_size: int,
    ) -> BackoffTables:
        """Pack ``NgramLM``'s per-order arrays (``counts.tables``, ``logp``, ``seen``, ``log_backoff``)."""
        order = len(tables)
        starts = np.zeros(order + 1, dtype=np.int64)
        starts[1:] = np.cumsum([len(t) for t in tables])
        own = [
            p if k == 0 else np.where(s, p, -np.inf) for k, (p, s) in enumerate(zip(logp, seen, strict=True))
        ]
        backoffs = [
            log_backoff[k] if k < order else np.zeros(len(tables[k - 1])) for k in range(1, order + 1)
        ]
        keys = np.concatenate([t.key for t in tables]).astype(np.int64)
        slots = 1 << max(int(2 * len(keys)).bit_length(), 4)
        table = _hash_table(keys, starts, order, slots)
        ints = np.concatenate([starts, keys, table]).astype(np.int64)
        floats = np.concatenate(own + backoffs).astype(np.float64)
        return cls(order, vocab_size, ints, floats)

    def score(self, tokens: np.ndarray, offset: np.ndarray, top: int) -> np.ndarray:
        """log P(token_i | up to top - 1 tokens before it in its sentence), float64 (len(tokens),).

        tokens, offset: int64 (length,); ``offset`` is each token's position in its padded sentence.
        """
        return score_stream(tokens, offset, top, self.order, self.vocab_size, self.ints, self.floats)

    def sentence(self, ids: np.ndarray, pad: int, top: int) -> float:
        """log P of one padded sentence (``<bos>^pad w_1 .. w_m <eos>`` as int64 ids), ``<eos>`` included.

        Called once per sentence, so the call itself is what costs: numba's dispatcher checks the type
        of all seven arguments on every call (as long as scoring a short sentence), so after the first
        call this goes straight to the compiled function for ``(int64 array, int, int, ...)``.
        """
        if _SENTENCE[0] is None or ids.dtype != np.int64 or not ids.flags.c_contiguous:
            value = score_sentence(ids, pad, top, self.order, self.vocab_size, self.ints, self.floats)
            if ids.dtype == np.int64 and ids.flags.c_contiguous and _SENTENCE[0] is None:
                _SENTENCE[0] = _compiled(
                    score_sentence, (ids, pad, top, self.order, self.vocab_size, self.ints, self.floats)
                )
            return value
        return _SENTENCE[0](ids, pad, top, self.order, self.vocab_size, self.ints, self.floats)


#: score_sentence compiled for (C-contiguous int64 ids, ints, ..., the tables), once found.
_SENTENCE: list = [None]


def _compiled(dispatcher, args: tuple):  # noqa: ANN001, ANN202 - numba's objects
    """The compiled function ``dispatcher`` chose for ``args`` (no type dispatch when called)."""
    from numba import typeof

    return dispatcher.overloads[tuple(typeof(a) for a in args)].entry_point


@njit(cache=True, nogil=True)
def _slot(k: int, key: int, mask: int) -> int:
    """Where the probe for the ``k``-gram with ``key`` starts: a multiplicative (Fibonacci) hash."""
    x = (key * 8 + k) * -7046029254386353131  # 0x9E3779B97F4A7C15 as int64; overflow wraps
    return (x >> 17) & mask


@njit(cache=True)
def _hash_table(keys: np.ndarray, starts: np.ndarray, order: int, slots: int) -> np.ndarray:
    """The probing table of every n-gram of order >= 2: int64 (slots,), 1 + index into ``keys``."""
    table = np.zeros(slots, dtype=np.int64)
    mask = slots - 1
    for k in range(2, order + 1):
        for index in range(starts[k - 1], starts[k]):
            slot = _slot(k, keys[index], mask)
            while table[slot] != 0:
                slot = (slot + 1) & mask
            table[slot] = index + 1
    return table


@njit(cache=True, nogil=True)
def _lookup(table: np.ndarray, keys: np.ndarray, lo: int, hi: int, k: int, key: int) -> int:
    """Index in ``keys`` of the ``k``-gram with ``key`` (its rows are ``keys[lo:hi]``), or -1."""
    mask = len(table) - 1
    slot = _slot(k, key, mask)
    while True:
        index = table[slot] - 1
        if index < 0:
            return -1
        if keys[index] == key and lo <= index < hi:
            return index
        slot = (slot + 1) & mask


@njit(cache=True, nogil=True)
def _step(
    word: int,
    depth: int,
    top: int,
    previous: np.ndarray,
    current: np.ndarray,
    starts: np.ndarray,
    keys: np.ndarray,
    table: np.ndarray,
    logp: np.ndarray,
    backoff: np.ndarray,
    vocab_size: int,
) -> float:
    """log P(word | up to ``min(depth, top - 1)`` words before it): the back-off walk of one token.

    previous[k]: the row (within order k) of the k-gram that ends just before ``word``, -1 if unseen;
    current[k] receives the row of the k-gram that ends with ``word``.
    """
    current[1] = word
    result = logp[word]
    for k in range(2, top + 1):
        context = previous[k - 1] if depth >= k - 1 else -1
        row = -1
        if context >= 0:  # the k-gram (context, word), if it was seen
            at = _lookup(table, keys, starts[k - 1], starts[k], k, context * vocab_size + word)
            row = at - starts[k - 1] if at >= 0 else -1
        current[k] = row
        if row >= 0 and logp[starts[k - 1] + row] > -np.inf:
            result = logp[starts[k - 1] + row]
        elif context >= 0:
            result += backoff[starts[k - 2] + context]
    return result


@njit(cache=True, nogil=True)
def score_stream(
    tokens: np.ndarray,
    offset: np.ndarray,
    top: int,
    order: int,
    vocab_size: int,
    ints: np.ndarray,
    floats: np.ndarray,
) -> np.ndarray:
    """log P of every token given the ``top - 1`` tokens before it (fewer where ``offset`` says the
    sentence starts closer). tokens, offset: int64 (length,); returns float64 (length,)."""
    rows = ints[order]
    starts, keys, table = ints[: order + 1], ints[order + 1 : order + 1 + rows], ints[order + 1 + rows :]
    logp, backoff = floats[:rows], floats[rows:]
    out = np.empty(len(tokens))
    previous = np.full(top + 1, -1, dtype=np.int64)
    current = np.full(top + 1, -1, dtype=np.int64)
    for i in range(len(tokens)):
        out[i] = _step(
            tokens[i], offset[i], top, previous, current, starts, keys, table, logp, backoff, vocab_size
        )
        previous, current = current, previous
    return out


@njit(cache=True, nogil=True)
def score_sentence(
    ids: np.ndarray, pad: int, top: int, order: int, vocab_size: int, ints: np.ndarray, floats: np.ndarray
) -> float:
    """The sum of :func:`score_stream` over the predicted tokens (position >= pad) of one sentence,
    without building the stream: the per-call path of ``NgramLM.sentence_logprob``."""
    rows = ints[order]
    starts, keys, table = ints[: order + 1], ints[order + 1 : order + 1 + rows], ints[order + 1 + rows :]
    logp, backoff = floats[:rows], floats[rows:]
    previous = np.full(top + 1, -1, dtype=np.int64)
    current = np.full(top + 1, -1, dtype=np.int64)
    total = 0.0
    for i in range(len(ids)):
        result = _step(ids[i], i, top, previous, current, starts, keys, table, logp, backoff, vocab_size)
        if i >= pad:
            total += result
        previous, current = current, previous
    return total
