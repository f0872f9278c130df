"""Section 6: the Keras workflow. Four steps as a form, the program they make, and a way to run it."""

from __future__ import annotations

import streamlit as st

from annviz.keras_workflow import LECTURE_CODE_MAPPING, keras_workflow_code, workflow_steps
from pages._exercises import check_yourself
from pages._training_form import query_params_for, training_form
from pages._ui import page_header

MNIST_PAGE = "pages/p7_mnist.py"

page_header(
    "6 · The Keras workflow",
    "Every Keras model is made in four steps: **define** the layers, **compile** (choose the "
    "optimizer, the loss and the metrics), **fit** on the training data, then **evaluate** on "
    "unseen data and **predict**. Change any setting: the program below changes with it, and it is "
    "exactly what runs when you train it on the MNIST page.", page="keras-workflow",
)

config = training_form("workflow")

if config is not None:
    code_column, steps_column = st.columns([2, 1])
    with code_column:
        st.code(keras_workflow_code(config), language="python", line_numbers=True, wrap_lines=True)
    with steps_column:
        for number, (step, text) in enumerate(workflow_steps(config).items(), 1):
            st.container(key=f"workflow_step_{number}").markdown(f"**{step}**  \n{text}")
        if st.button("Train it on the MNIST page", key="workflow_train", type="primary", icon=":material/model_training:"):
            st.switch_page(MNIST_PAGE, query_params={**query_params_for("mnist", config), "mnist_tab": "Train and test"})

st.markdown(
    "**The lecture's code and this one.** The lecture writes TensorFlow 2's Keras; annviz writes Keras 3. "
    "Both build the same model. Lines marked *optional* or *speed only* in the program can be dropped "
    "without changing what is learnt (the seed makes two runs give the same weights; `steps_per_execution` "
    "only runs several batches per call)."
)
st.table({"lecture": [f"`{a}`" for a, _, _ in LECTURE_CODE_MAPPING], "annviz (Keras 3)": [f"`{b}`" for _, b, _ in LECTURE_CODE_MAPPING],
          "note": [note for _, _, note in LECTURE_CODE_MAPPING]})

with st.expander("What `fit` does with each batch"):
    st.markdown(
        "For every batch of `batch_size` images: the network computes its probabilities (forward "
        "pass), the loss measures how wrong they are, backpropagation gives the gradient of the "
        "loss with respect to every weight, and the optimizer moves each weight against it:"
    )
    st.latex(
        r"L = -\frac{1}{B}\sum_{i=1}^{B} \log \hat{p}_{i,\,y_i}"
        r"\qquad w \leftarrow w - \eta\,\frac{\partial L}{\partial w}\ \ \text{(SGD; Adam scales each step)}"
    )
    st.markdown(
        "One **epoch** is one pass over all training images, ⌈n / batch size⌉ updates. After each "
        "epoch, the **validation** images (never trained on) show whether the network generalises "
        "or starts to memorise (overfitting: training loss falls, validation loss rises)."
    )


check_yourself(section=6)
