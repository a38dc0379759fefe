"""Fine-tuning on the shared training loop: AdamW, warm-up and linear decay, early stopping.

    history = fine_tune(model, train, validation, epochs=3, batch_size=16, lr=5e-5, eval_every=20,
                        patience=3, seed=0)
    history["loss"]            # per step              history["lr"]   learning rate per step
    history["val_loss"]        # per evaluation        history["val_accuracy"]
    history["best_step"]       # [step whose weights the model holds at the end]

BERT's recipe (Devlin et al. 2019, appendix A.3): AdamW with weight decay 0.01 on matrices, a learning
rate of 2e-5 to 5e-5, linear warm-up over the first 10 % of the steps then linear decay to 0, 2-4 epochs,
batch 16-32. The steps run in :func:`nlpcourse.train.train`. With ``patience``, training stops after
``patience`` evaluations without a lower validation loss and the best weights are put back (early
stopping); training then runs in chunks of ``eval_every`` steps, each one a call of the shared loop.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nlpcourse.finetune.data import ClassificationBatches, EncodedDataset, pad
from nlpcourse.finetune.freezing import layerwise_param_groups
from nlpcourse.pretraining.trainer import warmup_linear
from nlpcourse.train import History, train

__all__ = ["History", "fine_tune", "predict_logits", "predict", "evaluate"]


@torch.no_grad()
def predict_logits(model: nn.Module, data: EncodedDataset, batch_size: int = 128) -> Tensor:
    """``(len(data), num_labels)`` logits in eval mode, batches sorted by length (less padding)."""
    if not len(data):
        raise ValueError("the dataset is empty: nothing to predict")
    was_training = model.training
    model.eval()
    order = sorted(range(len(data)), key=lambda i: len(data.input_ids[i]))
    out = torch.empty(len(data), data.num_labels)
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        ids, types, mask = pad([data.input_ids[i] for i in rows], data.pad_id)
        out[rows] = model(ids, types, mask)[0].float()
    model.train(was_training)
    return out


def predict(model: nn.Module, data: EncodedDataset, batch_size: int = 128) -> Tensor:
    """Predicted class ids ``(len(data),)``."""
    return predict_logits(model, data, batch_size).argmax(-1)


def evaluate(model: nn.Module, data: EncodedDataset, batch_size: int = 128) -> dict[str, float]:
    """``{"loss": mean cross-entropy, "accuracy": share right}`` on ``data``."""
    logits = predict_logits(model, data, batch_size)
    labels = torch.tensor(data.labels)
    return {
        "loss": F.cross_entropy(logits, labels).item(),
        "accuracy": (logits.argmax(-1) == labels).double().mean().item(),
    }


def fine_tune(
    model: nn.Module,
    train_data: EncodedDataset,
    validation: EncodedDataset | None = None,
    *,
    epochs: float = 3,
    steps: int | None = None,
    batch_size: int = 16,
    lr: float = 5e-5,
    weight_decay: float = 0.01,
    warmup: float = 0.1,
    layer_decay: float = 1.0,
    clip: float | None = 1.0,
    eval_every: int = 0,
    patience: int | None = None,
    seed: int = 0,
    optimizer: torch.optim.Optimizer | None = None,
    progress: bool = True,
    desc: str = "fine-tuning",
) -> History:
    """Fine-tune ``model`` (a :class:`SequenceClassifier` or any ``model(*batch) -> (logits, loss)``).

    Trains the parameters with ``requires_grad`` for ``steps`` steps (default: ``epochs`` passes over
    ``train_data``) of ``batch_size`` examples, with AdamW (``layer_decay`` < 1: layer-wise rates, see
    :func:`~nlpcourse.finetune.freezing.layerwise_param_groups`), ``warmup`` (a share of the steps) of
    linear warm-up then linear decay, gradients clipped to norm ``clip``. ``validation`` is evaluated
    every ``eval_every`` steps (and at the end). Returns the history; the model ends in eval mode.
    """
    if not len(train_data):
        raise ValueError("the training set is empty: pass at least one labelled example")
    if patience is not None and (validation is None or eval_every <= 0):
        raise ValueError("early stopping (patience) needs a validation set and eval_every > 0")
    if not 0 <= warmup < 1:
        raise ValueError(f"warmup is a share of the steps in [0, 1), got {warmup}")
    batches = ClassificationBatches(train_data, batch_size, seed)
    total = steps if steps is not None else max(1, math.ceil(epochs * batches.steps_per_epoch))
    if total < 1:
        raise ValueError(f"steps must be >= 1, got {total}")
    if optimizer is None:
        groups = layerwise_param_groups(model, lr, layer_decay, weight_decay)
        for group in groups:
            group.pop("depth")
        optimizer = torch.optim.AdamW(groups, lr=lr, eps=1e-8)
    scheduler = warmup_linear(optimizer, round(warmup * total), total)
    history: History = {"loss": []}

    def loss_fn(m: nn.Module, batch: Any) -> Tensor:
        history.setdefault("lr", []).append(optimizer.param_groups[-1]["lr"])
        return m(*batch)[1]

    def validate(m: nn.Module) -> dict[str, float]:
        result = evaluate(m, validation)
        return {"val_loss": result["loss"], "val_accuracy": result["accuracy"]}

    evaluate_fn = validate if validation is not None else None
    if patience is None:
        train(
            model,
            batches,
            total,
            optimizer,
            loss_fn=loss_fn,
            clip=clip,
            scheduler=scheduler,
            evaluate=evaluate_fn,
            eval_every=eval_every,
            history=history,
            progress=progress,
            desc=desc,
        )
        history["best_step"] = [float(total)]
        return history

    best_loss, best_state, best_step, waited, done = math.inf, None, 0, 0, 0
    while done < total:
        chunk = min(eval_every, total - done)
        start = done
        train(
            model,
            lambda i, s=start: batches(s + i),
            chunk,
            optimizer,
            loss_fn=loss_fn,
            clip=clip,
            scheduler=scheduler,
            evaluate=evaluate_fn,
            eval_every=chunk,
            history=history,
            progress=progress,
            desc=f"{desc} (steps {start}-{start + chunk})",
        )
        done += chunk
        if history["val_loss"][-1] < best_loss:
            best_loss, best_step, waited = history["val_loss"][-1], done, 0
            best_state = copy.deepcopy(model.state_dict())
        else:
            waited += 1
            if waited >= patience:
                break
    model.load_state_dict(best_state)
    model.eval()
    history["best_step"] = [float(best_step)]
    history["stopped_step"] = [float(done)]
    return history
