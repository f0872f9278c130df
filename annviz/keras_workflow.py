"""The Keras program a :class:`~annviz.training_config.TrainingConfig` stands for, the lecture's four steps.

    1. define    model = keras.Sequential([...])
    2. compile   model.compile(optimizer, loss, metrics)
    3. fit       history = model.fit(x_train, y_train, epochs, batch_size, validation_split)
    4. evaluate  model.evaluate(x_test, y_test); model.predict(x_test[:1])

:func:`keras_workflow_code` writes that program and :func:`annviz.training.train` runs exactly it
(a test ``exec``\\ s the code and gets the same weights). :data:`LECTURE_CODE_MAPPING` sets the
lecture's ``tensorflow.keras`` lines beside Keras 3's.

>>> from annviz.training_config import TrainingConfig
>>> optimizer_code(TrainingConfig())
'keras.optimizers.Adam(learning_rate=0.001)'
"""

from __future__ import annotations

from annviz.architecture import (
    count_model_params,
    keras_model_code,
    layer_param_rows,
)
from annviz.optimizers import OPTIMIZERS
from annviz.training_config import (
    LOSSES,
    METRICS,
    MNIST_TRAIN_SIZE,
    TrainingConfig,
    execution_steps,
)


def optimizer_code(config: TrainingConfig) -> str:
    return f"keras.optimizers.{OPTIMIZERS[config.optimizer].keras_class}(learning_rate={config.learning_rate!r})"


def metrics_code(config: TrainingConfig) -> str:
    return "[" + ", ".join(METRICS[name].code(config.loss) for name in config.metrics) + "]"


def _evaluate_targets(config: TrainingConfig) -> str:
    names = ["test_loss", *(f"test_{name}" for name in config.metrics)]
    return names[0] if len(names) == 1 else ", ".join(names)


def keras_workflow_code(config: TrainingConfig) -> str:
    """The complete Keras program for ``config``: data, define, compile, fit, evaluate and predict.

    This is what :func:`train` runs (a test executes it and compares the weights).

    >>> code = keras_workflow_code(TrainingConfig())
    >>> "history = model.fit(x_train, y_train, epochs=10, batch_size=64, validation_split=0.1)" in code
    True
    >>> print(code.splitlines()[-1])
    print("predicted class:", probabilities.argmax())
    """
    one_hot = LOSSES[config.loss].one_hot
    steps = execution_steps(config)
    lines = [
        "import keras",
        "",
        "# Data: 28×28 images → 784 numbers between 0 and 1",
        "(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()",
    ]
    if config.subset_size < MNIST_TRAIN_SIZE:
        lines.append(f"x_train, y_train = x_train[:{config.subset_size}], y_train[:{config.subset_size}]  # a subset")
    if config.scale_inputs:
        lines += [
            "x_train = x_train.reshape(-1, 784).astype(\"float32\") / 255",
            "x_test = x_test.reshape(-1, 784).astype(\"float32\") / 255",
        ]
    else:
        lines[2] = "# Data: 28×28 images → 784 numbers between 0 and 255 (not divided by 255)"
        lines += [
            "x_train = x_train.reshape(-1, 784).astype(\"float32\")  # raw pixels, 0…255",
            "x_test = x_test.reshape(-1, 784).astype(\"float32\")",
        ]
    if one_hot:
        lines += [
            "y_train = keras.utils.to_categorical(y_train, 10)  # 7 → [0,0,0,0,0,0,0,1,0,0]",
            "y_test = keras.utils.to_categorical(y_test, 10)",
        ]
    lines += [
        f"keras.utils.set_random_seed({config.seed})  # optional: the same weights and batches every run",
        "",
        "# 1. Define the network",
        keras_model_code(config.model, var="model"),
        "",
        "# 2. Compile: optimizer, loss, metrics",
        "model.compile(",
        f"    optimizer={optimizer_code(config)},",
        f'    loss="{config.loss}",',
        f"    metrics={metrics_code(config)},",
        f"    steps_per_execution={steps},  # speed only: {steps} batches per call, same maths (may be dropped)",
        ")",
        "",
        f"# 3. Fit: {config.epochs} epochs, batches of {config.batch_size}, "
        f"the last {config.validation_split:.0%} of the images to validate",
        f"history = model.fit(x_train, y_train, epochs={config.epochs}, batch_size={config.batch_size}, "
        f"validation_split={config.validation_split!r})",
        "",
        "# 4. Evaluate on 10,000 unseen images; predict the first one (a 7)",
        f"{_evaluate_targets(config)} = model.evaluate(x_test, y_test)",
        "probabilities = model.predict(x_test[:1])",
        'print("predicted class:", probabilities.argmax())',
    ]
    return "\n".join(lines)


def workflow_steps(config: TrainingConfig) -> dict[str, str]:
    """The four steps in words, with this config's numbers (what the Keras workflow page lists).

    >>> steps = workflow_steps(TrainingConfig())
    >>> print(steps["1 · Define"])
    784-128-64-10: 109,386 parameters (100,480 + 8,256 + 650), each weight and bias learnt.
    >>> print(steps["3 · Fit"])
    10 epochs × 844 batches of 64 (the last holds 48) = 8,440 weight updates from 54,000 images; the last 6,000 images validate after each epoch (Keras's validation_split takes the end of the arrays, before any shuffling).
    """
    sizes = "-".join(str(size) for size in config.model.sizes)
    per_layer = " + ".join(f"{row['params']:,}" for row in layer_param_rows(config.model))
    last = config.train_size - (config.batches_per_epoch - 1) * config.batch_size
    last_text = "" if last == config.batch_size else f" (the last holds {last:,})"
    metrics = ", ".join(config.metrics) if config.metrics else "no metric"
    updates = config.epochs * config.batches_per_epoch
    return {
        "1 · Define": f"{sizes}: {count_model_params(config.model):,} parameters ({per_layer}), each weight and bias learnt.",
        "2 · Compile": (
            f"{OPTIMIZERS[config.optimizer].keras_class} with learning rate {config.learning_rate:g} lowers the "
            f"{config.loss}; {metrics} reported alongside."
        ),
        "3 · Fit": (
            f"{config.epochs} epochs × {config.batches_per_epoch:,} batches of {config.batch_size:,}{last_text} = "
            f"{updates:,} weight updates from {config.train_size:,} images; "
            f"the last {config.validation_size:,} images validate after each epoch (Keras's validation_split "
            "takes the end of the arrays, before any shuffling)."
        ),
        "4 · Evaluate & predict": "Loss and metrics on the 10,000 test images, then the ten class probabilities of x_test[0], a 7.",
    }


#: The lecture's code (``tensorflow.keras``, ``input_shape=``) beside annviz's (Keras 3: ``import keras``,
#: ``keras.Input``): the same model either way (a test builds both). ``(lecture, annviz, note)``.
LECTURE_CODE_MAPPING: tuple[tuple[str, str, str], ...] = (
    ("from tensorflow import keras", "import keras",
     "Keras 3 is its own package; with TensorFlow installed, tensorflow.keras is the same Keras."),
    ("keras.layers.Dense(128, activation=\"relu\", input_shape=(784,))",
     "keras.Input(shape=(784,)), keras.layers.Dense(128, activation=\"relu\")",
     "Keras 3 prefers the input as its own first entry; input_shape= still works, with a warning."),
)
