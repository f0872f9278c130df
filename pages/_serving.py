"""The server's one Keras worker and training service, and what the pages ask of them.

The Streamlit process never imports TensorFlow (``annviz.serving`` says why): every Keras job
goes to the long-lived worker, every training to a process of its own. The server-wide
measurements of the shipped models (:data:`BACKGROUND`) are sent to a second worker as soon as
the first session opens any page, so they are usually ready before a student asks for them; that
worker ends once they are done.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import Future
from typing import Any, Callable

import streamlit as st
from streamlit.runtime import get_instance
from streamlit.runtime.scriptrunner import get_script_run_ctx

from annviz import serving
from pages._identity import student_token

#: Trainings running at once on this server: one per core the page runs leave free (1 on
#: Community Cloud's 2 cores; ``serving.training_slots`` says why), or ``ANNVIZ_TRAINING_SLOTS``.
MAX_TRAININGS = serving.configured_training_slots()
#: Measured once per server in the background, in this order (the pages' first needs first).
BACKGROUND = {
    "curves_mlp": (serving.shipped_shift_curves, "mlp"),
    "curves_cnn": (serving.shipped_shift_curves, "cnn"),
    "accuracy_mlp": (serving.shipped_test_accuracy, "mlp"),
    "accuracy_mlp_shuffled": (serving.shipped_test_accuracy, "mlp_shuffled"),
    "accuracy_cnn": (serving.shipped_test_accuracy, "cnn"),
    "accuracy_cnn_shuffled": (serving.shipped_test_accuracy, "cnn_shuffled"),
}


#: Seconds between looks at a measurement still under way.
MEASUREMENT_POLL_S = 1.0
#: The measurements' worker ends this many seconds after its last job: measuring the CNN on the
#: shifted test set leaves ~300 MB in a process, which a server running a training needs back.
MEASUREMENTS_IDLE_EXIT_S = 5.0


#: The small jobs' worker ends after this long without a job (~0.7 GB back for trainings); the
#: next Keras action starts it again, which takes about 5 s.
KERAS_IDLE_EXIT_S = 300.0
#: Pages (url paths) with a Keras action. Opening one starts the worker in the background if it is
#: not running, so the student's first "check with Keras" or Keras race does not wait for it to
#: start (5 s on a quiet server, 27 s measured under a class); while students keep opening such
#: pages it stays warm, and 300 s after the last it ends as before (memory back for trainings).
KERAS_PAGES = frozenset({"neuron", "layers", "activations", "optimizers"})
#: A page run on a Keras page sends the worker a no-op at most this often (it stays warm for
#: ``KERAS_IDLE_EXIT_S`` after each).
KERAS_WARM_EVERY_S = 60.0


@st.cache_resource(show_spinner=False)
def keras_worker() -> serving.KerasWorker:
    """The worker for a student's small Keras jobs (a "check with Keras", a race with keras.optimizers)."""
    return serving.KerasWorker(idle_exit_s=KERAS_IDLE_EXIT_S)


@st.cache_resource(show_spinner=False)
def measurements_worker() -> serving.KerasWorker:
    """A second worker for the server-wide measurements, started with them and ended after them."""
    worker = serving.KerasWorker(niceness=serving.BACKGROUND_NICENESS, idle_exit_s=MEASUREMENTS_IDLE_EXIT_S)
    for key, (job, *args) in BACKGROUND.items():
        worker.once(key, job, *args)
    return worker


#: Seconds a student's session may be gone before they stop watching their run: a reload or a
#: phone's reconnect comes back well within it and finds the run again (by the student token).
SESSION_GRACE_S = 20.0


@st.cache_resource(show_spinner=False)
def training_service() -> serving.TrainingService:
    """The server's runs: one per setting, shared; a warm training process waits ready where memory allows."""
    return serving.TrainingService(MAX_TRAININGS, grace_s=SESSION_GRACE_S, warm=True)


class _Warmth:
    """When the Keras worker was last sent a no-op to keep it (or get it) started."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent_at = float("-inf")


@st.cache_resource(show_spinner=False)
def _keras_warmth() -> _Warmth:
    return _Warmth()


def keep_keras_warm(now: float | None = None) -> bool:
    """Send the Keras worker a no-op (which starts it if it is not running), at most once per
    :data:`KERAS_WARM_EVERY_S` for the whole server; returns whether this call sent one.
    Never waits: the worker starts in its own thread while the page runs on."""
    now = time.monotonic() if now is None else now
    warmth = _keras_warmth()
    with warmth.lock:
        if now - warmth.sent_at < KERAS_WARM_EVERY_S:
            return False
        warmth.sent_at = now
    keras_worker().submit(os.getpid)
    return True


def start_background_work(page: str = "") -> None:
    """Start the server-wide measurements, and the Keras worker when ``page`` (a url path) has a
    Keras action (app.py calls this on every run; cheap after the first)."""
    measurements_worker()
    if page in KERAS_PAGES:
        keep_keras_warm()


def keras_job(job: Callable[..., Any], *args: Any, spinner: str = "Asking Keras…") -> Any:
    """``job(*args)`` in the Keras worker, under a spinner; a dead worker is a sentence (WorkerLost)."""
    with st.spinner(spinner):
        return keras_worker().run(job, *args)


def _measurements(keys: list[str]) -> list[Future]:
    """The futures of :data:`BACKGROUND`'s ``keys`` (sent to the measurements worker if not yet)."""
    worker = measurements_worker()
    return [worker.once(key, *BACKGROUND[key]) for key in keys]


def when_measured(keys: list[str], label: str, draw: Callable[[list[Any]], None]) -> None:
    """``draw(results)`` once :data:`BACKGROUND`'s ``keys`` are measured; until then a progress
    bar in a fragment that looks again every second, so the rest of the page is not held up."""
    futures = _measurements(keys)
    ready = all(future.done() for future in futures)

    def part() -> None:
        done = sum(future.done() for future in futures)
        if done < len(futures):
            st.progress(done / len(futures), text=f"{label} (once per server, in the background): {done}/{len(futures)}")
        elif not ready:  # measured since this part began polling: one full run draws it and ends the polling
            st.rerun(scope="app")
        else:
            draw([serving.result_of(future) for future in futures])

    st.fragment(part, run_every=None if ready else MEASUREMENT_POLL_S)()


def session_owner() -> tuple[str, Callable[[], bool] | None]:
    """The student's reload-surviving token (``pages._identity``) and a probe that says whether this
    session is still connected.

    The training service stops watching for a student whose session has gone (a closed tab) and
    stops a run nobody watches, so it never holds a slot for nobody; a reload comes back with the
    same token and finds its runs. ``Runtime.is_active_session`` is Streamlit's thread-safe
    query for exactly that; the session id comes from the script run's context.
    """
    owner = student_token()
    ctx = get_script_run_ctx()
    if ctx is None:
        return owner, None
    session_id = ctx.session_id
    try:
        runtime = get_instance()
    except RuntimeError:  # no server around this run: nobody can go away
        return owner, None
    return owner, lambda: runtime.is_active_session(session_id)
