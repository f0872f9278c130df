"""annviz.limitations without TensorFlow: shifts vs SciPy, activations vs NumPy, the calculator, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

from annviz import limitation_plots as plots
from annviz import limitations as lim
from annviz.metrics import accuracy
from annviz.formatting import format_count, format_megabytes
from annviz.numpy_mlp import dense_layers, DenseLayer, layer_outputs, mlp_probabilities
from annviz.mnist import N_PIXELS, load_mnist, pixel_permutation
from annviz.pretrained import SHUFFLE_SEED, shuffle_pixels


@pytest.fixture(scope="module")
def test_images() -> tuple[np.ndarray, np.ndarray]:
    return load_mnist()[1]


# --- shift_image against scipy.ndimage.shift ------------------------------------------------------


@pytest.mark.parametrize("dx", [-8, -5, -1, 0, 1, 3, 8])
@pytest.mark.parametrize("dy", [-8, -2, 0, 4, 8])
def test_shift_image_matches_scipy_on_the_lecture_seven(test_images, dx, dy):
    seven = test_images[0][0]
    expected = ndimage.shift(seven, (dy, dx), order=0, cval=0, mode="constant")
    np.testing.assert_array_equal(lim.shift_image(seven, dx, dy), expected)


@settings(max_examples=60, deadline=None)
@given(
    image=st.lists(st.integers(0, 255), min_size=35, max_size=35).map(lambda v: np.array(v, dtype=np.uint8).reshape(5, 7)),
    dx=st.integers(-9, 9),
    dy=st.integers(-7, 7),
)
def test_shift_image_matches_scipy_for_any_image_and_shift(image, dx, dy):
    expected = ndimage.shift(image, (dy, dx), order=0, cval=0, mode="constant")
    np.testing.assert_array_equal(lim.shift_image(image, dx, dy), expected)


def test_shift_image_shifts_a_stack_like_each_image(test_images):
    stack = test_images[0][:20]
    shifted = lim.shift_image(stack, 3, -2)
    for image, result in zip(stack, shifted):
        np.testing.assert_array_equal(result, ndimage.shift(image, (-2, 3), order=0, cval=0, mode="constant"))
    assert shifted.dtype == stack.dtype and stack[0].sum() > 0  # the input is untouched


def test_shift_right_moves_ink_right_and_down_moves_it_down(test_images):
    seven = test_images[0][0].astype(float)
    columns = np.arange(28)
    centre_x = (seven.sum(axis=0) * columns).sum() / seven.sum()
    centre_y = (seven.sum(axis=1) * columns).sum() / seven.sum()
    moved = lim.shift_image(seven, 2, -3)  # the 7 fills rows 7-26, columns 6-21: nothing leaves the frame
    assert lim.ink_kept(seven, moved) == 1.0
    assert (moved.sum(axis=0) * columns).sum() / moved.sum() == pytest.approx(centre_x + 2)
    assert (moved.sum(axis=1) * columns).sum() / moved.sum() == pytest.approx(centre_y - 3)


@pytest.mark.parametrize("dx, dy", [(28, 0), (0, -28), (100, 100), (-10**9, 0)])
def test_shifting_beyond_the_image_leaves_nothing_and_is_detected(test_images, dx, dy):
    seven = test_images[0][0]
    shifted = lim.shift_image(seven, dx, dy)
    assert not shifted.any()
    assert lim.is_shifted_out(seven, shifted)
    assert lim.ink_kept(seven, shifted) == 0.0


def test_ink_kept_is_one_inside_the_frame_and_partial_at_the_edge(test_images):
    seven = test_images[0][0]
    assert lim.ink_kept(seven, lim.shift_image(seven, 2, -2)) == 1.0
    partly = lim.ink_kept(seven, lim.shift_image(seven, 12, 0))
    assert 0.0 < partly < 1.0
    assert not lim.is_shifted_out(seven, lim.shift_image(seven, 12, 0))
    blank = np.zeros((28, 28))
    assert lim.ink_kept(blank, blank) == 1.0 and not lim.is_shifted_out(blank, blank)


@pytest.mark.parametrize("bad", [2.5, float("nan"), float("inf"), "3", None, True])
def test_shift_image_refuses_what_is_not_a_whole_number_of_pixels(bad):
    with pytest.raises(ValueError, match="whole number of pixels"):
        lim.shift_image(np.zeros((28, 28)), bad, 0)


def test_shift_image_accepts_integral_floats_and_numpy_ints():
    image = np.arange(9).reshape(3, 3)
    np.testing.assert_array_equal(lim.shift_image(image, 1.0, np.int64(1)), lim.shift_image(image, 1, 1))


def test_shift_image_refuses_something_that_is_not_an_image():
    with pytest.raises(ValueError, match="rows and columns"):
        lim.shift_image(np.zeros(5), 1, 0)


def test_direction_of_shift_names_the_curve_or_none():
    assert lim.direction_of_shift(4, 0) == ("horizontal", 4)
    assert lim.direction_of_shift(0, 8) == ("vertical", 8)
    assert lim.direction_of_shift(2, 2) == ("diagonal", 2)
    assert lim.direction_of_shift(-3, 0) is None and lim.direction_of_shift(2, 1) is None


# --- choosing the test image -------------------------------------------------------------------


def test_the_default_test_image_is_the_lectures_seven(test_images):
    _, y_test = test_images
    assert lim.select_test_image(y_test, index=0) == 0 and y_test[0] == 7
    assert lim.select_test_image(y_test, digit=7) == 0


def test_choosing_by_class_returns_the_nth_image_of_that_class(test_images):
    _, y_test = test_images
    fives = np.flatnonzero(y_test == 5)
    assert [lim.select_test_image(y_test, digit=5, occurrence=k) for k in (0, 1, len(fives) - 1)] == [
        fives[0], fives[1], fives[-1]
    ]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"index": 10_000}, "out of range: the test set has images 0 to 9,999"),
        ({"index": -1}, "out of range"),
        ({"digit": 10}, "digits 0 to 9"),
        ({"digit": 5, "occurrence": 892}, "There are 892 test images of a 5"),
        ({}, "either by its index or by its class"),
        ({"index": 3, "digit": 3}, "either by its index or by its class"),
    ],
)
def test_choosing_an_image_that_does_not_exist_says_what_to_do(test_images, kwargs, message):
    with pytest.raises(ValueError, match=message):
        lim.select_test_image(test_images[1], **kwargs)


# --- activations and their change ----------------------------------------------------------------


def test_layer_outputs_follow_the_dense_formula():
    rng = np.random.default_rng(0)
    layers = (
        DenseLayer(rng.normal(size=(6, 4)).astype(np.float32), rng.normal(size=4).astype(np.float32), "relu"),
        DenseLayer(rng.normal(size=(4, 3)).astype(np.float32), rng.normal(size=3).astype(np.float32), "softmax"),
    )
    x = rng.normal(size=(5, 6)).astype(np.float32)
    hidden, probabilities = layer_outputs(layers, x)
    expected_hidden = np.maximum(x @ layers[0].kernel + layers[0].bias, 0)
    logits = expected_hidden @ layers[1].kernel + layers[1].bias
    np.testing.assert_allclose(hidden, expected_hidden, rtol=1e-6)
    np.testing.assert_allclose(probabilities, np.exp(logits) / np.exp(logits).sum(1, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)


def test_layer_outputs_refuse_inputs_of_the_wrong_length():
    layer = DenseLayer(np.zeros((784, 2), np.float32), np.zeros(2, np.float32), "relu")
    with pytest.raises(ValueError, match="inputs of length 784"):
        layer_outputs((layer,), np.zeros((1, 783)))


def test_compare_activations_matches_numpy_corrcoef_and_counts_switches():
    rng = np.random.default_rng(1)
    original = np.maximum(rng.normal(size=(50, 128)), 0)
    shifted = np.maximum(rng.normal(size=(50, 128)) + 0.5 * original, 0)
    change = lim.compare_activations(original, shifted)
    expected_r = [np.corrcoef(a, b)[0, 1] for a, b in zip(original, shifted)]
    np.testing.assert_allclose(change.correlation, expected_r, rtol=1e-10)
    np.testing.assert_array_equal(change.switched_on.sum(1), ((original == 0) & (shifted > 0)).sum(1))
    np.testing.assert_array_equal(change.switched_off.sum(1), ((original > 0) & (shifted == 0)).sum(1))
    assert (change.n_switched == change.switched_on.sum(1) + change.switched_off.sum(1)).all()


def test_compare_activations_of_identical_vectors_and_of_a_constant_vector():
    a = np.array([0.0, 1.0, 3.0])
    same = lim.compare_activations(a, a)
    assert float(same.correlation) == pytest.approx(1.0) and same.n_switched == 0
    constant = lim.compare_activations(a, np.zeros(3))
    assert math.isnan(float(constant.correlation))  # r is undefined; the page says so
    assert int(constant.switched_off.sum()) == 2


def test_compare_activations_refuses_mismatched_lengths():
    with pytest.raises(ValueError, match="shapes"):
        lim.compare_activations(np.zeros(128), np.zeros(64))


def test_shift_curves_count_the_progress_and_share_distance_zero(test_images):
    images, labels = test_images[0][:50], test_images[1][:50]
    steps = []
    def by_centre_ink(imgs: np.ndarray) -> np.ndarray:  # a deterministic stand-in for a model
        return np.eye(10)[imgs[:, 10:18, 10:18].sum(axis=(1, 2)) % 10]

    curves = lim.shift_accuracy_curves(by_centre_ink, images, labels, max_distance=4, on_progress=lambda d, t: steps.append((d, t)))
    assert steps[-1] == (13, 13) and len(steps) == 13
    assert curves.distances.tolist() == [0, 1, 2, 3, 4]
    assert len({curve[0] for curve in curves.accuracy.values()}) == 1
    direct = accuracy(labels, by_centre_ink(lim.shift_image(images, 3, 3)).argmax(axis=1))
    assert curves.accuracy["diagonal"][3] == direct


@pytest.mark.parametrize("max_distance", [-1, 28, 2.5])
def test_shift_curves_refuse_impossible_distances(test_images, max_distance):
    with pytest.raises(ValueError, match="largest shift distance"):
        lim.shift_accuracy_curves(lambda imgs: np.zeros((len(imgs), 10)), test_images[0][:5], test_images[1][:5],
                                  max_distance=max_distance)


# --- pixel shuffling --------------------------------------------------------------------------------


def test_the_pixel_permutation_is_a_bijection_reproducible_from_its_seed():
    perm = pixel_permutation(SHUFFLE_SEED)
    assert sorted(perm.tolist()) == list(range(N_PIXELS))
    np.testing.assert_array_equal(perm, pixel_permutation(SHUFFLE_SEED))
    assert not np.array_equal(perm, pixel_permutation(SHUFFLE_SEED + 1))
    assert (perm != np.arange(N_PIXELS)).mean() > 0.99  # it really moves (almost) every pixel
    # The page's expander shows this one-liner as the way to make the permutation: it must be the same.
    np.testing.assert_array_equal(perm, np.random.default_rng(SHUFFLE_SEED).permutation(784))


def test_shuffling_keeps_every_pixel_value_and_can_be_undone(test_images):
    images = test_images[0][:100]
    shuffled = shuffle_pixels(images)
    assert shuffled.shape == images.shape
    np.testing.assert_array_equal(np.sort(shuffled.reshape(100, -1), axis=1), np.sort(images.reshape(100, -1), axis=1))
    inverse = np.argsort(pixel_permutation(SHUFFLE_SEED))
    np.testing.assert_array_equal(shuffled.reshape(100, -1)[:, inverse], images.reshape(100, -1))


def test_a_dense_layer_does_not_care_about_the_order_of_its_inputs(test_images):
    """x[:, perm] @ W[perm] == x @ W: the reason the shuffled MLP can do as well."""
    perm = pixel_permutation(SHUFFLE_SEED)
    x = test_images[0][:64].reshape(64, -1).astype(np.float64) / 255
    weights = np.random.default_rng(0).normal(size=(N_PIXELS, 128))
    np.testing.assert_allclose(x[:, perm] @ weights[perm], x @ weights, rtol=1e-10, atol=1e-10)


# --- parameter explosion -------------------------------------------------------------------------


def test_the_lectures_parameter_count_for_a_100x100_rgb_image_and_512_neurons():
    count = lim.first_dense_layer_params(100, 100, 3, 512)
    assert (count.weights, count.biases, count.total) == (15_360_000, 512, 15_360_512)
    assert count.float32_bytes == 61_442_048 and count.megabytes == pytest.approx(61.442048)
    assert format_count(count.total) == "15,360,512"
    assert format_megabytes(count.megabytes) == "61.44 MB"


def test_the_lectures_mlp_first_layer_and_the_shipped_cnn_first_layer():
    assert lim.first_dense_layer_params(28, 28, 1, 128).total == 100_480  # 784·128 + 128
    assert lim.conv_layer_params(3, 1, 16).total == 160  # the shipped CNN's first layer
    assert lim.conv_layer_params(3, 16, 32).total == 4_640  # ... and its second


def test_absurd_sizes_are_exact_python_ints_in_scientific_notation():
    count = lim.first_dense_layer_params(10**6, 10**6, 3, 512)
    assert type(count.total) is int and count.total == 1_536_000_000_000_512
    assert format_count(count.total) == "1.536 × 10¹⁵"
    assert format_megabytes(count.megabytes) == "6.144 × 10⁹ MB ≈ 6.1 PB"
    largest = lim.first_dense_layer_params(*(lim.MAX_CALCULATOR_SIZE,) * 4)
    assert largest.total == 10**36 + 10**9 and "× 10³⁶" in format_count(largest.total)


@pytest.mark.parametrize(
    "sizes, message",
    [
        ((0, 100, 3, 512), "image height must be between 1 and"),
        ((100, -5, 3, 512), "image width must be between 1 and"),
        ((100, 100, 3, 10**9 + 1), "number of neurons must be between 1 and 1,000,000,000"),
        ((100, 100, 2.5, 512), "number of channels must be a whole number"),
        ((100, 100, float("nan"), 512), "whole number"),
        ((True, 100, 3, 512), "whole number"),
    ],
)
def test_impossible_calculator_sizes_are_refused_with_a_sentence(sizes, message):
    with pytest.raises(ValueError, match=message):
        lim.first_dense_layer_params(*sizes)


def test_conv_parameters_refuse_a_zero_kernel():
    with pytest.raises(ValueError, match="kernel size must be between 1"):
        lim.conv_layer_params(0, 3, 32)


def test_dense_parameters_are_quadratic_in_the_side_and_linear_in_pixels_not_exponential():
    sides = np.array([10, 20, 40, 80])
    curves = lim.params_against_side(sides, channels=3, neurons=512, kernel_size=3, filters=32)
    weights = curves["dense"] - 512
    np.testing.assert_allclose(weights[1:] / weights[:-1], 4.0)  # double the side → 4× the weights
    np.testing.assert_allclose(weights / curves["pixels"], 3 * 512)  # a constant per pixel: linear
    assert set(curves["conv"]) == {896.0}


def test_calculator_fields_default_to_the_lectures_example_and_name_real_arguments():
    defaults = {field.name: field.default for field in lim.CALCULATOR_FIELDS}
    assert defaults == {"height": 100, "width": 100, "channels": 3, "neurons": 512, "kernel_size": 3, "filters": 32}
    dense = {k: defaults[k] for k in ("height", "width", "channels", "neurons")}
    conv = {k: defaults[k] for k in ("kernel_size", "channels", "filters")}
    assert lim.first_dense_layer_params(**dense).total == 15_360_512
    assert lim.conv_layer_params(**conv).total == 896


def test_parameter_counts_match_keras_count_params():
    keras = pytest.importorskip("keras")
    dense = keras.Sequential([keras.Input((100, 100, 3)), keras.layers.Flatten(), keras.layers.Dense(512)])
    conv = keras.Sequential([keras.Input((100, 100, 3)), keras.layers.Conv2D(32, 3)])
    assert dense.count_params() == lim.first_dense_layer_params(100, 100, 3, 512).total
    assert conv.count_params() == lim.conv_layer_params(3, 3, 32).total
    wide = keras.Sequential([keras.Input((37, 23, 2)), keras.layers.Conv2D(7, 5)])
    assert wide.count_params() == lim.conv_layer_params(5, 2, 7).total


# --- figures ---------------------------------------------------------------------------------------


def test_the_activation_strip_colours_every_unit_by_its_state():
    original = np.array([0.0, 1.0, 0.0, 2.0] * 32)
    shifted = np.array([0.0, 3.0, 1.0, 0.0] * 32)
    fig = plots.activation_strip_figure(original, shifted, lim.compare_activations(original, shifted))
    states = fig.data[0].z[0] - 0.5
    assert states.tolist() == [0, 1, 2, 3] * 32
    assert [trace.name for trace in fig.data[1:]] == ["off in both (32)", "on in both (32)", "switched on (32)", "switched off (32)"]


def test_the_shift_curve_figure_rings_the_point_of_the_sliders():
    curves = lim.ShiftCurves(np.arange(3), {"horizontal": np.array([1.0, 0.8, 0.4]), "vertical": np.array([1.0, 0.7, 0.2])})
    fig = plots.shift_curve_figure({"MLP": curves, "CNN": curves}, marker=("vertical", 2))
    rings = [trace for trace in fig.data if trace.showlegend is False]
    assert [tuple(ring.y) for ring in rings] == [(0.2,), (0.2,)]
    assert len(fig.data) == 6


def test_the_parameter_figure_marks_the_calculators_image():
    curves = lim.params_against_side(np.arange(1, 201), channels=3, neurons=512, kernel_size=3, filters=32)
    fig = plots.params_figure(curves, current_side=100)
    marks = [trace for trace in fig.data if trace.mode == "markers+text"]
    assert [mark.text[0] for mark in marks] == ["15,360,512", "15,360,512"]
    assert marks[1].x[0] == 10_000


@pytest.mark.parametrize(("height", "width", "channels", "kernel", "filters"),
                         [(100, 100, 3, 3, 32), (28, 28, 1, 3, 16), (32, 20, 3, 5, 8), (3, 3, 2, 3, 4)])
def test_conv_with_its_dense_head_is_keras_count_params(height, width, channels, kernel, filters):
    import keras

    conv, head = lim.conv_with_head_params(height, width, channels, kernel, filters)
    model = keras.Sequential([keras.Input((height, width, channels)), keras.layers.Conv2D(filters, kernel),
                              keras.layers.Flatten(), keras.layers.Dense(10)])
    assert [conv.total, 0, head.total] == [layer.count_params() for layer in model.layers]
    with pytest.raises(ValueError, match="does not fit"):
        lim.conv_with_head_params(2, 2, 1, 3, 4)


def test_the_shipped_cnns_dense_head_is_most_of_its_parameters():
    import keras

    from annviz.pretrained import PRETRAINED
    from annviz.small_cnn import layer_param_counts, load_cnn_layers

    counts = layer_param_counts(load_cnn_layers(PRETRAINED["cnn"].weights_path))
    model = keras.saving.load_model(PRETRAINED["cnn"].path)
    assert [count for _, count in counts] == [layer.count_params() for layer in model.layers]
    assert sum(count for kind, count in counts if kind == "dense") == 8_010
    assert sum(count for _, count in counts) == model.count_params() == 12_810


def test_the_permuted_first_layer_reads_shuffled_pixels_as_keras_reads_the_originals():
    import keras

    from annviz.pretrained import PRETRAINED, SHUFFLE_SEED, shuffle_pixels

    (_, _), (x_test, y_test) = load_mnist()
    x_test, y_test = x_test[:2000], y_test[:2000]
    model = keras.saving.load_model(PRETRAINED["mlp"].path)
    expected = model.predict(x_test.reshape(-1, 784).astype("float32") / 255, verbose=0)
    renamed = lim.permuted_first_layer(dense_layers(model), pixel_permutation(SHUFFLE_SEED))
    shuffled = shuffle_pixels(x_test).reshape(-1, 784).astype("float32") / 255
    ours = mlp_probabilities(renamed, shuffled)
    np.testing.assert_allclose(ours, expected, atol=1e-5)
    assert accuracy(y_test, ours.argmax(1)) == accuracy(y_test, expected.argmax(1))
