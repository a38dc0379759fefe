"""Chapter 08's package: the classifier equals transformers', LoRA equals peft's, metrics equal
scikit-learn's, freezing freezes, early stopping keeps the best weights, bad input gets clear errors."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from nlpcourse.finetune import (
    ClassificationBatches,
    LoRALinear,
    SequenceClassifier,
    accuracy,
    accuracy_by_group,
    apply_lora,
    bag_of_words,
    build_vocabulary,
    confusion_matrix,
    count_parameters,
    encode,
    evaluate,
    f1_per_class,
    fine_tune,
    freeze,
    freeze_body,
    freeze_lower_layers,
    layerwise_param_groups,
    macro_f1,
    merge_lora,
    pad,
    predict,
    unmerge_lora,
)
from nlpcourse.finetune.data import EncodedDataset
from nlpcourse.pretraining import BertConfig


def tiny_config(**overrides) -> BertConfig:
    values = dict(
        vocab_size=99,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=37,
        max_position_embeddings=32,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )
    return BertConfig(**{**values, **overrides})


def tiny_batch(batch: int = 13, seq: int = 7, vocab: int = 99) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(5, vocab, (batch, seq), generator=g)
    lengths = torch.randint(2, seq + 1, (batch,), generator=g)
    lengths[0] = seq
    mask = (torch.arange(seq)[None] < lengths[:, None]).long()
    ids = ids * mask  # [PAD] = 0 after each sentence
    types = torch.zeros_like(ids)
    return ids, types, mask


def toy_task(n: int, seed: int, seq: int = 6) -> EncodedDataset:
    """Label 1 when token 7 occurs: learnable in a few dozen steps."""
    g = torch.Generator().manual_seed(seed)
    ids, labels = [], []
    for i in range(n):
        row = torch.randint(8, 60, (seq,), generator=g).tolist()
        label = i % 2
        if label:
            row[int(torch.randint(seq, (1,), generator=g))] = 7
        ids.append([2, *row, 3])
        labels.append(label)
    return EncodedDataset(ids, labels, 2)


# --- the classifier against transformers ------------------------------------------------------------


@pytest.mark.parametrize("attn", ["eager", "sdpa"])
def test_logits_equal_transformers_tiny(attn):
    from transformers import BertForSequenceClassification

    torch.manual_seed(0)
    theirs = BertForSequenceClassification(
        tiny_config().to_transformers(num_labels=3, attn_implementation=attn)
    ).eval()
    ours = SequenceClassifier.from_transformers(theirs).eval()
    ids, types, mask = tiny_batch()
    labels = torch.tensor([0, 1, 2] * 4 + [1])
    expected = theirs(input_ids=ids, token_type_ids=types, attention_mask=mask, labels=labels)
    logits, loss = ours(ids, types, mask, labels)
    torch.testing.assert_close(logits, expected.logits, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(loss, expected.loss, atol=1e-5, rtol=1e-4)
    back = ours.to_transformers().eval()
    torch.testing.assert_close(
        back(input_ids=ids, attention_mask=mask).logits, expected.logits, atol=1e-5, rtol=1e-4
    )


def test_minilm_classifier_equals_transformers():
    from nlpcourse.pretrained import load_tokenizer

    ours = SequenceClassifier.from_pretrained_minilm(num_labels=2, seed=0).eval()
    theirs = ours.to_transformers(attn_implementation="sdpa").eval()
    tokenizer = load_tokenizer()
    batch = tokenizer(
        ["The plot was not very good but the acting was superb.", "Dull."], padding=True, return_tensors="pt"
    )
    with torch.no_grad():
        logits, loss = ours(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"])
        expected = theirs(**batch).logits
    assert loss is None and logits.shape == (2, 2)
    assert (logits - expected).abs().max() <= 1e-4


def test_minilm_body_is_the_checkpoint():
    from nlpcourse.pretrained import load_bert

    reference = load_bert()
    ours = SequenceClassifier.from_pretrained_minilm(pooling="mean", seed=0)
    assert ours.bert.pooler is None
    for name, tensor in ours.bert.state_dict().items():
        torch.testing.assert_close(tensor, reference.state_dict()[name], atol=0, rtol=0)


def test_head_seed_and_poolings():
    a = SequenceClassifier.from_scratch(tiny_config(), seed=3)
    b = SequenceClassifier(tiny_config(), seed=3)
    torch.testing.assert_close(a.classifier.weight, b.classifier.weight, atol=0, rtol=0)
    ids, types, mask = tiny_batch()
    for pooling in ("cls", "mean"):
        model = SequenceClassifier(tiny_config(), pooling=pooling, seed=0).eval()
        model.bert.load_state_dict(a.bert.state_dict(), strict=False)
        hidden = model.bert(ids, types, mask).last_hidden_state
        m = mask.unsqueeze(-1).float()
        vector = hidden[:, 0] if pooling == "cls" else (hidden * m).sum(1) / m.sum(1)
        torch.testing.assert_close(model(ids, types, mask)[0], model.classifier(vector))


def test_from_checkpoint_reads_a_pretrainer_file(tmp_path):
    from nlpcourse.pretraining import BertForPreTraining, Pretrainer

    torch.manual_seed(0)
    pretrainer = Pretrainer(BertForPreTraining(tiny_config()), total_steps=1)
    path = pretrainer.save(tmp_path / "mini.pt")
    model = SequenceClassifier.from_checkpoint(path, num_labels=2, seed=0)
    for name, tensor in model.bert.state_dict().items():
        torch.testing.assert_close(tensor, pretrainer.model.bert.state_dict()[name], atol=0, rtol=0)
    with pytest.raises(FileNotFoundError, match="pretrained_minibert"):
        SequenceClassifier.from_checkpoint(tmp_path / "missing.pt")


# --- LoRA against peft --------------------------------------------------------------------------------


def test_lora_linear_equals_peft():
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(0)
    holder = nn.Sequential()
    holder.add_module("proj", nn.Linear(12, 10))
    reference = get_peft_model(copy.deepcopy(holder), LoraConfig(r=4, lora_alpha=8, target_modules=["proj"]))
    layer = reference.base_model.model.proj
    nn.init.normal_(layer.lora_B["default"].weight)  # peft starts B at 0 too: make the update visible
    ours = LoRALinear(holder.proj, r=4, alpha=8)
    with torch.no_grad():
        ours.lora_A.weight.copy_(layer.lora_A["default"].weight)
        ours.lora_B.weight.copy_(layer.lora_B["default"].weight)
    x = torch.randn(3, 5, 12)
    torch.testing.assert_close(ours(x), reference(x))
    torch.testing.assert_close(x @ ours.weight.T + ours.bias, reference(x), atol=1e-5, rtol=1e-4)
    merged = ours(x)
    ours.merge()
    torch.testing.assert_close(ours(x), merged, atol=1e-5, rtol=1e-4)
    ours.unmerge()
    torch.testing.assert_close(ours.base_layer.weight, holder.proj.weight)


def test_lora_model_equals_peft_on_bert():
    from peft import LoraConfig, get_peft_model
    from transformers import BertForSequenceClassification

    torch.manual_seed(0)
    hf = BertForSequenceClassification(tiny_config().to_transformers(num_labels=2)).eval()
    ours = SequenceClassifier.from_transformers(hf).eval()
    wrapped = apply_lora(ours, targets=("q_proj", "v_proj"), r=4, alpha=8, trainable=())
    assert len(wrapped) == 4
    reference = get_peft_model(hf, LoraConfig(r=4, lora_alpha=8, target_modules=["query", "value"])).eval()
    for i in range(2):
        for theirs_name, our_name in (("query", "q_proj"), ("value", "v_proj")):
            theirs = getattr(reference.base_model.model.bert.encoder.layer[i].attention.self, theirs_name)
            mine = getattr(ours.bert.encoder.layer[i].self_attn, our_name)
            with torch.no_grad():
                nn.init.normal_(theirs.lora_B["default"].weight, std=0.5)
                mine.lora_A.weight.copy_(theirs.lora_A["default"].weight)
                mine.lora_B.weight.copy_(theirs.lora_B["default"].weight)
    ids, types, mask = tiny_batch()
    expected = reference(input_ids=ids, token_type_ids=types, attention_mask=mask).logits
    torch.testing.assert_close(ours(ids, types, mask)[0], expected, atol=1e-5, rtol=1e-4)
    trainable, total = count_parameters(ours)
    peft_trainable, _ = reference.get_nb_trainable_parameters()
    assert trainable == peft_trainable == 2 * 2 * 4 * (32 + 32)
    assert merge_lora(ours) == 4
    torch.testing.assert_close(ours(ids, types, mask)[0], expected, atol=1e-5, rtol=1e-4)
    assert unmerge_lora(ours) == 4


def test_lora_trains_only_the_update_and_the_head():
    model = SequenceClassifier(tiny_config(), seed=0)
    before = copy.deepcopy(model.state_dict())
    apply_lora(model, targets=("q_proj", "v_proj", "linear1"), r=2, alpha=4)
    data = toy_task(32, 0)
    fine_tune(model, data, steps=3, batch_size=8, lr=1e-2, progress=False)
    for name, tensor in model.state_dict().items():
        if "lora_" in name or name.startswith("classifier"):
            continue
        original = name.replace(".base_layer", "")
        torch.testing.assert_close(tensor, before[original], atol=0, rtol=0)
    assert not torch.equal(model.classifier.weight, before["classifier.weight"])


@pytest.mark.parametrize("bad", [0, -1, 2.5])
def test_lora_rejects_bad_rank(bad):
    with pytest.raises(ValueError, match="rank r must be a positive int"):
        LoRALinear(nn.Linear(4, 4), r=bad, alpha=1)


def test_apply_lora_rejects_unknown_targets_and_qkv_dropout():
    model = SequenceClassifier(tiny_config(), seed=0)
    with pytest.raises(ValueError, match="no linear layer named \\['query'\\].*q_proj"):
        apply_lora(model, targets=("query",))
    with pytest.raises(ValueError, match="dropout"):
        apply_lora(SequenceClassifier(tiny_config(), seed=0), targets=("q_proj",), dropout=0.1)


# --- metrics against scikit-learn -------------------------------------------------------------------------


def test_metrics_equal_scikit_learn():
    from sklearn import metrics

    g = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 4, (200,), generator=g)
    noise = torch.randint(0, 4, (200,), generator=g)
    predictions = torch.where(torch.rand(200, generator=g) < 0.6, labels, noise)
    predictions[predictions == 3] = 2  # class 3 is never predicted: its F1 is 0
    assert accuracy(predictions, labels) == pytest.approx(metrics.accuracy_score(labels, predictions))
    assert torch.equal(
        confusion_matrix(predictions, labels, 4),
        torch.as_tensor(metrics.confusion_matrix(labels, predictions, labels=range(4))),
    )
    expected = metrics.f1_score(labels, predictions, average="macro", labels=range(4), zero_division=0)
    assert macro_f1(predictions, labels, 4) == pytest.approx(expected)
    per_class = metrics.f1_score(labels, predictions, average=None, labels=range(4), zero_division=0)
    torch.testing.assert_close(f1_per_class(predictions, labels, 4), torch.as_tensor(per_class))
    five = macro_f1(predictions, labels, 5)  # a class absent from both counts 0 when it is asked for
    assert five == pytest.approx(
        metrics.f1_score(labels, predictions, average="macro", labels=range(5), zero_division=0)
    )
    assert macro_f1([0, 2, 2], [0, 2, 0]) == pytest.approx(
        metrics.f1_score([0, 2, 0], [0, 2, 2], average="macro", zero_division=0)
    )


def test_metrics_reject_bad_input():
    with pytest.raises(ValueError, match="no examples"):
        accuracy([], [])
    with pytest.raises(ValueError, match="3 predictions for 2 labels"):
        macro_f1([0, 1, 1], [0, 1])
    with pytest.raises(TypeError, match="argmax"):
        accuracy(torch.rand(3), [0, 1, 1])
    with pytest.raises(ValueError, match="class ids must be in"):
        confusion_matrix([0, 3], [0, 1], num_labels=2)


def test_bag_of_words_equals_count_vectorizer():
    from sklearn.feature_extraction.text import CountVectorizer

    texts = ["The plot wasn't good.", "The acting was superb, the plot dull.", "Good good GOOD"]
    vocabulary = build_vocabulary(texts)
    vectorizer = CountVectorizer(binary=True, token_pattern=r"[a-z0-9']+", vocabulary=vocabulary)
    expected = torch.as_tensor(vectorizer.fit_transform(texts).toarray(), dtype=torch.float32)
    torch.testing.assert_close(bag_of_words(texts, vocabulary), expected)
    assert accuracy_by_group([1, 0, 1], [1, 1, 1], ["a", "b", "a"]) == {"a": (1.0, 2), "b": (0.0, 1)}


# --- freezing, schedules, early stopping -----------------------------------------------------------------


def test_freezing_really_freezes():
    model = SequenceClassifier(tiny_config(), seed=0)
    frozen = freeze_lower_layers(model, 1)
    lower = ("bert.embeddings", "bert.encoder.layer.0.")
    names = [n for n, p in model.named_parameters() if n.startswith(lower)]
    assert frozen == sum(p.numel() for n, p in model.named_parameters() if n in names)
    before = copy.deepcopy(model.state_dict())
    fine_tune(model, toy_task(32, 0), steps=3, batch_size=8, lr=1e-2, progress=False)
    for name, parameter in model.named_parameters():
        if name in names:
            assert parameter.grad is None and torch.equal(parameter, before[name]), name
        else:
            assert not torch.equal(parameter, before[name]), f"{name} did not train"
    trainable, total = count_parameters(model)
    assert total - trainable == frozen


def test_linear_probe_trains_only_the_head():
    model = SequenceClassifier(tiny_config(), seed=0)
    freeze_body(model)
    trainable, _ = count_parameters(model)
    assert trainable == 32 * 2 + 2


def test_freezing_rejects_unknown_names():
    model = SequenceClassifier(tiny_config(), seed=0)
    with pytest.raises(ValueError, match="no parameter is named 'bert.encoder.layer.9'"):
        freeze(model, ["bert.encoder.layer.9"])
    with pytest.raises(ValueError, match="k must be an int from 0 to 2"):
        freeze_lower_layers(model, 3)


def test_layerwise_learning_rates():
    model = SequenceClassifier(tiny_config(), seed=0)
    groups = layerwise_param_groups(model, lr=1.0, layer_decay=0.5)
    rate = {id(p): g["lr"] for g in groups for p in g["params"]}
    decay = {id(p): g["weight_decay"] for g in groups for p in g["params"]}
    assert rate[id(model.classifier.weight)] == 1.0
    assert rate[id(model.bert.encoder.layer[1].linear1.weight)] == 0.5
    assert rate[id(model.bert.encoder.layer[0].linear1.weight)] == 0.25
    assert rate[id(model.bert.embeddings.word_embeddings.weight)] == 0.125
    assert decay[id(model.classifier.bias)] == 0.0 and decay[id(model.classifier.weight)] == 0.01


def test_fine_tune_learns_and_follows_the_schedule():
    torch.manual_seed(0)
    model = SequenceClassifier(tiny_config(), pooling="mean", seed=0)
    train, validation = toy_task(256, 0), toy_task(64, 1)
    history = fine_tune(
        model, train, validation, steps=60, batch_size=16, lr=3e-3, warmup=0.1, eval_every=20, progress=False
    )
    assert len(history["loss"]) == 60 and len(history["val_accuracy"]) == 3
    assert history["lr"][0] == pytest.approx(3e-3 / 6) and history["lr"][5] == pytest.approx(3e-3)
    assert history["lr"][-1] == pytest.approx(3e-3 / 54)
    assert evaluate(model, validation)["accuracy"] >= 0.9
    assert accuracy(predict(model, validation), validation.labels) == history["val_accuracy"][-1]


def test_early_stopping_restores_the_best_weights():
    torch.manual_seed(0)
    model = SequenceClassifier(tiny_config(), pooling="mean", seed=0)
    train, validation = toy_task(16, 0), toy_task(64, 1)  # 16 examples: it overfits
    history = fine_tune(
        model,
        train,
        validation,
        steps=400,
        batch_size=8,
        lr=1e-2,
        warmup=0.0,
        eval_every=5,
        patience=2,
        progress=False,
    )
    best = min(range(len(history["val_loss"])), key=history["val_loss"].__getitem__)
    assert history["stopped_step"][0] < 400, "the validation loss never rose: no early stop"
    assert history["best_step"][0] == 5 * (best + 1)
    assert evaluate(model, validation)["loss"] == pytest.approx(history["val_loss"][best], abs=1e-6)


# --- data and bad input ------------------------------------------------------------------------------------


def test_batches_pad_dynamically_and_cover_each_epoch():
    data = EncodedDataset([[2, 5, 3], [2, 5, 6, 7, 3], [2, 3], [2, 9, 9, 3]], [0, 1, 0, 1], 2)
    batches = ClassificationBatches(data, batch_size=2, seed=0)
    seen = []
    for step in range(2):
        ids, types, mask, labels = batches(step)
        rows = batches.indices(step)
        seen += rows
        assert ids.shape[1] == max(len(data.input_ids[i]) for i in rows)
        assert mask.sum(1).tolist() == [len(data.input_ids[i]) for i in rows]
        assert labels.tolist() == [data.labels[i] for i in rows]
    assert sorted(seen) == [0, 1, 2, 3]
    ids, _, mask = pad([[1, 2, 3], [4]], pad_id=0)
    assert ids.tolist() == [[1, 2, 3], [4, 0, 0]] and mask.tolist() == [[1, 1, 1], [1, 0, 0]]


def test_encode_with_both_tokenizer_kinds():
    from nlpcourse.pretrained import load_tokenizer
    from nlpcourse.text import train_wordpiece_tokenizer

    texts = ["the plot was good", "the plot was not good at all, not at all, really not"]
    hf = encode(texts, [1, 0], load_tokenizer(), num_labels=2, max_length=8)
    assert hf.input_ids[0] == load_tokenizer()(texts[0])["input_ids"]
    assert len(hf.input_ids[1]) == 8 and hf.input_ids[1][-1] == 102  # cut, [SEP] kept
    raw = train_wordpiece_tokenizer(texts * 5, vocab_size=60)
    ours = encode(texts, [1, 0], raw, num_labels=2, max_length=6)
    assert ours.input_ids[0][0] == raw.token_to_id("[CLS]")
    assert ours.input_ids[1][-1] == raw.token_to_id("[SEP]")
    assert len(ours.input_ids[1]) == 6 and ours.pad_id == raw.token_to_id("[PAD]")


def test_bad_input_gets_clear_errors():
    from nlpcourse.pretrained import load_tokenizer

    tokenizer = load_tokenizer()
    with pytest.raises(ValueError, match="empty"):
        encode([], [], tokenizer, num_labels=2)
    with pytest.raises(ValueError, match=r"labels must be in \[0, 2\), found \[2\]"):
        encode(["a", "b"], [0, 2], tokenizer, num_labels=2)
    with pytest.raises(ValueError, match="empty"):
        fine_tune(SequenceClassifier(tiny_config()), EncodedDataset([], [], 2), steps=1, progress=False)
    model = SequenceClassifier(tiny_config(), num_labels=2)
    ids, types, mask = tiny_batch(batch=2)
    with pytest.raises(ValueError, match=r"labels must be in \[0, 2\)"):
        model(ids, types, mask, torch.tensor([0, 5]))
    with pytest.raises(ValueError, match="pooling must be one of"):
        SequenceClassifier(tiny_config(), pooling="max")
    with pytest.raises(ValueError, match="patience"):
        fine_tune(model, toy_task(8, 0), steps=2, patience=2, progress=False)
