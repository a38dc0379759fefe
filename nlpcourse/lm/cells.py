"""Recurrent cells written out: the Elman RNN and the LSTM, step by step and unrolled over time.

    layer = Recurrent("lstm", input_size=16, hidden_size=32, num_layers=2)
    outputs, (h, c) = layer(x)                       # x: (batch, seq, 16) -> outputs: (batch, seq, 32)
    same = Recurrent.from_torch(nn.LSTM(16, 32, num_layers=2, batch_first=True))   # same numbers

Parameter names and gate order are PyTorch's (``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``;
gates i, f, g, o), so weights load from ``nn.RNN`` / ``nn.LSTM`` without renaming. These modules loop
over time in Python to show the equations; for training, the built-in ``nn.LSTM`` computes the same
thing in fused kernels.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

__all__ = ["RNNCell", "LSTMCell", "Recurrent", "gradient_through_time"]

State = Tensor | tuple[Tensor, Tensor]


class RNNCell(nn.Module):
    """Elman RNN: h' = tanh(W_ih x + b_ih + W_hh h + b_hh); x: (batch, input), h: (batch, hidden)."""

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        self.weight_ih = nn.Parameter(torch.empty(hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(hidden_size))
        _init_uniform(self)

    def forward(self, x: Tensor, h: Tensor) -> Tensor:
        return torch.tanh(x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh)


class LSTMCell(nn.Module):
    """LSTM (Hochreiter and Schmidhuber 1997, with a forget gate), PyTorch's gate order i, f, g, o::

        i, f, g, o = split(W_ih x + b_ih + W_hh h + b_hh, 4)
        i, f, o = sigmoid(i), sigmoid(f), sigmoid(o);  g = tanh(g)
        c' = f * c + i * g;  h' = o * tanh(c')

    x: (batch, input); h, c: (batch, hidden). The cell state c changes only by the gated sum, which is
    why gradients reach far back in time.
    """

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size))
        _init_uniform(self)

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor]) -> tuple[Tensor, Tensor]:
        h, c = state
        gates = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        i, f, g, o = gates.chunk(4, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c


def _init_uniform(cell: nn.Module) -> None:
    """PyTorch's initialisation: every parameter uniform in [-1/sqrt(hidden), 1/sqrt(hidden)]."""
    bound = 1.0 / math.sqrt(cell.hidden_size)
    for parameter in cell.parameters():
        nn.init.uniform_(parameter, -bound, bound)


class Recurrent(nn.Module):
    """A stack of ``num_layers`` cells unrolled over time, shaped like ``nn.RNN`` / ``nn.LSTM`` with
    ``batch_first=True``.

    forward(x: (batch, seq, input), state) -> (outputs: (batch, seq, hidden), state), where state is
    h: (num_layers, batch, hidden) for ``"rnn"`` and (h, c) for ``"lstm"``; None means zeros.
    """

    def __init__(
        self, cell: str, input_size: int, hidden_size: int, num_layers: int = 1, dropout: float = 0.0
    ) -> None:
        super().__init__()
        kinds = {"rnn": RNNCell, "lstm": LSTMCell}
        if cell not in kinds:
            raise ValueError(f"unknown cell {cell!r}: choose 'rnn' or 'lstm'")
        if num_layers < 1:
            raise ValueError(f"num_layers must be >= 1, got {num_layers}")
        self.cell_type, self.hidden_size, self.num_layers = cell, hidden_size, num_layers
        sizes = [input_size] + [hidden_size] * (num_layers - 1)
        self.cells = nn.ModuleList(kinds[cell](size, hidden_size) for size in sizes)
        self.dropout = nn.Dropout(dropout)  # between layers, as in nn.LSTM

    def forward(self, x: Tensor, state: State | None = None) -> tuple[Tensor, State]:
        batch = x.shape[0]
        if state is None:
            zeros = x.new_zeros(self.num_layers, batch, self.hidden_size)
            state = (zeros, zeros.clone()) if self.cell_type == "lstm" else zeros
        finals_h, finals_c = [], []
        for layer, cell in enumerate(self.cells):
            if self.cell_type == "lstm":
                h, c = state[0][layer], state[1][layer]
            else:
                h = state[layer]
            outputs = []
            for t in range(x.shape[1]):
                if self.cell_type == "lstm":
                    h, c = cell(x[:, t], (h, c))
                else:
                    h = cell(x[:, t], h)
                outputs.append(h)
            x = torch.stack(outputs, dim=1)
            if layer < self.num_layers - 1:
                x = self.dropout(x)
            finals_h.append(h)
            if self.cell_type == "lstm":
                finals_c.append(c)
        h_n = torch.stack(finals_h)
        return x, ((h_n, torch.stack(finals_c)) if self.cell_type == "lstm" else h_n)

    @classmethod
    def from_torch(cls, module: nn.RNN | nn.LSTM) -> Recurrent:
        """A copy of a tanh ``nn.RNN`` or an ``nn.LSTM`` (batch_first, unidirectional, with biases)."""
        if isinstance(module, nn.LSTM):
            cell = "lstm"
        elif isinstance(module, nn.RNN) and module.nonlinearity == "tanh":
            cell = "rnn"
        else:
            raise TypeError(f"from_torch copies nn.LSTM or a tanh nn.RNN, got {type(module).__name__}")
        if module.bidirectional or not module.bias or module.proj_size:
            raise ValueError("from_torch copies unidirectional layers with biases and no projection")
        if not module.batch_first:
            raise ValueError("from_torch copies batch_first=True layers (ours take (batch, seq, input))")
        ours = cls(cell, module.input_size, module.hidden_size, module.num_layers, module.dropout)
        with torch.no_grad():
            for layer, target in enumerate(ours.cells):
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                    getattr(target, name).copy_(getattr(module, f"{name}_l{layer}"))
        return ours


def gradient_through_time(layer: Recurrent, inputs: Tensor) -> Tensor:
    """How much the last hidden state feels each input: ||d sum(h_T) / d x_t|| for t = 1..seq.

    inputs: (batch, seq, input). Returns (seq,), the gradient norm at each time step, averaged over the
    batch. A vanilla RNN's gradient shrinks geometrically with the distance T - t (vanishing gradients).
    """
    inputs = inputs.detach().clone().requires_grad_(True)
    outputs, _ = layer(inputs)
    outputs[:, -1].sum().backward()
    return inputs.grad.norm(dim=-1).mean(dim=0)
