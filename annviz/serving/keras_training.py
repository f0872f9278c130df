"""The lecture's Keras steps for a :class:`~annviz.training_config.TrainingConfig`: compile, fit live, evaluate.

Moved here from :mod:`annviz.training` (which keeps the data they work on and hand back): only
the serving layer imports Keras. :func:`train` runs in a training process
(:mod:`annviz.serving.training_process`), exactly the program
:func:`annviz.keras_workflow.keras_workflow_code` writes, adding only callbacks that report
progress, stop on request and stop on a NaN loss. A test ``exec``\\ s the generated code and
gets the same weights as :func:`train`.

The fit calls Keras's train function on 64 batches at a time and asks for Stop between calls:

>>> execution_steps(TrainingConfig())
64
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from annviz.errors import InputError
from annviz.keras_workflow import metrics_code, optimizer_code
from annviz.mnist import N_CLASSES
from annviz.training import (
    OUTCOMES,
    BatchPoint,
    EpochRow,
    EvaluationReport,
    ProgressEvent,
    TrainingData,
    TrainingHistory,
    TrainingResult,
    block_means,
    nan_message_of,
    raw_pixels,
)
from annviz.training_config import LOSSES, TrainingConfig, execution_steps


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
                    means = block_means(logs, recorder.running, seen, recorder.seen)
                    recorder.batches.append(BatchPoint(recorder.epoch + recorder.batch / config.batches_per_epoch, means))
                    recorder.running, recorder.seen = logs, seen
                if not math.isfinite(logs.get("loss", 0.0)):
                    recorder.outcome = "nan"
                    recorder.nan_message = nan_message_of(config, recorder.epoch + 1, recorder.batch)
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
