"""Plotly figures for the draw-a-digit page: the MNIST preparation steps and the model's answer.

Builders take :class:`annviz.digits.DigitSteps` or plain arrays and return a
``plotly.graph_objects.Figure``; the numbers they show are computed in :mod:`annviz.digits`.
Each figure is one dict validated once by ``FinishedFigure(spec)`` (as in ``limitation_plots``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from annviz.figure_data import FinishedFigure
from annviz.digits import FRAME_CENTRE, DigitSteps

#: Large steps (the drawing, the crop) are shrunk to at most this many pixels a side for display only.
DISPLAY_SIDE = 112
TOP_CLASS_COLOUR = "#2563eb"
OTHER_CLASS_COLOUR = "#cbd5e1"
MARK_COLOUR = "#f97316"
_MARGIN = {"l": 10, "r": 10, "t": 50, "b": 10}
_TITLE_FONT = {"size": 14}


def display_copy(image: np.ndarray, max_side: int = DISPLAY_SIDE) -> tuple[np.ndarray, float]:
    """A copy at most ``max_side`` px a side (area-averaged) for the screen, and the factor used.

    >>> small, factor = display_copy(np.zeros((280, 140)))
    >>> small.shape, factor
    ((112, 56), 0.4)
    """
    image = np.asarray(image, dtype=np.float32)
    factor = min(1.0, max_side / max(image.shape))
    if factor == 1.0:
        return image, 1.0
    size = (max(1, round(image.shape[1] * factor)), max(1, round(image.shape[0] * factor)))
    return np.asarray(Image.fromarray(image, mode="F").resize(size, Image.Resampling.BOX)), factor


def _panel(image: np.ndarray, suffix: str, domain: tuple[float, float], title: str) -> tuple[dict, dict, dict, dict]:
    """One white-on-black heatmap with square pixels, row 0 on top: trace, x axis, y axis, title."""
    height, width = image.shape
    trace = {
        "type": "heatmap", "z": np.rint(image).astype(np.int16), "colorscale": "Greys_r", "zmin": 0, "zmax": 255,
        "showscale": False, "xaxis": f"x{suffix}", "yaxis": f"y{suffix}", "name": title,
        "hovertemplate": "row %{y}, column %{x}: %{z}<extra></extra>",
    }
    frame = {"showticklabels": False, "showgrid": False, "zeroline": False, "ticks": ""}
    x_axis = {**frame, "domain": list(domain), "range": [-0.5, width - 0.5], "anchor": f"y{suffix}", "constrain": "domain"}
    y_axis = {**frame, "range": [height - 0.5, -0.5], "anchor": f"x{suffix}", "scaleanchor": f"x{suffix}",
              "constrain": "domain"}
    label = {
        "text": title, "x": sum(domain) / 2, "y": 1.0, "xref": "paper", "yref": "paper", "xanchor": "center",
        "yanchor": "bottom", "yshift": 6, "showarrow": False, "font": _TITLE_FONT,
    }
    return trace, x_axis, y_axis, label


def preparation_figure(steps: DigitSteps, *, height: int = 260) -> go.Figure:
    """The four MNIST steps side by side: ink with its box, the crop, the 20 px scaling, the centred 28×28.

    The box is drawn on the drawing; the centre of mass is marked (orange ×) on the scaled
    digit and on the 28×28 field, where a cross marks the field's centre (14, 14).

    >>> from annviz.digits import prepare_digit
    >>> drawing = np.zeros((280, 280), dtype=np.uint8); drawing[40:240, 130:150] = 255
    >>> fig = preparation_figure(prepare_digit(drawing))
    >>> [trace.type for trace in fig.data]
    ['heatmap', 'heatmap', 'heatmap', 'scatter', 'heatmap', 'scatter']
    >>> [a.text for a in fig.layout.annotations][3]
    '4 · centred in 28×28'
    """
    drawing, factor = display_copy(steps.ink)
    cropped, _ = display_copy(steps.cropped)
    top, left, bottom, right = steps.box
    gap, count = 0.04, 4
    width = (1.0 - gap * (count - 1)) / count
    domains = [(i * (width + gap), i * (width + gap) + width) for i in range(count)]
    titles = (
        "1 · ink" + (" (inverted)" if steps.inverted else "") + " and its box",
        "2 · cropped to the box",
        f"3 · scaled to {steps.scaled.shape[1]}×{steps.scaled.shape[0]}",
        "4 · centred in 28×28",
    )
    data: list[dict[str, Any]] = []
    layout: dict[str, Any] = {"height": height, "margin": _MARGIN, "annotations": [], "showlegend": False, "shapes": []}
    com_row, com_column = steps.centre_of_mass
    for panel, (image, title, domain) in enumerate(zip((drawing, cropped, steps.scaled, steps.image), titles, domains), 1):
        suffix = "" if panel == 1 else str(panel)
        trace, x_axis, y_axis, label = _panel(np.asarray(image, dtype=np.float32), suffix, domain, title)
        data.append(trace)
        layout[f"xaxis{suffix}"], layout[f"yaxis{suffix}"] = x_axis, y_axis
        layout["annotations"].append(label)
        if panel == 3:
            data.append(_mark(com_column, com_row, suffix, "centre of mass"))
        if panel == 4:
            data.append(_mark(com_column + steps.offset[1], com_row + steps.offset[0], suffix, "centre of mass"))
            for x0, y0, x1, y1 in ((FRAME_CENTRE[1] - 1.5, FRAME_CENTRE[0], FRAME_CENTRE[1] + 1.5, FRAME_CENTRE[0]),
                                   (FRAME_CENTRE[1], FRAME_CENTRE[0] - 1.5, FRAME_CENTRE[1], FRAME_CENTRE[0] + 1.5)):
                layout["shapes"].append({"type": "line", "xref": f"x{suffix}", "yref": f"y{suffix}", "x0": x0, "y0": y0,
                                         "x1": x1, "y1": y1, "line": {"color": "#22c55e", "width": 2}})
    layout["shapes"].append({
        "type": "rect", "xref": "x", "yref": "y", "line": {"color": MARK_COLOUR, "width": 2},
        "x0": left * factor - 0.5, "y0": top * factor - 0.5, "x1": right * factor - 0.5, "y1": bottom * factor - 0.5,
    })
    return FinishedFigure({"data": data, "layout": layout})


def _mark(x: float, y: float, suffix: str, name: str) -> dict[str, Any]:
    return {
        "type": "scatter", "x": [x], "y": [y], "mode": "markers", "name": name,
        "marker": {"symbol": "x-thin", "size": 12, "line": {"width": 3, "color": MARK_COLOUR}},
        "xaxis": f"x{suffix}", "yaxis": f"y{suffix}",
        "hovertemplate": f"{name}: row %{{y:.2f}}, column %{{x:.2f}}<extra></extra>",
    }


def probability_bars_figure(probabilities: np.ndarray, *, title: str, height: int = 300) -> go.Figure:
    """The ten class probabilities as bars, the most probable class highlighted.

    >>> fig = probability_bars_figure(np.eye(10)[7] * 0.9 + 0.01, title="MLP")
    >>> fig.data[0].marker.color[7] == TOP_CLASS_COLOUR, fig.data[0].text[7]
    (True, '91%')
    """
    probabilities = np.asarray(probabilities, dtype=float)
    top = int(probabilities.argmax())
    colours = [TOP_CLASS_COLOUR if k == top else OTHER_CLASS_COLOUR for k in range(len(probabilities))]
    data = [{
        "type": "bar", "x": [str(k) for k in range(len(probabilities))], "y": probabilities,
        "marker": {"color": colours}, "text": [f"{p:.0%}" if p >= 0.01 else "" for p in probabilities],
        "textposition": "outside", "hovertemplate": "class %{x}: %{y:.4f}<extra></extra>",
    }]
    layout = {
        "height": height, "margin": _MARGIN, "title": {"text": title, "font": _TITLE_FONT},
        "yaxis": {"range": [0, 1.15], "title": {"text": "probability"}, "tickformat": ".0%"},
        "xaxis": {"title": {"text": "class"}, "type": "category"},
    }
    return FinishedFigure({"data": data, "layout": layout})
