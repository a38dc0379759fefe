"""Which parameters train: freezing by name, counting, and layer-wise learning rates.

    freeze(model, ["bert.embeddings", "bert.encoder.layer.0"])   # no gradient for these
    freeze_lower_layers(model, 4)        # embeddings and layers 0-3 frozen: only the top layers train
    freeze_body(model)                   # only the head trains: a linear probe
    trainable, total = count_parameters(model)
    groups = layerwise_param_groups(model, lr=1e-4, layer_decay=0.8)   # for torch.optim.AdamW

A frozen parameter has ``requires_grad = False``: autograd computes no gradient for it, and the
optimizer never receives it. Layer-wise learning-rate decay (Howard & Ruder 2018; Clark et al. 2020)
gives layer ``l`` of ``L`` the rate ``lr * decay^(L - l)``: the head learns fastest, the embeddings,
which hold the most general knowledge, slowest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from torch import nn

__all__ = [
    "freeze",
    "unfreeze",
    "freeze_embeddings",
    "freeze_lower_layers",
    "freeze_body",
    "count_parameters",
    "trainable_names",
    "layer_index",
    "layerwise_param_groups",
]


def _matching(model: nn.Module, names: Iterable[str]) -> list[nn.Parameter]:
    names = [names] if isinstance(names, str) else list(names)
    all_names = [n for n, _ in model.named_parameters()]
    chosen: list[nn.Parameter] = []
    for prefix in names:
        hits = [p for n, p in model.named_parameters() if n == prefix or n.startswith(prefix + ".")]
        if not hits:
            tops = sorted({".".join(n.split(".")[:2]) for n in all_names})
            raise ValueError(
                f"no parameter is named {prefix!r} or lies under it: names start with {tops[:12]}"
            )
        chosen += hits
    return chosen


def freeze(model: nn.Module, names: Iterable[str]) -> int:
    """Stop training the parameters under the module (or parameter) names ``names``; returns their count."""
    parameters = _matching(model, names)
    for parameter in parameters:
        parameter.requires_grad_(False)
    return sum(p.numel() for p in parameters)


def unfreeze(model: nn.Module, names: Iterable[str] | None = None) -> int:
    """Train the parameters under ``names`` again (all of them when ``names`` is None)."""
    parameters = list(model.parameters()) if names is None else _matching(model, names)
    for parameter in parameters:
        parameter.requires_grad_(True)
    return sum(p.numel() for p in parameters)


def freeze_embeddings(model: nn.Module) -> int:
    """Freeze the token, position and segment embeddings (``bert.embeddings``)."""
    return freeze(model, ["bert.embeddings"])


def freeze_lower_layers(model: nn.Module, k: int) -> int:
    """Freeze the embeddings and encoder layers ``0 .. k-1``; the top layers, pooler and head train."""
    layers = len(model.bert.encoder.layer)
    if not isinstance(k, int) or not 0 <= k <= layers:
        raise ValueError(f"k must be an int from 0 to {layers} (the model's layers), got {k!r}")
    return freeze(model, ["bert.embeddings", *(f"bert.encoder.layer.{i}" for i in range(k))])


def freeze_body(model: nn.Module) -> int:
    """Freeze the whole BERT: only the head (``classifier``) trains, a linear probe."""
    return freeze(model, ["bert"])


def count_parameters(model: nn.Module) -> tuple[int, int]:
    """``(trainable, total)`` numbers of parameters (shared tensors counted once)."""
    seen: dict[int, nn.Parameter] = {id(p): p for p in model.parameters()}
    total = sum(p.numel() for p in seen.values())
    return sum(p.numel() for p in seen.values() if p.requires_grad), total


def trainable_names(model: nn.Module) -> list[str]:
    """Names of the parameters that train."""
    return [n for n, p in model.named_parameters() if p.requires_grad]


_LAYER = re.compile(r"(?:^|\.)encoder\.layer\.(\d+)\.")


def layer_index(name: str, num_layers: int) -> int:
    """Depth of a parameter: 0 for embeddings, ``l + 1`` for encoder layer ``l``, ``L + 1`` above them."""
    match = _LAYER.search(name)
    if match:
        return int(match.group(1)) + 1
    if "embeddings." in name:
        return 0
    return num_layers + 1


def layerwise_param_groups(
    model: nn.Module, lr: float, layer_decay: float = 1.0, weight_decay: float = 0.01
) -> list[dict[str, Any]]:
    """AdamW parameter groups: rate ``lr * layer_decay^(L + 1 - depth)`` by :func:`layer_index`, weight
    decay on matrices only (not on biases and LayerNorm); frozen parameters left out."""
    if not 0 < layer_decay <= 1:
        raise ValueError(f"layer_decay must be in (0, 1], got {layer_decay}: 1 means one rate for all")
    num_layers = len(model.bert.encoder.layer) if hasattr(model, "bert") else 0
    groups: dict[tuple[int, bool], dict[str, Any]] = {}
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
        depth = layer_index(name, num_layers)
        decay = parameter.dim() >= 2
        group = groups.setdefault(
            (depth, decay),
            {
                "params": [],
                "lr": lr * layer_decay ** (num_layers + 1 - depth),
                "weight_decay": weight_decay if decay else 0.0,
                "depth": depth,
            },
        )
        group["params"].append(parameter)
    if not groups:
        raise ValueError("no trainable parameters: unfreeze something before building an optimizer")
    return [groups[key] for key in sorted(groups)]
