"""The class-load benchmark in small: 20 browserless tabs for 20 s against a real server.

Asserts what must hold at any speed: every tab got its first page, no traceback, no disconnect,
no timeout, and one short training (a 2,000-image subset, 2 epochs) reports its fit time while
the others play. Speed is the benchmark's business (``python -m bench.class_load``).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import class_load  # noqa: E402
import pytest  # noqa: E402

pytestmark = pytest.mark.server  # real servers and a training: the full lane
from bench.app_server import serving_children  # noqa: E402


def test_twenty_students_for_twenty_seconds() -> None:
    args = class_load.parse_args([
        "--sessions-a", "20", "--sessions-b", "20", "--duration-b", "20", "--trainings", "1", "--no-quiet",
        "--training-query", "mnist_subset_size=2000&mnist_epochs=2", "--training-delay", "2", "--no-baseline",
    ])
    run = class_load.measure(class_load.ROOT, args)

    assert run.lecturer_first_page is not None and not run.lecturer_first_page.failed
    failed_pages = [(r.page, r.error, r.exceptions) for r in run.first_pages if r.failed]
    assert len(run.first_pages) == 20 and not failed_pages
    failed = [(r.page, r.label, r.error, r.exceptions) for r in run.interactions if r.failed]
    assert not failed, failed
    assert run.disconnects == 0
    assert len(run.interactions) >= 20 * 3  # every student played (a change every 2-4 s)
    assert {r.page for r in run.interactions} >= {"neuron", "metrics"}
    assert run.trainings[0].fit_s is not None, run.trainings[0].error


#: Every action that needs Keras, page by page: what the server must send to a worker.
KERAS_TOUR = (
    ("neuron", [("click", "neuron_keras_check")]),
    ("layers", [("click", "layers_count_params")]),
    ("activations", [("click", "act_tf_table")]),
    ("optimizers", [("set", "opt_keras", True)]),
    ("draw", [("stroke", "draw_canvas", 0), ("set", "draw_model", "Small CNN (shipped)")]),
    ("metrics", [("set", "metrics_tab", "Ten classes"), ("set", "metrics_tab", "Imbalance and threshold")]),
    ("limitations", [("set", "lim_dx", 4), ("set", "lim_tab", "Pixel shuffling"),
                     ("set", "lim_tab", "A first look at CNNs")]),
    ("mnist", [("set", "mnist_tab", "Explore the data"), ("set", "mnist_tab", "Train and test")]),
)


def server_maps_tensorflow(pid: int) -> list[str]:
    """The TensorFlow libraries mapped into a process (its /proc/PID/maps lines that name them)."""
    return sorted({line.split()[-1] for line in Path(f"/proc/{pid}/maps").read_text().splitlines() if "tensorflow" in line})


def test_the_server_never_loads_tensorflow_whatever_is_visited_checked_or_trained() -> None:
    from bench.st_client import StreamlitTab, canvas_stroke

    async def tour(url: str, pid: int) -> list[str]:
        tab = StreamlitTab(url)
        problems = []
        for page, actions in KERAS_TOUR:
            opened = await tab.open(page) if not tab.page else await tab.go_to(page)
            problems += [f"{page}: {opened.error} {opened.exceptions}"] if opened.failed else []
            for kind, key, *value in actions:
                if kind == "click":
                    result = await tab.click(key)
                elif kind == "stroke":
                    result = await tab.set_value(key, canvas_stroke(list(class_load.STROKES[value[0]])))
                else:
                    result = await tab.set_value(key, value[0])
                problems += [f"{page} {key}: {result.error} {result.exceptions}"] if result.failed else []
                problems += [f"{page} {key}: st.error {text}" for text in tab.alerts("error")]
        await tab.set_value("mnist_subset_size", 2000)
        await tab.set_value("mnist_epochs", 1)
        await tab.click("mnist_start")
        finished = await tab.wait_until(lambda t: any(class_load.FIT_TIME.search(x) for x in t.texts()), 180)
        problems += [] if finished else ["the training did not finish"]
        await tab.close()
        return problems

    with class_load.readme_server(class_load.ROOT) as (url, process):
        problems = class_load.run_coroutine(tour(url, process.pid))
        mapped = server_maps_tensorflow(process.pid)
    assert problems == []
    assert mapped == []


def training_processes(server_pid: int) -> list[int]:
    """The server's children that run a training (``python -m annviz.serving train``)."""
    return serving_children(server_pid, "train")


def test_a_tab_closed_mid_training_frees_its_process_within_ten_seconds() -> None:
    import time

    from bench.st_client import StreamlitTab

    async def start_then_leave(url: str, pid: int) -> tuple[list[int], float | None]:
        tab = StreamlitTab(url)
        await tab.open("mnist", "mnist_epochs=50&mnist_tab=Train+and+test")
        await tab.click("mnist_start")
        await tab.wait_until(lambda t: any("Epoch" in text for text in t.texts()), 120)
        running = training_processes(pid)
        await tab.close()  # the student closes the tab
        closed = time.monotonic()
        while time.monotonic() - closed < 15:
            if not training_processes(pid):
                return running, time.monotonic() - closed
            await asyncio.sleep(0.2)
        return running, None

    import asyncio

    with class_load.readme_server(class_load.ROOT) as (url, process):
        running, freed_after = class_load.run_coroutine(start_then_leave(url, process.pid))
    assert len(running) == 1
    assert freed_after is not None and freed_after < 10
