"""The serving layer: every piece of Keras work runs in a worker process, never in the Streamlit server.

A Streamlit server is one process whose page runs share one GIL, and a whole class shares it.
TensorFlow in that process costs every page run of every student: ~430,000 long-lived objects
for the garbage collector, and Streamlit calls ``keras.backend.clear_session()`` after every
script run once ``keras`` is imported. So the server never imports it; it sends work here:

- :class:`KerasWorker`: one long-lived process for the small Keras jobs (the "check with Keras"
  buttons, the optimizer race with ``keras.optimizers``, the shipped models' test-set
  measurements; the shipped models answer single digits in NumPy in the server). :meth:`KerasWorker.once` keeps server-wide results (the
  shift curves, the test-set predictions) computed once, in the background. A worker killed
  mid-job (SIGKILL, out of memory) turns into :class:`WorkerLost`, a sentence for the page; the
  next job starts a new worker.
- :class:`TrainingService`: each training in its own process, at most ``limit`` at once, the
  rest in a first-come-first-served queue with a position and an expected wait. Stop ends the
  fit within one call of Keras's train function; a session that goes away is cancelled within
  a few seconds; a process that dies is reported as "failed" with a sentence. Each process sets
  its own seed, so two trainings at once are as reproducible as one, and its memory is gone
  when it ends.

Each worker is a fresh interpreter started with ``subprocess`` (``python -m annviz.serving``) that
connects back over ``multiprocessing.connection`` (localhost, an HMAC key made per process) and
exchanges pickled messages. Not ``multiprocessing``'s own "spawn" start: it re-runs the parent's
``__main__`` module in the child, and inside a Streamlit script run ``__main__`` is the page being
run. Workers lower their own scheduling priority (``os.nice``), so a page run of the server wins
the CPU over a training, and they end when the server's end of the connection closes.
Nothing here imports Streamlit; the pages reach this module through ``pages/_serving.py``.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import math
import os
import queue
import re
import secrets
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection, Listener
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from annviz.architecture import count_model_params
from annviz.errors import InputError
from annviz.formatting import format_seconds
from annviz.training import EvaluationReport, ProgressEvent, TrainingResult, evaluate_on_test, prepare_training_data, train
from annviz.training_config import TrainingConfig

#: Scheduling priority of the processes (0 = the server's; higher = yields to it). Linux's CFS
#: shares a busy CPU by weight (nice 0: 1024, 5: 335, 10: 110), so the server's page runs come
#: first, a student's small Keras job (someone waits for it) gets about three times a training's
#: share, and the trainings take what is left.
INTERACTIVE_NICENESS = 5
BATCH_NICENESS = 10
#: The server-wide measurements of the shipped models yield even to trainings (weight 36): a
#: student waits for a training; the measurements only fill a tab's progress bar meanwhile.
BACKGROUND_NICENESS = 15
#: TensorFlow threads of a training process (intra-op and inter-op). The lecture's MLP trains in
#: batches of 64, too small for a thread pool to pay: measured on 2 cores, one thread fits the
#: lecture's setting in 11.3 s against 13.4 s with TensorFlow's default (one per core), and two
#: trainings at once in 12.5 / 13.5 s against 16.0 / 18.7 s (the default's 4 threads fight).
TRAINING_THREADS = 1
#: Seconds a job may take before the page gives up waiting (the longest, the shift curves, take ~10 s).
JOB_TIMEOUT_S = 180.0


class WorkerLost(InputError):
    """A worker process died under a job: said as a sentence, like annviz's other InputErrors."""


#: The folder that holds the ``annviz`` package, put on a worker's import path.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: Seconds a new process may take to connect back before it counts as failed to start.
CONNECT_TIMEOUT_S = 60.0


def _lower_priority(niceness: int) -> None:
    try:
        os.nice(niceness)
    except (AttributeError, OSError):  # a platform without nice: the process runs at the server's priority
        pass


@dataclass
class WorkerProcess:
    """A started worker: the process and the pickled-message connection to it."""

    process: subprocess.Popen
    connection: Connection

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
        self.process.wait()
        self.connection.close()


def launch(role: str, *, niceness: int = BATCH_NICENESS, threads: int | None = None) -> WorkerProcess:
    """Start ``python -m annviz.serving ROLE`` and wait until it has connected back; ``threads``
    sets TensorFlow's intra- and inter-op thread pools (None: TensorFlow's default).

    Raises :class:`WorkerLost` if the process ends, or does not connect, within
    ``CONNECT_TIMEOUT_S`` seconds.
    """
    key = secrets.token_bytes(32)
    listener = Listener(("127.0.0.1", 0), authkey=key)
    host, port = listener.address
    env = {
        **os.environ,
        "ANNVIZ_WORKER_KEY": key.hex(),
        "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
        "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"),
        **({"TF_NUM_INTRAOP_THREADS": str(threads), "TF_NUM_INTEROP_THREADS": str(threads)} if threads else {}),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "annviz.serving", role, host, str(port), str(niceness)], env=env, stdin=subprocess.DEVNULL
    )
    accepted: list[Connection] = []
    accepting = threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True)
    accepting.start()
    deadline = time.monotonic() + CONNECT_TIMEOUT_S
    while accepting.is_alive() and process.poll() is None and time.monotonic() < deadline:
        accepting.join(0.05)
    listener.close()
    if not accepted:
        process.kill()
        process.wait()
        raise WorkerLost(f"A Keras worker process could not be started (exit code {process.returncode}); try again.")
    return WorkerProcess(process, accepted[0])


def _connect(host: str, port: str) -> Connection:
    from multiprocessing.connection import Client

    return Client((host, int(port)), authkey=bytes.fromhex(os.environ.pop("ANNVIZ_WORKER_KEY")))


def _serve_jobs(connection: Connection) -> None:
    """The Keras worker's loop: import Keras once (~5 s), then answer ``(fn, args)`` messages in order."""
    import keras  # noqa: F401

    while True:
        try:
            fn, args = connection.recv()
        except (EOFError, OSError):
            return  # the server is gone
        try:
            reply = (True, fn(*args))
        except Exception as error:  # the job's own error goes back to the page (a ValueError is a sentence)
            reply = (False, error)
        try:
            connection.send(reply)
        except Exception as error:  # e.g. a result that does not pickle
            connection.send((False, RuntimeError(f"{type(error).__name__}: {error}")))


class KerasWorker:
    """One long-lived worker process for small Keras jobs, restarted after it dies.

    ``run(fn, *args)`` calls ``fn(*args)`` in the worker and returns its result; ``fn`` must be a
    module-level function and its arguments and result picklable. Jobs run one at a time, in
    the order they were sent, by a thread of this object. A worker that dies fails the job it
    was doing with :class:`WorkerLost`; the next job starts a new worker. With ``idle_exit_s``,
    a worker with nothing to do for that long ends (its memory goes back to the machine) and the
    next job starts a new one.

    >>> worker = KerasWorker()
    >>> worker.run(math.factorial, 5)
    120
    >>> worker.shutdown()
    """

    def __init__(self, *, niceness: int = INTERACTIVE_NICENESS, idle_exit_s: float | None = None) -> None:
        self._niceness = niceness
        self._idle_exit_s = idle_exit_s
        self._lock = threading.Lock()
        self._jobs: queue.Queue = queue.Queue()
        self._process: WorkerProcess | None = None
        self._once: dict[Any, tuple[Callable[..., Any], tuple[Any, ...], Future]] = {}
        self._closed = False
        self.starts = 0
        self._thread = threading.Thread(target=self._serve, name="annviz-keras-worker", daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future:
        """Send a job; its future gets the result (or the job's exception, or :class:`WorkerLost`)."""
        future: Future = Future()
        self._jobs.put((future, fn, args))
        return future

    def run(self, fn: Callable[..., Any], /, *args: Any, timeout: float = JOB_TIMEOUT_S) -> Any:
        """``fn(*args)`` computed in the worker; :class:`WorkerLost` if the worker died meanwhile."""
        return result_of(self.submit(fn, *args), timeout=timeout)

    def once(self, key: Any, fn: Callable[..., Any], /, *args: Any) -> Future:
        """A server-wide result: the first call sends ``fn(*args)``, later calls with ``key`` get its future.

        A job whose worker died is sent again (to the new worker) the next time it is asked for.
        """
        with self._lock:
            known = self._once.get(key)
            if known is not None:
                fn, args, future = known
                if not (future.done() and isinstance(future.exception(), WorkerLost)):
                    return future
            future = self.submit(fn, *args)
            self._once[key] = (fn, args, future)
            return future

    def pid(self) -> int:
        """The worker process's id (starts one if none is running)."""
        return self.run(os.getpid)

    def shutdown(self, timeout: float = 10.0) -> None:
        """End the worker process (jobs not yet started are dropped)."""
        self._closed = True
        self._jobs.put(None)
        self._thread.join(timeout)

    def _serve(self) -> None:
        while True:
            try:
                item = self._jobs.get(timeout=self._idle_exit_s)
            except queue.Empty:  # idle: give the process's memory back; the next job starts a new one
                if self._process is not None:
                    self._process.kill()
                    self._process = None
                continue
            if item is None or self._closed:
                break
            future, fn, args = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                if self._process is None or not self._process.alive():
                    self.starts += 1
                    self._process = launch("keras", niceness=self._niceness)
                self._process.connection.send((fn, args))
                ok, value = self._process.connection.recv()
            except WorkerLost as error:
                future.set_exception(error)
                continue
            except (EOFError, OSError) as error:
                self._process.kill()
                self._process = None
                lost = WorkerLost(
                    "The Keras worker process stopped in the middle of this job (it was killed or ran out of "
                    "memory). Nothing else was lost: try again, and a new worker will take it."
                )
                lost.__cause__ = error
                future.set_exception(lost)
                continue
            except Exception as error:  # the job itself could not be sent (it does not pickle)
                future.set_exception(error)
                continue
            (future.set_result if ok else future.set_exception)(value)
        if self._process is not None:
            self._process.kill()
            self._process = None


def result_of(future: Future, *, timeout: float = JOB_TIMEOUT_S) -> Any:
    """The future's result; waiting too long is said as :class:`WorkerLost`."""
    try:
        return future.result(timeout=timeout)
    except TimeoutError as error:
        raise WorkerLost(f"The Keras worker did not answer within {timeout:.0f} s; try again in a moment.") from error


# --- jobs run inside the Keras worker ---------------------------------------------------------
# Module-level functions, so a job pickles as a name. The caches below live in the worker process
# (each process has its own): a loaded model or a traced optimizer loop is made once per worker.


@functools.cache
def _shipped_model(name: str) -> Any:
    from annviz.pretrained import load_pretrained

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
    from annviz.race import KerasRunner
    from annviz.surfaces import SURFACES

    return KerasRunner(SURFACES[surface_key], optimizer, fixed)


def keras_race(surface_key: str, racers: tuple, start: tuple[float, float], steps: int) -> Any:
    """:func:`annviz.race.race_keras` with this worker's re-usable runners (TensorFlow never frees a traced loop)."""
    from annviz.race import keras_runner_settings, race_keras
    from annviz.surfaces import SURFACES

    return race_keras(
        SURFACES[surface_key], racers, start, steps,
        runner_for=lambda surface, racer: _keras_runner(surface.key, racer.optimizer, keras_runner_settings(racer)),
    )


def keras_param_count(spec: Any) -> int:
    """``model.count_params()`` of the Keras model the page's architecture builds."""
    from annviz.architecture import build_keras_model

    return int(build_keras_model(spec).count_params())


# --- trainings, each in its own process -------------------------------------------------------


@dataclass(frozen=True)
class TrainedMLP:
    """A trained MLP as NumPy arrays: what a training process hands back instead of a Keras model.

    ``probabilities(x)`` is the Keras model's ``predict(x)`` computed in NumPy (float32, the same
    operations; tests pin it to Keras), so the server needs no TensorFlow to use it.
    """

    layers: tuple
    #: Names this model in server-wide caches (two models never share one).
    token: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def input_shape(self) -> tuple[None, int]:
        return (None, int(self.layers[0].kernel.shape[0]))

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        from annviz.numpy_mlp import mlp_probabilities

        return mlp_probabilities(self.layers, x)

    def predict(self, x: np.ndarray, batch_size: int | None = None, verbose: int = 0) -> np.ndarray:
        """Keras's ``model.predict`` signature, so code written for a Keras model (the metrics'
        checked ``predict_test_set``) takes this one too; the whole batch runs at once in NumPy."""
        return self.probabilities(x)


def for_scaled_inputs(layers: tuple, config: TrainingConfig) -> tuple:
    """A trained MLP's layers for inputs divided by 255, as every page feeds a model.

    A run trained on raw 0…255 pixels computes f(W·x + b); with its first kernel times 255 it
    computes the same f((255·W)·(x/255) + b), so the other pages need not know how it was trained.
    """
    if config.scale_inputs:
        return layers
    first, *rest = layers
    return (replace(first, kernel=(first.kernel * np.float32(255)).astype(np.float32)), *rest)


#: Statuses of a training job, in the order it goes through them.
QUEUED, STARTING, RUNNING, EVALUATING, DONE, CANCELLED, FAILED = (
    "queued", "starting", "running", "evaluating", "done", "cancelled", "failed",
)
ACTIVE = (QUEUED, STARTING, RUNNING, EVALUATING)


@dataclass(frozen=True)
class JobSnapshot:
    """A consistent view of a :class:`TrainingJob` for one redraw of the page."""

    status: str  # one of QUEUED … FAILED
    progress: ProgressEvent | None
    result: TrainingResult | None  # result.model is a TrainedMLP
    report: EvaluationReport | None
    error: str
    waiting_s: float  # seconds in the queue so far
    position: int | None  # 1 = next to start; None once started
    expected_wait_s: float | None  # expected seconds until it starts, while queued
    #: Seconds from Start pressed to now, or to the end (queue, TensorFlow's start, fit and evaluation).
    elapsed_s: float = 0.0

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


def _serve_training(connection: Connection) -> None:
    """A training process: receive the config, fit with live progress, evaluate, send back NumPy weights.

    A ``"stop"`` message (or the server's end closing) asks the fit to stop, as the Stop button does.
    """
    config: TrainingConfig = connection.recv()
    stop = threading.Event()

    def listen() -> None:
        try:
            while connection.recv() != "stop":
                pass
        except (EOFError, OSError):
            pass
        stop.set()

    threading.Thread(target=listen, daemon=True).start()
    send_lock = threading.Lock()

    def send(*message: Any) -> None:
        with send_lock:
            connection.send(message)

    try:
        import keras  # noqa: F401  (the ~5 s of "starting")

        from annviz.numpy_mlp import dense_layers

        import tensorflow as tf

        data = prepare_training_data()
        # model.fit copies NumPy inputs into TensorFlow tensors. Handing it the tensor made here
        # and dropping the NumPy images keeps one copy of them instead of two (~220 MB less per
        # training at the lecture's setting); the batches and weights are the same (tested).
        data = replace(data, x_train=tf.constant(data.x_train[: config.subset_size]))
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


def _death_sentence(exitcode: int | None) -> str:
    """Why a training process ended without a result, in a sentence.

    >>> _death_sentence(-9)
    'The training process was killed (signal 9), most often because the server ran out of memory; nothing was saved. Start it again, perhaps with a smaller network or subset.'
    """
    if exitcode is not None and exitcode < 0:
        return (
            f"The training process was killed (signal {-exitcode}), most often because the server ran out of "
            "memory; nothing was saved. Start it again, perhaps with a smaller network or subset."
        )
    return f"The training process ended unexpectedly (exit code {exitcode}); nothing was saved. Start it again."


#: Expected length of a training before this server has timed one: the lecture's setting
#: (109,386 parameters, 54,000 images, 10 epochs) fits in about 10 s here (one TensorFlow
#: thread), plus ~9 s to start a process with TensorFlow, load MNIST and evaluate. Replaced by
#: the server's own measurements as runs end.
DEFAULT_SECONDS_PER_UNIT = 10.0 / (109_386 * 54_000 * 10)
DEFAULT_OVERHEAD_S = 9.0
MIN_CALIBRATION_WORK = 5e9


#: Memory one more training needs: its process peaked at ~800 MB (Pss) with the lecture's
#: setting here (TensorFlow, the images, Keras's copies), plus a margin.
TRAINING_MEMORY_BYTES = 900 * 2**20
#: The container's memory limit and use (cgroup v2, then v1); no file means no limit is known.
CGROUP_MEMORY_FILES = (
    (Path("/sys/fs/cgroup/memory.max"), Path("/sys/fs/cgroup/memory.current")),
    (Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"), Path("/sys/fs/cgroup/memory/memory.usage_in_bytes")),
)


#: The container's CPU quota (cgroup v2 ``cpu.max``, then v1's quota and period files).
CGROUP_CPU_FILES = (
    (Path("/sys/fs/cgroup/cpu.max"), None),
    (Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"), Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us")),
)


def usable_cpus(files: Sequence[tuple[Path, Path | None]] = CGROUP_CPU_FILES, visible: int | None = None) -> int:
    """Cores this process may use: the CPUs it may run on, capped by the container's CPU quota.

    A container on a large host sees all the host's CPUs (``os.cpu_count()``); its cgroup quota
    (``cpu.max`` = "200000 100000" is 2 cores) is what it gets. A quota that is not a whole
    number of cores counts the part core as one.

    >>> usable_cpus(files=(), visible=2)
    2
    """
    if visible is None:
        visible = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    for quota_file, period_file in files:
        try:
            words = quota_file.read_text().split()
            if period_file is not None:
                words = [words[0], period_file.read_text().strip()]
        except (OSError, IndexError):
            continue
        if len(words) != 2 or words[0] in ("max", "-1"):
            return max(1, visible)
        try:
            quota, period = int(words[0]), int(words[1])
        except ValueError:
            continue
        if quota > 0 and period > 0:
            return max(1, min(visible, math.ceil(quota / period)))
    return max(1, visible)


#: The environment variable that sets a server's training slots by hand (:func:`training_slots`).
SLOTS_VARIABLE = "ANNVIZ_TRAINING_SLOTS"
#: The environment variable that says how many replicas share the cores this server sees
#: (several ``streamlit run`` processes on one machine behind a load balancer; ``deploy/``).
REPLICAS_VARIABLE = "ANNVIZ_REPLICAS"


def _whole_number(text: str | None) -> int | None:
    """``text`` as a whole number from 1, or None (unset, empty, zero, negative, not a number)."""
    if text is not None and re.fullmatch(r"\s*[0-9]{1,4}\s*", text) and int(text) >= 1:
        return int(text)
    return None


def training_slots(cpus: int, override: str | None = None, replicas: str | None = None) -> int:
    """Trainings that run at once on a server: its share of the cores its replicas' page runs leave free.

    slots = max(1, (cpus − replicas) // replicas)

    A training is CPU-bound on one TensorFlow thread (:data:`TRAINING_THREADS`) and a server's
    page runs are GIL-bound on about one core: two trainings on two cores take a core each and
    leave the class's page runs only what they yield. So a 2-core server (Community Cloud) trains
    one at a time and the others wait in line, told how long (``bench/class_load.py`` measures
    both ways). ``replicas`` (``ANNVIZ_REPLICAS``) servers sharing the same ``cpus`` each keep
    one core for their page runs and split the rest; each still trains at least one at a time,
    as a training queue is a server's own (so 2 replicas on 2 cores may train 2 at once: give
    replicas 2 cores each to avoid it). ``override`` (``ANNVIZ_TRAINING_SLOTS``) sets it by
    hand. Either counts only if it is a whole number from 1.

    >>> training_slots(2), training_slots(1), training_slots(8), training_slots(2, "3"), training_slots(2, "many")
    (1, 1, 7, 3, 1)
    >>> training_slots(8, replicas="2"), training_slots(16, replicas="3"), training_slots(2, replicas="2"), training_slots(8, "1", "2")
    (3, 4, 1, 1)
    """
    chosen = _whole_number(override)
    if chosen is not None:
        return chosen
    sharing = _whole_number(replicas) or 1
    return max(1, (cpus - sharing) // sharing)


def configured_training_slots() -> int:
    """This server's training slots: :func:`training_slots` of its usable cores, ``$ANNVIZ_TRAINING_SLOTS`` and ``$ANNVIZ_REPLICAS``."""
    return training_slots(usable_cpus(), os.environ.get(SLOTS_VARIABLE), os.environ.get(REPLICAS_VARIABLE))


def memory_headroom_bytes() -> int | None:
    """Bytes the container may still use before its memory limit, or None when it has no limit.

    Community Cloud runs the app in a container capped at 2.7 GB, and the kernel kills a process
    of it when the cap is reached: a training starts only when there is room for it.
    """
    for limit_file, usage_file in CGROUP_MEMORY_FILES:
        try:
            limit_text, usage = limit_file.read_text().strip(), int(usage_file.read_text())
        except (OSError, ValueError):
            continue
        if limit_text == "max" or int(limit_text) >= 2**60:
            return None
        return int(limit_text) - usage
    return None


def training_work(config: TrainingConfig) -> float:
    """A training's size for time estimates: parameters × training images × epochs.

    >>> training_work(TrainingConfig())
    59068440000.0
    """
    return float(count_model_params(config.model)) * config.train_size * config.epochs


class TrainingJob:
    """One training: queued in a :class:`TrainingService`, then run in its own process.

    The page keeps it in its session and reads :meth:`snapshot`; :meth:`request_stop` ends the
    fit within one call of Keras's train function (the model so far is evaluated and kept), or
    cancels it while it is queued or still starting.
    """

    def __init__(self, service: "TrainingService", config: TrainingConfig, owner: str, alive: Callable[[], bool] | None) -> None:
        self.config = config
        self.owner = owner
        self.alive = alive
        #: Names this job for the session that keeps it (``id()`` is reused after garbage collection).
        self.job_id = uuid.uuid4().hex
        self._service = service
        self._lock = threading.Lock()
        self._status = QUEUED
        self._progress: ProgressEvent | None = None
        self._result: TrainingResult | None = None
        self._report: EvaluationReport | None = None
        self._error = ""
        self._created = time.monotonic()
        self._started: float | None = None
        self._ended: float | None = None
        self._process: WorkerProcess | None = None
        self.pid: int | None = None

    # The page's side

    def request_stop(self) -> None:
        """Stop: the fit ends within one train-function call; queued or starting, it is cancelled."""
        self._service.stop(self, "Stopped before training began: nothing was trained.")

    def snapshot(self) -> JobSnapshot:
        position, expected = self._service.queue_place(self)
        with self._lock:
            now = time.monotonic()
            waiting = (self._started or now) - self._created
            elapsed = (self._ended or now) - self._created
            return JobSnapshot(
                self._status, self._progress, self._result, self._report, self._error, waiting, position, expected, elapsed
            )

    def join(self, timeout: float | None = None) -> bool:
        """Wait until the job has ended; True if it has."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.status in ACTIVE:
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    @property
    def status(self) -> str:
        with self._lock:
            return self._status

    def remaining_s(self, seconds_per_unit: float, overhead_s: float) -> float:
        """Expected seconds until this job ends (its own ETA once it reports one)."""
        with self._lock:
            progress, status = self._progress, self._status
        if progress is not None and progress.eta_s is not None:
            return progress.eta_s + 1.0  # evaluation and the process's exit
        estimate = training_work(self.config) * seconds_per_unit + overhead_s
        if status in (STARTING, RUNNING) and self._started is not None:
            return max(1.0, estimate - (time.monotonic() - self._started))
        return estimate

    # The service's side

    def _set(self, **changes: Any) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(self, f"_{name}", value)
            if self._status not in ACTIVE and self._ended is None:
                self._ended = time.monotonic()

    def _run(self, niceness: int) -> None:
        """Start the process and follow its messages until it ends (in the job's own thread)."""
        worker = launch("train", niceness=niceness, threads=TRAINING_THREADS)
        with self._lock:
            cancelled = self._status != STARTING  # cancelled while its process was starting
            self._process, self.pid = worker, worker.pid
        if cancelled:
            worker.kill()
            return
        connection = worker.connection
        try:
            connection.send(self.config)
            while self.status in ACTIVE:
                if not connection.poll(0.25):
                    continue
                if self._handle(connection.recv()):
                    break
        except (EOFError, OSError):  # the process died (killed, out of memory) or was cancelled
            worker.process.wait()
            if self.status in ACTIVE:
                self._set(status=FAILED, error=_death_sentence(worker.process.returncode))
        finally:
            self._service._release(self)  # the next in line starts while this process exits
            try:
                worker.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            worker.kill()

    def _send_stop(self) -> None:
        with self._lock:
            worker = self._process
        if worker is not None:
            try:
                worker.connection.send("stop")
            except OSError:
                pass

    def _handle(self, message: tuple) -> bool:
        """Apply one message from the process; True when it was the last one."""
        kind = message[0]
        if self.status not in ACTIVE:
            return kind in ("done", "failed")
        if kind == "status":
            self._set(status=message[1])
        elif kind == "progress":
            self._set(progress=message[1])
        elif kind == "done":
            self._set(status=DONE, result=message[1], report=message[2])
            self._service._finished(self, message[1])
            return True
        elif kind == "failed":
            self._set(status=FAILED, error=message[1])
            return True
        return False


class TrainingService:
    """Trainings of a whole server: at most ``limit`` processes at once, the rest first come, first served.

    :meth:`submit` queues a training for an ``owner`` (a session): an owner has at most one
    active training, so a second Start returns the first. The next in line starts when a slot is
    free and, under a memory limit, ``headroom()`` leaves room for it (``TRAINING_MEMORY_BYTES``). ``alive()``, when given, says whether
    the owner is still connected; a job whose owner has been gone for ``grace_s`` seconds is
    cancelled (its process is killed, its slot freed).
    """

    def __init__(
        self, limit: int, *, niceness: int = BATCH_NICENESS, grace_s: float = 4.0, watch_s: float = 1.0,
        headroom: Callable[[], int | None] = memory_headroom_bytes,
    ) -> None:
        if limit < 1:
            raise InputError("The training service must allow at least one training at once.")
        self.limit = limit
        self._niceness = niceness
        self._grace_s = grace_s
        self._watch_s = watch_s
        self._headroom = headroom
        self._lock = threading.Condition()
        self._queue: list[TrainingJob] = []
        self._running: list[TrainingJob] = []
        self._gone_since: dict[int, float] = {}
        self._seconds_per_unit = DEFAULT_SECONDS_PER_UNIT
        self._overhead_s = DEFAULT_OVERHEAD_S
        self._closed = False
        self._threads = itertools.count(1)
        threading.Thread(target=self._dispatch, name="annviz-training-dispatch", daemon=True).start()
        threading.Thread(target=self._watch, name="annviz-training-watch", daemon=True).start()

    # Public

    def submit(self, config: TrainingConfig, *, owner: str, alive: Callable[[], bool] | None = None) -> TrainingJob:
        with self._lock:
            for job in self._queue + self._running:
                if job.owner == owner and job.status in ACTIVE:
                    return job
            job = TrainingJob(self, config, owner, alive)
            self._queue.append(job)
            if len(self._queue) == 1 and len(self._running) < self.limit and self._room():
                self._start_next()  # a free slot: starting now, never "queued" for a moment
            self._lock.notify_all()
            return job

    def stop(self, job: TrainingJob, reason: str) -> None:
        """Stop a running fit (it ends and is evaluated), or cancel a job not yet training."""
        with self._lock:
            if job in self._queue:
                self._queue.remove(job)
                job._set(status=CANCELLED, error="Cancelled while queued: nothing was trained.")
                self._lock.notify_all()
                return
        if job.status == STARTING:  # still loading TensorFlow: nothing to keep, end it now
            self._kill(job, reason)
        else:
            job._send_stop()

    @property
    def running(self) -> int:
        with self._lock:
            return len(self._running)

    @property
    def queued(self) -> int:
        with self._lock:
            return len(self._queue)

    def queue_place(self, job: TrainingJob) -> tuple[int | None, float | None]:
        """The job's place in the queue (1 = next) and the expected seconds until it starts.

        Each slot frees when its job's expected end comes (its ETA, or its size times this
        server's measured seconds per unit of :func:`training_work`); queued jobs take the
        earliest free slot in order.
        """
        with self._lock:
            if job not in self._queue:
                return None, None
            ahead = self._queue[: self._queue.index(job)]
            running = list(self._running)
            rate, overhead = self._seconds_per_unit, self._overhead_s
        slots = [other.remaining_s(rate, overhead) for other in running]
        slots += [0.0] * (self.limit - len(slots))
        heapq.heapify(slots)
        for other in ahead:
            heapq.heappush(slots, heapq.heappop(slots) + other.remaining_s(rate, overhead))
        return len(ahead) + 1, max(0.0, slots[0])

    def close(self) -> None:
        """Cancel everything and stop the service's threads (tests, server shutdown)."""
        with self._lock:
            self._closed = True
            jobs = self._queue + self._running
            self._lock.notify_all()
        for job in jobs:
            self._kill(job, "The server is shutting down.")

    # Inside

    def _room(self) -> bool:
        headroom = self._headroom()
        return headroom is None or headroom >= TRAINING_MEMORY_BYTES

    def short_of_memory(self) -> bool:
        """True while a slot is free but the machine's memory keeps the next training waiting."""
        with self._lock:
            return len(self._running) < self.limit and not self._room()

    def _kill(self, job: TrainingJob, reason: str) -> None:
        with self._lock:
            if job in self._queue:
                self._queue.remove(job)
        with job._lock:
            if job._status not in ACTIVE:
                return
            job._status, job._error, job._ended = CANCELLED, reason, time.monotonic()
            worker = job._process
        if worker is not None and worker.alive():
            worker.process.kill()
        self._release(job)

    def _release(self, job: TrainingJob) -> None:
        with self._lock:
            if job in self._running:
                self._running.remove(job)
                self._lock.notify_all()

    def _finished(self, job: TrainingJob, result: TrainingResult) -> None:
        # Only runs big enough that the fixed cost of tracing does not dominate tell the rate.
        if result.seconds > 1 and result.history.epochs and training_work(job.config) >= MIN_CALIBRATION_WORK:
            done = sum(row.complete for row in result.history.epochs) or 1
            work = training_work(job.config) * done / job.config.epochs
            overhead = time.monotonic() - (job._started or time.monotonic()) - result.seconds
            with self._lock:
                self._seconds_per_unit = result.seconds / work
                self._overhead_s = max(0.0, overhead)

    def _dispatch(self) -> None:
        while True:
            with self._lock:
                while not self._closed and not (self._queue and len(self._running) < self.limit and self._room()):
                    self._lock.wait(timeout=1.0)  # memory frees without a notification: look again
                if self._closed:
                    return
                self._start_next()

    def _start_next(self) -> None:
        """The queue's first job gets a slot and its process is started (the caller holds the lock)."""
        job = self._queue.pop(0)
        self._running.append(job)
        job._set(status=STARTING, started=time.monotonic())
        threading.Thread(target=self._follow, args=(job,), name=f"annviz-training-{next(self._threads)}", daemon=True).start()

    def _follow(self, job: TrainingJob) -> None:
        try:
            job._run(self._niceness)
        except Exception as error:  # starting a process can fail (no memory): a sentence, a free slot
            job._set(status=FAILED, error=f"The training process could not be started ({type(error).__name__}: {error}).")
        finally:
            self._release(job)

    def _watch(self) -> None:
        """Cancel the jobs of owners that went away (closed the tab, lost the connection)."""
        while True:
            time.sleep(self._watch_s)
            with self._lock:
                if self._closed:
                    return
                jobs = [job for job in self._queue + self._running if job.alive is not None]
            now = time.monotonic()
            for job in jobs:
                try:
                    alive = job.alive()
                except Exception:
                    alive = False
                if alive:
                    self._gone_since.pop(id(job), None)
                    continue
                since = self._gone_since.setdefault(id(job), now)
                if now - since >= self._grace_s:
                    self._gone_since.pop(id(job), None)
                    self._kill(job, "Cancelled: the session that started it went away.")


def expected_wait_sentence(snapshot: JobSnapshot, running: int, limit: int, *, short_of_memory: bool = False) -> str:
    """What a queued student reads.

    >>> snap = JobSnapshot("queued", None, None, None, "", 3.0, 2, 41.0)
    >>> expected_wait_sentence(snap, 2, 2)
    'Queued: 2 trainings are running on this server, the most it allows at once. You are number 2 in line; expected start in about 41 s (waiting 3 s so far).'
    >>> expected_wait_sentence(JobSnapshot("queued", None, None, None, "", 1.0, 1, 5.0), 1, 2, short_of_memory=True)
    'Queued: 1 training is running on this server and its memory has no room for another yet. You are next in line (waiting 1 s so far).'
    """
    place = "next in line" if snapshot.position == 1 else f"number {snapshot.position} in line"
    unknown = short_of_memory or snapshot.expected_wait_s is None  # memory frees on no schedule
    expected = "" if unknown else f"; expected start in about {format_seconds(snapshot.expected_wait_s)}"
    trainings = f"{running} training is running" if running == 1 else f"{running} trainings are running"
    why = "its memory has no room for another yet" if short_of_memory else "the most it allows at once"
    joiner = " and " if short_of_memory else ", "
    return (
        f"Queued: {trainings} on this server{joiner}{why}. "
        f"You are {place}{expected} (waiting {format_seconds(snapshot.waiting_s)} so far)."
    )


def _main(role: str, host: str, port: str, niceness: str) -> None:
    """``python -m annviz.serving ROLE HOST PORT NICENESS``: a worker, connected back to its server."""
    _lower_priority(int(niceness))
    try:
        connection = _connect(host, port)
    except OSError:  # the server went away before this process was up: nobody to serve
        raise SystemExit(1) from None
    (_serve_jobs if role == "keras" else _serve_training)(connection)


if __name__ == "__main__":
    # Run the imported module's code, not this __main__ copy: what the worker pickles (a
    # TrainedMLP, a job's result) must name annviz.serving, which the server can unpickle.
    from annviz import serving

    serving._main(*sys.argv[1:])
