"""Scaled dot-product attention and the masks that go with it (Vaswani et al. 2017, section 3.2.1).

    Attention(Q, K, V) = softmax(Q K^T / sqrt(d_k)) V

Each query row of ``Q`` is compared with every key row of ``K``; the scores are scaled by
``1 / sqrt(d_k)`` so that their variance does not grow with the key width, turned into a
probability distribution over the keys with a softmax, and used to average the rows of ``V``.

Masks in this package are *keep* masks: a bool tensor where ``True`` means "this query may attend
to this key" and ``False`` means "hide this key". That is the same convention as the bool
``attn_mask`` of :func:`torch.nn.functional.scaled_dot_product_attention`, and the opposite of the
``key_padding_mask`` / ``src_key_padding_mask`` of :class:`torch.nn.MultiheadAttention` and
:class:`torch.nn.TransformerEncoderLayer`, where ``True`` means "padding, ignore".
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ["scaled_dot_product_attention", "padding_mask", "causal_mask", "check_keep_mask"]


def check_keep_mask(mask: Tensor, scores_shape: torch.Size | tuple[int, ...]) -> None:
    """Raise a clear error unless ``mask`` is a bool keep-mask broadcastable to ``scores_shape``.

    ``scores_shape`` is the shape of the attention scores, ``(..., seq_q, seq_k)``.
    """
    if not isinstance(mask, Tensor):
        raise TypeError(
            f"mask must be a torch.Tensor of dtype torch.bool, got {type(mask).__name__}: "
            "build one with padding_mask(...) or causal_mask(...)"
        )
    if mask.dtype != torch.bool:
        raise TypeError(
            f"mask must have dtype torch.bool (True = attend, False = hide), got {mask.dtype}: "
            "convert it with mask.bool(), or for an additive float mask use mask == 0"
        )
    scores_shape = torch.Size(scores_shape)
    try:
        broadcast = torch.broadcast_shapes(mask.shape, scores_shape)
    except RuntimeError:
        broadcast = None
    if broadcast != scores_shape:
        raise ValueError(
            f"mask of shape {tuple(mask.shape)} does not broadcast to the attention scores of "
            f"shape {tuple(scores_shape)} (..., seq_q, seq_k): give it shape (seq_q, seq_k), "
            "(batch, 1, 1, seq_k) or (batch, heads, seq_q, seq_k)"
        )


def scaled_dot_product_attention(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    mask: Tensor | None = None,
    dropout_p: float = 0.0,
    training: bool = False,
) -> tuple[Tensor, Tensor]:
    """Attention(Q, K, V) = softmax(Q K^T / sqrt(d_k)) V, returning the output and the weights.

    Args:
        q: queries, ``(..., seq_q, d_k)``, e.g. ``(batch, heads, seq_q, d_k)``.
        k: keys, ``(..., seq_k, d_k)``.
        v: values, ``(..., seq_k, d_v)``.
        mask: optional bool keep-mask broadcastable to ``(..., seq_q, seq_k)``; ``True`` = attend,
            ``False`` = hide. See :func:`padding_mask` and :func:`causal_mask`.
        dropout_p: probability of dropping an attention weight (only when ``training``).
        training: apply dropout to the weights before they average ``v``.

    Returns:
        ``(output, weights)``: output ``(..., seq_q, d_v)`` and weights ``(..., seq_q, seq_k)``.
        Every weight row sums to 1, except a row whose keys are all masked: there is nothing to
        attend to, so its weights and its output are all zeros (not NaN). This matches what
        :func:`torch.nn.functional.scaled_dot_product_attention` returns for such rows.
        The weights are returned *before* dropout, so they are always a distribution.
    """
    if q.dim() < 2 or k.dim() < 2 or v.dim() < 2:
        raise ValueError(
            f"q, k and v need at least 2 dims (..., seq, features), got shapes {tuple(q.shape)}, "
            f"{tuple(k.shape)} and {tuple(v.shape)}: add a sequence dim with x.unsqueeze(-2)"
        )
    if q.size(-1) != k.size(-1):
        raise ValueError(
            f"q and k must have the same last dim d_k, got q {tuple(q.shape)} (d_k={q.size(-1)}) "
            f"and k {tuple(k.shape)} (d_k={k.size(-1)}): project both to the same width"
        )
    if k.size(-2) != v.size(-2):
        raise ValueError(
            f"k and v must have the same number of positions seq_k, got k {tuple(k.shape)} "
            f"(seq_k={k.size(-2)}) and v {tuple(v.shape)} (seq_k={v.size(-2)}): pass one value "
            "vector per key"
        )
    if not 0.0 <= dropout_p < 1.0:
        raise ValueError(f"dropout_p must be in [0, 1), got {dropout_p}")
    try:
        lead = torch.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    except RuntimeError:
        raise ValueError(
            f"the leading (batch/head) dims of q {tuple(q.shape)}, k {tuple(k.shape)} and "
            f"v {tuple(v.shape)} do not broadcast: give them the same batch and head sizes"
        ) from None

    d_k = q.size(-1)
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)  # (..., seq_q, seq_k)
    if mask is not None:
        check_keep_mask(mask, lead + scores.shape[-2:])
        scores = scores.masked_fill(~mask, float("-inf"))
        # A row with every key hidden is all -inf and softmax would return NaN. Give such rows
        # finite scores, then zero every hidden weight: their weights (and output) become 0.
        has_key = mask.any(dim=-1, keepdim=True)
        scores = scores.masked_fill(~has_key, 0.0)
        weights = torch.softmax(scores, dim=-1).masked_fill(~mask, 0.0)
    else:
        weights = torch.softmax(scores, dim=-1)  # each row sums to 1

    dropped = F.dropout(weights, p=dropout_p, training=training) if dropout_p > 0 else weights
    return dropped @ v, weights  # (..., seq_q, d_v), (..., seq_q, seq_k)


def padding_mask(
    x: Tensor | Sequence[int],
    pad_id: int | None = None,
    seq_len: int | None = None,
) -> Tensor:
    """Keep-mask that hides padding keys, shaped ``(batch, 1, 1, seq_k)``.

    Two ways to call it:

    * ``padding_mask(tokens, pad_id=0)``: ``tokens`` is ``(batch, seq_k)`` token ids;
      keep = ``tokens != pad_id``.
    * ``padding_mask(lengths, seq_len=None)``: ``lengths`` is ``(batch,)`` (tensor or list) of true
      lengths; keep = ``position < length``. ``seq_len`` defaults to ``max(lengths)``.

    The two singleton dims broadcast over heads and queries, so the result can be passed directly
    as ``mask`` to attention on ``(batch, heads, seq_q, seq_k)`` scores. ``mask[:, 0, 0, :]`` is
    the ``(batch, seq_k)`` keep-mask; ``~mask[:, 0, 0, :]`` is torch's ``key_padding_mask``.
    """
    x = torch.as_tensor(x)
    if pad_id is not None:
        if x.dim() != 2:
            raise ValueError(
                f"with pad_id, x must be token ids of shape (batch, seq), got shape "
                f"{tuple(x.shape)}: for a (batch,) tensor of lengths leave pad_id unset"
            )
        if seq_len is not None:
            raise ValueError("seq_len is only used with lengths: with token ids leave it unset")
        keep = x != pad_id  # (batch, seq_k)
    else:
        if x.dim() != 1:
            raise ValueError(
                f"without pad_id, x must be a (batch,) tensor of lengths, got shape "
                f"{tuple(x.shape)}: for token ids pass pad_id=..."
            )
        if x.dtype.is_floating_point or x.dtype == torch.bool:
            raise TypeError(f"lengths must be integers, got dtype {x.dtype}")
        if x.numel() and int(x.min()) < 0:
            raise ValueError(f"lengths must be >= 0, got {x.tolist()}")
        longest = int(x.max()) if x.numel() else 0
        if seq_len is None:
            seq_len = longest
        elif seq_len < longest:
            raise ValueError(f"seq_len={seq_len} is shorter than the longest length {longest}")
        keep = torch.arange(seq_len, device=x.device) < x[:, None]  # (batch, seq_k)
    return keep[:, None, None, :]  # (batch, 1, 1, seq_k)


def causal_mask(seq_len: int, device: torch.device | str | None = None) -> Tensor:
    """Keep-mask ``(seq_len, seq_len)`` that lets position i attend to positions j <= i only.

    mask[i, j] = (j <= i): lower triangular, diagonal included. It broadcasts over batch and heads.
    """
    if seq_len < 1:
        raise ValueError(f"seq_len must be >= 1, got {seq_len}")
    return torch.ones(seq_len, seq_len, dtype=torch.bool, device=device).tril()
