"""Training the lecture's MLP on MNIST: the data, the live Keras loop, and the test-set evaluation.

The lecture's four Keras steps, from one :class:`TrainingConfig`::

    1. define    model = keras.Sequential([...])
    2. compile   model.compile(optimizer, loss, metrics)
    3. fit       history = model.fit(x_train, y_train, epochs, batch_size, validation_split)
    4. evaluate  model.evaluate(x_test, y_test); model.predict(x_test[:1])

:func:`annviz.keras_workflow.keras_workflow_code` writes that program for a config and :func:`train` runs
exactly it from a :class:`~annviz.training_config.TrainingConfig` (same seed, same layers, same optimizer, same batches), adding only
callbacks that report progress, stop on request and stop on a NaN loss. A test
``exec``\\ s the generated code and gets the same weights as :func:`train`.

:func:`train` runs in a process of its own per training (``annviz.serving.TrainingService``),
so a training outlives reruns and page switches and the server never imports TensorFlow.

Keras is imported only inside the functions that train.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from annviz.errors import InputError
from annviz.formatting import format_seconds
from annviz.keras_workflow import metrics_code, optimizer_code
from annviz.mnist import N_CLASSES, MnistSplits, flatten_and_scale, load_mnist
from annviz.training_config import (
    LOSSES,
    TrainingConfig,
    default_learning_rate,
    execution_steps,
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

    It runs in a training process of its own (``annviz.serving``), where no Streamlit clears the
    Keras session, so the layers keep Keras's automatic names, as in the code the page shows.
    """
    import keras

    keras.utils.set_random_seed(config.seed)
    model = keras.Sequential(
        [
            keras.Input(shape=(config.model.input_size,)),
            *(keras.layers.Dense(layer.units, activation=layer.activation) for layer in config.model.layers),
        ]
    )
    namespace = {"keras": keras}
    model.compile(
        optimizer=eval(optimizer_code(config), namespace),  # the very expressions the code shows
        loss=config.loss,
        metrics=eval(metrics_code(config), namespace),
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
