"""WEAT: effect size against a hand computation, p-values against exhaustive enumeration."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from nlpcourse.bias import (
    PLACES_A,
    association,
    biased_sentences,
    counterfactual_gap,
    weat_effect_size,
    weat_p_value,
    weat_statistic,
)


def _cos(u, v):
    dot = sum(a * b for a, b in zip(u, v, strict=True))
    return dot / math.sqrt(sum(a * a for a in u) * sum(b * b for b in v))


def _s(w, A, B):
    return sum(_cos(w, a) for a in A) / len(A) - sum(_cos(w, b) for b in B) / len(B)


def _sets(seed=0, n=3, dim=4):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(size, dim)) for size in (n, n, 2, 3)]


def test_effect_size_against_a_hand_computation():
    X, Y, A, B = _sets()
    sx = [_s(x, A, B) for x in X]
    sy = [_s(y, A, B) for y in Y]
    both = sx + sy
    mean = sum(both) / len(both)
    std = math.sqrt(sum((v - mean) ** 2 for v in both) / (len(both) - 1))
    expected = (sum(sx) / len(sx) - sum(sy) / len(sy)) / std
    assert weat_effect_size(X, Y, A, B) == pytest.approx(expected, rel=1e-12)
    assert weat_statistic(X, Y, A, B) == pytest.approx(sum(sx) - sum(sy), rel=1e-12)
    np.testing.assert_allclose(association(X, A, B), sx, rtol=1e-12)
    assert weat_effect_size(torch.tensor(X), torch.tensor(Y), A, B) == pytest.approx(expected)


def test_a_two_dimensional_example_by_hand():
    # x = A's direction, y = B's direction: s(x) = 1, s(y) = -1; d = 2 / std([1, -1]) = 2 / sqrt(2)
    X, Y, A, B = [[1.0, 0.0]], [[0.0, 1.0]], [[2.0, 0.0]], [[0.0, 3.0]]
    assert weat_effect_size(X, Y, A, B) == pytest.approx(2 / math.sqrt(2))
    assert weat_statistic(X, Y, A, B) == pytest.approx(2.0)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_exact_p_value_equals_exhaustive_permutations(seed):
    X, Y, A, B = _sets(seed, n=4)
    s = [_s(w, A, B) for w in list(X) + list(Y)]  # s of each target word, by hand
    observed = sum(s[:4]) - sum(s[4:])
    greater = total = 0
    for order in itertools.permutations(range(8)):  # every ordering; the first four are X_i
        stat = sum(s[i] for i in order[:4]) - sum(s[i] for i in order[4:])
        greater += stat > observed + 1e-12
        total += 1
    assert weat_p_value(X, Y, A, B) == pytest.approx(greater / total, abs=1e-12)


def test_sampled_p_value_is_close_to_the_exact_one():
    X, Y, A, B = _sets(5, n=5)
    exact = weat_p_value(X, Y, A, B)
    assert weat_p_value(X, Y, A, B, permutations=20_000, seed=1) == pytest.approx(exact, abs=0.02)


def test_a_strong_association_is_significant():
    rng = np.random.default_rng(0)
    a_dir, b_dir = np.eye(8)[0], np.eye(8)[1]
    X = a_dir + 0.3 * rng.normal(size=(6, 8))
    Y = b_dir + 0.3 * rng.normal(size=(6, 8))
    A = a_dir + 0.3 * rng.normal(size=(4, 8))
    B = b_dir + 0.3 * rng.normal(size=(4, 8))
    assert weat_effect_size(X, Y, A, B) > 1.5
    assert weat_p_value(X, Y, A, B) < 0.01
    assert weat_effect_size(Y, X, A, B) == pytest.approx(-weat_effect_size(X, Y, A, B))


@pytest.mark.parametrize(
    "call",
    [
        lambda: weat_effect_size(np.zeros((2, 3)), np.ones((2, 3)), np.ones((1, 3)), np.ones((1, 3))),
        lambda: weat_effect_size(np.ones((2, 3)), np.ones((2, 4)), np.ones((1, 3)), np.ones((1, 3))),
        lambda: weat_effect_size(np.ones(3), np.ones((2, 3)), np.ones((1, 3)), np.ones((1, 3))),
        lambda: weat_p_value(np.ones((2, 3)), np.ones((3, 3)), np.ones((1, 3)), np.ones((1, 3))),
        lambda: weat_p_value(*_sets(), permutations=0),
        lambda: weat_p_value(*[np.random.default_rng(0).normal(size=(n, 3)) for n in (15, 15, 2, 2)]),
    ],
)
def test_bad_input_raises_a_clear_error(call):
    with pytest.raises(ValueError):
        call()


def test_biased_sentences_carry_the_bias_asked_for():
    sentences = biased_sentences(["he"], ["she"], ["doctor"], ["nurse"], bias=0.8, n=8000, seed=0)
    assert all(s[:1] == ["the"] and s[2:5] == ["went", "to", "the"] for s in sentences)
    visits = [(s[1], s[-1] in PLACES_A) for s in sentences]
    assert all(at_a for word, at_a in visits if word == "doctor")
    assert not any(at_a for word, at_a in visits if word == "nurse")
    he = [at_a for word, at_a in visits if word == "he"]
    she = [at_a for word, at_a in visits if word == "she"]
    assert sum(he) / len(he) == pytest.approx(0.8, abs=0.03)
    assert sum(she) / len(she) == pytest.approx(0.2, abs=0.03)
    with pytest.raises(ValueError):
        biased_sentences(["he"], ["she"], ["a"], ["b"], bias=1.5)


def test_counterfactual_gap():
    def predict(texts):  # positive when the text says "tom"
        p = torch.tensor([0.9 if "tom" in t else 0.3 for t in texts])
        return torch.stack([1 - p, p], 1)

    gap = counterfactual_gap(predict, ["{} liked it", "{} was there"], ["tom"], ["mary", "anna"])
    assert gap == pytest.approx({"p_x": 0.9, "p_y": 0.3, "gap": 0.6, "flipped": 1.0})
    with pytest.raises(ValueError):
        counterfactual_gap(predict, ["no slot"], ["tom"], ["mary"])
