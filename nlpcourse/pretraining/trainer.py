"""The pretraining loop: AdamW, learning-rate warm-up, the shared training loop, checkpoints.

    trainer = Pretrainer(model, total_steps=1000, lr=1e-3)
    history = trainer.run(batches)              # tqdm progress; history["loss"], ["mlm_loss"], ["nsp_loss"]
    trainer.save("mini-bert.pt")                # model, optimizer, schedule, history, step
    trainer = Pretrainer.load("mini-bert.pt")   # ... and trainer.run(batches) carries on where it stopped

Steps go through :func:`nlpcourse.train.train`. The learning rate rises linearly from 0 for
``warmup_steps`` steps, then falls linearly to 0 at ``total_steps`` (BERT's schedule): Adam's moment
estimates are noisy in the first steps, and a post-LN Transformer diverges easily with a large
learning rate before they settle. Weight decay (0.01) spares biases and LayerNorm parameters, as in BERT.
"""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from nlpcourse.pretraining.bert import BertConfig, BertForPreTraining, BertModel
from nlpcourse.pretraining.causal import CausalLM
from nlpcourse.train import History, train

__all__ = ["warmup_linear", "make_optimizer", "Pretrainer", "fill_mask"]

_MODELS: dict[str, type[nn.Module]] = {
    "BertForPreTraining": BertForPreTraining,
    "CausalLM": CausalLM,
    "BertModel": BertModel,
}


def warmup_linear(
    optimizer: torch.optim.Optimizer, warmup_steps: int, total_steps: int
) -> torch.optim.lr_scheduler.LambdaLR:
    """lr factor (step + 1) / warmup_steps during warm-up, then linear decay to 0 at ``total_steps``."""
    if total_steps < 1 or not 0 <= warmup_steps <= total_steps:
        raise ValueError(
            f"need 0 <= warmup_steps <= total_steps and total_steps >= 1, got "
            f"warmup_steps={warmup_steps}, total_steps={total_steps}"
        )

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def make_optimizer(model: nn.Module, lr: float, weight_decay: float = 0.01) -> torch.optim.AdamW:
    """AdamW with weight decay on matrices and embeddings only (not on biases and LayerNorm)."""
    decay, no_decay = [], []
    for parameter in model.parameters():  # biases and LayerNorm scales are the 1-D parameters
        (no_decay if parameter.dim() < 2 else decay).append(parameter)
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.999), eps=1e-6)


class Pretrainer:
    """Pretrains a :class:`BertForPreTraining` (or a :class:`CausalLM`) for ``total_steps`` steps.

    ``batches(step)`` must return the model's arguments for global step ``step``; the history records
    ``"loss"`` and, for BERT, ``"mlm_loss"`` and ``"nsp_loss"`` per step, and ``"lr"``.
    """

    def __init__(
        self,
        model: nn.Module,
        total_steps: int,
        lr: float = 1e-3,
        warmup_steps: int | None = None,
        weight_decay: float = 0.01,
        clip: float | None = 1.0,
    ):
        self.model = model
        self.total_steps = total_steps
        self.warmup_steps = warmup_steps if warmup_steps is not None else max(1, total_steps // 10)
        self.lr, self.weight_decay, self.clip = lr, weight_decay, clip
        self.optimizer = make_optimizer(model, lr, weight_decay)
        self.scheduler = warmup_linear(self.optimizer, self.warmup_steps, total_steps)
        self.history: History = {"loss": []}

    @property
    def step(self) -> int:
        """Steps done so far."""
        return len(self.history["loss"])

    def _loss(self, model: nn.Module, batch: tuple[Tensor, ...]) -> Tensor:
        output, loss = model(*batch)
        for name in ("mlm_loss", "nsp_loss"):
            value = getattr(output, name, None)
            if value is not None:
                self.history.setdefault(name, []).append(value.item())
        self.history.setdefault("lr", []).append(self.scheduler.get_last_lr()[0])
        return loss

    def run(
        self, batches: Any, steps: int | None = None, progress: bool = True, desc: str = "pretraining"
    ) -> History:
        """Train for ``steps`` more steps (default: up to ``total_steps``); returns the history."""
        start = self.step
        steps = self.total_steps - start if steps is None else steps
        if steps < 0 or start + steps > self.total_steps:
            raise ValueError(f"{steps} more steps after {start} would pass total_steps={self.total_steps}")
        return train(
            self.model,
            lambda i: batches(start + i),
            steps,
            self.optimizer,
            loss_fn=self._loss,
            clip=self.clip,
            scheduler=self.scheduler,
            history=self.history,
            progress=progress,
            desc=desc,
        )

    def save(self, path: str | Path) -> Path:
        """Write model, optimizer, schedule, history and settings to ``path`` (``torch.save``).

        The file is written beside ``path`` and renamed into place, so a reader (another process using
        the same cache) never sees half a checkpoint.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        torch.save(
            {
                "kind": type(self.model).__name__,
                "config": asdict(self.model.config),
                "model": self.model.state_dict(),
                "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(),
                "history": self.history,
                "settings": {
                    "total_steps": self.total_steps,
                    "lr": self.lr,
                    "clip": self.clip,
                    "warmup_steps": self.warmup_steps,
                    "weight_decay": self.weight_decay,
                },
            },
            partial,
        )
        os.replace(partial, path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> Pretrainer:
        """Rebuild a trainer saved by :meth:`save`, ready to continue."""
        state = torch.load(path, map_location="cpu", weights_only=True)
        if state.get("kind") not in _MODELS:
            raise ValueError(f"{path} is not a pretraining checkpoint of {sorted(_MODELS)}")
        model = _MODELS[state["kind"]](BertConfig(**state["config"]))
        model.load_state_dict(state["model"])
        trainer = cls(model, **state["settings"])
        trainer.optimizer.load_state_dict(state["optimizer"])
        trainer.scheduler.load_state_dict(state["scheduler"])
        trainer.history = state["history"]
        model.eval()
        return trainer


@torch.no_grad()
def fill_mask(
    model: BertForPreTraining, tokenizer: Any, text: str, top_k: int = 3
) -> list[list[tuple[str, float]]]:
    """For each ``[MASK]`` in ``text``, the ``top_k`` tokens the MLM head predicts and their probabilities.

    ``tokenizer`` is a WordPiece ``tokenizers.Tokenizer`` (whose ``[MASK]`` is a special token).
    """
    mask_id = tokenizer.token_to_id("[MASK]")
    encoding = tokenizer.encode(text)
    ids = torch.tensor([encoding.ids])
    positions = (ids[0] == mask_id).nonzero().squeeze(1)
    if positions.numel() == 0:
        raise ValueError(f"no [MASK] in {text!r}: write [MASK] where a word should be filled in")
    model.eval()
    output, _ = model(ids, torch.tensor([encoding.type_ids]))
    probs = torch.softmax(output.mlm_logits[0, positions], dim=-1)  # (num_masks, vocab)
    top = probs.topk(top_k, dim=-1)
    return [
        [(tokenizer.id_to_token(int(i)), float(p)) for p, i in zip(ps, is_, strict=True)]
        for ps, is_ in zip(top.values, top.indices, strict=True)
    ]
