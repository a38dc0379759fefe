"""Span decoding: the best legal answer span of one window, the n best, and "no answer".

A span ``(s, e)`` of one window scores ``start_logits[s] + end_logits[e]`` (the log of the product of
the start and end probabilities, up to a constant). It is **legal** when ``s <= e``, it holds at most
``max_answer_len`` tokens (``e - s + 1 <= max_answer_len``) and both ends are context tokens.

:func:`best_span` finds the best legal span in linear time: scanning ends ``e`` from left to right, the
best start for ``e`` is the maximum of ``start_logits`` over the legal starts in
``[e - max_answer_len + 1, e]``, a sliding-window maximum that a monotone deque keeps in amortised
O(1) per token (the brute force over all pairs is O(seq * max_answer_len)).

SQuAD 2.0 questions may have no answer. The model says so by pointing start and end at ``[CLS]``
(position 0): the **null score** is ``start_logits[0] + end_logits[0]``, and the answer is empty when
``null_score > best_score + threshold`` (the threshold is tuned on validation data). A long context has
several windows: :func:`decode_windows` takes the best span over all of an example's windows and the
smallest null score, as transformers' QA examples do.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import NamedTuple

import torch
from torch import Tensor

from nlpcourse.qa.windows import QAFeatures

__all__ = ["best_span", "best_span_brute_force", "n_best_spans", "null_score", "Prediction", "decode_windows"]


def _check_logits(
    start_logits: Tensor, end_logits: Tensor, max_answer_len: int, context_mask: Tensor | None
) -> Tensor:
    for name, logits in (("start_logits", start_logits), ("end_logits", end_logits)):
        if not isinstance(logits, Tensor) or logits.dim() != 1 or not logits.is_floating_point():
            raise ValueError(
                f"{name} must be a 1-D float tensor (the logits of one window), got "
                f"{type(logits).__name__} {tuple(getattr(logits, 'shape', ()))}: "
                "decode one window at a time"
            )
    if start_logits.shape != end_logits.shape:
        raise ValueError(
            f"start_logits {tuple(start_logits.shape)} and end_logits "
            f"{tuple(end_logits.shape)} must have the same length"
        )
    if max_answer_len < 1:
        raise ValueError(f"max_answer_len must be at least 1 token, got {max_answer_len}")
    if context_mask is None:
        return torch.ones_like(start_logits, dtype=torch.bool)
    if context_mask.shape != start_logits.shape:
        raise ValueError(
            f"context_mask {tuple(context_mask.shape)} must have the shape of the logits "
            f"{tuple(start_logits.shape)}"
        )
    return context_mask.bool()


def best_span(
    start_logits: Tensor, end_logits: Tensor, max_answer_len: int = 30, context_mask: Tensor | None = None
) -> tuple[int, int, float]:
    """The highest-scoring legal span ``(start, end, score)`` of one window, ends included, in O(seq).

    start_logits, end_logits: ``(seq,)``; context_mask: ``(seq,)`` bool, True where an answer may be
    (default: everywhere). score = start_logits[start] + end_logits[end]. Raises ``ValueError`` when no
    token is legal.
    """
    legal = _check_logits(start_logits, end_logits, max_answer_len, context_mask).tolist()
    starts, ends = start_logits.tolist(), end_logits.tolist()
    window: deque[int] = deque()  # legal starts in [e - max_answer_len + 1, e], start logits decreasing
    best = (-1, -1, float("-inf"))
    for e in range(len(starts)):
        if legal[e]:
            while window and starts[window[-1]] < starts[e]:
                window.pop()
            window.append(e)
        while window and window[0] < e - max_answer_len + 1:
            window.popleft()
        if legal[e] and window:
            score = starts[window[0]] + ends[e]
            if score > best[2]:
                best = (window[0], e, score)
    if best[0] < 0:
        raise ValueError("no legal span: the context mask selects no token")
    return best


def best_span_brute_force(
    start_logits: Tensor, end_logits: Tensor, max_answer_len: int = 30, context_mask: Tensor | None = None
) -> tuple[int, int, float]:
    """:func:`best_span` by trying every pair: O(seq^2) work, for tests and for the notebook's comparison."""
    legal = _check_logits(start_logits, end_logits, max_answer_len, context_mask)
    scores = _legal_scores(start_logits, end_logits, max_answer_len, legal)
    if torch.isinf(scores).all():
        raise ValueError("no legal span: the context mask selects no token")
    flat = int(scores.argmax())
    s, e = divmod(flat, scores.size(1))
    return s, e, float(start_logits[s]) + float(end_logits[e])


def _legal_scores(start_logits: Tensor, end_logits: Tensor, max_answer_len: int, legal: Tensor) -> Tensor:
    """(seq, seq) matrix of span scores, -inf where the span ``(row, column)`` is not legal."""
    n = start_logits.size(0)
    scores = start_logits.double()[:, None] + end_logits.double()[None, :]
    s, e = torch.arange(n)[:, None], torch.arange(n)[None, :]
    ok = (s <= e) & (e - s < max_answer_len) & legal[:, None] & legal[None, :]
    return scores.masked_fill(~ok, float("-inf"))


def n_best_spans(
    start_logits: Tensor,
    end_logits: Tensor,
    n: int = 20,
    max_answer_len: int = 30,
    context_mask: Tensor | None = None,
) -> list[tuple[int, int, float]]:
    """The ``n`` highest-scoring legal spans ``(start, end, score)`` of one window, best first."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    legal = _check_logits(start_logits, end_logits, max_answer_len, context_mask)
    scores = _legal_scores(start_logits, end_logits, max_answer_len, legal).flatten()
    count = min(n, int(torch.isfinite(scores).sum()))
    if count == 0:
        raise ValueError("no legal span: the context mask selects no token")
    values, indices = scores.topk(count)
    width = start_logits.size(0)
    return [(int(i) // width, int(i) % width, float(v)) for v, i in zip(values, indices, strict=True)]


def null_score(start_logits: Tensor, end_logits: Tensor) -> float:
    """The score of "no answer": both ends on ``[CLS]``, ``start_logits[0] + end_logits[0]``."""
    return float(start_logits[0]) + float(end_logits[0])


class Prediction(NamedTuple):
    """The answer to one question: text ("" for no answer), character start (-1 then) and scores."""

    text: str
    start: int
    score: float  # best span score over the example's windows
    null_score: float  # smallest [CLS] score over its windows


def decode_windows(
    start_logits: Tensor,
    end_logits: Tensor,
    features: QAFeatures,
    contexts: Sequence[str],
    max_answer_len: int = 30,
    null_threshold: float | None = None,
) -> list[Prediction]:
    """One :class:`Prediction` per context from the ``(windows, seq)`` logits of :func:`encode_windows`.

    ``null_threshold=None`` always answers (SQuAD 1.1); a number answers "" when
    ``null_score - best_score > null_threshold`` (SQuAD 2.0).
    """
    if start_logits.shape != features.offsets.shape[:2] or end_logits.shape != start_logits.shape:
        width = start_logits.size(-1) if start_logits.dim() else 0
        if start_logits.dim() == 2 and width < features.offsets.size(1):  # trimmed padding columns
            features = features._replace(offsets=features.offsets[:, :width])
        else:
            raise ValueError(
                f"logits {tuple(start_logits.shape)} do not fit the windows "
                f"{tuple(features.offsets.shape[:2])}"
            )
    mask = features.offsets[..., 1] > features.offsets[..., 0]
    best: dict[int, tuple[float, int, int, int]] = {}
    nulls: dict[int, float] = {}
    for w, example in enumerate(features.example_index.tolist()):
        nulls[example] = min(nulls.get(example, float("inf")), null_score(start_logits[w], end_logits[w]))
        s, e, score = best_span(start_logits[w], end_logits[w], max_answer_len, mask[w])
        if example not in best or score > best[example][0]:
            best[example] = (score, w, s, e)
    predictions = []
    for example, context in enumerate(contexts):
        if example not in best:
            raise ValueError(f"no window belongs to context {example}: pass the contexts that were encoded")
        score, w, s, e = best[example]
        start, end = int(features.offsets[w, s, 0]), int(features.offsets[w, e, 1])
        if null_threshold is not None and nulls[example] - score > null_threshold:
            predictions.append(Prediction("", -1, score, nulls[example]))
        else:
            predictions.append(Prediction(context[start:end], start, score, nulls[example]))
    return predictions
