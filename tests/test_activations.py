"""Activations against keras.activations, derivatives against central differences, softmax properties."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from annviz.activations import ACTIVATIONS, activate, softmax

LECTURE_Z = np.array([-2.0, -0.5, 0.0, 1.0, 2.0])
#: Points where the function has a kink, so central differences are meaningless right there.
KINKS = {"relu": 0.0, "leaky_relu": 0.0}


def test_lecture_table_relu_and_sigmoid():
    np.testing.assert_array_equal(ACTIVATIONS["relu"].value(LECTURE_Z), [0, 0, 0, 1, 2])
    np.testing.assert_array_equal(ACTIVATIONS["sigmoid"].value(LECTURE_Z).round(3), [0.119, 0.378, 0.5, 0.731, 0.881])


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_matches_keras_activations(name):
    import keras

    z = np.concatenate([np.linspace(-12, 12, 241), LECTURE_Z, [-50.0, 50.0]]).astype(np.float32)
    expected = keras.ops.convert_to_numpy(keras.activations.get(ACTIVATIONS[name].keras_name)(z))
    np.testing.assert_allclose(ACTIVATIONS[name].value(z), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_derivative_matches_tensorflow_gradient(name):
    import tensorflow as tf

    z = tf.constant(np.linspace(-9, 9, 181), dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(z)
        import keras

        out = keras.activations.get(ACTIVATIONS[name].keras_name)(z)
    np.testing.assert_allclose(ACTIVATIONS[name].derivative(z.numpy()), tape.gradient(out, z).numpy(), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", ACTIVATIONS)
@settings(max_examples=60, deadline=None)
@given(z=st.floats(-8, 8))
def test_derivative_matches_central_difference(name, z):
    h = 1e-5
    assume(abs(z - KINKS.get(name, np.inf)) > 2 * h)
    f = ACTIVATIONS[name].value
    numeric = (f(z + h) - f(z - h)) / (2 * h)
    assert ACTIVATIONS[name].derivative(z) == pytest.approx(numeric, rel=1e-5, abs=1e-7)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_stable_at_plus_minus_1000(name):
    z = np.array([-1000.0, -710.0, 710.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, derivative = ACTIVATIONS[name].value(z), ACTIVATIONS[name].derivative(z)
    assert np.all(np.isfinite(value)) and np.all(np.isfinite(derivative))


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_saturation_zones_are_where_the_gradient_is_that_small(name):
    entry = ACTIVATIONS[name]
    z = np.linspace(-20, 20, 40001)
    for low, high in entry.saturation:
        inside = z[(z >= low) & (z <= high)]
        assert inside.size and np.abs(entry.derivative(inside)).max() <= entry.saturation_bound
    outside = np.ones_like(z, dtype=bool)
    for low, high in entry.saturation:
        outside &= ~((z >= low) & (z <= high))
    # Just outside a zone the gradient is no longer that small (the boundary is meaningful).
    if entry.saturation and name != "gelu":
        assert np.abs(entry.derivative(z[outside])).max() > entry.saturation_bound


def test_unknown_activation_is_a_sentence():
    with pytest.raises(ValueError, match="choose one of"):
        activate("swish2", 1.0)


@settings(max_examples=80, deadline=None)
@given(
    logits=arrays(np.float64, st.integers(1, 12), elements=st.floats(-1000, 1000)),
    temperature=st.floats(0.05, 20),
)
def test_softmax_sums_to_one_and_keeps_order(logits, temperature):
    p = softmax(logits, temperature=temperature)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(p >= 0)
    bigger = logits[:, None] > logits[None, :]
    assert np.all(p[:, None] >= p[None, :], where=bigger)


def test_softmax_matches_keras_with_temperature():
    import keras

    logits = np.array([[2.0, 1.0, 0.1], [1000.0, 0.0, -1000.0]])
    for t in (0.5, 1.0, 3.0):
        expected = keras.ops.convert_to_numpy(keras.activations.softmax(logits / t))
        np.testing.assert_allclose(softmax(logits, temperature=t), expected, rtol=1e-6, atol=1e-12)


def test_temperature_flattens_and_sharpens():
    logits = np.array([2.0, 1.0, 0.1])
    assert softmax(logits, temperature=10).max() < softmax(logits).max() < softmax(logits, temperature=0.1).max()


@pytest.mark.parametrize("bad", [dict(logits=[1.0, np.nan]), dict(logits=[np.inf]), dict(logits=[]),
                                 dict(logits=[1.0], temperature=0), dict(logits=[1.0], temperature=np.nan),
                                 dict(logits=[1.0], temperature=-2)])
def test_softmax_bad_input_is_a_sentence(bad):
    with pytest.raises(ValueError):
        softmax(np.asarray(bad.pop("logits"), dtype=float), **bad)


def test_relu_derivative_at_zero_is_the_convention_tensorflow_uses():
    import tensorflow as tf

    z = tf.constant([0.0], dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(z)
        out = tf.nn.relu(z)
    assert tape.gradient(out, z).numpy()[0] == 0.0 == ACTIVATIONS["relu"].derivative(np.array([0.0]))[0]
    # No derivative there: the one-sided slopes differ, which is why it is a convention.
    h = 1e-6
    relu = ACTIVATIONS["relu"].value
    assert (relu(np.array([h])) - relu(np.array([0.0])))[0] / h == pytest.approx(1.0)
    assert (relu(np.array([0.0])) - relu(np.array([-h])))[0] / h == 0.0
    assert "convention" in ACTIVATIONS["relu"].note and "convention" in ACTIVATIONS["relu"].derivative_formula


def test_keras_softmax_has_no_temperature_and_equals_ours_at_t_1():
    import inspect

    import keras

    assert "temperature" not in inspect.signature(keras.activations.softmax).parameters
    logits = np.array([2.0, 1.0, 0.1])
    np.testing.assert_allclose(softmax(logits), keras.ops.convert_to_numpy(keras.activations.softmax(logits)), rtol=1e-6)
