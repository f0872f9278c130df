"""Lecture mode in Chromium at 1280×720: each page's main figure and key controls above the fold, text ≥ 16 px.

Screenshots: ``lecture/<page>_<step>.png`` in the test output folder (README shows some).
"""

from __future__ import annotations

import pytest
from browser_checks import close_dialogs, exception_texts, wait_until_idle
from conftest import SCREENSHOT_DIR

from annviz.figure_style import MIN_FONT_PX
from annviz.lecture_links import step_link
from pages._navigation import listed_pages

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1280, 720

#: What must be on screen at 1280×720, by widget or chart key: the step's figure and its key controls.
ABOVE_THE_FOLD: dict[tuple[str, int], tuple[str, ...]] = {
    ("ann", 1): ("ann_analogy",),
    ("ann", 2): ("ann_layers", "ann_network"),
    ("neuron", 1): ("neuron_x", "neuron_w", "neuron_b", "neuron_activation", "neuron_drawing"),
    ("layers", 1): ("layers_input", "layers_hidden", "layers_task", "layers_network"),
    ("activations", 1): ("act_shown", "act_curves"),
    ("activations", 2): ("act_logits", "act_temperature", "act_softmax"),
    ("activations", 3): ("act_stack_between", "act_stack"),
    ("playground", 1): ("pg_preset", "pg_play", "pg_step", "pg_reset"),
    ("optimizers", 1): ("opt_surface", "opt_race_chart", "opt_sgd_on", "opt_adam_on"),
    ("keras-workflow", 1): ("workflow_layers", "workflow_optimizer", "workflow_learning_rate", "workflow_epochs"),
    ("mnist", 1): ("mnist_grid",),
    ("draw", 1): ("draw_canvas",),
    ("metrics", 1): ("metrics_y_true", "metrics_y_pred", "metrics_binary_cm"),
    ("metrics", 2): ("metrics_cm_click", "metrics_cell_true"),
    ("limitations", 1): ("lim_dx", "lim_dy", "lim_digits", "lim_probabilities"),
    ("limitations", 2): ("lim_shuffle_digits",),
    ("limitations", 4): ("lim_cnn_curve",),
}

BOXES_JS = """(keys) => keys.map(key => {
  const element = document.querySelector('.st-key-' + key);
  if (!element) return [key, null];
  const box = element.getBoundingClientRect();
  return [key, [box.top, box.bottom, box.height]];
})"""

#: The smallest font of any text plotly drew on screen (times the scale plotly shrinks a bar's
#: label by to fit it), and how many texts there are.
SMALLEST_TEXT_JS = """() => {
  const sizes = Array.from(document.querySelectorAll('.js-plotly-plot svg text'))
    .filter(t => t.textContent.trim() && t.getBoundingClientRect().height > 0 && t.getBoundingClientRect().top < window.innerHeight)
    .map(t => {
      const scale = /scale\\(([0-9.]+)/.exec(t.getAttribute('transform') || '');
      return parseFloat(getComputedStyle(t).fontSize) * (scale ? parseFloat(scale[1]) : 1);
    });
  return [sizes.length ? Math.min(...sizes) : null, sizes.length];
}"""


def test_every_page_is_checked() -> None:
    from annviz.lecture_steps import LECTURE_STEPS

    assert {page for page, _ in ABOVE_THE_FOLD} == set(LECTURE_STEPS)
    assert all((page, 1) in ABOVE_THE_FOLD for page in LECTURE_STEPS)


@pytest.mark.parametrize(("page_path", "number"), sorted(ABOVE_THE_FOLD), ids=[f"{p}-{n}" for p, n in sorted(ABOVE_THE_FOLD)])
def test_lecture_mode_fits_a_1280_by_720_projector(page: object, app_url: str, page_path: str, number: int) -> None:
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})  # type: ignore[attr-defined]
    page.goto(app_url + step_link(page_path, number))  # type: ignore[attr-defined]
    wait_until_idle(page, timeout_s=120)
    close_dialogs(page)  # a fresh server's one "Page not found" notice, if this is its first visit
    page.wait_for_timeout(800)  # type: ignore[attr-defined]  # plotly draws after the script run
    assert exception_texts(page) == []
    assert page.locator('[data-testid="stSidebar"][aria-expanded="true"]').count() == 0  # type: ignore[attr-defined]
    for key, box in page.evaluate(BOXES_JS, list(ABOVE_THE_FOLD[(page_path, number)])):  # type: ignore[attr-defined]
        assert box is not None and box[2] > 0, f"{key} is not on the page"
        assert 0 <= box[0] and box[1] <= HEIGHT, f"{key} spans {box[0]:.0f}–{box[1]:.0f} px, beyond the {HEIGHT} px screen"
    smallest, count = page.evaluate(SMALLEST_TEXT_JS)  # type: ignore[attr-defined]
    assert count == 0 or smallest >= MIN_FONT_PX, f"figure text at {smallest} px"
    name = next(listed.name for listed in listed_pages() if listed.url_path == page_path)
    (SCREENSHOT_DIR / "lecture").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "lecture" / f"{name}_{number}.png"))  # type: ignore[attr-defined]
