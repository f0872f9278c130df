"""Plotly figures of the metrics page: confusion matrices, per-class bars, precision-recall curves.

Confusion matrices colour the right answers (the diagonal) blue and the errors red,
each on its own scale, so a handful of mistakes is not washed out by a thousand
correct answers. Every cell is written out as a number as well.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from annviz.figure_data import GAPS, FinishedFigure
from annviz.metrics import BinaryCounts, PrecisionRecallCurve, ThresholdSweep, top_probabilities

# Right answers from a medium to a dark blue (white digits stay readable even on a 0);
# errors from white to a medium red (black digits stay readable on the worst cell).
RIGHT_COLOURS = [[0.0, "#6baed6"], [1.0, "#08306b"]]
ERROR_COLOURS = [[0.0, "#fff5f0"], [1.0, "#ef3b2c"]]
PRECISION_COLOUR = "#1f77b4"
RECALL_COLOUR = "#d62728"
F1_COLOUR = "#2ca02c"
SELECTED_COLOUR = "#ff9900"


def _right_and_wrong(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split a square matrix into its diagonal and its off-diagonal part (NaN elsewhere)."""
    z = np.asarray(z, dtype=np.float64)
    on_diagonal = np.eye(len(z), dtype=bool)
    return np.where(on_diagonal, z, np.nan), np.where(on_diagonal, np.nan, z)


def _two_colour_heatmap(z: np.ndarray, text: list[list[str]], *, font_size: int) -> list[go.Heatmap]:
    right, wrong = _right_and_wrong(z)
    n = len(z)
    traces = []
    # The diagonal's dark blues need white digits; the errors' reds stay light enough for black.
    for values, colours, ink in ((right, RIGHT_COLOURS, "white"), (wrong, ERROR_COLOURS, "black")):
        finite = values[np.isfinite(values)]
        top = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
        traces.append(
            go.Heatmap(
                z=values,
                x=list(range(n)),
                y=list(range(n)),
                # Each layer writes only its own cells, or its ink would cover the other's.
                text=[[cell if np.isfinite(v) else "" for cell, v in zip(row, vrow)] for row, vrow in zip(text, values)],
                texttemplate="%{text}",
                textfont={"size": font_size, "color": ink},
                colorscale=colours,
                zmin=0,
                zmax=top,
                showscale=False,
                hoverinfo="skip",
                xgap=2,
                ygap=2,
                meta=GAPS,  # NaN where the other layer draws
            )
        )
    return traces


def binary_confusion_figure(counts: BinaryCounts, *, title: str = "Confusion matrix") -> go.Figure:
    """The 2×2 confusion matrix with TN, FP, FN, TP written in their cells.

    >>> fig = binary_confusion_figure(BinaryCounts(tp=3, tn=2, fp=1, fn=1))
    >>> fig.data[0].text[1][1]
    'TP = 3'
    """
    matrix = counts.as_matrix()
    names = [["TN", "FP"], ["FN", "TP"]]
    text = [[f"{names[i][j]} = {matrix[i, j]}" for j in range(2)] for i in range(2)]
    ticks = {"tickvals": [0, 1], "ticktext": ["0 (negative)", "1 (positive)"]}
    return FinishedFigure(
        _two_colour_heatmap(matrix, text, font_size=20),
        layout={
            "title": title,
            "height": 360,
            "margin": {"l": 10, "r": 10, "t": 90, "b": 10},
            "title_y": 0.97,
            "xaxis": {"title": "Predicted", "side": "top", **ticks},
            "yaxis": {"title": "Actual", "autorange": "reversed", **ticks},
        },
    )


def confusion_figure(
    matrix: np.ndarray,
    *,
    normalized: bool,
    selected: tuple[int, int] | None = None,
    title: str = "Confusion matrix",
) -> go.Figure:
    """A K×K confusion matrix (row = true class, column = predicted class), every cell annotated.

    A transparent marker sits on each cell so that a click selects it
    (``customdata`` = [true class, predicted class]); ``selected`` is outlined.

    >>> fig = confusion_figure(np.array([[5, 1], [0, 4]]), normalized=False, selected=(0, 1))
    >>> fig.data[2].customdata[1]
    [0, 1, '1']
    """
    matrix = np.asarray(matrix)
    n = len(matrix)
    if normalized:
        text = [[f"{v:.2f}" if v else "0" for v in row] for row in matrix]
    else:
        text = [[f"{int(v)}" for v in row] for row in matrix]
    true_class, predicted_class = np.divmod(np.arange(n * n), n)
    shown = [text[t][p] for t, p in zip(true_class, predicted_class)]
    click_layer = {
        "type": "scatter",
        "x": predicted_class,
        "y": true_class,
        "mode": "markers",
        "marker": {"size": 34, "symbol": "square", "color": "rgba(0,0,0,0)"},
        "customdata": [[int(t), int(p), s] for t, p, s in zip(true_class, predicted_class, shown)],
        "hovertemplate": "true %{customdata[0]}, predicted %{customdata[1]}: %{customdata[2]}"
        "<br>click to see these images<extra></extra>",
        "showlegend": False,
    }
    shapes = []
    if selected is not None:
        t, p = selected
        shapes.append(
            {
                "type": "rect", "x0": p - 0.5, "x1": p + 0.5, "y0": t - 0.5, "y1": t + 0.5,
                "line": {"color": SELECTED_COLOUR, "width": 4},
            }
        )
    ticks = list(range(n))
    return FinishedFigure(
        [*_two_colour_heatmap(matrix, text, font_size=13 if n > 5 else 18), click_layer],
        layout={
            "title": title,
            "height": 560,
            "margin": {"l": 10, "r": 10, "t": 90, "b": 10},
            "title_y": 0.98,
            "xaxis": {"title": "Predicted class", "tickvals": ticks, "side": "top", "range": [-0.5, n - 0.5]},
            "yaxis": {"title": "True class", "tickvals": ticks, "range": [n - 0.5, -0.5]},
            "shapes": shapes,
            "clickmode": "event+select",
            # A click anywhere in a cell picks its (transparent) marker, not just on the marker.
            "hovermode": "closest",
            "hoverdistance": -1,
            "dragmode": False,
            "plot_bgcolor": "white",
        },
    )


def per_class_figure(table: pd.DataFrame, *, n_classes: int = 10) -> go.Figure:
    """Grouped bars of precision, recall and F1 for each class (rows ``"0" … "9"`` of the report).

    >>> from annviz.metrics import classification_table
    >>> fig = per_class_figure(classification_table([0, 1, 1], [0, 1, 0], n_classes=2), n_classes=2)
    >>> [trace.name for trace in fig.data]
    ['precision', 'recall', 'F1']
    """
    classes = [str(c) for c in range(n_classes)]
    rows = table.loc[classes]
    bars = [
        {
            "type": "bar",
            "x": classes,
            "y": rows[column].to_numpy(),
            "name": name,
            "marker": {"color": colour},
            "hovertemplate": f"class %{{x}}: {name} %{{y:.3f}}<extra></extra>",
        }
        for column, name, colour in (
            ("precision", "precision", PRECISION_COLOUR),
            ("recall", "recall", RECALL_COLOUR),
            ("f1-score", "F1", F1_COLOUR),
        )
    ]
    lowest = float(rows[["precision", "recall", "f1-score"]].to_numpy().min())
    # Start the axis a little below the worst class so differences of a few points are visible;
    # the title says where it starts.
    bottom = max(0.0, np.floor(lowest * 20) / 20 - 0.05)
    return FinishedFigure(
        bars,
        layout={
            "title": f"Per-class precision, recall and F1 (axis starts at {bottom:.2f})",
            "barmode": "group",
            "height": 380,
            "margin": {"l": 10, "r": 10, "t": 60, "b": 10},
            "xaxis": {"title": "Class", "type": "category"},
            "yaxis": {"range": [bottom, 1.0]},
            "legend": {"orientation": "h", "y": -0.2},
        },
    )


def precision_recall_figure(
    curve: PrecisionRecallCurve,
    *,
    current_recall: float,
    current_precision: float,
    threshold: float,
    positive_rate: float,
) -> go.Figure:
    """The precision-recall curve, the point of the current threshold, and the no-skill line.

    >>> from annviz.metrics import precision_recall
    >>> curve = precision_recall([1, 0, 1, 0], [0.9, 0.6, 0.4, 0.1])
    >>> fig = precision_recall_figure(curve, current_recall=0.5, current_precision=0.5,
    ...                               threshold=0.5, positive_rate=0.5)
    >>> fig.data[1].x[0], fig.data[1].y[0]
    (0.5, 0.5)
    """
    traces = [
        {
            "type": "scatter",
            "x": curve.recall,
            "y": curve.precision,
            "mode": "lines",
            "line": {"color": PRECISION_COLOUR, "width": 2},
            "name": f"model (average precision {curve.average_precision:.3f})",
            "hovertemplate": "recall %{x:.3f}, precision %{y:.3f}<extra></extra>",
        },
        {
            "type": "scatter",
            "x": [current_recall],
            "y": [current_precision],
            "mode": "markers",
            "marker": {"size": 14, "color": SELECTED_COLOUR, "line": {"color": "black", "width": 1}},
            "name": f"threshold {threshold:.2f}",
            "hovertemplate": "recall %{x:.3f}, precision %{y:.3f}<extra></extra>",
        },
    ]
    no_skill = {
        "type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": positive_rate, "y1": positive_rate,
        "line": {"dash": "dot", "color": "grey"},
    }
    label = {
        "xref": "paper", "x": 0.01, "y": positive_rate, "yanchor": "bottom", "xanchor": "left", "showarrow": False,
        # Two short lines: in a third of a projector's width one long line ran off the figure.
        "text": f"no skill: precision =<br>share of positives = {positive_rate:.3f}",
        "font": {"color": "grey"},
    }
    return FinishedFigure(
        traces,
        layout={
            "title": "Precision-recall curve",
            "height": 380,
            "margin": {"l": 10, "r": 10, "t": 50, "b": 10},
            "xaxis": {"title": "Recall", "range": [0, 1.02]},
            "yaxis": {"title": "Precision", "range": [0, 1.02]},
            "shapes": [no_skill],
            "annotations": [label],
            "legend": {"orientation": "h", "y": -0.25},
        },
    )


def threshold_figure(sweep: ThresholdSweep, *, threshold: float) -> go.Figure:
    """Precision, recall and F1 against the decision threshold, with the current threshold marked.

    >>> from annviz.metrics import threshold_sweep
    >>> fig = threshold_figure(threshold_sweep([1, 0], [0.8, 0.3], [0.5]), threshold=0.5)
    >>> [trace.name for trace in fig.data]
    ['precision', 'recall', 'F1']
    """
    lines = [
        {
            "type": "scatter",
            "x": sweep.thresholds,
            "y": values,
            "mode": "lines",
            "name": name,
            "line": {"color": colour, "width": 2},
            "hovertemplate": f"threshold %{{x:.2f}}: {name} %{{y:.3f}}<extra></extra>",
        }
        for values, name, colour in (
            (sweep.precision, "precision", PRECISION_COLOUR),
            (sweep.recall, "recall", RECALL_COLOUR),
            (sweep.f1, "F1", F1_COLOUR),
        )
    ]
    current = {
        "type": "line", "yref": "paper", "x0": threshold, "x1": threshold, "y0": 0, "y1": 1,
        "line": {"color": SELECTED_COLOUR, "width": 3},
    }
    # Zoom on where the curves are: a good model's trade-off lives in the top few percent.
    lowest = float(min(sweep.precision.min(), sweep.recall.min(), sweep.f1.min()))
    bottom = max(0.0, np.floor(lowest * 20) / 20 - 0.05)
    return FinishedFigure(
        lines,
        layout={
            "title": "Precision, recall, F1 against t",
            "height": 380,
            "margin": {"l": 10, "r": 10, "t": 50, "b": 10},
            "xaxis": {"title": "threshold t (positive when P ≥ t)", "range": [0, 1]},
            "yaxis": {"range": [bottom, 1.01], "title": f"axis starts at {bottom:.2f}"},
            "shapes": [current],
            "legend": {"orientation": "h", "y": -0.25},
        },
    )


def enlarge_digits(images: np.ndarray, *, factor: int = 4) -> list[np.ndarray]:
    """Each 28×28 digit blown up ``factor`` times with square pixels (a browser would blur them).

    >>> enlarge_digits(np.zeros((2, 28, 28), dtype=np.uint8))[0].shape
    (112, 112)
    """
    return [np.kron(np.asarray(image), np.ones((factor, factor), dtype=np.uint8)) for image in images]


def gallery_captions(indices: Sequence[int], probabilities: np.ndarray, *, k: int = 3) -> list[str]:
    """One caption per gallery image: its test-set index and the model's top ``k`` probabilities.

    >>> gallery_captions([8], np.array([[0.0, 0.1, 0.0, 0.0, 0.0, 0.7, 0.2, 0.0, 0.0, 0.0]]), k=2)
    ['#8 · 5: 70.0% · 6: 20.0%']
    """
    captions = []
    for index, row in zip(indices, probabilities):
        top = " · ".join(f"{c}: {p:.1%}" for c, p in top_probabilities(row, k=k))
        captions.append(f"#{int(index)} · {top}")
    return captions


def clicked_cell(points: Sequence[dict]) -> tuple[int, int] | None:
    """The (true class, predicted class) of a click on :func:`confusion_figure`, from Streamlit's selection.

    Only points of the transparent click layer carry ``customdata``; anything else is ignored.

    >>> clicked_cell([{"curve_number": 2, "x": 9, "y": 4, "customdata": [4, 9, "12"]}])
    (4, 9)
    >>> clicked_cell([]) is None
    True
    """
    for point in points:
        data = point.get("customdata")
        if isinstance(data, (list, tuple)) and len(data) >= 2:
            return int(data[0]), int(data[1])
    return None
