"""Attention-head ablation: silence one head and see what the model loses (Michel et al. 2019).

A head's output is its slice of the concatenated heads that enter the attention's output projection
W^O, ``(batch, seq, heads * head_size)``. Zeroing that slice removes the head and nothing else.
:func:`ablate_heads` does it with forward pre-hooks on W^O, for our BERT (``self_attn.out_proj``) and for
transformers' (``attention.output.dense``); :func:`head_importance` scores every head by how much a
metric drops without it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager

import torch
from torch import Tensor, nn

__all__ = ["output_projections", "ablate_heads", "head_importance"]


def output_projections(model: nn.Module) -> list[nn.Linear]:
    """The W^O of every layer, in order: ``...encoder.layer.<i>.self_attn.out_proj`` (ours) or
    ``...encoder.layer.<i>.attention.output.dense`` (transformers)."""
    found = [
        (name, m)
        for name, m in model.named_modules()
        if name.endswith(("self_attn.out_proj", "attention.output.dense")) and ".layer." in name
    ]
    if not found:
        raise ValueError("no attention output projections found: expected a BERT (ours or transformers')")
    return [m for _, m in found]


@contextmanager
def ablate_heads(model: nn.Module, heads: Mapping[int, Sequence[int]], num_heads: int) -> Iterator[None]:
    """``with ablate_heads(model, {layer: [head, ...]}, num_heads): ...`` runs with those heads zeroed."""
    projections = output_projections(model)
    handles = []
    try:
        for layer, silenced in heads.items():
            if not 0 <= layer < len(projections):
                raise ValueError(f"layer {layer} does not exist: the model has {len(projections)} layers")
            bad = [h for h in silenced if not 0 <= h < num_heads]
            if bad:
                raise ValueError(f"heads {bad} do not exist: each layer has {num_heads} heads")
            size = projections[layer].in_features // num_heads

            def hook(
                _module: nn.Module,
                args: tuple[Tensor, ...],
                silenced: Sequence[int] = tuple(silenced),
                size: int = size,
            ) -> tuple[Tensor, ...]:
                x = args[0].clone()
                for h in silenced:
                    x[..., h * size : (h + 1) * size] = 0
                return (x, *args[1:])

            handles.append(projections[layer].register_forward_pre_hook(hook))
        yield
    finally:
        for handle in handles:
            handle.remove()


@torch.no_grad()
def head_importance(
    model: nn.Module,
    metric: Callable[[], float],
    num_layers: int,
    num_heads: int,
    progress: bool = False,
    layers: Sequence[int] | None = None,
) -> Tensor:
    """``(num_layers, num_heads)``: ``metric()`` with all heads minus ``metric()`` without that head.

    ``layers`` limits the ablations to those layers (the other rows stay 0).
    """
    from tqdm.auto import tqdm

    full = metric()
    scores = torch.zeros(num_layers, num_heads)
    chosen = list(range(num_layers)) if layers is None else list(layers)
    for layer in tqdm(chosen, disable=not progress, desc="ablating heads", leave=False):
        for head in range(num_heads):
            with ablate_heads(model, {layer: [head]}, num_heads):
                scores[layer, head] = full - metric()
    return scores
