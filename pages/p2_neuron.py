"""Section 2: a single neuron, z = w·x + b and a = σ(z), step by step; then a whole layer as Z = XW + b."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from annviz.activations import ACTIVATIONS
from annviz.inputs import format_vector, parse_vector
from annviz.neuron import (
    LECTURE_NEURON,
    MAX_NEURON_INPUTS,
    batch_with_neuron,
    keras_dense_output,
    layer_forward,
    neuron_derivation_latex,
    neuron_output,
)
from pages._exercises import check_yourself
from pages._figures import neuron_views
from pages._serving import keras_job
from pages._lecture import on_screen
from pages._ui import formatted_columns, page_header, shown_as_error

page_header(
    "2 · A single neuron",
    "A neuron multiplies each input by its weight, adds them up with a bias, and passes the sum "
    "through an activation: **z = w₁x₁ + … + wₙxₙ + b**, **a = σ(z)**. The lecture's example: "
    "x = [2, −1, 3], w = [0.5, −0.6, 0.8], b = 0.2 with ReLU gives z = 4.2 and a = 4.2.", page="neuron",
)



@st.fragment
def single_neuron() -> None:
    """The neuron and its inputs; a change here reruns this part (and the layer below it) only."""
    left, right = st.columns([2, 3])
    with left:
        x_text = st.text_input(
            f"Inputs x (1 to {MAX_NEURON_INPUTS})", value=format_vector(LECTURE_NEURON["x"]), key="neuron_x", bind="query-params"
        )
        w_text = st.text_input(
            "Weights w (one per input)", value=format_vector(LECTURE_NEURON["w"]), key="neuron_w", bind="query-params"
        )
        b = st.number_input("Bias b", value=LECTURE_NEURON["b"], step=0.1, format="%.4g", key="neuron_b", bind="query-params")
        activation = st.selectbox(
            "Activation σ", list(ACTIVATIONS), index=list(ACTIVATIONS).index(LECTURE_NEURON["activation"]),
            format_func=lambda name: ACTIVATIONS[name].label, key="neuron_activation", bind="query-params",
        )

    result = None
    with right, shown_as_error():
        x = parse_vector(x_text, name="the input vector x", max_length=MAX_NEURON_INPUTS)
        w = parse_vector(w_text, name="the weight vector w", max_length=MAX_NEURON_INPUTS)
        result = neuron_output(x, w, b, activation)
        drawing, point = neuron_views(tuple(map(float, x)), tuple(map(float, w)), float(b), activation)
        st.plotly_chart(on_screen(drawing), key="neuron_drawing")

    if result is not None:
        derivation, curve = st.columns([3, 2])
        with derivation:
            st.markdown("**Step by step, with your numbers**")
            for line in neuron_derivation_latex(result):
                st.latex(line)
        with curve:
            st.plotly_chart(on_screen(point), key="neuron_curve")
        whole_layer(x, w, float(b), activation)

    with st.expander("The formula and the Keras code"):
        st.latex(r"z = \sum_{i=1}^{n} w_i x_i + b = \mathbf{w}^\top \mathbf{x} + b, \qquad a = \sigma(z)")
        st.latex(r"Z = XW + \mathbf{b}, \quad A = \sigma(Z), \qquad X \in \mathbb{R}^{m \times n},\ W \in \mathbb{R}^{n \times h},\ \mathbf{b} \in \mathbb{R}^{h}")
        st.code(
            "import keras, numpy as np\n\n"
            f"layer = keras.layers.Dense(h, activation='{ACTIVATIONS[activation].keras_name}')\n"
            "layer.build((None, n))\n"
            "layer.set_weights([W.astype('float32'), b.astype('float32')])  # W: (n, h), b: (h,)\n"
            "A = layer(X.astype('float32'))  # X: (m, n) -> A: (m, h)",
            language="python",
        )


@st.fragment
def whole_layer(x: np.ndarray, w: np.ndarray, b: float, activation: str) -> None:
    """Z = XW + b for m samples and h neurons: the sliders here rerun only this part."""
    st.subheader("A whole layer at once: Z = XW + b")
    st.markdown(
        "Stack m samples as the rows of **X** and h neurons as the columns of **W**: one matrix product "
        "computes every neuron for every sample. Sample 1 and neuron 1 are yours, so Z[1, 1] is your z."
    )
    c1, c2, c3 = st.columns(3)
    m = c1.slider("Samples m", 1, 8, 4, key="neuron_m", bind="query-params")
    h = c2.slider("Neurons h", 1, 6, 3, key="neuron_h", bind="query-params")
    seed = c3.number_input("Seed of the other numbers", 0, 10_000, 0, key="neuron_seed", bind="query-params")
    with shown_as_error():
        X, W, bias = batch_with_neuron(x, w, b, m=m, h=h, seed=int(seed))
        Z, A = layer_forward(X, W, bias, activation)
        n = X.shape[1]
        st.latex(
            rf"\underbrace{{Z}}_{{{m} \times {h}}} = \underbrace{{X}}_{{{m} \times {n}}}\,"
            rf"\underbrace{{W}}_{{{n} \times {h}}} + \underbrace{{b}}_{{1 \times {h}}}, \qquad "
            rf"A = {ACTIVATIONS[activation].symbol}(Z)\ \ ({m} \times {h})"
        )
        neurons = [f"neuron {j + 1}" for j in range(h)]
        samples = [f"sample {i + 1}" for i in range(m)]
        top_left, top_right = st.columns(2)
        bottom_left, bottom_right = st.columns(2)
        top_left.markdown(f"**X**: {m} samples × {n} inputs")
        top_left.dataframe(pd.DataFrame(X, index=samples, columns=[f"x{k + 1}" for k in range(n)]), key="neuron_X")
        top_right.markdown(f"**W**: {n} inputs × {h} neurons, and **b** ({h}) as the last row")
        top_right.dataframe(
            pd.DataFrame(np.vstack([W, bias]), index=[f"w from x{k + 1}" for k in range(n)] + ["b"], columns=neurons),
            key="neuron_W",
        )
        bottom_left.markdown(f"**Z = XW + b**: {m} × {h}")
        bottom_left.dataframe(pd.DataFrame(Z, index=samples, columns=neurons), key="neuron_Z",
                              column_config=formatted_columns(neurons, "%.4g"))
        bottom_right.markdown(f"**A = {ACTIVATIONS[activation].label}(Z)**: {m} × {h}")
        bottom_right.dataframe(pd.DataFrame(A, index=samples, columns=neurons), key="neuron_A",
                               column_config=formatted_columns(neurons, "%.4g"))

        if st.button("Check with Keras", icon=":material/verified:", key="neuron_keras_check"):
            keras_A = keras_job(keras_dense_output, X, W, bias, activation, spinner="Asking keras.layers.Dense…")
            difference = float(np.max(np.abs(keras_A - A)))
            st.success(
                f"`keras.layers.Dense({h}, activation='{ACTIVATIONS[activation].keras_name}')` with the same W and b "
                f"gives A[1, 1] = {keras_A[0, 0]:.6g}; the largest difference from the table above is "
                f"{difference:.2g} (Keras computes in float32).",
                icon=":material/check_circle:",
            )



single_neuron()


check_yourself(section=2)
