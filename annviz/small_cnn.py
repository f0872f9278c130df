"""The shipped small CNN's forward pass in NumPy: convolution, max pooling, flatten, dense.

The draw page asks the CNN about one digit per stroke. Its 12,810 weights are tiny, so the
server runs the forward pass itself (about a millisecond) instead of sending each stroke to a
Keras process; the result is Keras's ``model.predict`` to float32 rounding (a test holds it to
the ``.keras`` file on the test set). The layers follow Keras's conventions, channels last:

- ``Conv2D(f, k)``, stride 1, ``padding="valid"``: a cross-correlation (the kernel is not
  flipped), y[n, i, j, f] = b[f] + Σ_{u,v,c} x[n, i+u, j+v, c] · K[u, v, c, f], then the activation;
  the output is (H − k + 1) × (W − k + 1) × f.
- ``MaxPooling2D(p)``, stride p, ``padding="valid"``: the largest value of each p × p block;
  rows and columns left over at the edge are dropped (⌊H / p⌋ × ⌊W / p⌋).
- ``Flatten``: row by row, channels innermost (``reshape(n, -1)`` of the NHWC array).
- ``Dense``: ``activation(x @ kernel + bias)``, as in :mod:`annviz.limitations`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

import numpy as np

from annviz.errors import InputError
from annviz.numpy_mlp import DENSE_ACTIVATIONS, DenseLayer, layer_outputs


@dataclass(frozen=True)
class ConvLayer:
    """``Conv2D`` with stride 1 and no padding: kernel (k, k, channels in, filters), bias (filters,)."""

    kernel: np.ndarray
    bias: np.ndarray
    activation: str


@dataclass(frozen=True)
class PoolLayer:
    """``MaxPooling2D(size)`` with stride ``size`` and no padding."""

    size: int


@dataclass(frozen=True)
class FlattenLayer:
    """``Flatten``: (n, H, W, C) → (n, H·W·C), channels innermost."""


CNNLayer = Union[ConvLayer, PoolLayer, FlattenLayer, DenseLayer]


def conv2d(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Keras's ``Conv2D`` (stride 1, ``padding="valid"``, channels last) before its activation.

    y[n, i, j, f] = b[f] + Σ_{u,v,c} x[n, i+u, j+v, c] · K[u, v, c, f]

    >>> x = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)
    >>> kernel = np.ones((2, 2, 1, 1), dtype=np.float32)
    >>> conv2d(x, kernel, np.zeros(1, np.float32))[0, :, :, 0].tolist()
    [[8.0, 12.0], [20.0, 24.0]]
    """
    k_rows, k_cols, channels, _ = kernel.shape
    if x.ndim != 4 or x.shape[3] != channels or x.shape[1] < k_rows or x.shape[2] < k_cols:
        raise InputError(f"A {k_rows}×{k_cols} convolution over {channels} channel(s) cannot take an input of shape {x.shape}.")
    windows = np.lib.stride_tricks.sliding_window_view(x, (k_rows, k_cols), axis=(1, 2))  # (n, H', W', C, k, k)
    return np.einsum("nijcuv,uvcf->nijf", windows, kernel, optimize=True) + bias


def max_pool2d(x: np.ndarray, size: int) -> np.ndarray:
    """Keras's ``MaxPooling2D(size)`` (stride ``size``, ``padding="valid"``): the largest value of
    each size × size block; leftover edge rows and columns are dropped.

    >>> x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    >>> max_pool2d(x, 2)[0, :, :, 0].tolist()
    [[5.0, 7.0], [13.0, 15.0]]
    """
    n, rows, cols, channels = x.shape
    rows, cols = rows // size * size, cols // size * size
    blocks = x[:, :rows, :cols].reshape(n, rows // size, size, cols // size, size, channels)
    return blocks.max(axis=(2, 4))


def layer_param_counts(layers: tuple[CNNLayer, ...]) -> list[tuple[str, int]]:
    """Each layer's kind and parameter count (kernel plus bias; pooling and flatten have none),
    as Keras's ``layer.count_params()`` gives them.

    >>> conv = ConvLayer(np.zeros((3, 3, 1, 16)), np.zeros(16), "relu")
    >>> layer_param_counts((conv, PoolLayer(2), FlattenLayer()))
    [('conv', 160), ('pool', 0), ('flatten', 0)]
    """
    kinds = {ConvLayer: "conv", PoolLayer: "pool", FlattenLayer: "flatten", DenseLayer: "dense"}
    return [
        (kinds[type(layer)], int(np.size(layer.kernel) + np.size(layer.bias)) if hasattr(layer, "kernel") else 0)
        for layer in layers
    ]


def cnn_outputs(layers: tuple[CNNLayer, ...], x: np.ndarray) -> list[np.ndarray]:
    """Every layer's output for images ``x`` (n, H, W, C) scaled to [0, 1]; the last is the
    network's output (class probabilities for the shipped CNN).

    >>> conv = ConvLayer(np.ones((3, 3, 1, 2), np.float32), np.zeros(2, np.float32), "relu")
    >>> [a.shape for a in cnn_outputs((conv, PoolLayer(2), FlattenLayer()), np.ones((1, 8, 8, 1), np.float32))]
    [(1, 6, 6, 2), (1, 3, 3, 2), (1, 18)]
    """
    x = np.asarray(x, dtype=np.float32)
    outputs = []
    for layer in layers:
        if isinstance(layer, ConvLayer):
            x = DENSE_ACTIVATIONS[layer.activation](conv2d(x, layer.kernel, layer.bias)).astype(np.float32)
        elif isinstance(layer, PoolLayer):
            x = max_pool2d(x, layer.size)
        elif isinstance(layer, FlattenLayer):
            x = x.reshape(len(x), -1)
        else:  # a Dense layer: the MLP's own forward pass (its input check included)
            x = layer_outputs((layer,), x)[0]
        outputs.append(x)
    return outputs


def cnn_probabilities(layers: tuple[CNNLayer, ...], x: np.ndarray) -> np.ndarray:
    """The CNN's output for images ``x`` (n, 28, 28, 1) in [0, 1], computed in NumPy."""
    return cnn_outputs(layers, x)[-1]


def _keras_layer(layer: Any) -> CNNLayer:
    kind, config = type(layer).__name__, layer.get_config()
    if kind == "Conv2D":
        kernel, bias = layer.get_weights()
        plain = (
            tuple(config["strides"]) == (1, 1) and config["padding"] == "valid"
            and tuple(config.get("dilation_rate", (1, 1))) == (1, 1) and config.get("data_format") in (None, "channels_last")
            and config.get("groups", 1) == 1 and config["activation"] in DENSE_ACTIVATIONS
        )
        if plain:
            return ConvLayer(np.asarray(kernel, np.float32), np.asarray(bias, np.float32), config["activation"])
    elif kind == "MaxPooling2D":
        size = tuple(config["pool_size"])
        if size[0] == size[1] and tuple(config["strides"]) == size and config["padding"] == "valid":
            return PoolLayer(int(size[0]))
    elif kind == "Flatten":
        return FlattenLayer()
    elif kind == "Dense" and config["activation"] in DENSE_ACTIVATIONS:
        kernel, bias = layer.get_weights()
        return DenseLayer(np.asarray(kernel, np.float32), np.asarray(bias, np.float32), config["activation"])
    raise InputError(
        f"Layer {config.get('name', kind)!r} ({kind}) is not one NumPy runs here: only Conv2D with stride 1 and "
        "valid padding, square MaxPooling2D, Flatten and Dense."
    )


def cnn_layers(model: Any) -> tuple[CNNLayer, ...]:
    """Copy a Keras ``Sequential`` of Conv2D / MaxPooling2D / Flatten / Dense layers into NumPy arrays."""
    layers = tuple(_keras_layer(layer) for layer in model.layers)
    if not layers:
        raise InputError("The model has no layers to run.")
    return layers


def save_cnn_layers(layers: tuple[CNNLayer, ...], path: Path) -> None:
    """Write the layers to ``path`` (.npz): their kinds, activations, pool sizes and weights."""
    kinds, activations, sizes, arrays = [], [], [], {}
    for i, layer in enumerate(layers):
        kinds.append({ConvLayer: "conv", PoolLayer: "pool", FlattenLayer: "flatten", DenseLayer: "dense"}[type(layer)])
        activations.append(getattr(layer, "activation", ""))
        sizes.append(getattr(layer, "size", 0))
        if isinstance(layer, (ConvLayer, DenseLayer)):
            arrays[f"kernel_{i}"], arrays[f"bias_{i}"] = layer.kernel, layer.bias
    np.savez_compressed(path, kinds=np.array(kinds), activations=np.array(activations), sizes=np.array(sizes), **arrays)


def load_cnn_layers(path: Path) -> tuple[CNNLayer, ...]:
    """The layers :func:`save_cnn_layers` wrote, read without TensorFlow."""
    if not path.is_file():
        raise InputError(f"The shipped weights {path.name} are missing: run `python scripts/train_pretrained.py`.")
    layers: list[CNNLayer] = []
    with np.load(path, allow_pickle=False) as stored:
        for i, (kind, activation, size) in enumerate(zip(stored["kinds"], stored["activations"], stored["sizes"])):
            if kind == "conv":
                layers.append(ConvLayer(stored[f"kernel_{i}"], stored[f"bias_{i}"], str(activation)))
            elif kind == "pool":
                layers.append(PoolLayer(int(size)))
            elif kind == "flatten":
                layers.append(FlattenLayer())
            else:
                layers.append(DenseLayer(stored[f"kernel_{i}"], stored[f"bias_{i}"], str(activation)))
    return tuple(layers)
