"""The few pieces of Streamlit layout every page shares (annviz itself never imports streamlit)."""

from __future__ import annotations

import gc
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


def freeze_imported_objects() -> None:
    """Take every object alive now out of the garbage collector's rounds; call once after importing Keras.

    Streamlit runs ``gc.collect()`` after every script run and, once Keras is imported,
    ``keras.backend.clear_session()`` too, which collects again. With TensorFlow's
    ~430,000 long-lived objects each collection takes ~0.25 s, so every rerun of every
    page would pay ~0.5 s. ``gc.freeze()`` moves the objects alive now (the imported
    libraries, the loaded models) into a permanent generation the collector skips.
    """
    gc.collect()
    gc.freeze()
