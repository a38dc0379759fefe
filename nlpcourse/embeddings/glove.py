"""GloVe (Pennington, Socher and Manning 2014): word vectors from global co-occurrence counts.

GloVe first counts, over the whole corpus, how often word ``j`` appears near word ``i``: ``X_ij``, where
a neighbour at distance ``d`` adds ``1 / d`` (both directions, within a window, inside a sentence).
Then it fits vectors ``w_i``, context vectors ``w~_j`` and biases ``b_i``, ``b~_j`` so that their dot
product predicts the logarithm of the count, by weighted least squares over the non-zero counts:

    J = sum_{ij: X_ij > 0} f(X_ij) (w_i . w~_j + b_i + b~_j - log X_ij)^2,
    f(x) = (x / x_max)^alpha if x < x_max else 1.

``f`` keeps rare, noisy pairs from counting as much as frequent ones, and caps very frequent pairs.
Training uses AdaGrad, as the paper does; the word vectors are ``w + w~``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from nlpcourse.embeddings.sampling import as_sentences, build_vocab, encode
from nlpcourse.embeddings.vectors import WordVectors
from nlpcourse.threads import one_thread
from nlpcourse.train import History, train

__all__ = ["GloVeConfig", "cooccurrence_counts", "glove_weight", "GloVe", "train_glove"]


@dataclass
class GloVeConfig:
    """Hyperparameters of GloVe; ``x_max``, ``alpha`` and ``lr`` are the paper's."""

    dim: int = 100  # width of the word vectors
    window: int = 10  # largest distance between two words that are counted together
    min_count: int = 5  # words seen fewer times are dropped before counting
    x_max: float = 100.0  # counts at or above x_max get the full weight 1
    alpha: float = 0.75  # exponent of the weighting function below x_max
    epochs: int = 25  # passes over the non-zero counts
    lr: float = 0.05  # AdaGrad's learning rate
    batch_size: int = 4096  # non-zero counts per optimizer step
    seed: int = 0  # initial vectors and the order of the counts

    def __post_init__(self) -> None:
        for name in ("dim", "window", "min_count", "epochs", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an int >= 1, got {value!r}")
        if self.x_max <= 0 or self.alpha < 0 or self.lr <= 0:
            raise ValueError(
                f"need x_max > 0, alpha >= 0 and lr > 0, got x_max={self.x_max}, "
                f"alpha={self.alpha}, lr={self.lr}"
            )


def cooccurrence_counts(
    ids: torch.Tensor, offsets: torch.Tensor, vocab_size: int, window: int, ignore: int | None = 0
) -> torch.Tensor:
    """Distance-weighted co-occurrence counts as a coalesced sparse ``(vocab_size, vocab_size)`` tensor.

    ``X[i, j]`` sums ``1 / d`` over every occurrence of ``j`` at distance ``d <= window`` from ``i`` in
    the same sentence (so ``X`` is symmetric). Tokens with id ``ignore`` (``<unk>``) are removed first,
    so the window reaches past them. ``ids: (num_tokens,)``, ``offsets: (num_sentences + 1,)``.
    """
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    sentence = torch.repeat_interleave(torch.arange(len(offsets) - 1), offsets.diff())
    if ignore is not None:
        known = ids != ignore
        ids, sentence = ids[known], sentence[known]
    rows, cols, values = [], [], []
    for d in range(1, window + 1):
        same = sentence[:-d] == sentence[d:] if d < len(ids) else torch.zeros(0, dtype=torch.bool)
        left, right = ids[:-d][same], ids[d:][same]
        rows += [left, right]
        cols += [right, left]
        values.append(torch.full((2 * len(left),), 1.0 / d, dtype=torch.float64))
    indices = torch.stack([torch.cat(rows), torch.cat(cols)])
    counts = torch.sparse_coo_tensor(
        indices, torch.cat(values), (vocab_size, vocab_size), check_invariants=False
    )
    return counts.coalesce()


def glove_weight(x: torch.Tensor, x_max: float = 100.0, alpha: float = 0.75) -> torch.Tensor:
    """``f(x) = (x / x_max)^alpha`` for ``x < x_max``, else 1 (elementwise)."""
    return (x / x_max).pow(alpha).clamp(max=1.0)


class GloVe(nn.Module):
    """``forward(i (B,), j (B,), x (B,)) -> (prediction (B,), loss)``, the prediction of ``log x``.

    The loss is the batch mean of ``f(x) (w_i . w~_j + b_i + b~_j - log x)^2``.
    """

    def __init__(
        self,
        vocab_size: int,
        dim: int,
        x_max: float = 100.0,
        alpha: float = 0.75,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        self.x_max, self.alpha = x_max, alpha
        self.w = nn.Embedding(vocab_size, dim)  # w_i: words as the centre
        self.w_tilde = nn.Embedding(vocab_size, dim)  # w~_j: words as the context
        self.b = nn.Embedding(vocab_size, 1)
        self.b_tilde = nn.Embedding(vocab_size, 1)
        with torch.no_grad():  # GloVe's initialisation: uniform in [-0.5 / dim, 0.5 / dim]
            for table in (self.w, self.w_tilde, self.b, self.b_tilde):
                table.weight.uniform_(-0.5 / dim, 0.5 / dim, generator=generator)

    def forward(self, i: torch.Tensor, j: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        bias = self.b(i).squeeze(-1) + self.b_tilde(j).squeeze(-1)
        prediction = (self.w(i) * self.w_tilde(j)).sum(-1) + bias
        loss = (glove_weight(x, self.x_max, self.alpha) * (prediction - x.log()) ** 2).mean()
        return prediction, loss

    def vectors(self) -> torch.Tensor:
        """(vocab_size, dim): ``w + w~``, the word vectors GloVe reports."""
        return (self.w.weight + self.w_tilde.weight).detach()


def train_glove(
    corpus: object, config: GloVeConfig | None = None, progress: bool = True
) -> tuple[WordVectors, History]:
    """Count co-occurrences in a corpus (or a list of token lists) and fit GloVe with AdaGrad.

    Returns the vectors ``w + w~`` of the words seen ``min_count`` times and the history (``"loss"``
    per step).
    """
    config = config or GloVeConfig()
    sentences = as_sentences(corpus)
    vocab = build_vocab(sentences, config.min_count, config.window)
    ids, offsets = encode(sentences, vocab)
    counts = cooccurrence_counts(ids, offsets, len(vocab), config.window, ignore=vocab.unk_id)
    i, j = counts.indices()
    x = counts.values().float()
    generator = torch.Generator().manual_seed(config.seed)
    model = GloVe(len(vocab), config.dim, config.x_max, config.alpha, generator)
    # The loss is a batch mean, so AdaGrad's sums of squared gradients start at 0 (GloVe's C code
    # starts them at 1, with per-pair gradients about batch_size times larger than ours).
    optimizer = torch.optim.Adagrad(model.parameters(), lr=config.lr, initial_accumulator_value=0.0)
    per_epoch = math.ceil(len(x) / config.batch_size)
    orders: list[torch.Tensor] = []  # a fresh shuffle of the non-zero counts for every epoch

    def batch(step: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        epoch, position = divmod(step, per_epoch)
        if epoch == len(orders):
            orders.append(torch.randperm(len(x), generator=generator))
        chosen = orders[epoch][position * config.batch_size : (position + 1) * config.batch_size]
        return i[chosen], j[chosen], x[chosen]

    with one_thread():  # small sparse operations: see nlpcourse.threads
        history = train(
            model,
            batch,
            per_epoch * config.epochs,
            optimizer,
            progress=progress,
            desc=f"GloVe, {config.epochs} epochs",
        )
    return WordVectors.from_vocab(vocab, model.vectors()), history
