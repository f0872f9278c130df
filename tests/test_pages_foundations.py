"""Pages 1–4 run by Streamlit's AppTest: the lecture's worked examples, widgets, bad input, no TensorFlow."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
PAGES = {name: str(ROOT / "pages" / f"{name}.py") for name in ("p1_ann", "p2_neuron", "p3_layers", "p4_activations")}
TIMEOUT = 60
#: Page 3's headline metric.
TOTAL = "Total parameters"


def run_page(name: str, **query) -> AppTest:
    at = AppTest.from_file(PAGES[name], default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value  # as a bookmarked URL would
    at.run()
    assert not at.exception, at.exception
    return at


def metric(at: AppTest, label: str) -> str:
    """The value of the metric with this label (metrics have no key; their label names them)."""
    return next(m.value for m in at.metric if m.label == label)


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    """The one table or dataframe on the page with this column."""
    (found,) = [e.value for e in [*at.table, *at.dataframe] if column in e.value.columns]
    return found


def texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [x.value for x in at.latex] + [str(m.value) for m in at.metric])


def test_p1_shows_3_4_1_with_21_parameters_and_follows_the_sizes():
    at = run_page("p1_ann")
    assert frame_with(at, "Biological neuron").shape == (7, 3)  # the biological analogy
    assert any(r"_{16\ \text{weights}} + \underbrace{4 + 1}_{5\ \text{biases}} = 21" in x.value for x in at.latex)
    assert "**21 parameters**" in texts(at)
    at.text_input(key="ann_layers").set_value("784-128-64-10").run()
    assert "**109,386 parameters**" in texts(at) and not at.exception


def test_p1_bad_sizes_show_an_error_and_the_page_goes_on():
    at = run_page("p1_ann", ann_layers="3-0-1")
    assert [e.value for e in at.error] == ["The size of each layer must be at least 1, not 0."]
    assert frame_with(at, "Biological neuron").shape == (7, 3)
    at.text_input(key="ann_layers").set_value("5-4").run()
    assert not at.error and "**24 parameters**" in texts(at)


def test_p2_default_is_the_lecture_neuron_4_2():
    at = run_page("p2_neuron")
    lines = [x.value for x in at.latex]
    assert any(r"0.5 \cdot 2 + (-0.6) \cdot (-1) + 0.8 \cdot 3 + 0.2" in line for line in lines)
    assert any(r"z = 4.2" in line for line in lines) and any(r"\mathrm{ReLU}(4.2) = 4.2" in line for line in lines)
    # Z = XW + b recomputed in NumPy from the X and W tables the page shows; one table is Z, one ReLU(Z).
    frames = [d.value for d in at.dataframe]
    X = next(f for f in frames if f.columns[0] == "x1").to_numpy()
    Wb = next(f for f in frames if f.index[-1] == "b").to_numpy()
    Z = X @ Wb[:-1] + Wb[-1]
    assert Z[0, 0] == pytest.approx(4.2)  # sample 1 and neuron 1 are the lecture's neuron
    outputs = [f.to_numpy() for f in frames if f.index[0] == "sample 1" and f.columns[0] == "neuron 1"]
    assert [np.allclose(f, Z) for f in outputs] == [True, False]
    assert np.allclose(outputs[1], np.maximum(Z, 0))


def test_p2_widgets_change_the_derivation():
    at = run_page("p2_neuron")
    at.selectbox(key="neuron_activation").set_value("sigmoid").run()
    assert any(r"\sigma(4.2) = 0.985226" in x.value for x in at.latex)
    at.selectbox(key="neuron_activation").set_value("relu")
    at.number_input(key="neuron_b").set_value(-5.0).run()
    assert [x.value.strip("$\n") for x in at.latex][3:5] == ["z = -1", r"a = \mathrm{ReLU}(-1) = 0"]
    assert not at.exception


@pytest.mark.parametrize(
    "query, message",
    [
        (dict(neuron_w="0.5, -0.6"), "3 inputs but 2 weights"),
        (dict(neuron_x="2, nan, 3"), "only finite numbers"),
        (dict(neuron_x=", ".join(["1"] * 11), neuron_w=", ".join(["1"] * 11)), "between 1 and 10"),
    ],
)
def test_p2_bad_input_shows_an_error_and_keeps_the_widgets(query, message):
    at = run_page("p2_neuron", **query)
    assert len(at.error) == 1 and message in at.error[0].value
    assert at.selectbox(key="neuron_activation").value == "relu"  # the rest of the page still works


def test_p2_check_with_keras_agrees():
    at = run_page("p2_neuron")
    at.button(key="neuron_keras_check").click().run()
    assert not at.exception
    assert "gives A[1, 1] = 4.2;" in at.success[0].value


def test_p3_default_is_the_mnist_mlp_and_presets_load():
    at = run_page("p3_layers")
    assert metric(at, TOTAL) == "109,386"
    assert any("keras.layers.Dense(128, activation='relu')" in code.value for code in at.code)
    at.selectbox(key="layers_preset").set_value("3-4-1 (21)").run()
    assert metric(at, TOTAL) == "21" and at.text_input(key="layers_hidden").value == "4 relu"
    at.selectbox(key="layers_preset").set_value("Dense(4) on 5 inputs (24)").run()
    assert metric(at, TOTAL) == "24"
    at.selectbox(key="layers_task").set_value("regression").run()
    assert metric(at, TOTAL) == "6" and metric(at, "Output layer") == "1 · linear"
    assert any("`mse`" in caption.value for caption in at.caption)


def test_p3_image_preset_first_layer_has_15_360_512():
    at = run_page("p3_layers")
    at.selectbox(key="layers_preset").set_value("100×100×3 image → 512 (15,360,512)").run()
    assert frame_with(at, "parameters")["parameters"].iloc[0] == "15,360,512"


def test_p3_a_billion_units_are_counted_not_built():
    at = run_page("p3_layers", layers_hidden="1000000000 relu")
    assert metric(at, TOTAL) == f"{784 * 10**9 + 10**9 + 10**10 + 10:,}"
    at.button(key="layers_count_params").click().run()
    assert not at.exception and "too large to build" in at.error[0].value


def test_p3_count_params_confirms():
    at = run_page("p3_layers")
    at.button(key="layers_count_params").click().run()
    assert "`model.count_params()` = 109,386, which matches 109,386" in at.success[0].value


@pytest.mark.parametrize("hidden", ["0 relu", "12 swishy"])
def test_p3_bad_layers_show_an_error(hidden):
    at = run_page("p3_layers", layers_hidden=hidden)
    assert len(at.error) == 1 and not at.exception
    at.text_input(key="layers_hidden").set_value("4 relu").run()
    assert not at.error and metric(at, TOTAL) == f"{784 * 4 + 4 + 4 * 10 + 10:,}"


def test_p4_lecture_table_and_softmax_default():
    at = run_page("p4_activations")
    table = frame_with(at, "ReLU (annviz)")
    assert table["ReLU (annviz)"].tolist() == [0, 0, 0, 1, 2]
    assert table["Sigmoid (annviz)"].round(3).tolist() == [0.119, 0.378, 0.5, 0.731, 0.881]
    at.button(key="act_tf_table").click().run()
    table = frame_with(at, "Sigmoid (TensorFlow)")
    assert table["Sigmoid (TensorFlow)"].round(3).tolist() == [0.119, 0.378, 0.5, 0.731, 0.881]
    assert "agree" in at.success[0].value


def test_p4_widgets_change_the_output_and_bad_logits_are_an_error():
    at = run_page("p4_activations")
    before = [m.value for m in at.markdown]
    at.multiselect(key="act_shown").set_value(["gelu"]).run()
    after = [m.value for m in at.markdown]
    assert before != after and any("GELU" in m for m in after)
    at.text_input(key="act_logits").set_value("1, inf").run()
    assert "only finite numbers" in at.error[0].value and not at.exception
    at.multiselect(key="act_shown").set_value([]).run()
    assert "Choose at least one" in at.error[0].value and not at.exception


def test_pages_open_without_tensorflow():
    """Each page, with its widgets moved, runs in a fresh interpreter that never imports TensorFlow."""
    code = f"""
import sys
from streamlit.testing.v1 import AppTest
pages = {PAGES!r}
moves = {{
    "p1_ann": lambda at: at.text_input(key="ann_layers").set_value("784-128-64-10"),
    "p2_neuron": lambda at: at.selectbox(key="neuron_activation").set_value("tanh"),
    "p3_layers": lambda at: at.selectbox(key="layers_preset").set_value("3-4-1 (21)"),
    "p4_activations": lambda at: at.slider(key="act_temperature").set_value(3.0),
}}
for name, path in pages.items():
    at = AppTest.from_file(path, default_timeout=60).run()
    assert not at.exception, (name, at.exception)
    moves[name](at).run()
    assert not at.exception, (name, at.exception)
at = AppTest.from_file(pages["p3_layers"], default_timeout=60)
at.query_params["layers_hidden"] = "1000000000 relu"
at.run()
at.button(key="layers_count_params").click().run()
assert "too large" in at.error[0].value
heavy = sorted(m for m in ("tensorflow", "keras") if m in sys.modules)
print(heavy)
sys.exit(1 if heavy else 0)
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]


def test_page_3_draws_the_first_layers_weights_as_images():
    import json

    from annviz.numpy_mlp import load_dense_layers

    at = AppTest.from_file(str(ROOT / "pages" / "p3_layers.py"), default_timeout=60).run()
    assert not at.exception
    chart = next(c for c in at.get("plotly_chart") if "layers_first_weights" in c.proto.id)
    spec = json.loads(chart.proto.spec)
    assert [a["text"] for a in spec["layout"]["annotations"]] == [f"neuron {n}" for n in range(16)]
    kernel = load_dense_layers("mlp")[0].kernel
    reach = float(abs(kernel[:, :16]).max())
    assert spec["data"][0]["zmax"] == pytest.approx(reach) and spec["data"][0]["zmin"] == pytest.approx(-reach)
    assert any(c.value.startswith("67 of the 784 pixels are 0") for c in at.caption)
