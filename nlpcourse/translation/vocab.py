"""Tokenizers of the translation task: English words in, Chinese characters out.

* :class:`SourceTokenizer`: English is split into words, hyphens, commas and single digits
  (``"twenty-one"`` -> ``twenty - one``; ``"March 5, 2021"`` -> ``March 5 , 2 0 2 1``); the
  vocabulary is read off the training sentences.
* :class:`CharVocab`: Chinese is written without spaces and every character carries meaning here
  (一 二 三 ... 十 百 千 万 零 年 月 日), so the target vocabulary is one token per character.
  A general-purpose English WordPiece vocabulary such as MiniLM's has no entry for most of them:
  it maps 百, 零, 万 to ``[UNK]`` (:func:`wordpiece_unknowns` shows which).

Both reserve the same special ids: ``<pad>`` 0, ``<bos>`` 1, ``<eos>`` 2, ``<unk>`` 3 (the source
side only: an unknown source word becomes ``<unk>``; an unknown target character is an error).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import torch
from torch import Tensor

from nlpcourse.data.numbers import MONTHS

__all__ = [
    "SPECIALS",
    "PAD",
    "BOS",
    "EOS",
    "UNK",
    "SourceTokenizer",
    "CharVocab",
    "ZH_CHARACTERS",
    "wordpiece_unknowns",
    "pad_batch",
]

SPECIALS = ["<pad>", "<bos>", "<eos>", "<unk>"]
PAD, BOS, EOS, UNK = range(4)
#: Every character the Chinese converters write: digits, units, 零, and the date characters.
ZH_CHARACTERS = "零一二三四五六七八九十百千万" + "0123456789" + "年月日"
_WORD = re.compile(r"[A-Za-z]+|\d|[^\sA-Za-z\d]")


def pad_batch(rows: Sequence[Sequence[int]], pad_id: int = PAD) -> Tensor:
    """Right-pad lists of ids into a ``(batch, longest)`` long tensor."""
    if not rows:
        raise ValueError("no sequences to pad: pass at least one")
    longest = max(len(r) for r in rows)
    out = torch.full((len(rows), longest), pad_id, dtype=torch.long)
    for i, row in enumerate(rows):
        out[i, : len(row)] = torch.as_tensor(list(row), dtype=torch.long)
    return out


class SourceTokenizer:
    """Word-level English tokenizer with a vocabulary built from training sentences."""

    def __init__(self, tokens: Iterable[str]):
        self.itos = list(SPECIALS) + sorted(set(tokens) - set(SPECIALS))
        self.stoi = {t: i for i, t in enumerate(self.itos)}

    @classmethod
    def from_sentences(cls, sentences: Iterable[str]) -> SourceTokenizer:
        """Vocabulary = every token of ``sentences`` plus the number words, month names and digits,
        so that a sentence made of known words never meets ``<unk>``."""
        from nlpcourse.data.numbers import english_number

        words = {t for s in sentences for t in cls.split(s)}
        words |= {
            t
            for n in list(range(20)) + list(range(20, 100, 10)) + [100, 1000]
            for t in cls.split(english_number(n))
        }
        return cls(words | {"and", "hundred", "thousand", "million"} | set(MONTHS) | set("0123456789"))

    @staticmethod
    def split(sentence: str) -> list[str]:
        if not isinstance(sentence, str):
            raise TypeError(f"expected a sentence (str), got {type(sentence).__name__}")
        return _WORD.findall(sentence)

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, sentence: str) -> list[int]:
        """Ids of the tokens of ``sentence`` followed by ``<eos>``; unknown words become ``<unk>``."""
        return [self.stoi.get(t, UNK) for t in self.split(sentence)] + [EOS]

    def __call__(self, sentences: Sequence[str]) -> Tensor:
        """A padded ``(batch, seq)`` batch of ids."""
        if isinstance(sentences, str):
            raise TypeError("pass a list of sentences, not one str: wrap it in a list")
        return pad_batch([self.encode(s) for s in sentences])

    def tokens(self, sentence: str) -> list[str]:
        """The tokens the model sees (with ``<unk>`` and ``<eos>``), for plot labels."""
        return [self.itos[i] for i in self.encode(sentence)]


class CharVocab:
    """One id per Chinese character (or digit) of the task; ids 0-3 are the specials."""

    def __init__(self, characters: str = ZH_CHARACTERS):
        if len(set(characters)) != len(characters):
            raise ValueError("characters must not repeat")
        self.itos = list(SPECIALS) + list(characters)
        self.stoi = {c: i for i, c in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, text: str) -> list[int]:
        """``"三百"`` -> ids of 三, 百 (no specials); raises on a character outside the vocabulary."""
        if not isinstance(text, str):
            raise TypeError(f"expected a str, got {type(text).__name__}")
        unknown = sorted({c for c in text if c not in self.stoi or self.stoi[c] < len(SPECIALS)})
        if unknown:
            raise ValueError(
                f"characters {unknown} are not in the target vocabulary: it holds only "
                f"{''.join(self.itos[len(SPECIALS) :])}; build CharVocab(characters) with them"
            )
        return [self.stoi[c] for c in text]

    def teacher_forcing(self, texts: Sequence[str]) -> tuple[Tensor, Tensor]:
        """Decoder inputs ``<bos> y_1 .. y_T`` and targets ``y_1 .. y_T <eos>``, each ``(batch, T + 1)``."""
        rows = [self.encode(t) for t in texts]
        return pad_batch([[BOS] + r for r in rows]), pad_batch([r + [EOS] for r in rows])

    def decode(self, ids: Sequence[int] | Tensor) -> str:
        """Ids -> text, skipping ``<bos>``/``<pad>`` and stopping at the first ``<eos>``."""
        out = []
        for i in ids.tolist() if isinstance(ids, Tensor) else ids:
            if i == EOS:
                break
            if i >= len(SPECIALS):
                out.append(self.itos[i])
        return "".join(out)

    def decode_batch(self, ids: Tensor) -> list[str]:
        return [self.decode(row) for row in ids]


def wordpiece_unknowns(tokenizer: Any, characters: str = ZH_CHARACTERS) -> list[str]:
    """The characters a (BERT WordPiece) tokenizer maps to its unknown token, e.g. MiniLM's."""
    unk = tokenizer.unk_token
    return [c for c in characters if tokenizer.tokenize(c) == [unk]]
