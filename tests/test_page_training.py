"""The Keras workflow page (6) and the MNIST page (7) run by Streamlit's AppTest.

The code on page 6 is the generator's output for the form's values; page 7 trains a small
subset to the end, publishes the model for the other pages, caps trainings per server and
never runs two in one session.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from annviz.architecture import DenseSpec, ModelSpec
from annviz.keras_workflow import keras_workflow_code
from annviz.training_config import TrainingConfig

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = str(ROOT / "pages" / "p6_keras_workflow.py")
MNIST = str(ROOT / "pages" / "p7_mnist.py")
TIMEOUT = 120
#: The MNIST page opens on its data (the lecture's order); a link opens the training.
TRAIN_TAB = "Train and test"


def run_page(path: str, **query) -> AppTest:
    at = AppTest.from_file(path, default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value  # as a bookmarked URL would
    at.run()
    assert not at.exception, at.exception
    return at


def shown_code(at: AppTest) -> str:
    return at.code[0].value


# --- 6 · Keras workflow --------------------------------------------------------------------------


def test_workflow_shows_the_lectures_program_by_default():
    at = run_page(WORKFLOW)
    assert shown_code(at) == keras_workflow_code(TrainingConfig())
    text = "\n".join(m.value for m in at.markdown)
    assert "109,386 parameters" in text and "8,440 weight updates" in text
    assert at.button(key="workflow_train").label == "Train it on the MNIST page"
    assert not at.error


def test_workflow_code_follows_every_setting():
    at = run_page(WORKFLOW)
    at.text_input(key="workflow_layers").set_value("32 tanh")
    at.selectbox(key="workflow_optimizer").set_value("sgd")
    at.number_input(key="workflow_learning_rate").set_value(0.05)
    at.selectbox(key="workflow_loss").set_value("categorical_crossentropy")
    at.multiselect(key="workflow_metrics").set_value(["accuracy", "top_3_accuracy"])
    at.number_input(key="workflow_epochs").set_value(3)
    at.number_input(key="workflow_batch_size").set_value(128)
    at.number_input(key="workflow_validation_split").set_value(0.2)
    at.number_input(key="workflow_subset_size").set_value(10_000)
    at.number_input(key="workflow_seed").set_value(7)
    at.run()
    assert not at.exception and not at.error
    expected = TrainingConfig(
        model=ModelSpec(784, (DenseSpec(32, "tanh"),)), optimizer="sgd", learning_rate=0.05,
        loss="categorical_crossentropy", metrics=("accuracy", "top_3_accuracy"), epochs=3, batch_size=128,
        validation_split=0.2, subset_size=10_000, seed=7,
    )
    assert shown_code(at) == keras_workflow_code(expected)
    assert "to_categorical" in shown_code(at) and "x_train[:10000]" in shown_code(at)


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("workflow_epochs", 0, "number of epochs is 0"),
        ("workflow_batch_size", 0, "batch size is 0"),
        ("workflow_validation_split", 1.0, "between 0 and 1"),
        ("workflow_layers", "lots of relu", "Could not read the hidden layer"),
        ("workflow_layers", "5000 relu, 500 relu", "too many to train"),
    ],
)
def test_workflow_bad_settings_are_a_sentence_and_the_form_stays(key, value, words):
    at = run_page(WORKFLOW)
    widget = at.text_input(key=key) if key == "workflow_layers" else at.number_input(key=key)
    widget.set_value(value).run()
    assert not at.exception
    assert len(at.error) == 1 and words in at.error[0].value
    assert not at.code  # no program for settings that cannot run
    assert widget.value == value and at.number_input(key="workflow_seed").value == 42  # nothing else lost


def test_workflow_reads_its_settings_from_the_url():
    at = run_page(WORKFLOW, workflow_epochs="5", workflow_optimizer="rmsprop")
    assert "epochs=5" in shown_code(at) and "keras.optimizers.RMSprop(learning_rate=0.001)" in shown_code(at)


def test_neither_page_imports_tensorflow_before_training_starts():
    code = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"for path, query in (({WORKFLOW!r}, {{}}), ({MNIST!r}, {{}}), ({MNIST!r}, {{'mnist_tab': 'Explore the data'}})):\n"
        "    at = AppTest.from_file(path, default_timeout=60)\n"
        "    for k, v in query.items(): at.query_params[k] = v\n"
        "    at.run()\n"
        "    assert not at.exception, at.exception\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"


# --- 7 · MNIST -------------------------------------------------------------------------------------


def test_mnist_opens_on_the_data_in_the_lectures_order():
    at = run_page(MNIST)
    assert at.tabs[0].label == "Explore the data"
    assert "`x_train[0]` is a **5**" in "\n".join(m.value for m in at.markdown)
    # No training form on this tab: its only button is the Check yourself block's, below the tabs.
    assert [button.key for button in at.button] == ["quiz_s7_new"]


def test_mnist_training_tab_has_the_lectures_settings():
    at = run_page(MNIST, mnist_tab=TRAIN_TAB)
    assert at.number_input(key="mnist_subset_size").value == 60_000
    assert at.number_input(key="mnist_epochs").value == 10
    start = at.button(key="mnist_start")
    assert start.label == "Start training" and not start.disabled
    assert "844 batches per epoch" in at.caption[0].value
    assert "Start training" in at.info[0].value
    assert "mnist_runs" not in at.session_state


def test_mnist_explore_tab_shows_the_data():
    at = run_page(MNIST, mnist_tab="Explore the data", mnist_index="0")
    text = "\n".join(m.value for m in at.markdown)
    assert "`x_train[0]` is a **5**" in text and "166 of the 784 inputs are not 0" in text
    assert len([node for node in at if node.type == "plotly_chart"]) == 4


def test_mnist_bad_settings_disable_start_with_a_sentence():
    at = run_page(MNIST, mnist_tab=TRAIN_TAB)
    at.number_input(key="mnist_batch_size").set_value(0).run()
    assert "batch size is 0" in at.error[0].value
    assert at.button(key="mnist_start").disabled


@pytest.mark.parametrize("key, typed, words", [
    ("mnist_learning_rate", 5_000_000.0, "learning rate must be above 0 and at most"),
    ("mnist_epochs", 99_999, "99,999"),
    ("mnist_batch_size", 10**9, "batch size"),
])
def test_a_number_typed_beyond_a_fields_range_is_not_silently_replaced(key, typed, words):
    """Issue #28.5: the value stays what was typed and the page says why it cannot train with it."""
    at = run_page(MNIST, mnist_tab=TRAIN_TAB)
    at.number_input(key=key).set_value(typed).run()
    assert not at.exception, at.exception
    assert at.number_input(key=key).value == typed
    assert any(words in error.value for error in at.error), [e.value for e in at.error]
    assert at.button(key="mnist_start").disabled


def test_durations_are_said_only_from_this_servers_own_runs():
    """Issue #26.7: no promised "about 10 s"; a duration once this server has timed a run of its own."""
    from pages._serving import training_service

    at = run_page(MNIST, mnist_tab=TRAIN_TAB)
    page_text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "about 10 s" not in page_text and "last runs say" not in page_text
    service = training_service()
    service.timed_runs, service._seconds_per_unit, service._overhead_s = 1, 12.0 / 59_068_440_000, 2.0
    try:
        at.run()
        assert any("this server’s own last runs say about 12 s of fitting, after 2 s to start" in c.value for c in at.caption)
    finally:
        service.timed_runs = 0


@pytest.mark.slow
def test_the_wait_before_the_first_epoch_is_said_while_it_happens():
    """Issue #26.8: while the process starts, the page says what it is doing; Stop then says where it was."""
    from pages._serving import training_service

    training_service().close()
    training_service.clear()  # a new service: its warm process is not ready yet, so this Start starts cold
    at = run_page(MNIST, mnist_tab=TRAIN_TAB)
    at.number_input(key="mnist_seed").set_value(4321)  # a run of its own
    run = start_training(at, subset=600, epochs=1)
    at.run()
    snapshot = run.snapshot()
    assert snapshot.status == "starting"  # TensorFlow takes seconds to import in a new process
    text = at.get("progress")[0].proto.text
    assert "since this run was started)" in text and (snapshot.phase or "Starting a training process") in text
    run.request_stop()
    assert run.join(60)
    at.run()
    assert run.snapshot().status == "cancelled" and "Stopped before training began" in run.snapshot().error


def start_training(at: AppTest, subset: int, epochs: int):
    at.number_input(key="mnist_subset_size").set_value(subset)
    at.number_input(key="mnist_epochs").set_value(epochs)
    at.run()
    at.button(key="mnist_start").click().run()
    assert not at.exception, at.exception
    return at.session_state["mnist_run"]


@pytest.mark.server  # worker or training processes: the full lane
def test_mnist_trains_a_subset_to_the_end_and_publishes_the_model():
    at = run_page(MNIST, mnist_tab=TRAIN_TAB)
    run = start_training(at, subset=600, epochs=2)
    # Never two trainings in one session: Start is disabled while this one runs.
    assert at.button(key="mnist_start").disabled and at.button(key="mnist_stop").label == "Stop"
    assert run.join(120)
    at.run()
    assert not at.exception, at.exception
    snapshot = run.snapshot()
    assert snapshot.status == "done" and snapshot.result.outcome == "completed"
    (kept,) = at.session_state["mnist_runs"]
    assert kept.model is snapshot.result.model and kept.number == 1 and kept.outcome == "completed"
    label = kept.label
    assert label.startswith("784-128-64-10 MLP, 2/2 epochs on 540 images, test accuracy ")
    assert f"{snapshot.report.accuracy:.2%}" in label
    assert "Training finished all epochs. 2/2 epochs" in at.success[0].value
    assert [m.label for m in at.metric] == ["Test loss", "Test accuracy"]
    last = snapshot.result.history.epochs[-1].values
    measured = next(m.value for m in at.markdown if m.value.startswith("Measured: training"))
    assert measured.startswith(f"Measured: training {last['accuracy']:.1%} (mean over epoch 2), "
                               f"validation {last['val_accuracy']:.1%}, test {snapshot.report.accuracy:.1%}.")
    assert at.metric[1].value == f"{snapshot.report.accuracy:.2%}"
    assert not at.button(key="mnist_start").disabled
    assert "epochs=2" in at.code[-1].value  # the code of the run that was shown


@pytest.mark.server  # worker or training processes: the full lane
def test_mnist_explains_a_nan_loss_and_hands_nothing_on():
    at = run_page(MNIST, mnist_tab=TRAIN_TAB, mnist_optimizer="sgd", mnist_learning_rate="1000000")
    run = start_training(at, subset=3000, epochs=3)
    assert run.join(120)
    at.run()
    assert not at.exception, at.exception
    assert "The loss became NaN" in at.error[0].value and "learning rate of 1e+06" in at.error[0].value
    assert not at.metric
    (kept,) = at.session_state["mnist_runs"]  # kept and marked, but offered to no other page
    assert kept.outcome == "nan" and kept.model is None and kept.test_accuracy is None
    row = at.dataframe[0].value.loc[1]
    assert row["ended"] == "NaN loss" and "The loss became NaN" in row["note"]
    # NaN within the first epoch: no epoch to draw, and the comparison says so instead of a checkbox.
    assert not at.checkbox
    assert "Run 1: the loss became NaN before the first epoch ended, so there is no epoch to draw." in [
        c.value for c in at.caption]
    for chart in at.get("plotly_chart"):
        for trace in json.loads(chart.proto.spec)["data"]:
            assert all(y is None or math.isfinite(y) for y in trace.get("y", []) if not isinstance(y, str))


@pytest.mark.server  # worker or training processes: the full lane
def test_the_server_wide_cap_queues_the_training_beyond_the_slots():
    from pages._serving import MAX_TRAININGS

    sessions = [run_page(MNIST, mnist_tab=TRAIN_TAB) for _ in range(MAX_TRAININGS + 1)]
    runs = []
    try:
        for seed, at in enumerate(sessions):  # different seeds: one identity would be one shared run
            at.number_input(key="mnist_seed").set_value(seed)
            runs.append(start_training(at, subset=60_000, epochs=10))
        time.sleep(0.5)
        sessions[-1].run()
        assert runs[-1].snapshot().status == "queued", [(r.snapshot().status, r.snapshot().error) for r in runs]
        warning = sessions[-1].warning[0].value
        running = "1 training is running" if MAX_TRAININGS == 1 else f"{MAX_TRAININGS} trainings are running"
        assert f"Queued: {running} on this server" in warning and "next in line" in warning, (
            warning, [(r.owner, r.status) for r in runs], [(j.owner, j.status) for j in runs[0]._service._queue])
    finally:
        for run in runs:
            run.request_stop()
        for run in runs:
            assert run.join(60)
    assert runs[-1].snapshot().status == "cancelled"


@pytest.mark.server  # worker or training processes: the full lane
def test_a_training_that_ends_elsewhere_reaches_the_metrics_and_draw_pages_directly():
    """The student starts a training, goes to page 8 (or the draw page) and it ends there:
    the next rerun of that page offers the model, without a detour through the MNIST page."""
    from annviz.serving import TrainingService

    service = TrainingService(1)
    run = service.submit(TrainingConfig(epochs=1, subset_size=600), owner="a student")
    assert run.join(120) and run.snapshot().status == "done"
    for page, query, radio, choice in (
        ("p8_metrics.py", {"metrics_tab": "Ten classes"}, "metrics_model", "your model from the MNIST page"),
        ("p7_draw.py", {}, "draw_model", "Your model from the MNIST page"),
    ):
        at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=TIMEOUT)
        for key, value in query.items():
            at.query_params[key] = value
        at.session_state["mnist_run"] = run  # what the MNIST page left in this session
        at.run()
        assert not at.exception, at.exception
        (kept,) = at.session_state["mnist_runs"]
        assert kept.model is run.snapshot().result.model
        assert any(option.startswith(choice) for option in at.radio(key=radio).options)
        assert "1/1 epochs on 540 images" in kept.label


def compared_specs(at: AppTest) -> list[dict]:
    """The compared-runs charts, parsed: their traces are named after runs ("Run 2 · sgd").

    Parsed, not searched as text: plotly writes "·" as itself with orjson installed and as
    "\\u00b7" without it, so a text search found the charts on one machine and not on another (#29).
    """
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    return [spec for spec in specs if spec["data"] and all(t.get("name", "").startswith("Run ") for t in spec["data"])]


@pytest.mark.server  # worker or training processes: the full lane
def test_two_trainings_are_compared_side_by_side_and_one_can_be_trained_again():
    at = run_page(MNIST, mnist_tab=TRAIN_TAB)
    runs = []
    for optimizer in ("adam", "sgd"):
        at.selectbox(key="mnist_optimizer").set_value(optimizer)
        runs.append(start_training(at, subset=600, epochs=2))
        assert runs[-1].join(120)
        at.run()
        assert not at.exception, at.exception
    kept = at.session_state["mnist_runs"]
    assert [(r.number, r.config.optimizer, r.outcome) for r in kept] == [(1, "adam", "completed"), (2, "sgd", "completed")]
    table = at.dataframe[0].value
    assert list(table.index) == [1, 2] and list(table["optimizer"]) == ["adam", "sgd"]
    assert list(table["test accuracy"]) == [run.snapshot().report.accuracy for run in runs]
    assert [c.label for c in at.checkbox] == ["Run 1", "Run 2"] and all(c.value for c in at.checkbox)
    compared = compared_specs(at)
    assert len(compared) == 2  # loss and accuracy
    for spec in compared:
        assert [t["name"] for t in spec["data"]] == [
            "Run 1 · adam", "Run 1 · adam · validation", "Run 2 · sgd", "Run 2 · sgd · validation"]
        assert all(len(t["x"]) == 2 for t in spec["data"])
    # The validation losses drawn are Keras's, epoch by epoch.
    loss = next(s for s in compared if s["layout"]["yaxis"]["title"]["text"] == "loss")
    history = runs[1].snapshot().result.history
    assert loss["data"][3]["y"] == [row.values["val_loss"] for row in history.epochs]

    at.checkbox(key="mnist_pick_1").uncheck().run()
    compared = compared_specs(at)
    assert len(compared) == 2 and all([t["name"] for t in spec["data"]] == ["Run 2 · sgd", "Run 2 · sgd · validation"]
                                      for spec in compared)
    assert at.session_state["mnist_unpicked"] == {1}  # outlives the checkbox (the browser test switches tabs)
    table_now = at.dataframe[0].value
    assert list(table_now["Start → result, s"]) == [round(r.snapshot().elapsed_s, 1) for r in runs]
    assert all(f >= t for f, t in zip(table_now["Start → result, s"], table_now["fit seconds"]))
    assert "Your 2 trainings of this session (up to 8 are kept)" in " ".join(c.value for c in at.caption)

    # Train again: run 1's settings go back into the form, ready for one change, and Streamlit
    # logs nothing (no "default value but also set via the Session State API" warning).
    from streamlit.elements.lib import policies

    logged = []
    original_warning = policies._LOGGER.warning
    policies._LOGGER.warning = lambda *args, **kwargs: logged.append(args)
    policies._shown_default_value_warning = False
    try:
        at.selectbox(key="mnist_again_run").set_value(1).run()
        at.button(key="mnist_again").click().run()
        at.run()
    finally:
        policies._LOGGER.warning = original_warning
    assert logged == []
    assert not at.exception, at.exception
    assert at.selectbox(key="mnist_optimizer").value == "adam" and at.number_input(key="mnist_subset_size").value == 600
    assert "mnist_optimizer" not in at.query_params  # the default is left out of the URL, as for any widget


@pytest.mark.server  # worker or training processes: the full lane
def test_a_lecture_demo_fills_the_form_and_overfitting_is_named_when_the_curves_part():
    from annviz.training_config import TRAINING_PRESETS

    at = run_page(MNIST, mnist_tab=TRAIN_TAB)
    at.selectbox(key="mnist_preset").set_value("Why normalize? Raw 0–255 pixels").run()
    assert not at.exception and at.toggle(key="mnist_scale_inputs").value is False
    assert TRAINING_PRESETS["Why normalize? Raw 0–255 pixels"].look_for in [c.value for c in at.caption]
    at.selectbox(key="mnist_preset").set_value("Overfitting: 1,000 images, 50 epochs").run()
    assert at.number_input(key="mnist_subset_size").value == 1_000 and at.number_input(key="mnist_epochs").value == 50
    assert at.toggle(key="mnist_scale_inputs").value is True
    at.button(key="mnist_start").click().run()
    run = at.session_state["mnist_run"]
    assert run.join(180)
    at.run()
    assert not at.exception, at.exception
    from annviz.lecture_claims import overfitting_sentence

    expected = overfitting_sentence(run.snapshot().result.history, 900)
    assert expected is not None and expected.startswith("Overfitting: the validation loss was lowest after epoch")
    assert expected in [w.value for w in at.warning]


def test_runs_let_go_are_named_as_ranges_above_the_table():
    from annviz.runs import failed_run

    at = AppTest.from_file(MNIST, default_timeout=TIMEOUT)
    at.query_params["mnist_tab"] = TRAIN_TAB
    at.session_state["mnist_runs"] = tuple(failed_run(n, TrainingConfig(), "It failed.") for n in range(5, 13))
    at.session_state["mnist_runs_let_go"] = (1, 2, 3, 4)
    at.run()
    assert not at.exception
    caption = next(c.value for c in at.caption if "(up to 8 are kept)" in c.value)
    assert caption.startswith("Your last 8 trainings") and "Runs 1–4 were let go to keep 8." in caption
    assert list(at.dataframe[0].value.index) == list(range(5, 13))
    assert "Run 5 failed before it trained: its row says why." in [c.value for c in at.caption]


def test_the_class_board_is_a_tab_a_link_opens():
    """``/mnist?mnist_tab=Class+board`` opens the board (for the projector); an empty server says how it fills."""
    from pages._serving import training_service

    at = run_page(MNIST, mnist_tab="Class board")
    if not training_service().all_runs():
        assert any("No run on this server yet" in info.value for info in at.info)
    assert any(header.value.startswith("Class board") for header in at.subheader)
