"""Batches for translation: encode pairs once, then group sentences of similar length.

Padding costs computation (every padded position still goes through every layer) and, in a random
batch, one long sentence pads all the others to its length. *Batching by length* sorts the
examples by source length, cuts the sorted list into batches and shuffles the order of the batches:
each batch holds sentences of nearly the same length (little padding), yet training still sees the
batches in random order.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from torch import Tensor

from nlpcourse.translation.vocab import CharVocab, SourceTokenizer, pad_batch

__all__ = ["EncodedPairs", "encode_pairs", "length_batches", "padding_share"]


@dataclass
class EncodedPairs:
    """Source ids (with ``<eos>``) and target ids (without specials) of a list of pairs."""

    src: list[list[int]]
    tgt: list[list[int]]

    def __len__(self) -> int:
        return len(self.src)

    def batch(self, index: Sequence[int]) -> tuple[Tensor, Tensor, Tensor]:
        """``(src, tgt_in, tgt_out)`` tensors for the examples ``index``: what ``Transformer`` takes."""
        from nlpcourse.translation.vocab import BOS, EOS

        src = pad_batch([self.src[i] for i in index])
        tgt_in = pad_batch([[BOS] + self.tgt[i] for i in index])
        tgt_out = pad_batch([self.tgt[i] + [EOS] for i in index])
        return src, tgt_in, tgt_out


def encode_pairs(
    english: Sequence[str], chinese: Sequence[str], source: SourceTokenizer, target: CharVocab
) -> EncodedPairs:
    if len(english) != len(chinese):
        raise ValueError(f"{len(english)} English sentences but {len(chinese)} Chinese ones: pass pairs")
    return EncodedPairs([source.encode(s) for s in english], [target.encode(t) for t in chinese])


def length_batches(
    pairs: EncodedPairs, batch_size: int, seed: int = 0, by_length: bool = True
) -> Iterator[tuple[Tensor, Tensor, Tensor]]:
    """Endless ``(src, tgt_in, tgt_out)`` batches; a new shuffle every pass over the data."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if len(pairs) == 0:
        raise ValueError("no pairs to batch")
    rng = random.Random(seed)
    while True:
        order = list(range(len(pairs)))
        rng.shuffle(order)
        if by_length:  # stable sort: equal lengths stay in random order
            order.sort(key=lambda i: (len(pairs.src[i]), len(pairs.tgt[i])))
        batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
        rng.shuffle(batches)
        for index in batches:
            yield pairs.batch(index)


def padding_share(batches: Iterator[tuple[Tensor, Tensor, Tensor]], count: int, pad_id: int = 0) -> float:
    """Share of padded source positions over ``count`` batches (what length batching saves)."""
    padded = total = 0
    for _ in range(count):
        src = next(batches)[0]
        padded, total = padded + int((src == pad_id).sum()), total + src.numel()
    return padded / total
