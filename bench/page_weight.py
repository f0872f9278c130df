"""What a student's device downloads per page: the bytes of a first visit, and of a tour of all pages.

    python -m bench.page_weight            # start a server, print one row per page

A first visit is a fresh tab opening the page (its websocket messages plus the images it fetches
over HTTP); a tour is one tab opening the first page and clicking through the others in the
sidebar's order, as a student following the lecture does (Streamlit's message cache then spares
it what it already holds). The static frontend (Streamlit's JavaScript, the same for every app,
cached by the browser after the first page) is not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import urllib.request
from dataclasses import dataclass

from bench.st_client import StreamlitTab

#: The limits issue 29 sets: a lecture hall's Wi-Fi shared by a class.
FIRST_VISIT_LIMIT_BYTES = 250_000
TOUR_LIMIT_BYTES = 1_500_000


@dataclass
class PageWeight:
    """One page's first visit: bytes over the websocket, bytes of its images, and the biggest element types."""

    page: str
    websocket_bytes: int
    media_bytes: int
    elements: dict[str, int]
    exceptions: list[str]

    @property
    def total(self) -> int:
        return self.websocket_bytes + self.media_bytes


def _media_bytes(base_url: str, urls: list[str], seen: set[str]) -> int:
    total = 0
    for url in urls:
        if url in seen:
            continue  # the browser's cache holds it already
        seen.add(url)
        with urllib.request.urlopen(base_url + url if url.startswith("/") else url, timeout=30) as response:
            total += len(response.read())
    return total


async def first_visit(base_url: str, page: str) -> PageWeight:
    """Open ``page`` in a fresh tab and count what it receives until its first run has finished."""
    tab = StreamlitTab(base_url)
    try:
        result = await tab.open(page)
        if result.error:
            raise RuntimeError(f"/{page}: {result.error}")
        media = _media_bytes(base_url, tab.media_urls(), set())
        return PageWeight(page, tab.bytes_received, media, tab.element_bytes(), tab.exceptions())
    finally:
        await tab.close()


async def tour(base_url: str, pages: list[str]) -> int:
    """Bytes one tab receives opening ``pages[0]`` and clicking through the rest in order."""
    tab = StreamlitTab(base_url)
    seen: set[str] = set()
    media = 0
    try:
        result = await tab.open(pages[0])
        if result.error:
            raise RuntimeError(f"/{pages[0]}: {result.error}")
        media += _media_bytes(base_url, tab.media_urls(), seen)
        for page in pages[1:]:
            result = await tab.go_to(page)
            if result.error:
                raise RuntimeError(f"/{page}: {result.error}")
            media += _media_bytes(base_url, tab.media_urls(), seen)
        return tab.bytes_received + media
    finally:
        await tab.close()


def measure(base_url: str, pages: list[str]) -> tuple[list[PageWeight], int]:
    """Every page's first visit, then one tour of all of them."""

    async def run() -> tuple[list[PageWeight], int]:
        visits = [await first_visit(base_url, page) for page in pages]
        return visits, await tour(base_url, pages)

    return asyncio.run(run())


def main() -> None:
    from bench.app_server import running_server
    from pages._navigation import listed_pages

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="measure a running server instead of starting one")
    args = parser.parse_args()
    pages = [page.url_path for page in listed_pages()]

    def report(base_url: str) -> None:
        visits, toured = measure(base_url, pages)
        print("| page | first visit | websocket | images | biggest parts |")
        print("| --- | ---: | ---: | ---: | --- |")
        for visit in visits:
            parts = ", ".join(f"{kind} {size / 1000:.0f} kB" for kind, size in sorted(visit.elements.items(), key=lambda kv: -kv[1])[:3])
            print(f"| /{visit.page} | {visit.total / 1000:.0f} kB | {visit.websocket_bytes / 1000:.0f} kB | {visit.media_bytes / 1000:.0f} kB | {parts} |")
        print(f"\ntour of {len(pages)} pages: {toured / 1000:.0f} kB; all first visits: {sum(v.total for v in visits) / 1000:.0f} kB")

    if args.url:
        report(args.url.rstrip("/"))
    else:
        with running_server() as (base_url, _):
            report(base_url)


if __name__ == "__main__":
    main()
