"""Memory arithmetic of training, and how data, tensor and pipeline parallelism and ZeRO divide it.

Mixed-precision training with Adam holds, per parameter (Rajbhandari et al. 2020, "ZeRO"):

    2 bytes  fp16/bf16 weights        2 bytes  fp16/bf16 gradients
    12 bytes optimizer state: an fp32 master copy of the weight, Adam's first and second moments

so 16 bytes per parameter, before activations: 7.5 billion parameters need 120 GB. Plain data
parallelism keeps all 16 bytes on every device. ZeRO partitions them over the N devices: stage 1 the
optimizer state (4 + 12/N bytes), stage 2 also the gradients (2 + 14/N), stage 3 also the weights (16/N).
Tensor parallelism (Megatron-LM) splits each weight matrix over devices and pipeline parallelism puts
whole layers on different devices: both divide the weights, gradients and optimizer state by their
degree, at the cost of communication inside each layer (tensor) or of idle "bubbles" (pipeline).
"""

from __future__ import annotations

__all__ = ["BYTES_PER_PARAMETER", "training_memory_gb"]

#: Mixed-precision Adam: weights, gradients, optimizer state (master weights + two moments).
BYTES_PER_PARAMETER = {"weights": 2, "gradients": 2, "optimizer": 12}


def training_memory_gb(
    n_params: float,
    devices: int = 1,
    zero_stage: int = 0,
    tensor_parallel: int = 1,
    pipeline_parallel: int = 1,
) -> float:
    """GB (10^9 bytes) of model states per device; ``devices`` is the data-parallel degree.

    Tensor- and pipeline-parallel degrees divide everything; ZeRO's stage (0-3) then partitions
    optimizer state, gradients and weights over the data-parallel devices. Activations are not counted.
    """
    if n_params <= 0 or devices < 1 or tensor_parallel < 1 or pipeline_parallel < 1:
        raise ValueError("n_params must be positive and every degree of parallelism >= 1")
    if zero_stage not in (0, 1, 2, 3):
        raise ValueError(f"zero_stage must be 0, 1, 2 or 3, got {zero_stage}")
    per_device = n_params / (tensor_parallel * pipeline_parallel)
    parts = dict(BYTES_PER_PARAMETER)
    shard = {1: ("optimizer",), 2: ("optimizer", "gradients"), 3: ("optimizer", "gradients", "weights")}
    for name in shard.get(zero_stage, ()):
        parts[name] = parts[name] / devices
    return per_device * sum(parts.values()) / 1e9
