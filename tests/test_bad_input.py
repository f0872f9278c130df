"""Bad input, round 2 (issue 28): what a student typed or a link carried is shown as text, cut
short; every value a widget allows gives the page; a list longer than its field is said to be.

The payloads and the check of what a sentence renders to are the fuzz's (``tests/fuzz.py``), so
the sweep here and the fuzz over every page look for the same thing.
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from annviz import limitations as lim

ROOT = Path(__file__).resolve().parents[1]
LIMITATIONS = str(ROOT / "pages" / "p9_limitations.py")


def _calculator(**sizes: int) -> AppTest:
    at = AppTest.from_file(LIMITATIONS, default_timeout=120)
    at.query_params["lim_tab"] = "Parameter explosion"
    at.run()
    for name, value in sizes.items():
        at.number_input(key=f"lim_{name}").set_value(value)
    return at.run() if sizes else at


def _bounds() -> dict[str, tuple[int, int]]:
    """Each calculator widget's bounds, as the page draws them."""
    at = _calculator()
    return {field.name: (int(at.number_input(key=f"lim_{field.name}").min),
                         int(at.number_input(key=f"lim_{field.name}").max)) for field in lim.CALCULATOR_FIELDS}


def test_every_widget_of_the_parameter_calculator_at_its_bounds_gives_the_page() -> None:
    bounds = _bounds()
    assert set(bounds) == {field.name for field in lim.CALCULATOR_FIELDS}
    cases = [{name: bound[end]} for name, bound in bounds.items() for end in (0, 1)]
    cases += [{name: bound[end] for name, bound in bounds.items()} for end in (0, 1)]  # all at min, all at max
    cases += [{"height": bounds["height"][1], "width": bounds["width"][1]}]  # the case
    for sizes in cases:
        at = _calculator(**sizes)
        assert not at.exception, (sizes, at.exception)
        assert [c for c in at.get("plotly_chart") if c.proto.id and "lim_params" in c.proto.id], sizes
        # The only sentence a valid value may bring is about the student's own combination: a
        # kernel larger than the image (the page's arithmetic is never the student's fault).
        assert all("kernel does not fit" in e.value for e in at.error), (sizes, [e.value for e in at.error])
        assert len(at.metric) == 4, sizes
