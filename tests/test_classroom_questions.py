"""The class's questions: one per lecture section at least, each right answer recomputed here by hand
or with a reference library, and each demo's values drawn by its page's widgets."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from annviz.classroom.questions import QUESTIONS, questions_on, right_answer
from annviz.lecture_steps import LECTURE_STEPS
from pages._navigation import ROOT, listed_pages


def _mnist_test():
    from annviz.mnist import load_mnist

    return load_mnist()[1]


def _shipped_mlp_says(image: np.ndarray) -> int:
    """The shipped MLP's answer, its layers multiplied out here (ReLU, ReLU, softmax's argmax)."""
    from annviz.numpy_mlp import load_dense_layers

    a = image.reshape(-1).astype(np.float64) / 255.0
    for layer in load_dense_layers("mlp"):
        a = a @ layer.kernel + layer.bias
        a = np.maximum(a, 0.0) if layer.activation == "relu" else a
    return int(np.argmax(a))


def _playground_test_accuracy(preset_key: str) -> float:
    from annviz import playground as pg
    from annviz.optimizers import make_racer
    from annviz.playground_settings import PRESETS

    preset = PRESETS[preset_key]
    points = pg.make_points(preset.dataset, points=preset.points, noise=preset.noise, seed=preset.seed)
    train, test = pg.split_points(points, train_percent=preset.train_percent, seed=preset.seed)
    xy_train = (pg.feature_matrix(train.x, preset.features), train.y)
    xy_test = (pg.feature_matrix(test.x, preset.features), test.y)
    network = pg.make_network(len(preset.features), preset.hidden, preset.activation, points.task, points.n_classes)
    state = pg.start_training(network, make_racer(preset.optimizer, learning_rate=preset.learning_rate), preset.seed)
    chunk = pg.train_chunk(network, state, xy_train, xy_test, epochs=preset.epochs, batch_size=preset.batch_size,
                           regularization=pg.make_regularization(preset.regularization, preset.rate))
    return pg.accuracy(network, chunk.state.parameters, *xy_test)


def _sgd_diverges(learning_rate: float) -> bool:
    """On the ravine f = 0.05x² + 2.5y², SGD multiplies y by 1 − 5η each step: it diverges once |1 − 5η| > 1."""
    return abs(1 - 5 * learning_rate) > 1


#: Each question's right choice, computed independently of annviz.classroom.
EXPECTED = {
    "ann-params": lambda: str(2 * 3 + 3 + 3 * 1 + 1),
    "neuron-bias": lambda: f"{max(0.0, 2 * 0.5 + (-1) * (-0.6) + 3 * 0.8 - 5.0):g}",
    "layers-image": lambda: "about 15 million" if 1.0e7 <= 100 * 100 * 3 * 512 + 512 < 1.0e8 else "?",
    "playground-relu": lambda: "solved (95 % or more)" if _playground_test_accuracy("relu_circle") >= 0.95 else "?",
    "optimizers-sgd-x10": lambda: "never: it diverges" if _sgd_diverges(3.0) else "?",
    "workflow-split": lambda: f"{math.floor(60_000 * 0.9):,}",
    "mnist-updates": lambda: f"{math.ceil(54_000 / 64):,}",
    "metrics-always-no": lambda: "about 90 %" if 0.85 < float(np.mean(_mnist_test()[1] != 7)) < 0.95 else "?",
    "limitations-shift-2": lambda: ("still 7" if _shipped_mlp_says(
        __import__("scipy.ndimage", fromlist=["shift"]).shift(_mnist_test()[0][0], (0, 2), order=0)) == 7 else "another digit"),
}


def test_every_lecture_section_has_a_question_on_a_real_step() -> None:
    assert sorted({question.section for question in QUESTIONS.values()}) == list(range(1, 10))
    sections = {page.url_path: page.lecture_section for page in listed_pages()}
    for question in QUESTIONS.values():
        assert sections[question.page] == question.section, question.key
        assert 1 <= question.step <= len(LECTURE_STEPS[question.page]), question.key
        assert len(set(question.choices)) == len(question.choices) >= 2
    assert set(EXPECTED) == set(QUESTIONS)


@pytest.mark.parametrize("key", list(QUESTIONS))
def test_the_right_answer_is_what_the_demo_computes(key: str) -> None:
    question = QUESTIONS[key]
    answer = right_answer(question)
    assert question.choices[answer.choice] == EXPECTED[key](), answer.measured
    assert answer.measured.strip()


def test_the_answer_follows_the_demo_not_a_typed_string() -> None:
    question = QUESTIONS["optimizers-sgd-x10"]
    gentler = dataclasses.replace(question, demo={**question.demo, "opt_sgd_learning_rate": 0.35})
    assert not _sgd_diverges(0.35)
    assert gentler.choices[right_answer(gentler).choice] == "faster"
    assert questions_on("optimizers", 1) == [question]


LIGHT_PAGES = ("ann", "neuron", "layers", "optimizers", "limitations")


@pytest.mark.parametrize("key", [key for key, q in QUESTIONS.items() if q.page in LIGHT_PAGES])
def test_each_demo_sets_widgets_that_its_page_draws(key: str) -> None:
    """The demo's values go into widgets the page really has (a key the page lacks would do nothing)."""
    from streamlit.testing.v1 import AppTest

    question = QUESTIONS[key]
    script = next(page.script for page in listed_pages() if page.url_path == question.page)
    at = AppTest.from_file(str(ROOT / script), default_timeout=60)
    for name, value in question.demo.items():
        at.session_state[name] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    drawn = {widget.key for kind in ("text_input", "number_input", "selectbox", "slider", "radio", "checkbox",
                                     "toggle", "select_slider", "multiselect") for widget in getattr(at, kind)}
    drawn |= {name for name in question.demo if name.endswith("_tab")}  # st.tabs' state, not an element kind
    assert set(question.demo) <= drawn, set(question.demo) - drawn
    for name, value in question.demo.items():
        assert at.session_state[name] == value
