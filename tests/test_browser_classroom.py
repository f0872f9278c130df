"""The class in Chromium: the projector (1280×720, lecture mode) and a student's phone (390×844)
through a whole question, with a dozen browserless classmates voting beside them; screenshots of
each stage go to the test output (``docs/screenshots/classroom/`` holds the ones looked at)."""

from __future__ import annotations

import asyncio
import sys
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest

from conftest import SCREENSHOT_DIR, free_port, server_log, start_streamlit, stop_server, wait_healthy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.st_client import StreamlitTab  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.server]

KEY = "browser test lecturer key"
CLASSMATES = 12
SHOTS = SCREENSHOT_DIR / "classroom"


@pytest.fixture
def class_server() -> Iterator[str]:
    port = free_port()
    process = start_streamlit(port, script="bench/class_app.py", env={"ANNVIZ_LECTURER_KEY": KEY})
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, timeout=120)
        yield url
    except Exception:
        print(server_log(process)[-3000:])
        raise
    finally:
        stop_server(process)


class Classmates:
    """Browserless students on their own event loop (Playwright's sync API owns this thread)."""

    def __init__(self, url: str, n: int) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.tabs = [StreamlitTab(url) for _ in range(n)]

    def run(self, coroutine: Any, timeout: float = 300) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def join(self, code: str) -> None:
        async def go() -> None:
            for tab in self.tabs:
                await tab.open("class", f"join={code}")
        self.run(go())

    def vote(self, labels: list[str]) -> None:
        async def one(tab: StreamlitTab, label: str) -> None:
            seen = await tab.wait_until(lambda t: any("-class_choice_" in w.id for w in t.widgets()), 90)
            assert seen, (tab.query_string, tab.alerts("info"), tab.alerts("error"))
            key = next(w.id.rsplit("-", 1)[-1] for w in tab.widgets() if "-class_choice_" in w.id)
            await tab.set_value(key, label)
            await tab.click(key.replace("choice", "vote"))

        async def go() -> None:
            await asyncio.gather(*(one(tab, label) for tab, label in zip(self.tabs, labels)))
        self.run(go())

    def close(self) -> None:
        async def go() -> None:
            await asyncio.gather(*(tab.close() for tab in self.tabs))
        self.run(go())
        self.loop.call_soon_threadsafe(self.loop.stop)


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(1200)  # let the plotly figures draw
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def test_a_question_on_the_projector_and_on_a_phone(class_server: str, browser: Any) -> None:
    url = class_server
    projector_context = browser.new_context(viewport={"width": 1280, "height": 720})
    phone_context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    projector, phone = projector_context.new_page(), phone_context.new_page()
    classmates = Classmates(url, CLASSMATES)
    try:
        projector.goto(f"{url}/class")
        projector.locator(".st-key-class_key_input input").fill(KEY)
        projector.locator(".st-key-class_key_input input").press("Enter")
        projector.locator(".st-key-class_public_url input").fill("http://192.168.1.20:8501")
        projector.locator(".st-key-class_public_url input").press("Enter")
        projector.locator(".st-key-class_start button").click()
        projector.get_by_text("class?join=").wait_for()
        link = projector.get_by_text("class?join=").inner_text()
        code = link.split("join=")[1][:8]
        assert KEY not in projector.locator("body").inner_text() and KEY not in projector.url  # masked field only
        phone.goto(f"{url}/class?join={code}")
        phone.get_by_text("You are in class").wait_for(timeout=60_000)
        projector.locator(".st-key-class_start").wait_for(state="detached")
        projector.reload()  # the lecturer's key stays behind in the old session: type it again
        projector.locator(".st-key-class_key_input input").fill(KEY)
        projector.locator(".st-key-class_key_input input").press("Enter")
        projector.get_by_text("1 joined").wait_for()
        projector.locator("[data-testid='stImage'] img").first.wait_for()
        shot(projector, "1_projector_join_qr")

        projector.goto(f"{url}/optimizers?step=1")
        projector.locator(".st-key-class_key_input input").fill(KEY)
        projector.locator(".st-key-class_key_input input").press("Enter")
        projector.locator(".st-key-lecture_switch label").click()
        projector.get_by_text("Step 1 of 4").wait_for()
        projector.locator(".st-key-class_open_optimizers-sgd-x10 button").click()
        projector.get_by_text("0 answered").wait_for()
        classmates.join(code)

        # The phone waited on the Class page: its one-second check brought it to the lecturer's step.
        phone.get_by_text("Step 1 of 4").wait_for(timeout=30_000)
        phone.get_by_text("never: it diverges").wait_for()
        shot(phone, "2_phone_vote")
        classmates.vote(["A · faster"] * 5 + ["B · slower"] * 3 + ["C · never: it diverges"] * 3)
        projector.get_by_text(f"{CLASSMATES - 1} answered").wait_for(timeout=20_000)
        shot(projector, "3_projector_live_count")

        phone.get_by_text("C · never: it diverges").click()
        phone.locator("[class*='st-key-class_vote_'] button").click()
        phone.get_by_text("Your vote is counted").wait_for()
        shot(phone, "4_phone_voted")
        projector.get_by_text(f"{CLASSMATES} answered").wait_for(timeout=20_000)
        projector.locator(".st-key-class_close button").click()
        projector.locator(".st-key-class_histogram").wait_for()
        shot(projector, "5_projector_histogram")

        projector.locator(".st-key-class_again button").click()
        classmates.vote(["A · faster"] * 2 + ["C · never: it diverges"] * 9)
        try:
            projector.get_by_text(f"{CLASSMATES - 1} answered").wait_for(timeout=60_000)
        except Exception:
            projector.screenshot(path=str(SHOTS / "failed_second_vote.png"), full_page=True)
            raise
        projector.locator(".st-key-class_close button").click()
        projector.locator(".st-key-class_demo button").click()
        projector.get_by_text("The demo ran: never: it diverges").wait_for()
        shot(projector, "6_projector_demo_and_answer")
        projector.locator(".st-key-opt_race_chart").scroll_into_view_if_needed()  # the race the demo ran
        shot(projector, "6b_projector_demo_race")
        phone.get_by_text("The demo ran").wait_for(timeout=20_000)
        shot(phone, "7_phone_after_demo")
    finally:
        classmates.close()
        projector_context.close()
        phone_context.close()
