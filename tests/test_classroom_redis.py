"""The class across two replicas sharing a real Redis: a vote cast on one is counted on the projector
served by the other, every follower on the other replica reaches the lecturer's step within 2 s,
and a replica's restart keeps the class (browserless tabs, ``bench/st_client.py``)."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from conftest import free_port, server_log, start_streamlit, stop_server, wait_healthy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.st_client import StreamlitTab  # noqa: E402

pytestmark = [pytest.mark.redis, pytest.mark.server]

KEY = "replica-test lecturer key"
FOLLOWERS = 4
FOLLOW_WITHIN_S = 2.0


def start_replica(port: int, redis_url: str):
    process = start_streamlit(port, script="bench/class_app.py",
                              env={"ANNVIZ_REDIS_URL": redis_url, "ANNVIZ_LECTURER_KEY": KEY})
    wait_healthy(f"http://127.0.0.1:{port}", process, timeout=120)
    return process


@pytest.fixture
def replicas(redis_url: str) -> Iterator[list]:
    """Two replicas of the app (ports and processes) on one Redis (database 2, emptied first)."""
    import redis

    url = redis_url.rsplit("/", 1)[0] + "/2"
    redis.Redis.from_url(url).flushdb()
    started = []
    try:
        for _ in range(2):
            port = free_port()
            started.append([port, start_replica(port, url), url])
        yield started
    finally:
        for _, process, _ in started:
            stop_server(process)


def markdown(tab: StreamlitTab) -> list[str]:
    return [e.markdown.body for e in tab._elements() if e.WhichOneof("type") == "markdown"]


def on_step(tab: StreamlitTab, text: str) -> bool:
    return any(text in alert for alert in tab.alerts("info"))


async def lecturer_on(url: str, page: str, query: str = "") -> StreamlitTab:
    tab = StreamlitTab(url)
    await tab.open(page, query)
    result = await tab.set_value("class_key_input", KEY)
    assert not result.failed, result
    return tab


async def scenario(replicas: list) -> dict[str, float]:
    (port_a, _, _), (port_b, process_b, redis_url) = replicas
    url_a, url_b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    projector = await lecturer_on(url_a, "class")
    await projector.set_value("class_public_url", "https://annviz.example.org")
    await projector.click("class_start")
    link = next(body for body in markdown(projector) if "join=" in body)
    code = link.split("join=")[1][:8]
    assert KEY not in link
    await projector.close()

    projector = await lecturer_on(url_a, "neuron", "lecture=1&step=1")
    students = [StreamlitTab(url_b) for _ in range(FOLLOWERS)]
    for student in students:
        await student.open("class", f"join={code}")
    assert all(await asyncio.gather(*(s.wait_until(lambda s: on_step(s, "Step 1 of 3"), 30) for s in students)))

    clicked = time.perf_counter()
    await projector.click("lecture_next")
    arrived = await asyncio.gather(*(s.wait_until(lambda s: on_step(s, "Step 2 of 3"), FOLLOW_WITHIN_S + 3) for s in students))
    follow_s = time.perf_counter() - clicked
    assert all(arrived) and follow_s <= FOLLOW_WITHIN_S + 1.0, f"followers took {follow_s:.2f} s"

    await projector.click("lecture_previous")
    await projector.click("class_open_neuron-bias")

    def has_choice(tab: StreamlitTab) -> bool:
        return any(w.id.split("-")[-1].startswith("class_choice_") for w in tab.widgets())

    assert all(await asyncio.gather(*(s.wait_until(has_choice, 10) for s in students)))
    for student in students:
        key = next(w.id.split("-", 1)[1].rsplit("-", 1)[-1] for w in student.widgets() if "class_choice_" in w.id)
        await student.set_value(key, "D · 0")
        await student.click(key.replace("choice", "vote"))
    counted = await projector.wait_until(lambda t: any(f"{FOLLOWERS} answered" in b for b in markdown(t)), 10)
    assert counted, markdown(projector)

    # A replica's restart: the class, its step and its votes are in Redis, not in the replica.
    for student in students:
        await student.close()
    stop_server(process_b)
    replicas[1][1] = start_replica(port_b, redis_url)
    late = StreamlitTab(url_b)
    await late.open("class", f"join={code}")
    assert await late.wait_until(lambda s: on_step(s, "Step 1 of 3"), 30), (late.alerts("info"), late.alerts("error"))
    await projector.click("class_close")
    await late.close()
    await projector.close()
    return {"follow_s": follow_s}


def test_two_replicas_share_one_class_through_redis(replicas: list) -> None:
    try:
        figures = asyncio.run(scenario(replicas))
    except AssertionError:
        print(server_log(replicas[0][1])[-3000:], server_log(replicas[1][1])[-3000:])
        raise
    print(f"followers on the other replica reached the step {figures['follow_s']:.2f} s after the click")
