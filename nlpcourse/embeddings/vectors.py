"""Trained word vectors: look-up, cosine neighbours, analogies, and the word2vec text format.

    wv = WordVectors(["king", "queen", "man", "woman"], torch.randn(4, 50))
    wv["king"]                                  # (50,) float32
    wv.most_similar("king", topn=3)             # [("queen", 0.71), ...]
    wv.analogy("man", "woman", "king")          # man : woman :: king : ?  -> [("queen", 0.83)]
    wv.save("vectors.txt")                      # gensim's KeyedVectors.load_word2vec_format reads it

Similarity is the cosine ``cos(x, y) = x . y / (|x| |y|)``. Analogies ``a : b :: c : ?`` follow Levy and
Goldberg (2014), over unit vectors and excluding the three query words from the answers:

* 3CosAdd: ``argmax_d cos(d, b) - cos(d, a) + cos(d, c)``, i.e. the word nearest to ``b - a + c``;
* 3CosMul: ``argmax_d cos'(d, b) cos'(d, c) / (cos'(d, a) + eps)`` with ``cos' = (cos + 1) / 2``.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

import torch

from nlpcourse.text.vocab import Vocab

__all__ = ["UnknownWordError", "WordVectors", "cosine_similarity"]


class UnknownWordError(KeyError):
    """A query word is not in the vocabulary; the message says which and suggests close words."""

    def __str__(self) -> str:
        return str(self.args[0])


def cosine_similarity(x: torch.Tensor, y: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Cosine similarity of the rows: ``x: (n, d)``, ``y: (m, d)`` -> ``(n, m)``; a zero row scores 0."""
    x_unit = x / x.norm(dim=-1, keepdim=True).clamp(min=eps)
    y_unit = y / y.norm(dim=-1, keepdim=True).clamp(min=eps)
    return x_unit @ y_unit.T


class WordVectors:
    """One vector per word: ``words[i]`` has ``vectors[i]``, ``vectors: (num_words, dim)`` float32."""

    def __init__(self, words: Sequence[str], vectors: torch.Tensor) -> None:
        words = list(words)
        vectors = torch.as_tensor(vectors).detach().to(torch.float32).contiguous()
        if vectors.dim() != 2 or vectors.shape[0] != len(words):
            raise ValueError(
                f"expected vectors of shape ({len(words)}, dim), one row per word, got {tuple(vectors.shape)}"
            )
        if not words:
            raise ValueError("no words: pass at least one word and its vector")
        for i, word in enumerate(words):
            if not isinstance(word, str) or not word or any(c.isspace() for c in word):
                raise ValueError(f"word {i} ({word!r}) must be a non-empty str without whitespace")
        self.words = words
        self.vectors = vectors
        self.index = {w: i for i, w in enumerate(words)}
        if len(self.index) != len(words):
            raise ValueError("duplicate words: each word may have one vector")
        self._unit: torch.Tensor | None = None

    @classmethod
    def from_vocab(cls, vocab: Vocab, matrix: torch.Tensor) -> WordVectors:
        """Vectors of a :class:`~nlpcourse.text.Vocab`'s tokens (rows in id order), specials left out."""
        specials = set(vocab.specials)
        keep = [i for i, t in enumerate(vocab.tokens) if t not in specials]
        return cls([vocab.tokens[i] for i in keep], matrix.detach()[keep])

    # --- look-up ---------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    def __repr__(self) -> str:
        return f"WordVectors({len(self)} words, dim {self.dim}: {', '.join(self.words[:5])}, ...)"

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    def id(self, word: str) -> int:
        """The row of ``word``; :class:`UnknownWordError` with suggestions if it has none."""
        try:
            return self.index[word]
        except KeyError:
            close = difflib.get_close_matches(str(word), self.words, n=3)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            raise UnknownWordError(f"{word!r} is not in the vocabulary of {len(self)} words{hint}") from None

    def __getitem__(self, word: str) -> torch.Tensor:
        return self.vectors[self.id(word)]

    @property
    def unit(self) -> torch.Tensor:
        """(num_words, dim): every vector scaled to length 1 (zero vectors stay zero)."""
        if self._unit is None:
            self._unit = self.vectors / self.vectors.norm(dim=1, keepdim=True).clamp(min=1e-8)
        return self._unit

    # --- similarity ------------------------------------------------------------------------------
    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two words."""
        return float(self.unit[self.id(a)] @ self.unit[self.id(b)])

    def most_similar(
        self, query: str | torch.Tensor, topn: int = 10, exclude: Sequence[str] = ()
    ) -> list[tuple[str, float]]:
        """The ``topn`` words of highest cosine with ``query`` (a word, left out, or a vector)."""
        if isinstance(query, str):
            exclude = [query, *exclude]
            query = self.unit[self.id(query)]
        scores = self.unit @ (query / query.norm().clamp(min=1e-8))
        return self._top(scores, topn, exclude)

    def _top(self, scores: torch.Tensor, topn: int, exclude: Sequence[str]) -> list[tuple[str, float]]:
        scores = scores.clone()
        scores[[self.id(w) for w in exclude]] = -float("inf")
        values, ids = scores.topk(min(topn, len(self) - len(set(exclude))))
        return [(self.words[i], float(v)) for i, v in zip(ids.tolist(), values.tolist(), strict=True)]

    def analogy_scores(
        self, a: Sequence[str], b: Sequence[str], c: Sequence[str], method: str = "3cosadd", eps: float = 1e-3
    ) -> torch.Tensor:
        """Scores ``(num_questions, num_words)`` of every word as the answer to ``a[q] : b[q] :: c[q] : ?``.

        The query words themselves get ``-inf``.
        """
        ia, ib, ic = (torch.tensor([self.id(w) for w in ws]) for ws in (a, b, c))
        cos_a, cos_b, cos_c = (self.unit[i] @ self.unit.T for i in (ia, ib, ic))
        if method == "3cosadd":
            scores = cos_b - cos_a + cos_c
        elif method == "3cosmul":
            scores = (cos_b + 1) / 2 * (cos_c + 1) / 2 / ((cos_a + 1) / 2 + eps)
        else:
            raise ValueError(f"method must be '3cosadd' or '3cosmul', got {method!r}")
        rows = torch.arange(len(ia))
        for ids in (ia, ib, ic):
            scores[rows, ids] = -float("inf")
        return scores

    def analogy(
        self, a: str, b: str, c: str, topn: int = 1, method: str = "3cosadd"
    ) -> list[tuple[str, float]]:
        """Answers to ``a : b :: c : ?`` ("man is to woman as king is to ?"), best first."""
        scores = self.analogy_scores([a], [b], [c], method)[0]
        values, ids = scores.topk(min(topn, len(self) - len({a, b, c})))
        return [(self.words[i], float(v)) for i, v in zip(ids.tolist(), values.tolist(), strict=True)]

    # --- files -----------------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the word2vec text format: a header ``"<num_words> <dim>"``, then ``word v1 v2 ...``.

        Values are written with 9 significant digits, so float32 vectors come back bit for bit.
        """
        path = Path(path)
        with path.open("w", encoding="utf-8") as file:
            file.write(f"{len(self)} {self.dim}\n")
            for word, row in zip(self.words, self.vectors.tolist(), strict=True):
                file.write(word + " " + " ".join(f"{x:.9g}" for x in row) + "\n")
        return path

    @classmethod
    def load(cls, path: str | Path) -> WordVectors:
        """Read vectors in the word2vec text format (as written by gensim's ``save_word2vec_format``)."""
        path = Path(path)
        with path.open(encoding="utf-8") as file:
            header = file.readline().split()
            if len(header) != 2 or not all(h.isdigit() for h in header):
                raise ValueError(
                    f"{path}: the first line must be '<num_words> <dim>', got "
                    f"{' '.join(header)!r} (is this the binary format? save with binary=False)"
                )
            count, dim = map(int, header)
            words, rows = [], []
            for number, line in enumerate(file, start=2):
                parts = line.rstrip().split(" ")
                if len(parts) != dim + 1:
                    raise ValueError(
                        f"{path}, line {number}: expected a word and {dim} numbers, got {len(parts)} fields"
                    )
                words.append(parts[0])
                rows.append([float(x) for x in parts[1:]])
        if len(words) != count:
            raise ValueError(f"{path}: the header announces {count} words, the file holds {len(words)}")
        return cls(words, torch.tensor(rows, dtype=torch.float32).reshape(count, dim))
