"""Shared fixtures: the offline guard, a real Streamlit server and a real Chromium."""

from __future__ import annotations

import collections
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import offline  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # No network for the browser either: names other than localhost do not resolve, and any
    # other address goes to a proxy that does not exist (loopback bypasses proxies by default).
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:9",
]
#: Where a test run writes what it shows: the browser tests' screenshots and the fuzz's table.
#: Outside the checkout by default, so a run leaves the tree clean; ``ANNVIZ_TEST_OUTPUT=docs``
#: (a path relative to the project, or absolute) refreshes README's images and docs/fuzz_report.md.
TEST_OUTPUT = ROOT / os.environ.get("ANNVIZ_TEST_OUTPUT", str(Path(tempfile.gettempdir()) / "annviz-test-output"))
SCREENSHOT_DIR = TEST_OUTPUT / "screenshots"

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
offline.block_outbound_network()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_streamlit(
    port: int, extra_args: list[str] | None = None, *, script: str = "app.py", cwd: Path = ROOT, as_readme: bool = False,
    env: dict[str, str] | None = None,
) -> subprocess.Popen:
    """Start ``streamlit run app.py`` on localhost, inside the same offline guard as the tests.

    ``script``/``cwd`` let the offline test and the benchmarks run another script (a bare
    ``st.write`` baseline, a connection probe) in exactly the same way. ``as_readme`` gives
    the command line only where to listen, as README's command does, so the checkout's own
    ``.streamlit/config.toml`` decides the rest (the class benchmark measures that server).
    ``env`` adds variables (a replica's ``ANNVIZ_REPLICAS``).
    """
    bootstrap = (
        "import sys; sys.path.insert(0, sys.argv.pop(1)); import offline; offline.block_outbound_network(); "
        "from streamlit.web.cli import main; sys.argv[0] = 'streamlit'; main()"
    )
    command = [
        sys.executable, "-c", bootstrap, str(Path(__file__).parent),
        "run", script,
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        *([] if as_readme else ["--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]),
        *(extra_args or []),
    ]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # Drain the server's log in the background: an unread pipe fills up (64 KB) during a long
    # session full of TensorFlow and training messages and then blocks the server.
    process.log_tail = collections.deque(maxlen=400)  # type: ignore[attr-defined]
    threading.Thread(target=_drain, args=(process,), daemon=True).start()
    return process


def _drain(process: subprocess.Popen) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        process.log_tail.append(line)  # type: ignore[attr-defined]


def server_log(process: subprocess.Popen) -> str:
    """The last few hundred lines the server printed."""
    return "".join(getattr(process, "log_tail", ()))


def stop_server(process: subprocess.Popen) -> None:
    """Terminate a server started by ``start_streamlit`` (kill it if it does not stop)."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            process.wait()
            time.sleep(0.2)  # let the drain thread read the last lines
            raise RuntimeError(f"streamlit exited early:\n{server_log(process)}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"streamlit did not become healthy at {url} within {timeout:.0f} s")


@pytest.fixture(scope="session")
def app_server() -> Iterator[tuple[str, subprocess.Popen]]:
    """A real ``streamlit run app.py`` server for the whole session: its base URL and process."""
    port = free_port()
    process = start_streamlit(port)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def app_url(app_server: tuple[str, subprocess.Popen]) -> str:
    """The base URL of the session's ``streamlit run app.py`` server."""
    return app_server[0]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright (Playwright cannot download its own browser here)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does this)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture()
def page(browser: object) -> Iterator[object]:
    """A fresh browser context and page, 1400×1000 like a projector."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


#: Markers of the full lane: `python -m pytest` (the default lane) deselects tests that carry
#: any of them; `python -m pytest --full` runs everything (.ci/run does).
FULL_LANE_MARKERS = ("browser", "slow", "server", "redis", "fuzz")
#: Fixtures that start a real server or browser: a test using one is in the full lane by itself.
FULL_LANE_FIXTURES = ("app_server", "app_url", "browser", "page")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--full", action="store_true", help="run the full lane: browsers, servers, Redis, fuzz, retraining")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if set(getattr(item, "fixturenames", ())) & set(FULL_LANE_FIXTURES):
            item.add_marker(pytest.mark.server)
        if "redis_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.redis)
    if config.getoption("--full") or config.getoption("-m"):
        return  # the full lane, or the caller chose by markers themselves
    keep, drop = [], []
    for item in items:
        (drop if any(item.get_closest_marker(name) for name in FULL_LANE_MARKERS) else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def start_redis(port: int, directory: Path) -> subprocess.Popen:
    """Debian's ``redis-server`` on localhost, nothing saved to disk (``.ci/run`` installs it)."""
    binary = "/usr/bin/redis-server"
    if not Path(binary).exists():
        pytest.fail(f"{binary} is missing: apt-get install -y redis-server (.ci/run does this)")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"redis-server did not listen on port {port} within 10 s")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis for the session (``redis://127.0.0.1:<port>/0``); tests using it are marked redis."""
    port = free_port()
    process = start_redis(port, tmp_path_factory.mktemp("redis"))
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop_server(process)
