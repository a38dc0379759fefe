"""Checkpoint keys: transformers' BERT names and ours.

Our BERT has transformers' module tree (``embeddings.*``, ``encoder.layer.<i>``, ``pooler.dense``,
``cls.predictions.*``, ``cls.seq_relationship``), so those keys are identical. Only the inside of an
encoder layer differs, because it is chapter 05's :class:`~nlpcourse.transformer.EncoderLayer`
(named like ``torch.nn.TransformerEncoderLayer``). :data:`LAYER_KEYS` is the whole mapping:

    transformers: encoder.layer.3.attention.self.query.weight
    ours:         encoder.layer.3.self_attn.q_proj.weight

Both libraries store ``nn.Linear`` weights as ``(out_features, in_features)``, so no tensor is transposed
or split: loading is renaming. Older checkpoints (e.g. ``bert-base-uncased``) name LayerNorm parameters
``gamma`` / ``beta`` and put the body under ``bert.``; :func:`from_transformers` accepts both.
"""

from __future__ import annotations

import re

from torch import Tensor

__all__ = ["LAYER_KEYS", "our_key", "transformers_key", "from_transformers", "to_transformers"]

#: Inside ``encoder.layer.<i>.``: transformers' module name -> ours.
LAYER_KEYS = {
    "attention.self.query": "self_attn.q_proj",  # W^Q
    "attention.self.key": "self_attn.k_proj",  # W^K
    "attention.self.value": "self_attn.v_proj",  # W^V
    "attention.output.dense": "self_attn.out_proj",  # W^O
    "attention.output.LayerNorm": "norm1",  # LayerNorm after the attention sublayer (post-LN)
    "intermediate.dense": "linear1",  # W_1 of the feed-forward network (hidden -> intermediate)
    "output.dense": "linear2",  # W_2 (intermediate -> hidden)
    "output.LayerNorm": "norm2",  # LayerNorm after the feed-forward sublayer
}
_OURS = {ours: theirs for theirs, ours in LAYER_KEYS.items()}
_LAYER = re.compile(r"^(?P<prefix>(?:bert\.)?encoder\.layer\.\d+\.)(?P<module>.+)\.(?P<param>weight|bias)$")
_TIED = ("cls.predictions.decoder.weight", "cls.predictions.decoder.bias")  # = word embeddings, bias
_BODY = ("embeddings.", "encoder.", "pooler.")


def our_key(key: str) -> str:
    """transformers' name of a parameter -> ours (unchanged outside the encoder layers)."""
    key = re.sub(r"LayerNorm\.gamma$", "LayerNorm.weight", key)
    key = re.sub(r"LayerNorm\.beta$", "LayerNorm.bias", key)
    match = _LAYER.match(key)
    if match and match["module"] in LAYER_KEYS:
        return f"{match['prefix']}{LAYER_KEYS[match['module']]}.{match['param']}"
    return key


def transformers_key(key: str) -> str:
    """Our name of a parameter -> transformers' (the inverse of :func:`our_key`)."""
    match = _LAYER.match(key)
    if match and match["module"] in _OURS:
        return f"{match['prefix']}{_OURS[match['module']]}.{match['param']}"
    return key


def from_transformers(state_dict: dict[str, Tensor], heads: bool) -> dict[str, Tensor]:
    """Rename a transformers BERT ``state_dict`` for our :class:`BertModel` (``heads=False``: the body,
    with any ``bert.`` prefix removed and heads dropped) or :class:`BertForPreTraining` (``heads=True``)."""
    renamed = {}
    for key, value in state_dict.items():
        if key.endswith("embeddings.position_ids") or key in _TIED:
            continue  # a constant buffer, and copies of tied weights
        if not heads:
            key = key.removeprefix("bert.")
            if not key.startswith(_BODY):
                continue  # a head (cls., classifier., ...): BertModel has none
        elif not key.startswith(("bert.", "cls.")):
            key = "bert." + key  # a bare BertModel checkpoint: its keys are the body
        renamed[our_key(key)] = value
    return renamed


def to_transformers(state_dict: dict[str, Tensor]) -> dict[str, Tensor]:
    """Rename our ``state_dict`` for transformers (the tied decoder weight and bias written out)."""
    renamed = {transformers_key(key): value for key, value in state_dict.items()}
    if "cls.predictions.bias" in renamed:
        renamed["cls.predictions.decoder.weight"] = renamed["bert.embeddings.word_embeddings.weight"]
        renamed["cls.predictions.decoder.bias"] = renamed["cls.predictions.bias"]
    return renamed
