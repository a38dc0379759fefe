"""The peer reader: transformers' own pieces, one passage at a time, as its QA pipeline read.

transformers 5 removed ``pipeline("question-answering")`` (its migration guide points to chat models).
Its reading survives in parts: the fast tokenizer's windows (``truncation="only_second"``, ``stride``,
``return_overflowing_tokens``), ``BertForQuestionAnswering`` and the pipelines' span decoder
``select_starts_ends`` (softmax over the window's context tokens, best product p_start * p_end with
``max_answer_len``), kept in ``transformers.pipelines.document_question_answering``. This adapter
assembles them the way the removed pipeline did (each passage encoded, run and decoded on its own,
the best window by probability), so chapter 10 can compare our reader with transformers' answers.
With transformers 4.x, :func:`transformers_pipeline` builds the real pipeline instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import torch

__all__ = ["PipelineAnswer", "transformers_read", "transformers_pipeline"]


class PipelineAnswer(NamedTuple):
    """What the pipeline returned for one passage: the answer and its characters, the probability."""

    answer: str
    start: int
    end: int
    score: float


def _select_starts_ends() -> Any:
    try:  # transformers 5: the decoder lives on in the document QA pipeline
        from transformers.pipelines.document_question_answering import select_starts_ends
    except ImportError:  # transformers 4
        from transformers.pipelines.question_answering import select_starts_ends
    return select_starts_ends


def transformers_read(
    question: str,
    passages: Sequence[str],
    model: Any,
    tokenizer: Any,
    *,
    max_length: int = 384,
    doc_stride: int = 128,
    max_answer_len: int = 30,
) -> list[PipelineAnswer]:
    """The best answer in each passage, read by a ``transformers.BertForQuestionAnswering``."""
    select = _select_starts_ends()
    answers = []
    for passage in passages:
        encoded = tokenizer(
            question,
            passage,
            truncation="only_second",
            max_length=max_length,
            stride=doc_stride,
            return_overflowing_tokens=True,
            return_offsets_mapping=True,
            padding=True,
            return_tensors="pt",
        )
        best = None
        for w in range(len(encoded["input_ids"])):
            sequence_ids = encoded.sequence_ids(w)
            p_mask = np.array([s != 1 for s in sequence_ids])
            p_mask[0] = False  # [CLS] stays unmasked, as in the pipeline
            with torch.no_grad():
                output = model(
                    input_ids=encoded["input_ids"][w : w + 1],
                    token_type_ids=encoded["token_type_ids"][w : w + 1],
                    attention_mask=encoded["attention_mask"][w : w + 1],
                )
            starts, ends, scores, _ = select(
                output.start_logits.numpy(),
                output.end_logits.numpy(),
                p_mask,
                encoded["attention_mask"][w : w + 1].numpy(),
                max_answer_len=max_answer_len,
            )
            offsets = encoded["offset_mapping"][w]
            s, e, score = int(starts[0]), int(ends[0]), float(scores[0])
            if best is None or score > best.score:
                first, last = int(offsets[s][0]), int(offsets[e][1])
                best = PipelineAnswer(passage[first:last], first, last, score)
        answers.append(best)
    return answers


def transformers_pipeline(model: Any, tokenizer: Any) -> Any:
    """``pipeline("question-answering", model=model, tokenizer=tokenizer)`` where transformers still has it.

    Raises ``RuntimeError`` naming :func:`transformers_read` on transformers 5, which removed the task.
    """
    from transformers import pipeline

    try:
        return pipeline("question-answering", model=model, tokenizer=tokenizer)
    except KeyError as error:
        raise RuntimeError(
            f"this transformers has no question-answering pipeline ({error}): use "
            "nlpcourse.qa.transformers_reader.transformers_read, built from the same "
            "parts"
        ) from error
