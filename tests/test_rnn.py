"""Tests for nlpcourse.lm.cells and nlpcourse.lm.rnn: equal to torch.nn on tiny configs, BPTT, clipping."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from nlpcourse.data.toyworld import toy_world_corpus
from nlpcourse.lm import (
    RNNLM,
    LSTMCell,
    Recurrent,
    RNNCell,
    RNNLMConfig,
    TruncatedBPTT,
    batchify,
    encode_sentences,
    encode_stream,
    gradient_through_time,
    next_token_probs,
    sample,
    sentence_perplexity,
    stream_perplexity,
    train_lm,
)
from nlpcourse.plots import plot_history
from nlpcourse.text import Vocab
from nlpcourse.train import train

BATCH, SEQ, INPUT, HIDDEN = 3, 7, 5, 8


@pytest.fixture(scope="module")
def toy() -> tuple[Vocab, list[list[str]], list[list[str]]]:
    corpus = toy_world_corpus(1500, seed=1)
    train_part, valid_part, _ = corpus.split((0.8, 0.1, 0.1), seed=0)
    return Vocab.build(train_part.sentences, min_freq=2), train_part.sentences, valid_part.sentences


def copy_cell(ours: nn.Module, theirs: nn.Module) -> None:
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(ours, name).copy_(getattr(theirs, name))


# --- cells equal torch.nn --------------------------------------------------------------------------


def test_rnn_cell_equals_torch():
    theirs = nn.RNNCell(INPUT, HIDDEN)
    ours = RNNCell(INPUT, HIDDEN)
    copy_cell(ours, theirs)
    x, h = torch.randn(BATCH, INPUT), torch.randn(BATCH, HIDDEN)
    torch.testing.assert_close(ours(x, h), theirs(x, h))


def test_lstm_cell_equals_torch():
    theirs = nn.LSTMCell(INPUT, HIDDEN)
    ours = LSTMCell(INPUT, HIDDEN)
    copy_cell(ours, theirs)
    x, h, c = torch.randn(BATCH, INPUT), torch.randn(BATCH, HIDDEN), torch.randn(BATCH, HIDDEN)
    for got, expected in zip(ours(x, (h, c)), theirs(x, (h, c)), strict=True):
        torch.testing.assert_close(got, expected)


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("with_state", [False, True])
def test_our_lstm_equals_nn_lstm(num_layers, with_state):
    theirs = nn.LSTM(INPUT, HIDDEN, num_layers=num_layers, batch_first=True)
    ours = Recurrent.from_torch(theirs)
    x = torch.randn(BATCH, SEQ, INPUT, requires_grad=True)
    state = None
    if with_state:
        state = (torch.randn(num_layers, BATCH, HIDDEN), torch.randn(num_layers, BATCH, HIDDEN))
    out, (h, c) = ours(x, state)
    expected, (h_ref, c_ref) = theirs(x, state)
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(h, h_ref)
    torch.testing.assert_close(c, c_ref)
    grad = torch.autograd.grad((out.sum() + c.sum()), x)[0]
    grad_ref = torch.autograd.grad((expected.sum() + c_ref.sum()), x)[0]
    torch.testing.assert_close(grad, grad_ref)
    for layer in range(num_layers):  # the parameters' gradients too
        ours_grad = torch.autograd.grad(ours(x, state)[0].sum(), ours.cells[layer].weight_hh)[0]
        weight = getattr(theirs, f"weight_hh_l{layer}")
        theirs_grad = torch.autograd.grad(theirs(x, state)[0].sum(), weight)[0]
        torch.testing.assert_close(ours_grad, theirs_grad)


def test_our_rnn_equals_nn_rnn():
    theirs = nn.RNN(INPUT, HIDDEN, num_layers=2, batch_first=True)
    ours = Recurrent.from_torch(theirs)
    x = torch.randn(BATCH, SEQ, INPUT)
    out, h = ours(x)
    expected, h_ref = theirs(x)
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(h, h_ref)


def test_from_torch_refuses_what_it_cannot_copy():
    with pytest.raises(TypeError, match="nn.LSTM or a tanh nn.RNN"):
        Recurrent.from_torch(nn.GRU(INPUT, HIDDEN, batch_first=True))
    with pytest.raises(ValueError, match="unidirectional"):
        Recurrent.from_torch(nn.LSTM(INPUT, HIDDEN, batch_first=True, bidirectional=True))
    with pytest.raises(ValueError, match="batch_first"):
        Recurrent.from_torch(nn.LSTM(INPUT, HIDDEN))
    with pytest.raises(ValueError, match="unknown cell"):
        Recurrent("gru", INPUT, HIDDEN)


def test_rnnlm_with_our_lstm_equals_rnnlm_with_nn_lstm():
    config = RNNLMConfig(vocab_size=11, embedding_dim=6, hidden_size=8, num_layers=2, cell="torch_lstm")
    theirs = RNNLM(config)
    ours = RNNLM(RNNLMConfig(**{**config.__dict__, "cell": "lstm"}))
    shared = {k: v for k, v in theirs.state_dict().items() if not k.startswith("rnn.")}
    ours.load_state_dict(shared, strict=False)
    ours.rnn = Recurrent.from_torch(theirs.rnn)
    idx = torch.randint(0, 11, (BATCH, SEQ))
    logits, loss, _ = ours(idx, idx)
    logits_ref, loss_ref, _ = theirs(idx, idx)
    torch.testing.assert_close(logits, logits_ref)
    torch.testing.assert_close(loss, loss_ref)


# --- the model ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", ["rnn", "lstm", "torch_rnn", "torch_lstm", "torch_gru"])
def test_rnnlm_shapes_loss_and_tied_weights(cell):
    config = RNNLMConfig(vocab_size=13, embedding_dim=6, hidden_size=10, cell=cell, pad_id=0)
    model = RNNLM(config)
    assert model.head.weight is model.embedding.weight
    idx = torch.randint(1, 13, (BATCH, SEQ))
    targets = torch.randint(1, 13, (BATCH, SEQ))
    targets[:, -2:] = 0  # padding is left out of the loss
    logits, loss, state = model(idx, targets)
    assert logits.shape == (BATCH, SEQ, 13)
    expected = F.cross_entropy(logits[:, :-2].reshape(-1, 13), targets[:, :-2].reshape(-1))
    torch.testing.assert_close(loss, expected)
    assert model(idx)[1] is None
    untied = RNNLM(RNNLMConfig(vocab_size=13, embedding_dim=6, hidden_size=10, cell=cell, tie_weights=False))
    assert untied.head.weight is not untied.embedding.weight and untied.proj is None
    with pytest.raises(ValueError, match="unknown cell"):
        RNNLM(RNNLMConfig(vocab_size=13, cell="transformer"))


# --- truncated BPTT and clipping ---------------------------------------------------------------------


def test_batchify_cuts_contiguous_rows():
    data = batchify(torch.arange(23), 4)
    assert data.shape == (4, 5)
    assert data[1].tolist() == [5, 6, 7, 8, 9]
    with pytest.raises(ValueError, match="too short"):
        batchify(torch.arange(5), 4)
    with pytest.raises(ValueError, match="1-D"):
        batchify(torch.zeros(3, 4), 2)


def test_truncated_bptt_carries_the_state_and_cuts_the_gradient():
    torch.manual_seed(1)
    model = RNNLM(RNNLMConfig(vocab_size=20, embedding_dim=8, hidden_size=8))
    data = batchify(torch.randint(4, 20, (3 * 31,)), 3)  # (3, 31): windows of 10 start at 0, 10, 20
    walk = TruncatedBPTT(data, bptt=10)
    assert walk.num_windows == 3
    x0, y0, restart0 = walk.batch(0)
    torch.testing.assert_close(y0[:, :-1], x0[:, 1:])
    assert restart0 and not walk.batch(1)[2] and walk.batch(3)[2]
    assert walk.batch(2)[0].shape == (3, 10)  # the last window: positions 20..29, targets 21..30
    walk(model, walk.batch(0))
    assert not walk.state[0].requires_grad  # detached: the gradient stops at the window boundary
    loss = walk(model, walk.batch(1))
    # the second window, read after the first, is the full sequence's second half
    logits_full, _, _ = model(data[:, :20])
    expected = F.cross_entropy(logits_full[:, 10:].reshape(-1, 20), data[:, 11:21].reshape(-1))
    torch.testing.assert_close(loss, expected)
    walk(model, walk.batch(2))
    walk(model, walk.batch(3))  # starting over resets the state
    logits_fresh, _, _ = model(data[:, :10])
    torch.testing.assert_close(walk.state[0], model(data[:, :10])[2][0])
    del logits_fresh


def test_skip_id_leaves_bos_targets_out():
    walk = TruncatedBPTT(torch.tensor([[2, 5, 3, 2, 6, 3, 2, 7]]), bptt=7, skip_id=2, pad_id=0)
    x, y, _ = walk.batch(0)
    assert y.tolist() == [[5, 3, 0, 6, 3, 0, 7]]


class RecordingSGD(torch.optim.SGD):
    """SGD that records the gradient norm it receives, i.e. after clipping."""

    def __init__(self, params, lr):
        super().__init__(params, lr=lr)
        self.norms: list[float] = []

    def step(self, closure=None):
        grads = [p.grad for group in self.param_groups for p in group["params"] if p.grad is not None]
        self.norms.append(float(torch.linalg.vector_norm(torch.stack([g.norm() for g in grads]))))
        return super().step(closure)


def test_gradient_clipping_bounds_the_norm():
    torch.manual_seed(2)
    model = RNNLM(RNNLMConfig(vocab_size=30, embedding_dim=16, hidden_size=16, cell="torch_rnn"))
    walk = TruncatedBPTT(batchify(torch.randint(4, 30, (400,)), 4), bptt=25)
    optimizer = RecordingSGD(model.parameters(), lr=0.5)
    history = train(model, walk.batch, 8, optimizer, loss_fn=walk, clip=0.1, progress=False)
    assert max(history["grad_norm"]) > 0.1  # the raw norms were larger than the bound ...
    assert max(optimizer.norms) <= 0.1 + 1e-6  # ... and the optimizer only ever saw clipped ones
    for raw, seen in zip(history["grad_norm"], optimizer.norms, strict=True):
        assert seen == pytest.approx(min(raw, 0.1), rel=1e-4)


# --- training, evaluation, sampling --------------------------------------------------------------------


def test_training_lowers_perplexity_and_fills_the_history(toy):
    vocab, train_sentences, valid_sentences = toy
    model = RNNLM(RNNLMConfig(vocab_size=len(vocab), embedding_dim=32, hidden_size=32))
    valid_ids = encode_sentences(valid_sentences, vocab)
    before = sentence_perplexity(model, valid_ids, vocab)
    history = train_lm(
        model,
        encode_stream(train_sentences, vocab),
        steps=60,
        batch_size=16,
        bptt=20,
        lr=3e-2,
        skip_id=vocab.bos_id,
        progress=False,
        eval_every=30,
        evaluate=lambda m: {"val_ppl": sentence_perplexity(m, valid_ids, vocab)},
    )
    assert set(history) == {"loss", "grad_norm", "val_ppl"}
    assert len(history["loss"]) == 60 and len(history["val_ppl"]) == 2
    assert before > 0.8 * len(vocab)  # untrained: close to uniform
    assert history["val_ppl"][-1] < 0.25 * before
    assert not model.training
    plot_history(history, keys=["loss"])
    carried = stream_perplexity(model, encode_stream(valid_sentences, vocab), vocab, rows=4)
    assert 1 < carried < 0.25 * before


def test_sentence_perplexity_is_the_mean_over_words_and_eos(toy):
    vocab, _, valid_sentences = toy
    model = RNNLM(RNNLMConfig(vocab_size=len(vocab), embedding_dim=8, hidden_size=8))
    ids = encode_sentences(valid_sentences[:7], vocab)
    total, count = 0.0, 0
    for sentence in ids:
        logits, _, _ = model(torch.tensor([[vocab.bos_id, *sentence]]))
        targets = torch.tensor([*sentence, vocab.eos_id])
        total += F.cross_entropy(logits[0], targets, reduction="sum").item()
        count += len(targets)
    expected = math.exp(total / count)
    assert sentence_perplexity(model, ids, vocab, batch_size=3) == pytest.approx(expected, rel=1e-5)


def test_next_token_probs():
    logits = torch.tensor([2.0, 1.0, 0.5, -1.0])
    torch.testing.assert_close(next_token_probs(logits), torch.softmax(logits, -1))
    torch.testing.assert_close(next_token_probs(logits, temperature=0.5), torch.softmax(logits / 0.5, -1))
    top2 = next_token_probs(logits, top_k=2)
    torch.testing.assert_close(top2, torch.tensor([math.e / (math.e + 1), 1 / (math.e + 1), 0.0, 0.0]))
    torch.testing.assert_close(next_token_probs(logits, temperature=0.0), torch.tensor([1.0, 0, 0, 0]))
    batch = next_token_probs(torch.randn(3, 4, 9), temperature=1.3, top_k=3)
    assert batch.shape == (3, 4, 9) and ((batch > 0).sum(-1) == 3).all()
    torch.testing.assert_close(batch.sum(-1), torch.ones(3, 4))
    with pytest.raises(ValueError, match="temperature"):
        next_token_probs(logits, temperature=-1)
    with pytest.raises(ValueError, match="top_k"):
        next_token_probs(logits, top_k=0)


def test_sampling_is_seeded_and_top_1_is_greedy(toy):
    vocab, train_sentences, _ = toy
    model = RNNLM(RNNLMConfig(vocab_size=len(vocab), embedding_dim=16, hidden_size=16))
    train_lm(
        model, encode_stream(train_sentences, vocab), steps=20, batch_size=8, bptt=20, lr=1e-2, progress=False
    )

    def draw(seed, **kwargs):
        return sample(model, vocab, generator=torch.Generator().manual_seed(seed), **kwargs)

    assert draw(0) == draw(0)
    assert draw(1, top_k=1) == draw(2, top_k=1) == draw(3, temperature=0.0)
    assert all(t in vocab.tokens and t not in ("<bos>", "<pad>") for t in draw(4, max_tokens=30))
    assert len(draw(5, max_tokens=3)) <= 3
    assert draw(6, prefix=["the", "king"])[:2] == ["the", "king"]


def test_a_character_level_model(toy):
    _, train_sentences, _ = toy
    texts = [" ".join(s) for s in train_sentences[:300]]
    chars = Vocab.build([list(t) for t in texts])
    model = RNNLM(RNNLMConfig(vocab_size=len(chars), embedding_dim=16, hidden_size=32, cell="torch_gru"))
    history = train_lm(
        model,
        encode_stream([list(t) for t in texts], chars),
        steps=60,
        batch_size=8,
        bptt=30,
        lr=2e-2,
        progress=False,
    )
    assert history["loss"][-1] < 0.8 * history["loss"][0]
    text = "".join(sample(model, chars, max_tokens=40, generator=torch.Generator().manual_seed(0)))
    assert isinstance(text, str) and len(text) <= 40


def test_gradients_vanish_in_an_rnn_but_flow_along_the_lstm_cell():
    torch.manual_seed(3)
    x = torch.randn(8, 40, 16)
    rnn = Recurrent("rnn", 16, 32)
    lstm = Recurrent("lstm", 16, 32)
    with torch.no_grad():
        lstm.cells[0].bias_hh[32:64].fill_(4.0)  # forget gates open: c carries the past
    rnn_grad, lstm_grad = gradient_through_time(rnn, x), gradient_through_time(lstm, x)
    assert rnn_grad.shape == (40,)
    assert rnn_grad[0] < 1e-6 * rnn_grad[-1]  # 40 steps back, the RNN's gradient has all but vanished
    assert lstm_grad[0] > 1e-2 * lstm_grad[-1]


def test_clear_errors_for_bad_settings():
    with pytest.raises(ValueError, match="bptt"):
        TruncatedBPTT(torch.zeros(2, 10, dtype=torch.long), bptt=0)
    with pytest.raises(ValueError, match="no tokens"):
        encode_stream([], Vocab.build([["a"]]))
    with pytest.raises(ValueError, match="num_layers"):
        Recurrent("lstm", 4, 4, num_layers=0)
