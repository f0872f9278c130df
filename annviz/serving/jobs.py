"""The jobs run inside the Keras worker (:mod:`annviz.serving.keras_worker`).

Module-level functions, so a job pickles as a name. The caches below live in the worker process
(each process has its own): a loaded model or a traced optimizer loop is made once per worker.

>>> worker_pid() == os.getpid()  # run here, it is this process; sent to the worker, the worker's
True
"""

from __future__ import annotations

import functools
import os
import time
from typing import Any, Callable

import numpy as np



@functools.cache
def _shipped_model(name: str) -> Any:
    from annviz.serving.keras_models import load_pretrained

    return load_pretrained(name)


@functools.cache
def _test_set() -> tuple[np.ndarray, np.ndarray]:
    from annviz.mnist import load_mnist

    return load_mnist()[1]


def _predictor(name: str) -> Callable[[np.ndarray], np.ndarray]:
    from annviz.limitations import keras_predictor, numpy_mlp_predictor
    from annviz.numpy_mlp import load_dense_layers
    from annviz.pretrained import PRETRAINED

    if PRETRAINED[name].input_kind == "flat":
        return numpy_mlp_predictor(name, load_dense_layers(name))
    return keras_predictor(name, _shipped_model(name))


def shipped_test_accuracy(name: str) -> float:
    """The shipped model's accuracy on the 10,000 test images (the page's pixel-shuffling table)."""
    from annviz.metrics import accuracy

    x_test, y_test = _test_set()
    return accuracy(y_test, _predictor(name)(x_test).argmax(axis=1))


def shipped_shift_curves(name: str, n_images: int | None = None) -> Any:
    """:func:`annviz.limitations.shift_accuracy_curves` of the shipped model on the whole test set,
    or on its first ``n_images`` (a test's quick measurement: 25 shifts of 10,000 images is the
    CNN's slowest work)."""
    from annviz.limitations import shift_accuracy_curves

    x_test, y_test = _test_set()
    return shift_accuracy_curves(_predictor(name), x_test[:n_images], y_test[:n_images])


@functools.lru_cache(maxsize=64)
def _keras_runner(surface_key: str, optimizer: str, fixed: tuple) -> Any:
    from annviz.serving.keras_race import KerasRunner
    from annviz.surfaces import SURFACES

    return KerasRunner(SURFACES[surface_key], optimizer, fixed)


def keras_race(surface_key: str, racers: tuple, start: tuple[float, float], steps: int) -> Any:
    """:func:`annviz.serving.keras_race.race_keras` with this worker's re-usable runners (TensorFlow never frees a traced loop)."""
    from annviz.race import keras_runner_settings
    from annviz.serving.keras_race import race_keras
    from annviz.surfaces import SURFACES

    return race_keras(
        SURFACES[surface_key], racers, start, steps,
        runner_for=lambda surface, racer: _keras_runner(surface.key, racer.optimizer, keras_runner_settings(racer)),
    )


def keras_param_count(spec: Any) -> int:
    """``model.count_params()`` of the Keras model the page's architecture builds."""
    from annviz.serving.keras_models import build_keras_model

    return int(build_keras_model(spec).count_params())


def hang_forever() -> None:
    """A job that never ends: the fault tests' stand-in for a job stuck in TensorFlow."""
    while True:
        time.sleep(3600)


def worker_pid() -> int:
    """The worker's process id (tests, and a cheap job that starts the worker)."""
    return os.getpid()
