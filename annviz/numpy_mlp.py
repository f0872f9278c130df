"""A Keras MLP of Dense layers, run in NumPy from its weights: no TensorFlow in the server.

Each layer is ``a_l = f_l(a_{l-1} W_l + b_l)`` in float32, with ``f_l`` the layer's activation by
its Keras name (:data:`DENSE_ACTIVATIONS`). The shipped MLPs' weights are kept as ``.npz`` beside
their ``.keras`` files (:func:`load_dense_layers`); a trained model's are copied out of Keras by
:func:`dense_layers`. Tests hold the forward pass to ``model.predict``.

>>> layers = load_dense_layers("mlp")
>>> [layer.units for layer in layers], mlp_probabilities(layers, np.zeros((1, 784), np.float32)).shape
([128, 64, 10], (1, 10))
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from annviz.activations import ACTIVATIONS, softmax_values
from annviz.errors import InputError
from annviz.pretrained import PRETRAINED


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0)


def _linear(z: np.ndarray) -> np.ndarray:
    return z


def _in_float32(value: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
    return lambda z: np.asarray(value(z), dtype=np.float32)


#: The activations a dense layer may use, by their Keras name: the shipped MLPs' three, and every
#: hidden activation of annviz.activations (a network trained on the MNIST page may use any).
DENSE_ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": _relu,
    "softmax": _in_float32(softmax_values),
    "linear": _linear,
    **{name: _in_float32(entry.value) for name, entry in ACTIVATIONS.items() if name not in ("relu", "linear")},
}


@dataclass(frozen=True)
class DenseLayer:
    """One dense layer's weights as NumPy arrays: ``activation(x @ kernel + bias)``."""

    kernel: np.ndarray  # (inputs, units)
    bias: np.ndarray  # (units,)
    activation: str

    @property
    def units(self) -> int:
        return int(self.bias.shape[0])


def dense_layers(model: Any) -> tuple[DenseLayer, ...]:
    """Copy a Keras MLP's Dense layers out as NumPy arrays, so a forward pass needs no TensorFlow.

    ``model`` is any object whose ``layers`` each offer ``get_config()`` (with ``units`` and
    ``activation``) and ``get_weights()`` (kernel, bias), i.e. a Keras ``Sequential`` of
    ``Dense`` layers.
    """
    layers = []
    for layer in model.layers:
        config = layer.get_config()
        activation = config.get("activation")
        if "units" not in config or not isinstance(activation, str) or activation not in DENSE_ACTIVATIONS:
            raise InputError(
                f"Layer {config.get('name', layer)!r} is not a Dense layer with a "
                f"{'/'.join(DENSE_ACTIVATIONS)} activation: only MLPs run in NumPy here."
            )
        kernel, bias = layer.get_weights()
        layers.append(DenseLayer(np.asarray(kernel, dtype=np.float32), np.asarray(bias, dtype=np.float32), activation))
    if not layers:
        raise InputError("The model has no layers to run.")
    return tuple(layers)


def dense_weights_path(name: str) -> Path:
    """Where the shipped MLP ``name``'s weights are kept as NumPy arrays (beside its .keras file)."""
    return PRETRAINED[name].weights_path


def save_dense_layers(layers: tuple[DenseLayer, ...], path: Path) -> None:
    """Write an MLP's layers to ``path``: ``kernel_i``, ``bias_i`` and the activations' names."""
    arrays = {f"kernel_{i}": layer.kernel for i, layer in enumerate(layers)}
    arrays |= {f"bias_{i}": layer.bias for i, layer in enumerate(layers)}
    np.savez_compressed(path, activations=np.array([layer.activation for layer in layers]), **arrays)


def load_dense_layers(name: str) -> tuple[DenseLayer, ...]:
    """The shipped MLP ``name`` as NumPy layers, read without TensorFlow (a test holds them to the .keras file).

    >>> [layer.units for layer in load_dense_layers("mlp")]
    [128, 64, 10]
    """
    path = dense_weights_path(name)
    if not path.is_file():
        raise InputError(f"The shipped weights {path.name} are missing: run `python scripts/train_pretrained.py`.")
    with np.load(path, allow_pickle=False) as stored:
        return tuple(
            DenseLayer(stored[f"kernel_{i}"], stored[f"bias_{i}"], str(activation))
            for i, activation in enumerate(stored["activations"])
        )


def layer_outputs(layers: tuple[DenseLayer, ...], x: np.ndarray) -> list[np.ndarray]:
    """Every layer's output for inputs ``x`` (n, 784): ``a_0 = x``, ``a_l = f_l(a_{l-1} W_l + b_l)``.

    ``layer_outputs(layers, x)[0]`` is the first hidden layer (128 ReLUs in the lecture's
    MLP); the last entry is the softmax probabilities.

    >>> layer = DenseLayer(np.array([[1.0, -1.0]], dtype=np.float32), np.zeros(2, np.float32), "relu")
    >>> layer_outputs((layer,), np.array([[2.0]], dtype=np.float32))[0].tolist()
    [[2.0, 0.0]]
    """
    x = np.asarray(x, dtype=np.float32)
    expected = layers[0].kernel.shape[0]
    if x.ndim != 2 or x.shape[1] != expected:
        raise InputError(f"The network expects inputs of length {expected}, got an array of shape {x.shape}.")
    outputs = []
    for layer in layers:
        x = DENSE_ACTIVATIONS[layer.activation](x @ layer.kernel + layer.bias)
        outputs.append(x)
    return outputs


def mlp_probabilities(layers: tuple[DenseLayer, ...], x: np.ndarray) -> np.ndarray:
    """The MLP's output (class probabilities for the shipped models) in NumPy.

    >>> layer = DenseLayer(np.zeros((2, 3), np.float32), np.zeros(3, np.float32), "softmax")
    >>> [round(float(p), 3) for p in mlp_probabilities((layer,), np.ones((1, 2), np.float32))[0]]
    [0.333, 0.333, 0.333]
    """
    return layer_outputs(layers, x)[-1]
