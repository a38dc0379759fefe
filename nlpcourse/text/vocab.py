"""A word-level vocabulary: the table between tokens and the integer ids a model sees.

    vocab = Vocab.build([["the", "cat", "sat"], ["the", "dog"]], min_freq=1)
    vocab.tokens                      # ['<pad>', '<unk>', '<bos>', '<eos>', 'the', 'cat', 'dog', 'sat']
    vocab.encode(["the", "bird"])     # [4, 1]        ('bird' was never seen: it maps to <unk>)
    vocab.decode([2, 4, 5, 3], skip_specials=True)  # ['the', 'cat']

The order is deterministic, so the same corpus always gives the same ids:

* the special tokens first, in the order given (``<pad>`` = 0, ``<unk>`` = 1, ``<bos>`` = 2, ``<eos>`` = 3
  by default);
* then every token with ``count(token) >= min_freq``, by descending count, ties broken alphabetically
  (by code point, as Python sorts strings): id(w) < id(v) iff (-count(w), w) < (-count(v), v).

``max_size`` caps the whole table (specials included): the rarest tokens are the ones left out, and
they map to ``<unk>`` like any unseen word. This is Zipf's law at work: a few thousand types cover most
running words, and the long tail is what ``min_freq`` and ``max_size`` cut.
"""

from __future__ import annotations

import json
import operator
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

__all__ = ["Vocab"]

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"
_FORMAT = "nlpcourse.Vocab"
_VERSION = 1


class Vocab:
    """An id for every kept token; unknown tokens map to ``<unk>``.

    Build one with :meth:`Vocab.build` (from tokenized sentences) or :meth:`Vocab.load` (from a JSON
    file written by :meth:`save`). ``counts`` is the :class:`~collections.Counter` of every token seen
    in training, kept or not.
    """

    def __init__(self, tokens: Sequence[str], specials: Sequence[str], counts: Counter[str] | None = None):
        tokens, specials = list(tokens), list(specials)
        _check_specials(specials)
        if tokens[: len(specials)] != specials:
            raise ValueError(f"tokens must start with the specials {specials}, got {tokens[: len(specials)]}")
        for position, token in enumerate(tokens):
            _check_token(token, f"token {position}")
        index = {token: i for i, token in enumerate(tokens)}
        if len(index) != len(tokens):
            duplicates = sorted(t for t, n in Counter(tokens).items() if n > 1)
            raise ValueError(f"duplicate tokens {duplicates[:5]}: each token may appear once")
        self._tokens = tokens
        self._index = index
        self._specials = specials
        self.counts: Counter[str] = Counter(counts or {})

    @classmethod
    def build(
        cls,
        sentences: Iterable[Sequence[str]],
        min_freq: int = 1,
        max_size: int | None = None,
        specials: Sequence[str] = (PAD, UNK, BOS, EOS),
    ) -> Vocab:
        """Count the tokens of ``sentences`` (lists of str) and keep those seen ``min_freq`` times or more.

        ``max_size`` (optional) is the largest allowed ``len(vocab)``, specials included.
        """
        if isinstance(min_freq, bool) or not isinstance(min_freq, int) or min_freq < 1:
            raise ValueError(f"min_freq must be an int >= 1, got {min_freq!r}: use 1 to keep every token")
        specials = list(specials)
        _check_specials(specials)
        if max_size is not None and (not isinstance(max_size, int) or max_size < len(specials)):
            raise ValueError(
                f"max_size={max_size!r} leaves no room for the {len(specials)} specials {specials}: "
                f"pass max_size >= {len(specials)} or None for no limit"
            )
        if isinstance(sentences, str):
            raise TypeError(
                "sentences is a str, expected a list of token lists: "
                "tokenize first, e.g. Vocab.build([word_tokenize(text)])"
            )
        counts: Counter[str] = Counter()
        for i, sentence in enumerate(sentences):
            if isinstance(sentence, str):
                raise TypeError(
                    f"sentence {i} is a str ({sentence[:30]!r}), expected a list of tokens: "
                    "tokenize it first, e.g. word_tokenize(sentence)"
                )
            for j, token in enumerate(sentence):
                _check_token(token, f"sentence {i}, token {j}")
            counts.update(sentence)
        if not counts:
            raise ValueError("corpus is empty: pass at least one sentence with at least one token")
        reserved = set(specials)
        ranked = sorted(
            (t for t, n in counts.items() if n >= min_freq and t not in reserved),
            key=lambda t: (-counts[t], t),
        )
        if max_size is not None:
            ranked = ranked[: max_size - len(specials)]
        return cls(specials + ranked, specials, counts)

    # --- lookup --------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._tokens)

    def __contains__(self, token: object) -> bool:
        return token in self._index

    def __getitem__(self, token: str) -> int:
        return self.token_to_id(token)

    def __iter__(self) -> Iterator[str]:
        return iter(self._tokens)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Vocab):
            return NotImplemented
        return (self._tokens, self._specials, self.counts) == (other._tokens, other._specials, other.counts)

    def __repr__(self) -> str:
        preview = ", ".join(self._tokens[len(self._specials) : len(self._specials) + 5])
        return f"Vocab({len(self)} tokens: specials {self._specials}, then {preview}, ...)"

    @property
    def tokens(self) -> list[str]:
        """All tokens in id order (a copy)."""
        return list(self._tokens)

    @property
    def specials(self) -> list[str]:
        """The special tokens, in id order (a copy)."""
        return list(self._specials)

    def token_to_id(self, token: str) -> int:
        """The id of ``token``; the ``<unk>`` id when it is not in the vocabulary."""
        _check_token(token, "token")
        return self._index.get(token, self.unk_id)

    def id_to_token(self, index: int) -> str:
        """The token with id ``index`` (0 <= index < len(vocab))."""
        return self._tokens[self._check_id(index)]

    def encode(self, tokens: Sequence[str]) -> list[int]:
        """Map a list of tokens to ids (unknown tokens -> ``unk_id``)."""
        if isinstance(tokens, str):
            raise TypeError(
                f"encode expects a list of tokens, got a str ({tokens[:30]!r}): "
                "tokenize it first, e.g. vocab.encode(word_tokenize(text))"
            )
        unk = self.unk_id
        ids = []
        for j, token in enumerate(tokens):
            _check_token(token, f"token {j}")
            ids.append(self._index.get(token, unk))
        return ids

    def decode(self, ids: Iterable[int], skip_specials: bool = False) -> list[str]:
        """Map ids back to tokens; ``skip_specials=True`` drops <pad>, <bos>, ... but keeps <unk>."""
        skip = set(range(len(self._specials))) - {self.unk_id} if skip_specials else set()
        return [self._tokens[i] for i in map(self._check_id, ids) if i not in skip]

    # --- the special ids -----------------------------------------------------------------------------
    def _special_id(self, token: str) -> int:
        if token not in self._specials:
            raise KeyError(
                f"this vocabulary has no {token!r} token (its specials are {self._specials}): "
                f"build it with specials that include {token!r}"
            )
        return self._index[token]

    @property
    def pad_id(self) -> int:
        """Id of ``<pad>``, the filler that makes sentences of a batch equally long."""
        return self._special_id(PAD)

    @property
    def unk_id(self) -> int:
        """Id of ``<unk>``, where every unknown token goes."""
        return self._special_id(UNK)

    @property
    def bos_id(self) -> int:
        """Id of ``<bos>``, the beginning-of-sentence marker."""
        return self._special_id(BOS)

    @property
    def eos_id(self) -> int:
        """Id of ``<eos>``, the end-of-sentence marker."""
        return self._special_id(EOS)

    # --- files ---------------------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the vocabulary (tokens, specials, counts) to ``path`` as UTF-8 JSON; return the path."""
        path = Path(path)
        data = {
            "format": _FORMAT,
            "version": _VERSION,
            "specials": self._specials,
            "tokens": self._tokens,
            "counts": [[t, n] for t, n in self.counts.items()],
        }
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> Vocab:
        """Read a vocabulary written by :meth:`save`."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ValueError(f"{path} is not valid JSON ({error}): was it written by Vocab.save?") from error
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise ValueError(
                f"{path} is not a Vocab file (no 'format': {_FORMAT!r}): write one with Vocab.save"
            )
        if data.get("version") != _VERSION:
            raise ValueError(
                f"{path} has Vocab file version {data.get('version')!r}, this code reads "
                f"version {_VERSION}: rebuild the vocabulary and save it again"
            )
        return cls(data["tokens"], data["specials"], Counter(dict(data["counts"])))

    def _check_id(self, index: int) -> int:
        try:
            i = operator.index(index)
        except TypeError:
            raise TypeError(f"ids must be ints, got {type(index).__name__} {index!r}") from None
        if not 0 <= i < len(self._tokens):
            raise IndexError(
                f"id {i} is out of range for a vocabulary of {len(self._tokens)} tokens "
                f"(valid ids: 0..{len(self._tokens) - 1})"
            )
        return i


def _check_token(token: object, where: str) -> None:
    if not isinstance(token, str):
        raise TypeError(
            f"{where} is {type(token).__name__} {token!r}, expected str: "
            "pass tokenized text (lists of str), e.g. from word_tokenize"
        )
    if not token:
        raise ValueError(f"{where} is the empty string: drop empty tokens before building the vocabulary")


def _check_specials(specials: list[str]) -> None:
    for i, token in enumerate(specials):
        _check_token(token, f"special {i}")
    if len(set(specials)) != len(specials):
        raise ValueError(f"specials {specials} contain a duplicate: list each special token once")
    if UNK not in specials:
        raise ValueError(f"specials {specials} lack {UNK!r}: unknown tokens need somewhere to go, add it")
