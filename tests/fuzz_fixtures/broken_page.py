"""A page broken on purpose, five ways, so the fuzz harness proves it notices each of them."""

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
label = st.text_input("A name", "x", key="broken_name", bind="query-params")
st.error(f"Unknown name '{label}'.")  # a payload as Markdown: a live link or image, echoed in full
width = st.number_input("Width", 1, 1000, 10, key="broken_width")
height = st.number_input("Height", 1, 1000, 10, key="broken_height")
if width * height > 500_000:  # each alone is fine; both at their maximum break the page's own arithmetic
    raise OverflowError(f"{width}×{height} is beyond what this page computes")
