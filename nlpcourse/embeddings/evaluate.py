"""How good are word vectors? Analogy accuracy, similarity correlation, agreement of neighbours.

* :func:`analogy_accuracy`: the share of ``a : b :: c : d`` questions whose best answer (3CosAdd or
  3CosMul, query words excluded) is ``d``; questions with a word outside the vocabulary are counted as
  skipped, and ``coverage`` says how many were asked.
* :func:`similarity_correlation`: Spearman's rank correlation between the cosine similarities of word
  pairs and gold scores (human judgements, or the toy world's structure).
* :func:`neighbour_overlap`: how many of the ``k`` nearest neighbours two sets of vectors agree on,
  e.g. ours and gensim's trained on the same corpus.
* :func:`random_vectors`: the same words with random vectors, the baseline any of these must beat.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import torch

from nlpcourse.embeddings.vectors import WordVectors

__all__ = [
    "AnalogyResult",
    "analogy_accuracy",
    "spearman",
    "similarity_correlation",
    "neighbour_overlap",
    "random_vectors",
]

Question = tuple[str, str, str, str]


@dataclass
class AnalogyResult:
    """Accuracy over the answered questions, overall and per relation."""

    accuracy: float  # correct / answered, over all relations
    correct: int
    answered: int
    skipped: int  # questions with a word that has no vector
    by_relation: dict[str, float] = field(default_factory=dict)

    @property
    def coverage(self) -> float:
        """Share of the questions that could be asked."""
        return self.answered / max(1, self.answered + self.skipped)

    def __str__(self) -> str:
        parts = ", ".join(f"{name} {acc:.0%}" for name, acc in self.by_relation.items())
        return (
            f"analogy accuracy {self.accuracy:.1%} ({self.correct}/{self.answered}, "
            f"coverage {self.coverage:.0%})" + (f": {parts}" if parts else "")
        )


def analogy_accuracy(
    vectors: WordVectors,
    questions: Mapping[str, Sequence[Question]] | Sequence[Question],
    method: str = "3cosadd",
    batch_size: int = 512,
) -> AnalogyResult:
    """Answer every question ``(a, b, c, d)`` ("a is to b as c is to d") and count the right ones.

    ``questions`` is a list of quadruples or a dict relation -> list (as
    :func:`nlpcourse.data.toyworld.analogies` returns).
    """
    grouped = isinstance(questions, Mapping)
    groups = dict(questions) if grouped else {"all": list(questions)}
    if not any(groups.values()):
        raise ValueError("no analogy questions given: pass (a, b, c, d) quadruples")
    correct = answered = skipped = 0
    by_relation = {}
    for name, items in groups.items():
        asked = [q for q in items if all(w in vectors for w in q)]
        skipped += len(items) - len(asked)
        right = 0
        for start in range(0, len(asked), batch_size):
            a, b, c, d = zip(*asked[start : start + batch_size], strict=True)
            best = vectors.analogy_scores(a, b, c, method).argmax(1)
            right += int((best == torch.tensor([vectors.id(w) for w in d])).sum())
        if grouped and asked:
            by_relation[name] = right / len(asked)
        correct, answered = correct + right, answered + len(asked)
    return AnalogyResult(correct / max(1, answered), correct, answered, skipped, by_relation)


def _ranks(x: torch.Tensor) -> torch.Tensor:
    """Ranks 1..n of a 1-D tensor, ties sharing their average rank."""
    order = torch.argsort(x, stable=True)
    ranks = torch.empty_like(x, dtype=torch.float64)
    ranks[order] = torch.arange(1, len(x) + 1, dtype=torch.float64)
    values, inverse = torch.unique(x, return_inverse=True)
    total = torch.zeros(len(values), dtype=torch.float64).index_add_(0, inverse, ranks)
    count = torch.zeros(len(values), dtype=torch.float64).index_add_(0, inverse, torch.ones_like(ranks))
    return (total / count)[inverse]


def spearman(x: Sequence[float] | torch.Tensor, y: Sequence[float] | torch.Tensor) -> float:
    """Spearman's rank correlation: the Pearson correlation of the ranks (ties get average ranks)."""
    x, y = torch.as_tensor(x, dtype=torch.float64), torch.as_tensor(y, dtype=torch.float64)
    if x.shape != y.shape or x.dim() != 1 or len(x) < 2:
        raise ValueError(
            f"need two 1-D sequences of the same length >= 2, got {tuple(x.shape)} and {tuple(y.shape)}"
        )
    rx, ry = _ranks(x), _ranks(y)
    rx, ry = rx - rx.mean(), ry - ry.mean()
    denominator = (rx.norm() * ry.norm()).item()
    return float((rx @ ry).item() / denominator) if denominator > 0 else 0.0


def similarity_correlation(
    vectors: WordVectors,
    pairs: Sequence[tuple[str, str, float]],
) -> tuple[float, float]:
    """Spearman correlation of cosine similarity with the gold score of ``(word, word, score)`` pairs.

    Returns ``(rho, coverage)``: pairs with a word that has no vector are left out.
    """
    known = [(a, b, s) for a, b, s in pairs if a in vectors and b in vectors]
    if len(known) < 2:
        raise ValueError(
            f"only {len(known)} of {len(pairs)} pairs have both words in the vocabulary: need at least 2"
        )
    cosines = [vectors.similarity(a, b) for a, b, _ in known]
    return spearman(cosines, [s for _, _, s in known]), len(known) / len(pairs)


def neighbour_overlap(first: WordVectors, second: WordVectors, words: Sequence[str], k: int = 10) -> float:
    """Mean share of the ``k`` nearest neighbours that ``first`` and ``second`` agree on, over ``words``.

    Only neighbours that both vocabularies contain count; ``words`` missing from either are skipped.
    """
    shared = [w for w in first.words if w in second.index]
    if len(shared) <= k:
        raise ValueError(f"the two vocabularies share {len(shared)} words: need more than k={k}")
    queries = [w for w in words if w in first.index and w in second.index]
    if not queries:
        raise ValueError("none of the query words is in both vocabularies")
    a = WordVectors(shared, first.vectors[[first.id(w) for w in shared]])
    b = WordVectors(shared, second.vectors[[second.id(w) for w in shared]])
    overlaps = [
        len({w for w, _ in a.most_similar(q, k)} & {w for w, _ in b.most_similar(q, k)}) / k for q in queries
    ]
    return sum(overlaps) / len(overlaps)


def random_vectors(vectors: WordVectors, seed: int = 0) -> WordVectors:
    """The same words with standard normal vectors of the same width: the chance baseline."""
    generator = torch.Generator().manual_seed(seed)
    return WordVectors(vectors.words, torch.randn(len(vectors), vectors.dim, generator=generator))
