"""Plotly figures for the limitations page: digits, hidden-layer changes, shift curves, parameter growth.

Each builder takes plain arrays and returns a ``plotly.graph_objects.Figure``; nothing here
computes a number the page shows (that is :mod:`annviz.limitations`).

Every figure is written as one dict and validated once by ``FinishedFigure(spec)``: on a shift
slider move the page redraws five figures, and ``make_subplots`` plus ``add_trace`` /
``update_*`` calls (each one validating again) took ~40 ms for the digit pair alone, against
~2 ms this way.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from annviz.figure_data import FinishedFigure
from annviz.limitations import ActivationChange, ShiftCurves

#: Colour per shift direction, shared by every curve figure.
from annviz.formatting import format_count
DIRECTION_COLOURS = {"horizontal": "#2563eb", "vertical": "#16a34a", "diagonal": "#dc2626"}
#: Line style and colour per model in the shift-curve figures.
MODEL_DASHES = {"MLP": "solid", "CNN": "dash"}
MODEL_COLOURS = {"MLP": "#334155", "CNN": "#ea580c"}
#: The four states of a ReLU between the original and the shifted digit, with their colours.
RELU_STATES = (
    ("off in both", "#e2e8f0"),
    ("on in both", "#64748b"),
    ("switched on", "#16a34a"),
    ("switched off", "#dc2626"),
)

_MARGIN = {"l": 10, "r": 10, "t": 50, "b": 10}
_TITLE_FONT = {"size": 14}


def _title(text: str) -> dict[str, Any]:
    return {"text": text, "font": _TITLE_FONT}


def _subplot_title(text: str, x_domain: tuple[float, float]) -> dict[str, Any]:
    """An annotation centred above one of two side-by-side panels, as make_subplots would place it."""
    return {
        "text": text, "x": sum(x_domain) / 2, "y": 1.0, "xref": "paper", "yref": "paper",
        "xanchor": "center", "yanchor": "bottom", "yshift": 8, "showarrow": False, "font": _TITLE_FONT,
    }


_LEFT, _RIGHT = (0.0, 0.47), (0.53, 1.0)


def digit_pair_figure(left: np.ndarray, right: np.ndarray, *, titles: tuple[str, str], height: int = 300) -> go.Figure:
    """Two 28×28 digits side by side as grey heatmaps (ink dark), square pixels, row 0 on top.

    >>> fig = digit_pair_figure(np.zeros((28, 28)), np.ones((28, 28)), titles=("original", "shifted"))
    >>> [trace.type for trace in fig.data], fig.layout.annotations[1].text
    (['heatmap', 'heatmap'], 'shifted')
    """
    data, layout = [], {"height": height, "margin": _MARGIN, "annotations": []}
    for panel, (image, title, domain) in enumerate(((left, titles[0], _LEFT), (right, titles[1], _RIGHT)), start=1):
        image = np.asarray(image)
        suffix = "" if panel == 1 else str(panel)
        data.append({
            "type": "heatmap", "z": image, "colorscale": "Greys", "zmin": 0, "zmax": 255, "showscale": False,
            "name": title, "xaxis": f"x{suffix}", "yaxis": f"y{suffix}",
            "hovertemplate": "row %{y}, column %{x}: %{z}<extra></extra>",
        })
        frame = {"showticklabels": False, "showgrid": False, "zeroline": False, "showline": True,
                 "linecolor": "#94a3b8", "mirror": True}
        layout[f"xaxis{suffix}"] = {**frame, "domain": list(domain), "range": [-0.5, image.shape[1] - 0.5],
                                    "anchor": f"y{suffix}"}
        layout[f"yaxis{suffix}"] = {**frame, "range": [image.shape[0] - 0.5, -0.5], "anchor": f"x{suffix}",
                                    "scaleanchor": f"x{suffix}"}
        layout["annotations"].append(_subplot_title(title, domain))
    return FinishedFigure({"data": data, "layout": layout})


def probability_figure(original: np.ndarray, shifted: np.ndarray, *, true_class: int) -> go.Figure:
    """The MLP's ten class probabilities for the original and the shifted digit, as grouped bars.

    >>> fig = probability_figure(np.full(10, 0.1), np.eye(10)[3], true_class=7)
    >>> [trace.name for trace in fig.data]
    ['original', 'shifted']
    """
    classes = [str(c) for c in range(10)]
    data = []
    for name, probabilities, colour in (("original", original, "#94a3b8"), ("shifted", shifted, "#2563eb")):
        probabilities = np.asarray(probabilities, dtype=float)
        data.append({
            "type": "bar", "x": classes, "y": probabilities, "name": name, "marker": {"color": colour},
            "text": [f"{p:.0%}" if p >= 0.05 else "" for p in probabilities], "textposition": "outside",
            "hovertemplate": "class %{x}: %{y:.3f}<extra>" + name + "</extra>",
        })
    layout = {
        "barmode": "group", "height": 300, "margin": _MARGIN,
        "title": _title(f"MLP probabilities (true class {true_class})"),
        "yaxis": {"range": [0, 1.15], "title": {"text": "probability"}, "tickformat": ".0%"},
        "xaxis": {"title": {"text": "class"}, "type": "category"},
        "legend": {"orientation": "h", "y": 1.0, "x": 1, "xanchor": "right", "yanchor": "bottom"},
    }
    return FinishedFigure({"data": data, "layout": layout})


def relu_states(change: ActivationChange, original: np.ndarray) -> np.ndarray:
    """Index into :data:`RELU_STATES` for each unit: 0 off/off, 1 on/on, 2 switched on, 3 switched off.

    >>> from annviz.limitations import compare_activations
    >>> a, b = np.array([0.0, 1.0, 0.0, 2.0]), np.array([0.0, 3.0, 1.0, 0.0])
    >>> relu_states(compare_activations(a, b), a).tolist()
    [0, 1, 2, 3]
    """
    states = np.where(np.asarray(original) > 0, 1, 0)
    states = np.where(change.switched_on, 2, states)
    return np.where(change.switched_off, 3, states)


def activation_strip_figure(original: np.ndarray, shifted: np.ndarray, change: ActivationChange) -> go.Figure:
    """The 128 first-layer ReLUs as one strip of cells coloured by state, hover shows both activations.

    >>> from annviz.limitations import compare_activations
    >>> a, b = np.linspace(0, 1, 128), np.linspace(1, 0, 128)
    >>> fig = activation_strip_figure(a, b, compare_activations(a, b))
    >>> fig.data[0].z.shape
    (1, 128)
    """
    original = np.asarray(original, dtype=float)
    shifted = np.asarray(shifted, dtype=float)
    states = relu_states(change, original)
    n_states = len(RELU_STATES)
    # A stepped colour scale: state k owns the band [k/n, (k+1)/n] of the scale.
    colourscale = []
    for k, (_, colour) in enumerate(RELU_STATES):
        colourscale += [[k / n_states, colour], [(k + 1) / n_states, colour]]
    labels = np.array([label for label, _ in RELU_STATES])[states]
    hover = [f"unit {i}: {labels[i]}<br>original {original[i]:.3f}<br>shifted {shifted[i]:.3f}" for i in range(len(states))]
    data = [{
        "type": "heatmap", "z": states[np.newaxis, :] + 0.5, "zmin": 0, "zmax": n_states, "colorscale": colourscale,
        "showscale": False, "text": [hover], "hovertemplate": "%{text}<extra></extra>", "xgap": 1,
    }]
    # Legend entries with counts, drawn as invisible scatter markers.
    for k, (label, colour) in enumerate(RELU_STATES):
        data.append({"type": "scatter", "x": [None], "y": [None], "mode": "markers",
                     "marker": {"color": colour, "size": 12, "symbol": "square"},
                     "name": f"{label} ({int((states == k).sum())})"})
    layout = {
        "height": 170, "margin": {"l": 10, "r": 10, "t": 40, "b": 30},
        "title": _title("First hidden layer: the 128 ReLUs, original → shifted"),
        "xaxis": {"title": {"text": "unit"}, "range": [-0.5, len(states) - 0.5], "showgrid": False},
        "yaxis": {"visible": False},
        "legend": {"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom"},
        "plot_bgcolor": "white",
    }
    return FinishedFigure({"data": data, "layout": layout})


def activation_scatter_figure(original: np.ndarray, shifted: np.ndarray, correlation: float) -> go.Figure:
    """Each unit's activation before (x) and after (y) the shift; on the diagonal means unchanged.

    >>> fig = activation_scatter_figure(np.arange(3.0), np.arange(3.0), 1.0)
    >>> fig.layout.title.text
    'Activations, original vs shifted: r = 1.00'
    """
    original = np.asarray(original, dtype=float)
    shifted = np.asarray(shifted, dtype=float)
    top = float(max(original.max(initial=0), shifted.max(initial=0), 1e-6)) * 1.05
    r_text = "undefined (a constant vector)" if not np.isfinite(correlation) else f"{correlation:.2f}"
    data = [
        {"type": "scatter", "x": [0, top], "y": [0, top], "mode": "lines", "name": "unchanged",
         "line": {"color": "#94a3b8", "dash": "dot"}, "hoverinfo": "skip"},
        {"type": "scatter", "x": original, "y": shifted, "mode": "markers", "name": "unit",
         "marker": {"color": "#2563eb", "size": 7, "opacity": 0.75}, "customdata": np.arange(len(original)),
         "hovertemplate": "unit %{customdata}<br>original %{x:.3f}<br>shifted %{y:.3f}<extra></extra>"},
    ]
    layout = {
        "height": 300, "margin": _MARGIN, "showlegend": False,
        "title": _title(f"Activations, original vs shifted: r = {r_text}"),
        "xaxis": {"title": {"text": "original activation"}, "range": [-0.02 * top, top]},
        "yaxis": {"title": {"text": "shifted activation"}, "range": [-0.02 * top, top]},
    }
    return FinishedFigure({"data": data, "layout": layout})


def shift_curve_figure(curves: dict[str, ShiftCurves], *, marker: tuple[str, int] | None = None) -> go.Figure:
    """Test accuracy against shift distance: one line per model (dash) and direction (colour).

    ``curves`` maps a model label ("MLP", "CNN") to its :class:`ShiftCurves`; ``marker``
    = (direction, distance) rings the point matching the sliders, when there is one.

    >>> c = ShiftCurves(np.arange(3), {"horizontal": np.array([1.0, 0.9, 0.5])})
    >>> [trace.name for trace in shift_curve_figure({"MLP": c}).data]
    ['MLP, horizontal']
    """
    data = []
    for model, model_curves in curves.items():
        for direction, values in model_curves.accuracy.items():
            data.append({
                "type": "scatter", "x": model_curves.distances, "y": values, "mode": "lines+markers",
                "name": f"{model}, {direction}",
                "line": {"color": DIRECTION_COLOURS.get(direction, "#0f172a"), "dash": MODEL_DASHES.get(model, "solid")},
                "hovertemplate": f"{model}, {direction}<br>shift %{{x}} px: accuracy %{{y:.1%}}<extra></extra>",
            })
    if marker is not None:
        direction, distance = marker
        for model_curves in curves.values():
            if direction in model_curves.accuracy and 0 <= distance < len(model_curves.distances):
                data.append({
                    "type": "scatter", "x": [distance], "y": [model_curves.accuracy[direction][distance]],
                    "mode": "markers", "showlegend": False, "hoverinfo": "skip",
                    "marker": {"size": 16, "color": "rgba(0,0,0,0)", "line": {"color": "#0f172a", "width": 2}},
                })
    layout = {
        "height": 380, "margin": _MARGIN,
        "title": _title("Test accuracy on all 10,000 test images, shifted"),
        "xaxis": {"title": {"text": "shift distance (px; diagonal = this many px right and down)"}, "dtick": 1},
        "yaxis": {"title": {"text": "test accuracy"}, "range": [0, 1.02], "tickformat": ".0%"},
        "legend": {"orientation": "v", "x": 1.01, "y": 1},
    }
    return FinishedFigure({"data": data, "layout": layout})


def error_rate_figure(accuracies: dict[str, dict[str, float]]) -> go.Figure:
    """Test error rate (1 − accuracy) per model, on original vs shuffled pixels, as grouped bars.

    ``accuracies`` maps a model label to {"original pixels": acc, "shuffled pixels": acc}.
    Error rates start at zero, so small differences stay honest and visible.

    >>> fig = error_rate_figure({"MLP": {"original pixels": 0.97, "shuffled pixels": 0.96}})
    >>> [round(float(v), 4) for v in fig.data[0].y], fig.data[1].name
    ([0.03], 'shuffled pixels')
    """
    models = list(accuracies)
    variants = list(next(iter(accuracies.values())))
    data = []
    for variant, colour in zip(variants, ("#94a3b8", "#7c3aed")):
        errors = [1 - accuracies[m][variant] for m in models]
        data.append({
            "type": "bar", "x": models, "y": errors, "name": variant, "marker": {"color": colour},
            "text": [f"{e:.2%} wrong<br>({1 - e:.2%} right)" for e in errors], "textposition": "outside",
            "hovertemplate": "%{x}, " + variant + ": error %{y:.2%}<extra></extra>",
        })
    top = max(1 - a for m in accuracies.values() for a in m.values())
    layout = {
        "barmode": "group", "height": 330, "margin": _MARGIN,
        "title": _title("Test error on 10,000 images (lower is better)"),
        "yaxis": {"title": {"text": "test error"}, "tickformat": ".0%", "range": [0, top * 1.35]},
        "legend": {"orientation": "h", "y": 1.0, "x": 1, "xanchor": "right", "yanchor": "bottom"},
    }
    return FinishedFigure({"data": data, "layout": layout})


def params_figure(curves: dict[str, np.ndarray], *, current_side: float | None = None) -> go.Figure:
    """First dense layer vs a conv layer: parameters against image side and against pixel count.

    ``curves`` is :func:`annviz.limitations.params_against_side`'s output; ``current_side``
    marks the calculator's image (the side of a square with the same number of pixels).

    >>> from annviz.limitations import params_against_side
    >>> c = params_against_side(np.arange(1, 101), channels=3, neurons=512, kernel_size=3, filters=32)
    >>> [(trace.name, trace.xaxis) for trace in params_figure(c).data][:3]  # doctest: +NORMALIZE_WHITESPACE
    [('dense layer (H·W·C·neurons + neurons)', 'x'), ('3×3 conv layer (k·k·C·filters + filters)', 'x'),
     ('dense layer (H·W·C·neurons + neurons)', 'x2')]
    """
    panels = (
        ("", "side", "image side (px), square images", "against the image side: a parabola (quadratic)", _LEFT),
        ("2", "pixels", "pixels (side²)", "against the number of pixels: a straight line", _RIGHT),
    )
    data: list[dict[str, Any]] = []
    layout: dict[str, Any] = {
        "height": 380, "margin": {"l": 10, "r": 10, "t": 60, "b": 10},
        "legend": {"orientation": "h", "y": -0.25, "x": 0}, "annotations": [],
    }
    for suffix, x_key, x_title, title, domain in panels:
        for key, name, colour in (
            ("dense", "dense layer (H·W·C·neurons + neurons)", "#dc2626"),
            ("conv", "3×3 conv layer (k·k·C·filters + filters)", "#2563eb"),
        ):
            data.append({
                "type": "scatter", "x": curves[x_key], "y": curves[key], "mode": "lines", "name": name,
                "line": {"color": colour, "width": 3}, "legendgroup": key, "showlegend": suffix == "",
                "xaxis": f"x{suffix}", "yaxis": f"y{suffix}",
                "hovertemplate": f"{x_key} %{{x:,.0f}}: %{{y:,.0f}} parameters<extra>{key}</extra>",
            })
        layout[f"xaxis{suffix}"] = {"domain": list(domain), "title": {"text": x_title}, "anchor": f"y{suffix}"}
        layout[f"yaxis{suffix}"] = {"title": {"text": "parameters"}, "anchor": f"x{suffix}"}
        layout["annotations"].append(_subplot_title(title, domain))
    if current_side is not None:
        index = int(np.argmin(np.abs(curves["side"] - current_side)))
        # At the top of the curve (the calculator at its largest image), the label goes below the point.
        position = "bottom left" if curves["dense"][index] >= curves["dense"].max() else "top left"
        for suffix, x_key, *_ in panels:
            data.append({
                "type": "scatter", "x": [curves[x_key][index]], "y": [curves["dense"][index]], "mode": "markers+text",
                "marker": {"size": 12, "color": "#0f172a"}, "text": [format_count(curves["dense"][index])],
                "textposition": position, "showlegend": False, "hoverinfo": "skip",
                "xaxis": f"x{suffix}", "yaxis": f"y{suffix}",
            })
    return FinishedFigure({"data": data, "layout": layout})


def accuracy_by_model_figure(curves: dict[str, ShiftCurves]) -> go.Figure:
    """Accuracy against shift distance averaged over the three directions, one line per model.

    >>> c = ShiftCurves(np.arange(2), {"horizontal": np.array([1.0, 0.5]), "vertical": np.array([1.0, 0.7])})
    >>> [round(float(v), 2) for v in accuracy_by_model_figure({"CNN": c}).data[0].y]
    [1.0, 0.6]
    """
    data = [
        {
            "type": "scatter", "x": model_curves.distances, "y": model_curves.mean_over_directions(),
            "mode": "lines+markers", "name": model,
            "line": {"dash": MODEL_DASHES.get(model, "solid"), "color": MODEL_COLOURS.get(model), "width": 3},
            "hovertemplate": f"{model}: shift %{{x}} px, mean accuracy %{{y:.1%}}<extra></extra>",
        }
        for model, model_curves in curves.items()
    ]
    layout = {
        "height": 300, "margin": _MARGIN,
        "title": _title("Mean accuracy over the three directions"),
        "xaxis": {"title": {"text": "shift d (px): mean of (d, 0), (0, d) and the diagonal (d, d), √2·d away"}, "dtick": 1},
        "yaxis": {"title": {"text": "test accuracy"}, "range": [0, 1.02], "tickformat": ".0%"},
    }
    return FinishedFigure({"data": data, "layout": layout})
