"""The playground in real Chromium: the view draws and Play moves the boundary; the diagram is two-way (a layer's +,
a feature's tile); a neuron's map shows large on hover; the projector fits the output, the losses and Play."""

from __future__ import annotations

import time

import pytest
from browser_checks import exception_texts, wait_until_idle
from conftest import SCREENSHOT_DIR

pytestmark = pytest.mark.browser

#: The view's state, read inside its shadow root: the boundary's pixels (as a data URL), its epoch, what it says.
VIEW_JS = """
() => {
  const root = document.querySelector('[data-testid="stBidiComponentIsolated"]')?.shadowRoot;
  const map = root?.querySelector('.map');
  if (!map || map.dataset.epoch === undefined) return null;
  const box = e => { const r = root.querySelector(e).getBoundingClientRect(); return [r.top, r.bottom, r.left, r.right]; };
  return {pixels: map.toDataURL(), epoch: Number(map.dataset.epoch), width: map.width,
          layers: root.querySelector('.layers').textContent, params: root.querySelector('.params').textContent,
          note: getComputedStyle(root.querySelector('.map-note')).display === 'none' ? '' : root.querySelector('.map-note').textContent,
          status: root.querySelector('.status').getBoundingClientRect().height, epochText: root.querySelector('.epoch').textContent,
          features: Array.from(root.querySelectorAll('.tile.feature')).map(t => t.getAttribute('aria-pressed') === 'true'),
          map: box('.map'), loss: box('.loss'), toggles: box('.toggles')};
}
"""


def until(condition: str) -> str:
    """A function for ``wait_for_function``: true once the view's state ``s`` meets ``condition``."""
    return f"() => {{ const s = ({VIEW_JS.strip()})(); return s !== null && ({condition}); }}"


def view(page: object, timeout_s: float = 60) -> dict:
    """The view's state once it has drawn a frame."""
    page.wait_for_function(until("true"), timeout=timeout_s * 1000)  # type: ignore[attr-defined]
    return page.evaluate(VIEW_JS)  # type: ignore[attr-defined]


def opened(page: object, url: str) -> dict:
    page.goto(url)  # type: ignore[attr-defined]
    wait_until_idle(page, timeout_s=120)
    dialog = page.locator('[role="dialog"]')  # type: ignore[attr-defined]
    if dialog.count() and "Page not found" in dialog.inner_text():  # a fresh server's first deep link
        page.keyboard.press("Escape")  # type: ignore[attr-defined]
    return view(page, 120)


def test_play_for_two_seconds_moves_the_boundary_and_counts_epochs(page: object, app_url: str) -> None:
    page.set_viewport_size({"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    before = opened(page, f"{app_url}/playground")
    assert before["epoch"] == 0 and before["epochText"] == "0" and before["width"] >= 300
    assert exception_texts(page) == []

    page.get_by_role("button", name="Play").click()  # type: ignore[attr-defined]
    time.sleep(3.0)
    during = view(page)
    assert during["epoch"] > 0 and during["epochText"] == f"{during['epoch']:,}"
    assert during["pixels"] != before["pixels"], "the boundary did not change while playing"
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "p4b_playground_playing.png"))  # type: ignore[attr-defined]
    page.get_by_role("button", name="Pause").click()  # type: ignore[attr-defined]
    wait_until_idle(page, timeout_s=30)
    assert exception_texts(page) == []


def test_the_diagram_adds_a_layer_switches_a_feature_and_shows_a_neuron_large(page: object, app_url: str) -> None:
    page.set_viewport_size({"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    first = opened(page, f"{app_url}/playground")
    assert first["layers"].startswith("1 hidden layer") and first["params"] == "21 parameters"
    page.locator(".add-layer").click()  # type: ignore[attr-defined]  # the layers' +, inside the view
    page.wait_for_function(until("s.layers.startsWith('2 hidden layers')"), timeout=60_000)  # type: ignore[attr-defined]
    assert view(page)["params"] == f"{3 * 4 + 4 + 4 * 4 + 4 + 4 + 1} parameters"
    page.get_by_role("tab", name="Network").click()  # type: ignore[attr-defined]
    assert page.locator(".st-key-pg_hidden input").input_value() == "4, 4"  # type: ignore[attr-defined]

    page.locator(".tile.feature").nth(2).click()  # type: ignore[attr-defined]  # x₁², off until now
    page.wait_for_function(until("s.features[2] === true"), timeout=60_000)  # type: ignore[attr-defined]
    assert view(page)["features"] == [True, True, True, False, True, False, False]

    plain = view(page)
    page.locator(".tile.neuron").first.hover()  # type: ignore[attr-defined]
    shown = view(page)
    assert shown["note"].startswith("Showing neuron 1.1") and shown["pixels"] != plain["pixels"]
    page.mouse.move(5, 5)  # type: ignore[attr-defined]
    assert view(page)["note"] == ""

    page.locator(".show-test").uncheck()  # type: ignore[attr-defined]
    assert view(page)["pixels"] != plain["pixels"]  # the test points are gone from the map
    page.locator(".show-test").check()  # type: ignore[attr-defined]
    assert exception_texts(page) == []


def test_the_playground_fits_a_1280_by_720_projector(page: object, app_url: str) -> None:
    """Lecture mode at 1280×720: Play, the whole output map, its toggles and the loss curves show without scrolling,
    the status (epoch and both losses) stays on its lines and no button's text is cut."""
    page.set_viewport_size({"width": 1280, "height": 720})  # type: ignore[attr-defined]
    state = opened(page, f"{app_url}/playground?lecture=1")
    for name in ("map", "loss", "toggles"):
        top, bottom, left, right = state[name]
        assert 0 <= top and bottom <= 720 and right <= 1280, f"{name} spans {top:.0f}–{bottom:.0f} px"
    assert state["status"] < 60  # two lines of 16-px text at most: "Test loss" over "Training loss"
    cut = page.evaluate("""() => Array.from(document.querySelectorAll('[data-testid="stMain"] button'))
        .filter(b => b.offsetParent && b.scrollWidth > b.clientWidth + 1).map(b => b.textContent)""")  # type: ignore[attr-defined]
    assert cut == [], cut
    box = page.locator(".st-key-pg_play").bounding_box()  # type: ignore[attr-defined]
    assert box and box["y"] + box["height"] <= 720
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "p4b_playground_1280x720.png"))  # type: ignore[attr-defined]
    assert exception_texts(page) == []
