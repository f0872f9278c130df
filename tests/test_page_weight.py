"""What a student's device downloads: every page's first visit ≤ 250 kB, a tour of all pages < 1.5 MB.

A class of 100 shares one lecture-hall Wi-Fi. Measured with the browserless client
(``bench.page_weight``): the websocket messages of a fresh tab's first run plus the images it
fetches, and one tab clicking through every page in the sidebar's order.
"""

from __future__ import annotations

import asyncio

import pytest

from bench.page_weight import FIRST_VISIT_LIMIT_BYTES, TOUR_LIMIT_BYTES, first_visit, tour
from pages._navigation import listed_pages

PAGES = [page.url_path for page in listed_pages()]


@pytest.mark.parametrize("page", PAGES)
def test_a_first_visit_sends_at_most_250_kB(app_url: str, page: str) -> None:
    visit = asyncio.run(first_visit(app_url, page))
    assert visit.exceptions == []
    # The page arrived: its heading, and more than the bare frame (the Class page without a
    # lecturer key is only its heading and one notice, about 3 kB).
    assert visit.elements.get("heading", 0) > 0 and visit.websocket_bytes > 2_500
    biggest = sorted(visit.elements.items(), key=lambda kv: -kv[1])[:3]
    assert visit.total <= FIRST_VISIT_LIMIT_BYTES, f"/{page}: {visit.total:,} bytes; biggest element types {biggest}"


def test_a_tour_of_every_page_sends_less_than_1_5_MB(app_url: str) -> None:
    toured = asyncio.run(tour(app_url, PAGES))
    assert 100_000 < toured < TOUR_LIMIT_BYTES, f"{toured:,} bytes"
