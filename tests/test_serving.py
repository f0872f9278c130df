"""The serving layer: Keras work in worker processes, trainings in processes of their own.

Each training process imports TensorFlow (~5 s here), so the trainings below are tiny (a few
thousand images, one or two epochs) and share work where they can.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from annviz import serving
from bench.app_server import serving_children
from annviz.architecture import parse_hidden_layers
from annviz.serving.keras_training import compile_model
from annviz.training_config import TrainingConfig

TINY = TrainingConfig(subset_size=3000, epochs=1)


def alive_pids(pids: list[int]) -> list[int]:
    return [pid for pid in pids if Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text()]


@pytest.fixture()
def service():
    service = serving.TrainingService(2, grace_s=1.0, watch_s=0.2)
    yield service
    service.close()


@pytest.fixture(scope="module")
def worker():
    worker = serving.KerasWorker()
    yield worker
    worker.shutdown()


@pytest.mark.server  # worker or training processes: the full lane
def test_the_worker_computes_keras_jobs_without_tensorflow_in_this_process_first(worker: serving.KerasWorker) -> None:
    from annviz.architecture import ModelSpec, DenseSpec

    spec = ModelSpec(5, (), task="multiclass", n_classes=4)
    assert worker.run(serving.keras_param_count, spec) == 24  # the lecture's Dense(4) on 5 inputs
    assert worker.run(serving.keras_param_count, ModelSpec(3, (DenseSpec(4, "relu"),), task="regression")) == 21
    assert worker.pid() != os.getpid()


@pytest.mark.server  # worker or training processes: the full lane
def test_a_worker_error_with_a_sentence_reaches_the_page_as_that_valueerror(worker: serving.KerasWorker) -> None:
    from annviz.architecture import DenseSpec, ModelSpec

    huge = ModelSpec(100_000, (DenseSpec(100_000, "relu"),), task="regression")
    with pytest.raises(ValueError, match="too large to build here"):
        worker.run(serving.keras_param_count, huge)


@pytest.mark.server  # worker or training processes: the full lane
def test_a_worker_killed_mid_job_is_a_sentence_and_the_next_job_gets_a_new_worker() -> None:
    worker = serving.KerasWorker()
    try:
        first = worker.pid()
        future = worker.submit(time.sleep, 30)
        time.sleep(0.5)
        os.kill(first, signal.SIGKILL)
        with pytest.raises(serving.WorkerLost, match="stopped in the middle of this job"):
            serving.result_of(future, timeout=20)
        assert issubclass(serving.WorkerLost, ValueError)  # the pages show it with st.error
        second = worker.pid()
        assert second != first and worker.starts == 2
        assert worker.run(sum, [1, 2, 3]) == 6
    finally:
        worker.shutdown()


@pytest.mark.server  # worker or training processes: the full lane
def test_a_server_wide_result_is_computed_once_and_again_after_its_worker_died() -> None:
    worker = serving.KerasWorker()
    try:
        first = worker.once("pid", os.getpid)
        assert worker.once("pid", os.getpid) is first
        pid = first.result(timeout=60)
        threading.Timer(0.5, os.kill, (pid, signal.SIGKILL)).start()
        lost = worker.once("slow", time.sleep, 2)
        with pytest.raises(serving.WorkerLost):
            serving.result_of(lost, timeout=20)
        again = worker.once("slow", time.sleep, 2)  # the same job, sent again to the new worker
        assert again is not lost and serving.result_of(again) is None
        assert worker.once("slow", time.sleep, 2) is again
    finally:
        worker.shutdown()


@pytest.mark.server  # worker or training processes: the full lane
def test_trainings_start_first_come_first_served_with_places_and_expected_waits() -> None:
    service = serving.TrainingService(1, watch_s=0.2)
    try:
        jobs = [service.submit(replace(TINY, seed=i), owner=f"student {i}") for i in range(3)]
        time.sleep(0.3)
        places = [job.snapshot().position for job in jobs]
        assert places == [None, 1, 2]
        # Before this server has timed a run of its own, no wait is guessed (issue #26.7) ...
        assert [job.snapshot().expected_wait_s for job in jobs[1:]] == [None, None]
        service.timed_runs = 1  # ... once it has, its measured rate gives one
        waits = [job.snapshot().expected_wait_s for job in jobs[1:]]
        assert 0 < waits[0] < waits[1]
        started = []
        deadline = time.monotonic() + 180
        while len(started) < 3 and time.monotonic() < deadline:
            for index, job in enumerate(jobs):
                if index not in started and job.status != serving.QUEUED:
                    started.append(index)
            time.sleep(0.05)
        assert started == [0, 1, 2]
        assert all(job.join(120) for job in jobs)
        assert [job.status for job in jobs] == ["done"] * 3
    finally:
        service.close()


@pytest.mark.server  # worker or training processes: the full lane
def test_one_session_gets_one_training_however_often_it_presses_start(service: serving.TrainingService) -> None:
    jobs = {id(service.submit(TINY, owner="eager student")) for _ in range(20)}
    assert len(jobs) == 1 and service.running + service.queued == 1


@pytest.mark.server  # worker or training processes: the full lane
def test_stop_ends_the_fit_within_a_second_and_keeps_the_model(service: serving.TrainingService) -> None:
    job = service.submit(TrainingConfig(subset_size=20_000, epochs=20), owner="s")
    deadline = time.monotonic() + 120
    while (job.snapshot().progress is None or job.snapshot().progress.batch == 0) and time.monotonic() < deadline:
        time.sleep(0.05)
    asked = time.monotonic()
    job.request_stop()
    while job.snapshot().status == serving.RUNNING and time.monotonic() < deadline:
        time.sleep(0.01)
    assert time.monotonic() - asked < 1.0
    assert job.join(60)
    snapshot = job.snapshot()
    assert snapshot.status == "done" and snapshot.result.outcome == "stopped"
    assert snapshot.report is not None and isinstance(snapshot.result.model, serving.TrainedMLP)


@pytest.mark.server  # worker or training processes: the full lane
def test_a_session_that_goes_away_has_its_training_cancelled_and_its_process_ended(service: serving.TrainingService) -> None:
    connected = {"yes": True}
    job = service.submit(TrainingConfig(epochs=50), owner="leaver", alive=lambda: connected["yes"])
    queued = service.submit(TrainingConfig(epochs=50, seed=1), owner="second leaver", alive=lambda: connected["yes"])
    deadline = time.monotonic() + 60
    while job.pid is None and time.monotonic() < deadline:
        time.sleep(0.05)
    connected["yes"] = False
    gone = time.monotonic()
    while (job.snapshot().active or queued.snapshot().active) and time.monotonic() < gone + 10:
        time.sleep(0.05)
    assert time.monotonic() - gone < 10
    # Nobody watches any more: the queued run is cancelled; the training one ends as Stop ends it,
    # kept (partial) for a student who comes back, its process and slot freed.
    assert queued.status == "cancelled" and job.status in ("done", "cancelled")
    if job.status == "done":
        assert job.snapshot().result.outcome == "stopped"
    time.sleep(0.5)
    assert alive_pids([job.pid]) == [] and service.running == 0


@pytest.mark.server  # worker or training processes: the full lane
def test_a_training_process_killed_by_the_os_is_failed_with_a_sentence(service: serving.TrainingService) -> None:
    job = service.submit(TrainingConfig(epochs=50), owner="s")
    deadline = time.monotonic() + 60
    while job.status != serving.RUNNING and time.monotonic() < deadline:
        time.sleep(0.05)
    environment = Path(f"/proc/{job.pid}/environ").read_bytes().split(b"\0")
    assert b"TF_NUM_INTRAOP_THREADS=1" in environment and b"TF_NUM_INTEROP_THREADS=1" in environment
    os.kill(job.pid, signal.SIGKILL)
    assert job.join(10)
    snapshot = job.snapshot()
    assert snapshot.status == "failed" and "killed (signal 9)" in snapshot.error
    assert service.running == 0


@pytest.mark.server  # worker or training processes: the full lane
def test_two_trainings_at_once_with_one_seed_give_the_weights_of_a_bare_fit(service: serving.TrainingService, tmp_path: Path) -> None:
    config = TrainingConfig(subset_size=4000, epochs=2, seed=7)
    jobs = [service.submit(config, owner=f"twin {i}") for i in range(2)]
    assert jobs[0] is jobs[1]  # one identity, one shared run
    other = serving.TrainingService(1)
    jobs.append(other.submit(config, owner="twin in another service"))
    try:
        assert all(job.join(180) for job in jobs)
    finally:
        other.close()
    twins = [job.snapshot().result.model.layers for job in jobs]
    # The reference: a bare model.fit of the same program in a fresh interpreter (this test
    # process has run other Keras work, which may change its kernels' settings).
    bare_fit = (
        "import sys, numpy as np, keras\n"
        "from annviz.serving.keras_training import compile_model\n"
        "from annviz.training import prepare_training_data\n"
        "from annviz.training_config import TrainingConfig\n"
        "config = TrainingConfig(subset_size=4000, epochs=2, seed=7)\n"
        "data = prepare_training_data()\n"
        "model = compile_model(config)\n"
        "keras.utils.set_random_seed(config.seed)\n"
        "model.fit(data.x_train[:config.subset_size], data.y_train[:config.subset_size], epochs=config.epochs,\n"
        "          batch_size=config.batch_size, validation_split=config.validation_split, verbose=0)\n"
        "np.savez(sys.argv[1], *[w for layer in model.layers for w in layer.get_weights()])\n"
    )
    out = tmp_path / "bare.npz"
    threads = str(serving.TRAINING_THREADS)  # the training processes' TensorFlow threads, as they run
    env = {**os.environ, "TF_NUM_INTRAOP_THREADS": threads, "TF_NUM_INTEROP_THREADS": threads}
    done = subprocess.run([sys.executable, "-c", bare_fit, str(out)], cwd=serving.PROJECT_ROOT, capture_output=True,
                          text=True, timeout=180, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    with np.load(out) as stored:
        bare = [stored[f"arr_{i}"] for i in range(len(stored.files))]
    for layers in twins:
        ours = [w for layer in layers for w in (layer.kernel, layer.bias)]
        assert len(ours) == len(bare) and all(np.array_equal(a, b) for a, b in zip(ours, bare))


@pytest.mark.parametrize("hidden", ["16 tanh, 8 sigmoid", "12 elu, 6 gelu, 4 leaky_relu", "128 relu, 64 relu"])
def test_a_trained_mlp_in_numpy_answers_as_its_keras_model(hidden: str) -> None:
    import keras

    from annviz.architecture import ModelSpec
    from annviz.numpy_mlp import dense_layers

    spec = ModelSpec(784, parse_hidden_layers(hidden), task="multiclass", n_classes=10)
    model = compile_model(TrainingConfig(model=spec, seed=3))
    x = np.random.default_rng(0).random((64, 784), dtype=np.float32)
    ours = serving.TrainedMLP(dense_layers(model)).probabilities(x)
    np.testing.assert_allclose(ours, model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    assert serving.TrainedMLP(dense_layers(model)).input_shape == (None, 784)
    del keras


def worker_processes() -> list[int]:
    """This process's children that run ``python -m annviz.serving``, still alive."""
    return alive_pids(serving_children(os.getpid()))


@pytest.mark.server  # worker or training processes: the full lane
def test_nothing_is_left_running_after_the_services_close(worker: serving.KerasWorker) -> None:
    pid = worker.pid()
    assert pid in worker_processes()
    worker.shutdown()
    time.sleep(0.5)
    assert pid not in worker_processes()


@pytest.mark.server  # worker or training processes: the full lane
def test_a_training_waits_for_memory_even_with_a_free_slot() -> None:
    room = {"bytes": 100 * 2**20}  # a container near its limit
    service = serving.TrainingService(2, headroom=lambda: room["bytes"])
    try:
        job = service.submit(TINY, owner="patient")
        time.sleep(1.5)
        assert job.status == serving.QUEUED and service.short_of_memory()
        sentence = serving.expected_wait_sentence(job.snapshot(), service.running, service.limit, short_of_memory=True)
        assert "memory has no room" in sentence and "expected start" not in sentence
        room["bytes"] = 4 * 2**30
        assert job.join(120) and job.status == "done"
    finally:
        service.close()


def test_the_memory_headroom_is_read_from_the_containers_cgroup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    limit, usage = tmp_path / "memory.max", tmp_path / "memory.current"
    monkeypatch.setattr(serving.limits, "CGROUP_MEMORY_FILES", ((limit, usage),))
    assert serving.memory_headroom_bytes() is None  # no cgroup files: no known limit
    limit.write_text("2899102924\n")  # Community Cloud's 2.7 GB
    usage.write_text("2000000000\n")
    assert serving.memory_headroom_bytes() == 899_102_924
    limit.write_text("max\n")
    assert serving.memory_headroom_bytes() is None


def test_the_usable_cores_are_capped_by_the_containers_cpu_quota(tmp_path: Path) -> None:
    v2 = tmp_path / "cpu.max"
    quota, period = tmp_path / "cfs_quota_us", tmp_path / "cfs_period_us"
    assert serving.usable_cpus(files=(), visible=8) == 8  # no cgroup files: the CPUs it may run on
    v2.write_text("200000 100000\n")  # Community Cloud's 2 cores on a larger host
    assert serving.usable_cpus(files=((v2, None),), visible=16) == 2
    v2.write_text("150000 100000\n")  # a core and a half: the half counts as one
    assert serving.usable_cpus(files=((v2, None),), visible=16) == 2
    v2.write_text("max 100000\n")  # no quota
    assert serving.usable_cpus(files=((v2, None),), visible=4) == 4
    v2.write_text("800000 100000\n")  # a quota beyond the CPUs it may run on
    assert serving.usable_cpus(files=((v2, None),), visible=2) == 2
    quota.write_text("-1\n")
    period.write_text("100000\n")
    assert serving.usable_cpus(files=((quota, period),), visible=4) == 4  # cgroup v1, no quota
    quota.write_text("100000\n")
    assert serving.usable_cpus(files=((tmp_path / "missing", None), (quota, period)), visible=4) == 1
    v2.write_text("garbage\n")
    assert serving.usable_cpus(files=((v2, None),), visible=3) == 3


def test_a_two_core_server_trains_one_at_a_time_and_the_override_must_be_a_whole_number() -> None:
    assert [serving.training_slots(cpus) for cpus in (1, 2, 3, 4, 8)] == [1, 1, 2, 3, 7]
    assert serving.training_slots(2, "2") == 2
    for bad in ("", "0", "-1", "1.5", "two", " "):
        assert serving.training_slots(2, bad) == 1, bad


def test_replicas_sharing_the_cores_split_what_their_page_runs_leave_and_each_keeps_one_slot() -> None:
    # One replica is the 2-core rule above: one core for the page runs, the rest train.
    assert [serving.training_slots(cpus, replicas="1") for cpus in (1, 2, 3, 4, 8)] == [1, 1, 2, 3, 7]
    # Two replicas on 8 cores: 2 cores of page runs, 6 left, 3 each; 3 on 16: 13 left, 4 each.
    assert serving.training_slots(8, replicas="2") == 3
    assert serving.training_slots(16, replicas="3") == 4
    # Nothing left over still trains one at a time: a replica's queue is its own.
    assert [serving.training_slots(cpus, replicas="2") for cpus in (1, 2, 3)] == [1, 1, 1]
    assert serving.training_slots(8, "5", "2") == 5  # the override wins
    for bad in ("", "0", "-2", "two"):
        assert serving.training_slots(8, replicas=bad) == 7, bad


def test_the_served_rule_reads_both_variables(monkeypatch) -> None:
    monkeypatch.setattr(serving.limits, "usable_cpus", lambda: 8)
    monkeypatch.delenv(serving.SLOTS_VARIABLE, raising=False)
    monkeypatch.setenv(serving.REPLICAS_VARIABLE, "2")
    assert serving.configured_training_slots() == 3
    monkeypatch.setenv(serving.SLOTS_VARIABLE, "1")
    assert serving.configured_training_slots() == 1


@pytest.mark.slow
def test_a_job_that_hangs_forever_delays_the_next_students_check_by_no_more_than_a_restart() -> None:
    from annviz.serving.jobs import hang_forever, worker_pid

    worker = serving.KerasWorker()
    try:
        started = time.monotonic()
        first = worker.pid()
        restart_s = time.monotonic() - started  # a worker's start: Keras's import
        hung_at = time.monotonic()
        with pytest.raises(serving.WorkerLost, match="did not answer within 2 s; it was restarted"):
            worker.run(hang_forever, timeout=2)
        asked = time.monotonic()
        second = worker.run(worker_pid, timeout=60)  # the next student's check
        waited = time.monotonic() - asked
        assert second != first and first not in worker_processes()
        assert asked - hung_at < 3 and waited < restart_s + 5, (restart_s, waited)
    finally:
        worker.shutdown()


@pytest.mark.slow
def test_a_worker_whose_server_has_gone_ends_at_once_even_in_the_middle_of_a_job(tmp_path: Path) -> None:
    pid_file = tmp_path / "worker.pid"
    server = (
        "import sys, time\n"
        "from annviz.serving import KerasWorker\n"
        "from annviz.serving.jobs import hang_forever\n"
        "worker = KerasWorker()\n"
        "open(sys.argv[1], 'w').write(str(worker.pid()))\n"
        "worker.submit(hang_forever)\n"
        "time.sleep(3600)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", server, str(pid_file)], cwd=serving.PROJECT_ROOT)
    try:
        deadline = time.monotonic() + 600  # a worker's start: Keras's import, slow on a loaded machine
        while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
            time.sleep(0.1)
        worker_pid = int(pid_file.read_text())
        time.sleep(1.0)  # the worker is inside hang_forever now
        process.kill()
        process.wait()
        gone = time.monotonic()
        while alive_pids([worker_pid]) and time.monotonic() < gone + 10:
            time.sleep(0.05)
        assert alive_pids([worker_pid]) == [] and time.monotonic() - gone < 2.0
    finally:
        process.kill()
