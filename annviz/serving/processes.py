"""Starting worker processes and talking to them.

Each worker is a fresh interpreter started with ``subprocess`` (``python -m annviz.serving ROLE``)
that connects back over ``multiprocessing.connection`` (localhost, an HMAC key made per process)
and exchanges pickled messages. Not ``multiprocessing``'s own "spawn" start: it re-runs the
parent's ``__main__`` module in the child, and inside a Streamlit script run ``__main__`` is the
page being run. Never ``fork``: the server never loads TensorFlow, and a process that has loaded
it must not be forked. Workers lower their own scheduling priority (``os.nice``), so a page run of
the server wins the CPU, and they end as soon as their server has gone (:func:`end_with_parent`),
even in the middle of a job.

A worker that dies or hangs under a job is said as a sentence the pages show like any input error:

>>> issubclass(WorkerLost, ValueError)
True
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, Listener
from pathlib import Path

from annviz.errors import InputError

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
#: A job that runs out of it has its worker killed (:class:`annviz.serving.keras_worker.KerasWorker`).
JOB_TIMEOUT_S = 180.0


class WorkerLost(InputError):
    """A worker process died under a job: said as a sentence, like annviz's other InputErrors."""



#: The folder that holds the ``annviz`` package, put on a worker's import path.
PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
#: Seconds a new process may take to connect back before it counts as failed to start.
CONNECT_TIMEOUT_S = 60.0


def lower_priority(niceness: int) -> None:
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



def connect_back(host: str, port: str) -> Connection:
    from multiprocessing.connection import Client

    return Client((host, int(port)), authkey=bytes.fromhex(os.environ.pop("ANNVIZ_WORKER_KEY")))


#: Seconds between a worker's looks at whether its server is still there.
PARENT_WATCH_S = 0.5


def end_with_parent(parent: int) -> None:
    """End this process as soon as ``parent`` (the server that started it) is gone.

    A worker blocked in a long job (TensorFlow holds the GIL only between operations, so a
    thread still runs) would otherwise live on until the job ends, at a low priority, for
    minutes after its server was stopped. Linux's ``PR_SET_PDEATHSIG`` would do it without a
    thread, but it is not portable; a parent id that changes (re-parented to init) is.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_WATCH_S)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="annviz-parent-watch", daemon=True).start()


def main(role: str, host: str, port: str, niceness: str) -> None:
    """``python -m annviz.serving ROLE HOST PORT NICENESS``: a worker, connected back to its server."""
    end_with_parent(os.getppid())
    lower_priority(int(niceness))
    try:
        connection = connect_back(host, port)
    except OSError:  # the server went away before this process was up: nobody to serve
        raise SystemExit(1) from None
    if role == "keras":
        from annviz.serving.keras_worker import serve_jobs

        serve_jobs(connection)
    else:
        from annviz.serving.training_process import serve_training

        serve_training(connection)
