import streamlit as st

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
st.subheader("Using it in class")
st.markdown(
    """
- Pick a section in the sidebar; the settings of a demo are kept in the page's URL, so a
  bookmarked link brings back exactly the state you prepared.
- Everything runs offline: the MNIST digits and the trained models ship with the app.
- Pages that need TensorFlow load it the first time they need it (a few seconds); the
  others open instantly.
"""
)
