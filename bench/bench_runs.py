"""Compare runs (MNIST page): what picking a run costs the server, and what a session's runs hold.

    python -m bench.bench_runs

- A real server (``streamlit run app.py`` as README says) and one browserless tab
  (``bench.st_client``) train 8 short runs on the MNIST page, then tick and untick the runs'
  checkboxes; the server's CPU per tick (``/proc/<pid>/stat``, over many ticks, since the clock
  counts in 10 ms) is compared with a full rerun of the same page (a form setting changed) in
  the same run. The target is the issue's: ≤ 20 ms of server CPU with 8 runs, a fragment run.
- Memory: 8 runs trained for real (``annviz.serving.TrainingService``, the lecture's network, 50
  epochs of batches of 16: the longest histories) become the session's kept runs;
  ``annviz.runs.kept_run_bytes`` measures what they hold. Target ≤ 5 MB, beside the bare weights
  of 8 lecture MLPs.
"""

from __future__ import annotations

import asyncio
import time

from bench.app_server import ROOT, running_server
from bench.class_load import cpu_seconds
from bench.common import BenchRow
from bench.st_client import StreamlitTab

RUNS = 8
TICKS = 40
CPU_TARGET_S = 0.020
MEMORY_TARGET_BYTES = 5 * 2**20
#: Few images, the most epochs the form allows: the comparison's cost grows with runs and epochs,
#: not with images.
QUERY = "mnist_tab=Train+and+test&mnist_subset_size=600&mnist_epochs=50"
OPTIMIZERS = ("adam", "sgd", "rmsprop")


async def _train_runs(tab: StreamlitTab) -> None:
    for number in range(1, RUNS + 1):
        result = await tab.set_value("mnist_optimizer", OPTIMIZERS[(number - 1) % len(OPTIMIZERS)])
        if result.failed:
            raise RuntimeError(f"setting the optimizer failed: {result.error or result.exceptions}")
        result = await tab.click("mnist_start")
        if result.failed:
            raise RuntimeError(f"Start failed: {result.error or result.exceptions}")
        if not await tab.wait_until(lambda page, n=number: page.widget(f"mnist_pick_{n}") is not None, 300):
            raise RuntimeError(f"run {number} never appeared in the comparison: {tab.texts()[-5:]}")


async def _cpu_per_interaction(tab: StreamlitTab, pid: int, change, count: int) -> tuple[float, float]:
    """Mean server CPU seconds and mean wall seconds per interaction over ``count`` of them."""
    for warmup in range(2):
        await change(warmup)
    cpu_before, wall = cpu_seconds(pid)[0], 0.0
    for index in range(count):
        result = await change(index)
        if result.failed:
            raise RuntimeError(f"interaction failed: {result.error or result.exceptions}")
        wall += result.seconds
    return (cpu_seconds(pid)[0] - cpu_before) / count, wall / count


async def _page_figures(base_url: str, pid: int) -> dict[str, float]:
    tab = StreamlitTab(base_url, timeout_s=120)
    try:
        opened = await tab.open("mnist", QUERY)
        if opened.failed:
            raise RuntimeError(f"/mnist did not open: {opened.error or opened.exceptions}")
        await _train_runs(tab)
        await asyncio.sleep(3)  # the last run's page runs have ended

        def tick(index: int):
            key = f"mnist_pick_{index % RUNS + 1}"
            return tab.set_value(key, not tab.value(key))

        tick_cpu, tick_wall = await _cpu_per_interaction(tab, pid, tick, TICKS)
        checked = sum(bool(tab.value(f"mnist_pick_{n}")) for n in range(1, RUNS + 1))
        seeds = iter(range(100, 100 + TICKS))
        full_cpu, full_wall = await _cpu_per_interaction(
            tab, pid, lambda index: tab.set_value("mnist_seed", next(seeds)), TICKS // 2)
        return {"tick_cpu": tick_cpu, "tick_wall": tick_wall, "full_cpu": full_cpu, "full_wall": full_wall,
                "checked": checked}
    finally:
        await tab.close()


def page_rows() -> list[BenchRow]:
    with running_server(cwd=ROOT, as_readme=True) as (url, process):
        figures = asyncio.run(_page_figures(url, process.pid))
    return [
        BenchRow(
            f"compare runs: server CPU per run ticked or unticked ({RUNS} runs of 50 epochs kept, fragment)",
            figures["tick_cpu"] * 1000, "ms", f"≤ {CPU_TARGET_S * 1000:g} ms", figures["tick_cpu"] <= CPU_TARGET_S,
            "full MNIST-page rerun (a setting changed)", figures["full_cpu"] * 1000,
        ),
        BenchRow(
            "compare runs: tick to curves redrawn, wall time", figures["tick_wall"] * 1000, "ms", "reported", True,
            "full MNIST-page rerun", figures["full_wall"] * 1000,
        ),
    ]


def memory_rows() -> list[BenchRow]:
    from annviz.runs import kept_run_bytes, keep_run, run_of_job, weights_bytes
    from annviz.serving import TrainingService
    from annviz.training_config import TrainingConfig

    service = TrainingService(1)
    runs: tuple = ()
    started = time.monotonic()
    for number in range(1, RUNS + 1):
        config = TrainingConfig(optimizer=OPTIMIZERS[(number - 1) % len(OPTIMIZERS)], epochs=50, subset_size=2_000,
                                batch_size=16)
        job = service.submit(config, owner="bench")
        if not job.join(300):
            raise RuntimeError("a training did not end within 300 s")
        run = run_of_job(number, config, job.snapshot())
        if run is None or run.model is None:
            raise RuntimeError(f"training {number} gave no model: {job.snapshot().error}")
        runs, _ = keep_run(runs, run)
    measured = kept_run_bytes(runs)
    weights = sum(weights_bytes(run.model) for run in runs)
    return [BenchRow(
        f"compare runs: memory of {RUNS} kept runs (lecture MLP, 50 epochs of batches of 16 each; trained in "
        f"{time.monotonic() - started:.0f} s)",
        measured / 2**20, "MB", "≤ 5 MB", measured <= MEMORY_TARGET_BYTES,
        "their weights alone", weights / 2**20,
    )]


def run() -> list[BenchRow]:
    return page_rows() + memory_rows()


if __name__ == "__main__":
    from bench.common import format_table

    print(format_table(run()))
