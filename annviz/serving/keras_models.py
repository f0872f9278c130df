"""Keras models built, loaded and trained: the shipped models and the architecture page's model.

Only the serving layer imports Keras (a test says so): these run in the Keras worker
(:mod:`annviz.serving.jobs`) and in ``scripts/train_pretrained.py``, never in the server.

>>> sorted(BUILDERS)
['cnn', 'mlp']
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from annviz.architecture import MAX_BUILD_PARAMS, ModelSpec, count_model_params
from annviz.errors import InputError
from annviz.mnist import N_PIXELS, pixel_permutation
from annviz.pretrained import SHUFFLE_SEED, model_inputs, pretrained_spec


def build_keras_model(spec: ModelSpec) -> Any:
    """Build the ``keras.Sequential`` model that :func:`keras_model_code` describes.

    Refuses (``ValueError``) models above ``MAX_BUILD_PARAMS`` parameters, saying how
    large they are, instead of exhausting memory. Imports Keras lazily.
    """
    total = count_model_params(spec)
    if total > MAX_BUILD_PARAMS:
        size = f"{total * 4 / 1e9:,.1f} GB" if total * 4 >= 1e9 else f"{total * 4 / 1e6:,.0f} MB"
        raise InputError(
            f"This model has {total:,} parameters (≈ {size} of float32 weights): "
            f"too large to build here (limit {MAX_BUILD_PARAMS:,}). The count above is exact without building it."
        )
    import keras

    return keras.Sequential(
        [keras.Input(shape=(spec.input_size,))]
        + [keras.layers.Dense(layer.units, activation=layer.activation) for layer in spec.layers]
    )


def _build_mlp() -> Any:
    import keras

    return keras.Sequential(
        [
            keras.Input(shape=(N_PIXELS,)),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


def _build_cnn() -> Any:
    import keras

    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Conv2D(16, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


#: The shipped networks by ``PretrainedSpec.network``.
BUILDERS: dict[str, Callable[[], Any]] = {"mlp": _build_mlp, "cnn": _build_cnn}


def load_pretrained(name: str) -> Any:
    """Load the shipped Keras model ``name`` (imports Keras; cache the result in the page)."""
    spec = pretrained_spec(name)
    if not spec.path.is_file():
        raise InputError(f"The shipped model {spec.path.name} is missing: run `python scripts/train_pretrained.py`.")
    import keras

    return keras.saving.load_model(spec.path)


def train_pretrained(name: str, *, x_train: np.ndarray, y_train: np.ndarray, verbose: int = 0) -> Any:
    """Build and fit the shipped model ``name`` deterministically from its seed; return it.

    Same seed, same data, same machine → same weights: the seed fixes the
    initialisation and the batch order, and TensorFlow's op determinism fixes the
    reductions. The validation split needs no seed: Keras's ``validation_split``
    always keeps the last 10 % of the arrays aside, cut before any shuffling. The
    shuffled MLP starts from the unshuffled MLP's initial weights with the first
    layer's rows permuted like the pixels (``x[:, perm] @ W[perm] == x @ W``), so
    it differs from the original only in the order of its inputs.
    """
    spec = pretrained_spec(name)
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(spec.seed)
    tf.config.experimental.enable_op_determinism()
    model = BUILDERS[spec.network]()
    if spec.shuffled and spec.input_kind == "flat":
        # A controlled experiment: start from the unshuffled model's initial weights with the
        # first layer's rows re-ordered like the pixels, so the only difference is the order.
        first = model.layers[0]
        kernel, bias = first.get_weights()
        first.set_weights([kernel[pixel_permutation(SHUFFLE_SEED)], bias])
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=64,
    )
    model.fit(
        model_inputs(name, x_train),
        y_train,
        epochs=spec.epochs,
        batch_size=spec.batch_size,
        validation_split=spec.validation_split,
        verbose=verbose,
    )
    return model
