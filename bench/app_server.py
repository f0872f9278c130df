"""The app server and the browser exactly as the browser tests start them, for benchmarks.

Reuses ``tests/conftest.py`` (offline guard, ``streamlit run`` command, Chromium flags),
``pages/_navigation.py`` (the pages app.py lists) and ``tests/browser_checks.py`` (what
"rendered" means), so a benchmark measures the same thing the tests check. Importing this
module installs the offline socket guard in the benchmark process too.
"""

from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import browser_checks  # noqa: E402
from pages._navigation import ListedPage, listed_pages  # noqa: E402
from conftest import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    free_port,
    server_log,
    start_streamlit,
    stop_server,
    wait_healthy,
)

__all__ = [
    "CHROMIUM", "CHROMIUM_ARGS", "ListedPage", "browser_checks", "listed_pages", "running_server",
    "server_log", "start_streamlit", "stop_server", "tree_pss_bytes", "tree_rss_bytes", "wait_healthy", "free_port",
]


@contextmanager
def running_server(
    script: str = "app.py", cwd: Path = ROOT, *, extra_args: list[str] | None = None, as_readme: bool = False
) -> Iterator[tuple[str, subprocess.Popen]]:
    """A healthy ``streamlit run`` server for the block: its base URL and process."""
    port = free_port()
    process = start_streamlit(port, extra_args, script=script, cwd=cwd, as_readme=as_readme)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, timeout=120)
        yield url, process
    finally:
        stop_server(process)


def _children(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return children


def serving_children(parent: int, role: str | None = None) -> list[int]:
    """``parent``'s child processes that run ``python -m annviz.serving [ROLE]`` (a worker or a training)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent_of = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        if parent_of == parent and b"annviz.serving" in command and (role is None or role.encode() in command):
            found.append(int(stat.parent.name))
    return found


def _tree_kilobytes(pid: int, proc_file: str, field: str) -> int:
    """``field`` (a kB line of /proc/PID/``proc_file``) summed over a process and its descendants, in bytes."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            text = Path(f"/proc/{current}/{proc_file}").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith(field):
                total += int(line.split()[1]) * 1024
        pending += _children(current)
    return total


def tree_pss_bytes(pid: int) -> int:
    """Proportional set size (Pss) of a process and all its descendants, in bytes.

    Unlike a sum of RSS, a page shared by several processes (TensorFlow's libraries in each
    worker) counts once in total, as the machine's memory limit counts it.
    """
    return _tree_kilobytes(pid, "smaps_rollup", "Pss:")


def tree_rss_bytes(pid: int) -> int:
    """Resident memory (VmRSS) of a process and all its descendants, in bytes."""
    return _tree_kilobytes(pid, "status", "VmRSS:")
