"""The Transformer decoder (Vaswani et al. 2017, section 3.1).

A decoder layer has three sublayers, each wrapped in a residual connection and a LayerNorm
(post-LN ``x = LayerNorm(x + Sublayer(x))`` by default, pre-LN ``x = x + Sublayer(LayerNorm(x))``
with ``norm_first=True``):

1. masked self-attention over the target prefix: position i sees positions j <= i only;
2. cross-attention: queries from the decoder, keys and values from the encoder output ("memory"),
   so every target position can look at every source position;
3. the position-wise feed-forward network ``FFN(x) = act(x W_1 + b_1) W_2 + b_2``.

Sublayer names match :class:`torch.nn.TransformerDecoderLayer` (``self_attn``, ``multihead_attn``,
``linear1``, ``linear2``, ``norm1`` .. ``norm3``) so :meth:`DecoderLayer.from_torch` can copy one.
Pass a :class:`~nlpcourse.transformer.cache.DecoderCache` to decode incrementally: the layer then
takes only the new positions and reuses the cached keys and values of the earlier ones.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor, nn

from nlpcourse.transformer.attention import causal_mask, padding_mask
from nlpcourse.transformer.cache import DecoderCache, LayerCache, cached_attention, project_kv
from nlpcourse.transformer.encoder import _ACTIVATIONS
from nlpcourse.transformer.multihead import MultiHeadAttention
from nlpcourse.transformer.positional import PositionalEncoding

__all__ = ["decoder_self_mask", "DecoderLayer", "Decoder"]


def decoder_self_mask(tgt: Tensor, pad_id: int) -> Tensor:
    """Keep-mask ``(batch, 1, seq, seq)`` for decoder self-attention: causal AND not padding.

    mask[b, 0, i, j] = (j <= i) and tgt[b, j] != pad_id. ``tgt`` is ``(batch, seq)`` token ids.
    """
    if tgt.dim() != 2 or tgt.dtype.is_floating_point:
        raise ValueError(
            f"tgt must be (batch, seq) token ids, got shape {tuple(tgt.shape)} and dtype {tgt.dtype}"
        )
    return causal_mask(tgt.size(1), tgt.device) & padding_mask(tgt, pad_id=pad_id)  # (batch, 1, seq, seq)


class DecoderLayer(nn.Module):
    """Masked self-attention, cross-attention and feed-forward, each with residual and LayerNorm.

    ``forward(x, memory, self_mask=None, memory_mask=None, cache=None, need_weights=False)``:

    * ``x``: ``(batch, seq_t, d_model)`` target states; ``memory``: ``(batch, seq_s, d_model)``.
    * ``self_mask``: keep-mask broadcastable to ``(batch, heads, seq_t, seq_t)`` (e.g. a causal
      mask); ``memory_mask``: to ``(batch, heads, seq_t, seq_s)`` (e.g. source padding).
    * ``cache``: a :class:`LayerCache`; ``x`` then holds only the new positions, ``self_mask``
      must cover ``(new, cached + new)`` keys (``None``: causal), and the cache is updated.
    * Returns ``(batch, seq_t, d_model)``. With ``need_weights`` the cross-attention weights
      ``(batch, heads, seq_t, seq_s)`` are kept in ``last_cross_attention``.
    """

    def __init__(
        self,
        d_model: int,
        num_heads: int,
        d_ff: int,
        dropout: float = 0.0,
        activation: str = "relu",
        norm_first: bool = False,
        layer_norm_eps: float = 1e-5,
        bias: bool = True,
    ):
        super().__init__()
        if activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}, got {activation!r}")
        self.self_attn = MultiHeadAttention(d_model, num_heads, dropout=dropout, bias=bias)
        self.multihead_attn = MultiHeadAttention(d_model, num_heads, dropout=dropout, bias=bias)
        self.linear1 = nn.Linear(d_model, d_ff, bias=bias)  # W_1, b_1
        self.dropout = nn.Dropout(dropout)  # inside the FFN
        self.linear2 = nn.Linear(d_ff, d_model, bias=bias)  # W_2, b_2
        self.norm1 = nn.LayerNorm(d_model, eps=layer_norm_eps, bias=bias)  # around self-attention
        self.norm2 = nn.LayerNorm(d_model, eps=layer_norm_eps, bias=bias)  # around cross-attention
        self.norm3 = nn.LayerNorm(d_model, eps=layer_norm_eps, bias=bias)  # around the FFN
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.dropout3 = nn.Dropout(dropout)
        self.activation_name = activation
        self.activation = _ACTIVATIONS[activation]
        self.norm_first = norm_first
        self.last_cross_attention: Tensor | None = None

    def forward(
        self,
        x: Tensor,
        memory: Tensor,
        self_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        cache: LayerCache | None = None,
        need_weights: bool = False,
    ) -> Tensor:
        if self.norm_first:  # pre-LN: x + Sublayer(LayerNorm(x))
            x = x + self._self_block(self.norm1(x), self_mask, cache)
            x = x + self._cross_block(self.norm2(x), memory, memory_mask, cache, need_weights)
            x = x + self._feed_forward_block(self.norm3(x))
        else:  # post-LN: LayerNorm(x + Sublayer(x))
            x = self.norm1(x + self._self_block(x, self_mask, cache))
            x = self.norm2(x + self._cross_block(x, memory, memory_mask, cache, need_weights))
            x = self.norm3(x + self._feed_forward_block(x))
        return x

    def _self_block(self, x: Tensor, mask: Tensor | None, cache: LayerCache | None) -> Tensor:
        if cache is None:
            return self.dropout1(self.self_attn(x, mask=mask, need_weights=False)[0])
        k, v = project_kv(self.self_attn, x)  # keys/values of the new positions only
        if cache.self_k is not None:
            k, v = torch.cat([cache.self_k, k], dim=2), torch.cat([cache.self_v, v], dim=2)
        cache.self_k, cache.self_v = k, v
        new, total = x.size(1), k.size(2)
        if mask is None and new > 1:  # new position i (absolute total - new + i) sees keys j <= it
            mask = torch.ones(new, total, dtype=torch.bool, device=x.device).tril(total - new)
        return self.dropout1(cached_attention(self.self_attn, x, k, v, mask)[0])

    def _cross_block(
        self, x: Tensor, memory: Tensor, mask: Tensor | None, cache: LayerCache | None, need_weights: bool
    ) -> Tensor:
        if cache is None:
            out, weights = self.multihead_attn(x, memory, memory, mask=mask, need_weights=need_weights)
        else:
            if cache.cross_k is None:  # the source is fixed: project it once per sentence
                cache.cross_k, cache.cross_v = project_kv(self.multihead_attn, memory)
            out, weights = cached_attention(
                self.multihead_attn, x, cache.cross_k, cache.cross_v, mask, need_weights
            )
        self.last_cross_attention = weights.detach() if weights is not None else None
        return self.dropout2(out)

    def _feed_forward_block(self, x: Tensor) -> Tensor:
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def extra_repr(self) -> str:
        return f"activation={self.activation_name}, norm_first={self.norm_first}"

    @classmethod
    def from_torch(cls, layer: nn.TransformerDecoderLayer) -> DecoderLayer:
        """Build a copy of a :class:`torch.nn.TransformerDecoderLayer`, weights included (batch-first)."""
        if not isinstance(layer, nn.TransformerDecoderLayer):
            raise TypeError(f"expected torch.nn.TransformerDecoderLayer, got {type(layer).__name__}")
        activation = layer.activation
        kind = (
            "relu"
            if activation in (torch.relu, nn.functional.relu)
            else ("gelu" if activation is nn.functional.gelu else None)
        )
        if kind is None:
            raise ValueError("only relu and gelu activations can be copied from torch")
        new = cls(
            d_model=layer.linear1.in_features,
            num_heads=layer.self_attn.num_heads,
            d_ff=layer.linear1.out_features,
            dropout=layer.dropout.p,
            activation=kind,
            norm_first=layer.norm_first,
            layer_norm_eps=layer.norm1.eps,
            bias=layer.linear1.bias is not None,
        )
        new.self_attn = MultiHeadAttention.from_torch(layer.self_attn)
        new.multihead_attn = MultiHeadAttention.from_torch(layer.multihead_attn)
        for name in ("linear1", "linear2", "norm1", "norm2", "norm3"):
            getattr(new, name).load_state_dict(getattr(layer, name).state_dict())
        weight = layer.linear1.weight
        return new.to(device=weight.device, dtype=weight.dtype)


class Decoder(nn.Module):
    """Target embedding * sqrt(d_model) + sinusoidal positions, then decoder layers.

    ``forward(tokens, memory, self_mask=None, memory_mask=None, cache=None, need_weights=False)``:
    ``tokens`` ``(batch, seq_t)`` target ids, ``memory`` ``(batch, seq_s, d_model)``. Without a
    cache, ``self_mask`` defaults to the causal mask. With a :class:`DecoderCache`, ``tokens`` are
    the next positions (usually one), numbered from ``cache.length``. Returns hidden states
    ``(batch, seq_t, d_model)`` (after a final LayerNorm ``norm`` when ``norm_first``).

    ``layer``: a function returning a new layer module, to stack a layer of your own instead of
    :class:`DecoderLayer`; it is called as ``layer(x, memory, self_mask, memory_mask, cache,
    need_weights)`` (a layer without a cache is decoded with ``use_cache=False``).
    """

    def __init__(
        self,
        vocab_size: int,
        d_model: int,
        num_heads: int,
        d_ff: int,
        num_layers: int,
        max_len: int = 128,
        dropout: float = 0.0,
        activation: str = "relu",
        norm_first: bool = False,
        layer_norm_eps: float = 1e-5,
        layer: Callable[[], nn.Module] | None = None,
    ):
        super().__init__()
        self.d_model = d_model
        self.embed = nn.Embedding(vocab_size, d_model)
        nn.init.normal_(self.embed.weight, mean=0.0, std=d_model**-0.5)  # as the Encoder does
        self.positions = PositionalEncoding(d_model, max_len, dropout)
        if layer is None:

            def layer() -> nn.Module:
                return DecoderLayer(d_model, num_heads, d_ff, dropout, activation, norm_first, layer_norm_eps)

        self.layers = nn.ModuleList(layer() for _ in range(num_layers))
        self.norm = nn.LayerNorm(d_model, eps=layer_norm_eps) if norm_first else None

    def new_cache(self) -> DecoderCache:
        return DecoderCache.empty(len(self.layers))

    def forward(
        self,
        tokens: Tensor,
        memory: Tensor,
        self_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        cache: DecoderCache | None = None,
        need_weights: bool = False,
    ) -> Tensor:
        if tokens.dim() != 2 or tokens.dtype.is_floating_point:
            raise ValueError(
                f"tokens must be integer ids of shape (batch, seq), got shape "
                f"{tuple(tokens.shape)} and dtype {tokens.dtype}"
            )
        if memory.dim() != 3 or memory.size(0) != tokens.size(0) or memory.size(-1) != self.d_model:
            raise ValueError(
                f"memory must be (batch={tokens.size(0)}, seq_s, d_model={self.d_model}), "
                f"got {tuple(memory.shape)}: pass the encoder output of the same batch"
            )
        start = 0 if cache is None else cache.length
        x = self.embed(tokens) * math.sqrt(self.d_model)  # (batch, seq_t, d_model)
        if start + x.size(1) > self.positions.max_len:
            raise ValueError(
                f"target length {start + x.size(1)} exceeds max_len={self.positions.max_len}: "
                "decode fewer tokens or build the model with a larger max_len"
            )
        x = self.positions.dropout(x + self.positions.pe[start : start + x.size(1)].to(x.dtype))
        if cache is None and self_mask is None:
            self_mask = causal_mask(tokens.size(1), tokens.device)
        for i, layer in enumerate(self.layers):
            x = layer(
                x, memory, self_mask, memory_mask, None if cache is None else cache.layers[i], need_weights
            )
        if cache is not None:
            cache.length += tokens.size(1)
        return self.norm(x) if self.norm is not None else x

    def cross_attention_maps(self) -> list[Tensor]:
        """Per-layer cross-attention weights ``(batch, heads, seq_t, seq_s)`` of the last forward."""
        maps = [layer.last_cross_attention for layer in self.layers]
        if any(m is None for m in maps):
            raise RuntimeError("no cross-attention weights stored: run forward(..., need_weights=True)")
        return maps
