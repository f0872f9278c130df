"""The optimizer race in real Chromium: the contour map draws, animates, and follows the start point."""

from __future__ import annotations

import pytest
from browser_checks import exception_texts, wait_for_chart, wait_until_idle
from conftest import SCREENSHOT_DIR

pytestmark = pytest.mark.browser

#: The race chart as plotly.js holds it: its traces, the start marker, frames and drawn contour.
RACE_CHART_JS = """
() => {
  const el = document.querySelector('.st-key-opt_race_chart .js-plotly-plot');
  if (!el || !el.data) return null;
  const box = el.getBoundingClientRect();
  const start = el.data.find(trace => trace.name === 'start');
  // A racer's trail is drawn in pieces (one per frame interval), the first one in the legend.
  const racers = el.data.filter(trace => trace.mode === 'lines' && trace.showlegend !== false).map(trace => trace.name);
  const firstPath = el.data.filter(trace => trace.mode === 'lines' && trace.name === racers[0]).pop();
  return {
    width: box.width, height: box.height,
    contours: el.querySelectorAll('.contour, .contourlevel').length,
    start: start ? [Number(start.x[0]), Number(start.y[0])] : null,
    hiddenPieces: [...el.querySelectorAll('.scatterlayer .trace')].filter(t => t.style.opacity === '0').length,
    racers: racers,
    firstPathEnd: firstPath ? Number(firstPath.x[firstPath.x.length - 1]) : null,
    frames: (el._transitionData && el._transitionData._frames) ? el._transitionData._frames.length : 0,
    buttons: el.querySelectorAll('.updatemenu-button').length,
    sliders: el.querySelectorAll('.slider-container').length,
  };
}
"""


#: Page coordinates of a data point (x, y) on the race map, from plotly's own axis scales.
CLICK_POSITION_JS = """
([x, y]) => {
  const el = document.querySelector('.st-key-opt_race_chart .js-plotly-plot');
  el.scrollIntoView({block: 'center'});
  const box = el.getBoundingClientRect();
  const xa = el._fullLayout.xaxis, ya = el._fullLayout.yaxis;
  return {x: box.left + xa._offset + xa.l2p(x), y: box.top + ya._offset + ya.l2p(y)};
}
"""


def dismiss_page_not_found(page: object) -> None:
    """Close the "Page not found" dialog of a fresh server's first visit to a deep link.

    Streamlit 1.67 resolves a fresh server's first script run against the ``pages/`` folder
    (the old multipage convention) before ``st.navigation`` has run once, so a url_path that
    is not a file name ("optimizers", "metrics") gets the dialog, and then the right page.
    Only renaming the folder would remove it, and the page files stay in ``pages/``; README's
    "Known Streamlit behaviour" and test_browser_all_pages have the rest.
    """
    dialog = page.locator('[role="dialog"]')  # type: ignore[attr-defined]
    if dialog.count() and "Page not found" in dialog.inner_text():
        page.keyboard.press("Escape")  # type: ignore[attr-defined]
        dialog.wait_for(state="detached", timeout=5_000)


def race_chart(page: object) -> dict:
    state = page.evaluate(RACE_CHART_JS)  # type: ignore[attr-defined]
    assert state is not None, "the race chart is not on the page"
    return state


def test_race_draws_and_follows_the_start_point(page: object, app_url: str) -> None:
    # The main area scrolls inside the window, so a tall window shows the whole page at once.
    page.set_viewport_size({"width": 1400, "height": 2300})  # type: ignore[attr-defined]
    page.goto(f"{app_url}/optimizers")  # type: ignore[attr-defined]
    wait_until_idle(page, timeout_s=90)
    assert wait_for_chart(page) is not None
    dismiss_page_not_found(page)
    before = race_chart(page)
    assert exception_texts(page) == []
    assert before["width"] > 400 and before["height"] > 300
    assert before["contours"] > 0
    assert before["racers"] == ["SGD", "SGD + momentum", "RMSprop", "Adam"]
    assert before["start"] == [-4.5, 1.0]
    assert before["frames"] == 26 and before["buttons"] == 2 and before["sliders"] == 1
    assert before["hiddenPieces"] == 0  # it opens on the finished race
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "p5_optimizers.png"))  # type: ignore[attr-defined]

    # Play replays the race: early frames hide the pieces of the trails not yet run, the last shows all.
    page.locator(".st-key-opt_race_chart .updatemenu-button").first.click()  # type: ignore[attr-defined]
    page.wait_for_timeout(300)  # type: ignore[attr-defined]
    assert race_chart(page)["hiddenPieces"] > 0
    page.wait_for_timeout(4000)  # type: ignore[attr-defined]  # 26 frames of 80 ms
    assert race_chart(page)["hiddenPieces"] == 0

    field = page.get_by_label("start x")  # type: ignore[attr-defined]
    field.fill("-3")
    field.press("Enter")
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => { const el = document.querySelector('.st-key-opt_race_chart .js-plotly-plot');"
        " const s = el && el.data && el.data.find(t => t.name === 'start'); return s && Number(s.x[0]) === -3; }",
        timeout=30_000,
    )
    wait_until_idle(page, timeout_s=60)
    after = race_chart(page)
    assert after["start"] == [-3.0, 1.0]
    assert after["firstPathEnd"] != before["firstPathEnd"]
    assert "opt_x_ravine=-3" in page.url  # type: ignore[attr-defined]
    assert exception_texts(page) == []

    # A click on the map starts the race there (the nearest point of the invisible click grid).
    target = page.evaluate(CLICK_POSITION_JS, [2.0, -1.2])  # type: ignore[attr-defined]
    page.mouse.click(target["x"], target["y"])  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => { const el = document.querySelector('.st-key-opt_race_chart .js-plotly-plot');"
        " const s = el && el.data && el.data.find(t => t.name === 'start'); return s && Math.abs(Number(s.x[0]) - 2) < 0.2; }",
        timeout=30_000,
    )
    wait_until_idle(page, timeout_s=60)
    clicked = race_chart(page)
    # The click grid's points lie a few pixels apart on the compact map: the nearest one is taken.
    assert abs(clicked["start"][0] - 2.0) < 0.2 and abs(clicked["start"][1] + 1.2) < 0.2
    assert float(page.get_by_label("start y").input_value()) == clicked["start"][1]  # type: ignore[attr-defined]
    assert exception_texts(page) == []



def test_the_race_and_its_results_fit_a_1280_by_720_projector(page: object, app_url: str) -> None:
    """The map's plot area and every racer's row with its result lie above the fold at 1280×720."""
    page.set_viewport_size({"width": 1280, "height": 720})  # type: ignore[attr-defined]
    page.goto(f"{app_url}/optimizers")  # type: ignore[attr-defined]
    wait_until_idle(page, timeout_s=60)
    page.keyboard.press("Escape")  # type: ignore[attr-defined]  # a fresh server's "Page not found" notice
    state = wait_for_chart(page)
    assert state is not None and state.non_empty
    plot = page.locator(".st-key-opt_race_chart .nsewdrag").first.bounding_box()  # type: ignore[attr-defined]
    assert plot is not None and plot["y"] >= 0 and plot["y"] + plot["height"] <= 720
    for result in ("#1 · 93", "#2 · 118", "#3 · 127", "#4 · 201"):
        box = page.get_by_text(result, exact=True).bounding_box()  # type: ignore[attr-defined]
        assert box is not None and box["y"] + box["height"] <= 720, result
    for key in ("adam_slide", "adagrad"):  # the last rows of the racer list
        box = page.locator(f".st-key-opt_{key}_on").bounding_box()  # type: ignore[attr-defined]
        assert box is not None and box["y"] + box["height"] <= 720, key
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "p5_optimizers_1280x720.png"))  # type: ignore[attr-defined]
    assert exception_texts(page) == []
