"""LoRA (Hu et al. 2021): train a low-rank update of a frozen weight matrix.

    h = W x + b + (alpha / r) B A dropout(x)        W: (out, in) frozen, A: (r, in), B: (out, r)

``A`` starts random (Kaiming-uniform, as in the ``peft`` library) and ``B`` at zero, so training starts
from the pretrained model exactly. Only ``r (in + out)`` numbers per matrix are trained instead of
``in * out``. After training, ``merge()`` folds the update into ``W`` (``W <- W + (alpha/r) B A``): the
merged model is as fast as the original.

    names = apply_lora(model, targets=("q_proj", "v_proj"), r=8, alpha=16)   # freezes the rest but the head
    trainable, total = count_parameters(model)

Parameter names follow ``peft`` (``base_layer``, ``lora_A``, ``lora_B``). Our self-attention runs the q, k
and v projections as one stacked matrix product through their ``weight``; :class:`LoRALinear` therefore
also exposes the effective weight ``W + (alpha/r) B A`` as ``weight``, so both paths compute the same.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch
from torch import Tensor, nn

__all__ = ["LoRALinear", "apply_lora", "merge_lora", "unmerge_lora", "lora_modules"]


class LoRALinear(nn.Module):
    """``nn.Linear`` ``base`` (frozen) plus a trainable rank-``r`` update scaled by ``alpha / r``.

    ``forward(x)``: ``(..., in_features) -> (..., out_features)``.
    """

    def __init__(self, base: nn.Linear, r: int, alpha: float, dropout: float = 0.0):
        super().__init__()
        if not isinstance(base, nn.Linear):
            raise TypeError(f"LoRALinear wraps an nn.Linear, got {type(base).__name__}")
        if not isinstance(r, int) or isinstance(r, bool) or r <= 0:
            raise ValueError(f"the rank r must be a positive int, got {r!r}: try r=8")
        if r > min(base.in_features, base.out_features):
            raise ValueError(
                f"r={r} exceeds min(in, out) = {min(base.in_features, base.out_features)}: "
                "a low-rank update must have a smaller rank than the matrix"
            )
        if alpha <= 0:
            raise ValueError(f"alpha must be positive, got {alpha}: usually alpha = r or 2 r")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.base_layer = base
        for parameter in base.parameters():
            parameter.requires_grad_(False)
        self.r, self.alpha, self.scaling = r, alpha, alpha / r
        self.lora_dropout = nn.Dropout(dropout) if dropout else nn.Identity()
        self.lora_A = nn.Linear(base.in_features, r, bias=False)  # A: (r, in)
        self.lora_B = nn.Linear(r, base.out_features, bias=False)  # B: (out, r)
        nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))  # peft's default initialisation
        nn.init.zeros_(self.lora_B.weight)  # the update starts at 0: the model starts unchanged
        self.lora_A.to(base.weight)
        self.lora_B.to(base.weight)
        self.merged = False

    @property
    def in_features(self) -> int:
        return self.base_layer.in_features

    @property
    def out_features(self) -> int:
        return self.base_layer.out_features

    def delta_weight(self) -> Tensor:
        """The update ``(alpha / r) B A``: ``(out, in)``."""
        return self.scaling * (self.lora_B.weight @ self.lora_A.weight)

    @property
    def weight(self) -> Tensor:
        """The effective weight ``W + (alpha / r) B A`` (``W`` alone once merged): ``(out, in)``."""
        if self.merged:
            return self.base_layer.weight
        return self.base_layer.weight + self.delta_weight()

    @property
    def bias(self) -> Tensor | None:
        return self.base_layer.bias

    def forward(self, x: Tensor) -> Tensor:
        out = self.base_layer(x)
        if self.merged:
            return out
        return out + self.lora_B(self.lora_A(self.lora_dropout(x))) * self.scaling

    @torch.no_grad()
    def merge(self) -> None:
        """Fold the update into the base weight (inference as fast as without LoRA)."""
        if not self.merged:
            self.base_layer.weight += self.delta_weight()
            self.merged = True

    @torch.no_grad()
    def unmerge(self) -> None:
        """Undo :meth:`merge` (to train the update further)."""
        if self.merged:
            self.base_layer.weight -= self.delta_weight()
            self.merged = False

    def extra_repr(self) -> str:
        return f"r={self.r}, alpha={self.alpha}"


def lora_modules(model: nn.Module) -> dict[str, LoRALinear]:
    """The :class:`LoRALinear` modules of ``model`` by name."""
    return {name: module for name, module in model.named_modules() if isinstance(module, LoRALinear)}


def apply_lora(
    model: nn.Module,
    targets: Iterable[str] = ("q_proj", "v_proj"),
    r: int = 8,
    alpha: float = 16,
    dropout: float = 0.0,
    trainable: Iterable[str] = ("classifier",),
) -> list[str]:
    """Wrap every ``nn.Linear`` whose name ends with one of ``targets`` in a :class:`LoRALinear`.

    Everything else is frozen except the parameters under the module names in ``trainable`` (the new
    head). Returns the wrapped modules' names. Raises ``ValueError`` for a target that names no linear
    layer (the message lists those that exist).
    """
    targets, trainable = tuple(targets), tuple(trainable)
    if isinstance(targets, str) or not targets:
        raise ValueError("targets must be a non-empty list of layer names, e.g. ('q_proj', 'v_proj')")
    linears = {
        name: module
        for name, module in model.named_modules()
        if isinstance(module, nn.Linear) and ".lora_" not in name and not name.endswith("base_layer")
    }
    chosen = [name for name in linears if name.rsplit(".", 1)[-1] in targets or name in targets]
    unknown = [t for t in targets if not any(n.rsplit(".", 1)[-1] == t or n == t for n in chosen)]
    if unknown:
        kinds = sorted({n.rsplit(".", 1)[-1] for n in linears})
        raise ValueError(f"no linear layer named {unknown} in this model: choose among {kinds}")
    stacked = {"q_proj", "k_proj", "v_proj"}
    if dropout and any(name.rsplit(".", 1)[-1] in stacked for name in chosen):
        raise ValueError(
            "LoRA dropout is not supported on q/k/v: our self-attention multiplies by their "
            "stacked weights, so the dropout would be skipped; use dropout=0.0"
        )
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    for name in chosen:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, LoRALinear(linears[name], r, alpha, dropout))
    found = set()
    for name, parameter in model.named_parameters():
        for prefix in trainable:
            if name == prefix or name.startswith(prefix + "."):
                parameter.requires_grad_(True)
                found.add(prefix)
    missing = [p for p in trainable if p not in found]
    if missing:
        raise ValueError(f"no parameters under {missing} to keep trainable: name modules of the model")
    return chosen


def merge_lora(model: nn.Module) -> int:
    """Merge every LoRA update into its base weight; returns how many layers were merged."""
    modules = lora_modules(model)
    for module in modules.values():
        module.merge()
    return len(modules)


def unmerge_lora(model: nn.Module) -> int:
    """Undo :func:`merge_lora`."""
    modules = lora_modules(model)
    for module in modules.values():
        module.unmerge()
    return len(modules)
