"""The few pieces of Streamlit layout every page shares (annviz itself never imports streamlit)."""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TypeVar

import streamlit as st

T = TypeVar("T")


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


@st.cache_resource(show_spinner=False)
def _results_of_the_server() -> tuple[threading.Lock, dict[str, Any]]:
    return threading.Lock(), {}


def measured_once_per_server(key: str, label: str, measure: Callable[[Callable[[int, int], None]], T]) -> T:
    """Run a long measurement once per server with a progress bar; every session reuses the result.

    ``measure(on_progress)`` calls ``on_progress(done, total)`` as it goes. A session that
    arrives while another is measuring waits under a spinner instead of measuring again.
    ``key`` is server-wide: prefix it with the page's name. (A progress bar inside an
    ``st.cache_data`` function is recorded and replayed on every cache hit, hence this.)
    """
    lock, results = _results_of_the_server()
    if key not in results:
        with st.spinner(f"{label} (once per server)…"), lock:
            if key not in results:
                bar = st.progress(0.0, text=label)
                results[key] = measure(lambda done, total: bar.progress(done / total, text=f"{label}: {done}/{total}"))
                bar.empty()
    return results[key]
