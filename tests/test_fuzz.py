"""Bad input everywhere (AppTest): every input widget and bound URL key of every listed page gets
the harness's hostile values (``tests/fuzz.py``); none may break the page.

The per-page table of outcomes goes to ``docs/fuzz_report.md`` at the end of the run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import fuzz
from app_pages import ROOT, listed_pages

PAGES = listed_pages()
REPORT_FILE = ROOT / "docs" / "fuzz_report.md"
_REPORTS: dict[str, fuzz.Report] = {}


@pytest.fixture(scope="module", autouse=True)
def write_the_table():
    yield
    if _REPORTS:
        rows = [_REPORTS[p.name] for p in PAGES if p.name in _REPORTS]
        REPORT_FILE.write_text(
            "# Fuzz report (`pytest tests/test_fuzz.py`)\n\nEvery input widget and URL-bound key of every page, "
            "hostile values from `tests/fuzz.py`.\n\n" + fuzz.table(rows) + "\n"
        )


@pytest.mark.parametrize("listed", PAGES, ids=[p.name for p in PAGES])
def test_no_hostile_input_breaks_the_page(listed) -> None:
    report = fuzz.fuzz_page(str(ROOT / listed.runnable_script), listed.name)
    _REPORTS[listed.name] = report
    assert not report.bad, "\n".join(f"{case.describe()}: {why}" for case, why in report.bad[:20])


def test_the_harness_catches_an_exception_a_non_finite_chart_and_a_logged_traceback() -> None:
    report = fuzz.fuzz_page(str(Path(__file__).parent / "fuzz_fixtures" / "broken_page.py"), "broken")
    reasons = [why for _, why in report.bad]
    assert any("exception" in why and "could not convert" in why for why in reasons), reasons
    assert any("NaN or inf on a chart" in why for why in reasons), reasons
    assert any("traceback in the log" in why for why in reasons), reasons
