"""Plotly figures for the MNIST page: the data up close, and the live training curves.

Each builder takes plain arrays or :class:`annviz.training.TrainingHistory` and returns a
``plotly.graph_objects.Figure`` written as one dict (validated once, as in ``limitation_plots``).
The two small helpers that pick what the explore figures show are here too, with their tests.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from annviz.errors import InputError
from annviz.figure_data import GAPS, FinishedFigure, image_trace
from annviz.mnist import IMAGE_SIDE, N_CLASSES
from annviz.training import TrainingHistory

TRAIN_COLOUR, VALIDATION_COLOUR, TEST_COLOUR = "#2563eb", "#ea580c", "#64748b"
_MARGIN = {"l": 10, "r": 10, "t": 50, "b": 10}
_TITLE_FONT = {"size": 14}
#: How a metric's name reads on an axis.
METRIC_TITLES = {"loss": "loss", "accuracy": "accuracy", "top_3_accuracy": "top-3 accuracy"}


def _title(text: str) -> dict[str, Any]:
    return {"text": text, "font": _TITLE_FONT}


def first_of_each_class(labels: np.ndarray, per_class: int) -> np.ndarray:
    """Indices of the first ``per_class`` images of each digit: row ``d`` holds digit ``d``'s.

    >>> first_of_each_class(np.array([1, 0, 1, 0, 2, 2, 1]), 2)[:3].tolist()
    [[1, 3], [0, 2], [4, 5]]
    """
    labels = np.asarray(labels)
    classes = int(labels.max()) + 1
    rows = []
    for digit in range(classes):
        where = np.flatnonzero(labels == digit)[:per_class]
        if len(where) < per_class:
            raise InputError(f"There are only {len(where)} images of the digit {digit}; ask for at most that many.")
        rows.append(where)
    return np.stack(rows)


def class_counts(labels: np.ndarray) -> np.ndarray:
    """How many images of each digit 0–9.

    >>> class_counts(np.array([0, 0, 3])).tolist()
    [2, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    """
    return np.bincount(np.asarray(labels), minlength=N_CLASSES)


def _image_axes(width: int, height: int) -> tuple[dict[str, Any], dict[str, Any]]:
    # Square pixels; "constrain" shrinks the plot area instead of widening the range in a narrow column.
    frame = {"showgrid": False, "zeroline": False, "showline": True, "linecolor": "#94a3b8", "mirror": True,
             "constrain": "domain"}
    return (
        {**frame, "range": [-0.5, width - 0.5], "showticklabels": False},
        {**frame, "range": [height - 0.5, -0.5], "scaleanchor": "x"},
    )


def digit_grid_figure(images: np.ndarray, indices: np.ndarray, *, height: int = 460) -> go.Figure:
    """A mosaic of digits: one row per class (``indices`` from :func:`first_of_each_class`), ink dark.

    Sent as a PNG (plotly's image trace): these are thumbnails to look at, while
    :func:`digit_values_figure` shows the one digit whose 0–255 values the lesson reads.

    >>> fig = digit_grid_figure(np.zeros((20, 28, 28), np.uint8), np.arange(20).reshape(10, 2))
    >>> fig.data[0].type, list(fig.layout.xaxis.range), list(fig.layout.yaxis.ticktext)[:2]
    ('image', [-0.5, 56.5], ['0', '1'])
    """
    gap = 1
    classes, per_class = indices.shape
    side = IMAGE_SIDE + gap
    mosaic = np.full((classes * side - gap, per_class * side - gap), np.nan)
    for row in range(classes):
        for column in range(per_class):
            top, left = row * side, column * side
            mosaic[top : top + IMAGE_SIDE, left : left + IMAGE_SIDE] = images[indices[row, column]]
    xaxis, yaxis = _image_axes(mosaic.shape[1], mosaic.shape[0])
    yaxis.update(tickvals=[row * side + IMAGE_SIDE / 2 for row in range(classes)],
                 ticktext=[str(row) for row in range(classes)], title={"text": "class"})
    data = [image_trace(mosaic, "Greys", zmin=0, zmax=255)]  # NaN between the digits: transparent
    layout = {"height": height, "margin": _MARGIN, "title": _title(f"The first {per_class} training images of each class"),
              "xaxis": xaxis, "yaxis": yaxis}
    return FinishedFigure({"data": data, "layout": layout})


def class_counts_figure(train_counts: np.ndarray, test_counts: np.ndarray, *, height: int = 460) -> go.Figure:
    """Images per class in the training and test sets, as grouped bars with their numbers.

    >>> fig = class_counts_figure(np.full(10, 6000), np.full(10, 1000))
    >>> [trace.name for trace in fig.data], fig.data[0].text[0]
    (['train (60,000)', 'test (10,000)'], '6,000')
    """
    data = []
    for name, counts, colour in (("train", train_counts, TRAIN_COLOUR), ("test", test_counts, TEST_COLOUR)):
        counts = np.asarray(counts)
        data.append({
            "type": "bar", "x": [str(c) for c in range(len(counts))], "y": counts, "name": f"{name} ({int(counts.sum()):,})",
            "marker": {"color": colour}, "text": [f"{int(c):,}" for c in counts], "textposition": "outside",
            # Upright, side by side, the labels of neighbouring bars ran into each other ("5,923" and "1,00…").
            "textangle": -90,
            "textfont": {"size": 10}, "hovertemplate": "class %{x}: %{y:,}<extra>" + name + "</extra>",
        })
    layout = {
        "barmode": "group", "height": height, "margin": _MARGIN, "title": _title("Images per class"),
        "xaxis": {"title": {"text": "class"}, "type": "category"},
        "yaxis": {"title": {"text": "images"}, "range": [0, max(np.max(train_counts), np.max(test_counts)) * 1.3]},
        "legend": {"orientation": "h", "y": 1.0, "x": 1, "xanchor": "right", "yanchor": "bottom"},
    }
    return FinishedFigure({"data": data, "layout": layout})


def digit_values_figure(image: np.ndarray, *, title: str, height: int = 620, values: bool = True) -> go.Figure:
    """One digit as a 28×28 heatmap with every non-zero pixel value (0–255) written in its cell (``values``).

    >>> image = np.zeros((28, 28), np.uint8); image[3, 4] = 255
    >>> fig = digit_values_figure(image, title="x_train[0]")
    >>> fig.data[0].text[3][4], fig.data[0].text[0][0]
    ('255', '')
    """
    image = np.asarray(image)
    text = np.where((image > 0) & values, image.astype(int).astype(str), "")
    xaxis, yaxis = _image_axes(IMAGE_SIDE, IMAGE_SIDE)
    if values:
        xaxis.update(showticklabels=True, dtick=4, title={"text": "column"})
        yaxis.update(dtick=4, title={"text": "row"})
    else:
        yaxis.update(showticklabels=False)
    data = [{
        "type": "heatmap", "z": image, "text": text, "texttemplate": "%{text}", "textfont": {"size": 8},
        "colorscale": "Greys", "zmin": 0, "zmax": 255, "showscale": False,
        "hovertemplate": "row %{y}, column %{x}: %{z}<extra></extra>",
    }]
    layout = {"height": height, "margin": _MARGIN, "title": _title(title), "xaxis": xaxis, "yaxis": yaxis}
    return FinishedFigure({"data": data, "layout": layout})


def flattened_figure(flat: np.ndarray, *, title: str, height: int = 260) -> go.Figure:
    """The 784 network inputs (a flattened, scaled digit) in order, one bar each; rows 0–27 end to end.

    >>> fig = flattened_figure(np.linspace(0, 1, 784), title="x / 255")
    >>> len(fig.data[0].y), fig.layout.xaxis.range
    (784, (-0.5, 783.5))
    """
    flat = np.asarray(flat, dtype=float).ravel()
    rows = [{"type": "line", "x0": r * IMAGE_SIDE - 0.5, "x1": r * IMAGE_SIDE - 0.5, "y0": 0, "y1": 1, "yref": "paper",
             "line": {"color": "#e2e8f0", "width": 1}} for r in range(1, IMAGE_SIDE)]
    data = [{
        "type": "bar", "x": np.arange(len(flat)), "y": flat, "marker": {"color": TRAIN_COLOUR, "line": {"width": 0}},
        "customdata": np.stack(np.divmod(np.arange(len(flat)), IMAGE_SIDE), axis=1),
        "hovertemplate": "input %{x} = pixel (row %{customdata[0]}, column %{customdata[1]}): %{y:.3f}<extra></extra>",
    }]
    layout = {
        "height": height, "margin": _MARGIN, "title": _title(title), "shapes": rows, "bargap": 0,
        "xaxis": {"range": [-0.5, len(flat) - 0.5], "title": {"text": "input index (row × 28 + column)"},
                  "tickvals": list(range(0, len(flat) + 1, 112))},
        "yaxis": {"range": [0, 1.05], "title": {"text": "value"}},
    }
    return FinishedFigure({"data": data, "layout": layout})


def training_curves_figure(history: TrainingHistory, metric: str, *, epochs: int, height: int = 330) -> go.Figure:
    """One metric while training: the mean over each block of batches (thin), and per epoch train and validation.

    The x axis counts epochs: 2.5 is half-way through the third epoch; epoch means sit at
    the epoch's end.

    >>> from annviz.training import BatchPoint, EpochRow
    >>> history = TrainingHistory((BatchPoint(0.5, {"loss": 1.0}), BatchPoint(1.0, {"loss": 0.5})),
    ...                           (EpochRow(1, {"loss": 0.75, "val_loss": 0.6}, True, 2.0),))
    >>> fig = training_curves_figure(history, "loss", epochs=10)
    >>> [(t.name, list(t.y)) for t in fig.data]
    [('train, per batch block', [1.0, 0.5]), ('train, epoch mean', [0.75]), ('validation', [0.6])]
    """
    val_name = f"val_{metric}"
    # An epoch cut short by Stop has a mean over part of the epoch only: the block line shows it.
    epoch_rows = [row for row in history.epochs if metric in row.values and row.complete]
    val_rows = [row for row in history.epochs if val_name in row.values]
    data = [
        {"type": "scatter", "mode": "lines", "name": "train, per batch block",
         "x": [p.epochs_done for p in history.batches if metric in p.values],
         "y": [p.values[metric] for p in history.batches if metric in p.values],
         "line": {"color": TRAIN_COLOUR, "width": 1}, "opacity": 0.45,
         "hovertemplate": "epoch %{x:.2f}: %{y:.4f}<extra>batches</extra>"},
        {"type": "scatter", "mode": "lines+markers", "name": "train, epoch mean",
         "x": [row.epoch for row in epoch_rows], "y": [row.values[metric] for row in epoch_rows],
         "line": {"color": TRAIN_COLOUR, "width": 2}, "hovertemplate": "epoch %{x}: %{y:.4f}<extra>train</extra>"},
        {"type": "scatter", "mode": "lines+markers", "name": "validation",
         "x": [row.epoch for row in val_rows], "y": [row.values[val_name] for row in val_rows],
         "line": {"color": VALIDATION_COLOUR, "width": 2, "dash": "dash"},
         "hovertemplate": "epoch %{x}: %{y:.4f}<extra>validation</extra>"},
    ]
    yaxis: dict[str, Any] = {"title": {"text": METRIC_TITLES.get(metric, metric)}}
    if metric != "loss":
        yaxis.update(tickformat=".0%")
    layout = {
        "height": height, "margin": _MARGIN, "title": _title(METRIC_TITLES.get(metric, metric).capitalize()),
        "xaxis": {"range": [0, epochs], "title": {"text": "epoch"}, "dtick": max(1, epochs // 10)},
        "yaxis": yaxis,
        "legend": {"orientation": "h", "y": 1.0, "x": 1, "xanchor": "right", "yanchor": "bottom", "font": {"size": 11}},
    }
    return FinishedFigure({"data": data, "layout": layout})


def data_split_figure(train_size: int, validation_size: int, *, total: int = 60_000, test_size: int = 10_000,
                      height: int = 190) -> go.Figure:
    """Where the images go: trained on, held out for validation, left out (subset), and the test set.

    >>> fig = data_split_figure(54_000, 6_000)
    >>> [(t.name, list(t.x)) for t in fig.data]
    [('training', [54000, 0]), ('validation', [6000, 0]), ('not used', [0, 0]), ('test', [0, 10000])]
    """
    unused = total - train_size - validation_size
    rows = ["training file", "test file"]
    segments = (
        ("training", [train_size, 0], TRAIN_COLOUR),
        ("validation", [validation_size, 0], VALIDATION_COLOUR),
        ("not used", [unused, 0], "#e2e8f0"),
        ("test", [0, test_size], TEST_COLOUR),
    )
    data = [{
        "type": "bar", "orientation": "h", "name": name, "x": counts, "y": rows, "marker": {"color": colour},
        "text": [f"{name} {count:,}" if count else "" for count in counts], "textposition": "inside",
        "insidetextanchor": "middle", "hovertemplate": "%{x:,} images<extra>" + name + "</extra>",
    } for name, counts, colour in segments]
    layout = {
        "barmode": "stack", "height": height, "margin": {**_MARGIN, "t": 40},
        "title": _title(f"Where the images go: {train_size:,} to learn from, {validation_size:,} to validate, "
                        f"{test_size:,} to test"),
        "xaxis": {"range": [0, total], "tickformat": ",", "title": {"text": "images"}},
        "yaxis": {"autorange": "reversed"}, "showlegend": False, "uniformtext": {"minsize": 9, "mode": "hide"},
    }
    return FinishedFigure({"data": data, "layout": layout})


#: One colour per kept run (by its number, so picking or unpicking others never recolours it).
RUN_COLOURS = ("#2563eb", "#ea580c", "#16a34a", "#9333ea", "#dc2626", "#0891b2", "#ca8a04", "#db2777")


def run_colour(number: int) -> str:
    """The colour of run ``number`` (1-based), the same in every figure.

    >>> run_colour(1), run_colour(9)
    ('#2563eb', '#2563eb')
    """
    return RUN_COLOURS[(number - 1) % len(RUN_COLOURS)]


def compared_curves_figure(runs: tuple, names: dict[int, str], metric: str, *, height: int = 360) -> go.Figure:
    """One metric of several kept runs overlaid, per epoch: training solid, validation dashed, one
    colour per run (``annviz.runs.KeptRun``; ``names`` from ``annviz.runs.run_names``).

    The legend has one entry per run (its training trace; clicking it hides both of its lines).
    A run's curve stops at its last finite value (a NaN run's loss ends where it blew up).

    >>> from annviz.runs import failed_run
    >>> from annviz.training import EpochRow, TrainingHistory
    >>> from annviz.training_config import TrainingConfig
    >>> from dataclasses import replace
    >>> run = replace(failed_run(1, TrainingConfig(), ""), outcome="completed",
    ...               history=TrainingHistory(epochs=(EpochRow(1, {"loss": 0.4, "val_loss": 0.3}, True, 1.0),)))
    >>> [(t.name, list(t.y)) for t in compared_curves_figure((run,), {1: "Run 1"}, "loss").data]
    [('Run 1', [0.4]), ('Run 1 · validation', [0.3])]
    """
    from annviz.runs import epoch_curve

    data = []
    for run in runs:
        colour = run_colour(run.number)
        for part, name, dash in (("training", metric, "solid"), ("validation", f"val_{metric}", "dash")):
            x, y = epoch_curve(run, name)
            data.append({
                "type": "scatter", "mode": "lines+markers", "x": x, "y": y,
                "name": names[run.number] + (" · validation" if part == "validation" else ""),
                "showlegend": part == "training",
                "legendgroup": str(run.number), "line": {"color": colour, "width": 2, "dash": dash},
                "marker": {"size": 5}, "hovertemplate": "epoch %{x}: %{y:.4f}<extra>" + f"Run {run.number} {part}</extra>",
            })
    longest = max((run.config.epochs for run in runs), default=1)
    yaxis: dict[str, Any] = {"title": {"text": METRIC_TITLES.get(metric, metric)}}
    if metric != "loss":
        yaxis.update(tickformat=".0%")
    layout = {
        "height": height, "margin": _MARGIN,
        "title": _title(f"{METRIC_TITLES.get(metric, metric).capitalize()} per epoch: training solid, validation dashed"),
        "xaxis": {"range": [0.5, longest + 0.5], "title": {"text": "epoch"}, "dtick": max(1, longest // 10)},
        "yaxis": yaxis,
        "legend": {"orientation": "h", "x": 0, "y": -0.22, "yanchor": "top", "font": {"size": 11}},
    }
    layout["margin"] = {**_MARGIN, "b": 20}
    return FinishedFigure({"data": data, "layout": layout})


def first_layer_weights_figure(kernel: np.ndarray, neurons: tuple[int, ...], *, columns: int = 8,
                               title: str, height: int = 330) -> go.Figure:
    """The first dense layer's weights of some neurons, each neuron's 784 as a 28×28 image
    (``kernel[:, j].reshape(28, 28)``): red where ink excites it, blue where ink inhibits it.

    One colour scale for all, symmetric about 0 (the largest |w| shown).

    >>> kernel = np.zeros((784, 4), np.float32); kernel[0, 1] = 0.5
    >>> fig = first_layer_weights_figure(kernel, (0, 1), columns=2, title="W₁")
    >>> fig.data[0].z.shape, float(np.nanmax(fig.data[0].z)), fig.data[0].zmax
    ((34, 57), 0.5, 0.5)
    """
    kernel = np.asarray(kernel)
    if kernel.ndim != 2 or kernel.shape[0] != IMAGE_SIDE * IMAGE_SIDE:
        raise InputError(f"A first layer on 28×28 images has 784 rows of weights, not the shape {kernel.shape}.")
    if not neurons or min(neurons) < 0 or max(neurons) >= kernel.shape[1]:
        raise InputError(f"Choose neurons between 0 and {kernel.shape[1] - 1}.")
    gap, label_rows = 1, 6  # a row of images sits below a band of empty rows for its labels
    rows = -(-len(neurons) // columns)
    used = min(columns, len(neurons))
    side, tall = IMAGE_SIDE + gap, IMAGE_SIDE + label_rows
    # float32, the kernel's own precision: half the bytes of plotly's float64, and the hover's three decimals intact.
    mosaic = np.full((rows * tall, used * side - gap), np.nan, np.float32)
    for position, neuron in enumerate(neurons):
        top, left = (position // columns) * tall + label_rows, (position % columns) * side
        mosaic[top : top + IMAGE_SIDE, left : left + IMAGE_SIDE] = kernel[:, neuron].reshape(IMAGE_SIDE, IMAGE_SIDE)
    reach = float(np.nanmax(np.abs(mosaic))) or 1.0
    xaxis, yaxis = _image_axes(mosaic.shape[1], mosaic.shape[0])
    yaxis.update(showticklabels=False)
    labels = [{"x": (p % columns) * side + IMAGE_SIDE / 2, "y": (p // columns) * tall + label_rows / 2,
               "text": f"neuron {n}", "showarrow": False, "font": {"size": 10}} for p, n in enumerate(neurons)]
    data = [{
        "type": "heatmap", "z": mosaic, "colorscale": "RdBu", "reversescale": True, "zmin": -reach, "zmax": reach,
        "zmid": 0, "colorbar": {"title": {"text": "weight"}, "thickness": 12}, "meta": GAPS,
        "hovertemplate": "weight %{z:.3f}<extra></extra>",
    }]
    layout = {"height": height, "margin": {**_MARGIN, "t": 60}, "title": _title(title), "xaxis": xaxis, "yaxis": yaxis,
              "annotations": labels}
    return FinishedFigure({"data": data, "layout": layout})
