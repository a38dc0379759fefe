"""Question answering: extractive reading (chapter 10) and retrieval over a collection.

* :mod:`~nlpcourse.qa.offsets`: character spans <-> token spans with a fast tokenizer's offsets.
* :mod:`~nlpcourse.qa.windows`: long contexts in overlapping windows (``max_length``, ``doc_stride``),
  answers labelled per window.
* :mod:`~nlpcourse.qa.span_head`: :class:`BertForQuestionAnswering`, start/end logits on our BERT,
  checkpoint-compatible with transformers'.
* :mod:`~nlpcourse.qa.decoding`: :func:`best_span` in linear time, n-best, the no-answer score.
* :mod:`~nlpcourse.qa.metrics`: SQuAD exact match and F1 with the official normalisation.
* :mod:`~nlpcourse.qa.reader`: training on the shared loop and answering with a :class:`Reader`.
* :mod:`~nlpcourse.qa.baseline`: question types of ``qa_dataset`` and a keyword baseline.
* :mod:`~nlpcourse.qa.bm25`, :mod:`~nlpcourse.qa.dense`: lexical and dense retrieval;
  :mod:`~nlpcourse.qa.retrieval_eval`: generated docstring questions and recall@k;
  :mod:`~nlpcourse.qa.retrieve_read`: open-domain answers from the retrieved passages.
"""

from nlpcourse.qa.baseline import QUESTION_TYPES, heuristic_answer, question_type
from nlpcourse.qa.bm25 import BM25, bm25_tokenize
from nlpcourse.qa.decoding import (
    Prediction,
    best_span,
    best_span_brute_force,
    decode_windows,
    n_best_spans,
    null_score,
)
from nlpcourse.qa.dense import DenseRetriever, encode_texts
from nlpcourse.qa.metrics import em_f1_by_group, exact_match, f1_score, normalize_answer, squad_em_f1
from nlpcourse.qa.offsets import (
    char_span_to_token_span,
    check_answer,
    context_tokens,
    token_span_to_char_span,
)
from nlpcourse.qa.reader import Reader, load_fast_tokenizer, train_reader, window_batches
from nlpcourse.qa.retrieval_eval import RetrievalQuestion, docstring_questions, recall_at_k
from nlpcourse.qa.retrieve_read import OpenAnswer, RetrieveAndRead
from nlpcourse.qa.span_head import BertForQuestionAnswering, SpanLogits
from nlpcourse.qa.windows import QAFeatures, answer_spans, encode_windows

__all__ = [
    "char_span_to_token_span",
    "token_span_to_char_span",
    "context_tokens",
    "check_answer",
    "QAFeatures",
    "encode_windows",
    "answer_spans",
    "BertForQuestionAnswering",
    "SpanLogits",
    "best_span",
    "best_span_brute_force",
    "n_best_spans",
    "null_score",
    "Prediction",
    "decode_windows",
    "normalize_answer",
    "exact_match",
    "f1_score",
    "squad_em_f1",
    "em_f1_by_group",
    "load_fast_tokenizer",
    "window_batches",
    "train_reader",
    "Reader",
    "QUESTION_TYPES",
    "question_type",
    "heuristic_answer",
    "BM25",
    "bm25_tokenize",
    "DenseRetriever",
    "encode_texts",
    "RetrievalQuestion",
    "docstring_questions",
    "recall_at_k",
    "OpenAnswer",
    "RetrieveAndRead",
]
