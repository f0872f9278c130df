"""Activation functions: one table, each value beside its derivative (as in tensorflow/playground).

Every function takes ``z`` (a scalar or an array) and is computed in float64 in a
numerically stable form, so ``|z| = 1000`` gives no overflow warning and no NaN.
Definitions match ``keras.activations`` with Keras's defaults: leaky ReLU slope 0.2,
ELU α = 1, exact (erf-based) GELU.

The lecture's table:

>>> import numpy as np
>>> z = np.array([-2, -0.5, 0, 1, 2])
>>> ACTIVATIONS["relu"].value(z)
array([0., 0., 0., 1., 2.])
>>> ACTIVATIONS["sigmoid"].value(z).round(3)
array([0.119, 0.378, 0.5  , 0.731, 0.881])
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.special import ndtr

from annviz.errors import InputError, echo

ArrayLike = float | np.ndarray
#: The z values of the lecture's table of ReLU and sigmoid.
LECTURE_TABLE_Z = (-2.0, -0.5, 0.0, 1.0, 2.0)
#: Default logits of the softmax demo (three classes, one clearly ahead).
DEFAULT_LOGITS = (2.0, 1.0, 0.1)
#: Keras's default slope of leaky ReLU for z < 0.
LEAKY_SLOPE = 0.2
#: Keras's default α of ELU.
ELU_ALPHA = 1.0


def _as_float(z: ArrayLike) -> np.ndarray:
    return np.asarray(z, dtype=np.float64)


def sigmoid(z: ArrayLike) -> np.ndarray:
    """σ(z) = 1 / (1 + e^(−z)), written with e^(−|z|) so it never overflows.

    >>> float(sigmoid(0.0)), float(sigmoid(1000.0)), float(sigmoid(-1000.0))
    (0.5, 1.0, 0.0)
    """
    z = _as_float(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_derivative(z: ArrayLike) -> np.ndarray:
    """σ'(z) = σ(z)(1 − σ(z)); at most 0.25, at z = 0.

    >>> float(sigmoid_derivative(0.0))
    0.25
    """
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z: ArrayLike) -> np.ndarray:
    """tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z)).

    >>> float(tanh(0.0)), float(tanh(1000.0))
    (0.0, 1.0)
    """
    return np.tanh(_as_float(z))


def tanh_derivative(z: ArrayLike) -> np.ndarray:
    """tanh'(z) = 1 − tanh²(z).

    >>> float(tanh_derivative(0.0))
    1.0
    """
    return 1.0 - np.tanh(_as_float(z)) ** 2


def relu(z: ArrayLike) -> np.ndarray:
    """ReLU(z) = max(0, z).

    >>> relu(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 3.])
    """
    return np.maximum(_as_float(z), 0.0)


def relu_derivative(z: ArrayLike) -> np.ndarray:
    """ReLU'(z) = 1 for z > 0, else 0 (TensorFlow's gradient at z = 0 is 0 too).

    >>> relu_derivative(np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 1.])
    """
    return (_as_float(z) > 0).astype(np.float64)


def leaky_relu(z: ArrayLike) -> np.ndarray:
    """LeakyReLU(z) = z for z > 0, else 0.2·z (Keras's default slope).

    >>> leaky_relu(np.array([-2.0, 3.0]))
    array([-0.4,  3. ])
    """
    z = _as_float(z)
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def leaky_relu_derivative(z: ArrayLike) -> np.ndarray:
    """LeakyReLU'(z) = 1 for z > 0, else 0.2.

    >>> leaky_relu_derivative(np.array([-2.0, 3.0]))
    array([0.2, 1. ])
    """
    return np.where(_as_float(z) > 0, 1.0, LEAKY_SLOPE)


def elu(z: ArrayLike) -> np.ndarray:
    """ELU(z) = z for z > 0, else α(e^z − 1) with α = 1; e^z is taken of min(z, 0) only.

    >>> elu(np.array([0.0, 2.0, -1000.0]))
    array([ 0.,  2., -1.])
    """
    z = _as_float(z)
    return np.where(z > 0, z, ELU_ALPHA * np.expm1(np.minimum(z, 0.0)))


def elu_derivative(z: ArrayLike) -> np.ndarray:
    """ELU'(z) = 1 for z > 0, else α·e^z.

    >>> elu_derivative(np.array([0.0, 2.0]))
    array([1., 1.])
    """
    z = _as_float(z)
    return np.where(z > 0, 1.0, ELU_ALPHA * np.exp(np.minimum(z, 0.0)))


def gelu(z: ArrayLike) -> np.ndarray:
    """GELU(z) = z·Φ(z), Φ the standard normal CDF (exact form, Keras's default).

    >>> round(float(gelu(1.0)), 6)
    0.841345
    """
    z = _as_float(z)
    return z * ndtr(z)


def gelu_derivative(z: ArrayLike) -> np.ndarray:
    """GELU'(z) = Φ(z) + z·φ(z), φ the standard normal density.

    >>> float(gelu_derivative(0.0))
    0.5
    """
    z = _as_float(z)
    density = np.exp(-0.5 * np.minimum(z * z, 1e6)) / math.sqrt(2.0 * math.pi)
    return ndtr(z) + z * density


def linear(z: ArrayLike) -> np.ndarray:
    """linear(z) = z: no activation at all.

    >>> linear(np.array([-2.0, 3.0]))
    array([-2.,  3.])
    """
    return _as_float(z).copy()


def linear_derivative(z: ArrayLike) -> np.ndarray:
    """linear'(z) = 1.

    >>> linear_derivative(np.array([-2.0, 3.0]))
    array([1., 1.])
    """
    return np.ones_like(_as_float(z))


@dataclass(frozen=True)
class Activation:
    """One activation function: its value beside its derivative, formulas, and where it saturates.

    ``symbol`` is its LaTeX name (``\\sigma``), ``formula`` and ``derivative_formula`` LaTeX.

    ``saturation`` lists the z intervals where the gradient is at most
    ``saturation_bound`` in magnitude (vanishing gradients, or exactly 0 for dead ReLUs).
    """

    label: str
    symbol: str
    value: Callable[[ArrayLike], np.ndarray]
    derivative: Callable[[ArrayLike], np.ndarray]
    formula: str
    derivative_formula: str
    keras_name: str
    saturation: tuple[tuple[float, float], ...]
    saturation_bound: float
    note: str


#: The activations family: the page's pickers, the plots, the URL state and the tests read this table.
ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation(
        "Sigmoid",
        r"\sigma",
        sigmoid,
        sigmoid_derivative,
        r"\sigma(z) = \frac{1}{1 + e^{-z}}",
        r"\sigma'(z) = \sigma(z)\,\bigl(1 - \sigma(z)\bigr)",
        "sigmoid",
        ((-math.inf, -4.0), (4.0, math.inf)),
        0.018,
        "Output in (0, 1): a probability. The gradient is at most 0.25 and below 0.018 for |z| > 4, "
        "so it shrinks layer after layer (vanishing gradient).",
    ),
    "tanh": Activation(
        "Tanh",
        r"\tanh",
        tanh,
        tanh_derivative,
        r"\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}",
        r"\tanh'(z) = 1 - \tanh^2(z)",
        "tanh",
        ((-math.inf, -2.5), (2.5, math.inf)),
        0.027,
        "Output in (−1, 1), centred on 0. Saturates like the sigmoid: gradient below 0.027 for |z| > 2.5.",
    ),
    "relu": Activation(
        "ReLU",
        r"\mathrm{ReLU}",
        relu,
        relu_derivative,
        r"\mathrm{ReLU}(z) = \max(0, z)",
        r"\mathrm{ReLU}'(z) = \begin{cases} 1 & z > 0 \\ 0 & z < 0 \\ 0 \text{ (a convention)} & z = 0 \end{cases}",
        "relu",
        ((-math.inf, 0.0),),
        0.0,
        "The default for hidden layers: cheap, and the gradient is exactly 1 for z > 0. "
        "For z ≤ 0 the gradient is 0: a neuron stuck there stops learning (dying ReLU). "
        "At z = 0 exactly ReLU has no derivative (its slope jumps from 0 to 1); annviz, like "
        "TensorFlow's gradient, uses 0 there, a convention.",
    ),
    "leaky_relu": Activation(
        "Leaky ReLU",
        r"\mathrm{LeakyReLU}",
        leaky_relu,
        leaky_relu_derivative,
        r"\mathrm{LeakyReLU}(z) = \begin{cases} z & z > 0 \\ 0.2\,z & z \le 0 \end{cases}",
        r"\mathrm{LeakyReLU}'(z) = \begin{cases} 1 & z > 0 \\ 0.2 & z \le 0 \end{cases}",
        "leaky_relu",
        (),
        0.0,
        "Keeps a small slope (Keras's default 0.2) for z ≤ 0, so no neuron dies.",
    ),
    "elu": Activation(
        "ELU",
        r"\mathrm{ELU}",
        elu,
        elu_derivative,
        r"\mathrm{ELU}(z) = \begin{cases} z & z > 0 \\ e^{z} - 1 & z \le 0 \end{cases}",
        r"\mathrm{ELU}'(z) = \begin{cases} 1 & z > 0 \\ e^{z} & z \le 0 \end{cases}",
        "elu",
        ((-math.inf, -4.0),),
        0.019,
        "Smooth for z < 0 and tends to −1; its gradient e^z is below 0.019 for z < −4.",
    ),
    "gelu": Activation(
        "GELU",
        r"\mathrm{GELU}",
        gelu,
        gelu_derivative,
        r"\mathrm{GELU}(z) = z\,\Phi(z)",
        r"\mathrm{GELU}'(z) = \Phi(z) + z\,\varphi(z)",
        "gelu",
        ((-math.inf, -4.0),),
        0.001,
        "Used in Transformers: a smooth ReLU weighted by the normal CDF Φ (exact form, Keras's default). "
        "Gradient below 0.001 for z < −4.",
    ),
    "linear": Activation(
        "Linear (none)",
        r"\mathrm{linear}",
        linear,
        linear_derivative,
        r"\mathrm{linear}(z) = z",
        r"\mathrm{linear}'(z) = 1",
        "linear",
        (),
        0.0,
        "No non-linearity: the output layer of a regression. Stacked linear layers collapse into one.",
    ),
}


def activate(name: str, z: ArrayLike) -> np.ndarray:
    """Apply the activation ``name`` from :data:`ACTIVATIONS` (``ValueError`` for an unknown name).

    >>> activate("relu", np.array([-1.0, 4.2]))
    array([0. , 4.2])
    """
    if name not in ACTIVATIONS:
        raise InputError(f"Unknown activation {echo(name)}: choose one of {', '.join(ACTIVATIONS)}.")
    return ACTIVATIONS[name].value(z)


def softmax(logits: ArrayLike, *, temperature: float = 1.0) -> np.ndarray:
    """Softmax with temperature T: softmax(z)_i = e^(z_i/T) / Σ_j e^(z_j/T), along the last axis.

    Computed as e^((z_i − max z)/T) so large logits never overflow. T > 1 flattens the
    probabilities, T < 1 sharpens them; they always sum to 1.

    >>> softmax(np.array([2.0, 1.0, 0.1])).round(3)
    array([0.659, 0.242, 0.099])
    >>> softmax(np.array([1000.0, 0.0]))
    array([1., 0.])
    """
    if not (isinstance(temperature, (int, float, np.floating)) and math.isfinite(temperature) and temperature > 0):
        raise InputError(f"The temperature must be a positive number, not {echo(repr(temperature))}.")
    z = _as_float(logits)
    if z.size == 0:
        raise InputError("Softmax needs at least one logit.")
    if not np.all(np.isfinite(z)):
        raise InputError("The logits must be finite numbers (no NaN or inf).")
    return softmax_values(z / temperature)


def softmax_values(z: np.ndarray) -> np.ndarray:
    """:func:`softmax` along the last axis without its checks, for logits annviz computed itself
    (a diverging network's NaN goes in and comes out as NaN, for the caller to see).

    >>> softmax_values(np.array([[0.0, 0.0], [1000.0, 0.0]])).tolist()
    [[0.5, 0.5], [1.0, 0.0]]
    """
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def keras_activation_values(name: str, z: ArrayLike) -> np.ndarray:
    """The same activation computed by ``keras.activations`` (TensorFlow, float32); imports Keras.

    For the page's side-by-side table and for the tests; softmax is not in the table, use
    ``keras.activations.softmax`` directly.
    """
    if name not in ACTIVATIONS:
        raise InputError(f"Unknown activation {echo(name)}: choose one of {', '.join(ACTIVATIONS)}.")
    import keras

    values = keras.activations.get(ACTIVATIONS[name].keras_name)(np.asarray(z, dtype=np.float32))
    return np.asarray(keras.ops.convert_to_numpy(values), dtype=np.float64)

