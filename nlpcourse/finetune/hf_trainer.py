"""The industry path: ``AutoModelForSequenceClassification`` + ``transformers.Trainer``, offline.

    result = trainer_fine_tune(train_texts, train_labels, val_texts, val_labels, num_labels=2,
                               steps=60, batch_size=16, lr=5e-5, seed=0)
    result["accuracy"], result["seconds"], result["loss"]     # validation accuracy, time, loss per step

The same recipe as :func:`nlpcourse.finetune.fine_tune` (AdamW, weight decay 0.01, 10 % linear warm-up
then linear decay, gradient clipping at 1.0, batches padded to their longest sentence), written the way
the Hugging Face course writes it. The checkpoint is the packaged all-MiniLM-L6-v2 (or any local one);
the Trainer's working folder is ``<course cache>/finetune/trainer`` and it saves no checkpoint.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["trainer_fine_tune"]


def trainer_fine_tune(
    train_texts: Sequence[str],
    train_labels: Sequence[int],
    val_texts: Sequence[str],
    val_labels: Sequence[int],
    *,
    num_labels: int,
    steps: int = 60,
    batch_size: int = 16,
    lr: float = 5e-5,
    max_length: int = 32,
    seed: int = 0,
    name: str | Path | None = None,
    threads: int | None = None,
) -> dict[str, Any]:
    """Fine-tune with ``transformers.Trainer``; returns validation ``accuracy``, ``seconds``, ``loss`` (per
    step) and the ``model``."""
    import numpy as np
    import torch
    from datasets import Dataset
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorWithPadding,
        PrinterCallback,
        Trainer,
        TrainingArguments,
    )
    from transformers.utils import logging

    from nlpcourse.data import data_dir
    from nlpcourse.pretrained import _quiet_transformers, checkpoint_dir

    if not len(train_texts) or not len(val_texts):
        raise ValueError("the training and validation sets must each hold at least one example")
    folder = str(checkpoint_dir(name))
    with _quiet_transformers():
        tokenizer = AutoTokenizer.from_pretrained(folder)
        # the new head is initialised from the seed, like ours
        torch.manual_seed(seed)
        model = AutoModelForSequenceClassification.from_pretrained(folder, num_labels=num_labels)

    def tokenize(texts: Sequence[str], labels: Sequence[int]) -> Any:
        encoded = tokenizer(list(texts), truncation=True, max_length=max_length)
        return Dataset.from_dict({**encoded, "labels": [int(y) for y in labels]})

    train_set, val_set = tokenize(train_texts, train_labels), tokenize(val_texts, val_labels)
    args = TrainingArguments(
        output_dir=str(data_dir() / "finetune" / "trainer"),
        max_steps=steps,
        per_device_train_batch_size=batch_size,
        per_device_eval_batch_size=128,
        learning_rate=lr,
        weight_decay=0.01,
        warmup_steps=round(0.1 * steps),
        lr_scheduler_type="linear",
        max_grad_norm=1.0,
        seed=seed,
        data_seed=seed,
        logging_steps=1,
        save_strategy="no",
        eval_strategy="no",
        report_to=[],
        use_cpu=True,
        dataloader_num_workers=0,
        disable_tqdm=True,
        log_level="error",
    )
    previous = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    level = logging.get_verbosity()
    logging.set_verbosity_error()
    try:
        trainer = Trainer(
            model=model, args=args, train_dataset=train_set, data_collator=DataCollatorWithPadding(tokenizer)
        )
        trainer.remove_callback(PrinterCallback)  # the losses are returned, not printed
        start = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - start
        logits = trainer.predict(val_set).predictions
    finally:
        logging.set_verbosity(level)
        torch.set_num_threads(previous)
    accuracy = float((np.argmax(logits, -1) == np.asarray(val_labels)).mean())
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    return {"accuracy": accuracy, "seconds": seconds, "loss": losses, "model": model}
