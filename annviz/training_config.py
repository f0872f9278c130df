"""The training settings of pages 6 and 7: one checked :class:`TrainingConfig`, its form table, the demos.

:class:`TrainingConfig` checks every setting and says what is wrong in a sentence
(:class:`~annviz.errors.InputError`); :data:`SETTINGS` gives every widget of the form its label,
range and help, and :func:`settings_of` / :func:`config_from_settings` go between the two;
:data:`TRAINING_PRESETS` are the MNIST page's lecture demos. No Keras here: the code a config
stands for is :mod:`annviz.keras_workflow`, the training that runs it :mod:`annviz.training`.

>>> config = TrainingConfig()
>>> config.optimizer, config.epochs, config.batch_size, config.validation_split
('adam', 10, 64, 0.1)
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from annviz.architecture import (
    DenseSpec,
    ModelSpec,
    count_model_params,
    format_hidden_layers,
    parse_hidden_layers,
)
from annviz.errors import InputError, echo
from annviz.mnist import N_CLASSES, N_PIXELS
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
        raise InputError(f"The {what} must be a whole number, not {echo(repr(value))}.")
    try:
        number = operator.index(int(value) if isinstance(value, float) else value)
    except TypeError:
        raise InputError(f"The {what} must be a whole number, not {echo(repr(value))}.") from None
    if not low <= number <= high:
        raise InputError(f"The {what} is {number:,}: {advice}")
    return number


def _real(value: Any, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"The {what} must be a number, not {echo(repr(value))}.") from None
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
            raise InputError(f"Unknown optimizer {echo(self.optimizer)}: choose one of {', '.join(TRAINING_OPTIMIZERS)}.")
        rate = _real(self.learning_rate, "learning rate")
        if not 0 < rate <= MAX_LEARNING_RATE:
            raise InputError(f"The learning rate must be above 0 and at most {MAX_LEARNING_RATE:g}, not {rate:g}.")
        object.__setattr__(self, "learning_rate", rate)
        if self.loss not in LOSSES:
            raise InputError(f"Unknown loss {echo(self.loss)}: choose one of {', '.join(LOSSES)}.")
        metrics = tuple(self.metrics)
        unknown = [m for m in metrics if m not in METRICS]
        if unknown:
            raise InputError(f"Unknown metric {echo(unknown[0])}: choose from {', '.join(METRICS)}.")
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
            raise InputError(f"Dividing by 255 is on or off (True or False), not {echo(repr(self.scale_inputs))}.")
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
