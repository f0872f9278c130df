"""The overview page links every page app.py lists, in the lecture's order."""

from __future__ import annotations

import ast
from pathlib import Path

from app_pages import listed_pages

ROOT = Path(__file__).resolve().parent.parent
HOME = ROOT / "pages" / "home.py"


def home_demos() -> dict[str, list[tuple[str, str]]]:
    """``DEMOS`` of pages/home.py, read without running Streamlit."""
    tree = ast.parse(HOME.read_text())
    node = next(
        n for n in tree.body
        if isinstance(n, (ast.Assign, ast.AnnAssign))
        and any(getattr(t, "id", None) == "DEMOS" for t in (n.targets if isinstance(n, ast.Assign) else [n.target]))
    )
    return ast.literal_eval(node.value)


def test_the_overview_links_every_other_page_in_navigation_order_and_sections() -> None:
    others = [page for page in listed_pages() if not page.default]
    demos = home_demos()
    assert [script for demos_ in demos.values() for script, _ in demos_] == [page.script for page in others]
    assert {section: [s for s, _ in d] for section, d in demos.items()} == {
        section: [page.script for page in others if page.section == section]
        for section in dict.fromkeys(page.section for page in others)
    }
    assert all(what.strip() for demos_ in demos.values() for _, what in demos_)


def test_the_overview_renders_inside_the_apps_navigation_with_one_link_per_page() -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]
    captions = [caption.value for caption in at.caption]
    for demos_ in home_demos().values():
        for _, what in demos_:
            assert what in captions
