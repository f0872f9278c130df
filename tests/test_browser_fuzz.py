"""The fuzz harness's hostile values (``tests/fuzz.py``) in Chromium, bounded: typed into every text
and number field a page shows, pasted into the URL for the keys those fields bind, and uploaded
to the draw page. After each: no exception on the page, no traceback in the server's log.

AppTest (``tests/test_fuzz.py``) tries every value on every widget; this pass checks what only a
real browser and server add: the frontend's own parsing of what is typed, the URL round trip,
and the upload path.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import pytest
from browser_checks import close_dialogs, exception_texts, wait_until_idle
from conftest import server_log
from test_browser_draw import draw

from annviz.figure_data import GAPS

import fuzz
from pages._navigation import listed_pages

pytestmark = [pytest.mark.browser, pytest.mark.fuzz]

#: The fields a page shows that take typed text (text inputs, number inputs, text areas), by key;
#: fields of an ``st.form`` (the training settings) are AppTest's: Enter there submits the form.
TYPED_FIELDS_JS = """
() => [...document.querySelectorAll('[class*="st-key-"]')]
  .filter(box => box.querySelector(':scope input[type="text"], :scope input[type="number"], :scope textarea')
                 && !box.querySelector('[class*="st-key-"]') && !box.closest('[data-testid="stForm"]'))
  .map(box => [...box.classList].find(c => c.startsWith('st-key-')).slice('st-key-'.length))
"""
#: Per field, the worst of the harness's texts (a browser pass is slower than AppTest).
TYPED = ("", "nan", "١٢٣", "9" * 10_000)
#: A number field refuses letters as it is typed (the browser's own answer): it gets numbers only.
TYPED_NUMBERS = ("-99999999999999999999999", "1e308")
#: Per field, garbage for its URL key.
URL_GARBAGE = ("1e309",)
#: Fields per page (the first ones the page shows).
MAX_FIELDS = 3

PAGES = [page for page in listed_pages() if not page.default]


def _tracebacks(process, since: int) -> list[str]:
    return [line for line in server_log(process).splitlines()[since:] if "Traceback" in line or "Error" in line]


#: JS: where a chart the browser drew holds NaN or ±inf in the arrays plotly.js decoded (typed
#: arrays keep them; a NaN sent as JSON arrives as null, which AppTest's pass looks for). Traces
#: whose NaNs are gaps on purpose say so in their ``meta``.
NON_FINITE_JS = """
(gaps) => {
  const bad = [];
  [...document.querySelectorAll('.js-plotly-plot')].forEach((el, chart) => {
    (el._fullData || []).forEach((trace, index) => {
      if (trace.meta === gaps || (trace._input && trace._input.meta === gaps)) return;
      for (const name of ['x', 'y', 'z']) {
        const values = trace[name];
        if (!values || typeof values === 'string' || typeof values.length !== 'number') continue;
        const flat = Array.from(values).flatMap(v => (v && typeof v === 'object' && typeof v.length === 'number') ? Array.from(v) : [v]);
        if (flat.some(v => typeof v === 'number' && !Number.isFinite(v))) bad.push(`chart ${chart} trace ${index} ${name}`);
      }
    });
  });
  return bad;
}
"""


def _settled(page) -> list[str]:
    wait_until_idle(page, timeout_s=90)
    close_dialogs(page)
    return exception_texts(page) + [f"NaN or inf on {where}" for where in page.evaluate(NON_FINITE_JS, GAPS)]


@pytest.mark.parametrize("listed", PAGES, ids=[p.name for p in PAGES])
def test_hostile_typing_and_links_in_chromium(app_server, page, listed) -> None:
    base_url, process = app_server
    since = len(server_log(process).splitlines())
    page.goto(listed.url(base_url))
    assert _settled(page) == []
    if "draw" not in listed.name:  # a fragment may draw its fields just after the page is idle
        page.wait_for_function(f"() => ({TYPED_FIELDS_JS.strip()})().length > 0", timeout=60_000)
    fields = page.evaluate(TYPED_FIELDS_JS)[:MAX_FIELDS]
    bad = []
    for key in fields:
        box = page.locator(f".st-key-{key} input, .st-key-{key} textarea").first
        if not (box.is_visible() and box.is_enabled()):  # in a closed expander, or switched off
            continue
        number = box.get_attribute("type") == "number"
        for text in TYPED_NUMBERS if number else TYPED:
            box.fill(text)
            box.press("Enter" if box.evaluate("e => e.tagName") == "INPUT" else "Control+Enter")
            problems = _settled(page)
            if problems:
                bad.append((key, text[:30], problems))
        for garbage in URL_GARBAGE:
            page.goto(f"{listed.url(base_url)}?{urllib.parse.urlencode({key: garbage})}")
            problems = _settled(page)
            if problems:
                bad.append((f"url {key}", garbage[:30], problems))
        page.goto(listed.url(base_url))
        _settled(page)
    assert fields or "draw" in listed.name, f"{listed.name}: no typed field found; the page's inputs changed?"
    assert bad == []
    assert _tracebacks(process, since) == []


def test_hostile_uploads_on_the_draw_page_in_chromium(app_server, page, tmp_path: Path) -> None:
    base_url, process = app_server
    since = len(server_log(process).splitlines())
    page.goto(f"{base_url}/draw?draw_source=Upload+a+photo")
    assert _settled(page) == []
    answered = 0
    for name, data, _ in fuzz.hostile_uploads():
        path = tmp_path / name
        path.write_bytes(data)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
        assert _settled(page) == [], name
        answered += 1
    assert answered == len(fuzz.hostile_uploads())
    assert _tracebacks(process, since) == []


#: Strokes a mischievous student draws, in canvas pixels (280×280): a dot, a scribble over the
#: whole square, a stroke that leaves the canvas, one along the very edge.
HOSTILE_STROKES = {
    "a dot": [(140, 140), (141, 140)],
    "the whole square scribbled": [(x, y) for y in range(5, 280, 18) for x in ((5, 275) if y % 36 < 18 else (275, 5))],
    "out of the canvas": [(140, 140), (400, 140), (-100, 300)],
    "along the edge": [(1, 1), (279, 1), (279, 279), (1, 279)],
}


def test_hostile_strokes_on_the_canvas_in_chromium(app_server, page) -> None:
    base_url, process = app_server
    since = len(server_log(process).splitlines())
    page.goto(f"{base_url}/draw")
    assert _settled(page) == []
    for name, points in HOSTILE_STROKES.items():
        draw(page, points, steps_per_segment=4)
        assert _settled(page) == [], name
        assert "Answer:" in page.inner_text("body") or "Draw a digit" in page.inner_text("body"), name
    assert _tracebacks(process, since) == []
