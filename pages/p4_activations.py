"""Section 4: activation functions, their derivatives and saturation, softmax, and why non-linearity matters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from annviz.activations import (
    ACTIVATIONS,
    DEFAULT_LOGITS,
    LECTURE_TABLE_Z,
    keras_activation_values,
    softmax,
)
from annviz.inputs import format_vector, parse_vector
from pages._exercises import check_yourself
from pages._figures import activations_view, softmax_view, stacked_layers_view
from pages._serving import keras_job
from pages._lecture import on_screen
from pages._ui import formatted_columns, page_header, shown_as_error

TABLE_ACTIVATIONS = ("relu", "sigmoid")

page_header(
    "4 · Activation functions",
    "Without an activation, a network is just one big linear function, however many layers it has. "
    "The activation adds the **non-linearity**. **Sigmoid** and **tanh** saturate: for large |z| their "
    "gradient is almost 0, so learning stalls in deep networks (**vanishing gradient**). **ReLU** keeps "
    "a gradient of 1 for z > 0 and is the default for hidden layers; **softmax** turns the output "
    "layer's scores into probabilities that sum to 1.", page="activations",
)



@st.fragment
def curves() -> None:
    """The activation curves: a change here reruns only this part of the page."""
    c1, c2 = st.columns([3, 1])
    shown = c1.multiselect(
        "Activations", list(ACTIVATIONS), default=["sigmoid", "tanh", "relu"],
        format_func=lambda name: ACTIVATIONS[name].label, key="act_shown", bind="query-params",
    )
    reach = c2.slider("z from −r to r", 1.0, 20.0, 6.0, 0.5, key="act_range", bind="query-params")
    with shown_as_error():
        st.plotly_chart(on_screen(activations_view(tuple(shown), float(reach))), key="act_curves")
        for name in shown:
            st.markdown(f"- **{ACTIVATIONS[name].label}**: {ACTIVATIONS[name].note}")


@st.fragment
def softmax_part() -> None:
    c1, c2 = st.columns([3, 2])
    logits_text = c1.text_input("Logits z (one per class)", format_vector(DEFAULT_LOGITS), key="act_logits", bind="query-params")
    temperature = c2.slider("Temperature T", 0.1, 10.0, 1.0, 0.1, key="act_temperature", bind="query-params")
    with shown_as_error():
        logits = parse_vector(logits_text, name="the list of logits", max_length=20)
        softmax(logits, temperature=temperature)  # a bad temperature is a sentence here, before the figure
        st.plotly_chart(on_screen(softmax_view(tuple(map(float, logits)), float(temperature))), key="act_softmax")
        st.caption(
            "T = 1 is the softmax of the lecture and of Keras (`keras.activations.softmax` has no temperature). "
            "The temperature divides the logits by T before softmax, to show that the scores' scale matters: "
            "T > 1 flattens the distribution, T < 1 sharpens it; the largest logit always keeps the largest probability."
        )


@st.fragment
def lecture_table() -> None:
    z = np.array(LECTURE_TABLE_Z)
    table = pd.DataFrame({"z": z})
    for name in TABLE_ACTIVATIONS:
        table[f"{ACTIVATIONS[name].label} (annviz)"] = ACTIVATIONS[name].value(z)
    if st.button("Compute it with TensorFlow too", icon=":material/memory:", key="act_tf_table"):
        with shown_as_error():
            largest = 0.0
            for name in TABLE_ACTIVATIONS:
                tf_values = keras_job(keras_activation_values, name, z, spinner="Asking keras.activations…")
                table[f"{ACTIVATIONS[name].label} (TensorFlow)"] = tf_values
                largest = max(largest, float(np.max(np.abs(tf_values - ACTIVATIONS[name].value(z)))))
            st.success(f"TensorFlow and annviz agree: the largest difference is {largest:.1g} (TensorFlow uses float32).")
    st.dataframe(table, hide_index=True, key="act_table", column_config=formatted_columns(list(table.columns), "%.3f"))


@st.fragment
def stacked_layers() -> None:
    c1, c2, c3 = st.columns(3)
    units = c1.slider("Hidden neurons h", 1, 16, 4, key="act_stack_units", bind="query-params")
    non_linear = [name for name in ACTIVATIONS if name != "linear"]
    between = c2.selectbox("Activation between the layers", non_linear, index=non_linear.index("relu"),
                           format_func=lambda name: ACTIVATIONS[name].label, key="act_stack_between", bind="query-params")
    seed = c3.number_input("Seed of the weights", 0, 10_000, 0, key="act_stack_seed", bind="query-params")
    with shown_as_error():
        demo, stack_figure = stacked_layers_view(int(units), int(seed), between)
        st.plotly_chart(on_screen(stack_figure), key="act_stack")
        st.markdown(
            f"Two linear layers give a straight line, exactly the one layer with W = W₁W₂ = {demo.W[0, 0]:.4g} and "
            f"b = b₁W₂ + b₂ = {demo.b[0]:.4g}. With {ACTIVATIONS[between].label} in between, the line bends."
        )


# Each section in a keyed container, so a lecture step can show one of them at the top of the screen.
with st.container(key="act_functions"):
    curves()
with st.container(key="act_softmax_section"):
    st.subheader("Softmax: scores into probabilities")
    softmax_part()
with st.container(key="act_lecture_table"):
    st.subheader("The lecture's table, computed twice")
    lecture_table()
with st.container(key="act_nonlinearity"):
    st.subheader("Why we need the non-linearity: stacked linear layers collapse")
    stacked_layers()

with st.expander("The formulas and the Keras code"):
    for name in ACTIVATIONS:
        entry = ACTIVATIONS[name]
        st.latex(rf"{entry.formula}, \qquad {entry.derivative_formula}")
    st.latex(r"\mathrm{softmax}(z)_i = \frac{e^{z_i / T}}{\sum_j e^{z_j / T}}")
    st.latex(r"(XW_1 + b_1)W_2 + b_2 = X\,\underbrace{W_1 W_2}_{W} + \underbrace{b_1 W_2 + b_2}_{b}")
    st.code(
        "import keras\n\n"
        "keras.activations.relu([-2, -0.5, 0, 1, 2])     # [0, 0, 0, 1, 2]\n"
        "keras.activations.sigmoid([-2, -0.5, 0, 1, 2])  # [0.119, 0.378, 0.5, 0.731, 0.881]\n"
        "keras.layers.Dense(64, activation='relu')       # activation by name\n"
        "keras.layers.Dense(10, activation='softmax')    # output layer for 10 classes",
        language="python",
    )


check_yourself(section=4)
