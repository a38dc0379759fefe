"""Chapter 06's mini-BERT as a starting point for fine-tuning, pretrained once and kept in the course cache.

    path, tokenizer = pretrained_minibert(steps=1000, seed=0)   # pretrains on first use, then reads the cache
    model = SequenceClassifier.from_checkpoint(path, num_labels=2)

The recipe is chapter 06's (:mod:`nlpcourse.pretraining`): a 3,000-piece WordPiece vocabulary trained on
the standard library's docstrings and toy-world stories, a 2-layer, 128-wide BERT, MLM (80/10/10) + NSP,
batch 32 of up to 48 tokens, AdamW with warm-up. The checkpoint (``Pretrainer.save``) and the tokenizer
(JSON) are written to ``<course cache>/finetune/`` (``$NLPCOURSE_DATA``), named by steps and seed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

__all__ = ["MINIBERT_CONFIG", "minibert_paths", "pretrained_minibert", "minibert_tokenizer"]

#: Sizes of chapter 06's mini-BERT (the vocabulary size is filled in from the tokenizer).
MINIBERT_CONFIG = {
    "hidden_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 512,
    "max_position_embeddings": 48,
    "hidden_dropout_prob": 0.0,
    "attention_probs_dropout_prob": 0.0,
}


def minibert_paths(steps: int, seed: int = 0) -> tuple[Path, Path]:
    """Where the checkpoint and its tokenizer are cached."""
    from nlpcourse.data import data_dir

    folder = data_dir() / "finetune"
    stem = f"mini-bert-{steps}-seed{seed}"
    return folder / f"{stem}.pt", folder / f"{stem}.tokenizer.json"


def minibert_tokenizer(seed: int = 0, toy_documents: int = 3000) -> tuple[Any, list[list[str]]]:
    """Chapter 06's WordPiece tokenizer (3,000 pieces, run-independent ids) and its documents."""
    from nlpcourse.pretraining import canonical_wordpiece, pretraining_documents
    from nlpcourse.text import train_wordpiece_tokenizer

    documents = pretraining_documents(toy_documents=toy_documents, seed=seed)
    units = [unit for document in documents for unit in document]
    return canonical_wordpiece(train_wordpiece_tokenizer(units, vocab_size=3000)), documents


def pretrained_minibert(
    steps: int = 1000, seed: int = 0, lr: float = 2e-3, progress: bool = True
) -> tuple[Path, Any]:
    """``(checkpoint path, tokenizers.Tokenizer)`` of a mini-BERT pretrained for ``steps`` steps."""
    from tokenizers import Tokenizer

    from nlpcourse.pretraining import BertConfig, BertForPreTraining, Pretrainer, PretrainingBatches

    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    checkpoint, tokenizer_path = minibert_paths(steps, seed)
    if checkpoint.is_file() and tokenizer_path.is_file():
        return checkpoint, Tokenizer.from_file(str(tokenizer_path))
    import torch

    tokenizer, documents = minibert_tokenizer(seed)
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=tokenizer.get_vocab_size(), **MINIBERT_CONFIG)
    trainer = Pretrainer(BertForPreTraining(config), total_steps=steps, lr=lr)
    batches = PretrainingBatches.from_tokenizer(
        documents, tokenizer, batch_size=32, max_len=config.max_position_embeddings, seed=seed
    )
    trainer.run(batches, progress=progress, desc="pretraining the mini-BERT (chapter 06)")
    checkpoint.parent.mkdir(parents=True, exist_ok=True)
    partial = tokenizer_path.with_name(f".{tokenizer_path.name}.{os.getpid()}.partial")
    tokenizer.save(str(partial))
    os.replace(partial, tokenizer_path)
    trainer.save(checkpoint)  # last and atomic: a reader sees both files or goes on to train
    return checkpoint, tokenizer
