"""Tests for the Chinese toy world (nlpcourse.data.toyworld_zh) and Chinese segmentation
(nlpcourse.text.chinese): the English side equals the English toy world, alignments link words that
translate each other (by a table written here by hand), sentences follow Chinese grammar, the gold
segmentation agrees with jieba, and the segmenter equals jieba on hand-derived values."""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import subprocess
import sys
from collections import Counter

import jieba
import pytest

from nlpcourse.data import (
    ParallelSentence,
    ToyWorld,
    analogies_zh,
    chinese_lexicon,
    parallel_toy_world,
    similarities,
    similarities_zh,
    toy_world_corpus,
    toy_world_corpus_zh,
)
from nlpcourse.data.lexicon import ANIMALS, COUNTRIES, FEMALE_NAMES, FOODS, GENDER_PAIRS, MALE_NAMES
from nlpcourse.data.toyworld_zh import ZH
from nlpcourse.text.chinese import (
    Segmenter,
    backward_max_match,
    forward_max_match,
    is_cjk,
    segment,
    segmentation_prf,
    word_spans,
)

jieba.setLogLevel(logging.WARNING)

# --- hand-written translations (independent of the module's own tables) -----------------------------

NUM = dict(
    zip(
        "one two three four five six seven eight nine ten eleven twelve".split(),
        "一 二 三 四 五 六 七 八 九 十 十一 十二".split(),
        strict=True,
    )
)
COUNT = {**NUM, "two": "两"}
PLACES = {
    "france": "法国",
    "paris": "巴黎",
    "japan": "日本",
    "tokyo": "东京",
    "italy": "意大利",
    "rome": "罗马",
    "germany": "德国",
    "berlin": "柏林",
    "spain": "西班牙",
    "madrid": "马德里",
    "china": "中国",
    "beijing": "北京",
    "russia": "俄罗斯",
    "moscow": "莫斯科",
    "egypt": "埃及",
    "cairo": "开罗",
    "greece": "希腊",
    "athens": "雅典",
    "england": "英格兰",
    "london": "伦敦",
    "portugal": "葡萄牙",
    "lisbon": "里斯本",
    "poland": "波兰",
    "warsaw": "华沙",
}
PEOPLE = {
    "man": "男人",
    "woman": "女人",
    "boy": "男孩",
    "girl": "女孩",
    "king": "国王",
    "queen": "王后",
    "prince": "王子",
    "princess": "公主",
    "father": "父亲",
    "mother": "母亲",
    "son": "儿子",
    "daughter": "女儿",
    "husband": "丈夫",
    "wife": "妻子",
    "uncle": "叔叔",
    "aunt": "姨妈",
}
NOUNS = {
    "dog": "狗",
    "cat": "猫",
    "horse": "马",
    "bird": "鸟",
    "lion": "狮子",
    "mouse": "老鼠",
    "fox": "狐狸",
    "apple": "苹果",
    "banana": "香蕉",
    "cake": "蛋糕",
    "egg": "鸡蛋",
    "potato": "土豆",
    "pear": "梨",
}
PLURALS = {
    "dogs": "狗",
    "cats": "猫",
    "horses": "马",
    "birds": "鸟",
    "lions": "狮子",
    "mice": "老鼠",
    "foxes": "狐狸",
    "apples": "苹果",
    "bananas": "香蕉",
    "cakes": "蛋糕",
    "eggs": "鸡蛋",
    "potatoes": "土豆",
    "pears": "梨",
}
NAMES = {"mary": "玛丽", "john": "约翰", "tom": "汤姆", "anna": "安娜", "lucy": "露西", "peter": "彼得"}
#: English word -> the Chinese words it may be aligned with.
TABLE: dict[str, set[str]] = {
    **{en: {zh} for en, zh in {**PLACES, **PEOPLE, **NOUNS, **PLURALS, **NAMES}.items()},
    "he": {"他"},
    "she": {"她"},
    "his": {"他", "的"},
    "her": {"她", "的"},
    "yesterday": {"昨天"},
    "tomorrow": {"明天"},
    "from": {"来自"},
    "capital": {"首都"},
    "plus": {"加"},
    "minus": {"减"},
    "lives": {"住"},
    "live": {"住"},
    "speak": {"说"},
    "speaks": {"说"},
    "french": {"法语", "法国人"},
    "japanese": {"日语", "日本人"},
    "walked": {"走", "了"},
    "walk": {"走", "散步"},
    "ate": {"吃", "了"},
    "eat": {"吃"},
    "bought": {"买", "了"},
    "drank": {"喝", "了"},
    "with": {"和", "一起"},
    "will": {"会"},
    "can": {"能"},
    "likes": {"喜欢"},
    "last": {"上周"},
    "week": {"上周"},
    "has": {"有"},
    "table": {"桌子"},
    "palace": {"王宫"},
    "crown": {"王冠"},
    "kingdom": {"王国"},
    "rules": {"统治"},
    "become": {"成为"},
    "friend": {"朋友"},
    "children": {"孩子们"},
    "phone": {"电话"},
    "train": {"火车"},
    "music": {"音乐"},
    "in": {"在", "里", "上", "的"},
    "on": {"在", "上", "里"},
    "of": {"的"},
    "and": {"和", "，"},
    "brother": {"弟弟"},
    "sister": {"妹妹"},
    "grandfather": {"爷爷"},
    "grandmother": {"外婆"},
    "family": {"家人"},
    "fed": {"喂", "了"},
    "feeds": {"喂"},
    "loves": {"爱"},
    "lost": {"丢", "了"},
    "went": {"去", "了"},
    "visited": {"参观", "了"},
    "market": {"市场"},
    "box": {"盒子"},
    "said": {"说"},
    "called": {"叫"},
    "people": {
        "人们",
        "人民",
        "法国人",
        "日本人",
        "意大利人",
        "德国人",
        "西班牙人",
        "中国人",
        "俄罗斯人",
        "埃及人",
        "希腊人",
        "英格兰人",
        "葡萄牙人",
        "波兰人",
    },
}
CONTENT = set(PLACES) | set(PEOPLE) | set(NOUNS) | set(PLURALS) | set(NAMES)


@pytest.fixture(scope="module")
def pairs() -> list[ParallelSentence]:
    return parallel_toy_world(4000, seed=0)


@pytest.fixture(scope="module")
def big_vocabulary() -> set[str]:
    return set(toy_world_corpus_zh(20_000, seed=0).counts())


# --- the parallel toy world --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_english_side_is_the_english_toy_world(seed):
    n = 3000 if seed == 0 else 1500
    assert [list(s.en) for s in parallel_toy_world(n, seed)] == ToyWorld(seed).sentences(n)


def test_corpus_keeps_the_english_documents():
    english = toy_world_corpus(1500, seed=3)
    for unit in ("word", "char"):
        chinese = toy_world_corpus_zh(1500, seed=3, unit=unit)
        assert chinese.doc_ids == english.doc_ids and len(chinese) == 1500
        assert chinese.paragraphs == [s.zh_text for s in parallel_toy_world(1500, seed=3)]
    words, chars = toy_world_corpus_zh(500, unit="word"), toy_world_corpus_zh(500, unit="char")
    assert ["".join(s) for s in words.sentences] == ["".join(s) for s in chars.sentences] == words.paragraphs
    assert all(len(c) == 1 for s in chars.sentences for c in s)
    assert words.fingerprint != chars.fingerprint and "unit=char" in chars.name


def test_parallel_world_is_deterministic():
    assert parallel_toy_world(400, seed=5) == parallel_toy_world(400, seed=5)
    assert parallel_toy_world(400, seed=5) != parallel_toy_world(400, seed=6)
    assert toy_world_corpus_zh(300, seed=2).fingerprint == toy_world_corpus_zh(300, seed=2).fingerprint


def test_parallel_sentence_properties_and_frozen():
    s = ParallelSentence(
        ("mary", "has", "three", "cats"), ("玛丽", "有", "三只", "猫"), ((0, 0), (1, 1), (2, 2), (3, 3))
    )
    assert s.en_text == "mary has three cats" and s.zh_text == "玛丽有三只猫"
    assert s.zh_chars == ("玛", "丽", "有", "三", "只", "猫")
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.zh = ()


def test_alignments_point_at_translations(pairs):
    checked, total, wrong = 0, 0, []
    for s in pairs:
        assert all(0 <= i < len(s.en) and 0 <= j < len(s.zh) for i, j in s.alignment), s
        assert list(s.alignment) == sorted(set(s.alignment))
        for i, j in s.alignment:
            total += 1
            if s.en[i] in TABLE:
                checked += 1
                if s.zh[j] not in TABLE[s.en[i]]:
                    wrong.append((s.en_text, s.en[i], s.zh[j]))
            if s.en[i] in NUM:  # a number: the numeral alone (二) or with a measure word (两只)
                checked += 1
                numeral = f"({NUM[s.en[i]]}|{COUNT[s.en[i]]}[只匹头个根块颗杯封首])"
                assert re.fullmatch(numeral, s.zh[j]) or s.zh[j] == "有一天", (s.en_text, s.zh)
        aligned_en = {i for i, _ in s.alignment}
        for i, word in enumerate(s.en):  # content words have a translation; "the" aligns only to 这些
            if word in CONTENT:
                assert i in aligned_en, (s.en_text, word)
            if word == "the":
                assert all(s.zh[j] == "这些" for i2, j in s.alignment if i2 == i), s
    assert not wrong, wrong[:10]
    assert checked / total > 0.65, f"the table checks only {checked} of {total} links"


def test_chinese_follows_chinese_grammar(pairs):
    seen = Counter()
    for s in pairs:
        en, zh = s.en_text, s.zh
        assert "们" not in s.zh_text.replace("他们", "").replace("我们", "").replace("人们", "").replace(
            "孩子们", ""
        ), s  # no plural ending on toy-world nouns: 猫, not 猫们
        if m := re.fullmatch(r"(\w+) plus (\w+) is (\w+)", en):
            assert zh == (NUM[m[1]], "加", NUM[m[2]], "等于", NUM[m[3]])
            seen["plus"] += 1
        if (m := re.fullmatch(r"(\w+) is the capital of (\w+)", en)) and m[1] in PLACES:
            assert zh == (PLACES[m[1]], "是", PLACES[m[2]], "的", "首都")
            seen["capital"] += 1
        if m := re.fullmatch(r"(\w+) is a (man|woman) from (\w+)", en):
            assert zh[1:] == ("是", "来自", PLACES[m[3]], "的", PEOPLE[m[2]])
            seen["from"] += 1
        if m := re.fullmatch(r"(\w+) has (two|three|four|five|six) (dogs|cats|birds|foxes|mice)", en):
            assert zh[1:] == ("有", COUNT[m[2]] + "只", PLURALS[m[3]])
            seen["has"] += 1
        if en.startswith("yesterday ") and not {"liked", "loved"} & set(s.en):  # states take no 了
            assert zh[0] == "昨天" and "了" in zh, s
            seen["yesterday"] += 1
        if en.startswith("tomorrow "):
            assert zh[0] == "明天" and "会" in zh and "了" not in zh, s
            seen["tomorrow"] += 1
    assert min(seen[k] for k in ("plus", "capital", "from", "has", "yesterday", "tomorrow")) >= 3, seen


def test_jieba_with_the_toy_lexicon_recovers_the_gold_words(pairs):
    lexicon = chinese_lexicon()
    assert {w for s in pairs for w in s.zh} <= set(lexicon)
    tokenizer = jieba.Tokenizer()
    for word in lexicon:
        tokenizer.add_word(word)
    # HMM off: the vocabulary is closed, so no new-word discovery
    agree = sum(tuple(tokenizer.cut(s.zh_text, HMM=False)) == s.zh for s in pairs[:2000])
    assert agree / 2000 >= 0.95, agree / 2000


def test_gold_sets_use_corpus_words(big_vocabulary):
    analogies = analogies_zh()
    assert set(analogies) == {"gender", "capital", "nationality"}
    assert ("男人", "女人", "国王", "王后") in analogies["gender"]
    assert ("巴黎", "法国", "东京", "日本") in analogies["capital"]
    assert ("法国", "法语", "日本", "日语") in analogies["nationality"]
    assert len(analogies["gender"]) == len(GENDER_PAIRS) * (len(GENDER_PAIRS) - 1)
    assert len(analogies["capital"]) == len(COUNTRIES) * (len(COUNTRIES) - 1)
    for quads in analogies.values():
        for quad in quads:
            assert set(quad) <= big_vocabulary, quad
    sims = similarities_zh()
    assert ("国王", "王后", 0.8) in sims
    assert all(a != b and {a, b} <= big_vocabulary for a, b, _ in sims)
    assert len(sims) == len(similarities()) - sum(score == 0.9 for *_, score in similarities())


def test_lexicon_translations_are_distinct():
    for group in (
        [a for a, _ in ANIMALS],
        [f for f, _ in FOODS],
        [c for c, _, _ in COUNTRIES],
        [c for _, c, _ in COUNTRIES],
        [lang for *_, lang in COUNTRIES],
        MALE_NAMES + FEMALE_NAMES,
        [w for pair in GENDER_PAIRS for w in pair],
    ):
        assert len({ZH[w] for w in group}) == len(group), group


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: parallel_toy_world(0), ValueError),
        (lambda: parallel_toy_world(10, seed="0"), TypeError),
        (lambda: toy_world_corpus_zh(10, unit="bpe"), ValueError),
        (lambda: toy_world_corpus_zh(-1), ValueError),
    ],
)
def test_bad_arguments(call, error):
    with pytest.raises(error):
        call()


# --- segmentation (nlpcourse.text.chinese) ------------------------------------------------------------

TEXTS = [
    "我爱自然语言处理",
    "南京市长江大桥",
    "结婚的和尚未结婚的",
    "他来到了网易杭研大厦",
    "小明硕士毕业于中国科学院计算所，后在日本京都大学深造",
    "玛丽是来自日本的女人",
]


@pytest.mark.parametrize("text", TEXTS)
def test_segment_equals_jieba(text):
    assert segment(text) == jieba.lcut(text)
    assert segment(text, mode="search") == jieba.lcut_for_search(text)
    assert "".join(segment(text)) == text


def test_segment_hand_derived_values():
    assert segment("南京市长江大桥") == ["南京市", "长江大桥"]
    assert segment("中华人民共和国", mode="search") == [
        "中华",
        "华人",
        "人民",
        "共和",
        "共和国",
        "中华人民共和国",
    ]
    assert segment("我们 学习 NLP") == ["我们", "学习", "NLP"]  # spaces are never tokens
    assert segment("我们学习NLP和BERT模型，3.14 ok", mode="char") == [
        "我",
        "们",
        "学",
        "习",
        "NLP",
        "和",
        "BERT",
        "模",
        "型",
        "，",
        "3",
        ".",
        "14",
        "ok",
    ]
    assert segment("", mode="word") == [] and segment("  ", mode="char") == []


def test_segmenter_user_words_are_its_own():
    plain, toy = Segmenter(hmm=False), Segmenter(["汤姆去", "王后"], hmm=False)
    assert toy.segment("汤姆去北京") == ["汤姆去", "北京"]
    assert plain.segment("汤姆去北京") == ["汤姆", "去", "北京"] == segment("汤姆去北京")


def test_segment_initialises_quietly_and_caches_in_the_data_dir(tmp_path):
    code = "from nlpcourse.text.chinese import segment; print(segment('我爱自然语言处理'))"
    env = {**os.environ, "NLPCOURSE_DATA": str(tmp_path)}
    for _ in range(2):  # first run writes the cache, the second reads it: both silent
        result = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0 and result.stderr == "", result.stderr
        assert result.stdout.strip() == "['我', '爱', '自然语言', '处理']"
    assert [p.name for p in (tmp_path / "jieba").iterdir()] == ["jieba.cache"]
    # a data folder that cannot be created: the cache goes to the temporary folder, still silently
    env["NLPCOURSE_DATA"] = str(tmp_path / "jieba" / "jieba.cache" / "below-a-file")
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr


@pytest.mark.parametrize(
    "char, expected",
    [
        ("语", True),
        ("龘", True),
        ("㐀", True),
        ("𠀀", True),
        ("，", False),
        ("a", False),
        ("7", False),
        ("の", False),
        ("한", False),
        ("。", False),
    ],
)
def test_is_cjk(char, expected):
    assert is_cjk(char) is expected


def test_max_match_hand_derived():
    words = {"结婚", "和尚", "尚未", "的"}
    assert forward_max_match("结婚的和尚未结婚的", words) == ["结婚", "的", "和尚", "未", "结婚", "的"]
    assert backward_max_match("结婚的和尚未结婚的", words) == ["结婚", "的", "和", "尚未", "结婚", "的"]
    bridge = {"南京", "南京市", "市长", "长江", "大桥", "长江大桥"}
    assert forward_max_match("南京市长江大桥", bridge) == ["南京市", "长江大桥"]
    assert forward_max_match("南京市长江大桥", bridge, max_len=2) == ["南京", "市长", "江", "大桥"]
    assert backward_max_match("南京市长江大桥", bridge) == ["南京市", "长江大桥"]
    assert forward_max_match("abc", set()) == ["a", "b", "c"] and forward_max_match("", {"x"}) == []


def test_segmentation_prf_hand_derived():
    got = segmentation_prf(["南京市", "长江大桥"], ["南京", "市", "长江大桥"])
    assert got == pytest.approx((1 / 3, 1 / 2, 0.4))
    assert segmentation_prf(["a", "bc"], ["a", "bc"]) == (1.0, 1.0, 1.0)
    assert segmentation_prf(["ab"], ["a", "b"]) == (0.0, 0.0, 0.0)
    assert word_spans(["南京市", "长江大桥"]) == {(0, 3), (3, 7)}


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: segment(b"\xe4\xbd\xa0"), TypeError),
        (lambda: segment(["你好"]), TypeError),
        (lambda: segment(None), TypeError),
        (lambda: segment("你好", mode="bpe"), ValueError),
        (lambda: is_cjk("你好"), ValueError),
        (lambda: is_cjk(20320), TypeError),
        (lambda: is_cjk(""), ValueError),
        (lambda: forward_max_match("你好", "你好"), TypeError),
        (lambda: forward_max_match(3, {"a"}), TypeError),
        (lambda: backward_max_match("你好", {"你"}, max_len=0), ValueError),
        (lambda: segmentation_prf(["ab"], ["a", "c"]), ValueError),
        (lambda: Segmenter("王后"), TypeError),
        (lambda: Segmenter(["王 后"]), ValueError),
    ],
)
def test_chinese_bad_input(call, error):
    with pytest.raises(error):
        call()


# --- chapter 09: attention against the gold alignment ---------------------------------------------


def test_gold_alignment_marks_each_character_of_an_aligned_word():
    import torch

    from nlpcourse.data import parallel_toy_world
    from nlpcourse.translation.alignment import agreement, gold_alignment

    for sentence in parallel_toy_world(20, seed=3):
        gold = gold_alignment(sentence)
        assert gold.shape == (len(sentence.zh_text) + 1, len(sentence.en) + 1)
        assert gold[-1].sum() == 0 and gold[:, -1].sum() == 0
        starts = [sum(len(w) for w in sentence.zh[:j]) for j in range(len(sentence.zh))]
        expected = {(starts[j] + c, i) for i, j in sentence.alignment for c in range(len(sentence.zh[j]))}
        assert {tuple(x) for x in gold.nonzero().tolist()} == expected
        # attention that copies the gold alignment (rows normalised) agrees fully; uniform attention less
        rows = gold[:-1][gold[:-1].sum(-1) > 0]
        assert agreement(rows / rows.sum(-1, keepdim=True), rows) == pytest.approx(1.0)
        uniform = torch.full_like(rows, 1 / rows.shape[1])
        assert agreement(uniform, rows) == pytest.approx(float(rows.sum(-1).mean()) / rows.shape[1], abs=1e-6)
    with pytest.raises(ValueError, match="differ in shape"):
        agreement(torch.ones(2, 3), torch.ones(3, 2))
