"""The optimizer race with real ``keras.optimizers`` objects (moved here from :mod:`annviz.race`, whose
float64 race it checks): it runs in the Keras worker (:func:`annviz.serving.jobs.keras_race`).

:func:`race_keras` hands the same gradients as :func:`annviz.race.race` to real ``keras.optimizers``
objects holding float64 variables (one :class:`KerasRunner` per racer). The tests check that both
draw the same paths, point by point.

A runner is built from every hyperparameter but the learning rate, so one traced loop serves
every learning rate a class tries:

>>> from annviz.optimizers import make_racer
>>> keras_runner_settings(make_racer("momentum", learning_rate=0.05))
(('momentum', 0.9), ('nesterov', False))
"""

from __future__ import annotations

import copy
import functools
import threading
from contextlib import contextmanager
from typing import Callable, Iterator, Sequence

import numpy as np

from annviz.optimizers import OPTIMIZERS, Racer
from annviz.race import RacePath, RaceResult, check_steps, keras_runner_settings
from annviz.surfaces import Surface, check_start


@functools.cache
def slide_adam_class() -> type:
    """``keras.optimizers.Adam`` as the lecture slide writes it: Keras's own ``update_step`` with the
    bias correction taken out (α = η instead of η·√(1 − β₂ᵗ)/(1 − β₁ᵗ)). Imports Keras.

    θ_t = θ_{t−1} − η·m_t / (√v_t + ε), m and v the same moving averages as Adam's.
    """
    import keras
    from keras import ops

    class SlideAdam(keras.optimizers.Adam):
        def update_step(self, gradient, variable, learning_rate):
            lr = ops.cast(learning_rate, variable.dtype)
            gradient = ops.cast(gradient, variable.dtype)
            m = self._momentums[self._get_variable_index(variable)]
            v = self._velocities[self._get_variable_index(variable)]
            self.assign_add(m, ops.multiply(ops.subtract(gradient, m), 1 - self.beta_1))
            self.assign_add(v, ops.multiply(ops.subtract(ops.square(gradient), v), 1 - self.beta_2))
            self.assign_sub(variable, ops.divide(ops.multiply(m, lr), ops.add(ops.sqrt(v), self.epsilon)))

    return SlideAdam


class KerasRunner:
    """One real ``keras.optimizers`` object racing on one surface, traced once and re-usable.

    It holds a float64 ``keras.Variable`` θ, the optimizer built from ``fixed`` (every
    hyperparameter but the learning rate) and a ``tf.function`` that runs ``steps``
    updates: each step the surface's gradient at θ goes to ``optimizer.apply``, as
    ``model.fit`` runs its train step. :meth:`race` restores the optimizer's variables
    (iterations, slots) to their freshly built values and sets the learning rate and start,
    so a re-used runner races exactly like a new optimizer, without tracing again.
    TensorFlow keeps every traced loop in its function library for the life of the
    process (about 3 MB a race for four racers), so a server should re-use runners.
    """

    def __init__(self, surface: Surface, optimizer: str, fixed: tuple[tuple[str, float | bool], ...]) -> None:
        import keras
        import tensorflow as tf

        self.surface = surface
        self.optimizer_key = optimizer
        spec = OPTIMIZERS[optimizer]
        build = getattr(keras.optimizers, spec.keras_class) if spec.bias_correction else slide_adam_class()
        self.optimizer = build(**dict(fixed))
        self.theta = keras.Variable(np.zeros(2), dtype="float64", name=f"theta_{optimizer}")
        self.optimizer.build([self.theta])
        self._fresh = [variable.numpy() for variable in self.optimizer.variables]
        self._lock = threading.Lock()  # sessions of one server share runners

        def gradient_at(theta: np.ndarray) -> np.ndarray:
            return np.array(surface.gradient(float(theta[0]), float(theta[1])), dtype=np.float64)

        @tf.function(input_signature=[tf.TensorSpec([], tf.int32)])
        def run(steps: tf.Tensor) -> tf.Tensor:
            record = tf.TensorArray(tf.float64, size=steps)
            for step in tf.range(steps):
                gradient = tf.numpy_function(gradient_at, [self.theta.value], tf.float64, stateful=False)
                self.optimizer.apply([tf.reshape(gradient, [2])], [self.theta])
                record = record.write(step, self.theta.value)
            return record.stack()

        self._run = run

    def race(self, start: tuple[float, float], learning_rate: float, steps: int) -> np.ndarray:
        """The ``(steps + 1, 2)`` points θ₀ = start, θ₁, ... (NaN/inf included, as Keras gives them)."""
        import tensorflow as tf

        with self._lock:
            for variable, fresh in zip(self.optimizer.variables, self._fresh):
                variable.assign(fresh)
            self.optimizer.learning_rate = float(learning_rate)
            self.theta.assign(np.asarray(start, dtype=np.float64))
            with _without_graph_rewrites():
                positions = self._run(tf.constant(steps, dtype=tf.int32)).numpy()
        return np.vstack([np.asarray(start, dtype=np.float64), positions])


def new_keras_runner(surface: Surface, racer: Racer) -> KerasRunner:
    """A fresh runner for this racer (a server passes its cache of runners instead)."""
    return KerasRunner(surface, racer.optimizer, keras_runner_settings(racer))


def race_keras(
    surface: Surface,
    racers: Sequence[Racer],
    start: tuple[float, float],
    steps: int,
    *,
    runner_for: Callable[[Surface, Racer], KerasRunner] = new_keras_runner,
) -> RaceResult:
    """The same race with real ``keras.optimizers`` objects (imports TensorFlow, ~5 s the first time).

    Each racer runs on its own :class:`KerasRunner` (``runner_for(surface, racer)``): its own
    float64 ``keras.Variable`` and optimizer, inside a ``tf.function``, so a race takes a
    fraction of a second instead of the seconds eager calls would take.
    """
    x0, y0 = check_start(surface, start)
    run_steps = check_steps(steps)
    paths = []
    for racer in racers:
        points = runner_for(surface, racer).race((x0, y0), float(racer.hyperparameters["learning_rate"]), run_steps)
        with np.errstate(over="ignore", invalid="ignore"):
            losses = surface.loss(points[:, 0], points[:, 1])
        finite = np.isfinite(points).all(axis=1) & np.isfinite(losses)
        bad = np.flatnonzero(~finite)
        diverged_at = int(bad[0]) if bad.size else None
        end = diverged_at if diverged_at is not None else len(points)
        paths.append(RacePath(racer, points[:end], np.asarray(losses[:end], dtype=np.float64), diverged_at))
    return RaceResult(surface, (x0, y0), run_steps, int(steps), tuple(paths), "keras")


@contextmanager
def _without_graph_rewrites() -> Iterator[None]:
    """Run tf.functions in this thread without Grappler's graph rewrites.

    Grappler's constant folding reassociates ``(v - a²) + ε`` in centered RMSprop, which
    cancels catastrophically, so its paths drift from the update rule Keras writes (and runs
    eagerly) by up to 1e-3 within 500 steps. With the rewrites off, the graph computes
    ``update_step`` operation for operation. The options are per thread (TensorFlow's own
    ``function_executor_type`` sets them the same way), so other sessions' training is untouched.
    """
    from tensorflow.core.protobuf import config_pb2
    from tensorflow.python.eager import context

    eager_context = context.context()
    previous = copy.copy(eager_context.function_call_options)
    config = config_pb2.ConfigProto()
    config.ParseFromString(previous.config_proto_serialized)
    config.graph_options.rewrite_options.disable_meta_optimizer = True
    options = copy.copy(previous)
    options.config_proto_serialized = config
    eager_context.function_call_options = options
    try:
        yield
    finally:
        eager_context.function_call_options = previous
