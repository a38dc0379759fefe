"""Masked language modelling (BERT, section 3.1): choose tokens to predict, and hide them.

Each non-special token is chosen with probability 15%. A chosen token is replaced by

* ``[MASK]`` 80% of the time,
* a random token 10% of the time,
* itself (unchanged) 10% of the time,

and its original id becomes the label; every other position gets the label :data:`IGNORE_INDEX`
(-100), so the loss is computed at the chosen positions only. Special tokens ([CLS], [SEP], [PAD]) are
never chosen. Why not always [MASK]? [MASK] never occurs when the model is fine-tuned or used, so the
model must also produce a good representation for tokens that look ordinary: it cannot know which of
the visible tokens it will be asked about.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from nlpcourse.pretraining.bert import IGNORE_INDEX

__all__ = ["mask_tokens", "masked_lm_loss"]


def mask_tokens(
    input_ids: Tensor,
    mask_token_id: int,
    vocab_size: int,
    special_ids: Sequence[int],
    probability: float = 0.15,
    generator: torch.Generator | None = None,
) -> tuple[Tensor, Tensor]:
    """BERT's 80/10/10 masking of ``input_ids`` (any shape); returns ``(inputs, labels)`` of that shape.

    ``inputs`` is a new tensor (``input_ids`` is not changed); ``labels`` holds the original id where a
    token was chosen and :data:`IGNORE_INDEX` elsewhere. Random replacements are drawn uniformly from the
    ids in ``range(vocab_size)`` that are not in ``special_ids``.
    """
    if input_ids.dtype.is_floating_point or input_ids.dtype == torch.bool:
        raise TypeError(f"input_ids must be integer token ids, got dtype {input_ids.dtype}")
    if not 0.0 <= probability <= 1.0:
        raise ValueError(f"probability must be in [0, 1], got {probability}")
    specials = torch.as_tensor(list(special_ids), dtype=input_ids.dtype, device=input_ids.device)
    if mask_token_id not in specials.tolist():
        specials = torch.cat([specials, specials.new_tensor([mask_token_id])])
    ordinary = torch.ones(vocab_size, dtype=torch.bool, device=input_ids.device)
    ordinary[specials[specials < vocab_size]] = False
    replacements = ordinary.nonzero().squeeze(1)  # ids a random replacement may take
    if replacements.numel() == 0:
        raise ValueError("every id of the vocabulary is special: nothing to draw random tokens from")

    def uniform() -> Tensor:
        return torch.rand(input_ids.shape, generator=generator, device=input_ids.device)

    chosen = (uniform() < probability) & ~torch.isin(input_ids, specials)
    labels = torch.where(chosen, input_ids, torch.full_like(input_ids, IGNORE_INDEX))
    action = uniform()  # < 0.8: [MASK]; 0.8 - 0.9: random token; >= 0.9: keep
    random_ids = replacements[
        torch.randint(replacements.numel(), input_ids.shape, generator=generator, device=input_ids.device)
    ]
    inputs = torch.where(chosen & (action < 0.8), torch.full_like(input_ids, mask_token_id), input_ids)
    inputs = torch.where(chosen & (action >= 0.8) & (action < 0.9), random_ids, inputs)
    return inputs, labels


def masked_lm_loss(logits: Tensor, labels: Tensor) -> Tensor:
    """Mean cross-entropy over the positions whose label is not :data:`IGNORE_INDEX`.

    logits: ``(..., vocab)``; labels: ``(...)``. Equals
    ``F.cross_entropy(logits.view(-1, V), labels.view(-1))`` (whose ``ignore_index`` is -100).
    """
    if logits.shape[:-1] != labels.shape:
        raise ValueError(
            f"logits {tuple(logits.shape)} must be the labels' shape {tuple(labels.shape)} "
            "plus a vocabulary dim"
        )
    chosen = labels != IGNORE_INDEX
    log_probs = torch.log_softmax(logits[chosen].float(), dim=-1)  # (num_chosen, vocab)
    return -log_probs.gather(1, labels[chosen][:, None]).mean()
