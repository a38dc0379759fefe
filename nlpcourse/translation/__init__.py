"""Chapter 09: machine translation, English -> Chinese, with an encoder–decoder Transformer.

* :mod:`~nlpcourse.translation.vocab`: English word tokenizer, Chinese character vocabulary.
* :mod:`~nlpcourse.translation.data`: encoded pairs, batches by length.
* :mod:`~nlpcourse.translation.translator`: model + tokenizers, training on the shared loop, translation.
* :mod:`~nlpcourse.translation.bleu`: BLEU by hand (equal to sacrebleu).
* :mod:`~nlpcourse.translation.metrics`: exact match, chrF, scores by category.
* :mod:`~nlpcourse.translation.minilm`: an encoder that starts from MiniLM.
* :mod:`~nlpcourse.translation.plots`: alignment heat maps and explorer, score plots.

The model itself (decoder, cache, greedy and beam search) lives in :mod:`nlpcourse.transformer`.
"""

from nlpcourse.translation.bleu import bleu, brevity_penalty, modified_precision, ngrams, tokenize_zh
from nlpcourse.translation.data import EncodedPairs, encode_pairs, length_batches, padding_share
from nlpcourse.translation.metrics import (
    CATEGORIES,
    category,
    chrf,
    exact_match,
    scores,
    scores_by_category,
)
from nlpcourse.translation.translator import Translator, build_translator, train_translator, warmup_cosine
from nlpcourse.translation.vocab import (
    BOS,
    EOS,
    PAD,
    SPECIALS,
    UNK,
    ZH_CHARACTERS,
    CharVocab,
    SourceTokenizer,
    pad_batch,
    wordpiece_unknowns,
)

__all__ = [
    "bleu",
    "brevity_penalty",
    "modified_precision",
    "ngrams",
    "tokenize_zh",
    "EncodedPairs",
    "encode_pairs",
    "length_batches",
    "padding_share",
    "CATEGORIES",
    "category",
    "chrf",
    "exact_match",
    "scores",
    "scores_by_category",
    "Translator",
    "build_translator",
    "train_translator",
    "warmup_cosine",
    "BOS",
    "EOS",
    "PAD",
    "SPECIALS",
    "UNK",
    "ZH_CHARACTERS",
    "CharVocab",
    "SourceTokenizer",
    "pad_batch",
    "wordpiece_unknowns",
]
