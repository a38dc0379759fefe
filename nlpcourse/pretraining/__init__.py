"""Chapter 06: self-supervised pretraining of a mini-BERT (Devlin et al. 2019), and a GPT-style contrast.

One module per concept, in the order the chapter teaches them:

* :mod:`~nlpcourse.pretraining.masking`: BERT's 80/10/10 masking (:func:`mask_tokens`) and the MLM loss
  on masked positions only.
* :mod:`~nlpcourse.pretraining.data`: documents, a run-independent WordPiece numbering, next-sentence
  pairs, padded and masked batches.
* :mod:`~nlpcourse.pretraining.bert`: :class:`BertModel` (embeddings, chapter 05's encoder layers,
  pooler) and :class:`BertForPreTraining` (MLM head tied to the embeddings, NSP head).
* :mod:`~nlpcourse.pretraining.keys`: checkpoint key names, transformers' and ours.
* :mod:`~nlpcourse.pretraining.causal`: the causal (GPT) objective on the same body, generation, and
  XLNet's permutation masks.
* :mod:`~nlpcourse.pretraining.trainer`: warm-up schedule, :class:`Pretrainer` (shared training loop,
  checkpoints), :func:`fill_mask`.
"""

from nlpcourse.pretraining.bert import (
    IGNORE_INDEX,
    BertConfig,
    BertEmbeddings,
    BertEncoder,
    BertForPreTraining,
    BertLMPredictionHead,
    BertModel,
    BertOutput,
    BertPooler,
    BertPredictionHeadTransform,
    BertPreTrainingHeads,
    PreTrainingOutput,
    keep_mask,
)
from nlpcourse.pretraining.causal import BertOnlyMLMHead, CausalLM, generate, permutation_mask
from nlpcourse.pretraining.data import (
    CausalBatches,
    PretrainingBatches,
    canonical_wordpiece,
    encode_pair,
    nsp_pair,
    pad_batch,
    pretraining_documents,
    tokenize_documents,
)
from nlpcourse.pretraining.keys import LAYER_KEYS, our_key, transformers_key
from nlpcourse.pretraining.masking import mask_tokens, masked_lm_loss
from nlpcourse.pretraining.trainer import Pretrainer, fill_mask, make_optimizer, warmup_linear

__all__ = [
    "IGNORE_INDEX",
    "BertConfig",
    "BertEmbeddings",
    "BertEncoder",
    "BertModel",
    "BertOutput",
    "BertPooler",
    "BertPredictionHeadTransform",
    "BertLMPredictionHead",
    "BertPreTrainingHeads",
    "BertForPreTraining",
    "PreTrainingOutput",
    "keep_mask",
    "mask_tokens",
    "masked_lm_loss",
    "pretraining_documents",
    "canonical_wordpiece",
    "tokenize_documents",
    "nsp_pair",
    "encode_pair",
    "pad_batch",
    "PretrainingBatches",
    "CausalBatches",
    "LAYER_KEYS",
    "our_key",
    "transformers_key",
    "BertOnlyMLMHead",
    "CausalLM",
    "generate",
    "permutation_mask",
    "warmup_linear",
    "make_optimizer",
    "Pretrainer",
    "fill_mask",
]
