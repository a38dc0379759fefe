"""Sentence pairs for next-sentence prediction (NSP), BERT's second pretraining task.

    ds = nsp_dataset(sizes=(10000, 1000, 1000), seed=0)
    ds["train"][0]
    # {'sentence_a': 'The king of France lives in Paris.', 'sentence_b': 'The king is a man.', 'label': 0}
    ds["train"].features["label"].names   # ['is_next', 'not_next']

Documents come from the toy world (``source="toyworld"``: short stories of 2-7 sentences, rendered as
text) or from the standard library's docstrings (``source="docstrings"``: the paragraphs of each
docstring with two or more). The documents are shuffled with the seed and divided between the splits
in proportion to ``sizes``, so no document feeds two splits. An example takes a unit A of a document
and, as B, either the unit that follows it (label 0, ``is_next``) or a random unit of another
document of the same split (label 1, ``not_next``). The label numbering is that of Hugging Face's
``BertForPreTraining`` (``next_sentence_label``: 0 means B continues A). Each split holds exactly
half of each label (one more ``is_next`` when its size is odd); pairs are unique within a split.

As in BERT, a random B can happen to be a plausible continuation ("The king is a man." after another
document's "The queen of Spain lives in Madrid."): the label says where B came from, not whether it
would fit.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from nlpcourse.data.splits import SPLITS, check_seed, check_sizes, draw_unique

__all__ = ["NSP_LABELS", "nsp_pair", "nsp_dataset"]

NSP_LABELS = ["is_next", "not_next"]
Unit = TypeVar("Unit")


class Draws(Protocol):
    """What :func:`nsp_pair` draws from: ``numpy.random.Generator`` has both methods."""

    def integers(self, high: int) -> Any: ...
    def random(self) -> float: ...


class _PythonDraws:
    """A ``random.Random`` seen as :class:`Draws` (``integers(n)`` is ``randrange(n)``)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def integers(self, high: int) -> int:
        return self.rng.randrange(high)

    def random(self) -> float:
        return self.rng.random()


def nsp_pair(
    documents: Sequence[Sequence[Unit]],
    rng: Draws,
    usable: Sequence[int] | None = None,
    label: int | None = None,
) -> tuple[Unit, Unit, int]:
    """One next-sentence-prediction example ``(a, b, label)``: the course's one rule for NSP pairs.

    A document with two or more units is drawn uniformly, then a unit ``a`` that has a successor.
    With probability 1/2 (or as ``label`` says), ``b`` is that successor and ``label = 0`` (is next);
    otherwise ``b`` is a random unit of a random *other* document and ``label = 1`` (not next).
    ``usable`` may list the indices of the documents with two or more units, to skip finding them on
    every call. ``rng``: a ``numpy.random.Generator`` (pretraining batches) or anything with
    ``integers(high)`` and ``random()``.
    """
    if usable is None:
        usable = [i for i, d in enumerate(documents) if len(d) >= 2]
    if not usable or len(documents) < 2:
        raise ValueError("NSP needs at least two documents, one of them with two or more units")
    d = int(usable[rng.integers(len(usable))])
    i = int(rng.integers(len(documents[d]) - 1))
    if label is None:
        label = 0 if rng.random() < 0.5 else 1
    if label == 0:
        return documents[d][i], documents[d][i + 1], 0
    other = int(rng.integers(len(documents) - 1))
    other += other >= d  # any document but d
    return documents[d][i], documents[other][int(rng.integers(len(documents[other])))], 1


def _documents(source: str, seed: int, n_docs: int) -> list[list[str]]:
    if source == "toyworld":
        from nlpcourse.data.toyworld import ToyWorld, render

        world = ToyWorld(seed)
        return [[render(s) for s in world.document()] for _ in range(n_docs)]
    if source == "docstrings":
        from nlpcourse.data.docstrings import docstring_paragraphs

        paragraphs, doc_ids = docstring_paragraphs()
        documents: dict[int, list[str]] = {}
        for paragraph, doc_id in zip(paragraphs, doc_ids, strict=True):
            documents.setdefault(doc_id, []).append(paragraph)
        return [doc for _, doc in sorted(documents.items())]
    raise ValueError(f"unknown source {source!r}: choose 'toyworld' or 'docstrings'")


def _pairs(documents: list[list[str]], size: int, rng: random.Random, split: str) -> list[dict[str, Any]]:
    usable = [d for d in documents if len(d) >= 2]
    if len(usable) < 2:
        raise ValueError(
            f"nsp_dataset: the {split} split has {len(usable)} documents with two or more "
            "sentences; at least 2 are needed: ask for more examples or another source"
        )

    everyone = range(len(usable))

    def draw(r: random.Random, label: int) -> dict[str, Any]:
        a, b, _ = nsp_pair(usable, _PythonDraws(r), everyone, label)
        return {"sentence_a": a, "sentence_b": b, "label": label}

    examples = []
    for label, quota in ((0, (size + 1) // 2), (1, size // 2)):
        examples += draw_unique(
            lambda r, label=label: draw(r, label),
            lambda e: (e["sentence_a"], e["sentence_b"]),
            quota,
            rng,
            f"nsp_dataset ({split}, {NSP_LABELS[label]})",
        )
    rng.shuffle(examples)
    return examples


def nsp_dataset(sizes: Sequence[int] = (10000, 1000, 1000), seed: int = 0, source: str = "toyworld") -> Any:
    """Pairs (``sentence_a``, ``sentence_b``, ``label``) for next-sentence prediction.

    Returns a ``datasets.DatasetDict`` (train / validation / test); ``label`` is a ``ClassLabel``
    with names ``["is_next", "not_next"]``.
    """
    from datasets import ClassLabel, Dataset, DatasetDict, Features, Value

    sizes = check_sizes(sizes)
    rng = random.Random(check_seed(seed))
    documents = _documents(source, seed, n_docs=sum(sizes))
    rng.shuffle(documents)
    total, start, parts = sum(sizes), 0, {}
    features = Features(
        {"sentence_a": Value("string"), "sentence_b": Value("string"), "label": ClassLabel(names=NSP_LABELS)}
    )
    for i, (split, size) in enumerate(zip(SPLITS, sizes, strict=True)):
        end = len(documents) if i == 2 else start + round(len(documents) * size / total)
        rows = _pairs(documents[start:end], size, rng, split)
        parts[split] = Dataset.from_dict({k: [row[k] for row in rows] for k in features}, features=features)
        start = end
    return DatasetDict(parts)
