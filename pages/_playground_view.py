"""The playground's view as a two-way Streamlit component (``st.components.v2``, inline HTML, CSS and JS, no build).

The browser plays the frames it is given and sends back one kind of event, ``edit``: a click on
a feature's tile or on a + / − (``annviz.playground_settings.edited_settings`` applies it).
Hovering a neuron, "Show test data" and "Discretize output" stay in the browser: they cost
the server nothing.
"""

from __future__ import annotations

from typing import Callable

import streamlit as st

from annviz.playground_plots import VIEW_CSS, VIEW_HTML, VIEW_JS

_mount = st.components.v2.component("annviz.playground_view", html=VIEW_HTML, css=VIEW_CSS, js=VIEW_JS)


def training_view(data: dict, *, key: str, on_edit: Callable[[], None]) -> None:
    """Mount the view with this run's frames; ``on_edit`` runs (before the rerun) when the diagram is clicked."""
    _mount(key=key, data=data, on_edit_change=on_edit, height="content")
