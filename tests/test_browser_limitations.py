"""The limitations page in Chromium: charts drawn, a shift slider moves the digit and the probabilities."""

from __future__ import annotations

import pytest
from browser_checks import close_dialogs, error_texts, exception_texts, main_text, wait_for_chart, wait_until_idle
from conftest import SCREENSHOT_DIR

pytestmark = pytest.mark.browser

#: JS: the z data of the shifted digit and the shifted-probability bars, as the browser holds them.
SHOWN_DATA_JS = """
() => {
  const charts = [...document.querySelectorAll('.js-plotly-plot')];
  const digits = charts.find(el => el.data && el.data.length === 2 && el.data[0].type === 'heatmap');
  const bars = charts.find(el => el.data && el.data.length === 2 && el.data[0].type === 'bar');
  if (!digits || !bars) return null;
  // plotly may hold the arrays as typed arrays or as {dtype, bdata}: compare their JSON.
  return {shifted: JSON.stringify(digits.data[1].z), probabilities: JSON.stringify(bars.data[1].y),
          title: digits.layout.annotations[1].text, charts: charts.length};
}
"""


def screenshot(page, name: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 2000})  # Streamlit scrolls inside; a tall viewport shows the tab
    page.wait_for_timeout(800)
    page.screenshot(path=str(SCREENSHOT_DIR / name))
    page.set_viewport_size({"width": 1400, "height": 1000})


def test_limitations_page_draws_and_a_shift_slider_changes_the_digit_and_probabilities(app_url, page):
    page.goto(f"{app_url}/limitations")
    wait_until_idle(page, timeout_s=240)  # first visit: TensorFlow, the models, the shift curves
    close_dialogs(page)
    assert exception_texts(page) == [] and error_texts(page) == []
    assert wait_for_chart(page).non_empty
    before = page.evaluate(SHOWN_DATA_JS)
    assert before is not None and before["charts"] >= 5 and before["title"] == "shifted by (5, 0)"  # the lecture's 5 px
    assert "MLP says 7" in main_text(page) and "the MLP says 7, then 5" in main_text(page)
    screenshot(page, "p9_limitations.png")

    slider = page.locator('[data-testid="stSlider"]').filter(has_text="dx").get_by_role("slider")
    slider.focus()
    for _ in range(5):
        page.keyboard.press("ArrowLeft")
    wait_until_idle(page, timeout_s=60)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 5")
    after = page.evaluate(SHOWN_DATA_JS)
    assert after["title"] == "shifted by (0, 0)"
    assert len(before["shifted"]) > 100 and len(before["probabilities"]) > 10  # real data, not empty
    assert after["shifted"] != before["shifted"] and after["probabilities"] != before["probabilities"]
    assert "lim_dx=0" in page.url
    assert exception_texts(page) == []
    screenshot(page, "p9_limitations_unshifted.png")

    for tab, expected, name in (
        ("Pixel shuffling", "MLP, shuffled pixels", "p9_limitations_shuffling.png"),
        ("Parameter explosion", "15,360,512", "p9_limitations_parameters.png"),
        ("A first look at CNNs", "12,810", "p9_limitations_cnn.png"),
    ):
        page.get_by_role("tab", name=tab).click()
        wait_until_idle(page, timeout_s=120)
        assert exception_texts(page) == [] and error_texts(page) == []
        assert wait_for_chart(page).non_empty
        assert expected in main_text(page)
        screenshot(page, name)
