"""Language models: n-gram models (chapter 03) and recurrent networks (chapter 04).

* :mod:`~nlpcourse.lm.counts`: padded n-gram counting into sorted tables, continuation counts.
* :mod:`~nlpcourse.lm.ngram`: :class:`NgramLM`, MLE, add-k, interpolation, back-off and Kneser-Ney;
  log-probabilities, perplexity, sampling with temperature; SRILM/KenLM or nltk sentence padding.
* :mod:`~nlpcourse.lm.reference`: :class:`ReferenceNgramLM`, the same formulas in plain Python.
* :mod:`~nlpcourse.lm.scoring`: the compiled back-off walk that scores sentences.
* :mod:`~nlpcourse.lm.arpa`: export to the ARPA format read by KenLM.
* :mod:`~nlpcourse.lm.cells`: our RNN and LSTM cells, unrolled over time, equal to ``torch.nn``'s.
* :mod:`~nlpcourse.lm.rnn`: :class:`RNNLM`, truncated BPTT in the shared training loop, perplexity,
  sampling with temperature and top-k.
"""

from nlpcourse.lm.arpa import write_arpa
from nlpcourse.lm.cells import LSTMCell, Recurrent, RNNCell, gradient_through_time
from nlpcourse.lm.counts import NgramCounts, NgramTable, padded_stream
from nlpcourse.lm.ngram import METHODS, PADDINGS, NgramLM, apply_temperature, padded_ngrams
from nlpcourse.lm.reference import ReferenceNgramLM
from nlpcourse.lm.rnn import (
    RNNLM,
    RNNLMConfig,
    TruncatedBPTT,
    batchify,
    encode_sentences,
    encode_stream,
    next_token_probs,
    sample,
    sentence_perplexity,
    stream_perplexity,
    train_lm,
)

__all__ = [
    "NgramCounts",
    "NgramTable",
    "padded_stream",
    "METHODS",
    "PADDINGS",
    "NgramLM",
    "ReferenceNgramLM",
    "apply_temperature",
    "padded_ngrams",
    "write_arpa",
    "RNNCell",
    "LSTMCell",
    "Recurrent",
    "gradient_through_time",
    "RNNLMConfig",
    "RNNLM",
    "encode_sentences",
    "encode_stream",
    "batchify",
    "TruncatedBPTT",
    "train_lm",
    "sentence_perplexity",
    "stream_perplexity",
    "next_token_probs",
    "sample",
]
