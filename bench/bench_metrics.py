"""Benchmarks of the metrics page (section 8): each figure beside a baseline in the same state.

    python -m bench.bench_metrics

Every page run goes through Streamlit's AppTest, so the figures include Streamlit's own work
(widgets, element serialisation, the post-run clean-up). Each is compared like with like:

- the worked example's first session of a fresh interpreter (the page's imports paid) against
  a one-line page's first session of a fresh interpreter (Streamlit's own first run), and a
  second session of the same interpreter against the one-line page's second session; both
  pages in :data:`FRESH_PAIRS` fresh interpreters each, alternated, medians. The worked example
  must not import TensorFlow.
- the first visit of a tab that needs the test set's predictions, the page's modules imported
  (by a run of its worked example) and caches empty, against the same computation without Streamlit (the test set read, the shipped MLP's weights read, its
  NumPy forward pass on the 10,000 images), measured just before, caches empty too.
- warm reruns that change a widget against a one-slider page whose slider moves each rerun
  (what Streamlit itself costs for a widget change).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

from bench.common import BenchRow, format_table, median_seconds

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "p8_metrics.py")
RERUN_TARGET_S = 0.100
FIRST_VISIT_TARGET_S = 3.0
#: The issue's only target for a first visit is 3 s; the worked example must meet it without
#: TensorFlow at all, paying scikit-learn's and pandas' imports once per server.
WORKED_EXAMPLE_TARGET_S = 3.0
BARE_APP = "import streamlit as st\nst.write('x')\n"
SLIDER_APP = "import streamlit as st\nst.slider('x', 0, 10, key='x')\n"
FRESH_PAIRS = 3

#: One script in a fresh interpreter: its first session (which pays the script's imports), a
#: second session (what every later student gets), and whether TensorFlow got imported.
FRESH_SESSIONS_CODE = """
import json, sys, time
from streamlit.logger import set_log_level
from streamlit.testing.v1 import AppTest
set_log_level("error")
def visit():
    start = time.perf_counter()
    at = AppTest.from_file(sys.argv[1], default_timeout=60)
    at.run()
    return time.perf_counter() - start, not at.exception
first, first_ok = visit()
second, second_ok = visit()
print(json.dumps({"first": first, "second": second, "tensorflow": "tensorflow" in sys.modules,
                  "ok": first_ok and second_ok}))
"""


def fresh_sessions(script: str) -> dict:
    """:data:`FRESH_SESSIONS_CODE` on ``script`` in a new interpreter: its measurements."""
    result = subprocess.run(
        [sys.executable, "-c", FRESH_SESSIONS_CODE, script], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    if result.returncode:
        raise RuntimeError(f"{Path(script).name} in a fresh interpreter: {result.stderr.strip()[-300:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _page(tab: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(PAGE, default_timeout=180)
    at.query_params["metrics_tab"] = tab
    return at


def _cycling(values: list, change: Callable[[object], None]) -> Callable[[], None]:
    """A rerun that changes a widget to the next of ``values`` each time (a real change every call)."""
    state = {"i": 0}

    def rerun() -> None:
        state["i"] += 1
        change(values[state["i"] % len(values)])

    return rerun


def rerun_rows(baseline_s: float, repeats: int = 7) -> list[BenchRow]:
    threshold_page = _page("Imbalance and threshold")
    threshold_page.run()
    threshold_page.run()
    threshold_change = _cycling(
        [0.2, 0.35, 0.5, 0.65, 0.8, 0.95, 0.05, 0.45],
        lambda t: threshold_page.slider(key="metrics_threshold").set_value(t).run(),
    )
    cell_page = _page("Ten classes")
    cell_page.run()
    cell_page.run()
    cell_change = _cycling([4, 9, 7, 2, 3, 5], lambda c: cell_page.selectbox(key="metrics_cell_true").set_value(c).run())
    example_page = _page("")
    example_page.run()
    example_edit = _cycling(
        ["1, 0, 1, 1, 0, 1, 1", "1, 0, 1, 1, 0, 1, 0"],
        lambda text: example_page.text_input(key="metrics_y_pred").set_value(text).run(),
    )
    rows = []
    for name, rerun, page in (
        ("metrics: warm rerun, threshold slider moved", threshold_change, threshold_page),
        ("metrics: warm rerun, confusion-matrix cell changed", cell_change, cell_page),
        ("metrics: warm rerun, worked example edited", example_edit, example_page),
    ):
        seconds = median_seconds(rerun, repeats=repeats, warmup=2)
        failed = bool(page.exception)
        rows.append(
            BenchRow(
                name + (" (EXCEPTION)" if failed else ""), seconds * 1000, "ms",
                f"≤ {RERUN_TARGET_S * 1000:g} ms", seconds <= RERUN_TARGET_S and not failed,
                "one-slider page, slider moved", baseline_s * 1000,
            )
        )
    return rows


def _tab_work_seconds() -> float:
    """What a predictions tab computes on its first visit, without Streamlit: seconds."""
    from annviz.numpy_mlp import load_dense_layers, mlp_probabilities
    from annviz.mnist import load_mnist
    from annviz.pretrained import model_inputs

    start = time.perf_counter()
    x_test = load_mnist()[1][0]
    mlp_probabilities(load_dense_layers("mlp"), model_inputs("mlp", x_test))
    return time.perf_counter() - start


def first_visit_rows() -> list[BenchRow]:
    """Fresh caches: read the test set and the shipped MLP, predict 10,000 images, draw the tab."""
    import streamlit as st

    _tab_work_seconds()  # the files into the OS's cache once, for both sides alike
    # The page's imports once (the worked example's rows measure them), so each tab's row
    # times the same thing: filling its caches, not whichever tab happens to come first.
    _page("").run()
    rows = []
    for tab in ("Ten classes", "Imbalance and threshold"):
        st.cache_data.clear()
        st.cache_resource.clear()
        bare = _tab_work_seconds()
        st.cache_data.clear()
        st.cache_resource.clear()
        at = _page(tab)
        start = time.perf_counter()
        at.run()
        seconds = time.perf_counter() - start
        rows.append(
            BenchRow(
                f"metrics: first visit of “{tab}”, page imported, caches empty" + (" (EXCEPTION)" if at.exception else ""),
                seconds, "s", f"≤ {FIRST_VISIT_TARGET_S:g} s", seconds <= FIRST_VISIT_TARGET_S and not at.exception,
                "its computation alone: test set, MLP weights, NumPy forward of 10,000 images", bare,
            )
        )
    if "tensorflow" in sys.modules:  # the server answers the shipped MLP in NumPy
        rows = [replace(row, name=row.name + " (IMPORTED TENSORFLOW)", ok=False) for row in rows]
    return rows


def worked_example_rows() -> list[BenchRow]:
    """The worked example and a one-line page, each in fresh interpreters, alternated."""
    runs: dict[str, list[dict]] = {"page": [], "bare": []}
    with tempfile.TemporaryDirectory() as folder:
        bare = Path(folder) / "bare.py"
        bare.write_text(BARE_APP)
        for pair in range(FRESH_PAIRS):
            for side in ("bare", "page") if pair % 2 == 0 else ("page", "bare"):
                runs[side].append(fresh_sessions(PAGE if side == "page" else str(bare)))
    median = {
        (side, session): statistics.median(run[session] for run in runs[side])
        for side in runs for session in ("first", "second")
    }
    tensorflow = any(run["tensorflow"] for run in runs["page"])
    fine = all(run["ok"] for run in runs["page"] + runs["bare"]) and not tensorflow
    note = " (IMPORTED TENSORFLOW)" if tensorflow else ""
    target = f"≤ {WORKED_EXAMPLE_TARGET_S:g} s, no TensorFlow"
    return [
        BenchRow(
            f"metrics: worked example, first session of a fresh interpreter (median of {FRESH_PAIRS})" + note,
            median["page", "first"], "s", target, fine and median["page", "first"] <= WORKED_EXAMPLE_TARGET_S,
            "one-line page, first session of a fresh interpreter", median["bare", "first"],
        ),
        BenchRow(
            "metrics: worked example, a second session of that interpreter" + note,
            median["page", "second"], "s", target, fine and median["page", "second"] <= WORKED_EXAMPLE_TARGET_S,
            "one-line page, second session", median["bare", "second"],
        ),
    ]


def _slider_rerun_seconds() -> float:
    """Median rerun of a one-slider page whose slider moves to a new value each time."""
    from streamlit.testing.v1 import AppTest

    page = AppTest.from_string(SLIDER_APP, default_timeout=30)
    page.run()
    move = _cycling(list(range(11)), lambda value: page.slider(key="x").set_value(value).run())
    return median_seconds(move, repeats=9, warmup=2)


def run() -> list[BenchRow]:
    from streamlit.logger import set_log_level

    set_log_level("error")  # AppTest outside a server warns about a missing ScriptRunContext
    rows = worked_example_rows()
    rows += first_visit_rows()
    rows += rerun_rows(_slider_rerun_seconds())
    return rows


if __name__ == "__main__":
    print(format_table(run()))
