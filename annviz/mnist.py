"""The MNIST handwritten digits, shipped with the app, and the lecture's preprocessing.

The file ``annviz/data/mnist.npz`` is a copy of the full set, array for array
identical to what ``keras.datasets.mnist.load_data()`` downloads, so the app and
its tests work with no network (a lecture hall's Wi-Fi is not to be trusted).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from annviz.errors import InputError

DATA_PATH = Path(__file__).parent / "data" / "mnist.npz"
IMAGE_SIDE = 28
N_PIXELS = IMAGE_SIDE * IMAGE_SIDE
N_CLASSES = 10

MnistSplits = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def load_mnist(path: Path | str = DATA_PATH) -> MnistSplits:
    """Load ``((x_train, y_train), (x_test, y_test))`` exactly as Keras returns them.

    Shapes (60000, 28, 28), (60000,), (10000, 28, 28), (10000,), all uint8.

    >>> (x_train, y_train), (x_test, y_test) = load_mnist()
    >>> x_train.shape, x_test.shape, int(y_test[0])
    ((60000, 28, 28), (10000, 28, 28), 7)
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"The MNIST file {path} is missing: reinstall annviz or copy mnist.npz there.")
    with np.load(path, allow_pickle=False) as data:
        missing = {"x_train", "y_train", "x_test", "y_test"} - set(data.files)
        if missing:
            raise InputError(f"{path} is not the MNIST file: it lacks {sorted(missing)}.")
        return (data["x_train"], data["y_train"]), (data["x_test"], data["y_test"])


def flatten_and_scale(images: np.ndarray) -> np.ndarray:
    """The lecture's preprocessing: reshape to (n, 784), float32, divide by 255.

    ``x.reshape(-1, 784).astype("float32") / 255``

    >>> flatten_and_scale(np.full((2, 28, 28), 255, dtype=np.uint8)).shape
    (2, 784)
    >>> round(float(flatten_and_scale(np.full((1, 28, 28), 51, dtype=np.uint8)).max()), 6)
    0.2
    """
    images = np.asarray(images)
    if images.ndim < 2 or images.shape[-2:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise InputError(f"Expected 28×28 images, got an array of shape {images.shape}.")
    return images.reshape(-1, N_PIXELS).astype(np.float32) / np.float32(255.0)


def scale_images(images: np.ndarray) -> np.ndarray:
    """Scale to [0, 1] float32 keeping the grid and adding a channel axis: (n, 28, 28, 1), for CNNs.

    >>> scale_images(np.zeros((3, 28, 28), dtype=np.uint8)).shape
    (3, 28, 28, 1)
    """
    images = np.asarray(images)
    if images.ndim < 2 or images.shape[-2:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise InputError(f"Expected 28×28 images, got an array of shape {images.shape}.")
    return (images.reshape(-1, IMAGE_SIDE, IMAGE_SIDE, 1).astype(np.float32) / np.float32(255.0))


def pixel_permutation(seed: int, n_pixels: int = N_PIXELS) -> np.ndarray:
    """One fixed random permutation of the pixel positions, reproducible from ``seed``.

    ``shuffled = flat_images[:, perm]``; the inverse is ``np.argsort(perm)``.

    >>> perm = pixel_permutation(0)
    >>> sorted(perm.tolist()) == list(range(784))
    True
    >>> bool((pixel_permutation(0) == perm).all())
    True
    """
    return np.random.default_rng(seed).permutation(n_pixels)
