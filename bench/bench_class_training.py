"""A class trains together: N browserless tabs press Start training on /mnist within a few seconds.

    python -m bench.bench_class_training --tabs 30                    # this checkout
    python -m bench.bench_class_training --tabs 8 --root /tmp/base    # today's code, for the ratio

Each tab (``bench/st_client.py``: the protocol of a real tab, no Chromium) opens /mnist on its
training tab; once all are open and the server has settled, they press Start training with the
lecture's settings, spread evenly over ``--spread`` seconds. Measured per tab, from its own press:
the first epoch shown (a progress text "Epoch k/n" or the result) and the result (the page's "k/n
epochs in s" sentence). Before the class, one quiet training (another seed, alone) gives the
reference a result is compared with (≤ 1.5× it). Throughout, the Pss of the server's process tree
(server, Keras worker, trainings, the warm process) is sampled for its peak, and at the end the
server's own memory map is searched for TensorFlow (it must never load it). The machine's load
average is reported beside the numbers: other work on the machine slows every number.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.app_server import ROOT, running_server, tree_pss_bytes
from bench.class_load import FIT_TIME
from bench.st_client import StreamlitTab

EPOCH_SHOWN = re.compile(r"Epoch \d+/\d+")
TIMEOUT_S = 1200.0


@dataclass
class Press:
    pressed_at: float = 0.0
    first_epoch_s: float | None = None
    result_s: float | None = None
    error: str = ""


@dataclass
class Report:
    root: str
    tabs: int
    cpus: int
    load_before: float = 0.0
    load_after: float = 0.0
    quiet_first_epoch_s: float | None = None
    quiet_result_s: float | None = None
    presses: list[Press] = field(default_factory=list)
    peak_pss_bytes: int = 0
    server_tensorflow_maps: int = 0
    shared_sentences: int = 0


def shown_epoch(tab: StreamlitTab) -> bool:
    return any(EPOCH_SHOWN.search(text) or FIT_TIME.search(text) for text in tab.texts())


def shown_result(tab: StreamlitTab) -> bool:
    return any(FIT_TIME.search(text) for text in tab.texts()) or bool(tab.exceptions())


async def press_and_follow(tab: StreamlitTab, press: Press, delay_s: float) -> None:
    await asyncio.sleep(delay_s)
    press.pressed_at = time.monotonic()
    clicked = await tab.click("mnist_start")
    if clicked.failed:
        press.error = clicked.error or "; ".join(clicked.exceptions)
        return

    async def first() -> None:
        if await tab.wait_until(shown_epoch, TIMEOUT_S):
            press.first_epoch_s = time.monotonic() - press.pressed_at

    await first()
    if await tab.wait_until(shown_result, TIMEOUT_S):
        press.result_s = time.monotonic() - press.pressed_at
        if tab.exceptions():
            press.error = "; ".join(tab.exceptions())
    else:
        press.error = tab.closed_reason or "no result"


async def open_tab(base_url: str, query: str) -> StreamlitTab:
    tab = StreamlitTab(base_url, timeout_s=120)
    await tab.open("mnist", query)
    return tab


async def class_of(base_url: str, report: Report, spread_s: float, settle_s: float, quiet_first: bool) -> None:
    if quiet_first:
        quiet = await open_tab(base_url, "mnist_tab=Train+and+test&mnist_seed=7")
        await asyncio.sleep(settle_s)  # the server's first page runs, the warm process
        alone = Press()
        await press_and_follow(quiet, alone, 0.0)
        report.quiet_first_epoch_s, report.quiet_result_s = alone.first_epoch_s, alone.result_s
        await quiet.close()
    tabs = [await open_tab(base_url, "mnist_tab=Train+and+test") for _ in range(report.tabs)]
    await asyncio.sleep(settle_s)
    report.load_before = os.getloadavg()[0]
    report.presses = [Press() for _ in tabs]
    await asyncio.gather(*(
        press_and_follow(tab, press, spread_s * index / max(1, len(tabs) - 1))
        for index, (tab, press) in enumerate(zip(tabs, report.presses))
    ))
    report.load_after = os.getloadavg()[0]
    report.shared_sentences = sum(any("Same settings and seed" in str(e) for e in tab._elements()) for tab in tabs)
    for tab in tabs:
        await tab.close()


def measure(root: Path, tabs: int, spread_s: float, settle_s: float, quiet_first: bool = True,
            progress: Path | None = None) -> Report:
    report = Report(str(root), tabs, len(os.sched_getaffinity(0)))
    with running_server(cwd=root) as (base_url, process):
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                try:
                    report.peak_pss_bytes = max(report.peak_pss_bytes, tree_pss_bytes(process.pid))
                    maps = Path(f"/proc/{process.pid}/maps").read_text()
                    report.server_tensorflow_maps = sum("tensorflow" in line.lower() for line in maps.splitlines())
                except OSError:
                    pass
                if progress is not None:  # what is known so far, for a run cut short
                    progress.write_text(json.dumps({"summary": summary(report), "report": asdict(report)}, indent=2,
                                                   ensure_ascii=False, default=str))
                time.sleep(0.5)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            asyncio.run(class_of(base_url, report, spread_s, settle_s, quiet_first))
        finally:
            done.set()
            sampler.join(5)
            maps = Path(f"/proc/{process.pid}/maps").read_text()
            report.server_tensorflow_maps = sum("tensorflow" in line.lower() for line in maps.splitlines())
    return report


def summary(report: Report) -> dict[str, object]:
    firsts = [p.first_epoch_s for p in report.presses if p.first_epoch_s is not None]
    results = [p.result_s for p in report.presses if p.result_s is not None]
    quiet = report.quiet_result_s or float("nan")
    report.load_after = report.load_after or os.getloadavg()[0]
    return {
        "tabs": report.tabs, "cpus": report.cpus,
        "load average before / after": f"{report.load_before:.1f} / {report.load_after:.1f}",
        "quiet training: first epoch / result, s": f"{report.quiet_first_epoch_s} / {report.quiet_result_s}",
        "first epoch shown, s: median / max": f"{statistics.median(firsts):.1f} / {max(firsts):.1f}" if firsts else "none",
        "tabs with first epoch ≤ 5 s": sum(f <= 5.0 for f in firsts),
        "result, s: median / max": f"{statistics.median(results):.1f} / {max(results):.1f}" if results else "none",
        "max result / quiet result": round(max(results) / quiet, 2) if results else None,
        "tabs with result ≤ 1.5 × quiet": sum(r <= 1.5 * quiet for r in results),
        "errors": [p.error for p in report.presses if p.error],
        "peak Pss of the server's tree, GB": round(report.peak_pss_bytes / 1e9, 2),
        "TensorFlow lines in the server's /proc/<pid>/maps": report.server_tensorflow_maps,
        "tabs told they share one run": report.shared_sentences,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tabs", type=int, default=30)
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose app.py is served")
    parser.add_argument("--spread", type=float, default=5.0, help="seconds over which the tabs press Start")
    parser.add_argument("--settle", type=float, default=15.0, help="seconds to wait after the tabs opened")
    parser.add_argument("--out", type=Path, default=None, help="write the report as JSON here (and as it goes)")
    parser.add_argument("--no-quiet", action="store_true", help="skip the quiet reference training")
    args = parser.parse_args()
    report = measure(args.root.resolve(), args.tabs, args.spread, args.settle, not args.no_quiet, args.out)
    result = {"summary": summary(report), "report": asdict(report)}
    print(json.dumps(result["summary"], indent=2, ensure_ascii=False))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
