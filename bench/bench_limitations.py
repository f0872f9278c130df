"""Benchmarks of the limitations page (section 9): the shift curves and a warm rerun on a slider move.

    python -m bench.bench_limitations

- Shift curves: MLP (NumPy) and CNN (Keras ``predict_on_batch``) on all 10,000 test images at
  0…8 px in three directions (25 measurements each), as the page computes them once per server.
  Baseline: the same 50 passes with plain ``model.predict`` on the unshifted images.
- Warm rerun: the page run by AppTest after its caches are warm, the dx slider moved to a new
  value each time; compared with a trivial one-line page run the same way in the same process.
  The slider's own work (shift, NumPy forward pass, the four figures) is reported beside it.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench.common import BenchRow, format_table, median_seconds

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "p9_limitations.py")
CURVES_TARGET_S = 10.0
RERUN_TARGET_S = 0.100
BARE_APP = "import streamlit as st\nst.slider('x', 0, 10, key='x')\n"
SLIDER_VALUES = [1, 2, 3, 4, 5, 6, 7, 8, -3, -6]


def curve_rows() -> list[BenchRow]:
    from annviz import limitations as lim
    from annviz.numpy_mlp import dense_layers
    from annviz.mnist import load_mnist
    from annviz.pretrained import model_inputs
    from annviz.serving.keras_models import load_pretrained

    x_test, y_test = load_mnist()[1]
    mlp, cnn = load_pretrained("mlp"), load_pretrained("cnn")
    predictors = {"mlp": lim.numpy_mlp_predictor("mlp", dense_layers(mlp)), "cnn": lim.keras_predictor("cnn", cnn)}
    predictors["cnn"](x_test[:2500])  # trace the predict function once, as the page's first CNN call does
    n_measurements = 1 + len(lim.SHIFT_DIRECTIONS) * lim.MAX_SHIFT

    seconds, cpu_seconds = {}, 0.0
    for name, predict in predictors.items():
        start, cpu_start = time.perf_counter(), time.process_time()
        lim.shift_accuracy_curves(predict, x_test, y_test)
        seconds[name] = time.perf_counter() - start
        cpu_seconds += time.process_time() - cpu_start

    inputs = {name: model_inputs(name, x_test) for name in ("mlp", "cnn")}
    for model in (mlp, cnn):
        model.predict(inputs["mlp" if model is mlp else "cnn"][:100], verbose=0)
    start = time.perf_counter()
    for _ in range(n_measurements):
        mlp.predict(inputs["mlp"], batch_size=1000, verbose=0)
        cnn.predict(inputs["cnn"], batch_size=1000, verbose=0)
    baseline = time.perf_counter() - start

    total = seconds["mlp"] + seconds["cnn"]
    return [
        BenchRow(
            f"limitations: shift curves, MLP + CNN, 10,000 images × {n_measurements} shifts",
            total, "s", f"≤ {CURVES_TARGET_S:g} s", total <= CURVES_TARGET_S,
            f"{n_measurements}× model.predict(x_test), both models", baseline,
        ),
        # On a machine shared with other work the wall time says little. The CPU time this process
        # used bounds what two idle cores need: between half of it (both cores busy) and all of it.
        BenchRow(
            "limitations: shift curves, CPU time of this process (both models)", cpu_seconds, "CPU-s",
            f"≤ {2 * CURVES_TARGET_S:g} CPU-s (needed for {CURVES_TARGET_S:g} s on 2 cores)", cpu_seconds <= 2 * CURVES_TARGET_S,
        ),
        BenchRow(
            "limitations: shift curves, MLP part (NumPy forward)", seconds["mlp"], "s",
            f"within the {CURVES_TARGET_S:g} s", total <= CURVES_TARGET_S,
        ),
        BenchRow(
            "limitations: shift curves, CNN part (predict_on_batch, chunks of 2,500)", seconds["cnn"], "s",
            f"within the {CURVES_TARGET_S:g} s", total <= CURVES_TARGET_S,
        ),
    ]


def slider_work_seconds() -> float:
    """What the page computes for one slider move, without Streamlit: shift, forward pass, figures."""
    import numpy as np

    from annviz import limitation_plots as plots
    from annviz import limitations as lim
    from annviz.mnist import load_mnist
    from annviz.numpy_mlp import dense_layers, layer_outputs
    from annviz.pretrained import model_inputs
    from annviz.serving.keras_models import load_pretrained

    x_test = load_mnist()[1][0]
    layers = dense_layers(load_pretrained("mlp"))
    state = {"i": 0}

    def move() -> None:
        state["i"] += 1
        dx = SLIDER_VALUES[state["i"] % len(SLIDER_VALUES)]
        shifted = lim.shift_image(x_test[0], dx, 0)
        hidden, *_, probabilities = layer_outputs(layers, model_inputs("mlp", np.stack([x_test[0], shifted])))
        change = lim.compare_activations(hidden[0], hidden[1])
        for fig in (
            plots.digit_pair_figure(x_test[0], shifted, titles=("a", "b")),
            plots.probability_figure(probabilities[0], probabilities[1], true_class=7),
            plots.activation_strip_figure(hidden[0], hidden[1], change),
            plots.activation_scatter_figure(hidden[0], hidden[1], float(change.correlation)),
        ):
            fig.to_json()

    return median_seconds(move, repeats=15, warmup=2)


def rerun_rows() -> list[BenchRow]:
    from streamlit.testing.v1 import AppTest

    trivial = AppTest.from_string(BARE_APP, default_timeout=30)
    trivial.run()
    trivial_state = {"i": 0}

    def trivial_move() -> None:
        trivial_state["i"] += 1
        trivial.slider(key="x").set_value(trivial_state["i"] % 10).run()

    baseline = median_seconds(trivial_move, repeats=9, warmup=1)

    page = AppTest.from_file(PAGE, default_timeout=600)
    page.run()  # imports TensorFlow, loads the models, measures the curves (once per process)
    page.run()
    state = {"i": 0}

    def move() -> None:
        state["i"] += 1
        page.slider(key="lim_dx").set_value(SLIDER_VALUES[state["i"] % len(SLIDER_VALUES)]).run()

    seconds = median_seconds(move, repeats=9, warmup=2)
    failed = bool(page.exception)
    work = slider_work_seconds()
    return [
        BenchRow(
            "limitations: warm rerun, dx slider moved (AppTest)" + (" (EXCEPTION)" if failed else ""),
            seconds * 1000, "ms", f"≤ {RERUN_TARGET_S * 1000:g} ms", seconds <= RERUN_TARGET_S and not failed,
            "trivial page, slider moved", baseline * 1000,
        ),
        BenchRow(
            "limitations: the slider's own work (shift, NumPy forward, 4 figures)", work * 1000, "ms",
            f"≤ {RERUN_TARGET_S * 1000:g} ms", work <= RERUN_TARGET_S,
        ),
    ]


def run() -> list[BenchRow]:
    from streamlit.logger import set_log_level

    set_log_level("error")  # AppTest outside a server warns about a missing ScriptRunContext
    # Reruns first: the trivial page's baseline is measured before TensorFlow is imported (and the
    # page freezes TensorFlow's objects out of the garbage collector, as it does on a server).
    rerun = rerun_rows()
    return curve_rows() + rerun


if __name__ == "__main__":
    print(format_table(run()))
