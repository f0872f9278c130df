"""What "this page rendered" means in Chromium, shared by the browser tests and the benchmarks.

A Streamlit page has rendered when its script run has finished (``stApp`` carries
``data-test-script-state="notRunning"`` after a real run) and stays finished for a moment
(a rerun that a query-param widget asks for right after the first run is waited out too),
and the page's main chart, if it has one (:data:`EXPECTED_PAGES`), has drawn traces.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

#: Script state of the app root once a run has finished; "initial" means nothing ran yet.
IDLE_SELECTOR = '[data-testid="stApp"][data-test-script-state="notRunning"]'
RUNNING_STATES = ("running", "rerunRequested", "initial")

#: JS for the first visible plotly figure: its size, its traces and how many of them were drawn.
CHART_STATE_JS = """
() => {
  const charts = [...document.querySelectorAll('.js-plotly-plot')].filter(el => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && el.offsetParent !== null;
  });
  if (charts.length === 0) return null;
  const el = charts[0];
  const box = el.getBoundingClientRect();
  const drawn = el.querySelectorAll(
    '.trace, .hm image, .contour, .imagelayer image, .gl-container canvas, .pielayer .slice'
  ).length;
  return {width: box.width, height: box.height, traces: (el.data || []).length, drawn: drawn,
          charts: charts.length, types: (el.data || []).map(trace => trace.type || 'scatter')};
}
"""


#: Opened on a page URL (``/neuron``), Streamlit's frontend first looks for its server under
#: that path (``/neuron/_stcore/health``, ``host-config``), gets a 404, then uses the root. Harmless.
_BASE_PATH_PROBE = re.compile(r"status of 404 .* @ \S+/_stcore/(health|host-config)$")


def console_problem(message: object) -> str | None:
    """The text of a console message that signals a problem (with where it came from), else None."""
    if message.type != "error":  # type: ignore[attr-defined]
        return None
    text = f"{message.text} @ {message.location.get('url', '')}"  # type: ignore[attr-defined]
    return None if _BASE_PATH_PROBE.search(text) else text


@dataclass(frozen=True)
class ChartState:
    """The first visible plotly chart of a page as the browser drew it."""

    width: float
    height: float
    traces: int
    drawn: int
    charts: int
    #: The plotly type of each trace (``scatter``, ``contour``, ``image``, ...).
    types: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "types", tuple(self.types))

    @property
    def non_empty(self) -> bool:
        return self.width >= 100 and self.height >= 100 and self.traces > 0 and self.drawn > 0


def wait_until_idle(page: Page, *, timeout_s: float = 90.0, settle_s: float = 0.4) -> float:
    """Wait until the page's script run has finished and stayed finished for ``settle_s``.

    Returns the seconds waited. Raises ``TimeoutError`` (with the script state) otherwise.
    """
    start = time.monotonic()
    deadline = start + timeout_s
    while True:
        remaining_ms = max(1.0, (deadline - time.monotonic()) * 1000)
        try:
            page.wait_for_selector(IDLE_SELECTOR, state="attached", timeout=remaining_ms)
        except Exception as error:  # Playwright's TimeoutError
            state = page.get_attribute('[data-testid="stApp"]', "data-test-script-state")
            raise TimeoutError(f"script still {state!r} after {timeout_s:.0f} s") from error
        idle_at = time.monotonic()
        page.wait_for_timeout(settle_s * 1000)
        state = page.get_attribute('[data-testid="stApp"]', "data-test-script-state")
        if state not in RUNNING_STATES:
            return idle_at - start
        if time.monotonic() > deadline:
            raise TimeoutError(f"script still {state!r} after {timeout_s:.0f} s")


def chart_state(page: Page) -> ChartState | None:
    """The first visible plotly chart's state, or None when the page shows none."""
    state = page.evaluate(CHART_STATE_JS)
    return None if state is None else ChartState(**state)


def wait_for_chart(page: Page, *, timeout_s: float = 30.0) -> ChartState | None:
    """Poll until the first visible chart has drawn traces (plotly draws after the script ends)."""
    deadline = time.monotonic() + timeout_s
    state = chart_state(page)
    while (state is None or not state.non_empty) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
        state = chart_state(page)
    return state


@dataclass(frozen=True)
class PageExpectation:
    """What a page shows on top, and what its first visible chart draws (no chart: ``chart`` empty)."""

    heading: str
    #: Trace types the first visible chart holds (all of them must be there).
    chart: frozenset[str] = frozenset()

    @property
    def draws_a_chart(self) -> bool:
        return bool(self.chart)


#: Every page by its address, written down here from the lecture's section titles and from what
#: the pages were seen to draw in Chromium, not read from the pages' own source (a page whose
#: chart went missing, or that shows another page's title, would otherwise set its own bar). A
#: page added to the navigation needs its row here (``tests/test_browser_all_pages.py`` checks).
EXPECTED_PAGES: dict[str, PageExpectation] = {
    "": PageExpectation("annviz: artificial neural networks, live"),
    "ann": PageExpectation("1 · What is an ANN?", frozenset({"scatter"})),
    "neuron": PageExpectation("2 · A single neuron", frozenset({"scatter"})),
    "layers": PageExpectation("3 · Layers and parameters", frozenset({"scatter"})),
    "activations": PageExpectation("4 · Activation functions", frozenset({"scatter"})),
    "playground": PageExpectation("4 · Playground: watch a network learn", frozenset({"bar"})),
    "optimizers": PageExpectation("5 · Optimizers: the race", frozenset({"contour", "scatter"})),
    "keras-workflow": PageExpectation("6 · The Keras workflow"),
    "mnist": PageExpectation("7 · MNIST: a network learns to read digits", frozenset({"image"})),
    "draw": PageExpectation("7 · Draw a digit", frozenset({"heatmap", "scatter"})),
    "metrics": PageExpectation("8 · Evaluation metrics", frozenset({"heatmap"})),
    "limitations": PageExpectation("9 · Limitations in image processing", frozenset({"heatmap"})),
}


def expected_of(url_path: str) -> PageExpectation:
    """The page's row of :data:`EXPECTED_PAGES` (a page without one fails its test)."""
    if url_path not in EXPECTED_PAGES:
        raise AssertionError(f"/{url_path} has no row in browser_checks.EXPECTED_PAGES: write down what it shows")
    return EXPECTED_PAGES[url_path]


def draws_what_it_should(state: ChartState | None, url_path: str) -> str:
    """Empty if the page's first visible chart is drawn and holds the traces it should, else what is wrong."""
    want = expected_of(url_path).chart
    if state is None:
        return f"/{url_path}: no chart is visible (expected one with {sorted(want)} traces)"
    if not state.non_empty:
        return f"/{url_path}: its first chart is empty: {state}"
    if not want <= set(state.types):
        return f"/{url_path}: its first chart has {sorted(set(state.types))} traces, expected {sorted(want)}"
    return ""


def exception_texts(page: Page) -> list[str]:
    """Texts of Streamlit's traceback boxes on the page (there must be none)."""
    return [text.strip() for text in page.locator('[data-testid="stException"]').all_inner_texts()]


def error_texts(page: Page) -> list[str]:
    """Texts of the ``st.error`` boxes on the page (not counting traceback boxes)."""
    boxes = page.locator('[data-testid="stAlertContentError"]:not([data-testid="stException"] *)')
    return [text.strip() for text in boxes.all_inner_texts()]


def main_text(page: Page) -> str:
    """All text of the page's main area (not the sidebar)."""
    return page.locator('[data-testid="stMain"]').inner_text()


def navigation_titles(page: Page) -> list[str]:
    """The page titles of the sidebar navigation, top to bottom (expanding "View more")."""
    more = page.locator('[data-testid="stSidebarNavViewButton"]')
    if more.count() and "more" in more.inner_text():
        more.click()
    labels = page.locator('[data-testid="stSidebarNavLink"] [data-testid="stMarkdownContainer"]')
    return [text.strip() for text in labels.all_inner_texts()]


def navigation_sections(page: Page) -> list[str]:
    """The section headers of the sidebar navigation, top to bottom."""
    headers = page.locator('[data-testid="stNavSectionHeader"]')
    return [text.strip() for text in headers.all_inner_texts()]


def visit_every_tab(page: Page, *, timeout_s: float = 180.0) -> int:
    """Open each ``st.tabs`` tab of the page in turn (what loads only there gets loaded); returns how many."""
    tabs = page.locator('[data-testid="stTab"]:visible')
    count = tabs.count()
    close_dialogs(page)
    for index in range(count):
        tabs.nth(index).click()
        wait_until_idle(page, timeout_s=timeout_s)
        wait_for_chart(page, timeout_s=10)
    return count


def dialog_texts(page: Page) -> list[str]:
    """Texts of the modal dialogs open on the page (Streamlit's "Page not found", ``st.dialog``)."""
    return [" ".join(text.split()) for text in page.locator('[role="dialog"]').all_inner_texts()]


def close_dialogs(page: Page) -> list[str]:
    """Close any open modal dialog (it makes the rest of the page inert); returns their texts."""
    texts = dialog_texts(page)
    for _ in texts:
        page.keyboard.press("Escape")
    if texts:
        page.locator('[role="dialog"]').first.wait_for(state="detached", timeout=5000)
    return texts


def screenshot_whole_page(page: Page, path: str, *, max_height: int = 8000) -> None:
    """Screenshot of the whole page: Streamlit scrolls inside its main area, so ``full_page``
    alone shows only the first screen; the viewport is stretched to the content for the shot."""
    viewport = page.viewport_size or {"width": 1400, "height": 1000}
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight ?? 0")
    tall = min(max(int(height), viewport["height"]), max_height)
    if tall > viewport["height"]:
        page.set_viewport_size({"width": viewport["width"], "height": tall})
        page.wait_for_timeout(500)  # let plotly redraw at the new size
    try:
        page.screenshot(path=path, full_page=True)
    finally:
        page.set_viewport_size(viewport)


def sidebar_link(page: Page, title: str):  # -> Locator
    """The sidebar navigation link of the page with this title."""
    labels = page.locator('[data-testid="stSidebarNavLink"]')
    exact = re.compile(rf"^\s*{re.escape(title)}\s*$")
    return labels.filter(has=page.locator('[data-testid="stMarkdownContainer"]', has_text=exact)).first


def navigate_by_sidebar(page: Page, title: str, url: str, *, timeout_s: float = 180.0) -> float:
    """Click the page's sidebar link (the same session goes on, as for a student) and wait until
    it has rendered; returns the seconds from the click."""
    start = time.monotonic()
    sidebar_link(page, title).click()
    page.wait_for_url(url, timeout=timeout_s * 1000)
    try:  # the run the click asked for may not have started yet
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="running"]', state="attached", timeout=2000)
    except Exception:
        pass
    wait_until_idle(page, timeout_s=timeout_s)
    return time.monotonic() - start
