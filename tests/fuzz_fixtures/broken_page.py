"""A page broken on purpose, three ways, so the fuzz harness proves it notices each of them."""

import logging

import streamlit as st

number = st.text_input("A number", "1", key="broken_number")
value = float(number)  # "abc" → an uncaught ValueError: an exception on the page
st.plotly_chart({"data": [{"type": "scatter", "x": [0, 1], "y": [0, value * 1e308]}]}, key="broken_chart")  # "10" → inf
if st.checkbox("Log a traceback", key="broken_log"):
    try:
        raise RuntimeError("swallowed")
    except RuntimeError:
        logging.getLogger("broken_page").exception("a traceback only the server's log shows")
