"""The metrics page's Check yourself block in Chromium: a wrong first answer, then a right second one, typeset and screenshotted."""

from __future__ import annotations

import pytest
from browser_checks import exception_texts, wait_until_idle
from conftest import SCREENSHOT_DIR
from test_browser_metrics import dismiss_page_not_found

from annviz.exercises import exercise_sheet_html, questions_for
from exercise_helpers import wrong_answer

pytestmark = pytest.mark.browser
SEED = 7


def block_screenshot(page, name: str) -> None:
    """The block from its heading to the sheets' buttons (Streamlit scrolls inside its own container)."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 1900})
    page.get_by_role("heading", name="Check yourself").scroll_into_view_if_needed()
    page.wait_for_timeout(600)
    page.screenshot(path=str(SCREENSHOT_DIR / name))


def type_answer(page, text: str) -> None:
    field = page.get_by_label("Your answer (press Enter)").first
    field.fill(text)
    field.press("Enter")
    wait_until_idle(page, timeout_s=30)


def test_a_wrong_then_a_right_answer_on_the_metrics_page(app_url, page):
    question = questions_for(8, SEED)[0]
    page.goto(f"{app_url}/metrics?quiz_seed={SEED}")
    wait_until_idle(page, timeout_s=60)
    dismiss_page_not_found(page)
    assert exception_texts(page) == []
    block = page.get_by_role("heading", name="Check yourself")
    assert block.count() == 1

    type_answer(page, wrong_answer(question))
    # A first miss says which way, not the answer; the solution waits for a second try or a request.
    page.get_by_text("Try again, or show the solution.").wait_for(timeout=10_000)
    assert page.get_by_text(f"the answer is {question.answer_text}").count() == 0
    assert page.get_by_test_id("stExpander").filter(has_text="Worked solution").count() == 0
    assert page.get_by_role("button", name="Show the solution").count() == 1
    block_screenshot(page, "p8_check_yourself_wrong.png")

    type_answer(page, question.answer_text)
    page.get_by_text(f"Right on the second try: {question.answer_text}.").wait_for(timeout=10_000)
    solution = page.get_by_test_id("stExpander").filter(has_text="Worked solution").first
    solution.click()
    assert solution.locator(".katex").count() >= 1  # the page's own formula, typeset offline
    assert page.get_by_text("counts your first try").count() == 1
    assert exception_texts(page) == []
    block_screenshot(page, "p8_check_yourself_right.png")

    with page.expect_download() as download:
        page.get_by_role("button", name=f"Printable sheet: §8, set {SEED}").click()
    path = download.value.path()
    assert download.value.suggested_filename == f"annviz-check-yourself-s8-set{SEED}.html"
    assert open(path, encoding="utf-8").read() == exercise_sheet_html((8,), SEED)  # the same seed, the same sheet
