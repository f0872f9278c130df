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
#: Per field, the worst of the harness's texts (a browser pass is slower than AppTest), and two
#: of its Markdown payloads (an image, a link with an attacker's words).
TYPED = ("", "nan", "١٢٣", "9" * 10_000, *fuzz.MARKUP_PAYLOADS[:2])
#: A number field refuses letters as it is typed (the browser's own answer): it gets numbers only.
TYPED_NUMBERS = ("-99999999999999999999999", "1e308")
#: Per field, garbage for its URL key.
URL_GARBAGE = ("1e309", fuzz.MARKUP_PAYLOADS[0], fuzz.MARKUP_PAYLOADS[-1])
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


#: JS: links and images of the page that point where the payloads point (what Streamlit's own
#: Markdown renderer made of them), and raw HTML of theirs.
LIVE_PAYLOAD_JS = """
(host) => [
  ...[...document.querySelectorAll('a[href]')].filter(a => (a.getAttribute('href') || '').includes(host)).map(a => `a live link: ${a.outerHTML.slice(0, 80)}`),
  ...[...document.querySelectorAll('img[src]')].filter(i => (i.getAttribute('src') || '').includes(host)).map(i => `a live image: ${i.outerHTML.slice(0, 80)}`),
]
"""


def _settled(page) -> list[str]:
    wait_until_idle(page, timeout_s=90)
    close_dialogs(page)
    return (exception_texts(page) + [f"NaN or inf on {where}" for where in page.evaluate(NON_FINITE_JS, GAPS)]
            + page.evaluate(LIVE_PAYLOAD_JS, fuzz.PAYLOAD_HOST) + _long_echoes(page))


def _long_echoes(page) -> list[str]:
    """An alert or text that shows a long payload in full (a field may hold it; nothing else)."""
    shown = page.locator('[data-testid="stAlert"], [data-testid="stMarkdown"], [data-testid="stCaptionContainer"]').all_inner_texts()
    return [f"a long value echoed in full: {text[:60]!r}" for text in shown if fuzz.LONG_ECHO in text]


def _requests_to_payload_host(page) -> list[str]:
    """Every request the page makes to the payloads' host, from now on (a live image loads itself)."""
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url)
            if urllib.parse.urlsplit(request.url).hostname == fuzz.PAYLOAD_HOST else None)
    return asked


@pytest.mark.parametrize("listed", PAGES, ids=[p.name for p in PAGES])
def test_hostile_typing_and_links_in_chromium(app_server, page, listed) -> None:
    base_url, process = app_server
    since = len(server_log(process).splitlines())
    asked = _requests_to_payload_host(page)
    page.goto(listed.url(base_url))
    assert _settled(page) == []
    if "draw" not in listed.name:  # a fragment may draw its fields just after the page is idle
        page.wait_for_function(f"() => ({TYPED_FIELDS_JS.strip()})().length > 0", timeout=60_000)
    fields = page.evaluate(TYPED_FIELDS_JS)[:MAX_FIELDS]
    bad = []
    for position, key in enumerate(fields):
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
        # One link value per field, in turn (a page load each is what makes this test long; the
        # AppTest fuzz sends every link value to every field): over a page's fields, all of them.
        for garbage in URL_GARBAGE[position % len(URL_GARBAGE):][:1]:
            page.goto(f"{listed.url(base_url)}?{urllib.parse.urlencode({key: garbage})}")
            problems = _settled(page)
            if problems:
                bad.append((f"url {key}", garbage[:30], problems))
        page.goto(listed.url(base_url))
        _settled(page)
    assert fields or "draw" in listed.name, f"{listed.name}: no typed field found; the page's inputs changed?"
    assert bad == []
    assert asked == []
    assert _tracebacks(process, since) == []


#: The issue's links (#28): Markdown from a link in the app's own red box; the calculator at its maxima.
ISSUE_LINKS = {
    "an image in the layers page's sentence": f"/layers?layers_hidden={urllib.parse.quote(fuzz.MARKUP_PAYLOADS[0])}",
    "a link in the neuron page's sentence": f"/neuron?{urllib.parse.urlencode({'neuron_x': fuzz.MARKUP_PAYLOADS[1]})}",
    "the parameter calculator at its maxima": "/limitations?lim_tab=Parameter+explosion&lim_height=1000000000&lim_width=1000000000",
}


@pytest.mark.parametrize("link", ISSUE_LINKS.values(), ids=ISSUE_LINKS.keys())
def test_the_issues_links_show_text_and_the_whole_page_in_chromium(app_server, page, link: str) -> None:
    base_url, process = app_server
    since = len(server_log(process).splitlines())
    asked = _requests_to_payload_host(page)
    page.goto(base_url + link)
    assert _settled(page) == []
    assert asked == []
    if "lim_height" in link:
        assert page.locator(".st-key-lim_params .js-plotly-plot").count() == 1
        assert page.locator('[data-testid="stAlert"]').filter(has_text="must be between").count() == 0
    else:
        assert page.locator('[data-testid="stAlert"] code').count() >= 1  # the value is quoted, as text
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
