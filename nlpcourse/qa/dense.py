"""Dense retrieval: passages and questions as unit vectors, relevance as their dot product.

    e(text) = normalize(mean over real tokens of BERT(text))        all-MiniLM-L6-v2's sentence vector
    score(q, p) = e(q) . e(p)  (a cosine)                            top-k = argpartition of one matvec

The passages are encoded once (the index: an ``(N, 384)`` matrix); a question costs one short forward
pass and one matrix-vector product. Passages are encoded sorted by length, so a batch is padded to
about its own length, and truncated at ``max_length`` tokens. Unlike BM25, the vectors match
paraphrases ("give back" ~ "return") but may miss rare exact names (``os.path.join``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor
from tqdm.auto import tqdm

from nlpcourse.pretrained import mean_pooling

__all__ = ["encode_texts", "DenseRetriever"]


def encode_texts(
    texts: Sequence[str],
    tokenizer: Any,
    model: Any,
    batch_size: int = 64,
    max_length: int = 256,
    progress: bool = False,
) -> Tensor:
    """``(len(texts), hidden)`` unit-length mean-pooled vectors, in the order of ``texts``.

    model: our :class:`~nlpcourse.pretraining.BertModel` or a transformers ``BertModel`` (eval mode).
    """
    if isinstance(texts, str):
        raise TypeError("texts must be a list of strings, got one str: wrap it in a list")
    if not texts:
        raise ValueError("no texts to encode")
    encoded = tokenizer(list(texts), truncation=True, max_length=max_length)["input_ids"]
    lengths = [len(ids) for ids in encoded]
    order = sorted(range(len(texts)), key=lambda i: lengths[i])
    vectors = torch.empty(len(texts), model.config.hidden_size)
    for start in tqdm(range(0, len(order), batch_size), desc="encoding", disable=not progress, leave=False):
        chunk = order[start : start + batch_size]
        batch = tokenizer(
            [texts[i] for i in chunk],
            padding=True,
            truncation=True,
            max_length=max_length,
            return_tensors="pt",
        )
        with torch.no_grad():
            hidden = model(
                input_ids=batch["input_ids"],
                token_type_ids=batch["token_type_ids"],
                attention_mask=batch["attention_mask"],
            )[0]
        vectors[chunk] = mean_pooling(hidden, batch["attention_mask"])
    return F.normalize(vectors, dim=-1)


class DenseRetriever:
    """Cosine search over passages encoded by a sentence encoder (default: the packaged MiniLM).

    ``DenseRetriever(passages, tokenizer, model)`` encodes the passages (or reads ``cache``, a ``.pt``
    file written by an earlier run for the same passages); ``search(question, k)`` ->
    ``(indices, scores)``.
    """

    def __init__(
        self,
        passages: Sequence[str],
        tokenizer: Any,
        model: Any,
        *,
        batch_size: int = 64,
        max_length: int = 256,
        cache: str | Path | None = None,
        progress: bool = True,
    ):
        if isinstance(passages, str) or not passages:
            raise ValueError("passages must be a non-empty list of strings")
        self.passages, self.tokenizer, self.model = list(passages), tokenizer, model
        self.max_length = max_length
        vectors = None
        if cache is not None and Path(cache).is_file():
            saved = torch.load(cache, weights_only=True)
            if (
                saved["count"] == len(self.passages)
                and saved["first"] == self.passages[0][:200]
                and saved["last"] == self.passages[-1][:200]
            ):
                vectors = saved["vectors"]
        if vectors is None:
            vectors = encode_texts(self.passages, tokenizer, model, batch_size, max_length, progress)
            if cache is not None:
                Path(cache).parent.mkdir(parents=True, exist_ok=True)
                partial = Path(cache).with_name(f".{Path(cache).name}.{os.getpid()}.partial")
                torch.save(
                    {
                        "count": len(self.passages),
                        "first": self.passages[0][:200],
                        "last": self.passages[-1][:200],
                        "vectors": vectors,
                    },
                    partial,
                )
                os.replace(partial, cache)  # never half a cache for another process to read
        self.vectors = vectors  # (N, hidden), unit rows

    def encode_query(self, question: str) -> Tensor:
        """The question's unit vector ``(hidden,)``."""
        if not isinstance(question, str) or not question.strip():
            raise ValueError("question is empty: ask something")
        batch = self.tokenizer([question], truncation=True, max_length=self.max_length, return_tensors="pt")
        with torch.no_grad():
            hidden = self.model(
                input_ids=batch["input_ids"],
                token_type_ids=batch["token_type_ids"],
                attention_mask=batch["attention_mask"],
            )[0]
        return F.normalize(mean_pooling(hidden, batch["attention_mask"]), dim=-1)[0]

    def scores(self, question: str) -> Tensor:
        """Cosine of the question with every passage: ``(N,)``."""
        return self.vectors @ self.encode_query(question)

    def search(self, question: str, k: int = 5) -> tuple[list[int], list[float]]:
        """The ``k`` most similar passages: ``(indices, scores)``, best first."""
        values, indices = self.scores(question).topk(min(k, len(self.passages)))
        return indices.tolist(), values.tolist()
