"""The playground in real Chromium: the network and the boundary draw, and Play makes the boundary move."""

from __future__ import annotations

import time

import pytest
from browser_checks import exception_texts, wait_until_idle
from conftest import SCREENSHOT_DIR

pytestmark = pytest.mark.browser

#: What the player's canvases hold: the boundary's pixels (as a data URL), its epoch and the network's size.
PLAYER_JS = """
() => {
  const map = document.getElementById('pg-map'), net = document.getElementById('pg-net');
  if (!map || !net) return null;
  return {pixels: map.toDataURL(), epoch: Number(map.dataset.epoch), width: map.width, net: net.width,
          info: document.getElementById('pg-info').textContent};
}
"""


def player(page: object) -> dict:
    """The player's state, read inside its iframe once it has drawn."""
    frame = page.frame_locator('[data-testid="stMain"] iframe').first  # type: ignore[attr-defined]
    canvas = frame.locator("#pg-map")
    canvas.wait_for(state="attached", timeout=30_000)
    state = canvas.evaluate(PLAYER_JS.replace("() =>", "(_) =>"))
    assert state is not None
    return state


def dismiss_page_not_found(page: object) -> None:
    """A fresh server's first deep link shows Streamlit's "Page not found" notice on top of the page."""
    dialog = page.locator('[role="dialog"]')  # type: ignore[attr-defined]
    if dialog.count() and "Page not found" in dialog.inner_text():
        page.keyboard.press("Escape")  # type: ignore[attr-defined]
        dialog.wait_for(state="detached", timeout=5_000)


def test_play_for_two_seconds_moves_the_boundary(page: object, app_url: str) -> None:
    page.set_viewport_size({"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page.goto(f"{app_url}/playground")  # type: ignore[attr-defined]
    wait_until_idle(page, timeout_s=90)
    dismiss_page_not_found(page)
    before = player(page)
    assert before["epoch"] == 0 and before["width"] > 300
    assert exception_texts(page) == []

    page.get_by_role("button", name="Play").click()  # type: ignore[attr-defined]
    time.sleep(2.0)
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => document.querySelector('[data-testid=\"stMain\"] iframe') !== null", timeout=10_000)
    during = player(page)
    assert during["epoch"] > 0, during["info"]
    assert during["pixels"] != before["pixels"], "the boundary did not change while playing"
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "p4b_playground_playing.png"))  # type: ignore[attr-defined]
    page.get_by_role("button", name="Pause").click()  # type: ignore[attr-defined]
    wait_until_idle(page, timeout_s=30)
    assert exception_texts(page) == []


def test_the_playground_fits_a_1280_by_720_projector(page: object, app_url: str) -> None:
    """At 1280×720, the Play button and the top of the boundary map show without scrolling past the settings."""
    page.set_viewport_size({"width": 1280, "height": 720})  # type: ignore[attr-defined]
    page.goto(f"{app_url}/playground")  # type: ignore[attr-defined]
    wait_until_idle(page, timeout_s=60)
    dismiss_page_not_found(page)
    player(page)
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "p4b_playground_1280x720.png"))  # type: ignore[attr-defined]
    assert exception_texts(page) == []
