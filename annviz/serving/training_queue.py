"""The training queue: each training in its own process, at most ``limit`` at once, the rest first come, first served.

One run per identity (:mod:`annviz.serving.run_identity`), shared by every student who asks for
it. Stop ends the fit within one call of Keras's train function once nobody else watches; a run
whose watchers all went away is stopped within a few seconds; a process that dies is reported as
"failed" with a sentence. With warm starts, one training process waits ready.
Each process sets its own seed, so two trainings at once are as reproducible as one, and its
memory is gone when it ends.
"""

from __future__ import annotations

import heapq
import itertools
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable

from annviz.architecture import count_model_params
from annviz.errors import InputError
from annviz.formatting import format_seconds
from annviz.serving.limits import TRAINING_MEMORY_BYTES, memory_headroom_bytes
from annviz.serving.processes import BATCH_NICENESS, TRAINING_THREADS, WorkerProcess, launch
from annviz.serving.training_process import PHASE_READY
from annviz.training import EvaluationReport, ProgressEvent, TrainingResult
from annviz.training_config import TrainingConfig


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
    #: What a starting process is doing ("Starting TensorFlow…", "Loading MNIST…"), said while it happens.
    phase: str = ""
    #: Students watching this run now, and all who ever watched it.
    watchers: int = 1
    watched_by: int = 1

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


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


def training_work(config: TrainingConfig) -> float:
    """A training's size for time estimates: parameters × training images × epochs.

    >>> training_work(TrainingConfig())
    59068440000.0
    """
    return float(count_model_params(config.model)) * config.train_size * config.epochs


class TrainingJob:
    """One run: queued in a :class:`TrainingService`, then trained in its own process, watched by one or more students.

    Pages keep it in their sessions and read :meth:`snapshot`. A run is shared by every student
    who pressed Start with its identity (:func:`~annviz.serving.run_identity.run_identity`):
    its ``watchers`` (student tokens) each see the same curves and result.
    """

    def __init__(self, service: "TrainingService", config: TrainingConfig, run_id: str) -> None:
        self.config = config
        self.run_id = run_id
        #: Names this job for the sessions that keep it (``id()`` is reused after garbage collection).
        self.job_id = uuid.uuid4().hex
        self._service = service
        self._lock = threading.Lock()
        self._status = QUEUED
        self._phase = ""
        self._progress: ProgressEvent | None = None
        self._result: TrainingResult | None = None
        self._report: EvaluationReport | None = None
        self._error = ""
        self._created = time.monotonic()
        self._started: float | None = None
        self._ended: float | None = None
        self._process: WorkerProcess | None = None
        self.pid: int | None = None
        #: Students watching now: token → probe saying whether their session is connected (None: unknown).
        self.watchers: dict[str, Callable[[], bool] | None] = {}
        #: Every student who ever watched it (the class board's count).
        self.watched_by: set[str] = set()
        #: The first student who asked for this run.
        self.owner = ""
        #: Since when each watcher's session has been gone (by token; cleaned when it returns or leaves).
        self._gone_since: dict[str, float] = {}
        self.last_used = time.monotonic()

    # The page's side

    def request_stop(self, owner: str | None = None) -> int:
        """Stop for ``owner`` (every watcher when None): the view of a student stops; the run stops
        when nobody else watches it (the fit ends within one train-function call and the model so
        far is evaluated and kept; queued or starting, it is cancelled). Returns how many still watch."""
        return self._service.leave(self, owner)

    def snapshot(self) -> JobSnapshot:
        position, expected = self._service.queue_place(self)
        with self._lock:
            now = time.monotonic()
            waiting = (self._started or now) - self._created
            elapsed = (self._ended or now) - self._created
            return JobSnapshot(
                self._status, self._progress, self._result, self._report, self._error, waiting, position, expected, elapsed,
                phase=self._phase, watchers=len(self.watchers), watched_by=len(self.watched_by),
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

    @property
    def complete(self) -> bool:
        """True if it trained every epoch it was asked for: only such a run is handed to a new Start."""
        with self._lock:
            return self._status == DONE and self._result is not None and self._result.outcome == "completed"

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

    def _run(self, worker: WorkerProcess) -> None:
        """Follow the process's messages until it ends (in the job's own thread)."""
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
        if kind == "phase":
            self._set(phase=message[1])
        elif kind == "status":
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


#: Runs a server keeps (their curves, test figures and weights: ~0.5 MB each at the lecture's
#: size), least recently used first out, never one a connected student still holds.
MAX_SERVER_RUNS = 64
#: The environment variable that turns warm starts off ("0"); on by default where memory allows.
WARM_VARIABLE = "ANNVIZ_WARM_START"
#: Seconds a Start waits for a warm process that is getting ready before it starts one of its own.
WARM_WAIT_S = 300.0
#: Memory a warm training process holds while it waits (TensorFlow imported, MNIST as a tensor):
#: measured ~560 MB Pss here (docs/class-training.md), with a margin.
WARM_MEMORY_BYTES = 650 * 2**20


def warm_start_wanted(variable: str | None, headroom: int | None) -> bool:
    """Keep a warm training process ready? Not when ``$ANNVIZ_WARM_START`` is "0", nor when the
    container's memory could not hold it and the training it becomes beside what runs now.

    >>> warm_start_wanted(None, None), warm_start_wanted("0", None), warm_start_wanted(None, 100 * 2**20)
    (True, False, False)
    """
    if variable is not None and variable.strip() == "0":
        return False
    return headroom is None or headroom >= WARM_MEMORY_BYTES + TRAINING_MEMORY_BYTES


class TrainingService:
    """Runs of a whole server: one per identity, shared; at most ``limit`` processes at once, the rest first come, first served.

    :meth:`submit` asks for a training for an ``owner`` (a student's reload-surviving token):

    - an owner watches at most one active run: a second Start returns the first;
    - a run with the same identity already queued or training: the owner joins its watchers;
    - a run with the same identity already finished (every epoch): it is returned at once,
      nothing is trained again (a run that was stopped is never handed on as complete: a new
      one is trained);
    - else a new run is queued. The next in line starts when a slot is free and, under a memory
      limit, ``headroom()`` leaves room for it (``TRAINING_MEMORY_BYTES``).

    ``alive()``, when given, says whether the owner's session is still connected; an owner gone
    for ``grace_s`` seconds stops watching (a reload within it comes back with :meth:`attach`),
    and a run nobody watches any more is stopped: queued or starting, it is cancelled; training,
    it ends as Stop ends it (kept, partial, for whoever comes back). With ``warm``, one training
    process waits ready (TensorFlow imported, MNIST loaded), so a Start trains at once.
    """

    def __init__(
        self, limit: int, *, niceness: int = BATCH_NICENESS, grace_s: float = 4.0, watch_s: float = 1.0,
        headroom: Callable[[], int | None] = memory_headroom_bytes, warm: bool = False, max_runs: int = MAX_SERVER_RUNS,
    ) -> None:
        if limit < 1:
            raise InputError("The training service must allow at least one training at once.")
        self.limit = limit
        self._niceness = niceness
        self._grace_s = grace_s
        self._watch_s = watch_s
        self._headroom = headroom
        self._warm = warm
        self._max_runs = max_runs
        self._lock = threading.Condition()
        self._queue: list[TrainingJob] = []
        self._running: list[TrainingJob] = []
        #: Every run kept, by job id, least recently used first.
        self._runs: dict[str, TrainingJob] = {}
        #: The newest complete run of each identity (handed to a new Start at once).
        self._complete: dict[str, TrainingJob] = {}
        self._spare: WorkerProcess | None = None
        self._spare_starting = False
        #: What the warm process is doing while it gets ready (said to a Start that waits for it).
        self._spare_phase = ""
        self._seconds_per_unit = DEFAULT_SECONDS_PER_UNIT
        self._overhead_s = DEFAULT_OVERHEAD_S
        #: This server's own last runs: (seconds per unit of work, seconds from start to fit) once timed.
        self.timed_runs = 0
        self._closed = False
        self._threads = itertools.count(1)
        threading.Thread(target=self._dispatch, name="annviz-training-dispatch", daemon=True).start()
        threading.Thread(target=self._watch, name="annviz-training-watch", daemon=True).start()
        if warm:
            self._start_spare()

    # Public

    def submit(self, config: TrainingConfig, *, owner: str, alive: Callable[[], bool] | None = None) -> TrainingJob:
        from annviz.serving.run_identity import run_identity

        run_id = run_identity(config)
        with self._lock:
            for job in self._queue + self._running:
                if owner in job.watchers and job.status in ACTIVE:
                    return job
            shared = next((job for job in self._queue + self._running if job.run_id == run_id), None)
            if shared is None:
                shared = self._complete.get(run_id)
            if shared is not None:
                self._watch_job(shared, owner, alive)
                return shared
            job = TrainingJob(self, config, run_id)
            self._watch_job(job, owner, alive)
            self._keep(job)
            self._queue.append(job)
            if len(self._queue) == 1 and len(self._running) < self.limit and self._room():
                self._start_next()  # a free slot: starting now, never "queued" for a moment
            self._lock.notify_all()
            return job

    def attach(self, job: TrainingJob, owner: str, alive: Callable[[], bool] | None) -> None:
        """``owner`` watches ``job`` again from a new session (a reload, a phone that slept)."""
        with self._lock:
            if job.job_id in self._runs or job.status in ACTIVE:
                self._watch_job(job, owner, alive)

    def runs_of(self, owner: str) -> list[TrainingJob]:
        """The runs ``owner`` has watched that this server still keeps, oldest first."""
        with self._lock:
            return sorted((job for job in self._runs.values() if owner in job.watched_by), key=lambda job: job._created)

    def all_runs(self) -> list[TrainingJob]:
        """Every run this server keeps, oldest first (the class board)."""
        with self._lock:
            return sorted(self._runs.values(), key=lambda job: job._created)

    def leave(self, job: TrainingJob, owner: str | None) -> int:
        """``owner`` (everyone when None) stops watching; the run stops when nobody watches. Returns how many still watch."""
        with self._lock:
            if owner is None:
                job.watchers.clear()
            else:
                job.watchers.pop(owner, None)
                job._gone_since.pop(owner, None)
            left = len(job.watchers)
        if left == 0:
            phase = job.snapshot().phase.rstrip("…. ")
            doing = f" (the process was at: {phase[0].lower() + phase[1:]})" if phase else ""
            self.stop(job, f"Stopped before training began{doing}: nothing was trained.")
        return left

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
            rate, overhead, timed = self._seconds_per_unit, self._overhead_s, self.timed_runs
        if not timed and (ahead or any(other._progress is None or other._progress.eta_s is None for other in running)):
            return len(ahead) + 1, None  # no run of this server timed yet: no guess is said
        slots = [other.remaining_s(rate, overhead) for other in running]
        slots += [0.0] * (self.limit - len(slots))
        heapq.heapify(slots)
        for other in ahead:
            heapq.heappush(slots, heapq.heappop(slots) + other.remaining_s(rate, overhead))
        return len(ahead) + 1, max(0.0, slots[0])

    def expected_seconds(self, config: TrainingConfig) -> tuple[float, float] | None:
        """(fit seconds, seconds before the fit) ``config`` is expected to take, from this server's own
        last runs; None until this server has timed one."""
        with self._lock:
            if not self.timed_runs:
                return None
            return training_work(config) * self._seconds_per_unit, self._overhead_s

    @property
    def warm(self) -> bool:
        """True while a warm training process is ready or starting."""
        with self._lock:
            return self._spare is not None or self._spare_starting

    def close(self) -> None:
        """Cancel everything and stop the service's threads (tests, server shutdown)."""
        with self._lock:
            self._closed = True
            jobs = self._queue + self._running
            spare, self._spare = self._spare, None
            self._lock.notify_all()
        for job in jobs:
            self._kill(job, "The server is shutting down.")
        if spare is not None:
            spare.kill()

    # Inside

    def _watch_job(self, job: TrainingJob, owner: str, alive: Callable[[], bool] | None) -> None:
        """``owner`` watches ``job`` (the caller holds the lock)."""
        job.watchers[owner] = alive
        job.watched_by.add(owner)
        job.owner = job.owner or owner
        job._gone_since.pop(owner, None)
        job.last_used = time.monotonic()
        if job.job_id in self._runs:  # most recently used last
            self._runs[job.job_id] = self._runs.pop(job.job_id)

    def _held(self, job: TrainingJob) -> bool:
        """True while a connected student watches ``job`` or keeps it among their runs."""
        if job.status in ACTIVE:
            return True
        for probe in job.watchers.values():
            try:
                if probe is None or probe():
                    return True
            except Exception:
                continue
        return False

    def _keep(self, job: TrainingJob) -> None:
        """Keep ``job``; let the least recently used unheld runs go beyond ``max_runs`` (the caller holds the lock)."""
        self._runs[job.job_id] = job
        for other in list(self._runs.values()):
            if len(self._runs) <= self._max_runs:
                break
            if other is not job and not self._held(other):
                del self._runs[other.job_id]
                if self._complete.get(other.run_id) is other:
                    del self._complete[other.run_id]

    def _room(self) -> bool:
        headroom = self._headroom()
        if headroom is not None and self._spare is not None:
            headroom += WARM_MEMORY_BYTES  # the warm process becomes the training: its memory is already in use
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
        with self._lock:
            if result.outcome == "completed":
                self._complete[job.run_id] = job
        # Only runs big enough that the fixed cost of tracing does not dominate tell the rate.
        if result.seconds > 1 and result.history.epochs and training_work(job.config) >= MIN_CALIBRATION_WORK:
            done = sum(row.complete for row in result.history.epochs) or 1
            work = training_work(job.config) * done / job.config.epochs
            overhead = time.monotonic() - (job._started or time.monotonic()) - result.seconds
            with self._lock:
                self._seconds_per_unit = result.seconds / work
                self._overhead_s = max(0.0, overhead)
                self.timed_runs += 1

    def _dispatch(self) -> None:
        while True:
            with self._lock:
                while not self._closed and not (self._queue and len(self._running) < self.limit and self._room()):
                    if self._warm:
                        self._start_spare()  # memory freed since the last training: warm the next one
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

    def _take_spare(self, job: TrainingJob) -> WorkerProcess | None:
        """The warm process, waiting for one that is getting ready (it is ahead of a new one);
        meanwhile the job says what that process is doing."""
        with self._lock:
            deadline = time.monotonic() + WARM_WAIT_S
            while self._spare is None and self._spare_starting and time.monotonic() < deadline:
                job._set(phase=self._spare_phase)
                self._lock.wait(timeout=0.5)
            spare, self._spare = self._spare, None
        if spare is not None and not spare.alive():
            spare.kill()
            return None
        return spare

    def _start_spare(self) -> None:
        """Start a warm training process in the background, if warm starts are on and memory allows."""
        import os

        with self._lock:
            if self._spare is not None and not self._spare.alive():  # killed (out of memory): replace it
                self._spare.kill()
                self._spare = None
            if self._closed or self._spare is not None or self._spare_starting:
                return
            if not warm_start_wanted(os.environ.get(WARM_VARIABLE), self._headroom()):
                return
            self._spare_starting = True

        def warm_up() -> None:
            """Start the process and read its phases until it is ready: only a ready process is the spare."""
            try:
                spare: WorkerProcess | None = launch("train", niceness=self._niceness, threads=TRAINING_THREADS)
                while spare is not None:
                    kind, *rest = spare.connection.recv()
                    if kind != "phase":  # it could not get ready: the next training starts cold
                        spare.kill()
                        spare = None
                    elif rest[0] == PHASE_READY:
                        break
                    else:
                        with self._lock:
                            self._spare_phase = rest[0]
            except Exception:  # no warm process: the next training starts cold, as without warm starts
                if spare is not None:
                    spare.kill()
                spare = None
            with self._lock:
                self._spare_starting = False
                if self._closed and spare is not None:
                    spare.kill()
                elif spare is not None:
                    self._spare = spare
                self._lock.notify_all()

        threading.Thread(target=warm_up, name="annviz-training-warm", daemon=True).start()

    def _follow(self, job: TrainingJob) -> None:
        try:
            worker = self._take_spare(job) if self._warm else None
            if worker is None:
                worker = launch("train", niceness=self._niceness, threads=TRAINING_THREADS)
            if self._warm:
                self._start_spare()  # the next Start's process warms up while this one trains
            job._run(worker)
        except Exception as error:  # starting a process can fail (no memory): a sentence, a free slot
            job._set(status=FAILED, error=f"The training process could not be started ({type(error).__name__}: {error}).")
        finally:
            self._release(job)

    def _watch(self) -> None:
        """Stop watching for students whose sessions went away; stop the runs nobody watches."""
        while True:
            time.sleep(self._watch_s)
            with self._lock:
                if self._closed:
                    return
                jobs = [job for job in self._queue + self._running if job.watchers]
            now = time.monotonic()
            for job in jobs:
                with self._lock:
                    watchers = list(job.watchers.items())
                gone = []
                for owner, probe in watchers:
                    try:
                        alive = probe is None or probe()
                    except Exception:
                        alive = False
                    with self._lock:
                        if alive:
                            job._gone_since.pop(owner, None)
                        elif now - job._gone_since.setdefault(owner, now) >= self._grace_s:
                            gone.append(owner)
                if not gone:
                    continue
                with self._lock:
                    for owner in gone:
                        if job.watchers.get(owner) is dict(watchers).get(owner):  # not re-attached meanwhile
                            job.watchers.pop(owner, None)
                            job._gone_since.pop(owner, None)
                    nobody = not job.watchers
                if nobody:
                    self.stop(job, "Cancelled: the session that started it went away.")


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
