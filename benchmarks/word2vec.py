"""Benchmark our word2vec against gensim: tokens per second and quality, same data, same settings.

    python benchmarks/word2vec.py            # the docstrings corpus, 3 timed runs each
    python benchmarks/word2vec.py --quick    # a smoke test on a slice of the corpus (seconds)

Both train skip-gram with negative sampling, dim 100, window 5, 5 negatives, min count 5, 5 epochs,
subsampling 1e-3, learning rate 0.025 -> 0.0001, with 2 worker threads, on the tokenized docstrings
of Python's standard library (``nlpcourse.data.docstrings.docstring_corpus``):

* ``ours``: :func:`nlpcourse.embeddings.train_word2vec` (the numba-compiled trainer);
* ``gensim``: ``gensim.models.Word2Vec`` (its Cython trainer).

Speed is raw corpus tokens x epochs / seconds, end to end (vocabulary, encoding and training, from
token lists to vectors) and for the training step alone. Runs alternate (ours, gensim, ours, ...) so a
change in machine load hits both; the median is reported, with the CPU seconds of all threads (on a
busy machine two threads do not get two cores, and wall-clock ratios drift towards 1). Our compiled
code is built (or loaded from numba's cache) by a warm-up run that is not timed; its duration is printed.

Quality, side by side:

* analogy accuracy (3CosAdd and 3CosMul) on the toy world's 1,458 gold analogies, both trained on
  ``toy_world_corpus(20_000)`` with the same settings, and Spearman's rho on its similarity pairs;
* on the docstrings, the overlap of the 10 nearest neighbours of 200 frequent words between ours and
  gensim, next to the overlap between two gensim runs with different seeds (what agreement is
  possible at all, since Hogwild training is not reproducible).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from nlpcourse.data.docstrings import docstring_corpus
from nlpcourse.data.toyworld import analogies, similarities, toy_world_corpus
from nlpcourse.embeddings import (
    Word2VecConfig,
    WordVectors,
    analogy_accuracy,
    build_vocab,
    encode,
    neighbour_overlap,
    similarity_correlation,
    train_word2vec,
)
from nlpcourse.embeddings.fast import train_compiled

SETTINGS = dict(
    dim=100, window=5, negative=5, min_count=5, epochs=5, sample=1e-3, alpha=0.025, min_alpha=1e-4, workers=2
)


def ours(sentences: list[list[str]], seed: int = 0, epochs: int | None = None) -> WordVectors:
    config = Word2VecConfig(**{**SETTINGS, "epochs": epochs or SETTINGS["epochs"]}, seed=seed)
    return train_word2vec(sentences, config)[0]


def gensim_model(sentences: list[list[str]], seed: int = 0, epochs: int | None = None, train: bool = True):
    from gensim.models import Word2Vec

    return Word2Vec(
        sentences if train else None,
        vector_size=SETTINGS["dim"],
        window=SETTINGS["window"],
        negative=SETTINGS["negative"],
        min_count=SETTINGS["min_count"],
        sg=1,
        hs=0,
        epochs=epochs or SETTINGS["epochs"],
        sample=SETTINGS["sample"],
        alpha=SETTINGS["alpha"],
        min_alpha=SETTINGS["min_alpha"],
        workers=SETTINGS["workers"],
        seed=seed,
    )


def gensim_vectors(sentences: list[list[str]], seed: int = 0, epochs: int | None = None) -> WordVectors:
    model = gensim_model(sentences, seed, epochs)
    return WordVectors(model.wv.index_to_key, torch.from_numpy(model.wv.vectors.copy()))


class Clock:
    """Wall-clock and CPU seconds (all threads of this process) of a block."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def time_end_to_end(sentences: list[list[str]], epochs: int) -> tuple[Clock, Clock]:
    with Clock() as ours_clock:
        ours(sentences, epochs=epochs)
    with Clock() as gensim_clock:
        gensim_model(sentences, epochs=epochs)
    return ours_clock, gensim_clock


def time_training_only(sentences: list[list[str]], epochs: int) -> tuple[Clock, Clock]:
    config = Word2VecConfig(**{**SETTINGS, "epochs": epochs})
    vocab = build_vocab(sentences, config.min_count, config.window)
    ids, offsets = encode(sentences, vocab)
    with Clock() as ours_clock:
        train_compiled(ids, offsets, vocab, config)
    model = gensim_model(sentences, epochs=epochs, train=False)
    model.build_vocab(sentences)
    with Clock() as gensim_clock:
        model.train(sentences, total_examples=model.corpus_count, epochs=epochs)
    return ours_clock, gensim_clock


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a slice of the corpus, 1 epoch: a smoke test")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each")
    args = parser.parse_args(argv)
    torch.set_num_threads(2)

    corpus = docstring_corpus()
    sentences = corpus.sentences[:2000] if args.quick else corpus.sentences
    epochs = 1 if args.quick else SETTINGS["epochs"]
    tokens = sum(len(s) for s in sentences) * epochs
    quick = " (quick: first 2,000 paragraphs, 1 epoch)" if args.quick else ""
    print(f"corpus: {corpus.describe()}{quick}")
    print(
        "settings: skip-gram, "
        + ", ".join(f"{k} {v}" for k, v in SETTINGS.items() if k != "epochs")
        + f", epochs {epochs}; torch threads {torch.get_num_threads()}"
    )

    start = time.perf_counter()
    ours(sentences[:200], epochs=1)  # builds (or loads from numba's cache) the compiled trainer
    print(f"warm-up (numba compile or cache load, not timed): {time.perf_counter() - start:.2f} s")
    gensim_model(sentences[:200], epochs=1)

    print(
        f"\nspeed (median of {args.repeats}; tokens = raw corpus tokens x epochs = {tokens:,}); "
        "CPU s: all threads, what a busy machine distorts least"
    )
    print(
        f"{'':<14} {'ours tok/s':>12} {'gensim tok/s':>13} {'ratio':>6}   {'ours s':>7} {'gensim s':>8}"
        f"   {'ours CPU s':>10} {'gensim CPU s':>12}"
    )
    ratios: dict[str, float] = {}
    for name, measure in [("end to end", time_end_to_end), ("training only", time_training_only)]:
        runs = [measure(sentences, epochs) for _ in range(args.repeats)]
        ours_s, gensim_s = (statistics.median(r[k].wall for r in runs) for k in (0, 1))
        ours_cpu, gensim_cpu = (statistics.median(r[k].cpu for r in runs) for k in (0, 1))
        print(
            f"{name:<14} {tokens / ours_s:>12,.0f} {tokens / gensim_s:>13,.0f} {gensim_s / ours_s:>5.2f}x"
            f"   {ours_s:>7.2f} {gensim_s:>8.2f}   {ours_cpu:>10.2f} {gensim_cpu:>12.2f}"
        )
        ratios[name] = gensim_s / ours_s

    toy = toy_world_corpus(5000 if args.quick else 20_000, seed=0).sentences
    print(f"\nquality on the toy world ({len(toy):,} sentences, same settings, {epochs} epochs)")
    print(f"{'':<8} {'3CosAdd':>8} {'3CosMul':>8} {'sim. rho':>9}")
    toy_vectors = {"ours": ours(toy, epochs=epochs), "gensim": gensim_vectors(toy, epochs=epochs)}
    for name, vectors in toy_vectors.items():
        add = analogy_accuracy(vectors, analogies(), "3cosadd").accuracy
        mul = analogy_accuracy(vectors, analogies(), "3cosmul").accuracy
        rho = similarity_correlation(vectors, similarities())[0]
        print(f"{name:<8} {add:>8.1%} {mul:>8.1%} {rho:>9.3f}")

    counts = corpus.counts()
    vectors = {
        "ours": ours(sentences, epochs=epochs),
        "gensim": gensim_vectors(sentences, epochs=epochs),
        "ours, seed 1": ours(sentences, seed=1, epochs=epochs),
        "gensim, seed 1": gensim_vectors(sentences, seed=1, epochs=epochs),
    }
    frequent = [w for w, _ in counts.most_common(250)[50:]]  # skip the 50 most frequent (the, of, ...)
    print("\nneighbour overlap @10 on the docstrings (words ranked 51-250 by frequency)")
    for a, b in [("ours", "gensim"), ("gensim", "gensim, seed 1"), ("ours", "ours, seed 1")]:
        print(f"  {a} vs {b}: {neighbour_overlap(vectors[a], vectors[b], frequent, k=10):.1%}")
    print("\nnearest neighbours on the docstrings")
    for word in ["true", "thread", "socket", "file"]:
        for name in ("ours", "gensim"):
            if word in vectors[name]:
                near = ", ".join(w for w, _ in vectors[name].most_similar(word, topn=6))
                print(f"  {word:<7} {name:<7} {near}")
    print(f"ratio: {ratios['end to end']:.2f} (ours vs gensim, end-to-end tokens/s, higher is better)")


if __name__ == "__main__":
    main()
