"""The optimizer race (lecture section 5): engine speed, page reruns, and the Keras path.

Run ``python -m bench.bench_optimizers`` (or ``python -m bench`` for every benchmark).

- NumPy engine: the page's default race (SGD, momentum, RMSprop, Adam × 500 steps) on every
  surface; the slowest surface's median is reported. Target ≤ 50 ms.
- page warm rerun: ``AppTest`` rerun of ``pages/p5_optimizers.py`` with unchanged settings,
  median of 7 after a warm-up; baseline: a one-line page's rerun. Target ≤ 100 ms.
- page rerun after a learning-rate change: every run a new η, so the race and its figures are
  rebuilt (nothing cached). Target ≤ 500 ms (this benchmark's own target: a lecturer's click).
- Keras path: the same default race with ``keras.optimizers`` (TensorFlow already imported),
  once with new optimizers (traced: a setting's first race) and once with re-used runners and a
  new learning rate (what the page does next); baseline: the NumPy engine on the same race.
  Target ≤ 2 s. The first Keras race of a process (TensorFlow import included) is reported too.
"""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path

from bench.common import BenchRow, format_table, median_seconds

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "p5_optimizers.py")
RACERS = ("sgd", "momentum", "rmsprop", "adam")
STEPS = 500
ENGINE_TARGET_S = 0.050
RERUN_TARGET_S = 0.100
CHANGED_RERUN_TARGET_S = 0.500
KERAS_TARGET_S = 2.0
BARE_APP = 'import streamlit as st\nst.write("hello")\n'


def engine_rows() -> list[BenchRow]:
    from annviz.optimizers import make_racer
    from annviz.race import race
    from annviz.surfaces import SURFACES

    racers = [make_racer(key) for key in RACERS]
    timings = {
        key: median_seconds(lambda s=surface: race(s, racers, s.start, STEPS), repeats=15, warmup=2)
        for key, surface in SURFACES.items()
    }
    slowest = max(timings, key=timings.get)
    value = timings[slowest]
    return [
        BenchRow(
            f"NumPy engine: 4 optimizers × {STEPS} steps (slowest surface: {slowest})",
            value * 1000, "ms", f"≤ {ENGINE_TARGET_S * 1000:g} ms", value <= ENGINE_TARGET_S,
        )
    ]


def page_rows() -> list[BenchRow]:
    from streamlit.logger import set_log_level
    from streamlit.testing.v1 import AppTest

    set_log_level("error")  # AppTest outside a server warns about a missing ScriptRunContext
    trivial = AppTest.from_string(BARE_APP, default_timeout=30)
    trivial.run()
    baseline = median_seconds(trivial.run, repeats=7, warmup=1)

    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    warm = median_seconds(at.run, repeats=7, warmup=2)
    failed = [str(e.value) for e in at.exception]

    rates = (0.01 + 0.0001 * i for i in itertools.count(1))

    def change_learning_rate() -> None:
        at.number_input(key="opt_sgd_learning_rate").set_value(next(rates)).run()

    changed = median_seconds(change_learning_rate, repeats=7, warmup=1)
    failed += [str(e.value) for e in at.exception]
    note = f" (EXCEPTION: {failed[0][:60]})" if failed else ""
    return [
        BenchRow(
            "optimizer page: warm rerun" + note, warm * 1000, "ms", f"≤ {RERUN_TARGET_S * 1000:g} ms",
            warm <= RERUN_TARGET_S and not failed, "trivial page", baseline * 1000,
        ),
        BenchRow(
            "optimizer page: rerun after a learning-rate change (new race and figures)" + note,
            changed * 1000, "ms", f"≤ {CHANGED_RERUN_TARGET_S * 1000:g} ms",
            changed <= CHANGED_RERUN_TARGET_S and not failed, "warm rerun", warm * 1000,
        ),
    ]


def keras_rows() -> list[BenchRow]:
    from annviz.optimizers import make_racer
    from annviz.race import keras_runner_settings, race
    from annviz.serving.keras_race import new_keras_runner, race_keras
    from annviz.surfaces import SURFACES

    ravine = SURFACES["ravine"]
    racers = [make_racer(key) for key in RACERS]
    # python -m bench runs this module in a fresh interpreter; run alone, nothing imports it either.
    imported_before = "tensorflow" in sys.modules
    start = time.perf_counter()
    race_keras(ravine, racers, ravine.start, STEPS)  # imports TensorFlow
    first = time.perf_counter() - start
    fresh = median_seconds(lambda: race_keras(ravine, racers, ravine.start, STEPS), repeats=5, warmup=1)
    runners: dict = {}

    def shared(surface, racer):
        key = (surface.key, racer.optimizer, keras_runner_settings(racer))
        return runners.setdefault(key, new_keras_runner(surface, racer))

    rates = (0.01 + 0.0001 * i for i in itertools.count(1))

    def reused_race() -> None:
        # A new learning rate each time, as on the page: the runners are re-used, not re-traced.
        changed = [make_racer(key, learning_rate=next(rates)) for key in RACERS]
        race_keras(ravine, changed, ravine.start, STEPS, runner_for=shared)

    reused = median_seconds(reused_race, repeats=5, warmup=1)
    engine = median_seconds(lambda: race(ravine, racers, ravine.start, STEPS), repeats=15, warmup=2)
    return [
        BenchRow(
            f"Keras path: 4 keras.optimizers × {STEPS} steps, new optimizers (traced)",
            fresh, "s", f"≤ {KERAS_TARGET_S:g} s", fresh <= KERAS_TARGET_S, "NumPy engine, same race", engine,
        ),
        BenchRow(
            f"Keras path: 4 keras.optimizers × {STEPS} steps, re-used runners (the page, new η)",
            reused, "s", f"≤ {KERAS_TARGET_S:g} s", reused <= KERAS_TARGET_S, "NumPy engine, same race", engine,
        ),
        BenchRow(
            "Keras path: first race of the process "
            + ("(TENSORFLOW WAS ALREADY IMPORTED)" if imported_before else "(TensorFlow import included)"),
            first, "s", "reported", not imported_before, "Keras path, new optimizers", fresh,
        ),
    ]


def run() -> list[BenchRow]:
    return engine_rows() + page_rows() + keras_rows()


if __name__ == "__main__":
    print(format_table(run()))
