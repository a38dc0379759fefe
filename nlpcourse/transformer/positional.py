"""Sinusoidal positional encoding (Vaswani et al. 2017, section 3.5).

Attention is permutation-invariant: without extra information it cannot tell "dog bites man" from
"man bites dog". The paper adds a fixed vector to each position's embedding:

    PE[pos, 2i]     = sin(pos / 10000^(2i / d_model))
    PE[pos, 2i + 1] = cos(pos / 10000^(2i / d_model))

Dimension pair ``(2i, 2i + 1)`` is a sine/cosine of wavelength ``2 pi * 10000^(2i / d_model)``, from
``2 pi`` up to ``10000 * 2 pi``; PE[pos + k] is a fixed linear function (a rotation in each pair)
of PE[pos], which makes relative offsets easy to attend to.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["sinusoidal_positional_encoding", "PositionalEncoding"]


def sinusoidal_positional_encoding(max_len: int, d_model: int) -> Tensor:
    """The ``(max_len, d_model)`` float32 table PE defined in the module docstring.

    An odd ``d_model`` is allowed: the last column is then a sine whose cosine partner is dropped.
    """
    if max_len < 1 or d_model < 1:
        raise ValueError(f"max_len and d_model must be >= 1, got max_len={max_len}, d_model={d_model}")
    pos = torch.arange(max_len, dtype=torch.float64)[:, None]  # (max_len, 1)
    two_i = torch.arange(0, d_model, 2, dtype=torch.float64)  # 0, 2, 4, ... (ceil(d_model / 2),)
    angle = pos / 10000.0 ** (two_i / d_model)  # (max_len, ceil(d_model / 2))
    pe = torch.zeros(max_len, d_model, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle[:, : d_model // 2])
    return pe.float()


class PositionalEncoding(nn.Module):
    """Adds the sinusoidal table to token embeddings, then applies dropout.

    ``forward(x)``: ``x`` is ``(batch, seq, d_model)`` with ``seq <= max_len``; returns
    ``dropout(x + PE[:seq])`` of the same shape. The table is a non-persistent buffer ``pe``
    ``(max_len, d_model)``: it follows ``.to(device)`` but is not saved in the ``state_dict``
    (it is recomputed, never learned).
    """

    def __init__(self, d_model: int, max_len: int = 5000, dropout: float = 0.0):
        super().__init__()
        self.d_model = d_model
        self.max_len = max_len
        self.dropout = nn.Dropout(dropout)
        self.register_buffer("pe", sinusoidal_positional_encoding(max_len, d_model), persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 3 or x.size(-1) != self.d_model:
            raise ValueError(
                f"PositionalEncoding expects (batch, seq, d_model={self.d_model}), got shape {tuple(x.shape)}"
            )
        seq = x.size(1)
        if seq > self.max_len:
            raise ValueError(
                f"sequence length {seq} exceeds max_len={self.max_len}: build the model with "
                f"max_len >= {seq} or truncate the input"
            )
        return self.dropout(x + self.pe[:seq].to(x.dtype))  # PE broadcasts over the batch

    def extra_repr(self) -> str:
        return f"d_model={self.d_model}, max_len={self.max_len}"
