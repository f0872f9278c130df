"""Section 3: layers and parameters: build a dense network, count its parameters, see its Keras code."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from annviz.architecture import (
    MAX_BUILD_PARAMS,
    MAX_UNITS,
    PRESETS,
    TASKS,
    ModelSpec,
    count_model_params,
    format_hidden_layers,
    keras_model_code,
    layer_param_rows,
    param_formula_latex,
    parse_hidden_layers,
)
from annviz import mnist_plots
from annviz.runs import kept_models
from annviz.serving import keras_param_count
from pages._exercises import check_yourself
from pages._figures import network_view, never_inked_pixels, shipped_mlp
from pages._serving import keras_job
from pages._trained import RUNS_KEY
from pages._lecture import lecture_on, on_screen
from pages._ui import page_header, shown_as_error

DEFAULT = PRESETS["MNIST MLP 784-128-64-10 (109,386)"].spec

page_header(
    "3 · Layers and parameters",
    "A dense layer connects every input to every neuron: **inputs × neurons** weights plus one "
    "**bias per neuron**. The output layer follows the task: **1 sigmoid** neuron for binary "
    "classification, **K softmax** neurons for K classes, **1 linear** neuron for regression. "
    "Parameters add up fast: the lecture's MNIST MLP has 109,386, and one Dense(512) on a "
    "100×100×3 image already has 15,360,512.", page="layers",
)


def load_preset() -> None:
    """Copy the chosen preset into the builder's widgets (and so into the URL)."""
    preset = PRESETS.get(st.session_state.layers_preset)
    if preset is None:
        return
    st.session_state.layers_input = preset.spec.input_size
    st.session_state.layers_hidden = format_hidden_layers(preset.spec.hidden)
    st.session_state.layers_task = preset.spec.task
    st.session_state.layers_classes = preset.spec.n_classes


@st.fragment
def builder() -> None:
    """The network builder: a change here reruns only this part of the page, not the header."""
    st.selectbox(
        "Lecture presets", list(PRESETS), index=None, placeholder="Load one of the lecture's networks…",
        key="layers_preset", on_change=load_preset,
    )
    c1, c2, c3, c4 = st.columns([1, 2, 2, 1])
    input_size = c1.number_input("Input size", 1, MAX_UNITS, DEFAULT.input_size, key="layers_input", bind="query-params")
    hidden_text = c2.text_input(
        "Hidden layers (units activation, …)", format_hidden_layers(DEFAULT.hidden), key="layers_hidden",
        bind="query-params", help="e.g. 128 relu, 64 relu; leave empty for no hidden layer.",
    )
    task = c3.selectbox(
        "Task (fixes the output layer)", list(TASKS), index=list(TASKS).index(DEFAULT.task),
        format_func=lambda name: TASKS[name].label, key="layers_task", bind="query-params",
    )
    n_classes = c4.number_input(
        "Classes K (or the layer's neurons)", 1, 100_000, DEFAULT.n_classes, key="layers_classes", bind="query-params",
        disabled=task not in ("multiclass", "layer")
    )

    with shown_as_error():
        spec = ModelSpec(int(input_size), parse_hidden_layers(hidden_text), task=task, n_classes=int(n_classes))
        rows = layer_param_rows(spec)
        total = count_model_params(spec)

        # The numbers first: on a 1280×720 projector they sit above the drawing, in view.
        m1, m2, m3, m4 = st.columns([1.1, 1.1, 1, 1])
        m1.container(key="layers_total").metric("Total parameters", f"{total:,}")
        m2.container(key="layers_first").metric("First layer", f"{rows[0]['params']:,}")
        size = f"{total * 4 / 1e9:,.1f} GB" if total * 4 >= 1e9 else f"{total * 4 / 1e6:,.2f} MB"
        m3.metric("Memory (float32)", size)
        m4.metric("Output layer", f"{spec.output.units:,} · {spec.output.activation}")
        st.plotly_chart(
            on_screen(network_view(tuple(spec.sizes), tuple(layer.activation for layer in spec.layers), False,
                                   300 if lecture_on() else 380)),
            key="layers_network",
        )
        st.caption(
            f"Loss for this task: `{spec.loss}`." if spec.loss else
            "No loss: a bare layer, as on the slide. A loss comes with a task (binary, K classes, regression)."
        )
        st.latex(param_formula_latex(spec))
        st.dataframe(
            pd.DataFrame(
                {
                    "layer": [r["layer"] for r in rows],
                    "activation": [r["activation"] for r in rows],
                    "inputs × neurons + neurons": [
                        f"{r['inputs']:,} × {r['neurons']:,} + {r['neurons']:,}" for r in rows
                    ],
                    "weights": [f"{r['weights']:,}" for r in rows],
                    "biases": [f"{r['biases']:,}" for r in rows],
                    "parameters": [f"{r['params']:,}" for r in rows],
                }
            ),
            hide_index=True,
            key="layers_table",
        )

        buildable = total <= MAX_BUILD_PARAMS
        if st.button(
            "Confirm with Keras count_params()", icon=":material/verified:", key="layers_count_params",
            help=None if buildable else f"Models above {MAX_BUILD_PARAMS:,} parameters are counted, never built.",
        ):
            # The Keras worker builds it (and refuses oversized models with a sentence).
            keras_total = keras_job(keras_param_count, spec, spinner="Building it with Keras…")
            verdict = "matches" if keras_total == total else "DOES NOT match"
            st.success(f"Keras built the model: `model.count_params()` = {keras_total:,}, which {verdict} {total:,}.")

        with st.expander("The formula and the Keras code"):
            st.latex(r"\text{params of a Dense layer} = n_{\text{in}} \times n_{\text{out}} + n_{\text{out}}")
            st.code(
                "import keras\n\n"
                + keras_model_code(spec)
                + (f"\nmodel.compile(optimizer='adam', loss='{spec.loss}')" if spec.loss else "")
                + f"\nmodel.summary()  # Total params: {total:,}",
                language="python",
            )


builder()


#: The first-layer neurons drawn: the first 16 of the 128 (no cherry-picking).
SHOWN_NEURONS = tuple(range(16))


@st.fragment
def first_layer_features() -> None:
    """What a trained first layer holds: a run picked here reruns this part only."""
    st.subheader("Each layer learns a representation: the first layer's weights")
    st.markdown(
        "Each of the 128 neurons of the MNIST MLP's first layer has 784 weights, one per pixel. Drawn as a "
        "28×28 image, a neuron's weights show which ink excites it (red) and which inhibits it (blue): the "
        "pattern it looks for. Its output is one number of the **feature representation** the next layer reads."
    )
    runs = kept_models(st.session_state.get(RUNS_KEY, ()))
    choices = {"shipped": "the shipped lecture MLP", **{f"run {run.number}": f"your run {run.number} ({run.label})"
                                                         for run in runs}}
    choice = st.radio("Whose weights", list(choices), format_func=choices.get, horizontal=True, key="layers_weights_of") \
        if len(choices) > 1 else "shipped"
    with shown_as_error():
        if choice == "shipped":
            kernel = shipped_mlp("mlp")[0].kernel
        else:
            kernel = next(run for run in runs if f"run {run.number}" == choice).model.layers[0].kernel
        st.plotly_chart(
            on_screen(mnist_plots.first_layer_weights_figure(
                kernel, SHOWN_NEURONS[: kernel.shape[1]], title=f"First-layer weights of neurons 0–{min(16, kernel.shape[1]) - 1}, "
                f"{choices[choice]}")),
            key="layers_first_weights", config={"displayModeBar": False},
        )
        if choice == "shipped":
            untouched = never_inked_pixels()
            st.caption(
                f"{untouched} of the 784 pixels are 0 in every image the model learnt from (near the border): their "
                "weights never got a gradient, so they kept the random values they started with."
            )


first_layer_features()


check_yourself(section=3)
