"""A whole class on one server: 100 tabs open the link, 60 students play, 3 train, no browser.

    python -m bench.class_load                       # full run, beside a baseline of 1da887f
    python -m bench.class_load --no-baseline --sessions-a 30 --sessions-b 20 --duration-b 30

Each tab is a :class:`bench.st_client.StreamlitTab` speaking Streamlit's own websocket protocol
(Chromium for 100 tabs would load the 2 cores more than the server does). The server runs
exactly as README says, ``streamlit run app.py`` with the project's ``.streamlit/config.toml``
and nothing else but the port, inside the tests' offline guard. The load only targets
127.0.0.1, is bounded in sessions and seconds, and stops by itself.

- (a) ``--sessions-a`` tabs open within 5 s (mostly the root, as "open the link", some deep
  links); each one's time to its first page rendered.
- (b) ``--sessions-b`` of those tabs each change a real widget every 2-4 s for ``--duration-b``
  seconds (sliders, selections, texts, canvas strokes, optimizer races, tabs, page moves); after
  ``--training-delay`` seconds of play, 3 more tabs open ``/mnist`` and press Start training with
  the lecture's settings: as many train at once as the server has training slots (one per core
  its page runs leave free, ``annviz.serving.training_slots``: 1 on 2 cores; ``--training-slots``
  sets ``ANNVIZ_TRAINING_SLOTS`` for the server), the others must be told they are queued. Their pages keep
  polling (``st.fragment(run_every=2)``) until each shows "N/10 epochs in X s.". The server's
  memory after the trainings is compared with the moment the first was started.
- quiet: the same training alone on the same server once the class has left, and two pressed
  together, for the ratios.

Server CPU comes from ``/proc/<pid>/stat`` (utime + stime; the tree adds live descendants and
reaped children), memory from VmRSS, sampled twice a second.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, Coroutine, Iterator, Sequence, TypeVar

from annviz.serving import SLOTS_VARIABLE, configured_training_slots
from bench.app_server import ROOT, running_server, server_log, tree_pss_bytes
from bench.common import BenchRow
from bench.st_client import RunResult, StreamlitTab, canvas_stroke

T = TypeVar("T")

DEFAULT_BASELINE = "1da887f"
#: Deep links a class may be given; the rest open the root ("open the link").
DEEP_LINKS = ("neuron", "activations", "optimizers", "mnist?mnist_tab=Explore+the+data", "draw", "metrics", "limitations", "layers")
#: Pages a playing student visits (url paths as app.py names them).
PLAY_PAGES = ("neuron", "activations", "optimizers", "limitations", "metrics", "mnist", "draw", "layers", "ann")
#: Widgets a student moves, per kind of change; anything else on a page is left alone
#: (Keras-check buttons, the training form, Start) so the class load stays what a lecture asks.
PLAYED_KEYS = (
    "neuron_m", "neuron_h", "neuron_activation", "neuron_x", "neuron_b",
    "act_range", "act_temperature", "act_shown", "act_logits",
    "opt_steps", "opt_surface", "opt_eps", "opt_same_lr", "opt_keras",
    "lim_dx", "lim_dy", "lim_tab", "lim_digit", "lim_index",
    "metrics_threshold", "metrics_tab", "metrics_y_true", "metrics_cell_true", "metrics_cell_pred", "metrics_digit",
    "mnist_tab", "mnist_index",
    "draw_canvas", "draw_model",
    "layers_input", "layers_task", "ann_layers",
)
#: Seconds a training may take under load before the benchmark gives up on it.
TRAINING_TIMEOUT_S = 900.0
FIT_TIME = re.compile(r"(\d+)/(\d+) epochs in (?:(\d+) min )?(\d+) s\.")
#: A few digits as one stroke each, on the draw page's 280-pixel canvas.
STROKES = (
    [(70, 60), (210, 60), (150, 230)],  # 7
    [(140, 40), (140, 240)],  # 1
    [(80, 80), (140, 40), (200, 80), (80, 230), (210, 230)],  # 2
    [(140, 40), (80, 140), (140, 240), (200, 140), (140, 40)],  # 0
)


# --------------------------------------------------------------------------- the server


def readme_server(cwd: Path) -> AbstractContextManager[tuple[str, subprocess.Popen]]:
    """``streamlit run app.py`` in ``cwd`` as README says: only where to listen is given on the
    command line, so ``.streamlit/config.toml`` decides everything else (the tests' servers
    also turn the file watcher off, which a class's server must do by its own config)."""
    return running_server(cwd=cwd, as_readme=True)


def _stat(pid: int) -> list[int]:
    """utime, stime, cutime, cstime of a process, in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return [int(value) for value in fields[11:15]]


def _descendants(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            pending += children
    return found


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU time of the server process, and of its whole tree (live descendants and reaped children)."""
    ticks = os.sysconf("SC_CLK_TCK")
    utime, stime, cutime, cstime = _stat(pid)
    tree = utime + stime + cutime + cstime
    for child in _descendants(pid):
        try:
            child_utime, child_stime, _, _ = _stat(child)
        except OSError:
            continue
        tree += child_utime + child_stime
    return (utime + stime) / ticks, tree / ticks


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class MemoryProbe:
    """Peak VmRSS of the server, and peak Pss of its whole tree (server and worker processes,
    shared pages counted once), sampled every half second in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_server = self.peak_tree = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> MemoryProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak_server = max(self.peak_server, rss_bytes(self.pid))
                self.peak_tree = max(self.peak_tree, tree_pss_bytes(self.pid))
            except OSError:
                return
            self._stop.wait(0.5)


# --------------------------------------------------------------------------- the class


@dataclass
class Training:
    """One Start training press and what its page said."""

    queued_seen: bool = False
    fit_s: float | None = None
    finished_after_s: float | None = None
    error: str = ""


@dataclass
class ClassRun:
    """Everything one server gave, for the rows."""

    lecturer_first_page: RunResult | None = None
    first_pages: list[RunResult] = field(default_factory=list)
    interactions: list[RunResult] = field(default_factory=list)
    trainings: list[Training] = field(default_factory=list)
    quiet_fit_s: float | None = None
    quiet_pair_fit_s: float | None = None
    cpu_per_interaction_s: float = 0.0
    tree_cpu_per_interaction_s: float = 0.0
    median_window_cpu_s: float = 0.0
    peak_server_rss: int = 0
    peak_tree_rss: int = 0
    rss_class_start: int = 0
    rss_before_trainings: int = 0
    rss_after_trainings: int = 0
    disconnects: int = 0


def random_change(
    tab: StreamlitTab, rng: random.Random, played: Sequence[str] = PLAYED_KEYS
) -> Callable[[], Awaitable[RunResult]] | None:
    """One real widget change a student could make on the tab's page (one of ``played``), or None if it has none."""
    keys = [key for key in played if tab.widget(key) is not None]
    if not keys:
        return None
    key = rng.choice(keys)
    widget = tab.widget(key)
    assert widget is not None
    proto, current = widget.proto, tab.value(key)
    if widget.kind == "slider":
        steps = max(1, round((proto.max - proto.min) / proto.step))
        value: object = proto.min + rng.randint(0, steps) * proto.step
    elif widget.kind == "number_input":
        low = proto.min if proto.has_min else 0.0
        high = proto.max if proto.has_max else max(float(current or 0) * 2, low + 10 * (proto.step or 1))
        high = min(high, low + 200 * (proto.step or 1))  # a student types a nearby number, not 59,999
        value = low + rng.randint(0, max(1, round((high - low) / (proto.step or 1)))) * (proto.step or 1)
    elif widget.kind in ("selectbox", "radio", "tabs"):
        value = rng.choice([option for option in widget.options if option != current] or widget.options)
    elif widget.kind == "multiselect":
        value = rng.sample(widget.options, rng.randint(1, min(4, len(widget.options))))
    elif widget.kind == "checkbox":
        value = not current
    elif widget.kind == "bidi_component":
        value = canvas_stroke(rng.choice(STROKES))
    elif widget.kind in ("text_input", "text_area"):
        value = edited_text(key, str(current), rng)
    else:
        return None
    return lambda: tab.set_value(key, value)


def edited_text(key: str, current: str, rng: random.Random) -> str:
    """A text edit a student makes: nudge one number, flip one label, or another architecture."""
    if key == "ann_layers":
        return "-".join(str(rng.randint(1, 8)) for _ in range(rng.randint(2, 5)))
    if key == "layers_hidden":
        return current
    parts = [part.strip() for part in current.split(",")]
    index = rng.randrange(len(parts))
    if key.startswith("metrics_y_"):
        parts[index] = "1" if parts[index] == "0" else "0"
    else:
        parts[index] = f"{rng.uniform(-3, 3):.1f}"
    return ", ".join(parts)


async def student(
    tab: StreamlitTab, rng: random.Random, until: float, results: list[RunResult], think_s: tuple[float, float] = (2.0, 4.0),
    played: Sequence[str] = PLAYED_KEYS,
) -> None:
    """Every 2-4 s (``think_s``), change a widget on the current page (one of ``played``); now and then, move to another page."""
    if tab.page not in PLAY_PAGES:
        moved = await tab.go_to(rng.choice(PLAY_PAGES))
        results.append(moved)
        if moved.failed and not tab.pages:
            return  # its first page never came (counted in (a)); one error here, not one every 3 s
    while time.monotonic() < until and not tab.closed_reason:
        await asyncio.sleep(rng.uniform(*think_s))
        if time.monotonic() >= until:
            break
        change = random_change(tab, rng, played) if rng.random() > 0.15 else None
        results.append(await (change() if change else tab.go_to(rng.choice([p for p in PLAY_PAGES if p != tab.page]))))


async def trainer(
    base_url: str, started: float, training: Training, tabs: list[StreamlitTab], query: str = "",
    *, after: Sequence[asyncio.Event] = (), pressed_event: asyncio.Event | None = None, delay_s: float = 0.0,
) -> None:
    """After ``delay_s``, open /mnist, press Start training (once the ``after`` trainers have
    pressed theirs, so the order of arrival is known), keep the page open until it reports its
    fit time."""
    await asyncio.sleep(delay_s)
    tab = StreamlitTab(base_url)
    tabs.append(tab)
    opened = await tab.open("mnist", "&".join(part for part in ("mnist_tab=Train+and+test", query) if part))
    for event in after:
        await event.wait()
    if opened.failed:
        training.error = opened.error or "; ".join(opened.exceptions)
        return
    pressed = await tab.click("mnist_start")
    if pressed_event is not None:
        pressed_event.set()
    if pressed.failed:
        training.error = pressed.error or "; ".join(pressed.exceptions)
        return

    def reported(page: StreamlitTab) -> bool:
        training.queued_seen |= any("Queued" in text for text in page.alerts("warning"))
        return any(FIT_TIME.search(text) for text in page.texts()) or bool(page.exceptions())

    if not await tab.wait_until(reported, TRAINING_TIMEOUT_S):
        training.error = tab.closed_reason or f"no result within {TRAINING_TIMEOUT_S:.0f} s"
        return
    training.finished_after_s = time.monotonic() - started
    match = next((m for text in tab.texts() if (m := FIT_TIME.search(text))), None)
    if match is None:
        training.error = "; ".join(tab.exceptions()) or "the page showed no fit time"
        return
    training.fit_s = int(match.group(3) or 0) * 60 + int(match.group(4))


def first_page_plan(sessions: int, rng: random.Random) -> list[tuple[float, str, str]]:
    """When each tab opens (uniform over 5 s) and which link it was given (7 in 10 the root)."""
    plan = []
    for index in range(sessions):
        link = "" if rng.random() < 0.7 else rng.choice(DEEP_LINKS)
        page, _, query = link.partition("?")
        plan.append((5.0 * index / sessions, page, query))
    return plan


async def open_class(base_url: str, sessions: int, rng: random.Random) -> tuple[list[StreamlitTab], list[RunResult]]:
    """Scenario (a): the tabs open within 5 s; they stay open (a class does not close its tabs)."""
    tabs = [StreamlitTab(base_url) for _ in range(sessions)]

    async def open_one(tab: StreamlitTab, delay: float, page: str, query: str) -> RunResult:
        await asyncio.sleep(delay)
        return await tab.open(page, query)

    plan = first_page_plan(sessions, rng)
    results = await asyncio.gather(*(open_one(tab, *step) for tab, step in zip(tabs, plan)))
    return tabs, list(results)


async def class_session(base_url: str, pid: int, args: argparse.Namespace, run: ClassRun) -> None:
    """Scenarios (a) and (b) on one server, then the quiet training."""
    rng = random.Random(args.seed)
    # The lecturer's tab opens the root first, as `streamlit run` does: a fresh server's first
    # run imports the app's modules, which no student waits for in class.
    lecturer = StreamlitTab(base_url)
    run.lecturer_first_page = await lecturer.open("")
    tabs, run.first_pages = await open_class(base_url, args.sessions_a, rng)
    tabs.append(lecturer)
    players = tabs[: args.sessions_b]
    while len(players) < args.sessions_b:  # more players than the class opened: they open the root too
        extra = StreamlitTab(base_url)
        run.first_pages.append(await extra.open(""))
        tabs.append(extra)
        players.append(extra)

    run.rss_class_start = rss_bytes(pid)
    cpu_start = cpu_seconds(pid)
    started = time.monotonic()
    until = started + args.duration_b
    run.trainings = [Training() for _ in range(args.trainings)]
    trainer_tabs: list[StreamlitTab] = []
    windows: list[tuple[float, int]] = []

    async def cpu_windows() -> None:
        """Server CPU per interaction over 5-s windows, for a median robust to a training's bursts."""
        last_cpu, last_count = cpu_start[0], 0
        while time.monotonic() < until:
            await asyncio.sleep(5.0)
            cpu, count = cpu_seconds(pid)[0], len(run.interactions)
            if count > last_count:
                windows.append(((cpu - last_cpu) / (count - last_count), count - last_count))
            last_cpu, last_count = cpu, count

    students = [student(tab, random.Random(rng.random()), until, run.interactions) for tab in players]
    # Each trainer presses Start once the ones before it have: the first ``slots`` run, the rest queue.
    pressed = [asyncio.Event() for _ in run.trainings]
    trainers = [
        trainer(base_url, started, training, trainer_tabs, args.training_query, after=pressed[:index],
                pressed_event=pressed[index], delay_s=args.training_delay)
        for index, training in enumerate(run.trainings)
    ]

    async def memory_before_trainings() -> None:
        """The server's RSS when the first Start is pressed: the class has played for a while, so
        the figure caches hold what a class puts in them, and what the trainings leave is what differs."""
        if pressed:
            await pressed[0].wait()
        run.rss_before_trainings = rss_bytes(pid)

    await asyncio.gather(*students, *trainers, cpu_windows(), memory_before_trainings())
    cpu_end = cpu_seconds(pid)
    count = max(1, len(run.interactions))
    run.cpu_per_interaction_s = (cpu_end[0] - cpu_start[0]) / count
    run.tree_cpu_per_interaction_s = (cpu_end[1] - cpu_start[1]) / count
    run.median_window_cpu_s = statistics.median(cpu for cpu, _ in windows) if windows else run.cpu_per_interaction_s
    if args.quiet:
        await asyncio.sleep(5.0)  # let the ended trainings' memory settle before reading RSS
    run.rss_after_trainings = rss_bytes(pid)
    run.disconnects = sum(1 for tab in tabs + trainer_tabs if tab.closed_reason)
    await asyncio.gather(*(tab.close() for tab in tabs + trainer_tabs))

    if args.trainings and args.quiet:
        quiet = Training()
        await trainer(base_url, time.monotonic(), quiet, trainer_tabs, args.training_query)
        run.quiet_fit_s = quiet.fit_s
        # Two trainings pressed together, now with no class: what they cost each other by themselves
        # (two slots: they share the cores; one: the second waits for the first).
        pair = [Training(), Training()]
        await asyncio.gather(*(trainer(base_url, time.monotonic(), t, trainer_tabs, args.training_query) for t in pair))
        fits = [t.fit_s for t in pair if t.fit_s is not None]
        run.quiet_pair_fit_s = statistics.mean(fits) if len(fits) == 2 else None
        await asyncio.gather(*(tab.close() for tab in trainer_tabs))


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` in a thread of its own: the caller's thread may already run an event loop
    (Playwright's sync API leaves one in the test process)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def measure(cwd: Path, args: argparse.Namespace) -> ClassRun:
    """One server started in ``cwd``, the whole class on it."""
    run = ClassRun()
    with readme_server(cwd) as (url, process), MemoryProbe(process.pid) as memory:
        try:
            run_coroutine(class_session(url, process.pid, args, run))
        except BaseException:
            print(server_log(process), file=sys.stderr)
            raise
        run.peak_server_rss, run.peak_tree_rss = memory.peak_server, memory.peak_tree
    return run


@contextmanager
def baseline_tree(ref: str) -> Iterator[Path]:
    """``git worktree add`` of ``ref`` in a temp dir, removed afterwards (the models and data come with it)."""
    target = Path(tempfile.mkdtemp(prefix="annviz-baseline-")) / "tree"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(target), ref], check=True, capture_output=True)
    try:
        yield target
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(target)], check=False, capture_output=True)
        shutil.rmtree(target.parent, ignore_errors=True)


# --------------------------------------------------------------------------- the rows


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (nearest rank), NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def figures(run: ClassRun, args: argparse.Namespace) -> list[tuple[str, float, str, str, bool]]:
    """(name, value, unit, target, ok) for one server's run; the part of a name before " · " is
    its stable key (the baseline's row of the same key goes beside it), the rest is detail."""
    first = [r.seconds for r in run.first_pages if not r.failed]
    first_errors = sum(r.failed for r in run.first_pages)
    lecturer = run.lecturer_first_page
    rows = [
        ("(a) lecturer's first page on the fresh server", lecturer.seconds if lecturer else float("nan"), "s", "renders",
         lecturer is not None and not lecturer.failed),
        (f"(a) first page p50 · {len(run.first_pages)} tabs open in 5 s", percentile(first, 0.5), "s", "report", True),
        ("(a) first page p95", percentile(first, 0.95), "s", "report", True),
        ("(a) first page max", max(first, default=float("nan")), "s", "all within 3 s", bool(first) and max(first) <= 3.0 and not first_errors),
        ("(a) first-page errors", first_errors, "", "0", first_errors == 0),
    ]
    ok_runs = [r for r in run.interactions if not r.failed]
    for page in sorted({r.page for r in run.interactions}):
        times = [r.seconds for r in ok_runs if r.page == page]
        rows.append((f"(b) /{page} interaction p50 · p95 {percentile(times, 0.95):.2f} s, max {max(times, default=float('nan')):.2f} s, {len(times)} runs",
                     percentile(times, 0.5), "s", "p95 ≤ 1 s", percentile(times, 0.95) <= 1.0))
    times = [r.seconds for r in ok_runs]
    errors = sum(r.failed for r in run.interactions) + run.disconnects
    alerts = sum(bool(r.error_alerts) for r in run.interactions)
    rows += [
        (f"(b) interactions · {args.sessions_b} students, {args.duration_b:.0f} s", len(run.interactions), "", "report", True),
        ("(b) interaction p50", percentile(times, 0.5), "s", "≤ 0.2 s", percentile(times, 0.5) <= 0.2),
        ("(b) interaction p95", percentile(times, 0.95), "s", "≤ 1 s", percentile(times, 0.95) <= 1.0),
        ("(b) errors (tracebacks, disconnects, timeouts)", errors, "", "0", errors == 0),
        ("(b) interactions showing st.error", alerts, "", "report (the app's advice on bad input)", True),
        ("(b) server CPU per interaction, median of 5-s windows", run.median_window_cpu_s * 1000, "ms", "≤ 20 ms", run.median_window_cpu_s <= 0.020),
        ("(b) server CPU per interaction, mean", run.cpu_per_interaction_s * 1000, "ms", "report", True),
        ("(b) process-tree CPU per interaction, mean", run.tree_cpu_per_interaction_s * 1000, "ms", "report", True),
        ("(b) peak server RSS", run.peak_server_rss / 2**20, "MB", "≤ 2.2 GB", run.peak_server_rss <= 2.2e9),
        ("(b) peak memory of the whole process tree (Pss: server and workers, shared pages once)", run.peak_tree_rss / 2**20,
         "MB", "≤ 2.7 GB (Community Cloud's cap)", run.peak_tree_rss <= 2.7e9),
        (f"(b) server RSS after the trainings − when the first was started ({args.training_delay:.0f} s into the class)",
         (run.rss_after_trainings - run.rss_before_trainings) / 2**20, "MB",
         "≤ 100 MB", run.rss_after_trainings - run.rss_before_trainings <= 100 * 2**20),
        ("(b) server RSS at the end − at the start of the class (the figure caches filling)",
         (run.rss_after_trainings - run.rss_class_start) / 2**20, "MB", "report", True),
    ]
    for index, training in enumerate(run.trainings, start=1):
        quiet = run.quiet_fit_s
        fit = training.fit_s if training.fit_s is not None else float("nan")
        ok = training.fit_s is not None and quiet is not None and training.fit_s <= 1.3 * quiet
        note = f"finished {training.finished_after_s:.0f} s into (b)" if training.finished_after_s else training.error
        rows.append((f"(b) training {index} fit time · {note}", fit, "s",
                     f"≤ 1.3× quiet ({quiet if quiet is not None else 'n/a'} s)", ok))
    for index, training in enumerate(run.trainings, start=1):
        waited = training.finished_after_s - args.training_delay if training.finished_after_s else float("nan")
        rows.append((f"(b) training {index}: Start pressed to result shown (queue, start, fit, test)", waited, "s",
                     "report", training.finished_after_s is not None))
    slots = configured_training_slots()  # the served app's own rule, on this machine
    if len(run.trainings) > slots:
        told = sum(t.queued_seen for t in run.trainings)
        rows.append((f"(b) trainings told they are queued · {slots} training slot(s)", told, "",
                     f"= {len(run.trainings) - slots}", told == len(run.trainings) - slots))
    if run.trainings and args.quiet:
        rows.append(("quiet server: the same training's fit time", run.quiet_fit_s if run.quiet_fit_s is not None else float("nan"),
                     "s", "report", run.quiet_fit_s is not None))
        pair = run.quiet_pair_fit_s
        rows.append(("quiet server: two such trainings pressed together, mean fit time", pair if pair is not None else float("nan"),
                     "s", "report", pair is not None))
        loaded = [t.fit_s for t in run.trainings[:2] if t.fit_s is not None]
        if pair and len(loaded) == 2:
            ratio = statistics.mean(loaded) / pair
            rows.append(("(b) the two trainings' mean fit time ÷ the same two on a quiet server", ratio, "×",
                         "report (what the class adds)", True))
    return rows


def class_rows(current: ClassRun, args: argparse.Namespace, baseline: ClassRun | None = None) -> list[BenchRow]:
    """The rows of the current code, each with the baseline's figure of the same name beside it."""
    before = {name.split(" · ")[0]: value for name, value, *_ in figures(baseline, args)} if baseline else {}
    rows = []
    for name, value, unit, target, ok in figures(current, args):
        reference = before.get(name.split(" · ")[0])
        rows.append(BenchRow(f"class load {name}", float(value), unit, target, ok,
                             args.baseline if reference is not None else "", reference))
    return rows


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.class_load", description=__doc__.splitlines()[0])
    parser.add_argument("--sessions-a", type=int, default=100, help="tabs opening within 5 s (scenario a)")
    parser.add_argument("--sessions-b", type=int, default=60, help="students changing widgets (scenario b)")
    parser.add_argument("--duration-b", type=float, default=120.0, help="seconds of scenario b")
    parser.add_argument("--trainings", type=int, default=3, help="tabs pressing Start training on /mnist (0: none)")
    parser.add_argument("--no-quiet", action="store_false", dest="quiet", help="skip the quiet-server training")
    parser.add_argument("--training-query", default="", help="query string of the training tabs, e.g. mnist_subset_size=2000")
    parser.add_argument("--training-delay", type=float, default=30.0,
                        help="seconds of play before the first Start (the memory row compares with that moment)")
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="git ref measured the same way beside it")
    parser.add_argument("--no-baseline", action="store_const", const="", dest="baseline", help="measure only the working tree")
    parser.add_argument("--training-slots", type=int, default=None,
                        help=f"trainings the server runs at once (sets {SLOTS_VARIABLE}; default: the app's own rule)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--app-dir", type=Path, default=ROOT, help="the checkout whose app.py is served (default: this one)")
    args = parser.parse_args(argv)
    for name in ("sessions_a", "sessions_b", "trainings"):
        if getattr(args, name) < 0 or getattr(args, name) > 500:
            parser.error(f"--{name.replace('_', '-')} must be between 0 and 500")
    if not 0 < args.duration_b <= 1800:
        parser.error("--duration-b must be between 0 and 1800 s")
    if args.training_slots is not None:
        if not 1 <= args.training_slots <= 16:
            parser.error("--training-slots must be between 1 and 16")
        os.environ[SLOTS_VARIABLE] = str(args.training_slots)  # the servers it starts inherit it
    return args


def run(argv: list[str] | None = None) -> list[BenchRow]:
    """The class-load rows for ``python -m bench`` (full size, beside the default baseline)."""
    args = parse_args(argv or [])
    current = measure(args.app_dir, args)
    baseline = None
    if args.baseline:
        with baseline_tree(args.baseline) as tree:
            baseline = measure(tree, args)
    return class_rows(current, args, baseline)


DOC_MARKERS = ("<!-- class:start -->", "<!-- class:end -->")


def main(argv: list[str] | None = None) -> int:
    """Print the table; with ``--docs`` also put it between docs/benchmarks.md's class markers."""
    from bench.__main__ import BENCH_DOC, replace_table_block
    from bench.common import format_table

    argv = list(sys.argv[1:] if argv is None else argv)
    write_doc = "--docs" in argv
    if write_doc:
        argv.remove("--docs")
    rows = run(argv)
    table = format_table(rows)
    print(table)
    if write_doc:
        BENCH_DOC.write_text(replace_table_block(BENCH_DOC.read_text(), table, *DOC_MARKERS))
    return 0 if all(row.ok for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
