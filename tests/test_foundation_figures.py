"""The figures of pages 1–4: what they draw is what annviz computed."""

from __future__ import annotations

import numpy as np
import pytest

from annviz.activation_plots import activation_figure, saturated_mask, softmax_figure, stacked_layers_figure
from annviz.activations import ACTIVATIONS, softmax
from annviz.network_plot import drawn_layer, network_figure, neuron_figure
from annviz.neuron import neuron_output, stacked_layers_demo


def test_small_layers_are_drawn_in_full_with_every_connection():
    fig = network_figure([3, 4, 1])
    edges = [trace for trace in fig.data if trace.mode == "lines"]
    assert [len([x for x in e.x if x is None]) for e in edges] == [3 * 4, 4 * 1]  # one segment per weight
    assert [len(t.x) for t in fig.data if t.mode == "markers+text"] == [3, 4, 1]


def test_a_billion_unit_layer_is_collapsed_and_labelled_with_its_size():
    fig = network_figure([784, 10**9, 10], activations=["relu", "softmax"])
    nodes = [t for t in fig.data if t.mode == "markers+text"]
    assert all(len(t.x) <= 7 for t in nodes)
    labels = " ".join(a.text for a in fig.layout.annotations)
    assert "1,000,000,000 · relu" in labels and labels.count("⋮") == 3
    assert nodes[1].text[-1] == "h₁₀₀₀₀₀₀₀₀₀"


def test_drawn_layer_keeps_first_and_last_neurons():
    layer = drawn_layer(128, 7)
    assert layer.indices == (0, 1, 2, 3, 126, 127) and layer.gap_y is not None
    assert layer.gap_y not in layer.y


def test_forward_pass_frames_light_one_more_layer_each():
    fig = network_figure([3, 4, 1], animate=True)
    idle, active = "#e8ecf2", "#2f6fb3"
    # Edges first (2), then the nodes (3); a frame only restyles them: plotly.js merges it into
    # the drawn traces, so the coordinates go out once (checked in Chromium by the browser test).
    lit = [[t.marker.color for t in frame.data[2:]] for frame in fig.frames]
    assert lit == [[active, idle, idle], [active, active, idle], [active, active, active]]
    assert [t.line.color for t in fig.frames[1].data[:2]] == ["rgba(47,111,179,0.75)", "rgba(120,130,145,0.35)"]
    assert all(t.x is None and t.y is None for frame in fig.frames for t in frame.data)
    assert [t.marker.color for t in fig.data if t.mode == "markers+text"] == [idle, idle, idle]
    assert fig.layout.updatemenus[0].buttons[0].method == "animate"


def test_neuron_figure_shows_the_lecture_numbers_and_weight_signs():
    fig = neuron_figure(neuron_output([2, -1, 3], [0.5, -0.6, 0.8], 0.2, "relu"))
    edge_colours = [t.line.color for t in fig.data[:3]]
    assert edge_colours == ["#2f6fb3", "#c0392b", "#2f6fb3"]
    assert list(fig.data[-1].text) == ["Σ + b", "4.2"]


def test_activation_figure_draws_value_and_derivative_and_saturation():
    fig = activation_figure(["sigmoid"], z_range=(-6, 6))
    value, derivative = [t for t in fig.data if t.name == "Sigmoid"]
    z = np.asarray(value.x)
    np.testing.assert_allclose(value.y, ACTIVATIONS["sigmoid"].value(z))
    np.testing.assert_allclose(derivative.y, ACTIVATIONS["sigmoid"].derivative(z))
    band = next(t for t in fig.data if t.name.startswith("saturated"))
    drawn = ~np.isnan(np.asarray(band.y, dtype=float))
    np.testing.assert_array_equal(drawn, np.abs(z) >= 4)
    assert np.array_equal(saturated_mask("leaky_relu", z), np.zeros_like(z, dtype=bool))


@pytest.mark.parametrize("names, z_range", [([], (-6, 6)), (["relu", "mish"], (-6, 6)), (["relu"], (3, 3)),
                                            (["relu"], (-np.inf, 1))])
def test_activation_figure_bad_input_is_a_sentence(names, z_range):
    with pytest.raises(ValueError):
        activation_figure(names, z_range=z_range)


def test_softmax_bars_are_the_probabilities():
    logits = np.array([3.0, -1.0, 0.5, 0.5])
    p = softmax(logits, temperature=2.0)
    fig = softmax_figure(logits, p, temperature=2.0)
    np.testing.assert_allclose(fig.data[0].y, p)
    assert "sum to 1.000000" in fig.layout.title.text


def test_stacked_layers_figure_overlays_the_collapsed_line():
    demo = stacked_layers_demo(hidden_units=5, seed=2, activation="tanh")
    fig = stacked_layers_figure(demo)
    np.testing.assert_allclose(fig.data[0].y, fig.data[1].y, atol=1e-12)
    assert "tanh" in fig.data[2].name
