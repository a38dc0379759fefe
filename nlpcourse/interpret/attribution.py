"""Which input tokens a prediction rests on: gradient x input and integrated gradients.

For a model f (inputs -> logits) and a target class c, an attribution gives each input feature a share of
f_c(x). Gradient x input (Shrikumar et al. 2016) is the first-order Taylor term ``x * df_c/dx``.
Integrated gradients (Sundararajan et al. 2017) integrate the gradient along the straight path from a
baseline x' (e.g. all-zero embeddings) to x:

    IG_i(x) = (x_i - x'_i) * integral_0^1 df_c(x' + a (x - x')) / dx_i da

and satisfy *completeness*: sum_i IG_i(x) = f_c(x) - f_c(x'), up to the error of the quadrature. The
integral is a weighted sum over ``steps`` points a_k: Gauss-Legendre nodes (captum's default) or the
trapezoid rule. For text, x is the sequence of word embeddings ``(batch, seq, hidden)``; summing over the
hidden axis gives one score per token (:func:`token_scores`). :func:`embedding_forward` turns a
classifier that takes ids into a function of its word embeddings.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor, nn

__all__ = ["gradient_x_input", "integrated_gradients", "quadrature", "token_scores", "embedding_forward"]

Forward = Callable[[Tensor], Tensor]


def _target_sum(forward: Forward, x: Tensor, target: Tensor) -> Tensor:
    logits = forward(x)
    if logits.dim() != 2 or logits.size(0) != x.size(0):
        raise ValueError(
            f"forward must return logits (batch, classes) for a batch of {x.size(0)}, got "
            f"shape {tuple(logits.shape)}"
        )
    return logits.gather(1, target.view(-1, 1)).sum()  # examples are independent: one backward for all


def _target(target: int | Tensor, batch: int) -> Tensor:
    target = torch.as_tensor(target, dtype=torch.long)
    return target.expand(batch) if target.dim() == 0 else target


def gradient_x_input(forward: Forward, inputs: Tensor, target: int | Tensor) -> Tensor:
    """``inputs * d forward(inputs)[:, target] / d inputs``; inputs ``(batch, ...)``, same shape out."""
    x = inputs.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(_target_sum(forward, x, _target(target, len(x))), x)
    return grad * x.detach()


def quadrature(steps: int, method: str = "gausslegendre") -> tuple[Tensor, Tensor]:
    """Points a_k in [0, 1] and weights w_k with sum_k w_k g(a_k) ~ integral_0^1 g(a) da."""
    if steps < 2:
        raise ValueError(f"steps must be >= 2, got {steps}")
    if method == "gausslegendre":
        nodes, weights = np.polynomial.legendre.leggauss(steps)  # on [-1, 1]
        return torch.tensor(0.5 * (nodes + 1)), torch.tensor(0.5 * weights)
    if method == "riemann_trapezoid":
        weights = torch.full((steps,), 1.0 / (steps - 1), dtype=torch.float64)
        weights[[0, -1]] /= 2
        return torch.linspace(0, 1, steps, dtype=torch.float64), weights
    raise ValueError(f"method must be 'gausslegendre' or 'riemann_trapezoid', got {method!r}")


def integrated_gradients(
    forward: Forward,
    inputs: Tensor,
    target: int | Tensor,
    baseline: Tensor | None = None,
    steps: int = 50,
    method: str = "gausslegendre",
) -> Tensor:
    """Integrated gradients of ``forward(inputs)[:, target]``; the baseline defaults to zeros.

    inputs, baseline: ``(batch, ...)``; returns the attributions, the shape of ``inputs``.
    """
    baseline = torch.zeros_like(inputs) if baseline is None else baseline
    if baseline.shape != inputs.shape:
        raise ValueError(
            f"baseline {tuple(baseline.shape)} must have the shape of inputs {tuple(inputs.shape)}"
        )
    alphas, weights = quadrature(steps, method)
    target = _target(target, len(inputs))
    delta = (inputs - baseline).detach()
    total = torch.zeros_like(inputs)
    for alpha, weight in zip(alphas.tolist(), weights.tolist(), strict=True):
        x = (baseline + alpha * delta).detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(_target_sum(forward, x, target), x)
        total += weight * grad
    return delta * total


def token_scores(attributions: Tensor) -> Tensor:
    """One score per token: ``(batch, seq, hidden)`` -> ``(batch, seq)``, the sum over the hidden axis."""
    if attributions.dim() != 3:
        raise ValueError(f"expected attributions (batch, seq, hidden), got {tuple(attributions.shape)}")
    return attributions.sum(-1)


def embedding_forward(
    model: Callable[..., object], embedding: nn.Embedding, *args: Tensor, **kwargs: Tensor
) -> Forward:
    """``f(embeds) -> logits``: runs ``model(*args, **kwargs)`` with ``embedding``'s output replaced.

    embeds ``(batch, seq, hidden)`` stand for ``embedding(input_ids)``; the batch of ``args`` is repeated
    when ``embeds`` holds a multiple of it. ``model(...)`` may return logits or a tuple whose first item
    they are (chapter 08's classifier).
    """

    def forward(embeds: Tensor) -> Tensor:
        repeat = embeds.size(0) // args[0].size(0) if args else 1
        handle = embedding.register_forward_hook(lambda _m, _i, _o: embeds)
        try:
            out = model(*(a.repeat(repeat, *[1] * (a.dim() - 1)) for a in args), **kwargs)
        finally:
            handle.remove()
        return out[0] if isinstance(out, tuple) else out

    return forward
