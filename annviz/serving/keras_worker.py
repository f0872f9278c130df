"""The Keras worker: one long-lived process for the small Keras jobs, restarted when it dies or hangs.

The small jobs are the "check with Keras" buttons, the optimizer race with ``keras.optimizers``
and the shipped models' test-set measurements (:mod:`annviz.serving.jobs`). :meth:`KerasWorker.once`
keeps server-wide results computed once, in the background. A worker killed mid-job (SIGKILL, out
of memory) turns into :class:`~annviz.serving.processes.WorkerLost`, a sentence for the page; a
job that runs out of its time has its worker killed, so one hung job never blocks the next
student's check for longer than a worker's restart. The next job starts a new worker.
"""

from __future__ import annotations

import itertools
import os
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, Callable

from annviz.serving.processes import INTERACTIVE_NICENESS, JOB_TIMEOUT_S, WorkerLost, WorkerProcess, launch


def serve_jobs(connection: Connection) -> None:
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


@dataclass
class _Job:
    """A job in the worker's queue, named by its own number (never ``id()``, which is reused)."""

    number: int
    future: Future
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    #: Seconds the job may run in the worker before the worker is killed under it.
    timeout_s: float
    given_up: threading.Event = field(default_factory=threading.Event)


def timed_out_sentence(timeout_s: float) -> str:
    """What a student reads when a Keras job ran out of its time.

    >>> timed_out_sentence(180)
    'The Keras worker did not answer within 180 s; it was restarted: try again in a moment.'
    """
    return f"The Keras worker did not answer within {timeout_s:.0f} s; it was restarted: try again in a moment."


class KerasWorker:
    """One long-lived worker process for small Keras jobs, restarted after it dies or hangs.

    ``run(fn, *args)`` calls ``fn(*args)`` in the worker and returns its result; ``fn`` must be a
    module-level function and its arguments and result picklable. Jobs run one at a time, in
    the order they were sent, by a thread of this object. A worker that dies fails the job it
    was doing with :class:`WorkerLost`; a job that takes longer than its timeout (``run``'s, or
    ``job_timeout_s`` for a :meth:`submit`) has its worker killed and fails the same way. The
    next job starts a new worker. With ``idle_exit_s``, a worker with nothing to do for that long
    ends (its memory goes back to the machine) and the next job starts a new one.

    >>> worker = KerasWorker()
    >>> worker.run(abs, -5)
    5
    >>> worker.shutdown()
    """

    def __init__(
        self, *, niceness: int = INTERACTIVE_NICENESS, idle_exit_s: float | None = None, job_timeout_s: float = JOB_TIMEOUT_S,
    ) -> None:
        self._niceness = niceness
        self._idle_exit_s = idle_exit_s
        self._job_timeout_s = job_timeout_s
        self._lock = threading.Lock()
        self._jobs: queue.Queue = queue.Queue()
        self._numbers = itertools.count(1)
        self._process: WorkerProcess | None = None
        self._once: dict[Any, tuple[Callable[..., Any], tuple[Any, ...], Future]] = {}
        self._closed = False
        self.starts = 0
        self._thread = threading.Thread(target=self._serve, name="annviz-keras-worker", daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[..., Any], /, *args: Any, timeout: float | None = None) -> Future:
        """Send a job; its future gets the result (or the job's exception, or :class:`WorkerLost`)."""
        return self._submit(fn, args, timeout).future

    def _submit(self, fn: Callable[..., Any], args: tuple[Any, ...], timeout: float | None) -> _Job:
        job = _Job(next(self._numbers), Future(), fn, args, self._job_timeout_s if timeout is None else timeout)
        self._jobs.put(job)
        return job

    def run(self, fn: Callable[..., Any], /, *args: Any, timeout: float = JOB_TIMEOUT_S) -> Any:
        """``fn(*args)`` computed in the worker; :class:`WorkerLost` if the worker died or the job
        ran out of ``timeout`` seconds (counted from now: the queue's wait included), in which case
        the worker is killed under it and the next job gets a new one."""
        job = self._submit(fn, args, timeout)
        try:
            return result_of(job.future, timeout=timeout)
        except WorkerLost:
            job.given_up.set()  # the serving thread kills the worker if this job is still running
            raise

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
        process = self._process
        if process is not None:  # a job in progress ends now, not when it is done
            process.process.kill()
        self._thread.join(timeout)

    def _end_process(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process = None

    def _serve(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=self._idle_exit_s)
            except queue.Empty:  # idle: give the process's memory back; the next job starts a new one
                self._end_process()
                continue
            if job is None or self._closed:
                break
            if job.given_up.is_set() or not job.future.set_running_or_notify_cancel():
                continue
            self._do(job)
        self._end_process()

    def _do(self, job: _Job) -> None:
        future = job.future
        try:
            if self._process is None or not self._process.alive():
                self.starts += 1
                self._process = launch("keras", niceness=self._niceness)
            connection = self._process.connection
            connection.send((job.fn, job.args))
            deadline = time.monotonic() + job.timeout_s
            while not connection.poll(0.05):
                if job.given_up.is_set() or time.monotonic() > deadline or self._closed:
                    self._end_process()  # a hung job: the next one gets a fresh worker
                    future.set_exception(WorkerLost(timed_out_sentence(job.timeout_s)))
                    return
            ok, value = connection.recv()
        except WorkerLost as error:
            future.set_exception(error)
            return
        except (EOFError, OSError) as error:
            self._end_process()
            lost = WorkerLost(
                "The Keras worker process stopped in the middle of this job (it was killed or ran out of "
                "memory). Nothing else was lost: try again, and a new worker will take it."
            )
            lost.__cause__ = error
            future.set_exception(lost)
            return
        except Exception as error:  # the job itself could not be sent (it does not pickle)
            future.set_exception(error)
            return
        (future.set_result if ok else future.set_exception)(value)


def result_of(future: Future, *, timeout: float = JOB_TIMEOUT_S) -> Any:
    """The future's result; waiting too long is said as :class:`WorkerLost`."""
    try:
        return future.result(timeout=timeout)
    except TimeoutError as error:
        raise WorkerLost(timed_out_sentence(timeout)) from error

