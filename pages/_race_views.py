"""The optimizer page's cached races and figures.

They live in a module, not in the page, because a page script re-runs its decorators on
every rerun and ``st.cache_resource`` then re-reads each function's source to key it
(~10 ms a rerun for three functions here); a module is imported once.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from annviz.optimizers import Racer
from annviz.race import KerasRunner, RaceResult, keras_runner_settings, race, race_keras
from annviz.race_plots import loss_figure, race_figure, surface_3d_figure
from annviz.surfaces import SURFACES, Surface
from pages._ui import freeze_imported_objects


@st.cache_resource(show_spinner=False)
def keras_imported() -> bool:
    """Import Keras once per server and freeze it (else every later rerun pays ~0.5 s of garbage collection)."""
    import keras  # noqa: F401

    freeze_imported_objects()
    return True


# TensorFlow never frees a traced loop, so every session of the server shares one Keras runner
# per surface and optimizer settings; a new learning rate, start or step count re-uses it.
@st.cache_resource(show_spinner=False, max_entries=64)
def keras_runner(surface_key: str, optimizer: str, fixed: tuple[tuple[str, float | bool], ...]) -> KerasRunner:
    keras_imported()
    return KerasRunner(SURFACES[surface_key], optimizer, fixed)


def shared_runner(surface: Surface, racer: Racer) -> KerasRunner:
    return keras_runner(surface.key, racer.optimizer, keras_runner_settings(racer))


# Races and their figures are shared read-only between sessions (nothing mutates them), so a
# rerun with the same settings only re-sends the figures instead of rebuilding ~600 plotly objects.
@st.cache_resource(show_spinner=False, max_entries=32)
def race_view(
    surface_key: str, racers: tuple[Racer, ...], start: tuple[float, float], steps: int, engine: str
) -> tuple[RaceResult, go.Figure, go.Figure]:
    surface = SURFACES[surface_key]
    if engine == "keras":
        result = race_keras(surface, racers, start, steps, runner_for=shared_runner)
    else:
        result = race(surface, racers, start, steps)
    return result, race_figure(result), loss_figure(result)


@st.cache_resource(show_spinner=False, max_entries=8)
def landscape_view(surface_key: str, racers: tuple[Racer, ...], start: tuple[float, float], steps: int) -> go.Figure:
    return surface_3d_figure(race_view(surface_key, racers, start, steps, "numpy")[0])
