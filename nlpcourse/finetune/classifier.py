"""A pretrained BERT with a classification head: BERT's recipe for sentence classification.

    h = BERT(x)                                   (batch, seq, H) token vectors
    v = tanh(W_p h_[CLS] + b_p)                   pooling "pooler" (BERT, transformers' default)
      | h_[CLS]                                   pooling "cls"
      | sum_i m_i h_i / sum_i m_i                 pooling "mean" (how all-MiniLM-L6-v2 was trained)
    logits = W_c dropout(v) + b_c                 (batch, num_labels)
    loss = cross-entropy(logits, labels)

    model = SequenceClassifier.from_pretrained_minilm(num_labels=2, seed=0)
    logits, loss = model(input_ids, token_type_ids, attention_mask, labels)

The module tree is that of ``transformers.BertForSequenceClassification`` (``bert.*``, ``dropout``,
``classifier``), the body being our chapter-06 :class:`~nlpcourse.pretraining.BertModel`, so its checkpoint
keys are transformers' after :mod:`nlpcourse.pretraining.keys`' renaming; with ``pooling="pooler"`` the
logits equal transformers' for the same weights.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nlpcourse.pretraining.bert import BertConfig, BertModel

__all__ = ["POOLINGS", "SequenceClassifier", "pool"]

#: How a sentence vector is taken from the token vectors.
POOLINGS = ("pooler", "cls", "mean")


def pool(hidden: Tensor, pooled: Tensor | None, attention_mask: Tensor | None, pooling: str) -> Tensor:
    """The sentence vector ``(batch, H)`` from token vectors ``hidden`` ``(batch, seq, H)``."""
    if pooling == "pooler":
        if pooled is None:
            raise ValueError("this BERT has no pooler: use pooling='cls' or 'mean'")
        return pooled
    if pooling == "cls":
        return hidden[:, 0]
    if attention_mask is None:
        return hidden.mean(1)
    weights = attention_mask.to(hidden.dtype).unsqueeze(-1)  # (batch, seq, 1)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)


def _check_pooling(pooling: str) -> str:
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
    return pooling


class SequenceClassifier(nn.Module):
    """BERT + dropout + a linear head. ``model(*batch)`` returns ``(logits, loss)``.

    ``forward(input_ids, token_type_ids=None, attention_mask=None, labels=None)``: ids ``(batch, seq)``,
    ``attention_mask`` 1 for tokens and 0 for padding, ``labels`` ``(batch,)`` class ids in
    ``[0, num_labels)``. Returns logits ``(batch, num_labels)`` and the mean cross-entropy (``None``
    without labels).

    Build it with :meth:`from_pretrained_minilm` (the packaged all-MiniLM-L6-v2 or any BERT checkpoint
    folder), :meth:`from_checkpoint` (a chapter-06 ``Pretrainer`` file) or :meth:`from_scratch`
    (random weights). ``seed`` fixes the head's initialisation.
    """

    def __init__(
        self,
        config: BertConfig,
        num_labels: int = 2,
        pooling: str = "pooler",
        classifier_dropout: float | None = None,
        seed: int | None = None,
    ):
        super().__init__()
        if not isinstance(num_labels, int) or num_labels < 2:
            raise ValueError(f"num_labels must be an int >= 2, got {num_labels!r}")
        self.config = config
        self.num_labels = num_labels
        self.pooling = _check_pooling(pooling)
        self.bert = BertModel(config, add_pooling_layer=pooling == "pooler")
        rate = config.hidden_dropout_prob if classifier_dropout is None else classifier_dropout
        self.dropout = nn.Dropout(rate)
        self.classifier = nn.Linear(config.hidden_size, num_labels)  # W_c, b_c
        self.reset_head(seed)

    def reset_head(self, seed: int | None = None) -> None:
        """Draw the head again: weights normal(0, initializer_range), bias 0 (BERT's initialisation)."""
        generator = torch.Generator().manual_seed(seed) if seed is not None else None
        with torch.no_grad():
            nn.init.normal_(self.classifier.weight, 0.0, self.config.initializer_range, generator=generator)
            nn.init.zeros_(self.classifier.bias)

    def forward(
        self,
        input_ids: Tensor,
        token_type_ids: Tensor | None = None,
        attention_mask: Tensor | None = None,
        labels: Tensor | None = None,
    ) -> tuple[Tensor, Tensor | None]:
        hidden, pooled = self.bert(input_ids, token_type_ids, attention_mask)
        logits = self.classifier(self.dropout(pool(hidden, pooled, attention_mask, self.pooling)))
        if labels is None:
            return logits, None
        if labels.shape != (input_ids.size(0),):
            raise ValueError(
                f"labels must be (batch,) = ({input_ids.size(0)},) class ids, got shape {tuple(labels.shape)}"
            )
        if labels.numel() and (labels.min() < 0 or labels.max() >= self.num_labels):
            raise ValueError(
                f"labels must be in [0, {self.num_labels}), got values from {int(labels.min())} "
                f"to {int(labels.max())}: check the dataset's labels or num_labels"
            )
        return logits, F.cross_entropy(logits, labels)

    # --- construction -------------------------------------------------------------------------------

    @classmethod
    def from_scratch(
        cls, config: BertConfig, num_labels: int = 2, pooling: str = "pooler", seed: int | None = None
    ) -> SequenceClassifier:
        """Random weights everywhere (BERT's initialisation): the no-pretraining baseline."""
        if seed is not None:
            torch.manual_seed(seed)
        return cls(config, num_labels, pooling, seed=seed)

    @classmethod
    def from_pretrained_minilm(
        cls,
        num_labels: int = 2,
        pooling: str = "pooler",
        dropout: float | None = None,
        name: str | Path | None = None,
        seed: int | None = None,
    ) -> SequenceClassifier:
        """The body of checkpoint ``name`` (default: the packaged all-MiniLM-L6-v2), a new head.

        ``dropout`` overrides the checkpoint's dropout rates (BERT fine-tunes with 0.1).
        """
        from nlpcourse.pretrained import checkpoint_dir, read_state_dict

        folder = checkpoint_dir(name)
        config = BertConfig.from_json(folder / "config.json")
        if dropout is not None:
            config = replace(config, hidden_dropout_prob=dropout, attention_probs_dropout_prob=dropout)
        model = cls(config, num_labels, pooling, seed=seed)
        model._load_body(read_state_dict(folder))
        return model

    @classmethod
    def from_checkpoint(
        cls,
        path: str | Path,
        num_labels: int = 2,
        pooling: str = "pooler",
        dropout: float | None = None,
        seed: int | None = None,
    ) -> SequenceClassifier:
        """The body of a chapter-06 pretraining checkpoint (``Pretrainer.save``) or of a checkpoint folder."""
        path = Path(path)
        if path.is_dir():
            return cls.from_pretrained_minilm(num_labels, pooling, dropout, name=path, seed=seed)
        if not path.is_file():
            raise FileNotFoundError(
                f"no checkpoint {path}: pretrain one with nlpcourse.finetune.pretrained_minibert"
            )
        state = torch.load(path, map_location="cpu", weights_only=True)
        if state.get("kind") not in ("BertForPreTraining", "BertModel"):
            raise ValueError(f"{path} holds a {state.get('kind')!r}, not a BERT pretraining checkpoint")
        config = BertConfig(**state["config"])
        if dropout is not None:
            config = replace(config, hidden_dropout_prob=dropout, attention_probs_dropout_prob=dropout)
        model = cls(config, num_labels, pooling, seed=seed)
        body = {
            k.removeprefix("bert."): v
            for k, v in state["model"].items()
            if k.startswith("bert.") or state["kind"] == "BertModel"
        }
        model._load_our_body(body)
        return model

    def _load_body(self, transformers_state: dict[str, Tensor]) -> None:
        """Load a transformers BERT body (pooler dropped when this model pools otherwise)."""
        from nlpcourse.pretraining.keys import from_transformers

        self._load_our_body(from_transformers(transformers_state, heads=False))

    def _load_our_body(self, state: dict[str, Tensor]) -> None:
        from nlpcourse.pretraining.bert import load_strict

        if self.bert.pooler is None:
            state = {k: v for k, v in state.items() if not k.startswith("pooler.")}
        elif not any(k.startswith("pooler.") for k in state):
            raise KeyError("the checkpoint has no pooler weights: use pooling='cls' or 'mean'")
        load_strict(self.bert, state, "BertModel")

    # --- transformers ------------------------------------------------------------------------------

    @classmethod
    def from_transformers(cls, model: Any) -> SequenceClassifier:
        """A copy of a ``transformers.BertForSequenceClassification`` (pooler pooling), weights included."""
        ours = cls(BertConfig.from_transformers(model.config), model.config.num_labels, "pooler")
        ours._load_body(model.bert.state_dict())
        ours.classifier.load_state_dict(model.classifier.state_dict())
        return ours.train(model.training)

    def to_transformers(self, attn_implementation: str = "eager") -> Any:
        """A ``transformers.BertForSequenceClassification`` with the same weights (pooler pooling only)."""
        from transformers import BertForSequenceClassification

        from nlpcourse.pretraining.keys import to_transformers

        if self.pooling != "pooler":
            raise ValueError(
                f"transformers' BertForSequenceClassification pools with the pooler; this model "
                f"pools with {self.pooling!r}"
            )
        config = self.config.to_transformers(
            num_labels=self.num_labels,
            classifier_dropout=self.dropout.p,
            attn_implementation=attn_implementation,
        )
        model = BertForSequenceClassification(config)
        state = {"bert." + k: v for k, v in to_transformers(self.bert.state_dict()).items()}
        state |= {"classifier." + k: v for k, v in self.classifier.state_dict().items()}
        model.load_state_dict(state, strict=True)
        return model.train(self.training)
