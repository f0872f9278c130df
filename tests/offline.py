"""A socket guard: any connection to an address outside this machine raises instead of leaving.

The suite runs with it installed (conftest.py) and so does the Streamlit server the
browser tests start, which proves the app and its tests never download anything.
"""

from __future__ import annotations

import ipaddress
import socket

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


class OutboundNetworkBlocked(OSError):
    """Raised for a connection to an address outside this machine."""


def _is_local(address: object) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX paths and the like
        return True
    host = str(address[0])
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def block_outbound_network() -> None:
    """Patch ``socket.socket.connect``/``connect_ex`` to refuse every non-loopback address."""
    if getattr(socket.socket, "_annviz_guarded", False):
        return
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def connect(self: socket.socket, address: object) -> None:
        if not _is_local(address):
            raise OutboundNetworkBlocked(f"annviz tests run offline: refused connection to {address!r}")
        return original_connect(self, address)

    def connect_ex(self: socket.socket, address: object) -> int:
        if not _is_local(address):
            raise OutboundNetworkBlocked(f"annviz tests run offline: refused connection to {address!r}")
        return original_connect_ex(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.socket._annviz_guarded = True  # type: ignore[attr-defined]
