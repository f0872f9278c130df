"""Lecture mode: every prepared step renders and sets what it names; links and ``?hide=`` read forgivingly.

The steps' sentences are checked against annviz's own functions, like every sentence on screen.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from annviz.activations import ACTIVATIONS, softmax
from annviz.architecture import PRESETS, count_model_params, parse_layer_sizes, spec_from_sizes
from annviz.lecture_links import hidden_keys, step_link
from annviz.lecture_steps import LECTURE_STEPS, SECONDARY
from annviz.mnist import load_mnist
from annviz.neuron import neuron_output
from annviz.keras_workflow import keras_workflow_code
from annviz.training_config import TrainingConfig
from pages._navigation import listed_pages

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = {page.url_path: page.script for page in listed_pages()}
STEPS = [(page, number) for page, steps in LECTURE_STEPS.items() for number in range(1, len(steps) + 1)]


def run(page: str, **query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / SCRIPTS[page]), default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _nodes(node: object):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def shown_value(at: AppTest, key: str) -> object:
    """What the page's widget with the user key ``key`` shows, read from the rendered element tree:
    a value widget's value, or a keyed ``st.tabs``'s open tab label. Fails if no widget of the
    page has that key."""
    for node in _nodes(at._tree):
        if getattr(node, "key", None) != key:
            continue
        if getattr(node, "type", "") == "tab_container":
            labels = [tab.label for tab in node.children.values()]
            return labels[node.proto.tab_container.default_tab_index]
        if hasattr(node, "value"):
            return node.value
    raise AssertionError(f"{key!r} is not the key of a widget on this page")


def styles(at: AppTest) -> str:
    return "\n".join(str(element.proto) for element in at.get("html"))


def test_every_page_with_steps_is_in_the_navigation_and_names_real_steps() -> None:
    assert set(LECTURE_STEPS) <= set(SCRIPTS) and set(SECONDARY) <= set(SCRIPTS)
    hidden = [key for keys in SECONDARY.values() for key in keys] + [k for s in LECTURE_STEPS.values() for t in s for k in t.hide]
    assert hidden and all(isinstance(key, str) and hidden_keys(key) == (key,) for key in hidden)  # widget keys, nothing else
    for steps in LECTURE_STEPS.values():
        assert 1 <= len(steps) <= 8 and all(step.title and step.sentence.endswith(".") or step.sentence.endswith("?")
                                            for step in steps)
        assert len({step.title for step in steps}) == len(steps)


@pytest.mark.parametrize(("page", "number"), STEPS, ids=[f"{page}-{number}" for page, number in STEPS])
def test_each_step_renders_and_sets_the_widgets_it_names(page: str, number: int) -> None:
    at = run(page, lecture="1", step=str(number))
    step = LECTURE_STEPS[page][number - 1]
    assert [info.value for info in at.info][0].startswith(f"**Step {number} of {len(LECTURE_STEPS[page])} · {step.title}.**")
    for key, value in step.settings.items():
        # The page's own widget shows it (a value left in the state under a key no widget has, or
        # one the widget then overrides, fails here).
        assert shown_value(at, key) == (pytest.approx(value) if isinstance(value, float) else value), key
    assert not at.error, [e.value for e in at.error]
    assert ".st-key-page_intro" in styles(at)  # the step's sentence stands in for the opening text


def test_next_and_previous_move_through_the_steps_and_keep_the_link_in_step() -> None:
    at = run("optimizers", lecture="1", step="1")
    at.button(key="lecture_next").click().run()
    assert at.query_params["step"] == "2" and at.session_state["opt_same_lr"] is True
    assert at.session_state["opt_lr_all"] == 0.1
    at.button(key="lecture_previous").click().run()
    assert at.query_params["step"] == "1" and at.session_state["opt_same_lr"] is False
    assert at.button(key="lecture_previous").disabled


def test_a_change_after_a_step_is_kept_on_the_next_rerun() -> None:
    at = run("neuron", lecture="1", step="1")
    at.number_input(key="neuron_b").set_value(1.0).run()
    assert at.number_input(key="neuron_b").value == 1.0  # the step is not applied again


@pytest.mark.parametrize("query", [
    {"lecture": "<script>"}, {"lecture": "1", "step": "banana"}, {"lecture": "1", "step": "99"},
    {"lecture": "1", "step": "-1"}, {"hide": "<b>x</b>,,;;"}, {"lecture": "0", "hide": "a" * 5000},
])
def test_garbage_lecture_step_and_hide_values_are_ignored(query: dict[str, str]) -> None:
    at = run("neuron", **query)
    assert not at.error
    on = query.get("lecture") == "1"
    infos = [info.value for info in at.info]
    assert any(text.startswith("**Step 1 of 3") for text in infos) == on  # an unreadable step is step 1
    assert "<b>" not in styles(at) and "<script>" not in styles(at)


def test_hide_hides_the_named_controls_by_key_and_lecture_mode_its_secondary_ones() -> None:
    at = run("neuron", hide="neuron_b,neuron_w")
    assert ".st-key-neuron_b" in styles(at) and ".st-key-neuron_w" in styles(at)
    assert at.number_input(key="neuron_b").value == pytest.approx(0.2)  # hidden, but there and working
    assert ".st-key-neuron_seed" not in styles(at)
    assert ".st-key-neuron_seed" in styles(run("neuron", lecture="1"))


def test_the_overview_links_every_step() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    text = "\n".join(markdown.value for markdown in at.markdown)
    for page, number in STEPS:
        assert f"]({step_link(page, number)})" in text


# The sentences' numbers, from annviz.
def test_the_step_sentences_say_what_annviz_computes() -> None:
    steps = {page: {step.title: step for step in steps} for page, steps in LECTURE_STEPS.items()}
    for title, total in (("The 3-4-1 network", 21), ("The MNIST MLP", 109_386)):
        sizes = parse_layer_sizes(steps["ann"][title].settings["ann_layers"])
        assert count_model_params(spec_from_sizes(sizes)) == total and f"{total:,} parameters" in steps["ann"][title].sentence
    neuron = {title: step.settings for title, step in steps["neuron"].items()}
    x, w = [2, -1, 3], [0.5, -0.6, 0.8]
    assert neuron_output(x, w, neuron["The lecture's neuron"]["neuron_b"], "relu").a == pytest.approx(4.2)
    assert round(float(ACTIVATIONS["sigmoid"].value(4.2)), 3) == 0.985
    switched_off = neuron_output(x, w, neuron["A bias that switches it off"]["neuron_b"], "relu")
    assert switched_off.z == pytest.approx(-1) and switched_off.a == 0
    for title, total in (("Dense(4) on 5 inputs", 24), ("The MNIST MLP", 109_386), ("One layer on a 100×100×3 image", 15_360_512)):
        assert f"{total:,} parameters" in steps["layers"][title].sentence
        assert any(preset.counted() == preset.lecture_total == total for preset in PRESETS.values())
    assert np.round(softmax(np.array([2.0, 1.0, 0.1])), 2).tolist() == [0.66, 0.24, 0.10]
    sevens = float(np.mean(load_mnist()[1][1] == 7))
    assert 0.09 <= sevens <= 0.11  # "about a tenth of the test digits are 7s"
    lecture = TrainingConfig()
    assert (lecture.optimizer, lecture.batch_size, lecture.epochs, lecture.validation_split) == ("adam", 64, 10, 0.1)
    assert math.isclose(100 * 100 * 3 * 512 + 512, 15_360_512)
    workflow = {step.title: step.settings for step in LECTURE_STEPS["keras-workflow"]}["Plain SGD instead of Adam"]
    sgd = keras_workflow_code(TrainingConfig(optimizer=workflow["workflow_optimizer"], learning_rate=workflow["workflow_learning_rate"]))
    adam = keras_workflow_code(TrainingConfig())
    assert "optimizer=keras.optimizers.SGD(learning_rate=0.01)" in sgd
    assert [line for line in sgd.splitlines() if "optimizers" not in line] == [line for line in adam.splitlines() if "optimizers" not in line]


def test_the_sidebar_switch_turns_lecture_mode_on_and_off_through_the_link() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.toggle(key="lecture_switch").set_value(False).run()  # off while off: nothing to take away
    assert not at.exception and "lecture" not in at.query_params
    at.toggle(key="lecture_switch").set_value(True).run()
    assert not at.exception and at.query_params["lecture"] == "1"
    at.toggle(key="lecture_switch").set_value(False).run()
    assert not at.exception and "lecture" not in at.query_params


def test_a_step_that_names_a_layers_count_shows_that_count_as_its_headline() -> None:
    """Layers step 3 says "15,360,512 ... in its first layer alone": its headline is the first layer's
    count (the whole network with its 10-class head has more), and the page shows both."""
    from annviz.architecture import ModelSpec, layer_param_rows, parse_hidden_layers

    for step in LECTURE_STEPS["layers"]:
        settings = step.settings
        spec = ModelSpec(settings["layers_input"], parse_hidden_layers(settings["layers_hidden"]),
                         task=settings["layers_task"], n_classes=settings["layers_classes"])
        shown = {"layers_total": count_model_params(spec), "layers_first": layer_param_rows(spec)[0]["params"]}
        assert f"{shown[step.headline]:,} parameters" in step.sentence, step.title
    at = run("layers", lecture="1", step="3")
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["First layer"] == "15,360,512" and metrics["Total parameters"] == "15,365,642"


def test_one_learning_rate_for_all_shows_that_rate_in_every_racers_box() -> None:
    for step in LECTURE_STEPS["optimizers"]:
        rates = {key: value for key, value in step.settings.items() if key.endswith("_learning_rate")}
        assert rates, step.title
        if step.settings["opt_same_lr"]:
            assert set(rates.values()) == {step.settings["opt_lr_all"]} and f"η = {step.settings['opt_lr_all']:g}" in step.title
    at = run("optimizers", lecture="1", step="2")
    boxes = [box.value for box in at.number_input if box.key.endswith("_learning_rate") and box.key != "opt_lr_all"]
    assert boxes and set(boxes) == {0.1}
    at.button(key="lecture_next").click().run()  # the saddle: each racer's own rate again
    assert at.number_input(key="opt_sgd_learning_rate").value == 0.3


def test_lecture_mode_keeps_metric_values_large_and_shows_section_5s_update_rules() -> None:
    at = run("optimizers", lecture="1")
    assert "stMetricValue" in styles(at) and "2.5rem" in styles(at)
    from annviz.optimizers import OPTIMIZERS

    on_page = [latex.value.strip("$\n") for latex in at.latex]
    in_expanders = [latex.value.strip("$\n") for expander in at.expander for latex in expander.latex]
    for spec in OPTIMIZERS.values():  # lecture mode hides every expander: the rules sit outside them
        assert spec.update_rule in on_page and spec.update_rule not in in_expanders, spec.name
    assert any(r"\hat m_t = \frac{m_t}{1 - \beta_1^t}" in rule for rule in on_page)  # Adam's bias correction
