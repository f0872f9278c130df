"""The shipped MNIST is the real one, complete and in Keras's order; the lecture's preprocessing.

Every expected figure below is published in ``/work/shared/data/README.md`` (and, for the
first labels, counts, mean and std, in countless tutorials using ``keras.datasets.mnist``),
so a wrong, truncated or re-ordered file fails here, loudly.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from annviz.mnist import DATA_PATH, flatten_and_scale, load_mnist, scale_images

#: array → (shape, sha256 of ``array.tobytes()``) as published with the file.
PUBLISHED = {
    "x_train": ((60000, 28, 28), "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757"),
    "y_train": ((60000,), "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13"),
    "x_test": ((10000, 28, 28), "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161"),
    "y_test": ((10000,), "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5"),
}
FILE_SHA256 = "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64"
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def arrays() -> dict[str, np.ndarray]:
    (x_train, y_train), (x_test, y_test) = load_mnist()
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def test_the_file_is_the_published_one():
    assert hashlib.sha256(DATA_PATH.read_bytes()).hexdigest() == FILE_SHA256


@pytest.mark.parametrize("name", PUBLISHED)
def test_each_array_has_the_published_shape_dtype_and_bytes(arrays, name):
    shape, digest = PUBLISHED[name]
    array = arrays[name]
    assert array.shape == shape
    assert array.dtype == np.uint8
    assert hashlib.sha256(array.tobytes()).hexdigest() == digest


def test_first_labels_are_keras_order(arrays):
    assert arrays["y_train"][:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert arrays["y_test"][:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


def test_class_counts(arrays):
    assert np.bincount(arrays["y_train"], minlength=10).tolist() == TRAIN_COUNTS
    assert np.bincount(arrays["y_test"], minlength=10).tolist() == TEST_COUNTS


def test_pixel_mean_and_std_are_the_quoted_figures(arrays):
    x_train = arrays["x_train"]
    assert x_train.mean() == pytest.approx(33.318421449829934, abs=1e-9)
    assert x_train.std() == pytest.approx(78.56748998339798, abs=1e-9)
    assert (x_train.min(), x_train.max()) == (0, 255)


def test_the_famous_seven_has_ink_where_a_seven_has_it(arrays):
    ink = arrays["x_test"][0] > 128
    # A 7: a long horizontal bar near the top, then a stroke that ends low on the left.
    assert ink[8].sum() >= 14
    assert not ink[:7].any() and not ink[27].any()
    assert ink[20:27].any() and not ink[20:27, 16:].any()


def test_a_truncated_or_foreign_file_is_a_sentence(tmp_path):
    np.savez_compressed(tmp_path / "half.npz", x_train=np.zeros((5, 28, 28), np.uint8))
    with pytest.raises(ValueError, match="lacks"):
        load_mnist(tmp_path / "half.npz")
    with pytest.raises(ValueError, match="missing"):
        load_mnist(tmp_path / "absent.npz")


def test_flatten_and_scale_is_the_lectures_preprocessing(arrays):
    x = arrays["x_test"][:100]
    flat = flatten_and_scale(x)
    assert flat.shape == (100, 784) and flat.dtype == np.float32
    np.testing.assert_array_equal(flat, x.reshape(-1, 784).astype("float32") / 255)
    assert 0.0 <= flat.min() and flat.max() <= 1.0
    # Flattening reads the image row by row: pixel (r, c) lands at index 28·r + c.
    r, c = 7, 13
    assert flat[0, 28 * r + c] == np.float32(x[0, r, c]) / np.float32(255)


def test_scale_images_keeps_the_grid_for_cnns(arrays):
    x = arrays["x_test"][:10]
    scaled = scale_images(x)
    assert scaled.shape == (10, 28, 28, 1) and scaled.dtype == np.float32
    np.testing.assert_array_equal(scaled[..., 0], x.astype("float32") / 255)


@pytest.mark.parametrize("bad", [np.zeros((3, 27, 28), np.uint8), np.zeros(784, np.uint8), np.zeros((2, 784))])
def test_preprocessing_refuses_non_28x28_images(bad):
    with pytest.raises(ValueError, match="28×28"):
        flatten_and_scale(bad)
    with pytest.raises(ValueError, match="28×28"):
        scale_images(bad)
