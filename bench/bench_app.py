"""Whole-app figures: cold start, warm rerun of each page, server memory with every page visited.

Run ``python -m bench.bench_app`` (or ``python -m bench`` for every benchmark). Pages are the
ones ``app.py`` lists; the server and browser are started exactly as the browser tests do.

- cold start: ``streamlit run app.py`` spawned until the default page has rendered in Chromium
  (median of 5, interleaved); baseline: the same for a one-line ``st.write`` app. Target ≤ 3 s.
- warm rerun: ``AppTest`` rerun of each page, median of 5 after a warm-up run; baseline: a
  trivial page's rerun. Target ≤ 100 ms.
- memory: the server process's RSS (``/proc/<pid>/status`` VmRSS) after one session visited
  every page and every tab (≤ 1.5 GB, Cloud's 2.7 GB minus room for trainings), beside the
  whole process tree's Pss (server and Keras workers, shared pages once, as Cloud counts it);
  then, once the process tree's CPU has been still for a few seconds (a worker that ends adds
  its whole life's CPU to the tree when it is reaped), a second session visits every page once
  by the sidebar, as a student would (default tabs): the server RSS it adds once settled
  (≤ 30 MB) and at its peak, and the server's CPU per page it visited (the process tree's too:
  some pages ask a Keras worker).
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from pathlib import Path

from bench.app_server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    browser_checks,
    listed_pages,
    running_server,
    start_streamlit,
    stop_server,
    tree_pss_bytes,
    wait_healthy,
    free_port,
)
from bench.class_load import cpu_seconds
from bench.common import BenchRow, format_table, median_seconds

COLD_START_TARGET_S = 3.0
RERUN_TARGET_S = 0.100
RSS_TARGET_BYTES = 1.5 * 1024**3
EXTRA_SESSION_TARGET_BYTES = 30 * 1024**2
BARE_APP = 'import streamlit as st\nst.write("hello")\n'
MB = 1024**2


def _cold_start_seconds(browser: object, script: str, cwd: Path, *, wait_chart: bool) -> float:
    """Spawn the server, then time until its default page has rendered in a fresh page."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    start = time.perf_counter()
    process = start_streamlit(port, script=script, cwd=cwd)
    try:
        wait_healthy(url, process, timeout=120)
        page.goto(url)  # type: ignore[attr-defined]
        waiting_from = time.perf_counter()
        idle_after = browser_checks.wait_until_idle(page, settle_s=0.3)
        rendered = waiting_from + idle_after - start
        if wait_chart:
            browser_checks.wait_for_chart(page)
            rendered = time.perf_counter() - start
        if browser_checks.exception_texts(page):
            raise RuntimeError(f"{script} shows a traceback on cold start")
        return rendered
    finally:
        page.close()  # type: ignore[attr-defined]
        stop_server(process)


def cold_start_rows(browser: object, repeats: int = 5) -> list[BenchRow]:
    default = listed_pages()[0]
    app_times: list[float] = []
    bare_times: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "bare.py").write_text(BARE_APP)
        for _ in range(repeats):  # interleaved, so both see the same machine load
            bare_times.append(_cold_start_seconds(browser, "bare.py", Path(folder), wait_chart=False))
            app_times.append(
                _cold_start_seconds(browser, "app.py", ROOT, wait_chart=browser_checks.expected_of(default.url_path).draws_a_chart)
            )
    value = statistics.median(app_times)
    return [
        BenchRow(
            f"cold start → '{default.title}' rendered in Chromium",
            value, "s", f"≤ {COLD_START_TARGET_S:g} s", value <= COLD_START_TARGET_S,
            "one-line st.write app", statistics.median(bare_times),
        )
    ]


def rerun_rows(repeats: int = 5) -> list[BenchRow]:
    from streamlit.logger import set_log_level
    from streamlit.testing.v1 import AppTest

    set_log_level("error")  # AppTest outside a server warns about a missing ScriptRunContext

    trivial = AppTest.from_string(BARE_APP, default_timeout=30)
    trivial.run()
    baseline = median_seconds(trivial.run, repeats=repeats, warmup=1)
    rows = []
    for page in listed_pages():
        test = AppTest.from_file(str(ROOT / page.runnable_script), default_timeout=180)
        test.run()  # first run: imports, caches, models
        value = median_seconds(test.run, repeats=repeats, warmup=1)
        failed = [str(e.value) for e in test.exception]
        rows.append(
            BenchRow(
                f"warm rerun: {page.title}" + (f" (EXCEPTION: {failed[0][:60]})" if failed else ""),
                value * 1000, "ms", f"≤ {RERUN_TARGET_S * 1000:g} ms", value <= RERUN_TARGET_S and not failed,
                "trivial page", baseline * 1000,
            )
        )
    return rows


def _rss_bytes(pid: int) -> int:
    """The VmRSS of one process (not its children), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def _settled(measure, seconds: float = 3.0) -> int:
    """A memory figure once the server has been quiet for a moment (median of a few readings)."""
    readings = []
    for _ in range(5):
        time.sleep(seconds / 5)
        readings.append(measure())
    return int(statistics.median(readings))


def _wait_until_still(pid: int, *, still_s: float = 8.0, timeout_s: float = 120.0) -> None:
    """Wait until the process tree's CPU time has grown by under 50 ms in ``still_s`` seconds."""
    deadline = time.monotonic() + timeout_s
    readings = [cpu_seconds(pid)[1]]
    while time.monotonic() < deadline:
        time.sleep(1.0)
        readings = [*readings, cpu_seconds(pid)[1]][-int(still_s) - 1 :]
        if len(readings) > still_s and readings[-1] - readings[0] < 0.05:
            return
    raise RuntimeError(f"the server's process tree did not go still within {timeout_s:g} s")


def _sample_peak(measure, peak: list[int], done: threading.Event, period_s: float = 0.2) -> None:
    """Keep the largest of ``measure()`` in ``peak[0]`` until ``done`` is set."""
    while not done.wait(period_s):
        peak[0] = max(peak[0], measure())


def _tour(page, url: str, pages: list, *, every_tab: bool) -> None:
    """Visit every listed page by the sidebar in one session (and, if asked, every tab of each)."""
    page.goto(url)
    browser_checks.wait_until_idle(page, timeout_s=180)
    for listed in pages:
        if not listed.default:
            browser_checks.navigate_by_sidebar(page, listed.title, listed.url(url))
        if browser_checks.expected_of(listed.url_path).draws_a_chart:
            browser_checks.wait_for_chart(page)
        if every_tab:
            browser_checks.visit_every_tab(page)
        if browser_checks.exception_texts(page):
            raise RuntimeError(f"{listed.title} shows a traceback")


def memory_rows(browser: object) -> list[BenchRow]:
    pages = listed_pages()
    with running_server() as (url, process):
        pid = process.pid
        first = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
        _tour(first.new_page(), url, pages, every_tab=True)
        after_tour = _settled(lambda: _rss_bytes(pid))
        tree_pss = _settled(lambda: tree_pss_bytes(pid))
        _wait_until_still(pid)
        before_second = _settled(lambda: _rss_bytes(pid))
        second = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
        peak = [before_second]
        touring = threading.Event()
        sampler = threading.Thread(target=_sample_peak, args=(lambda: _rss_bytes(pid), peak, touring))
        cpu_before = cpu_seconds(pid)
        sampler.start()
        try:
            _tour(second.new_page(), url, pages, every_tab=False)
        finally:
            touring.set()
            sampler.join()
        cpu_after = cpu_seconds(pid)
        with_second = _settled(lambda: _rss_bytes(pid))
        second.close()
        first.close()
    extra = with_second - before_second
    server_cpu, tree_cpu = ((after - before) / len(pages) for after, before in zip(cpu_after, cpu_before))
    tour = f"a second session visiting all {len(pages)} pages once by the sidebar (default tabs)"
    return [
        BenchRow(
            f"server process RSS after one session visited all {len(pages)} pages (every tab)",
            after_tour / MB, "MB", f"≤ {RSS_TARGET_BYTES / MB:.0f} MB", after_tour <= RSS_TARGET_BYTES,
        ),
        BenchRow(
            "  whole process tree's Pss then (server and Keras workers, shared pages once)",
            tree_pss / MB, "MB", "reported", True,
        ),
        BenchRow(
            f"extra server RSS of {tour}",
            extra / MB, "MB", f"≤ {EXTRA_SESSION_TARGET_BYTES / MB:.0f} MB", extra <= EXTRA_SESSION_TARGET_BYTES,
        ),
        BenchRow("  its peak during the tour − before it", (peak[0] - before_second) / MB, "MB", "reported", True),
        BenchRow(f"server CPU per page of {tour}", server_cpu * 1000, "ms", "reported", True),
        BenchRow("  process tree's CPU per page (server and Keras workers)", tree_cpu * 1000, "ms", "reported", True),
    ]


def run() -> list[BenchRow]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            rows = cold_start_rows(browser)
            rows += memory_rows(browser)
        finally:
            browser.close()
    return rows + rerun_rows()


if __name__ == "__main__":
    print(format_table(run()))
