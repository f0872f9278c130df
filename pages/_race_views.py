"""The optimizer page's cached races and figures.

They live in a module, not in the page, because a page script re-runs its decorators on
every rerun and ``st.cache_resource`` then re-reads each function's source to key it
(~10 ms a rerun for three functions here); a module is imported once.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from annviz.optimizers import Racer
from annviz.race import RaceResult, SlideAdamComparison, compare_slide_adam, race
from annviz.race_settings import RACE_SETTINGS
from annviz.race_plots import loss_figure, race_figure, surface_3d_figure
from annviz.serving.jobs import keras_race  # the job (the package also has a module of this name)
from annviz.surfaces import SURFACES
from pages._serving import keras_worker


#: The race map's height: with the racer list beside it, the race fits a 1280×720 screen.
RACE_MAP_HEIGHT = 440


# Races and their figures are shared read-only between sessions (nothing mutates them), so a
# rerun with the same settings only re-sends the figures instead of rebuilding ~600 plotly objects.
def racer_keys(racers: list[Racer]) -> tuple[tuple[str, tuple], ...]:
    """The racers as plain tuples: Streamlit hashes those cheaply (a dataclass is pickled to be hashed)."""
    return tuple((racer.optimizer, racer.settings) for racer in racers)


@st.cache_resource(show_spinner=False, max_entries=64)
def race_view(
    surface_key: str, keys: tuple[tuple[str, tuple], ...], start: tuple[float, float], steps: int, engine: str,
    noise: float = 0.0,
) -> tuple[RaceResult, go.Figure, go.Figure]:
    surface = SURFACES[surface_key]
    racers = tuple(Racer(optimizer, settings) for optimizer, settings in keys)
    if engine == "keras":  # the Keras worker keeps one traced runner per surface and settings (noiseless)
        result = keras_worker().run(keras_race, surface_key, racers, start, steps)
    else:
        result = race(surface, racers, start, steps, noise=noise)
    return result, race_figure(result, height=RACE_MAP_HEIGHT), loss_figure(result)


@st.cache_resource(show_spinner=False, max_entries=8)
def landscape_view(
    surface_key: str, keys: tuple[tuple[str, tuple], ...], start: tuple[float, float], steps: int, noise: float = 0.0
) -> go.Figure:
    return surface_3d_figure(race_view(surface_key, keys, start, steps, "numpy", noise)[0])


@st.cache_resource(show_spinner=False, max_entries=64)
def slide_adam_view(surface_key: str, start: tuple[float, float], learning_rate: float, steps: int,
                    epsilon: float) -> SlideAdamComparison:
    return compare_slide_adam(SURFACES[surface_key], start, learning_rate, steps, epsilon=epsilon)


def setting_widget(key: str, where=st, **extra):
    """The widget of one row of :data:`annviz.race_settings.RACE_SETTINGS`, bound to the URL under its key.

    ``extra`` passes what only the page knows (``disabled``, ``label_visibility``, a ``format_func``).
    """
    row = RACE_SETTINGS[key]
    common = dict(key=key, bind="query-params", help=row.help or None, **extra)
    if row.kind == "choice":
        return where.selectbox(row.label, list(row.options), index=list(row.options).index(row.default), **common)
    if row.kind == "toggle":
        return where.toggle(row.label, value=row.default, **common)
    if row.kind == "bool":
        return where.checkbox(row.label, value=row.default, **common)
    return where.number_input(row.label, min_value=row.low, max_value=row.high, value=row.default, step=row.step,
                              format="%g" if row.kind == "float" else None, **common)
