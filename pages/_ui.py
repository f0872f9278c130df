"""The few pieces of Streamlit layout every page shares (annviz itself never imports streamlit)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import streamlit as st


def page_header(title: str, lecture_text: str) -> None:
    """Title and a few sentences in the lecture's own words."""
    st.title(title)
    st.markdown(lecture_text)


@contextmanager
def shown_as_error() -> Iterator[None]:
    """Turn annviz's ValueError into an ``st.error`` sentence; the rest of the page goes on."""
    try:
        yield
    except ValueError as error:
        st.error(str(error), icon=":material/error:")
