"""Overview: what annviz is, the lecture page by page, and how to use it in class."""

import streamlit as st

#: The lecture's demos in order: (page script, what to try there). A test checks that every
#: page app.py lists (but this one) is here, so the overview never misses a page.
DEMOS = {
    "Foundations": [
        ("pages/p1_ann.py", "Neuron ↔ artificial neuron; the 3-4-1 network and its 16 + 5 = 21 parameters."),
        ("pages/p2_neuron.py", "z = w·x + b by hand (the lecture's 4.2), for a batch, and checked by a Keras Dense layer."),
        ("pages/p3_layers.py", "Build any dense network: inputs × neurons + neurons per layer, the total, the Keras code."),
        ("pages/p4_activations.py", "Sigmoid, tanh, ReLU… with derivatives; softmax with temperature; why non-linearity."),
    ],
    "Training": [
        ("pages/p5_optimizers.py", "SGD, momentum, RMSprop and Adam race on a loss surface, exactly as Keras steps."),
        ("pages/p6_keras_workflow.py", "Define, compile, fit, evaluate: a form that writes the Keras program it runs."),
        ("pages/p7_mnist.py", "The digits, flattened to 784 and scaled; train live with a Stop button."),
        ("pages/p7_draw.py", "Draw a digit or upload a photo; see the 28×28 input and the model's answer."),
    ],
    "Evaluation & limits": [
        ("pages/p8_metrics.py", "The 5/7 worked example; MNIST's confusion matrix opening onto its mistakes; imbalance."),
        ("pages/p9_limitations.py", "A 7 shifted a few pixels, shuffled pixels, 15,360,512 parameters; a first CNN."),
    ],
}

st.title("annviz: artificial neural networks, live")
st.markdown(
    """
Live demos for the lecture **Introduction to ANNs and Limitations in Image Processing**.
Every page follows the lecture's order: a few sentences of the lecture, a demo you can move,
and an expander with the formula or the Keras code behind it. Every number on screen is
computed by the code you can read in `annviz/` and checked against Keras and scikit-learn
in the test suite.
"""
)

for column, (section, demos) in zip(st.columns(len(DEMOS), gap="large"), DEMOS.items()):
    with column:
        st.subheader(section)
        for script, what in demos:
            st.page_link(script)
            st.caption(what)

st.subheader("Using it in class")
st.markdown(
    """
- Pick a section above or in the sidebar; the settings of a demo are kept in the page's URL,
  so a bookmarked link brings back exactly the state you prepared.
- Everything runs offline: the MNIST digits and the trained models ship with the app.
- Whatever asks Keras itself (a "check with Keras" button, the race with `keras.optimizers`,
  the CNN's answer) runs in a Keras process beside the server; the first such action after a
  quiet spell waits a few seconds for that process to start.
- A training runs in a process of its own and keeps going while you show other pages; the
  Metrics and Draw pages can then use the model it made. Two train at once; a third waits its
  turn and is told its place in line.
"""
)
