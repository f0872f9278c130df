"""The limitations maths with the shipped models: NumPy vs Keras, and what shifting does, measured."""

from __future__ import annotations

import numpy as np
import pytest

from annviz import limitations as lim
from annviz.numpy_mlp import dense_layers, DenseLayer, layer_outputs, mlp_probabilities
from annviz.mnist import load_mnist
from annviz.pretrained import model_inputs
from annviz.serving.keras_models import load_pretrained

#: Enough test images that no single lucky digit decides a test, few enough to stay fast.
N_IMAGES = 2000


@pytest.fixture(scope="module")
def test_set() -> tuple[np.ndarray, np.ndarray]:
    return load_mnist()[1]


@pytest.fixture(scope="module")
def mlp():
    return load_pretrained("mlp")


@pytest.fixture(scope="module")
def layers(mlp) -> tuple[DenseLayer, ...]:
    return dense_layers(mlp)


def test_the_numpy_copy_has_the_lectures_architecture(layers):
    assert [(layer.kernel.shape, layer.activation) for layer in layers] == [
        ((784, 128), "relu"), ((128, 64), "relu"), ((64, 10), "softmax")
    ]


def test_numpy_first_hidden_layer_equals_a_keras_sub_model(mlp, layers, test_set):
    import keras

    x = model_inputs("mlp", test_set[0][:300])
    first_layer = keras.Model(mlp.inputs, mlp.layers[0].output)
    expected = first_layer.predict(x, batch_size=300, verbose=0)
    np.testing.assert_allclose(layer_outputs(layers, x)[0], expected, atol=2e-5, rtol=1e-5)
    shifted = model_inputs("mlp", lim.shift_image(test_set[0][:300], 4, -3))
    np.testing.assert_allclose(
        layer_outputs(layers, shifted)[0], first_layer.predict(shifted, batch_size=300, verbose=0), atol=2e-5, rtol=1e-5
    )


def test_numpy_probabilities_equal_keras_predict(mlp, layers, test_set):
    x = model_inputs("mlp", test_set[0][:1000])
    expected = mlp.predict(x, batch_size=1000, verbose=0)
    np.testing.assert_allclose(mlp_probabilities(layers, x), expected, atol=1e-5)
    np.testing.assert_array_equal(mlp_probabilities(layers, x).argmax(1), expected.argmax(1))


def test_keras_predictor_equals_model_predict_on_the_cnn(test_set):
    cnn = load_pretrained("cnn")
    images = test_set[0][:700]  # not a multiple of the chunk size: the last chunk is short
    expected = cnn.predict(model_inputs("cnn", images), batch_size=700, verbose=0)
    np.testing.assert_allclose(lim.keras_predictor("cnn", cnn, batch_size=256)(images), expected, atol=1e-5)


def test_only_an_mlp_can_be_copied_into_numpy():
    with pytest.raises(ValueError, match="only MLPs run in NumPy"):
        dense_layers(load_pretrained("cnn"))


def test_the_mlps_accuracy_drops_as_the_shift_grows_while_its_first_layer_changes(layers, test_set):
    """Over 2,000 test images, not one lucky digit: every direction, 0 to 4 px."""
    images, labels = test_set[0][:N_IMAGES], test_set[1][:N_IMAGES]
    curves = lim.shift_accuracy_curves(lim.numpy_mlp_predictor("mlp", layers), images, labels, max_distance=4)
    original_hidden = layer_outputs(layers, model_inputs("mlp", images))[0]
    for direction, (ux, uy) in lim.SHIFT_DIRECTIONS.items():
        accuracy = curves.accuracy[direction]
        assert accuracy[0] >= 0.96  # measured: 0.970 on these 2,000
        assert (np.diff(accuracy) < 0).all(), (direction, accuracy)  # every extra pixel costs accuracy
        assert accuracy[4] < accuracy[0] - 0.4, (direction, accuracy)  # measured: 0.36 / 0.22 / 0.09 of 0.98
        correlations, switched = [], []
        for distance in range(5):
            shifted = lim.shift_image(images, distance * ux, distance * uy)
            change = lim.compare_activations(original_hidden, layer_outputs(layers, model_inputs("mlp", shifted))[0])
            correlations.append(float(np.nanmean(change.correlation)))
            switched.append(float(change.n_switched.mean()))
        assert correlations[0] == pytest.approx(1.0) and switched[0] == 0
        assert (np.diff(correlations) < 0).all() and (np.diff(switched) > 0).all(), (direction, correlations, switched)
        assert correlations[3] < 0.5 and switched[3] > 30, (direction, correlations, switched)  # of 128 units


def test_a_shifted_seven_switches_many_relus(layers, test_set):
    """The slide's claim for its 7 (test image 0), shifted 5 px: a large part of the layer is different."""
    seven = test_set[0][0]
    hidden = layer_outputs(layers, model_inputs("mlp", np.stack([seven, lim.shift_image(seven, 5, 0)])))[0]
    change = lim.compare_activations(hidden[0], hidden[1])
    assert int(change.n_switched) > 30 and float(change.correlation) < 0.5


@pytest.mark.parametrize("name", ["mlp", "mlp_shuffled"])
def test_the_shipped_numpy_weights_are_the_keras_models_own(name):
    """The server runs the shipped MLPs from annviz/models/NAME.npz; they must be the .keras file's weights."""
    from annviz.numpy_mlp import dense_layers, load_dense_layers
    from annviz.serving.keras_models import load_pretrained

    stored, keras_layers = load_dense_layers(name), dense_layers(load_pretrained(name))
    assert [layer.activation for layer in stored] == [layer.activation for layer in keras_layers]
    for ours, theirs in zip(stored, keras_layers, strict=True):
        assert np.array_equal(ours.kernel, theirs.kernel) and np.array_equal(ours.bias, theirs.bias)


# ------------------------------------------------------------------ the small CNN in NumPy


@pytest.mark.parametrize("name", ["cnn", "cnn_shuffled"])
def test_numpy_cnn_from_the_shipped_npz_equals_keras_predict(name, test_set):
    """The server's CNN (NumPy, from the .npz) against the .keras file's predict, 1,000 test images."""
    from annviz.pretrained import PRETRAINED
    from annviz.small_cnn import cnn_probabilities, load_cnn_layers

    model = load_pretrained(name)
    x = model_inputs(name, test_set[0][:1000])
    expected = model.predict(x, batch_size=1000, verbose=0)
    got = cnn_probabilities(load_cnn_layers(PRETRAINED[name].weights_path), x)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    np.testing.assert_array_equal(got.argmax(1), expected.argmax(1))


def test_numpy_cnn_layer_by_layer_equals_keras_sub_models(test_set):
    """Each conv, pool and flatten output, not only the last: the conventions (no kernel flip,
    floor pooling, channels-last flatten) are Keras's."""
    import keras

    from annviz.small_cnn import cnn_layers, cnn_outputs

    cnn = load_pretrained("cnn")
    x = model_inputs("cnn", lim.shift_image(test_set[0][:64], 3, -2))
    ours = cnn_outputs(cnn_layers(cnn), x)
    for index, layer in enumerate(cnn.layers):
        expected = keras.Model(cnn.inputs, layer.output).predict(x, batch_size=64, verbose=0)
        assert ours[index].shape == expected.shape, layer.name
        np.testing.assert_allclose(ours[index], expected, atol=2e-5, rtol=1e-5, err_msg=layer.name)


def test_numpy_cnn_refuses_layers_it_does_not_run():
    import keras

    from annviz.small_cnn import cnn_layers

    padded = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, padding="same")])
    with pytest.raises(ValueError, match="not one NumPy runs here"):
        cnn_layers(padded)
    strided = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, strides=2)])
    with pytest.raises(ValueError, match="not one NumPy runs here"):
        cnn_layers(strided)
