"""Section 7: draw a digit (or upload a photo), prepare it the way MNIST was made, ask a model."""

from __future__ import annotations

import hashlib
import inspect

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from annviz import digit_plots
from annviz.digits import MAX_UPLOAD_BYTES, as_probabilities, inputs_for_model, prepare_digit
from annviz.numpy_mlp import mlp_probabilities
from annviz.pretrained import PRETRAINED, model_inputs, read_manifest
from annviz.runs import kept_models
from annviz.small_cnn import cnn_probabilities
from pages._figures import example_digit, prepared_drawing, prepared_upload, shipped_cnn, shipped_mlp
from pages._trained import choose_own_run, collect_runs
from pages._lecture import on_screen
from pages._ui import page_header, shown_as_error

TABS = ("Draw", "Upload a photo")
#: The shipped models a student can ask: radio label → name in ``annviz.pretrained.PRETRAINED``.
SHIPPED_MODELS = {"Lecture MLP (shipped)": "mlp", "Small CNN (shipped)": "cnn"}
TRAINED_CHOICE = "Your model from the MNIST page"
#: The canvas: 10× MNIST's 28 px, white pen on black like MNIST; the pen is as thick relative to
#: a digit drawn across the canvas as MNIST's strokes are in the 20 px box (about 2 px).
CANVAS_SIDE, PEN_WIDTH = 280, 22
#: The lecture's example shown while nothing is drawn: MNIST test image 0, a 7.
EXAMPLE_INDEX = 0

page_header(
    "7 · Draw a digit",
    "The MLP has only ever seen MNIST digits, and MNIST digits were all made the same way: "
    "**white ink on black, scaled into a 20×20 box, centred by their centre of mass in a 28×28 "
    "image**. Draw a digit (or upload a photo of one on paper), see the 784 pixels the network "
    "actually receives, and what it answers.", page="draw",
)


def ask_model(choice: str, image: np.ndarray, own: tuple[object, str] | None) -> tuple[np.ndarray, str]:
    """The chosen model's ten probabilities for one 28×28 digit, and a sentence naming the model.

    ``own`` is the session's chosen run's model and its label (``pages._trained.choose_own_run``)."""
    if choice == TRAINED_CHOICE and own is not None:
        model, label = own
        outputs = model.probabilities(inputs_for_model(model.input_shape, image[None]))
        name = f"your model ({label})"
    else:
        key = SHIPPED_MODELS[choice]
        # Both shipped models run in NumPy here, from their weights (tests hold them to Keras's predict).
        if PRETRAINED[key].input_kind == "flat":
            outputs = mlp_probabilities(shipped_mlp(key), model_inputs(key, image[None]))
        else:
            outputs = cnn_probabilities(shipped_cnn(key), model_inputs(key, image[None]))
        accuracy = read_manifest()[key]["test_accuracy"]
        name = f"the shipped {PRETRAINED[key].title} (test accuracy {accuracy:.2%})"
    probabilities, softmax_applied = as_probabilities(np.asarray(outputs)[0])
    if softmax_applied:
        name += "; its outputs are not probabilities, so softmax was applied to them"
    return probabilities, name


@st.fragment
def drawing_and_answer() -> None:
    """The canvas or photo, its preparation and the model's answer: a stroke reruns this part only."""
    input_column, answer_column = st.columns([1, 1.4], gap="large")
    with input_column:
        draw_tab, upload_tab = st.tabs(TABS, key="draw_source", bind="query-params")
        # Both tabs are always rendered, so switching keeps the drawing and the upload.
        with draw_tab:
            st.space("small")  # room for the canvas's toolbar, which sits above it
            canvas = st_canvas(
                stroke_width=PEN_WIDTH, stroke_color="#FFFFFF", background_color="#000000",
                width=CANVAS_SIDE, height=CANVAS_SIDE, drawing_mode="freedraw",
                return_image_data=True, key="draw_canvas",
            )
            st.caption("Draw one digit, large, filling most of the square. The toolbar above it undoes a stroke or clears the canvas.")
        with upload_tab:
            upload = st.file_uploader(
                "A photo of one digit on paper (PNG or JPEG)", type=["png", "jpg", "jpeg"], key="draw_upload",
                max_upload_size=MAX_UPLOAD_BYTES // 2**20,
            )
            st.caption("A thick dark pen on plain white paper works best; crop the photo to the digit and its paper.")

    steps = None
    with input_column, shown_as_error():
        if upload_tab.open:
            if upload is None:
                st.info("Upload a photo of a digit to see what the model makes of it.", icon=":material/upload:")
            else:
                steps = prepared_upload(upload.getvalue())
        elif canvas.json_data and canvas.json_data.get("objects") and canvas.image_data is not None:
            digest = hashlib.blake2b(canvas.image_data.tobytes(), digest_size=16).hexdigest()
            steps, steps_figure = prepared_drawing(digest, canvas.image_data)
        else:
            st.info("Draw a digit in the black square: hold the mouse button (or a finger) down.", icon=":material/draw:")

    with answer_column:
        has_own = bool(kept_models(collect_runs()))
        choices = list(SHIPPED_MODELS) + ([TRAINED_CHOICE] if has_own else [])
        choice = st.radio("Which model answers", choices, horizontal=True, key="draw_model", bind="query-params")
        run = choose_own_run("draw_run") if choice == TRAINED_CHOICE else None
        own = None if run is None else (run.model, run.label)
        if steps is None:
            st.markdown(
                f"**Nothing to read yet.** Below, MNIST test image {EXAMPLE_INDEX} (a 7), enlarged to the "
                f"canvas's {CANVAS_SIDE}×{CANVAS_SIDE}, goes through the same steps your drawing will."
            )
        else:
            with shown_as_error():  # a missing model file, a session model of another shape: a sentence
                probabilities, model_name = ask_model(choice, steps.image, own)
                top = int(probabilities.argmax())
                st.markdown(f"Answer: **{top}**, with probability **{probabilities[top]:.1%}**, from {model_name}.")
                st.plotly_chart(
                    on_screen(digit_plots.probability_bars_figure(probabilities, title="Probability of each class (softmax output)")),
                    key="draw_probabilities", config={"displayModeBar": False},
                )

    if steps is None:
        prepared, steps_figure = example_digit(EXAMPLE_INDEX)
    elif upload_tab.open:
        prepared, steps_figure = steps, digit_plots.preparation_figure(steps)
    else:
        prepared = steps
    st.plotly_chart(on_screen(steps_figure), key="draw_steps", config={"displayModeBar": False})
    row, column = prepared.centre_of_mass
    st.caption(
        f"Ink box {prepared.box[3] - prepared.box[1]}×{prepared.box[2] - prepared.box[0]} px → scaled to "
        f"{prepared.scaled.shape[1]}×{prepared.scaled.shape[0]}; centre of mass moved to row {row + prepared.offset[0]:.2f}, "
        f"column {column + prepared.offset[1]:.2f} (MNIST: within half a pixel of 14, 14)."
        + (" The digit sits so far off its centre of mass that it was kept whole instead." if prepared.clamped else "")
    )


drawing_and_answer()

with st.expander("How MNIST was made, and the same steps in code"):
    st.markdown(
        "LeCun, Cortes and Burges normalised each NIST digit to fit a 20×20 box keeping its aspect "
        "ratio (anti-aliasing made the edges grey), then placed it in 28×28 so that its **centre of "
        "mass** lands on the centre:"
    )
    st.latex(r"\bar r = \frac{\sum_{r,c} r\,I(r,c)}{\sum_{r,c} I(r,c)},\qquad "
             r"\bar c = \frac{\sum_{r,c} c\,I(r,c)}{\sum_{r,c} I(r,c)},\qquad "
             r"\text{shift} = \operatorname{round}\big((14, 14) - (\bar r, \bar c)\big)")
    st.markdown("annviz's version, step by step (`annviz/digits.py`):")
    st.code(inspect.getsource(prepare_digit), language="python")
    st.markdown("Then the lecture's preprocessing and prediction:")
    st.code(
        "x = steps.image.reshape(1, 784).astype('float32') / 255   # 28×28 → 784 numbers in [0, 1]\n"
        "probabilities = model.predict(x)[0]                         # ten numbers that sum to 1\n"
        "digit = int(np.argmax(probabilities))",
        language="python",
    )
