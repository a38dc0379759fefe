"""From characters to tokens and back: SQuAD's answers are character spans, a model predicts tokens.

A fast tokenizer returns, for every token, its ``(start, end)`` character offsets in the text it came
from (``return_offsets_mapping=True``); special tokens get ``(0, 0)``. For a question-context pair,
``sequence_ids`` says which text a token belongs to (0 = question, 1 = context, None = special), and only
context tokens may hold an answer.

    answer "Madrid" at characters [91, 97) of the context
    tokens:    [CLS] where does kate live ? [SEP] kate is ... she lives in madrid . [SEP]
    offsets:   (0,0) ...                    (0,0) (0,4)  ...                (91,97) ...
    token span (start_token, end_token) = (23, 23), both ends included

:func:`char_span_to_token_span` maps an answer to the first and last context token that overlap it
(the token holding its first character and the token holding its last; for an answer that starts or
ends in spaces, the nearest token inside it) and returns ``None`` when the answer is not wholly inside
the tokens given (a window that cuts it). :func:`token_span_to_char_span` goes back.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["Offsets", "check_answer", "char_span_to_token_span", "token_span_to_char_span", "context_tokens"]

#: One ``(start, end)`` pair per token; ``None`` for a token that is not part of the context.
Offsets = Sequence[tuple[int, int] | None]


def check_answer(context: str, answer_start: int, answer_text: str) -> int:
    """Check that ``answer_text`` is at ``answer_start`` in ``context``; return its end character.

    Raises ``ValueError`` saying what is wrong (empty answer, offset out of range, other text there).
    """
    if not isinstance(context, str) or not context.strip():
        raise ValueError("context is empty: pass the passage the answer comes from")
    if not answer_text:
        raise ValueError("answer text is empty: for an unanswerable question pass no answer at all")
    if not 0 <= answer_start <= len(context) - len(answer_text):
        raise ValueError(
            f"answer_start={answer_start} is out of range for a context of {len(context)} "
            f"characters and an answer of {len(answer_text)}"
        )
    found = context[answer_start : answer_start + len(answer_text)]
    if found != answer_text:
        where = context.find(answer_text)
        hint = f" (it occurs at {where})" if where >= 0 else " (it does not occur in the context at all)"
        raise ValueError(
            f"answer {answer_text!r} is not at character {answer_start} of the context, "
            f"which holds {found!r} there{hint}: fix answer_start"
        )
    return answer_start + len(answer_text)


def context_tokens(
    offset_mapping: Offsets, sequence_ids: Sequence[int | None] | None = None, context_id: int = 1
) -> list[int]:
    """Indices of the tokens that may hold an answer: context tokens with a non-empty character span.

    Without ``sequence_ids`` every token with an offset other than ``None`` or ``(0, 0)`` counts.
    """
    if sequence_ids is not None and len(sequence_ids) != len(offset_mapping):
        raise ValueError(
            f"sequence_ids has {len(sequence_ids)} entries but offset_mapping has "
            f"{len(offset_mapping)}: pass both for the same encoding"
        )
    keep = []
    for i, span in enumerate(offset_mapping):
        if span is None or (sequence_ids is not None and sequence_ids[i] != context_id):
            continue
        start, end = int(span[0]), int(span[1])
        if start < 0 or end < start:
            raise ValueError(
                f"offset {i} is ({start}, {end}): offsets must be (start, end) with 0 <= start <= end"
            )
        if end > start:  # (0, 0) marks special tokens
            keep.append(i)
    return keep


def char_span_to_token_span(
    offset_mapping: Offsets, start_char: int, end_char: int, sequence_ids: Sequence[int | None] | None = None
) -> tuple[int, int] | None:
    """The first and last token (both included) of the answer at characters ``[start_char, end_char)``.

    offset_mapping: ``(seq, 2)`` character offsets of one encoding (a list of pairs or a tensor);
    sequence_ids: the encoding's ``sequence_ids()``, to consider context tokens only (id 1).
    Returns ``None`` when the answer is not wholly covered by the context tokens, e.g. a window of a
    long context that starts after or ends before it.
    """
    if not 0 <= start_char < end_char:
        raise ValueError(
            f"character span [{start_char}, {end_char}) is empty or negative: "
            "expected 0 <= start_char < end_char"
        )
    offsets = [None if o is None else (int(o[0]), int(o[1])) for o in offset_mapping]
    tokens = context_tokens(offsets, sequence_ids)
    if not tokens:
        raise ValueError(
            "no context tokens: pass the offsets of an encoding that holds the context "
            "(and sequence_ids to tell question from context)"
        )
    if offsets[tokens[0]][0] > start_char or offsets[tokens[-1]][1] < end_char:
        return None  # the answer starts before or ends after the tokens we have
    # start: the token holding start_char, else (start_char is a space) the next token
    start = next(i for i in tokens if offsets[i][1] > start_char)
    # end: the token holding the last character end_char - 1, else the token before the gap
    end = max(i for i in tokens if offsets[i][0] < end_char)
    if end < start:  # the answer lies in a gap between two tokens (only spaces)
        return None
    return start, end


def token_span_to_char_span(offset_mapping: Offsets, start_token: int, end_token: int) -> tuple[int, int]:
    """Characters ``[start, end)`` covered by tokens ``start_token..end_token`` (both included)."""
    n = len(offset_mapping)
    if not 0 <= start_token <= end_token < n:
        raise ValueError(
            f"token span ({start_token}, {end_token}) is out of range for {n} tokens: "
            f"expected 0 <= start_token <= end_token < {n}"
        )
    first, last = offset_mapping[start_token], offset_mapping[end_token]
    if first is None or last is None:
        raise ValueError(
            f"token span ({start_token}, {end_token}) starts or ends outside the context "
            "(a question or special token has no context offsets)"
        )
    start, end = int(first[0]), int(last[1])
    if end <= start:
        raise ValueError(
            f"token span ({start_token}, {end_token}) covers no characters "
            f"(offsets {tuple(first)} .. {tuple(last)}): special tokens hold no text"
        )
    return start, end
