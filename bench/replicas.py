"""One replica against two behind HAProxy, in the same run: interactions per second at the same p95.

    python -m bench.replicas                 # about 10 minutes; --docs writes docs/hosting.md's table
    python -m bench.replicas --ladder 20,40 --step-s 15    # a quick look

The replicas and the proxy are ``bench/replica_set.py``'s: ``streamlit run app.py`` as README
says, Debian's HAProxy with ``deploy/haproxy.cfg`` as compose runs it. The students are
``bench/class_load.py``'s (its browserless tabs and its ``student``: a real widget change every
2-4 s, now and then another page), so both benchmarks load the app the same way.

- Proxy overhead: one tab straight to a replica and one through the proxy to the same replica,
  the same changes in turn (the two alternate, so drift hits both alike); medians compared.
- Throughput at the same p95: each setup is driven at increasing offered load (``--ladder``
  students, ``--step-s`` seconds each, after an unmeasured warm-up). A step's throughput is its
  interactions per second, its latency the p95 of those interactions. The figure compared is
  the throughput at which p95 reaches ``--bound`` (1 s), interpolated linearly between the last
  step under it and the first above; if a setup never reaches it, its best step is a lower
  bound. Why this way: the offered load of a class grows with its size, and a p95 bound is what a
  student notices, so "how many interactions per second before p95 passes 1 s" is the capacity;
  comparing at a fixed load instead would compare two latencies far below the bound.
- Fault: replica b is killed (SIGKILL) with tabs on it; the seconds until HAProxy's health
  check logs it DOWN, and until it is UP again once restarted.

The load generator runs on the same 2 cores as the replicas; its own CPU per interaction is
reported, since the second replica can only use what the generator and the proxy leave.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from bench.app_server import tree_pss_bytes
from bench.class_load import PLAYED_KEYS, MemoryProbe, cpu_seconds, open_class, percentile, random_change, run_coroutine, student
from bench.common import BenchRow, format_table
from bench.replica_set import SERVER_NAMES, ReplicaSet, running_replicas
from bench.st_client import RunResult, StreamlitTab

DOC_MARKERS = ("<!-- replicas:start -->", "<!-- replicas:end -->")


@dataclass
class Step:
    """One offered load on one setup: what the students got."""

    students: int
    seconds: float
    results: list[RunResult] = field(default_factory=list)
    open_errors: int = 0
    disconnects: int = 0
    client_cpu_s: float = 0.0
    server_cpu_s: float = 0.0
    #: CPU seconds the whole machine spent meanwhile (all cores, /proc/stat): what is left after
    #: the replicas, the load generator and HAProxy is other work sharing the cores.
    machine_cpu_s: float = 0.0
    proxy_cpu_s: float = 0.0
    #: Wall seconds those CPU figures cover (the play, until its last interaction ended).
    window_s: float = 1.0

    @property
    def others_cores(self) -> float:
        return max(0.0, self.machine_cpu_s - self.server_cpu_s - self.client_cpu_s - self.proxy_cpu_s) / self.window_s

    @property
    def ok_times(self) -> list[float]:
        return [r.seconds for r in self.results if not r.failed]

    @property
    def errors(self) -> int:
        return sum(r.failed for r in self.results) + self.open_errors + self.disconnects

    @property
    def rate(self) -> float:
        return len(self.ok_times) / self.seconds

    @property
    def p50(self) -> float:
        return percentile(self.ok_times, 0.5)

    @property
    def p95(self) -> float:
        return percentile(self.ok_times, 0.95)


def process_cpu_s() -> float:
    """CPU seconds of this process (the load generator), all its threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def machine_cpu_s() -> float:
    """CPU seconds the machine has spent busy (all cores: /proc/stat, not idle, not iowait)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def proxy_cpu_s(replica_set: ReplicaSet) -> float:
    return cpu_seconds(replica_set.proxy.pid)[0] if replica_set.proxy is not None else 0.0


def replicas_cpu_s(replica_set: ReplicaSet) -> float:
    """CPU seconds of every running replica's whole process tree."""
    return sum(cpu_seconds(process.pid)[1] for process in replica_set.servers.values())


async def play(base_url: str, students: int, seconds: float, seed: int, think_s: tuple[float, float],
               replica_set: ReplicaSet, played: Sequence[str] = PLAYED_KEYS) -> Step:
    """``students`` tabs open through ``base_url`` within 5 s, then play for ``seconds``."""
    rng = random.Random(seed)
    tabs, first_pages = await open_class(base_url, students, rng)
    step = Step(students, seconds, open_errors=sum(r.failed for r in first_pages))
    client, server, machine, proxy = process_cpu_s(), replicas_cpu_s(replica_set), machine_cpu_s(), proxy_cpu_s(replica_set)
    began = time.monotonic()
    until = began + seconds
    await asyncio.gather(*(student(tab, random.Random(rng.random()), until, step.results, think_s, played) for tab in tabs))
    step.client_cpu_s, step.server_cpu_s = process_cpu_s() - client, replicas_cpu_s(replica_set) - server
    step.machine_cpu_s, step.proxy_cpu_s = machine_cpu_s() - machine, proxy_cpu_s(replica_set) - proxy
    step.window_s = time.monotonic() - began
    step.disconnects = sum(1 for tab in tabs if tab.closed_reason)
    await asyncio.gather(*(tab.close() for tab in tabs))
    return step


def wait_quiet(replica_set: ReplicaSet, *, cores: float = 0.1, timeout_s: float = 120.0) -> float:
    """Until the replicas' trees use under ``cores`` (a fresh server's measurements worker has
    ended, closed sessions are cleaned up); returns the seconds waited."""
    started = time.monotonic()
    last = replicas_cpu_s(replica_set)
    while time.monotonic() - started < timeout_s:
        time.sleep(2.0)
        now = replicas_cpu_s(replica_set)
        if (now - last) / 2.0 < cores:
            break
        last = now
    return time.monotonic() - started


def ladder(replica_set: ReplicaSet, args: argparse.Namespace, label: str) -> list[Step]:
    """The offered loads of ``--ladder`` on one setup, up to the first step past the bound (and one more)."""
    run_coroutine(play(replica_set.proxy_url, args.warmup, args.step_s, args.seed, args.think, replica_set, args.played))
    steps: list[Step] = []
    past = 0
    for index, students in enumerate(args.ladder):
        wait_quiet(replica_set)
        step = run_coroutine(play(replica_set.proxy_url, students, args.step_s, args.seed + index, args.think, replica_set,
                                  args.played))
        steps.append(step)
        print(f"{label}: {students} students, {step.rate:.1f}/s, p50 {step.p50:.3f} s, p95 {step.p95:.3f} s, "
              f"{step.errors} errors, client CPU {1000 * step.client_cpu_s / max(1, len(step.results)):.1f} ms/interaction, "
              f"replica CPU {step.server_cpu_s / step.window_s:.2f} cores, haproxy {step.proxy_cpu_s / step.window_s:.2f}, "
              f"other work on the machine {step.others_cores:.2f} cores", file=sys.stderr, flush=True)
        past = past + 1 if step.p95 > args.bound or step.errors > 0 else 0
        if past >= 2:  # two steps in a row beyond the bound confirm it; more only costs time
            break
    return steps


def rate_at_bound(steps: Sequence[Step], bound: float) -> tuple[float, bool]:
    """The most interactions per second sustained with p95 within ``bound``: the last step within
    it, interpolated linearly towards the next step (past the bound) to where p95 reaches it; and
    whether a step past the bound was measured (if not, the figure is a lower bound).

    The *last* step within the bound counts, not the first crossing: other work sharing the
    machine can push one step's p95 over the bound while a higher load, measured in a quieter
    moment, stays within it.

    >>> s = [Step(10, 1.0), Step(20, 1.0), Step(30, 1.0)]
    >>> for step, (n, p95) in zip(s, [(10, 0.2), (20, 0.6), (25, 1.4)]):
    ...     step.results = [RunResult("x", "p", p95)] * n
    >>> rate_at_bound(s, 1.0)
    (22.5, True)
    >>> rate_at_bound(s[:2], 1.0)
    (20.0, False)
    """
    last = max((i for i, step in enumerate(steps) if step.errors == 0 and step.p95 <= bound), default=None)
    if last is None:
        return 0.0, bool(steps)
    within = steps[last]
    if last + 1 == len(steps):
        return within.rate, False
    beyond = steps[last + 1]
    share = (bound - within.p95) / (beyond.p95 - within.p95) if beyond.p95 > within.p95 else 0.0
    return within.rate + share * (beyond.rate - within.rate), True


async def overhead(direct_url: str, proxy_url: str, count: int, seed: int) -> tuple[list[float], list[float]]:
    """The same widget changes, alternately straight to a replica and through the proxy to it."""
    direct, proxied = StreamlitTab(direct_url), StreamlitTab(proxy_url)
    times: tuple[list[float], list[float]] = ([], [])
    for tab in (direct, proxied):
        await tab.open("neuron")
    rngs = (random.Random(seed), random.Random(seed))
    for index in range(count + 10):
        for which, tab in enumerate((direct, proxied) if index % 2 == 0 else (proxied, direct)):
            side = 0 if tab is direct else 1
            change = random_change(tab, rngs[side])
            if change is None:
                continue
            result = await change()
            if index >= 10 and not result.failed:  # the first few fill the caches
                times[side].append(result.seconds)
    await asyncio.gather(direct.close(), proxied.close())
    return times


def fault(replica_set: ReplicaSet, tabs_each: int = 5) -> tuple[float | None, float | None]:
    """Seconds from SIGKILL of replica b (with tabs open on both) to DOWN, and from its restart to UP."""
    victim = SERVER_NAMES[1]

    async def kill_under_tabs() -> tuple[float, float | None]:
        tabs = [StreamlitTab(replica_set.proxy_url) for _ in range(2 * tabs_each)]
        await asyncio.gather(*(tab.open("neuron") for tab in tabs))
        killed = await asyncio.to_thread(replica_set.kill_replica, victim)
        down = await asyncio.to_thread(replica_set.log.wait_for_state, victim, "DOWN", killed, 15)
        await asyncio.gather(*(tab.close() for tab in tabs))
        return killed, down

    killed, down = run_coroutine(kill_under_tabs())
    restarted = time.monotonic()
    replica_set.start_replica(victim)
    up = replica_set.log.wait_for_state(victim, "UP", restarted, 60)
    return (down - killed if down else None), (up - restarted if up else None)


def measure(args: argparse.Namespace) -> list[BenchRow]:
    rows: list[BenchRow] = []
    with running_replicas(1) as one:
        wait_quiet(one)
        direct, proxied = run_coroutine(overhead(one.replica_url("a"), one.proxy_url, args.overhead_count, args.seed))
        direct_p50, proxied_p50 = statistics.median(direct), statistics.median(proxied)
        extra_ms = 1000 * (proxied_p50 - direct_p50)
        rows.append(BenchRow(f"proxy: median interaction through HAProxy to one replica · {len(proxied)} changes alternated with the same straight to it",
                             proxied_p50 * 1000, "ms", f"≤ direct + 5 ms (adds {extra_ms:.1f} ms)", extra_ms <= 5.0,
                             "straight to the replica", direct_p50 * 1000))
        with MemoryProbe(one.servers["a"].pid) as memory:
            single = ladder(one, args, "1 replica")
        peak_pss = memory.peak_tree
    with running_replicas(2) as two:
        wait_quiet(two)
        double = ladder(two, args, "2 replicas")
        after_class = [tree_pss_bytes(process.pid) for process in two.servers.values()]
        down_s, up_s = fault(two)

    mix = f" (without {', '.join(sorted(set(PLAYED_KEYS) - set(args.played)))})" if len(args.played) < len(PLAYED_KEYS) else ""
    for label, steps in (("1 replica" + mix, single), ("2 replicas" + mix, double)):
        for step in steps:
            calls = max(1, len(step.results))
            rows.append(BenchRow(
                f"{label}, {step.students} students · {step.rate:.1f} interactions/s, p50 {step.p50:.3f} s, {step.errors} errors, "
                f"replicas {step.server_cpu_s / step.window_s:.2f} cores, HAProxy {step.proxy_cpu_s / step.window_s:.2f}, "
                f"load generator {1000 * step.client_cpu_s / calls:.1f} ms CPU/interaction, other work {step.others_cores:.2f} cores",
                step.p95, "s", "report", True))
    rate_one, reached_one = rate_at_bound(single, args.bound)
    rate_two, reached_two = rate_at_bound(double, args.bound)
    note = lambda reached: "" if reached else " (never reached: lower bound)"  # noqa: E731
    rows.append(BenchRow(f"1 replica{mix}: interactions/s at p95 = {args.bound:g} s{note(reached_one)}", rate_one, "/s", "report", rate_one > 0))
    rows.append(BenchRow(f"2 replicas{mix}: interactions/s at p95 = {args.bound:g} s{note(reached_two)}", rate_two, "/s",
                         "≥ 1.7× one replica", rate_one > 0 and rate_two >= 1.7 * rate_one, "1 replica", rate_one or None))
    rows.append(BenchRow("memory per replica after its class (Pss of its process tree, mean of 2)", statistics.mean(after_class) / 2**20,
                         "MB", "report", True))
    rows.append(BenchRow("peak memory of one replica under the ladder (Pss of its process tree)", peak_pss / 2**20, "MB", "report", True))
    rows.append(BenchRow("fault: replica killed → HAProxy's health check marks it DOWN", down_s if down_s is not None else float("nan"),
                         "s", "≤ 5 s", down_s is not None and down_s <= 5.0))
    rows.append(BenchRow("fault: replica restarted → back UP behind the proxy (start-up and 2 checks)", up_s if up_s is not None else float("nan"),
                         "s", "report", up_s is not None))
    return rows


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.replicas", description=__doc__.splitlines()[0])
    parser.add_argument("--ladder", default="40,80,100,120,140,160,180,200,220,240,280,320",
                        help="students per step, comma-separated, increasing")
    parser.add_argument("--step-s", type=float, default=30.0, help="seconds of play per step")
    parser.add_argument("--warmup", type=int, default=30, help="students of the unmeasured first step")
    parser.add_argument("--think", default="2,4", help="seconds between a student's changes: low,high")
    parser.add_argument("--bound", type=float, default=1.0, help="the p95 (s) at which throughputs are compared")
    parser.add_argument("--overhead-count", type=int, default=150, help="changes each way for the proxy overhead")
    parser.add_argument("--without", default="",
                        help="played widget keys to leave alone, comma-separated (opt_keras: no Keras races in the worker)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    left_out = {key for key in args.without.split(",") if key}
    if left_out - set(PLAYED_KEYS):
        parser.error(f"--without: not played keys: {sorted(left_out - set(PLAYED_KEYS))}")
    args.played = tuple(key for key in PLAYED_KEYS if key not in left_out)
    args.ladder = [int(n) for n in args.ladder.split(",")]
    args.think = tuple(float(x) for x in args.think.split(","))
    if not all(1 <= n <= 500 for n in args.ladder) or args.ladder != sorted(args.ladder):
        parser.error("--ladder: increasing numbers of students from 1 to 500")
    if len(args.think) != 2 or not 0 < args.think[0] <= args.think[1] <= 60:
        parser.error("--think: two numbers of seconds, low,high")
    if not 0 < args.step_s <= 120 or not 1 <= args.overhead_count <= 2000:
        parser.error("--step-s at most 120 s; --overhead-count from 1 to 2000")
    return args


def main(argv: list[str] | None = None) -> int:
    from bench.__main__ import HOSTING_DOC, replace_table_block

    argv = list(sys.argv[1:] if argv is None else argv)
    write_doc = "--docs" in argv
    if write_doc:
        argv.remove("--docs")
    started = time.monotonic()
    rows = measure(parse_args(argv))
    table = format_table(rows)
    print(table)
    print(f"({(time.monotonic() - started) / 60:.1f} min, {os.cpu_count()} cores)", file=sys.stderr)
    if write_doc:
        HOSTING_DOC.write_text(replace_table_block(HOSTING_DOC.read_text(), table, *DOC_MARKERS))
    return 0 if all(row.ok for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
