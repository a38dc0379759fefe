"""Chapter 11: looking inside a model, and the limits of what that shows.

* :mod:`~nlpcourse.interpret.probing`: linear probes per layer on a toy-world number task.
* :mod:`~nlpcourse.interpret.attribution`: gradient x input and integrated gradients (equal to captum's).
* :mod:`~nlpcourse.interpret.ablation`: silencing attention heads, head importance.
* :mod:`~nlpcourse.interpret.plots`: probe accuracy per layer, token scores side by side.
"""

from nlpcourse.interpret.ablation import ablate_heads, head_importance, output_projections
from nlpcourse.interpret.attribution import (
    embedding_forward,
    gradient_x_input,
    integrated_gradients,
    quadrature,
    token_scores,
)
from nlpcourse.interpret.plots import plot_probes, plot_token_scores
from nlpcourse.interpret.probing import layer_vectors, number_phrases, probe_layers, train_probe

__all__ = [
    "gradient_x_input",
    "integrated_gradients",
    "quadrature",
    "token_scores",
    "embedding_forward",
    "ablate_heads",
    "head_importance",
    "output_projections",
    "number_phrases",
    "layer_vectors",
    "train_probe",
    "probe_layers",
    "plot_probes",
    "plot_token_scores",
]
