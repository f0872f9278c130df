"""The lecture hall may have no network: prove the suite, the app server and the browser run offline.

conftest installs ``offline.block_outbound_network()`` in this process and in every Streamlit
server it starts; Chromium gets flags that send everything non-local to a dead proxy. These
tests show each of the three really refuses the outside and still reaches loopback, and that
no code in the app even asks for a download.
"""

from __future__ import annotations

import ast
import socket
import subprocess
import threading
from pathlib import Path

import offline
import pytest
from browser_checks import main_text, wait_until_idle
from conftest import CHROMIUM_ARGS, ROOT, free_port, start_streamlit, wait_healthy

#: TEST-NET-1 and the IPv6 documentation prefix: addresses that are never this machine.
OUTSIDE_ADDRESSES = [("192.0.2.1", 80), ("2001:db8::1", 80, 0, 0)]

#: Calls that fetch from the internet: Keras datasets and file downloads, urllib, requests.
DOWNLOAD_CALLS = {"load_data", "get_file", "urlopen", "urlretrieve", "get", "post"}
DOWNLOAD_MODULES_FOR_GET = {"requests", "httpx"}

APP_SOURCES = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "annviz").rglob("*.py")])

PROBE_SCRIPT = """
import socket
import streamlit as st

try:
    socket.create_connection(("192.0.2.1", 80), timeout=2)
    st.write("outcome: connected")
except Exception as error:
    st.write(f"outcome: {type(error).__name__}")
"""


@pytest.mark.parametrize("address", OUTSIDE_ADDRESSES, ids=["ipv4", "ipv6"])
@pytest.mark.parametrize("method", ["connect", "connect_ex"])
def test_guard_refuses_addresses_outside_this_machine(address: tuple, method: str) -> None:
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        with pytest.raises(offline.OutboundNetworkBlocked, match="offline"):
            getattr(sock, method)(address)


def test_guard_lets_loopback_through() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        accepted: list[bytes] = []

        def accept() -> None:
            connection, _ = server.accept()
            with connection:
                accepted.append(connection.recv(5))

        thread = threading.Thread(target=accept)
        thread.start()
        with socket.create_connection(server.getsockname(), timeout=5) as client:
            client.sendall(b"hello")
        thread.join(timeout=5)
    assert accepted == [b"hello"]


def test_this_test_process_is_guarded() -> None:
    assert getattr(socket.socket, "_annviz_guarded", False)


def test_the_fixture_server_was_started_guarded_and_without_usage_stats(app_server: tuple) -> None:
    _, process = app_server
    arguments = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
    bootstrap = arguments[2].decode()
    assert "offline.block_outbound_network()" in bootstrap
    assert bootstrap.index("block_outbound_network") < bootstrap.index("main()")
    flags = [a.decode() for a in arguments]
    assert flags[flags.index("--browser.gatherUsageStats") + 1] == "false"
    assert flags[flags.index("--server.address") + 1] == "127.0.0.1"


def test_project_config_turns_usage_stats_off() -> None:
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["browser"]["gatherUsageStats"] is False


@pytest.mark.browser
def test_a_server_started_like_the_fixture_refuses_the_outside(page: object, tmp_path: Path) -> None:
    """A real Streamlit session, started by the fixture's own function, tries to connect out."""
    (tmp_path / "probe.py").write_text(PROBE_SCRIPT)
    port = free_port()
    process = start_streamlit(port, script="probe.py", cwd=tmp_path)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        page.goto(url)  # type: ignore[attr-defined]
        wait_until_idle(page)
        assert "outcome: OutboundNetworkBlocked" in main_text(page)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.browser
def test_chromium_cannot_reach_the_outside(page: object) -> None:
    assert any(arg.startswith("--proxy-server=") for arg in CHROMIUM_ARGS)
    assert any(arg.startswith("--host-resolver-rules=") for arg in CHROMIUM_ARGS)
    assert "--disable-background-networking" in CHROMIUM_ARGS
    assert "--disable-component-update" in CHROMIUM_ARGS
    for url in ("http://192.0.2.1/", "https://fonts.gstatic.com/"):
        with pytest.raises(Exception, match="ERR_PROXY_CONNECTION_FAILED|ERR_NAME_NOT_RESOLVED"):
            page.goto(url, timeout=10_000)  # type: ignore[attr-defined]


def _download_calls(source: str, label: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename=label)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        owner = node.func.value.id if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) else ""
        if name in {"get", "post"} and owner not in DOWNLOAD_MODULES_FOR_GET:
            continue
        if name in DOWNLOAD_CALLS:
            found.append(f"{label}:{node.lineno} {name}(...)")
        for keyword in node.keywords:
            if keyword.arg == "weights" and isinstance(keyword.value, ast.Constant) and keyword.value.value == "imagenet":
                found.append(f"{label}:{node.lineno} weights='imagenet'")
    return found


def test_no_code_in_the_app_asks_for_a_download() -> None:
    assert len(APP_SOURCES) >= 4
    calls = [call for path in APP_SOURCES for call in _download_calls(path.read_text(), str(path.relative_to(ROOT)))]
    assert calls == []


def test_the_download_detector_detects() -> None:
    source = (
        "import keras, requests, urllib.request\n"
        "keras.datasets.mnist.load_data()\n"
        "keras.utils.get_file('x', 'http://example.com/x')\n"
        "keras.applications.ResNet50(weights='imagenet')\n"
        "requests.get('http://example.com')\n"
        "urllib.request.urlopen('http://example.com')\n"
        "{}.get('key')\n"
        "'load_data() in a string is not a call'\n"
    )
    assert [line.split()[0] for line in _download_calls(source, "sample")] == [
        "sample:2", "sample:3", "sample:4", "sample:5", "sample:6"
    ]
