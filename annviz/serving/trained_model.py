"""The trained-model wrapper: a training's result as NumPy arrays, usable in the server without TensorFlow.

>>> model = TrainedMLP(())
>>> len(model.token)  # names it in server-wide caches
32
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace

import numpy as np

from annviz.training_config import TrainingConfig


@dataclass(frozen=True)
class TrainedMLP:
    """A trained MLP as NumPy arrays: what a training process hands back instead of a Keras model.

    ``probabilities(x)`` is the Keras model's ``predict(x)`` computed in NumPy (float32, the same
    operations; tests pin it to Keras), so the server needs no TensorFlow to use it.
    """

    layers: tuple
    #: Names this model in server-wide caches (two models never share one).
    token: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def input_shape(self) -> tuple[None, int]:
        return (None, int(self.layers[0].kernel.shape[0]))

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        from annviz.numpy_mlp import mlp_probabilities

        return mlp_probabilities(self.layers, x)

    def predict(self, x: np.ndarray, batch_size: int | None = None, verbose: int = 0) -> np.ndarray:
        """Keras's ``model.predict`` signature, so code written for a Keras model (the metrics'
        checked ``predict_test_set``) takes this one too; the whole batch runs at once in NumPy."""
        return self.probabilities(x)


def for_scaled_inputs(layers: tuple, config: TrainingConfig) -> tuple:
    """A trained MLP's layers for inputs divided by 255, as every page feeds a model.

    A run trained on raw 0…255 pixels computes f(W·x + b); with its first kernel times 255 it
    computes the same f((255·W)·(x/255) + b), so the other pages need not know how it was trained.
    """
    if config.scale_inputs:
        return layers
    first, *rest = layers
    return (replace(first, kernel=(first.kernel * np.float32(255)).astype(np.float32)), *rest)
