"""The single neuron and a dense layer of them: z = w·x + b, a = σ(z), and Z = XW + b for a batch.

The lecture's worked example (ReLU neuron):

>>> result = neuron_output([2, -1, 3], [0.5, -0.6, 0.8], 0.2, "relu")
>>> round(result.z, 10), round(result.a, 10)
(4.2, 4.2)

Keras is imported only inside :func:`keras_dense_output`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from annviz.activations import ACTIVATIONS, activate
from annviz.errors import InputError, echo
from annviz.formatting import format_number, format_product, format_sum

#: The lecture's single-neuron example: x, w, b and the activation, giving z = a = 4.2.
LECTURE_NEURON = {"x": (2.0, -1.0, 3.0), "w": (0.5, -0.6, 0.8), "b": 0.2, "activation": "relu"}
#: At most this many inputs for the single-neuron demo (the derivation must stay readable).
MAX_NEURON_INPUTS = 10
#: Largest batch or layer the vectorised demo builds (it is printed in full).
MAX_BATCH = 50

#: The lecture's analogy between a biological neuron and an artificial one.
BIOLOGICAL_ANALOGY: tuple[tuple[str, str, str], ...] = (
    ("Neuron (cell body)", "Artificial neuron (node)", "sums its weighted inputs: z = w·x + b"),
    ("Dendrites", "Inputs x₁ … xₙ", "the signals arriving at the neuron"),
    ("Synapse strength", "Weight wᵢ", "how strongly input i excites (+) or inhibits (−)"),
    ("Firing threshold", "Bias b", "shifts how easily the neuron fires"),
    ("Firing (action potential)", "Activation a = σ(z)", "the non-linear output passed on"),
    ("Axon → next neurons", "Connections to the next layer", "outputs become the next layer's inputs"),
    ("Learning (synaptic plasticity)", "Optimisation (gradient descent)", "weights adjusted to reduce the loss"),
)


def _vector(values: Sequence[float] | np.ndarray, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or array.size == 0:
        raise InputError(f"The {name} must be a non-empty list of numbers.")
    if not np.all(np.isfinite(array)):
        raise InputError(f"The {name} must be finite numbers (no NaN or inf).")
    return array


def _finite_scalar(value: float, name: str) -> float:
    number = float(value)
    if not np.isfinite(number):
        raise InputError(f"The {name} must be a finite number, not {echo(repr(value))}.")
    return number


@dataclass(frozen=True)
class NeuronResult:
    """One neuron's forward pass with every intermediate number, for the step-by-step derivation."""

    x: tuple[float, ...]
    w: tuple[float, ...]
    b: float
    activation: str
    products: tuple[float, ...]
    z: float
    a: float


def neuron_output(x: Sequence[float], w: Sequence[float], b: float, activation: str) -> NeuronResult:
    """Forward pass of one neuron: z = Σᵢ wᵢxᵢ + b, a = σ(z).

    Raises ``ValueError`` for empty or non-finite inputs, lengths that differ, more than
    ``MAX_NEURON_INPUTS`` inputs, or an unknown activation.

    >>> r = neuron_output([1, 2], [0.5, -1], 0.0, "sigmoid")
    >>> r.products, r.z, round(r.a, 4)
    ((0.5, -2.0), -1.5, 0.1824)
    """
    xs, ws = _vector(x, "inputs x"), _vector(w, "weights w")
    if xs.size != ws.size:
        raise InputError(f"There are {xs.size} inputs but {ws.size} weights: give one weight per input.")
    if xs.size > MAX_NEURON_INPUTS:
        raise InputError(f"{xs.size} inputs is too many for this demo: use at most {MAX_NEURON_INPUTS}.")
    bias = _finite_scalar(b, "bias b")
    products = xs * ws
    z = float(products.sum() + bias)
    a = float(activate(activation, z))
    return NeuronResult(tuple(xs.tolist()), tuple(ws.tolist()), bias, activation, tuple(products.tolist()), z, a)


def neuron_derivation_latex(result: NeuronResult) -> list[str]:
    """The derivation as LaTeX lines: each product, the weighted sum, then the activation.

    >>> lines = neuron_derivation_latex(neuron_output([2, -1, 3], [0.5, -0.6, 0.8], 0.2, "relu"))
    >>> lines[0]
    'z = w_1 x_1 + w_2 x_2 + w_3 x_3 + b'
    >>> lines[1]
    'z = 0.5 \\\\cdot 2 + (-0.6) \\\\cdot (-1) + 0.8 \\\\cdot 3 + 0.2'
    >>> lines[2], lines[3]
    ('z = 1 + 0.6 + 2.4 + 0.2', 'z = 4.2')

    Signs are written once and there is no negative zero (:mod:`annviz.formatting`'s rule):

    >>> neuron_derivation_latex(neuron_output([0, 1, 0], [-0.3, -0.6, 0.5], -0.5, "relu"))[2]
    'z = 0 - 0.6 + 0 - 0.5'
    """
    n = len(result.x)
    symbolic = " + ".join(f"w_{i + 1} x_{i + 1}" for i in range(n))
    substituted = format_sum([format_product(w, x, latex=True) for x, w in zip(result.x, result.w)], result.b, latex=True)
    products = format_sum([*result.products, result.b], latex=True)
    entry = ACTIVATIONS[result.activation]
    z, a = format_number(result.z, latex=True), format_number(result.a, latex=True)
    return [
        f"z = {symbolic} + b",
        f"z = {substituted}",
        f"z = {products}",
        f"z = {z}",
        rf"a = {entry.symbol}({z}) = {a}",
    ]


def _matrix(values: np.ndarray | Sequence, name: str, ndim: int) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != ndim or array.size == 0:
        shape = "a vector" if ndim == 1 else "a 2-D table (rows × columns)"
        raise InputError(f"{name} must be {shape} of numbers, got shape {array.shape}.")
    if not np.all(np.isfinite(array)):
        raise InputError(f"{name} must contain only finite numbers (no NaN or inf).")
    return array


def layer_forward(
    X: np.ndarray, W: np.ndarray, b: np.ndarray, activation: str
) -> tuple[np.ndarray, np.ndarray]:
    """A dense layer on a batch: Z = XW + b, A = σ(Z).

    Shapes: X is (m samples, n inputs), W is (n inputs, h neurons), b is (h,);
    Z and A are (m, h). Row i of Z is :func:`neuron_output` of sample i for every neuron.

    >>> Z, A = layer_forward([[2, -1, 3]], [[0.5], [-0.6], [0.8]], [0.2], "relu")
    >>> Z.round(10), A.round(10)
    (array([[4.2]]), array([[4.2]]))
    """
    X, W, b = _matrix(X, "X", 2), _matrix(W, "W", 2), _matrix(b, "b", 1)
    if X.shape[1] != W.shape[0]:
        raise InputError(f"X has {X.shape[1]} inputs per sample but W has {W.shape[0]} rows: they must match.")
    if b.shape[0] != W.shape[1]:
        raise InputError(f"W has {W.shape[1]} neurons (columns) but b has {b.shape[0]} biases: they must match.")
    Z = X @ W + b
    return Z, activate(activation, Z)


def batch_with_neuron(
    x: Sequence[float], w: Sequence[float], b: float, *, m: int, h: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A small batch X (m × n), weights W (n × h) and biases b (h,) around one neuron.

    Sample 1 is ``x`` and neuron 1 has weights ``w`` and bias ``b``, so Z[0, 0] is that
    neuron's z; the other entries are small integers/halves drawn with ``seed``.

    >>> X, W, bias = batch_with_neuron([2, -1, 3], [0.5, -0.6, 0.8], 0.2, m=4, h=2, seed=0)
    >>> X.shape, W.shape, bias.shape, X[0].tolist(), W[:, 0].tolist(), float(bias[0])
    ((4, 3), (3, 2), (2,), [2.0, -1.0, 3.0], [0.5, -0.6, 0.8], 0.2)
    """
    xs, ws = _vector(x, "inputs x"), _vector(w, "weights w")
    if xs.size != ws.size:
        raise InputError(f"There are {xs.size} inputs but {ws.size} weights: give one weight per input.")
    for value, name in ((m, "batch size m"), (h, "number of neurons h")):
        if not 1 <= int(value) <= MAX_BATCH:
            raise InputError(f"The {name} must be between 1 and {MAX_BATCH}, not {value}.")
    rng = np.random.default_rng(seed)
    X = rng.integers(-3, 4, size=(m, xs.size)).astype(np.float64)
    W = rng.integers(-4, 5, size=(xs.size, h)) / 4.0
    bias = rng.integers(-2, 3, size=h) / 4.0
    X[0], W[:, 0], bias[0] = xs, ws, _finite_scalar(b, "bias b")
    return X, W, bias


def keras_dense_output(X: np.ndarray, W: np.ndarray, b: np.ndarray, activation: str) -> np.ndarray:
    """A(X) from a real ``keras.layers.Dense`` given the same W and b (float32, as Keras computes).

    Imports Keras on first use (a few seconds); the result should match :func:`layer_forward`
    to float32 precision.
    """
    X, W, b = _matrix(X, "X", 2), _matrix(W, "W", 2), _matrix(b, "b", 1)
    layer_forward(X, W, b, activation)  # same shape checks and messages as the NumPy version
    import keras

    layer = keras.layers.Dense(W.shape[1], activation=ACTIVATIONS[activation].keras_name)
    layer.build((None, W.shape[0]))
    layer.set_weights([W.astype(np.float32), b.astype(np.float32)])
    return np.asarray(keras.ops.convert_to_numpy(layer(X.astype(np.float32))), dtype=np.float64)


def collapse_linear_layers(
    W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Two stacked linear layers are one: (XW₁ + b₁)W₂ + b₂ = X(W₁W₂) + (b₁W₂ + b₂).

    >>> W, b = collapse_linear_layers([[1.0, 2.0]], [0.5, -1.0], [[3.0], [1.0]], [0.25])
    >>> W.tolist(), b.tolist()
    ([[5.0]], [0.75])
    """
    W1, W2 = _matrix(W1, "W₁", 2), _matrix(W2, "W₂", 2)
    b1, b2 = _matrix(b1, "b₁", 1), _matrix(b2, "b₂", 1)
    if W1.shape[1] != W2.shape[0] or b1.shape[0] != W1.shape[1] or b2.shape[0] != W2.shape[1]:
        raise InputError("The layers do not fit together: W₁ has to have as many columns as W₂ has rows.")
    return W1 @ W2, b1 @ W2 + b2


@dataclass(frozen=True)
class StackedLayersDemo:
    """A 1 → h → 1 network on a grid of inputs, with and without an activation between its layers."""

    x: np.ndarray
    two_linear_layers: np.ndarray
    collapsed: np.ndarray
    with_activation: np.ndarray
    W: np.ndarray
    b: np.ndarray
    activation: str


def stacked_layers_demo(
    *, hidden_units: int, seed: int, activation: str = "relu", x_range: tuple[float, float] = (-3.0, 3.0)
) -> StackedLayersDemo:
    """Outputs of Dense(h, linear) → Dense(1, linear), of the one collapsed layer, and with σ between.

    The first two coincide (a straight line); the activation bends the third.

    >>> demo = stacked_layers_demo(hidden_units=8, seed=1)
    >>> bool(np.allclose(demo.two_linear_layers, demo.collapsed))
    True
    """
    if not 1 <= int(hidden_units) <= MAX_BATCH:
        raise InputError(f"The hidden layer needs between 1 and {MAX_BATCH} neurons, not {hidden_units}.")
    rng = np.random.default_rng(seed)
    W1, b1 = rng.normal(size=(1, hidden_units)), rng.normal(size=hidden_units)
    W2, b2 = rng.normal(size=(hidden_units, 1)) / np.sqrt(hidden_units), rng.normal(size=1)
    x = np.linspace(*x_range, 121)[:, None]
    hidden, _ = layer_forward(x, W1, b1, "linear")
    two_layers, _ = layer_forward(hidden, W2, b2, "linear")
    W, b = collapse_linear_layers(W1, b1, W2, b2)
    collapsed, _ = layer_forward(x, W, b, "linear")
    _, hidden_activated = layer_forward(x, W1, b1, activation)
    bent, _ = layer_forward(hidden_activated, W2, b2, "linear")
    return StackedLayersDemo(x[:, 0], two_layers[:, 0], collapsed[:, 0], bent[:, 0], W, b, activation)
