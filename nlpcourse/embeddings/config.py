"""The hyperparameters of word2vec, shared by the readable PyTorch trainer and the compiled one."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Word2VecConfig"]


@dataclass
class Word2VecConfig:
    """Hyperparameters of word2vec; the defaults are word2vec's and gensim's."""

    model: str = "skipgram"  # "skipgram" (centre predicts context) or "cbow" (context predicts centre)
    dim: int = 100  # width of the word vectors
    window: int = 5  # largest distance to a context word; each position draws its window from 1..window
    negative: int = 5  # noise words per true example
    min_count: int = 5  # words seen fewer times are dropped before windows are taken
    sample: float = 1e-3  # subsampling threshold t for frequent words (0 = keep every word)
    ns_exponent: float = 0.75  # noise distribution: unigram counts to this power
    epochs: int = 5  # passes over the corpus
    alpha: float = 0.025  # learning rate per example at the start; decays linearly to min_alpha
    min_alpha: float = 1e-4  # learning rate at the end
    batch_size: int = 1024  # torch backend: examples per optimizer step
    workers: int = 1  # numba backend: threads; > 1 is faster but not bit-for-bit reproducible
    seed: int = 0  # initial vectors, subsampling, windows, noise words

    def __post_init__(self) -> None:
        if self.model not in ("skipgram", "cbow"):
            raise ValueError(f"model must be 'skipgram' or 'cbow', got {self.model!r}")
        for name in ("dim", "window", "negative", "min_count", "epochs", "batch_size", "workers"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an int >= 1, got {value!r}")
        if not 0 < self.min_alpha <= self.alpha:
            raise ValueError(
                f"need 0 < min_alpha <= alpha, got alpha={self.alpha}, min_alpha={self.min_alpha}"
            )
        if self.sample < 0:
            raise ValueError(f"sample must be >= 0 (0 turns subsampling off), got {self.sample}")
