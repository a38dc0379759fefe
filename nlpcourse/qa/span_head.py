"""The span head: two scores per token, "the answer starts here" and "the answer ends here".

    h = BERT([CLS] question [SEP] context [SEP])          (batch, seq, hidden)
    [start_logits, end_logits] = h W^T + b                 W: (2, hidden), one linear layer
    loss = (CE(start_logits, start) + CE(end_logits, end)) / 2

(Devlin et al. 2019, section 4.2.) The module tree is that of ``transformers.BertForQuestionAnswering``
(``bert`` without a pooler, ``qa_outputs``), so its checkpoints load here by the renaming of
:mod:`nlpcourse.pretraining.keys`, and :meth:`BertForQuestionAnswering.to_transformers` gives a
transformers model with the same weights and the same logits. :meth:`from_pretrained` starts from the
packaged all-MiniLM-L6-v2 (or any BERT checkpoint) with a freshly initialised head.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import torch.nn.functional as F
from torch import Tensor, nn

from nlpcourse.pretraining.bert import BertConfig, BertModel, _init_weights, load_strict
from nlpcourse.pretraining.keys import from_transformers, to_transformers

__all__ = ["SpanLogits", "BertForQuestionAnswering"]


class SpanLogits(NamedTuple):
    """Start and end scores of every token, ``(batch, seq)`` each (padding and question included)."""

    start_logits: Tensor
    end_logits: Tensor


class BertForQuestionAnswering(nn.Module):
    """BERT + a linear span head: ``forward(...)`` -> ``(SpanLogits, loss or None)``.

    input_ids, token_type_ids, attention_mask: ``(batch, seq)``; start_positions, end_positions:
    ``(batch,)`` token indices of the answer's first and last token (0, the ``[CLS]`` token, for "no
    answer in this window"). The logits are returned unmasked, as transformers does; decoding
    (:mod:`nlpcourse.qa.decoding`) keeps answers inside the context.
    """

    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = config
        self.bert = BertModel(config, add_pooling_layer=False)
        self.qa_outputs = nn.Linear(config.hidden_size, 2)  # checkpoint key: qa_outputs.{weight,bias}
        _init_weights(self.qa_outputs, config.initializer_range)

    def forward(
        self,
        input_ids: Tensor,
        token_type_ids: Tensor | None = None,
        attention_mask: Tensor | None = None,
        start_positions: Tensor | None = None,
        end_positions: Tensor | None = None,
    ) -> tuple[SpanLogits, Tensor | None]:
        hidden = self.bert(input_ids, token_type_ids, attention_mask).last_hidden_state
        start_logits, end_logits = self.qa_outputs(hidden).unbind(-1)  # (batch, seq) each
        loss = None
        if (start_positions is None) != (end_positions is None):
            raise ValueError("pass both start_positions and end_positions (or neither)")
        if start_positions is not None and end_positions is not None:
            seq = input_ids.size(1)
            for name, positions in (("start_positions", start_positions), ("end_positions", end_positions)):
                if positions.shape != (input_ids.size(0),) or positions.min() < 0 or positions.max() >= seq:
                    raise ValueError(
                        f"{name} must be (batch,) token indices in [0, {seq}), got shape "
                        f"{tuple(positions.shape)} and range [{int(positions.min())}, "
                        f"{int(positions.max())}]"
                    )
            loss = (
                F.cross_entropy(start_logits, start_positions) + F.cross_entropy(end_logits, end_positions)
            ) / 2
        return SpanLogits(start_logits, end_logits), loss

    # --- checkpoints ------------------------------------------------------------------------------

    @classmethod
    def from_pretrained(
        cls, name: str | Path | None = None, num_hidden_layers: int | None = None
    ) -> BertForQuestionAnswering:
        """A span model on checkpoint ``name`` (default: the packaged all-MiniLM-L6-v2), new head.

        ``num_hidden_layers`` keeps only the first layers of the checkpoint (a smaller, faster reader).
        """
        from nlpcourse.pretrained import checkpoint_dir, read_state_dict

        folder = checkpoint_dir(name)
        config = BertConfig.from_json(folder / "config.json")
        if num_hidden_layers is not None:
            if not 1 <= num_hidden_layers <= config.num_hidden_layers:
                raise ValueError(
                    f"num_hidden_layers must be in [1, {config.num_hidden_layers}] for this "
                    f"checkpoint, got {num_hidden_layers}"
                )
            config.num_hidden_layers = num_hidden_layers
        model = cls(config)
        body = from_transformers(read_state_dict(folder), heads=False)
        body = {
            k: v
            for k, v in body.items()
            if not k.startswith("pooler.") and _layer(k) < config.num_hidden_layers
        }
        load_strict(model.bert, body, "BertModel (span reader)")
        return model.eval()

    def load_transformers_state_dict(self, state_dict: dict[str, Tensor]) -> None:
        """Load a ``transformers.BertForQuestionAnswering`` checkpoint (``bert.*`` and ``qa_outputs.*``)."""
        head = {k: v for k, v in state_dict.items() if k.startswith("qa_outputs.")}
        body = from_transformers({k: v for k, v in state_dict.items() if k not in head}, heads=False)
        renamed = {f"bert.{k}": v for k, v in body.items() if not k.startswith("pooler.")}
        load_strict(self, {**renamed, **head}, "BertForQuestionAnswering")

    @classmethod
    def from_transformers(cls, model: Any) -> BertForQuestionAnswering:
        """A copy of a ``transformers.BertForQuestionAnswering``, weights included, in eval mode."""
        ours = cls(BertConfig.from_transformers(model.config))
        ours.load_transformers_state_dict(model.state_dict())
        return ours.eval()

    def to_transformers(self) -> Any:
        """A ``transformers.BertForQuestionAnswering`` (eager attention) with the same weights."""
        from transformers import BertForQuestionAnswering as HFBertForQuestionAnswering

        model = HFBertForQuestionAnswering(self.config.to_transformers())
        model.load_state_dict(to_transformers(self.state_dict()), strict=True)
        return model.train(self.training)


def _layer(key: str) -> int:
    """The layer number of an ``encoder.layer.<i>.`` key (-1 for other keys)."""
    parts = key.split(".")
    return int(parts[2]) if parts[:2] == ["encoder", "layer"] else -1
