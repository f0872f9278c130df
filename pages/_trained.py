"""The session's own trained model, handed from the MNIST page (7) to the draw (7) and metrics (8) pages.

The MNIST page keeps its training job (``annviz.serving.TrainingJob``, a process of its own) in
``st.session_state[RUN_KEY]``. When a run has ended (finished or stopped, with a model worth
using), its model (``annviz.serving.TrainedMLP``: the weights as NumPy arrays) goes to ``st.session_state[TRAINED_MODEL_KEY]`` and one line naming it to
``st.session_state[TRAINED_LABEL_KEY]``. Every page that offers the model calls
:func:`collect_trained_model` first, so a training that ends while the student is on another page
is offered there on the next rerun, without a detour through the MNIST page.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

RUN_KEY, PUBLISHED_KEY = "mnist_run", "mnist_published_run"
TRAINED_MODEL_KEY, TRAINED_LABEL_KEY = "trained_model", "trained_model_label"


def collect_trained_model() -> tuple[Any, str] | None:
    """Publish the session's ended training (once per run); the model and its label, if any."""
    run = st.session_state.get(RUN_KEY)
    if run is not None and st.session_state.get(PUBLISHED_KEY) != id(run):
        snapshot = run.snapshot()
        # Not finished, or nothing worth handing on (a NaN model has no test report): wait.
        if snapshot.status == "done" and snapshot.report is not None:
            from annviz.training import trained_model_label

            st.session_state[TRAINED_MODEL_KEY] = snapshot.result.model
            st.session_state[TRAINED_LABEL_KEY] = trained_model_label(run.config, snapshot.result, snapshot.report)
            st.session_state[PUBLISHED_KEY] = id(run)
    if TRAINED_MODEL_KEY not in st.session_state:
        return None
    return st.session_state[TRAINED_MODEL_KEY], st.session_state.get(TRAINED_LABEL_KEY, "trained on the MNIST page")
