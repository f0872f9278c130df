"""A mischievous student, automated: every input widget and URL parameter of a page, found from the
running page, gets hostile values; each case must leave the page working.

The harness reads the widgets from the page itself (AppTest's element tree, per tab: a keyed,
URL-bound ``st.tabs`` is opened through its query parameter), so a widget added to a page is
fuzzed without touching this file. For every widget kind it knows what a browser can send:

- text: whatever a student types (empty, blanks, words, ``nan``, ``inf``, ``1e308``, 64-bit and
  longer integers, 10,000 characters, unicode digits, mixed separators, a list one longer or
  shorter than it was);
- numbers and sliders: the browser refuses non-finite values, values outside the widget's
  bounds and integers beyond JavaScript's 2^53; what it accepts is tried at the edges
  (min, max, ±1e308 or 2^53 − 1 where unbounded, 1e-320);
- selections, radios, multiselects, checkboxes and toggles: every choice they offer;
- uploads: a text file named .png, 0 bytes, a truncated PNG, 1×1, CMYK, an animated GIF, a
  36-megapixel image, transparency, a 4000×3 strip;
- the URL: garbage for every key a widget binds to the query string, and for a number or slider
  one step past each of its bounds (a link is the one way past them; the exact bounds are set
  through the widget);
- Markdown and HTML (:data:`MARKUP_PAYLOADS`: an image, a link with an attacker's words, raw
  HTML, a backtick that tries to close a code span, bare addresses, a 5,000-character link) in
  every text field, and the image and the long link in every URL value;
- every number input and slider of a page at its maximum together, and at its minimum together
  (a page's own arithmetic can overflow only when several values are large at once).

A case is bad when the page shows an exception, a live link, image or HTML tag from a payload
(:func:`live_markup`, in any text, caption or alert), an echo of a payload more than
:data:`LONG_ECHO` characters long, a traceback reaches the log (what a server's log
would show), a chart holds NaN or ±inf (in numbers or typed arrays), a metric or text shows
"nan"/"inf", the run does not finish, or another widget stops answering after it; a clear
``st.error`` (or a refusal by the widget) is the expected answer to nonsense.
"""

from __future__ import annotations

import base64
import json
import logging
import math
import re
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np
from streamlit.proto.NumberInput_pb2 import NumberInput as NumberInputProto
from streamlit.testing.v1 import AppTest

from annviz.figure_data import has_intended_gaps

#: Run timeout per case: a page that has its data cached answers in well under a second.
CASE_TIMEOUT_S = 60
#: JavaScript's largest exact integer: a number input refuses integers beyond it.
MAX_SAFE_INTEGER = 2**53 - 1
#: Choices tried per selection widget (the first ones and the last).
MAX_CHOICES = 6
#: Where every payload points: a reserved name (RFC 2606), so a live link or image is easy to find.
PAYLOAD_HOST = "fuzz.invalid"
#: A run of this in any text of the page is a long payload echoed in full.
LONG_ECHO = "z" * 100
#: Markdown and HTML a student (or a link shared with the class) sends in a text or URL value.
MARKUP_PAYLOADS = (
    f"![x](https://{PAYLOAD_HOST}/pixel.png)",
    f"[Session expired: log in here](https://{PAYLOAD_HOST}/login)",
    f'<img src="https://{PAYLOAD_HOST}/p.png"><a href="https://{PAYLOAD_HOST}/a">here</a>',
    f"a` [x](https://{PAYLOAD_HOST}/tick) `b",
    f"1, 2 https://{PAYLOAD_HOST}/bare <https://{PAYLOAD_HOST}/auto>",
    f"128 relu\n\n# [x](https://{PAYLOAD_HOST}/line)",
    f"[x](https://{PAYLOAD_HOST}/{'z' * 5000})",
)
#: What a student types into a text field, besides edits of its current value.
HOSTILE_TEXTS = (
    "", "   ", "abc", "nan", "inf", "-inf", "1e308", "1e-320", "-1", "0",
    "99999999999999999999999", "-99999999999999999999999", "1000000000000-1000000000000-1",
    "١٢٣", "1;2|3 4", "1,,2", "9" * 10_000, *MARKUP_PAYLOADS,
)
#: Garbage a student pastes into the URL for a bound key.
HOSTILE_URL_VALUES = ("", "garbage", "1e309", "-1", "99999999999999999999", "x" * 2000)
#: The payloads a link carries besides typing (see ``_fuzz``): the image, and the long link.
LINK_PAYLOADS = (MARKUP_PAYLOADS[0], MARKUP_PAYLOADS[-1])
#: Garbage in the link of a session whose widget is bound already (non-finite readings: what
#: the page sets aside from a fresh link, and must leave to a widget that holds it).
HOSTILE_BOUND_URL_VALUES = ("nan", "1e309")
#: "nan" or "inf" shown as a word (not "info", "infty", "inference").
NON_FINITE_WORD = re.compile(r"(?<![A-Za-z])(nan|-?inf)(?![A-Za-z])", re.IGNORECASE)

#: The widget kinds the harness drives, by AppTest's attribute for them.
INPUT_KINDS = ("text_input", "text_area", "number_input", "slider", "select_slider", "selectbox", "radio",
               "multiselect", "checkbox", "toggle", "file_uploader")


def _image_bytes(mode: str, size: tuple[int, int], image_format: str, **options: Any) -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new(mode, size, 128 if mode in ("L", "1") else None).save(buffer, format=image_format, **options)
    return buffer.getvalue()


def hostile_uploads() -> list[tuple[str, bytes, str]]:
    """Files a student uploads by mistake or on purpose: (name, bytes, MIME type)."""
    from io import BytesIO

    from PIL import Image

    frames = [Image.new("L", (40, 40), shade) for shade in (0, 255)]
    gif = BytesIO()
    frames[0].save(gif, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return [
        ("notes.png", b"these are my notes, not a picture", "image/png"),
        ("empty.png", b"", "image/png"),
        ("truncated.png", _image_bytes("RGB", (64, 64), "PNG")[:40], "image/png"),
        ("one.png", _image_bytes("RGB", (1, 1), "PNG"), "image/png"),
        ("cmyk.jpg", _image_bytes("CMYK", (80, 60), "JPEG"), "image/jpeg"),
        ("animated.png", gif.getvalue(), "image/png"),
        ("huge.png", _image_bytes("1", (6000, 6000), "PNG"), "image/png"),  # 36 MP in a few kB
        ("alpha.png", _image_bytes("RGBA", (50, 50), "PNG"), "image/png"),
        ("wide.jpg", _image_bytes("L", (4000, 3), "JPEG"), "image/jpeg"),
    ]


@dataclass(frozen=True)
class Case:
    """One hostile input: which page state, which widget (or URL key), what value."""

    page: str
    tab: str
    kind: str
    key: str
    value: Any

    def describe(self) -> str:
        shown = repr(self.value)
        return f"{self.page}{' [' + self.tab + ']' if self.tab else ''} {self.kind} {self.key} = {shown[:60]}{'…' if len(shown) > 60 else ''}"


@dataclass
class Report:
    """What the cases of one page came to."""

    page: str
    outcomes: Counter = field(default_factory=Counter)  # "fine", "clear error", "refused", "bad"
    bad: list[tuple[Case, str]] = field(default_factory=list)

    @property
    def tried(self) -> int:
        return sum(self.outcomes.values())


# ----------------------------------------------------------------------------- what is wrong


def _typed_values(value: dict) -> np.ndarray | None:
    try:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
    except (KeyError, TypeError, ValueError):
        return None


def _null_positions(values: Any) -> set[int] | None:
    if not isinstance(values, list):
        return None
    return {i for i, v in enumerate(values) if v is None or isinstance(v, list) and any(w is None for w in v)}


def non_finite_in_trace(trace: dict) -> str | None:
    """A trace whose coordinates hold NaN or ±inf. plotly writes a non-finite number in a list as
    ``null``, which is also how a line is broken into segments (None in x and y at once): a null
    in x or y alone, or any null in z, is a NaN or an inf."""
    x, y = _null_positions(trace.get("x")), _null_positions(trace.get("y"))
    if x is not None and y is not None and x != y:
        return f"{trace.get('type', 'trace')} {trace.get('name', '')!r}: null at {sorted(x ^ y)[:5]} in x or y only"
    if x is None and y or y is None and x:
        return f"{trace.get('type', 'trace')} {trace.get('name', '')!r}: null among its coordinates"
    z = _null_positions(trace.get("z"))
    if z:
        return f"{trace.get('type', 'trace')} {trace.get('name', '')!r}: null in z"
    return None


def non_finite_in_figure(spec: Any, path: str = "") -> str | None:
    """Where a plotly figure (its JSON as a Python value) holds NaN or ±inf, or None."""
    if isinstance(spec, dict) and isinstance(spec.get("data"), list):
        for index, trace in enumerate(spec["data"]):
            if isinstance(trace, dict) and has_intended_gaps(trace):
                continue  # its NaNs are drawn as nothing on purpose (annviz.figure_data)
            found = isinstance(trace, dict) and non_finite_in_trace(trace)
            if found:
                return f"{path + '.' if path else ''}data[{index}]: {found}"
        rest = {key: value for key, value in spec.items() if key != "data"}
        traces = [t for t in spec["data"] if not (isinstance(t, dict) and has_intended_gaps(t))]
        spec = {**rest, "data": traces}
    if isinstance(spec, float) and not math.isfinite(spec):
        return path or "the figure"
    if isinstance(spec, str) and NON_FINITE_WORD.search(spec):
        return f"{path}: {spec[:80]!r}"
    if isinstance(spec, dict):
        if "bdata" in spec and "dtype" in spec:
            values = _typed_values(spec)
            if values is not None and values.dtype.kind == "f" and not np.isfinite(values).all():
                return f"{path} (typed array)"
            return None
        for key, value in spec.items():
            found = non_finite_in_figure(value, f"{path}.{key}" if path else str(key))
            if found:
                return found
    if isinstance(spec, list):
        for index, value in enumerate(spec):
            found = non_finite_in_figure(value, f"{path}[{index}]")
            if found:
                return found
    return None


class TracebackLog(logging.Handler):
    """Collects every log record that carries a traceback (or is an error), from any logger."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[str]:
        taken, self.records = self.records, []
        return [f"traceback in the log ({r.name}): {r.getMessage()[:120]}" for r in taken]


#: Installed on the root logger while a page is fuzzed (Streamlit's loggers propagate to it).
_LOG = TracebackLog()


_AUTOLINK_LITERAL = re.compile(rf"(https?://|www\.)[^\s]*{re.escape(PAYLOAD_HOST)}", re.IGNORECASE)


def live_markup(markdown: str) -> list[str]:
    """What of a payload (:data:`PAYLOAD_HOST`) ``markdown`` renders live: a link, an image, an
    HTML tag, or a bare address that GitHub-flavoured Markdown (Streamlit's) would make a link.

    Rendered by markdown-it (CommonMark with HTML on, as the strictest reading); text inside code
    spans is text.
    """
    from markdown_it import MarkdownIt

    found = []
    for token in MarkdownIt("commonmark", {"html": True}).enable(["strikethrough", "table"]).parse(markdown):
        if token.type == "html_block" and PAYLOAD_HOST in token.content:
            found.append(f"an HTML block {token.content[:40]!r}")
        for child in token.children or []:
            where = f"{child.attrs.get('href', '')}{child.attrs.get('src', '')}"
            if child.type in ("link_open", "image") and PAYLOAD_HOST in where:
                found.append(f"a live {'image' if child.type == 'image' else 'link'} to {where[:40]!r}")
            elif child.type == "html_inline" and PAYLOAD_HOST in child.content:
                found.append(f"an HTML tag {child.content[:40]!r}")
            elif child.type == "text" and _AUTOLINK_LITERAL.search(child.content):
                found.append(f"a bare address {_AUTOLINK_LITERAL.search(child.content).group(0)[:40]!r}")
    return found


def _texts(at: AppTest) -> list[tuple[str, str]]:
    """Every piece of Markdown the page shows: (what it is, its source)."""
    shown = [("text", m.value) for m in at.markdown] + [("caption", c.value) for c in at.caption]
    for kind in ("error", "warning", "info", "success"):
        shown += [(kind, str(alert.value)) for alert in getattr(at, kind)]
    return shown


def problems(at: AppTest) -> list[str]:
    """Everything on the page that a student should never see after a run, and tracebacks logged."""
    found = [f"exception: {e.value}" if hasattr(e, "value") else "exception" for e in at.exception]
    for kind, text in _texts(at):
        found += [f"{kind} renders {live}: {text[:80]!r}" for live in live_markup(text)]
        if LONG_ECHO in text:
            found.append(f"{kind} echoes a long value in full ({len(text):,} characters): {text[:60]!r}")
    found += _LOG.take()
    for chart in at.get("plotly_chart"):
        where = non_finite_in_figure(json.loads(chart.proto.spec))
        if where:
            found.append(f"NaN or inf on a chart at {where}")
    for metric in at.metric:
        if NON_FINITE_WORD.search(f"{metric.value} {metric.proto.delta}"):
            found.append(f"metric {metric.label!r} shows {metric.value!r}")
    for text in [m.value for m in at.markdown] + [c.value for c in at.caption]:
        match = NON_FINITE_WORD.search(re.sub(r"`[^`]*`", "", str(text)))  # code spans may name nan
        if match:
            found.append(f"text shows {match.group(0)!r}: {str(text)[:80]!r}")
    return found


# ----------------------------------------------------------------------------- what to try


def _is_int(widget: Any) -> bool:
    """Whether a number input takes whole numbers (its proto's data type; INT is 0, FLOAT 1)."""
    data_type = getattr(widget.proto, "data_type", None)
    if data_type is not None:
        return data_type == NumberInputProto.DataType.INT
    return isinstance(widget.value, int) and not isinstance(widget.value, bool)


def _numbers(widget: Any) -> tuple[list[float], int]:
    """Values a browser lets through to a number input or slider, and how many it refuses."""
    proto = widget.proto
    is_int = _is_int(widget)
    low = proto.min if getattr(proto, "has_min", True) else (-MAX_SAFE_INTEGER if is_int else -1e308)
    high = proto.max if getattr(proto, "has_max", True) else (MAX_SAFE_INTEGER if is_int else 1e308)
    candidates = [low, high, 0, 1, -1, 1e-320, 2**63, -(2**63), math.nan, math.inf]
    accepted, refused = [], 0
    for value in candidates:
        if isinstance(value, float) and not math.isfinite(value):
            refused += 1
        elif not low <= value <= high or (is_int and (value != int(value) or abs(value) > MAX_SAFE_INTEGER)):
            refused += 1
        elif value not in accepted:
            accepted.append(int(value) if is_int else float(value))
    return accepted, refused


def _edits(current: str) -> list[str]:
    parts = [part for part in re.split(r"[,\s]+", current.strip()) if part]
    edits = []
    if len(parts) > 1:
        edits.append(", ".join(parts[:-1]))  # one shorter than the others
    if parts:
        edits.append(", ".join(parts + parts[-1:]))  # one longer
        edits.append(", ".join(parts[:-1] + ["nan"]))
    return edits


def values_for(kind: str, widget: Any) -> tuple[list[Any], int]:
    """The values to try on one widget, and how many hostile values its kind refuses outright."""
    if kind in ("text_input", "text_area"):
        return list(HOSTILE_TEXTS) + _edits(str(widget.value or "")), 0
    if kind == "number_input":
        return _numbers(widget)
    if kind == "slider":
        low, high = widget.min, widget.max
        value = widget.value
        if isinstance(value, (tuple, list)):
            return [(low, low), (high, high), (low, high)], 0
        return [low, high], 0
    if kind in ("selectbox", "radio", "select_slider"):
        options = list(widget.options)
        return (options[: MAX_CHOICES - 1] + options[-1:]) if len(options) > MAX_CHOICES else options, 0
    if kind == "multiselect":
        options = list(widget.options)
        return [[], options[:MAX_CHOICES], *[[o] for o in options[:3]]], 0
    if kind in ("checkbox", "toggle"):
        return [True, False], 0
    if kind == "file_uploader":
        return hostile_uploads(), 0
    return [], 0


def _set(at: AppTest, kind: str, key: str, value: Any) -> None:
    getattr(at, kind)(key=key).set_value(value)


def _bounds(kind: str, widget: Any) -> tuple[Any, Any, Any] | None:
    """(lowest, highest, step) a number input or a one-value slider lets through, or None."""
    if kind == "number_input":
        values, _ = _numbers(widget)
        numbers = [v for v in values if v not in (1e-320,)]
        step = widget.proto.step or 1
        return min(numbers), max(numbers), int(step) if _is_int(widget) else float(step)
    if kind == "slider" and not isinstance(widget.value, (tuple, list)) and isinstance(widget.min, (int, float)):
        return widget.min, widget.max, widget.proto.step or 1
    return None


def _as_url(value: Any) -> str:
    return str(int(value)) if isinstance(value, int) or float(value).is_integer() and abs(value) < 2**63 else repr(float(value))


def url_past_bounds(kind: str, widget: Any) -> list[str]:
    """One step past each of a number's bounds, as a link writes it (the browser's field refuses
    such a value; a link is how it arrives)."""
    bounds = _bounds(kind, widget)
    if bounds is None:
        return []
    low, high, step = bounds
    return [_as_url(low - step), _as_url(high + step)]


def extremes(at: AppTest) -> list[tuple[str, list[tuple[str, str, Any]]]]:
    """Every number input and one-value slider of the page at its minimum together, and at its
    maximum together: ("min" or "max", [(kind, key, value)])."""
    bounded = [(kind, widget.key, _bounds(kind, widget)) for kind, widget in _keyed_widgets(at)]
    bounded = [(kind, key, bounds) for kind, key, bounds in bounded if bounds is not None]
    return [(end, [(kind, key, bounds[index]) for kind, key, bounds in bounded]) for index, end in ((0, "min"), (1, "max"))
            if bounded]


# ----------------------------------------------------------------------------- the harness


def _keyed_widgets(at: AppTest) -> Iterator[tuple[str, Any]]:
    for kind in INPUT_KINDS:
        for widget in getattr(at, kind):
            if widget.key and not getattr(widget.proto, "disabled", False):
                yield kind, widget


def _tabs(at: AppTest) -> list[tuple[str, list[str]]]:
    """The page's URL-bound tab groups: (query key, labels), each once."""
    groups: list[tuple[str, list[str]]] = []
    for node in at._tree:  # noqa: SLF001  (AppTest lists tabs as blocks only)
        for block in _blocks(node):
            proto = getattr(block, "proto", None)
            container = getattr(proto, "tab_container", None) if proto is not None else None
            key = getattr(container, "query_param_key", "") if container is not None else ""
            if key and key not in {known for known, _ in groups}:
                labels = [child.label for child in block.children.values() if getattr(child, "type", "") == "tab"]
                groups.append((key, labels))
    return groups


def _blocks(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _blocks(child)


def _from_file(script: str) -> Callable[[], AppTest]:
    return lambda: AppTest.from_file(script, default_timeout=CASE_TIMEOUT_S)


@contextmanager
def _tracebacks_logged() -> Iterator[None]:
    """Tracebacks logged anywhere (the root logger) reach :data:`_LOG` while the block runs."""
    root = logging.getLogger()
    root.addHandler(_LOG)
    try:
        yield
    finally:
        root.removeHandler(_LOG)


def _opened(make: Callable[[], AppTest], query: dict[str, str], *, run: bool = True) -> AppTest:
    """A fresh page with ``query`` in its URL, run once unless ``run`` is False."""
    page = make()
    for key, value in query.items():
        page.query_params[key] = value
    return page.run() if run else page


def _states(make: Callable[[], AppTest]) -> list[tuple[str, dict[str, str]]]:
    """(tab label, its query) for each tab of each URL-bound tab group, or the page once.

    Each tab is its own state (a lazy tab draws its widgets only when open); every widget is
    fuzzed in every state it shows in, since a tab can change what it does.
    """
    return [(label, {key: label}) for key, labels in _tabs(make().run()) for label in labels] or [("", {})]


def _crashed(report: Report, case: Case, error: Exception) -> None:
    """The run itself failed (a timeout, a crash outside the page): a bad case."""
    report.outcomes["bad"] += 1
    report.bad.append((case, f"{type(error).__name__}: {error}"))


def fuzz_page(
    script: str, name: str, *, make: Callable[[], AppTest] | None = None, budget: int | None = None,
) -> Report:
    """Every hostile case of one page; ``make`` builds a fresh AppTest (default: ``script`` from file)."""
    with _tracebacks_logged():
        return _fuzz(make or _from_file(script), name, budget)


def _fuzz(make: Callable[[], AppTest], name: str, budget: int | None) -> Report:
    report = Report(name)
    for tab, query in _states(make):
        at = _opened(make, query)
        if problems(at):  # the tab itself breaks: one bad case, nothing more to learn here
            _record(report, Case(name, tab, "tab", "", tab), at)
            continue
        widgets = [(kind, w.key) for kind, w in _keyed_widgets(at)]
        for kind, key in widgets:
            values, refused = values_for(kind, getattr(at, kind)(key=key))
            report.outcomes["refused"] += refused
            # One page per widget, its values typed one after the other, as a student would; after
            # a bad case the page starts afresh, so every value is tried.
            case_at, fine = _opened(make, query), True
            for value in values:
                if budget is not None and report.tried >= budget:
                    return report
                case = Case(name, tab, kind, key, value)
                try:
                    _set(case_at, kind, key, value)
                    case_at.run()
                except Exception as error:
                    _crashed(report, case, error)
                    fine = False
                else:
                    fine = _record(report, case, case_at)
                if not fine:
                    case_at = _opened(make, query)
            if fine and values:
                _still_answering(report, Case(name, tab, kind, key, values[-1]), case_at, skip=key)
        for end, settings in extremes(at):
            case = Case(name, tab, f"all at {end}", ", ".join(key for _, key, _ in settings), [v for _, _, v in settings])
            together = _opened(make, query)
            try:
                for kind, key, value in settings:
                    _set(together, kind, key, value)
                together.run()
            except Exception as error:
                _crashed(report, case, error)
                continue
            _record(report, case, together)
        for kind, widget in _keyed_widgets(at):
            if getattr(widget.proto, "query_param_key", "") and widget.key in {k for _, k in widgets}:
                # Sampled where the link repeats what typing tried: a widget reads a link's text as
                # it reads typed text (every payload was typed above), so the link gets the image and
                # the long one, or only the image where Streamlit cannot read text at all (numbers,
                # switches); a number's bounds were set through the widget, one step past them only
                # a link can send.
                typed = kind in ("text_input", "text_area", "selectbox", "radio", "multiselect", "select_slider")
                link_values = (*HOSTILE_URL_VALUES, *(LINK_PAYLOADS if typed else LINK_PAYLOADS[:1]),
                               *url_past_bounds(kind, widget))
                for garbage in link_values:
                    case = Case(name, tab, "url", widget.key, garbage)
                    url_at = _opened(make, {**query, widget.proto.query_param_key: garbage}, run=False)
                    try:
                        url_at.run()
                    except Exception as error:
                        _crashed(report, case, error)
                        continue
                    _record(report, case, url_at)
                # The same key in the link of a session whose widget is bound already (the URL a
                # student's own typing wrote, or one edited in place): Streamlit then owns the value.
                # Only text fields: a number field refuses "nan" as it is typed, so only a new
                # link (a fresh session, tried above) can bring it one.
                for garbage in HOSTILE_BOUND_URL_VALUES if kind in ("text_input", "text_area") else ():
                    case = Case(name, tab, "url (bound)", widget.key, garbage)
                    try:
                        bound_at = _opened(make, query)
                        bound_at.query_params[widget.proto.query_param_key] = garbage
                        bound_at.run()
                    except Exception as error:
                        _crashed(report, case, error)
                        continue
                    _record(report, case, bound_at)
    return report


def _record(report: Report, case: Case, at: AppTest) -> bool:
    """File the case's outcome; True if the page is still fine (a clear error counts as fine)."""
    found = problems(at)
    if found:
        report.outcomes["bad"] += 1
        report.bad.append((case, "; ".join(found)))
        return False
    report.outcomes["clear error" if at.error else "fine"] += 1
    return True


def _still_answering(report: Report, case: Case, at: AppTest, *, skip: str) -> None:
    """After a hostile value, another widget of the page must still work (the first other checkbox,
    selection or slider, moved to another of its values)."""
    for kind, widget in _keyed_widgets(at):
        if widget.key == skip or kind not in ("checkbox", "toggle", "selectbox", "radio", "slider"):
            continue
        values, _ = values_for(kind, widget)
        others = [v for v in values if v != widget.value]
        if not others:
            continue
        try:
            _set(at, kind, widget.key, others[0])
            at.run()
        except Exception as error:
            report.bad.append((case, f"after it, {widget.key} no longer answers: {type(error).__name__}: {error}"))
            report.outcomes["bad"] += 1
            return
        found = problems(at)
        if found:
            report.bad.append((case, f"after it, moving {widget.key}: " + "; ".join(found)))
            report.outcomes["bad"] += 1
        return


# ----------------------------------------------------------------------------- generated values

#: Generated values per typed field (hypothesis, derandomized: the same values every run).
GENERATED_PER_FIELD = 6
#: The typed kinds that get generated values on top of the fixed table.
TYPED_KINDS = ("text_input", "text_area", "number_input")
#: Characters of numbers as a student may type them, right or wrong: ASCII and Arabic-Indic
#: digits, signs, exponents, every separator the pages split on and a few they do not.
NUMBER_CHARACTERS = "0123456789١٢٣٤٥٠.,;:|/ -+eE\t\u00a0\u2212_xX*"


def generated_values(kind: str, widget: Any):
    """A hypothesis strategy of what a student could send to one typed field.

    Texts: lists of numbers (finite, NaN, ±inf, 64-bit and longer integers, subnormals) joined by
    a drawn separator, strings of number characters, and any unicode at all. Number inputs: what
    the browser lets through, drawn inside the widget's bounds (``_numbers`` says what it refuses).
    """
    from hypothesis import strategies as hs

    if kind in ("text_input", "text_area"):
        number = hs.one_of(
            hs.floats(allow_nan=True, allow_infinity=True).map(repr),
            hs.integers(min_value=-(10**25), max_value=10**25).map(str),
            hs.floats(min_value=-1e-300, max_value=1e-300).map(repr),
        )
        separator = hs.sampled_from([", ", ",", " ", ";", "|", ",,", " - ", "-", "\t", "\n", ", ,"])
        listed = hs.tuples(hs.lists(number, min_size=0, max_size=12), separator).map(lambda t: t[1].join(t[0]))
        return hs.one_of(listed, hs.text(alphabet=NUMBER_CHARACTERS, max_size=40), hs.text(max_size=60))
    proto = widget.proto
    is_int = _is_int(widget)
    low = proto.min if getattr(proto, "has_min", True) else None
    high = proto.max if getattr(proto, "has_max", True) else None
    if is_int:
        return hs.integers(min_value=max(-MAX_SAFE_INTEGER, int(low)) if low is not None else -MAX_SAFE_INTEGER,
                           max_value=min(MAX_SAFE_INTEGER, int(high)) if high is not None else MAX_SAFE_INTEGER)
    return hs.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)


def fuzz_page_generated(script: str, name: str, *, per_field: int = GENERATED_PER_FIELD) -> Report:
    """Hypothesis-drawn values (:func:`generated_values`) into every typed field of every tab of a
    page, ``per_field`` each, typed one after the other into one page per field as a student would
    (a fresh page after a bad case). Derandomized, no shrinking: the same cases every run, each
    recorded with its value, so a bad one is reproduced by its line in the report."""
    from hypothesis import HealthCheck, Phase, given, settings

    make = _from_file(script)
    report = Report(name)
    with _tracebacks_logged():
        for tab, query in _states(make):
            at = _opened(make, query)
            fields = [(kind, w.key, generated_values(kind, w)) for kind, w in _keyed_widgets(at) if kind in TYPED_KINDS]
            for index, (kind, key, strategy) in enumerate(fields):
                current = [at if index == 0 else _opened(make, query)]

                @settings(max_examples=per_field, derandomize=True, deadline=None, database=None,
                          phases=(Phase.generate,), suppress_health_check=list(HealthCheck))
                @given(value=strategy)
                def one_value(value: Any) -> None:
                    case = Case(name, tab, f"{kind} (generated)", key, value)
                    try:
                        _set(current[0], kind, key, value)
                        current[0].run()
                    except Exception as error:
                        _crashed(report, case, error)
                        current[0] = _opened(make, query)
                        return
                    if not _record(report, case, current[0]):
                        current[0] = _opened(make, query)

                one_value()
    return report


def table(reports: list[Report]) -> str:
    """The closing note's table: inputs tried, clear errors, refusals, bad outcomes per page."""
    lines = ["| page | inputs tried | fine | clear st.error | refused by the widget | bad |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in reports:
        o = r.outcomes
        lines.append(f"| {r.page} | {r.tried} | {o['fine']} | {o['clear error']} | {o['refused']} | {o['bad']} |")
    return "\n".join(lines)
