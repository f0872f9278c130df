"""The single neuron and the dense layer: the lecture's 4.2, NumPy against a real keras Dense."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from annviz.activations import ACTIVATIONS
from annviz.neuron import (
    LECTURE_NEURON,
    batch_with_neuron,
    collapse_linear_layers,
    keras_dense_output,
    layer_forward,
    neuron_derivation_latex,
    neuron_output,
    stacked_layers_demo,
)


def test_lecture_neuron_gives_4_2():
    result = neuron_output(LECTURE_NEURON["x"], LECTURE_NEURON["w"], LECTURE_NEURON["b"], "relu")
    assert result.products == pytest.approx((1.0, 0.6, 2.4))
    assert result.z == pytest.approx(4.2) and result.a == pytest.approx(4.2)
    assert neuron_derivation_latex(result)[-2:] == ["z = 4.2", r"a = \mathrm{ReLU}(4.2) = 4.2"]


def test_negative_z_is_cut_by_relu_but_not_by_linear():
    assert neuron_output([1.0], [-2.0], 0.5, "relu").a == 0.0
    assert neuron_output([1.0], [-2.0], 0.5, "linear").a == -1.5


@settings(max_examples=40, deadline=None)
@given(
    x=arrays(np.float64, 4, elements=st.floats(-100, 100)),
    W=arrays(np.float64, (4, 3), elements=st.floats(-10, 10)),
    b=arrays(np.float64, 3, elements=st.floats(-10, 10)),
    name=st.sampled_from(list(ACTIVATIONS)),
)
def test_layer_forward_is_one_neuron_per_column(x, W, b, name):
    Z, A = layer_forward(x[None, :], W, b, name)
    for j in range(3):
        single = neuron_output(x, W[:, j], b[j], name)
        assert Z[0, j] == pytest.approx(single.z, rel=1e-12, abs=1e-9)
        assert A[0, j] == pytest.approx(single.a, rel=1e-12, abs=1e-9)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_keras_dense_gives_the_same_output(name):
    X, W, b = batch_with_neuron(LECTURE_NEURON["x"], LECTURE_NEURON["w"], LECTURE_NEURON["b"], m=5, h=3, seed=7)
    np.testing.assert_allclose(keras_dense_output(X, W, b, name), layer_forward(X, W, b, name)[1], rtol=1e-5, atol=1e-5)


def test_keras_dense_reproduces_the_lecture_neuron():
    out = keras_dense_output(np.array([[2.0, -1.0, 3.0]]), np.array([[0.5], [-0.6], [0.8]]), np.array([0.2]), "relu")
    assert out[0, 0] == pytest.approx(4.2, abs=1e-6)


def test_batch_contains_the_neuron_and_is_seeded():
    X, W, b = batch_with_neuron([2, -1, 3], [0.5, -0.6, 0.8], 0.2, m=4, h=3, seed=5)
    Z, _ = layer_forward(X, W, b, "relu")
    assert Z.shape == (4, 3) and Z[0, 0] == pytest.approx(4.2)
    again = batch_with_neuron([2, -1, 3], [0.5, -0.6, 0.8], 0.2, m=4, h=3, seed=5)
    assert all(np.array_equal(p, q) for p, q in zip((X, W, b), again))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 5), h=st.integers(1, 5), k=st.integers(1, 4))
def test_two_linear_layers_collapse_into_one(seed, n, h, k):
    rng = np.random.default_rng(seed)
    X, W1, b1, W2, b2 = rng.normal(size=(6, n)), rng.normal(size=(n, h)), rng.normal(size=h), rng.normal(size=(h, k)), rng.normal(size=k)
    W, b = collapse_linear_layers(W1, b1, W2, b2)
    np.testing.assert_allclose(X @ W + b, (X @ W1 + b1) @ W2 + b2, atol=1e-10)


def test_relu_between_layers_bends_the_line():
    demo = stacked_layers_demo(hidden_units=6, seed=3)
    np.testing.assert_allclose(demo.two_linear_layers, demo.collapsed, atol=1e-12)
    second_difference = np.diff(demo.with_activation, 2)
    assert np.abs(np.diff(demo.collapsed, 2)).max() < 1e-9 < np.abs(second_difference).max()


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: neuron_output([], [], 0.0, "relu"), "non-empty"),
        (lambda: neuron_output([1, 2], [1], 0.0, "relu"), "2 inputs but 1 weights"),
        (lambda: neuron_output([np.nan], [1], 0.0, "relu"), "finite"),
        (lambda: neuron_output([1], [np.inf], 0.0, "relu"), "finite"),
        (lambda: neuron_output([1], [1], float("nan"), "relu"), "bias"),
        (lambda: neuron_output([1] * 11, [1] * 11, 0.0, "relu"), "at most 10"),
        (lambda: neuron_output([1], [1], 0.0, "softplusplus"), "Unknown activation"),
        (lambda: layer_forward(np.ones((2, 3)), np.ones((4, 2)), np.ones(2), "relu"), "must match"),
        (lambda: layer_forward(np.ones((2, 3)), np.ones((3, 2)), np.ones(3), "relu"), "must match"),
        (lambda: layer_forward(np.ones(3), np.ones((3, 2)), np.ones(2), "relu"), "2-D"),
        (lambda: batch_with_neuron([1], [1], 0.0, m=0, h=2, seed=0), "batch size"),
        (lambda: batch_with_neuron([1], [1], 0.0, m=2, h=10**6, seed=0), "neurons"),
        (lambda: keras_dense_output(np.ones((2, 3)), np.ones((4, 2)), np.ones(2), "relu"), "must match"),
        (lambda: stacked_layers_demo(hidden_units=0, seed=0), "neurons"),
    ],
)
def test_bad_input_is_a_sentence(call, message):
    with pytest.raises(ValueError, match=message):
        call()
