"""nlpcourse.text: word tokenization, Vocab, BPE from scratch against Hugging Face tokenizers, WordPiece."""

from __future__ import annotations

import argparse
import collections
import inspect
import json
import random
import string
import textwrap

import pytest
from tokenizers import Tokenizer, models, pre_tokenizers, trainers

from nlpcourse.text import (
    BPE,
    Vocab,
    merge_pair,
    most_frequent_pair,
    split_paragraphs,
    to_transformers,
    train_bpe_tokenizer,
    train_wordpiece_tokenizer,
    word_tokenize,
)
from nlpcourse.text.bpe import initial_symbols, learn_merges, word_frequencies

# --- corpora ----------------------------------------------------------------------------------------


def _docstrings(*modules) -> list[str]:
    """Real English: the docstrings of some standard-library modules and of their public members."""
    docs = []
    for module in modules:
        members = [module] + [
            obj
            for name, obj in sorted(vars(module).items())
            if not name.startswith("_") and (inspect.isclass(obj) or inspect.isfunction(obj))
        ]
        docs += [doc for doc in map(inspect.getdoc, members) if doc]
    return list(dict.fromkeys(docs))


@pytest.fixture(scope="module")
def english() -> list[str]:
    """A few thousand words of word-tokenized English, one line of space-separated tokens per docstring."""
    lines = [" ".join(word_tokenize(doc)) for doc in _docstrings(collections, json, argparse)]
    assert 4000 < sum(len(line.split()) for line in lines) < 20000
    return lines


@pytest.fixture(scope="module")
def held_out() -> list[str]:
    """Words the models were not trained on (another module's docstrings)."""
    return [w for doc in _docstrings(textwrap, string) for w in word_tokenize(doc)]


# The classic example of Sennrich et al. (2016): low x5, lower x2, newest x6, widest x3.
HAND_TEXT = " ".join(["low"] * 5 + ["lower"] * 2 + ["newest"] * 6 + ["widest"] * 3)
HAND_FREQS = {
    ("l", "o", "w</w>"): 5,
    ("l", "o", "w", "e", "r</w>"): 2,
    ("n", "e", "w", "e", "s", "t</w>"): 6,
    ("w", "i", "d", "e", "s", "t</w>"): 3,
}
# Derived by hand. Ids: d e i l n o r s t w = 0..9 (code point order), then w</w> r</w> t</w> = 10, 11, 12
# (first met in low, lower, newest), then each new token. Ties go to the smaller (id(a), id(b)).
HAND_MERGES = [
    ("e", "s"),  # 9 = 6 + 3, tied with (s, t</w>) 9: id(e)=1 < id(s)=7
    ("es", "t</w>"),  # 9
    ("l", "o"),  # 7, tied with (o, w) 5 + 2: id(l)=3 < id(o)=5
    ("e", "w"),  # 6, tied with (n, e), (w, est</w>): id(e)=1 is the smallest first id
    ("n", "ew"),  # 6, tied with (ew, est</w>): id(n)=4 < id(ew)=16
    ("new", "est</w>"),  # 6
    ("lo", "w</w>"),  # 5
    ("d", "est</w>"),  # 3, tied with (w, i), (i, d): id(d)=0
    ("i", "dest</w>"),  # 3, tied with (w, i): id(i)=2 < id(w)=9
    ("w", "idest</w>"),  # 3
    ("e", "r</w>"),  # 2, tied with (lo, w), (w, e): id(e)=1
    ("w", "er</w>"),  # 2, tied with (lo, w): id(w)=9 < id(lo)=15
    ("lo", "wer</w>"),  # 2: every word is now one token
]


def _hf_bpe(
    lines: list[str], vocab_size: int, min_frequency: int, suffix: str | None, specials: tuple[str, ...] = ()
) -> Tokenizer:
    """tokenizers' BPE on whitespace-separated words, with the given settings."""
    options = {"end_of_word_suffix": suffix} if suffix else {}  # the bindings refuse None
    unk = {"unk_token": "<unk>"} if "<unk>" in specials else {}
    tokenizer = Tokenizer(models.BPE(**unk, **options))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=list(specials),
        show_progress=False,
        **options,
    )
    tokenizer.train_from_iterator(lines, trainer=trainer)
    return tokenizer


def _merges_and_vocab(tokenizer: Tokenizer) -> tuple[list[tuple[str, str]], dict[str, int]]:
    model = json.loads(tokenizer.to_str())["model"]
    return [tuple(pair) for pair in model["merges"]], model["vocab"]


# --- word_tokenize ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, tokens",
    [
        ("Don't stop; it's John's car.", ["don't", "stop", ";", "it's", "john's", "car", "."]),
        ("Pi is 3.14, not 3 or -2.", ["pi", "is", "3.14", ",", "not", "3", "or", "-", "2", "."]),
        ("Wait... what?!", ["wait", ".", ".", ".", "what", "?", "!"]),
        (
            "The U.S. team, e.g. the state-of-the-art one.",
            ["the", "u.s.", "team", ",", "e.g.", "the", "state-of-the-art", "one", "."],
        ),
        ('He said "no" (twice)\n\ttoday', ["he", "said", '"', "no", '"', "(", "twice", ")", "today"]),
        ("", []),
    ],
)
def test_word_tokenize_examples(text, tokens):
    assert word_tokenize(text) == tokens


def test_word_tokenize_keeps_case_on_request():
    assert word_tokenize("Don't Panic", lower=False) == ["Don't", "Panic"]


@pytest.mark.parametrize("bad", [b"bytes", None, ["a", "list"]])
def test_word_tokenize_rejects_non_str(bad):
    with pytest.raises(TypeError, match="word_tokenize expects a str"):
        word_tokenize(bad)


def test_split_paragraphs():
    assert split_paragraphs("One\nline.\n\n  \nTwo.\n") == ["One line.", "Two."]


# --- Vocab ------------------------------------------------------------------------------------------

SENTENCES = [["the", "cat", "sat"], ["the", "dog", "sat"], ["a", "cat", "!"], ["the", "end"]]


def test_vocab_order_and_lookup():
    vocab = Vocab.build(SENTENCES)
    # specials; then by count: the 3; cat 2, sat 2 (alphabetical); the rest 1, alphabetical by code point
    assert vocab.tokens == ["<pad>", "<unk>", "<bos>", "<eos>", "the", "cat", "sat", "!", "a", "dog", "end"]
    assert (vocab.pad_id, vocab.unk_id, vocab.bos_id, vocab.eos_id) == (0, 1, 2, 3)
    assert len(vocab) == 11 and "cat" in vocab and "bird" not in vocab
    assert vocab["the"] == vocab.token_to_id("the") == 4
    assert vocab["bird"] == vocab.unk_id
    assert vocab.id_to_token(5) == "cat"
    assert vocab.encode(["the", "bird", "sat"]) == [4, 1, 6]
    assert vocab.decode([2, 4, 1, 6, 3, 0]) == ["<bos>", "the", "<unk>", "sat", "<eos>", "<pad>"]
    assert vocab.decode([2, 4, 1, 6, 3, 0], skip_specials=True) == ["the", "<unk>", "sat"]
    assert vocab.counts == collections.Counter(t for s in SENTENCES for t in s)


def test_vocab_round_trip_and_determinism():
    vocab = Vocab.build(SENTENCES)
    tokens = [t for s in SENTENCES for t in s]
    assert vocab.decode(vocab.encode(tokens)) == tokens
    shuffled = [list(s) for s in SENTENCES]
    random.Random(0).shuffle(shuffled)
    assert Vocab.build(shuffled) == vocab


def test_vocab_min_freq_and_max_size():
    vocab = Vocab.build(SENTENCES, min_freq=2)
    assert vocab.tokens[4:] == ["the", "cat", "sat"]
    assert vocab["dog"] == vocab.unk_id
    assert vocab.counts["dog"] == 1  # counts keep every training token
    assert Vocab.build(SENTENCES, max_size=6).tokens[4:] == ["the", "cat"]
    assert Vocab.build(SENTENCES, specials=["<unk>"]).tokens[:2] == ["<unk>", "the"]


def test_vocab_save_load(tmp_path):
    specials = ["<pad>", "<unk>", "<bos>", "<eos>", "<mask>"]
    vocab = Vocab.build(SENTENCES + [["naïve", "café", "日本"]], specials=specials)
    loaded = Vocab.load(vocab.save(tmp_path / "vocab.json"))
    assert loaded == vocab
    assert (loaded.tokens, loaded.specials, loaded.counts) == (vocab.tokens, vocab.specials, vocab.counts)
    assert loaded.encode(["café", "zzz"]) == vocab.encode(["café", "zzz"])


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: Vocab.build([]), ValueError, "corpus is empty"),
        (lambda: Vocab.build([[], []]), ValueError, "corpus is empty"),
        (lambda: Vocab.build(["the cat"]), TypeError, "sentence 0 is a str"),
        (lambda: Vocab.build([["the", 3]]), TypeError, "sentence 0, token 1 is int"),
        (lambda: Vocab.build([["the", ""]]), ValueError, "empty string"),
        (lambda: Vocab.build(SENTENCES, min_freq=0), ValueError, "min_freq must be an int >= 1"),
        (lambda: Vocab.build(SENTENCES, max_size=2), ValueError, "leaves no room for the 4 specials"),
        (lambda: Vocab.build(SENTENCES, specials=["<pad>"]), ValueError, "lack '<unk>'"),
        (lambda: Vocab.build(SENTENCES).id_to_token(11), IndexError, r"id 11 is out of range .* 0\.\.10"),
        (lambda: Vocab.build(SENTENCES).decode([0, -1]), IndexError, "id -1 is out of range"),
        (lambda: Vocab.build(SENTENCES).decode(["the"]), TypeError, "ids must be ints"),
        (lambda: Vocab.build(SENTENCES).encode("the cat"), TypeError, "got a str"),
        (lambda: Vocab.build(SENTENCES).token_to_id(4), TypeError, "expected str"),
        (lambda: Vocab.build(SENTENCES, specials=["<unk>"]).pad_id, KeyError, "no '<pad>' token"),
    ],
)
def test_vocab_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_vocab_load_rejects_other_files(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(ValueError, match="is not a Vocab file"):
        Vocab.load(path)


# --- BPE: the teaching steps ------------------------------------------------------------------------


def test_most_frequent_pair_and_merge_pair_by_hand():
    assert most_frequent_pair(HAND_FREQS) == ("e", "s")  # 9, tied with ("s", "t</w>"): "e" < "s"
    assert merge_pair(HAND_FREQS, ("e", "s")) == {
        ("l", "o", "w</w>"): 5,
        ("l", "o", "w", "e", "r</w>"): 2,
        ("n", "e", "w", "es", "t</w>"): 6,
        ("w", "i", "d", "es", "t</w>"): 3,
    }
    # left to right, without overlaps; words that become equal add up
    runs = {("a", "a", "a"): 2, ("a", "a", "a", "a"): 1}
    assert merge_pair(runs, ("a", "a")) == {("aa", "a"): 2, ("aa", "aa"): 1}
    # with an order (vocabulary ids) ties follow it, as in tokenizers
    order = {"x": 0, "y": 1, "a": 2, "b": 3}
    assert most_frequent_pair({("x", "y"): 1, ("a", "b"): 1}) == ("a", "b")
    assert most_frequent_pair({("x", "y"): 1, ("a", "b"): 1}, order) == ("x", "y")
    with pytest.raises(ValueError, match="no adjacent pairs left"):
        most_frequent_pair({("abc",): 3})


def test_bpe_hand_example_merges():
    assert word_frequencies([HAND_TEXT]) == HAND_FREQS
    assert initial_symbols(HAND_FREQS) == list("deilnorstw") + ["w</w>", "r</w>", "t</w>"]
    # the exercise's loop: most_frequent_pair then merge_pair, new tokens numbered as they are made
    freqs, merges = HAND_FREQS, []
    order = {symbol: i for i, symbol in enumerate(initial_symbols(HAND_FREQS))}
    while any(len(word) > 1 for word in freqs):
        pair = most_frequent_pair(freqs, order)
        order.setdefault(pair[0] + pair[1], len(order))
        merges.append(pair)
        freqs = merge_pair(freqs, pair)
    assert merges == HAND_MERGES
    bpe = BPE.train([HAND_TEXT], vocab_size=1000)
    assert bpe.merges == HAND_MERGES
    hf_merges, hf_vocab = _merges_and_vocab(_hf_bpe([HAND_TEXT], 1000, 0, "</w>"))
    assert hf_merges == HAND_MERGES
    assert set(hf_vocab) == set(bpe.vocab)
    assert BPE.train([HAND_TEXT], num_merges=4).merges == HAND_MERGES[:4]
    assert BPE.train([HAND_TEXT], vocab_size=1000, min_frequency=3).merges == HAND_MERGES[:10]


# --- BPE against tokenizers on real English ---------------------------------------------------------


@pytest.mark.parametrize("vocab_size, min_frequency", [(400, 0), (100_000, 4)])
def test_bpe_identical_to_tokenizers_without_suffix(english, held_out, vocab_size, min_frequency):
    """No end-of-word suffix: the library is deterministic, and merges and ids are identical outright."""
    hf = _hf_bpe(english, vocab_size, min_frequency, None)
    hf_merges, hf_vocab = _merges_and_vocab(hf)
    ours = BPE.train(english, vocab_size=vocab_size, min_frequency=min_frequency, end_of_word_suffix=None)
    assert len(ours.merges) > 300
    assert ours.merges == hf_merges
    assert ours.vocab == hf_vocab
    known = set(ours.vocab)
    words = [w for w in held_out if set(w) <= known][:500]
    text = " ".join(words)
    assert ours.encode(text) == hf.encode(text).tokens
    assert ours.decode(ours.encode_word("namedtuples")) == "namedtuples"


def test_bpe_identical_to_tokenizers_with_suffix(english, held_out):
    """With ``</w>`` the library numbers the suffixed characters in a random (hash) order, so its ties
    between them change from run to run. Given its order, our training loop makes identical merges."""
    specials = ("<unk>",)
    hf = _hf_bpe(english, 600, 2, "</w>", specials)
    hf_merges, hf_vocab = _merges_and_vocab(hf)
    freqs = word_frequencies(english)
    ours_symbols = initial_symbols(freqs, specials)
    hf_symbols = sorted(hf_vocab, key=hf_vocab.get)[: len(ours_symbols)]
    assert set(hf_symbols) == set(ours_symbols)
    # specials, then the characters in code point order: the same; only the suffixed ones may differ
    n_chars = len({symbol[0] for word in freqs for symbol in word})
    assert hf_symbols[: 1 + n_chars] == ours_symbols[: 1 + n_chars]

    merges, vocab = learn_merges(freqs, hf_symbols, vocab_size=600, min_frequency=2)
    assert len(merges) > 400
    assert merges == hf_merges
    assert vocab == sorted(hf_vocab, key=hf_vocab.get)

    aligned = BPE({t: i for i, t in enumerate(vocab)}, merges, "</w>", "<unk>")
    text = " ".join(held_out[:800])
    assert aligned.encode(text) == hf.encode(text).tokens
    assert "<unk>" in aligned.encode("żółw")  # characters never seen in training


def test_bpe_encode_decode_round_trip(english, held_out, tmp_path):
    bpe = BPE.train(english, vocab_size=500, min_frequency=2)
    known = set(bpe.vocab)
    words = [w for w in held_out if set(w) <= known and w[-1] + "</w>" in known][:500]
    text = "  ".join(words[:250]) + "\n" + " ".join(words[250:])
    tokens = bpe.encode(text)
    assert len(words) < len(tokens) < sum(map(len, words))
    assert bpe.decode(tokens) == " ".join(text.split())
    assert bpe.encode(words) == tokens
    assert [bpe.vocab[t] for t in tokens] == bpe.encode_ids(text)
    loaded = BPE.load(bpe.save(tmp_path / "bpe.json"))
    assert (loaded.merges, loaded.vocab, loaded.end_of_word_suffix) == (bpe.merges, bpe.vocab, "</w>")
    assert loaded.encode(text) == tokens


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: BPE.train([], vocab_size=50), ValueError, "corpus is empty"),
        (lambda: BPE.train(["  ", ""], vocab_size=50), ValueError, "corpus is empty"),
        (lambda: BPE.train([HAND_TEXT], vocab_size=5), ValueError, "vocab_size=5 is too small.* >= 13"),
        (lambda: BPE.train(["low", 3], vocab_size=50), TypeError, "corpus item 1 is int"),
        (lambda: BPE.train([["low", None]], vocab_size=50), TypeError, "corpus item 0, token 1 is NoneType"),
        (lambda: BPE.train(HAND_TEXT, vocab_size=50), TypeError, "got one str"),
        (lambda: BPE.train([HAND_TEXT]), ValueError, "exactly one of vocab_size"),
        (
            lambda: BPE.train([HAND_TEXT], vocab_size=50, num_merges=3),
            ValueError,
            "exactly one of vocab_size",
        ),
        (lambda: BPE.train([HAND_TEXT], vocab_size=50).encode("lowz"), ValueError, "'z</w>' .* never seen"),
        (lambda: BPE.train([HAND_TEXT], vocab_size=50).encode(b"low"), TypeError, "decode the bytes"),
        (lambda: BPE.train([HAND_TEXT], vocab_size=50).encode_word("low low"), ValueError, "one word"),
    ],
)
def test_bpe_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --- tokenizers-library helpers ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def wordpiece(english) -> Tokenizer:
    return train_wordpiece_tokenizer(english, vocab_size=800)


def test_wordpiece_pair_encoding(wordpiece):
    vocab = wordpiece.get_vocab()
    assert [vocab[t] for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")] == [0, 1, 2, 3, 4]
    assert any(t.startswith("##") for t in vocab)
    enc = wordpiece.encode("The Parser reads arguments.", "Counters count hashable objects!")
    sep = enc.tokens.index("[SEP]")
    assert enc.tokens[0] == "[CLS]" and enc.tokens[-1] == "[SEP]" and enc.tokens.count("[SEP]") == 2
    assert enc.tokens[1] == "the"  # lower-cased
    assert enc.type_ids == [0] * (sep + 1) + [1] * (len(enc.tokens) - sep - 1)
    assert wordpiece.decode(enc.ids).startswith("the parser reads arguments.")
    single = wordpiece.encode("counters")
    assert single.tokens[0] == "[CLS]" and single.tokens[-1] == "[SEP]" and set(single.type_ids) == {0}


def test_to_transformers_matches_raw_tokenizer(wordpiece):
    hf = to_transformers(wordpiece, model_max_length=128)
    first, second = "The Parser reads arguments.", "Counters count hashable objects!"
    raw = wordpiece.encode(first, second)
    out = hf(first, second)
    assert out["input_ids"] == raw.ids
    assert out["token_type_ids"] == raw.type_ids
    assert hf(first)["input_ids"] == wordpiece.encode(first).ids
    special_ids = [hf.pad_token_id, hf.unk_token_id, hf.cls_token_id, hf.sep_token_id, hf.mask_token_id]
    assert special_ids == [0, 1, 2, 3, 4]
    batch = hf([first, "short"], padding=True)
    assert batch["input_ids"][1][-1] == hf.pad_token_id and batch["attention_mask"][1][-1] == 0
    assert hf.model_max_length == 128


def test_byte_level_bpe_tokenizer(english):
    tokenizer = train_bpe_tokenizer(english, vocab_size=400)
    text = "Naïve  café, 日本!\n\tThe parser."
    ids = tokenizer.encode(text).ids
    assert tokenizer.decode(ids) == text  # byte level: lossless, nothing unknown
    hf = to_transformers(tokenizer)
    assert hf(text)["input_ids"] == ids
    assert (hf.pad_token, hf.unk_token, hf.bos_token, hf.eos_token) == ("<pad>", "<unk>", "<bos>", "<eos>")


def test_word_level_bpe_tokenizer(english):
    tokenizer = train_bpe_tokenizer(english, vocab_size=300, byte_level=False)
    specials = ["<pad>", "<unk>", "<bos>", "<eos>"]
    ours = BPE.train(english, vocab_size=300, min_frequency=2, special_tokens=specials)
    assert len(tokenizer.get_vocab()) == len(ours.vocab) == 300
    assert tokenizer.encode("the zebra").tokens[-1] == "a</w>"
    assert "<unk>" in tokenizer.encode("日本").tokens
    assert tokenizer.decode(tokenizer.encode("the parser reads").ids) == "the parser reads"


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: train_wordpiece_tokenizer([], 100), ValueError, "texts are empty"),
        (lambda: train_wordpiece_tokenizer("some text", 100), TypeError, "got one str"),
        (lambda: train_wordpiece_tokenizer(["ok", 5], 100), TypeError, "text 1 is int"),
        (lambda: train_wordpiece_tokenizer(["ok"], 100, special_tokens=["[UNK]"]), ValueError, "lack"),
        (lambda: train_wordpiece_tokenizer(["ok"], 3), ValueError, "vocab_size=3 is too small"),
        (lambda: train_bpe_tokenizer(["ok"], 100), ValueError, "too small for byte-level BPE"),
        (lambda: to_transformers("not a tokenizer"), TypeError, "expects a tokenizers.Tokenizer"),
    ],
)
def test_subword_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()
