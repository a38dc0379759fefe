"""Word2vec with negative sampling (Mikolov et al. 2013): skip-gram and CBOW, readable PyTorch.

Every word ``w`` has two vectors: ``v_w`` (input, "as a centre word", the embedding we keep) and
``u_w`` (output, "as a context word"). For a true pair (centre ``c``, context ``o``) and ``K`` noise
words ``n_1..n_K`` drawn from the unigram distribution to the power 3/4, the loss is

    L = -log s(u_o . v_c) - sum_k log s(-u_{n_k} . v_c),      s(x) = 1 / (1 + exp(-x)),

a logistic regression that tells the true context from noise. Its gradients are

    dL/dv_c = (s(u_o . v_c) - 1) u_o + sum_k s(u_{n_k} . v_c) u_{n_k}
    dL/du_o = (s(u_o . v_c) - 1) v_c,        dL/du_{n_k} = s(u_{n_k} . v_c) v_c.

* skip-gram: the centre word predicts each of its context words (one example per pair);
* CBOW: the mean of the context words' input vectors predicts the centre word (one per position).

``train_word2vec(corpus, config)`` trains either with the compiled trainer (``backend="numba"``, the
loop of word2vec's C code, :mod:`~nlpcourse.embeddings.fast`) or with these modules and
:func:`nlpcourse.train.train` (``backend="torch"``: mini-batches, autograd, sparse SGD; slower).
Both give embeddings of the same quality.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from nlpcourse.embeddings.config import Word2VecConfig
from nlpcourse.embeddings.fast import train_compiled
from nlpcourse.embeddings.sampling import (
    as_sentences,
    build_vocab,
    cbow_windows,
    encode,
    keep_probabilities,
    noise_distribution,
    skipgram_pairs,
    subsample,
)
from nlpcourse.embeddings.vectors import WordVectors
from nlpcourse.text.vocab import Vocab
from nlpcourse.threads import one_thread
from nlpcourse.train import History, train

__all__ = [
    "Word2VecConfig",
    "negative_sampling_loss",
    "negative_sampling_grads",
    "SkipGram",
    "CBOW",
    "train_word2vec",
]


def negative_sampling_loss(
    pos_logits: torch.Tensor, neg_logits: torch.Tensor, reduction: str = "mean"
) -> torch.Tensor:
    """``-log s(pos) - sum_k log s(-neg_k)`` per example.

    ``pos_logits: (batch,)`` and ``neg_logits: (batch, K)`` are dot products ``u . v``.
    ``F.logsigmoid`` is used because it never overflows.
    ``reduction``: ``"mean"`` or ``"sum"`` over the batch, or ``"none"`` for ``(batch,)``.
    """
    loss = -F.logsigmoid(pos_logits) - F.logsigmoid(-neg_logits).sum(-1)
    if reduction == "none":
        return loss
    if reduction in ("mean", "sum"):
        return getattr(loss, reduction)()
    raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def negative_sampling_grads(
    v: torch.Tensor,
    u_pos: torch.Tensor,
    u_neg: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Hand-written gradients of the per-example loss (what the compiled trainer applies).

    ``v: (batch, dim)`` centre vectors, ``u_pos: (batch, dim)``, ``u_neg: (batch, K, dim)``.
    Returns ``(dL/dv, dL/du_pos, dL/du_neg)`` with the same shapes.
    """
    g_pos = torch.sigmoid((u_pos * v).sum(-1)) - 1  # (batch,)
    g_neg = torch.sigmoid((u_neg @ v[:, :, None]).squeeze(-1))  # (batch, K)
    grad_v = g_pos[:, None] * u_pos + (g_neg[:, :, None] * u_neg).sum(1)
    return grad_v, g_pos[:, None] * v, g_neg[:, :, None] * v[:, None, :]


class _Word2Vec(nn.Module):
    """The two embedding tables, initialised as gensim does: input uniform in ``[-1/dim, 1/dim]``, output 0.

    (word2vec's C code draws from ``[-0.5/dim, 0.5/dim]``; on the toy world gensim's wider start gives
    a few points more analogy accuracy after 5 epochs.)
    """

    def __init__(self, vocab_size: int, dim: int, generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.in_embed = nn.Embedding(vocab_size, dim, sparse=True)  # v_w: the vectors we keep
        self.out_embed = nn.Embedding(vocab_size, dim, sparse=True)  # u_w: words as contexts
        with torch.no_grad():
            self.in_embed.weight.uniform_(-1 / dim, 1 / dim, generator=generator)
            self.out_embed.weight.zero_()

    def _score(
        self,
        hidden: torch.Tensor,
        target: torch.Tensor,
        negatives: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        u = self.out_embed(torch.cat([target[:, None], negatives], dim=1))  # (batch, 1 + K, dim)
        logits = (u @ hidden[:, :, None]).squeeze(-1)  # (batch, 1 + K): true word first
        return logits, negative_sampling_loss(logits[:, 0], logits[:, 1:])


class SkipGram(_Word2Vec):
    """Skip-gram: ``forward(centre (B,), context (B,), negatives (B, K)) -> (logits (B, 1 + K), loss)``."""

    def forward(
        self,
        centre: torch.Tensor,
        context: torch.Tensor,
        negatives: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return self._score(self.in_embed(centre), context, negatives)


class CBOW(_Word2Vec):
    """CBOW: ``forward(contexts (B, 2W), centre (B,), negatives (B, K)) -> (logits (B, 1 + K), loss)``.

    ``contexts`` holds the ids around each centre word, ``-1`` where the window is shorter; the hidden
    vector is the mean of the input vectors of the real ones. Autograd gives each context vector the
    gradient of the mean, ``dL/dh / n``; word2vec's C code (and the compiled trainer) adds the whole
    ``dL/dh`` to each, so with the same learning rate this module learns more slowly (toy world, 5
    epochs: 50-56 % of the analogies against 60-64 %).
    """

    def forward(
        self,
        contexts: torch.Tensor,
        centre: torch.Tensor,
        negatives: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        present = (contexts >= 0).unsqueeze(-1)  # (B, 2W, 1)
        summed = (self.in_embed(contexts.clamp(min=0)) * present).sum(1)
        return self._score(summed / present.sum(1).clamp(min=1), centre, negatives)


def _examples(
    ids: torch.Tensor, offsets: torch.Tensor, vocab: Vocab, config: Word2VecConfig, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """The examples of all epochs, one epoch after another, each freshly subsampled and shuffled.

    Skip-gram: ``(centres, contexts)``; CBOW: ``(context windows (n, 2 * window), centres)``.
    """
    keep = keep_probabilities(vocab, config.sample)
    make = skipgram_pairs if config.model == "skipgram" else cbow_windows
    firsts, seconds = [], []
    for _ in range(config.epochs):
        kept_ids, kept_offsets = subsample(ids, offsets, keep, generator)
        first, second = make(kept_ids, kept_offsets, config.window, generator=generator)
        order = torch.randperm(len(first), generator=generator)
        firsts.append(first[order])
        seconds.append(second[order])
    return torch.cat(firsts), torch.cat(seconds)


def _train_torch(
    ids: torch.Tensor, offsets: torch.Tensor, vocab: Vocab, config: Word2VecConfig, progress: bool
) -> tuple[nn.Module, History]:
    generator = torch.Generator().manual_seed(config.seed)
    model = (SkipGram if config.model == "skipgram" else CBOW)(len(vocab), config.dim, generator)
    first, second = _examples(ids, offsets, vocab, config, generator)
    noise = noise_distribution(vocab, config.ns_exponent).float()
    steps = math.ceil(len(first) / config.batch_size)
    # The loss is a mean over the batch; word2vec steps by alpha per example, i.e. alpha * batch_size,
    # decaying linearly to min_alpha.
    optimizer = torch.optim.SGD(model.parameters(), lr=config.alpha * config.batch_size)
    floor = config.min_alpha / config.alpha
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: max(floor, 1 - step / steps))

    def batch(step: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        chosen = slice(step * config.batch_size, (step + 1) * config.batch_size)
        size = len(first[chosen])
        negatives = torch.multinomial(noise, size * config.negative, replacement=True, generator=generator)
        return first[chosen], second[chosen], negatives.view(size, config.negative)

    with one_thread():  # small sparse operations: see nlpcourse.threads
        history = train(
            model,
            batch,
            steps,
            optimizer,
            scheduler=scheduler,
            progress=progress,
            desc=f"{config.model}, {config.epochs} epochs",
        )
    return model, history


def train_word2vec(
    corpus: object, config: Word2VecConfig | None = None, backend: str = "numba", progress: bool = True
) -> tuple[WordVectors, History]:
    """Train word2vec on a :class:`~nlpcourse.data.corpus.Corpus` or a list of token lists.

    backend: ``"numba"`` (compiled, fast; :mod:`~nlpcourse.embeddings.fast`) or ``"torch"`` (the
        :class:`SkipGram` / :class:`CBOW` modules, mini-batch SGD through :func:`nlpcourse.train.train`).
    Returns the input vectors of the words seen ``min_count`` times and a history: ``"loss"`` per step
    (torch) or the mean loss per epoch (numba).
    """
    config = config or Word2VecConfig()
    sentences = as_sentences(corpus)
    vocab = build_vocab(sentences, config.min_count, config.window)
    ids, offsets = encode(sentences, vocab)
    if backend == "numba":
        vectors, _, history = train_compiled(ids, offsets, vocab, config)
    elif backend == "torch":
        model, history = _train_torch(ids, offsets, vocab, config, progress)
        vectors = model.in_embed.weight
    else:
        raise ValueError(f"backend must be 'numba' or 'torch', got {backend!r}")
    return WordVectors.from_vocab(vocab, vectors), history
