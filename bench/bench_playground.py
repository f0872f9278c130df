"""The playground (issue #11): engine speed, and the server CPU a student costs while clicking and while playing.

Run ``python -m bench.bench_playground`` (or ``python -m bench`` for every benchmark).

- engine: one epoch of 500 points at batch 10 for a 2-8-8-1 tanh network with Adam (and with
  plain SGD), median CPU time of 30 (``time.process_time``: the machine is shared). Target ≤ 3 ms.
- one chunk of play in-process: 25 epochs of the default preset (150 training points, batch 10),
  their 25 frames (boundary and neuron maps) and the JSON the view plays. Reported.
- a real server (``streamlit run app.py``), one browserless tab (``bench/st_client.py``) on
  ``/playground``: server CPU (``/proc/<pid>/stat``, which counts 10 ms ticks) per interaction,
  each kind (one epoch, a new learning rate, another activation, another network as the diagram's
  + and − write it, Reset) timed over 15 in a row; the median over the kinds. Target ≤ 20 ms.
- the same tab presses Play and plays for 20 s: server CPU per second of play (target ≤ 100 ms)
  and the frames per second the browser is given (chunks received × frames per chunk / 20 s;
  target ≥ 10).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time

import numpy as np

from bench.common import BenchRow, format_table, median_seconds

EPOCH_TARGET_S = 0.003
INTERACTION_TARGET_S = 0.020
PLAY_TARGET_S_PER_S = 0.100
FPS_TARGET = 10.0
PLAY_SECONDS = 20.0
REPEATS = 15
VIEW = "annviz.playground_view"


def median_cpu_seconds(fn, *, repeats: int, warmup: int) -> float:
    """Median CPU time (this process) of ``fn()``: on a shared machine, wall time also counts the others' work."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def engine_rows() -> list[BenchRow]:
    from annviz.optimizers import make_racer
    from annviz.playground import Regularization, feature_matrix, make_network, make_points, start_training, train_epoch

    points = make_points("circle", points=500, noise=10, seed=0)
    x, y = feature_matrix(points.x, ("x1", "x2")), points.y
    network = make_network(2, (8, 8), "tanh", "binary")
    rows = []
    for key in ("adam", "sgd"):
        state = start_training(network, make_racer(key), seed=0)

        def epoch(state=state) -> None:
            train_epoch(network, state.parameters, state.slots, state.iterations, state.optimizer, x, y, batch_size=10,
                        regularization=Regularization())

        value = median_cpu_seconds(epoch, repeats=30, warmup=3)
        rows.append(BenchRow(f"playground engine: one epoch, 500 points, batch 10, 2-8-8-1 tanh, {key}",
                             value * 1000, "ms", f"≤ {EPOCH_TARGET_S * 1000:g} ms", value <= EPOCH_TARGET_S))
    return rows


def chunk_row() -> BenchRow:
    from annviz.optimizers import make_racer
    from annviz.playground import make_points, make_regularization, make_setup, start_training, train_chunk
    from annviz.playground_plots import training_view_data
    from annviz.playground_settings import PRESETS

    preset = PRESETS["lecture_341"]
    points = make_points(preset.dataset, points=preset.points, noise=preset.noise, seed=preset.seed)
    setup = make_setup(points, train_percent=preset.train_percent, seed=preset.seed, features=preset.features,
                       hidden=preset.hidden, activation=preset.activation)
    racer = make_racer(preset.optimizer, learning_rate=preset.learning_rate)
    state = start_training(setup.network, racer, preset.seed, setup.train_xy, setup.test_xy)
    sizes = []

    def chunk() -> None:
        done = train_chunk(setup.network, state, setup.train_xy, setup.test_xy, epochs=25, batch_size=preset.batch_size,
                           regularization=make_regularization("none", 0.0))
        data = training_view_data(setup, done.state, done.snapshots, extent=(-6.0, 6.0, -6.0, 6.0), seconds=2.0)
        sizes.append(len(json.dumps(data)))

    value = median_seconds(chunk, repeats=10, warmup=2)
    return BenchRow(f"playground: one chunk in-process (25 epochs, 25 frames, {sizes[-1] / 1000:.0f} kB of JSON)",
                    value * 1000, "ms", "reported", True)


async def _server_measurements(url: str, pid: int) -> tuple[dict[str, float], float, float]:
    from bench.class_load import cpu_seconds
    from bench.st_client import StreamlitTab

    tab = StreamlitTab(url)
    first = await tab.open("playground")
    if first.failed:
        raise RuntimeError(f"/playground failed to open: {first.error or tab.exceptions}")
    # /proc counts CPU in 10 ms ticks: each kind of interaction is timed over REPEATS in a row.
    kinds = {"one epoch (Step)": lambda i: tab.click("pg_step"),
             "a new learning rate": lambda i: tab.set_value("pg_lr", 0.03 + 0.001 * i),
             "another activation": lambda i: tab.set_value("pg_activation", "relu" if i % 2 else "tanh"),
             "another network (+/−)": lambda i: tab.set_value("pg_hidden", "4, 4" if i % 2 == 0 else "4"),
             "Reset": lambda i: tab.click("pg_reset")}
    per_kind = {}
    for name, interact in kinds.items():
        before = cpu_seconds(pid)[0]
        for i in range(REPEATS):
            result = await interact(i)
            if result.failed:
                raise RuntimeError(f"{name} failed: {result.error or tab.exceptions}")
        per_kind[name] = (cpu_seconds(pid)[0] - before) / REPEATS
    await tab.set_value("pg_activation", "relu")
    await tab.set_value("pg_hidden", "4")
    await tab.click("pg_reset")
    await tab.click("pg_play")
    before, started, first_epoch = cpu_seconds(pid)[0], time.perf_counter(), _epoch(tab)
    await asyncio.sleep(PLAY_SECONDS)
    played_cpu, played, epochs = cpu_seconds(pid)[0] - before, time.perf_counter() - started, _epoch(tab) - first_epoch
    await tab.close()
    # Each epoch is one frame; the browser plays a chunk's frames evenly over the tick.
    return per_kind, played_cpu / played, epochs / played


def _epoch(tab) -> int:
    """The epoch the tab's view ends on (the last frame of the data the server sent it)."""
    for element in tab._elements():  # noqa: SLF001  (st_client reads alerts and progress only)
        if element.WhichOneof("type") == "bidi_component" and element.bidi_component.component_name == VIEW:
            return int(json.loads(element.bidi_component.json)["frames"][-1]["epoch"])
    raise RuntimeError("the playground shows no view")


def server_rows() -> list[BenchRow]:
    from bench.app_server import running_server

    with running_server() as (url, process):
        per_kind, cpu_per_second, fps = asyncio.run(_server_measurements(url, process.pid))
    median = statistics.median(per_kind.values())
    shown = ", ".join(f"{name} {value * 1000:.1f}" for name, value in per_kind.items())
    return [
        BenchRow(f"playground: server CPU per interaction, median over kinds ({shown} ms; each the mean of "
                 f"{REPEATS})", median * 1000, "ms", f"≤ {INTERACTION_TARGET_S * 1000:g} ms", median <= INTERACTION_TARGET_S),
        BenchRow(f"playground: server CPU per second of play ({PLAY_SECONDS:g} s of Play)", cpu_per_second * 1000, "ms/s",
                 f"≤ {PLAY_TARGET_S_PER_S * 1000:g} ms/s", cpu_per_second <= PLAY_TARGET_S_PER_S),
        BenchRow("playground: boundary frames per second the browser plays (epochs trained / time)", fps, "fps",
                 f"≥ {FPS_TARGET:g}", fps >= FPS_TARGET),
    ]


def run() -> list[BenchRow]:
    np.seterr(all="ignore")
    return [*engine_rows(), chunk_row(), *server_rows()]


if __name__ == "__main__":
    print(format_table(run()))
