"""The Transformer encoder (Vaswani et al. 2017, section 3.1).

One encoder layer is two sublayers, each wrapped in a residual connection and a LayerNorm:

    post-LN (the paper, default):  x = LayerNorm(x + Sublayer(x))
    pre-LN  (norm_first=True):     x = x + Sublayer(LayerNorm(x))

with Sublayer = multi-head self-attention, then the position-wise feed-forward network

    FFN(x) = activation(x W_1 + b_1) W_2 + b_2        (W_1: d_model x d_ff, W_2: d_ff x d_model)

Pre-LN trains more stably without a learning-rate warm-up (Xiong et al. 2020); its output is not
normalised, so :class:`Encoder` adds a final LayerNorm when ``norm_first``.

Sublayer names match :class:`torch.nn.TransformerEncoderLayer` (``self_attn``, ``linear1``,
``linear2``, ``norm1``, ``norm2``, ``dropout``, ``dropout1``, ``dropout2``) so the two are easy to
compare; :meth:`EncoderLayer.from_torch` copies a torch layer's weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch.nn.functional as F
from torch import Tensor, nn

from nlpcourse.transformer.multihead import MultiHeadAttention
from nlpcourse.transformer.positional import PositionalEncoding

__all__ = ["EncoderConfig", "EncoderLayer", "Encoder"]

_ACTIVATIONS = {"relu": F.relu, "gelu": F.gelu}


@dataclass
class EncoderConfig:
    """Sizes of an :class:`Encoder`. Defaults are a small model that trains on a CPU in seconds."""

    vocab_size: int = 16  # number of token ids; the paper's shared BPE vocabulary had 37000
    d_model: int = 64  # width of every hidden vector (paper: 512)
    num_heads: int = 2  # attention heads, must divide d_model (paper: 8)
    d_ff: int = 256  # hidden width of the feed-forward network (paper: 2048 = 4 * d_model)
    num_layers: int = 2  # stacked encoder layers (paper: 6)
    max_len: int = 128  # longest sequence the positional table covers
    dropout: float = 0.0  # on embeddings, attention weights and sublayer outputs (paper: 0.1)
    norm_first: bool = False  # False: post-LN as in the paper; True: pre-LN
    activation: str = "relu"  # feed-forward activation, "relu" (paper) or "gelu" (BERT, GPT)
    layer_norm_eps: float = 1e-5  # LayerNorm epsilon, torch's default

    def __post_init__(self) -> None:
        if self.d_model % self.num_heads:
            raise ValueError(
                f"d_model={self.d_model} is not divisible by num_heads={self.num_heads}: "
                "pick a number of heads that divides d_model"
            )
        if self.activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}, got {self.activation!r}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")


class EncoderLayer(nn.Module):
    """Self-attention + feed-forward, each with residual and LayerNorm (post-LN or pre-LN).

    ``forward(x, mask=None, need_weights=False)``: ``x`` is ``(batch, seq, d_model)``; ``mask`` a
    bool keep-mask broadcastable to ``(batch, heads, seq, seq)`` (e.g. from ``padding_mask``).
    Returns ``(batch, seq, d_model)``. With ``need_weights=True`` the attention weights
    ``(batch, heads, seq, seq)`` (detached) are kept in ``self.last_attention``; otherwise
    ``last_attention`` is reset to ``None`` so it never describes an older input.

    ``dropout`` applies to the attention weights, inside the feed-forward network and on both sublayer
    outputs, as in ``nn.TransformerEncoderLayer``; ``attention_dropout`` and ``ffn_dropout`` override the
    first two (BERT: attention weights at its own rate, no dropout inside the FFN).
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
        attention_dropout: float | None = None,
        ffn_dropout: float | None = None,
    ):
        super().__init__()
        attention_dropout = dropout if attention_dropout is None else attention_dropout
        ffn_dropout = dropout if ffn_dropout is None else ffn_dropout
        if activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}, got {activation!r}")
        self.self_attn = MultiHeadAttention(d_model, num_heads, dropout=attention_dropout, bias=bias)
        self.linear1 = nn.Linear(d_model, d_ff, bias=bias)  # W_1, b_1
        self.dropout = nn.Dropout(ffn_dropout)  # inside the FFN, after the activation
        self.linear2 = nn.Linear(d_ff, d_model, bias=bias)  # W_2, b_2
        self.norm1 = nn.LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm2 = nn.LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.dropout1 = nn.Dropout(dropout)  # on the attention sublayer's output
        self.dropout2 = nn.Dropout(dropout)  # on the FFN sublayer's output
        self.activation_name = activation
        self.activation = _ACTIVATIONS[activation]
        self.norm_first = norm_first
        self.last_attention: Tensor | None = None

    def forward(self, x: Tensor, mask: Tensor | None = None, need_weights: bool = False) -> Tensor:
        if self.norm_first:  # pre-LN: x + Sublayer(LayerNorm(x))
            x = x + self._attention_block(self.norm1(x), mask, need_weights)
            x = x + self._feed_forward_block(self.norm2(x))
        else:  # post-LN: LayerNorm(x + Sublayer(x))
            x = self.norm1(x + self._attention_block(x, mask, need_weights))
            x = self.norm2(x + self._feed_forward_block(x))
        return x

    def _attention_block(self, x: Tensor, mask: Tensor | None, need_weights: bool) -> Tensor:
        out, weights = self.self_attn(x, mask=mask, need_weights=need_weights)
        self.last_attention = weights.detach() if weights is not None else None
        return self.dropout1(out)

    def _feed_forward_block(self, x: Tensor) -> Tensor:
        # FFN(x) = activation(x W_1 + b_1) W_2 + b_2, applied to every position independently
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def extra_repr(self) -> str:
        return f"activation={self.activation_name}, norm_first={self.norm_first}"

    @classmethod
    def from_torch(cls, layer: nn.TransformerEncoderLayer) -> EncoderLayer:
        """Build a copy of a :class:`torch.nn.TransformerEncoderLayer`, weights included.

        The copy is batch-first whatever ``layer.batch_first`` is. torch's ``src_key_padding_mask``
        uses True = padding; pass ``~src_key_padding_mask[:, None, None, :]`` as our ``mask``.
        """
        if not isinstance(layer, nn.TransformerEncoderLayer):
            raise TypeError(f"expected torch.nn.TransformerEncoderLayer, got {type(layer).__name__}")
        kind = {1: "relu", 2: "gelu"}.get(layer.activation_relu_or_gelu)
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
        for name in ("linear1", "linear2", "norm1", "norm2"):
            getattr(new, name).load_state_dict(getattr(layer, name).state_dict())
        weight = layer.linear1.weight
        return new.to(device=weight.device, dtype=weight.dtype)


class Encoder(nn.Module):
    """Token embedding * sqrt(d_model) + sinusoidal positions, then ``num_layers`` encoder layers.

    ``forward(tokens, mask=None, need_weights=False)``: ``tokens`` is ``(batch, seq)`` of token
    ids, ``mask`` a bool keep-mask broadcastable to ``(batch, heads, seq, seq)``. Returns hidden
    states ``(batch, seq, d_model)``. With ``norm_first`` a final LayerNorm ``norm`` is applied.
    """

    def __init__(self, config: EncoderConfig):
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(config.vocab_size, config.d_model)
        # std d_model^-0.5 (as in fairseq/tensor2tensor): after the * sqrt(d_model) in forward the
        # entries have unit variance, the same scale as PE. With nn.Embedding's default std 1 the
        # scaled embeddings would be sqrt(d_model) times larger and drown the positions.
        nn.init.normal_(self.embed.weight, mean=0.0, std=config.d_model**-0.5)
        self.positions = PositionalEncoding(config.d_model, config.max_len, config.dropout)
        self.layers = nn.ModuleList(
            EncoderLayer(
                config.d_model,
                config.num_heads,
                config.d_ff,
                dropout=config.dropout,
                activation=config.activation,
                norm_first=config.norm_first,
                layer_norm_eps=config.layer_norm_eps,
            )
            for _ in range(config.num_layers)
        )
        self.norm = nn.LayerNorm(config.d_model, eps=config.layer_norm_eps) if config.norm_first else None

    def forward(self, tokens: Tensor, mask: Tensor | None = None, need_weights: bool = False) -> Tensor:
        if tokens.dim() != 2 or tokens.dtype.is_floating_point:
            raise ValueError(
                f"tokens must be integer ids of shape (batch, seq), got shape "
                f"{tuple(tokens.shape)} and dtype {tokens.dtype}: pass a torch.long tensor, "
                "with tokens.unsqueeze(0) for a single sequence"
            )
        # x = Embedding(tokens) * sqrt(d_model) + PE[:seq]   (section 3.4 and 3.5)
        x = self.positions(self.embed(tokens) * math.sqrt(self.config.d_model))
        for layer in self.layers:
            x = layer(x, mask=mask, need_weights=need_weights)
        return self.norm(x) if self.norm is not None else x  # (batch, seq, d_model)

    def attention_maps(self) -> list[Tensor]:
        """Per-layer attention weights ``(batch, heads, seq, seq)`` from the last forward pass.

        That pass must have been run with ``need_weights=True``.
        """
        maps = [layer.last_attention for layer in self.layers]
        if any(m is None for m in maps):
            raise RuntimeError("no attention weights stored: run forward(tokens, need_weights=True) first")
        return maps
