"""The metrics page (section 8) run by Streamlit's AppTest: every tab, a cell, a threshold, bad input."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from sklearn import metrics as skm
from streamlit.testing.v1 import AppTest

from annviz import metrics
from annviz.mnist import load_mnist
from annviz.pretrained import read_manifest

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "p8_metrics.py")
TIMEOUT = 120


def run_page(tab: str | None = None, **session) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    if tab:
        at.query_params["metrics_tab"] = tab  # as a bookmarked URL would
    for key, value in session.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def switch_tab(at: AppTest, tab: str) -> None:
    """Tabs are bound to the URL, and AppTest resends its URL on every run: switch through it."""
    at.query_params["metrics_tab"] = tab
    at.run()
    assert not at.exception, at.exception


def latex(at: AppTest) -> str:
    return "\n".join(element.value for element in at.latex)


def gallery_indices_shown(at: AppTest) -> list[int]:
    images = [node for node in at if node.type == "image"]
    if not images:
        return []
    return [int(re.match(r"#(\d+)", image.caption).group(1)) for image in images[0].proto.imgs]


@pytest.fixture(scope="module")
def y_test() -> np.ndarray:
    return load_mnist()[1][1]


@pytest.fixture(scope="module")
def shipped_probabilities() -> np.ndarray:
    """The shipped MLP's test-set probabilities, computed here independently of the page."""
    from annviz.pretrained import model_inputs
    from annviz.serving.keras_models import load_pretrained

    x_test = load_mnist()[1][0]
    return load_pretrained("mlp").predict(model_inputs("mlp", x_test), batch_size=1000, verbose=0)


# --- the worked example ------------------------------------------------------------------------


def test_worked_example_default_render_has_the_lecture_numbers():
    at = run_page()
    shown = {m.label: m.value for m in at.metric}
    assert shown == {"TP": "3", "TN": "2", "FP": "1", "FN": "1",  # the counts, and the lecture's 5/7 and 0.75s
                     "Accuracy": "0.714", "Precision": "0.750", "Recall": "0.750", "F1 score": "0.750"}
    text = latex(at)
    for expected in (r"\frac{3 + 2}{3 + 2 + 1 + 1} = 0.714", r"\frac{3}{3 + 1} = 0.750", r"= 0.750"):
        assert expected in text
    assert not at.error


def test_worked_example_opens_without_tensorflow():
    code = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({PAGE!r}, default_timeout=60); at.run()\n"
        "assert not at.exception, at.exception\n"
        "assert len(at.latex) == 4\n"
        "heavy = sorted(m for m in ('tensorflow', 'keras') if m in sys.modules)\n"
        "print(heavy); sys.exit(1 if heavy else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("y_true", "y_pred", "message"),
    [
        ("1, 0, 1", "1, 0", "y_true has 3 labels but y_pred has 2"),
        ("", "1, 0", "y_true is empty"),
        ("1, 0, 2", "1, 0, 1", "y_true contains 2"),
        ("1, 0, yes", "1, 0, 1", "`yes` in y_true is not a number"),
    ],
)
def test_bad_lists_show_an_error_and_keep_the_text(y_true, y_pred, message):
    at = run_page()
    at.text_input(key="metrics_y_true").set_value(y_true)
    at.text_input(key="metrics_y_pred").set_value(y_pred).run()
    assert not at.exception
    assert [e.value for e in at.error] and message in at.error[0].value
    assert at.text_input(key="metrics_y_true").value == y_true  # nothing the user typed is lost
    assert not at.metric and not at.latex
    at.text_input(key="metrics_y_true").set_value("1, 1").run()
    at.text_input(key="metrics_y_pred").set_value("1, 0").run()
    assert not at.error and {m.label: m.value for m in at.metric}["FN"] == "1"


def test_zero_division_is_shown_as_zero_with_a_reason():
    at = run_page(metrics_y_true="1, 0, 1", metrics_y_pred="0, 0, 0")
    assert any("TP + FP = 0" in info.value for info in at.info)
    assert r"\frac{0}{0 + 0} \;\rightarrow\; 0.000" in latex(at)


# --- ten classes -------------------------------------------------------------------------------


def test_ten_classes_default_render_says_which_model_and_its_accuracy(y_test, shipped_probabilities):
    at = run_page("Ten classes")
    accuracy = skm.accuracy_score(y_test, shipped_probabilities.argmax(axis=1))
    assert accuracy == pytest.approx(read_manifest()["mlp"]["test_accuracy"], abs=1e-4)
    summary = next(m.value for m in at.markdown if "Evaluating" in m.value)
    assert "shipped Lecture MLP 784-128-64-10" in summary and f"**{accuracy:.4f}**" in summary
    # Default cell: the model's most frequent confusion, and the gallery shows that cell.
    true_class, predicted_class = metrics.most_confused_pair(skm.confusion_matrix(y_test, shipped_probabilities.argmax(1)))
    assert (at.selectbox(key="metrics_cell_true").value, at.selectbox(key="metrics_cell_pred").value) == (
        true_class,
        predicted_class,
    )
    assert len(gallery_indices_shown(at)) > 0
    table = at.dataframe[0].value
    assert list(table.index) == [str(c) for c in range(10)]
    assert table["support"].sum() == 10_000
    assert list(at.dataframe[1].value.index) == ["macro avg", "weighted avg"]


@pytest.mark.parametrize(("true_class", "predicted_class"), [(4, 9), (3, 5), (8, 8)])
def test_selected_cell_gallery_shows_only_that_cell(y_test, shipped_probabilities, true_class, predicted_class):
    at = run_page("Ten classes")
    at.selectbox(key="metrics_cell_true").set_value(true_class)
    at.selectbox(key="metrics_cell_pred").set_value(predicted_class).run()
    assert not at.exception
    y_pred = shipped_probabilities.argmax(axis=1)
    shown = gallery_indices_shown(at)
    in_cell = int(((y_test == true_class) & (y_pred == predicted_class)).sum())
    assert len(shown) == min(metrics.GALLERY_SIZE, in_cell) > 0
    assert (y_test[shown] == true_class).all() and (y_pred[shown] == predicted_class).all()
    assert any(f"True {true_class}, predicted {predicted_class}" in m.value for m in at.markdown)


def matrix_shown(at: AppTest) -> np.ndarray:
    """The confusion matrix's cells as the browser gets them: the diagonal and the mistakes are two
    heatmaps (two colour scales), each NaN where the other has its cells (plotly's typed arrays, decoded)."""
    import base64
    import json

    for chart in at.get("plotly_chart"):
        layers = []
        for trace in json.loads(chart.proto.spec)["data"]:
            if trace.get("type") == "heatmap":
                z = trace["z"]
                shape = tuple(int(n) for n in str(z["shape"]).split(","))
                layers.append(np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"]).reshape(shape).astype(float))
        if layers:
            assert (np.sum([~np.isnan(layer) for layer in layers], axis=0) == 1).all(), "each cell in one heatmap"
            return np.nansum(layers, axis=0)
    raise AssertionError("no heatmap on the page")


def test_row_normalised_toggle_shows_each_true_class_as_shares(y_test, shipped_probabilities):
    at = run_page("Ten classes")
    y_pred = shipped_probabilities.argmax(axis=1)
    np.testing.assert_array_equal(matrix_shown(at), skm.confusion_matrix(y_test, y_pred))
    at.toggle(key="metrics_normalize").set_value(True).run()
    assert not at.exception and not at.error
    shown = matrix_shown(at)
    np.testing.assert_allclose(shown, skm.confusion_matrix(y_test, y_pred, normalize="true"), atol=1e-6)
    np.testing.assert_allclose(shown.sum(axis=1), 1.0, atol=1e-6)


def test_session_model_can_be_chosen_and_runs_once(monkeypatch, y_test):
    import keras

    from annviz.numpy_mlp import dense_layers
    from annviz.serving import TrainedMLP

    keras.utils.set_random_seed(0)
    keras_model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, activation="softmax")])
    own = TrainedMLP(dense_layers(keras_model))  # what a training process hands back
    calls = []
    original = TrainedMLP.probabilities
    monkeypatch.setattr(TrainedMLP, "probabilities", lambda *a, **k: calls.append(1) or original(*a, **k))
    from annviz.runs import KeptRun
    from annviz.training_config import TrainingConfig

    kept = KeptRun(1, TrainingConfig(epochs=3), "completed", "", model=own, label="3 epochs on 10,000 images")
    at = run_page("Ten classes", mnist_runs=(kept,))
    at.radio(key="metrics_model").set_value("session").run()
    assert not at.exception
    summary = next(m.value for m in at.markdown if "Evaluating" in m.value)
    assert "your model from the MNIST page (3 epochs on 10,000 images)" in summary
    from annviz.mnist import flatten_and_scale

    expected = skm.accuracy_score(y_test, keras_model.predict(flatten_and_scale(load_mnist()[1][0]), verbose=0).argmax(1))
    assert f"**{expected:.4f}**" in summary
    session_runs = len(calls)
    at.selectbox(key="metrics_cell_true").set_value(1).run()
    switch_tab(at, "Imbalance and threshold")
    at.slider(key="metrics_threshold").set_value(0.3).run()
    assert not at.exception and len(calls) == session_runs  # kept in the session, never re-run


# --- imbalance and threshold -------------------------------------------------------------------


def test_threshold_change_moves_the_numbers_and_never_reruns_the_model(monkeypatch, y_test, shipped_probabilities):
    st.cache_data.clear()
    st.cache_resource.clear()
    import pages._figures as figures

    calls = []
    original = figures.mlp_probabilities
    monkeypatch.setattr(figures, "mlp_probabilities", lambda *a, **k: calls.append(1) or original(*a, **k))
    at = run_page("Imbalance and threshold")
    assert len(calls) == 1  # the shipped MLP ran on the test set once per server, in NumPy

    def shown() -> list[tuple[str, str]]:
        return [(m.label, m.value) for m in at.metric]

    baseline = shown()[:4]
    assert baseline == [("Accuracy", "0.897"), ("Precision", "0.000"), ("Recall", "0.000"), ("F1 score", "0.000")]
    y_seven = (y_test == 7).astype(int)
    for threshold in (0.5, 0.05, 0.95):
        at.slider(key="metrics_threshold").set_value(threshold).run()
        assert not at.exception
        y_hat = (shipped_probabilities[:, 7] >= threshold).astype(int)
        expected = [
            f"{skm.accuracy_score(y_seven, y_hat):.3f}",
            f"{skm.precision_score(y_seven, y_hat, zero_division=0):.3f}",
            f"{skm.recall_score(y_seven, y_hat):.3f}",
            f"{skm.f1_score(y_seven, y_hat):.3f}",
        ]
        assert [value for _, value in shown()[4:]] == expected
    switch_tab(at, "Ten classes")
    assert at.selectbox(key="metrics_cell_true")  # the other tab really rendered
    assert len(calls) == 1  # the model ran once, for every tab and threshold


def test_positive_class_can_change():
    at = run_page("Imbalance and threshold")
    at.selectbox(key="metrics_digit").set_value(1).run()
    assert not at.exception
    assert any("1,135 of 10,000" in m.value for m in at.markdown)  # MNIST's test set has 1,135 ones
