"""Measuring social bias in embeddings: the Word Embedding Association Test (Caliskan et al. 2017).

    d = weat_effect_size(X, Y, A, B)            # X, Y: target words; A, B: attribute words (one row a vector)
    p = weat_p_value(X, Y, A, B)                # exact permutation test over all equal-size partitions

For a word vector w, its association with attribute sets A and B is

    s(w, A, B) = mean_{a in A} cos(w, a) - mean_{b in B} cos(w, b)

The test statistic compares the target sets,

    S(X, Y, A, B) = sum_{x in X} s(x, A, B) - sum_{y in Y} s(y, A, B)

and the effect size is a standardised difference of means (the sample standard deviation, ddof = 1):

    d = (mean_{x in X} s(x, A, B) - mean_{y in Y} s(y, A, B)) / std_{w in X u Y} s(w, A, B)

The one-sided p-value is the share of the equal-size partitions (X_i, Y_i) of X u Y whose statistic is
strictly greater than the observed S: exact over all C(|X|+|Y|, |X|) partitions, or estimated on
``permutations`` random ones. SEAT (May et al. 2019) applies the same test to sentence embeddings of
templates ("This is a doctor."). :func:`biased_sentences` writes a corpus with a bias of known strength,
so that a student can see the test find what was put in, and nothing when nothing was.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Sequence

import numpy as np
import torch

__all__ = [
    "association",
    "weat_statistic",
    "weat_effect_size",
    "weat_p_value",
    "biased_sentences",
    "counterfactual_gap",
    "PLACES_A",
    "PLACES_B",
]

Vectors = np.ndarray | torch.Tensor | Sequence[Sequence[float]]


def _matrix(name: str, vectors: Vectors) -> np.ndarray:
    array = vectors.detach().cpu().numpy() if isinstance(vectors, torch.Tensor) else np.asarray(vectors)
    if array.ndim != 2 or array.shape[0] == 0:
        raise ValueError(f"{name} must be a 2-D array with one word vector per row, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} holds NaN or infinite values")
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    if (norms == 0).any():
        raise ValueError(f"{name} holds a zero vector: its cosine with anything is undefined")
    return array.astype(np.float64) / norms


def _sets(X: Vectors, Y: Vectors, A: Vectors, B: Vectors) -> tuple[np.ndarray, ...]:
    mats = [_matrix(n, v) for n, v in zip("XYAB", (X, Y, A, B), strict=True)]
    if len({m.shape[1] for m in mats}) != 1:
        dims = [m.shape[1] for m in mats]
        raise ValueError(f"X, Y, A and B must have vectors of one dimension, got {dims}")
    return tuple(mats)


def association(W: Vectors, A: Vectors, B: Vectors) -> np.ndarray:
    """s(w, A, B) for every row w of ``W``: ``(n_w, dim)`` -> ``(n_w,)``."""
    w, a, b = (_matrix(n, v) for n, v in zip("WAB", (W, A, B), strict=True))
    return (w @ a.T).mean(1) - (w @ b.T).mean(1)


def weat_statistic(X: Vectors, Y: Vectors, A: Vectors, B: Vectors) -> float:
    """S(X, Y, A, B) = sum_x s(x, A, B) - sum_y s(y, A, B)."""
    x, y, a, b = _sets(X, Y, A, B)
    return float(association(x, a, b).sum() - association(y, a, b).sum())


def weat_effect_size(X: Vectors, Y: Vectors, A: Vectors, B: Vectors) -> float:
    """Caliskan et al.'s effect size d (in [-2, 2]); std over X u Y with ddof = 1."""
    x, y, a, b = _sets(X, Y, A, B)
    sx, sy = association(x, a, b), association(y, a, b)
    both = np.concatenate([sx, sy])
    if both.size < 2:
        raise ValueError("X and Y together need at least two words for a standard deviation")
    std = both.std(ddof=1)
    if std == 0:
        raise ValueError("every target word has the same association: the effect size is undefined")
    return float((sx.mean() - sy.mean()) / std)


def weat_p_value(
    X: Vectors, Y: Vectors, A: Vectors, B: Vectors, permutations: int | None = None, seed: int = 0
) -> float:
    """One-sided p-value: the share of equal-size partitions of X u Y with a statistic > the observed.

    ``permutations=None`` enumerates all C(n, |X|) partitions (refused above 10 million: pass a number
    of random partitions instead); otherwise ``permutations`` random partitions, drawn with ``seed``.
    """
    x, y, a, b = _sets(X, Y, A, B)
    if len(x) != len(y):
        raise ValueError(f"X and Y must be of equal size for WEAT's partitions, got {len(x)} and {len(y)}")
    s = np.concatenate([association(x, a, b), association(y, a, b)])  # s of every target word
    n, k = len(s), len(x)
    total = s.sum()
    observed = 2 * s[:k].sum() - total  # sum over X minus sum over Y
    if permutations is None:
        count = math.comb(n, k)
        if count > 10_000_000:
            raise ValueError(f"{count:,} partitions are too many to enumerate: pass permutations=10_000")
        chosen = np.array(list(itertools.combinations(range(n), k)))  # (count, k): the X_i of each partition
    else:
        if permutations < 1:
            raise ValueError(f"permutations must be >= 1 (or None for the exact test), got {permutations}")
        rng = np.random.default_rng(seed)
        chosen = np.argsort(rng.random((permutations, n)), axis=1)[:, :k]
    stats = 2 * s[chosen].sum(1) - total
    # a tolerance so that the observed partition (and its equals) do not count by rounding
    return float(np.mean(stats > observed + 1e-12 * max(1.0, abs(observed))))


#: Places that attribute words of A (resp. B) visit in :func:`biased_sentences`: the shared contexts that
#: make a target word's vector resemble an attribute word's.
PLACES_A = ("office", "factory", "airport")
PLACES_B = ("house", "garden", "school")


def biased_sentences(
    targets_x: Sequence[str],
    targets_y: Sequence[str],
    attributes_a: Sequence[str],
    attributes_b: Sequence[str],
    bias: float,
    n: int = 2000,
    seed: int = 0,
    places_a: Sequence[str] = PLACES_A,
    places_b: Sequence[str] = PLACES_B,
) -> list[list[str]]:
    """``n`` sentences "the <word> went to the <place>", tokenized, with an association of known strength.

    Half the sentences send an attribute word to its own places (A words to ``places_a``, B words to
    ``places_b``); the other half send a target word: a word of X to ``places_a`` with probability
    ``bias`` (else to ``places_b``), a word of Y the other way round. Word vectors learn from shared
    contexts, so X ends up near A exactly as strongly as ``bias`` says: ``bias=0.5`` puts in no
    association, ``bias=0.9`` a strong one.
    """
    if not 0.0 <= bias <= 1.0:
        raise ValueError(f"bias is a probability, got {bias}")
    if not all((targets_x, targets_y, attributes_a, attributes_b, places_a, places_b)):
        raise ValueError("every word list needs at least one word")
    rng = random.Random(seed)
    sentences = []
    for i in range(n):
        if i % 2 == 0:  # an attribute word at its own places
            from_a = rng.random() < 0.5
            word = rng.choice(attributes_a if from_a else attributes_b)
            place = rng.choice(places_a if from_a else places_b)
        else:  # a target word, at A's places with probability bias (X) or 1 - bias (Y)
            from_x = rng.random() < 0.5
            word = rng.choice(targets_x if from_x else targets_y)
            place = rng.choice(places_a if (rng.random() < bias) == from_x else places_b)
        sentences.append(["the", word, "went", "to", "the", place])
    return sentences


def counterfactual_gap(
    predict_proba: Callable[[list[str]], torch.Tensor],
    templates: Sequence[str],
    words_x: Sequence[str],
    words_y: Sequence[str],
    label: int = 1,
) -> dict[str, float]:
    """How a classifier's output moves when only a group word changes (counterfactual templates).

    Every template holds ``{}``, filled with each word of ``words_x`` and of ``words_y``;
    ``predict_proba(texts)`` returns ``(len(texts), classes)`` probabilities. Returns the mean
    probability of ``label`` for each group, their gap (x minus y), and the share of templates whose
    mean prediction for the two groups falls on different sides of 0.5.
    """
    if not templates or any("{}" not in t for t in templates):
        raise ValueError("every template must hold one {} where the group word goes")
    if not words_x or not words_y:
        raise ValueError("words_x and words_y need at least one word each")
    px = predict_proba([t.format(w) for t in templates for w in words_x])[:, label]
    py = predict_proba([t.format(w) for t in templates for w in words_y])[:, label]
    px = px.reshape(len(templates), len(words_x)).mean(1)
    py = py.reshape(len(templates), len(words_y)).mean(1)
    return {
        "p_x": float(px.mean()),
        "p_y": float(py.mean()),
        "gap": float((px - py).mean()),
        "flipped": float(((px > 0.5) != (py > 0.5)).double().mean()),
    }
