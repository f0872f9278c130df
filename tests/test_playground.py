"""The playground's engine against Keras: ``model.fit`` with the same weights and batches, weight by weight;
backpropagation against ``tf.GradientTape``; the presets' outcomes measured; bad input as sentences.

Tolerances. In float64 (float64 layers and loss; data that float32 holds exactly, since ``fit`` casts
data to floatx) both sides do the same IEEE
operations up to the order of a few sums (TensorFlow's matmul and reduce_sum against NumPy's):
relative differences of a few 1e-16 per step that 5 epochs (up to 35 steps) carry along, so
every weight must agree within rtol 1e-9 (atol 1e-12 for weights near 0). In float32, Keras's
default, the rounding itself differs (float32 has 7 digits): after 5 epochs every weight agrees
within rtol 1e-3, atol 1e-4 with the float64 engine.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from annviz.errors import InputError
from annviz.optimizers import OPTIMIZERS, make_racer
from annviz.playground import (
    DATASETS,
    FEATURES,
    MAX_CSV_BYTES,
    Regularization,
    backward,
    csv_points,
    feature_matrix,
    layer_views,
    make_network,
    make_points,
    make_regularization,
    parse_hidden_layers,
    parse_points_csv,
    points_csv,
    preset_measures,
    split_points,
    start_training,
    train_chunk,
    with_optimizer,
)
from annviz.playground_settings import (
    PRESETS,
    SETTINGS,
    Edit,
    edited_settings,
    parse_edit,
    preset_differences,
    preset_settings,
)

EPOCHS = 5
BATCH = 10


def task_data(task: str, n: int = 64, seed: int = 3):
    """Points of a dataset of the task; 64 points at batch 10 make the last batch shorter (4)."""
    dataset = {"binary": "circle", "multiclass": "blobs", "regression": "bumps"}[task]
    points = make_points(dataset, points=n, noise=10, seed=seed)
    # Keras's fit casts float data to floatx (float32) before the float64 layers: give both sides
    # numbers that float32 holds exactly.
    x = feature_matrix(points.x, ("x1", "x2", "x1x2")).astype(np.float32).astype(np.float64)
    y = points.y.astype(np.float32).astype(np.float64) if points.task == "regression" else points.y
    return points, x, y


# ----------------------------------------------------------------------------- without Keras


@pytest.mark.parametrize("key", list(DATASETS))
def test_every_dataset_draws_its_task_in_the_domain(key: str) -> None:
    points = make_points(key, points=200, noise=20, seed=1)
    assert points.x.shape == (200, 2) and np.isfinite(points.x).all()
    assert points.task == DATASETS[key].task
    if points.task != "regression":
        assert set(np.unique(points.y)) == set(range(DATASETS[key].n_classes))
    again = make_points(key, points=200, noise=20, seed=1)
    np.testing.assert_array_equal(points.x, again.x)


def test_features_are_what_their_labels_say() -> None:
    x = np.array([[2.0, -3.0]])
    got = feature_matrix(x, tuple(FEATURES))[0]
    np.testing.assert_allclose(got, [2.0, -3.0, 4.0, 9.0, -6.0, np.sin(2.0), np.sin(-3.0)])


def test_a_csv_goes_out_and_comes_back() -> None:
    points = make_points("blobs", points=30, noise=0, seed=0)
    train, test = split_points(points, train_percent=50, seed=0)
    back = csv_points(points_csv(train, test).encode())
    assert back.task == "multiclass" and back.n_classes == 3 and len(back) == 30
    np.testing.assert_allclose(np.sort(back.x[:, 0]), np.sort(points.x[:, 0]), rtol=1e-5)


@pytest.mark.parametrize(
    ("data", "sentence"),
    [
        (b"a,b,c\n1,2,0\n", "header x1,x2,label"),
        (b"x1,x2,label\n1,2,0\n2,1,1\n3,3,0\nnan,1,1\n", "NaN or infinity"),
        (b"x1,x2,label\n1,2,0\n2,1,1\n3,3,zero\n4,4,1\n", "`zero` is not a number"),
        (b"x1,x2,label\n1,2,1\n2,1,1\n3,3,1\n4,4,1\n", "at least two classes"),
        (b"x1,x2,label\n1,2\n2,1,1\n3,3,1\n4,4,1\n", "needs three"),
        (b"x1,x2,label\n" + b"1,2,0\n" * 40_000, f"at most {MAX_CSV_BYTES:,}"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "not text"),
        (b"", "empty"),
        (b"x1,x2,label\n1,2,0\n", "at least 4 points"),
    ],
)
def test_a_bad_csv_is_a_sentence(data: bytes, sentence: str) -> None:
    with pytest.raises(InputError, match=sentence):
        parse_points_csv(data)


def test_limits_and_an_empty_split_are_sentences() -> None:
    with pytest.raises(InputError, match="at most 6 hidden layers"):
        parse_hidden_layers("1, 1, 1, 1, 1, 1, 1")
    with pytest.raises(InputError, match="1 to 8 neurons"):
        parse_hidden_layers("4, 9")
    with pytest.raises(InputError, match="not a number of neurons"):
        parse_hidden_layers("4, two")
    with pytest.raises(InputError, match="no test points"):
        split_points(make_points("xor", points=10, noise=0, seed=0), train_percent=99, seed=0)
    with pytest.raises(InputError, match="no training points"):
        split_points(make_points("xor", points=10, noise=0, seed=0), train_percent=1, seed=0)


def test_a_learning_rate_that_diverges_stops_with_the_epoch_and_finite_numbers() -> None:
    points, x, y = task_data("regression")
    network = make_network(3, (8, 8), "relu", "regression")
    state = start_training(network, make_racer("sgd", learning_rate=50.0), seed=0)
    chunk = train_chunk(network, state, (x, y), (x, y), epochs=30, batch_size=BATCH, regularization=Regularization())
    assert chunk.state.diverged_at is not None and chunk.state.diverged_at <= 30
    assert chunk.state.epoch == len(chunk.state.train_losses) == chunk.state.diverged_at - 1
    assert np.isfinite(chunk.state.parameters).all() and np.isfinite(chunk.state.train_losses).all()
    assert train_chunk(network, chunk.state, (x, y), (x, y), epochs=5, batch_size=BATCH,
                       regularization=Regularization()).state.epoch == chunk.state.epoch


def test_a_new_learning_rate_goes_on_from_the_current_weights_and_slots() -> None:
    points, x, y = task_data("binary")
    network = make_network(3, (4,), "tanh", "binary")
    state = start_training(network, make_racer("adam", learning_rate=0.01), seed=0)
    state = train_chunk(network, state, (x, y), (x, y), epochs=2, batch_size=BATCH, regularization=Regularization()).state
    faster = with_optimizer(state, make_racer("adam", learning_rate=0.05))
    assert faster.slots is state.slots and faster.iterations == state.iterations and faster.parameters is state.parameters
    other = with_optimizer(state, make_racer("sgd"))
    assert other.iterations == 0 and other.parameters is state.parameters


#: How far every run of a preset must clear its bound: a lesson that sits at its threshold is decided by rounding.
MARGIN = {"test accuracy": 0.03, "train accuracy": 0.03, "test loss − train loss": 0.2}
#: 0 is the preset exactly; k > 0 multiplies its initial weights by 1 + 1e-7·N(0, 1) drawn from seed k, as another
#: CPU's or BLAS's order of sums does after a few steps (tanh on the spiral reached 0.96, 0.987, ..., 0.887).
PERTURBATIONS = tuple(range(8))


def preset_outcome(key: str, perturbation: int) -> float:
    """The measure a preset's lesson names, after training it (its initial weights perturbed unless 0)."""
    preset = PRESETS[key]
    points = make_points(preset.dataset, points=preset.points, noise=preset.noise, seed=preset.seed)
    train_points, test_points = split_points(points, train_percent=preset.train_percent, seed=preset.seed)
    train = (feature_matrix(train_points.x, preset.features), train_points.y)
    test = (feature_matrix(test_points.x, preset.features), test_points.y)
    network = make_network(len(preset.features), preset.hidden, preset.activation, points.task, points.n_classes)
    state = start_training(network, make_racer(preset.optimizer, learning_rate=preset.learning_rate), preset.seed)
    if perturbation:
        noise = np.random.default_rng(perturbation).standard_normal(state.parameters.shape)
        state = replace(state, parameters=state.parameters * (1 + 1e-7 * noise))
    chunk = train_chunk(network, state, train, test, epochs=preset.epochs, batch_size=preset.batch_size,
                        regularization=make_regularization(preset.regularization, preset.rate))
    return preset_measures(network, chunk.state.parameters, train, test)[preset.outcome[0]]


@pytest.mark.parametrize("key", list(PRESETS))
def test_every_preset_shows_its_lesson_with_a_margin_whatever_the_rounding(key: str) -> None:
    """Each preset's outcome (linear on the circle ≤ 65 %, ReLU ≥ 95 %, ...), on its own and with its arithmetic
    perturbed, clears its bound by a margin: the lecture's demo does not depend on the machine it runs on."""
    measure, direction, bound = PRESETS[key].outcome
    values = [preset_outcome(key, k) for k in PERTURBATIONS]
    clear = bound + MARGIN[measure] if direction == "≥" else bound - MARGIN[measure]
    assert all(v >= clear if direction == "≥" else v <= clear for v in values), f"{measure}: {values}, bound {bound}"


def test_the_lectures_preset_is_the_lectures_3_4_1_network() -> None:
    """The lecture's 3-4-1: 3 inputs, 4 ReLU neurons, 1 sigmoid output, 21 parameters (lecture section 1)."""
    preset = PRESETS["lecture_341"]
    network = make_network(len(preset.features), preset.hidden, preset.activation, "binary")
    assert network.sizes == (3, 4, 1) and network.count_params() == 21
    assert network.activations == ("relu", "sigmoid")
    assert "ReLU" in preset.lesson and "sigmoid" in preset.lesson and "21 parameters" in preset.lesson


@pytest.mark.parametrize("key", list(PRESETS))
def test_every_preset_fills_every_setting_and_shows_no_difference(key: str) -> None:
    values = preset_settings(key)
    assert set(values) == {s.key for s in SETTINGS}
    assert preset_differences(key, values) == []
    for setting in SETTINGS:
        if setting.kind == "choice":
            assert values[setting.key] in setting.options, setting.key
        elif setting.kind in ("slider", "int", "float"):
            assert setting.min_value <= values[setting.key] <= setting.max_value, setting.key


def test_a_changed_setting_is_named_and_the_lesson_no_longer_claimed() -> None:
    """Switching the circle demo to the spiral: its sentence about the circle no longer holds (issue 26.6)."""
    values = {**preset_settings("lecture_341"), "pg_dataset": "spiral"}
    assert preset_differences("lecture_341", values) == ["Dataset: Spiral, not Circle"]
    assert preset_differences("lecture_341", {**values, "pg_dataset": "circle", "pg_hidden": "4,"}) == []
    assert preset_differences("lecture_341", preset_settings("lecture_341"), own_data=True) == [
        "Data: your CSV, not the demo's dataset"]
    assert preset_differences("xor_no_hidden", {**preset_settings("xor_no_hidden"), "pg_features": ["x2", "x1"]}) == []


def test_the_diagrams_clicks_edit_the_settings_within_their_limits() -> None:
    values = {"pg_hidden": "4, 2", "pg_features": ["x1", "x2"]}
    assert edited_settings(values, Edit("layers", delta=-1)) == {"pg_hidden": "4"}
    assert edited_settings({"pg_hidden": ""}, Edit("layers", delta=1)) == {"pg_hidden": "4"}
    assert edited_settings(values, Edit("neurons", layer=2, delta=-1)) == {"pg_hidden": "4, 1"}
    assert edited_settings(values, Edit("feature", name="x2")) == {"pg_features": ["x1"]}
    assert edited_settings(values, Edit("feature", name="sin_x1")) == {"pg_features": ["x1", "x2", "sin_x1"]}
    for edit, words in ((Edit("neurons", layer=2, delta=-1), "remove the layer"), (Edit("neurons", layer=3, delta=1),
                        "no hidden layer 3"), (Edit("feature", name="x9"), "no feature")):
        with pytest.raises(InputError, match=words):
            edited_settings({"pg_hidden": "4, 1", "pg_features": ["x1"]}, edit)
    with pytest.raises(InputError, match="at least one input feature"):
        edited_settings({"pg_features": ["x1"]}, Edit("feature", name="x1"))
    with pytest.raises(InputError, match="at most 6 hidden layers"):
        edited_settings({"pg_hidden": "1, 1, 1, 1, 1, 1"}, Edit("layers", delta=1))
    with pytest.raises(InputError, match="1 to 8 neurons"):
        edited_settings({"pg_hidden": "8"}, Edit("neurons", layer=1, delta=1))
    assert [parse_edit(p) for p in ({"what": "layers", "delta": 5}, "x", None, {"what": "neurons", "layer": "1"})] == [
        None] * 4


# ----------------------------------------------------------------------------- against Keras

keras = pytest.importorskip("keras")


@pytest.fixture
def keras_float64():
    """Keras in float64 for one test: its regularization losses and its data casts follow floatx."""
    before, policy = keras.config.floatx(), keras.config.dtype_policy().name
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")
    yield
    keras.config.set_floatx(before)
    keras.config.set_dtype_policy(policy)


#: Hyperparameters float32 holds exactly: Keras rounds η, μ, β and G₀ through float32 when floatx is
#: float32 (annviz.optimizers.as_keras_float) and not when it is float64, so with these both agree.
EXACT = {"sgd": {"learning_rate": 0.125}, "momentum": {"learning_rate": 0.125, "momentum": 0.875},
         "rmsprop": {"learning_rate": 0.0078125}, "adagrad": {"learning_rate": 0.0078125, "initial_accumulator_value": 0.125},
         "adam": {"learning_rate": 0.0078125, "beta_1": 0.875, "beta_2": 0.998046875},
         "adam_slide": {"learning_rate": 0.0078125, "beta_1": 0.875, "beta_2": 0.998046875}}


def keras_fit(network, parameters, x, y, optimizer_key, hp, regularization, dtype):
    """The same network in Keras, from the same weights, fitted EPOCHS epochs without shuffling."""
    from annviz.serving.keras_race import slide_adam_class

    keras.utils.set_random_seed(0)
    inputs = keras.Input((network.n_inputs,), dtype=dtype)
    h = inputs
    regularizer = keras.regularizers.L1L2(l1=regularization.l1, l2=regularization.l2) if (
        regularization.l1 or regularization.l2) else None
    for units, activation in zip(network.sizes[1:], network.activations):
        h = keras.layers.Dense(units, activation=activation, kernel_regularizer=regularizer, dtype=dtype)(h)
    model = keras.Model(inputs, h)
    model.set_weights([a.astype(dtype) for pair in layer_views(network, parameters) for a in pair])
    spec = OPTIMIZERS[optimizer_key]
    build = slide_adam_class() if not spec.bias_correction else getattr(keras.optimizers, spec.keras_class)
    loss_class = {"binary_crossentropy": keras.losses.BinaryCrossentropy, "mse": keras.losses.MeanSquaredError,
                  "sparse_categorical_crossentropy": keras.losses.SparseCategoricalCrossentropy}[network.loss]
    # A Loss object computes in its own dtype (floatx by default); the optimizer keeps η in float32
    # whatever the variables' dtype, as the engine does (annviz.optimizers.as_keras_float).
    model.compile(optimizer=build(**hp), loss=loss_class(dtype=dtype))
    target = y.astype(dtype) if network.task != "multiclass" else y
    model.fit(x.astype(dtype), target if network.task == "multiclass" else target[:, None], batch_size=BATCH,
              epochs=EPOCHS, shuffle=False, verbose=0)
    return [np.asarray(w, dtype=np.float64) for w in model.get_weights()]


def engine_fit(network, x, y, racer, regularization):
    state = start_training(network, racer, seed=7)
    chunk = train_chunk(network, state, (x, y), (x, y), epochs=EPOCHS, batch_size=BATCH, regularization=regularization)
    assert chunk.state.diverged_at is None
    return state.parameters, [a for pair in layer_views(network, chunk.state.parameters) for a in pair]


CASES = (
    # every optimizer on the binary task, no regularization
    [(key, {}, "binary", "none") for key in OPTIMIZERS]
    # the options of the optimizers that have some
    + [("momentum", {"nesterov": True}, "binary", "none"), ("rmsprop", {"centered": True, "momentum": 0.5}, "binary", "none")]
    # every loss with Adam and with plain SGD
    + [(key, {}, task, "none") for key in ("adam", "sgd") for task in ("multiclass", "regression")]
    # L1 and L2 on every task
    + [("momentum", {}, task, reg) for task in ("binary", "multiclass", "regression") for reg in ("L1", "L2")]
)


@pytest.mark.parametrize(("optimizer_key", "options", "task", "reg"), CASES,
                         ids=[f"{o}-{t}-{r}{'-' + '-'.join(opts) if opts else ''}" for o, opts, t, r in CASES])
def test_engine_trains_every_weight_as_keras_fit_does_in_float64(keras_float64, optimizer_key, options, task,
                                                                  reg) -> None:
    points, x, y = task_data(task)
    network = make_network(x.shape[1], (5, 3), "tanh", task, points.n_classes)
    racer = make_racer(optimizer_key, **{**EXACT[optimizer_key], **options})
    regularization = make_regularization(reg, 0.01)
    start, ours = engine_fit(network, x, y, racer, regularization)
    theirs = keras_fit(network, start, x, y, optimizer_key, racer.hyperparameters, regularization, "float64")
    assert sum(np.abs(a - s).max() > 1e-3 for a, s in zip(ours, layer_views(network, start)[0])) > 0  # it moved
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


#: TensorFlow's own float64 numbers are not exact for two activations: leaky ReLU keeps its slope as a
#: float32 attribute (0.2 → 0.19999999702) and its float64 GELU is 3e-7 off Φ(z)·z (measured against
#: SciPy's ndtr); annviz uses the exact definitions, so those two agree within rtol 1e-6.
ACTIVATION_RTOL = {"leaky_relu": 1e-6, "gelu": 1e-6}


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "elu", "leaky_relu", "gelu", "linear"])
def test_every_hidden_activation_trains_as_in_keras(keras_float64, activation) -> None:
    points, x, y = task_data("binary")
    network = make_network(x.shape[1], (4,), activation, "binary")
    racer = make_racer("adam", **EXACT["adam"])
    start, ours = engine_fit(network, x, y, racer, Regularization())
    theirs = keras_fit(network, start, x, y, "adam", racer.hyperparameters, Regularization(), "float64")
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=ACTIVATION_RTOL.get(activation, 1e-9), atol=1e-12)


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_engine_in_float64_stays_within_float32_rounding_of_keras_default(task) -> None:
    points, x, y = task_data(task)
    network = make_network(x.shape[1], (8, 8), "relu", task, points.n_classes)
    racer = make_racer("adam", learning_rate=0.01)
    regularization = make_regularization("L2", 0.001)
    start, ours = engine_fit(network, x, y, racer, regularization)
    theirs = keras_fit(network, start, x, y, "adam", racer.hyperparameters, regularization, "float32")
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_backpropagation_gives_tf_gradient_tapes_numbers(keras_float64, task) -> None:
    import tensorflow as tf

    points, x, y = task_data(task, n=16)
    network = make_network(x.shape[1], (3, 2), "sigmoid", task, points.n_classes)
    flat = start_training(network, make_racer("sgd"), seed=2).parameters
    regularization = Regularization(l1=0.01, l2=0.02)
    ours = backward(network, flat, x, y, regularization)
    variables = [tf.Variable(a.astype(np.float64)) for pair in layer_views(network, flat) for a in pair]
    loss_fn = keras.losses.get(network.loss)
    with tf.GradientTape() as tape:
        h = tf.constant(x)
        for (W, b), activation in zip(zip(variables[::2], variables[1::2]), network.activations):
            h = keras.activations.get(activation)(h @ W + b)
        target = tf.constant(y) if task == "multiclass" else tf.constant(y[:, None].astype(np.float64))
        loss = tf.reduce_mean(loss_fn(target, h))
        loss += sum(0.01 * tf.reduce_sum(tf.abs(W)) + 0.02 * tf.reduce_sum(W * W) for W in variables[::2])
    gradients = tape.gradient(loss, variables)
    assert ours.loss == pytest.approx(float(loss), rel=1e-6)  # eager Keras clips probabilities at 1e-7
    for a, b in zip([a for pair in layer_views(network, ours.gradient) for a in pair], gradients, strict=True):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_the_keras_code_on_the_page_reproduces_the_run(tmp_path, monkeypatch, task) -> None:
    """The expander's program, run on the downloaded CSV, ends on the engine's weights (float32: rtol 1e-3)."""
    from annviz.playground import csv_loading_code, keras_code, make_setup

    dataset = {"binary": "circle", "multiclass": "blobs"}[task]
    points = make_points(dataset, points=80, noise=10, seed=4)
    setup = make_setup(points, train_percent=60, seed=4, features=("x1", "x2", "sin_x1"), hidden=(4, 3), activation="tanh")
    racer = make_racer("adam", learning_rate=0.02)
    regularization = make_regularization("L2", 0.001)
    state = start_training(setup.network, racer, 4)
    ours = train_chunk(setup.network, state, setup.train_xy, setup.test_xy, epochs=EPOCHS, batch_size=8,
                       regularization=regularization).state.parameters
    monkeypatch.chdir(tmp_path)
    (tmp_path / "playground.csv").write_text(points_csv(setup.train, setup.test))
    code = keras_code(setup, racer, regularization, batch_size=8, epochs=EPOCHS, seed=4,
                      data_line=csv_loading_code(setup.network.task))
    namespace: dict = {}
    exec(code.replace("epochs=5, shuffle=False)", "epochs=5, shuffle=False, verbose=0)"), namespace)
    theirs = [np.asarray(w, dtype=np.float64) for w in namespace["model"].get_weights()]
    for a, b in zip([a for pair in layer_views(setup.network, ours) for a in pair], theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("example", ["neuron", "net_221"])
def test_the_pages_backpropagation_numbers_are_tf_gradient_tapes(example: str) -> None:
    """δ, ∂L/∂w, the SGD step and the new loss of the page's two worked examples, against TensorFlow."""
    import tensorflow as tf

    from annviz.backprop import BACKPROP_EXAMPLES, backprop_steps

    spec = BACKPROP_EXAMPLES[example]
    steps = backprop_steps(example, target=spec.default_target, learning_rate=spec.learning_rate)
    network = spec.network
    variables = [tf.Variable(a.astype(np.float64)) for pair in layer_views(network, np.array(spec.parameters)) for a in pair]
    x = tf.constant([spec.x], dtype=tf.float64)

    def loss_of(weights):
        h = x
        for (W, b), activation in zip(zip(weights[::2], weights[1::2]), network.activations):
            h = keras.activations.get(activation)(h @ W + b)
        if network.task == "binary":
            return tf.reduce_mean(keras.losses.binary_crossentropy(tf.constant([[spec.default_target]], tf.float64), h))
        return tf.reduce_mean((h - spec.default_target) ** 2)

    with tf.GradientTape() as tape:
        loss = loss_of(variables)
    gradients = tape.gradient(loss, variables)
    assert steps.loss_before == pytest.approx(float(loss), rel=1e-9)
    for a, b in zip([a for pair in layer_views(network, steps.gradient) for a in pair], gradients, strict=True):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-9, atol=1e-15)
    optimizer = keras.optimizers.SGD(learning_rate=spec.learning_rate)
    optimizer.apply(gradients, variables)
    np.testing.assert_allclose(np.concatenate([v.numpy().ravel() for v in variables]), steps.new_parameters, rtol=1e-12)
    assert steps.loss_after == pytest.approx(float(loss_of(variables)), rel=1e-9)
    edges = {row["edge"]: row["∂L/∂w"] for row in steps.edges}
    assert list(edges)[0] == ("x1 → output" if example == "neuron" else "x1 → h1.1")
