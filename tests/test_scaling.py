"""Scaling laws: the power-law fit recovers known laws; parameter and FLOP counts; a tiny family trains."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from nlpcourse.pretraining import CausalLM
from nlpcourse.pretraining.bert import BertConfig
from nlpcourse.scaling import PowerLaw, count_parameters, fit_power_law, scaling_runs, training_flops


@pytest.mark.parametrize(("a", "alpha", "c"), [(12.0, 0.076, 1.69), (400.0, 0.34, 0.5), (3.0, 0.5, 0.0)])
def test_fit_recovers_a_known_law(a, alpha, c):
    x = np.logspace(3, 9, 12)
    law = fit_power_law(x, a * x**-alpha + c)
    assert law.alpha == pytest.approx(alpha, rel=1e-3)
    assert law.a == pytest.approx(a, rel=1e-2)
    assert law.c == pytest.approx(c, abs=1e-3)


def test_fit_with_noise_is_close():
    rng = np.random.default_rng(0)
    x = np.logspace(4, 8, 20)
    y = (50 * x**-0.3 + 2.0) * np.exp(rng.normal(0, 0.002, x.size))
    law = fit_power_law(x, y)
    assert law.alpha == pytest.approx(0.3, rel=0.05)
    assert law.c == pytest.approx(2.0, rel=0.02)


def test_fit_without_offset_is_the_log_log_line():
    x = np.array([1e3, 1e4, 1e5, 1e6])
    y = np.array([5.0, 3.1, 2.2, 1.3])
    law = fit_power_law(x, y, offset=False)
    slope, intercept = np.linalg.lstsq(np.stack([np.log(x), np.ones(4)], 1), np.log(y), rcond=None)[0]
    assert law.alpha == pytest.approx(-slope) and law.a == pytest.approx(np.exp(intercept)) and law.c == 0.0
    assert law(1e3) == pytest.approx(np.exp(intercept) * 1e3**slope)


def test_power_law_evaluates():
    assert PowerLaw(2.0, 0.5, 1.0)(4.0) == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("x", "y"), [([1, 2], [3, 2]), ([1, 2, 3], [1, 0, 2]), ([1, 2, 3], [3, 2]), ([1, -2, 3], [3, 2, 1])]
)
def test_fit_rejects_bad_input(x, y):
    with pytest.raises(ValueError):
        fit_power_law(x, y)


def test_count_parameters_leaves_out_embeddings():
    config = BertConfig(
        vocab_size=50,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=8,
    )
    model = CausalLM(config)
    total = sum(p.numel() for p in model.parameters())  # tied output weights are counted once
    embedding = sum(
        p.numel()
        for p in model.bert.embeddings.modules()
        if isinstance(p, nn.Embedding)
        for p in p.parameters()
    )
    assert count_parameters(model, embeddings=True) == total
    assert count_parameters(model) == total - embedding
    per_layer = 4 * (16 * 16 + 16) + 2 * 2 * 16 + (16 * 32 + 32) + (32 * 16 + 16)  # attention, 2 LN, FFN
    assert count_parameters(model.bert.encoder) == 2 * per_layer


def test_training_flops():
    assert training_flops(175e9, 300e9) == pytest.approx(3.15e23)
    with pytest.raises(ValueError):
        training_flops(0, 10)


def test_scaling_runs_train_a_family():
    torch.manual_seed(0)
    runs = scaling_runs([(8, 1), (32, 1)], steps=20, eval_every=10, n_documents=100, progress=False)
    assert [r.n_params for r in runs] == sorted(r.n_params for r in runs)
    for run in runs:
        assert run.tokens == [0, 10 * 16 * 32, 20 * 16 * 32]
        assert run.val_loss[-1] < run.val_loss[0]
    with pytest.raises(ValueError):
        scaling_runs([])
