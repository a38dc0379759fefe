"""nlpcourse.pretraining: masking, NSP pairs, batches, our BERT against transformers, the causal model,
the pretraining loop and checkpoints. Tiny configs (hidden 32, 2 layers), as transformers' own tests."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from nlpcourse.pretraining import (
    IGNORE_INDEX,
    LAYER_KEYS,
    BertConfig,
    BertForPreTraining,
    BertModel,
    CausalBatches,
    CausalLM,
    Pretrainer,
    PretrainingBatches,
    canonical_wordpiece,
    encode_pair,
    fill_mask,
    generate,
    keep_mask,
    mask_tokens,
    masked_lm_loss,
    nsp_pair,
    our_key,
    pad_batch,
    permutation_mask,
    pretraining_documents,
    transformers_key,
    warmup_linear,
)
from nlpcourse.transformer import EncoderLayer

BATCH, SEQ, VOCAB = 13, 7, 99
SPECIALS = [0, 1, 2, 3, 4]  # [PAD] [UNK] [CLS] [SEP] [MASK]


def tiny_config(**overrides) -> BertConfig:
    options = dict(
        vocab_size=VOCAB,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=37,
        max_position_embeddings=16,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )
    return BertConfig(**{**options, **overrides})


def tiny_batch(seed: int = 0):
    """(input_ids, token_type_ids, attention_mask, labels, next_sentence_label) with padding."""
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(3, SEQ + 1, (BATCH,), generator=g)
    lengths[0] = SEQ
    ids = torch.randint(5, VOCAB, (BATCH, SEQ), generator=g)
    ids[:, 0] = 2
    attention_mask = (torch.arange(SEQ) < lengths[:, None]).long()
    ids = ids.masked_fill(attention_mask == 0, 0)
    token_type_ids = (torch.arange(SEQ) >= lengths[:, None] // 2).long() * attention_mask
    inputs, labels = mask_tokens(ids, 4, VOCAB, SPECIALS, probability=0.3, generator=g)
    labels[0, 1] = ids[0, 1]  # at least one masked position
    nsp = torch.randint(0, 2, (BATCH,), generator=g)
    return inputs, token_type_ids, attention_mask, labels, nsp


# --- masking ---------------------------------------------------------------------------------------


def test_masking_statistics_over_many_draws():
    ids = torch.randint(5, 1000, (400, 128))
    ids[:, 0], ids[:, 64], ids[:, -1] = 2, 3, 3
    ids[::2, 100:] = 0
    special = torch.isin(ids, torch.tensor(SPECIALS))
    chosen = masked = kept = 0
    for seed in range(10):
        inputs, labels = mask_tokens(ids, 4, 1000, SPECIALS, generator=torch.Generator().manual_seed(seed))
        picked = labels != IGNORE_INDEX
        assert not (picked & special).any(), "a special token was chosen"
        assert torch.equal(labels[picked], ids[picked])
        assert torch.equal(inputs[~picked], ids[~picked])
        random = picked & (inputs != 4) & (inputs != ids)
        assert not torch.isin(inputs[random], torch.tensor(SPECIALS)).any(), "a random token is special"
        chosen += int(picked.sum())
        masked += int((picked & (inputs == 4)).sum())
        kept += int((picked & (inputs == ids)).sum())
    ordinary = 10 * int((~special).sum())
    assert abs(chosen / ordinary - 0.15) < 0.003
    assert abs(masked / chosen - 0.8) < 0.01
    assert abs(kept / chosen - 0.1) < 0.01  # a random token equal to the original counts as kept (0.1%)
    assert abs((chosen - masked - kept) / chosen - 0.1) < 0.01


def test_masking_is_deterministic_and_leaves_the_input_alone():
    ids = torch.randint(5, 50, (4, 20))
    copy = ids.clone()
    a = mask_tokens(ids, 4, 50, SPECIALS, generator=torch.Generator().manual_seed(1))
    b = mask_tokens(ids, 4, 50, SPECIALS, generator=torch.Generator().manual_seed(1))
    assert torch.equal(ids, copy)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    with pytest.raises(TypeError, match="integer"):
        mask_tokens(ids.float(), 4, 50, SPECIALS)
    with pytest.raises(ValueError, match="every id"):
        mask_tokens(ids, 4, 5, SPECIALS)


def test_masked_lm_loss_counts_masked_positions_only():
    logits = torch.randn(BATCH, SEQ, VOCAB)
    labels = tiny_batch()[3]
    expected = F.cross_entropy(logits.view(-1, VOCAB), labels.view(-1))
    torch.testing.assert_close(masked_lm_loss(logits, labels), expected)


# --- NSP pairs and batches -----------------------------------------------------------------------


def test_nsp_labels_are_balanced_and_correct():
    documents = [[f"d{d}u{u}" for u in range(size)] for d, size in enumerate([3, 1, 4, 2, 1, 5])]
    where = {unit: (d, u) for d, doc in enumerate(documents) for u, unit in enumerate(doc)}
    rng = np.random.default_rng(0)
    examples = [nsp_pair(documents, rng) for _ in range(4000)]
    labels = np.array([label for _, _, label in examples])
    assert abs(labels.mean() - 0.5) < 0.03
    for a, b, label in examples:
        (da, ua), (db, ub) = where[a], where[b]
        assert (db, ub) == (da, ua + 1) if label == 0 else db != da
    with pytest.raises(ValueError, match="two or more"):
        nsp_pair([["a"], ["b"]], rng)


def test_encode_pair_truncates_the_longer_part_first():
    ids, segments = encode_pair([10, 11, 12, 13, 14, 15], [20, 21], cls_id=2, sep_id=3, max_len=9)
    assert ids == [2, 10, 11, 12, 13, 3, 20, 21, 3]
    assert segments == [0, 0, 0, 0, 0, 0, 1, 1, 1]


def test_pad_batch_and_keep_mask():
    sequences, segments = [[2, 5, 3], [2, 5, 6, 3, 7]], [[0, 0, 0], [0, 0, 0, 1, 1]]
    input_ids, token_type_ids, attention_mask = pad_batch(sequences, segments, 0)
    assert input_ids.tolist() == [[2, 5, 3, 0, 0], [2, 5, 6, 3, 7]]
    assert token_type_ids.tolist() == [[0, 0, 0, 0, 0], [0, 0, 0, 1, 1]]
    assert attention_mask.tolist() == [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]
    keep = keep_mask(attention_mask, 5)
    assert keep.shape == (2, 1, 1, 5) and keep.dtype == torch.bool
    causal = keep_mask(attention_mask, 5, causal=True)
    assert causal.shape == (2, 1, 5, 5) and not causal[0, 0, 4, 3] and causal[1, 0, 4, 3]
    assert keep_mask(torch.ones(2, 5, dtype=torch.long), 5) is None  # no padding, no mask
    with pytest.raises(ValueError, match="attention_mask"):
        keep_mask(attention_mask, 4)


def test_pretraining_batches_are_reproducible():
    documents = pretraining_documents(toy_documents=40, docstrings=False, seed=0)
    words = sorted({w for d in documents for u in d for w in u.lower().replace(".", " .").split()})
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]
    index = {w: i for i, w in enumerate(vocab)}
    token_docs = [[[index[w] for w in u.lower().replace(".", " .").split()] for u in d] for d in documents]
    batches = PretrainingBatches(
        token_docs,
        vocab_size=len(vocab),
        cls_id=2,
        sep_id=3,
        pad_id=0,
        mask_id=4,
        special_ids=SPECIALS,
        batch_size=8,
        max_len=24,
        seed=3,
    )
    first, again, other = batches(5), batches(5), batches(6)
    assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))
    assert not torch.equal(first[0], other[0])
    input_ids, token_type_ids, attention_mask, labels, nsp = first
    assert input_ids.shape[0] == 8 and input_ids.shape[1] <= 24 and nsp.shape == (8,)
    assert (input_ids[:, 0] == 2).all()
    assert ((labels != IGNORE_INDEX) <= (attention_mask == 1)).all()
    causal = CausalBatches(token_docs, sep_id=3, batch_size=4, seq_len=10, seed=0)
    x, y = causal(0)
    assert x.shape == y.shape == (4, 10) and torch.equal(x[:, 1:], y[:, :-1])


# --- our BERT against transformers ---------------------------------------------------------------


def test_bert_body_equals_transformers_with_padding():
    from transformers import BertConfig as HFConfig
    from transformers import BertModel as HFBertModel

    theirs = HFBertModel(HFConfig(**tiny_config().__dict__, attn_implementation="eager")).eval()
    ours = BertModel.from_transformers(theirs)
    input_ids, token_type_ids, attention_mask, _, _ = tiny_batch()
    with torch.no_grad():
        expected = theirs(
            input_ids=input_ids,
            token_type_ids=token_type_ids,
            attention_mask=attention_mask,
            output_attentions=True,
        )
        got = ours(input_ids, token_type_ids, attention_mask, need_weights=True)
    torch.testing.assert_close(got.last_hidden_state, expected.last_hidden_state, atol=1e-5, rtol=0)
    torch.testing.assert_close(got.pooler_output, expected.pooler_output, atol=1e-5, rtol=0)
    for mine, yours in zip(ours.attention_maps(), expected.attentions, strict=True):
        torch.testing.assert_close(mine, yours, atol=1e-5, rtol=0)


def test_pretraining_losses_and_gradients_equal_transformers():
    """Same random weights -> the same MLM and NSP losses and the same gradients."""
    ours = BertForPreTraining(tiny_config())
    theirs = ours.to_transformers()
    input_ids, token_type_ids, attention_mask, labels, nsp = tiny_batch()
    output, loss = ours(input_ids, token_type_ids, attention_mask, labels, nsp)
    expected = theirs(
        input_ids=input_ids,
        token_type_ids=token_type_ids,
        attention_mask=attention_mask,
        labels=labels,
        next_sentence_label=nsp,
    )
    mlm = F.cross_entropy(expected.prediction_logits.view(-1, VOCAB), labels.view(-1))
    nsp_loss = F.cross_entropy(expected.seq_relationship_logits, nsp)
    torch.testing.assert_close(output.mlm_loss, mlm, atol=1e-5, rtol=0)
    torch.testing.assert_close(output.nsp_loss, nsp_loss, atol=1e-5, rtol=0)
    torch.testing.assert_close(loss, expected.loss, atol=1e-5, rtol=0)
    masked_logits = expected.prediction_logits[labels != IGNORE_INDEX]
    torch.testing.assert_close(output.masked_logits, masked_logits, atol=1e-5, rtol=0)
    assert output.mlm_logits is None  # one field, one shape: every position only without labels
    loss.backward()
    expected.loss.backward()
    their_grads = {name: p.grad for name, p in theirs.named_parameters()}
    for name, parameter in ours.named_parameters():
        torch.testing.assert_close(parameter.grad, their_grads[transformers_key(name)], atol=1e-5, rtol=1e-4)


def test_pretraining_model_from_transformers_and_without_labels():
    from transformers import BertConfig as HFConfig
    from transformers import BertForPreTraining as HFBertForPreTraining

    theirs = HFBertForPreTraining(HFConfig(**tiny_config().__dict__, attn_implementation="sdpa")).eval()
    ours = BertForPreTraining.from_transformers(theirs)
    assert ours.cls.predictions.decoder.weight is ours.bert.embeddings.word_embeddings.weight
    input_ids, token_type_ids, attention_mask, _, _ = tiny_batch(1)
    with torch.no_grad():
        output, loss = ours(input_ids, token_type_ids, attention_mask)
        expected = theirs(input_ids=input_ids, token_type_ids=token_type_ids, attention_mask=attention_mask)
    assert loss is None and output.mlm_loss is None
    torch.testing.assert_close(output.mlm_logits, expected.prediction_logits, atol=1e-5, rtol=0)
    torch.testing.assert_close(output.nsp_logits, expected.seq_relationship_logits, atol=1e-5, rtol=0)


def test_no_masked_position_gives_zero_mlm_loss():
    model = BertForPreTraining(tiny_config())
    input_ids, token_type_ids, attention_mask, _, nsp = tiny_batch()
    nothing = torch.full_like(input_ids, IGNORE_INDEX)
    output, loss = model(input_ids, token_type_ids, attention_mask, nothing, nsp)
    assert output.mlm_loss.item() == 0.0 and torch.isfinite(loss)


def test_key_mapping_round_trip_and_encoder_layer_reuse():
    model = BertForPreTraining(tiny_config())
    assert isinstance(model.bert.encoder.layer[0], EncoderLayer)
    assert model.bert.encoder.layer[0].dropout.p == 0.0
    for key in model.state_dict():
        assert our_key(transformers_key(key)) == key
    hf_keys = set(model.to_transformers().state_dict())
    assert {transformers_key(k) for k in model.state_dict()} <= hf_keys
    assert len(LAYER_KEYS) == 8
    assert our_key("bert.encoder.layer.1.output.LayerNorm.gamma") == "bert.encoder.layer.1.norm2.weight"
    assert our_key("encoder.layer.0.attention.output.dense.bias") == "encoder.layer.0.self_attn.out_proj.bias"


def test_config_errors_are_clear():
    with pytest.raises(ValueError, match="divisible"):
        BertConfig(hidden_size=30, num_attention_heads=4)
    with pytest.raises(ValueError, match="model_type"):
        BertConfig.from_dict({"model_type": "gpt2"})
    model = BertForPreTraining(tiny_config())
    with pytest.raises(ValueError, match="labels"):
        model(torch.zeros(2, 5, dtype=torch.long), labels=torch.zeros(2, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="max_position_embeddings"):
        model(torch.zeros(1, 17, dtype=torch.long))


# --- the causal model and XLNet's masks ------------------------------------------------------------


def test_causal_model_equals_transformers_lm_head_and_sees_only_the_past():
    model = CausalLM(tiny_config()).eval()
    theirs = model.to_transformers().eval()
    ids = torch.randint(5, VOCAB, (3, 8))
    with torch.no_grad():
        logits, loss = model(ids[:, :-1], ids[:, 1:])
        expected = theirs(input_ids=ids, labels=ids)  # transformers shifts the labels itself
        torch.testing.assert_close(loss, expected.loss, atol=1e-5, rtol=0)
        torch.testing.assert_close(logits, expected.logits[:, :-1], atol=1e-5, rtol=0)
        changed = ids.clone()
        changed[:, 5:] = 7
        torch.testing.assert_close(model(changed)[0][:, :5], model(ids)[0][:, :5])
    out = generate(model, ids[:1, :3], max_new_tokens=4, temperature=0)
    assert out.shape == (1, 7) and torch.equal(out[:, :3], ids[:1, :3])


def test_permutation_mask():
    assert torch.equal(permutation_mask(list(range(5))), torch.ones(5, 5, dtype=torch.bool).tril(-1))
    mask = permutation_mask([2, 0, 1])
    assert mask.tolist() == [[False, False, True], [True, False, True], [False, False, False]]
    with pytest.raises(ValueError, match="permutation"):
        permutation_mask([0, 0, 1])


# --- pretraining loop, schedule, checkpoints --------------------------------------------------------


def test_warmup_then_linear_decay():
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    schedule = warmup_linear(optimizer, warmup_steps=4, total_steps=10)
    rates = []
    for _ in range(10):
        rates.append(schedule.get_last_lr()[0])
        optimizer.step()
        schedule.step()
    assert rates[:5] == pytest.approx([0.25, 0.5, 0.75, 1.0, 1.0])
    assert rates[-1] == pytest.approx(1 / 6)
    assert all(a >= b for a, b in zip(rates[3:], rates[4:], strict=False))


def _fixed_batches(step: int):
    return tiny_batch(step % 3)


def test_pretrainer_lowers_the_loss_and_resumes_exactly(tmp_path):
    torch.manual_seed(0)
    trainer = Pretrainer(BertForPreTraining(tiny_config()), total_steps=40, lr=3e-3, warmup_steps=4)
    history = trainer.run(_fixed_batches, progress=False)
    assert len(history["mlm_loss"]) == len(history["nsp_loss"]) == len(history["lr"]) == 40
    assert np.mean(history["loss"][-5:]) < np.mean(history["loss"][:5]) - 1.0

    torch.manual_seed(0)
    whole = Pretrainer(BertForPreTraining(tiny_config()), total_steps=6, lr=3e-3)
    whole.run(_fixed_batches, progress=False)
    torch.manual_seed(0)
    first = Pretrainer(BertForPreTraining(tiny_config()), total_steps=6, lr=3e-3)
    first.run(_fixed_batches, steps=3, progress=False)
    path = first.save(tmp_path / "run.pt")
    resumed = Pretrainer.load(path)
    assert resumed.step == 3
    resumed.run(_fixed_batches, progress=False)
    np.testing.assert_allclose(resumed.history["loss"], whole.history["loss"], rtol=1e-5)
    with pytest.raises(ValueError, match="total_steps"):
        resumed.run(_fixed_batches, steps=1, progress=False)


def test_canonical_wordpiece_keeps_pieces_and_specials():
    from nlpcourse.text import train_wordpiece_tokenizer

    texts = ["unbelievable tokenization", "the tokenizer tokenizes tokens", "believable, unbelievably"] * 3
    raw = train_wordpiece_tokenizer(texts, vocab_size=80)
    canonical = canonical_wordpiece(raw)
    assert set(canonical.get_vocab()) == set(raw.get_vocab())
    assert sorted(canonical.get_vocab().values()) == list(range(raw.get_vocab_size()))
    for special in ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]:
        assert canonical.token_to_id(special) == raw.token_to_id(special)
    pieces = [t for t, _ in sorted(canonical.get_vocab().items(), key=lambda item: item[1])][5:]
    assert pieces == sorted(pieces)
    for text in ["unbelievable tokenizers [MASK]", "zzz tokenization", "a pair"]:
        assert canonical.encode(text, "b part").tokens == raw.encode(text, "b part").tokens
        assert canonical.encode(text, "b part").type_ids == raw.encode(text, "b part").type_ids


def test_fill_mask_with_a_wordpiece_tokenizer():
    from nlpcourse.text import train_wordpiece_tokenizer

    texts = ["the cat sat on the mat", "the dog sat on the log"] * 5
    tokenizer = train_wordpiece_tokenizer(texts, vocab_size=60)
    model = BertForPreTraining(tiny_config(vocab_size=tokenizer.get_vocab_size()))
    guesses = fill_mask(model, tokenizer, "the [MASK] sat on the [MASK]", top_k=2)
    assert len(guesses) == 2 and all(len(g) == 2 for g in guesses)
    assert all(isinstance(token, str) and 0 <= p <= 1 for g in guesses for token, p in g)
    with pytest.raises(ValueError, match=r"\[MASK\]"):
        fill_mask(model, tokenizer, "no blank here")


def test_pretraining_curves_draw_losses_against_their_baselines():
    import math

    import matplotlib.pyplot as plt

    from nlpcourse.plots import pretraining_curves

    history = {"loss": [3.0, 2.0], "mlm_loss": [2.5, 1.5], "nsp_loss": [0.7, 0.6], "lr": [1e-4, 2e-4]}
    fig = pretraining_curves(history, vocab_size=100)
    mlm, nsp, lr = fig.axes
    assert mlm.lines[-1].get_ydata()[0] == pytest.approx(math.log(100))
    assert nsp.lines[-1].get_ydata()[0] == pytest.approx(math.log(2))
    assert list(lr.lines[0].get_ydata()) == [1e-4, 2e-4]
    plt.close(fig)
    with pytest.raises(ValueError, match="nsp_loss"):
        pretraining_curves({"mlm_loss": [1.0], "lr": [1.0]}, vocab_size=10)
