"""The projector style (lecture mode) over every figure builder of annviz: text ≥ 16 px, thick lines, big markers.

The table has one sample call per builder; a test checks that every public ``*_figure`` function
of annviz is in it, so a new builder cannot miss the lecture style.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import replace
from typing import Any, Callable, Iterator

import numpy as np
import plotly.graph_objects as go
import pytest

import annviz
from annviz import (
    class_board,
    activation_plots,
    digit_plots,
    limitation_plots,
    metric_plots,
    mnist_plots,
    network_plot,
    playground_plots,
    race_plots,
)
from annviz.activations import softmax
from annviz.digits import prepare_digit
from annviz.figure_data import FinishedFigure
from annviz.figure_style import LINE_SCALE, MIN_FONT_PX, MIN_LINE_PX, MIN_MARKER_PX, for_projector, projector_dict
from annviz.limitations import ShiftCurves, compare_activations, params_against_side
from annviz.metrics import BinaryCounts, classification_table, precision_recall, threshold_sweep
from annviz.neuron import neuron_output, stacked_layers_demo
from annviz.optimizers import make_racer
from annviz.race import race
from annviz.runs import failed_run
from annviz.surfaces import SURFACES
from annviz.training import BatchPoint, EpochRow, TrainingHistory
from annviz.training_config import TrainingConfig


def _drawing() -> np.ndarray:
    drawing = np.zeros((280, 280), dtype=np.uint8)
    drawing[40:240, 130:150] = 255
    return drawing


def _curves() -> ShiftCurves:
    return ShiftCurves(np.arange(3), {"horizontal": np.array([1.0, 0.9, 0.5]), "vertical": np.array([1.0, 0.8, 0.4]),
                                      "diagonal": np.array([1.0, 0.7, 0.3])})


def _history() -> TrainingHistory:
    return TrainingHistory((BatchPoint(0.5, {"loss": 1.0}), BatchPoint(1.0, {"loss": 0.5})),
                           (EpochRow(1, {"loss": 0.75, "val_loss": 0.6}, True, 2.0),))


def _ravine_race(steps: int = 100) -> Any:
    return race(SURFACES["ravine"], [make_racer("sgd"), make_racer("adam", learning_rate=0.1)], (-4.5, 1.0), steps)


_STRIP = (np.linspace(0, 1, 128), np.linspace(1, 0, 128))

#: One sample call per figure builder, named ``module.function``.
BUILDERS: dict[str, Callable[[], go.Figure]] = {
    "class_board.board_figure": lambda: class_board.board_figure([
        class_board.BoardRow(TrainingConfig(), "finished", 0.976, 9.1, 14),
        class_board.BoardRow(TrainingConfig(optimizer="sgd", learning_rate=0.01), "finished", 0.91, 8.4, 3),
        class_board.BoardRow(TrainingConfig(learning_rate=0.1, epochs=3), "stopped", None, None, 1),
    ]),
    "activation_plots.activation_figure": lambda: activation_plots.activation_figure(["sigmoid", "relu"]),
    "activation_plots.activation_point_figure": lambda: activation_plots.activation_point_figure("relu", 4.2, 4.2),
    "activation_plots.softmax_figure": lambda: activation_plots.softmax_figure(
        [2.0, 1.0, 0.1], softmax(np.array([2.0, 1.0, 0.1])), temperature=1.0),
    "activation_plots.stacked_layers_figure": lambda: activation_plots.stacked_layers_figure(
        stacked_layers_demo(hidden_units=4, seed=0)),
    "digit_plots.preparation_figure": lambda: digit_plots.preparation_figure(prepare_digit(_drawing())),
    "digit_plots.probability_bars_figure": lambda: digit_plots.probability_bars_figure(np.eye(10)[7] * 0.9 + 0.01, title="MLP"),
    "limitation_plots.accuracy_by_model_figure": lambda: limitation_plots.accuracy_by_model_figure({"CNN": _curves()}),
    "limitation_plots.activation_scatter_figure": lambda: limitation_plots.activation_scatter_figure(*_STRIP, -1.0),
    "limitation_plots.activation_strip_figure": lambda: limitation_plots.activation_strip_figure(
        *_STRIP, compare_activations(*_STRIP)),
    "limitation_plots.digit_pair_figure": lambda: limitation_plots.digit_pair_figure(
        np.zeros((28, 28)), np.ones((28, 28)), titles=("original", "shifted")),
    "limitation_plots.error_rate_figure": lambda: limitation_plots.error_rate_figure(
        {"MLP": {"original pixels": 0.97, "shuffled pixels": 0.96}, "CNN": {"original pixels": 0.98, "shuffled pixels": 0.95}}),
    "limitation_plots.params_figure": lambda: limitation_plots.params_figure(
        params_against_side(np.arange(1, 101), channels=3, neurons=512, kernel_size=3, filters=32), current_side=50),
    "limitation_plots.probability_figure": lambda: limitation_plots.probability_figure(
        np.full(10, 0.1), np.eye(10)[3], true_class=7),
    "limitation_plots.shift_curve_figure": lambda: limitation_plots.shift_curve_figure(
        {"MLP": _curves(), "CNN": _curves()}, marker=("horizontal", 1)),
    "metric_plots.binary_confusion_figure": lambda: metric_plots.binary_confusion_figure(BinaryCounts(tp=3, tn=2, fp=1, fn=1)),
    "metric_plots.confusion_figure": lambda: metric_plots.confusion_figure(
        np.arange(100).reshape(10, 10), normalized=False, selected=(0, 1)),
    "metric_plots.per_class_figure": lambda: metric_plots.per_class_figure(
        classification_table([0, 1, 1], [0, 1, 0], n_classes=2), n_classes=2),
    "metric_plots.precision_recall_figure": lambda: metric_plots.precision_recall_figure(
        precision_recall([1, 0, 1, 0], [0.9, 0.6, 0.4, 0.1]), current_recall=0.5, current_precision=0.5,
        threshold=0.5, positive_rate=0.5),
    "metric_plots.threshold_figure": lambda: metric_plots.threshold_figure(
        threshold_sweep([1, 0, 1], [0.8, 0.3, 0.6], [0.25, 0.5, 0.75]), threshold=0.5),
    "mnist_plots.class_counts_figure": lambda: mnist_plots.class_counts_figure(np.full(10, 6000), np.full(10, 1000)),
    "mnist_plots.compared_curves_figure": lambda: mnist_plots.compared_curves_figure(
        (replace(failed_run(1, TrainingConfig(), ""), outcome="completed", history=_history()),), {1: "Run 1"}, "loss"),
    "mnist_plots.data_split_figure": lambda: mnist_plots.data_split_figure(54_000, 6_000),
    "mnist_plots.digit_grid_figure": lambda: mnist_plots.digit_grid_figure(
        np.zeros((20, 28, 28), np.uint8), np.arange(20).reshape(10, 2)),
    "mnist_plots.digit_values_figure": lambda: mnist_plots.digit_values_figure(np.eye(28, dtype=np.uint8) * 255, title="x"),
    "mnist_plots.first_layer_weights_figure": lambda: mnist_plots.first_layer_weights_figure(
        np.linspace(-1, 1, 784 * 4, dtype=np.float32).reshape(784, 4), (0, 1), columns=2, title="W₁"),
    "mnist_plots.flattened_figure": lambda: mnist_plots.flattened_figure(np.linspace(0, 1, 784), title="x / 255"),
    "mnist_plots.training_curves_figure": lambda: mnist_plots.training_curves_figure(_history(), "loss", epochs=10),
    "race_plots.loss_figure": lambda: race_plots.loss_figure(_ravine_race()),
    "race_plots.race_figure": lambda: race_plots.race_figure(_ravine_race(), frames=10),
    "race_plots.surface_3d_figure": lambda: race_plots.surface_3d_figure(_ravine_race(50)),
    "network_plot.network_figure": lambda: network_plot.network_figure([3, 4, 1], activations=["relu", "sigmoid"], animate=True),
    "network_plot.neuron_figure": lambda: network_plot.neuron_figure(neuron_output([2, -1, 3], [0.5, -0.6, 0.8], 0.2, "relu")),
    "playground_plots.gradient_size_figure": lambda: playground_plots.gradient_size_figure(
        {"Sigmoid": [1e-8, 1e-3, 0.2], "Tanh": [4e-3, 4e-3, 4e-3], "ReLU": [0.03, 0.06, 0.09]}),
}


def _builders_in_annviz() -> set[str]:
    found = set()
    for info in pkgutil.iter_modules(annviz.__path__):
        module = importlib.import_module(f"annviz.{info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.endswith("_figure") and function.__module__ == module.__name__ and not name.startswith("_"):
                found.add(f"{info.name}.{name}")
    return found


def test_every_figure_builder_is_in_the_table() -> None:
    assert _builders_in_annviz() == set(BUILDERS)


def _fonts(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every font size in a plotly dict, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("font") and isinstance(value, dict) and "size" in value:
                yield f"{path}.{key}", value["size"]
            yield from _fonts(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _fonts(item, f"{path}[{index}]")


def _line_widths(figure: dict[str, Any]) -> Iterator[tuple[str, float]]:
    for index, trace in enumerate(figure["data"] + [t for frame in figure.get("frames", []) for t in frame["data"]]):
        for part in (trace, trace.get("marker") or {}):
            width = (part.get("line") or {}).get("width")
            if isinstance(width, (int, float)) and width:
                yield f"data[{index}].line", width
    for index, shape in enumerate(figure["layout"].get("shapes", [])):
        width = (shape.get("line") or {}).get("width")
        if isinstance(width, (int, float)) and width:
            yield f"shapes[{index}]", width


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_the_projector_style_makes_every_text_line_and_marker_of_a_builder_readable(name: str) -> None:
    original = BUILDERS[name]()
    before = original.to_dict()
    projected = for_projector(original)
    styled = projected.to_dict()
    assert original.to_dict() == before  # the shared figure is left as it was
    assert styled["layout"]["font"]["size"] >= MIN_FONT_PX  # what text without a size of its own uses
    small = [(where, size) for where, size in _fonts(styled) if np.min(size) < MIN_FONT_PX]
    assert small == []
    # Every text states its size (Streamlit's chart theme would size ticks, legends and notes at 12 px).
    layout = styled["layout"]
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")) and axis.get("visible") is not False:
            assert axis["tickfont"]["size"] >= MIN_FONT_PX, key
    assert all(note["font"]["size"] >= MIN_FONT_PX for note in layout.get("annotations", []))
    assert layout["legend"]["font"]["size"] >= MIN_FONT_PX
    if any(t.get("type") == "bar" and ("text" in t or "texttemplate" in t) for t in styled["data"]):
        assert layout["uniformtext"]["minsize"] >= MIN_FONT_PX  # plotly would shrink a label to fit its bar
    thin = [(where, width) for where, width in _line_widths(styled) if width < MIN_LINE_PX]
    assert thin == []
    for trace in styled["data"]:
        size = (trace.get("marker") or {}).get("size")
        if isinstance(size, (int, float)):
            assert size >= MIN_MARKER_PX, (trace.get("name"), size)
    # The data is the data: the same traces, the same numbers (arrays handed on as they are).
    assert [t.get("type") for t in styled["data"]] == [t.get("type") for t in before["data"]]
    for old, new in zip(before["data"], styled["data"]):
        for key in ("x", "y", "z"):
            if key in old:
                assert new[key] is old[key] or new[key] == old[key], (name, key)


def test_lines_thicken_by_the_scale_and_zero_widths_stay_invisible() -> None:
    figure = {"data": [{"type": "scatter", "mode": "lines", "y": [1, 2], "line": {"width": 2}},
                       {"type": "bar", "y": [1], "marker": {"line": {"width": 0}}}], "layout": {}}
    styled = projector_dict(figure)
    assert styled["data"][0]["line"]["width"] == 2 * LINE_SCALE
    assert styled["data"][1]["marker"]["line"]["width"] == 0
    assert figure["data"][0]["line"]["width"] == 2  # the input is not changed


def test_a_big_heatmaps_cell_numbers_are_dropped_and_a_small_ones_kept() -> None:
    big = projector_dict({"data": [{"type": "heatmap", "z": np.zeros((28, 28)).tolist(), "texttemplate": "%{z}"}]})
    small = projector_dict({"data": [{"type": "heatmap", "z": [[1, 2], [3, 4]], "texttemplate": "%{z}"}]})
    assert big["data"][0]["texttemplate"] == "" and small["data"][0]["texttemplate"] == "%{z}"


def test_a_height_for_the_projector_replaces_the_figures_own_and_is_kept_apart() -> None:
    figure = FinishedFigure({"data": [{"type": "bar", "y": [1]}], "layout": {"height": 560}})
    assert for_projector(figure, height=390).layout.height == 390 and for_projector(figure).layout.height == 560
    assert figure.layout.height == 560


def test_a_changed_figure_is_restyled_again() -> None:
    figure = FinishedFigure({"data": [{"type": "scatter", "y": [1, 2]}]})
    first = for_projector(figure)
    figure.update_layout(title_text="changed")
    second = for_projector(figure)
    assert first is not second and second.layout.title.text == "changed"


def test_a_legend_under_the_plot_moves_to_the_figures_bottom_edge_with_room_for_the_x_axis() -> None:
    from annviz.figure_style import LEGEND_BELOW_PX, projector_dict

    below = {"data": [{"type": "scatter", "y": [1, 2], "name": "a"}],
             "layout": {"legend": {"orientation": "h", "y": -0.2}, "xaxis": {"title": "x"}, "margin": {"b": 10}}}
    styled = projector_dict(below)["layout"]
    assert styled["legend"]["yref"] == "container" and styled["legend"]["y"] == 0 and styled["margin"]["b"] == LEGEND_BELOW_PX
    beside_a_title = {**below, "layout": {**below["layout"], "title": {"text": "t"}, "legend": {"orientation": "h", "y": 1.0}}}
    assert projector_dict(beside_a_title)["layout"]["legend"]["yref"] == "container"
    untitled_above = {**below, "layout": {"legend": {"orientation": "h", "y": 1.02}}}
    assert "yref" not in projector_dict(untitled_above)["layout"]["legend"]
    bars = projector_dict({"data": [{"type": "bar", "y": [1], "text": ["1"], "textposition": "outside"}], "layout": {}})
    assert bars["data"][0]["cliponaxis"] is False
