"""Models that ship with the app, trained by ``scripts/train_pretrained.py`` with fixed seeds.

The metrics and limitations pages need a trained network instantly, so the
lecture's MLP, a small CNN, and both of them trained on pixel-shuffled images
are saved in ``annviz/models/`` in Keras format. ``manifest.json`` beside them
records the test accuracy and parameter count the script measured.

Loading and training them needs Keras: :mod:`annviz.serving.keras_models` does it (the Keras
worker and ``scripts/train_pretrained.py`` call it); this module holds only their table, their
inputs and their manifest, and the server reads their NumPy weights (``numpy_mlp``, ``small_cnn``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from annviz.errors import InputError, echo
from annviz.mnist import N_PIXELS, flatten_and_scale, pixel_permutation, scale_images

MODEL_DIR = Path(__file__).parent / "models"
MANIFEST_PATH = MODEL_DIR / "manifest.json"
#: The seed of the one pixel permutation every "shuffled" model and page uses.
SHUFFLE_SEED = 1234


@dataclass(frozen=True)
class PretrainedSpec:
    """How one shipped model is built, fed and trained."""

    name: str
    title: str
    #: Which network it is: a key of ``annviz.serving.keras_models.BUILDERS`` ("mlp" or "cnn").
    network: str
    input_kind: str  # "flat": (n, 784) as in the lecture; "image": (n, 28, 28, 1) for the CNN
    shuffled: bool
    epochs: int
    batch_size: int = 64
    validation_split: float = 0.1
    seed: int = 42

    @property
    def path(self) -> Path:
        return MODEL_DIR / f"{self.name}.keras"

    @property
    def weights_path(self) -> Path:
        """The same weights as NumPy arrays (.npz), which the server reads without TensorFlow."""
        return self.path.with_suffix(".npz")


#: One row per shipped model; the training script, the loader and the tests all read this table.
PRETRAINED: dict[str, PretrainedSpec] = {
    spec.name: spec
    for spec in (
        PretrainedSpec("mlp", "Lecture MLP 784-128-64-10", "mlp", "flat", False, epochs=10),
        PretrainedSpec("cnn", "Small CNN conv-pool-conv-pool-dense", "cnn", "image", False, epochs=5),
        PretrainedSpec("mlp_shuffled", "Lecture MLP on shuffled pixels", "mlp", "flat", True, epochs=10),
        PretrainedSpec("cnn_shuffled", "Small CNN on shuffled pixels", "cnn", "image", True, epochs=5),
    )
}


def pretrained_spec(name: str) -> PretrainedSpec:
    if name not in PRETRAINED:
        raise InputError(f"There is no shipped model called {echo(name)}; choose one of {sorted(PRETRAINED)}.")
    return PRETRAINED[name]


def shuffle_pixels(images: np.ndarray, seed: int = SHUFFLE_SEED) -> np.ndarray:
    """Apply the fixed pixel permutation to uint8 images (n, 28, 28); the grid shape is kept.

    >>> imgs = np.arange(784, dtype=np.uint16).reshape(1, 28, 28)
    >>> shuffled = shuffle_pixels(imgs)
    >>> sorted(shuffled.ravel().tolist()) == list(range(784))
    True
    """
    images = np.asarray(images)
    flat = images.reshape(len(images), N_PIXELS)
    return flat[:, pixel_permutation(seed)].reshape(images.shape)


def model_inputs(name: str, images: np.ndarray) -> np.ndarray:
    """Turn uint8 images (n, 28, 28) into what the shipped model ``name`` expects.

    Shuffles the pixels for the ``*_shuffled`` models, then flattens (MLP) or adds a
    channel axis (CNN), scaling to [0, 1].

    >>> model_inputs("mlp", np.zeros((2, 28, 28), dtype=np.uint8)).shape
    (2, 784)
    >>> model_inputs("cnn", np.zeros((2, 28, 28), dtype=np.uint8)).shape
    (2, 28, 28, 1)
    """
    spec = pretrained_spec(name)
    images = np.asarray(images)
    if spec.shuffled:
        images = shuffle_pixels(images)
    return flatten_and_scale(images) if spec.input_kind == "flat" else scale_images(images)


def read_manifest() -> dict[str, dict[str, Any]]:
    """What the training script measured for each shipped model (accuracy, parameters, seed).

    >>> sorted(read_manifest())
    ['cnn', 'cnn_shuffled', 'mlp', 'mlp_shuffled']
    """
    if not MANIFEST_PATH.is_file():
        raise InputError("The shipped models are missing: run `python scripts/train_pretrained.py`.")
    return json.loads(MANIFEST_PATH.read_text())
