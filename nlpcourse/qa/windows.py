"""Long contexts in windows: question + a slice of the context, slices overlapping by a stride.

BERT reads at most ``max_length`` tokens. A longer context is cut into windows, each
``[CLS] question [SEP] context slice [SEP]``; consecutive slices share ``doc_stride`` tokens, so an
answer cut by one window's border lies whole in the next (as long as it is shorter than the overlap).
This is transformers' QA preprocessing (``truncation="only_second"``, ``stride``,
``return_overflowing_tokens``). For training, each window is labelled with the answer's token span when
the answer lies wholly inside it, and with ``(0, 0)`` -- the ``[CLS]`` token, "no answer here" -- otherwise.

    features = encode_windows(tokenizer, questions, contexts, answers, max_length=64, doc_stride=16)
    features.input_ids          # (windows, seq) longs, padded to the longest window
    features.example_index      # (windows,)      which example each window comes from
    features.offsets            # (windows, seq, 2) character offsets in the context; (-1, -1) elsewhere
    features.start_positions    # (windows,)      answer's first token, 0 where the window has none
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import torch
from torch import Tensor

from nlpcourse.qa.offsets import char_span_to_token_span, check_answer

__all__ = ["QAFeatures", "encode_windows", "answer_spans"]


class QAFeatures(NamedTuple):
    """Windows of question-context pairs, ready for a span model (all tensors share ``windows``)."""

    input_ids: Tensor  # (windows, seq)
    token_type_ids: Tensor  # (windows, seq): 0 question, 1 context
    attention_mask: Tensor  # (windows, seq): 1 token, 0 padding
    offsets: Tensor  # (windows, seq, 2): context character offsets, (-1, -1) for other tokens
    example_index: Tensor  # (windows,): the example (question) a window belongs to
    start_positions: Tensor | None  # (windows,): answer start token, 0 ([CLS]) when not in the window
    end_positions: Tensor | None  # (windows,): answer end token (included), 0 when not in the window

    @property
    def context_mask(self) -> Tensor:
        """(windows, seq) bool: True for context tokens, the only legal answer positions."""
        return self.offsets[..., 1] > self.offsets[..., 0]

    def model_inputs(self) -> tuple[Tensor, Tensor, Tensor]:
        """``(input_ids, token_type_ids, attention_mask)`` trimmed of all-padding columns."""
        width = int(self.attention_mask.sum(1).max())
        return self.input_ids[:, :width], self.token_type_ids[:, :width], self.attention_mask[:, :width]


def answer_spans(answers: Sequence[dict[str, Any] | None]) -> list[tuple[int, str] | None]:
    """``(answer_start, text)`` of each SQuAD ``answers`` dict's first reference; None if unanswerable."""
    spans: list[tuple[int, str] | None] = []
    for answer in answers:
        if answer is None or not answer["text"]:
            spans.append(None)
        else:
            spans.append((int(answer["answer_start"][0]), answer["text"][0]))
    return spans


def encode_windows(
    tokenizer: Any,
    questions: Sequence[str],
    contexts: Sequence[str],
    answers: Sequence[dict[str, Any] | None] | None = None,
    *,
    max_length: int = 384,
    doc_stride: int = 128,
) -> QAFeatures:
    """Tokenize question-context pairs into windows of at most ``max_length`` tokens.

    tokenizer: a fast (offsets-capable) BERT tokenizer. ``doc_stride`` tokens of context are shared by
    consecutive windows of one context. ``answers``: SQuAD ``answers`` dicts (``{"text": [...],
    "answer_start": [...]}``; the first reference is the label), ``None`` or an empty ``text`` list for an
    unanswerable question; without ``answers`` the positions are ``None``.
    """
    if isinstance(questions, str) or isinstance(contexts, str):
        raise TypeError("questions and contexts must be lists of strings: wrap a single one in a list")
    if len(questions) != len(contexts) or (answers is not None and len(answers) != len(questions)):
        raise ValueError(
            f"got {len(questions)} questions, {len(contexts)} contexts and "
            f"{'no' if answers is None else len(answers)} answers: pass one of each per example"
        )
    if not getattr(tokenizer, "is_fast", False):
        raise TypeError(
            "encode_windows needs a fast tokenizer (character offsets): use "
            "transformers.BertTokenizerFast, e.g. nlpcourse.qa.load_fast_tokenizer()"
        )
    for i, (question, context) in enumerate(zip(questions, contexts, strict=True)):
        if not question or not question.strip():
            raise ValueError(f"question {i} is empty: ask something about the context")
        if not context or not context.strip():
            raise ValueError(f"context {i} is empty: pass the passage to read")
    spans = answer_spans(answers) if answers is not None else None
    if spans is not None:
        for i, span in enumerate(spans):
            if span is not None:
                check_answer(contexts[i], *span)
    longest_question = max(len(tokenizer.tokenize(q)) for q in questions)
    if longest_question + 3 + doc_stride >= max_length:
        raise ValueError(
            f"max_length={max_length} leaves no room for context: the longest question has "
            f"{longest_question} tokens, 3 are special and doc_stride={doc_stride} must be "
            "smaller than the context part; raise max_length or lower doc_stride"
        )
    encoded = tokenizer(
        list(questions),
        list(contexts),
        truncation="only_second",
        max_length=max_length,
        stride=doc_stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        padding="longest",
        return_tensors="pt",
    )
    example_index = encoded["overflow_to_sample_mapping"]
    offsets = encoded["offset_mapping"].clone()
    starts, ends = [], []
    for w in range(len(example_index)):
        sequence_ids = encoded.sequence_ids(w)
        not_context = torch.tensor([s != 1 for s in sequence_ids])
        offsets[w][not_context] = -1
        if spans is None:
            continue
        span = spans[int(example_index[w])]
        token_span = None
        if span is not None:
            start_char = span[0]
            token_span = char_span_to_token_span(
                encoded["offset_mapping"][w].tolist(), start_char, start_char + len(span[1]), sequence_ids
            )
        start, end = token_span if token_span is not None else (0, 0)
        starts.append(start)
        ends.append(end)
    positions = (torch.tensor(starts), torch.tensor(ends)) if spans is not None else (None, None)
    return QAFeatures(
        encoded["input_ids"],
        encoded["token_type_ids"],
        encoded["attention_mask"],
        offsets,
        example_index,
        *positions,
    )
