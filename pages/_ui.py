"""The few pieces of Streamlit layout every page shares (annviz itself never imports streamlit)."""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Iterator

import streamlit as st
from streamlit.errors import StreamlitAPIException

from annviz.errors import InputError, echo, error_markdown
from pages._lecture import lecture_frame


def page_header(title: str, lecture_text: str, *, page: str | None = None) -> None:
    """Title and a few sentences in the lecture's own words (after setting aside unreadable link values).

    ``page`` is the page's address (its ``url_path``): in lecture mode its prepared steps show
    under the title (``pages/_lecture.py``).
    """
    ignore_non_finite_link_values()
    st.title(title)
    lecture_frame(page)
    with st.container(key="page_intro"):
        st.markdown(lecture_text)


#: Where the sentence about dropped link values waits for the run that shows it.
_DROPPED_KEY = "ui_dropped_link_values"


def _non_finite_number(text: str) -> bool:
    try:
        return not math.isfinite(float(text))
    except (TypeError, ValueError, OverflowError):
        return False


def ignore_non_finite_link_values() -> None:
    """Drop URL values that read as NaN or ±infinity (``?lim_index=1e309``), with a warning.

    No widget here takes a non-finite number, and Streamlit's own reading of such a value into a
    whole-number input ends in an ``OverflowError`` before the page can answer; without the
    value the widget starts at its default. A value a widget of this session already holds
    (text typed into a bound field, such as "nan" for the layer sizes) is the widget's to
    answer. Each page calls this first, through :func:`page_header`.
    """
    dropped = {}
    for key, value in list(st.query_params.items()):
        if not _non_finite_number(value):
            continue
        try:
            del st.query_params[key]
        except StreamlitAPIException:
            # Bound to a widget of this session already: a text field the student typed "nan"
            # into (a number field refuses it in the browser). The text is the widget's own
            # value, and the page answers it as text, with its st.error.
            continue
        dropped[key] = value
    if dropped:
        shown = ", ".join(f"{echo(key)} = {echo(value)}" for key, value in dropped.items())
        st.session_state[_DROPPED_KEY] = f"The link's {shown} is not a finite number; the page uses its default instead."
        # Streamlit seeds the widgets from the URL this run began with: begin again without them.
        st.rerun()
    notice = st.session_state.pop(_DROPPED_KEY, None)
    if notice:
        st.warning(notice, icon=":material/link_off:")


def formatted_columns(columns: list[str], number_format: str) -> dict[str, object]:
    """``column_config`` that shows every column with a printf-style format (``"%.4g"``).

    The browser formats the numbers; a pandas Styler would render every cell to text in the
    server on every rerun (the most expensive part of a table's rerun here).
    """
    return {column: st.column_config.NumberColumn(format=number_format) for column in columns}


@contextmanager
def shown_as_error() -> Iterator[None]:
    """Turn annviz's :class:`~annviz.errors.InputError` into an ``st.error`` sentence; the rest of the page goes on.

    Only that exception: its sentence is written for the student. Any other exception is a bug
    and shows as one (Streamlit's traceback), not as advice.
    """
    try:
        yield
    except InputError as error:
        show_input_error(error)


def show_input_error(error: InputError, *, icon: str = ":material/error:") -> None:
    """``st.error`` with the sentence of ``error``, as text: whatever a student typed or a link
    carried is quoted in it (:func:`annviz.errors.echo`), and nothing of it renders as Markdown
    (:func:`annviz.errors.error_markdown`), even in a sentence that forgot to quote it.
    """
    st.error(error_markdown(str(error)), icon=icon)
