"""The few pieces of Streamlit layout every page shares (annviz itself never imports streamlit)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import streamlit as st


def page_header(title: str, lecture_text: str) -> None:
    """Title and a few sentences in the lecture's own words."""
    st.title(title)
    st.markdown(lecture_text)


def formatted_columns(columns: list[str], number_format: str) -> dict[str, object]:
    """``column_config`` that shows every column with a printf-style format (``"%.4g"``).

    The browser formats the numbers; a pandas Styler would render every cell to text in the
    server on every rerun (the most expensive part of a table's rerun here).
    """
    return {column: st.column_config.NumberColumn(format=number_format) for column in columns}


@contextmanager
def shown_as_error() -> Iterator[None]:
    """Turn annviz's ValueError into an ``st.error`` sentence; the rest of the page goes on."""
    try:
        yield
    except ValueError as error:
        st.error(str(error), icon=":material/error:")
