"""Counting n-grams: padded sentences, one sorted table per order, continuation counts.

    counts = NgramCounts.from_ids(np.array([4, 5, 6, 4, 7]), [3, 2], order=3, vocab_size=8, bos_id=2,
                                  eos_id=3)  # the sentences [4, 5, 6] and [4, 7]
    counts.tables[2].count        # raw counts of the trigrams, one per distinct trigram
    counts.find(2, context_id, w) # row of the trigram (context, w) in table 2, or -1

Every sentence is padded as ``<bos> ... <bos> w_1 ... w_m <eos>`` with ``pad`` times ``<bos>``: once, as
SRILM and KenLM do (the default of :class:`~nlpcourse.lm.ngram.NgramLM`; the first words are then predicted
from shorter contexts), or order - 1 times, as nltk does (every token has a full context of order - 1
tokens). Each of ``w_1 ... w_m, <eos>`` is *predicted* once.

An n-gram of order k is stored as the pair (id of its first k - 1 tokens in table k - 1, last token),
packed into one integer ``key = prefix_id * vocab_size + word``, as in the tries of SRILM and KenLM.
Table k holds the keys sorted, so finding an n-gram is a binary search, whatever the vocabulary size,
and the words that can follow one context form a contiguous run of rows. Keys never overflow: a prefix
id is below the number of distinct (k - 1)-grams, not ``vocab_size ** (k - 1)``.

Table k holds every k-gram found inside a padded sentence; its ``count`` is how often its last token was
predicted (0 for k-grams ending in ``<bos>``, which occur only as contexts). ``continuation[j]`` (for
k < order) is the number of distinct tokens seen right before k-gram j, N1+(. w), which Kneser-Ney uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["NgramTable", "NgramCounts", "padded_stream"]


@dataclass
class NgramTable:
    """The distinct n-grams of one order k, sorted by ``key``; all arrays have one entry per n-gram."""

    order: int
    key: np.ndarray  # int64, prefix * vocab_size + word, ascending
    prefix: np.ndarray  # int64, row of the first k - 1 tokens in table k - 1 (0 for unigrams)
    word: np.ndarray  # int64, the last token
    suffix: np.ndarray  # int64, row of the last k - 1 tokens in table k - 1 (-1 for unigrams)
    count: np.ndarray  # int64, times the last token was predicted after the prefix
    continuation: np.ndarray | None = None  # int64, N1+(. ngram): distinct left neighbours

    def __len__(self) -> int:
        return len(self.key)


def padded_stream(
    ids: np.ndarray, lengths: np.ndarray, order: int, bos_id: int, eos_id: int, pad: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Sentences padded and concatenated: ``(tokens, offset)``, both int64 of one length.

    ids: the token ids of all sentences, concatenated; lengths: the number of tokens of each sentence;
    pad: the number of ``<bos>`` before each sentence (default order - 1).
    ``offset[i]`` is the position of token i inside its padded sentence ``<bos>^pad ... <eos>``;
    tokens with ``offset >= pad`` are the predicted ones (the words and ``<eos>``).
    """
    pad = order - 1 if pad is None else pad
    lengths = np.asarray(lengths, dtype=np.int64)
    padded = lengths + pad + 1
    ends = np.cumsum(padded)
    starts = ends - padded
    tokens = np.full(int(ends[-1]) if len(ends) else 0, bos_id, dtype=np.int64)
    first_word = starts + pad - (np.cumsum(lengths) - lengths)  # minus the words before
    words = np.arange(len(ids), dtype=np.int64) + np.repeat(first_word, lengths)
    tokens[words] = ids
    tokens[ends - 1] = eos_id
    return tokens, np.arange(len(tokens), dtype=np.int64) - np.repeat(starts, padded)


@dataclass
class NgramCounts:
    """Tables of orders 1..order (``tables[k - 1]`` holds the k-grams) over ids ``0 .. vocab_size - 1``."""

    order: int
    vocab_size: int
    tables: list[NgramTable]

    @classmethod
    def from_ids(
        cls,
        ids: np.ndarray,
        lengths: np.ndarray,
        order: int,
        vocab_size: int,
        bos_id: int,
        eos_id: int,
        pad: int | None = None,
    ) -> NgramCounts:
        """Count every n-gram of orders 1..order in sentences given as :func:`padded_stream` takes them."""
        pad = order - 1 if pad is None else pad
        tokens, offset = padded_stream(ids, lengths, order, bos_id, eos_id, pad)
        predicted = offset >= pad
        unigrams = NgramTable(
            1,
            np.arange(vocab_size, dtype=np.int64),
            np.zeros(vocab_size, np.int64),
            np.arange(vocab_size, dtype=np.int64),
            np.full(vocab_size, -1, np.int64),
            np.bincount(tokens[predicted], minlength=vocab_size),
        )
        tables, ids = [unigrams], tokens  # ids[i]: row of the k-gram ending at token i (-1: none)
        for k in range(2, order + 1):
            valid = np.flatnonzero(offset >= k - 1)  # the k-gram ending here stays inside its sentence
            keys = ids[valid - 1] * vocab_size + tokens[valid]
            key, inverse = np.unique(keys, return_inverse=True)
            rows = np.full(len(tokens), -1, dtype=np.int64)
            rows[valid] = inverse
            where = np.empty(len(key), dtype=np.int64)
            where[inverse] = valid  # one position of each k-gram (any will do)
            counted = rows[predicted]
            tables.append(
                NgramTable(
                    k,
                    key,
                    key // vocab_size,
                    key % vocab_size,
                    ids[where],
                    np.bincount(counted[counted >= 0], minlength=len(key)),
                )
            )
            ids = rows
        for lower, higher in zip(tables, tables[1:], strict=False):
            lower.continuation = np.bincount(higher.suffix[higher.count > 0], minlength=len(lower))
        return cls(order, vocab_size, tables)

    def find(self, k: int, prefix: np.ndarray | int, word: np.ndarray | int) -> np.ndarray:
        """Rows of the k-grams (prefix row in table k - 1, word) in table k; -1 where absent or prefix < 0."""
        table = self.tables[k - 1]
        prefix, word = np.asarray(prefix, dtype=np.int64), np.asarray(word, dtype=np.int64)
        key = prefix * self.vocab_size + word
        row = np.searchsorted(table.key, key)
        row = np.minimum(row, len(table) - 1)
        return np.where((table.key[row] == key) & (prefix >= 0), row, -1)

    def rows(self, tokens: np.ndarray, offset: np.ndarray, k: int, below: np.ndarray) -> np.ndarray:
        """Rows of the k-grams ending at each token, given ``below``, the rows of the (k - 1)-grams."""
        if k == 1:
            return tokens.copy()
        prefix = np.full(len(tokens), -1, dtype=np.int64)
        prefix[1:] = below[:-1]
        prefix[offset < k - 1] = -1
        return self.find(k, prefix, tokens)

    def followers(self, k: int, prefix_row: int) -> slice:
        """The rows of table k whose first k - 1 tokens are row ``prefix_row`` of table k - 1."""
        key = self.tables[k - 1].key
        start = np.searchsorted(key, prefix_row * self.vocab_size)
        return slice(int(start), int(np.searchsorted(key, (prefix_row + 1) * self.vocab_size)))

    def context_row(self, context: Sequence[int]) -> int:
        """Row of the n-gram ``context`` in table len(context), -1 if never seen (0 for the empty one)."""
        row = 0
        for k, token in enumerate(context, start=1):
            row = int(self.find(k, row, token)) if k > 1 else int(token)
            if row < 0:
                return -1
        return row
