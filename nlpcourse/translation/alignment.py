"""Cross-attention against a gold word alignment (chapter 09, toy-world sentences).

A translator trained on :func:`~nlpcourse.data.toyworld_zh.parallel_toy_world` writes Chinese one
character at a time; each :class:`~nlpcourse.data.toyworld_zh.ParallelSentence` says which English
token translates which Chinese *word*. Spread over characters, that is a 0/1 matrix shaped like the
model's cross-attention, so the two can be compared:

    gold = gold_alignment(sentence)                       # (chars + 1, tokens + 1), last row/column <eos>
    agreement(weights, gold)                              # share of attention on gold-aligned tokens
    agreement_by_head(translator, sentences)              # (layers, heads), averaged over sentences
    plot_alignment(source, target, weights, gold)         # the head's map beside the gold alignment

``agreement`` is, for every character that has an aligned English token, the attention weight on
those tokens (0-1), averaged over such characters: 1 when the head looks only at the translated word,
about ``1 / len(source)`` when it looks everywhere alike. Characters without a counterpart (的 in
日本的女人) and ``<eos>`` have no gold row and are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from torch import Tensor

from nlpcourse.plots import heatmap

if TYPE_CHECKING:
    from nlpcourse.data.toyworld_zh import ParallelSentence
    from nlpcourse.translation.translator import Translator

__all__ = ["gold_alignment", "agreement", "agreement_by_head", "plot_alignment"]


def gold_alignment(sentence: ParallelSentence) -> Tensor:
    """``(len(zh_chars) + 1, len(en) + 1)`` float 0/1: entry ``(t, i)`` is 1 when character ``t``
    belongs to a Chinese word aligned with English token ``i``; the last row and column (``<eos>``)
    are 0, as in :meth:`Translator.cross_attention`'s maps.

    >>> from nlpcourse.data.toyworld_zh import ParallelSentence
    >>> s = ParallelSentence(("the", "king", "sleeps"), ("国王", "睡觉"), ((1, 0), (2, 1)))
    >>> gold_alignment(s).int().tolist()  # rows 国 王 睡 觉 <eos>, columns the king sleeps <eos>
    [[0, 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 1, 0], [0, 0, 0, 0]]
    """
    start, rows = 0, []
    for word in sentence.zh:  # character positions of each word
        rows.append(range(start, start + len(word)))
        start += len(word)
    gold = torch.zeros(start + 1, len(sentence.en) + 1)
    for i, j in sentence.alignment:
        if not (0 <= i < len(sentence.en) and 0 <= j < len(sentence.zh)):
            raise ValueError(
                f"alignment pair {(i, j)} is outside the sentence ({len(sentence.en)} English "
                f"tokens, {len(sentence.zh)} Chinese words)"
            )
        gold[list(rows[j]), i] = 1.0
    return gold


def agreement(weights: Tensor, gold: Tensor) -> float:
    """Mean attention weight on the gold-aligned tokens, over the characters that have one.

    weights: ``(len_t, len_s)`` one head's cross-attention (rows sum to 1); gold: the same shape, 0/1.

    >>> agreement(torch.tensor([[0.9, 0.1], [0.5, 0.5]]), torch.tensor([[1.0, 0.0], [0.0, 0.0]]))
    0.9
    """
    if weights.shape != gold.shape:
        raise ValueError(
            f"weights {tuple(weights.shape)} and gold {tuple(gold.shape)} differ in shape: "
            "pass one head of the same sentence"
        )
    aligned = gold.sum(-1) > 0
    if not aligned.any():
        raise ValueError("the gold alignment links no character: nothing to compare")
    return round(float((weights * gold).sum(-1)[aligned].mean()), 6)


@torch.no_grad()
def agreement_by_head(translator: Translator, sentences: Sequence[ParallelSentence]) -> Tensor:
    """``(layers, heads)``: :func:`agreement` of every cross-attention head, averaged over ``sentences``
    (the decoder reads each reference translation, as in :meth:`Translator.cross_attention`)."""
    if not sentences:
        raise ValueError("no sentences given: pass at least one ParallelSentence")
    total: Tensor | None = None
    for sentence in sentences:
        _, _, maps = translator.cross_attention(sentence.en_text, sentence.zh_text)
        gold = gold_alignment(sentence)
        scores = torch.tensor([[agreement(layer[h], gold) for h in range(layer.shape[0])] for layer in maps])
        total = scores if total is None else total + scores
    return total / len(sentences)


def plot_alignment(
    source: Sequence[str],
    target: Sequence[str],
    weights: Tensor,
    gold: Tensor,
    title: str = "cross-attention",
) -> Figure:
    """One head's cross-attention ``(len_t, len_s)`` beside the gold alignment, rows = Chinese characters.

    The characters are drawn with a Chinese font when one is installed (:func:`nlpcourse.i18n.cjk_font`);
    without one, each row is labelled by its position and the English token(s) its word translates.
    """
    from nlpcourse.i18n import cjk_font

    if weights.shape != gold.shape or tuple(weights.shape) != (len(target), len(source)):
        raise ValueError(
            f"weights {tuple(weights.shape)}, gold {tuple(gold.shape)} and {len(target)} x "
            f"{len(source)} tokens must agree: pass one head of the sentence's map"
        )
    font = cjk_font()
    if font is None:
        labels = [
            f"{t}: {'+'.join(source[i] for i in gold[t].nonzero().flatten().tolist()) or '-'}"
            for t in range(len(target))
        ]
    else:
        labels = list(target)
    fonts = [font] if font is not None else []
    fig, axes = plt.subplots(1, 2, figsize=(0.8 * len(source) + 5, 0.32 * len(target) + 2))
    with plt.rc_context({"font.sans-serif": [*fonts, *plt.rcParams["font.sans-serif"]]}):
        heatmap(weights, labels, source, title=title, ax=axes[0], vmax=1.0)
        heatmap(gold, labels, source, title="gold alignment", ax=axes[1], vmax=1.0, cmap="Greys")
    for ax in axes if fonts else ():  # the font by name: drawing after the `with` block still finds it
        for label in ax.get_yticklabels():
            label.set_fontfamily([*fonts, "DejaVu Sans"])
    return fig
