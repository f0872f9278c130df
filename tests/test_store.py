"""One contract for the shared store, run on the embedded MemoryStore and on a real redis-server."""

from __future__ import annotations

import threading

import pytest

from annviz import store as store_module
from annviz.errors import InputError
from annviz.store import MemoryStore, RedisStore, StoreUnavailable, get_json, set_json, store_from_env


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest):
    if request.param == "memory":
        return MemoryStore()
    redis_store = RedisStore(request.getfixturevalue("redis_url"))
    redis_store.client.flushdb()
    return redis_store


def test_values_counters_and_claims(store):
    assert store.get("missing") is None
    store.set("a", b"one")
    assert store.get("a") == b"one"
    assert store.add_if_absent("a", b"two") is False
    assert store.get("a") == b"one"
    assert store.add_if_absent("b", b"two") is True
    store.delete("a")
    assert store.get("a") is None
    assert [store.incr("n"), store.incr("n", 5)] == [1, 6]


def test_hashes_sets_and_capped_lists(store):
    assert [store.hincr("h", "x"), store.hincr("h", "x"), store.hincr("h", "y", 3)] == [1, 2, 3]
    store.hset("h", "z", b"raw")
    assert store.hgetall("h") == {"x": b"2", "y": b"3", "z": b"raw"}
    assert store.hgetall("nothing") == {}
    assert [store.sadd("s", "t1"), store.sadd("s", "t1"), store.sadd("s", "t2")] == [True, False, True]
    assert store.scard("s") == 2 and store.smembers("s") == {"t1", "t2"}
    store.srem("s", "t1")
    assert store.smembers("s") == {"t2"}
    for i in range(5):
        length = store.rpush("l", str(i).encode(), max_len=3)
    assert length == 3
    assert store.lrange("l") == [b"2", b"3", b"4"]
    assert store.lrange("l", 1, 1) == [b"3"]


def test_prefix_listing_and_json(store):
    set_json(store, "run:abc", {"epochs": 10}, ttl_s=60)
    set_json(store, "run:def", [1.5, None])
    store.set("vote:1", b"x")
    assert sorted(store.keys("run:")) == ["run:abc", "run:def"]
    assert get_json(store, "run:abc") == {"epochs": 10}
    assert get_json(store, "run:def") == [1.5, None]
    assert store.keys("run:[") == []  # a glob character in a prefix is a character


def test_counters_are_exact_under_concurrent_sessions(store):
    """Forty threads (sessions) vote at once: no vote is lost, and each token counts once."""
    def vote(i: int) -> None:
        if store.sadd("voters", f"token-{i % 20}"):
            store.hincr("counts", "a" if i % 2 else "b")

    threads = [threading.Thread(target=vote, args=(i,)) for i in range(40)]
    [thread.start() for thread in threads]
    [thread.join() for thread in threads]
    counts = store.hgetall("counts")
    assert store.scard("voters") == 20
    assert sum(int(value) for value in counts.values()) == 20


def test_expiry_in_memory_follows_the_clock():
    now = [100.0]
    store = MemoryStore(clock=lambda: now[0])
    store.set("v", b"1", ttl_s=5)
    store.hincr("h", "a", ttl_s=5)
    store.sadd("s", "t", ttl_s=5)
    now[0] = 104.9
    assert store.get("v") == b"1" and store.scard("s") == 1
    now[0] = 105.0
    assert store.get("v") is None and store.hgetall("h") == {} and store.scard("s") == 0
    assert store.keys("") == []


def test_memory_store_is_bounded():
    store = MemoryStore(max_keys=3)
    for key in "abcd":
        store.set(key, b"1")
    assert store.get("a") is None and sorted(store.keys("")) == ["b", "c", "d"]


def test_expiry_on_redis(redis_url):
    store = RedisStore(redis_url)
    store.set("short", b"1", ttl_s=0.2)
    store.hincr("short-h", "a", ttl_s=0.2)
    assert store.client.pttl(store_module.KEY_PREFIX + "short-h") > 0
    import time

    time.sleep(0.35)
    assert store.get("short") is None and store.hgetall("short-h") == {}


def test_a_redis_that_does_not_answer_is_a_sentence_without_its_password():
    from conftest import free_port

    store = RedisStore(f"redis://:hunter2@127.0.0.1:{free_port()}/0", timeout_s=0.5)
    with pytest.raises(StoreUnavailable, match=r"Redis at 127\.0\.0\.1:\d+\) does not answer") as caught:
        store.incr("n")
    assert isinstance(caught.value, InputError)
    assert "hunter2" not in str(caught.value)
    with pytest.raises(StoreUnavailable):
        store.ping()


def test_the_environment_picks_the_backend():
    assert store_from_env({}).kind == "memory"
    assert store_from_env({"ANNVIZ_REDIS_URL": "  "}).kind == "memory"
    assert store_from_env({"ANNVIZ_REDIS_URL": "redis://127.0.0.1:1/0"}).kind == "redis"
