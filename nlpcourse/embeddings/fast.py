"""The fast word2vec trainer: the same algorithm as the readable one, compiled with numba.

This is the loop of word2vec's C code (and of gensim's Cython), written once in Python and compiled to
machine code by numba. For every sentence it subsamples the words, then for every kept word ``i`` draws
a window ``b`` in ``1..window`` and, for each neighbour ``j`` within ``b`` positions:

* skip-gram: the input vector ``v = syn0[w_j]`` predicts the word ``w_i`` against ``negative`` noise words;
* CBOW: the mean ``h`` of the input vectors of all neighbours predicts ``w_i`` (once per position);

each prediction takes one plain SGD step on the negative-sampling loss with hand-written gradients
(``g = (label - sigmoid(u . v)) * alpha``; ``u += g v``; ``v += sum g u``), no autograd, no batches.
The learning rate decays linearly from ``alpha`` to ``min_alpha`` over the whole run.

With ``workers > 1`` each thread trains on its own share of the sentences and all of them write to the
same two matrices without locks ("Hogwild!", Recht et al. 2011), as word2vec and gensim do: collisions
are rare and harmless, but the result then depends on thread timing. ``workers = 1`` is bit-for-bit
reproducible for a given seed. Random numbers come from word2vec's linear congruential generator.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
from numba import njit

from nlpcourse.embeddings.config import Word2VecConfig
from nlpcourse.embeddings.sampling import keep_probabilities, noise_distribution
from nlpcourse.text.vocab import Vocab

__all__ = ["train_compiled", "sgns_step"]

_MULTIPLIER = np.uint64(25214903917)  # word2vec's LCG: next = next * 25214903917 + 11 (mod 2^48)
_INCREMENT = np.uint64(11)
_MASK = np.uint64(2**48 - 1)
_SHIFT = np.uint64(16)
_TABLE_DOMAIN = 2**31 - 1  # noise words: a uniform draw below this, looked up in the cumulative table
_MAX_LOGIT = np.float32(6.0)  # sigmoid(6) = 0.9975: logits are clipped to [-6, 6], as in word2vec


@njit(nogil=True, fastmath=True, cache=True)
def _noise_word(rnd: np.uint64, cum_table: np.ndarray) -> int:
    """The word whose cumulative-table interval holds the 32-bit draw ``rnd >> 16`` (a bisection)."""
    x = (rnd >> _SHIFT) % cum_table[-1]
    lo, hi = 0, cum_table.shape[0]
    while lo < hi:
        mid = (lo + hi) >> 1
        if cum_table[mid] <= x:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(nogil=True, fastmath=True, cache=True, inline="always")
def sgns_step(
    hidden: np.ndarray,
    syn1neg: np.ndarray,
    target: int,
    cum_table: np.ndarray,
    negative: int,
    rnd: np.uint64,
    alpha: float,
    grad: np.ndarray,
    want_loss: bool,
) -> tuple[float, np.uint64]:
    """One SGD step on ``-log s(u_t . h) - sum_k log s(-u_k . h)`` for ``negative`` fresh noise words.

    ``hidden: (dim,)`` is the input vector ``h`` (a centre word's, or CBOW's mean); the output vectors
    ``syn1neg[target]`` and ``syn1neg[noise]`` are updated in place, and ``-alpha * dL/dh`` is *added*
    to ``grad`` (the caller applies it to the input vector(s)). A noise word equal to ``target`` is
    skipped. Returns ``(loss before the step if want_loss else 0, the generator's new state)``.
    """
    dim = hidden.shape[0]
    loss = 0.0
    for k in range(negative + 1):
        if k == 0:
            word, label = target, 1.0
        else:
            rnd = (rnd * _MULTIPLIER + _INCREMENT) & _MASK
            word, label = _noise_word(rnd, cum_table), 0.0
            if word == target:
                continue
        logit = np.float32(0.0)
        for d in range(dim):
            logit += hidden[d] * syn1neg[word, d]
        logit = min(max(logit, -_MAX_LOGIT), _MAX_LOGIT)
        prob = np.float32(1.0) / (np.float32(1.0) + np.exp(-logit))  # s(u . h), in float32 like the rest
        if want_loss:
            loss -= math.log(prob if label == 1.0 else 1.0 - prob)
        g = np.float32(label - prob) * np.float32(alpha)  # -alpha * dL/dlogit
        for d in range(dim):
            grad[d] += g * syn1neg[word, d]
        for d in range(dim):
            syn1neg[word, d] += g * hidden[d]
    return loss, rnd


@njit(nogil=True, fastmath=True, cache=True)
def _train_share(
    ids,
    offsets,
    first,
    last,
    keep,
    cum_table,
    syn0,
    syn1neg,
    window,
    negative,
    cbow,
    alpha,
    min_alpha,
    epochs,
    seed,
    losses,
):
    """Train on sentences ``first..last-1`` for ``epochs`` epochs.

    ``losses[e] += (sum of the losses of every 8th example, their number)``: an estimate of the mean
    loss of epoch ``e`` at an eighth of the cost of computing it everywhere.
    """
    dim = syn0.shape[1]
    rnd = np.uint64(seed) & _MASK
    longest = 1
    for s in range(first, last):
        longest = max(longest, offsets[s + 1] - offsets[s])
    kept = np.empty(longest, np.int32)
    hidden = np.empty(dim, np.float32)
    grad = np.empty(dim, np.float32)
    share = offsets[last] - offsets[first]
    done = examples = 0
    for epoch in range(epochs):
        for s in range(first, last):
            n = 0  # subsampling: keep word w when a 32-bit draw falls below keep[w]
            for p in range(offsets[s], offsets[s + 1]):
                rnd = (rnd * _MULTIPLIER + _INCREMENT) & _MASK
                if (rnd >> _SHIFT) < keep[ids[p]]:
                    kept[n] = ids[p]
                    n += 1
            done += offsets[s + 1] - offsets[s]
            lr = max(min_alpha, alpha - (alpha - min_alpha) * done / max(1, epochs * share))
            for i in range(n):
                rnd = (rnd * _MULTIPLIER + _INCREMENT) & _MASK
                b = window - int(rnd % np.uint64(window))  # dynamic window: 1..window
                lo, hi = max(0, i - b), min(n, i + b + 1)
                if cbow:  # h = mean of the context vectors predicts kept[i]
                    if hi - lo < 2:
                        continue
                    hidden[:] = 0.0
                    grad[:] = 0.0
                    for j in range(lo, hi):
                        word = kept[j]  # a local: the compiler cannot tell that syn0 never aliases kept
                        if j != i:
                            for d in range(dim):
                                hidden[d] += syn0[word, d]
                    hidden /= np.float32(hi - lo - 1)
                    examples += 1
                    loss, rnd = sgns_step(
                        hidden, syn1neg, kept[i], cum_table, negative, rnd, lr, grad, examples % 8 == 0
                    )
                    losses[epoch, 0] += loss
                    losses[epoch, 1] += examples % 8 == 0
                    for j in range(lo, hi):
                        word = kept[j]
                        if j != i:
                            for d in range(dim):
                                syn0[word, d] += grad[d]
                    continue
                for j in range(lo, hi):  # skip-gram: v_{kept[j]} predicts kept[i]
                    if j == i:
                        continue
                    word = kept[j]
                    for d in range(dim):
                        hidden[d] = syn0[word, d]
                        grad[d] = 0.0
                    examples += 1
                    loss, rnd = sgns_step(
                        hidden, syn1neg, kept[i], cum_table, negative, rnd, lr, grad, examples % 8 == 0
                    )
                    losses[epoch, 0] += loss
                    losses[epoch, 1] += examples % 8 == 0
                    for d in range(dim):
                        syn0[word, d] += grad[d]


def _shares(offsets: np.ndarray, workers: int) -> list[tuple[int, int]]:
    """Cut the sentences into ``workers`` contiguous ranges of about equally many tokens."""
    bounds = np.searchsorted(offsets, np.linspace(0, offsets[-1], workers + 1)).tolist()
    bounds[0], bounds[-1] = 0, len(offsets) - 1
    return [(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]


def train_compiled(
    ids: torch.Tensor,
    offsets: torch.Tensor,
    vocab: Vocab,
    config: Word2VecConfig,
) -> tuple[torch.Tensor, torch.Tensor, dict[str, list[float]]]:
    """Train word2vec on an encoded corpus (see :func:`~nlpcourse.embeddings.sampling.encode`).

    Returns the input vectors ``(len(vocab), dim)``, the output vectors ``(len(vocab), dim)`` and a
    history with the mean loss per epoch (``"loss"``, estimated on every 8th example).
    """
    generator = torch.Generator().manual_seed(config.seed)
    dim = config.dim
    syn0 = ((torch.rand(len(vocab), dim, generator=generator) * 2 - 1) / dim).numpy()  # as gensim
    syn0[vocab.unk_id] = 0.0
    syn1neg = np.zeros_like(syn0)
    keep = (keep_probabilities(vocab, config.sample) * 2**32).clamp(max=2**32 - 1).numpy().astype(np.uint64)
    noise = noise_distribution(vocab, config.ns_exponent).numpy()
    cum_table = np.round(np.cumsum(noise) * _TABLE_DOMAIN).astype(np.uint64)
    ids_np = ids.numpy().astype(np.int32)
    offsets_np = offsets.numpy().astype(np.int64)
    shares = _shares(offsets_np, config.workers)
    losses = np.zeros((len(shares), config.epochs, 2))

    def run(worker: int) -> None:
        first, last = shares[worker]
        _train_share(
            ids_np,
            offsets_np,
            first,
            last,
            keep,
            cum_table,
            syn0,
            syn1neg,
            config.window,
            config.negative,
            config.model == "cbow",
            config.alpha,
            config.min_alpha,
            config.epochs,
            config.seed * 1_000_003 + worker + 1,
            losses[worker],
        )

    if len(shares) == 1:
        run(0)
    else:
        with ThreadPoolExecutor(len(shares)) as pool:
            list(pool.map(run, range(len(shares))))
    total = losses.sum(axis=0)
    history = {"loss": (total[:, 0] / np.maximum(total[:, 1], 1)).tolist()}
    return torch.from_numpy(syn0), torch.from_numpy(syn1neg), history
