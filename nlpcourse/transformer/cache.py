"""Key/value cache for incremental decoding.

A decoder generates one token at a time. Without a cache, step t re-runs the whole prefix
``y_1 .. y_t`` through every layer: O(t) work per step, O(T^2) for T tokens. But the keys and
values of positions < t never change (the causal mask hides the future from them), so each layer
can keep them and only project the newest token:

    K_self <- concat(K_self, x_t W^K),   V_self <- concat(V_self, x_t W^V)
    K_cross = memory W^K, V_cross = memory W^V   (computed once per source sentence)

Shapes: every cached tensor is ``(batch, heads, length, d_head)``. Beam search reorders the
batch dimension after each step (:meth:`DecoderCache.reorder`) so that each surviving hypothesis
keeps the keys and values of its own prefix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor

from nlpcourse.transformer.attention import scaled_dot_product_attention
from nlpcourse.transformer.multihead import MultiHeadAttention, merge_heads, split_heads

__all__ = ["LayerCache", "DecoderCache", "cached_attention"]


@dataclass
class LayerCache:
    """Cached keys and values of one decoder layer, each ``(batch, heads, length, d_head)``."""

    self_k: Tensor | None = None  # keys of the target prefix (grows by one position per step)
    self_v: Tensor | None = None
    cross_k: Tensor | None = None  # keys of the encoder output (fixed for a source sentence)
    cross_v: Tensor | None = None


@dataclass
class DecoderCache:
    """Per-layer caches and the number of target positions already seen (the next position id)."""

    layers: list[LayerCache] = field(default_factory=list)
    length: int = 0

    @classmethod
    def empty(cls, num_layers: int) -> DecoderCache:
        return cls([LayerCache() for _ in range(num_layers)], 0)

    def reorder(self, index: Tensor) -> None:
        """Keep rows ``index`` (a ``(new_batch,)`` long tensor) of every cached tensor, in place."""
        for layer in self.layers:
            for name in ("self_k", "self_v", "cross_k", "cross_v"):
                value = getattr(layer, name)
                if value is not None:
                    setattr(layer, name, value.index_select(0, index))


def cached_attention(
    attn: MultiHeadAttention,
    query: Tensor,
    k: Tensor,
    v: Tensor,
    mask: Tensor | None = None,
    need_weights: bool = False,
) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention of ``query`` over keys and values that are already projected.

    ``query``: ``(batch, seq_q, d_model)``; ``k``, ``v``: ``(batch, heads, seq_k, d_head)`` (from a
    cache); ``mask``: keep-mask broadcastable to ``(batch, heads, seq_q, seq_k)``. Uses ``attn``'s
    ``q_proj`` and ``out_proj``; returns ``(batch, seq_q, d_model)`` and the weights when asked.
    """
    q = split_heads(attn.q_proj(query), attn.num_heads)  # (batch, heads, seq_q, d_head)
    if need_weights:
        out, weights = scaled_dot_product_attention(q, k, v, mask)
    else:
        out = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        weights = None
    return attn.out_proj(merge_heads(out)), weights


def project_kv(attn: MultiHeadAttention, x: Tensor) -> tuple[Tensor, Tensor]:
    """Keys and values of ``x`` ``(batch, seq, d_model)``, each ``(batch, heads, seq, d_head)``."""
    return split_heads(attn.k_proj(x), attn.num_heads), split_heads(attn.v_proj(x), attn.num_heads)
