"""Overview: what annviz is, the lecture page by page, and how to use it in class."""

import streamlit as st

from pages._lecture import lecture_frame, steps_of
from pages._navigation import listed_pages, sections

lecture_frame(None)
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

#: The lecture's demos by section: every page of the navigation but this one.
DEMOS = {section: pages for section, pages in sections().items() if not any(page.default for page in pages)}

for column, (section, demos) in zip(st.columns(len(DEMOS), gap="large"), DEMOS.items()):
    with column:
        st.subheader(section)
        for page in demos:
            st.page_link(page.script)
            st.caption(page.what)

st.subheader("Using it in class")
st.markdown(
    """
- Pick a section above or in the sidebar; the settings of a demo are kept in the page's URL,
  so a bookmarked link brings back exactly the state you prepared.
- Everything runs offline: the MNIST digits and the trained models ship with the app.
- Every section page ends with **Check yourself**: three exam-style questions with worked
  solutions. The question set is in the page's link (`?quiz_seed=7`), so one link gives a whole
  class the same questions; each block downloads a printable sheet of its section or of all
  sections, with the answers on pages of their own.
- Whatever asks Keras itself (a "check with Keras" button, the race with `keras.optimizers`,
  the shipped models' test-set measurements) runs in a Keras process beside the server; the
  first such action after a quiet spell waits a few seconds for that process to start.
- A training runs in a process of its own and keeps going while you show other pages; the
  Metrics and Draw pages can then use the model it made. A server runs as many trainings at
  once as it has cores to spare (one on a 2-core server); the others wait their turn and are
  told their place in line.
- **Lecture mode** (the sidebar's switch, or `?lecture=1` in a link) is for a projector: larger
  text, and thicker lines, bigger markers and fonts in every figure; the sidebar folded, the expanders and
  secondary controls hidden, and each page's prepared steps with Previous and Next. Every step
  is a link you can paste into your slides; `?hide=` with widget keys hides any control.
"""
)

st.subheader("Lecture steps")
with_steps = [(page, steps) for page in listed_pages() if (steps := steps_of(page.url_path))]
per_column = -(-len(with_steps) // 3)  # in the lecture's order: down the first column, then the next
for column, first in zip(st.columns(3, gap="large"), range(0, len(with_steps), per_column)):
    with column:
        for page, steps in with_steps[first : first + per_column]:
            lines = "\n".join(f"{number}. [{step.title}]({link})" for number, step, link in steps)
            st.markdown(f"**{page.title}**\n\n{lines}")
