"""Every question type of annviz.exercises over many seeds: its answer against Keras, scikit-learn or
NumPy, and the question well posed; the printable sheet is the same bytes for the same seed."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from annviz.errors import InputError
from annviz.activations import ACTIVATIONS
from annviz.exercises import EXERCISES, MAX_SEED, _inline_html, check_answer, exercise_sheet_html, feedback, how_far_off
from annviz.exercises import questions_for
from annviz.formatting import format_number as _n
from annviz.neuron import BIOLOGICAL_ANALOGY, layer_forward
from exercise_helpers import wrong_answer

keras = pytest.importorskip("keras")  # imported once for the module (a few seconds)

SEEDS = st.integers(min_value=0, max_value=MAX_SEED)
ROWS = [(section, index) for section, rows in EXERCISES.items() for index in range(len(rows))]
IDS = [EXERCISES[section][index].key for section, index in ROWS]
#: Keras builds (and initialises) the layers it counts: above this many parameters the count is
#: checked against the formula alone, to keep the test to seconds and megabytes.
MAX_KERAS_PARAMS = 4_000_000


def _numpy(value) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(value), dtype=np.float64)


def _dense_stack(sizes) -> "keras.Model":
    return keras.Sequential([keras.Input(shape=(sizes[0],))] + [keras.layers.Dense(units) for units in sizes[1:]])


def _keras_step(optimizer, theta: float, g: float, *, velocity: float | None = None) -> float:
    variable = keras.Variable(np.float64(theta), dtype="float64")
    optimizer.build([variable])
    if velocity is not None:
        optimizer.momentums[0].assign(np.float64(velocity))
    optimizer.apply_gradients([(keras.ops.convert_to_tensor(np.float64(g), dtype="float64"), variable)])
    return float(_numpy(variable))


def _keras_activation(g: dict):
    """The activation the question names, built from the question's own numbers only: the Leaky ReLU
    layer with the slope the question states (its own default, 0.3, differs from the function's 0.2)."""
    if g["activation"] == "leaky_relu":
        return keras.layers.LeakyReLU(negative_slope=g["slope"], dtype="float64")
    if g["activation"] == "elu":
        return lambda z: keras.activations.elu(z, alpha=g["alpha"])
    return keras.activations.get(g["activation"])


def _derivative(activation, z: float) -> float:
    import tensorflow as tf

    point = tf.Variable(z, dtype=tf.float64)
    with tf.GradientTape() as tape:
        value = activation(point)
    return float(tape.gradient(value, point))


def _dense_on_image_count(side: int, channels: int, neurons: int) -> int:
    inputs = side * side * channels
    if inputs * neurons > MAX_KERAS_PARAMS:
        return inputs * neurons + neurons
    layer = keras.layers.Dense(neurons)
    layer.build((None, inputs))
    return layer.count_params()


def _labels(counts: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    pairs = [(1, 1)] * counts["tp"] + [(0, 1)] * counts["fp"] + [(1, 0)] * counts["fn"] + [(0, 0)] * counts["tn"]
    order = np.random.default_rng(0).permutation(len(pairs))  # the order of examples must not matter
    y = np.array(pairs)[order]
    return y[:, 0], y[:, 1]


_SKLEARN = {"accuracy": skm.accuracy_score, "precision": skm.precision_score, "recall": skm.recall_score,
            "f1": skm.f1_score}


def _reference(question_type: str, given: dict):
    """The answer computed independently, from the numbers the generator drew."""
    g = given
    if question_type == "network_params":
        return _dense_stack(g["sizes"]).count_params()
    if question_type == "weights_or_biases":
        layers = _dense_stack(g["sizes"]).layers
        return sum(int(np.prod((layer.kernel if g["asked"] == "weights" else layer.bias).shape)) for layer in layers)
    if question_type == "analogy":
        return dict((bio, art) for bio, art, _ in BIOLOGICAL_ANALOGY)[g["biological"]]
    if question_type == "neuron_z":
        return float(np.dot(g["x"], g["w"]) + g["b"])
    if question_type == "neuron_a":
        z = np.array([np.dot(g["x"], g["w"]) + g["b"]])
        return float(_numpy(keras.activations.get(g["activation"])(z))[0])
    if question_type == "layer_shape":
        Z, _ = layer_forward(np.zeros((g["m"], g["n"])), np.zeros((g["n"], g["h"])), np.zeros(g["h"]), "linear")
        keras_shape = tuple(keras.layers.Dense(g["h"])(np.zeros((g["m"], g["n"]), dtype="float32")).shape)
        assert Z.shape == keras_shape  # the page's NumPy layer and Keras's agree on it
        return keras_shape
    if question_type == "dense_layer_params":
        layer = keras.layers.Dense(g["h"])
        layer.build((None, g["n"]))
        return layer.count_params()
    if question_type == "model_params":
        return _dense_stack((g["inputs"], *g["widths"], g["classes"])).count_params()
    if question_type == "task_output":
        # The lecture's rule, written out here once more: binary → 1 sigmoid, K classes → K softmax, regression → 1 linear.
        return {"binary": "Dense(1, activation='sigmoid') with loss 'binary_crossentropy'",
                "multiclass": "Dense(K, activation='softmax') with loss 'sparse_categorical_crossentropy'",
                "regression": "Dense(1, activation='linear') with loss 'mse'"}[g["task"]]
    if question_type == "activation_value":
        return float(_numpy(_keras_activation(g)(np.array([g["z"]])))[0])
    if question_type == "activation_derivative":
        return _derivative(_keras_activation(g), g["z"])
    if question_type == "softmax":
        return float(_numpy(keras.activations.softmax(np.array([g["logits"]])))[0, g["k"]])
    if question_type == "sgd_step":
        return _keras_step(keras.optimizers.SGD(learning_rate=g["learning_rate"]), g["theta"], g["g"])
    if question_type == "momentum_step":
        optimizer = keras.optimizers.SGD(learning_rate=g["learning_rate"], momentum=g["momentum"])
        return _keras_step(optimizer, g["theta"], g["g"], velocity=g["velocity"])
    if question_type == "adam_step":
        assert g["bias_correction"]  # keras.optimizers.Adam is the corrected one
        optimizer = keras.optimizers.Adam(learning_rate=g["learning_rate"], beta_1=g["beta_1"], beta_2=g["beta_2"],
                                          epsilon=g["epsilon"])
        return _keras_step(optimizer, g["theta"], g["g"])
    if question_type == "loss_for_labels":
        return {"integer": "sparse_categorical_crossentropy", "one-hot": "categorical_crossentropy",
                "binary": "binary_crossentropy", "real": "mse"}[g["labels"]]
    if question_type == "validation_split":
        from keras.src.trainers.data_adapters.array_slicing import train_validation_split

        _, validation = train_validation_split((np.arange(g["n"]),), validation_split=g["validation_split"])
        return len(validation[0])
    if question_type == "batches_per_epoch":
        return len(range(0, g["train"], g["batch_size"]))
    if question_type == "reshape":
        images = np.empty((g["n"], 28, 28), dtype=np.uint8)  # not touched: no memory is written
        return images.reshape(-1, 28, 28, 1).shape if g["for_cnn"] else images.reshape(-1, 784).shape
    if question_type == "scaled_pixel":
        return g["pixel"] / 255
    if question_type == "flat_index":
        return int(np.ravel_multi_index((g["row"], g["column"]), (28, 28)))
    if question_type in ("precision_recall", "f1_accuracy"):
        return float(_SKLEARN[g["metric"]](*_labels(g["counts"])))
    if question_type == "always_negative":
        y = np.r_[np.ones(g["positives"], dtype=int), np.zeros(g["total"] - g["positives"], dtype=int)]
        return float(skm.accuracy_score(y, np.zeros_like(y)))
    if question_type == "dense_on_image":
        return _dense_on_image_count(g["side"], g["channels"], g["neurons"])
    if question_type == "conv_params":
        layer = keras.layers.Conv2D(g["filters"], g["kernel"])
        layer.build((None, 32, 32, g["channels"]))
        return layer.count_params()
    if question_type == "dense_memory":
        return _dense_on_image_count(g["side"], g["channels"], g["neurons"]) * 4 / 10**6
    raise AssertionError(f"no reference for {question_type}")


def _vector(values) -> str:
    return "[" + ", ".join(_n(v) for v in values) + "]"


def _sizes(g: dict) -> str:
    return "-".join(map(str, g["sizes"]))


#: Per question type: for every number or choice its answer depends on (the keys of ``given``, from
#: which ``_reference`` computes the answer, with nothing else), the words that state it in the
#: question. A question that used a hidden default (a Leaky ReLU slope, an ELU α, Adam's β₂, a
#: rounding rule) would either leave it out of ``given`` (the reference could not compute the answer
#: the student is held to) or out of its prompt (this table would not find it there).
STATED: dict[str, dict[str, object]] = {
    "network_params": {"sizes": _sizes},
    "weights_or_biases": {"sizes": _sizes, "asked": lambda g: f"**{g['asked']}**"},
    "analogy": {"biological": lambda g: g["biological"].lower()},
    "neuron_z": {"x": lambda g: f"x = {_vector(g['x'])}", "w": lambda g: f"w = {_vector(g['w'])}",
                 "b": lambda g: f"b = {_n(g['b'])}", "activation": lambda g: ACTIVATIONS[g["activation"]].label},
    "neuron_a": {"x": lambda g: f"x = {_vector(g['x'])}", "w": lambda g: f"w = {_vector(g['w'])}",
                 "b": lambda g: f"b = {_n(g['b'])}", "activation": lambda g: f"**{ACTIVATIONS[g['activation']].label}**"},
    "layer_shape": {"m": lambda g: f"{g['m']} samples", "n": lambda g: f"{g['n']} inputs", "h": lambda g: f"{g['h']} neurons"},
    "dense_layer_params": {"n": lambda g: f"{g['n']} features", "h": lambda g: f"Dense({g['h']})"},
    "model_params": {"inputs": lambda g: f"{g['inputs']} inputs",
                     "widths": lambda g: ", ".join(f"Dense({w}, relu)" for w in g["widths"]),
                     "classes": lambda g: f"Dense({g['classes']}, softmax)"},
    "task_output": {"task": lambda g: g["scenario"], "scenario": lambda g: g["scenario"]},
    "activation_value": {"activation": lambda g: f"{ACTIVATIONS[g['activation']].label}(z)", "z": lambda g: f"z = {_n(g['z'])}",
                         "slope": lambda g: f"slope **{_n(g['slope'])}**", "alpha": lambda g: f"α = {_n(g['alpha'])}"},
    "activation_derivative": {"activation": lambda g: f"{ACTIVATIONS[g['activation']].label}′(z)",
                              "z": lambda g: f"z = {_n(g['z'])}", "slope": lambda g: f"slope **{_n(g['slope'])}**"},
    "softmax": {"logits": lambda g: f"z = {_vector(g['logits'])}", "k": lambda g: f"class {g['k'] + 1}"},
    "sgd_step": {"theta": lambda g: f"θ = {_n(g['theta'])}", "g": lambda g: f"g = {_n(g['g'])}",
                 "learning_rate": lambda g: f"η = {_n(g['learning_rate'])}"},
    "momentum_step": {"theta": lambda g: f"θ = {_n(g['theta'])}", "g": lambda g: f"g = {_n(g['g'])}",
                      "velocity": lambda g: f"m = {_n(g['velocity'])}",
                      "learning_rate": lambda g: f"learning_rate={_n(g['learning_rate'])}",
                      "momentum": lambda g: f"momentum={_n(g['momentum'])}",
                      # Keras's sign convention for the velocity (the lecture's v ← μv + ηg flips m's sign)
                      None: lambda g: "m ← μ·m − η·g, then θ ← θ + m"},
    "adam_step": {"theta": lambda g: f"θ = {_n(g['theta'])}", "g": lambda g: f"g = {_n(g['g'])}",
                  "learning_rate": lambda g: f"η = {_n(g['learning_rate'])}", "beta_1": lambda g: f"β₁ = {_n(g['beta_1'])}",
                  "beta_2": lambda g: f"β₂ = {_n(g['beta_2'])}", "epsilon": lambda g: f"ε = {_n(g['epsilon'])}",
                  # the slide's Adam (no correction) takes a first step about 3.16 times larger
                  "bias_correction": lambda g: "with bias correction"},
    "loss_for_labels": {"labels": lambda g: {"integer": "integers 0 … 9", "one-hot": "one-hot vectors",
                                             "binary": "0 or 1", "real": "real numbers"}[g["labels"]]},
    "validation_split": {"n": lambda g: f"{g['n']:,} training images", "validation_split": lambda g: f"validation_split={g['validation_split']}",
                         None: lambda g: "rounded down"},
    "batches_per_epoch": {"train": lambda g: f"{g['train']:,} images", "batch_size": lambda g: f"batch_size={g['batch_size']}",
                          None: lambda g: "a last, smaller batch"},
    "reshape": {"n": lambda g: f"({g['n']}, 28, 28)", "for_cnn": lambda g: "reshape(-1, 28, 28, 1)" if g["for_cnn"] else "reshape(-1, 784)"},
    "scaled_pixel": {"pixel": lambda g: f"grey level **{g['pixel']}**", None: lambda g: "/ 255"},
    "flat_index": {"row": lambda g: f"row {g['row']}", "column": lambda g: f"column {g['column']}",
                   None: lambda g: "row by row"},
    "precision_recall": {"counts": lambda g: "TP = {tp}, FP = {fp}, FN = {fn}, TN = {tn}".format(**g["counts"]),
                         "metric": lambda g: {"precision": "precision", "recall": "recall"}[g["metric"]]},
    "f1_accuracy": {"counts": lambda g: "TP = {tp}, FP = {fp}, FN = {fn}, TN = {tn}".format(**g["counts"]),
                    "metric": lambda g: {"f1": "f1 score", "accuracy": "accuracy"}[g["metric"]]},
    "always_negative": {"total": lambda g: f"{g['total']:,} images", "positives": lambda g: f"**{g['positives']:,}** of them"},
    "dense_on_image": {"side": lambda g: f"{g['side']} × {g['side']}", "channels": lambda g: f"× {g['channels']}**",
                       "neurons": lambda g: f"Dense({g['neurons']})"},
    "conv_params": {"kernel": lambda g: f"kernel_size={g['kernel']}", "channels": lambda g: f"{g['channels']} channel",
                    "filters": lambda g: f"Conv2D({g['filters']},"},
    "dense_memory": {"side": lambda g: f"{g['side']} × {g['side']}", "channels": lambda g: "RGB",
                     "neurons": lambda g: f"Dense({g['neurons']})", None: lambda g: "float32"},
}


#: Parameters of one activation only.
OWN_PARAMETER = {"slope": "leaky_relu", "alpha": "elu"}


@pytest.mark.parametrize("section, index", ROWS, ids=IDS)
@settings(max_examples=60, deadline=None)
@given(seed=SEEDS)
def test_every_question_states_all_its_answer_depends_on(section, index, seed):
    question = questions_for(section, seed)[index]
    stated = STATED[question.type]
    # An activation's own parameter belongs to that activation only (Leaky ReLU's slope, ELU's α).
    required = {key for key in stated if key is not None and OWN_PARAMETER.get(key, question.given.get("activation")) ==
                question.given.get("activation")}
    assert set(question.given) == required, f"{question.type}: given {sorted(question.given)}, must state {sorted(required)}"
    for key, words in stated.items():
        if key is None or key in question.given:
            assert words(question.given) in question.prompt.replace("F1", "f1"), (key, question.prompt)


def test_the_leaky_relu_question_names_its_slope_and_the_layers_other_default():
    asked = [q for seed in range(200) for q in questions_for(4, seed)[:2] if q.given["activation"] == "leaky_relu"]
    assert len(asked) > 10
    for question in asked:
        assert "slope **0.2**" in question.prompt and "LeakyReLU` defaults to 0.3" in question.prompt
        assert question.given["slope"] == 0.2
        if question.given["z"] < 0:
            # A student who used the layer's default slope is wrong here, and the question told them why.
            layer_default = 0.3 * question.given["z"] if question.type == "activation_value" else 0.3
            assert not check_answer(question, f"{layer_default:.3f}").correct


def test_every_question_type_has_a_reference_and_each_section_two_to_four():
    assert sorted(EXERCISES) == list(range(1, 10))
    assert all(2 <= len(rows) <= 4 for rows in EXERCISES.values())
    keys = [row.key for rows in EXERCISES.values() for row in rows]
    assert len(keys) == len(set(keys))
    for section, index in ROWS:
        question = questions_for(section, 1)[index]
        _reference(question.type, question.given)  # raises for a type without one


@pytest.mark.parametrize("section, index", ROWS, ids=IDS)
@settings(max_examples=25, deadline=None)
@given(seed=SEEDS)
def test_the_answer_is_the_references(section, index, seed):
    question = questions_for(section, seed)[index]
    expected = _reference(question.type, question.given)
    if question.kind == "number":
        # Keras computes in float32 where it must; the stated rounding is far coarser.
        assert float(question.answer) == pytest.approx(expected, abs=1e-5, rel=1e-6), question.given
        assert check_answer(question, f"{expected:.{question.decimals + 2}f}").correct
    elif question.kind == "shape":
        assert tuple(question.answer) == tuple(expected)
    else:
        assert question.answer == expected, question.given


@pytest.mark.parametrize("section, index", ROWS, ids=IDS)
@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_the_question_is_well_posed(section, index, seed):
    question = questions_for(section, seed)[index]
    assert question.prompt and question.solution and all(step.text for step in question.solution)
    assert not re.search(r"(?<![A-Za-z])(nan|-?inf)(?![A-Za-z])", question.prompt + " ".join(s.text for s in question.solution), re.I)
    if question.kind == "choice":
        assert len(question.options) >= 2 and len(set(question.options)) == len(question.options)
        assert question.answer in question.options
    if question.kind == "number":
        assert math.isfinite(question.answer) and f"to {question.decimals} decimal" in question.prompt
    # What the sheet prints is accepted, a readable wrong answer is not.
    assert check_answer(question, question.answer_text).correct
    assert not check_answer(question, wrong_answer(question)).correct
    if question.fraction:
        assert 0 <= question.answer <= 1
        assert check_answer(question, f"{float(question.answer) * 100:.4f} %").correct
    # Same seed, same question, computed afresh.
    assert questions_for(section, seed)[index] == question


@settings(max_examples=60, deadline=None)
@given(seed=SEEDS)
def test_no_metric_question_divides_by_zero_and_every_split_is_exact(seed):
    for question in questions_for(8, seed)[:2]:
        counts = question.given["counts"]
        assert min(counts.values()) >= 1  # TP + FP, TP + FN, 2TP + FP + FN and the total are all positive
    from fractions import Fraction

    for question in questions_for(6, seed)[1:]:
        if "n" in question.given:
            n, split = question.given["n"], question.given["validation_split"]
            assert question.answer == n - math.floor(n * (1 - Fraction(str(split))))  # what a student computes


@settings(max_examples=60, deadline=None)
@given(seed=SEEDS)
def test_adams_first_step_is_the_learning_rate_as_its_solution_says(seed):
    question = questions_for(5, seed)[2]
    g = question.given
    assert abs(question.answer - (g["theta"] - math.copysign(g["learning_rate"], g["g"]))) < 1e-5


def test_the_lectures_worked_example_is_a_question_the_metrics_generator_can_ask():
    question = questions_for(8, 1)[0]
    lecture = replace(question, given={}, answer=5 / 7, decimals=3)
    assert all(check_answer(lecture, text).correct for text in ("0.714", "71.4 %", "5/7"))
    assert not check_answer(lecture, "0.71").correct


def test_a_percentage_without_its_sign_is_explained_not_marked_wrong():
    question = replace(questions_for(8, 1)[0], answer=5 / 7, decimals=3, fraction=True)
    with pytest.raises(InputError, match="71.4 % for a percentage"):
        check_answer(question, "71.4")


@pytest.mark.parametrize("kind_section, kind_index, expected", [
    (1, 0, "`a lot` is not a number I can read: write it like 0.714, 71.4 %, 5/7, 1e-3 or 109,386."),
    (2, 2, "`a lot` is not a shape I can read: write the sizes like (60000, 784) or 60000x784."),
    (3, 2, "Pick one of the options."),
])
def test_unreadable_answers_say_what_is_expected(kind_section, kind_index, expected):
    question = questions_for(kind_section, 1)[kind_index]
    with pytest.raises(InputError) as raised:
        check_answer(question, "a lot")
    assert str(raised.value) == expected


@pytest.mark.parametrize("labels", ["integer", "one-hot", "binary", "real"])
def test_the_loss_named_for_each_label_format_takes_those_labels_in_keras(labels):
    probabilities = np.full((2, 10), 0.1, dtype="float32")
    y, p = {
        "integer": (np.array([5, 0]), probabilities),
        "one-hot": (np.eye(10, dtype="float32")[[5, 0]], probabilities),
        "binary": (np.array([[1.0], [0.0]], dtype="float32"), np.array([[0.8], [0.3]], dtype="float32")),
        "real": (np.array([[2.5], [1.0]], dtype="float32"), np.array([[2.0], [1.5]], dtype="float32")),
    }[labels]
    loss = _reference("loss_for_labels", {"labels": labels})
    assert np.isfinite(_numpy(keras.losses.get(loss)(y, p))).all()
    if labels == "integer":
        # Integer labels need the sparse loss: the one-hot loss refuses them for their shape.
        with pytest.raises(ValueError, match=r"must have the same rank.*target\.shape=\(2,\), output\.shape=\(2, 10\)"):
            keras.losses.get("categorical_crossentropy")(y, p)


def test_the_same_seed_gives_the_same_sheet_and_another_seed_another():
    everything = tuple(EXERCISES)
    first = exercise_sheet_html(everything, 7).encode()
    assert exercise_sheet_html(everything, 7).encode() == first
    assert exercise_sheet_html(everything, 8).encode() != first
    assert exercise_sheet_html((8,), 7) != exercise_sheet_html((9,), 7)


def test_the_sheet_prints_questions_then_answers_on_a_new_page_offline():
    sheet = exercise_sheet_html(tuple(EXERCISES), 7)
    questions_part, answers_part = sheet.split('<section class="answers">')
    assert "page-break-before: always" in sheet and "break-before: page" in sheet and "@media print" in sheet
    assert "<script" not in sheet and "http://" not in sheet and "https://" not in sheet
    for section in EXERCISES:
        for question in questions_for(section, 7):
            assert question.answer_text.replace("'", "&#x27;") in answers_part or question.answer_text in answers_part
            assert f"<p>{_inline_html(question.prompt)}</p>" in questions_part
    assert answers_part.count('class="question"') == questions_part.count('class="question"') == len(ROWS)


@pytest.mark.parametrize("section, index", ROWS, ids=IDS)
@settings(max_examples=20, deadline=None)
@given(seed=SEEDS)
def test_a_first_wrong_answer_gets_a_second_try_without_the_answer(section, index, seed):
    question = questions_for(section, seed)[index]
    wrong = wrong_answer(question)
    first = feedback(question, [wrong])
    assert first.tone == "warning" and first.message.startswith("Not quite") and first.offer_solution
    # The hint's own fixed words ("within 10 %", "about 10 times") are not the answer, even when it is 10.
    hint_free = re.sub(r"within 10 %|about 10 times", "", first.message)
    assert not first.solution and not re.search(rf"(?<![\d.,]){re.escape(question.answer_text)}(?![\d.,])", hint_free)
    second = feedback(question, [wrong, wrong_answer(question)])
    assert second.solution and second.open and question.answer_text in second.message and not second.offer_solution
    assert feedback(question, [wrong], revealed=True).solution
    assert feedback(question, [wrong, question.answer_text]).message == f"Right on the second try: {question.answer_text}."
    assert feedback(question, [question.answer_text]).message == f"Right: {question.answer_text}."


@pytest.mark.parametrize("answer, given, hint", [
    (0.714, "0.6", ": too low"), (0.714, "0.75", ": a little too high (within 10 %)"),
    (0.714, "7.14", ": about 10 times too large: check the decimal point"), (-2.68, "2.68", ": the size is right, the sign is not"),
    (0.0, "0.2", ": too high"), (109_386, "10,938.6", ": about 10 times too small: check the decimal point"),
])
def test_how_far_off_says_which_way_and_roughly_how_far(answer, given, hint):
    question = replace(questions_for(5, 1)[0], answer=answer)
    assert how_far_off(question, given) == hint
