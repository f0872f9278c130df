"""Every page app.py lists opens in Chromium, with no traceback, and draws its main chart.

Generic over the navigation table (``pages/_navigation.py``): a page added there is visited here without edits.
One browser context visits each page once (the page's own browser test does its interaction).
Full-page screenshots go to ``<test output>/screenshots/all_pages/<page>.png`` (``conftest.TEST_OUTPUT``).
"""

from __future__ import annotations

from typing import Iterator
from urllib.parse import urlsplit

import pytest
from pages._navigation import ListedPage, listed_pages
from browser_checks import (
    console_problem,
    dialog_texts,
    draws_what_it_should,
    error_texts,
    exception_texts,
    EXPECTED_PAGES,
    expected_of,
    main_text,
    navigation_sections,
    navigation_titles,
    screenshot_whole_page,
    wait_for_chart,
    wait_until_idle,
)
from conftest import SCREENSHOT_DIR, free_port, start_streamlit, stop_server, wait_healthy

pytestmark = pytest.mark.browser

PAGES = listed_pages()
TOUR_SCREENSHOTS = SCREENSHOT_DIR / "all_pages"

#: ``st.error`` boxes a page shows by design on its first visit (page name → part of the text).
#: Empty: a page's default state is the lecture's example, which is never an error.
EXPECTED_ERRORS: dict[str, str] = {}



class Tour:
    """One browser context for the whole tour, and what it saw go wrong on the current page."""

    def __init__(self, page: object) -> None:
        self.page = page
        self.console: list[str] = []
        self.outside_requests: list[str] = []
        self.seen: dict[str, tuple[list[str], list[str]]] = {}
        page.on("console", self._record_console)  # type: ignore[attr-defined]
        page.on("pageerror", lambda error: self.console.append(f"uncaught: {error}"))  # type: ignore[attr-defined]
        page.on("request", self._record_request)  # type: ignore[attr-defined]

    def _record_console(self, message: object) -> None:
        problem = console_problem(message)
        if problem:
            self.console.append(problem)

    def _record_request(self, request: object) -> None:
        host = urlsplit(request.url).hostname  # type: ignore[attr-defined]
        if request.url.startswith(("http:", "https:", "ws:", "wss:")) and host not in LOCAL_HOSTS:  # type: ignore[attr-defined]
            self.outside_requests.append(request.url)  # type: ignore[attr-defined]

    def visit(self, listed: ListedPage, base_url: str) -> None:
        """Open a page afresh; what went wrong on it is kept in ``seen[listed.name]``."""
        self.console = []
        self.outside_requests = []
        self.seen[listed.name] = (self.console, self.outside_requests)
        self.page.goto(listed.url(base_url))  # type: ignore[attr-defined]


LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture(scope="module")
def tour(browser: object) -> Iterator[Tour]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    try:
        yield Tour(context.new_page())
    finally:
        context.close()


@pytest.mark.parametrize("listed", PAGES, ids=[p.name for p in PAGES])
def test_page_renders_in_chromium(tour: Tour, app_url: str, listed: ListedPage) -> None:
    page = tour.page
    tour.visit(listed, app_url)
    wait_until_idle(page, timeout_s=120)
    chart = wait_for_chart(page) if expected_of(listed.url_path).draws_a_chart else None
    TOUR_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    screenshot_whole_page(page, str(TOUR_SCREENSHOTS / f"{listed.name}.png"))

    assert exception_texts(page) == []
    expected = EXPECTED_ERRORS.get(listed.name)
    unexpected = [text for text in error_texts(page) if expected is None or expected not in text]
    assert unexpected == []
    if expected_of(listed.url_path).draws_a_chart:
        assert draws_what_it_should(chart, listed.url_path) == ""
    else:
        assert len(main_text(page).split()) >= 20, f"{listed.script} shows almost nothing"
    assert dialog_texts(page) == [], f"{listed.url(app_url)} opens with a dialog"


def test_no_page_fetches_from_outside_or_logs_console_errors(tour: Tour, app_url: str) -> None:
    """Offline hall: nothing may be fetched from outside, and the browser console stays clean.

    (A ``:material/...:`` page_icon in ``st.set_page_config``, for one, makes Streamlit's
    frontend fetch the favicon from fonts.gstatic.com; an emoji icon is drawn locally.)
    Reuses what the page tests above saw; visits the pages they did not.
    """
    for listed in PAGES:
        if listed.name not in tour.seen:
            tour.visit(listed, app_url)
            wait_until_idle(tour.page, timeout_s=120)
    outside = {name: sorted(set(seen[1])) for name, seen in tour.seen.items() if seen[1]}
    console = {name: seen[0] for name, seen in tour.seen.items() if seen[0]}
    assert outside == {}, "requests that left the machine, by page"
    assert console == {}, "console errors, by page"


def test_sidebar_lists_the_pages_in_lecture_order(tour: Tour, app_url: str) -> None:
    numbers = [page.lecture_section for page in PAGES if page.lecture_section is not None]
    assert numbers == sorted(numbers), "app.py lists the lecture sections out of order"
    assert PAGES[0].default, "the overview (default page) comes first"

    page = tour.page
    tour.visit(PAGES[0], app_url)
    wait_until_idle(page)
    if len(PAGES) == 1:
        # Streamlit shows no navigation for a single page.
        assert page.locator('[data-testid="stSidebarNav"]').count() == 0  # type: ignore[attr-defined]
        return
    assert navigation_titles(page) == [p.title for p in PAGES]
    assert navigation_sections(page) == list(dict.fromkeys(p.section for p in PAGES))


def test_every_page_of_the_navigation_has_its_expectations_written_down() -> None:
    assert set(EXPECTED_PAGES) == {listed.url_path for listed in PAGES}


def shows_page(tab: object, listed: ListedPage) -> None:
    """The tab is on the page's URL, its main area is that page (its own title) and has no traceback."""
    assert urlsplit(tab.url).path.strip("/") == listed.url_path  # type: ignore[attr-defined]
    heading = tab.locator('[data-testid="stMain"] h1').first.inner_text()  # type: ignore[attr-defined]
    assert heading.strip() == expected_of(listed.url_path).heading, f"/{listed.url_path} shows another page"
    assert exception_texts(tab) == []


def test_a_bookmarked_link_opens_its_page_even_as_a_fresh_servers_first_visit(page: object, browser: object) -> None:
    """The lecturer starts the app (or a class wakes it) with prepared links: those pages run.

    Streamlit's behaviour: the first script run of a server runs its old folder-based
    navigation (``pages/`` sits next to ``app.py``), which only knows file-name URLs such as
    ``/p2_neuron``, and sends "Page not found ... Running the app's main page" before ``app.py``
    runs at all; ``app.py``'s ``st.navigation`` then runs the page asked for and switches that
    navigation off for the whole server, and ``app.py`` closes that false notice (see its
    comment). Pinned here: the server's first visit by a deep link ends on its page with no
    notice; so do the visits that arrive while that first run is still under way (importing the
    libraries for the first time), and every later one.
    """
    deep = [listed for listed in PAGES if not listed.default]
    if not deep:
        pytest.skip("app.py lists only the default page")
    first, arriving_pages = deep[0], deep[1:3]
    port = free_port()
    process = start_streamlit(port)
    url = f"http://127.0.0.1:{port}"
    tabs: list[tuple[ListedPage, object]] = []
    try:
        wait_healthy(url, process)
        page.goto(first.url(url), wait_until="commit")  # type: ignore[attr-defined]
        # Once the app's frame is up, the server's first run is under way: open the other links
        # now, as students arriving with the lecturer.
        page.locator('[data-testid="stApp"]').wait_for(state="attached", timeout=90_000)  # type: ignore[attr-defined]
        for listed in arriving_pages:
            tab = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
            tab.goto(listed.url(url), wait_until="commit")
            tabs.append((listed, tab))

        wait_until_idle(page)
        assert dialog_texts(page) == []
        shows_page(page, first)

        for listed, tab in tabs:
            wait_until_idle(tab)
            assert dialog_texts(tab) == [], f"/{listed.url_path}, opened during the server's first run"
            shows_page(tab, listed)

        later = browser.new_page()  # type: ignore[attr-defined]
        tabs.append((first, later))
        later.goto(first.url(url))
        wait_until_idle(later)
        assert dialog_texts(later) == []
        shows_page(later, first)
    finally:
        for _, tab in tabs:
            tab.close()  # type: ignore[attr-defined]
        stop_server(process)
