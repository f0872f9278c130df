"""A page with a Keras action starts the small jobs' Keras worker before the student asks it anything.

The first Keras race or "check with Keras" of a class used to wait for the worker's start
(TensorFlow's import: 5 s on a quiet server, 27 s measured under a class on 2 cores).
"""

from __future__ import annotations

import asyncio
import time

import pytest

from annviz.serving import INTERACTIVE_NICENESS
from bench.app_server import running_server, serving_children
from bench.st_client import StreamlitTab


def _interactive_workers(server_pid: int) -> list[int]:
    """The server's ``python -m annviz.serving keras HOST PORT 5`` children (not the measurements' nice 15 one)."""
    workers = []
    for pid in serving_children(server_pid, "keras"):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as command:
                if command.read().split(b"\0")[-2] == str(INTERACTIVE_NICENESS).encode():
                    workers.append(pid)
        except OSError:
            continue
    return workers


async def _open(base_url: str, page: str) -> None:
    tab = StreamlitTab(base_url)
    try:
        result = await tab.open(page)
        assert not result.failed, result
    finally:
        await tab.close()


@pytest.mark.server
def test_opening_a_keras_page_starts_the_keras_worker_and_other_pages_do_not() -> None:
    with running_server() as (base_url, process):
        asyncio.run(_open(base_url, "metrics"))  # no Keras action there
        time.sleep(3)
        assert _interactive_workers(process.pid) == []
        asyncio.run(_open(base_url, "optimizers"))  # nothing pressed: only the page opened
        deadline = time.monotonic() + 30
        while not _interactive_workers(process.pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert len(_interactive_workers(process.pid)) == 1
