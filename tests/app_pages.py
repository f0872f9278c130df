"""The pages ``app.py`` lists, read from its ``SECTIONS`` literal without running Streamlit.

The browser tests and the benchmarks are generic over this list, so a page added to
``app.py`` is visited, timed and screenshotted without touching them.

>>> pages = listed_pages()
>>> pages[0].default, pages[0].url_path
(True, '')
>>> all(page.script.startswith("pages/") for page in pages)
True
>>> pages[0].runnable_script, pages[1].runnable_script == pages[1].script
('app.py', True)
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_FILE = ROOT / "app.py"

_SECTION_NUMBER = re.compile(r"^p(\d+)")


@dataclass(frozen=True)
class ListedPage:
    """One ``st.Page`` entry of ``app.py``'s ``SECTIONS``."""

    section: str
    script: str
    title: str
    url_path: str
    default: bool

    @property
    def name(self) -> str:
        """The page file's stem (``p2_neuron``), used for screenshot and report names."""
        return Path(self.script).stem

    @property
    def lecture_section(self) -> int | None:
        """The lecture section number in the file name (``p7_mnist.py`` → 7), if any."""
        match = _SECTION_NUMBER.match(self.name)
        return int(match.group(1)) if match else None

    @property
    def runnable_script(self) -> str:
        """The script ``AppTest.from_file`` can run for this page: the default page links to the
        others (``st.page_link``), which resolves only inside app.py's navigation, so it runs
        through ``app.py``; every other page runs alone."""
        return "app.py" if self.default else self.script

    @property
    def source(self) -> str:
        return (ROOT / self.script).read_text()

    def url(self, base_url: str) -> str:
        """The page's address on a running server (the default page lives at the root)."""
        return f"{base_url}/{self.url_path}"


def _literal_keywords(call: ast.Call) -> dict[str, object]:
    return {
        keyword.arg: ast.literal_eval(keyword.value)
        for keyword in call.keywords
        if keyword.arg is not None and isinstance(keyword.value, ast.Constant)
    }


def _inferred_name(script: str) -> str:
    # Streamlit infers title and url_path from the file name when they are not given.
    from streamlit.source_util import page_icon_and_name

    return page_icon_and_name(Path(script))[1]


def listed_pages(app_file: Path = APP_FILE) -> list[ListedPage]:
    """Every ``st.Page("pages/...")`` of the ``SECTIONS`` dict in ``app_file``, in navigation order.

    Raises ``ValueError`` when ``SECTIONS`` is not a literal dict of lists of ``st.Page`` calls,
    since the harness could then no longer see which pages the app shows.
    """
    tree = ast.parse(app_file.read_text(), filename=str(app_file))
    sections = next(
        (
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign)
            and any(isinstance(target, ast.Name) and target.id == "SECTIONS" for target in node.targets)
        ),
        None,
    )
    if not isinstance(sections, ast.Dict):
        raise ValueError(f"{app_file.name} has no literal SECTIONS = {{...}} dict the harness can read.")
    pages: list[ListedPage] = []
    for key, value in zip(sections.keys, sections.values):
        if not (isinstance(key, ast.Constant) and isinstance(value, ast.List)):
            raise ValueError(f"{app_file.name}: every SECTIONS entry must be 'section name': [st.Page(...), ...].")
        for call in value.elts:
            if not (isinstance(call, ast.Call) and call.args and isinstance(call.args[0], ast.Constant)):
                raise ValueError(f"{app_file.name}: section {key.value!r} holds something other than st.Page('pages/...').")
            script = str(call.args[0].value)
            options = _literal_keywords(call)
            inferred = _inferred_name(script)
            pages.append(
                ListedPage(
                    section=str(key.value),
                    script=script,
                    title=str(options.get("title") or inferred.replace("_", " ")),
                    url_path=str(options.get("url_path", inferred)).strip("/"),
                    default=bool(options.get("default", False)),
                )
            )
    if pages and not any(page.default for page in pages):
        # Streamlit makes the first page the default when none says so.
        pages[0] = ListedPage(**{**pages[0].__dict__, "default": True})
    return [
        ListedPage(**{**page.__dict__, "url_path": ""}) if page.default else page
        for page in pages
    ]
