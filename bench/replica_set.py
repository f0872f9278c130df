"""Replicas of the app behind HAProxy on this machine, with ``deploy/haproxy.cfg`` as compose runs it.

Each replica is ``streamlit run app.py`` as README says (only where to listen on the command line,
``ANNVIZ_REPLICAS`` in the environment), inside the tests' offline guard; HAProxy is Debian's
``/usr/sbin/haproxy`` with the very file compose.yaml mounts, its addresses given by the
``ANNVIZ_PROXY_BIND`` / ``ANNVIZ_REPLICA_A`` / ``ANNVIZ_REPLICA_B`` variables. Used by
``tests/test_replicas.py`` (pages, upload, media, training, failover) and
``bench/replicas.py`` (throughput with one and two replicas). Everything listens on 127.0.0.1.
"""

from __future__ import annotations

import collections
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from bench.app_server import ROOT, free_port, serving_children, server_log, start_streamlit, stop_server, wait_healthy

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
HAPROXY_CONFIG = ROOT / "deploy" / "haproxy.cfg"
#: The ``server`` names of deploy/haproxy.cfg, in order; also the values of its SERVERID cookie.
SERVER_NAMES = ("a", "b")
#: HAProxy's line when a health check changes a server's state, e.g.
#: "Server annviz/a is DOWN, reason: Layer4 connection problem, ...".
STATE_LINE = re.compile(r"Server annviz/(\w+) is (UP|DOWN)")


@dataclass
class ProxyLog:
    """HAProxy's log lines as they arrive, each with the monotonic time it was read."""

    lines: collections.deque[tuple[float, str]] = field(default_factory=lambda: collections.deque(maxlen=20000))
    changed: threading.Condition = field(default_factory=threading.Condition)

    def add(self, line: str) -> None:
        with self.changed:
            self.lines.append((time.monotonic(), line.rstrip("\n")))
            self.changed.notify_all()

    def since(self, moment: float, until: float = float("inf")) -> list[str]:
        """The lines read between ``moment`` and ``until`` (``time.monotonic()`` values)."""
        with self.changed:
            return [line for at, line in self.lines if moment <= at < until]

    def wait_for_state(self, server: str, state: str, after: float, timeout_s: float) -> float | None:
        """The monotonic time HAProxy logged ``server`` as ``state`` ("UP"/"DOWN") after ``after``, or None."""
        deadline = time.monotonic() + timeout_s
        with self.changed:
            while True:
                for at, line in self.lines:
                    match = STATE_LINE.search(line)
                    if at >= after and match and match.groups() == (server, state):
                        return at
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self.changed.wait(remaining)


class ReplicaSet:
    """``replicas`` app servers (at most two: the config's a and b) and HAProxy in front of them.

    ``replicas=1`` runs the same config with server b's port left closed: HAProxy's health check
    holds b DOWN and sends everyone to a (one replica behind the proxy, nothing else changed).
    """

    def __init__(self, replicas: int = 2, *, replicas_variable: int | None = None, cwd: Path = ROOT) -> None:
        if not 1 <= replicas <= len(SERVER_NAMES):
            raise ValueError(f"deploy/haproxy.cfg names {len(SERVER_NAMES)} servers; asked for {replicas} replicas")
        self.replicas = replicas
        self.cwd = cwd
        self.env = {"ANNVIZ_REPLICAS": str(replicas_variable or replicas)}
        self.ports = [free_port() for _ in SERVER_NAMES]
        self.proxy_port = free_port()
        self.servers: dict[str, subprocess.Popen] = {}
        self.proxy: subprocess.Popen | None = None
        self.log = ProxyLog()

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}"

    def replica_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[SERVER_NAMES.index(name)]}"

    def start_replica(self, name: str) -> subprocess.Popen:
        """Start (or restart) replica ``name`` on its port; returns once it answers its health check."""
        process = start_streamlit(self.ports[SERVER_NAMES.index(name)], cwd=self.cwd, as_readme=True, env=self.env)
        self.servers[name] = process
        wait_healthy(self.replica_url(name), process, timeout=120)
        return process

    def kill_replica(self, name: str) -> float:
        """SIGKILL replica ``name`` and its worker processes, as a crash would; returns when (monotonic)."""
        process = self.servers.pop(name)
        workers = serving_children(process.pid)
        process.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        process.wait()
        for pid in workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return killed

    def start_proxy(self) -> None:
        """HAProxy in the foreground (``-db``) with deploy/haproxy.cfg; its log (stderr) is read line by line."""
        env = {
            **os.environ,
            "ANNVIZ_PROXY_BIND": f"127.0.0.1:{self.proxy_port}",
            "ANNVIZ_REPLICA_A": f"127.0.0.1:{self.ports[0]}",
            "ANNVIZ_REPLICA_B": f"127.0.0.1:{self.ports[1]}",
        }
        self.proxy = subprocess.Popen([HAPROXY, "-db", "-f", str(HAPROXY_CONFIG)], env=env, stdin=subprocess.DEVNULL,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._drain_proxy, daemon=True).start()

    def _drain_proxy(self) -> None:
        assert self.proxy is not None and self.proxy.stdout is not None
        for line in self.proxy.stdout:
            self.log.add(line)

    def wait_proxy_ready(self, timeout_s: float = 30.0) -> None:
        """Until the proxy answers /_stcore/health and every running replica is UP behind it."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proxy is not None and self.proxy.poll() is not None:
                raise RuntimeError("haproxy exited:\n" + "\n".join(self.log.since(0)))
            try:
                with urllib.request.urlopen(f"{self.proxy_url}/_stcore/health", timeout=2) as response:
                    if response.status == 200 and self.servers_up() >= set(self.servers):
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"haproxy not ready within {timeout_s:.0f} s:\n" + "\n".join(self.log.since(0)))

    def servers_up(self) -> set[str]:
        """The servers HAProxy holds UP, from its logged state changes (a checked server starts UP)."""
        state = {name: "UP" for name in SERVER_NAMES}
        for line in self.log.since(0):
            match = STATE_LINE.search(line)
            if match:
                state[match.group(1)] = match.group(2)
        return {name for name, value in state.items() if value == "UP"}

    def start(self) -> ReplicaSet:
        """Both replicas start at once (their start-up is mostly waiting for imports), then HAProxy."""
        names = SERVER_NAMES[: self.replicas]
        starters = [threading.Thread(target=self.start_replica, args=(name,)) for name in names]
        for thread in starters:
            thread.start()
        for thread in starters:
            thread.join()
        missing = [name for name in names if name not in self.servers]
        if missing:
            raise RuntimeError(f"replica(s) {missing} did not start")
        self.start_proxy()
        self.wait_proxy_ready()
        if self.replicas < len(SERVER_NAMES):  # the unused server must be out before anyone connects
            if self.log.wait_for_state(SERVER_NAMES[-1], "DOWN", 0, 10) is None:
                raise RuntimeError("haproxy did not mark the unused server DOWN")
        return self

    def stop(self) -> None:
        if self.proxy is not None and self.proxy.poll() is None:
            self.proxy.terminate()
            try:
                self.proxy.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proxy.kill()
        for process in self.servers.values():
            stop_server(process)
        self.servers.clear()

    def logs(self) -> str:
        """Every replica's last lines and HAProxy's, for a failure message."""
        parts = [f"--- replica {name}\n{server_log(process)}" for name, process in self.servers.items()]
        return "\n".join(parts + ["--- haproxy", *self.log.since(0)[-200:]])


@contextmanager
def running_replicas(replicas: int = 2, **options: object) -> Iterator[ReplicaSet]:
    """A started :class:`ReplicaSet` for the block, stopped afterwards."""
    replica_set = ReplicaSet(replicas, **options)  # type: ignore[arg-type]
    try:
        yield replica_set.start()
    finally:
        replica_set.stop()
