"""The training engine: settings, the generated Keras program, the live loop, Stop, NaN, the server cap.

The loop is checked against Keras itself: the weights after :func:`annviz.training.train`
equal those of a bare ``model.fit`` and of the generated program run with ``exec``.
Trainings here use a few hundred images so the whole file takes seconds, not minutes.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from annviz.architecture import DenseSpec, ModelSpec
from annviz.keras_workflow import keras_workflow_code, workflow_steps
from annviz.serving.keras_training import compile_model, evaluate_on_test, train
from annviz.training import prepare_training_data, raw_pixels, trained_model_label
from annviz.training_config import LECTURE_MODEL, MAX_EPOCHS, SETTINGS, TrainingConfig, config_from_settings, execution_steps, settings_of

keras = pytest.importorskip("keras")


@pytest.fixture(scope="module")
def data():
    return prepare_training_data()


def ignore(_event) -> None:
    pass


def never() -> bool:
    return False


def max_weight_difference(a, b) -> float:
    return max(float(np.abs(x - y).max()) for x, y in zip(a.get_weights(), b.get_weights()))


# --- settings ---------------------------------------------------------------------------------


def test_lecture_defaults():
    config = TrainingConfig()
    assert config.model == LECTURE_MODEL and config.model.sizes == (784, 128, 64, 10)
    assert (config.optimizer, config.learning_rate, config.loss, config.metrics) == (
        "adam", 0.001, "sparse_categorical_crossentropy", ("accuracy",)
    )
    assert (config.epochs, config.batch_size, config.validation_split) == (10, 64, 0.1)
    # Keras's validation_split keeps the first ⌊60000 · 0.9⌋ images for training.
    assert (config.train_size, config.validation_size, config.batches_per_epoch) == (54_000, 6_000, 844)


#: Bad settings and a few words of the sentence each must produce.
BAD_SETTINGS = [
    ({"batch_size": 0}, "batch size is 0"),
    ({"batch_size": 54_001}, "54,000 training images"),
    ({"batch_size": 2.5}, "whole number"),
    ({"epochs": 0}, "number of epochs is 0"),
    ({"epochs": MAX_EPOCHS + 1}, "between 1 and 50"),
    ({"validation_split": 0.0}, "between 0 and 1"),
    ({"validation_split": 1.0}, "between 0 and 1"),
    ({"validation_split": -0.2}, "between 0 and 1"),
    ({"validation_split": float("nan")}, "finite"),
    ({"subset_size": 60_001}, "MNIST has 60,000"),
    ({"subset_size": 0}, "subset size is 0"),
    ({"subset_size": 2, "validation_split": 0.6}, "both need at least one image"),
    ({"subset_size": 100, "validation_split": 1e-17}, "both need at least one image"),
    ({"learning_rate": 0.0}, "above 0"),
    ({"learning_rate": float("inf")}, "finite"),
    ({"learning_rate": "fast"}, "must be a number"),
    ({"optimizer": "adamw2"}, "Unknown optimizer"),
    ({"loss": "mse"}, "Unknown loss"),
    ({"metrics": ("accuracy", "accuracy")}, "only once"),
    ({"metrics": ("f1",)}, "Unknown metric"),
    ({"seed": -1}, "seed"),
    ({"model": ModelSpec(784, (DenseSpec(4000), DenseSpec(500)))}, "too many to train"),
    ({"model": ModelSpec(100, (DenseSpec(4),))}, "784 pixel values"),
]


@pytest.mark.parametrize(("changes", "words"), BAD_SETTINGS, ids=[str(c) for c, _ in BAD_SETTINGS])
def test_bad_settings_are_sentences(changes, words):
    with pytest.raises(ValueError, match=words):
        TrainingConfig(**changes)


def test_batch_size_is_checked_against_the_subset():
    with pytest.raises(ValueError, match="between 1 and the 90 training images"):
        TrainingConfig(subset_size=100, batch_size=91)
    assert TrainingConfig(subset_size=100, batch_size=90).batches_per_epoch == 1


@pytest.mark.parametrize(
    "config",
    [TrainingConfig(), TrainingConfig(model=ModelSpec(784, (DenseSpec(32, "tanh"),)), optimizer="sgd", learning_rate=0.5,
                                      loss="categorical_crossentropy", metrics=(), epochs=3, subset_size=1000, seed=7,
                                      scale_inputs=False)],
)
def test_the_form_round_trips(config):
    assert config_from_settings(settings_of(config)) == config
    assert set(settings_of(config)) == {s.name for s in SETTINGS}


def test_the_form_reports_bad_layers_as_sentences():
    with pytest.raises(ValueError, match="not a whole number"):
        config_from_settings({**settings_of(TrainingConfig()), "layers": "many relu"})


def test_execution_steps_keep_one_call_near_the_lecture_budget():
    assert execution_steps(TrainingConfig()) == 64
    assert execution_steps(TrainingConfig(batch_size=1)) == 64
    wide = TrainingConfig(model=ModelSpec(784, (DenseSpec(1024), DenseSpec(512))))
    assert 1 <= execution_steps(wide) <= 8
    assert execution_steps(TrainingConfig(batch_size=4096)) == 1


def test_workflow_steps_give_the_lectures_numbers():
    steps = workflow_steps(TrainingConfig())
    assert "109,386 parameters (100,480 + 8,256 + 650)" in steps["1 · Define"]
    assert "8,440 weight updates" in steps["3 · Fit"] and "the last 6,000 images validate" in steps["3 · Fit"]
    assert "before any shuffling" in steps["3 · Fit"]


def test_kerass_validation_split_is_the_end_of_the_arrays_as_the_pages_say():
    """A model that always answers 0 and never learns (SGD, η = 0): its validation loss is the mean
    of y² over the rows Keras kept aside, which tells which rows they were."""
    import keras

    y = np.arange(10, dtype="float32")
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False, kernel_initializer="zeros")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse")
    history = model.fit(np.zeros((10, 1), "float32"), y, epochs=1, batch_size=2, validation_split=0.2, shuffle=True, verbose=0)
    assert history.history["val_loss"][0] == pytest.approx((8**2 + 9**2) / 2)  # the last 2 rows, even with shuffle=True
    assert TrainingConfig(validation_split=0.2, subset_size=10, batch_size=2).train_size == 8


# --- the generated program ----------------------------------------------------------------------

PROGRAMS = {
    "lecture on 300 images": TrainingConfig(epochs=1, subset_size=300),
    "sgd, one-hot, top-3": TrainingConfig(
        model=ModelSpec(784, (DenseSpec(16, "tanh"), DenseSpec(8, "sigmoid"))), optimizer="sgd", learning_rate=0.1,
        loss="categorical_crossentropy", metrics=("accuracy", "top_3_accuracy"), epochs=2, batch_size=32,
        validation_split=0.2, subset_size=400, seed=3,
    ),
    "rmsprop, no metric": TrainingConfig(optimizer="rmsprop", metrics=(), epochs=1, subset_size=200, batch_size=50),
    "raw pixels, not divided by 255": TrainingConfig(epochs=1, subset_size=300, scale_inputs=False),
}


@pytest.mark.parametrize("name", PROGRAMS)
def test_the_generated_program_runs_and_learns_what_the_app_learns(name, data, monkeypatch):
    config = PROGRAMS[name]
    (x_train, y_train), (x_test, y_test) = ((np.asarray(a) for a in pair) for pair in _uint8_splits())
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: ((x_train, y_train), (x_test, y_test)))
    namespace: dict = {}
    exec(compile(keras_workflow_code(config), f"<{name}>", "exec"), namespace)  # noqa: S102
    students = namespace["model"]
    assert students.count_params() == compile_model(config).count_params()
    assert [layer.units for layer in students.layers] == [layer.units for layer in config.model.layers]
    ours = train(config, data, on_progress=ignore, should_stop=never).model
    assert max_weight_difference(students, ours) == 0.0
    first = data.x_test[:1] if config.scale_inputs else raw_pixels(data.x_test[:1])
    assert int(namespace["probabilities"].argmax()) == int(ours.predict(first, verbose=0).argmax())
    assert ("/ 255" in keras_workflow_code(config)) == config.scale_inputs


_SPLITS: list = []


def _uint8_splits():
    if not _SPLITS:
        from annviz.mnist import load_mnist

        _SPLITS.append(load_mnist())
    return _SPLITS[0]


# --- the live loop ------------------------------------------------------------------------------


def test_one_epoch_through_the_callback_protocol_equals_a_bare_fit(data):
    config = TrainingConfig(epochs=2, subset_size=640, batch_size=32, seed=5)
    events = []
    result = train(config, data, on_progress=events.append, should_stop=never, progress_interval_s=0.0)
    assert result.outcome == "completed" and result.history.complete_epochs == 2

    keras.utils.set_random_seed(config.seed)
    bare = keras.Sequential([keras.Input((784,)), keras.layers.Dense(128, activation="relu"),
                             keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10, activation="softmax")])
    bare.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="sparse_categorical_crossentropy",
                 metrics=["accuracy"])
    bare_history = bare.fit(data.x_train[:640], data.y_train[:640], epochs=2, batch_size=32, validation_split=0.1,
                            verbose=0).history
    assert max_weight_difference(bare, result.model) == 0.0
    for row in result.history.epochs:
        for name, values in bare_history.items():
            assert row.values[name] == pytest.approx(values[row.epoch - 1], rel=1e-6)

    # The events: the first at the start, then every call and epoch end; progress only grows.
    fractions = [event.fraction for event in events]
    assert fractions[0] == 0 and fractions[-1] == 1 and fractions == sorted(fractions)
    assert events[-1].history == result.history and events[-1].describe().startswith("Epoch 2/2 · batch 18/18")
    assert any(event.eta_s and event.eta_s > 0 for event in events)


def test_block_means_average_back_to_the_epoch_mean(data):
    # 18 batches of 32 with execution_steps = 64 would be one block per epoch: force smaller blocks.
    config = TrainingConfig(model=ModelSpec(784, (DenseSpec(1500),)), epochs=1, subset_size=2000, batch_size=100)
    steps = execution_steps(config)
    result = train(config, data, on_progress=ignore, should_stop=never)
    blocks = result.history.batches
    assert len(blocks) == -(-config.batches_per_epoch // steps) > 1
    sizes = np.diff([0] + [min(round(p.epochs_done * config.batches_per_epoch) * 100, config.train_size) for p in blocks])
    for metric in ("loss", "accuracy"):
        weighted = sum(size * p.values[metric] for size, p in zip(sizes, blocks)) / sizes.sum()
        assert weighted == pytest.approx(result.history.epochs[0].values[metric], rel=1e-5)


def test_stop_is_honoured_within_a_second_and_keeps_the_partial_model(data):
    config = TrainingConfig(epochs=5, subset_size=30_000)
    stop = threading.Event()
    asked: list[float] = []

    def on_progress(event):
        if event.history.batches and not stop.is_set():
            asked.append(time.monotonic())
            stop.set()

    result = train(config, data, on_progress=on_progress, should_stop=stop.is_set)
    latency = time.monotonic() - asked[0]
    assert result.outcome == "stopped" and latency < 1.0
    assert result.history.epochs and not result.history.epochs[-1].complete
    assert "val_loss" not in result.history.epochs[-1].values
    # The partial model is a model: it answers, and better than chance after its few hundred updates.
    report = evaluate_on_test(result.model, config, data)
    assert report.accuracy > 0.5 and report.first_label == 7
    assert "(stopped)" in trained_model_label(config, result, report)


def test_a_learning_rate_that_blows_up_stops_with_an_explanation(data):
    config = TrainingConfig(optimizer="sgd", learning_rate=1e6, epochs=3, subset_size=3000)
    result = train(config, data, on_progress=ignore, should_stop=never)
    assert result.outcome == "nan"
    assert "NaN" in result.message and "learning rate of 1e+06" in result.message and "0.01" in result.message
    assert len(result.history.epochs) == 1 and not result.history.epochs[0].complete


def test_evaluation_is_keras_evaluate_and_predict(data):
    config = TrainingConfig(epochs=1, subset_size=1000, metrics=("accuracy", "top_3_accuracy"))
    model = train(config, data, on_progress=ignore, should_stop=never).model
    report = evaluate_on_test(model, config, data)
    loss, accuracy, top3 = model.evaluate(data.x_test, data.y_test, verbose=0)
    assert report.loss == pytest.approx(loss, rel=1e-5)
    assert report.accuracy == pytest.approx(accuracy, abs=1e-6) and report.metrics["accuracy"] == pytest.approx(accuracy)
    assert report.metrics["top_3_accuracy"] == pytest.approx(top3) and top3 >= accuracy
    np.testing.assert_allclose(report.first_probabilities, model.predict(data.x_test[:1], verbose=0)[0], rtol=1e-5)
    assert report.first_probabilities.sum() == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize(
    ("accuracies", "test", "words"),
    [
        ((0.85, 0.915), 0.975, "97.5%: holds. Its training accuracy of 90–92%: holds."),
        ((0.93, 0.99), 0.95, "97.5%: not this run. Its training accuracy of 90–92%: this run ended at 99.0%."),
        ((0.905, 0.98), 0.9749, "97.5%: holds. Its training accuracy of 90–92%: this run was there in epoch 1 and ended"),
    ],
)
def test_the_lectures_accuracy_claims_are_checked_against_the_measured_ones(accuracies, test, words):
    from annviz.lecture_claims import lecture_accuracy_sentence

    from annviz.training import EpochRow, TrainingHistory

    rows = tuple(EpochRow(i + 1, {"accuracy": a, "val_accuracy": a - 0.01}, True, 1.0) for i, a in enumerate(accuracies))
    sentence = lecture_accuracy_sentence(TrainingHistory(epochs=rows), test)
    assert words in sentence and f"test {test:.1%}" in sentence and f"validation {accuracies[-1] - 0.01:.1%}" in sentence
    assert lecture_accuracy_sentence(TrainingHistory(epochs=(EpochRow(1, {"loss": 1.0}, True, 1.0),)), test) is None


def test_raw_pixels_are_exactly_the_unscaled_values_and_a_raw_model_reads_scaled_inputs():
    """A run on raw 0…255 pixels is handed to the other pages with its first kernel × 255, so it reads
    x / 255 like every model and gives Keras's predict on the raw pixels."""
    import keras

    from annviz.numpy_mlp import dense_layers
    from annviz.mnist import flatten_and_scale, load_mnist
    from annviz.serving import TrainedMLP, for_scaled_inputs

    images = load_mnist()[1][0][:500]
    raw = images.reshape(-1, 784).astype("float32")
    assert np.array_equal(raw_pixels(flatten_and_scale(images)), raw)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    config = TrainingConfig(scale_inputs=False)
    ours = TrainedMLP(for_scaled_inputs(dense_layers(model), config)).probabilities(flatten_and_scale(images))
    np.testing.assert_allclose(ours, model.predict(raw, verbose=0), atol=2e-5)
    assert for_scaled_inputs(dense_layers(model), TrainingConfig())[0].kernel is not None
    with pytest.raises(ValueError, match="on or off"):
        TrainingConfig(scale_inputs="yes")


def test_the_lectures_tensorflow_keras_lines_build_the_same_model_as_annviz_lines():
    import warnings

    from annviz.keras_workflow import LECTURE_CODE_MAPPING

    (lecture_import, ours_import, _), (lecture_layer, ours_layer, _) = LECTURE_CODE_MAPPING
    lecture_ns: dict = {}
    ours_ns: dict = {}
    exec(lecture_import, lecture_ns)  # noqa: S102
    exec(ours_import, ours_ns)  # noqa: S102
    assert lecture_ns["keras"].Sequential is ours_ns["keras"].Sequential  # tensorflow.keras is Keras 3 here
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lecture = eval(f"keras.Sequential([{lecture_layer}])", lecture_ns)  # noqa: S307
    assert any("input_shape" in str(w.message) for w in caught)  # works, with Keras 3's warning
    ours = eval(f"keras.Sequential([{ours_layer}])", ours_ns)  # noqa: S307
    assert lecture.count_params() == ours.count_params() == 784 * 128 + 128
    assert lecture.output_shape == ours.output_shape == (None, 128)
    code = keras_workflow_code(TrainingConfig())
    assert "# optional: the same weights" in code and "# speed only:" in code
