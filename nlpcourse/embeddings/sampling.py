"""From sentences to training examples: vocabulary, subsampling, dynamic windows, noise words.

Word2vec (Mikolov et al. 2013) does not train on every (word, neighbour) pair of the corpus as it
stands. Four sampling steps, all here and shared by the readable PyTorch trainer and the compiled
one, shape what it sees:

* **vocabulary**: words seen fewer than ``min_count`` times are dropped *before* windows are taken
  (the window then reaches past them), as in word2vec's C code and gensim;
* **subsampling**: a word of frequency ``f = count / total`` is kept with probability
  ``min(1, (sqrt(f / t) + 1) * t / f)`` (the C code's variant of the paper's ``sqrt(t / f)``), so very
  frequent words ("the", "of") are mostly skipped and rare words always kept;
* **dynamic window**: each centre word draws its window ``b`` uniformly from ``1..window``, so near
  neighbours are used more often than far ones (on average with weight ``(window - d + 1) / window`` for
  distance ``d``);
* **noise words** for negative sampling are drawn from the unigram distribution raised to ``3/4``.

The encoded corpus is flat: ``ids: (num_tokens,)`` int64 and ``offsets: (num_sentences + 1,)``, where
sentence ``s`` is ``ids[offsets[s]:offsets[s + 1]]``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch

from nlpcourse.text.vocab import UNK, Vocab

__all__ = [
    "as_sentences",
    "build_vocab",
    "encode",
    "keep_probabilities",
    "subsample",
    "noise_distribution",
    "skipgram_pairs",
    "cbow_windows",
]


def as_sentences(corpus: object) -> list[list[str]]:
    """The token lists of a :class:`~nlpcourse.data.corpus.Corpus` or of a list of token lists."""
    sentences = getattr(corpus, "sentences", corpus)
    if isinstance(sentences, str):
        raise TypeError(
            "expected tokenized sentences (a list of lists of str), got one str: "
            "tokenize it first, e.g. [word_tokenize(text)]"
        )
    sentences = list(sentences)
    if not any(len(s) for s in sentences):
        raise ValueError("corpus is empty: pass at least one sentence with at least one token")
    for i, sentence in enumerate(sentences):
        if isinstance(sentence, str):
            raise TypeError(
                f"sentence {i} is a str ({sentence[:30]!r}), expected a list of tokens: "
                "tokenize it first, e.g. word_tokenize(sentence)"
            )
    return sentences


def build_vocab(sentences: Sequence[Sequence[str]], min_count: int, window: int = 1) -> Vocab:
    """A :class:`~nlpcourse.text.Vocab` of the words seen ``min_count`` times or more.

    Id 0 is ``<unk>``, where every dropped word goes; words follow by descending count. Raises a
    ``ValueError`` when no word is frequent enough, or when fewer distinct words than ``window`` are
    left (a window wider than the vocabulary means the corpus is far too small to learn from).
    """
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise ValueError(f"min_count must be an int >= 1, got {min_count!r}")
    vocab = Vocab.build(sentences, min_freq=min_count, specials=[UNK])
    size = len(vocab) - 1
    if size == 0:
        most = vocab.counts.most_common(1)[0]
        raise ValueError(
            f"no word occurs min_count={min_count} times (the most frequent, {most[0]!r}, "
            f"occurs {most[1]} times): lower min_count or pass more text"
        )
    if size < window:
        raise ValueError(
            f"the vocabulary has {size} words, fewer than the window ({window}): "
            "lower min_count, shrink the window or pass more text"
        )
    return vocab


def encode(sentences: Sequence[Sequence[str]], vocab: Vocab) -> tuple[torch.Tensor, torch.Tensor]:
    """Flat ids ``(num_tokens,)`` (unknown words -> ``vocab.unk_id``) and sentence offsets ``(S + 1,)``."""
    index, unk = {t: i for i, t in enumerate(vocab.tokens)}, vocab.unk_id
    ids = torch.tensor([index.get(t, unk) for s in sentences for t in s], dtype=torch.long)
    lengths = torch.tensor([len(s) for s in sentences], dtype=torch.long)
    offsets = torch.cat([torch.zeros(1, dtype=torch.long), lengths.cumsum(0)])
    return ids, offsets


def _counts(vocab: Vocab) -> torch.Tensor:
    """(len(vocab),) float64 counts in id order; 0 for the specials."""
    specials = set(vocab.specials)
    return torch.tensor([0 if t in specials else vocab.counts[t] for t in vocab.tokens], dtype=torch.float64)


def keep_probabilities(vocab: Vocab, sample: float = 1e-3) -> torch.Tensor:
    """(len(vocab),) float64: the probability that subsampling keeps each word; 0 for ``<unk>``.

    ``p_keep(w) = min(1, (sqrt(f / t) + 1) * t / f)`` with ``f = count(w) / total`` and ``t = sample``;
    ``sample = 0`` keeps every known word.
    """
    if sample < 0:
        raise ValueError(f"sample must be >= 0 (0 turns subsampling off), got {sample}")
    counts = _counts(vocab)
    known = counts > 0
    if sample == 0:
        return known.double()
    threshold = sample * counts.sum()
    keep = ((counts / threshold).sqrt() + 1) * threshold / counts.clamp(min=1)
    return torch.where(known, keep.clamp(max=1.0), torch.zeros_like(keep))


def _sentence_index(offsets: torch.Tensor) -> torch.Tensor:
    """(num_tokens,): the sentence each token belongs to."""
    return torch.repeat_interleave(torch.arange(len(offsets) - 1), offsets.diff())


def subsample(
    ids: torch.Tensor, offsets: torch.Tensor, keep: torch.Tensor, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Drop each token with probability ``1 - keep[id]`` (and every ``<unk>``); new ``(ids, offsets)``."""
    kept = torch.rand(ids.shape, generator=generator, dtype=torch.float64) < keep[ids]
    lengths = torch.bincount(_sentence_index(offsets)[kept], minlength=len(offsets) - 1)
    return ids[kept], torch.cat([offsets.new_zeros(1), lengths.cumsum(0)])


def noise_distribution(vocab: Vocab, exponent: float = 0.75) -> torch.Tensor:
    """(len(vocab),) float64 probabilities ``P_n(w) = count(w)^exponent / sum_v count(v)^exponent``.

    The specials (count 0) are never drawn, whatever the exponent.
    """
    counts = _counts(vocab)
    weights = torch.where(counts > 0, counts**exponent, torch.zeros_like(counts))
    return weights / weights.sum()


def _neighbours(
    offsets: torch.Tensor, window: int, dynamic: bool, generator: torch.Generator | None
) -> Iterator[tuple[int, torch.Tensor]]:
    """For each offset ``d`` in ``-window..window`` (``d != 0``): the positions ``i`` whose neighbour
    ``i + d`` is in the same sentence and within ``i``'s window (drawn from ``1..window`` if dynamic)."""
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    sentence = _sentence_index(offsets)
    n = len(sentence)
    reach = torch.randint(1, window + 1, (n,), generator=generator) if dynamic else torch.full((n,), window)
    for d in [*range(-window, 0), *range(1, window + 1)]:
        centre = torch.arange(max(0, -d), n - max(0, d))  # positions whose neighbour i + d exists
        yield d, centre[(sentence[centre] == sentence[centre + d]) & (reach[centre] >= abs(d))]


def skipgram_pairs(
    ids: torch.Tensor,
    offsets: torch.Tensor,
    window: int,
    dynamic: bool = True,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """All (centre, context) pairs within ``window`` of each other in the same sentence.

    With ``dynamic=True`` each centre draws its own window ``b`` from ``1..window`` and only contexts
    at distance ``<= b`` are kept. Returns ``(centres, contexts)``, two ``(num_pairs,)`` id tensors,
    sorted by centre position, then context position.
    """
    centres, contexts = [], []
    for d, centre in _neighbours(offsets, window, dynamic, generator):
        centres.append(centre)
        contexts.append(centre + d)
    centre_pos, context_pos = torch.cat(centres), torch.cat(contexts)
    order = torch.argsort(centre_pos * (2 * window + 1) + (context_pos - centre_pos + window))
    return ids[centre_pos[order]], ids[context_pos[order]]


def cbow_windows(
    ids: torch.Tensor,
    offsets: torch.Tensor,
    window: int,
    dynamic: bool = True,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """For every token with at least one neighbour: its context words and the token itself.

    Returns ``(contexts, targets)``: ``contexts: (num_targets, 2 * window)`` ids of the words around
    each target (left to right, ``-1`` where the window is shorter), ``targets: (num_targets,)``.
    """
    contexts = torch.full((len(ids), 2 * window), -1, dtype=torch.long)
    for column, (d, centre) in enumerate(_neighbours(offsets, window, dynamic, generator)):
        contexts[centre, column] = ids[centre + d]
    has_context = (contexts >= 0).any(1)
    return contexts[has_context], ids[has_context]
