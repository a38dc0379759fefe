"""Benchmark our n-gram models against nltk.lm and KenLM: fit time, evaluation throughput, same numbers.

    python benchmarks/ngram.py            # docstrings corpus, 4,000 training sentences, trigrams
    python benchmarks/ngram.py --quick    # 500 sentences, a smoke test

Both libraries get the same model. nltk is fitted on exactly our n-grams (each sentence padded as
``<bos> <bos> w_1 .. w_m <eos>``, every n-gram with its lower-order suffixes, as nltk's ``everygrams``
gives them) and builds its vocabulary from the same tokens inside ``fit``, as it does normally:

* Kneser-Ney: nltk's ``KneserNeyInterpolated(3, discount=0.1)`` against
  ``NgramLM(3, "kneser_ney", discount=(0, 0.1, 0.1))`` (nltk does not discount unigrams);
* Laplace: nltk's ``Laplace(3)`` against ``NgramLM(3, "add_k", k=1)``; nltk's |V| counts ``<bos>``,
  which can never be predicted, so it gets a vocabulary whose ``len`` leaves it out (see
  tests/test_ngram.py).

Fit times are the best of a few runs each (our fit includes building the vocabulary and estimating
every probability and back-off weight). Evaluation: nltk scores a random sample of validation n-grams
one by one (``score(word, context)``, what its ``perplexity`` calls); ours evaluates the whole validation
set at once (``token_logprobs``) and, separately, one query at a time (``logprob``). The probabilities of
the sample are compared before any ratio is printed.

KenLM: our Kneser-Ney trigram model (default SRILM padding, one ``<s>``) is written as ARPA and loaded
by ``kenlm.Model``; ``model.score(sentence)`` must equal ``lm.sentence_logprob(tokens) / ln 10`` on every
validation sentence. Then both score every validation sentence, one call per sentence (KenLM's Python
API; ours ``sentence_logprob``), in alternating rounds on 2 threads; medians are compared. Our
whole-corpus call ``token_logprobs`` is timed too. The last line is that per-sentence throughput ratio.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kenlm
import numpy as np
from nltk.lm import KneserNeyInterpolated, Laplace, Vocabulary

from nlpcourse.data.docstrings import docstring_corpus
from nlpcourse.lm import NgramLM


class VocabularyWithoutBos(Vocabulary):
    """nltk's vocabulary with ``<bos>`` left out of its size, as our |V| leaves it out."""

    def __len__(self) -> int:
        return max(super().__len__() - 1, 0)  # 0 while empty (before fit)


def ngrams_of(sentence: list[str], order: int) -> list[tuple[str, ...]]:
    padded = ["<bos>"] * (order - 1) + sentence + ["<eos>"]
    return [tuple(padded[i - order + 1 : i + 1]) for i in range(order - 1, len(padded))]


def fit_nltk(cls: type, order: int, train: list[list[str]], vocabulary: Vocabulary, **kwargs: Any) -> Any:
    model = cls(order=order, vocabulary=vocabulary, **kwargs)
    text = ([g[j:] for g in ngrams_of(s, order) for j in range(order)] for s in train)
    model.fit(text, vocabulary_text=(w for s in train for w in s + ["<bos>", "<eos>"]))
    return model


def best_time(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    best, result = math.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 training sentences, 50 n-grams for nltk")
    parser.add_argument("--sentences", type=int, default=4000, help="training sentences")
    parser.add_argument("--order", type=int, default=3)
    parser.add_argument("--sample", type=int, default=300, help="validation n-grams that nltk scores")
    args = parser.parse_args(argv)
    sentences, sample_size = (500, 50) if args.quick else (args.sentences, args.sample)
    order = args.order

    train_split, valid_split, _ = docstring_corpus().split((0.8, 0.1, 0.1), seed=0)
    train, valid = train_split.sentences[:sentences], valid_split.sentences
    print(
        f"docstrings: {len(train):,} training sentences ({sum(map(len, train)):,} tokens), "
        f"{len(valid):,} validation sentences, order {order}"
    )

    models: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
        "Kneser-Ney": (
            lambda: NgramLM(order, "kneser_ney", discount=(0.0,) + (0.1,) * (order - 1), padding="nltk").fit(
                train
            ),
            lambda: fit_nltk(
                KneserNeyInterpolated, order, train, Vocabulary(unk_label="<unk>"), discount=0.1
            ),
        ),
        "Laplace": (
            lambda: NgramLM(order, "add_k", k=1.0, padding="nltk").fit(train),
            lambda: fit_nltk(Laplace, order, train, VocabularyWithoutBos(unk_label="<unk>")),
        ),
    }
    rows = []
    for name, (fit_ours, fit_theirs) in models.items():
        ours_fit, ours = best_time(fit_ours, 7)
        theirs_fit, theirs = best_time(fit_theirs, 2 if args.quick else 3)
        vocab = ours.vocab
        known = [[w if w in vocab else "<unk>" for w in s] for s in valid]
        grams = [g for s in known for g in ngrams_of(s, order)]
        sample = random.Random(0).sample(grams, sample_size)

        start = time.perf_counter()
        expected = np.array([theirs.score(g[-1], g[:-1]) for g in sample])
        theirs_rate = len(sample) / (time.perf_counter() - start)
        got = np.array([ours.prob(g[-1], g[:-1]) for g in sample])
        both = (got > 0) & (expected > 0)
        if not np.array_equal(got > 0, expected > 0) or not np.allclose(got, expected, rtol=1e-12, atol=0):
            raise SystemExit(
                f"{name}: probabilities differ (max relative difference "
                f"{np.max(np.abs(got[both] / expected[both] - 1)):.3g})"
            )
        max_diff = float(np.max(np.abs(np.log(got[both]) - np.log(expected[both]))))
        batch_time, logprobs = best_time(lambda m=ours: m.token_logprobs(valid), 5)
        start = time.perf_counter()
        for g in sample:
            ours.logprob(g[-1], g[:-1])
        scalar_rate = len(sample) / (time.perf_counter() - start)
        batch_rate = len(logprobs) / batch_time
        if name == "Laplace":
            ppl_theirs = theirs.perplexity(grams)
            print(f"Laplace validation perplexity: ours {ours.perplexity(valid):.6f}, nltk {ppl_theirs:.6f}")
        rows.append((name, ours_fit, theirs_fit, batch_rate, scalar_rate, theirs_rate, max_diff))

    print(
        f"\n{'model':<11} {'fit ours':>9} {'fit nltk':>9} {'fit ratio':>9}   {'eval ours (batch)':>18} "
        f"{'eval ours (1 by 1)':>19} {'eval nltk':>10} {'eval ratio':>11}   max |log p diff|"
    )
    for name, ours_fit, theirs_fit, batch, scalar, theirs_rate, diff in rows:
        print(
            f"{name:<11} {ours_fit * 1e3:>7.1f}ms {theirs_fit * 1e3:>7.0f}ms {theirs_fit / ours_fit:>8.1f}x"
            f"   {batch:>12,.0f} n-gr/s {scalar:>13,.0f} n-gr/s {theirs_rate:>10,.0f} "
            f"{batch / theirs_rate:>10,.0f}x   {diff:.1e}"
        )
    one_by_one = rows[0][4] / rows[0][5]
    print(
        "\nfit ratio = nltk fit time / ours; eval ratio = our batch throughput / nltk's "
        f"(one query at a time: {one_by_one:,.0f}x for Kneser-Ney)"
    )
    ratio = against_kenlm(train, valid, order, rounds=3 if args.quick else 9)
    print(f"ratio: {ratio:.2f} (ours vs KenLM, higher is better)")


def against_kenlm(train: list[list[str]], valid: list[list[str]], order: int, rounds: int) -> float:
    """Tokens per second scoring every validation sentence, ours / KenLM's; the scores must agree."""
    lm = NgramLM(order, "kneser_ney").fit(train)
    with tempfile.TemporaryDirectory() as folder:
        model = kenlm.Model(str(lm.to_arpa(Path(folder) / "lm.arpa")))
    texts = [" ".join(s) for s in valid]
    ours = np.array([lm.sentence_logprob(s) for s in valid]) / math.log(10)
    theirs = np.array([model.score(t) for t in texts])
    if not np.allclose(ours, theirs, rtol=1e-5, atol=1e-4):
        raise SystemExit(f"KenLM and ours differ: max |log10 difference| {np.abs(ours - theirs).max():.3g}")
    tokens = sum(len(s) + 1 for s in valid)
    times: dict[str, list[float]] = {
        "KenLM score()": [],
        "ours sentence_logprob()": [],
        "ours token_logprobs() (whole set)": [],
    }
    runs = {
        "KenLM score()": lambda: [model.score(t) for t in texts],
        "ours sentence_logprob()": lambda: [lm.sentence_logprob(s) for s in valid],
        "ours token_logprobs() (whole set)": lambda: lm.token_logprobs(valid),
    }
    for _ in range(rounds):  # alternate, so that a busy moment slows all of them alike
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    print(
        f"\nKenLM, {order}-gram Kneser-Ney, {len(valid):,} validation sentences ({tokens:,} tokens), "
        f"max |log10 difference| {np.abs(ours - theirs).max():.1e}, medians of {rounds} rounds:"
    )
    rates = {name: tokens / statistics.median(t) for name, t in times.items()}
    for name, rate in rates.items():
        print(f"  {name:<34} {rate:>12,.0f} tokens/s")
    return rates["ours sentence_logprob()"] / rates["KenLM score()"]


if __name__ == "__main__":
    main()
