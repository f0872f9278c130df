"""A browserless Streamlit client: one browser tab's protocol over a websocket, no Chromium.

A class of 100 students is 100 tabs; driving that many Chromiums on 2 cores would measure the
browsers, not the server. This client sends exactly what Streamlit's frontend sends
(``frontend/app/src/App.tsx`` ``sendRerunBackMsg`` and ``WidgetStateManager``, as built into the
installed streamlit's ``static/``), so the server does the same work as for a real tab:

- the websocket ``/_stcore/stream`` with subprotocol ``streamlit`` (the frontend's
  ``["streamlit", xsrf, session_id]``; XSRF only guards auth cookies, which this app has none of),
  after the same ``_stcore/health`` and ``_stcore/host-config`` requests the frontend makes first;
- ``BackMsg.rerun_script`` (a ``ClientState``): the query string, *all* widget values the tab
  knows (the frontend commits every mounted widget's value, then the changed one), the page
  (``page_name`` from the URL path on the first run, ``page_script_hash`` afterwards),
  ``fragment_id`` for a fragment's widget or auto-rerun, and the hashes of the cached messages;
- ``auto_rerun`` ForwardMsgs start an interval timer per fragment that sends
  ``rerun_script(fragment_id, is_auto_rerun=True)``, as ``App.handleAutoRerun`` does;
  ``stop_auto_rerun`` and every full run's ``new_session`` stop them.

It keeps the element tree by ``metadata.delta_path`` and prunes it the way the frontend's
``clearStaleNodes`` does when a run finishes, so a widget is found by its user ``key`` and the page
can be read (alerts, exceptions, progress) like a student reads it.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Callable

import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Block_pb2 import Block
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

#: Seconds an interaction may take before it counts as a timeout (an error).
DEFAULT_TIMEOUT_S = 60.0
#: Element types whose value goes into the widget states (buttons only when pressed).
VALUE_WIDGETS = {"slider", "number_input", "text_input", "text_area", "selectbox", "radio", "multiselect", "checkbox"}
FINISHED_STATUSES = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}


class SessionClosed(Exception):
    """The websocket closed (or never opened) while the tab still needed it."""


@dataclass
class Node:
    """One entry of the element tree: an Element or a Block, and the run that last wrote it."""

    element: Element | None
    block: Block | None
    run_id: str
    fragment_id: str


@dataclass
class Widget:
    """A widget found on the page: its id, type, proto and the fragment it lives in."""

    id: str
    kind: str
    proto: Any
    fragment_id: str
    #: Tab labels for a tab container (read from its child blocks).
    labels: list[str] = field(default_factory=list)

    @property
    def options(self) -> list[str]:
        return self.labels if self.kind == "tabs" else list(getattr(self.proto, "options", []))


@dataclass
class RunResult:
    """What one interaction gave: how long it took and what the page showed afterwards.

    ``seconds`` runs from sending the BackMsg (or opening the websocket, for a new tab) to the
    ``script_finished`` of the run it caused. ``error`` is set for a timeout, a closed websocket or
    a compile error; ``exceptions`` are tracebacks on the page; ``error_alerts`` are ``st.error``
    bodies (the app's own advice on bad input, reported but not errors).
    """

    label: str
    page: str
    seconds: float
    error: str = ""
    exceptions: list[str] = field(default_factory=list)
    error_alerts: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.error or self.exceptions)


@dataclass
class _Pending:
    """The interaction being waited for: which runs belong to it and the future it resolves."""

    fragment_id: str
    future: asyncio.Future[int]
    run_ids: set[str] = field(default_factory=set)
    #: After a run ended early for a rerun (``st.rerun``), the next run of any kind continues it.
    chained: bool = False


class StreamlitTab:
    """One browser tab on a Streamlit server, driven through the websocket protocol.

    >>> async def visit(port):                      # doctest: +SKIP
    ...     tab = StreamlitTab(f"http://127.0.0.1:{port}")
    ...     first = await tab.open("neuron")
    ...     moved = await tab.set_value("neuron_m", 6)
    ...     await tab.close()
    """

    def __init__(self, base_url: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.page = ""
        self.query_string = ""
        self.page_script_hash = ""
        self.pages: dict[str, str] = {}  # url path -> page_script_hash
        self.closed_reason = ""
        self.page_not_found = 0
        #: Bytes of every websocket message the server sent this tab (what a tab downloads
        #: besides the static frontend and media files, see ``media_urls``).
        self.bytes_received = 0
        self._tree: dict[tuple[int, ...], Node] = {}
        self._values: dict[str, WidgetState] = {}
        self._cache: dict[str, tuple[ForwardMsg, int, str]] = {}
        self._run_count = 0
        self._max_message_age = 2
        self._current_run = ""
        self._auto_reruns: dict[str, asyncio.Task[None]] = {}
        self._pending: _Pending | None = None
        self._websocket: websockets.ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._listeners: list[Callable[[], None]] = []

    # ----------------------------------------------------------------------------- lifecycle

    async def open(self, page: str = "", query_string: str = "") -> RunResult:
        """Open ``/<page>?<query_string>`` as a fresh tab; the result times the first page rendered."""
        self.page, self.query_string = page, query_string
        started = time.perf_counter()
        host = self.base_url.split("://", 1)[1]
        try:
            await asyncio.wait_for(asyncio.gather(*(self._http_get(host, p) for p in ("_stcore/health", "_stcore/host-config"))), self.timeout_s)
            self._websocket = await websockets.connect(
                f"ws://{host}/_stcore/stream", subprotocols=["streamlit"], origin=self.base_url,  # type: ignore[list-item]
                max_size=None, open_timeout=self.timeout_s, ping_interval=None,
            )
        except (OSError, websockets.WebSocketException, TimeoutError) as error:
            self.closed_reason = f"connect: {type(error).__name__}: {error}"
            return RunResult("open", page, time.perf_counter() - started, error=self.closed_reason)
        self._reader = asyncio.create_task(self._read_forever())
        return await self._interact("open", started, fragment_id="", page_name=page)

    async def close(self) -> None:
        """Close the tab: stop its timers and its websocket."""
        self._stop_auto_reruns()
        if self._websocket is not None:
            await self._websocket.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    @staticmethod
    async def _http_get(host: str, path: str) -> None:
        """A plain HTTP/1.1 GET on the event loop (a thread pool of a few workers would queue
        100 tabs' requests in the client and time the client instead of the server)."""
        name, _, port = host.partition(":")
        reader, writer = await asyncio.open_connection(name, int(port or 80))
        try:
            writer.write(f"GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            await writer.drain()
            status = (await reader.readline()).split()
            await reader.read()
        finally:
            writer.close()
        if len(status) < 2 or status[1] != b"200":
            raise OSError(f"GET /{path}: {b' '.join(status).decode(errors='replace')}")

    # ----------------------------------------------------------------------------- reading the page

    def widget(self, key: str) -> Widget | None:
        """The widget whose user key is ``key`` on the current page, or None."""
        for widget in self.widgets():
            if widget.id.endswith(f"-{key}"):
                return widget
        return None

    def widgets(self) -> list[Widget]:
        """Every widget on the page (value widgets, buttons, stateful tabs, components)."""
        found = []
        for path, node in self._tree.items():
            if node.element is not None:
                kind = node.element.WhichOneof("type")
                proto = getattr(node.element, kind) if kind else None
                if kind in VALUE_WIDGETS or kind in ("button", "bidi_component"):
                    found.append(Widget(proto.id, kind, proto, node.fragment_id))
            elif node.block is not None and node.block.WhichOneof("type") == "tab_container" and node.block.tab_container.id:
                labels = [child.block.tab.label for child in self._children(path) if child.block is not None]
                found.append(Widget(node.block.tab_container.id, "tabs", node.block.tab_container, node.fragment_id, labels))
        return found

    def value(self, key: str) -> Any:
        """The value the tab holds for a widget (what it would send), as a Python value."""
        widget = self.widget(key)
        if widget is None:
            raise KeyError(f"no widget with key {key!r} on /{self.page}")
        state = self._widget_state(widget)
        if state is None:
            return None
        which = state.WhichOneof("value")
        raw = getattr(state, which)
        return list(raw.data) if hasattr(raw, "data") else raw

    def alerts(self, kind: str) -> list[str]:
        """Bodies of the ``st.<kind>`` alerts on the page (kind: error, warning, info, success)."""
        wanted = Alert.Format.Value(kind.upper())
        return [e.alert.body for e in self._elements() if e.WhichOneof("type") == "alert" and e.alert.format == wanted]

    def texts(self) -> list[str]:
        """Alert bodies and progress texts on the page: what a student reads for a training's status."""
        found = []
        for element in self._elements():
            kind = element.WhichOneof("type")
            if kind == "alert":
                found.append(element.alert.body)
            elif kind == "progress":
                found.append(element.progress.text)
        return found

    def media_urls(self) -> list[str]:
        """Addresses of the images on the page (``st.image``), which a browser fetches over HTTP."""
        return [image.url for e in self._elements() if e.WhichOneof("type") == "imgs" for image in e.imgs.imgs]

    def element_bytes(self) -> dict[str, int]:
        """Serialized size of the page's elements by type (a plotly chart's spec counts as ``plotly_chart``)."""
        sizes: dict[str, int] = {}
        for element in self._elements():
            kind = element.WhichOneof("type") or ""
            sizes[kind] = sizes.get(kind, 0) + element.ByteSize()
        return sizes

    def exceptions(self) -> list[str]:
        """The tracebacks on the page, one line each (type and message)."""
        return [f"{e.exception.type}: {e.exception.message}" for e in self._elements() if e.WhichOneof("type") == "exception"]

    def _elements(self) -> list[Element]:
        return [node.element for node in self._tree.values() if node.element is not None]

    def _children(self, path: tuple[int, ...]) -> list[Node]:
        return [node for child, node in sorted(self._tree.items()) if len(child) == len(path) + 1 and child[: len(path)] == path]

    # ----------------------------------------------------------------------------- interacting

    async def set_value(self, key: str, value: Any) -> RunResult:
        """Change a widget as a student would; ``value`` as the widget shows it (an option's label,
        a number, a list of labels, a bool, a text, a tab label, or a component's state dict)."""
        widget = self._require(key)
        state = WidgetState(id=widget.id)
        if widget.kind == "slider":
            state.double_array_value.data[:] = [float(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
        elif widget.kind == "number_input":
            state.double_value = float(value)
        elif widget.kind in ("text_input", "text_area", "selectbox", "radio", "tabs"):
            state.string_value = str(value)
        elif widget.kind == "multiselect":
            state.string_array_value.data[:] = [str(v) for v in value]
        elif widget.kind == "checkbox":
            state.bool_value = bool(value)
        elif widget.kind == "bidi_component":
            # The v2 component API sends the component's whole state mapping as JSON.
            current = json.loads(self._values[widget.id].json_value) if widget.id in self._values else {}
            state.json_value = json.dumps({**current, **value})
        else:
            raise TypeError(f"{key!r} is a {widget.kind}; use click() for buttons")
        self._values[widget.id] = state
        self._sync_url(widget, state)
        return await self._interact(f"{key}", time.perf_counter(), fragment_id=widget.fragment_id)

    def _sync_url(self, widget: Widget, state: WidgetState) -> None:
        """Write a bound widget's new value into the query string, as the frontend's
        ``maybeSyncValueToUrl`` does (a value equal to the default removes the parameter)."""
        param = getattr(widget.proto, "query_param_key", "")
        if not param:
            return
        default = self._widget_state(Widget(widget.id, widget.kind, widget.proto, widget.fragment_id, widget.labels), proto_default=True)
        params = [(k, v) for k, v in urllib.parse.parse_qsl(self.query_string, keep_blank_values=True) if k != param]
        if default is None or _url_values(state) != _url_values(default):
            params += [(param, value) for value in _url_values(state)] or [(param, "")]
        self.query_string = urllib.parse.urlencode(params)

    async def click(self, key: str) -> RunResult:
        """Press a button: its trigger goes out once with this rerun, as the frontend's ``setTriggerValue``."""
        widget = self._require(key)
        trigger = WidgetState(id=widget.id, trigger_value=True)
        return await self._interact(f"{key}", time.perf_counter(), fragment_id=widget.fragment_id, extra=[trigger])

    async def go_to(self, page: str) -> RunResult:
        """Click the page in the sidebar: a rerun of its ``page_script_hash`` with no page widgets."""
        if page not in self.pages:
            # A tab whose first page never arrived knows no pages: that is a failed move, not a crash.
            return RunResult(f"go to /{page}", self.page, 0.0, error=f"no page {page!r}; the app listed {sorted(self.pages)}")
        self.page, self.query_string = page, ""
        return await self._interact(f"go to /{page}", time.perf_counter(), fragment_id="", page_script_hash=self.pages[page], widgets=False)

    async def wait_until(self, predicate: Callable[[StreamlitTab], bool], timeout_s: float) -> bool:
        """Wait (while fragments keep polling) until ``predicate(self)`` holds after a run; False on timeout."""
        changed = asyncio.Event()
        listener = changed.set
        self._listeners.append(listener)
        deadline = time.monotonic() + timeout_s
        try:
            while not predicate(self):
                if self._websocket is None or self.closed_reason:
                    return False
                changed.clear()
                try:
                    await asyncio.wait_for(changed.wait(), max(0.0, deadline - time.monotonic()))
                except TimeoutError:
                    return predicate(self)
            return True
        finally:
            self._listeners.remove(listener)

    def _require(self, key: str) -> Widget:
        widget = self.widget(key)
        if widget is None:
            raise KeyError(f"no widget with key {key!r} on /{self.page}")
        return widget

    async def _interact(
        self, label: str, started: float, *, fragment_id: str, page_name: str = "", page_script_hash: str = "",
        widgets: bool = True, extra: list[WidgetState] | None = None,
    ) -> RunResult:
        page = self.page
        if self.closed_reason:
            return RunResult(label, page, 0.0, error=f"websocket closed: {self.closed_reason}")
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._pending = _Pending(fragment_id, future)
        try:
            await self._send_rerun(
                fragment_id=fragment_id, page_name=page_name, page_script_hash=page_script_hash or self.page_script_hash,
                widgets=widgets, extra=extra or [],
            )
            status = await asyncio.wait_for(future, self.timeout_s)
        except TimeoutError:
            return RunResult(label, page, time.perf_counter() - started, error=f"timeout after {self.timeout_s:.0f} s")
        except SessionClosed as closed:
            return RunResult(label, page, time.perf_counter() - started, error=f"websocket closed: {closed}")
        finally:
            self._pending = None
        seconds = time.perf_counter() - started
        error = "compile error" if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR else ""
        return RunResult(label, page, seconds, error=error, exceptions=self.exceptions(), error_alerts=self.alerts("error"))

    async def _send_rerun(
        self, *, fragment_id: str = "", page_name: str = "", page_script_hash: str = "", widgets: bool = True,
        extra: list[WidgetState] | None = None, is_auto_rerun: bool = False,
    ) -> None:
        if self._websocket is None:
            raise SessionClosed("not connected")
        state = ClientState(
            query_string=self.query_string, page_script_hash=page_script_hash, page_name=page_name,
            fragment_id=fragment_id, is_auto_rerun=is_auto_rerun, cached_message_hashes=list(self._cache),
        )
        state.context_info.timezone = "UTC"
        state.context_info.timezone_offset = 0
        state.context_info.locale = "en-US"
        state.context_info.url = f"{self.base_url}/{self.page}" + (f"?{self.query_string}" if self.query_string else "")
        state.context_info.is_embedded = False
        state.context_info.color_scheme = "light"
        if widgets:
            states = [s for w in self.widgets() if (s := self._widget_state(w)) is not None]
            state.widget_states.widgets.extend(states + (extra or []))
        try:
            await self._websocket.send(BackMsg(rerun_script=state).SerializeToString())
        except websockets.ConnectionClosed as error:
            raise SessionClosed(str(error)) from error

    def _widget_state(self, widget: Widget, *, proto_default: bool = False) -> WidgetState | None:
        """The value the frontend would commit for a widget: the tab's own, else the proto's
        (its ``value`` when the script set one, else its ``default``; only the default with
        ``proto_default``)."""
        if widget.id in self._values and not proto_default:
            return self._values[widget.id]
        proto, state = widget.proto, WidgetState(id=widget.id)
        set_value = getattr(proto, "set_value", False) and not proto_default
        if widget.kind == "slider":
            state.double_array_value.data[:] = list(proto.value if set_value else proto.default)
        elif widget.kind == "number_input":
            state.double_value = proto.value if set_value else proto.default
        elif widget.kind in ("text_input", "text_area"):
            state.string_value = proto.value if set_value else proto.default
        elif widget.kind in ("selectbox", "radio"):
            if set_value:
                state.string_value = proto.raw_value
            elif proto.HasField("default") and 0 <= proto.default < len(proto.options):
                state.string_value = proto.options[proto.default]
            else:
                return None
        elif widget.kind == "multiselect":
            state.string_array_value.data[:] = list(proto.raw_values) if set_value else [proto.options[i] for i in proto.default]
        elif widget.kind == "checkbox":
            state.bool_value = proto.value if set_value else proto.default
        elif widget.kind == "tabs" and widget.labels:
            state.string_value = widget.labels[min(proto.default_tab_index, len(widget.labels) - 1)]
        else:
            return None  # buttons (triggers) and components that have not sent a value yet
        return state

    # ----------------------------------------------------------------------------- receiving

    async def _read_forever(self) -> None:
        assert self._websocket is not None
        try:
            async for payload in self._websocket:
                self.bytes_received += len(payload)
                message = ForwardMsg()
                message.ParseFromString(payload)  # type: ignore[arg-type]
                self._handle(message)
        except websockets.ConnectionClosed as error:
            self.closed_reason = f"code {error.rcvd.code if error.rcvd else 'none'}"
        finally:
            self.closed_reason = self.closed_reason or "closed by client"
            self._stop_auto_reruns()
            if self._pending is not None and not self._pending.future.done():
                self._pending.future.set_exception(SessionClosed(self.closed_reason))

    def _handle(self, message: ForwardMsg) -> None:
        if message.WhichOneof("type") == "ref_hash":
            cached, _, _ = self._cache[message.ref_hash]
            resolved = ForwardMsg()
            resolved.CopyFrom(cached)
            resolved.metadata.CopyFrom(message.metadata)
            message = resolved
        elif message.metadata.cacheable and message.hash and message.hash not in self._cache:
            self._cache[message.hash] = (message, self._run_count, message.delta.fragment_id)
        kind = message.WhichOneof("type")
        run = message.metadata.run
        if kind == "new_session":
            self._on_new_session(message, run.script_run_id, list(run.fragment_ids))
        elif kind == "delta":
            self._on_delta(message)
        elif kind == "script_finished":
            self._on_script_finished(message.script_finished, run.script_run_id, list(run.fragment_ids))
        elif kind == "navigation":
            self.pages = {page.url_pathname: page.page_script_hash for page in message.navigation.app_pages}
            self.page_script_hash = message.navigation.page_script_hash or self.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = message.page_info_changed.query_string
        elif kind == "page_not_found":
            self.page_not_found += 1
        elif kind == "auto_rerun":
            self._start_auto_rerun(message.auto_rerun.fragment_id, message.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            for fragment_id in message.stop_auto_rerun.fragment_ids:
                self._stop_auto_rerun(fragment_id)

    def _on_new_session(self, message: ForwardMsg, run_id: str, fragment_ids: list[str]) -> None:
        session = message.new_session
        self._max_message_age = session.config.max_cached_message_age or self._max_message_age
        if not fragment_ids:
            self._stop_auto_reruns()
        if session.page_script_hash != self.page_script_hash:
            self._tree.clear()
            self._values.clear()
        self.page_script_hash = session.page_script_hash
        self.pages.update({page.url_pathname: page.page_script_hash for page in session.app_pages})
        self._current_run = run_id
        pending = self._pending
        if pending is not None and (pending.chained or (fragment_ids == [] if not pending.fragment_id else pending.fragment_id in fragment_ids)):
            pending.run_ids.add(run_id)
            pending.chained = False

    def _on_delta(self, message: ForwardMsg) -> None:
        path = tuple(message.metadata.delta_path)
        delta = message.delta
        run_id = self._current_run
        if delta.WhichOneof("type") == "new_element":
            for child in [p for p in self._tree if len(p) > len(path) and p[: len(path)] == path]:
                del self._tree[child]
            self._tree[path] = Node(delta.new_element, None, run_id, delta.fragment_id)
        elif delta.WhichOneof("type") == "add_block":
            self._tree[path] = Node(None, delta.add_block, run_id, delta.fragment_id)

    def _on_script_finished(self, status: int, run_id: str, fragment_ids: list[str]) -> None:
        if status in FINISHED_STATUSES and run_id:
            if fragment_ids:
                stale = [p for p, n in self._tree.items() if n.fragment_id in fragment_ids and n.run_id != run_id]
            else:
                stale = [p for p, n in self._tree.items() if n.run_id != run_id]
            for path in stale:
                self._tree.pop(path, None)
            active = {w.id for w in self.widgets()}
            self._values = {wid: state for wid, state in self._values.items() if wid in active}
        if status != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            self._age_cache(fragment_ids)
        pending = self._pending
        if pending is not None and not pending.future.done() and (run_id in pending.run_ids or not run_id):
            if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                pending.chained = True
            else:
                pending.future.set_result(status)
        for listener in list(self._listeners):
            listener()

    def _age_cache(self, fragment_ids: list[str]) -> None:
        """Forget cached messages not seen for a few runs (the frontend's ``incrementRunCount``)."""
        self._run_count += 1
        for digest, (message, seen, fragment_id) in list(self._cache.items()):
            if fragment_ids and fragment_id not in fragment_ids:
                continue
            if self._run_count - seen > self._max_message_age:
                del self._cache[digest]

    # ----------------------------------------------------------------------------- fragments

    def _start_auto_rerun(self, fragment_id: str, interval_s: float) -> None:
        if not fragment_id:
            return
        self._stop_auto_rerun(fragment_id)
        self._auto_reruns[fragment_id] = asyncio.create_task(self._auto_rerun(fragment_id, interval_s))

    async def _auto_rerun(self, fragment_id: str, interval_s: float) -> None:
        """A fragment's ``run_every`` timer: a browser sends these without waiting for the last one."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                await self._send_rerun(fragment_id=fragment_id, page_script_hash=self.page_script_hash, is_auto_rerun=True)
            except SessionClosed:
                return

    def _stop_auto_rerun(self, fragment_id: str) -> None:
        task = self._auto_reruns.pop(fragment_id, None)
        if task is not None:
            task.cancel()

    def _stop_auto_reruns(self) -> None:
        for fragment_id in list(self._auto_reruns):
            self._stop_auto_rerun(fragment_id)


def _url_values(state: WidgetState) -> list[str]:
    """A widget value as the frontend writes it into the URL (``String(number)`` in JavaScript:
    no ``.0``; a list becomes repeated parameters)."""
    which = state.WhichOneof("value")
    raw = getattr(state, which) if which else None
    values = list(raw.data) if hasattr(raw, "data") else [] if raw is None else [raw]
    return [_js_string(value) for value in values]


def _js_string(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def canvas_stroke(points: list[tuple[float, float]], *, side: int = 280, width: int = 22) -> dict[str, Any]:
    """The state ``streamlit_drawable_canvas`` sends after one freehand stroke through ``points``.

    Its frontend calls ``setStateValue("drawing", {raw, data})``: ``raw`` is Fabric.js's
    ``canvas.toObject()`` (one ``Path`` per stroke) and ``data`` the canvas as a PNG data URL,
    which the page decodes into the image it classifies. The PNG is drawn here with Pillow, white
    on the page's black background, as the browser's canvas would render it.
    """
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (side, side), (0, 0, 0, 255))
    ImageDraw.Draw(image).line(points, fill=(255, 255, 255, 255), width=width, joint="curve")
    png = io.BytesIO()
    image.save(png, format="PNG")
    xs, ys = [x for x, _ in points], [y for _, y in points]
    path = [["M", *points[0]], *(["L", x, y] for x, y in points[1:])]
    stroke = {
        "type": "Path", "version": "6.0.0", "originX": "left", "originY": "top",
        "left": min(xs) - width / 2, "top": min(ys) - width / 2,
        "width": max(xs) - min(xs), "height": max(ys) - min(ys),
        "fill": None, "stroke": "#FFFFFF", "strokeWidth": width, "strokeLineCap": "round",
        "strokeLineJoin": "round", "scaleX": 1, "scaleY": 1, "angle": 0, "opacity": 1, "path": path,
    }
    raw = {"version": "6.0.0", "objects": [stroke], "background": "#000000"}
    return {"drawing": {"raw": raw, "data": "data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii")}}
