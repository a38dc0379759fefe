"""Tests for nlpcourse.lm n-gram models: nltk.lm and KenLM as independent references, sums, errors."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from nlpcourse.data.toyworld import toy_world_corpus
from nlpcourse.lm import METHODS, NgramCounts, NgramLM, apply_temperature, padded_ngrams

nltk_lm = pytest.importorskip("nltk.lm")

MIN_FREQ = 3  # some training words become <unk>, so <unk> is seen in training and in evaluation


@pytest.fixture(scope="module")
def split() -> tuple[list[list[str]], list[list[str]]]:
    corpus = toy_world_corpus(900, seed=3)
    train, valid, _ = corpus.split((0.8, 0.1, 0.1), seed=0)
    extra = [["a", "rare", "zebra", "sang"], ["the", "zebra", "sang", "twice"]]  # words seen once or twice
    return train.sentences + extra, valid.sentences + [["the", "unseen", "okapi", "sang"]]


def ngrams_of(sentence: list[str], order: int, padding: str = "nltk") -> list[tuple[str, ...]]:
    """The n-grams that predict each word and <eos> of a padded sentence: nltk pads with order - 1
    <bos>, SRILM and KenLM with one (so the first words have shorter contexts)."""
    pad = order - 1 if padding == "nltk" else min(1, order - 1)
    padded = ["<bos>"] * pad + sentence + ["<eos>"]
    grams = [tuple(padded[max(i - order + 1, 0) : i + 1]) for i in range(pad, len(padded))]
    assert grams == padded_ngrams(sentence, order, padding)
    return grams


def in_vocab(lm: NgramLM, sentences: list[list[str]]) -> list[list[str]]:
    return [[w if w in lm.vocab else "<unk>" for w in s] for s in sentences]


class VocabularyWithoutBos(nltk_lm.Vocabulary):
    """nltk's Vocabulary, except that len() leaves out <bos>, which can never be predicted.

    nltk adds k to every vocabulary entry including the start marker, so that its add-k distributions
    give k / (c(h) + k |V|) to <bos>, a token no sentence can contain; we leave <bos> out of |V| so that
    what can follow a context sums to one (test_nltk_add_k_wastes_mass_on_bos shows the difference).
    """

    def __len__(self) -> int:
        return max(super().__len__() - 1, 0)  # 0 while empty (before fit)


def nltk_model(cls, lm: NgramLM, train: list[list[str]], vocabulary_cls=nltk_lm.Vocabulary, **kwargs):
    """An nltk model trained on exactly our n-grams (and their lower orders) with our vocabulary."""
    words = [t for t in lm.vocab.tokens if t not in ("<pad>", "<unk>")]
    vocab = vocabulary_cls(words, unk_cutoff=1, unk_label="<unk>")
    model = cls(order=lm.order, vocabulary=vocab, **kwargs)
    text = [[g[j:] for g in ngrams_of(s, lm.order) for j in range(lm.order)] for s in in_vocab(lm, train)]
    model.fit(text)
    return model


# --- agreement with nltk.lm -------------------------------------------------------------------------


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("k", [1.0, 0.1, 0.01])
def test_add_k_perplexity_equals_nltk(split, order, k):
    train, valid = split
    ours = NgramLM(order, "add_k", k=k, padding="nltk").fit(train, min_freq=MIN_FREQ)
    cls = nltk_lm.Laplace if k == 1.0 else nltk_lm.Lidstone
    theirs = nltk_model(cls, ours, train, VocabularyWithoutBos, **({} if k == 1.0 else {"gamma": k}))
    grams = [g for s in in_vocab(ours, valid) for g in ngrams_of(s, order)]
    assert ours.perplexity(valid) == pytest.approx(theirs.perplexity(grams), rel=1e-10)


def test_mle_equals_nltk_and_is_infinite_on_new_text(split):
    train, valid = split
    ours = NgramLM(2, "mle", padding="nltk").fit(train, min_freq=MIN_FREQ)
    theirs = nltk_model(nltk_lm.MLE, ours, train)
    for gram in [g for s in in_vocab(ours, train[:20]) for g in ngrams_of(s, 2)]:
        assert ours.prob(gram[-1], gram[:-1]) == pytest.approx(theirs.score(gram[-1], gram[:-1]), rel=1e-12)
    assert ours.perplexity(train[:50]) < math.inf
    assert ours.perplexity([["germany", "zebra"]]) == math.inf  # a bigram never seen: probability 0


def test_nltk_add_k_wastes_mass_on_bos(split):
    """The documented difference: nltk's own vocabulary counts <bos> in |V|."""
    train, _ = split
    ours = NgramLM(2, "add_k", k=1.0).fit(train, min_freq=MIN_FREQ)
    theirs = nltk_model(nltk_lm.Laplace, ours, train)
    context = ("the",)
    predictable = [t for t in ours.vocab.tokens if t not in ("<pad>", "<bos>")]
    assert sum(theirs.score(w, context) for w in predictable) < 1 - 1e-4
    assert theirs.score("<bos>", context) > 0
    assert sum(ours.prob(w, context) for w in predictable) == pytest.approx(1.0, abs=1e-12)
    assert ours.prob("<bos>", context) == 0.0


@pytest.mark.parametrize("order", [2, 3, 4])
def test_kneser_ney_equals_nltk_on_seen_contexts(split, order):
    """nltk's KneserNeyInterpolated(order, discount=d) is ours with discounts (0, d, ..., d)."""
    train, valid = split
    ours = NgramLM(order, "kneser_ney", discount=(0.0,) + (0.1,) * (order - 1), padding="nltk").fit(
        train, min_freq=MIN_FREQ
    )
    theirs = nltk_model(nltk_lm.KneserNeyInterpolated, ours, train, discount=0.1)
    seen = {g[:-1] for s in in_vocab(ours, train) for g in ngrams_of(s, order)}
    contexts = sorted({g[:-1] for s in in_vocab(ours, valid[:15]) for g in ngrams_of(s, order)} & seen)
    contexts = contexts[::4][:8]  # nltk takes about a second per context: a sample
    contexts += [c[1:] for c in contexts[:2]]  # lower-order queries as well
    assert len(contexts) == 10
    words = [t for t in ours.vocab.tokens if t not in ("<pad>", "<bos>")]
    for context in contexts:
        got = np.array([ours.prob(w, context) for w in words])
        expected = np.array([theirs.score(w, context) for w in words])
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15, err_msg=f"context {context}")


def test_default_kneser_ney_differs_from_nltk_only_by_the_unigram_discount(split):
    """nltk does not discount unigrams: a word never seen gets probability 0 and perplexity is infinite.
    Our default discounts every order (estimated) and gives that mass to the uniform distribution."""
    train, valid = split
    nltk_like = NgramLM(3, "kneser_ney", discount=(0.0, 0.1, 0.1), padding="nltk").fit(train)  # <unk> unseen
    theirs = nltk_model(nltk_lm.KneserNeyInterpolated, nltk_like, train, discount=0.1)
    assert nltk_like.prob("okapi", ("the", "unseen")) == theirs.score("<unk>", ("the", "<unk>")) == 0.0
    assert nltk_like.perplexity(valid) == math.inf
    ours = NgramLM(3, "kneser_ney").fit(train)
    assert 0 < ours.prob("okapi", ("the", "unseen")) < 1e-3
    assert all(0 < d < 1 for d in ours.discounts)
    assert ours.perplexity(valid) < math.inf


# --- probabilities sum to one ---------------------------------------------------------------------


@pytest.mark.parametrize("padding", ["srilm", "nltk"])
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_distributions_sum_to_one(split, method, order, padding):
    train, valid = split
    lm = NgramLM(order, method, padding=padding).fit(train, min_freq=MIN_FREQ)
    rng = np.random.default_rng(order)
    grams = [g for s in valid[:40] for g in ngrams_of(s, order, padding)]
    contexts = [grams[i][:-1] for i in rng.choice(len(grams), 12, replace=False)]
    contexts += [("<bos>",) * (order - 1), ("zebra",) * (order - 1), ("the",) * min(order - 1, 1)]
    words = lm.vocab.tokens
    for context in contexts:
        row = lm.counts.context_row(lm._encode(list(context)))
        if method == "mle" and (row < 0 or lm.totals[len(context)][row] == 0):
            continue  # the MLE is undefined after a context never seen
        probs = np.exp([lm.logprob(w, context) for w in words])
        assert probs.sum() == pytest.approx(1.0, abs=1e-9), f"{method}, context {context}"
        np.testing.assert_allclose(lm.distribution(context), probs, rtol=1e-9, atol=1e-15)


# --- KenLM reads our ARPA files -------------------------------------------------------------------


@pytest.mark.parametrize("method", ["kneser_ney", "backoff", "interpolation"])
@pytest.mark.parametrize("order", [2, 3, 4, 5])  # KenLM reads bigram models and up
def test_kenlm_scores_sentences_as_we_do(split, tmp_path, order, method):
    """KenLM reads our ARPA file and its score(sentence) (one <s>, </s> included) equals
    sentence_logprob / ln 10 for every sentence; every single query agrees too."""
    kenlm = pytest.importorskip("kenlm")
    train, valid = split
    lm = NgramLM(order, method).fit(train, min_freq=MIN_FREQ)
    model = kenlm.Model(str(lm.to_arpa(tmp_path / "lm.arpa")))
    sentences = valid[:80]
    assert any(w not in lm.vocab for s in sentences for w in s)  # <unk> is exercised
    for sentence in sentences:
        expected = lm.sentence_logprob(sentence) / math.log(10)
        assert model.score(" ".join(sentence)) == pytest.approx(expected, rel=1e-6, abs=1e-4), sentence
    arpa = {"<bos>": "<s>", "<eos>": "</s>"}
    for gram in [g for s in in_vocab(lm, valid[:20]) for g in ngrams_of(s, order, "srilm")]:
        state = kenlm.State()
        model.BeginSentenceWrite(state) if gram[0] == "<bos>" else model.NullContextWrite(state)
        for word in gram[1:-1] if gram[0] == "<bos>" else gram[:-1]:
            after = kenlm.State()
            model.BaseScore(state, arpa.get(word, word), after)
            state = after
        got = model.BaseScore(state, arpa.get(gram[-1], gram[-1]), kenlm.State())
        assert got == pytest.approx(lm.logprob(gram[-1], gram[:-1]) / math.log(10), abs=2e-5), gram


def test_nltk_padding_differs_from_kenlm_at_sentence_starts(split, tmp_path):
    """With nltk's order - 1 <bos>, the first words are scored from <bos> <bos>, which KenLM's score()
    never asks for: the sentence totals differ; with the default SRILM padding they agree."""
    kenlm = pytest.importorskip("kenlm")
    train, valid = split
    nltk_padded = NgramLM(3, "kneser_ney", padding="nltk").fit(train, min_freq=MIN_FREQ)
    model = kenlm.Model(str(nltk_padded.to_arpa(tmp_path / "nltk.arpa")))
    gaps = [
        abs(model.score(" ".join(s)) - nltk_padded.sentence_logprob(s) / math.log(10)) for s in valid[:40]
    ]
    assert max(gaps) > 0.01


def test_arpa_needs_a_back_off_model(split, tmp_path):
    train, _ = split
    with pytest.raises(ValueError, match="back-off form"):
        NgramLM(2, "add_k").fit(train).to_arpa(tmp_path / "x.arpa")


# --- counting -------------------------------------------------------------------------------------


@pytest.mark.parametrize("padding", ["srilm", "nltk"])
def test_counts_and_continuations_match_brute_force(split, padding):
    train, _ = split
    order = 4
    lm = NgramLM(order, "kneser_ney", padding=padding).fit(train, min_freq=MIN_FREQ)
    tokens = lm.vocab.tokens
    pad = lm.pad
    padded = [["<bos>"] * pad + s + ["<eos>"] for s in in_vocab(lm, train)]
    for k in range(1, order + 1):
        expected = Counter(
            tuple(p[i - k + 1 : i + 1]) for p in padded for i in range(max(pad, k - 1), len(p))
        )
        table = lm.counts.tables[k - 1]
        names = _names(lm.counts, tokens, k)
        got = {names[j]: int(c) for j, c in enumerate(table.count) if c > 0}
        assert got == dict(expected), f"order {k}"
        if k < order:
            above = Counter(tuple(p[i - k : i + 1]) for p in padded for i in range(max(pad, k), len(p)))
            continuation = Counter(g[1:] for g in above)
            got = {names[j]: int(c) for j, c in enumerate(table.continuation) if c > 0}
            assert got == dict(continuation), f"continuations of order {k}"


def _names(counts: NgramCounts, tokens: list[str], k: int) -> list[tuple[str, ...]]:
    names = [(t,) for t in tokens]
    for order in range(2, k + 1):
        table = counts.tables[order - 1]
        names = [names[p] + (tokens[w],) for p, w in zip(table.prefix, table.word, strict=True)]
    return names


def test_estimated_discount_is_n1_over_n1_plus_2n2(split):
    train, _ = split
    lm = NgramLM(3, "kneser_ney").fit(train, min_freq=MIN_FREQ)
    counts = Counter(g for s in in_vocab(lm, train) for g in ngrams_of(s, 3, "srilm") if len(g) == 3)
    n1 = sum(1 for c in counts.values() if c == 1)
    n2 = sum(1 for c in counts.values() if c == 2)
    assert lm.discounts[2] == pytest.approx(n1 / (n1 + 2 * n2))


def test_keys_do_not_overflow_with_a_large_vocabulary():
    sentences = [[f"w{i}" for i in range(j, j + 6)] for j in range(0, 60_000, 3)]
    lm = NgramLM(5, "kneser_ney").fit(sentences)
    assert len(lm.vocab) > 60_000
    assert lm.prob("w5", ("w1", "w2", "w3", "w4")) > 0.5


# --- unknown words, sentences, generation ---------------------------------------------------------


def test_unknown_words_map_to_unk_in_training_and_evaluation(split):
    train, _ = split
    lm = NgramLM(2, "kneser_ney").fit(train, min_freq=MIN_FREQ)
    assert "zebra" not in lm.vocab and lm.vocab.counts["zebra"] == 2
    assert lm.counts.tables[0].count[lm.vocab.unk_id] > 0  # rare training words were counted as <unk>
    for word in ("zebra", "okapi"):
        assert lm.logprob(word, ("the",)) == lm.logprob("<unk>", ("the",))
        assert lm.logprob("sang", (word,)) == lm.logprob("sang", ("<unk>",))


def test_sentence_logprob_is_the_chain_rule(split):
    train, valid = split
    lm = NgramLM(3, "backoff").fit(train)
    sentence = valid[0]
    expected = sum(lm.logprob(g[-1], g[:-1]) for g in ngrams_of(sentence, 3))
    assert lm.sentence_logprob(sentence) == pytest.approx(expected, rel=1e-12)
    n = sum(len(s) + 1 for s in valid)
    total = sum(lm.sentence_logprob(s) for s in valid)
    assert lm.perplexity(valid) == pytest.approx(math.exp(-total / n), rel=1e-12)


def test_generation_is_seeded_and_respects_temperature(split):
    train, _ = split
    lm = NgramLM(3, "kneser_ney").fit(train)
    assert lm.generate(seed=1) == lm.generate(seed=1)
    assert all(w in lm.vocab for w in lm.generate(seed=2, max_words=50))
    assert len(lm.generate(seed=3, max_words=4)) <= 4
    greedy = lm.generate(temperature=0.0, max_words=10, seed=4)
    assert greedy == lm.generate(temperature=0.0, max_words=10, seed=5)
    assert lm.generate(prefix=["the", "king"], seed=0)[:2] == ["the", "king"]
    probs = np.array([0.5, 0.3, 0.2, 0.0])
    np.testing.assert_allclose(apply_temperature(probs, 1.0), probs)
    np.testing.assert_allclose(apply_temperature(probs, 0.0), [1, 0, 0, 0])
    sharp, flat = apply_temperature(probs, 0.5), apply_temperature(probs, 2.0)
    assert sharp[0] > 0.5 > flat[0] and sharp[3] == flat[3] == 0.0
    assert sharp.sum() == pytest.approx(1.0) and flat.sum() == pytest.approx(1.0)


# --- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("order", [0, -1, 2.5, True])
def test_order_below_one_is_refused(order):
    with pytest.raises(ValueError, match="order must be an int >= 1"):
        NgramLM(order)


@pytest.mark.parametrize("data", [[], [[]], [[], []]])
def test_empty_training_data_is_refused(data):
    with pytest.raises(ValueError, match="empty|no tokens"):
        NgramLM(2).fit(data)


def test_context_longer_than_the_order_is_refused(split):
    train, _ = split
    lm = NgramLM(2).fit(train)
    with pytest.raises(ValueError, match=r"looks at most 1 back: pass context\[-1:\]"):
        lm.logprob("king", ("the", "old"))
    with pytest.raises(ValueError, match="takes no context"):
        NgramLM(1).fit(train).logprob("king", ("the",))
    with pytest.raises(ValueError, match="looks at most"):
        lm.distribution(("a", "b", "c"))


def test_other_mistakes_get_clear_errors(split):
    train, _ = split
    with pytest.raises(RuntimeError, match="fit"):
        NgramLM(2).logprob("a")
    with pytest.raises(TypeError, match="context must be a sequence of tokens"):
        NgramLM(2).fit(train).logprob("king", "the")
    with pytest.raises(TypeError, match="tokenize"):
        NgramLM(2).fit(["the king is old"])
    with pytest.raises(ValueError, match="unknown smoothing"):
        NgramLM(2, "witten_bell")
    with pytest.raises(ValueError, match="k > 0"):
        NgramLM(2, "add_k", k=0)
    with pytest.raises(ValueError, match="one per order"):
        NgramLM(3, "kneser_ney", discount=(0.1, 0.2))
    with pytest.raises(ValueError, match="must lie in"):
        NgramLM(3, "backoff", discount=1.0)
    with pytest.raises(ValueError, match="never seen"):
        NgramLM(2, "mle").fit(train).distribution(("okapi",))


# --- the plain-Python reference ---------------------------------------------------------------------


def random_corpus(seed: int, sentences: int = 60, words: int = 12) -> list[list[str]]:
    """Sentences of random lengths over a small Zipf-like vocabulary: many repeated n-grams, some once."""
    rng = np.random.default_rng(seed)
    weights = 1 / np.arange(1, words + 1)
    return [
        [f"w{int(i)}" for i in rng.choice(words, rng.integers(1, 9), p=weights / weights.sum())]
        for _ in range(sentences)
    ]


@pytest.mark.parametrize("padding", ["srilm", "nltk"])
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_array_engine_equals_the_plain_python_formulas(method, order, padding):
    """NgramLM (vectorised back-off tables) and ReferenceNgramLM (the formulas, recursively) agree to
    1e-12 on every probability of random corpora, unseen words and contexts included."""
    from nlpcourse.lm.reference import ReferenceNgramLM

    for seed in range(3):
        train, test = random_corpus(seed), random_corpus(seed + 100, sentences=15, words=14)
        fast = NgramLM(order, method, padding=padding).fit(train, min_freq=2)
        slow = ReferenceNgramLM(order, method, padding=padding).fit(train, vocab=fast.vocab)
        if method in ("backoff", "kneser_ney"):
            assert fast.discounts == pytest.approx(slow.discount, rel=1e-12)
        contexts = {g[:-1] for s in test for g in padded_ngrams(s, order, padding)}
        for context in sorted(contexts)[:25]:
            for word in fast.vocab.tokens:
                expected = slow.prob(word, context)
                got = fast.prob(word, context)
                assert got == pytest.approx(expected, rel=1e-12, abs=1e-15), (method, context, word)
        if method != "mle":
            for sentence in test:
                assert fast.sentence_logprob(sentence) == pytest.approx(
                    slow.sentence_logprob(sentence), rel=1e-12
                ), sentence
