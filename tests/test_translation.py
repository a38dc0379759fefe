"""Tests for nlpcourse.translation: BLEU equal to sacrebleu, tokenizers, batching, metrics, the
translator on the shared loop, and the MiniLM encoder equal to transformers' BertModel."""

from __future__ import annotations

import math
import random

import pytest
import sacrebleu
import torch

from nlpcourse.data.numbers import chinese_number
from nlpcourse.translation import (
    BOS,
    EOS,
    PAD,
    UNK,
    CharVocab,
    SourceTokenizer,
    bleu,
    brevity_penalty,
    build_translator,
    category,
    chrf,
    encode_pairs,
    exact_match,
    length_batches,
    modified_precision,
    padding_share,
    scores_by_category,
    tokenize_zh,
    train_translator,
    wordpiece_unknowns,
)

ALPHABET = "零一二三四五六七八九十百千万年月日0123456789 ab,."


def sacre(hypotheses: list[str], references: list[str]) -> float:
    return sacrebleu.corpus_bleu(hypotheses, [references], tokenize="zh").score


@pytest.mark.parametrize("seed", range(5))
def test_bleu_equals_sacrebleu_on_random_corpora(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(60):
        n = rng.randint(1, 8)
        refs = ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 14))) for _ in range(n)]
        # hypotheses: a mix of noisy copies of the reference and random strings
        hyps = [
            r[: rng.randint(0, len(r))] + "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 4)))
            if rng.random() < 0.7
            else "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 14)))
            for r in refs
        ]
        assert bleu(hyps, refs) == pytest.approx(sacre(hyps, refs), abs=1e-6)


@pytest.mark.parametrize(
    "hyps, refs",
    [
        ([""], ["三百一十二"]),  # empty hypothesis
        (["", ""], ["一", "二"]),
        (["四五六"], ["一二三"]),  # no overlap
        (["一"], ["一"]),  # one-character reference: no bigrams at all
        (["一", "二"], ["一", "三"]),
        (["三百一十二"], ["三百一十二"]),  # perfect
        (["三百二十一"], ["三百一十二"]),  # same characters, another number
        (["2021年3月5日"], ["2021年3月15日"]),
        (["一二一二一二"], ["一二"]),  # clipping
        (["hello world"], ["hello there world"]),  # non-Chinese text goes through the 13a rules
    ],
)
def test_bleu_equals_sacrebleu_on_edge_cases(hyps: list[str], refs: list[str]) -> None:
    assert bleu(hyps, refs) == pytest.approx(sacre(hyps, refs), abs=1e-6)


def test_bleu_parts_by_hand() -> None:
    assert tokenize_zh("2021年3月5日") == ["2021", "年", "3", "月", "5", "日"]
    # "的的的的" against "的猫": 4 unigrams, clipped to the one 的 of the reference
    assert modified_precision(list("的的的的"), list("的猫"), 1) == (1, 4)
    assert modified_precision(list("三百一十二"), list("三百二十一"), 2) == (1, 4)  # only 三百 matches
    assert brevity_penalty(5, 5) == 1.0 and brevity_penalty(7, 5) == 1.0
    assert brevity_penalty(4, 5) == pytest.approx(math.exp(1 - 5 / 4))
    assert brevity_penalty(0, 5) == 0.0
    # one sentence, 5 of 6 unigrams, 3/5 bigrams, 2/4 trigrams, 1/3 4-grams right, no brevity penalty
    hyp, ref = "一二三四五六", "一二三四五七"
    expected = 100 * math.exp((math.log(5 / 6) + math.log(4 / 5) + math.log(3 / 4) + math.log(2 / 3)) / 4)
    assert bleu([hyp], [ref]) == pytest.approx(expected, abs=1e-9)


def test_bleu_rejects_bad_input() -> None:
    with pytest.raises(TypeError, match="lists of strings"):
        bleu("一二", "一二")
    with pytest.raises(ValueError, match="one reference per hypothesis"):
        bleu(["一"], ["一", "二"])


def test_chrf_and_exact_match() -> None:
    hyps, refs = ["三百一十二", "十"], ["三百一十二", "一十"]
    assert exact_match(hyps, refs) == 0.5
    assert chrf(hyps, refs) == sacrebleu.corpus_chrf(hyps, [refs]).score
    with pytest.raises(ValueError, match="no sentences"):
        exact_match([], [])


def test_char_vocab_round_trip_and_errors() -> None:
    vocab = CharVocab()
    text = chinese_number(20019) + "2021年3月5日"
    ids = vocab.encode(text)
    assert vocab.decode([BOS, *ids, EOS, 7, 7]) == text  # stops at eos
    assert min(ids) >= 4 and len(ids) == len(text)
    with pytest.raises(ValueError, match="not in the target vocabulary"):
        vocab.encode("三百两")
    tgt_in, tgt_out = vocab.teacher_forcing(["十", "三百"])
    assert tgt_in.tolist() == [[BOS, vocab.stoi["十"], PAD], [BOS, vocab.stoi["三"], vocab.stoi["百"]]]
    assert tgt_out.tolist() == [[vocab.stoi["十"], EOS, PAD], [vocab.stoi["三"], vocab.stoi["百"], EOS]]


def test_source_tokenizer() -> None:
    tok = SourceTokenizer.from_sentences(["twenty-one", "March 5, 2021"])
    assert SourceTokenizer.split("March 5, 2021") == ["March", "5", ",", "2", "0", "2", "1"]
    assert tok.tokens("three hundred and forty-five") == [
        "three",
        "hundred",
        "and",
        "forty",
        "-",
        "five",
        "<eos>",
    ]
    assert tok.encode("zebra")[0] == UNK
    batch = tok(["one", "twenty-one"])
    assert batch.shape == (2, 4) and batch[0, 2] == PAD
    with pytest.raises(TypeError, match="list of sentences"):
        tok("one")


def test_minilm_wordpiece_has_no_chinese_number_units() -> None:
    from nlpcourse.pretrained import load_tokenizer

    unknown = wordpiece_unknowns(load_tokenizer())
    assert {"百", "零", "万"} <= set(unknown)
    assert "一" not in unknown and "5" not in unknown


def examples(n: int) -> list[dict[str, str]]:
    from nlpcourse.data.translation import translation_pair

    return [translation_pair(v) for v in range(n)]


def test_length_batches_cover_the_data_and_cut_padding() -> None:
    data = examples(300)
    tok, vocab = SourceTokenizer.from_sentences(e["en"] for e in data), CharVocab()
    pairs = encode_pairs([e["en"] for e in data], [e["zh"] for e in data], tok, vocab)
    batches = length_batches(pairs, 32, seed=0)
    seen = []
    for _ in range(math.ceil(300 / 32)):  # one pass
        src, tgt_in, tgt_out = next(batches)
        shifted = tgt_out[:, :-1].masked_fill(tgt_out[:, :-1] == EOS, PAD)  # y_1 .. y_T: tgt_in after bos
        assert (tgt_in[:, 0] == BOS).all() and torch.equal(tgt_in[:, 1:], shifted)
        seen += [tuple(r[r != PAD].tolist()) for r in src]
    assert sorted(seen) == sorted(tuple(s) for s in pairs.src)
    by_length = padding_share(length_batches(pairs, 32, seed=1), 20)
    shuffled = padding_share(length_batches(pairs, 32, seed=1, by_length=False), 20)
    assert by_length < shuffled / 2


def test_categories_and_scores_by_category() -> None:
    import datetime

    from nlpcourse.data.translation import translation_pair

    cases = [
        translation_pair(312),
        translation_pair(101),
        translation_pair(20019),
        translation_pair(datetime.date(2021, 3, 5)),
    ]
    assert [category(c) for c in cases] == ["plain number", "with 零", "with 万", "date"]
    table = scores_by_category(cases, ["三百一十二", "一百一", "二万零一十九", "2021年3月5日"])
    assert table["with 零"]["exact match"] == 0.0 and table["date"]["exact match"] == 100.0
    assert table["all"]["exact match"] == 75.0 and table["all"]["n"] == 4.0
    hyps = ["三百一十二", "一百一", "二万零一十九", "2021年3月5日"]
    assert table["all"]["BLEU"] == pytest.approx(sacre(hyps, [c["zh"] for c in cases]))


def test_translator_trains_on_the_shared_loop() -> None:
    data = examples(200)
    translator = build_translator(
        data, d_model=32, num_heads=2, d_ff=64, num_encoder_layers=1, num_decoder_layers=1
    )
    history = train_translator(translator, data, steps=60, batch_size=32, lr=3e-3, progress=False)
    assert len(history["loss"]) == 60 and "grad_norm" in history
    assert sum(history["loss"][-10:]) < 0.6 * sum(history["loss"][:10])
    out = translator.translate(["twelve", "three hundred"], beam_size=2)
    assert len(out) == 2 and all(isinstance(o, str) for o in out)
    source, target, maps = translator.cross_attention("twelve", "十二")
    assert source == ["twelve", "<eos>"] and target == ["十", "二", "<eos>"]
    assert maps[0].shape == (2, 3, 2)
    with pytest.raises(TypeError, match="list of sentences"):
        translator.translate("twelve")


def test_minilm_encoder_equals_transformers_hidden_states() -> None:
    from nlpcourse.pretrained import load_model
    from nlpcourse.translation.minilm import build_minilm_translator

    translator = build_minilm_translator(d_model=32, num_heads=2, d_ff=64, num_decoder_layers=1, layers=2)
    encoder = translator.model.encoder
    sentences = ["three hundred and twelve", "March 5, 2021"]
    src = torch.nn.utils.rnn.pad_sequence(
        [torch.tensor(translator.source.encode(s)) for s in sentences], batch_first=True
    )
    mask = (src != PAD)[:, None, None, :]
    features = encoder.features(src, mask)
    bert = load_model()
    with torch.no_grad():
        expected = bert(input_ids=src, attention_mask=(src != PAD).long(), output_hidden_states=True)
    hidden = expected.hidden_states[2]  # after two layers
    keep = src != PAD
    torch.testing.assert_close(features[keep], hidden[keep], atol=1e-4, rtol=1e-4)
    assert len(encoder.cache) == 2
    torch.testing.assert_close(encoder.features(src, mask)[keep], hidden[keep], atol=1e-4, rtol=1e-4)
    trainable = {n for n, p in translator.model.named_parameters() if p.requires_grad}
    assert "encoder.proj.weight" in trainable and not any(n.startswith("encoder.layer") for n in trainable)
