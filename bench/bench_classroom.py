"""The class in the room on one server: 100 browserless students follow the lecturer and vote.

    python -m bench.bench_classroom                 # 100 students (the issue's class)
    python -m bench.bench_classroom --students 20   # a quick look

One server (``bench/class_app.py``: app.py's pages without its background TensorFlow
measurements, the in-process store), one lecturer tab and ``--students`` student tabs
(``bench/st_client.py``, the browser's own protocol: each tab's one-second fragment timer sends
its idle checks as a browser's would). Measured:

- the follower's idle check: the server's CPU (``/proc/<pid>/stat``) over ``--idle-s`` seconds
  with every follower polling and nothing changing, less the same server's CPU with only the
  lecturer connected, divided by the checks the tabs sent; beside it the same figure for a bare
  one-line fragment on a bare script (Streamlit's own floor for a fragment run, same machine);
- follow: for each of ``--moves`` lecturer clicks (Next / Previous), the time from the click to
  each follower's page showing the new step (p50, p95, max) and the server's CPU per follower per
  step (CPU of the move's window, less baseline and idle checks, over the followers);
- votes: the lecturer opens the vote, every student chooses and presses Vote at once; the
  projector's count and the histogram after closing must hold every vote (0 lost); server CPU per
  voting interaction (choose, press) and the latency of each.

The machine's load average is printed before and after: other engineers share its 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import plotly.io

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from bench.common import BenchRow, format_table  # noqa: E402
from bench.st_client import StreamlitTab  # noqa: E402
from conftest import free_port, start_streamlit, stop_server, wait_healthy  # noqa: E402

KEY = "bench lecturer key"
BARE_SCRIPT = """
import streamlit as st

@st.fragment(run_every=1)
def check():
    pass

st.write("bare")
check()
"""


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))] if ordered else float("nan")


class CountingTab(StreamlitTab):
    """A student tab that counts the idle checks (fragment auto-reruns) it sends."""

    checks = 0

    async def _send_rerun(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("is_auto_rerun"):
            CountingTab.checks += 1
        return await super()._send_rerun(*args, **kwargs)


def markdown(tab: StreamlitTab) -> list[str]:
    return [e.markdown.body for e in tab._elements() if e.WhichOneof("type") == "markdown"]


def on_step(text: str):
    return lambda tab: any(text in alert for alert in tab.alerts("info"))


async def gather_limited(coroutines: list, limit: int) -> list:
    gate = asyncio.Semaphore(limit)

    async def one(coroutine):
        async with gate:
            return await coroutine

    return await asyncio.gather(*(one(c) for c in coroutines))


async def timed_wait(tab: StreamlitTab, predicate, since: float, timeout_s: float) -> float | None:
    return time.perf_counter() - since if await tab.wait_until(predicate, timeout_s) else None


async def window_cpu(pid: int, seconds: float) -> float:
    before = cpu_s(pid)
    await asyncio.sleep(seconds)
    return cpu_s(pid) - before


async def bare_floor(idle_s: float, tabs: int, workdir: Path) -> float:
    """Server CPU per fragment run of a one-line fragment on a bare script (same machine, same config)."""
    script_dir = workdir / "bare"
    (script_dir / ".streamlit").mkdir(parents=True, exist_ok=True)
    (script_dir / "bare.py").write_text(BARE_SCRIPT)
    (script_dir / ".streamlit" / "config.toml").write_text((ROOT / ".streamlit" / "config.toml").read_text())
    port = free_port()
    process = start_streamlit(port, script="bare.py", cwd=script_dir)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, timeout=120)
        baseline = await window_cpu(process.pid, idle_s) / idle_s
        opened = [CountingTab(url) for _ in range(tabs)]
        await gather_limited([tab.open("") for tab in opened], 10)
        await asyncio.sleep(2)
        CountingTab.checks = 0
        spent = await window_cpu(process.pid, idle_s)
        checks = CountingTab.checks
        await asyncio.gather(*(tab.close() for tab in opened))
        return (spent - baseline * idle_s) / max(checks, 1)
    finally:
        stop_server(process)


async def lecture(args: argparse.Namespace) -> dict[str, Any]:
    port = free_port()
    process = start_streamlit(port, script="bench/class_app.py", env={"ANNVIZ_LECTURER_KEY": KEY})
    url = f"http://127.0.0.1:{port}"
    figures: dict[str, Any] = {"load_before": load(), "students": args.students}
    try:
        wait_healthy(url, process, timeout=120)
        setup = StreamlitTab(url)
        await setup.open("class")
        await setup.set_value("class_key_input", KEY)
        await setup.set_value("class_public_url", "https://annviz.example.org")
        await setup.click("class_start")
        code = next(body for body in markdown(setup) if "join=" in body).split("join=")[1][:8]
        await setup.close()
        projector = StreamlitTab(url)
        await projector.open("neuron", "lecture=1&step=1")
        await projector.set_value("class_key_input", KEY)
        await asyncio.sleep(1)
        figures["baseline_cpu_per_s"] = await window_cpu(process.pid, args.idle_s) / args.idle_s

        students = [CountingTab(url, timeout_s=120) for _ in range(args.students)]
        joined_at = time.perf_counter()
        joins = await gather_limited([s.open("class", f"join={code}") for s in students], args.open_limit)
        arrived = await asyncio.gather(*(s.wait_until(on_step("Step 1 of 3"), 60) for s in students))
        figures["join_s"] = time.perf_counter() - joined_at
        figures["joined"] = sum(arrived)
        figures["join_errors"] = sum(1 for r in joins if r.failed)

        print(f"joined: {figures['joined']} in {figures['join_s']:.1f} s", file=sys.stderr, flush=True)
        await asyncio.sleep(2)
        CountingTab.checks = 0
        idle_cpu = await window_cpu(process.pid, args.idle_s)
        idle_checks = CountingTab.checks
        per_check = (idle_cpu - figures["baseline_cpu_per_s"] * args.idle_s) / max(idle_checks, 1)
        figures.update(idle_checks=idle_checks, idle_cpu_s=idle_cpu, idle_check_ms=per_check * 1000)

        latencies: list[float] = []
        step_cpu: list[float] = []
        missing = 0
        plan = [("lecture_next", 2), ("lecture_next", 3), ("lecture_previous", 2), ("lecture_previous", 1)][: args.moves]
        for button, step in plan:
            CountingTab.checks = 0
            before = cpu_s(process.pid)
            started = time.perf_counter()
            await projector.click(button)
            times = await asyncio.gather(*(timed_wait(s, on_step(f"Step {step} of 3"), started, 30) for s in students))
            window = time.perf_counter() - started
            spent = cpu_s(process.pid) - before
            latencies += [t for t in times if t is not None]
            missing += sum(t is None for t in times)
            move_cpu = spent - figures["baseline_cpu_per_s"] * window - per_check * CountingTab.checks
            step_cpu.append(move_cpu / args.students)
            await asyncio.sleep(1.5)
        print(f"moves done: {len(latencies)} arrivals, {missing} missing", file=sys.stderr, flush=True)
        figures.update(
            follow_p50_s=percentile(latencies, 0.5), follow_p95_s=percentile(latencies, 0.95),
            follow_max_s=max(latencies, default=float("nan")), follow_missing=missing,
            step_cpu_ms=statistics.median(step_cpu) * 1000, moves=len(plan),
        )

        for _ in range(plan[-1][1] - 1 if plan else 0):  # back to step 1, where the question is asked
            await projector.click("lecture_previous")
        def can_ask(tab: StreamlitTab) -> bool:
            return tab.widget("class_open_neuron-bias") is not None

        if not await projector.wait_until(can_ask, 30):
            raise RuntimeError(f"the projector shows no question: {projector.alerts('info')} "
                               f"{[w.id.rsplit('-', 1)[-1] for w in projector.widgets()]} {projector.query_string}")
        await projector.click("class_open_neuron-bias")

        def choice_key(tab: StreamlitTab) -> str | None:
            return next((w.id.rsplit("-", 1)[-1] for w in tab.widgets() if "-class_choice_" in w.id), None)

        ready = await asyncio.gather(*(s.wait_until(lambda t: choice_key(t) is not None, 30) for s in students))
        figures["saw_question"] = sum(ready)
        choices = ("A · 4.2", "B · −0.8", "C · −1", "D · 0")
        vote_latencies: list[float] = []

        async def vote(index: int, tab: StreamlitTab) -> bool:
            key = choice_key(tab)
            if key is None:
                return False
            first = await tab.set_value(key, choices[index % len(choices)])
            second = await tab.click(key.replace("choice", "vote"))
            vote_latencies.extend([first.seconds, second.seconds])
            return any("Your vote is counted" in body for body in markdown(tab))

        CountingTab.checks = 0
        before, started = cpu_s(process.pid), time.perf_counter()
        counted = await asyncio.gather(*(vote(i, s) for i, s in enumerate(students)))
        window = time.perf_counter() - started
        spent = cpu_s(process.pid) - before - figures["baseline_cpu_per_s"] * window - per_check * CountingTab.checks
        expected = [0] * 4
        for index, ok in enumerate(counted):
            if ok:
                expected[index % 4] += 1
        projected = await projector.wait_until(
            lambda t: any(f"{sum(counted)} answered" in body for body in markdown(t)), 10)
        await projector.click("class_close")
        await projector.wait_until(lambda t: any("class_histogram" in e.plotly_chart.id for e in t._elements()
                                                 if e.WhichOneof("type") == "plotly_chart"), 10)
        charts = [e.plotly_chart for e in projector._elements()
                  if e.WhichOneof("type") == "plotly_chart" and "class_histogram" in e.plotly_chart.id]
        histogram = [int(v) for v in plotly.io.from_json(charts[0].spec).data[0].y] if charts else []
        figures.update(
            votes_confirmed=sum(counted), votes_projected_live=projected, histogram=histogram,
            votes_expected=expected, lost_votes=args.students - sum(histogram), lost_confirmed=sum(counted) - sum(histogram),
            vote_cpu_ms=spent / max(2 * sum(counted), 1) * 1000,
            vote_p50_s=percentile(vote_latencies, 0.5), vote_p95_s=percentile(vote_latencies, 0.95),
        )
        await asyncio.gather(*(s.close() for s in students))
        await projector.close()
    except BaseException:
        print(json.dumps(figures, indent=1), file=sys.stderr)
        raise
    finally:
        stop_server(process)
    figures["load_after"] = load()
    return figures


def rows(figures: dict[str, Any]) -> list[BenchRow]:
    n = figures["students"]
    return [
        BenchRow(f"classroom: follower's idle check, server CPU ({n} followers)", figures["idle_check_ms"], "ms", "≤ 2 ms",
                 figures["idle_check_ms"] <= 2.0, "bare one-line fragment", figures.get("bare_floor_ms")),
        BenchRow(f"classroom: lecturer's click → follower's new step, p95 ({n} followers)", figures["follow_p95_s"], "s",
                 "≤ 2 s", figures["follow_p95_s"] <= 2.0 and figures["follow_missing"] == 0),
        BenchRow("classroom: server CPU per follower per step", figures["step_cpu_ms"], "ms", "≤ 20 ms",
                 figures["step_cpu_ms"] <= 20.0),
        BenchRow("classroom: server CPU per voting interaction", figures["vote_cpu_ms"], "ms", "≤ 20 ms",
                 figures["vote_cpu_ms"] <= 20.0),
        BenchRow(f"classroom: votes lost of {n}", figures["lost_votes"], "votes", "0", figures["lost_votes"] == 0),
    ]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--idle-s", type=float, default=20.0)
    parser.add_argument("--moves", type=int, default=4)
    parser.add_argument("--open-limit", type=int, default=10, help="tabs opening at once while the class joins")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare-fragment floor")
    return parser.parse_args(argv)


def run(argv: list[str] | None = None) -> list[BenchRow]:
    args = parse_args(argv if argv is not None else [])
    figures = asyncio.run(lecture(args))
    if not args.no_bare:
        import tempfile

        with tempfile.TemporaryDirectory() as workdir:
            figures["bare_floor_ms"] = asyncio.run(bare_floor(args.idle_s, args.students, Path(workdir))) * 1000
    print(json.dumps(figures, indent=1), file=sys.stderr)
    return rows(figures)


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so the servers are stopped on a timeout
    print(format_table(run(argv if argv is not None else sys.argv[1:])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
