"""Chapter 01 (text, tokens, vocabularies) and the subword tokenizers of chapter 06.

One module per concept, in the order the course teaches them:

* :mod:`~nlpcourse.text.tokenize`: word tokenization, ``word_tokenize("Don't stop.")`` ->
  ``["don't", "stop", "."]``, and paragraph splitting.
* :mod:`~nlpcourse.text.vocab`: :class:`Vocab`, token <-> id with specials and ``<unk>``.
* :mod:`~nlpcourse.text.bpe`: byte-pair encoding from scratch (:class:`BPE`, and the two training steps
  :func:`most_frequent_pair` and :func:`merge_pair`), merge for merge equal to Hugging Face ``tokenizers``.
* :mod:`~nlpcourse.text.subword`: real BPE and WordPiece tokenizers trained with ``tokenizers``, and
  :func:`to_transformers` to use them from ``transformers``.
"""

from nlpcourse.text.bpe import BPE, merge_pair, most_frequent_pair
from nlpcourse.text.subword import to_transformers, train_bpe_tokenizer, train_wordpiece_tokenizer
from nlpcourse.text.tokenize import split_paragraphs, word_tokenize
from nlpcourse.text.vocab import Vocab

__all__ = [
    "word_tokenize",
    "split_paragraphs",
    "Vocab",
    "BPE",
    "most_frequent_pair",
    "merge_pair",
    "train_bpe_tokenizer",
    "train_wordpiece_tokenizer",
    "to_transformers",
]
