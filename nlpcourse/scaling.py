"""Scaling laws: how the loss of a language model falls with its size N and its data D.

    law = fit_power_law(sizes, losses)         # L(N) = a * N^-alpha + c
    law(1e6)                                   # the loss it predicts for a model of a million parameters
    runs = scaling_runs([(32, 1), (64, 2)], steps=200)   # tiny causal LMs on the toy world
    training_flops(n_params=125e6, n_tokens=300e9)       # 6 N D floating-point operations

Kaplan et al. (2020) found that the test loss of a Transformer LM falls as a power law in the number of
non-embedding parameters N, in the number of training tokens D and in compute, over seven orders of
magnitude, and that an irreducible term c remains (the entropy of the text):

    L(N) = a * N^(-alpha) + c

Training costs about 6 N D floating-point operations: 2 N per token for the forward pass (one multiply
and one add per weight) and twice that for the backward pass. Hoffmann et al. (2022, "Chinchilla") fitted
L(N, D) jointly and found that for a fixed compute budget N and D should grow together (about 20 tokens
per parameter).

:func:`scaling_runs` trains a family of tiny causal LMs (chapter 06's :class:`CausalLM` with a word
vocabulary of the toy world) through the shared training loop and records the validation loss against
the tokens seen, so that the notebook can fit L(N) and L(D) in seconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

__all__ = [
    "PowerLaw",
    "fit_power_law",
    "count_parameters",
    "training_flops",
    "ScalingRun",
    "scaling_runs",
    "toy_lm_data",
    "plot_scaling",
]


@dataclass(frozen=True)
class PowerLaw:
    """``L(x) = a * x^(-alpha) + c``."""

    a: float
    alpha: float
    c: float = 0.0

    def __call__(self, x: float | np.ndarray) -> float | np.ndarray:
        return self.a * np.asarray(x, dtype=float) ** (-self.alpha) + self.c

    def __str__(self) -> str:
        return f"L(x) = {self.a:.3g} * x^-{self.alpha:.3f} + {self.c:.3f}"


def _loglog_line(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares line through (log x, log y): returns (a, alpha) of y = a x^-alpha."""
    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
    return float(math.exp(intercept)), float(-slope)


def fit_power_law(
    x: Sequence[float] | np.ndarray, loss: Sequence[float] | np.ndarray, offset: bool = True
) -> PowerLaw:
    """Fit ``loss = a * x^-alpha + c`` (``c = 0`` when ``offset`` is False).

    x, loss: ``(n,)`` positive numbers (sizes or token counts, and the losses they reached).
    Without an offset the fit is a straight line in log-log space. With one, every candidate ``c`` in
    ``[0, min(loss))`` gives such a line through ``log(loss - c)``; the ``c`` whose curve has the least
    squared error in log space is kept (a golden-section search over ``c``, deterministic).
    """
    x_ = np.asarray(x, dtype=float).reshape(-1)
    y = np.asarray(loss, dtype=float).reshape(-1)
    if x_.shape != y.shape:
        raise ValueError(f"x and loss need one value each per run, got {x_.size} and {y.size} values")
    if x_.size < (3 if offset else 2):
        raise ValueError(f"fitting needs at least {3 if offset else 2} points, got {x_.size}: run more sizes")
    if (x_ <= 0).any() or (y <= 0).any() or not np.isfinite(x_).all() or not np.isfinite(y).all():
        raise ValueError("x and loss must be finite and positive: a power law lives on a log-log plot")
    if not offset:
        return PowerLaw(*_loglog_line(x_, y))
    top = float(y.min())

    def error(c: float) -> float:
        a, alpha = _loglog_line(x_, y - c)
        return float(np.sum((np.log(a * x_**-alpha + c) - np.log(y)) ** 2))

    c = _golden_section(error, 0.0, top * (1 - 1e-9), tol=top * 1e-10)
    c = c if error(c) < error(0.0) else 0.0
    return PowerLaw(*_loglog_line(x_, y - c), c)


def _golden_section(f: Callable[[float], float], low: float, high: float, tol: float) -> float:
    """The minimiser of a unimodal ``f`` on ``[low, high]``, by golden-section search."""
    ratio = (math.sqrt(5) - 1) / 2  # 0.618...
    a, b = low, high
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = f(c), f(d)
    while b - a > tol:
        if fc < fd:  # the minimum lies in [a, d]
            b, d, fd = d, c, fc
            c = b - ratio * (b - a)
            fc = f(c)
        else:  # in [c, b]
            a, c, fc = c, d, fd
            d = a + ratio * (b - a)
            fd = f(d)
    return (a + b) / 2


def count_parameters(model: nn.Module, embeddings: bool = False) -> int:
    """Trainable parameters of ``model``; without ``embeddings``, those of ``nn.Embedding`` modules (and
    weights tied to them) are left out, as Kaplan et al. count N."""
    skip = set()
    if not embeddings:
        skip = {id(p) for m in model.modules() if isinstance(m, nn.Embedding) for p in m.parameters()}
    seen: set[int] = set()
    total = 0
    for p in model.parameters():
        if p.requires_grad and id(p) not in skip and id(p) not in seen:
            seen.add(id(p))
            total += p.numel()
    return total


def training_flops(n_params: float, n_tokens: float) -> float:
    """Training compute ``6 N D`` in floating-point operations (forward 2ND, backward 4ND)."""
    if n_params <= 0 or n_tokens <= 0:
        raise ValueError(f"n_params and n_tokens must be positive, got {n_params} and {n_tokens}")
    return 6.0 * float(n_params) * float(n_tokens)


# --- a family of tiny causal language models ----------------------------------------------------------


def toy_lm_data(
    n_documents: int = 2000, seed: int = 0, vocab: dict[str, int] | None = None
) -> tuple[list[list[list[int]]], dict[str, int]]:
    """Toy-world documents as word ids (document -> sentence -> ids), and the vocabulary.

    Without ``vocab`` one is built from these documents (``[PAD]`` 0, ``[SEP]`` 1, ``[UNK]`` 2, then the
    words in order of appearance); with one (e.g. for held-out text), words outside it become ``[UNK]``.
    """
    from nlpcourse.data import ToyWorld

    world = ToyWorld(seed)
    documents = [world.document() for _ in range(n_documents)]
    if vocab is None:
        vocab = {"[PAD]": 0, "[SEP]": 1, "[UNK]": 2}
        for document in documents:
            for sentence in document:
                for word in sentence:
                    vocab.setdefault(word, len(vocab))
    unk = vocab["[UNK]"]
    return [[[vocab.get(w, unk) for w in sentence] for sentence in document] for document in documents], vocab


@dataclass
class ScalingRun:
    """One model of the family: its shape, size and validation losses against tokens seen."""

    hidden_size: int
    num_layers: int
    n_params: int  # non-embedding parameters N
    tokens: list[int] = field(default_factory=list)  # tokens seen at each evaluation
    val_loss: list[float] = field(default_factory=list)

    @property
    def final_loss(self) -> float:
        return self.val_loss[-1]


def scaling_runs(
    shapes: Sequence[tuple[int, int]],
    steps: int = 200,
    batch_size: int = 16,
    seq_len: int = 32,
    lr: float = 3e-3,
    eval_every: int = 25,
    n_documents: int = 2000,
    seed: int = 0,
    progress: bool = True,
) -> list[ScalingRun]:
    """Train one causal LM per ``(hidden_size, num_layers)`` in ``shapes`` on toy-world text.

    Every model sees the same batches (``steps * batch_size * seq_len`` tokens) and is evaluated on the
    same held-out windows (from documents of another seed) every ``eval_every`` steps. Heads are
    ``hidden_size // 16`` (at least 1), the feed-forward width ``4 * hidden_size``, no dropout.
    """
    from nlpcourse.pretraining import CausalBatches, CausalLM
    from nlpcourse.pretraining.bert import BertConfig
    from nlpcourse.pretraining.trainer import make_optimizer, warmup_linear
    from nlpcourse.train import train

    if not shapes:
        raise ValueError("shapes is empty: pass (hidden_size, num_layers) pairs, e.g. [(32, 1), (64, 2)]")
    documents, vocab = toy_lm_data(n_documents, seed)
    held_out, _ = toy_lm_data(200, seed + 1, vocab)
    batches = CausalBatches(documents, sep_id=1, batch_size=batch_size, seq_len=seq_len, seed=seed)
    validation = [
        CausalBatches(held_out, sep_id=1, batch_size=64, seq_len=seq_len, seed=seed + 1)(i) for i in range(2)
    ]
    runs = []
    for hidden, layers in shapes:
        torch.manual_seed(seed)
        config = BertConfig(
            vocab_size=len(vocab),
            hidden_size=hidden,
            num_hidden_layers=layers,
            num_attention_heads=max(1, hidden // 16),
            intermediate_size=4 * hidden,
            hidden_dropout_prob=0.0,
            attention_probs_dropout_prob=0.0,
            max_position_embeddings=seq_len,
        )
        model = CausalLM(config)
        run = ScalingRun(hidden, layers, count_parameters(model))
        optimizer = make_optimizer(model, lr)

        def evaluate(m: nn.Module, run: ScalingRun = run) -> dict[str, float]:
            loss = sum(float(m(x, y)[1]) for x, y in validation) / len(validation)
            run.tokens.append(len(run.val_loss) * eval_every * batch_size * seq_len)
            run.val_loss.append(loss)
            return {"val_loss": loss}

        with torch.no_grad():
            evaluate(model.eval())
        schedule = warmup_linear(optimizer, steps // 10, steps)
        train(
            model,
            batches,
            steps,
            optimizer,
            clip=1.0,
            scheduler=schedule,
            evaluate=evaluate,
            eval_every=eval_every,
            progress=progress,
            desc=f"hidden {hidden}, {layers} layer(s)",
        )
        run.tokens[-1] = steps * batch_size * seq_len
        runs.append(run)
    return runs


def plot_scaling(runs: Sequence[ScalingRun], law_n: PowerLaw | None = None, law_d: PowerLaw | None = None):  # noqa: ANN201 - a matplotlib Figure
    """Left: final validation loss against N (log-log) with the fitted L(N); right: loss against tokens
    seen for every model, with the fitted L(D) of the largest."""
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    sizes = np.array([r.n_params for r in runs])
    left.loglog(sizes, [r.final_loss for r in runs], "o", label="measured")
    if law_n is not None:
        grid = np.logspace(np.log10(sizes.min()) - 0.3, np.log10(sizes.max()) + 0.6, 50)
        left.loglog(grid, law_n(grid), "--", label=f"fit: {law_n}")
    left.set(xlabel="non-embedding parameters N", ylabel="validation loss (nats)", title="L(N)")
    left.legend(fontsize=8)
    for run in runs:
        right.loglog(run.tokens[1:], run.val_loss[1:], ".-", label=f"N = {run.n_params:,}")
    if law_d is not None:
        tokens = np.array(runs[-1].tokens[1:], dtype=float)
        right.loglog(tokens, law_d(tokens), "k--", label=f"fit: {law_d}")
    right.set(xlabel="tokens seen D", ylabel="validation loss (nats)", title="L(D) during training")
    right.legend(fontsize=7)
    figure.tight_layout()
    return figure
