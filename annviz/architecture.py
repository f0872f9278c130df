"""Layers and parameters: dense-network specs, their parameter counts, and the Keras model behind them.

A dense layer with ``n`` inputs and ``h`` neurons has one weight per (input, neuron)
pair and one bias per neuron::

    params = n × h + h

The lecture's examples: a 3-4-1 network has (3·4 + 4) + (4·1 + 1) = 16 + 5 = 21
parameters; ``Dense(4)`` on 5 inputs has 5·4 + 4 = 24; the MNIST MLP 784-128-64-10
has 109,386; a 100×100×3 image flattened into ``Dense(512)`` has 15,360,512.

Counts use Python ints, so absurd sizes (10^9 units) are counted exactly and
never built. Keras builds it only in the Keras worker (``annviz.serving.keras_models.build_keras_model``).
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

from annviz.activations import ACTIVATIONS
from annviz.errors import InputError, echo

#: Largest layer width (or input size) annviz will count; beyond it the numbers stop meaning anything.
MAX_UNITS = 10**12
#: Most hidden layers a spec may have (the drawing and the table stay readable).
MAX_HIDDEN_LAYERS = 20
#: Longest hidden-layer list read (20 layers of "1000000000000 softmax" fit, with spaces): a
#: field that takes the list has room for one character more, so text cut at the field's limit
#: still reads as too long here, not as a word cut in half.
MAX_HIDDEN_LAYERS_CHARS = 500
#: Largest model ``annviz.serving.keras_models.build_keras_model`` builds: 20 M float32 parameters ≈ 80 MB, safe on a
#: 2.7 GB Community Cloud container even with a few students building at once.
MAX_BUILD_PARAMS = 20_000_000


@dataclass(frozen=True)
class Task:
    """What the output layer and the loss look like for one kind of problem."""

    label: str
    output_activation: str
    #: The Keras loss, or ``None`` for a bare layer (no task, so nothing to compare its output with).
    loss: str | None
    #: Fixed number of output neurons, or ``None`` for "one per class" (K; the units of a bare layer).
    output_units: int | None


#: The output layer and loss each task needs (lecture: binary → 1 sigmoid, multi-class → K softmax,
#: regression → 1 linear), and the lecture's bare ``Dense(4)``: a linear layer with no task or loss.
TASKS: dict[str, Task] = {
    "binary": Task("Binary classification", "sigmoid", "binary_crossentropy", 1),
    "multiclass": Task("Multi-class classification (K classes)", "softmax", "sparse_categorical_crossentropy", None),
    "regression": Task("Regression", "linear", "mse", 1),
    "layer": Task("Just a Dense(K) layer, no task (linear, no loss)", "linear", None, None),
}


def _check_size(value: Any, what: str) -> int:
    """Return ``value`` as a Python int if it is a whole number in [1, MAX_UNITS], else raise."""
    if isinstance(value, (bool, float)):
        raise InputError(f"The {what} must be a whole number, not {echo(repr(value))}.")
    try:
        number = operator.index(value)
    except TypeError:
        raise InputError(f"The {what} must be a whole number, not {echo(repr(value))}.") from None
    if number < 1:
        raise InputError(f"The {what} must be at least 1, not {number}.")
    if number > MAX_UNITS:
        raise InputError(f"The {what} ({number:,}) is absurdly large: keep it at most {MAX_UNITS:,}.")
    return number


def _typed_whole_number(text: str, sentence: str) -> int:
    """The whole number typed as ASCII digits, or ``InputError(sentence)``; far too many digits are absurdly large.

    >>> _typed_whole_number("128", "no")
    128
    >>> _typed_whole_number("9" * 5000, "no")
    Traceback (most recent call last):
    ...
    annviz.errors.InputError: `99999999999999…` is absurdly large: keep each size at most 1,000,000,000,000.
    """
    if not re.fullmatch(r"[0-9]+", text):
        raise InputError(sentence)
    if len(text.lstrip("0")) > len(str(MAX_UNITS)):
        raise InputError(f"{echo(text, limit=15)} is absurdly large: keep each size at most {MAX_UNITS:,}.")
    return int(text)


@dataclass(frozen=True)
class DenseSpec:
    """One ``keras.layers.Dense(units, activation=...)`` layer.

    >>> DenseSpec(4, "relu")
    DenseSpec(units=4, activation='relu')
    """

    units: int
    activation: str = "relu"

    def __post_init__(self) -> None:
        object.__setattr__(self, "units", _check_size(self.units, "number of neurons in a layer"))
        if self.activation not in ACTIVATIONS and self.activation != "softmax":
            known = ", ".join([*ACTIVATIONS, "softmax"])
            raise InputError(f"Unknown activation {echo(self.activation)}: choose one of {known}.")


@dataclass(frozen=True)
class ModelSpec:
    """A dense network: input size, hidden layers, and a task that fixes the output layer and loss.

    >>> spec = ModelSpec(784, (DenseSpec(128), DenseSpec(64)), task="multiclass", n_classes=10)
    >>> [layer.units for layer in spec.layers], spec.layers[-1].activation, spec.loss
    ([128, 64, 10], 'softmax', 'sparse_categorical_crossentropy')
    """

    input_size: int
    hidden: tuple[DenseSpec, ...] = field(default_factory=tuple)
    task: str = "multiclass"
    n_classes: int = 10

    def __post_init__(self) -> None:
        object.__setattr__(self, "input_size", _check_size(self.input_size, "input size"))
        object.__setattr__(self, "hidden", tuple(self.hidden))
        if not all(isinstance(layer, DenseSpec) for layer in self.hidden):
            raise InputError("Every hidden layer must be a DenseSpec(units, activation).")
        if len(self.hidden) > MAX_HIDDEN_LAYERS:
            raise InputError(f"{len(self.hidden)} hidden layers is too many: use at most {MAX_HIDDEN_LAYERS}.")
        if self.task not in TASKS:
            raise InputError(f"Unknown task {echo(self.task)}: choose one of {', '.join(TASKS)}.")
        if self.task == "multiclass":
            n_classes = _check_size(self.n_classes, "number of classes")
            if n_classes < 2:
                raise InputError("Multi-class classification needs at least 2 classes.")
            object.__setattr__(self, "n_classes", n_classes)
        elif self.task == "layer":
            object.__setattr__(self, "n_classes", _check_size(self.n_classes, "number of neurons of the layer"))

    @property
    def output(self) -> DenseSpec:
        """The output layer the task calls for."""
        task = TASKS[self.task]
        units = self.n_classes if task.output_units is None else task.output_units
        return DenseSpec(units, task.output_activation)

    @property
    def layers(self) -> tuple[DenseSpec, ...]:
        """Every Dense layer in order, hidden layers then the output layer."""
        return (*self.hidden, self.output)

    @property
    def loss(self) -> str | None:
        """The Keras loss name that matches the task (None for a bare layer)."""
        return TASKS[self.task].loss

    @property
    def sizes(self) -> tuple[int, ...]:
        """Input size followed by every layer's width, e.g. ``(784, 128, 64, 10)``."""
        return (self.input_size, *(layer.units for layer in self.layers))


#: Bytes one parameter takes at float32, Keras's default dtype.
BYTES_PER_FLOAT32 = 4


@dataclass(frozen=True)
class ParamCount:
    """A layer's parameters as exact Python ints, and the memory they take at float32."""

    weights: int
    biases: int

    @property
    def total(self) -> int:
        return self.weights + self.biases

    @property
    def float32_bytes(self) -> int:
        return self.total * BYTES_PER_FLOAT32

    @property
    def megabytes(self) -> float:
        """Memory in MB (10^6 bytes) at 4 bytes per float32 parameter."""
        return self.float32_bytes / 10**6


def dense_param_count(n_inputs: int, n_units: int) -> ParamCount:
    """A dense layer's ``n_inputs × n_units`` weights and ``n_units`` biases, as exact Python ints.

    The sizes are the caller's to check (:func:`count_dense_params` checks them; the image
    calculator of section 9 allows far larger inputs).

    >>> count = dense_param_count(100 * 100 * 3, 512)
    >>> count.weights, count.biases, count.total
    (15360000, 512, 15360512)
    """
    return ParamCount(weights=n_inputs * n_units, biases=n_units)


def count_dense_params(n_inputs: int, n_units: int) -> int:
    """Parameters of one dense layer: ``n_inputs × n_units`` weights plus ``n_units`` biases.

    Python ints, so nothing overflows however large the layer.

    >>> count_dense_params(5, 4)
    24
    >>> count_dense_params(100 * 100 * 3, 512)
    15360512
    >>> count_dense_params(784, 10**9)
    785000000000
    """
    return dense_param_count(_check_size(n_inputs, "number of inputs"), _check_size(n_units, "number of neurons")).total


def layer_param_rows(spec: ModelSpec) -> list[dict[str, Any]]:
    """One row per Dense layer: its inputs, neurons, weights (inputs × neurons), biases, params.

    >>> rows = layer_param_rows(ModelSpec(3, (DenseSpec(4),), task="binary"))
    >>> [(r["inputs"], r["neurons"], r["weights"], r["biases"], r["params"]) for r in rows]
    [(3, 4, 12, 4, 16), (4, 1, 4, 1, 5)]
    """
    rows: list[dict[str, Any]] = []
    n_inputs = spec.input_size
    for index, layer in enumerate(spec.layers):
        is_output = index == len(spec.hidden)
        rows.append(
            {
                "layer": "output" if is_output else f"hidden {index + 1}",
                "inputs": n_inputs,
                "neurons": layer.units,
                "weights": n_inputs * layer.units,
                "biases": layer.units,
                "params": count_dense_params(n_inputs, layer.units),
                "activation": layer.activation,
            }
        )
        n_inputs = layer.units
    return rows


def count_model_params(spec: ModelSpec) -> int:
    """Total parameters of the network: the sum of ``inputs × neurons + neurons`` over its layers.

    >>> count_model_params(ModelSpec(784, (DenseSpec(128), DenseSpec(64))))
    109386
    """
    return sum(row["params"] for row in layer_param_rows(spec))


def _latex_int(number: int) -> str:
    """1234567 → ``1{,}234{,}567`` (LaTeX thousands separators without extra space)."""
    return f"{number:,}".replace(",", "{,}")


def param_formula_latex(spec: ModelSpec) -> str:
    r"""The total as weights plus biases with the numbers substituted.

    >>> print(param_formula_latex(ModelSpec(3, (DenseSpec(4),), task="binary")))
    \underbrace{3 \times 4 + 4 \times 1}_{16\ \text{weights}} + \underbrace{4 + 1}_{5\ \text{biases}} = 21
    """
    rows = layer_param_rows(spec)
    weights = " + ".join(rf"{_latex_int(r['inputs'])} \times {_latex_int(r['neurons'])}" for r in rows)
    biases = " + ".join(_latex_int(r["biases"]) for r in rows)
    n_weights, n_biases = sum(r["weights"] for r in rows), sum(r["biases"] for r in rows)
    return (
        rf"\underbrace{{{weights}}}_{{{_latex_int(n_weights)}\ \text{{weights}}}}"
        rf" + \underbrace{{{biases}}}_{{{_latex_int(n_biases)}\ \text{{biases}}}}"
        f" = {_latex_int(n_weights + n_biases)}"
    )


def parse_hidden_layers(text: str) -> tuple[DenseSpec, ...]:
    """Read hidden layers typed as ``"128 relu, 64 relu"`` (activation optional, default relu).

    An empty text (or ``none``) means no hidden layer.

    >>> parse_hidden_layers("128 relu, 64 tanh")
    (DenseSpec(units=128, activation='relu'), DenseSpec(units=64, activation='tanh'))
    >>> parse_hidden_layers("4")
    (DenseSpec(units=4, activation='relu'),)
    >>> parse_hidden_layers(" ")
    ()

    A list longer than :data:`MAX_HIDDEN_LAYERS_CHARS` is refused whole, before a word of it is read.
    """
    if len(text) > MAX_HIDDEN_LAYERS_CHARS:
        raise InputError(
            f"The hidden-layer list is longer than {MAX_HIDDEN_LAYERS_CHARS} characters: write at most "
            f"{MAX_HIDDEN_LAYERS} layers as 'units activation', e.g. 128 relu, 64 relu."
        )
    stripped = text.strip()
    if stripped.lower() in ("", "none"):
        return ()
    layers = []
    for part in stripped.split(","):
        words = part.split()
        if not words or len(words) > 2:
            raise InputError(
                f"Could not read the hidden layer {echo(part)}: write each as 'units activation', e.g. 128 relu, 64 relu."
            )
        units = _typed_whole_number(words[0].replace("_", ""), f"{echo(words[0])} is not a whole number of neurons: write e.g. 128 relu.")
        layers.append(DenseSpec(units, words[1].lower() if len(words) == 2 else "relu"))
    if len(layers) > MAX_HIDDEN_LAYERS:
        raise InputError(f"{len(layers)} hidden layers is too many: use at most {MAX_HIDDEN_LAYERS}.")
    return tuple(layers)


def format_hidden_layers(hidden: tuple[DenseSpec, ...]) -> str:
    """The text :func:`parse_hidden_layers` reads back.

    >>> format_hidden_layers((DenseSpec(128), DenseSpec(64, "tanh")))
    '128 relu, 64 tanh'
    """
    return ", ".join(f"{layer.units} {layer.activation}" for layer in hidden)


def parse_layer_sizes(text: str) -> tuple[int, ...]:
    """Read a network written as layer sizes, input first: ``"3-4-1"`` or ``"784, 128, 64, 10"``.

    >>> parse_layer_sizes("3-4-1")
    (3, 4, 1)
    >>> parse_layer_sizes("784 128 64 10")
    (784, 128, 64, 10)
    """
    parts = [p for p in re.split(r"[-,\s×x→>]+", text.strip()) if p]
    if len(parts) < 2:
        raise InputError("Write at least an input size and an output size, e.g. 3-4-1.")
    if len(parts) > MAX_HIDDEN_LAYERS + 2:
        raise InputError(f"{len(parts)} layers is too many: use at most {MAX_HIDDEN_LAYERS + 2}.")
    sizes = []
    for part in parts:
        number = _typed_whole_number(part, f"{echo(part)} is not a whole number of neurons: write sizes like 3-4-1.")
        sizes.append(_check_size(number, "size of each layer"))
    return tuple(sizes)


def spec_from_sizes(sizes: Sequence[int], *, activation: str = "relu") -> ModelSpec:
    """A network from its layer sizes: one output → binary (sigmoid), K > 1 outputs → K-class softmax.

    >>> spec = spec_from_sizes((3, 4, 1))
    >>> spec.sizes, spec.task
    ((3, 4, 1), 'binary')
    """
    if len(sizes) < 2:
        raise InputError("A network needs an input size and an output size.")
    outputs = int(sizes[-1])
    task = "binary" if outputs == 1 else "multiclass"
    hidden = tuple(DenseSpec(units, activation) for units in sizes[1:-1])
    return ModelSpec(int(sizes[0]), hidden, task=task, n_classes=max(outputs, 2))


def keras_model_code(spec: ModelSpec, *, var: str = "model") -> str:
    """The Keras code that defines ``spec`` (what ``annviz.serving.keras_models.build_keras_model`` runs).

    >>> print(keras_model_code(ModelSpec(3, (DenseSpec(4),), task="binary")))
    model = keras.Sequential([
        keras.Input(shape=(3,)),
        keras.layers.Dense(4, activation='relu'),
        keras.layers.Dense(1, activation='sigmoid'),
    ])
    """
    if not var.isidentifier():
        raise InputError(f"{echo(var)} is not a valid Python variable name.")
    lines = [f"{var} = keras.Sequential([", f"    keras.Input(shape=({spec.input_size},)),"]
    lines += [f"    keras.layers.Dense({layer.units}, activation={layer.activation!r})," for layer in spec.layers]
    lines.append("])")
    return "\n".join(lines)


@dataclass(frozen=True)
class Preset:
    """A named architecture from the lecture and the parameter count the lecture gives for it.

    ``lecture_layers`` says how many leading layers the lecture's number covers
    (``None``: the whole model). The 100×100×3 image example counts only the first
    Dense(512) layer, the one that shows why dense layers explode on images.
    """

    label: str
    spec: ModelSpec
    lecture_total: int
    lecture_layers: int | None = None

    def counted(self) -> int:
        """The count annviz computes for what the lecture counted."""
        rows = layer_param_rows(self.spec)
        return sum(row["params"] for row in rows[: self.lecture_layers])


#: The lecture's architectures; the page's preset picker and the tests read this table.
PRESETS: dict[str, Preset] = {
    preset.label: preset
    for preset in (
        Preset("3-4-1 (21)", ModelSpec(3, (DenseSpec(4, "relu"),), task="binary"), 21),
        # The lecture's plain Dense(4): linear, no output activation or loss invented for it.
        Preset("Dense(4) on 5 inputs (24)", ModelSpec(5, (), task="layer", n_classes=4), 24),
        Preset(
            "MNIST MLP 784-128-64-10 (109,386)",
            ModelSpec(784, (DenseSpec(128, "relu"), DenseSpec(64, "relu")), task="multiclass", n_classes=10),
            109_386,
        ),
        Preset(
            "100×100×3 image → 512 (15,360,512)",
            ModelSpec(100 * 100 * 3, (DenseSpec(512, "relu"),), task="multiclass", n_classes=10),
            15_360_512,
            lecture_layers=1,
        ),
    )
}
