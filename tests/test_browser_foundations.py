"""Pages 1–4 in Chromium: a drawn chart, one interaction each, the animated forward pass, screenshots."""

from __future__ import annotations

import time

import pytest
from browser_checks import chart_state, close_dialogs, exception_texts, main_text, wait_for_chart, wait_until_idle
from conftest import SCREENSHOT_DIR

pytestmark = pytest.mark.browser

#: The plotly figure of the page whose Streamlit key is given (its element carries the key as a class).
FIGURE_JS = """
(key) => {
  const box = document.querySelector(`.st-key-${key}`);
  const gd = box && box.querySelector('.js-plotly-plot');
  if (!gd || !gd._fullLayout) return null;
  const frames = (gd._transitionData && gd._transitionData._frames) || [];
  return {
    frames: frames.map(f => f.name),
    traces: gd.data.length,
    colours: gd.data.map(t => t.marker ? t.marker.color : null),
    texts: gd.data.map(t => (t.text === undefined ? null : t.text)),
    points: gd.data.map(t => (t.x ? t.x.length : 0)),
    title: gd._fullLayout.title ? gd._fullLayout.title.text : '',
  };
}
"""


def open_page(page, app_url: str, url_path: str) -> None:
    page.goto(f"{app_url}/{url_path}")
    wait_until_idle(page, timeout_s=60)
    close_dialogs(page)  # a fresh server's first deep link may open "Page not found" (see test_browser_all_pages)
    assert exception_texts(page) == []
    state = wait_for_chart(page)
    assert state is not None and state.non_empty


def figure(page, key: str, *, required: bool = True) -> dict | None:
    state = page.evaluate(FIGURE_JS, key)
    assert state is not None or not required, f"no plotly figure under key {key}"
    return state


def type_into(page, key: str, text: str) -> None:
    box = page.locator(f".st-key-{key} input")
    box.fill(text)
    box.press("Enter")
    wait_until_idle(page, timeout_s=60)
    assert exception_texts(page) == []


def choose(page, key: str, option: str) -> None:
    page.locator(f".st-key-{key} input").click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_until_idle(page, timeout_s=60)
    assert exception_texts(page) == []


def screenshot(page, name: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    # Streamlit scrolls inside its own container, so a tall viewport shows the whole page.
    page.set_viewport_size({"width": 1400, "height": 2400})
    page.wait_for_timeout(700)
    page.screenshot(path=str(SCREENSHOT_DIR / name))
    page.set_viewport_size({"width": 1400, "height": 1000})


def test_p1_network_animation_plays_and_sizes_redraw(app_url, page):
    open_page(page, app_url, "ann")
    before = figure(page, "ann_network")
    assert before["frames"] == ["Input", "Hidden 1", "Output"]
    idle, active = "#e8ecf2", "#2f6fb3"
    assert before["colours"][-1] == idle  # nothing lit before the forward pass
    page.locator(".st-key-ann_network .updatemenu-button").first.click()
    page.wait_for_function(
        "() => { const gd = document.querySelector('.st-key-ann_network .js-plotly-plot');"
        f" return gd.data[gd.data.length - 1].marker.color === '{active}'; }}",
        timeout=15_000,
    )
    played = figure(page, "ann_network")
    # The frames carry colours only: the drawn nodes, edges and labels stay where they were.
    assert played["points"] == before["points"] and played["texts"] == before["texts"]
    assert "21 parameters" in main_text(page)
    screenshot(page, "p1_ann.png")
    type_into(page, "ann_layers", "784-128-64-10")
    assert "109,386 parameters" in main_text(page)
    after = figure(page, "ann_network")
    assert after["texts"][len(after["texts"]) // 2] != before["texts"][len(before["texts"]) // 2]


def test_p2_neuron_bias_changes_the_drawing(app_url, page):
    open_page(page, app_url, "neuron")
    texts = figure(page, "neuron_drawing")["texts"]
    assert ["Σ + b", "4.2"] in texts
    assert "4.2" in main_text(page)
    screenshot(page, "p2_neuron.png")
    type_into(page, "neuron_b", "-5")
    assert ["Σ + b", "0"] in figure(page, "neuron_drawing")["texts"]
    assert "neuron_b=-5" in page.url


def test_p3_preset_changes_the_count(app_url, page):
    open_page(page, app_url, "layers")
    assert "109,386" in main_text(page)
    screenshot(page, "p3_layers.png")
    choose(page, "layers_preset", "3-4-1 (21)")
    text = main_text(page)
    assert "Total parameters\n21" in text or "Total parameters\n\n21" in text
    assert "layers_hidden=4" in page.url
    assert figure(page, "layers_network")["texts"][-1] == ["ŷ₁"]


def test_p4_logits_change_the_softmax_bars(app_url, page):
    open_page(page, app_url, "activations")
    assert figure(page, "act_softmax")["texts"][0] == ["0.659", "0.242", "0.099"]
    assert chart_state(page).traces >= 6  # three activations and their derivatives, plus saturation bands
    screenshot(page, "p4_activations.png")
    type_into(page, "act_logits", "5, 1, 0.1")
    # The softmax section reruns as a fragment; its chart is redrawn in place, so look until it is.
    deadline = time.monotonic() + 15
    expected = ["0.975", "0.018", "0.007"]
    while ((drawn := figure(page, "act_softmax", required=False)) is None or drawn["texts"][0] != expected) \
            and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert drawn is not None and drawn["texts"][0] == expected
