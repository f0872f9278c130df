"""A class at once: one server, N concurrent browser sessions visiting every page while one trains.

    python -m bench.load_test                 # 10 sessions, with the training step
    python -m bench.load_test --sessions 4    # fewer sessions
    python -m bench.load_test --no-training   # only the page tours

Not part of ``python -m pytest`` (it takes minutes on 2 cores). What it does:

1. starts ``streamlit run app.py`` exactly like the browser tests (offline guard, Chromium
   without network) and one Chromium with N contexts (N independent Streamlit sessions); one
   tab opens the root URL first, as the lecturer's browser does when the app starts;
2. session 0 opens the MNIST page in a tab of its own and presses Start; more sessions press
   Start on the MNIST page one after the other until one is told it has to wait (the
   server-wide training cap), or ``--max-trainers`` is reached;
3. meanwhile every session visits every page app.py lists, in the lecture's order (the first by
   URL, the others through the sidebar, so each student is one Streamlit session), timing each
   visit until the page has rendered (script finished, main chart drawn);
4. every visit is checked: no traceback, no ``st.error``, no dialog, no console error, no
   request leaving the machine;
5. the trainings are stopped; a table of per-page times (median, p95) and every error is printed.
   Exit status 0 only with zero errors.

If app.py lists no MNIST page, or the page has no Start button yet, the training step says so
and is skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bench.app_server import CHROMIUM, CHROMIUM_ARGS, ListedPage, browser_checks, listed_pages, running_server, tree_rss_bytes

START = re.compile(r"^\W*(start|train)\b", re.IGNORECASE)
STOP = re.compile(r"^\W*stop\b", re.IGNORECASE)
#: What a trainer turned away by the server-wide cap is told.
CAP_MESSAGE = re.compile(r"queue|busy|at once|capacity|in use|already running|slots?\b|try again", re.IGNORECASE)
ALERTS = '[data-testid="stAlertContainer"]'

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
VIEWPORT = {"width": 1400, "height": 1000}


@dataclass
class Visit:
    session: int
    page: str
    seconds: float
    errors: list[str] = field(default_factory=list)


@dataclass
class TrainingReport:
    status: str = "not attempted"
    trainers_started: int = 0
    cap_message: str = ""
    errors: list[str] = field(default_factory=list)


def _watch(page: object, problems: list[str]) -> None:
    def on_request(request: object) -> None:
        url = request.url  # type: ignore[attr-defined]
        if url.startswith(("http:", "https:", "ws:", "wss:")) and urlsplit(url).hostname not in LOCAL_HOSTS:
            problems.append(f"request left the machine: {url}")

    def on_console(message: object) -> None:
        problem = browser_checks.console_problem(message)
        if problem:
            problems.append(f"console: {problem}")

    page.on("console", on_console)  # type: ignore[attr-defined]
    page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))  # type: ignore[attr-defined]
    page.on("request", on_request)  # type: ignore[attr-defined]


async def _wait_idle(page: object, timeout_s: float, settle_s: float = 0.4) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        remaining = max(1.0, (deadline - time.monotonic()) * 1000)
        await page.wait_for_selector(browser_checks.IDLE_SELECTOR, state="attached", timeout=remaining)  # type: ignore[attr-defined]
        await page.wait_for_timeout(settle_s * 1000)  # type: ignore[attr-defined]
        state = await page.get_attribute('[data-testid="stApp"]', "data-test-script-state")  # type: ignore[attr-defined]
        if state not in browser_checks.RUNNING_STATES or time.monotonic() > deadline:
            return


async def _wait_chart(page: object, timeout_s: float) -> browser_checks.ChartState | None:
    deadline = time.monotonic() + timeout_s
    while True:
        raw = await page.evaluate(browser_checks.CHART_STATE_JS)  # type: ignore[attr-defined]
        state = None if raw is None else browser_checks.ChartState(**raw)
        if (state is not None and state.non_empty) or time.monotonic() > deadline:
            return state
        await page.wait_for_timeout(200)  # type: ignore[attr-defined]


async def _texts(page: object, selector: str) -> list[str]:
    return [" ".join(t.split()) for t in await page.locator(selector).all_inner_texts()]  # type: ignore[attr-defined]


async def _close_dialogs(page: object) -> list[str]:
    """Close open modal dialogs (they make the page behind them inert); returns their texts."""
    texts = await _texts(page, '[role="dialog"]')
    for _ in texts:
        await page.keyboard.press("Escape")  # type: ignore[attr-defined]
    if texts:
        await page.locator('[role="dialog"]').first.wait_for(state="detached", timeout=5000)  # type: ignore[attr-defined]
    return [f"dialog: {t[:200]}" for t in texts]


async def _page_errors(page: object) -> list[str]:
    errors = [f"traceback: {t[:200]}" for t in await _texts(page, '[data-testid="stException"]')]
    errors += [f"st.error: {t[:200]}" for t in await _texts(page, '[data-testid="stAlertContentError"]:not([data-testid="stException"] *)')]
    errors += [f"dialog: {t[:200]}" for t in await _texts(page, '[role="dialog"]')]
    return errors


async def _open(page: object, listed: ListedPage, base_url: str, timeout_s: float, *, by_sidebar: bool) -> None:
    if not by_sidebar:
        await page.goto(listed.url(base_url), timeout=timeout_s * 1000)  # type: ignore[attr-defined]
        await _wait_idle(page, timeout_s)
        return
    exact = re.compile(rf"^\s*{re.escape(listed.title)}\s*$")
    link = page.locator('[data-testid="stSidebarNavLink"]').filter(  # type: ignore[attr-defined]
        has=page.locator('[data-testid="stMarkdownContainer"]', has_text=exact)  # type: ignore[attr-defined]
    )
    await link.first.click(timeout=timeout_s * 1000)
    await page.wait_for_url(listed.url(base_url), timeout=timeout_s * 1000)  # type: ignore[attr-defined]
    try:  # the run the click asked for may not have started yet
        await page.wait_for_selector('[data-testid="stApp"][data-test-script-state="running"]', state="attached", timeout=2000)  # type: ignore[attr-defined]
    except Exception:
        pass
    await _wait_idle(page, timeout_s)


async def visit(page: object, listed: ListedPage, base_url: str, session: int, problems: list[str], timeout_s: float, *, by_sidebar: bool) -> Visit:
    """Open one page (by URL for a session's first page, then by its sidebar link) and check it."""
    problems.clear()
    start = time.perf_counter()
    errors: list[str] = []
    try:
        await _open(page, listed, base_url, timeout_s, by_sidebar=by_sidebar)
        if browser_checks.expected_of(listed.url_path).draws_a_chart:
            # Under this load a sidebar click's run can start seconds late: wait as long as a visit may take.
            chart = await _wait_chart(page, timeout_s=timeout_s)
            if chart is None or not chart.non_empty:
                errors.append(f"main chart not drawn: {chart}")
    except Exception as error:  # a timeout is an error of this visit, not the end of the test
        errors.append(f"{type(error).__name__}: {str(error).splitlines()[0][:200]}")
    seconds = time.perf_counter() - start
    errors += await _page_errors(page)
    errors += problems
    await _close_dialogs(page)  # reported above; closed so the session can go on
    return Visit(session, listed.title, seconds, errors)


async def tour(context: object, pages: list[ListedPage], base_url: str, session: int, timeout_s: float) -> list[Visit]:
    page = await context.new_page()  # type: ignore[attr-defined]
    problems: list[str] = []
    _watch(page, problems)
    # One Streamlit session per student: the first page by URL, the others through the sidebar.
    visits = [
        await visit(page, listed, base_url, session, problems, timeout_s, by_sidebar=index > 0)
        for index, listed in enumerate(pages)
    ]
    await page.close()
    return visits


def mnist_page(pages: list[ListedPage]) -> ListedPage | None:
    return next((p for p in pages if p.lecture_section == 7 and "mnist" in p.name), None)


async def _press_start(page: object, listed: ListedPage, base_url: str, timeout_s: float, problems: list[str]) -> tuple[str, str]:
    """Open the MNIST page in ``page`` and press Start.

    Returns (what stood in the way or "", the cap message among the alerts that appeared or "").
    """
    await page.goto(listed.url(base_url), timeout=timeout_s * 1000)  # type: ignore[attr-defined]
    await _wait_idle(page, timeout_s)
    dialogs = await _close_dialogs(page)
    if dialogs:
        problems.extend(dialogs)
    start = page.get_by_role("button", name=START)  # type: ignore[attr-defined]
    train_tab = page.locator('[data-testid="stTab"]', has_text=re.compile("train", re.IGNORECASE))  # type: ignore[attr-defined]
    if await start.count() == 0 and await train_tab.count():
        await train_tab.first.click()
        await _wait_idle(page, timeout_s)
    if await start.count() == 0:
        return "no Start button on the MNIST page", ""
    before = set(await _texts(page, ALERTS))
    await start.first.click()
    await page.wait_for_timeout(4000)  # type: ignore[attr-defined]
    new_alerts = [text for text in await _texts(page, ALERTS) if text not in before]
    return "", next((text for text in new_alerts if CAP_MESSAGE.search(text)), "")


async def start_trainers(contexts: list[object], pages: list[ListedPage], base_url: str, max_trainers: int, timeout_s: float) -> tuple[TrainingReport, list[object]]:
    report = TrainingReport()
    listed = mnist_page(pages)
    if listed is None:
        report.status = "skipped: app.py lists no MNIST page yet"
        return report, []
    tabs: list[object] = []
    for index, context in enumerate(contexts[:max_trainers]):
        tab = await context.new_page()  # type: ignore[attr-defined]
        problems: list[str] = []
        _watch(tab, problems)
        tabs.append(tab)
        missing, message = await _press_start(tab, listed, base_url, timeout_s, problems)
        if missing:
            report.status = f"skipped: {missing}"
            return report, tabs
        report.errors += [f"trainer {index}: {e}" for e in await _page_errors(tab) + problems]
        if message:
            report.cap_message = message
            report.status = f"cap holds: trainer {index + 1} was told to wait after {index} started"
            return report, tabs
        report.trainers_started += 1
    report.status = f"no wait message after {report.trainers_started} trainers: cap not seen (or ≥ {max_trainers})"
    return report, tabs


async def stop_trainers(tabs: list[object], report: TrainingReport) -> None:
    for index, tab in enumerate(tabs):
        stop = tab.get_by_role("button", name=STOP)  # type: ignore[attr-defined]
        if await stop.count():
            await stop.first.click()
        report.errors += [f"trainer {index} at the end: {e}" for e in await _page_errors(tab)]


async def load_test(sessions: int, training: bool, max_trainers: int, timeout_s: float) -> tuple[list[Visit], TrainingReport, float, int]:
    from playwright.async_api import async_playwright

    pages = listed_pages()
    with running_server() as (base_url, process):
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            contexts = [await browser.new_context(viewport=VIEWPORT) for _ in range(sessions)]
            # The lecturer opens the app first (what `streamlit run` does): the server's first session
            # starts at the root, so Streamlit's one-time "Page not found" notice for a fresh
            # server's first deep link (README, "Using it in class") is not what this measures.
            warm_up = await contexts[0].new_page()
            await warm_up.goto(base_url, timeout=timeout_s * 1000)
            await _wait_idle(warm_up, timeout_s)
            await warm_up.close()
            started = time.perf_counter()
            peak = [tree_rss_bytes(process.pid)]
            sampler = asyncio.create_task(_sample_rss(process.pid, peak))
            report, trainer_tabs = (
                await start_trainers(contexts, pages, base_url, max_trainers, timeout_s)
                if training
                else (TrainingReport(status="not asked for (--no-training)"), [])
            )
            tours = await asyncio.gather(*(tour(c, pages, base_url, i, timeout_s) for i, c in enumerate(contexts)))
            wall = time.perf_counter() - started
            sampler.cancel()
            peak_rss = peak[0]
            await stop_trainers(trainer_tabs, report)
            await browser.close()
    return [v for visits in tours for v in visits], report, wall, peak_rss


async def _sample_rss(pid: int, peak: list[int]) -> None:
    while True:
        peak[0] = max(peak[0], tree_rss_bytes(pid))
        await asyncio.sleep(0.5)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def format_report(visits: list[Visit], report: TrainingReport, wall: float, rss: int, sessions: int) -> str:
    lines = [
        f"{sessions} sessions, {len(visits)} page visits in {wall:.0f} s; peak server RSS {rss / 2**20:.0f} MB",
        f"training: {report.status}" + (f" — '{report.cap_message[:120]}'" if report.cap_message else ""),
        "",
        "| page | visits | median | p95 | max | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for title in dict.fromkeys(v.page for v in visits):
        times = [v.seconds for v in visits if v.page == title]
        errors = sum(len(v.errors) for v in visits if v.page == title)
        lines.append(
            f"| {title} | {len(times)} | {statistics.median(times):.2f} s | {_p95(times):.2f} s | {max(times):.2f} s | {errors} |"
        )
    all_times = [v.seconds for v in visits]
    total_errors = sum(len(v.errors) for v in visits) + len(report.errors)
    lines.append(
        f"| **all pages** | {len(all_times)} | {statistics.median(all_times):.2f} s | {_p95(all_times):.2f} s | {max(all_times):.2f} s | {total_errors} |"
    )
    # The same error on many sessions is one line with its count and the sessions that saw it.
    grouped: dict[str, list[int]] = {}
    for v in visits:
        for error in v.errors:
            grouped.setdefault(f"{v.page}: {error}", []).append(v.session)
    details = [
        f"- {len(sessions)}× {text} (sessions {', '.join(map(str, sorted(set(sessions))))})"
        for text, sessions in grouped.items()
    ] + [f"- {e}" for e in report.errors]
    if details:
        lines += ["", "errors:", *details[:80]]
        if len(details) > 80:
            lines.append(f"- ... and {len(details) - 80} more")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load_test", description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--no-training", action="store_true")
    parser.add_argument("--max-trainers", type=int, default=4, help="stop pressing Start after this many sessions")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds one page may take to render")
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= 50:
        parser.error("--sessions must be between 1 and 50")
    visits, report, wall, rss = asyncio.run(load_test(args.sessions, not args.no_training, args.max_trainers, args.timeout))
    print(format_report(visits, report, wall, rss, args.sessions))
    errors = sum(len(v.errors) for v in visits) + len(report.errors)
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
