"""Interpretability: attributions equal captum's, head ablation equals removing the head's weights,
probes read what is linearly there."""

from __future__ import annotations

import pytest
import torch
from captum.attr import InputXGradient, IntegratedGradients
from torch import nn

from nlpcourse.interpret import (
    ablate_heads,
    embedding_forward,
    gradient_x_input,
    head_importance,
    integrated_gradients,
    layer_vectors,
    number_phrases,
    probe_layers,
    quadrature,
    token_scores,
)
from nlpcourse.pretraining import BertConfig, BertModel

CONFIG = BertConfig(
    vocab_size=50,
    hidden_size=16,
    num_hidden_layers=2,
    num_attention_heads=4,
    intermediate_size=32,
    max_position_embeddings=12,
    hidden_dropout_prob=0.0,
    attention_probs_dropout_prob=0.0,
)


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.bert = BertModel(CONFIG)
        self.classifier = nn.Linear(16, 3)

    def forward(self, ids, mask):
        return self.classifier(self.bert(ids, attention_mask=mask).pooler_output), None


def _setup():
    torch.manual_seed(0)
    model = Classifier().eval()
    ids = torch.randint(1, 50, (3, 7))
    mask = torch.ones_like(ids)
    mask[2, 5:] = 0
    forward = embedding_forward(model, model.bert.embeddings.word_embeddings, ids, mask)
    return model, ids, mask, forward, model.bert.embeddings.word_embeddings(ids).detach()


def test_embedding_forward_reproduces_the_model():
    model, ids, mask, forward, embeds = _setup()
    torch.testing.assert_close(forward(embeds), model(ids, mask)[0])
    torch.testing.assert_close(forward(torch.cat([embeds, embeds])), torch.cat([model(ids, mask)[0]] * 2))


def test_gradient_x_input_equals_captum():
    _, _, _, forward, embeds = _setup()
    target = torch.tensor([0, 2, 1])
    ours = gradient_x_input(forward, embeds, target)
    theirs = InputXGradient(forward).attribute(embeds.clone().requires_grad_(), target=target)
    torch.testing.assert_close(ours, theirs)


@pytest.mark.parametrize("method", ["gausslegendre", "riemann_trapezoid"])
def test_integrated_gradients_equal_captum(method):
    _, _, _, forward, embeds = _setup()
    baseline = torch.randn_like(embeds) * 0.1
    ours = integrated_gradients(forward, embeds, 1, baseline, steps=16, method=method)
    theirs = IntegratedGradients(forward).attribute(
        embeds, baselines=baseline, target=1, n_steps=16, method=method
    )
    if method == "riemann_trapezoid":  # captum spaces its 16 points 1/15 apart but weighs them by 1/16
        theirs = theirs * 16 / 15
    torch.testing.assert_close(ours, theirs, atol=1e-5, rtol=1e-4)


def test_integrated_gradients_are_complete():
    _, _, _, forward, embeds = _setup()
    attributions = integrated_gradients(forward, embeds, 2, steps=64)
    with torch.no_grad():
        gain = forward(embeds)[:, 2] - forward(torch.zeros_like(embeds))[:, 2]
    torch.testing.assert_close(token_scores(attributions).sum(1), gain, atol=2e-3, rtol=1e-3)


def test_quadrature_integrates_polynomials():
    for method in ("gausslegendre", "riemann_trapezoid"):
        points, weights = quadrature(200, method)
        assert float((weights * points**2).sum()) == pytest.approx(1 / 3, abs=1e-4)
    with pytest.raises(ValueError):
        quadrature(1)
    with pytest.raises(ValueError):
        quadrature(10, "simpson")


def test_bad_input_raises():
    _, _, _, forward, embeds = _setup()
    with pytest.raises(ValueError):
        integrated_gradients(forward, embeds, 0, baseline=embeds[:1])
    with pytest.raises(ValueError):
        token_scores(embeds[0])


def _without_head_weights(model, layer, head):
    """The same model with head ``head`` of ``layer`` removed by zeroing its value projection rows."""
    import copy

    clone = copy.deepcopy(model)
    size = 16 // 4
    v = clone.bert.encoder.layer[layer].self_attn.v_proj
    with torch.no_grad():
        v.weight[head * size : (head + 1) * size] = 0
        v.bias[head * size : (head + 1) * size] = 0
    return clone


def test_ablation_equals_removing_the_head():
    model, ids, mask, _, _ = _setup()
    with torch.no_grad(), ablate_heads(model, {1: [2]}, num_heads=4):
        ablated = model(ids, mask)[0]
    expected = _without_head_weights(model, 1, 2)(ids, mask)[0]
    torch.testing.assert_close(ablated, expected)
    torch.testing.assert_close(model(ids, mask)[0], Classifier.forward(model, ids, mask)[0])  # hooks removed
    assert not torch.allclose(ablated, model(ids, mask)[0])
    with pytest.raises(ValueError):
        with ablate_heads(model, {5: [0]}, num_heads=4):
            pass
    with pytest.raises(ValueError):
        with ablate_heads(model, {0: [4]}, num_heads=4):
            pass


def test_ablation_on_a_transformers_bert():
    from transformers import BertConfig as HFConfig
    from transformers import BertModel as HFBert

    torch.manual_seed(0)
    model = HFBert(
        HFConfig(
            vocab_size=50,
            hidden_size=16,
            num_hidden_layers=2,
            num_attention_heads=4,
            intermediate_size=32,
            max_position_embeddings=12,
        )
    ).eval()
    ids = torch.randint(1, 50, (2, 6))
    with torch.no_grad(), ablate_heads(model, {0: [1, 3]}, num_heads=4):
        ablated = model(ids).last_hidden_state
    value = model.encoder.layer[0].attention.self.value
    with torch.no_grad():
        for head in (1, 3):
            value.weight[head * 4 : (head + 1) * 4] = 0
            value.bias[head * 4 : (head + 1) * 4] = 0
        torch.testing.assert_close(ablated, model(ids).last_hidden_state)


def test_head_importance():
    model, ids, mask, _, _ = _setup()

    def metric():
        return float(model(ids, mask)[0][:, 0].sum())

    scores = head_importance(model, metric, num_layers=2, num_heads=4)
    assert scores.shape == (2, 4)
    with torch.no_grad():
        expected = metric() - float(_without_head_weights(model, 0, 3)(ids, mask)[0][:, 0].sum())
    assert float(scores[0, 3]) == pytest.approx(expected, abs=1e-5)
    only_last = head_importance(model, metric, num_layers=2, num_heads=4, layers=[1])
    torch.testing.assert_close(only_last[1], scores[1])
    assert not only_last[0].any()


def test_probes_find_what_is_linearly_there():
    from sklearn.linear_model import LogisticRegression

    g = torch.Generator().manual_seed(0)
    labels = torch.arange(400) % 2
    noise = torch.randn(400, 8, generator=g)
    signal = torch.randn(400, 8, generator=g) + 1.5 * labels[:, None].float()
    accuracies = probe_layers([noise, signal], labels.tolist(), steps=200)
    assert accuracies[0] < 0.62
    order = torch.randperm(400, generator=torch.Generator().manual_seed(0))
    fit, held = order[:200], order[200:]
    reference = LogisticRegression().fit(signal[fit].numpy(), labels[fit].numpy())
    expected = reference.score(signal[held].numpy(), labels[held].numpy())
    assert accuracies[1] == pytest.approx(expected, abs=0.03)
    with pytest.raises(ValueError):
        probe_layers([noise], labels.tolist(), train_share=0.0)


def test_number_phrases_and_layer_vectors():
    from transformers import BertConfig as HFConfig
    from transformers import BertModel as HFBert

    from nlpcourse.pretrained import load_tokenizer

    texts, labels = number_phrases(10, seed=1)
    assert labels.count(1) == 5 and all(t.startswith("the ") for t in texts)
    torch.manual_seed(0)
    tokenizer = load_tokenizer()
    model = HFBert(
        HFConfig(
            vocab_size=tokenizer.vocab_size,
            hidden_size=16,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=32,
        )
    ).eval()
    texts = ["the mice in the hole", "the dog in the kennel", "the horses in the stable"]
    vectors = layer_vectors(model, tokenizer, texts, batch_size=2)
    assert len(vectors) == 3 and vectors[0].shape == (3, 16)
    for row, text in enumerate(texts):  # each text alone, its last word before [SEP]
        with torch.no_grad():
            alone = model(**tokenizer([text], return_tensors="pt"), output_hidden_states=True).hidden_states
        for layer in range(3):
            torch.testing.assert_close(vectors[layer][row], alone[layer][0, -2], atol=1e-5, rtol=1e-4)
