"""The playground: 2-D datasets, input features and a small dense network trained exactly as Keras trains it.

Everything here is plain NumPy in float64 and deterministic: randomness comes in as a seed.
A network is ``Dense`` layers ``z = aW + b``, ``a = σ(z)``, with the hidden activation from
:data:`annviz.activations.ACTIVATIONS` and the output layer and loss from
:data:`annviz.architecture.TASKS`. One training step on a batch of B points is what
``model.fit(x, y, batch_size=B, shuffle=False)`` does:

    L = (1/B) Σ loss(yᵢ, ŷᵢ) + l1·Σ|W| + l2·ΣW²      (kernels only, not biases)
    δ_out = ∂L/∂z_out,  δ_l = (δ_{l+1} W_{l+1}ᵀ) ⊙ σ'(z_l),  ∂L/∂W_l = a_{l−1}ᵀ δ_l,  ∂L/∂b_l = Σ δ_l

then one update of :data:`annviz.optimizers.OPTIMIZERS` on every parameter at once. Keras's
``fit`` computes the cross-entropies from the output layer's logits (its TensorFlow backend
finds the ``Sigmoid``/``Softmax`` op under the output), so this engine does too:
binary cross-entropy is ``max(z, 0) − z·y + log(1 + e^(−|z|))`` and its δ is ``σ(z) − y``.

The parameters live in one flat vector in Keras's ``get_weights()`` order (W₁, b₁, W₂, b₂, ...):
the optimizer's update, written for one number, then runs once per step on the whole vector.

>>> network = make_network(2, (4,), "tanh", "binary")
>>> network.sizes, network.count_params()
((2, 4, 1), 17)
>>> circle = make_points("circle", points=200, noise=0, seed=0)
>>> train, test = split_points(circle, train_percent=50, seed=0)
>>> len(train.y), len(test.y)
(100, 100)
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Callable

import numpy as np

from annviz.activations import ACTIVATIONS, softmax_values
from annviz import metrics
from annviz.architecture import TASKS
from annviz.errors import InputError, echo
from annviz.optimizers import Racer, as_keras_float

#: The square the built-in datasets live in, [−6, 6]² (as in TensorFlow Playground).
DOMAIN = 6.0
MAX_HIDDEN_LAYERS = 6
MAX_NEURONS = 8
MIN_POINTS, MAX_POINTS = 10, 1000
#: An uploaded CSV: at most this many rows and bytes, and at most this many classes.
MAX_CSV_ROWS = 2000
MAX_CSV_BYTES = 200_000
MAX_CLASSES = 4
#: Largest |value| in an uploaded CSV: beyond it x₁², x₁·x₂ and the losses leave the range a network learns in.
MAX_CSV_VALUE = 1000
#: Training stops when the train loss passes this: a loss that large has left the data behind.
DIVERGED_LOSS = 1e8
#: The tasks a playground network can have (the ``TASKS`` rows with a loss).
PLAYGROUND_TASKS = ("binary", "multiclass", "regression")


# ----------------------------------------------------------------------------- data


@dataclass(frozen=True)
class PointSet:
    """2-D points ``x`` (n × 2) with labels ``y``: class indices for a classification, numbers for a regression."""

    x: np.ndarray
    y: np.ndarray
    task: str
    n_classes: int = 2

    def __len__(self) -> int:
        return len(self.y)


@dataclass(frozen=True)
class Dataset:
    """One built-in dataset: its name, its task, and how to draw ``points`` of it with ``noise`` (0–50 %)."""

    key: str
    label: str
    task: str
    n_classes: int
    draw: Callable[[np.random.Generator, int, float], tuple[np.ndarray, np.ndarray]]
    note: str


def _jitter(rng: np.random.Generator, x: np.ndarray, noise: float) -> np.ndarray:
    return x + rng.normal(0.0, noise / 100 * 2.5, size=x.shape)


def _circle(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    inner = n // 2
    radius = np.concatenate([rng.uniform(0, 2.5, inner), rng.uniform(3.5, 5.0, n - inner)])
    angle = rng.uniform(0, 2 * np.pi, n)
    x = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    y = np.concatenate([np.ones(inner), np.zeros(n - inner)])
    return _jitter(rng, x, noise), y


def _xor(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(-5, 5, (n, 2))
    x += np.where(x > 0, 0.3, -0.3)  # a gap along the axes, as in Playground
    y = (x[:, 0] * x[:, 1] > 0).astype(float)
    return _jitter(rng, x, noise), y


def _gaussians(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    half = n // 2
    spread = 0.5 + noise / 100 * 3.0
    x = np.concatenate([rng.normal(2, spread, (half, 2)), rng.normal(-2, spread, (n - half, 2))])
    return x, np.concatenate([np.ones(half), np.zeros(n - half)])


def _spiral(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    half = n // 2
    arms = []
    for count, delta in ((half, 0.0), (n - half, np.pi)):
        r = np.arange(count) / count * 5.0
        t = 1.75 * np.arange(count) / count * 2 * np.pi + delta
        arms.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
    x = np.concatenate(arms)
    return _jitter(rng, x, noise), np.concatenate([np.ones(half), np.zeros(n - half)])


def _blobs(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    y = np.arange(n) % 3
    angle = np.pi / 2 + y * 2 * np.pi / 3
    centres = 3.0 * np.column_stack([np.cos(angle), np.sin(angle)])
    return centres + rng.normal(0.0, 0.7 + noise / 100 * 3.0, (n, 2)), y.astype(float)


def _plane(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(-DOMAIN, DOMAIN, (n, 2))
    y = (x[:, 0] + x[:, 1]) / (2 * DOMAIN)
    return x, y + rng.normal(0.0, noise / 100, n)


#: The centres and signs of the bumps of the "Gaussian bumps" regression.
BUMPS = (((-3.0, 2.5), 1.0), ((0.0, 2.5), -1.0), ((3.0, 2.5), 1.0), ((-3.0, -2.5), -1.0), ((0.0, -2.5), 1.0),
         ((3.0, -2.5), -1.0))


def _bumps(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(-DOMAIN, DOMAIN, (n, 2))
    y = sum(sign * np.exp(-((x - np.array(c)) ** 2).sum(axis=1) / 2.0) for c, sign in BUMPS)
    return x, y + rng.normal(0.0, noise / 100, n)


#: The built-in datasets: the page's picker, the presets and the tests read this table.
DATASETS: dict[str, Dataset] = {
    d.key: d
    for d in (
        Dataset("circle", "Circle", "binary", 2, _circle, "One class inside a ring of the other: no straight line separates them."),
        Dataset("xor", "XOR", "binary", 2, _xor, "The class is the sign of x₁·x₂: opposite quadrants share a class."),
        Dataset("gaussians", "Two Gaussians", "binary", 2, _gaussians, "Two clouds: a single straight line separates them."),
        Dataset("spiral", "Spiral", "binary", 2, _spiral, "Two interleaved arms: a hard problem that needs depth."),
        Dataset("blobs", "Three blobs (3 classes)", "multiclass", 3, _blobs, "Three classes: softmax with 3 outputs."),
        Dataset("plane", "Plane (regression)", "regression", 1, _plane, "y = (x₁ + x₂)/12: a linear network is enough."),
        Dataset("bumps", "Gaussian bumps (regression)", "regression", 1, _bumps, "Six bumps of ±1: a curved surface."),
    )
}


def make_points(dataset: str, *, points: int, noise: float, seed: int) -> PointSet:
    """``points`` points of a built-in dataset, drawn from ``seed``; ``noise`` in percent (0–50).

    >>> xor = make_points("xor", points=10, noise=0, seed=1)
    >>> xor.x.shape, xor.task, sorted(set(xor.y.tolist())) <= [0.0, 1.0]
    ((10, 2), 'binary', True)
    """
    if dataset not in DATASETS:
        raise InputError(f"There is no dataset {echo(dataset)}: choose one of {', '.join(DATASETS)}.")
    if not (isinstance(points, (int, np.integer)) and MIN_POINTS <= points <= MAX_POINTS):
        raise InputError(f"Use between {MIN_POINTS} and {MAX_POINTS:,} points, not {points}.")
    if not (math.isfinite(noise) and 0 <= noise <= 50):
        raise InputError(f"The noise is a percentage from 0 to 50, not {noise}.")
    spec = DATASETS[dataset]
    x, y = spec.draw(np.random.default_rng(seed), int(points), float(noise))
    labels = y.astype(np.int64) if spec.task != "regression" else y.astype(np.float64)
    return PointSet(x.astype(np.float64), labels, spec.task, spec.n_classes)


def split_points(points: PointSet, *, train_percent: float, seed: int) -> tuple[PointSet, PointSet]:
    """The points shuffled with ``seed``, the first ``train_percent`` % for training and the rest for testing.

    >>> train, test = split_points(make_points("xor", points=10, noise=0, seed=0), train_percent=70, seed=0)
    >>> len(train), len(test)
    (7, 3)
    """
    if not (math.isfinite(train_percent) and 0 < train_percent < 100):
        raise InputError(f"The share of training points is a percentage between 0 and 100, not {train_percent}.")
    order = np.random.default_rng(seed).permutation(len(points))
    n_train = int(round(len(points) * train_percent / 100))
    if n_train == 0 or n_train == len(points):
        side = "training" if n_train == 0 else "test"
        raise InputError(
            f"{train_percent:g} % of {len(points)} points leaves no {side} points: use more points or move the split "
            "towards 50 %."
        )
    pick = lambda index: PointSet(points.x[index], points.y[index], points.task, points.n_classes)  # noqa: E731
    return pick(order[:n_train]), pick(order[n_train:])


def parse_points_csv(data: bytes) -> PointSet:
    """An uploaded CSV of ``x1,x2,label`` rows (header first) as points; a sentence for anything else.

    Whole-number labels 0, 1, ... (at most :data:`MAX_CLASSES` classes, at least 2) make a
    classification; any other numbers a regression.

    >>> parse_points_csv(b"x1,x2,label\\n0,1,0\\n1,0,1\\n2,2,1\\n3,1,0\\n").task
    'binary'
    >>> parse_points_csv(b"x1,x2,label\\n0,1,0\\n1,0,0\\n2,2,0\\n3,1,0\\n")
    Traceback (most recent call last):
    ...
    annviz.errors.InputError: Every label in the file is 0: a classification needs at least two classes.
    """
    if len(data) > MAX_CSV_BYTES:
        raise InputError(f"The file has {len(data):,} bytes; upload at most {MAX_CSV_BYTES:,} (about {MAX_CSV_ROWS:,} rows).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("The file is not text: upload a CSV file with the columns x1, x2, label.") from None
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if not rows:
        raise InputError("The file is empty: upload a CSV file with the columns x1, x2, label.")
    header = [cell.strip().lower() for cell in rows[0]]
    if header != ["x1", "x2", "label"]:
        raise InputError(f"The first line must be the header x1,x2,label, not {echo(','.join(rows[0]))}.")
    body = rows[1:]
    if len(body) < 4:
        raise InputError(f"The file has {len(body)} data rows: upload at least 4 points.")
    if len(body) > MAX_CSV_ROWS:
        raise InputError(f"The file has {len(body):,} rows: upload at most {MAX_CSV_ROWS:,}.")
    values = np.empty((len(body), 3))
    for number, row in enumerate(body, start=2):
        if len(row) != 3:
            raise InputError(f"Line {number} has {len(row)} values; every line needs three: x1, x2, label.")
        for column, cell in enumerate(row):
            try:
                values[number - 2, column] = float(cell)
            except ValueError:
                raise InputError(f"Line {number}: {echo(cell)} is not a number.") from None
    if not np.isfinite(values).all():
        line = int(np.argwhere(~np.isfinite(values))[0, 0]) + 2
        raise InputError(f"Line {line} holds NaN or infinity: every value must be a finite number.")
    if np.abs(values[:, :2]).max() > MAX_CSV_VALUE:
        raise InputError(f"The coordinates go beyond ±{MAX_CSV_VALUE:,}: rescale x1 and x2 first.")
    x, label = values[:, :2], values[:, 2]
    whole = np.all(label == np.round(label)) and label.min() >= 0
    if whole and label.max() < MAX_CLASSES:
        classes = np.unique(label)
        if len(classes) < 2:
            raise InputError(f"Every label in the file is {int(classes[0])}: a classification needs at least two classes.")
        n_classes = int(label.max()) + 1
        return PointSet(x, label.astype(np.int64), "binary" if n_classes == 2 else "multiclass", n_classes)
    if np.abs(label).max() > MAX_CSV_VALUE:
        raise InputError(f"The labels go beyond ±{MAX_CSV_VALUE:,}: rescale them first.")
    if np.ptp(label) == 0:
        raise InputError("Every label in the file is the same number: there is nothing to learn.")
    return PointSet(x, label, "regression", 1)


def points_csv(train: PointSet, test: PointSet) -> str:
    """The data as CSV (``x1,x2,label,split``); :func:`parse_points_csv` reads its first three columns back.

    >>> points_csv(PointSet(np.array([[1.0, 2.0]]), np.array([1]), "binary"), PointSet(np.zeros((0, 2)), np.array([]), "binary"))
    'x1,x2,label,split\\n1,2,1,train\\n'
    """
    lines = ["x1,x2,label,split"]
    for name, part in (("train", train), ("test", test)):
        lines += [f"{a:.6g},{b:.6g},{label:.6g},{name}" for (a, b), label in zip(part.x, part.y)]
    return "\n".join(lines) + "\n"


def csv_points(data: bytes) -> PointSet:
    """Points from an uploaded CSV; a fourth ``split`` column (as :func:`points_csv` writes) is dropped.

    >>> len(csv_points(b"x1,x2,label,split\\n0,1,0,train\\n1,0,1,test\\n2,2,1,train\\n3,1,0,test\\n"))
    4
    """
    first = data.split(b"\n", 1)[0].strip().lower()
    if first == b"x1,x2,label,split":
        data = b"\n".join(b",".join(line.split(b",")[:3]) for line in data.split(b"\n"))
    return parse_points_csv(data)


# ----------------------------------------------------------------------------- features


@dataclass(frozen=True)
class Feature:
    """One input the network can see, computed from the point's (x₁, x₂)."""

    label: str
    value: Callable[[np.ndarray], np.ndarray]
    code: str


#: The input toggles, in Playground's order.
FEATURES: dict[str, Feature] = {
    "x1": Feature("x₁", lambda x: x[:, 0], "x[:, 0]"),
    "x2": Feature("x₂", lambda x: x[:, 1], "x[:, 1]"),
    "x1_sq": Feature("x₁²", lambda x: x[:, 0] ** 2, "x[:, 0] ** 2"),
    "x2_sq": Feature("x₂²", lambda x: x[:, 1] ** 2, "x[:, 1] ** 2"),
    "x1x2": Feature("x₁·x₂", lambda x: x[:, 0] * x[:, 1], "x[:, 0] * x[:, 1]"),
    "sin_x1": Feature("sin x₁", lambda x: np.sin(x[:, 0]), "np.sin(x[:, 0])"),
    "sin_x2": Feature("sin x₂", lambda x: np.sin(x[:, 1]), "np.sin(x[:, 1])"),
}


def feature_matrix(x: np.ndarray, features: tuple[str, ...]) -> np.ndarray:
    """The network's input: one column per chosen feature of the points ``x``.

    >>> feature_matrix(np.array([[2.0, 3.0]]), ("x1", "x1x2", "x2_sq"))
    array([[2., 6., 9.]])
    """
    if not features:
        raise InputError("Switch on at least one input feature: the network needs something to look at.")
    unknown = [f for f in features if f not in FEATURES]
    if unknown:
        raise InputError(f"There is no feature {echo(unknown[0])}: choose from {', '.join(FEATURES)}.")
    return np.column_stack([FEATURES[f].value(x) for f in features]).astype(np.float64)


# ----------------------------------------------------------------------------- the network


@dataclass(frozen=True)
class Network:
    """Sizes and activations of a dense network: ``n_inputs`` → ``hidden`` → the task's output layer."""

    n_inputs: int
    hidden: tuple[int, ...]
    activation: str
    task: str
    n_classes: int = 2

    @property
    def output_units(self) -> int:
        return self.n_classes if self.task == "multiclass" else 1

    @property
    def output_activation(self) -> str:
        return TASKS[self.task].output_activation

    @property
    def loss(self) -> str:
        return str(TASKS[self.task].loss)

    @property
    def sizes(self) -> tuple[int, ...]:
        return (self.n_inputs, *self.hidden, self.output_units)

    @property
    def activations(self) -> tuple[str, ...]:
        return (*(self.activation for _ in self.hidden), self.output_activation)

    @property
    def shapes(self) -> list[tuple[int, ...]]:
        """Each parameter array's shape in Keras's ``get_weights()`` order: W₁, b₁, W₂, b₂, ..."""
        shapes: list[tuple[int, ...]] = []
        for fan_in, fan_out in zip(self.sizes[:-1], self.sizes[1:]):
            shapes += [(fan_in, fan_out), (fan_out,)]
        return shapes

    def count_params(self) -> int:
        return sum(int(np.prod(shape)) for shape in self.shapes)

    @cached_property
    def layout(self) -> tuple[tuple[int, int, int, tuple[int, int]], ...]:
        """Where each layer's W and b sit in the flat vector: (start, start of b, end, W's shape)."""
        places, start = [], 0
        for fan_in, fan_out in zip(self.sizes[:-1], self.sizes[1:]):
            middle = start + fan_in * fan_out
            places.append((start, middle, middle + fan_out, (fan_in, fan_out)))
            start = middle + fan_out
        return tuple(places)


def make_network(n_inputs: int, hidden: tuple[int, ...], activation: str, task: str, n_classes: int = 2) -> Network:
    """A checked :class:`Network`: at most 6 hidden layers of 1 to 8 neurons, an activation of the table.

    >>> make_network(2, (9,), "relu", "binary")
    Traceback (most recent call last):
    ...
    annviz.errors.InputError: A hidden layer has at most 8 neurons, not 9.
    """
    if len(hidden) > MAX_HIDDEN_LAYERS:
        raise InputError(f"The playground has at most {MAX_HIDDEN_LAYERS} hidden layers, not {len(hidden)}.")
    for units in hidden:
        if units < 1:
            raise InputError(f"A hidden layer needs at least 1 neuron, not {units}.")
        if units > MAX_NEURONS:
            raise InputError(f"A hidden layer has at most {MAX_NEURONS} neurons, not {units}.")
    if activation not in ACTIVATIONS:
        raise InputError(f"Unknown activation {echo(activation)}: choose one of {', '.join(ACTIVATIONS)}.")
    if task not in PLAYGROUND_TASKS:
        raise InputError(f"Unknown task {echo(task)}: choose one of {', '.join(PLAYGROUND_TASKS)}.")
    if n_inputs < 1:
        raise InputError("Switch on at least one input feature: the network needs something to look at.")
    return Network(int(n_inputs), tuple(int(u) for u in hidden), activation, task, int(n_classes))


def parse_hidden_layers(text: str) -> tuple[int, ...]:
    """The hidden layers typed as neurons per layer (``"4, 2"``); empty text is no hidden layer.

    >>> parse_hidden_layers("4, 2"), parse_hidden_layers("")
    ((4, 2), ())
    >>> parse_hidden_layers("4, 2, 2, 2, 2, 2, 2")
    Traceback (most recent call last):
    ...
    annviz.errors.InputError: The playground has at most 6 hidden layers, not 7: remove some.
    """
    tokens = [t for t in text.replace(";", ",").replace(" ", ",").split(",") if t.strip()] if text else []
    if len(tokens) > MAX_HIDDEN_LAYERS:
        raise InputError(f"The playground has at most {MAX_HIDDEN_LAYERS} hidden layers, not {len(tokens)}: remove some.")
    sizes = []
    for token in tokens:
        token = token.strip()
        if not token.isascii() or not token.isdigit() or len(token) > 3:
            raise InputError(f"{echo(token)} is not a number of neurons: type whole numbers from 1 to {MAX_NEURONS}, e.g. 4, 2.")
        units = int(token)
        if not 1 <= units <= MAX_NEURONS:
            raise InputError(f"A hidden layer has 1 to {MAX_NEURONS} neurons, not {echo(token)}.")
        sizes.append(units)
    return tuple(sizes)


def initial_parameters(network: Network, seed: int) -> np.ndarray:
    """Keras's default initial weights, drawn in NumPy: Glorot uniform kernels, zero biases; flat, float64.

    Each kernel W (fan_in × fan_out) is uniform in ±√(6 / (fan_in + fan_out)).

    >>> flat = initial_parameters(make_network(2, (3,), "relu", "binary"), seed=0)
    >>> flat.shape, bool(np.all(np.abs(flat[:6]) <= np.sqrt(6 / 5))), flat[6:9].tolist()
    ((13,), True, [0.0, 0.0, 0.0])
    """
    rng = np.random.default_rng(seed)
    arrays = []
    for shape in network.shapes:
        if len(shape) == 2:
            limit = math.sqrt(6.0 / (shape[0] + shape[1]))
            arrays.append(rng.uniform(-limit, limit, shape).ravel())
        else:
            arrays.append(np.zeros(shape))
    return np.concatenate(arrays)


def layer_views(network: Network, flat: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(W, b) of every layer as views into the flat vector (writing into one writes into the other).

    >>> [(W.shape, b.shape) for W, b in layer_views(make_network(2, (3,), "relu", "binary"), np.zeros(13))]
    [((2, 3), (3,)), ((3, 1), (1,))]
    """
    return [(flat[start:middle].reshape(shape), flat[middle:end]) for start, middle, end, shape in network.layout]


def kernel_mask(network: Network) -> np.ndarray:
    """1.0 where the flat vector holds a kernel weight, 0.0 at a bias (regularization reaches kernels only)."""
    mask = np.zeros(network.count_params())
    for W, _ in layer_views(network, mask):
        W[...] = 1.0
    return mask


def forward(network: Network, flat: np.ndarray, x: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(z, a) of every layer for the inputs ``x``; the last is the output layer's (logits and prediction).

    >>> network = make_network(1, (), "linear", "regression")
    >>> forward(network, np.array([2.0, 0.5]), np.array([[3.0]]))[-1][1]
    array([[6.5]])
    """
    layers = []
    a = x
    for (W, b), name in zip(layer_views(network, flat), network.activations):
        z = a @ W + b
        a = softmax_values(z) if name == "softmax" else ACTIVATIONS[name].value(z)
        layers.append((z, a))
    return layers


def data_loss(network: Network, logits: np.ndarray, y: np.ndarray) -> float:
    """The task's mean loss over the points, from the output layer's logits z (as Keras's ``fit`` computes it).

    Binary: max(z, 0) − z·y + log(1 + e^(−|z|)); multi-class: −log softmax(z)_y; regression: (z − y)².

    >>> round(data_loss(make_network(2, (), "relu", "binary"), np.array([[0.0]]), np.array([1])), 4)
    0.6931
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if network.task == "binary":
            z = logits[:, 0]
            losses = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
        elif network.task == "multiclass":
            shifted = logits - logits.max(axis=1, keepdims=True)
            log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            losses = -log_p[np.arange(len(y)), y]
        else:
            losses = (logits[:, 0] - y) ** 2
    return float(np.mean(losses))


@dataclass(frozen=True)
class Regularization:
    """Keras's ``L1L2(l1, l2)`` on every kernel: the loss gains l1·Σ|W| + l2·ΣW².

    Keras ``ops.cast``s the factors into the weights' dtype through float32 (as it does η and β),
    so the engine uses them rounded the same way.
    """

    l1: float = 0.0
    l2: float = 0.0

    @property
    def factors(self) -> tuple[float, float]:
        """(l1, l2) as Keras computes with them.

        >>> Regularization(l2=0.01).factors
        (0.0, 0.009999999776482582)
        """
        return as_keras_float(self.l1), as_keras_float(self.l2)

    def penalty(self, flat: np.ndarray, mask: np.ndarray) -> float:
        l1, l2 = self.factors
        return float(l1 * np.sum(np.abs(flat) * mask) + l2 * np.sum(flat * flat * mask))


def make_regularization(kind: str, rate: float) -> Regularization:
    """``kind`` is "none", "L1" or "L2"; ``rate`` its factor (0 to 1).

    >>> make_regularization("L2", 0.001)
    Regularization(l1=0.0, l2=0.001)
    """
    if not (math.isfinite(rate) and 0 <= rate <= 1):
        raise InputError(f"The regularization rate goes from 0 to 1, not {rate}.")
    if kind == "none":
        return Regularization()
    if kind not in ("L1", "L2"):
        raise InputError(f"Regularization is none, L1 or L2, not {echo(kind)}.")
    return Regularization(l1=rate) if kind == "L1" else Regularization(l2=rate)


def output_delta(network: Network, prediction: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∂(mean loss)/∂z of the output layer: (ŷ − y)/B for both cross-entropies, 2(ŷ − y)/B for MSE.

    >>> output_delta(make_network(1, (), "relu", "binary"), np.array([[0.75], [0.25]]), np.array([1, 0]))
    array([[-0.125],
           [ 0.125]])
    """
    batch = len(y)
    if network.task == "multiclass":
        delta = prediction.copy()
        delta[np.arange(batch), y] -= 1.0
        return delta / batch
    if network.task == "binary":
        return (prediction - y[:, None]) / batch
    return 2.0 * (prediction - y[:, None]) / batch


@dataclass(frozen=True)
class Backward:
    """One forward and backward pass: each layer's (z, a), each layer's δ = ∂L/∂z, and ∂L/∂θ (flat)."""

    layers: list[tuple[np.ndarray, np.ndarray]]
    deltas: list[np.ndarray]
    gradient: np.ndarray
    loss: float


def backward(network: Network, flat: np.ndarray, x: np.ndarray, y: np.ndarray,
             regularization: Regularization = Regularization(), mask: np.ndarray | None = None,
             *, with_loss: bool = True) -> Backward:
    """The loss L = mean loss + penalty on the points, and its gradient by the chain rule (backpropagation).

    >>> network = make_network(1, (), "linear", "regression")
    >>> result = backward(network, np.array([2.0, 0.5]), np.array([[3.0]]), np.array([6.0]))
    >>> result.loss, result.gradient.tolist()
    (0.25, [3.0, 1.0])
    """
    layers = forward(network, flat, x)
    gradient = np.zeros_like(flat)
    views = layer_views(network, flat)
    grad_views = layer_views(network, gradient)
    delta = output_delta(network, layers[-1][1], y)
    deltas = [delta]
    for index in range(len(views) - 1, -1, -1):
        a_before = x if index == 0 else layers[index - 1][1]
        gW, gb = grad_views[index]
        np.matmul(a_before.T, delta, out=gW)
        gb[...] = delta.sum(axis=0)
        if index:
            delta = (delta @ views[index][0].T) * ACTIVATIONS[network.activation].derivative(layers[index - 1][0])
            deltas.insert(0, delta)
    loss = data_loss(network, layers[-1][0], y) if with_loss else math.nan
    if regularization.l1 or regularization.l2:
        mask = kernel_mask(network) if mask is None else mask
        l1, l2 = regularization.factors
        gradient += (l1 * np.sign(flat) + 2.0 * l2 * flat) * mask
        if with_loss:
            loss += regularization.penalty(flat, mask)
    return Backward(layers, deltas, gradient, loss)


# ----------------------------------------------------------------------------- training


@dataclass(frozen=True)
class TrainingState:
    """Where a training stands: the weights, the optimizer's slots and steps, the epochs and the losses so far.

    ``train_losses``/``test_losses`` are by epoch, from epoch 0 (the initial weights) when the
    training was started with its data.
    """

    parameters: np.ndarray
    optimizer: Racer
    slots: tuple
    iterations: int = 0
    epoch: int = 0
    train_losses: tuple[float, ...] = ()
    test_losses: tuple[float, ...] = ()
    diverged_at: int | None = None


def start_training(network: Network, optimizer: Racer, seed: int,
                   train: tuple[np.ndarray, np.ndarray] | None = None,
                   test: tuple[np.ndarray, np.ndarray] | None = None) -> TrainingState:
    """Epoch 0: Keras's initial weights from ``seed``, the optimizer's fresh slots, and (given the data) the losses."""
    parameters = initial_parameters(network, seed)
    parameters.setflags(write=False)
    losses = {}
    if train is not None and test is not None:
        losses = {"train_losses": (evaluate(network, parameters, *train),),
                  "test_losses": (evaluate(network, parameters, *test),)}
    return TrainingState(parameters, optimizer, optimizer.spec.initial_slots(optimizer.hyperparameters), **losses)


def with_optimizer(state: TrainingState, optimizer: Racer) -> TrainingState:
    """Go on from the current weights with another optimizer setting.

    A new learning rate (same optimizer, its other settings unchanged) keeps the slots and the
    step count, as ``optimizer.learning_rate.assign(...)`` does in Keras; another optimizer starts
    with fresh slots at step 0, as a new Keras optimizer object does.
    """
    if optimizer == state.optimizer:
        return state
    same = optimizer.optimizer == state.optimizer.optimizer and all(
        a == b for (name, a), (_, b) in zip(optimizer.settings, state.optimizer.settings) if name != "learning_rate"
    )
    if same:
        return replace(state, optimizer=optimizer)
    return replace(state, optimizer=optimizer, slots=optimizer.spec.initial_slots(optimizer.hyperparameters), iterations=0)


def train_epoch(network: Network, parameters: np.ndarray, slots: tuple, iterations: int, optimizer: Racer,
                x: np.ndarray, y: np.ndarray, *, batch_size: int, regularization: Regularization,
                mask: np.ndarray | None = None) -> tuple[np.ndarray, tuple, int]:
    """One epoch of ``model.fit(x, y, batch_size, shuffle=False)``: batches in order, the last one shorter.

    >>> network = make_network(1, (), "linear", "regression")
    >>> from annviz.optimizers import make_racer
    >>> theta, _, steps = train_epoch(network, np.zeros(2), (), 0, make_racer("sgd", learning_rate=0.5),
    ...                               np.array([[1.0]]), np.array([1.0]), batch_size=1, regularization=Regularization())
    >>> theta.tolist(), steps
    ([1.0, 1.0], 1)
    """
    spec, hp = optimizer.spec, optimizer.hyperparameters
    mask = kernel_mask(network) if mask is None and (regularization.l1 or regularization.l2) else mask
    theta = np.array(parameters, dtype=np.float64)
    with np.errstate(all="ignore"):
        for start in range(0, len(y), batch_size):
            result = backward(network, theta, x[start:start + batch_size], y[start:start + batch_size], regularization,
                              mask, with_loss=False)
            iterations += 1
            theta, slots = spec.update(theta, result.gradient, slots, iterations, hp)
    return theta, slots, iterations


def predict(network: Network, parameters: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The network's output for the inputs ``x`` (probabilities, or the regression's number)."""
    with np.errstate(all="ignore"):
        return forward(network, parameters, x)[-1][1]


def evaluate(network: Network, parameters: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """The task's mean loss on the points (without the penalty, as Playground shows it)."""
    with np.errstate(all="ignore"):
        return data_loss(network, forward(network, parameters, x)[-1][0], y)


def accuracy(network: Network, parameters: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """The share of points classified right (a classification only).

    >>> network = make_network(1, (), "linear", "binary")
    >>> accuracy(network, np.array([1.0, 0.0]), np.array([[2.0], [-1.0], [3.0]]), np.array([1, 0, 0]))
    0.6666666666666666
    """
    p = predict(network, parameters, x)
    guessed = p.argmax(axis=1) if network.task == "multiclass" else (p[:, 0] > 0.5).astype(np.int64)
    return metrics.accuracy(y, guessed, n_classes=max(network.n_classes, 2))


@dataclass(frozen=True)
class Chunk:
    """What :func:`train_chunk` produced: the new state and the parameters after each of its epochs."""

    state: TrainingState
    snapshots: list[np.ndarray] = field(default_factory=list)


def train_chunk(network: Network, state: TrainingState, train: tuple[np.ndarray, np.ndarray],
                test: tuple[np.ndarray, np.ndarray], *, epochs: int, batch_size: int,
                regularization: Regularization) -> Chunk:
    """``epochs`` more epochs; stops at the first epoch whose weights or loss are not finite.

    That epoch is not kept (the weights stay those before it) and ``diverged_at`` names it, so no
    NaN reaches a chart. A state that diverged trains no further.

    >>> from annviz.optimizers import make_racer
    >>> network = make_network(1, (), "linear", "regression")
    >>> xy = (np.array([[1.0], [2.0]]), np.array([1.0, 2.0]))
    >>> state = start_training(network, make_racer("sgd", learning_rate=2.0), seed=0)
    >>> train_chunk(network, state, xy, xy, epochs=50, batch_size=2, regularization=Regularization()).state.diverged_at
    4
    """
    if not 1 <= batch_size:
        raise InputError(f"The batch size must be at least 1, not {batch_size}.")
    mask = kernel_mask(network)
    snapshots = []
    theta, slots, iterations = state.parameters, state.slots, state.iterations
    train_losses, test_losses = list(state.train_losses), list(state.test_losses)
    diverged_at, epoch = state.diverged_at, state.epoch
    for _ in range(epochs if diverged_at is None else 0):
        new_theta, new_slots, new_iterations = train_epoch(
            network, theta, slots, iterations, state.optimizer, *train, batch_size=batch_size,
            regularization=regularization, mask=mask,
        )
        train_loss = evaluate(network, new_theta, *train)
        test_loss = evaluate(network, new_theta, *test)
        losses = np.array([train_loss, test_loss])
        if not (np.isfinite(new_theta).all() and np.isfinite(losses).all() and train_loss < DIVERGED_LOSS):
            diverged_at = epoch + 1
            break
        theta, slots, iterations = new_theta, new_slots, new_iterations
        theta.setflags(write=False)
        epoch += 1
        train_losses.append(train_loss)
        test_losses.append(test_loss)
        snapshots.append(theta)
    new_state = replace(state, parameters=theta, slots=slots, iterations=iterations, epoch=epoch,
                        train_losses=tuple(train_losses), test_losses=tuple(test_losses), diverged_at=diverged_at)
    return Chunk(new_state, snapshots)


def diverged_sentence(state: TrainingState) -> str | None:
    """The sentence for a training that stopped, or None.

    >>> from annviz.optimizers import make_racer
    >>> diverged_sentence(replace(start_training(make_network(1, (), "relu", "binary"), make_racer("sgd"), 0), diverged_at=4))
    'Training diverged at epoch 4 (the loss or a weight stopped being a finite number): lower the learning rate and press Reset.'
    """
    if state.diverged_at is None:
        return None
    return (f"Training diverged at epoch {state.diverged_at} (the loss or a weight stopped being a finite number): "
            "lower the learning rate and press Reset.")


# ----------------------------------------------------------------------------- a demo's outcome


def preset_measures(network: Network, parameters: np.ndarray, train: tuple[np.ndarray, np.ndarray],
                    test: tuple[np.ndarray, np.ndarray]) -> dict[str, float]:
    """What a preset's outcome can name: the losses, their gap and (for a classification) the accuracies.

    >>> network = make_network(1, (), "linear", "binary")
    >>> xy = (np.array([[1.0], [-1.0]]), np.array([1, 0]))
    >>> sorted(preset_measures(network, np.array([1.0, 0.0]), xy, xy))
    ['test accuracy', 'test loss', 'test loss − train loss', 'train accuracy', 'train loss']
    """
    train_loss, test_loss = evaluate(network, parameters, *train), evaluate(network, parameters, *test)
    measures = {"train loss": train_loss, "test loss": test_loss, "test loss − train loss": test_loss - train_loss}
    if network.task != "regression":
        measures["train accuracy"] = accuracy(network, parameters, *train)
        measures["test accuracy"] = accuracy(network, parameters, *test)
    return measures


def gradient_sizes(depth: int, activation: str, *, width: int = 8, seed: int = 0) -> list[float]:
    """‖∂L/∂W_l‖ of every layer at initialisation (layer 1 next to the inputs), on the circle's points.

    ``depth`` hidden layers of ``width`` neurons, Glorot-uniform weights from ``seed``, the binary
    loss on 200 points of the circle: with sigmoid, the layers near the input get gradients
    orders of magnitude smaller than the last (the vanishing gradient); ReLU keeps them comparable.

    >>> sizes = gradient_sizes(8, "sigmoid")
    >>> len(sizes), sizes[0] < sizes[-1] / 100
    (9, True)
    """
    if not (isinstance(depth, (int, np.integer)) and 1 <= depth <= 10):
        raise InputError(f"The depth goes from 1 to 10 hidden layers, not {depth}.")
    network = Network(2, (width,) * int(depth), activation, "binary")
    if activation not in ACTIVATIONS:
        raise InputError(f"Unknown activation {echo(activation)}: choose one of {', '.join(ACTIVATIONS)}.")
    points = make_points("circle", points=200, noise=0, seed=seed)
    flat = initial_parameters(network, seed)
    result = backward(network, flat, feature_matrix(points.x, ("x1", "x2")), points.y)
    return [float(np.linalg.norm(gW)) for gW, _ in layer_views(network, result.gradient)]


# ----------------------------------------------------------------------------- one run's setup


@dataclass(frozen=True)
class Setup:
    """The data split into train and test, the features as inputs, and the network that learns them."""

    network: Network
    features: tuple[str, ...]
    train: PointSet
    test: PointSet
    train_inputs: np.ndarray
    test_inputs: np.ndarray

    @property
    def train_xy(self) -> tuple[np.ndarray, np.ndarray]:
        return self.train_inputs, self.train.y

    @property
    def test_xy(self) -> tuple[np.ndarray, np.ndarray]:
        return self.test_inputs, self.test.y

    @property
    def target_scale(self) -> float:
        """What the regression's colours call ±1: the largest |y| (1 for a classification)."""
        if self.network.task != "regression":
            return 1.0
        return max(float(np.abs(np.concatenate([self.train.y, self.test.y])).max()), 1e-9)


def make_setup(points: PointSet, *, train_percent: float, seed: int, features: tuple[str, ...],
               hidden: tuple[int, ...], activation: str) -> Setup:
    """Split the points, compute the features and build the task's network (a sentence for each bad setting).

    >>> setup = make_setup(make_points("blobs", points=30, noise=0, seed=0), train_percent=50, seed=0,
    ...                    features=("x1", "x2"), hidden=(4,), activation="relu")
    >>> setup.network.sizes, setup.network.loss
    ((2, 4, 3), 'sparse_categorical_crossentropy')
    """
    train, test = split_points(points, train_percent=train_percent, seed=seed)
    network = make_network(len(features), hidden, activation, points.task, points.n_classes)
    return Setup(network, tuple(features), train, test, feature_matrix(train.x, features), feature_matrix(test.x, features))


def csv_loading_code(task: str) -> str:
    """The lines that read the page's downloaded CSV back: the training points in the engine's order.

    >>> "genfromtxt" in csv_loading_code("binary")
    True
    """
    label = "float" if task == "regression" else "int"
    return (
        "# The page's 'Download the data' CSV: the training points in the order the engine used them.\n"
        "data = np.genfromtxt(\"playground.csv\", delimiter=\",\", names=True, dtype=None, encoding=\"utf-8\")\n"
        "train = data[data[\"split\"] == \"train\"]\n"
        f"x_train, y_train = np.column_stack([train[\"x1\"], train[\"x2\"]]), train[\"label\"].astype({label})\n"
    )


def keras_code(setup: Setup, optimizer: Racer, regularization: Regularization, *, batch_size: int, epochs: int,
               seed: int, data_line: str) -> str:
    """A Keras program that reproduces the run: the same data, features, initial weights, batches and optimizer.

    >>> from annviz.optimizers import make_racer
    >>> setup = make_setup(make_points("xor", points=20, noise=0, seed=0), train_percent=50, seed=0,
    ...                    features=("x1", "x2"), hidden=(4,), activation="tanh")
    >>> code = keras_code(setup, make_racer("adam"), Regularization(), batch_size=10, epochs=5, seed=0, data_line="...")
    >>> "shuffle=False" in code and "keras.optimizers.Adam(" in code
    True
    """
    from annviz.optimizers import keras_code as optimizer_code

    network = setup.network
    regularizer = (f"keras.regularizers.L1L2(l1={regularization.l1!r}, l2={regularization.l2!r})"
                   if regularization.l1 or regularization.l2 else "None")
    layers = "\n".join(
        f"    keras.layers.Dense({units}, activation=\"{activation}\", kernel_regularizer={regularizer}),"
        for units, activation in zip(network.sizes[1:], network.activations)
    )
    features = ", ".join(FEATURES[f].code for f in setup.features)
    target = "y_train" if network.task == "multiclass" else "y_train[:, None]"
    return f"""import numpy as np
import keras

{data_line}
def features(x):
    return np.column_stack([{features}])

model = keras.Sequential([
    keras.Input(({network.n_inputs},)),
{layers}
])
# Keras's own initial weights, drawn in NumPy from the seed (annviz.playground.initial_parameters):
rng, weights = np.random.default_rng({seed}), []
for layer in model.layers:
    fan_in, fan_out = layer.kernel.shape
    limit = np.sqrt(6 / (fan_in + fan_out))
    weights += [rng.uniform(-limit, limit, (fan_in, fan_out)), np.zeros(fan_out)]
model.set_weights(weights)
model.compile(optimizer={optimizer_code(optimizer)}, loss="{network.loss}")
model.fit(features(x_train), {target}, batch_size={batch_size}, epochs={epochs}, shuffle=False)
"""
