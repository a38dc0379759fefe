"""The shared training loop: one place for steps, clipping, progress bars and the loss history.

Models follow nanoGPT's convention: ``model(*batch)`` returns ``(output, loss)``. A history is a
plain ``dict[str, list[float]]`` (``"loss"`` per step, ``"val_loss"`` per evaluation, anything an
``evaluate`` callback returns) that :func:`nlpcourse.plots.plot_history` draws.

Every trainer of the course returns this history, in one of two shapes:

* trainers of a model you built return the history (the model is trained in place):
  :func:`train`, :func:`nlpcourse.lm.rnn.train_lm`, :func:`nlpcourse.transformer.reversal.train_reversal`;
* trainers that build their result return ``(result, history)``:
  :func:`nlpcourse.embeddings.word2vec.train_word2vec` and :func:`nlpcourse.embeddings.glove.train_glove`
  (``(WordVectors, History)``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import torch
from torch import nn
from tqdm.auto import tqdm

__all__ = ["train", "perplexity"]

History = dict[str, list[float]]


def train(
    model: nn.Module,
    batches: Callable[[int], Any] | Iterator[Any],
    steps: int,
    optimizer: torch.optim.Optimizer,
    *,
    loss_fn: Callable[[nn.Module, Any], torch.Tensor] | None = None,
    clip: float | None = None,
    scheduler: Any = None,
    evaluate: Callable[[nn.Module], dict[str, float]] | None = None,
    eval_every: int = 0,
    history: History | None = None,
    progress: bool = True,
    desc: str = "training",
) -> History:
    """Train ``model`` for ``steps`` optimizer steps and return its history.

    batches: a function ``step -> batch`` or an iterator of batches; a batch is a tuple passed as
        ``model(*batch)`` (or to ``loss_fn(model, batch)`` when given).
    clip: if set, gradients are clipped to this global L2 norm (``"grad_norm"`` records the norm
        before clipping).
    evaluate: called every ``eval_every`` steps and after the last one, in ``eval`` mode and without
        gradients; its dict is appended to the history (e.g. ``{"val_loss": 2.1}``).
    history: an earlier history to continue, so that curves of resumed training stay in one plot.
    """
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    history = history if history is not None else {}
    history.setdefault("loss", [])
    next_batch = batches if callable(batches) else (lambda _step, it=batches: next(it))
    compute = loss_fn or (lambda m, batch: m(*batch)[1])
    bar = tqdm(range(steps), desc=desc, disable=not progress, leave=False)
    for step in bar:
        model.train()
        loss = compute(model, next_batch(step))
        if not torch.isfinite(loss):
            raise FloatingPointError(
                f"loss became {loss.item()} at step {step}: lower the learning rate or clip gradients"
            )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if clip is not None:
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            history.setdefault("grad_norm", []).append(float(norm))
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        history["loss"].append(loss.item())
        if evaluate is not None and eval_every and ((step + 1) % eval_every == 0 or step + 1 == steps):
            _record(history, model, evaluate)
        if step % 10 == 0 or step + 1 == steps:
            bar.set_postfix(loss=f"{loss.item():.3f}")
    if evaluate is not None and not eval_every:
        _record(history, model, evaluate)
    model.eval()
    return history


def _record(history: History, model: nn.Module, evaluate: Callable[[nn.Module], dict[str, float]]) -> None:
    model.eval()
    with torch.no_grad():
        for key, value in evaluate(model).items():
            history.setdefault(key, []).append(float(value))


def perplexity(mean_loss: float) -> float:
    """Perplexity ``exp(mean cross-entropy in nats)``."""
    return math.exp(mean_loss)
