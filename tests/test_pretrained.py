"""The shipped models: measured accuracy and size match the manifest, the lecture's claims hold, the script reproduces them."""

from __future__ import annotations

import numpy as np
import pytest

from annviz import limitations as lim
from annviz.metrics import accuracy
from annviz.numpy_mlp import dense_layers
from annviz.mnist import load_mnist
from annviz.pretrained import PRETRAINED, model_inputs, pretrained_spec, read_manifest
from annviz.serving.keras_models import BUILDERS, load_pretrained, train_pretrained

#: Two test images: room for a float32 near-tie flipping between NumPy and TensorFlow's kernels.
MATCH_MANIFEST = 2e-4


@pytest.fixture(scope="module")
def test_set() -> tuple[np.ndarray, np.ndarray]:
    return load_mnist()[1]


@pytest.fixture(scope="module")
def measured(test_set) -> dict[str, dict[str, float]]:
    """Each shipped model's accuracy on the 10,000 test images and its parameter count, measured now."""
    x_test, y_test = test_set
    result = {}
    for name, spec in PRETRAINED.items():
        model = load_pretrained(name)
        if spec.input_kind == "flat":
            predict = lim.numpy_mlp_predictor(name, dense_layers(model))
        else:
            predict = lim.keras_predictor(name, model)
        result[name] = {"accuracy": accuracy(y_test, predict(x_test).argmax(1)), "params": model.count_params()}
    return result


@pytest.mark.parametrize("name", sorted(PRETRAINED))
def test_each_shipped_model_measures_what_its_manifest_says(measured, name):
    manifest = read_manifest()[name]
    assert measured[name]["params"] == manifest["params"]
    assert measured[name]["accuracy"] == pytest.approx(manifest["test_accuracy"], abs=MATCH_MANIFEST)


def test_the_shipped_mlp_reaches_97_percent_with_the_lectures_parameter_count(measured):
    assert measured["mlp"]["accuracy"] >= 0.97
    assert measured["mlp"]["params"] == 784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10 == 109_386


def test_the_mlp_on_shuffled_pixels_is_as_good_within_half_a_percentage_point(measured):
    assert abs(measured["mlp_shuffled"]["accuracy"] - measured["mlp"]["accuracy"]) <= 0.005  # measured: 0.41 pp


def test_the_cnn_beats_the_mlp_with_fewer_parameters_and_loses_that_on_shuffled_pixels(measured):
    cnn, mlp, shuffled = (measured[n]["accuracy"] for n in ("cnn", "mlp", "cnn_shuffled"))
    assert cnn > mlp and measured["cnn"]["params"] < measured["mlp"]["params"] / 5
    # Measured: the CNN loses 3.3 pp on shuffled pixels and ends 2.4 pp below the MLP.
    assert cnn - shuffled >= 0.02
    assert shuffled <= mlp - 0.01


@pytest.mark.slow
def test_the_training_script_reproduces_the_shipped_mlp(test_set):
    """Same seed, same data → the manifest's accuracy (here the weights come out bit-identical)."""
    (x_train, y_train), _ = load_mnist()
    x_test, y_test = test_set
    model = train_pretrained("mlp", x_train=x_train, y_train=y_train)
    loss, accuracy = model.evaluate(model_inputs("mlp", x_test), y_test, batch_size=1000, verbose=0)
    manifest = read_manifest()["mlp"]
    assert accuracy == pytest.approx(manifest["test_accuracy"], abs=0.001)
    assert loss == pytest.approx(manifest["test_loss"], abs=0.002)
    assert model.count_params() == manifest["params"]


def test_pixels_never_inked_keep_their_initial_weights_as_page_3_says():
    """The shipped MLP's first-layer rows for pixels that are 0 in all 54,000 images it learnt from are
    exactly the seed's initial weights (no gradient ever reached them), and those pixels lie on the border."""
    import keras

    from annviz.numpy_mlp import load_dense_layers
    from annviz.mnist import load_mnist

    (x_train, _), _ = load_mnist()
    never = x_train[:54_000].reshape(-1, 784).max(axis=0) == 0
    rows, columns = np.divmod(np.flatnonzero(never), 28)
    assert never.sum() == 67 and np.minimum.reduce([rows, columns, 27 - rows, 27 - columns]).max() <= 1
    keras.utils.set_random_seed(pretrained_spec("mlp").seed)
    initial = BUILDERS[pretrained_spec("mlp").network]().layers[0].get_weights()[0]
    trained = load_dense_layers("mlp")[0].kernel
    assert np.array_equal(initial[never], trained[never])
    assert np.abs(initial[~never] - trained[~never]).mean() > 0.01  # the rest did learn
