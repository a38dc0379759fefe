"""An encoder that starts from MiniLM: pretrained English representations for the source side.

all-MiniLM-L6-v2 (:mod:`nlpcourse.pretrained`) has read far more English than our numbers and dates.
:class:`MiniLMEncoder` runs its WordPiece embeddings and first ``layers`` layers, *frozen*, and
learns only a linear map from its 384-wide states to the decoder's ``d_model``:

    memory = MiniLM_{1..layers}(wordpiece(source)) W + b         (batch, seq_s, d_model)

Frozen features of a sentence never change, so they are computed once per distinct sentence and
kept (``cache``): training then costs about what the from-scratch encoder costs.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from nlpcourse.transformer.seq2seq import Transformer, TransformerConfig
from nlpcourse.translation.translator import Translator
from nlpcourse.translation.vocab import BOS, EOS, PAD, CharVocab

__all__ = ["WordPieceSource", "MiniLMEncoder", "build_minilm_translator"]


class WordPieceSource:
    """MiniLM's tokenizer behind the source interface: ``encode(str) -> ids`` with [CLS] ... [SEP]."""

    def __init__(self, tokenizer: Any):
        if tokenizer.pad_token_id != PAD:
            raise ValueError(
                f"the tokenizer pads with id {tokenizer.pad_token_id}, the translator with {PAD}"
            )
        self.tokenizer = tokenizer

    def __len__(self) -> int:
        return len(self.tokenizer)

    def encode(self, sentence: str) -> list[int]:
        return self.tokenizer(sentence)["input_ids"]

    def tokens(self, sentence: str) -> list[str]:
        return self.tokenizer.convert_ids_to_tokens(self.encode(sentence))


class MiniLMEncoder(nn.Module):
    """Frozen MiniLM embeddings + first ``layers`` layers, then a trainable ``proj`` to ``d_model``.

    ``forward(tokens, mask)``: ``tokens`` ``(batch, seq)`` WordPiece ids, ``mask`` keep-mask
    ``(batch, 1, 1, seq)``; returns ``(batch, seq, d_model)``.
    """

    def __init__(self, bert: Any, d_model: int, layers: int = 6):
        super().__init__()
        if not 1 <= layers <= len(bert.encoder.layer):
            raise ValueError(f"layers must be 1..{len(bert.encoder.layer)}, got {layers}")
        self.embeddings = bert.embeddings
        self.layer = nn.ModuleList(bert.encoder.layer[:layers])
        for p in [*self.embeddings.parameters(), *self.layer.parameters()]:
            p.requires_grad_(False)
        self.proj = nn.Linear(bert.config.hidden_size, d_model)
        self.cache: dict[tuple[int, ...], Tensor] = {}

    def train(self, mode: bool = True) -> MiniLMEncoder:
        super().train(mode)
        self.embeddings.eval()  # frozen: no dropout, ever
        self.layer.eval()
        return self

    @torch.no_grad()
    def features(self, tokens: Tensor, mask: Tensor) -> Tensor:
        """MiniLM states ``(batch, seq, 384)``, computed once per distinct sentence."""
        keys = [tuple(row[row != PAD].tolist()) for row in tokens]
        missing = [i for i, key in enumerate(keys) if key not in self.cache]
        if missing:
            x = self.embeddings(tokens[missing])
            for block in self.layer:
                x = block(x, mask=mask[missing])
            for j, i in enumerate(missing):
                self.cache[keys[i]] = x[j, : len(keys[i])].clone()
        out = torch.zeros(*tokens.shape, self.proj.in_features)
        for i, key in enumerate(keys):
            out[i, : len(key)] = self.cache[key]
        return out

    def forward(self, tokens: Tensor, mask: Tensor | None = None) -> Tensor:
        if mask is None:
            mask = (tokens != PAD)[:, None, None, :]
        return self.proj(self.features(tokens, mask))


def build_minilm_translator(
    config: TransformerConfig | None = None, layers: int = 6, **sizes: Any
) -> Translator:
    """A translator whose encoder is frozen MiniLM (:class:`MiniLMEncoder`) and whose decoder is new."""
    from nlpcourse.pretrained import load_bert, load_tokenizer

    source = WordPieceSource(load_tokenizer())
    target = CharVocab()
    base = config or TransformerConfig()
    fields = {
        **base.__dict__,
        **sizes,
        "src_vocab_size": len(source),
        "tgt_vocab_size": len(target),
        "pad_id": PAD,
        "bos_id": BOS,
        "eos_id": EOS,
        "share_embeddings": False,
    }
    config = TransformerConfig(**fields)
    encoder = MiniLMEncoder(load_bert(), config.d_model, layers)
    return Translator(Transformer(config, encoder=encoder), source, target)
