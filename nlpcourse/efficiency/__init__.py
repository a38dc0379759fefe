"""Chapter 11: making models smaller and faster, and measuring what it costs.

* :mod:`~nlpcourse.efficiency.distillation`: Hinton's :func:`distillation_loss`, a student from a subset of
  the teacher's layers, :func:`distill` on the shared training loop.
* :mod:`~nlpcourse.efficiency.quantization`: dynamic int8 quantisation, bfloat16 autocast, int8 by hand.
* :mod:`~nlpcourse.efficiency.measure`: size, latency, accuracy, and the :func:`decision_table`.
"""

from nlpcourse.efficiency.distillation import distill, distillation_loss, student_state_dict
from nlpcourse.efficiency.measure import (
    accuracy_on,
    decision_table,
    format_table,
    latency_ms,
    model_size_mb,
    plot_decision_table,
)
from nlpcourse.efficiency.quantization import bf16_autocast, dequantize_tensor, quantize_int8, quantize_tensor

__all__ = [
    "distillation_loss",
    "student_state_dict",
    "distill",
    "quantize_int8",
    "bf16_autocast",
    "quantize_tensor",
    "dequantize_tensor",
    "model_size_mb",
    "latency_ms",
    "accuracy_on",
    "decision_table",
    "format_table",
    "plot_decision_table",
]
