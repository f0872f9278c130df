"""Training the lecture's MLP on MNIST: the data, the live Keras loop, and the test-set evaluation.

The lecture's four Keras steps, from one :class:`TrainingConfig`::

    1. define    model = keras.Sequential([...])
    2. compile   model.compile(optimizer, loss, metrics)
    3. fit       history = model.fit(x_train, y_train, epochs, batch_size, validation_split)
    4. evaluate  model.evaluate(x_test, y_test); model.predict(x_test[:1])

:func:`annviz.keras_workflow.keras_workflow_code` writes that program for a config and
:func:`annviz.serving.keras_training.train` runs exactly it from a :class:`~annviz.training_config.TrainingConfig` (same seed, same layers, same optimizer, same batches), adding only
callbacks that report progress, stop on request and stop on a NaN loss. A test
``exec``\\ s the generated code and gets the same weights as :func:`train`.

This module holds what a training is made of and hands back (the data, the history, the
progress events, the result, the report): plain data the server reads. The Keras parts
(``compile_model``, ``train``, ``evaluate_on_test``) are in :mod:`annviz.serving.keras_training`,
run in a training process of its own, so the server never imports TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from annviz.formatting import format_seconds
from annviz.mnist import MnistSplits, flatten_and_scale, load_mnist
from annviz.training_config import (
    TrainingConfig,
    default_learning_rate,
)

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


def block_means(logs: Mapping[str, float], previous: Mapping[str, float], seen: int, seen_before: int) -> dict[str, float]:
    """Means over the samples seen since the last call, from Keras's running means since the epoch began.

    Keras logs ``m_t``, the mean over the epoch's first ``s_t`` samples; the block's own mean is
    ``(m_t·s_t − m_p·s_p) / (s_t − s_p)``.

    >>> block_means({"loss": 0.5}, {"loss": 1.0}, seen=200, seen_before=100)
    {'loss': 0.0}
    """
    block = seen - seen_before
    return {
        name: (value * seen - previous.get(name, 0.0) * seen_before) / block
        for name, value in logs.items()
        if not name.startswith("val_")
    }


def nan_message_of(config: TrainingConfig, epoch: int, batch: int) -> str:
    advice = default_learning_rate(config.optimizer)
    return (
        f"The loss became NaN (not a number) in epoch {epoch}, by batch {batch}: with a learning rate of "
        f"{config.learning_rate:g} the updates overshoot until the weights overflow. Keras's TerminateOnNaN "
        f"callback stopped training. Try a smaller learning rate, e.g. {advice:g}."
    )


# --- evaluation ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvaluationReport:
    """Step 4: the loss and metrics on the 10,000 test images, and the prediction for ``x_test[:1]``."""

    loss: float
    metrics: Mapping[str, float]
    accuracy: float  # share of test images whose most probable class is the label
    first_probabilities: np.ndarray  # model.predict(x_test[:1])[0]
    first_label: int


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
