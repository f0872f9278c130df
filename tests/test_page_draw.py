"""The draw-a-digit page through AppTest: hint when empty, answers for a drawing, an upload and each model."""

from __future__ import annotations

import base64
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from annviz.mnist import load_mnist

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "p7_draw.py")
TIMEOUT = 180  # the first answer imports TensorFlow and loads a model


def png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def canvas_state(rgba: np.ndarray) -> dict:
    """What streamlit-drawable-canvas 0.13 keeps in session state after a stroke (with return_image_data)."""
    url = "data:image/png;base64," + base64.b64encode(png(rgba)).decode()
    return {"drawing": {"raw": {"objects": [{"type": "path"}], "background": "#000000"}, "data": url}, "backgroundFit": None}


def drawn_one() -> np.ndarray:
    """A "1" as the canvas sends it: an opaque 280×280 RGBA PNG, white stroke on black."""
    rgba = np.zeros((280, 280, 4), dtype=np.uint8)
    rgba[..., 3] = 255
    rgba[40:240, 130:152, :3] = 255
    return rgba


def answer(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("Answer:"))


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


@pytest.fixture(scope="module")
def mnist_two() -> np.ndarray:
    """MNIST test image 1 (a 2) as a photo would show it: dark ink on white, enlarged 8×."""
    _, (x_test, y_test) = load_mnist()
    assert y_test[1] == 2
    return 255 - np.kron(x_test[1], np.ones((8, 8), dtype=np.uint8))


def test_an_empty_canvas_shows_a_hint_and_the_example_without_loading_tensorflow():
    code = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({PAGE!r}, default_timeout=60).run()\n"
        "assert not at.exception and not at.error, [e.value for e in at.exception] + [e.value for e in at.error]\n"
        "hints = [i.value for i in at.info]\n"
        "assert any('Draw a digit in the black square' in h for h in hints), hints\n"
        "assert not any(m.value.startswith('Answer:') for m in at.markdown)\n"
        "assert [r.options for r in at.radio] == [['Lecture MLP (shipped)', 'Small CNN (shipped)']]\n"
        "charts = [e for e in at.main if getattr(e, 'type', '') == 'plotly_chart']\n"
        "assert len(charts) == 1, 'the example 7 going through the steps'\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "[]", "the empty page imported Keras"


def test_a_drawing_is_answered_by_the_mlp_then_the_cnn():
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["draw_canvas"] = canvas_state(drawn_one())
    at.run()
    assert_clean(at)
    assert answer(at).startswith("Answer: **1**") and "Lecture MLP 784-128-64-10 (test accuracy 97.48%)" in answer(at)
    assert sum(getattr(e, "type", "") == "plotly_chart" for e in at.main) == 2  # the bars and the steps

    at.radio(key="draw_model").set_value("Small CNN (shipped)").run()
    assert_clean(at)
    assert answer(at).startswith("Answer: **1**") and "Small CNN" in answer(at)


def test_an_upload_is_read_and_a_bad_one_is_a_sentence_that_loses_nothing(mnist_two):
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.query_params["draw_source"] = "Upload a photo"
    at.session_state["draw_canvas"] = drawing = canvas_state(drawn_one())
    at.run()
    assert_clean(at)
    assert any("Upload a photo of a digit" in i.value for i in at.info)

    at.file_uploader(key="draw_upload").set_value(("two.png", png(mnist_two), "image/png")).run()
    assert_clean(at)
    assert answer(at).startswith("Answer: **2**")

    for name, data, words in (
        ("notes.png", b"these are lecture notes", "not an image"),
        ("huge.jpg", b"\xff\xd8\xff" + bytes(21 * 2**20), "the limit is 20 MB"),
    ):
        at.file_uploader(key="draw_upload").set_value((name, data, "image/png")).run()
        assert not at.exception, [e.value for e in at.exception]
        assert [e.value for e in at.error] and words in at.error[0].value
        assert at.session_state["draw_canvas"] == drawing  # the drawing is still there
        assert at.radio(key="draw_model").value == "Lecture MLP (shipped)"
        assert sum(getattr(e, "type", "") == "plotly_chart" for e in at.main) == 1  # the steps, of the example


def test_the_sessions_trained_model_can_answer_and_is_named():
    import keras

    from annviz.numpy_mlp import dense_layers, DenseLayer
    from annviz.serving import TrainedMLP

    # What a training process hands back: the weights in NumPy. One without softmax, one of another input size.
    logits_model = TrainedMLP(dense_layers(keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10)])))
    odd_model = TrainedMLP((DenseLayer(np.zeros((3072, 10), np.float32), np.zeros(10, np.float32), "linear"),))

    from annviz.runs import KeptRun
    from annviz.training_config import TrainingConfig

    def kept(number, model, label):  # a run the MNIST page keeps
        return KeptRun(number, TrainingConfig(seed=number), "completed", "", model=model, label=label)

    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["draw_canvas"] = canvas_state(drawn_one())
    at.session_state["mnist_runs"] = (kept(1, logits_model, "784-10, 1 epoch on 500 images"),)
    at.run()
    assert at.radio(key="draw_model").options[-1] == "Your model from the MNIST page"
    at.radio(key="draw_model").set_value("Your model from the MNIST page").run()
    assert_clean(at)
    sentence = answer(at)
    assert "your model (784-10, 1 epoch on 500 images)" in sentence and "softmax was applied" in sentence

    # A second run: the newest is chosen first; the older stays one pick away.
    at.session_state["mnist_runs"] = (*at.session_state["mnist_runs"], kept(2, odd_model, "3072-10"))
    at.run()
    assert not at.exception
    assert at.selectbox(key="draw_run").options[0].startswith("Run 2")
    assert "784 pixels or a 28×28 image" in at.error[0].value
    at.selectbox(key="draw_run").set_value(1).run()
    assert_clean(at)
    assert "your model (784-10, 1 epoch on 500 images)" in answer(at)
