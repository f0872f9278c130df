"""One run per setting, shared: the run identity, the premise (one identity, same weights in two
processes), attaching, Stop by one watcher, a stopped run never handed on as complete, a reload
that finds its run again, and the bound on the runs a server keeps."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from annviz import serving
from annviz.architecture import DenseSpec, ModelSpec
from annviz.serving.run_identity import run_identity, software_identity
from annviz.training_config import TrainingConfig

SMALL = TrainingConfig(subset_size=2000, epochs=2, seed=5)


def test_the_identity_is_every_setting_the_seed_and_the_software() -> None:
    assert run_identity(TrainingConfig()) == run_identity(TrainingConfig())
    for other in (
        TrainingConfig(seed=43), TrainingConfig(epochs=9), TrainingConfig(batch_size=32), TrainingConfig(subset_size=59_999),
        TrainingConfig(scale_inputs=False), TrainingConfig(metrics=()), TrainingConfig(validation_split=0.2),
    ):
        assert run_identity(other) != run_identity(TrainingConfig()), other
    assert run_identity(TrainingConfig(), software="tensorflow=2.1") != run_identity(TrainingConfig(), software="tensorflow=2.2")
    assert "tensorflow=" in software_identity() and "keras=" in software_identity() and "data=" in software_identity()


def test_settings_that_look_alike_on_screen_are_never_merged() -> None:
    # The form writes a learning rate with %g: 0.001 and 0.0010000001 both read "0.001".
    assert f"{0.0010000001:g}" == f"{0.001:g}"
    assert run_identity(TrainingConfig(learning_rate=0.0010000001)) != run_identity(TrainingConfig(learning_rate=0.001))
    assert f"{0.1000000001:g}" == f"{0.1:g}"
    assert run_identity(TrainingConfig(validation_split=0.1000000001)) != run_identity(TrainingConfig())
    # The same network written two ways is one model, so one run (merged rightly).
    assert run_identity(TrainingConfig(model=ModelSpec(784, (DenseSpec(128, "relu"), DenseSpec(64, "relu"))))) == run_identity(
        TrainingConfig())


@pytest.fixture()
def service():
    service = serving.TrainingService(1, grace_s=1.0, watch_s=0.2)
    yield service
    service.close()


@pytest.mark.slow
def test_one_identity_trained_in_two_processes_gives_identical_weights() -> None:
    """The premise of sharing: two separate services, each training in its own process."""
    services = [serving.TrainingService(1) for _ in range(2)]
    try:
        jobs = [service.submit(SMALL, owner="twin") for service in services]
        assert jobs[0] is not jobs[1]
        assert all(job.join(240) for job in jobs)
        assert jobs[0].pid != jobs[1].pid
        first, second = (job.snapshot().result.model.layers for job in jobs)
        for a, b in zip(first, second):
            np.testing.assert_array_equal(a.kernel, b.kernel)
            np.testing.assert_array_equal(a.bias, b.bias)
    finally:
        for service in services:
            service.close()


@pytest.mark.slow
def test_students_with_one_identity_watch_one_run_and_stop_only_their_view(service) -> None:
    config = replace(SMALL, subset_size=30_000, epochs=20)
    jobs = [service.submit(config, owner=f"student {i}") for i in range(3)]
    assert jobs[0] is jobs[1] is jobs[2] and service.running + service.queued == 1
    job = jobs[0]
    assert job.snapshot().watchers == 3
    deadline = time.monotonic() + 120
    while job.snapshot().progress is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert job.request_stop("student 0") == 2  # one view stops; the run goes on
    time.sleep(1.0)
    assert job.status == serving.RUNNING
    assert job.request_stop("student 1") == 1 and job.request_stop("student 2") == 0  # the last one stops it
    assert job.join(60)
    snapshot = job.snapshot()
    assert snapshot.status == "done" and snapshot.result.outcome == "stopped" and snapshot.report is not None
    # A stopped run is kept as stopped, never handed to a new Start as complete: a new run trains.
    again = service.submit(config, owner="student 3")
    assert again is not job and again.snapshot().active
    again.request_stop()
    assert again.join(60)
    assert job in service.all_runs() and job in service.runs_of("student 0")


@pytest.mark.slow
def test_a_finished_run_is_handed_to_the_next_start_at_once(service) -> None:
    first = service.submit(SMALL, owner="early")
    assert first.join(240) and first.complete
    asked = time.monotonic()
    late = service.submit(SMALL, owner="late")
    assert late is first and time.monotonic() - asked < 0.5 and not late.snapshot().active
    assert late.snapshot().watched_by == 2


@pytest.mark.slow
def test_a_session_gone_and_back_within_the_grace_keeps_its_run(service) -> None:
    connected = {"yes": True}
    job = service.submit(replace(SMALL, subset_size=30_000, epochs=30), owner="phone", alive=lambda: connected["yes"])
    while job.pid is None:
        time.sleep(0.05)
    connected["yes"] = False  # the phone slept: its old session is gone
    time.sleep(0.5)
    service.attach(job, "phone", lambda: True)  # the reload's new session, same token
    time.sleep(2.0)  # past the grace of the old session
    assert job.snapshot().active and job.snapshot().watchers == 1
    job.request_stop()
    assert job.join(60)


def test_the_runs_a_server_keeps_are_bounded_but_never_one_a_connected_student_holds() -> None:
    service = serving.TrainingService(1, max_runs=3)
    try:
        with service._lock:
            jobs = []
            for seed in range(5):
                job = serving.TrainingJob(service, replace(SMALL, seed=seed), f"run {seed}")
                job._status = serving.DONE
                connected = seed == 0  # the oldest run is in a connected student's Compare view
                service._watch_job(job, f"student {seed}", (lambda: True) if connected else (lambda: False))
                service._keep(job)
                jobs.append(job)
        kept = service.all_runs()
        assert len(kept) == 3 and jobs[0] in kept and jobs[-1] in kept and jobs[1] not in kept
    finally:
        service.close()


@pytest.mark.slow
def test_a_reload_three_seconds_into_a_training_finds_it_again() -> None:
    """Issue #28.7: the reloaded page (a new session with the same student token) shows the run."""
    from pages._serving import training_service

    page = str(serving.PROJECT_ROOT / "pages" / "p7_mnist.py")
    first = AppTest.from_file(page, default_timeout=120)
    first.query_params["mnist_tab"] = "Train and test"
    first.run()
    first.number_input(key="mnist_subset_size").set_value(20_000)
    first.number_input(key="mnist_epochs").set_value(3)
    first.number_input(key="mnist_seed").set_value(11)
    first.run()
    first.button(key="mnist_start").click().run()
    run = first.session_state["mnist_run"]
    token = first.session_state["student_token"]
    time.sleep(3)
    reloaded = AppTest.from_file(page, default_timeout=120)
    reloaded.session_state["student_token"] = token  # the cookie the browser sends again
    reloaded.run()
    assert not reloaded.exception, reloaded.exception
    assert reloaded.session_state["mnist_run"] is run
    assert reloaded.button(key="mnist_stop").label == "Stop"  # it opens on the training, live
    assert run.join(240)
    reloaded.run()
    (kept,) = reloaded.session_state["mnist_runs"]
    assert kept.model is run.snapshot().result.model
    training_service().close()
    training_service.clear()


def cpu_seconds(pid: int) -> float:
    """CPU seconds a process has used (user + system, all threads), from /proc."""
    import os

    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def to_first_progress(service: serving.TrainingService, config: TrainingConfig) -> tuple[float, float]:
    """(wall seconds, the training process's CPU seconds) from Start to its first progress event.

    The CPU seconds count what the process did after Start whatever else the machine runs: a
    loaded machine stretches the wall time of both a warm and a cold start, not their work.
    """
    spare = service._spare
    before = cpu_seconds(spare.pid) if spare is not None else 0.0
    asked = time.monotonic()
    job = service.submit(config, owner=f"student {config.seed}")
    while job.pid is None and job.snapshot().active:
        time.sleep(0.01)
    pid = job.pid
    if spare is None or pid != spare.pid:
        before = 0.0  # a new process: all its CPU time is after Start
    while job.snapshot().progress is None and job.snapshot().active and time.monotonic() < asked + 900:
        time.sleep(0.02)
    waited, used = time.monotonic() - asked, cpu_seconds(pid) - before
    job.request_stop()
    assert job.join(300) and job.snapshot().status == "done", job.snapshot().error
    return waited, used


@pytest.mark.slow
def test_a_warm_start_shows_the_first_progress_without_waiting_for_tensorflow() -> None:
    import os

    cold = serving.TrainingService(1)
    warm = serving.TrainingService(1, warm=True)
    try:
        deadline = time.monotonic() + 600
        while warm._spare is None and time.monotonic() < deadline:
            time.sleep(0.1)
        config = replace(SMALL, subset_size=60_000, epochs=10)
        warm_s, warm_cpu = to_first_progress(warm, replace(config, seed=1))
        cold_s, cold_cpu = to_first_progress(cold, replace(config, seed=2))
        load = os.getloadavg()[0]
        print(f"Start → first progress: warm {warm_s:.1f} s ({warm_cpu:.1f} CPU s), cold {cold_s:.1f} s ({cold_cpu:.1f} CPU s); "
              f"load {load:.1f} on {len(os.sched_getaffinity(0))} cores")
        # The warm process skipped TensorFlow's import and the data load: seconds of CPU.
        assert warm_cpu <= 3.0 and cold_cpu - warm_cpu >= 2.0, (warm_cpu, cold_cpu)
        if load < len(os.sched_getaffinity(0)):  # a quiet machine: the promise itself, in wall time
            assert warm_s <= 3.0, warm_s
        deadline = time.monotonic() + 600  # the next Start's process warms up meanwhile
        while warm._spare is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert warm._spare is not None and warm._spare.alive()
    finally:
        cold.close()
        warm.close()
