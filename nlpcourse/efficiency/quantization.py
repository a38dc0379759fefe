"""Cheaper inference: post-training dynamic int8 quantisation and bfloat16 autocast on the CPU.

Dynamic quantisation stores every ``nn.Linear`` weight as int8 with one scale per tensor
(w ~ scale * q, q in [-128, 127]) and quantises the activations on the fly, batch by batch; the
matrix products run in integer arithmetic. A BERT's weights are almost all in linear layers, so the
file shrinks by about 4x (the embeddings stay float32). bfloat16 keeps float32's exponent range with an
8-bit mantissa: autocast runs matrix products in bf16 and keeps reductions (softmax, LayerNorm) in
float32.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn

__all__ = ["quantize_int8", "bf16_autocast", "quantize_tensor", "dequantize_tensor"]


def quantize_int8(model: nn.Module) -> nn.Module:
    """A copy of ``model`` whose ``nn.Linear`` layers are dynamically quantised to int8 (eval mode).

    Wraps ``torch.ao.quantization.quantize_dynamic`` (its deprecation notice is silenced: torchao's
    replacement is not a dependency of this course). The original model is left unchanged.
    In chapter 05's :class:`~nlpcourse.transformer.MultiHeadAttention` the query, key and value
    projections stay float32: its self-attention path stacks their ``weight`` tensors into one matrix
    product, which a quantised layer does not expose (the output projection and the feed-forward
    layers, three quarters of a layer's weights, are quantised).
    """
    from nlpcourse.transformer import MultiHeadAttention

    fused = {
        id(getattr(m, n))
        for m in model.modules()
        if isinstance(m, MultiHeadAttention)
        for n in ("q_proj", "k_proj", "v_proj")
    }
    names = {name for name, m in model.named_modules() if isinstance(m, nn.Linear) and id(m) not in fused}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        from torch.ao.quantization import default_dynamic_qconfig, quantize_dynamic

        copied = copy.deepcopy(model).eval()
        return quantize_dynamic(copied, {name: default_dynamic_qconfig for name in names}, dtype=torch.qint8)


@contextmanager
def bf16_autocast() -> Iterator[None]:
    """``with bf16_autocast(): logits = model(...)`` runs the matrix products in bfloat16 on the CPU."""
    with torch.autocast("cpu", dtype=torch.bfloat16):
        yield


def quantize_tensor(w: torch.Tensor) -> tuple[torch.Tensor, float]:
    """Symmetric per-tensor int8: ``scale = max|w| / 127``, ``q = round(w / scale)`` -> (q int8, scale)."""
    scale = float(w.abs().max()) / 127 or 1.0
    return torch.clamp(torch.round(w / scale), -128, 127).to(torch.int8), scale


def dequantize_tensor(q: torch.Tensor, scale: float) -> torch.Tensor:
    """``scale * q`` as float32."""
    return q.float() * scale
