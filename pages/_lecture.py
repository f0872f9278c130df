"""Lecture mode on every page (the tables are ``annviz.lecture_steps``, the links ``annviz.lecture_links``): ``?lecture=1``, the prepared steps (``&step=k``) and ``?hide=`` for any control.

Lecture mode (the sidebar's switch, or ``?lecture=1`` in a link) draws every figure in the
projector style (``annviz.figure_style``, through :func:`on_screen`), sets the page's text larger,
and hides the expanders and each page's secondary controls (``annviz.lecture_steps.SECONDARY``),
so the demo and its key controls fit a 1280×720 projector. A page with prepared steps shows the
current step's sentence with previous/next buttons; each step is a link. ``?hide=a,b`` hides the
controls with those keys, in lecture mode or not (their values stay, and so does the URL's).

Hiding is CSS on Streamlit's ``st-key-<key>`` class: a hidden widget still runs and keeps its
value, so a prepared link can fix a setting without showing it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from annviz.lecture_links import hidden_keys, is_on, parse_step, step_link

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from annviz.lecture_steps import LectureStep

LECTURE_PARAM, STEP_PARAM, HIDE_PARAM = "lecture", "step", "hide"
#: The step last applied on each page, so a rerun does not undo the student's or lecturer's changes.
_APPLIED_KEY = "lecture_applied_steps"

#: Larger text, less padding, no expanders: the demo fills the screen (the "Check yourself" block
#: leaves itself out in lecture mode, ``pages/_exercises.py``).
_LECTURE_CSS = """
.block-container { padding-top: 3rem !important; padding-bottom: 1rem !important; }
header[data-testid="stHeader"] { height: 2.6rem !important; background: transparent !important; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.15rem; }
[data-testid="stWidgetLabel"] p { font-size: 1.05rem; }
[data-testid="stExpander"] { display: none !important; }
h1 { font-size: 1.6rem !important; padding: 0 0 0.2rem 0 !important; }
h2, h3 { font-size: 1.35rem !important; padding: 0.3rem 0 0.1rem 0 !important; }
[data-testid="stAlert"] > div { padding-top: 0.45rem !important; padding-bottom: 0.45rem !important; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] p, [data-testid="stMetricValue"] div {
  font-size: 2.5rem !important; line-height: 1.15 !important; }
[data-testid="stMetricLabel"] p { font-size: 1.05rem !important; }
.st-key-lecture_previous button p, .st-key-lecture_next button p { white-space: nowrap; }
label [data-testid="stMarkdownContainer"] p { white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; }
"""
#: With a step's sentence on screen, the page's own opening text goes (the lecturer is saying it).
_INTRO_HIDDEN = ".st-key-page_intro { display: none !important; }"


def lecture_on() -> bool:
    """Whether this run is in lecture mode (``?lecture=1``; garbage values leave it off)."""
    return is_on(st.query_params.get(LECTURE_PARAM))


def on_screen(figure: go.Figure, *, lecture_height: int | None = None) -> go.Figure:
    """The figure as this run shows it: in the projector style in lecture mode (``lecture_height``
    pixels tall, if given, to fit 1280×720 with its controls), else as it is."""
    if not lecture_on():
        return figure
    from annviz.figure_style import for_projector

    return for_projector(figure, height=lecture_height)


def _apply(page: str, number: int) -> None:
    """Put step ``number``'s values into its widgets (before they are drawn) and remember it."""
    from annviz.lecture_steps import LECTURE_STEPS

    step = LECTURE_STEPS[page][number - 1]
    for key, value in step.settings.items():
        st.session_state[key] = value
    st.session_state.setdefault(_APPLIED_KEY, {})[page] = number


def _go_to(page: str, number: int) -> None:
    """The previous/next buttons' callback: the step's link and its values."""
    st.query_params[STEP_PARAM] = str(number)
    _apply(page, number)


def toggle_lecture_mode() -> None:
    """The sidebar switch's callback: lecture mode in the URL, so the link carries it."""
    if st.session_state.get("lecture_switch"):
        st.query_params[LECTURE_PARAM] = "1"
    else:
        for key in (LECTURE_PARAM, STEP_PARAM):  # Streamlit's query_params.pop has no default
            if key in st.query_params:
                del st.query_params[key]


def _step_bar(page: str, steps: tuple[LectureStep, ...], number: int) -> None:
    if st.session_state.get(_APPLIED_KEY, {}).get(page) != number:
        _apply(page, number)
    step = steps[number - 1]
    # Buttons wide enough for "Previous" with its icon at 1280 px (a tenth of the row cut it to "Prev…").
    text, back, forward = st.columns([7, 1.5, 1.3], vertical_alignment="center")
    text.info(f"**Step {number} of {len(steps)} · {step.title}.** {step.sentence}", icon=":material/co_present:")
    back.button("Previous", icon=":material/arrow_back:", key="lecture_previous", disabled=number == 1,
                on_click=_go_to, args=(page, number - 1), use_container_width=True)
    forward.button("Next", icon=":material/arrow_forward:", key="lecture_next", disabled=number == len(steps),
                   on_click=_go_to, args=(page, number + 1), use_container_width=True)


def lecture_frame(page: str | None) -> None:
    """Lecture mode's style, steps and hidden controls for the page at ``page`` (its url_path)."""
    from annviz.lecture_steps import LECTURE_STEPS, SECONDARY

    on = lecture_on()
    # Drawn by each page (not by app.py, whose sidebar widgets AppTest loses on a rerun).
    st.sidebar.toggle("Lecture mode", value=on, key="lecture_switch", on_change=toggle_lecture_mode,
                      help="For a projector: larger text and figures, the demo and its key controls on one "
                      "screen, and the page's prepared steps. A link with ?lecture=1 opens in it.")
    steps = LECTURE_STEPS.get(page or "") if on else None
    number = (parse_step(st.query_params.get(STEP_PARAM), len(steps)) or 1) if steps else 0
    hidden = hidden_keys(st.query_params.get(HIDE_PARAM))
    if on:
        hidden += SECONDARY.get(page or "", ()) + (steps[number - 1].hide if steps else ())
    rules = ([_LECTURE_CSS] if on else []) + ([_INTRO_HIDDEN] if steps else [])
    rules += [f".st-key-{key} {{ display: none !important; }}" for key in hidden]
    if rules:
        st.html("<style>" + "\n".join(rules) + "</style>")
    if steps:
        _step_bar(page or "", steps, number)
    from pages._classroom import class_bar  # the class in the room (votes, followers): off without a lecturer key

    class_bar(page or "", number)


def steps_of(page: str) -> list[tuple[int, LectureStep, str]]:
    """Each prepared step of a page with its number and its link (for the Overview)."""
    from annviz.lecture_steps import LECTURE_STEPS

    return [(number, step, step_link(page, number)) for number, step in enumerate(LECTURE_STEPS.get(page, ()), 1)]

