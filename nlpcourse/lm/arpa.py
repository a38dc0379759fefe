"""Export an n-gram model to the ARPA format, which KenLM, SRILM and most speech toolkits read.

    lm.to_arpa("docstrings.arpa")
    import kenlm; kenlm.Model("docstrings.arpa")   # same log10 probabilities as lm.logprob / ln 10

An ARPA file lists, order by order, every stored n-gram with its log10 probability and, when it can be
a context, its log10 back-off weight::

    \\data\\
    ngram 1=3
    ngram 2=2

    \\1-grams:
    -0.30103    </s>
    -99         <s>     -0.17609
    -0.30103    cat     -0.47712

    \\2-grams:
    -0.12494    <s> cat
    -0.12494    cat </s>

    \\end\\

A reader answers log P(w | h) with the entry of the longest h' w it finds (h' a suffix of h), plus the
back-off weights of the contexts longer than h' that it passed on the way down. Our models keep
exactly this back-off form, so the file reproduces them. Sentence markers are written ``<s>`` and
``</s>``, unknown words ``<unk>``; probability zero (``<s>``, which is never predicted) is written -99.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["write_arpa", "arpa_names"]

ZERO_LOG10 = -99.0  # the ARPA convention for log10(0)


def arpa_names(model: Any) -> list[str]:
    """The token of every vocabulary id as written in ARPA: ``<s>``, ``</s>``, ``<unk>`` for the specials."""
    vocab = model.vocab
    names = vocab.tokens
    names[vocab.bos_id], names[vocab.eos_id], names[vocab.unk_id] = "<s>", "</s>", "<unk>"
    for name in names:
        if any(c.isspace() for c in name):
            raise ValueError(f"token {name!r} contains whitespace, which ARPA uses as its separator")
    return names


def _log10(logp: np.ndarray) -> list[float]:
    return np.where(np.isfinite(logp), logp / math.log(10), ZERO_LOG10).tolist()


def write_arpa(model: Any, path: str | Path) -> Path:
    """Write ``model`` (a fitted ``NgramLM``; smoothing ``interpolation``, ``backoff`` or ``kneser_ney``)."""
    model._check_fitted()
    if not model.logp:
        raise ValueError(
            f"smoothing={model.smoothing!r} has no back-off form to store in ARPA: export an "
            "'interpolation', 'backoff' or 'kneser_ney' model"
        )
    vocab, tables = model.vocab, model.counts.tables
    unigrams = np.flatnonzero(model._predictable | (np.arange(len(vocab)) == vocab.bos_id))
    names = [arpa_names(model)]
    sections = []
    for k, table in enumerate(tables, start=1):
        rows = unigrams if k == 1 else np.arange(len(table))
        if k > 1:
            first, last = names[-1], names[0]
            names.append(
                [
                    f"{first[p]} {last[w]}"
                    for p, w in zip(table.prefix.tolist(), table.word.tolist(), strict=True)
                ]
            )
        words = [names[-1][r] for r in rows.tolist()] if k == 1 else names[-1]
        probs = _log10(model.logp[k - 1][rows])
        if k < model.order:
            backoffs = _log10(model.log_backoff[k][rows])
            lines = [f"{p:.7f}\t{w}\t{b:.7f}" for p, w, b in zip(probs, words, backoffs, strict=True)]
        else:
            lines = [f"{p:.7f}\t{w}" for p, w in zip(probs, words, strict=True)]
        sections.append((k, lines))
    path = Path(path)
    with path.open("w", encoding="utf-8") as file:
        file.write("\\data\\\n")
        file.writelines(f"ngram {k}={len(lines)}\n" for k, lines in sections)
        for k, lines in sections:
            file.write(f"\n\\{k}-grams:\n")
            file.write("\n".join(lines))
            file.write("\n")
        file.write("\n\\end\\\n")
    return path
