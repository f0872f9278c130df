"""One style for every figure on a projector: larger text, thicker lines, bigger markers, more contrast.

A lecture hall's back row reads 12 px tick labels and 1 px lines as nothing. :func:`for_projector`
restyles a finished figure's plotly dict, whatever builder made it, so every builder gets the same
lecture look from one function (``tests/test_figure_style.py`` runs it over every builder):

- every font at least :data:`MIN_FONT_PX` (16 px), and each one :data:`FONT_SCALE` times larger;
- every line (traces, shapes, axes, marker outlines) :data:`LINE_SCALE` times thicker and at
  least :data:`MIN_LINE_PX`; every small marker (a data point) :data:`MARKER_SCALE` times larger,
  at least :data:`MIN_MARKER_PX` (large ones, drawn to fit a diagram, stay as they are);
- bar labels at least 16 px, even where plotly would shrink them to fit a bar;
- axes drawn as dark lines with darker grid lines on white;
- per-cell numbers of a heatmap with more than :data:`MAX_LABELLED_CELLS` cells dropped: at
  16 px they no longer fit their cells (the 28×28 pixel values), and their hover stays.

Nothing else changes: data, colours of the traces, layout positions. The input dict is not
modified.

>>> styled = projector_dict({"data": [{"type": "scatter", "y": [1, 2], "line": {"width": 2}}],
...                          "layout": {"xaxis": {"tickfont": {"size": 11}}}})
>>> styled["data"][0]["line"]["width"], styled["layout"]["xaxis"]["tickfont"]["size"], styled["layout"]["font"]["size"]
(5.0, 16, 18)
"""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

from annviz.figure_data import FinishedFigure

MIN_FONT_PX = 16
#: The figure-wide font (plotly's default is 12 px), which every text without a size of its own uses.
BASE_FONT_PX = 18
FONT_SCALE = 1.4
MIN_LINE_PX = 3.0
LINE_SCALE = 2.5
MIN_MARKER_PX = 10.0
MARKER_SCALE = 1.6
MAX_SCALED_MARKER_PX = 14.0
MAX_LABELLED_CELLS = 100
#: The bottom margin under a plot whose legend sits below it: x ticks, x title, then the legend.
LEGEND_BELOW_PX = 120
#: Axis and grid colours with the contrast a projector keeps (slate 900 and slate 400).
AXIS_COLOUR, GRID_COLOUR = "#0f172a", "#94a3b8"

_AXIS_PREFIXES = ("xaxis", "yaxis")
_SCENE_AXES = ("xaxis", "yaxis", "zaxis")
_NOT_CARTESIAN = frozenset({"pie", "scatter3d", "surface", "mesh3d", "cone", "sankey", "table", "indicator", "scatterpolar"})


def _font(font: Any) -> dict[str, Any]:
    font = dict(font) if isinstance(font, dict) else {}
    size = font.get("size")
    if isinstance(size, (int, float)) and not isinstance(size, bool):
        font["size"] = max(MIN_FONT_PX, round(size * FONT_SCALE))
    elif isinstance(size, (list, tuple)):
        font["size"] = [max(MIN_FONT_PX, round(s * FONT_SCALE)) for s in size]
    return font


def _scaled(value: Any, scale: float, floor: float) -> Any:
    """A width or size times ``scale``, at least ``floor``; 0 (drawn as nothing) stays 0."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return 0 if value == 0 else max(floor, float(value) * scale)
    if isinstance(value, (list, tuple)):
        return [_scaled(v, scale, floor) for v in value]
    return value


def _marker_size(size: Any) -> Any:
    """A small marker (a data point) :data:`MARKER_SCALE` times larger, from :data:`MIN_MARKER_PX` up to
    :data:`MAX_SCALED_MARKER_PX`; a large one (a network's neuron, drawn to fit its layout) as it is."""
    if isinstance(size, (list, tuple)):
        return [_marker_size(s) for s in size]
    if isinstance(size, bool) or not isinstance(size, (int, float)) or size >= MAX_SCALED_MARKER_PX:
        return size
    return max(MIN_MARKER_PX, min(size * MARKER_SCALE, MAX_SCALED_MARKER_PX))


def _fonts_everywhere(node: Any) -> Any:
    """Every ``...font`` dict below ``node`` (``tickfont``, ``textfont``, ``title.font``...) enlarged."""
    if isinstance(node, dict):
        return {key: _font(value) if key.endswith("font") and isinstance(value, dict) else _fonts_everywhere(value)
                for key, value in node.items()}
    if isinstance(node, list):
        return [_fonts_everywhere(item) for item in node]
    return node


def _line(line: Any) -> Any:
    if isinstance(line, dict) and "width" in line:
        return {**line, "width": _scaled(line["width"], LINE_SCALE, MIN_LINE_PX)}
    return line


def _cells(z: Any) -> int:
    if isinstance(z, dict) and "shape" in z:  # plotly's typed array: {"dtype", "bdata", "shape"}
        return math.prod(int(n) for n in str(z["shape"]).split(","))
    if isinstance(z, (list, tuple)):
        return sum(len(row) if isinstance(row, (list, tuple)) else 1 for row in z)
    shape = getattr(z, "shape", None)
    return math.prod(shape) if shape else 0


def _trace(trace: dict[str, Any]) -> dict[str, Any]:
    trace = dict(trace)
    kind = trace.get("type", "scatter")
    if kind in ("scatter", "scattergl", "scatter3d", "scatterpolar"):
        mode = trace.get("mode", "lines+markers")
        trace["line"] = _line({"width": 2, **(trace.get("line") or {})}) if "lines" in mode else trace.get("line")
        if trace["line"] is None:
            del trace["line"]
    elif "line" in trace:
        trace["line"] = _line(trace["line"])
    marker = trace.get("marker")
    if isinstance(marker, dict):
        marker = dict(marker)
        if "size" in marker:
            marker["size"] = _marker_size(marker["size"])
        if "line" in marker:
            marker["line"] = _line(marker["line"])
        trace["marker"] = marker
    if "text" in trace or "texttemplate" in trace or "textfont" in trace:
        trace["textfont"] = _sized(trace.get("textfont"), MIN_FONT_PX)
    if kind == "bar" and trace.get("textposition") == "outside":
        trace["cliponaxis"] = False  # a full bar's label above the plot's top edge, not cut by it
    if isinstance(trace.get("colorbar"), dict):
        trace["colorbar"] = {**trace["colorbar"], "tickfont": _sized(trace["colorbar"].get("tickfont"), MIN_FONT_PX)}
    if kind == "heatmap" and _cells(trace.get("z")) > MAX_LABELLED_CELLS and ("text" in trace or "texttemplate" in trace):
        trace["texttemplate"] = ""
    return trace


def _sized(font: Any, size: int) -> dict[str, Any]:
    """``font`` with an explicit size: its own (already enlarged) or ``size``. Streamlit's chart
    theme sizes axis ticks, legends and annotations itself (12 px), more specifically than the
    figure's base font, so a projector figure states every size."""
    font = dict(font) if isinstance(font, dict) else {}
    font.setdefault("size", size)
    return font


def _axis(axis: Any) -> dict[str, Any]:
    axis = dict(axis) if isinstance(axis, dict) else {}
    if axis.get("visible") is False:
        return axis
    axis["tickfont"] = _sized(axis.get("tickfont"), MIN_FONT_PX)
    title = axis.get("title")
    if isinstance(title, dict):
        axis["title"] = {**title, "font": _sized(title.get("font"), BASE_FONT_PX)}
    elif isinstance(title, str):
        axis["title"] = {"text": title, "font": {"size": BASE_FONT_PX}}
    axis.setdefault("showline", True)
    axis.setdefault("linecolor", AXIS_COLOUR)
    axis["linewidth"] = _scaled(axis.get("linewidth", 1), LINE_SCALE, 2)
    axis["gridcolor"] = GRID_COLOUR if axis.get("showgrid", True) is not False else axis.get("gridcolor")
    axis["gridwidth"] = _scaled(axis.get("gridwidth", 1), 1.5, 1.5)
    axis.setdefault("tickcolor", AXIS_COLOUR)
    return {key: value for key, value in axis.items() if value is not None}


def _layout(layout: dict[str, Any], data: list[dict[str, Any]]) -> dict[str, Any]:
    layout = dict(layout)
    cartesian = any(trace.get("type", "scatter") not in _NOT_CARTESIAN for trace in data)
    font = dict(layout.get("font") or {})
    font["size"] = max(BASE_FONT_PX, font.get("size", 0))  # already enlarged, if it had a size
    font.setdefault("color", AXIS_COLOUR)
    layout["font"] = font
    if cartesian:  # plotly's default axes too, sized explicitly below
        layout.setdefault("xaxis", {})
        layout.setdefault("yaxis", {})
    for key in list(layout):
        if key.startswith(_AXIS_PREFIXES):
            layout[key] = _axis(layout[key])
        elif key.startswith(("scene", "polar")) and isinstance(layout[key], dict):
            layout[key] = {**layout[key], **{a: _axis(layout[key].get(a)) for a in _SCENE_AXES}}
    if any(trace.get("type") == "bar" and ("text" in trace or "texttemplate" in trace) for trace in data):
        layout["uniformtext"] = {"minsize": MIN_FONT_PX, "mode": "show"}
    legend = layout.get("legend") or {}
    title = layout.get("title")
    titled = bool(title.get("text") if isinstance(title, dict) else title)
    legend_y = legend.get("y") if isinstance(legend.get("y"), (int, float)) else None
    if legend.get("orientation") == "h" and legend_y is not None and (legend_y < 0 or (titled and legend_y >= 1)):
        # A legend under the plot, placed in plot heights, lands on the x axis's title once the
        # fonts grow, and one above it beside the figure's title runs into that title in a narrow
        # column: at the figure's bottom edge instead, with room above it for ticks and title.
        layout["legend"] = {**legend, "yref": "container", "y": 0, "yanchor": "bottom"}
        layout["margin"] = {**(layout.get("margin") or {}), "b": max((layout.get("margin") or {}).get("b", 0), LEGEND_BELOW_PX)}
    for key in ("legend", "hoverlabel"):
        layout[key] = {**(layout.get(key) or {}), "font": _sized((layout.get(key) or {}).get("font"), MIN_FONT_PX)}
    if isinstance(title, dict) and title.get("text"):
        layout["title"] = {**title, "font": _sized(title.get("font"), BASE_FONT_PX + 2)}
        margin = dict(layout.get("margin") or {})
        margin["t"] = margin.get("t", 100) + 12  # room for the larger title above what sits under it
        layout["margin"] = margin
    for key in ("annotations", "sliders", "updatemenus"):
        if key in layout:
            layout[key] = [{**item, "font": _sized(item.get("font"), BASE_FONT_PX)} for item in layout[key]]
    if "shapes" in layout:
        layout["shapes"] = [{**shape, "line": _line(shape.get("line"))} if isinstance(shape.get("line"), dict) else shape
                            for shape in layout["shapes"]]
    return layout


def projector_dict(figure: dict[str, Any], *, height: int | None = None) -> dict[str, Any]:
    """A plotly figure dict restyled for a projector (see the module's list); ``figure`` is not modified.

    ``height`` (pixels), if given, replaces the figure's own: a page's tall figure can give up
    some height to fit a 1280×720 screen with its controls.
    """
    styled = _fonts_everywhere(figure)
    styled["data"] = [_trace(trace) for trace in styled.get("data", [])]
    styled["layout"] = _layout(styled.get("layout", {}), styled["data"])
    if height is not None:
        styled["layout"]["height"] = height
    if styled.get("frames"):
        styled["frames"] = [{**frame, "data": [_trace(trace) for trace in frame.get("data", [])]}
                            for frame in styled["frames"]]
    return styled


def for_projector(figure: go.Figure, *, height: int | None = None) -> FinishedFigure:
    """The figure in the projector style (``height`` as :func:`projector_dict`), as a new :class:`FinishedFigure`.

    A shared (cached) :class:`FinishedFigure` keeps its projector version beside itself, so a
    lecturer's reruns restyle each figure once.

    >>> fig = FinishedFigure({"data": [{"type": "bar", "y": [1, 2]}]})
    >>> for_projector(fig) is for_projector(fig), for_projector(fig).layout.font.size
    (True, 18)
    """
    kept = figure.__dict__.get("_projector_figure") if isinstance(figure, FinishedFigure) else None
    if kept is not None and kept[0] is figure.to_dict() and kept[1] == height:
        return kept[2]
    source = figure.to_dict()
    styled = FinishedFigure(projector_dict(source, height=height))
    if isinstance(figure, FinishedFigure):
        figure.__dict__["_projector_figure"] = (source, height, styled)
    return styled
