"""Distillation loss against its formula, the T^2 scaling, student initialisation, int8 quantisation
within a stated accuracy of float, bf16, and the measurements of the decision table."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from nlpcourse.efficiency import (
    accuracy_on,
    bf16_autocast,
    decision_table,
    dequantize_tensor,
    distill,
    distillation_loss,
    format_table,
    latency_ms,
    model_size_mb,
    quantize_int8,
    quantize_tensor,
    student_state_dict,
)
from nlpcourse.pretraining import BertConfig, BertModel
from nlpcourse.train import train


def _logits(seed=0, batch=5, classes=3):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(batch, classes, generator=g) * 3, torch.randn(batch, classes, generator=g) * 3


def test_distillation_loss_at_t1_is_kl_plus_cross_entropy():
    zs, zt = _logits()
    y = torch.tensor([0, 2, 1, 1, 0])
    pt, ps = zt.softmax(-1), zs.softmax(-1)
    kl = (pt * (pt.log() - ps.log())).sum(-1).mean()
    ce = -ps.log()[torch.arange(5), y].mean()
    torch.testing.assert_close(distillation_loss(zs, zt, y, temperature=1.0, alpha=1.0), kl)
    torch.testing.assert_close(distillation_loss(zs, zt, y, temperature=1.0, alpha=0.0), ce)
    torch.testing.assert_close(distillation_loss(zs, zt, y, temperature=1.0, alpha=0.3), 0.3 * kl + 0.7 * ce)


@pytest.mark.parametrize("t", [2.0, 4.0, 20.0])
def test_distillation_loss_has_the_t_squared_factor(t):
    zs, zt = _logits(1)
    y = torch.tensor([1, 0, 2, 2, 1])
    pt, ps = (zt / t).softmax(-1), (zs / t).softmax(-1)
    kl = (pt * (pt.log() - ps.log())).sum(-1).mean()
    torch.testing.assert_close(
        distillation_loss(zs, zt, y, temperature=t, alpha=0.5),
        0.5 * t * t * kl + 0.5 * F.cross_entropy(zs, y),
    )
    # the soft term's gradient is T (p_s^T - p_t^T) / batch: of order (z_s - z_t) / classes, whatever T
    zs = zs.clone().requires_grad_()
    distillation_loss(zs, zt, temperature=t, alpha=1.0).backward()
    torch.testing.assert_close(zs.grad, t * (ps - pt) / 5)


def test_gradient_scale_is_stable_in_t():
    zs, zt = _logits(2)
    norms = []
    for t in (10.0, 100.0):
        z = zs.clone().requires_grad_()
        distillation_loss(z, zt, temperature=t, alpha=1.0).backward()
        norms.append(z.grad.norm())
    assert norms[1] / norms[0] == pytest.approx(1.0, abs=0.05)


def test_teacher_gets_no_gradient():
    zs, zt = _logits(3)
    zt.requires_grad_()
    distillation_loss(zs.requires_grad_(), zt, temperature=2.0, alpha=1.0).backward()
    assert zt.grad is None


@pytest.mark.parametrize("kwargs", [dict(temperature=0.0), dict(alpha=1.5), dict(alpha=0.5)])
def test_distillation_loss_rejects_bad_input(kwargs):
    zs, zt = _logits()
    with pytest.raises(ValueError):
        distillation_loss(zs, zt, None, **kwargs)
    with pytest.raises(ValueError):
        distillation_loss(zs, zt[:, :2], torch.zeros(5, dtype=torch.long))


class TinyClassifier(nn.Module):
    """A BERT body, mean pooling and a linear head; ``model(ids, types, mask)`` -> ``(logits, None)``."""

    def __init__(self, layers=3, vocab=40, hidden=16):
        super().__init__()
        config = BertConfig(
            vocab_size=vocab,
            hidden_size=hidden,
            num_hidden_layers=layers,
            num_attention_heads=2,
            intermediate_size=32,
            max_position_embeddings=16,
            hidden_dropout_prob=0.0,
            attention_probs_dropout_prob=0.0,
        )
        self.bert = BertModel(config, add_pooling_layer=False)
        self.classifier = nn.Linear(hidden, 2)

    def forward(self, ids, types, mask):
        hidden = self.bert(ids, types, mask).last_hidden_state
        m = mask.unsqueeze(-1).float()
        return self.classifier((hidden * m).sum(1) / m.sum(1)), None


def _toy_batches(n_batches=4, batch=32, seed=0):
    """Label 1 when token 5 occurs; sequences of 8 tokens."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n_batches):
        ids = torch.randint(6, 40, (batch, 8), generator=g)
        y = torch.randint(0, 2, (batch,), generator=g)
        ids[y == 1, torch.randint(0, 8, (1,), generator=g)] = 5
        out.append((ids, torch.zeros_like(ids), torch.ones_like(ids), y))
    return out


def test_student_state_dict_keeps_chosen_layers():
    torch.manual_seed(0)
    teacher = TinyClassifier(layers=3)
    state = student_state_dict(teacher.state_dict(), [0, 2])
    student = TinyClassifier(layers=2)
    student.load_state_dict(state)  # strict: exactly the right keys
    torch.testing.assert_close(
        student.bert.encoder.layer[1].linear1.weight, teacher.bert.encoder.layer[2].linear1.weight
    )
    torch.testing.assert_close(student.classifier.weight, teacher.classifier.weight)
    with pytest.raises(ValueError):
        student_state_dict(teacher.state_dict(), [0, 7])


def test_distill_moves_the_student_towards_the_teacher():
    torch.manual_seed(0)
    teacher = TinyClassifier(layers=3)
    data = _toy_batches(8)
    train(
        teacher,
        lambda s: data[s % 8],
        80,
        torch.optim.Adam(teacher.parameters(), lr=1e-2),
        loss_fn=lambda m, b: F.cross_entropy(m(*b[:3])[0], b[3]),
        progress=False,
    )
    assert accuracy_on(teacher, data) > 0.9
    student = TinyClassifier(layers=1)
    student.load_state_dict(student_state_dict(teacher.state_dict(), [0]))
    test = _toy_batches(2, seed=1)

    def gap():
        with torch.no_grad():
            return sum(
                F.kl_div(
                    student(*b[:3])[0].log_softmax(-1),
                    teacher(*b[:3])[0].log_softmax(-1),
                    log_target=True,
                    reduction="batchmean",
                )
                for b in test
            )

    before = gap()
    history = distill(
        student, teacher, lambda s: data[s % 8], 60, lr=1e-2, temperature=2.0, alpha=0.5, progress=False
    )
    assert len(history["loss"]) == 60
    assert gap() < before / 2


def _bow_classifier():
    """An MLP on 200 random features whose label is a fixed linear rule, trained to ~97%."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2000, 200, generator=g)
    w = torch.randn(200, generator=g)
    y = (x @ w > 0).long()
    model = nn.Sequential(nn.Linear(200, 256), nn.ReLU(), nn.Linear(256, 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for step in range(150):
        rows = slice(step * 100 % 1500, step * 100 % 1500 + 100)
        loss = F.cross_entropy(model(x[rows]), y[rows])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval(), x[1500:], y[1500:]


def test_int8_quantisation_stays_within_one_point_of_float():
    model, x, y = _bow_classifier()
    quantised = quantize_int8(model)
    with torch.no_grad():
        float_logits, int8_logits = model(x), quantised(x)
    float_accuracy = (float_logits.argmax(-1) == y).double().mean().item()
    int8_accuracy = (int8_logits.argmax(-1) == y).double().mean().item()
    assert float_accuracy > 0.85
    assert abs(int8_accuracy - float_accuracy) <= 0.01  # the stated tolerance: one point of accuracy
    assert (float_logits.argmax(-1) == int8_logits.argmax(-1)).double().mean() >= 0.98
    assert model_size_mb(quantised) < model_size_mb(model) / 3  # int8 weights: about a quarter
    assert isinstance(model[0], nn.Linear)  # the original is untouched


def test_quantised_bert_logits_are_close():
    torch.manual_seed(0)
    model = TinyClassifier().eval()
    ids, types, mask, _ = _toy_batches(1)[0]
    with torch.no_grad():
        exact = model(ids, types, mask)[0]
        approx = quantize_int8(model)(ids, types, mask)[0]
        with bf16_autocast():
            half = model(ids, types, mask)[0]
    assert (approx - exact).abs().max() < 0.05 * exact.abs().max() + 0.02
    assert (half.float() - exact).abs().max() < 0.05 * exact.abs().max() + 0.02


def test_int8_by_hand():
    w = torch.tensor([[0.5, -1.27], [0.01, 1.0]])
    q, scale = quantize_tensor(w)
    assert q.dtype == torch.int8 and scale == pytest.approx(1.27 / 127)
    assert q.tolist() == [[50, -127], [1, 100]]
    assert (dequantize_tensor(q, scale) - w).abs().max() <= scale / 2 + 1e-7


def test_measurements():
    linear = nn.Linear(1000, 1000)
    assert model_size_mb(linear) == pytest.approx(4.004, abs=0.01)  # 1,001,000 float32 numbers
    assert latency_ms(lambda: sum(range(1000)), repeats=3) > 0
    with pytest.raises(ValueError):
        latency_ms(lambda: None, repeats=0)
    torch.manual_seed(0)
    model = TinyClassifier()
    data = _toy_batches(2)
    with torch.no_grad():
        expected = sum(int((model(*b[:3])[0].argmax(-1) == b[3]).sum()) for b in data) / 64
    assert accuracy_on(model, data) == pytest.approx(expected)
    rows = decision_table({"tiny": model, "tiny int8": quantize_int8(model)}, data, data[0][:3], repeats=2)
    assert [r["model"] for r in rows] == ["tiny", "tiny int8"]
    assert rows[0]["accuracy"] == pytest.approx(expected)
    assert rows[1]["size_mb"] < rows[0]["size_mb"]
    assert "tiny int8" in format_table(rows)
