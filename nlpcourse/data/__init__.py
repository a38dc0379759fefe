"""Data for the course, all available offline and deterministic (seeded).

* :mod:`~nlpcourse.data.corpus`: :class:`Corpus`, tokenized texts with counts, a fingerprint and splits.
* :mod:`~nlpcourse.data.docstrings`: :func:`docstring_corpus`, real English from the docstrings of
  Python's standard library (about 15,500 paragraphs, 260,000 word tokens).
* :mod:`~nlpcourse.data.toyworld`: :class:`ToyWorld`, a seeded grammar whose sentences make word
  relations learnable, with gold :func:`analogies` and :func:`similarities`.
* :mod:`~nlpcourse.data.toyworld_zh`: the same grammar writing English and Chinese side by side,
  :func:`parallel_toy_world` (:class:`ParallelSentence` with gold segmentation and word alignment),
  :func:`toy_world_corpus_zh` (words or characters), :func:`analogies_zh`, :func:`similarities_zh`.
* Task datasets (``datasets.DatasetDict`` with train / validation / test):
  :func:`sentiment_dataset` (negation and contrast), :func:`topic_dataset` (four news topics),
  :func:`translation_dataset` (English → Chinese numbers and dates, from the converters in
  :mod:`~nlpcourse.data.numbers`), :func:`qa_dataset` (extractive QA in SQuAD form),
  :func:`nsp_dataset` (next-sentence prediction).
* :mod:`~nlpcourse.data.hub`: :func:`load_hub_dataset` for wikitext-2, imdb, sst2 and squad when
  online; offline it fails fast with an :class:`OfflineError` naming the replacement above.
"""

from nlpcourse.data.corpus import Corpus, CorpusSplit
from nlpcourse.data.docstrings import data_dir, docstring_corpus, docstring_paragraphs
from nlpcourse.data.hub import HUB_DATASETS, OfflineError, is_offline, load_hub_dataset
from nlpcourse.data.nsp import nsp_dataset
from nlpcourse.data.numbers import chinese_date, chinese_number, english_date, english_number
from nlpcourse.data.qa import qa_dataset
from nlpcourse.data.sentiment import sentiment_dataset
from nlpcourse.data.topics import topic_dataset
from nlpcourse.data.toyworld import Person, ToyWorld, analogies, render, similarities, toy_world_corpus
from nlpcourse.data.toyworld_zh import (
    ParallelSentence,
    analogies_zh,
    chinese_lexicon,
    parallel_toy_world,
    similarities_zh,
    toy_world_corpus_zh,
)
from nlpcourse.data.translation import translation_dataset

__all__ = [
    "Corpus",
    "CorpusSplit",
    "data_dir",
    "docstring_corpus",
    "docstring_paragraphs",
    "ToyWorld",
    "Person",
    "toy_world_corpus",
    "analogies",
    "similarities",
    "render",
    "ParallelSentence",
    "parallel_toy_world",
    "toy_world_corpus_zh",
    "analogies_zh",
    "similarities_zh",
    "chinese_lexicon",
    "sentiment_dataset",
    "topic_dataset",
    "translation_dataset",
    "qa_dataset",
    "nsp_dataset",
    "english_number",
    "chinese_number",
    "english_date",
    "chinese_date",
    "HUB_DATASETS",
    "OfflineError",
    "is_offline",
    "load_hub_dataset",
]
