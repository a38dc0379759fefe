"""BM25 (Robertson et al. 1994; Robertson & Zaragoza 2009): the classic lexical retriever.

For a query q and a document d of length |d| (in tokens), with avgdl the mean document length,
N documents and n(t) of them containing term t:

    score(q, d) = sum_{t in q} idf(t) * f(t, d) (k1 + 1) / (f(t, d) + k1 (1 - b + b |d| / avgdl))
    idf(t) = ln(1 + (N - n(t) + 0.5) / (n(t) + 0.5))          (Lucene's idf: never negative)

f(t, d) is the count of t in d; k1 (about 1.2-2) saturates repeated terms, b (0.75) normalises by
length. A query term repeated in the query counts once per repetition. The index stores, per term, the
documents holding it and their precomputed term weights, so a query touches only its terms' postings.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from nlpcourse.text.tokenize import word_tokenize

__all__ = ["bm25_tokenize", "BM25"]

_WORD = re.compile(r"\w")


def bm25_tokenize(text: str) -> list[str]:
    """Lower-cased word tokens, punctuation dropped (as :func:`~nlpcourse.data.docstring_corpus`)."""
    return [t for t in word_tokenize(text) if _WORD.match(t)]


class BM25:
    """A BM25 index over tokenized documents: ``BM25(docs).scores(query_tokens)`` -> ``(N,)`` array.

    documents: a list of token lists (e.g. ``docstring_corpus().sentences``).
    """

    def __init__(self, documents: Sequence[Sequence[str]], k1: float = 1.5, b: float = 0.75):
        if isinstance(documents, str) or not documents:
            raise ValueError("documents must be a non-empty list of token lists")
        if k1 < 0 or not 0 <= b <= 1:
            raise ValueError(f"need k1 >= 0 and 0 <= b <= 1, got k1={k1}, b={b}")
        self.k1, self.b = k1, b
        self.num_documents = len(documents)
        lengths = np.array([len(d) for d in documents], dtype=np.float64)
        self.avgdl = float(lengths.mean()) or 1.0
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for index, document in enumerate(documents):
            if isinstance(document, str):
                raise TypeError(f"document {index} is a str: tokenize it first (e.g. with bm25_tokenize)")
            for term, count in Counter(document).items():
                docs, counts = postings.setdefault(term, ([], []))
                docs.append(index)
                counts.append(count)
        norm = k1 * (1 - b + b * lengths / self.avgdl)  # (N,) the length part of the denominator
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.idf: dict[str, float] = {}
        for term, (docs, counts) in postings.items():
            ids, tf = np.array(docs), np.array(counts, dtype=np.float64)
            self.idf[term] = math.log(1 + (self.num_documents - len(ids) + 0.5) / (len(ids) + 0.5))
            self.postings[term] = (ids, self.idf[term] * tf * (k1 + 1) / (tf + norm[ids]))

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """BM25 score of every document for the query tokens: ``(N,)`` float64 (0 for no shared term)."""
        if isinstance(query, str):
            raise TypeError("query must be a list of tokens: use bm25_tokenize(text)")
        total = np.zeros(self.num_documents)
        for term in query:
            if term in self.postings:
                ids, weights = self.postings[term]
                total[ids] += weights
        return total

    def search(self, query: str, k: int = 5) -> tuple[list[int], list[float]]:
        """The ``k`` best documents for a query string: ``(indices, scores)``, best first."""
        if not query or not query.strip():
            raise ValueError("query is empty: ask a question")
        scores = self.scores(bm25_tokenize(query))
        k = min(k, self.num_documents)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.lexsort((top, -scores[top]))]  # by score, ties by index: deterministic
        return top.tolist(), scores[top].tolist()
