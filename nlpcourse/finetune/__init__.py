"""Chapter 08: fine-tuning a pretrained BERT for text classification, and when it pays off.

One module per concept, in the order the chapter teaches them:

* :mod:`~nlpcourse.finetune.baseline`: bag-of-words logistic regression, accuracy by construction.
* :mod:`~nlpcourse.finetune.data`: labelled texts as token ids, shuffled batches with dynamic padding.
* :mod:`~nlpcourse.finetune.classifier`: :class:`SequenceClassifier` (BERT + dropout + linear head, the
  layout of ``transformers.BertForSequenceClassification``) from all-MiniLM-L6-v2, a chapter-06
  checkpoint or from scratch.
* :mod:`~nlpcourse.finetune.trainer`: :func:`fine_tune` (AdamW, warm-up + linear decay, layer-wise rates,
  early stopping; on the shared loop :func:`nlpcourse.train.train`), :func:`evaluate`, :func:`predict`.
* :mod:`~nlpcourse.finetune.freezing`: freezing by name, linear probes, parameter counts.
* :mod:`~nlpcourse.finetune.lora`: :class:`LoRALinear`, :func:`apply_lora`, merging.
* :mod:`~nlpcourse.finetune.metrics`: accuracy, confusion matrix, macro-F1.
* :mod:`~nlpcourse.finetune.minibert`: chapter 06's mini-BERT, pretrained once and cached.
* :mod:`~nlpcourse.finetune.learning_curve`: accuracy against labelled examples, several seeds.
* :mod:`~nlpcourse.finetune.hf_trainer`: the same run with ``transformers.Trainer``.
* :mod:`~nlpcourse.finetune.plots`: the chapter's figures.

Quick start::

    from nlpcourse.finetune import SequenceClassifier, encode, fine_tune, evaluate
    from nlpcourse.pretrained import load_tokenizer
    tokenizer = load_tokenizer()
    train = encode(texts, labels, tokenizer, num_labels=2, max_length=32)
    model = SequenceClassifier.from_pretrained_minilm(num_labels=2, seed=0)
    history = fine_tune(model, train, validation, epochs=2, lr=5e-5)
"""

from nlpcourse.finetune.baseline import (
    LogisticRegression,
    accuracy_by_group,
    bag_of_words,
    build_vocabulary,
    train_bag_of_words,
    words,
)
from nlpcourse.finetune.classifier import POOLINGS, SequenceClassifier, pool
from nlpcourse.finetune.data import ClassificationBatches, EncodedDataset, encode, pad, subset
from nlpcourse.finetune.freezing import (
    count_parameters,
    freeze,
    freeze_body,
    freeze_embeddings,
    freeze_lower_layers,
    layer_index,
    layerwise_param_groups,
    trainable_names,
    unfreeze,
)
from nlpcourse.finetune.learning_curve import Start, format_curve, learning_curve, summarize
from nlpcourse.finetune.lora import LoRALinear, apply_lora, lora_modules, merge_lora, unmerge_lora
from nlpcourse.finetune.metrics import accuracy, confusion_matrix, f1_per_class, macro_f1
from nlpcourse.finetune.minibert import (
    MINIBERT_CONFIG,
    minibert_paths,
    minibert_tokenizer,
    pretrained_minibert,
)
from nlpcourse.finetune.trainer import History, evaluate, fine_tune, predict, predict_logits

__all__ = [
    "words",
    "build_vocabulary",
    "bag_of_words",
    "LogisticRegression",
    "train_bag_of_words",
    "accuracy_by_group",
    "EncodedDataset",
    "encode",
    "pad",
    "subset",
    "ClassificationBatches",
    "POOLINGS",
    "SequenceClassifier",
    "pool",
    "History",
    "fine_tune",
    "evaluate",
    "predict",
    "predict_logits",
    "freeze",
    "unfreeze",
    "freeze_embeddings",
    "freeze_lower_layers",
    "freeze_body",
    "count_parameters",
    "trainable_names",
    "layer_index",
    "layerwise_param_groups",
    "LoRALinear",
    "apply_lora",
    "lora_modules",
    "merge_lora",
    "unmerge_lora",
    "accuracy",
    "confusion_matrix",
    "f1_per_class",
    "macro_f1",
    "MINIBERT_CONFIG",
    "minibert_paths",
    "minibert_tokenizer",
    "pretrained_minibert",
    "Start",
    "learning_curve",
    "summarize",
    "format_curve",
]
