"""Multi-head attention (Vaswani et al. 2017, section 3.2.2).

    MultiHead(Q, K, V) = Concat(head_1, ..., head_h) W^O
    head_i = Attention(Q W_i^Q, K W_i^K, V W_i^V)

Each of the ``h`` heads works on ``d_head = d_model / h`` features, so the cost is about that of one
full-width head. In code the per-head projections ``W_i^Q`` are the column blocks of one
``d_model x d_model`` linear layer: project once, then :func:`split_heads` reshapes
``(batch, seq, d_model)`` into ``(batch, heads, seq, d_head)``.

All tensors are batch-first: ``(batch, seq, d_model)``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nlpcourse.transformer.attention import check_keep_mask, scaled_dot_product_attention

__all__ = ["split_heads", "merge_heads", "MultiHeadAttention"]


def split_heads(x: Tensor, num_heads: int) -> Tensor:
    """(batch, seq, d_model) -> (batch, heads, seq, d_head) with d_head = d_model / heads."""
    if x.dim() != 3:
        raise ValueError(
            f"split_heads expects (batch, seq, d_model), got shape {tuple(x.shape)}: "
            "add a batch dim with x.unsqueeze(0)"
        )
    batch, seq, d_model = x.shape
    if num_heads < 1 or d_model % num_heads:
        raise ValueError(
            f"d_model={d_model} is not divisible by num_heads={num_heads}: pick a number of heads "
            "that divides d_model"
        )
    return x.view(batch, seq, num_heads, d_model // num_heads).transpose(1, 2)


def merge_heads(x: Tensor) -> Tensor:
    """(batch, heads, seq, d_head) -> (batch, seq, heads * d_head); the inverse of split_heads."""
    if x.dim() != 4:
        raise ValueError(f"merge_heads expects (batch, heads, seq, d_head), got shape {tuple(x.shape)}")
    return x.transpose(1, 2).flatten(2)


class MultiHeadAttention(nn.Module):
    """Multi-head attention with separate ``q_proj``, ``k_proj``, ``v_proj`` and ``out_proj``.

    Args:
        d_model: width of the inputs and the output.
        num_heads: number of heads ``h``; must divide ``d_model``.
        dropout: dropout on the attention weights (training only).
        bias: whether the four projections have a bias.

    ``forward(query, key=None, value=None, mask=None, need_weights=True)``:

    * ``query``: ``(batch, seq_q, d_model)``; ``key`` and ``value``: ``(batch, seq_k, d_model)``.
      ``key`` defaults to ``query`` (self-attention) and ``value`` to ``key``.
    * ``mask``: bool keep-mask broadcastable to ``(batch, heads, seq_q, seq_k)``, ``True`` = attend.
    * Returns ``(output, weights)``: output ``(batch, seq_q, d_model)``; weights
      ``(batch, heads, seq_q, seq_k)`` per head when ``need_weights`` (average over dim 1 for
      torch's ``average_attn_weights=True``), else ``None``.

    With ``need_weights=False`` it calls :func:`torch.nn.functional.scaled_dot_product_attention`,
    which runs fused kernels and never returns the weights; with ``need_weights=True`` it uses
    the plain softmax of :func:`nlpcourse.transformer.attention.scaled_dot_product_attention`.
    Both compute the same output. In self-attention (``key`` and ``value`` omitted or the same
    tensor as ``query``) the three input projections run as one stacked matmul.
    """

    def __init__(self, d_model: int, num_heads: int, dropout: float = 0.0, bias: bool = True):
        super().__init__()
        if num_heads < 1 or d_model % num_heads:
            raise ValueError(
                f"d_model={d_model} is not divisible by num_heads={num_heads}: pick a number of "
                "heads that divides d_model"
            )
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.d_model = d_model
        self.num_heads = num_heads
        self.d_head = d_model // num_heads
        self.dropout = dropout
        self.q_proj = nn.Linear(d_model, d_model, bias=bias)  # W^Q for all heads side by side
        self.k_proj = nn.Linear(d_model, d_model, bias=bias)  # W^K
        self.v_proj = nn.Linear(d_model, d_model, bias=bias)  # W^V
        self.out_proj = nn.Linear(d_model, d_model, bias=bias)  # W^O

    def forward(
        self,
        query: Tensor,
        key: Tensor | None = None,
        value: Tensor | None = None,
        mask: Tensor | None = None,
        need_weights: bool = True,
    ) -> tuple[Tensor, Tensor | None]:
        key = query if key is None else key
        value = key if value is None else value
        for name, t in (("query", query), ("key", key), ("value", value)):
            if t.dim() != 3 or t.size(-1) != self.d_model:
                raise ValueError(
                    f"{name} must be (batch, seq, d_model={self.d_model}), got shape "
                    f"{tuple(t.shape)}: inputs are batch-first, add a batch dim with unsqueeze(0)"
                )
        if key.shape[:2] != value.shape[:2]:
            raise ValueError(
                f"key {tuple(key.shape)} and value {tuple(value.shape)} must share (batch, seq_k)"
            )
        if query.size(0) != key.size(0):
            raise ValueError(
                f"query {tuple(query.shape)} and key {tuple(key.shape)} must share the batch size"
            )

        if key is query and value is query:
            # Self-attention: one matmul with [W^Q; W^K; W^V] stacked instead of three, as torch's
            # in_proj does; same result, fewer and larger matrix products (faster on CPU).
            q, k, v = self._project_qkv_together(query)
        else:
            q, k, v = self.q_proj(query), self.k_proj(key), self.v_proj(value)
        q = split_heads(q, self.num_heads)  # (batch, heads, seq_q, d_head)
        k = split_heads(k, self.num_heads)  # (batch, heads, seq_k, d_head)
        v = split_heads(v, self.num_heads)  # (batch, heads, seq_k, d_head)
        dropout_p = self.dropout if self.training else 0.0

        if need_weights:
            out, weights = scaled_dot_product_attention(q, k, v, mask, dropout_p, self.training)
        else:
            if mask is not None:
                check_keep_mask(mask, (q.size(0), self.num_heads, q.size(2), k.size(2)))
            # torch's bool attn_mask uses the same convention: True = take part in attention.
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout_p)
            weights = None
        return self.out_proj(merge_heads(out)), weights  # (batch, seq_q, d_model)

    def _project_qkv_together(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """(batch, seq, d_model) -> q, k, v, each (batch, seq, d_model), with a single matmul."""
        projections = (self.q_proj, self.k_proj, self.v_proj)
        if not all(type(p) is nn.Linear for p in projections):  # e.g. int8-quantised: one call each
            return self.q_proj(x), self.k_proj(x), self.v_proj(x)
        weight = torch.cat([p.weight for p in projections])  # (3 * d_model, d_model)
        bias = None if self.q_proj.bias is None else torch.cat([p.bias for p in projections])
        q, k, v = F.linear(x, weight, bias).chunk(3, dim=-1)
        return q, k, v

    @classmethod
    def from_torch(cls, mha: nn.MultiheadAttention) -> MultiHeadAttention:
        """Build a copy of a :class:`torch.nn.MultiheadAttention`, weights included.

        torch stores W^Q, W^K, W^V stacked as ``in_proj_weight`` ``(3 * d_model, d_model)``
        (rows [q; k; v]) and ``in_proj_bias`` ``(3 * d_model,)``. The weights do not depend on
        ``batch_first``, but our module always takes batch-first inputs.
        """
        if not isinstance(mha, nn.MultiheadAttention):
            raise TypeError(f"expected torch.nn.MultiheadAttention, got {type(mha).__name__}")
        if mha.in_proj_weight is None:
            raise ValueError(
                "this nn.MultiheadAttention has kdim/vdim != embed_dim (separate q/k/v weights); "
                "only the shared in_proj_weight layout is supported"
            )
        if mha.bias_k is not None or mha.add_zero_attn:
            raise ValueError("add_bias_kv=True and add_zero_attn=True are not supported")
        w = mha.in_proj_weight
        module = cls(mha.embed_dim, mha.num_heads, mha.dropout, bias=mha.in_proj_bias is not None)
        module = module.to(device=w.device, dtype=w.dtype)
        projections = (module.q_proj, module.k_proj, module.v_proj)
        with torch.no_grad():
            for proj, weight in zip(projections, w.chunk(3), strict=True):  # rows [W^Q; W^K; W^V]
                proj.weight.copy_(weight)
            module.out_proj.weight.copy_(mha.out_proj.weight)
            if mha.in_proj_bias is not None:
                for proj, b in zip(projections, mha.in_proj_bias.chunk(3), strict=True):
                    proj.bias.copy_(b)
                module.out_proj.bias.copy_(mha.out_proj.bias)
        return module
