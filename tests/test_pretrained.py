"""nlpcourse.pretrained: the packaged all-MiniLM-L6-v2 in transformers and in our own BERT, offline."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import torch

from nlpcourse import pretrained
from nlpcourse.pretrained import (
    OfflineError,
    checkpoint_dir,
    load_bert,
    load_model,
    load_tokenizer,
    mean_pooling,
    packaged_checkpoint,
    sentence_embeddings,
)
from nlpcourse.pretraining import BertConfig, BertForPreTraining, BertModel

ATOL = 1e-4  # the acceptance bound; the measured difference is ~1e-6 or 0
SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Hi!",
    "Pretrained language models learn general representations from unlabelled text.",
    "A man is playing a guitar on the street, and people are listening.",
    "unaffable tokenization of rare words",
]


@pytest.fixture(autouse=True)
def _threads() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def minilm():
    """(tokenizer, transformers BertModel, the same with eager attention, our BertModel), from the package."""
    return load_tokenizer(), load_model(), load_model(attentions=True), load_bert()


def test_packaged_checkpoint_is_found_by_importlib():
    folder = packaged_checkpoint()
    assert folder.name == "model" and folder.parent.name == pretrained.PACKAGE
    for name in ("config.json", "model.safetensors", "vocab.txt"):
        assert (folder / name).is_file(), name
    assert checkpoint_dir() == folder == checkpoint_dir(pretrained.DEFAULT_CHECKPOINT)
    assert json.loads((folder / "config.json").read_text())["num_hidden_layers"] == 6


def test_our_bert_equals_transformers_on_minilm_with_padding(minilm):
    tokenizer, theirs, eager, ours = minilm
    assert isinstance(ours, BertModel) and not ours.training
    batch = tokenizer(SENTENCES, padding=True, return_tensors="pt")
    assert (batch["attention_mask"] == 0).any(), "the batch must contain padding"
    with torch.no_grad():
        got = ours(**batch)
        for model in (theirs, eager):
            expected = model(**batch)
            # every position, padding included, and the pooler
            torch.testing.assert_close(got.last_hidden_state, expected.last_hidden_state, atol=ATOL, rtol=0)
            torch.testing.assert_close(got.pooler_output, expected.pooler_output, atol=ATOL, rtol=0)


def test_our_bert_equals_transformers_on_sentence_pairs(minilm):
    tokenizer, theirs, _, ours = minilm
    batch = tokenizer(SENTENCES[:3], SENTENCES[2:], padding=True, return_tensors="pt")
    assert batch["token_type_ids"].any()
    with torch.no_grad():
        expected = theirs(**batch)
        got = ours(**batch)
    torch.testing.assert_close(got.last_hidden_state, expected.last_hidden_state, atol=ATOL, rtol=0)
    torch.testing.assert_close(got.pooler_output, expected.pooler_output, atol=ATOL, rtol=0)


def test_automodel_is_the_same_bert(minilm):
    from transformers import AutoModel

    tokenizer, _, _, ours = minilm
    auto = AutoModel.from_pretrained(str(packaged_checkpoint())).eval()
    assert type(auto).__name__ == "BertModel"
    batch = tokenizer(SENTENCES, padding=True, return_tensors="pt")
    with torch.no_grad():
        torch.testing.assert_close(
            ours(**batch).last_hidden_state, auto(**batch).last_hidden_state, atol=ATOL, rtol=0
        )


def test_attention_maps_equal_transformers(minilm):
    tokenizer, _, theirs, ours = minilm
    batch = tokenizer(SENTENCES[:2], padding=True, return_tensors="pt")
    with torch.no_grad():
        expected = theirs(**batch, output_attentions=True).attentions
        ours(**batch, need_weights=True)
    maps = ours.attention_maps()
    assert len(maps) == len(expected) == 6
    for got, want in zip(maps, expected, strict=True):
        assert got.shape == (2, 12, batch["input_ids"].shape[1], batch["input_ids"].shape[1])
        torch.testing.assert_close(got, want, atol=ATOL, rtol=0)


def test_tokenizer_is_wordpiece_with_bert_specials(minilm):
    tokenizer = minilm[0]
    assert type(tokenizer).__name__ == "BertTokenizer"
    assert tokenizer.tokenize("unaffable") == ["una", "##ffa", "##ble"]
    ids = tokenizer("Hello world")["input_ids"]
    assert ids[0] == tokenizer.cls_token_id == 101 and ids[-1] == tokenizer.sep_token_id == 102


def test_mean_pooling_ignores_padding():
    hidden = torch.randn(2, 5, 8)
    mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])
    pooled = mean_pooling(hidden, mask)
    torch.testing.assert_close(pooled[0], hidden[0, :3].mean(0))
    torch.testing.assert_close(pooled[1], hidden[1].mean(0))
    garbage = hidden.clone()
    garbage[0, 3:] = 1e6  # padding vectors must not matter
    torch.testing.assert_close(mean_pooling(garbage, mask), pooled)
    with pytest.raises(ValueError, match="attention_mask"):
        mean_pooling(hidden, mask[:, :4])


def test_sentence_embeddings_ours_equal_theirs_and_make_sense(minilm):
    tokenizer, theirs, _, ours = minilm
    texts = ["A man is playing a guitar.", "Someone plays the guitar.", "The stock market fell today."]
    expected = sentence_embeddings(texts, tokenizer, theirs, batch_size=2)
    got = sentence_embeddings(texts, tokenizer, ours, batch_size=2)
    torch.testing.assert_close(got, expected, atol=ATOL, rtol=0)
    torch.testing.assert_close(got.norm(dim=-1), torch.ones(3))
    similarity = got @ got.T
    assert similarity[0, 1] > 0.5 > similarity[0, 2]


def test_unknown_hub_name_fails_at_once_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    start = time.perf_counter()
    with pytest.raises(OfflineError, match="bert-base-uncased.*HF_HUB_OFFLINE=1 is set"):
        load_model("bert-base-uncased")
    with pytest.raises(OfflineError, match="all-MiniLM-L6-v2"):
        load_bert("bert-base-uncased")
    assert time.perf_counter() - start < 2.0


def test_folder_without_config_is_rejected(tmp_path):
    with pytest.raises(FileNotFoundError, match="config.json"):
        checkpoint_dir(tmp_path)


def _tiny_pretraining_checkpoint(folder):
    """A transformers BertForPreTraining saved with save_pretrained: keys under bert. and cls."""
    from transformers import BertConfig as HFBertConfig
    from transformers import BertForPreTraining as HFBertForPreTraining

    torch.manual_seed(0)
    config = HFBertConfig(
        vocab_size=99,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=37,
        max_position_embeddings=16,
        attn_implementation="eager",
    )
    model = HFBertForPreTraining(config).eval()
    model.save_pretrained(folder)
    return model


def test_local_pretraining_checkpoint_loads_with_heads(tmp_path):
    theirs = _tiny_pretraining_checkpoint(tmp_path)
    ids = torch.randint(5, 99, (3, 7))
    mask = torch.tensor([[1] * 7, [1] * 4 + [0] * 3, [1] * 2 + [0] * 5])
    with torch.no_grad():
        expected = theirs(input_ids=ids, attention_mask=mask)
        ours = load_bert(tmp_path, pretraining=True)
        assert isinstance(ours, BertForPreTraining)
        output, _ = ours(ids, attention_mask=mask)
        body = load_bert(tmp_path)  # the body only: bert. prefix and heads dropped
        hidden = body(ids, attention_mask=mask).last_hidden_state
    torch.testing.assert_close(output.mlm_logits, expected.prediction_logits, atol=1e-5, rtol=0)
    torch.testing.assert_close(output.nsp_logits, expected.seq_relationship_logits, atol=1e-5, rtol=0)
    torch.testing.assert_close(
        hidden, theirs.bert(input_ids=ids, attention_mask=mask).last_hidden_state, atol=1e-5, rtol=0
    )
    with pytest.raises(ValueError, match="no pretraining heads"):
        load_bert(pretraining=True)


def test_legacy_gamma_beta_pytorch_checkpoint(tmp_path):
    """Old checkpoints (bert-base-uncased's pytorch_model.bin) say LayerNorm.gamma / .beta."""
    theirs = _tiny_pretraining_checkpoint(tmp_path / "modern")
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "config.json").write_text((tmp_path / "modern" / "config.json").read_text())
    state = {
        k.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta"): v
        for k, v in theirs.state_dict().items()
    }
    torch.save(state, legacy / "pytorch_model.bin")
    ids = torch.randint(5, 99, (2, 6))
    with torch.no_grad():
        got = load_bert(legacy)(ids).last_hidden_state
        torch.testing.assert_close(got, theirs.bert(input_ids=ids).last_hidden_state, atol=1e-5, rtol=0)


def test_cached_hub_checkpoint_is_used_offline(tmp_path, monkeypatch):
    """A hub name found in the Hugging Face cache loads with no network."""
    import huggingface_hub.constants as constants

    _tiny_pretraining_checkpoint(tmp_path / "files")
    repo = tmp_path / "hub" / "models--someone--tiny-bert"
    commit = "0" * 40
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    (repo / "snapshots").mkdir()
    (tmp_path / "files").rename(repo / "snapshots" / commit)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert checkpoint_dir("someone/tiny-bert") == repo / "snapshots" / commit
    config = BertConfig.from_json(repo / "snapshots" / commit / "config.json")
    assert load_bert("someone/tiny-bert").config == config
