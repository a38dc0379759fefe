"""Retrieve, then read: open-domain questions answered from a collection of passages.

    1. retrieve: the k passages a retriever (BM25 or dense) ranks first for the question
    2. read:     the reader's best span in each of them (all windows in one batched forward pass)
    3. answer:   the span with the highest score (start logit + end logit) and the passage it is in

(Chen et al. 2017, "Reading Wikipedia to Answer Open-Domain Questions".) The answer is only as good as
retrieval: a passage that is not retrieved cannot be read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from nlpcourse.qa.reader import Reader

__all__ = ["OpenAnswer", "RetrieveAndRead"]


class OpenAnswer(NamedTuple):
    """The answer to an open-domain question, with where it was found."""

    text: str  # the best span
    passage: int  # index of the passage that holds it
    score: float  # its span score
    retrieved: list[int]  # the passages read, in retrieval order
    retrieval_scores: list[float]


class RetrieveAndRead:
    """``RetrieveAndRead(search, passages, reader, k).answer(question)`` -> :class:`OpenAnswer`.

    search: ``(question, k) -> (indices, scores)``, e.g. ``BM25.search`` or ``DenseRetriever.search``.
    """

    def __init__(
        self,
        search: Callable[[str, int], tuple[list[int], list[float]]],
        passages: Sequence[str],
        reader: Reader,
        k: int = 5,
    ):
        if k < 1:
            raise ValueError(f"k must be at least 1 passage, got {k}")
        self.search, self.passages, self.reader, self.k = search, passages, reader, k

    def answer(self, question: str) -> OpenAnswer:
        if not isinstance(question, str) or not question.strip():
            raise ValueError("question is empty: ask something about the collection")
        indices, scores = self.search(question, self.k)
        predictions = self.reader.read(question, [self.passages[i] for i in indices])
        best = max(range(len(indices)), key=lambda j: predictions[j].score)
        return OpenAnswer(
            predictions[best].text, indices[best], predictions[best].score, list(indices), list(scores)
        )
