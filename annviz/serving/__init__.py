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

One module per job:

- :mod:`~annviz.serving.processes`: starting worker processes and talking to them;
- :mod:`~annviz.serving.keras_worker`: the Keras worker for small jobs;
- :mod:`~annviz.serving.jobs`: the jobs run inside it;
- :mod:`~annviz.serving.keras_race`, :mod:`~annviz.serving.keras_models`,
  :mod:`~annviz.serving.keras_training`: the Keras code itself (the only place outside the maths
  modules' own small Keras checks that imports Keras; ``tests/test_architecture_rules.py`` says so);
- :mod:`~annviz.serving.trained_model`: a trained model as NumPy arrays;
- :mod:`~annviz.serving.limits`: the container's CPU and memory limits;
- :mod:`~annviz.serving.training_process` and :mod:`~annviz.serving.training_queue`: a training's
  process and the queue of them.

Importing this package imports no Keras. Nothing here imports Streamlit; the pages reach it
through ``pages/_serving.py``.
"""

from annviz.serving.jobs import keras_param_count, keras_race, shipped_shift_curves, shipped_test_accuracy
from annviz.serving.keras_worker import KerasWorker, result_of
from annviz.serving.limits import (
    CGROUP_CPU_FILES,
    CGROUP_MEMORY_FILES,
    REPLICAS_VARIABLE,
    SLOTS_VARIABLE,
    TRAINING_MEMORY_BYTES,
    configured_training_slots,
    memory_headroom_bytes,
    training_slots,
    usable_cpus,
)
from annviz.serving.processes import (
    BACKGROUND_NICENESS,
    BATCH_NICENESS,
    INTERACTIVE_NICENESS,
    JOB_TIMEOUT_S,
    PROJECT_ROOT,
    TRAINING_THREADS,
    WorkerLost,
    WorkerProcess,
    launch,
)
from annviz.serving.trained_model import TrainedMLP, for_scaled_inputs
from annviz.serving.training_queue import (
    ACTIVE,
    CANCELLED,
    DONE,
    EVALUATING,
    FAILED,
    QUEUED,
    RUNNING,
    STARTING,
    JobSnapshot,
    TrainingJob,
    TrainingService,
    expected_wait_sentence,
    training_work,
)

__all__ = [
    "ACTIVE", "BACKGROUND_NICENESS", "BATCH_NICENESS", "CANCELLED", "CGROUP_CPU_FILES", "CGROUP_MEMORY_FILES", "DONE",
    "EVALUATING", "FAILED", "INTERACTIVE_NICENESS", "JOB_TIMEOUT_S", "PROJECT_ROOT", "QUEUED", "REPLICAS_VARIABLE",
    "RUNNING", "SLOTS_VARIABLE", "STARTING", "TRAINING_MEMORY_BYTES", "TRAINING_THREADS", "JobSnapshot", "KerasWorker",
    "TrainedMLP", "TrainingJob", "TrainingService", "WorkerLost", "WorkerProcess", "configured_training_slots",
    "expected_wait_sentence", "for_scaled_inputs", "keras_param_count", "keras_race", "launch", "memory_headroom_bytes",
    "result_of", "shipped_shift_curves", "shipped_test_accuracy", "training_slots", "training_work", "usable_cpus",
]
