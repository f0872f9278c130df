"""The overview page links every page of the navigation table, in the lecture's order."""

from __future__ import annotations

from pathlib import Path

from pages._navigation import listed_pages

ROOT = Path(__file__).resolve().parent.parent


def test_every_page_but_the_overview_has_a_sentence_for_it() -> None:
    pages = listed_pages()
    assert sum(page.default for page in pages) == 1 and pages[0].default
    assert all(page.what.strip() for page in pages if not page.default)
    assert len({page.url_path for page in pages}) == len(pages)
    assert all((ROOT / page.script).is_file() for page in pages)


def test_the_overview_renders_inside_the_apps_navigation_with_one_link_per_page_in_order() -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]
    others = [page for page in listed_pages() if not page.default]
    captions = [caption.value for caption in at.caption]
    assert [caption for caption in captions if caption in {page.what for page in others}] == [page.what for page in others]
    assert [subheader.value for subheader in at.subheader][: len({p.section for p in others})] == list(
        dict.fromkeys(page.section for page in others)
    )
