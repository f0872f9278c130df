"""Whole-app figures: cold start, warm rerun of each page, server memory with every page visited.

Run ``python -m bench.bench_app`` (or ``python -m bench`` for every benchmark). Pages are the
ones ``app.py`` lists; the server and browser are started exactly as the browser tests do.

- cold start: ``streamlit run app.py`` spawned until the default page has rendered in Chromium
  (median of 3); baseline: the same for a one-line ``st.write`` app. Target ≤ 3 s.
- warm rerun: ``AppTest`` rerun of each page, median of 5 after a warm-up run; baseline: a
  trivial page's rerun. Target ≤ 100 ms.
- memory: server RSS (process tree, ``/proc/<pid>/status`` VmRSS) after one session visited
  every page (≤ 1.5 GB, Cloud's 2.7 GB minus room for trainings), and what a second, idle
  session adds (≤ 30 MB).
"""

from __future__ import annotations

import statistics
import tempfile
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
    tree_rss_bytes,
    wait_healthy,
    free_port,
)
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
                _cold_start_seconds(browser, "app.py", ROOT, wait_chart=browser_checks.draws_a_chart(default.source))
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


def _settled_rss(pid: int, seconds: float = 3.0) -> int:
    """RSS once the server has been quiet for a moment (median of a few readings)."""
    readings = []
    for _ in range(5):
        time.sleep(seconds / 5)
        readings.append(tree_rss_bytes(pid))
    return int(statistics.median(readings))


def memory_rows(browser: object) -> list[BenchRow]:
    pages = listed_pages()
    with running_server() as (url, process):
        first = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
        page = first.new_page()
        page.goto(url)
        browser_checks.wait_until_idle(page, timeout_s=180)
        for listed in pages:
            if not listed.default:
                browser_checks.navigate_by_sidebar(page, listed.title, listed.url(url))
            if browser_checks.draws_a_chart(listed.source):
                browser_checks.wait_for_chart(page)
            browser_checks.visit_every_tab(page)
        after_tour = _settled_rss(process.pid)
        second = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
        idle = second.new_page()
        idle.goto(url)
        browser_checks.wait_until_idle(idle)
        with_second = _settled_rss(process.pid)
        second.close()
        first.close()
    extra = with_second - after_tour
    return [
        BenchRow(
            f"server RSS after one session visited all {len(pages)} pages (every tab)",
            after_tour / MB, "MB", f"≤ {RSS_TARGET_BYTES / MB:.0f} MB", after_tour <= RSS_TARGET_BYTES,
        ),
        BenchRow(
            "extra server RSS of a second, idle session",
            extra / MB, "MB", f"≤ {EXTRA_SESSION_TARGET_BYTES / MB:.0f} MB", extra <= EXTRA_SESSION_TARGET_BYTES,
        ),
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
