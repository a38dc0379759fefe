"""Chapter 11: training that outgrows one device.

* :mod:`~nlpcourse.distributed.ddp`: chapter 06's causal LM trained data-parallel with
  ``DistributedDataParallel`` under ``torchrun`` (gloo on CPUs), and the same run in one process.
* :mod:`~nlpcourse.distributed.memory`: bytes per parameter, ZeRO stages, tensor and pipeline parallelism.
"""

from nlpcourse.distributed.memory import BYTES_PER_PARAMETER, training_memory_gb

__all__ = ["BYTES_PER_PARAMETER", "training_memory_gb"]
