"""Pretraining data: documents of text units, next-sentence pairs, padded and masked batches.

    documents = pretraining_documents(toy_documents=3000, seed=0)     # docstrings + toy world
    tokenizer = canonical_wordpiece(train_wordpiece_tokenizer([u for d in documents for u in d], 4000))
    batches = PretrainingBatches.from_tokenizer(documents, tokenizer, batch_size=32, max_len=64, seed=0)
    input_ids, token_type_ids, attention_mask, labels, next_sentence_label = batches(step=0)

A *document* is a list of units (a docstring's paragraphs, a toy-world story's sentences). An NSP
example (:func:`nlpcourse.data.nsp.nsp_pair`, the one rule for drawing pairs, also behind
:func:`~nlpcourse.data.nsp.nsp_dataset`) takes a unit A and, as B, the unit after it (label 0, "is
next") or a random unit of another document (label 1, "not next"), each half of the time. The pair is
packed as

    [CLS] A [SEP] B [SEP]        segment (token type) ids 0 ... 0 1 ... 1

truncated to ``max_len`` (the longer part loses its last tokens first), padded to the longest pair of
the batch, and masked with :func:`~nlpcourse.pretraining.masking.mask_tokens`. Every batch is a pure
function of ``(seed, step)``, so a run is reproducible and can be resumed at any step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np
import torch
from torch import Tensor

from nlpcourse.data.nsp import nsp_pair
from nlpcourse.pretraining.masking import mask_tokens

__all__ = [
    "pretraining_documents",
    "canonical_wordpiece",
    "tokenize_documents",
    "nsp_pair",
    "encode_pair",
    "pad_batch",
    "PretrainingBatches",
    "CausalBatches",
]

Unit = TypeVar("Unit")


def pretraining_documents(
    toy_documents: int = 3000, docstrings: bool = True, seed: int = 0
) -> list[list[str]]:
    """Documents as lists of text units: the standard library's docstrings (paragraphs grouped by
    docstring, in corpus order) followed by ``toy_documents`` toy-world stories (sentences)."""
    from nlpcourse.data import ToyWorld, docstring_paragraphs, render

    documents: list[list[str]] = []
    if docstrings:
        paragraphs, doc_ids = docstring_paragraphs()
        for paragraph, doc_id, previous in zip(paragraphs, doc_ids, [None, *doc_ids[:-1]], strict=True):
            if doc_id != previous:
                documents.append([])
            documents[-1].append(paragraph)
    world = ToyWorld(seed)
    documents += [[render(sentence) for sentence in world.document()] for _ in range(toy_documents)]
    if not documents:
        raise ValueError("no documents: ask for docstrings or for toy_documents >= 1")
    return documents


def canonical_wordpiece(tokenizer: Any) -> Any:
    """A copy of a trained WordPiece ``tokenizers.Tokenizer`` whose ids do not depend on the run.

    ``tokenizers``' WordPiece trainer numbers some ``##`` pieces in hash-map order, which changes from one
    process to the next (huggingface/tokenizers#1794), so the same texts give the same pieces under
    different ids. The copy keeps the ids of the special tokens (``[PAD]`` ... ``[MASK]``: 0-4) and numbers
    every other piece in sorted order, so that a seed fixes the whole pretraining run. It cannot fix the
    rarer case where that order breaks a tie between two merges differently, so that the *set* of pieces
    changes (seen with 8,000 pieces on the docstrings, in digit strings; never with chapter 06's 3,000).
    """
    from tokenizers import Tokenizer, models

    vocab = tokenizer.get_vocab()
    specials = {t.content for t in tokenizer.get_added_tokens_decoder().values() if t.special}
    if sorted(vocab[t] for t in specials) != list(range(len(specials))):
        raise ValueError("the special tokens must hold the first ids: train with train_wordpiece_tokenizer")
    pieces = sorted(t for t in vocab if t not in specials)
    canonical = {t: vocab[t] for t in specials} | {t: len(specials) + i for i, t in enumerate(pieces)}
    model = tokenizer.model
    copy = Tokenizer.from_str(tokenizer.to_str())
    copy.model = models.WordPiece(
        canonical,
        unk_token=model.unk_token,
        continuing_subword_prefix=model.continuing_subword_prefix,
        max_input_chars_per_word=model.max_input_chars_per_word,
    )
    return copy


def tokenize_documents(documents: Sequence[Sequence[str]], tokenizer: Any) -> list[list[list[int]]]:
    """Token ids of every unit (no [CLS]/[SEP]), same nesting; ``tokenizer`` is a ``tokenizers.Tokenizer``."""
    flat = [unit for document in documents for unit in document]
    encoded = tokenizer.encode_batch(flat, add_special_tokens=False)
    ids, start = [], 0
    for document in documents:
        ids.append([e.ids for e in encoded[start : start + len(document)]])
        start += len(document)
    return ids


def encode_pair(
    a: Sequence[int], b: Sequence[int], cls_id: int, sep_id: int, max_len: int
) -> tuple[list[int], list[int]]:
    """``[CLS] a [SEP] b [SEP]`` and its segment ids, cut to ``max_len`` (longest part first)."""
    if max_len < 5:
        raise ValueError(f"max_len={max_len} leaves no room for two parts and three special tokens")
    a, b = list(a), list(b)
    while len(a) + len(b) > max_len - 3:
        if len(a) >= len(b):
            a.pop()
        else:
            b.pop()
    ids = [cls_id, *a, sep_id, *b, sep_id]
    return ids, [0] * (len(a) + 2) + [1] * (len(b) + 1)


def pad_batch(
    sequences: Sequence[Sequence[int]],
    segments: Sequence[Sequence[int]],
    pad_id: int,
    length: int | None = None,
) -> tuple[Tensor, Tensor, Tensor]:
    """Pad to the longest sequence (or ``length``): ``(input_ids, token_type_ids, attention_mask)``.

    All three are ``(batch, length)`` longs; ``attention_mask`` is 1 on tokens and 0 on padding, whose
    input id is ``pad_id`` and segment id 0.
    """
    if not sequences:
        raise ValueError("pad_batch needs at least one sequence")
    longest = max(len(s) for s in sequences)
    length = longest if length is None else length
    if length < longest:
        raise ValueError(f"length={length} is shorter than the longest sequence ({longest})")
    input_ids = torch.full((len(sequences), length), pad_id, dtype=torch.long)
    token_type_ids = torch.zeros(len(sequences), length, dtype=torch.long)
    attention_mask = torch.zeros(len(sequences), length, dtype=torch.long)
    for row, (ids, segs) in enumerate(zip(sequences, segments, strict=True)):
        input_ids[row, : len(ids)] = torch.tensor(ids)
        token_type_ids[row, : len(segs)] = torch.tensor(segs)
        attention_mask[row, : len(ids)] = 1
    return input_ids, token_type_ids, attention_mask


class PretrainingBatches:
    """``batches(step)`` -> ``(input_ids, token_type_ids, attention_mask, labels, next_sentence_label)``.

    ``documents`` holds token ids (see :func:`tokenize_documents`). Each row is an NSP pair, packed with
    :func:`encode_pair`, padded with :func:`pad_batch` (to ``max_len`` when ``pad_to_max``), then masked.
    """

    def __init__(
        self,
        documents: Sequence[Sequence[Sequence[int]]],
        *,
        vocab_size: int,
        cls_id: int,
        sep_id: int,
        pad_id: int,
        mask_id: int,
        special_ids: Sequence[int],
        batch_size: int = 32,
        max_len: int = 64,
        mlm_probability: float = 0.15,
        seed: int = 0,
        pad_to_max: bool = False,
    ):
        self.documents = documents
        self.usable = [i for i, d in enumerate(documents) if len(d) >= 2]
        if not self.usable or len(documents) < 2:
            raise ValueError("NSP needs at least two documents, one of them with two or more units")
        self.vocab_size, self.cls_id, self.sep_id, self.pad_id, self.mask_id = (
            vocab_size,
            cls_id,
            sep_id,
            pad_id,
            mask_id,
        )
        self.special_ids = list(special_ids)
        self.batch_size, self.max_len, self.mlm_probability = batch_size, max_len, mlm_probability
        self.seed, self.pad_to_max = seed, pad_to_max

    @classmethod
    def from_tokenizer(
        cls, documents: Sequence[Sequence[str]], tokenizer: Any, **options: Any
    ) -> PretrainingBatches:
        """Tokenize text documents with a WordPiece ``tokenizers.Tokenizer`` and read its special ids."""
        ids = {t: tokenizer.token_to_id(t) for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")}
        missing = [t for t, i in ids.items() if i is None]
        if missing:
            raise ValueError(f"the tokenizer lacks {missing}: train it with train_wordpiece_tokenizer")
        return cls(
            tokenize_documents(documents, tokenizer),
            vocab_size=tokenizer.get_vocab_size(),
            cls_id=ids["[CLS]"],
            sep_id=ids["[SEP]"],
            pad_id=ids["[PAD]"],
            mask_id=ids["[MASK]"],
            special_ids=list(ids.values()),
            **options,
        )

    def __call__(self, step: int) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
        rng = np.random.default_rng([self.seed, step])
        pairs = [nsp_pair(self.documents, rng, self.usable) for _ in range(self.batch_size)]
        packed = [encode_pair(a, b, self.cls_id, self.sep_id, self.max_len) for a, b, _ in pairs]
        input_ids, token_type_ids, attention_mask = pad_batch(
            [p[0] for p in packed],
            [p[1] for p in packed],
            self.pad_id,
            self.max_len if self.pad_to_max else None,
        )
        generator = torch.Generator().manual_seed(int(rng.integers(2**62)))
        inputs, labels = mask_tokens(
            input_ids, self.mask_id, self.vocab_size, self.special_ids, self.mlm_probability, generator
        )
        next_sentence_label = torch.tensor([label for _, _, label in pairs])
        return inputs, token_type_ids, attention_mask, labels, next_sentence_label


class CausalBatches:
    """``batches(step)`` -> ``(inputs, targets)`` of shape ``(batch, seq_len)`` for next-token prediction.

    The units are concatenated into one stream (``[SEP]`` after each unit); a row is a random window of
    ``seq_len + 1`` tokens, ``inputs = window[:-1]`` and ``targets = window[1:]``.
    """

    def __init__(
        self,
        documents: Sequence[Sequence[Sequence[int]]],
        sep_id: int,
        batch_size: int = 32,
        seq_len: int = 64,
        seed: int = 0,
    ):
        stream = [t for document in documents for unit in document for t in (*unit, sep_id)]
        if len(stream) < seq_len + 2:
            raise ValueError(f"the documents hold {len(stream)} tokens: too few for windows of {seq_len + 1}")
        self.stream = torch.tensor(stream)
        self.batch_size, self.seq_len, self.seed = batch_size, seq_len, seed

    def __call__(self, step: int) -> tuple[Tensor, Tensor]:
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + step)
        starts = torch.randint(len(self.stream) - self.seq_len - 1, (self.batch_size,), generator=generator)
        windows = self.stream[starts[:, None] + torch.arange(self.seq_len + 1)]  # (batch, seq_len + 1)
        return windows[:, :-1], windows[:, 1:]
