"""The one place where state shared by a class lives: in this process, or in Redis.

Runs that a class trains together, the class board, votes and the step a lecturer shows are
shared by every session of a server, and, once a deployment runs several replicas, by every
replica. They live behind this small interface (house style rule 16) and nowhere else:

- :class:`MemoryStore`, the embedded default: a dictionary in the server process, guarded by a
  lock (each Streamlit session runs its script in a thread of its own), every key with a time to
  live and the whole bounded in size, so a lecture's votes and runs cannot grow without end;
- :class:`RedisStore`, when ``ANNVIZ_REDIS_URL`` names a Redis server: the same calls, the
  same answers, shared by every process that names the same server.

The calls are Redis's own few primitives (values, counters, hashes, sets, capped lists), so the
two backends cannot drift in meaning; ``tests/test_store.py`` runs one contract over both, the
Redis one against a real ``redis-server``. Values are ``bytes``; :func:`get_json` and
:func:`set_json` carry small JSON documents. A Redis that does not answer raises
:class:`StoreUnavailable`, an :class:`~annviz.errors.InputError` whose sentence a page shows.

>>> store = MemoryStore()
>>> store.sadd("vote:round-1:voters", "token-a"), store.sadd("vote:round-1:voters", "token-a")
(True, False)
>>> store.hincr("vote:round-1:counts", "diverges"), store.hincr("vote:round-1:counts", "diverges")
(1, 2)
>>> set_json(store, "step", {"page": "optimizers", "step": 2}, ttl_s=60)
>>> get_json(store, "step")
{'page': 'optimizers', 'step': 2}
>>> store_from_env({}).kind
'memory'
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Mapping, Protocol

from annviz.errors import InputError

#: The environment variable that names a Redis server (``redis://host:6379/0``); unset, the
#: store lives in the server process.
REDIS_URL_VARIABLE = "ANNVIZ_REDIS_URL"
#: Every key this app writes to Redis starts with this, so a shared Redis stays readable.
KEY_PREFIX = "annviz:"
#: Keys the in-process store holds at most; the least recently written go first.
MEMORY_MAX_KEYS = 20_000
#: Seconds a Redis call may take before the store says that Redis does not answer.
REDIS_TIMEOUT_S = 2.0


class StoreUnavailable(InputError):
    """The shared store (Redis) does not answer; ``str(error)`` says so in one sentence."""


class Store(Protocol):
    """What every backend offers: Redis's primitives, with a time to live where a key is written."""

    kind: str

    def get(self, key: str) -> bytes | None: ...
    def set(self, key: str, value: bytes, *, ttl_s: float | None = None) -> None: ...
    def add_if_absent(self, key: str, value: bytes, *, ttl_s: float | None = None) -> bool: ...
    def delete(self, key: str) -> None: ...
    def incr(self, key: str, amount: int = 1, *, ttl_s: float | None = None) -> int: ...
    def hset(self, key: str, field: str, value: bytes, *, ttl_s: float | None = None) -> None: ...
    def hincr(self, key: str, field: str, amount: int = 1, *, ttl_s: float | None = None) -> int: ...
    def hgetall(self, key: str) -> dict[str, bytes]: ...
    def sadd(self, key: str, member: str, *, ttl_s: float | None = None) -> bool: ...
    def srem(self, key: str, member: str) -> None: ...
    def smembers(self, key: str) -> set[str]: ...
    def scard(self, key: str) -> int: ...
    def rpush(self, key: str, value: bytes, *, max_len: int | None = None, ttl_s: float | None = None) -> int: ...
    def lrange(self, key: str, start: int = 0, end: int = -1) -> list[bytes]: ...
    def keys(self, prefix: str) -> list[str]: ...
    def ping(self) -> None: ...


class MemoryStore:
    """The embedded store: one dictionary per server process, thread-safe, bounded, with expiry.

    ``clock`` is passed in (``time.monotonic`` by default) so a test can move time on.

    >>> now = [0.0]
    >>> store = MemoryStore(clock=lambda: now[0])
    >>> store.set("a", b"1", ttl_s=10)
    >>> store.get("a")
    b'1'
    >>> now[0] = 11.0
    >>> store.get("a") is None
    True
    """

    kind = "memory"

    def __init__(self, *, max_keys: int = MEMORY_MAX_KEYS, clock: Callable[[], float] = time.monotonic) -> None:
        self._data: OrderedDict[str, Any] = OrderedDict()
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()
        self._max_keys = max_keys
        self._clock = clock

    # Every method takes the lock once and works on live (unexpired) entries only.
    def _live(self, key: str) -> Any:
        deadline = self._expiry.get(key)
        if deadline is not None and self._clock() >= deadline:
            self._data.pop(key, None)
            self._expiry.pop(key, None)
        return self._data.get(key)

    def _write(self, key: str, value: Any, ttl_s: float | None) -> None:
        self._data[key] = value
        self._data.move_to_end(key)
        if ttl_s is not None:
            self._expiry[key] = self._clock() + ttl_s
        while len(self._data) > self._max_keys:
            oldest, _ = self._data.popitem(last=False)
            self._expiry.pop(oldest, None)

    def _touch(self, key: str, ttl_s: float | None) -> None:
        self._data.move_to_end(key)
        if ttl_s is not None:
            self._expiry[key] = self._clock() + ttl_s

    def get(self, key: str) -> bytes | None:
        with self._lock:
            value = self._live(key)
            return value if isinstance(value, bytes) else None

    def set(self, key: str, value: bytes, *, ttl_s: float | None = None) -> None:
        with self._lock:
            self._expiry.pop(key, None)
            self._write(key, bytes(value), ttl_s)

    def add_if_absent(self, key: str, value: bytes, *, ttl_s: float | None = None) -> bool:
        with self._lock:
            if self._live(key) is not None:
                return False
            self._write(key, bytes(value), ttl_s)
            return True

    def delete(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)
            self._expiry.pop(key, None)

    def incr(self, key: str, amount: int = 1, *, ttl_s: float | None = None) -> int:
        with self._lock:
            value = int(self._live(key) or 0) + amount
            self._write(key, str(value).encode(), None)
            self._touch(key, ttl_s)
            return value

    def hset(self, key: str, field: str, value: bytes, *, ttl_s: float | None = None) -> None:
        with self._lock:
            table = self._live(key) or {}
            table[field] = bytes(value)
            self._write(key, table, None)
            self._touch(key, ttl_s)

    def hincr(self, key: str, field: str, amount: int = 1, *, ttl_s: float | None = None) -> int:
        with self._lock:
            table = self._live(key) or {}
            count = int(table.get(field, b"0")) + amount
            table[field] = str(count).encode()
            self._write(key, table, None)
            self._touch(key, ttl_s)
            return count

    def hgetall(self, key: str) -> dict[str, bytes]:
        with self._lock:
            return dict(self._live(key) or {})

    def sadd(self, key: str, member: str, *, ttl_s: float | None = None) -> bool:
        with self._lock:
            members = self._live(key) or set()
            added = member not in members
            members.add(member)
            self._write(key, members, None)
            self._touch(key, ttl_s)
            return added

    def srem(self, key: str, member: str) -> None:
        with self._lock:
            members = self._live(key)
            if members:
                members.discard(member)

    def smembers(self, key: str) -> set[str]:
        with self._lock:
            return set(self._live(key) or ())

    def scard(self, key: str) -> int:
        with self._lock:
            return len(self._live(key) or ())

    def rpush(self, key: str, value: bytes, *, max_len: int | None = None, ttl_s: float | None = None) -> int:
        with self._lock:
            items = self._live(key) or []
            items.append(bytes(value))
            if max_len is not None:
                del items[:-max_len]
            self._write(key, items, None)
            self._touch(key, ttl_s)
            return len(items)

    def lrange(self, key: str, start: int = 0, end: int = -1) -> list[bytes]:
        with self._lock:
            items = list(self._live(key) or [])
        stop = None if end == -1 else end + 1
        return items[start:stop]

    def keys(self, prefix: str) -> list[str]:
        with self._lock:
            return [key for key in list(self._data) if key.startswith(prefix) and self._live(key) is not None]

    def ping(self) -> None:
        return None


class RedisStore:
    """The same interface on a Redis server, so every replica and worker shares one state.

    Keys get :data:`KEY_PREFIX`; a Redis that refuses or times out raises :class:`StoreUnavailable`
    (checked against a real ``redis-server`` in ``tests/test_store.py``).

    >>> RedisStore("redis://127.0.0.1:6379/0").kind  # connects lazily: nothing is sent yet
    'redis'
    """

    kind = "redis"

    def __init__(self, url: str, *, timeout_s: float = REDIS_TIMEOUT_S) -> None:
        import redis  # only a deployment that names a Redis needs the client

        self.url = url
        self._errors = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
        self._redis = redis.Redis.from_url(
            url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s, health_check_interval=30,
        )

    @property
    def client(self) -> Any:
        """The redis-py client (the job queue shares its connection settings)."""
        return self._redis

    def _unavailable(self, error: Exception) -> StoreUnavailable:
        """The sentence for a Redis that refused or timed out (its address, never its password)."""
        return StoreUnavailable(
            f"The class's shared store (Redis at {_where(self.url)}) does not answer ({type(error).__name__}); "
            "what the class shares is paused until it is back."
        )

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(self._redis, method)(*args, **kwargs)
        except self._errors as error:
            raise self._unavailable(error) from error

    def _expire(self, pipe: Any, key: str, ttl_s: float | None) -> None:
        if ttl_s is not None:
            pipe.pexpire(key, max(1, int(ttl_s * 1000)))

    def _pipeline(self, build: Callable[[Any], None]) -> list[Any]:
        def run() -> list[Any]:
            pipe = self._redis.pipeline()
            build(pipe)
            return pipe.execute()

        try:
            return run()
        except self._errors as error:
            raise self._unavailable(error) from error

    def get(self, key: str) -> bytes | None:
        return self._call("get", KEY_PREFIX + key)

    def set(self, key: str, value: bytes, *, ttl_s: float | None = None) -> None:
        px = None if ttl_s is None else max(1, int(ttl_s * 1000))
        self._call("set", KEY_PREFIX + key, value, px=px)

    def add_if_absent(self, key: str, value: bytes, *, ttl_s: float | None = None) -> bool:
        px = None if ttl_s is None else max(1, int(ttl_s * 1000))
        return bool(self._call("set", KEY_PREFIX + key, value, px=px, nx=True))

    def delete(self, key: str) -> None:
        self._call("delete", KEY_PREFIX + key)

    def incr(self, key: str, amount: int = 1, *, ttl_s: float | None = None) -> int:
        full = KEY_PREFIX + key
        return int(self._pipeline(lambda pipe: (pipe.incrby(full, amount), self._expire(pipe, full, ttl_s)))[0])

    def hset(self, key: str, field: str, value: bytes, *, ttl_s: float | None = None) -> None:
        full = KEY_PREFIX + key
        self._pipeline(lambda pipe: (pipe.hset(full, field, value), self._expire(pipe, full, ttl_s)))

    def hincr(self, key: str, field: str, amount: int = 1, *, ttl_s: float | None = None) -> int:
        full = KEY_PREFIX + key
        return int(self._pipeline(lambda pipe: (pipe.hincrby(full, field, amount), self._expire(pipe, full, ttl_s)))[0])

    def hgetall(self, key: str) -> dict[str, bytes]:
        return {field.decode(): value for field, value in self._call("hgetall", KEY_PREFIX + key).items()}

    def sadd(self, key: str, member: str, *, ttl_s: float | None = None) -> bool:
        full = KEY_PREFIX + key
        return bool(self._pipeline(lambda pipe: (pipe.sadd(full, member), self._expire(pipe, full, ttl_s)))[0])

    def srem(self, key: str, member: str) -> None:
        self._call("srem", KEY_PREFIX + key, member)

    def smembers(self, key: str) -> set[str]:
        return {member.decode() for member in self._call("smembers", KEY_PREFIX + key)}

    def scard(self, key: str) -> int:
        return int(self._call("scard", KEY_PREFIX + key))

    def rpush(self, key: str, value: bytes, *, max_len: int | None = None, ttl_s: float | None = None) -> int:
        full = KEY_PREFIX + key

        def build(pipe: Any) -> None:
            pipe.rpush(full, value)
            if max_len is not None:
                pipe.ltrim(full, -max_len, -1)
            self._expire(pipe, full, ttl_s)

        length = int(self._pipeline(build)[0])
        return length if max_len is None else min(length, max_len)

    def lrange(self, key: str, start: int = 0, end: int = -1) -> list[bytes]:
        return list(self._call("lrange", KEY_PREFIX + key, start, end))

    def keys(self, prefix: str) -> list[str]:
        found = self._call("scan_iter", match=KEY_PREFIX + _glob_escape(prefix) + "*", count=500)
        try:
            return [key.decode()[len(KEY_PREFIX):] for key in found]
        except self._errors as error:
            raise self._unavailable(error) from error

    def ping(self) -> None:
        self._call("ping")


def _where(url: str) -> str:
    """``host:port`` of a Redis URL, never its password (a sentence on screen names it).

    >>> _where("redis://:secret@cache.local:6380/0")
    'cache.local:6380'
    """
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}"


def _glob_escape(text: str) -> str:
    """``text`` with Redis's glob characters escaped, for a prefix match.

    >>> _glob_escape("run:[a]*")
    'run:\\\\[a\\\\]\\\\*'
    """
    return "".join("\\" + char if char in "*?[]\\" else char for char in text)


def store_from_env(environ: Mapping[str, str]) -> Store:
    """A :class:`RedisStore` when ``ANNVIZ_REDIS_URL`` is set, else a fresh :class:`MemoryStore`.

    >>> store_from_env({REDIS_URL_VARIABLE: "redis://127.0.0.1:6399/0"}).kind
    'redis'
    """
    url = environ.get(REDIS_URL_VARIABLE, "").strip()
    return RedisStore(url) if url else MemoryStore()


def get_json(store: Store, key: str) -> Any:
    """The JSON document at ``key``, or None.

    >>> store = MemoryStore(); set_json(store, "k", [1, 2]); get_json(store, "k")
    [1, 2]
    """
    raw = store.get(key)
    return None if raw is None else json.loads(raw)


def set_json(store: Store, key: str, value: Any, *, ttl_s: float | None = None) -> None:
    """Write ``value`` as compact JSON at ``key`` (see :func:`get_json`)."""
    store.set(key, json.dumps(value, separators=(",", ":")).encode(), ttl_s=ttl_s)
