"""Labelled sentences as token ids, and shuffled mini-batches padded to their longest sentence.

    train = encode(ds["train"]["text"], ds["train"]["label"], tokenizer, num_labels=2, max_length=32)
    batches = ClassificationBatches(train, batch_size=16, seed=0)
    input_ids, token_type_ids, attention_mask, labels = batches(step=0)    # model(*batches(step))

``tokenizer`` is a transformers tokenizer (e.g. :func:`nlpcourse.pretrained.load_tokenizer`) or a
``tokenizers.Tokenizer`` trained in chapter 06. Padding is *dynamic*: a batch is padded only to its own
longest sentence, so short batches cost less. Every batch is a pure function of ``(seed, step)``: epoch
``e`` visits the examples in the order of ``randperm`` drawn with seed ``seed + e``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

__all__ = ["EncodedDataset", "encode", "pad", "ClassificationBatches", "subset"]


@dataclass
class EncodedDataset:
    """Token ids of each example (``[CLS] ... [SEP]``, no padding), its label, and the label count."""

    input_ids: list[list[int]]
    labels: list[int]
    num_labels: int
    pad_id: int = 0

    def __len__(self) -> int:
        return len(self.labels)


def encode(
    texts: Sequence[str], labels: Sequence[int], tokenizer: Any, num_labels: int, max_length: int = 64
) -> EncodedDataset:
    """Tokenize ``texts`` (cut to ``max_length`` tokens, ``[SEP]`` kept) and check ``labels``."""
    if isinstance(texts, str):
        raise TypeError("texts must be a list of strings, got one str: wrap it in a list")
    texts, labels = list(texts), [int(y) for y in labels]
    if not texts:
        raise ValueError("the dataset is empty: pass at least one labelled text")
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels: give one label per text")
    bad = [y for y in labels if not 0 <= y < num_labels]
    if bad:
        raise ValueError(
            f"labels must be in [0, {num_labels}), found {sorted(set(bad))[:5]}: "
            "check num_labels or the label column"
        )
    if max_length < 3:
        raise ValueError(f"max_length={max_length} leaves no room for [CLS], a token and [SEP]")
    if hasattr(tokenizer, "encode_batch") and not hasattr(tokenizer, "pad_token_id"):  # tokenizers.Tokenizer
        ids = [e.ids for e in tokenizer.encode_batch(texts)]
        ids = [i if len(i) <= max_length else [*i[: max_length - 1], i[-1]] for i in ids]
        pad_id = tokenizer.token_to_id("[PAD]")
    else:  # a transformers tokenizer
        ids = tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]
        pad_id = tokenizer.pad_token_id
    return EncodedDataset(ids, labels, num_labels, 0 if pad_id is None else pad_id)


def subset(data: EncodedDataset, indices: Sequence[int]) -> EncodedDataset:
    """The examples at ``indices``, in that order."""
    return EncodedDataset(
        [data.input_ids[i] for i in indices], [data.labels[i] for i in indices], data.num_labels, data.pad_id
    )


def pad(input_ids: Sequence[Sequence[int]], pad_id: int = 0) -> tuple[Tensor, Tensor, Tensor]:
    """``(input_ids, token_type_ids, attention_mask)``, each ``(batch, longest)``, 1 on tokens in the mask."""
    if not input_ids:
        raise ValueError("pad needs at least one sequence")
    longest = max(len(ids) for ids in input_ids)
    padded = torch.full((len(input_ids), longest), pad_id, dtype=torch.long)
    mask = torch.zeros((len(input_ids), longest), dtype=torch.long)
    for row, ids in enumerate(input_ids):
        padded[row, : len(ids)] = torch.as_tensor(ids, dtype=torch.long)
        mask[row, : len(ids)] = 1
    return padded, torch.zeros_like(padded), mask


class ClassificationBatches:
    """``batches(step) -> (input_ids, token_type_ids, attention_mask, labels)``, shuffled by epoch."""

    def __init__(self, data: EncodedDataset, batch_size: int = 16, seed: int = 0):
        if not len(data):
            raise ValueError("the dataset is empty: pass at least one labelled example")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.data, self.batch_size, self.seed = data, min(batch_size, len(data)), seed
        self._orders: dict[int, list[int]] = {}

    @property
    def steps_per_epoch(self) -> int:
        """Batches per pass over the data (the last, short batch is dropped)."""
        return len(self.data) // self.batch_size

    def _order(self, epoch: int) -> list[int]:
        if epoch not in self._orders:
            generator = torch.Generator().manual_seed(self.seed + epoch)
            self._orders = {epoch: torch.randperm(len(self.data), generator=generator).tolist()}
        return self._orders[epoch]

    def indices(self, step: int) -> list[int]:
        """The example indices of batch ``step``."""
        epoch, position = divmod(step, self.steps_per_epoch)
        start = position * self.batch_size
        return self._order(epoch)[start : start + self.batch_size]

    def __call__(self, step: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        rows = self.indices(step)
        ids, types, mask = pad([self.data.input_ids[i] for i in rows], self.data.pad_id)
        return ids, types, mask, torch.tensor([self.data.labels[i] for i in rows])
