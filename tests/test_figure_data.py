"""annviz.figure_data.FinishedFigure: one dict per figure, and never a stale one."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import pytest

from annviz.figure_data import FinishedFigure, _without_repeated_types


def _figure() -> FinishedFigure:
    return FinishedFigure({
        "data": [{"type": "scatter", "x": [1, 2], "y": [3, 4], "marker": {"color": "blue"}}],
        "layout": {"title": {"text": "a"}, "height": 300},
        "frames": [{"name": "0", "data": [{"y": [1, 1]}]}],
    })


def _set_data(fig):
    fig.add_trace(go.Scatter(y=[9]))
    fig.data = fig.data[1:]  # plotly takes a subset of its own traces only


def _batch(fig):
    with fig.batch_update():
        fig.layout.height = 123


#: Every kind of change a figure can have, each through a different plotly path.
CHANGES = {
    "update_layout": lambda fig: fig.update_layout(title_text="b"),
    "a layout property set": lambda fig: setattr(fig.layout.title, "text", "c"),
    "a layout item set": lambda fig: fig.layout.__setitem__("height", 301),
    "the figure's layout item": lambda fig: fig.__setitem__("layout", {"height": 302}),
    "a new layout": lambda fig: setattr(fig, "layout", go.Layout(height=200)),
    "a nested update": lambda fig: fig.layout.xaxis.update(range=[0, 1]),
    "a trace property set": lambda fig: setattr(fig.data[0], "x", [5, 6]),
    "a trace's nested update": lambda fig: fig.data[0].marker.update(size=3),
    "update_traces": lambda fig: fig.update_traces(marker_color="red"),
    "for_each_trace": lambda fig: fig.for_each_trace(lambda trace: trace.update(name="renamed")),
    "add_trace": lambda fig: fig.add_trace(go.Scatter(x=[1], y=[1])),
    "new data": _set_data,
    "add_shape": lambda fig: fig.add_shape(type="line", x0=0, x1=1, y0=0, y1=1),
    "add_annotation": lambda fig: fig.add_annotation(text="x"),
    "add_vline": lambda fig: fig.add_vline(x=1.5),
    "update": lambda fig: fig.update(layout_height=250),
    "new frames": lambda fig: setattr(fig, "frames", [go.Frame(name="1", data=[go.Scatter(y=[2])])]),
    "batch_update": _batch,
}


def test_the_dict_is_made_once_and_equals_plotlys_own() -> None:
    fig = _figure()
    first = fig.to_dict()
    assert fig.to_dict() is first
    # plotly's own, but for the type plotly.py repeats in every frame's trace (plotly.js takes it
    # from the figure's trace at that index)
    own = go.Figure(fig).to_dict()
    assert own["frames"][0]["data"][0].pop("type") == own["data"][0]["type"] == "scatter"
    assert json.dumps(first, sort_keys=True, default=str) == json.dumps(own, sort_keys=True, default=str)
    own_json = json.loads(go.Figure(_figure()).to_json())
    own_json["frames"][0]["data"][0].pop("type")
    assert json.loads(fig.to_json()) == own_json


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_every_change_after_the_dict_is_seen_by_the_next_one(change: str) -> None:
    fig, plain = _figure(), go.Figure(_figure())
    fig.to_dict()
    CHANGES[change](fig)
    CHANGES[change](plain)
    assert json.dumps(fig.to_dict(), sort_keys=True, default=str) == json.dumps(
        _without_repeated_types(plain.to_dict()), sort_keys=True, default=str)
    assert fig.to_dict() != _figure().to_dict()  # the change is a change
