"""Two replicas behind HAProxy on this machine, with deploy/haproxy.cfg exactly as compose runs it.

Each replica is ``streamlit run app.py`` as README's "Hosting for a large class" says
(``ANNVIZ_REPLICAS=2``); HAProxy is Debian's, started with the same config file compose.yaml
mounts (``bench/replica_set.py``). Through the proxy, in Chromium: every page renders, a photo
uploaded on the draw page is answered, the metrics page's images (``/media/...``) load, a
training runs and stops, and every one of those requests went to the replica that holds the
session (HAProxy's SERVERID cookie); a second browser lands on the other replica. Then a
replica is killed under an open page: HAProxy's health check marks it DOWN, the page
reconnects to the other replica with a fresh session and no error, and the killed replica is
back in rotation once restarted. Speed is ``bench/replicas.py``'s business.
"""

from __future__ import annotations

import io
import re
import sys
import time
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest
from pages._navigation import listed_pages
from browser_checks import (
    close_dialogs,
    dialog_texts,
    draws_what_it_should,
    expected_of,
    error_texts,
    exception_texts,
    main_text,
    navigate_by_sidebar,
    wait_for_chart,
    wait_until_idle,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.replica_set import HAPROXY, SERVER_NAMES, ReplicaSet, running_replicas  # noqa: E402

pytestmark = pytest.mark.browser

PAGES = listed_pages()
#: HAProxy's request log line (option httplog): the backend/server that answered and the request.
REQUEST_LINE = re.compile(r' students annviz/(\w+) .* "(\w+) (\S+) HTTP/')
#: JS: the page's images served from Streamlit's media endpoint, and how many of them the browser decoded.
MEDIA_IMAGES_JS = """
() => {
  const images = [...document.querySelectorAll('img')].filter(img => img.src.includes('/media/'));
  return {count: images.length, decoded: images.filter(img => img.complete && img.naturalWidth > 0).length};
}
"""
ANSWER = re.compile(r"Answer: (\d), with probability")


@pytest.fixture(scope="module")
def replicas() -> Iterator[ReplicaSet]:
    if not Path(HAPROXY).exists():
        pytest.fail("haproxy is missing: apt-get install -y haproxy (.ci/run does this)")
    with running_replicas(2) as replica_set:
        yield replica_set


def replica_of(context: object) -> str:
    """The replica HAProxy pinned this browser context to (its SERVERID cookie)."""
    values = [c["value"] for c in context.cookies() if c["name"] == "SERVERID"]  # type: ignore[attr-defined]
    assert len(values) == 1, f"no SERVERID cookie from the proxy: {context.cookies()}"  # type: ignore[attr-defined]
    return values[0]


def served(replica_set: ReplicaSet, since: float, until: float = float("inf")) -> list[tuple[str, str, str]]:
    """(server, method, path) of every request HAProxy logged between ``since`` and ``until``."""
    lines = replica_set.log.since(since, until)
    return [match.groups() for line in lines if (match := REQUEST_LINE.search(line))]  # type: ignore[misc]


def assert_clean(page: object, where: str) -> None:
    assert exception_texts(page) == [], where
    assert error_texts(page) == [], where
    assert dialog_texts(page) == [], where


def photo_of_a_two() -> bytes:
    """MNIST test image 1 (a 2) as a photo shows it: dark ink on white paper, enlarged 8×, as PNG."""
    from PIL import Image

    from annviz.mnist import load_mnist

    _, (x_test, y_test) = load_mnist()
    assert y_test[1] == 2
    png = io.BytesIO()
    Image.fromarray(255 - np.kron(x_test[1], np.ones((8, 8), dtype=np.uint8))).save(png, format="PNG")
    return png.getvalue()


def test_through_the_proxy_pages_upload_media_and_training_all_reach_the_sessions_replica(replicas, browser, tmp_path):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    started = time.monotonic()
    try:
        page.goto(replicas.proxy_url)
        wait_until_idle(page, timeout_s=120)
        close_dialogs(page)
        home = replica_of(context)
        assert home in SERVER_NAMES
        assert_clean(page, "/")

        # Every page, as a student moves through the sidebar (one session, one websocket).
        for listed in PAGES[1:]:
            navigate_by_sidebar(page, listed.title, re.compile(rf"/{re.escape(listed.url_path)}(\?|$)"), timeout_s=120)
            if expected_of(listed.url_path).draws_a_chart:
                assert draws_what_it_should(wait_for_chart(page), listed.url_path) == ""
            else:
                assert len(main_text(page).split()) >= 20, f"/{listed.url_path} shows almost nothing"
            assert_clean(page, f"/{listed.url_path}")

            if listed.url_path == "metrics":  # the misclassified images are st.image: /media/ URLs
                page.get_by_role("tab", name="Ten classes").click()
                wait_until_idle(page, timeout_s=120)
                page.wait_for_function(f"() => ({MEDIA_IMAGES_JS})().count > 0", timeout=60_000)
                page.wait_for_function(f"() => {{ const m = ({MEDIA_IMAGES_JS})(); return m.decoded === m.count; }}", timeout=30_000)
                assert_clean(page, "/metrics Ten classes")

            if listed.url_path == "draw":  # a photo upload: PUT /_stcore/upload_file/<session>/<file>
                page.get_by_role("tab", name="Upload a photo").click()
                wait_until_idle(page)
                photo = tmp_path / "two.png"
                photo.write_bytes(photo_of_a_two())
                page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(photo))
                page.wait_for_function("() => document.body.innerText.includes('Answer:')", timeout=120_000)
                wait_until_idle(page, timeout_s=60)
                answer = ANSWER.search(main_text(page))
                assert answer is not None and answer.group(1) == "2", main_text(page)[:500]
                assert_clean(page, "/draw upload")

        # A training runs and stops (its process belongs to the session's replica).
        page.goto(f"{replicas.proxy_url}/mnist?mnist_tab=Train+and+test&mnist_subset_size=2000&mnist_epochs=50")
        wait_until_idle(page, timeout_s=60)
        page.get_by_role("button", name=re.compile("Start training")).click()
        stop = page.get_by_role("button", name=re.compile("^Stop"))
        stop.wait_for(timeout=60_000)
        page.get_by_text(re.compile(r"Epoch \d+/50")).first.wait_for(timeout=60_000)
        stop.click()
        page.get_by_text("Training was stopped").wait_for(timeout=30_000)
        wait_until_idle(page, timeout_s=60)
        assert "Test accuracy" in main_text(page)
        assert_clean(page, "/mnist after Stop")
        assert replica_of(context) == home

        # A second browser (its own cookies) lands on the other replica: leastconn counts open websockets.
        alone_until = time.monotonic()
        other_context = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            other = other_context.new_page()
            other.goto(replicas.proxy_url)
            wait_until_idle(other, timeout_s=120)
            assert_clean(other, "/ (second browser)")
            assert {home, replica_of(other_context)} == set(SERVER_NAMES)
        finally:
            other_context.close()
    finally:
        context.close()

    mine = served(replicas, started, alone_until)  # the first browser was alone on the proxy then
    uploads = [r for r in mine if r[1] == "PUT" and r[2].startswith("/_stcore/upload_file/")]
    media = [r for r in mine if r[2].startswith("/media/")]
    streams = [r for r in mine if r[2].startswith("/_stcore/stream")]
    assert uploads and media and streams, "the log shows no upload, media or websocket request"
    assert {server for server, _, _ in mine} == {home}, "a request of the first browser reached the other replica"


def test_a_killed_replica_is_taken_out_and_its_students_reconnect_to_the_other_with_a_fresh_session(replicas, browser):
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in SERVER_NAMES]
    try:
        pages = []
        for context in contexts:  # one tab on each replica (leastconn: the second goes to the other)
            page = context.new_page()
            page.goto(f"{replicas.proxy_url}/neuron")
            wait_until_idle(page, timeout_s=120)
            close_dialogs(page)
            pages.append(page)
        on = [replica_of(context) for context in contexts]
        assert set(on) == set(SERVER_NAMES), on
        victim, survivor = on
        page = pages[0]
        page.get_by_text("z = w").first.wait_for(timeout=10_000)  # the neuron page is on screen

        killed = replicas.kill_replica(victim)
        down_at = replicas.log.wait_for_state(victim, "DOWN", killed, timeout_s=15)
        assert down_at is not None, replicas.logs()
        print(f"\nhealth check took the killed replica out after {down_at - killed:.1f} s")

        # Streamlit's frontend reconnects by itself; HAProxy redispatches it to the survivor and
        # sets a new cookie; the survivor knows nothing of the old session and starts a fresh one.
        deadline = time.monotonic() + 30
        while replica_of(contexts[0]) != survivor and time.monotonic() < deadline:
            page.wait_for_timeout(250)
        assert replica_of(contexts[0]) == survivor
        wait_until_idle(page, timeout_s=60)
        page.get_by_text("z = w").first.wait_for(timeout=30_000)
        assert_clean(page, "/neuron after the failover")
        assert "/neuron" in page.url
        reconnected = [s for s, m, p in served(replicas, killed) if p.startswith("/_stcore/health")]
        assert reconnected and set(reconnected) == {survivor}, reconnected
        # The survivor's tab never noticed.
        assert replica_of(contexts[1]) == survivor
        assert_clean(pages[1], "/neuron on the survivor")

        # Restarted, the replica passes two checks and is back: the next new browser lands on it.
        restarted = time.monotonic()
        replicas.start_replica(victim)
        assert replicas.log.wait_for_state(victim, "UP", restarted, timeout_s=30) is not None, replicas.logs()
        newcomer = browser.new_context(viewport={"width": 1400, "height": 1000})
        contexts.append(newcomer)
        late = newcomer.new_page()
        late.goto(replicas.proxy_url)
        wait_until_idle(late, timeout_s=120)
        assert_clean(late, "/ on the restarted replica")
        assert replica_of(newcomer) == victim
    finally:
        for context in contexts:
            context.close()
