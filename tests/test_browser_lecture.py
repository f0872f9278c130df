"""Lecture mode on a projector, in Chromium: every prepared step at 1280×720 and at 1920×1080.

Per step (``annviz.lecture_steps.LECTURE_STEPS``, the same table the page reads):

- the step's headline element and its key controls (by key) lie inside the screen, unscrolled;
- no label, button, tab or metric text is cut (``scrollWidth > clientWidth``);
- no figure text overlaps another figure text, sticks out of its figure, or lies under a
  figure's button (Play/Pause); no layer caption sits on a neuron; no figure text under 16 px.

One server, one browser. Screenshots at 1280×720: ``lecture/<page file>_<step>.png`` in the
test output folder (``ANNVIZ_TEST_OUTPUT=docs`` writes docs/screenshots/lecture/).
A second test starts a fresh server and opens a step's link as its very first visit: no
"Page not found" notice.
"""

from __future__ import annotations

import pytest
from browser_checks import dialog_texts, exception_texts, wait_for_chart, wait_until_idle
from conftest import SCREENSHOT_DIR, free_port, start_streamlit, stop_server, wait_healthy

from annviz.figure_style import MIN_FONT_PX
from annviz.lecture_links import step_link
from annviz.lecture_steps import LECTURE_STEPS
from pages._navigation import listed_pages

pytestmark = pytest.mark.browser

SCREENS = ((1280, 720), (1920, 1080))
STEPS = [(page, number) for page, steps in LECTURE_STEPS.items() for number in range(1, len(steps) + 1)]

#: Everything the room would see wrong on one screen, as sentences (an empty list: nothing).
PROBLEMS_JS = """([keys, minFont]) => {
  const problems = [];
  const W = window.innerWidth, H = window.innerHeight;
  const onScreen = r => r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < H;
  const shown = el => { const s = getComputedStyle(el); return s.visibility !== 'hidden' && s.display !== 'none' && s.opacity !== '0'; };
  for (const key of keys) {
    const el = document.querySelector('.st-key-' + key);
    if (!el) { problems.push(`${key}: not on the page`); continue; }
    const r = el.getBoundingClientRect();
    if (r.height <= 0) problems.push(`${key}: drawn 0 px tall`);
    else if (r.top < -1 || r.bottom > H + 1 || r.left < -1 || r.right > W + 1)
      problems.push(`${key}: at ${r.top.toFixed(0)}–${r.bottom.toFixed(0)} px, beyond the ${H} px screen`);
  }
  const main = document.querySelector('[data-testid="stMain"]');
  const texts = main.querySelectorAll('[data-testid="stWidgetLabel"] p, label p, button p, [data-testid="stMetricLabel"] p, '
    + '[data-testid="stMetricValue"] div, [data-baseweb="tab"] p, [data-testid="stCaptionContainer"]');
  for (const el of texts) {
    const r = el.getBoundingClientRect();
    if (!onScreen(r) || !el.textContent.trim()) continue;
    if (el.scrollWidth > el.clientWidth + 1) problems.push(`text cut: "${el.textContent.trim().slice(0, 60)}"`);
  }
  const box = el => el.getBoundingClientRect();
  const overlap = (a, b, pad) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > pad
    && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > pad;
  for (const plot of main.querySelectorAll('.js-plotly-plot')) {
    const frame = plot.querySelector('.svg-container');
    if (!frame || !onScreen(box(frame))) continue;
    const name = (plot.closest('[class*="st-key-"]')?.className.match(/st-key-([A-Za-z0-9_-]+)/) || [, 'a figure'])[1];
    const items = Array.from(plot.querySelectorAll('svg text'))
      .filter(t => t.textContent.trim() && !t.closest('.hoverlayer') && shown(t) && box(t).width > 0)
      .map(t => ({el: t, r: box(t), text: t.textContent.trim().slice(0, 30),
                  caption: !!t.closest('.annotation'), bar: !!t.closest('.bartext, .textpoint')}));
    const f = box(frame);
    for (const t of items) {
      const scale = /scale\\(([0-9.]+)/.exec(t.el.getAttribute('transform') || '');
      const px = parseFloat(getComputedStyle(t.el).fontSize) * (scale ? parseFloat(scale[1]) : 1);
      if (t.r.top < H && px < minFont - 0.01) problems.push(`${name}: "${t.text}" at ${px.toFixed(1)} px`);
      if (t.r.left < f.left - 1 || t.r.right > f.right + 1 || t.r.top < f.top - 1 || t.r.bottom > f.bottom + 1)
        problems.push(`${name}: "${t.text}" cut at the figure's edge`);
    }
    for (let i = 0; i < items.length; i++)
      for (let j = i + 1; j < items.length; j++)
        if (overlap(items[i].r, items[j].r, 2)) problems.push(`${name}: "${items[i].text}" on "${items[j].text}"`);
    const buttons = Array.from(plot.querySelectorAll('.updatemenu-button')).map(b => ({el: b, r: box(b)}));
    for (const b of buttons)
      for (const t of items)
        if (!b.el.contains(t.el) && overlap(b.r, t.r, 2)) problems.push(`${name}: a button on "${t.text}"`);
    const neurons = Array.from(plot.querySelectorAll('.scatterlayer .point')).map(box);
    for (const t of items.filter(t => t.caption))
      if (neurons.some(n => overlap(n, t.r, 2))) problems.push(`${name}: caption "${t.text}" on a marker`);
  }
  return problems;
}"""


def screen_problems(page: object, keys: list[str]) -> list[str]:
    return page.evaluate(PROBLEMS_JS, [keys, MIN_FONT_PX])  # type: ignore[attr-defined]


def test_every_step_names_a_headline() -> None:
    assert all(step.headline for steps in LECTURE_STEPS.values() for step in steps)


@pytest.mark.parametrize(("page_path", "number"), STEPS, ids=[f"{p}-{n}" for p, n in STEPS])
def test_every_lecture_step_fits_a_projector(page: object, app_url: str, page_path: str, number: int) -> None:
    step = LECTURE_STEPS[page_path][number - 1]
    keys = [step.headline, *step.controls]
    (width, height), *larger = SCREENS
    page.set_viewport_size({"width": width, "height": height})  # type: ignore[attr-defined]
    page.goto(app_url + step_link(page_path, number))  # type: ignore[attr-defined]
    wait_until_idle(page, timeout_s=240)  # a page's first visit on a loaded 2-core machine took 140 s
    assert dialog_texts(page) == []
    wait_for_chart(page, timeout_s=10)
    page.wait_for_timeout(700)  # type: ignore[attr-defined]  # plotly lays out its text after drawing traces
    assert exception_texts(page) == []
    assert page.locator('[data-testid="stSidebar"][aria-expanded="true"]').count() == 0  # type: ignore[attr-defined]
    problems = {f"{width}×{height}": screen_problems(page, keys)}
    name = next(listed.name for listed in listed_pages() if listed.url_path == page_path)
    (SCREENSHOT_DIR / "lecture").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "lecture" / f"{name}_{number}.png"))  # type: ignore[attr-defined]
    for width, height in larger:
        page.set_viewport_size({"width": width, "height": height})  # type: ignore[attr-defined]
        page.wait_for_timeout(900)  # type: ignore[attr-defined]  # Streamlit and plotly lay out again
        problems[f"{width}×{height}"] = screen_problems(page, keys)
    assert not any(problems.values()), problems


def test_a_steps_link_as_a_fresh_servers_first_visit_shows_no_page_not_found(browser: object) -> None:
    """What a link pasted in slides does to a freshly started (or woken) server: its page, nothing else."""
    page_path, number = "neuron", 1
    port = free_port()
    process = start_streamlit(port)
    url = f"http://127.0.0.1:{port}"
    tab = browser.new_page(viewport={"width": 1280, "height": 720})  # type: ignore[attr-defined]
    try:
        wait_healthy(url, process)
        tab.goto(url + step_link(page_path, number))
        wait_until_idle(tab, timeout_s=120)
        tab.wait_for_timeout(1000)
        assert dialog_texts(tab) == []
        assert "Page not found" not in tab.locator("body").inner_text()
        assert f"Step {number} of {len(LECTURE_STEPS[page_path])}" in tab.locator('[data-testid="stMain"]').inner_text()
    finally:
        tab.close()
        stop_server(process)
