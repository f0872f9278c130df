"""The draw-a-digit page in Chromium: a mouse-drawn 7 is prepared and answered; a bad upload loses nothing."""

from __future__ import annotations

import re

import pytest
from browser_checks import close_dialogs, error_texts, exception_texts, main_text, screenshot_whole_page, wait_for_chart, wait_until_idle
from conftest import SCREENSHOT_DIR

pytestmark = pytest.mark.browser

#: The strokes of a 7 in canvas pixels (the canvas is 280×280): the bar, then the diagonal.
SEVEN = [(70, 60), (210, 60), (120, 235)]
#: JS: the probability bars and the model's 28×28 input as the browser holds them.
SHOWN_JS = """
() => {
  const charts = [...document.querySelectorAll('.js-plotly-plot')];
  const bars = charts.find(el => el.data && el.data.length === 1 && el.data[0].type === 'bar');
  const steps = charts.find(el => el.data && el.data.filter(t => t.type === 'heatmap').length === 4);
  return {bars: bars ? JSON.stringify(bars.data[0].y) : null,
          input: steps ? JSON.stringify(steps.data.filter(t => t.type === 'heatmap')[3].z) : null};
}
"""
ANSWER = re.compile(r"Answer: (\d), with probability ([\d.]+)%")


def draw(page, points: list[tuple[int, int]], steps_per_segment: int = 12) -> None:
    """Press, drag through ``points`` (canvas pixels) and release, as a student's mouse would."""
    canvas = page.locator(".st-key-draw_canvas canvas").last  # fabric.js: events go to the upper canvas
    box = canvas.bounding_box()
    assert box is not None and box["width"] >= 200, f"the canvas is not on screen: {box}"
    x0, y0 = box["x"], box["y"]
    page.mouse.move(x0 + points[0][0], y0 + points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(x0 + x, y0 + y, steps=steps_per_segment)
    page.mouse.up()


def test_a_drawn_seven_is_read_as_seven_and_a_bad_upload_loses_nothing(app_url, page, tmp_path):
    page.goto(f"{app_url}/draw")
    wait_until_idle(page, timeout_s=120)
    close_dialogs(page)  # a fresh server's first deep link shows "Page not found" over the page
    assert exception_texts(page) == [] and error_texts(page) == []
    assert "Draw a digit in the black square" in main_text(page)  # the hint, not an error
    assert wait_for_chart(page).non_empty  # the example 7 going through the steps

    draw(page, SEVEN)
    page.wait_for_function(
        "() => document.body.innerText.includes('Answer:') && [...document.querySelectorAll('.js-plotly-plot')]"
        ".some(el => el.data && el.data[0].type === 'bar')",
        timeout=180_000,  # the first answer loads TensorFlow
    )
    wait_until_idle(page, timeout_s=60)
    assert exception_texts(page) == [] and error_texts(page) == []
    answer = ANSWER.search(main_text(page))
    assert answer is not None, main_text(page)
    assert answer.group(1) == "7", f"the MLP read the drawn 7 as {answer.group(1)}"
    shown = page.evaluate(SHOWN_JS)
    assert shown["bars"] is not None and shown["input"] is not None
    assert "Lecture MLP" in main_text(page)
    screenshot_whole_page(page, str(SCREENSHOT_DIR / "p7_draw.png"))

    page.locator('[data-testid="stRadio"]').get_by_text("Small CNN (shipped)").click()
    wait_until_idle(page, timeout_s=120)
    assert "Small CNN" in main_text(page) and ANSWER.search(main_text(page)) is not None
    assert "draw_model=" in page.url

    # A file that is not an image: a sentence, no traceback, and the drawing is still there.
    page.get_by_role("tab", name="Upload a photo").click()
    wait_until_idle(page)
    not_an_image = tmp_path / "digit.png"
    not_an_image.write_bytes(b"these are lecture notes, not a picture")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(not_an_image))
    page.wait_for_selector('[data-testid="stAlertContentError"]', timeout=30_000)
    wait_until_idle(page)
    assert exception_texts(page) == []
    assert any("not an image" in text for text in error_texts(page))
    screenshot_whole_page(page, str(SCREENSHOT_DIR / "p7_draw_bad_upload.png"))

    page.get_by_role("tab", name="Draw").click()
    wait_until_idle(page)
    assert error_texts(page) == [] and exception_texts(page) == []
    again = ANSWER.search(main_text(page))
    assert again is not None and page.evaluate(SHOWN_JS)["input"] == shown["input"], "the drawing was lost"
