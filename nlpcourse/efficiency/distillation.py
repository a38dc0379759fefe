"""Knowledge distillation (Hinton et al. 2015): a small student learns from a large teacher's soft targets.

The teacher's logits, softened by a temperature T, carry more than the label: how much a "negative"
review looks "positive" ("dark knowledge"). The student minimises a mix of the KL divergence to those
soft targets and the usual cross-entropy with the hard labels:

    L = alpha * T^2 * KL(softmax(z_t / T) || softmax(z_s / T)) + (1 - alpha) * CE(z_s, y)

The factor T^2 keeps the soft term's gradients on the scale of the hard term's: the gradient of the KL
with respect to z_s is (softmax(z_s / T) - softmax(z_t / T)) / T, and for large T that difference is
itself about (z_s - z_t) / (N T), so without T^2 it would shrink as 1 / T^2.

:func:`student_state_dict` starts the student from a subset of the teacher's layers (DistilBERT kept
every second layer); :func:`distill` trains it on the shared training loop.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nlpcourse.train import History, train

__all__ = ["distillation_loss", "student_state_dict", "distill"]


def distillation_loss(
    student_logits: Tensor,
    teacher_logits: Tensor,
    labels: Tensor | None = None,
    temperature: float = 2.0,
    alpha: float = 0.5,
) -> Tensor:
    """Hinton's loss; logits ``(batch, classes)``, labels ``(batch,)`` class ids (needed when alpha < 1).

    Returns the mean over the batch of ``alpha * T^2 * KL(p_t^T || p_s^T) + (1 - alpha) * CE(z_s, y)``.
    """
    if student_logits.shape != teacher_logits.shape or student_logits.dim() != 2:
        raise ValueError(
            f"student and teacher logits must both be (batch, classes), got "
            f"{tuple(student_logits.shape)} and {tuple(teacher_logits.shape)}"
        )
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha weighs the soft targets and must be in [0, 1], got {alpha}")
    t = temperature
    log_p_student = F.log_softmax(student_logits / t, dim=-1)
    log_p_teacher = F.log_softmax(teacher_logits.detach() / t, dim=-1)
    soft = F.kl_div(log_p_student, log_p_teacher, reduction="batchmean", log_target=True)
    loss = alpha * t * t * soft
    if alpha < 1.0:
        if labels is None or labels.shape != student_logits.shape[:1]:
            raise ValueError(
                f"alpha < 1 mixes in the hard labels: pass labels of shape ({student_logits.size(0)},)"
            )
        loss = loss + (1.0 - alpha) * F.cross_entropy(student_logits, labels)
    return loss


def student_state_dict(teacher_state: dict[str, Tensor], layers: Sequence[int]) -> dict[str, Tensor]:
    """The teacher's weights with only encoder layers ``layers``, renumbered ``0, 1, ...``.

    Load the result into the same model class built with ``num_hidden_layers=len(layers)``; embeddings,
    pooler and head are copied as they are. ``layers=(0, 5)`` keeps MiniLM's first and last layer.
    """
    pattern = re.compile(r"(^|\.)encoder\.layer\.(\d+)\.")
    present = {int(m.group(2)) for k in teacher_state if (m := pattern.search(k))}
    missing = [i for i in layers if i not in present]
    if missing or not layers:
        raise ValueError(f"layers {list(layers)} must be chosen from the teacher's layers {sorted(present)}")
    renumber = {old: new for new, old in enumerate(layers)}
    state = {}
    for key, value in teacher_state.items():
        match = pattern.search(key)
        if match is None:
            state[key] = value.clone()
        elif int(match.group(2)) in renumber:
            new = f"{match.group(1)}encoder.layer.{renumber[int(match.group(2))]}."
            state[key[: match.start()] + new + key[match.end() :]] = value.clone()
    return state


def distill(
    student: nn.Module,
    teacher: nn.Module,
    batches: Callable[[int], tuple[Tensor, ...]],
    steps: int,
    lr: float = 1e-4,
    temperature: float = 2.0,
    alpha: float = 0.5,
    progress: bool = True,
    optimizer: torch.optim.Optimizer | None = None,
    **train_kwargs: Any,
) -> History:
    """Train ``student`` on ``distillation_loss`` against ``teacher`` for ``steps`` steps.

    ``batches(step)`` returns ``(*inputs, labels)``; ``model(*inputs)[0]`` are the logits of either model
    (e.g. chapter 08's ``SequenceClassifier`` with ``(input_ids, token_type_ids, attention_mask)``).
    The teacher runs in eval mode without gradients.
    """
    teacher.eval()
    optimizer = optimizer or torch.optim.AdamW([p for p in student.parameters() if p.requires_grad], lr=lr)

    def loss_fn(model: nn.Module, batch: tuple[Tensor, ...]) -> Tensor:
        *inputs, labels = batch
        with torch.no_grad():
            teacher_logits = teacher(*inputs)[0]
        return distillation_loss(model(*inputs)[0], teacher_logits, labels, temperature, alpha)

    return train(
        student,
        batches,
        steps,
        optimizer,
        loss_fn=loss_fn,
        progress=progress,
        desc="distilling",
        **train_kwargs,
    )
