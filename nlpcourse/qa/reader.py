"""The reader: a span model with its tokenizer, trained on SQuAD-form data and asked questions.

    tokenizer = load_fast_tokenizer()
    model = BertForQuestionAnswering.from_pretrained(num_hidden_layers=3)   # MiniLM's first 3 layers
    features = encode_windows(tokenizer, questions, contexts, answers, max_length=128, doc_stride=32)
    history = train_reader(model, features, steps=200)                     # on nlpcourse.train
    reader = Reader(model, tokenizer)
    reader.predict(["Where does Kate live?"], [context])                   # [Prediction("Madrid", ...)]

Training samples batches of windows (a window without the answer is labelled ``[CLS]``) and minimises
the mean of the start and end cross-entropies with AdamW, a linear warm-up and a linear decay. The word
embeddings stay frozen by default: they hold a third of MiniLM's weights, most rows are never used by a
small task, and updating them costs more time than it helps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from nlpcourse.qa.decoding import Prediction, decode_windows
from nlpcourse.qa.span_head import BertForQuestionAnswering
from nlpcourse.qa.windows import QAFeatures, encode_windows
from nlpcourse.train import train

__all__ = ["load_fast_tokenizer", "window_batches", "train_reader", "Reader"]


def load_fast_tokenizer(name: str | Path | None = None) -> Any:
    """``transformers.BertTokenizerFast`` of checkpoint ``name`` (default: the packaged MiniLM).

    The fast (Rust) tokenizer returns character offsets, which extractive QA needs.
    """
    from transformers import BertTokenizerFast

    from nlpcourse.pretrained import _quiet_transformers, checkpoint_dir

    with _quiet_transformers():
        return BertTokenizerFast.from_pretrained(str(checkpoint_dir(name)))


def window_batches(
    features: QAFeatures, batch_size: int, seed: int = 0
) -> Callable[[int], tuple[Tensor, ...]]:
    """``step -> (input_ids, token_type_ids, attention_mask, start_positions, end_positions)``.

    Windows are drawn in a fresh random order every epoch (seeded), and each batch is trimmed to its
    longest window.
    """
    if features.start_positions is None or features.end_positions is None:
        raise ValueError("these features have no answer positions: encode them with answers to train")
    count = len(features.input_ids)
    if not 1 <= batch_size:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    generator = torch.Generator().manual_seed(seed)
    order: list[Tensor] = []

    def batch(step: int) -> tuple[Tensor, ...]:
        per_epoch = max(1, count // batch_size)
        epoch, index = divmod(step, per_epoch)
        while len(order) <= epoch:
            order.append(torch.randperm(count, generator=generator))
        rows = order[epoch][index * batch_size : (index + 1) * batch_size]
        mask = features.attention_mask[rows]
        width = int(mask.sum(1).max())
        return (
            features.input_ids[rows, :width],
            features.token_type_ids[rows, :width],
            mask[:, :width],
            features.start_positions[rows],
            features.end_positions[rows],
        )

    return batch


def train_reader(
    model: BertForQuestionAnswering,
    features: QAFeatures,
    steps: int,
    *,
    batch_size: int = 16,
    lr: float = 2e-4,
    warmup: float = 0.1,
    weight_decay: float = 0.01,
    seed: int = 0,
    freeze_word_embeddings: bool = True,
    evaluate: Callable[[Any], dict[str, float]] | None = None,
    eval_every: int = 0,
    progress: bool = True,
) -> dict[str, list[float]]:
    """Fine-tune ``model`` on the labelled windows for ``steps`` steps with the shared loop; its history.

    The learning rate rises linearly over the first ``warmup`` share of the steps, then falls to 0.
    """
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    if not 0 <= warmup < 1:
        raise ValueError(f"warmup is a share of the steps in [0, 1), got {warmup}")
    model.bert.embeddings.word_embeddings.weight.requires_grad_(not freeze_word_embeddings)
    parameters = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(parameters, lr=lr, weight_decay=weight_decay)
    warm = max(1, round(warmup * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warm, max(0.0, (steps - step) / max(1, steps - warm)))
    )
    return train(
        model,
        window_batches(features, batch_size, seed),
        steps,
        optimizer,
        scheduler=schedule,
        clip=1.0,
        evaluate=evaluate,
        eval_every=eval_every,
        progress=progress,
        desc="reader",
    )


class Reader:
    """Answers questions about passages with a span model: windows, one batched forward pass, decoding."""

    def __init__(
        self,
        model: BertForQuestionAnswering,
        tokenizer: Any,
        *,
        max_length: int = 384,
        doc_stride: int = 128,
        max_answer_len: int = 30,
        batch_size: int = 64,
    ):
        self.model, self.tokenizer = model, tokenizer
        self.max_length, self.doc_stride = max_length, doc_stride
        self.max_answer_len, self.batch_size = max_answer_len, batch_size

    def logits(self, features: QAFeatures) -> tuple[Tensor, Tensor]:
        """``(start_logits, end_logits)``, each ``(windows, seq)`` (padding positions get -inf).

        Windows are run sorted by length in batches of at most ``batch_size``, each padded only to its
        own longest window: a new batch starts when padding would exceed a quarter of the batch.
        """
        # `with`, not the @torch.no_grad() decorator: decorated functions share one code object, which
        # nlpcourse.check.check_own_work would then mistake for each other
        self.model.eval()
        lengths = features.attention_mask.sum(1)
        order = lengths.argsort(descending=True).tolist()
        batches: list[list[int]] = []
        for row in order:
            batch = batches[-1] if batches else None
            if batch is None or len(batch) == self.batch_size:
                batches.append([row])
                continue
            tokens = int(lengths[batch].sum() + lengths[row])  # real tokens, against padded width below
            if tokens < 0.75 * int(lengths[batch[0]]) * (len(batch) + 1):
                batches.append([row])
            else:
                batch.append(row)
        shape = features.input_ids.shape
        start_logits = torch.full(shape, float("-inf"))
        end_logits = torch.full(shape, float("-inf"))
        with torch.no_grad():
            for rows in batches:
                width = int(lengths[rows[0]])  # the longest of the batch (sorted)
                (start, end), _ = self.model(
                    features.input_ids[rows, :width],
                    features.token_type_ids[rows, :width],
                    features.attention_mask[rows, :width],
                )
                start_logits[rows, :width] = start
                end_logits[rows, :width] = end
        return start_logits, end_logits

    def predict(
        self, questions: Sequence[str], contexts: Sequence[str], null_threshold: float | None = None
    ) -> list[Prediction]:
        """One :class:`~nlpcourse.qa.decoding.Prediction` per question-context pair."""
        features = encode_windows(
            self.tokenizer, questions, contexts, max_length=self.max_length, doc_stride=self.doc_stride
        )
        start, end = self.logits(features)
        return decode_windows(start, end, features, contexts, self.max_answer_len, null_threshold)

    def read(self, question: str, passages: Sequence[str]) -> list[Prediction]:
        """The best answer in each passage to one question (e.g. the retrieved passages)."""
        if isinstance(passages, str):
            raise TypeError("passages must be a list of strings: wrap a single one in a list")
        return self.predict([question] * len(passages), passages)
