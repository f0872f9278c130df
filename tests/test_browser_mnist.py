"""The Keras workflow and MNIST pages in Chromium: code follows the form, hand-off, Start, live curves, Stop.

Screenshots: ``p6_keras_workflow.png``, ``p7_mnist_training.png`` (mid-training, live curves),
``p7_mnist.png`` (after Stop: curves, test results, the prediction for x_test[:1]),
``p7_mnist_explore.png`` and ``p7_mnist_compare.png`` (two runs kept, their curves overlaid).
"""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlparse

import pytest
from browser_checks import (
    chart_state,
    error_texts,
    exception_texts,
    main_text,
    navigate_by_sidebar,
    wait_for_chart,
    wait_until_idle,
)
from conftest import SCREENSHOT_DIR

pytestmark = pytest.mark.browser

#: How many points the live loss chart has drawn (its first trace: the per-block means).
LOSS_POINTS_JS = """
() => {
  const charts = [...document.querySelectorAll('.js-plotly-plot')].filter(el => el.layout && el.layout.title &&
      /(^|>)Loss(<|$)/.test(el.layout.title.text || ''));
  return charts.length ? (charts[0].data[0].x || []).length : -1;
}
"""


def dismiss_page_not_found(page) -> None:
    """Close the "Page not found" dialog a fresh server shows on the first visit to a non-root URL."""
    dialog = page.locator('[role="dialog"]')
    if dialog.count() and "Page not found" in dialog.inner_text():
        page.keyboard.press("Escape")
        dialog.wait_for(state="detached", timeout=5_000)


def screenshot(page, name: str, height: int = 1500) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": height})
    page.wait_for_timeout(700)
    page.screenshot(path=str(SCREENSHOT_DIR / name))
    page.set_viewport_size({"width": 1400, "height": 1000})


def set_number(page, label: str, value: int) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(str(value))
    box.press("Enter")
    wait_until_idle(page, timeout_s=60)


def test_workflow_code_follows_the_form_and_hands_over_to_mnist(app_url, page):
    page.goto(f"{app_url}/keras-workflow")
    wait_until_idle(page, timeout_s=60)
    dismiss_page_not_found(page)
    assert exception_texts(page) == [] and error_texts(page) == []
    code = page.locator('[data-testid="stCode"]').first
    assert "history = model.fit(x_train, y_train, epochs=10, batch_size=64, validation_split=0.1)" in code.inner_text()
    assert "109,386 parameters" in main_text(page)

    set_number(page, "Epochs", 3)
    assert "epochs=3" in code.inner_text() and "mnist" not in urlparse(page.url).path
    assert parse_qs(urlparse(page.url).query)["workflow_epochs"] == ["3"]
    screenshot(page, "p6_keras_workflow.png", height=1450)

    set_number(page, "Epochs", 0)  # a bad value: a sentence, and the rest of the page stays
    assert any("number of epochs is 0" in text for text in error_texts(page))
    assert exception_texts(page) == []
    set_number(page, "Epochs", 3)

    page.get_by_role("button", name=re.compile("Train it on the MNIST page")).click()
    page.wait_for_url(re.compile(r"/mnist\?"), timeout=60_000)
    wait_until_idle(page, timeout_s=120)
    assert page.get_by_label("Epochs", exact=True).input_value() == "3"
    assert page.get_by_role("button", name=re.compile("Start training")).is_visible()
    assert exception_texts(page) == []


def test_mnist_trains_live_stops_and_shows_its_test_results(app_url, page):
    page.goto(f"{app_url}/mnist?mnist_tab=Train+and+test&mnist_subset_size=30000&mnist_epochs=50")
    wait_until_idle(page, timeout_s=60)
    dismiss_page_not_found(page)
    assert exception_texts(page) == []
    assert wait_for_chart(page).non_empty  # where the images go: 27,000 / 3,000 / 10,000
    assert "27,000" in main_text(page)

    page.get_by_role("button", name=re.compile("Start training")).click()
    stop = page.get_by_role("button", name=re.compile("^Stop"))
    stop.wait_for(timeout=60_000)
    deadline = time.monotonic() + 120
    while page.evaluate(LOSS_POINTS_JS) < 8 and time.monotonic() < deadline:  # a couple of epochs drawn
        page.wait_for_timeout(300)
    assert page.evaluate(LOSS_POINTS_JS) >= 8
    assert re.search(r"Epoch \d+/50 · batch \d+/422", main_text(page))
    screenshot(page, "p7_mnist_training.png")

    # 50 epochs (about 40 s here) outlast the page switch below. The training belongs to the session: it goes on while the student looks at another page.
    points = page.evaluate(LOSS_POINTS_JS)
    navigate_by_sidebar(page, "6 · Keras workflow", re.compile(r"/keras-workflow"), timeout_s=60)
    page.wait_for_timeout(1500)
    navigate_by_sidebar(page, "7 · MNIST", re.compile(r"/mnist"), timeout_s=60)
    stop.wait_for(timeout=30_000)
    page.wait_for_function(f"() => ({LOSS_POINTS_JS})() > {points}", timeout=30_000)
    assert "Epoch " in main_text(page) and "/50 · batch " in main_text(page)

    clicked = time.monotonic()
    stop.click()
    page.get_by_text("Training was stopped").wait_for(timeout=30_000)
    # Stop lands within one call of Keras's train function (< 1 s); the page shows it at its next redraw.
    assert time.monotonic() - clicked < 5
    wait_until_idle(page, timeout_s=60)
    text = main_text(page)
    assert "Test accuracy" in text and "model.predict(x_test[:1])" in text
    assert page.get_by_role("button", name=re.compile("Start training")).is_enabled()
    assert exception_texts(page) == [] and error_texts(page) == []
    screenshot(page, "p7_mnist.png", height=1700)

    page.get_by_role("tab", name="Explore the data").click()
    wait_until_idle(page, timeout_s=60)
    state = chart_state(page)
    assert state is not None and state.non_empty
    assert "is a **5**" not in main_text(page) and "is a 5" in main_text(page)
    screenshot(page, "p7_mnist_explore.png", height=2000)
    assert exception_texts(page) == []


#: The overlaid curves of the "Compare your runs" part: for each chart, its trace names and points drawn.
COMPARED_JS = """
() => [...document.querySelectorAll('.js-plotly-plot')]
  .filter(el => el.layout && el.layout.title && /per epoch: training solid/.test(el.layout.title.text || ''))
  .map(el => ({names: el.data.map(t => t.name), points: el.data.map(t => (t.x || []).length),
               drawn: el.querySelectorAll('.scatterlayer .trace').length}))
"""


def test_two_runs_are_kept_and_their_curves_overlaid(app_url, page):
    page.goto(f"{app_url}/mnist?mnist_tab=Train+and+test&mnist_subset_size=2000&mnist_optimizer=sgd&mnist_learning_rate=0.01")
    wait_until_idle(page, timeout_s=60)
    dismiss_page_not_found(page)
    for epochs, rate in ((3, 0.01), (5, 0.1)):
        set_number(page, "Epochs", epochs)
        set_number(page, "Learning rate", rate)
        page.get_by_role("button", name=re.compile("Start training")).click()
        page.get_by_text(f"{epochs}/{epochs} epochs in").wait_for(timeout=120_000)
        wait_until_idle(page, timeout_s=60)
    assert exception_texts(page) == [] and error_texts(page) == []
    page.get_by_role("heading", name="Compare your runs").scroll_into_view_if_needed()
    page.wait_for_function(f"() => ({COMPARED_JS})().length === 2 && ({COMPARED_JS})().every(c => c.drawn === 4)",
                           timeout=30_000)
    charts = page.evaluate(COMPARED_JS)
    assert [c["names"] for c in charts] == [["Run 1 · lr 0.01, 3 epochs", "Run 1 · lr 0.01, 3 epochs · validation",
                                             "Run 2 · lr 0.1, 5 epochs", "Run 2 · lr 0.1, 5 epochs · validation"]] * 2
    assert [c["points"] for c in charts] == [[3, 3, 5, 5]] * 2
    table = page.locator('[data-testid="stDataFrame"]')
    assert table.count() == 1 and table.first.is_visible()
    page.mouse.wheel(0, 700)
    screenshot(page, "p7_mnist_compare.png", height=1100)
    page.get_by_label("Run 1", exact=True).uncheck(force=True)
    page.wait_for_function(f"() => ({COMPARED_JS})().every(c => c.names.length === 2 && c.drawn === 2)", timeout=30_000)
    assert exception_texts(page) == []
    # The pick outlives a visit to the other tab (Streamlit drops the checkbox's own state there).
    page.get_by_role("tab", name="Explore the data").click()
    wait_until_idle(page, timeout_s=60)
    page.get_by_role("tab", name="Train and test").click()
    wait_until_idle(page, timeout_s=60)
    page.wait_for_function(f"() => ({COMPARED_JS})().length === 2", timeout=30_000)
    assert not page.get_by_label("Run 1", exact=True).is_checked() and page.get_by_label("Run 2", exact=True).is_checked()
    assert all(c["names"] == ["Run 2 · lr 0.1, 5 epochs", "Run 2 · lr 0.1, 5 epochs · validation"]
               for c in page.evaluate(COMPARED_JS))
