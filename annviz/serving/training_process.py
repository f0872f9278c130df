"""A training process: the job run inside it (fit with live progress, evaluate, hand back NumPy weights).

>>> PHASE_READY
'Ready: TensorFlow started and MNIST loaded.'
"""

from __future__ import annotations

import threading
from dataclasses import replace
from multiprocessing.connection import Connection
from typing import Any

from annviz.errors import InputError
from annviz.serving.trained_model import TrainedMLP, for_scaled_inputs
from annviz.training import prepare_training_data
from annviz.training_config import TrainingConfig

#: Statuses a training process reports (the queue's statuses, :mod:`annviz.serving.training_queue`).
RUNNING, EVALUATING = "running", "evaluating"


#: What a training process says while it gets ready, in order (the page shows it while it happens).
PHASE_TENSORFLOW = "Starting TensorFlow in a new process…"
PHASE_DATA = "Loading the 60,000 MNIST training images into TensorFlow…"
PHASE_READY = "Ready: TensorFlow started and MNIST loaded."
PHASE_BUILD = "Building the model and tracing its training step…"


def serve_training(connection: Connection) -> None:
    """A training process: get ready (TensorFlow, MNIST), receive the config, fit with live progress,
    evaluate, send back NumPy weights; then end (its memory goes back to the machine).

    It gets ready before it is given a config, so a server can keep one waiting (a warm start:
    the config arrives when a student presses Start). ``("phase", …)`` messages say what it is doing
    meanwhile. A ``"stop"`` message (or the server's end closing) asks the fit to stop, as the
    Stop button does.
    """
    send_lock = threading.Lock()

    def send(*message: Any) -> None:
        with send_lock:
            connection.send(message)

    try:
        send("phase", PHASE_TENSORFLOW)
        import keras  # noqa: F401  (the ~5 s of "starting")

        import tensorflow as tf

        from annviz.numpy_mlp import dense_layers
        from annviz.serving.keras_training import evaluate_on_test, train

        send("phase", PHASE_DATA)
        data = prepare_training_data()
        # model.fit copies NumPy inputs into TensorFlow tensors. Handing it the tensor made here
        # and dropping the NumPy images keeps one copy of them instead of two (~220 MB less per
        # training at the lecture's setting); the batches and weights are the same (tested).
        data = replace(data, x_train=tf.constant(data.x_train))
        send("phase", PHASE_READY)
    except Exception as error:  # a process that cannot get ready says why, once it has a job
        send("failed", f"The training process could not start TensorFlow ({type(error).__name__}: {error}).")
        return
    try:
        config: TrainingConfig = connection.recv()
    except (EOFError, OSError):  # the server went away before giving it a training
        return
    stop = threading.Event()

    def listen() -> None:
        try:
            while connection.recv() != "stop":
                pass
        except (EOFError, OSError):
            pass
        stop.set()

    threading.Thread(target=listen, daemon=True).start()
    try:
        send("phase", PHASE_BUILD)
        if config.subset_size < data.x_train.shape[0]:
            data = replace(data, x_train=data.x_train[: config.subset_size])
        send("status", RUNNING)
        result = train(config, data, on_progress=lambda event: send("progress", event), should_stop=stop.is_set)
        send("status", EVALUATING)
        # A model whose weights went NaN answers nothing worth testing (or handing on).
        trained = result.outcome != "nan" and bool(result.history.batches)
        report = evaluate_on_test(result.model, config, data) if trained else None
        send("done", replace(result, model=TrainedMLP(for_scaled_inputs(dense_layers(result.model), config))), report)
    except InputError as error:
        send("failed", str(error))
    except Exception as error:  # a crash in the process must reach the page as a sentence
        send("failed", f"Training failed unexpectedly ({type(error).__name__}: {error}).")
