"""Parameter counts against the lecture's numbers and against Keras's ``count_params()``."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annviz.activations import ACTIVATIONS
from annviz.architecture import (
    MAX_BUILD_PARAMS,
    PRESETS,
    TASKS,
    DenseSpec,
    ModelSpec,
    count_dense_params,
    count_model_params,
    format_hidden_layers,
    keras_model_code,
    layer_param_rows,
    param_formula_latex,
    parse_hidden_layers,
    parse_layer_sizes,
    spec_from_sizes,
)
from annviz.serving.keras_models import build_keras_model


@pytest.mark.parametrize("preset", PRESETS.values(), ids=list(PRESETS))
def test_presets_reach_the_lecture_totals(preset):
    assert preset.counted() == preset.lecture_total


def test_lecture_worked_examples():
    assert count_dense_params(3, 4) + count_dense_params(4, 1) == 16 + 5 == 21
    assert count_dense_params(5, 4) == 24
    assert count_dense_params(784, 128) + count_dense_params(128, 64) + count_dense_params(64, 10) == 109_386
    assert count_dense_params(100 * 100 * 3, 512) == 15_360_512


def test_lecture_formula_with_the_numbers_substituted():
    assert param_formula_latex(spec_from_sizes(parse_layer_sizes("3-4-1"))).endswith(
        r"_{16\ \text{weights}} + \underbrace{4 + 1}_{5\ \text{biases}} = 21"
    )
    mnist = PRESETS["MNIST MLP 784-128-64-10 (109,386)"].spec
    assert param_formula_latex(mnist).endswith("= 109{,}386")
    assert spec_from_sizes(parse_layer_sizes("784-128-64-10")) == mnist


@pytest.mark.parametrize("preset", PRESETS.values(), ids=list(PRESETS))
def test_hidden_layer_text_round_trips(preset):
    assert parse_hidden_layers(format_hidden_layers(preset.spec.hidden)) == preset.spec.hidden


def test_3_4_1_rows_show_weights_and_biases():
    rows = layer_param_rows(PRESETS["3-4-1 (21)"].spec)
    assert [(r["weights"], r["biases"], r["params"]) for r in rows] == [(12, 4, 16), (4, 1, 5)]
    assert [r["activation"] for r in rows] == ["relu", "sigmoid"]


@pytest.mark.parametrize("task", TASKS)
def test_output_layer_and_loss_follow_the_task(task):
    spec = ModelSpec(20, (DenseSpec(8),), task=task, n_classes=7)
    expected_units = 7 if task in ("multiclass", "layer") else 1
    assert spec.layers[-1] == DenseSpec(expected_units, TASKS[task].output_activation)
    assert spec.loss == TASKS[task].loss


def test_a_billion_units_are_counted_exactly_and_never_built():
    spec = ModelSpec(784, (DenseSpec(10**9),), task="multiclass", n_classes=10)
    total = count_model_params(spec)
    assert total == 784 * 10**9 + 10**9 + 10**9 * 10 + 10
    assert isinstance(total, int)
    with pytest.raises(ValueError, match="795,000,000,010 parameters"):
        build_keras_model(spec)


@pytest.mark.parametrize(
    "make",
    [
        lambda: count_dense_params(0, 4),
        lambda: count_dense_params(5, -1),
        lambda: count_dense_params(5, 2.5),
        lambda: count_dense_params(True, 4),
        lambda: count_dense_params(10**13, 4),
        lambda: DenseSpec(0),
        lambda: DenseSpec(4, "swishy"),
        lambda: ModelSpec(0, ()),
        lambda: ModelSpec(10, (), task="clustering"),
        lambda: ModelSpec(10, (), task="multiclass", n_classes=1),
        lambda: ModelSpec(10, tuple(DenseSpec(2) for _ in range(21))),
        lambda: keras_model_code(ModelSpec(3, ()), var="my model"),
        lambda: parse_layer_sizes("3"),
        lambda: parse_layer_sizes("3-0-1"),
        lambda: parse_layer_sizes("3-four-1"),
        lambda: parse_layer_sizes("3-2.5-1"),
        lambda: parse_layer_sizes("-".join(["2"] * 23)),
        lambda: parse_hidden_layers("128 relu relu"),
        lambda: parse_hidden_layers("1e9 relu"),
        lambda: parse_hidden_layers("12 swishy"),
        lambda: parse_hidden_layers(", ".join(["2"] * 21)),
    ],
)
def test_bad_sizes_raise_a_sentence(make):
    with pytest.raises(ValueError) as error:
        make()
    assert str(error.value).endswith(".") and len(str(error.value)) > 20


def test_keras_code_is_what_gets_built():
    import keras

    spec = PRESETS["MNIST MLP 784-128-64-10 (109,386)"].spec
    namespace: dict = {"keras": keras}
    exec(keras_model_code(spec), namespace)
    written, built = namespace["model"], build_keras_model(spec)
    assert [layer.get_config()["units"] for layer in written.layers] == [128, 64, 10]
    assert [layer.get_config()["activation"] for layer in written.layers] == [
        layer.get_config()["activation"] for layer in built.layers
    ]
    assert written.count_params() == built.count_params() == 109_386


def test_largest_preset_builds_under_the_limit():
    spec = PRESETS["100×100×3 image → 512 (15,360,512)"].spec
    assert count_model_params(spec) <= MAX_BUILD_PARAMS


hidden_layers = st.lists(
    st.builds(DenseSpec, st.integers(1, 40), st.sampled_from([*ACTIVATIONS])), min_size=0, max_size=3
)


@settings(max_examples=12, deadline=None)
@given(
    input_size=st.integers(1, 60),
    hidden=hidden_layers,
    task=st.sampled_from(list(TASKS)),
    n_classes=st.integers(2, 12),
)
def test_parameter_formula_equals_keras_count_params(input_size, hidden, task, n_classes):
    spec = ModelSpec(input_size, tuple(hidden), task=task, n_classes=n_classes)
    model = build_keras_model(spec)
    assert count_model_params(spec) == model.count_params()
    assert [row["params"] for row in layer_param_rows(spec)] == [layer.count_params() for layer in model.layers]


def test_the_lectures_dense_4_is_a_plain_linear_layer_with_no_loss():
    """The slide's ``Dense(4)`` on 5 inputs: Keras's default activation (None, i.e. linear), no loss invented."""
    import inspect

    import keras

    spec = PRESETS["Dense(4) on 5 inputs (24)"].spec
    assert spec.layers == (DenseSpec(4, "linear"),) and spec.loss is None
    assert inspect.signature(keras.layers.Dense).parameters["activation"].default is None
    layer = keras.layers.Dense(4)
    layer.build((None, 5))
    assert layer.count_params() == count_model_params(spec) == 24
    assert keras.activations.serialize(layer.activation) == "linear"
    assert "compile" not in keras_model_code(spec)
