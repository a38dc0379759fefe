"""A tokenized corpus: texts, their tokens, counts, a fingerprint and deterministic splits.

corpus = Corpus.from_texts(["The cat sat.", "A dog barked."], name="pets")
corpus.sentences      # [["the", "cat", "sat", "."], ["a", "dog", "barked", "."]]
corpus.num_tokens     # 8
corpus.fingerprint    # sha256 of the token stream: equal fingerprints, equal data
train, valid, test = corpus.split((0.8, 0.1, 0.1), seed=0)
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from nlpcourse.text.tokenize import word_tokenize

__all__ = ["Corpus", "CorpusSplit"]


class CorpusSplit(NamedTuple):
    """Three disjoint parts of a corpus."""

    train: Corpus
    valid: Corpus
    test: Corpus


@dataclass(repr=False)
class Corpus:
    """Texts and their tokens, one unit (paragraph or sentence) per entry.

    ``paragraphs[i]`` is the text of unit ``i`` and ``sentences[i]`` its tokens; ``doc_ids[i]``
    (optional) says which document the unit comes from, so that units can be regrouped into
    documents (next-sentence prediction needs that).
    """

    name: str
    paragraphs: list[str]
    sentences: list[list[str]]
    doc_ids: list[int] | None = None
    unit: str = "paragraphs"  # what one entry is, for describe(): "paragraphs" or "sentences"

    def __post_init__(self) -> None:
        if not self.sentences:
            raise ValueError(f"corpus {self.name!r} is empty: pass at least one sentence")
        if len(self.paragraphs) != len(self.sentences):
            raise ValueError(
                f"corpus {self.name!r}: {len(self.paragraphs)} paragraphs but {len(self.sentences)} "
                "token lists: give one token list per paragraph"
            )
        if self.doc_ids is not None and len(self.doc_ids) != len(self.sentences):
            raise ValueError(
                f"corpus {self.name!r}: doc_ids needs one id per sentence "
                f"({len(self.sentences)}), got {len(self.doc_ids)}"
            )
        for i, sentence in enumerate(self.sentences):
            if not isinstance(sentence, list) or not all(isinstance(t, str) for t in sentence):
                raise TypeError(
                    f"corpus {self.name!r}: sentence {i} must be a list of str tokens, "
                    f"got {type(sentence).__name__} {str(sentence)[:60]}"
                )

    @classmethod
    def from_texts(cls, texts: Sequence[str], name: str = "texts", lower: bool = True) -> Corpus:
        """Tokenize each text with :func:`~nlpcourse.text.tokenize.word_tokenize`."""
        if isinstance(texts, str):
            raise TypeError("from_texts expects a list of texts, got one str: wrap it in a list")
        texts = list(texts)
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"text {i} is {type(text).__name__} {text!r}, not str: decode or join it")
        return cls(name, texts, [word_tokenize(t, lower=lower) for t in texts])

    @property
    def num_tokens(self) -> int:
        """Number of tokens in the corpus."""
        return sum(len(s) for s in self.sentences)

    @property
    def tokens(self) -> list[str]:
        """All tokens in order, as one flat list."""
        return [t for s in self.sentences for t in s]

    def counts(self) -> Counter[str]:
        """How often each token type occurs."""
        counter: Counter[str] = Counter()
        for sentence in self.sentences:
            counter.update(sentence)
        return counter

    @property
    def fingerprint(self) -> str:
        """sha256 (hex) of the token stream: one line per sentence, tokens separated by spaces."""
        digest = hashlib.sha256()
        for sentence in self.sentences:
            digest.update(" ".join(sentence).encode("utf-8"))
            digest.update(b"\n")
        return digest.hexdigest()

    def split(self, fractions: Sequence[float] = (0.8, 0.1, 0.1), seed: int = 0) -> CorpusSplit:
        """Shuffle the units with ``seed`` and cut them into train / valid / test by ``fractions``.

        The same seed always gives the same split; each part keeps the corpus order of its units.
        """
        if len(fractions) != 3 or any(not isinstance(f, int | float) or f <= 0 for f in fractions):
            raise ValueError(
                f"fractions must be three positive numbers (train, valid, test), got {fractions!r}"
            )
        if abs(sum(fractions) - 1.0) > 1e-6:
            raise ValueError(f"fractions must sum to 1, got {fractions!r} (sum {sum(fractions):.6g})")
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise TypeError(f"seed must be an int, got {type(seed).__name__} {seed!r}")
        n = len(self.sentences)
        order = list(range(n))
        random.Random(seed).shuffle(order)
        n_valid, n_test = round(fractions[1] * n), round(fractions[2] * n)
        n_train = n - n_valid - n_test
        if min(n_train, n_valid, n_test) < 1:
            raise ValueError(
                f"corpus {self.name!r} has {n} units: too few to split by {tuple(fractions)} "
                "with every part non-empty"
            )
        cuts = {
            "train": order[:n_train],
            "valid": order[n_train : n_train + n_valid],
            "test": order[n_train + n_valid :],
        }
        parts = {}
        for part, indices in cuts.items():
            indices = sorted(indices)
            parts[part] = Corpus(
                f"{self.name}/{part}",
                [self.paragraphs[i] for i in indices],
                [self.sentences[i] for i in indices],
                None if self.doc_ids is None else [self.doc_ids[i] for i in indices],
                self.unit,
            )
        return CorpusSplit(**parts)

    def describe(self) -> str:
        """One line: size in units, tokens and types (and types seen >= 5 times), and fingerprint."""
        counts = self.counts()
        frequent = sum(1 for c in counts.values() if c >= 5)
        return (
            f"{self.name}: {len(self.sentences):,} {self.unit}, {self.num_tokens:,} tokens, "
            f"{len(counts):,} types ({frequent:,} with count >= 5), sha256 {self.fingerprint[:12]}"
        )

    def __len__(self) -> int:
        return len(self.sentences)

    def __repr__(self) -> str:
        return (
            f"Corpus(name={self.name!r}, {self.unit}={len(self.sentences):,}, "
            f"tokens={self.num_tokens:,}, fingerprint={self.fingerprint[:12]!r})"
        )
