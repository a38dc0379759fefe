"""Tests for nlpcourse.data: determinism, sizes, labels correct by construction (re-derived by
independent checkers), the number converters on hand-derived values, offline hub loaders, bad input."""

from __future__ import annotations

import datetime
import json
import os
import re
import sys
import time
from collections import Counter

import pytest

from nlpcourse.data import (
    Corpus,
    OfflineError,
    ToyWorld,
    analogies,
    chinese_date,
    chinese_number,
    docstring_corpus,
    english_date,
    english_number,
    hub,
    load_hub_dataset,
    nsp_dataset,
    qa_dataset,
    sentiment_dataset,
    similarities,
    topic_dataset,
    toy_world_corpus,
    translation_dataset,
)
from nlpcourse.data import docstrings as docstrings_module
from nlpcourse.data.nsp import _documents
from nlpcourse.data.sentiment import NEGATIVE, POSITIVE

SMALL = (300, 50, 50)


# --- Corpus ----------------------------------------------------------------------------------------


def test_corpus_from_texts_counts_and_fingerprint():
    corpus = Corpus.from_texts(["The cat sat.", "A dog barked."], name="pets")
    assert corpus.sentences == [["the", "cat", "sat", "."], ["a", "dog", "barked", "."]]
    assert corpus.num_tokens == 8 and len(corpus) == 2
    assert corpus.counts()["."] == 2
    assert corpus.tokens[:3] == ["the", "cat", "sat"]
    assert len(corpus.fingerprint) == 64
    assert corpus.fingerprint == Corpus.from_texts(["The cat sat.", "A dog barked."]).fingerprint
    assert corpus.fingerprint != Corpus.from_texts(["The cat sat.", "A dog barked!"]).fingerprint
    assert corpus.fingerprint[:12] in repr(corpus) and corpus.fingerprint[:12] in corpus.describe()
    assert "2 paragraphs" in corpus.describe()


def test_corpus_split_is_deterministic_disjoint_and_complete():
    corpus = Corpus.from_texts([f"text number {i}" for i in range(100)])
    train, valid, test = corpus.split((0.8, 0.1, 0.1), seed=3)
    assert (len(train), len(valid), len(test)) == (80, 10, 10)
    assert sorted(train.paragraphs + valid.paragraphs + test.paragraphs) == sorted(corpus.paragraphs)
    again = corpus.split((0.8, 0.1, 0.1), seed=3)
    assert [p.fingerprint for p in again] == [train.fingerprint, valid.fingerprint, test.fingerprint]
    assert corpus.split((0.8, 0.1, 0.1), seed=4).test.fingerprint != test.fingerprint
    assert train.name.endswith("/train")


@pytest.mark.parametrize("bad", [[], ["a"] * 0])
def test_empty_corpus_raises(bad):
    with pytest.raises(ValueError, match="empty"):
        Corpus.from_texts(bad)


@pytest.mark.parametrize(
    "texts, error",
    [
        ("one text", TypeError),
        (["fine", 3], TypeError),
        ([b"bytes"], TypeError),
        ([None], TypeError),
    ],
)
def test_corpus_rejects_non_string_text(texts, error):
    with pytest.raises(error, match="str"):
        Corpus.from_texts(texts)


@pytest.mark.parametrize("fractions", [(0.5, 0.5), (0.8, 0.1, 0.2), (1.0, 0.0, 0.0), (-0.1, 0.6, 0.5)])
def test_corpus_split_rejects_bad_fractions(fractions):
    corpus = Corpus.from_texts([f"t {i}" for i in range(20)])
    with pytest.raises(ValueError, match="fractions"):
        corpus.split(fractions)


def test_corpus_split_too_small_raises():
    with pytest.raises(ValueError, match="too few"):
        Corpus.from_texts(["one", "two"]).split((0.8, 0.1, 0.1))


# --- the docstring corpus ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def docstring_cache(tmp_path_factory):
    """A fresh course data directory, so the first call extracts and the second reads the cache."""
    folder = tmp_path_factory.mktemp("nlpcourse-data")
    old = os.environ.get("NLPCOURSE_DATA")
    os.environ["NLPCOURSE_DATA"] = str(folder)
    start = time.perf_counter()
    first = docstring_corpus()
    seconds = time.perf_counter() - start
    yield folder, first, seconds
    if old is None:
        del os.environ["NLPCOURSE_DATA"]
    else:
        os.environ["NLPCOURSE_DATA"] = old


def test_docstring_corpus_size_in_expected_range(docstring_cache):
    _, corpus, seconds = docstring_cache
    frequent = sum(1 for c in corpus.counts().values() if c >= 5)
    print(f"\n{corpus.describe()}; extracted in {seconds:.1f} s")
    assert 12_000 <= len(corpus.paragraphs) <= 20_000
    assert 200_000 <= corpus.num_tokens <= 360_000
    assert 3_000 <= frequent <= 4_500
    assert all(t == t.lower() and re.match(r"\w", t) for t in corpus.tokens[:20_000])
    assert corpus.counts().most_common(1)[0][0] == "the"


def test_docstring_corpus_cache_equals_fresh_extraction(docstring_cache):
    folder, first, _ = docstring_cache
    files = sorted(p.name for p in folder.iterdir())
    assert len(files) == 1 and not files[0].endswith(".tmp"), files
    name = files[0]
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in name
    assert f"-v{docstrings_module.EXTRACTION_VERSION}" in name
    cached = docstring_corpus()
    fresh = docstring_corpus(use_cache=False)
    assert cached.fingerprint == first.fingerprint == fresh.fingerprint
    assert cached.doc_ids == fresh.doc_ids


def test_docstring_corpus_rebuilds_a_corrupt_cache(docstring_cache):
    folder, first, _ = docstring_cache
    path = next(folder.iterdir())
    path.write_text("{not json", encoding="utf-8")
    assert docstring_corpus().fingerprint == first.fingerprint
    assert json.loads(path.read_text(encoding="utf-8"))["version"] == docstrings_module.EXTRACTION_VERSION


def test_docstring_corpus_keeps_punctuation_on_request(docstring_cache):
    _, words_only, _ = docstring_cache
    with_punctuation = docstring_corpus(keep_punctuation=True)
    assert with_punctuation.num_tokens > words_only.num_tokens
    assert with_punctuation.paragraphs == words_only.paragraphs


# --- the toy world ----------------------------------------------------------------------------------


def test_toy_world_is_deterministic_per_seed():
    a, b, c = toy_world_corpus(2000, seed=0), toy_world_corpus(2000, seed=0), toy_world_corpus(2000, seed=1)
    assert a.fingerprint == b.fingerprint
    assert a.fingerprint != c.fingerprint
    assert len(a) == 2000 and len(a.doc_ids) == 2000
    assert ToyWorld(5).sentences(7) == ToyWorld(5).sentences(7)
    assert len(ToyWorld(5).sentences(7)) == 7


def test_toy_world_gold_sets_use_corpus_words():
    vocabulary = set(toy_world_corpus(20_000, seed=0).counts())
    gold = analogies()
    assert set(gold) == {"gender", "capital", "nationality", "plural", "past_tense"}
    assert ("man", "woman", "king", "queen") in gold["gender"]
    assert ("paris", "france", "tokyo", "japan") in gold["capital"]
    assert ("walk", "walked", "go", "went") in gold["past_tense"]
    assert ("dog", "dogs", "cat", "cats") in gold["plural"]
    missing = {w for quads in gold.values() for q in quads for w in q} - vocabulary
    assert not missing, f"analogy words never generated: {sorted(missing)}"
    pairs = similarities()
    assert len(pairs) >= 100 and len({(a, b) for a, b, _ in pairs}) == len(pairs)
    assert all(0 <= s <= 1 and a != b for a, b, s in pairs)
    assert not {w for a, b, _ in pairs for w in (a, b)} - vocabulary
    assert similarities() == pairs


def test_toy_world_relations_show_in_cooccurrence():
    """A word2vec-free sanity check: facts co-occur far more often than non-facts."""
    corpus = toy_world_corpus(20_000, seed=0)
    together = Counter()
    for sentence in corpus.sentences:
        words = set(sentence)
        together.update((a, b) for a in words for b in words if a < b)

    def count(a, b):
        return together[(min(a, b), max(a, b))]

    countries = [("france", "paris"), ("japan", "tokyo"), ("italy", "rome"), ("egypt", "cairo")]
    for country, capital in countries:
        wrong = [c for _, c in countries if c != capital]
        assert count(country, capital) > 5 * max(count(country, c) for c in wrong), country
    for male, female in [("king", "queen"), ("father", "mother"), ("uncle", "aunt"), ("boy", "girl")]:
        assert count(male, "he") > 1.5 * count(female, "he"), male
        assert count(female, "she") > 1.5 * count(male, "she"), female
    assert count("yesterday", "walked") > 3 * count("yesterday", "walk")
    assert count("will", "walk") > 3 * count("will", "walked")


@pytest.mark.parametrize(
    "call",
    [
        lambda: toy_world_corpus(0),
        lambda: toy_world_corpus(-5),
        lambda: ToyWorld(0).sentences(0),
    ],
)
def test_toy_world_rejects_bad_counts(call):
    with pytest.raises(ValueError, match="at least 1"):
        call()


@pytest.mark.parametrize(
    "call", [lambda: ToyWorld("0"), lambda: toy_world_corpus(10, seed=1.5), lambda: toy_world_corpus("100")]
)
def test_toy_world_rejects_non_int(call):
    with pytest.raises(TypeError):
        call()


# --- sentiment --------------------------------------------------------------------------------------


def rule_label(text: str) -> int:
    """An independent reading of the label rules: the deciding clause, its adjective, its negation."""
    t = text.lower().rstrip(".")
    if " but " in t:
        clause = t.split(" but ")[-1]
    elif "although " in t:
        clause = t.split(", ")[-1]
    elif " and " in t:
        first, second = t.split(" and ")
        assert rule_clause(first) == rule_clause(second), f"'and' joins opposite clauses: {text}"
        clause = first
    else:
        clause = t
    return rule_clause(clause)


def rule_clause(clause: str) -> int:
    words = clause.split()
    adjective = words[-1]
    assert adjective in POSITIVE or adjective in NEGATIVE, f"no known adjective at the end of {clause!r}"
    negated = any(w in {"not", "never"} or w.endswith("n't") for w in words)
    return int((adjective in POSITIVE) != negated)


def test_sentiment_labels_follow_the_rules_and_are_balanced():
    ds = sentiment_dataset(sizes=(3000, 500, 500), seed=0)
    assert ds["train"].features["label"].names == ["negative", "positive"]
    assert [len(ds[s]) for s in ("train", "validation", "test")] == [3000, 500, 500]
    for split in ds.values():
        for row in split:
            assert rule_label(row["text"]) == row["label"], row
    labels = Counter(label for split in ds.values() for label in split["label"])
    assert labels[0] == labels[1] == 2000
    assert set(ds["train"]["construction"]) == {"simple", "and", "but", "although"}
    texts = [t for split in ds.values() for t in split["text"]]
    assert len(set(texts)) == len(texts), "an example appears twice (maybe in two splits)"


def test_sentiment_contrast_defeats_bag_of_words():
    """Swapping the clauses of a contrast keeps the bag of words and flips the label."""
    ds = sentiment_dataset(sizes=SMALL, seed=1)
    for row in ds["train"]:
        if row["construction"] == "but" and "," not in row["text"]:
            first, second = row["text"].rstrip(".").split(" but ")
            swapped = f"{second} but {first[0].lower()}{first[1:]}."
            bag = sorted(row["text"].lower().rstrip(".").split())
            assert sorted(swapped.lower().rstrip(".").split()) == bag
            assert rule_label(swapped) == 1 - row["label"]


def test_task_datasets_are_deterministic_per_seed():
    for make in (sentiment_dataset, topic_dataset, translation_dataset, qa_dataset, nsp_dataset):
        a, b, c = make(sizes=SMALL, seed=0), make(sizes=SMALL, seed=0), make(sizes=SMALL, seed=1)
        assert a["test"].to_list() == b["test"].to_list(), make.__name__
        assert a["train"].to_list() == b["train"].to_list(), make.__name__
        assert a["train"].to_list() != c["train"].to_list(), make.__name__


# --- topics -----------------------------------------------------------------------------------------


def test_topic_dataset_labels_and_uniqueness():
    ds = topic_dataset(sizes=(800, 100, 100), seed=0)
    assert ds["train"].features["label"].names == ["world", "sports", "business", "science"]
    labels = Counter(label for split in ds.values() for label in split["label"])
    assert set(labels.values()) == {250}
    texts = [t for split in ds.values() for t in split["text"]]
    assert len(set(texts)) == len(texts)
    sports = [r["text"] for r in ds["train"] if r["label"] == 1]
    assert any("cup" in t or "league" in t or "match" in t or "scored" in t for t in sports)


# --- translation and the converters -----------------------------------------------------------------

HAND_CHINESE = {
    0: "零",
    1: "一",
    7: "七",
    10: "十",
    11: "十一",
    12: "十二",
    19: "十九",
    20: "二十",
    21: "二十一",
    99: "九十九",
    100: "一百",
    101: "一百零一",
    110: "一百一十",
    111: "一百一十一",
    312: "三百一十二",
    1000: "一千",
    1005: "一千零五",
    1010: "一千零一十",
    1100: "一千一百",
    2021: "二千零二十一",
    10000: "一万",
    10001: "一万零一",
    10010: "一万零一十",
    10500: "一万零五百",
    12345: "一万二千三百四十五",
    20019: "二万零一十九",
    100000: "十万",
    101000: "十万一千",
    110000: "十一万",
    100100: "十万零一百",
    1000000: "一百万",
    10000000: "一千万",
    10001000: "一千万一千",
    99999999: "九千九百九十九万九千九百九十九",
}
HAND_ENGLISH = {
    0: "zero",
    5: "five",
    13: "thirteen",
    20: "twenty",
    21: "twenty-one",
    99: "ninety-nine",
    100: "one hundred",
    101: "one hundred and one",
    110: "one hundred and ten",
    312: "three hundred and twelve",
    1000: "one thousand",
    1005: "one thousand and five",
    1200: "one thousand two hundred",
    2021: "two thousand and twenty-one",
    20019: "twenty thousand and nineteen",
    100000: "one hundred thousand",
    110000: "one hundred and ten thousand",
    1000001: "one million and one",
    2500000: "two million five hundred thousand",
}


@pytest.mark.parametrize("n, text", sorted(HAND_CHINESE.items()))
def test_chinese_number_on_hand_derived_values(n, text):
    assert chinese_number(n) == text


@pytest.mark.parametrize("n, text", sorted(HAND_ENGLISH.items()))
def test_english_number_on_hand_derived_values(n, text):
    assert english_number(n) == text


def test_dates_on_hand_derived_values():
    assert english_date(datetime.date(2021, 3, 5)) == "March 5, 2021"
    assert chinese_date(datetime.date(2021, 3, 5)) == "2021年3月5日"
    assert english_date(datetime.date(1999, 12, 31)) == "December 31, 1999"
    assert chinese_date(datetime.date(2000, 2, 29)) == "2000年2月29日"


def parse_chinese(text: str) -> int:
    """An independent reader of Chinese numerals below 亿."""
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")}
    units = {"十": 10, "百": 100, "千": 1000}
    total, section, digit = 0, 0, None
    for char in text:
        if char in digits:
            digit = digits[char]
        elif char in units:
            section += (1 if digit is None else digit) * units[char]
            digit = None
        elif char == "万":
            total += (section + (digit or 0)) * 10_000
            section, digit = 0, None
        else:
            raise ValueError(f"not a Chinese numeral: {char!r} in {text!r}")
    return total + section + (digit or 0)


def parse_english(text: str) -> int:
    """An independent reader of English number words."""
    words = (
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen"
    ).split()
    values = {w: i for i, w in enumerate(words)}
    tens = "twenty thirty forty fifty sixty seventy eighty ninety".split()
    values |= {w: 10 * i for i, w in enumerate(tens, start=2)}
    total, current = 0, 0
    for word in text.replace("-", " ").split():
        if word == "and":
            continue
        if word == "hundred":
            current *= 100
        elif word in ("thousand", "million"):
            total += current * (1000 if word == "thousand" else 1_000_000)
            current = 0
        else:
            current += values[word]
    return total + current


def check_chinese_form(text: str) -> None:
    assert "零零" not in text and not (text.endswith("零") and text != "零"), text
    assert not text.startswith("一十"), text


def test_converters_round_trip_through_independent_readers():
    import random

    values = list(range(0, 100_001)) + random.Random(0).sample(range(100_001, 100_000_000), 3000)
    for n in values:
        zh, en = chinese_number(n), english_number(n)
        assert parse_chinese(zh) == n, (n, zh)
        assert parse_english(en) == n, (n, en)
        check_chinese_form(zh)


@pytest.mark.parametrize(
    "bad, error",
    [(-1, ValueError), (100_000_000, ValueError), (3.0, TypeError), (True, TypeError), ("12", TypeError)],
)
def test_converters_reject_bad_numbers(bad, error):
    with pytest.raises(error):
        chinese_number(bad)
    with pytest.raises(error):
        english_number(bad)


def test_date_converters_reject_non_dates():
    with pytest.raises(TypeError, match="date"):
        english_date("2021-03-05")
    with pytest.raises(TypeError, match="date"):
        chinese_date(datetime.datetime(2021, 3, 5, 12))


def test_every_translation_example_agrees_with_the_converters():
    ds = translation_dataset(sizes=(4000, 500, 500), seed=0)
    months = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
    sources = []
    for split in ds.values():
        for row in split:
            sources.append(row["en"])
            if row["kind"] == "number":
                n = int(row["value"])
                assert row["en"] == english_number(n) and row["zh"] == chinese_number(n), row
                assert parse_chinese(row["zh"]) == n and parse_english(row["en"]) == n, row
            else:
                day = datetime.date.fromisoformat(row["value"])
                month, rest = row["en"].split(" ", 1)
                assert months.index(month) + 1 == day.month and rest == f"{day.day}, {day.year}", row
                assert row["zh"] == f"{day.year}年{day.month}月{day.day}日", row
    assert len(set(sources)) == len(sources), "a source sentence appears twice (maybe in two splits)"
    kinds = Counter(k for split in ds.values() for k in split["kind"])
    assert kinds["date"] == 0.25 * sum(kinds.values())


def test_translation_rejects_bad_options():
    with pytest.raises(ValueError, match="max_number"):
        translation_dataset(SMALL, max_number=0)
    with pytest.raises(ValueError, match="date_fraction"):
        translation_dataset(SMALL, date_fraction=1.5)
    with pytest.raises(ValueError, match="distinct"):
        translation_dataset((300, 50, 50), max_number=99, date_fraction=0.0)


# --- question answering -----------------------------------------------------------------------------


def test_qa_answers_sit_at_their_offsets():
    ds = qa_dataset(sizes=(2000, 300, 300), seed=0)
    ids = []
    for split in ds.values():
        for row in split:
            ids.append(row["id"])
            (text,), (start,) = row["answers"]["text"], row["answers"]["answer_start"]
            assert row["context"][start : start + len(text)] == text, row
            assert row["context"].startswith(f"{row['title']} is a ")
            assert row["title"] in row["question"]
    assert len(set(ids)) == len(ids)
    assert set(ds["train"].column_names) == {"id", "title", "context", "question", "answers"}


def test_qa_answers_are_the_facts_asked_for():
    countries = {
        "France": "Paris",
        "Japan": "Tokyo",
        "Italy": "Rome",
        "Germany": "Berlin",
        "Spain": "Madrid",
        "China": "Beijing",
        "Russia": "Moscow",
        "Egypt": "Cairo",
        "Greece": "Athens",
        "England": "London",
        "Portugal": "Lisbon",
        "Poland": "Warsaw",
    }
    ds = qa_dataset(sizes=SMALL, seed=2)
    for row in ds["train"]:
        answer = row["answers"]["text"][0]
        name = row["title"]
        if row["question"] == f"Where does {name} live?":
            home = re.search(rf"{name} is a \w+ from (\w+)\.", row["context"]).group(1)
            assert answer == countries[home], row
        elif row["question"] == f"Which country is {name} from?":
            assert answer in countries, row
        elif row["question"].startswith("How many"):
            assert answer in "two three four five six".split(), row


# --- next-sentence prediction -----------------------------------------------------------------------


def test_nsp_is_balanced_and_true_pairs_are_consecutive():
    ds = nsp_dataset(sizes=(1001, 200, 200), seed=0)
    assert ds["train"].features["label"].names == ["is_next", "not_next"]
    assert Counter(ds["train"]["label"]) == {0: 501, 1: 500}
    assert Counter(ds["test"]["label"]) == {0: 100, 1: 100}
    documents = _documents("toyworld", 0, sum((1001, 200, 200)))
    consecutive = {(d[i], d[i + 1]) for d in documents for i in range(len(d) - 1)}
    for split in ds.values():
        for row in split:
            if row["label"] == 0:
                assert (row["sentence_a"], row["sentence_b"]) in consecutive, row


def test_nsp_from_docstrings_keeps_documents_apart(docstring_cache):
    ds = nsp_dataset(sizes=(600, 100, 100), seed=0, source="docstrings")
    paragraphs, doc_ids = docstrings_module.docstring_paragraphs()
    docs_of = {}
    for paragraph, doc_id in zip(paragraphs, doc_ids, strict=True):
        docs_of.setdefault(paragraph, set()).add(doc_id)
    for row in ds["train"]:
        a, b = docs_of[row["sentence_a"]], docs_of[row["sentence_b"]]
        if row["label"] == 0:
            assert a & b, row
        else:
            assert a != b, row
    unique = {p for p, docs in docs_of.items() if len(docs) == 1}  # some paragraphs recur in docstrings

    def docs(split):
        return {
            d
            for row in ds[split]
            for p in (row["sentence_a"], row["sentence_b"])
            if p in unique
            for d in docs_of[p]
        }

    assert not docs("train") & docs("test") and not docs("train") & docs("validation")


def test_nsp_rejects_unknown_source():
    with pytest.raises(ValueError, match="toyworld"):
        nsp_dataset(SMALL, source="wikipedia")


# --- sizes and seeds --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make", [sentiment_dataset, topic_dataset, translation_dataset, qa_dataset, nsp_dataset]
)
@pytest.mark.parametrize(
    "sizes, error",
    [
        ((0, 10, 10), ValueError),
        ((100, -1, 10), ValueError),
        ((100, 10), ValueError),
        ((100.0, 10, 10), TypeError),
        ("100", ValueError),
    ],
)
def test_task_datasets_reject_bad_sizes(make, sizes, error):
    with pytest.raises(error, match="size"):
        make(sizes=sizes)


@pytest.mark.parametrize(
    "make", [sentiment_dataset, topic_dataset, translation_dataset, qa_dataset, nsp_dataset]
)
def test_task_datasets_reject_bad_seeds(make):
    with pytest.raises(TypeError, match="seed"):
        make(sizes=SMALL, seed="0")


# --- hub loaders ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, alternative",
    [
        ("imdb", "sentiment_dataset"),
        ("sst2", "sentiment_dataset"),
        ("squad", "qa_dataset"),
        ("wikitext-2", "docstring_corpus"),
    ],
)
def test_hub_loader_fails_fast_offline(name, alternative, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    start = time.perf_counter()
    with pytest.raises(OfflineError, match=alternative) as failure:
        load_hub_dataset(name)
    assert time.perf_counter() - start < 5
    assert name in str(failure.value) and "HF_DATASETS_OFFLINE" in str(failure.value)


def test_hub_loader_probes_the_network_when_no_variable_is_set(monkeypatch):
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)

    class Online(Exception):
        pass

    def no_download(*args, **kwargs):
        raise Online

    import datasets

    monkeypatch.setattr(datasets, "load_dataset", no_download)  # if this machine is online, stop there
    start = time.perf_counter()
    with pytest.raises((OfflineError, Online)):
        load_hub_dataset("imdb")
    assert time.perf_counter() - start < 5
    monkeypatch.setattr(hub, "_probe", lambda *a, **k: False)
    with pytest.raises(OfflineError, match="did not answer"):
        load_hub_dataset("squad")


def test_hub_loader_rejects_unknown_names():
    with pytest.raises(ValueError, match="imdb, squad, sst2, wikitext-2"):
        load_hub_dataset("imbd")
    with pytest.raises(TypeError):
        load_hub_dataset(None)
