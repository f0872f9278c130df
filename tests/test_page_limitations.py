"""The limitations page (section 9) run by Streamlit's AppTest: each tab, a shift, a class pick, bad input."""

from __future__ import annotations

import math

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest

from annviz import limitations as lim
from streamlit.testing.v1 import AppTest

from annviz.mnist import load_mnist
from annviz.pretrained import SHUFFLE_SEED, read_manifest
from annviz.training_config import MNIST_TRAIN_SIZE

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "p9_limitations.py")
TIMEOUT = 300
#: The shift curves are measured here on the first test images only (the server measures all
#: 10,000, a minute of the CNN's work); the accuracies on all of them, as the server does.
CURVE_IMAGES = 500


@pytest.fixture(scope="module", autouse=True)
def measured_in_the_background() -> Iterator[None]:
    """The page draws the shift curves and the accuracies once the server's measurements worker
    has them (until then it shows a progress bar that polls, which AppTest does not run): measure
    them here first, the curves on :data:`CURVE_IMAGES` images, and give the next tests a fresh
    worker with the server's own jobs."""
    from annviz import serving
    from pages import _serving

    server_jobs = dict(_serving.BACKGROUND)
    _serving.measurements_worker.clear()
    _serving.BACKGROUND.update(
        {key: (job, *args, CURVE_IMAGES) for key, (job, *args) in server_jobs.items() if job is serving.shipped_shift_curves}
    )
    try:
        for key, (job, *args) in _serving.BACKGROUND.items():
            serving.result_of(_serving.measurements_worker().once(key, job, *args))
        yield
    finally:
        _serving.BACKGROUND.clear()
        _serving.BACKGROUND.update(server_jobs)
        _serving.measurements_worker.clear()


def run_page(tab: str | None = None, **query: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    if tab:
        at.query_params["lim_tab"] = tab  # as a bookmarked URL would
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def figure(at: AppTest, key_part: str) -> dict:
    """The plotly figure of the chart whose element id contains ``key_part``."""
    for chart in at.get("plotly_chart"):
        if key_part in chart.proto.id:
            return json.loads(chart.proto.spec)
    raise AssertionError(f"no chart {key_part!r}")


def values(data: object) -> np.ndarray:
    """A plotly array as NumPy: plain lists, or the typed ``{"dtype", "bdata", "shape"}`` form plotly 6+ sends."""
    if isinstance(data, dict) and "bdata" in data:
        array = np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"])
        return array.reshape([int(n) for n in str(data.get("shape", len(array))).split(",")])
    return np.asarray(data)


def keras_accuracy_on_curve_images(name: str) -> float:
    """The shipped model's accuracy on the first :data:`CURVE_IMAGES` test images, by Keras's ``predict``."""
    from annviz.pretrained import model_inputs
    from annviz.serving.keras_models import load_pretrained

    (_, _), (x_test, y_test) = load_mnist()
    x, y = x_test[:CURVE_IMAGES], y_test[:CURVE_IMAGES]
    predicted = load_pretrained(name).predict(model_inputs(name, x), verbose=0).argmax(axis=1)
    return float(np.mean(predicted == y))


def markdown(at: AppTest) -> str:
    return "\n".join(element.value for element in at.markdown)


@pytest.fixture(scope="module")
def y_test() -> np.ndarray:
    return load_mnist()[1][1]


def test_the_shift_tab_opens_at_the_lectures_5_px_and_says_what_it_measures(y_test):
    at = run_page()
    assert not at.error and (at.slider(key="lim_dx").value, at.slider(key="lim_dy").value) == lim.LECTURE_SHIFT == (5, 0)
    shown = metrics(at)
    r = float(shown["correlation r, original vs shifted"])
    assert r == pytest.approx(0.19, abs=0.01)  # test image 0, the lecture's 7
    sentence = next(m.value for m in at.markdown if m.value.startswith("Shifted by (5, 0)"))
    assert f"r = {r:.2f} (largely other neurons)" in sentence and "the MLP says 7, then 5" in sentence
    assert f"{shown['switched on by the shift']} ReLUs switched on and {shown['switched off by the shift']} off" in sentence
    summary = next(m.value for m in at.markdown if m.value.startswith("Shifted 3 px right"))
    curves = figure(at, "lim_curves")
    by_name = {trace["name"]: values(trace["y"]) for trace in curves["data"] if trace.get("name")}
    assert "by (3, 3), diagonally 4.2 px away" in summary and "mean" not in summary.split("(the ringed")[0]
    assert math.hypot(3, 3) == pytest.approx(4.24, abs=0.01)
    assert len(by_name) >= 6


def test_the_shifted_seven_unshifted_then_a_slider_move(y_test):
    at = run_page(lim_dx="0")
    assert not at.error
    shown = metrics(at)
    assert shown["switched on by the shift"] == "0" and shown["switched off by the shift"] == "0"
    assert shown["correlation r, original vs shifted"] == "1.00"
    assert "MLP says **7**" in markdown(at) and y_test[0] == 7
    curves = figure(at, "lim_curves")
    assert len(curves["data"]) == 6 + 2  # MLP and CNN × three directions, and the rings at (0, 0)
    for trace, name in ((0, "mlp"), (3, "cnn")):  # unshifted: Keras's own accuracy on those images
        assert values(curves["data"][trace]["y"])[0] == pytest.approx(keras_accuracy_on_curve_images(name), abs=1e-9)
    before = values(figure(at, "lim_probabilities")["data"][1]["y"])

    at.slider(key="lim_dx").set_value(5).run()
    assert not at.exception
    moved = metrics(at)
    assert int(moved["switched on by the shift"]) + int(moved["switched off by the shift"]) > 20
    assert float(moved["correlation r, original vs shifted"]) < 0.9
    after = values(figure(at, "lim_probabilities")["data"][1]["y"])
    assert not np.allclose(after, before) and after.sum() == pytest.approx(1.0, abs=1e-5)
    assert "shifted by (5, 0)" in json.dumps(figure(at, "lim_digits")["layout"]["annotations"])


def test_choosing_by_class_shows_that_image(y_test):
    at = run_page(lim_pick="class", lim_digit="5", lim_nth="3")
    assert not at.error
    index = int(np.flatnonzero(y_test == 5)[3])
    assert f"test image {index} (a 5)" in json.dumps(figure(at, "lim_digits")["layout"]["annotations"])


def test_asking_for_more_images_of_a_class_than_exist_is_an_error_and_the_page_goes_on():
    at = run_page(lim_pick="class", lim_digit="5", lim_nth="1500")
    assert [e.value for e in at.error] == ["There are 892 test images of a 5: choose an occurrence from 0 to 891."]
    assert at.slider(key="lim_dx").value == 5  # the controls are still there
    at.number_input(key="lim_nth").set_value(891).run()
    assert not at.error and not at.exception


def test_pixel_shuffling_shows_the_measured_accuracies():
    at = run_page("Pixel shuffling")
    assert not at.error
    manifest = read_manifest()
    shown = metrics(at)
    for label, name in (("MLP, original pixels", "mlp"), ("MLP, shuffled pixels", "mlp_shuffled"),
                        ("CNN, original pixels", "cnn"), ("CNN, shuffled pixels", "cnn_shuffled")):
        assert float(shown[label].rstrip("%")) == pytest.approx(manifest[name]["test_accuracy"] * 100, abs=0.02)
    # The sentences' numbers, from the accuracies the shipped models were measured at (k / 10,000).
    change = {model: (manifest[f"{model}_shuffled"]["test_accuracy"] - manifest[model]["test_accuracy"]) * 100
              for model in ("mlp", "cnn")}
    assert abs(change["mlp"]) < abs(change["cnn"])  # the lecture's point, as measured
    versus = "falls below" if manifest["cnn_shuffled"]["test_accuracy"] < manifest["mlp"]["test_accuracy"] else "stays above"
    assert f"The MLP on shuffled pixels lands within {abs(change['mlp']):.2f} percentage points" in markdown(at)
    assert f"The CNN changes by {change['cnn']:+.2f} points and {versus} the MLP" in markdown(at)
    assert f"default_rng({SHUFFLE_SEED}).permutation(784)" in at.code[0].value
    renamed = next(m.value for m in at.markdown if m.value.startswith("**The same network, renamed.**"))
    original = manifest["mlp"]["test_accuracy"]
    updates = math.ceil(MNIST_TRAIN_SIZE * 0.9 / manifest["mlp_shuffled"]["batch_size"]) * manifest["mlp_shuffled"]["epochs"]
    assert f"{original:.2%} against {original:.2%}" in renamed and f"over {updates:,} updates" in renamed
    digits = figure(at, "lim_shuffle_digits")["data"]
    original, shuffled = values(digits[0]["z"]), values(digits[1]["z"])
    assert sorted(original.ravel()) == sorted(shuffled.ravel()) and not np.array_equal(original, shuffled)


def test_parameter_explosion_default_is_the_lectures_example():
    at = run_page("Parameter explosion")
    assert metrics(at) == {
        "dense layer parameters": "15,360,512",
        "memory at float32 (4 bytes each)": "61.44 MB",
        "conv layer parameters": "896",
        "dense ÷ one conv layer": "17,143×",
    }
    assert "15,360,000 weights + 512 biases" in markdown(at)
    # One conv layer's count does not depend on the image; the Flatten + Dense head after it does.
    _, head = lim.conv_with_head_params(100, 100, 3, 3, 32)
    assert f"**{head.total:,} parameters** in the head" in markdown(at) and head.total == 98 * 98 * 32 * 10 + 10
    assert f"**8,010 of its {read_manifest()['cnn']['params']:,} parameters** (63%)" in markdown(at)
    at.number_input(key="lim_height").set_value(2).run()  # smaller than the 3×3 kernel: a sentence, the rest stays
    assert [e.value for e in at.error] == ["A 3×3 kernel does not fit in a 2×100 image."]
    assert metrics(at)["dense layer parameters"] == f"{2 * 100 * 3 * 512 + 512:,}"
    assert any("quadratic" in info.value and "exponential" in info.value for info in at.info)


def test_parameter_explosion_for_a_million_by_a_million_image_is_shown_in_scientific_notation():
    at = run_page("Parameter explosion", lim_height="1000000", lim_width="1000000")
    assert not at.error
    shown = metrics(at)
    assert shown["dense layer parameters"] == "1.536 × 10¹⁵"
    assert shown["memory at float32 (4 bytes each)"] == "6.144 × 10⁹ MB ≈ 6.1 PB"


def test_a_first_look_at_cnns_shows_both_parameter_counts():
    at = run_page("A first look at CNNs")
    shown = metrics(at)
    assert shown["MLP parameters"] == "109,386" and shown["CNN parameters"] == "12,810"
    assert "8.5× fewer parameters" in markdown(at)
    assert [code.value.split("(")[0] for code in at.code] == ["def _build_mlp", "def _build_cnn"]


def test_the_parameter_calculator_opens_without_tensorflow():
    code = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({PAGE!r}, default_timeout=60)\n"
        "at.query_params['lim_tab'] = 'Parameter explosion'\n"
        "at.run()\n"
        "assert not at.exception, at.exception\n"
        "assert at.metric[0].value == '15,360,512'\n"
        "heavy = sorted(m for m in ('tensorflow', 'keras') if m in sys.modules)\n"
        "print(heavy); sys.exit(1 if heavy else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
