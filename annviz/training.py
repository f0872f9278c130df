"""Training the lecture's MLP on MNIST: the settings, the Keras code they stand for, and a live loop.

The lecture's four Keras steps, from one :class:`TrainingConfig`::

    1. define    model = keras.Sequential([...])
    2. compile   model.compile(optimizer, loss, metrics)
    3. fit       history = model.fit(x_train, y_train, epochs, batch_size, validation_split)
    4. evaluate  model.evaluate(x_test, y_test); model.predict(x_test[:1])

:func:`keras_workflow_code` writes that program for a config and :func:`train` runs
exactly it (same seed, same layers, same optimizer, same batches), adding only
callbacks that report progress, stop on request and stop on a NaN loss. A test
``exec``\\ s the generated code and gets the same weights as :func:`train`.

:func:`train` runs in a process of its own per training (``annviz.serving.TrainingService``),
so a training outlives reruns and page switches and the server never imports TensorFlow.

Keras is imported only inside the functions that train.
"""

from __future__ import annotations

import math
import operator
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from annviz.architecture import DenseSpec, ModelSpec, count_model_params, format_hidden_layers, keras_model_code
from annviz.architecture import layer_param_rows, parse_hidden_layers
from annviz.errors import InputError
from annviz.mnist import N_CLASSES, N_PIXELS, MnistSplits, flatten_and_scale, load_mnist
from annviz.optimizers import MAX_LEARNING_RATE, OPTIMIZERS

#: MNIST's training set size: the largest subset there is.
MNIST_TRAIN_SIZE = 60_000
#: Longest training a student may start on a shared server (the lecture's is 10 epochs).
MAX_EPOCHS = 50
#: Largest network trained here: ~18× the lecture's MLP, about two minutes per epoch at worst.
MAX_TRAIN_PARAMS = 2_000_000
MAX_SEED = 2**31 - 1
#: Keras looks at ``model.stop_training`` once per call of its train function, i.e. every
#: ``steps_per_execution`` batches. 64 lecture batches (784-128-64-10, batch 64) take ~0.15 s
#: here, and one call costs about params × batch size, so the budget below keeps a call (and so
#: the delay before Stop is honoured) near that whatever the network and batch size.
MAX_STEPS_PER_EXECUTION = 64
_EXECUTION_BUDGET = MAX_STEPS_PER_EXECUTION * 109_386 * 64


#: The optimizers the form offers, in its order: rows of :data:`annviz.optimizers.OPTIMIZERS` (one
#: table for the race and the training) whose Keras constructor needs only the learning rate,
#: which starts at Keras's default (Adam is the lecture's).
TRAINING_OPTIMIZERS: tuple[str, ...] = ("adam", "sgd", "rmsprop")


def default_learning_rate(optimizer: str) -> float:
    """Keras's default learning rate for one of :data:`TRAINING_OPTIMIZERS`.

    >>> default_learning_rate("adam"), default_learning_rate("sgd")
    (0.001, 0.01)
    """
    return float(OPTIMIZERS[optimizer].defaults["learning_rate"])


@dataclass(frozen=True)
class LossChoice:
    """A classification loss and the label format it expects."""

    label: str
    one_hot: bool


#: Both losses compute the same cross-entropy; they differ in how the labels are written.
LOSSES: dict[str, LossChoice] = {
    "sparse_categorical_crossentropy": LossChoice("sparse categorical cross-entropy (labels 0…9)", one_hot=False),
    "categorical_crossentropy": LossChoice("categorical cross-entropy (one-hot labels)", one_hot=True),
}


@dataclass(frozen=True)
class MetricChoice:
    """A metric to watch: the Keras expression for integer labels and for one-hot labels."""

    label: str
    sparse_code: str
    one_hot_code: str

    def code(self, loss: str) -> str:
        return self.one_hot_code if LOSSES[loss].one_hot else self.sparse_code


#: Metrics offered; the name is also the key Keras logs them under (``val_`` + name for validation).
METRICS: dict[str, MetricChoice] = {
    "accuracy": MetricChoice("accuracy", '"accuracy"', '"accuracy"'),
    "top_3_accuracy": MetricChoice(
        "top-3 accuracy (true class among the 3 most probable)",
        'keras.metrics.SparseTopKCategoricalAccuracy(k=3, name="top_3_accuracy")',
        'keras.metrics.TopKCategoricalAccuracy(k=3, name="top_3_accuracy")',
    ),
}

#: The lecture's network: 784 → Dense(128, relu) → Dense(64, relu) → Dense(10, softmax).
LECTURE_MODEL = ModelSpec(N_PIXELS, (DenseSpec(128, "relu"), DenseSpec(64, "relu")), task="multiclass", n_classes=N_CLASSES)


def _whole(value: Any, what: str, low: int, high: int, advice: str) -> int:
    if isinstance(value, (bool, float)) and not (isinstance(value, float) and value.is_integer()):
        raise InputError(f"The {what} must be a whole number, not {value!r}.")
    try:
        number = operator.index(int(value) if isinstance(value, float) else value)
    except TypeError:
        raise InputError(f"The {what} must be a whole number, not {value!r}.") from None
    if not low <= number <= high:
        raise InputError(f"The {what} is {number:,}: {advice}")
    return number


def _real(value: Any, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"The {what} must be a number, not {value!r}.") from None
    if not math.isfinite(number):
        raise InputError(f"The {what} must be a finite number, not {number}.")
    return number


@dataclass(frozen=True)
class TrainingConfig:
    """Everything the four Keras steps need, validated: bad values raise ValueError with a sentence.

    The defaults are the lecture's: 784-128(relu)-64(relu)-10(softmax), Adam (learning rate
    0.001), sparse categorical cross-entropy, accuracy, 10 epochs, batches of 64, 10 % of the
    60,000 training images kept for validation, seed 42.

    >>> config = TrainingConfig()
    >>> config.train_size, config.validation_size, config.batches_per_epoch
    (54000, 6000, 844)
    >>> TrainingConfig(batch_size=0)
    Traceback (most recent call last):
    ...
    annviz.errors.InputError: The batch size is 0: use between 1 and the 54,000 training images (the lecture uses 64).
    """

    model: ModelSpec = LECTURE_MODEL
    optimizer: str = "adam"
    learning_rate: float = 0.001
    loss: str = "sparse_categorical_crossentropy"
    metrics: tuple[str, ...] = ("accuracy",)
    epochs: int = 10
    batch_size: int = 64
    validation_split: float = 0.1
    subset_size: int = MNIST_TRAIN_SIZE
    #: Divide the pixels by 255 (the lecture's preprocessing); False trains on raw 0…255 values.
    scale_inputs: bool = True
    seed: int = 42

    def __post_init__(self) -> None:
        if not isinstance(self.model, ModelSpec):
            raise InputError("The model must be a ModelSpec (input size, hidden layers, task).")
        if self.model.input_size != N_PIXELS or self.model.task != "multiclass" or self.model.n_classes != N_CLASSES:
            raise InputError("An MNIST network takes 784 pixel values in and gives 10 class probabilities out.")
        params = count_model_params(self.model)
        if params > MAX_TRAIN_PARAMS:
            raise InputError(
                f"This network has {params:,} parameters, too many to train on a shared server: keep it under "
                f"{MAX_TRAIN_PARAMS:,} (the lecture's has 109,386)."
            )
        if self.optimizer not in TRAINING_OPTIMIZERS:
            raise InputError(f"Unknown optimizer '{self.optimizer}': choose one of {', '.join(TRAINING_OPTIMIZERS)}.")
        rate = _real(self.learning_rate, "learning rate")
        if not 0 < rate <= MAX_LEARNING_RATE:
            raise InputError(f"The learning rate must be above 0 and at most {MAX_LEARNING_RATE:g}, not {rate:g}.")
        object.__setattr__(self, "learning_rate", rate)
        if self.loss not in LOSSES:
            raise InputError(f"Unknown loss '{self.loss}': choose one of {', '.join(LOSSES)}.")
        metrics = tuple(self.metrics)
        unknown = [m for m in metrics if m not in METRICS]
        if unknown:
            raise InputError(f"Unknown metric '{unknown[0]}': choose from {', '.join(METRICS)}.")
        if len(set(metrics)) != len(metrics):
            raise InputError("Each metric can be chosen only once.")
        object.__setattr__(self, "metrics", metrics)
        epochs = _whole(self.epochs, "number of epochs", 1, MAX_EPOCHS, f"use between 1 and {MAX_EPOCHS} (the lecture uses 10).")
        object.__setattr__(self, "epochs", epochs)
        subset = _whole(
            self.subset_size, "subset size", 2, MNIST_TRAIN_SIZE,
            f"MNIST has {MNIST_TRAIN_SIZE:,} training images, use between 2 and {MNIST_TRAIN_SIZE:,}.",
        )
        object.__setattr__(self, "subset_size", subset)
        split = _real(self.validation_split, "validation split")
        if not 0 < split < 1:
            raise InputError(f"The validation split must be between 0 and 1 (exclusive), e.g. 0.1 for 10 %, not {split:g}.")
        object.__setattr__(self, "validation_split", split)
        if self.train_size < 1 or self.validation_size < 1:
            raise InputError(
                f"A validation split of {split:g} of {subset:,} images leaves {self.train_size:,} for training and "
                f"{self.validation_size:,} for validation: both need at least one image."
            )
        batch = _whole(
            self.batch_size, "batch size", 1, self.train_size,
            f"use between 1 and the {self.train_size:,} training images (the lecture uses 64).",
        )
        object.__setattr__(self, "batch_size", batch)
        object.__setattr__(self, "seed", _whole(self.seed, "seed", 0, MAX_SEED, f"use between 0 and {MAX_SEED:,}."))
        if not isinstance(self.scale_inputs, (bool, np.bool_)):
            raise InputError(f"Dividing by 255 is on or off (True or False), not {self.scale_inputs!r}.")
        object.__setattr__(self, "scale_inputs", bool(self.scale_inputs))

    @property
    def train_size(self) -> int:
        """Images the model learns from: the first ⌊n·(1 − split)⌋, as Keras's ``validation_split`` cuts."""
        return int(math.floor(self.subset_size * (1.0 - self.validation_split)))

    @property
    def validation_size(self) -> int:
        """The last images of the subset, held out to watch for overfitting."""
        return self.subset_size - self.train_size

    @property
    def batches_per_epoch(self) -> int:
        """⌈train_size / batch_size⌉ weight updates per epoch."""
        return -(-self.train_size // self.batch_size)


def execution_steps(config: TrainingConfig) -> int:
    """Batches per call of Keras's train function (``steps_per_execution``).

    Same updates as one batch per call, with far less Python in between; Keras checks
    ``stop_training`` only between calls, so a call must stay short for Stop to be prompt:
    ``clip(64 · (109,386 · 64) / (params · batch_size), 1, 64)``.

    >>> execution_steps(TrainingConfig())
    64
    >>> execution_steps(TrainingConfig(batch_size=512))
    8
    """
    cost = count_model_params(config.model) * config.batch_size
    return int(min(MAX_STEPS_PER_EXECUTION, max(1, _EXECUTION_BUDGET // cost)))


def _optimizer_code(config: TrainingConfig) -> str:
    return f"keras.optimizers.{OPTIMIZERS[config.optimizer].keras_class}(learning_rate={config.learning_rate!r})"


def _metrics_code(config: TrainingConfig) -> str:
    return "[" + ", ".join(METRICS[name].code(config.loss) for name in config.metrics) + "]"


def _evaluate_targets(config: TrainingConfig) -> str:
    names = ["test_loss", *(f"test_{name}" for name in config.metrics)]
    return names[0] if len(names) == 1 else ", ".join(names)


def keras_workflow_code(config: TrainingConfig) -> str:
    """The complete Keras program for ``config``: data, define, compile, fit, evaluate and predict.

    This is what :func:`train` runs (a test executes it and compares the weights).

    >>> code = keras_workflow_code(TrainingConfig())
    >>> "history = model.fit(x_train, y_train, epochs=10, batch_size=64, validation_split=0.1)" in code
    True
    >>> print(code.splitlines()[-1])
    print("predicted class:", probabilities.argmax())
    """
    one_hot = LOSSES[config.loss].one_hot
    steps = execution_steps(config)
    lines = [
        "import keras",
        "",
        "# Data: 28×28 images → 784 numbers between 0 and 1",
        "(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()",
    ]
    if config.subset_size < MNIST_TRAIN_SIZE:
        lines.append(f"x_train, y_train = x_train[:{config.subset_size}], y_train[:{config.subset_size}]  # a subset")
    if config.scale_inputs:
        lines += [
            "x_train = x_train.reshape(-1, 784).astype(\"float32\") / 255",
            "x_test = x_test.reshape(-1, 784).astype(\"float32\") / 255",
        ]
    else:
        lines[2] = "# Data: 28×28 images → 784 numbers between 0 and 255 (not divided by 255)"
        lines += [
            "x_train = x_train.reshape(-1, 784).astype(\"float32\")  # raw pixels, 0…255",
            "x_test = x_test.reshape(-1, 784).astype(\"float32\")",
        ]
    if one_hot:
        lines += [
            "y_train = keras.utils.to_categorical(y_train, 10)  # 7 → [0,0,0,0,0,0,0,1,0,0]",
            "y_test = keras.utils.to_categorical(y_test, 10)",
        ]
    lines += [
        f"keras.utils.set_random_seed({config.seed})  # optional: the same weights and batches every run",
        "",
        "# 1. Define the network",
        keras_model_code(config.model, var="model"),
        "",
        "# 2. Compile: optimizer, loss, metrics",
        "model.compile(",
        f"    optimizer={_optimizer_code(config)},",
        f'    loss="{config.loss}",',
        f"    metrics={_metrics_code(config)},",
        f"    steps_per_execution={steps},  # speed only: {steps} batches per call, same maths (may be dropped)",
        ")",
        "",
        f"# 3. Fit: {config.epochs} epochs, batches of {config.batch_size}, "
        f"the last {config.validation_split:.0%} of the images to validate",
        f"history = model.fit(x_train, y_train, epochs={config.epochs}, batch_size={config.batch_size}, "
        f"validation_split={config.validation_split!r})",
        "",
        "# 4. Evaluate on 10,000 unseen images; predict the first one (a 7)",
        f"{_evaluate_targets(config)} = model.evaluate(x_test, y_test)",
        "probabilities = model.predict(x_test[:1])",
        'print("predicted class:", probabilities.argmax())',
    ]
    return "\n".join(lines)


def workflow_steps(config: TrainingConfig) -> dict[str, str]:
    """The four steps in words, with this config's numbers (what the Keras workflow page lists).

    >>> steps = workflow_steps(TrainingConfig())
    >>> print(steps["1 · Define"])
    784-128-64-10: 109,386 parameters (100,480 + 8,256 + 650), each weight and bias learnt.
    >>> print(steps["3 · Fit"])
    10 epochs × 844 batches of 64 (the last holds 48) = 8,440 weight updates from 54,000 images; the last 6,000 images validate after each epoch (Keras's validation_split takes the end of the arrays, before any shuffling).
    """
    sizes = "-".join(str(size) for size in config.model.sizes)
    per_layer = " + ".join(f"{row['params']:,}" for row in layer_param_rows(config.model))
    last = config.train_size - (config.batches_per_epoch - 1) * config.batch_size
    last_text = "" if last == config.batch_size else f" (the last holds {last:,})"
    metrics = ", ".join(config.metrics) if config.metrics else "no metric"
    updates = config.epochs * config.batches_per_epoch
    return {
        "1 · Define": f"{sizes}: {count_model_params(config.model):,} parameters ({per_layer}), each weight and bias learnt.",
        "2 · Compile": (
            f"{OPTIMIZERS[config.optimizer].keras_class} with learning rate {config.learning_rate:g} lowers the "
            f"{config.loss}; {metrics} reported alongside."
        ),
        "3 · Fit": (
            f"{config.epochs} epochs × {config.batches_per_epoch:,} batches of {config.batch_size:,}{last_text} = "
            f"{updates:,} weight updates from {config.train_size:,} images; "
            f"the last {config.validation_size:,} images validate after each epoch (Keras's validation_split "
            "takes the end of the arrays, before any shuffling)."
        ),
        "4 · Evaluate & predict": "Loss and metrics on the 10,000 test images, then the ten class probabilities of x_test[0], a 7.",
    }


# --- the settings form -------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """One field of the form: which widget, its label, and its range (the config validates the rest).

    Number ranges are deliberately a little wider than what is valid (epochs 0, batch size 0,
    a validation split of 0 or 1), so that a student who tries them reads the sentence why.
    """

    name: str
    label: str
    kind: str  # "layers" (text), "choice" (selectbox), "choices" (multiselect), "int", "float", "bool" (toggle)
    help: str
    options: tuple[str, ...] = ()
    min_value: float | None = None
    max_value: float | None = None
    step: float | None = None


#: The form of the Keras workflow and MNIST pages, in the lecture's order (define, compile, fit, data).
SETTINGS: tuple[Setting, ...] = (
    Setting("layers", "Hidden layers (units activation, …)", "layers",
            "Dense layers between the 784 inputs and the 10 softmax outputs, e.g. 128 relu, 64 relu."),
    Setting("optimizer", "Optimizer", "choice", "How the weights move against the gradient.", TRAINING_OPTIMIZERS),
    Setting("learning_rate", "Learning rate", "float", "Step size of each update (try 1000 to see the loss blow up).",
            min_value=0.0, max_value=MAX_LEARNING_RATE),
    Setting("loss", "Loss", "choice", "Both are cross-entropy; they differ in how labels are written.", tuple(LOSSES)),
    Setting("metrics", "Metrics", "choices", "Reported during training, never optimised.", tuple(METRICS)),
    Setting("epochs", "Epochs", "int", "Passes over the training images.", min_value=0, max_value=MAX_EPOCHS, step=1),
    Setting("batch_size", "Batch size", "int", "Images per weight update.", min_value=0, max_value=MNIST_TRAIN_SIZE, step=1),
    Setting("validation_split", "Validation split", "float", "Share of the images held back to check for overfitting.",
            min_value=0.0, max_value=1.0, step=0.05),
    Setting("subset_size", "Training images used (subset)", "int",
            "The first N of MNIST's 60,000; fewer train faster (the validation split comes out of these).",
            min_value=1, max_value=MNIST_TRAIN_SIZE, step=1000),
    Setting("scale_inputs", "Divide the pixels by 255", "bool",
            "The lecture scales every pixel to 0…1. Switch it off to train on raw 0…255 values and compare the "
            "two runs: why normalize?"),
    Setting("seed", "Seed", "int", "Fixes the initial weights and the order of the batches.",
            min_value=0, max_value=MAX_SEED, step=1),
)


def settings_of(config: TrainingConfig) -> dict[str, Any]:
    """The form's values for ``config`` (the text a student would type for the layers).

    >>> settings_of(TrainingConfig())["layers"], settings_of(TrainingConfig())["metrics"]
    ('128 relu, 64 relu', ['accuracy'])
    """
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.name == "layers":
            values["layers"] = format_hidden_layers(config.model.hidden)
        elif setting.name == "metrics":
            values["metrics"] = list(config.metrics)
        else:
            values[setting.name] = getattr(config, setting.name)
    return values


def config_from_settings(values: Mapping[str, Any]) -> TrainingConfig:
    """The config for the form's values; ValueError with a sentence for anything invalid.

    >>> config = config_from_settings({**settings_of(TrainingConfig()), "layers": "32 tanh", "epochs": 2})
    >>> config.model.sizes, config.epochs
    ((784, 32, 10), 2)
    """
    missing = [s.name for s in SETTINGS if s.name not in values]
    if missing:
        raise InputError(f"The form lacks {', '.join(missing)}.")
    fields = {s.name: values[s.name] for s in SETTINGS if s.name not in ("layers", "metrics")}
    model = ModelSpec(N_PIXELS, parse_hidden_layers(str(values["layers"])), task="multiclass", n_classes=N_CLASSES)
    return TrainingConfig(model=model, metrics=tuple(values["metrics"]), **fields)


# --- data ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingData:
    """MNIST prepared once as the lecture does: (n, 784) float32 in [0, 1], labels uint8 as Keras gives them."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def prepare_training_data(splits: MnistSplits | None = None) -> TrainingData:
    """Flatten and scale MNIST once (≈ 220 MB of float32), read-only so sessions can share it.

    >>> data = prepare_training_data(((np.zeros((4, 28, 28), np.uint8), np.arange(4, dtype=np.uint8)),
    ...                               (np.zeros((2, 28, 28), np.uint8), np.arange(2, dtype=np.uint8))))
    >>> data.x_train.shape, data.x_train.dtype, data.x_train.flags.writeable
    ((4, 784), dtype('float32'), False)
    """
    (x_train, y_train), (x_test, y_test) = splits if splits is not None else load_mnist()
    arrays = [flatten_and_scale(x_train), np.asarray(y_train), flatten_and_scale(x_test), np.asarray(y_test)]
    for array in arrays:
        array.setflags(write=False)
    return TrainingData(*arrays)


def raw_pixels(scaled: np.ndarray) -> np.ndarray:
    """The 0…255 float32 values back from MNIST's x / 255: exactly ``x.astype("float32")``.

    >>> values = np.arange(256, dtype=np.uint8).repeat(4)[:784].reshape(1, 28, 28)
    >>> bool((raw_pixels(flatten_and_scale(values)) == values.reshape(1, 784)).all())
    True
    """
    return np.rint(np.asarray(scaled, dtype=np.float32) * 255).astype(np.float32)


# --- progress and history ------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchPoint:
    """Mean loss and metrics over one call's block of batches, placed at its end in epochs (2.5 = mid epoch 3)."""

    epochs_done: float
    values: Mapping[str, float]


@dataclass(frozen=True)
class EpochRow:
    """An epoch's training means and, if validation ran to the end, its ``val_`` figures.

    ``complete`` is False for an epoch cut short by Stop or a NaN loss.
    """

    epoch: int
    values: Mapping[str, float]
    complete: bool
    seconds: float


@dataclass(frozen=True)
class TrainingHistory:
    """The curves so far: per block of batches (smoothed) and per epoch."""

    batches: tuple[BatchPoint, ...] = ()
    epochs: tuple[EpochRow, ...] = ()

    @property
    def complete_epochs(self) -> int:
        return sum(row.complete for row in self.epochs)


@dataclass(frozen=True)
class ProgressEvent:
    """What the loop reports to ``on_progress`` a few times a second and at each epoch's end."""

    epoch: int  # 1-based, the epoch under way (or the last one)
    epochs: int
    batch: int  # batches done in this epoch
    batches_per_epoch: int
    elapsed_s: float
    eta_s: float | None
    history: TrainingHistory

    @property
    def fraction(self) -> float:
        """Share of all batches of all epochs done."""
        return min(1.0, ((self.epoch - 1) + self.batch / self.batches_per_epoch) / self.epochs)

    def describe(self) -> str:
        """``Epoch 3/10 · batch 512/844 · about 12 s left``."""
        left = "" if self.eta_s is None else f" · about {format_seconds(self.eta_s)} left"
        return f"Epoch {self.epoch}/{self.epochs} · batch {self.batch}/{self.batches_per_epoch}{left}"


def format_seconds(seconds: float) -> str:
    """``7 s``, ``1 min 05 s``.

    >>> format_seconds(7.2), format_seconds(65)
    ('7 s', '1 min 05 s')
    """
    seconds = max(0, int(round(seconds)))
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min {seconds % 60:02d} s"


OUTCOMES = {
    "completed": "Training finished all epochs.",
    "stopped": "Training was stopped; the model keeps the weights it had reached.",
    "nan": "The loss became NaN (not a number), so training stopped.",
}


@dataclass(frozen=True)
class TrainingResult:
    """The trained (or partly trained) Keras model, its history, and why training ended."""

    model: Any
    history: TrainingHistory
    outcome: str  # a key of OUTCOMES
    message: str
    seconds: float


def _block_means(logs: Mapping[str, float], previous: Mapping[str, float], seen: int, seen_before: int) -> dict[str, float]:
    """Means over the samples seen since the last call, from Keras's running means since the epoch began.

    Keras logs ``m_t``, the mean over the epoch's first ``s_t`` samples; the block's own mean is
    ``(m_t·s_t − m_p·s_p) / (s_t − s_p)``.

    >>> _block_means({"loss": 0.5}, {"loss": 1.0}, seen=200, seen_before=100)
    {'loss': 0.0}
    """
    block = seen - seen_before
    return {
        name: (value * seen - previous.get(name, 0.0) * seen_before) / block
        for name, value in logs.items()
        if not name.startswith("val_")
    }


def _nan_message(config: TrainingConfig, epoch: int, batch: int) -> str:
    advice = default_learning_rate(config.optimizer)
    return (
        f"The loss became NaN (not a number) in epoch {epoch}, by batch {batch}: with a learning rate of "
        f"{config.learning_rate:g} the updates overshoot until the weights overflow. Keras's TerminateOnNaN "
        f"callback stopped training. Try a smaller learning rate, e.g. {advice:g}."
    )


def compile_model(config: TrainingConfig) -> Any:
    """Steps 1 and 2: seed, define and compile the model exactly as :func:`keras_workflow_code` does.

    The layers get their names here ("hidden_1", …, "output") instead of Keras's automatic
    "dense", "dense_1", …: Streamlit calls ``keras.backend.clear_session()`` after every
    script run of every session, which resets the counter behind the automatic names, and a
    reset in the middle of a build gives two layers the same name (the build then fails).
    Names change nothing else: the weights are drawn in the same order from the same seed.
    """
    import keras

    keras.utils.set_random_seed(config.seed)
    layers = config.model.layers
    model = keras.Sequential(
        [keras.Input(shape=(config.model.input_size,))]
        + [
            keras.layers.Dense(layer.units, activation=layer.activation, name=f"hidden_{index + 1}")
            for index, layer in enumerate(layers[:-1])
        ]
        + [keras.layers.Dense(layers[-1].units, activation=layers[-1].activation, name="output")]
    )
    namespace = {"keras": keras}
    model.compile(
        optimizer=eval(_optimizer_code(config), namespace),  # the very expressions the code shows
        loss=config.loss,
        metrics=eval(_metrics_code(config), namespace),
        steps_per_execution=execution_steps(config),
    )
    return model


def train(
    config: TrainingConfig,
    data: TrainingData,
    *,
    on_progress: Callable[[ProgressEvent], None],
    should_stop: Callable[[], bool],
    model: Any = None,
    progress_interval_s: float = 0.25,
) -> TrainingResult:
    """Step 3 of :func:`keras_workflow_code` (``model.fit``) with live progress, Stop, and TerminateOnNaN.

    ``model`` is :func:`compile_model`'s (built here when not given). Same maths as a bare
    ``model.fit``: the same seed, model, optimizer, batches and ``steps_per_execution``; the
    callbacks only read the logs. The seed is set again just before fitting, so the batch order
    is the seed's even if other code drew random numbers since the model was built (building
    draws none from TensorFlow's generator, so this is the order the code's single seed gives).
    ``on_progress`` is called at most every ``progress_interval_s`` and at each epoch's end;
    ``should_stop()`` is asked after every call of the train function (every
    :func:`execution_steps` batches) and during validation. When stopped, the partial model
    and history are kept.
    """
    import keras

    if config.subset_size > len(data.x_train):
        raise InputError(
            f"The subset size {config.subset_size:,} is more than the {len(data.x_train):,} training images available."
        )
    if model is None:
        model = compile_model(config)
    x = data.x_train[: config.subset_size]
    if not config.scale_inputs:
        x = raw_pixels(x)
    y = data.y_train[: config.subset_size]
    if LOSSES[config.loss].one_hot:
        y = keras.utils.to_categorical(y, N_CLASSES)
    recorder = _Recorder(config, on_progress, should_stop, progress_interval_s)
    keras.utils.set_random_seed(config.seed)
    start = time.monotonic()
    model.fit(
        x,
        y,
        epochs=config.epochs,
        batch_size=config.batch_size,
        validation_split=config.validation_split,
        verbose=0,
        callbacks=[keras.callbacks.TerminateOnNaN(), recorder.callback(keras)],
    )
    seconds = time.monotonic() - start
    outcome = recorder.outcome
    message = recorder.nan_message if outcome == "nan" else OUTCOMES[outcome]
    return TrainingResult(model, recorder.history(), outcome, message, seconds)


@dataclass
class _Recorder:
    """The callback's state: the curves, the throttle, and why training ended."""

    config: TrainingConfig
    on_progress: Callable[[ProgressEvent], None]
    should_stop: Callable[[], bool]
    interval_s: float
    outcome: str = "completed"
    nan_message: str = ""
    batches: list[BatchPoint] = field(default_factory=list)
    epochs: list[EpochRow] = field(default_factory=list)
    start: float = 0.0
    epoch_start: float = 0.0
    last_report: float = -math.inf
    epoch: int = 0
    batch: int = 0
    seen: int = 0
    running: dict[str, float] = field(default_factory=dict)

    def history(self) -> TrainingHistory:
        return TrainingHistory(tuple(self.batches), tuple(self.epochs))

    def report(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last_report < self.interval_s:
            return
        self.last_report = now
        config = self.config
        elapsed = now - self.start
        done = (self.epoch + self.batch / config.batches_per_epoch) / config.epochs
        eta = elapsed * (1 - done) / done if 0 < done and self.outcome == "completed" else None
        self.on_progress(
            ProgressEvent(
                epoch=min(self.epoch + 1, config.epochs),
                epochs=config.epochs,
                batch=self.batch,
                batches_per_epoch=config.batches_per_epoch,
                elapsed_s=elapsed,
                eta_s=eta,
                history=self.history(),
            )
        )

    def ask_to_stop(self) -> bool:
        if self.outcome == "completed" and self.should_stop():
            self.outcome = "stopped"
        return self.outcome != "completed"

    def callback(self, keras: Any) -> Any:
        recorder = self

        class LiveProgress(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                recorder.start = time.monotonic()
                recorder.report(force=True)

            def on_epoch_begin(self, epoch, logs=None):
                recorder.epoch, recorder.batch, recorder.seen = epoch, 0, 0
                recorder.running = {}
                recorder.epoch_start = time.monotonic()

            def on_train_batch_end(self, batch, logs=None):
                config = recorder.config
                recorder.batch = min(batch + 1, config.batches_per_epoch)
                seen = min(recorder.batch * config.batch_size, config.train_size)
                logs = {k: float(v) for k, v in (logs or {}).items()}
                if seen > recorder.seen:
                    means = _block_means(logs, recorder.running, seen, recorder.seen)
                    recorder.batches.append(BatchPoint(recorder.epoch + recorder.batch / config.batches_per_epoch, means))
                    recorder.running, recorder.seen = logs, seen
                if not math.isfinite(logs.get("loss", 0.0)):
                    recorder.outcome = "nan"
                    recorder.nan_message = _nan_message(config, recorder.epoch + 1, recorder.batch)
                    self.model.stop_training = True  # TerminateOnNaN does the same; this says why
                elif recorder.ask_to_stop():
                    self.model.stop_training = True
                recorder.report(force=self.model.stop_training)

            def on_test_batch_end(self, batch, logs=None):
                if recorder.ask_to_stop():
                    self.model.stop_evaluating = True

            def on_epoch_end(self, epoch, logs=None):
                complete = recorder.outcome == "completed"
                values = {
                    k: float(v) for k, v in (logs or {}).items() if complete or not k.startswith("val_")
                }
                recorder.epochs.append(EpochRow(epoch + 1, values, complete, time.monotonic() - recorder.epoch_start))
                recorder.report(force=True)

        return LiveProgress()


# --- evaluation ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvaluationReport:
    """Step 4: the loss and metrics on the 10,000 test images, and the prediction for ``x_test[:1]``."""

    loss: float
    metrics: Mapping[str, float]
    accuracy: float  # share of test images whose most probable class is the label
    first_probabilities: np.ndarray  # model.predict(x_test[:1])[0]
    first_label: int


def evaluate_on_test(model: Any, config: TrainingConfig, data: TrainingData) -> EvaluationReport:
    """``model.evaluate(x_test, y_test)`` and ``model.predict(x_test[:1])``, as the code's step 4."""
    import keras

    y_test = keras.utils.to_categorical(data.y_test, N_CLASSES) if LOSSES[config.loss].one_hot else data.y_test
    x_test = data.x_test if config.scale_inputs else raw_pixels(data.x_test)
    results = model.evaluate(x_test, y_test, verbose=0, return_dict=True, batch_size=1000)
    probabilities = model.predict(x_test, verbose=0, batch_size=1000)
    accuracy = float(np.mean(probabilities.argmax(axis=1) == data.y_test))
    return EvaluationReport(
        loss=float(results["loss"]),
        metrics={name: float(results[name]) for name in config.metrics},
        accuracy=accuracy,
        first_probabilities=probabilities[0],
        first_label=int(data.y_test[0]),
    )


def trained_model_label(config: TrainingConfig, result: TrainingResult, report: EvaluationReport | None) -> str:
    """One line naming a trained model: architecture, epochs done, images, test accuracy.

    >>> history = TrainingHistory(epochs=(EpochRow(1, {}, True, 1.0),))
    >>> result = TrainingResult(None, history, "stopped", "", 1.0)
    >>> trained_model_label(TrainingConfig(epochs=3, subset_size=10_000), result, None)
    '784-128-64-10 MLP, 1/3 epochs on 9,000 images (stopped)'
    """
    sizes = "-".join(str(size) for size in config.model.sizes)
    text = f"{sizes} MLP, {result.history.complete_epochs}/{config.epochs} epochs on {config.train_size:,} images"
    if not config.scale_inputs:
        text += ", raw 0–255 pixels"
    if result.outcome != "completed":
        text += f" ({result.outcome})"
    if report is not None:
        text += f", test accuracy {report.accuracy:.2%}"
    return text


#: The lecture's §7 claims: "training accuracy around 90–92 %" and "test accuracy ≈ 0.975".
LECTURE_TRAIN_ACCURACY = (0.90, 0.92)
LECTURE_TEST_ACCURACY = 0.975


def lecture_accuracy_sentence(history: TrainingHistory, test_accuracy: float) -> str | None:
    """Training, validation and test accuracy of a run set against the lecture's two §7 claims.

    Training accuracy is Keras's mean over the last complete epoch (the weights move during it);
    a claim holds if the measured value rounds into the lecture's range (±0.5 point for the test).
    None if the run recorded no accuracy.

    >>> rows = tuple(EpochRow(i, {"accuracy": a, "val_accuracy": a}, True, 1.0) for i, a in ((1, 0.91), (2, 0.99)))
    >>> print(lecture_accuracy_sentence(TrainingHistory(epochs=rows), 0.976))
    Measured: training 99.0% (mean over epoch 2), validation 99.0%, test 97.6%. The lecture's test accuracy of about 97.5%: holds. Its training accuracy of 90–92%: this run was there in epoch 1 and ended at 99.0%.
    """
    complete = [row for row in history.epochs if row.complete and "accuracy" in row.values]
    if not complete:
        return None
    last = complete[-1]
    train, validation = last.values["accuracy"], last.values.get("val_accuracy")
    measured = f"Measured: training {train:.1%} (mean over epoch {last.epoch})"
    if validation is not None:
        measured += f", validation {validation:.1%}"
    measured += f", test {test_accuracy:.1%}."
    low, high = LECTURE_TRAIN_ACCURACY

    def in_range(value: float) -> bool:
        return low - 0.005 <= value <= high + 0.005

    test_holds = abs(test_accuracy - LECTURE_TEST_ACCURACY) <= 0.005
    test_part = f"The lecture's test accuracy of about {LECTURE_TEST_ACCURACY:.1%}: {'holds' if test_holds else 'not this run'}."
    if in_range(train):
        return f"{measured} {test_part} Its training accuracy of 90–92%: holds."
    within = [row.epoch for row in complete if in_range(row.values["accuracy"])]
    where = f"this run was there in epoch {within[0]} and ended at" if within else "this run ended at"
    return f"{measured} {test_part} Its training accuracy of 90–92%: {where} {train:.1%}."


@dataclass(frozen=True)
class TrainingPreset:
    """A lecture demo for the training form: its settings and what to look for once it has run."""

    config: TrainingConfig
    look_for: str


#: The MNIST page's demos, in the lecture's order; each fills the form (and so the URL).
TRAINING_PRESETS: dict[str, TrainingPreset] = {
    "The lecture's settings": TrainingPreset(
        TrainingConfig(), "The lecture's network and fit: test accuracy near 97.5% after 10 epochs."),
    "Why normalize? Raw 0–255 pixels": TrainingPreset(
        TrainingConfig(scale_inputs=False),
        "Train the lecture's settings once with and once without dividing by 255, then compare the two runs below."),
    "Overfitting: 1,000 images, 50 epochs": TrainingPreset(
        TrainingConfig(subset_size=1_000, epochs=50),
        "Watch the training and validation curves part: the training loss keeps falling, the validation loss turns up."),
}


def overfitting_sentence(history: TrainingHistory, train_size: int) -> str | None:
    """What the curves say when they part: the validation loss's lowest epoch, how far it rose since,
    and the training loss that kept falling. None unless the validation loss ended at least 10 %
    above its lowest while the training loss went on down.

    >>> rows = tuple(EpochRow(e, {"loss": 1 / e, "val_loss": v}, True, 1.0) for e, v in ((1, 0.9), (2, 0.5), (3, 0.7)))
    >>> print(overfitting_sentence(TrainingHistory(epochs=rows), 900))
    Overfitting: the validation loss was lowest after epoch 2 (0.500) and rose to 0.700 by epoch 3, while the training loss kept falling (0.500 → 0.333). Past epoch 2 the network fits its 900 training images better without getting better on images it has not seen.
    """
    rows = [row for row in history.epochs
            if row.complete and math.isfinite(row.values.get("val_loss", math.nan)) and math.isfinite(row.values.get("loss", math.nan))]
    if len(rows) < 3:
        return None
    best = min(rows, key=lambda row: row.values["val_loss"])
    last = rows[-1]
    if last is best or last.values["val_loss"] < 1.1 * best.values["val_loss"] or last.values["loss"] >= best.values["loss"]:
        return None
    gap = ""
    if "accuracy" in last.values and "val_accuracy" in last.values:
        gap = f" (accuracy now {last.values['accuracy']:.1%} on them, {last.values['val_accuracy']:.1%} on the validation images)"
    return (
        f"Overfitting: the validation loss was lowest after epoch {best.epoch} ({best.values['val_loss']:.3f}) and rose "
        f"to {last.values['val_loss']:.3f} by epoch {last.epoch}, while the training loss kept falling "
        f"({best.values['loss']:.3f} → {last.values['loss']:.3f}). Past epoch {best.epoch} the network fits its "
        f"{train_size:,} training images better{gap} without getting better on images it has not seen."
    )


#: The lecture's code (``tensorflow.keras``, ``input_shape=``) beside annviz's (Keras 3: ``import keras``,
#: ``keras.Input``): the same model either way (a test builds both). ``(lecture, annviz, note)``.
LECTURE_CODE_MAPPING: tuple[tuple[str, str, str], ...] = (
    ("from tensorflow import keras", "import keras",
     "Keras 3 is its own package; with TensorFlow installed, tensorflow.keras is the same Keras."),
    ("keras.layers.Dense(128, activation=\"relu\", input_shape=(784,))",
     "keras.Input(shape=(784,)), keras.layers.Dense(128, activation=\"relu\")",
     "Keras 3 prefers the input as its own first entry; input_shape= still works, with a warning."),
)
