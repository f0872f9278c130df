"""Section 1: what an artificial neural network is: the biological analogy and a drawn 3-4-1 network."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from annviz.architecture import (
    count_model_params,
    keras_model_code,
    layer_param_rows,
    param_formula_latex,
    parse_layer_sizes,
    spec_from_sizes,
)
from annviz.formatting import format_count
from annviz.neuron import BIOLOGICAL_ANALOGY
from pages._exercises import check_yourself
from pages._figures import network_view
from pages._lecture import lecture_on, on_screen
from pages._ui import page_header, shown_as_error

page_header(
    "1 · What is an ANN?",
    "An **artificial neural network** is loosely inspired by the brain: neurons receive signals, "
    "weigh them, and fire when the weighted sum is large enough. An artificial neuron computes "
    "z = w·x + b and passes it through an **activation**; neurons are arranged in **layers**, and "
    "**learning** means adjusting the weights and biases, the network's **parameters**, to reduce a loss.", page="ann",
)

with st.container(key="ann_analogy"):
    st.subheader("From biology to maths")
    st.table(pd.DataFrame(BIOLOGICAL_ANALOGY, columns=["Biological neuron", "Artificial neuron", "What it does"]))

st.subheader("A network and its parameters")


@st.fragment
def network() -> None:
    """The network drawn from the layer sizes: a new size reruns only this part of the page."""
    sizes_column, total_column = st.columns([3, 1], vertical_alignment="bottom")
    sizes_text = sizes_column.text_input(
        "Layer sizes, input first", value="3-4-1", key="ann_layers", bind="query-params",
        help="e.g. 3-4-1 (the lecture's network) or 784-128-64-10 (the MNIST MLP).",
    )
    with shown_as_error():
        spec = spec_from_sizes(parse_layer_sizes(sizes_text))
        activations = [layer.activation for layer in spec.layers]
        total = count_model_params(spec)
        total_column.container(key="ann_params").metric("Parameters", format_count(total))
        # Drawn at the height it is shown (its neurons are sized to fit): shorter on a projector,
        # where the drawing and its Forward pass controls fit under the sizes and the count.
        height = 330 if lecture_on() else 420
        st.plotly_chart(on_screen(network_view(tuple(spec.sizes), tuple(activations), True, height)), key="ann_network")
        st.markdown(
            f"Every connection is one **weight**, every neuron after the input has one **bias**: "
            f"this network has **{format_count(total)} parameters**. Press *Forward pass* to follow the signal."
        )
        st.latex(param_formula_latex(spec))
        with st.expander("The formula and the Keras code"):
            st.latex(r"\text{params} = \sum_{\text{layers}} \big(\underbrace{n_{\text{in}} \times n_{\text{out}}}_{\text{weights}} + \underbrace{n_{\text{out}}}_{\text{biases}}\big)")
            # Counts as text: beyond 64 bits (a 10^12-unit layer squared) no integer column holds them.
            rows = [{name: format_count(v) if isinstance(v, int) else v for name, v in row.items()} for row in layer_param_rows(spec)]
            st.dataframe(pd.DataFrame(rows), hide_index=True, key="ann_rows")
            st.code("import keras\n\n" + keras_model_code(spec) + "\nmodel.summary()  # Total params: " + f"{total:,}", language="python")


network()


check_yourself(section=1)
