"""Our encoder–decoder as a Hugging Face ``MarianMTModel``: same weights, same numbers.

Marian (Junczys-Dowmunt et al. 2018; the OPUS-MT translation models on the Hub) is the paper's
architecture: post-LN layers, embeddings scaled by sqrt(d_model), sinusoidal positions, an output
layer tied to the target embedding. Our :class:`~nlpcourse.transformer.seq2seq.Transformer` with
``norm_first=False`` is the same network; only the names differ:

=============================================  ================================================
ours                                           transformers (``MarianMTModel``)
=============================================  ================================================
``encoder.embed``                              ``model.encoder.embed_tokens``
``decoder.embed`` (tied output layer)          ``model.decoder.embed_tokens`` = ``lm_head``
``encoder.layers.i.self_attn.q_proj``          ``model.encoder.layers.i.self_attn.q_proj``
``encoder.layers.i.norm1`` / ``norm2``         ``...self_attn_layer_norm`` / ``final_layer_norm``
``encoder.layers.i.linear1`` / ``linear2``     ``...fc1`` / ``fc2``
``decoder.layers.i.multihead_attn``            ``model.decoder.layers.i.encoder_attn``
``decoder.layers.i.norm1`` / ``norm2`` / ``3``  ``self_attn_layer_norm`` / ``encoder_attn_layer_norm``
                                               / ``final_layer_norm``
=============================================  ================================================

One real difference: Marian's sinusoidal table puts all sines first and all cosines second, ours
interleaves them (sin, cos, sin, cos ...). The table is a weight in Marian, so we copy ours in.

The model is built from a configuration (nothing is downloaded).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from nlpcourse.transformer.seq2seq import Transformer

__all__ = ["marian_config", "marian_state_dict", "to_marian", "marian_generation_config"]

_ENCODER_LAYER = {
    "norm1": "self_attn_layer_norm",
    "norm2": "final_layer_norm",
    "linear1": "fc1",
    "linear2": "fc2",
    "self_attn": "self_attn",
}
_DECODER_LAYER = {
    "norm1": "self_attn_layer_norm",
    "norm2": "encoder_attn_layer_norm",
    "norm3": "final_layer_norm",
    "linear1": "fc1",
    "linear2": "fc2",
    "self_attn": "self_attn",
    "multihead_attn": "encoder_attn",
}


def marian_config(model: Transformer) -> Any:
    """A ``transformers.MarianConfig`` describing ``model`` (post-LN only)."""
    from transformers import MarianConfig

    c = model.config
    if c.norm_first:
        raise ValueError("Marian is post-LN: only a model with norm_first=False maps onto MarianMTModel")
    return MarianConfig(
        vocab_size=c.src_vocab_size,
        decoder_vocab_size=c.tgt_vocab_size,
        share_encoder_decoder_embeddings=c.share_embeddings,
        tie_word_embeddings=True,
        d_model=c.d_model,
        encoder_layers=c.num_encoder_layers,
        decoder_layers=c.num_decoder_layers,
        encoder_attention_heads=c.num_heads,
        decoder_attention_heads=c.num_heads,
        encoder_ffn_dim=c.d_ff,
        decoder_ffn_dim=c.d_ff,
        activation_function=c.activation,
        max_position_embeddings=c.max_len,
        scale_embedding=True,
        dropout=0.0,
        attention_dropout=0.0,
        activation_dropout=0.0,
        pad_token_id=c.pad_id,
        eos_token_id=c.eos_id,
        bos_token_id=c.bos_id,
        decoder_start_token_id=c.bos_id,
        forced_eos_token_id=None,
    )


def marian_state_dict(model: Transformer) -> dict[str, Tensor]:
    """Our weights under MarianMTModel's key names (positions included)."""
    ours = model.state_dict()
    out: dict[str, Tensor] = {}
    for name, value in ours.items():
        part, _, rest = name.partition(".")
        if rest.startswith("embed."):
            out[f"model.{part}.embed_tokens.weight"] = value
            continue
        if rest.startswith("norm."):
            raise ValueError("a final LayerNorm (pre-LN) has no place in Marian")
        _, index, module, tail = rest.split(".", 3)  # layers.<i>.<module>.<tail>
        table = _ENCODER_LAYER if part == "encoder" else _DECODER_LAYER
        out[f"model.{part}.layers.{index}.{table[module]}.{tail}"] = value
    if model.config.share_embeddings:
        out["model.shared.weight"] = out["model.encoder.embed_tokens.weight"]
    out["lm_head.weight"] = out["model.decoder.embed_tokens.weight"]
    for part in ("encoder", "decoder"):
        out[f"model.{part}.embed_positions.weight"] = getattr(model, part).positions.pe.clone()
    out["final_logits_bias"] = torch.zeros(1, model.config.tgt_vocab_size)
    return out


def to_marian(model: Transformer) -> Any:
    """A ``transformers.MarianMTModel`` (eval mode) computing exactly what ``model`` computes."""
    from transformers import MarianMTModel

    hf = MarianMTModel(marian_config(model))
    missing, unexpected = hf.load_state_dict(marian_state_dict(model), strict=False)
    # the tied lm_head (and shared table) may be reported though they were filled through their twin
    missing = [k for k in missing if k not in ("lm_head.weight", "model.shared.weight")]
    if missing or unexpected:
        raise RuntimeError(
            f"weights do not map onto MarianMTModel: missing {missing}, unexpected {unexpected}"
        )
    return hf.eval()


def marian_generation_config(
    model: Transformer, max_new_tokens: int, num_beams: int = 1, length_penalty: float = 1.0
) -> Any:
    """The ``GenerationConfig`` under which ``generate`` follows our greedy / beam search rules."""
    from transformers import GenerationConfig

    c = model.config
    return GenerationConfig(
        decoder_start_token_id=c.bos_id,
        bos_token_id=c.bos_id,
        eos_token_id=c.eos_id,
        pad_token_id=c.pad_id,
        max_new_tokens=max_new_tokens,
        num_beams=num_beams,
        length_penalty=length_penalty,
        early_stopping=False,
        do_sample=False,
        forced_eos_token_id=None,
    )
