"""The metrics page in Chromium: every tab renders, a click on a confusion-matrix cell opens its gallery."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from browser_checks import exception_texts, main_text, wait_for_chart, wait_until_idle
from conftest import SCREENSHOT_DIR

pytestmark = pytest.mark.browser

#: Page coordinates of a confusion-matrix cell, from the plotly axes of the chart with the click layer.
CELL_CENTRE_JS = """
([trueClass, predictedClass]) => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')].find(el => el._fullLayout && el._fullLayout.clickmode === 'event+select');
  if (!gd) return null;
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect();
  return {x: box.left + xa._offset + xa.l2p(predictedClass), y: box.top + ya._offset + ya.l2p(trueClass)};
}
"""


def dismiss_page_not_found(page) -> None:
    """Close the "Page not found" notice Streamlit 1.67 shows once, on a fresh server's first visit
    when it is by a non-root URL (the page asked for runs under it; test_browser_all_pages pins
    it). Any other dialog stays."""
    dialog = page.locator('[role="dialog"]')
    if dialog.count() and "Page not found" in dialog.inner_text():
        page.keyboard.press("Escape")
        dialog.wait_for(state="detached", timeout=5_000)


def screenshot(page, name: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    # Streamlit scrolls inside its own container, so a tall viewport shows the whole tab.
    page.set_viewport_size({"width": 1400, "height": 1900})
    page.wait_for_timeout(600)
    page.screenshot(path=str(SCREENSHOT_DIR / name))
    page.set_viewport_size({"width": 1400, "height": 1000})


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    wait_until_idle(page, timeout_s=120)
    assert exception_texts(page) == []


def test_metrics_page_tabs_cell_click_and_threshold(app_url, page):
    page.goto(f"{app_url}/metrics")
    wait_until_idle(page, timeout_s=60)
    dismiss_page_not_found(page)
    assert exception_texts(page) == []
    assert page.locator(".katex").count() >= 4  # the four formulas, typeset
    assert "TP" in main_text(page) and "0.714" in main_text(page)
    assert wait_for_chart(page).non_empty
    screenshot(page, "p8_metrics_worked_example.png")

    open_tab(page, "Ten classes")
    assert wait_for_chart(page).non_empty
    assert "accuracy 0.9748" in main_text(page)
    centre = page.evaluate(CELL_CENTRE_JS, [4, 9])
    assert centre is not None
    page.mouse.move(centre["x"], centre["y"])  # plotly picks the point under the pointer on hover
    page.wait_for_timeout(300)
    page.mouse.click(centre["x"], centre["y"])
    page.wait_for_function("() => location.search.includes('metrics_cell_pred=9')", timeout=30_000)
    wait_until_idle(page, timeout_s=60)
    query = parse_qs(urlparse(page.url).query)
    assert query["metrics_cell_true"] == ["4"] and query["metrics_cell_pred"] == ["9"]
    text = main_text(page)
    assert "True 4, predicted 9" in text
    captions = re.findall(r"#\d+ · 9: [\d.]+%", text)
    assert len(captions) == page.locator('[data-testid="stImage"] img').count() > 0
    screenshot(page, "p8_metrics.png")

    open_tab(page, "Imbalance and threshold")
    assert wait_for_chart(page).non_empty
    assert "1,028 of 10,000" in main_text(page)
    before = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    slider = page.get_by_role("slider")
    slider.focus()
    page.keyboard.press("Home")  # 0.50 → 0.01 in one step (one rerun, not one per arrow press)
    page.wait_for_function("() => location.search.includes('metrics_threshold=0.01')", timeout=30_000)
    wait_until_idle(page, timeout_s=60)
    after = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert after[:4] == before[:4] == ["0.897", "0.000", "0.000", "0.000"]  # the always-"not 7" baseline
    assert after[4:] != before[4:]  # the model's numbers moved with the threshold
    assert exception_texts(page) == []
    screenshot(page, "p8_metrics_imbalance.png")
