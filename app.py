"""annviz: the lecture "Introduction to ANNs and Limitations in Image Processing", live.

Run with ``streamlit run app.py``. This file only builds the navigation; each
page lives in ``pages/`` and the logic it shows lives in ``annviz/``.
"""

import streamlit as st

NAVIGATION_KEY = "navigation_pages"


def lecture_sections() -> dict[str, list[st.Page]]:
    """The lecture's order. Only pages that fully work are listed.

    Made once per session and kept in its state: an ``st.Page`` resolves its file's path on the
    disk when made (about a tenth of a rerun's server CPU for twelve pages). Not shared between
    sessions, because ``st.navigation`` marks the page it runs on the object itself.
    """
    if NAVIGATION_KEY not in st.session_state:
        SECTIONS = {  # noqa: N806  (tests/app_pages.py reads this literal)
            "Start": [
                st.Page("pages/home.py", title="Overview", icon=":material/home:", default=True),
            ],
            "Foundations": [
                st.Page("pages/p1_ann.py", title="1 · What is an ANN", icon=":material/hub:", url_path="ann"),
                st.Page("pages/p2_neuron.py", title="2 · Single neuron", icon=":material/function:", url_path="neuron"),
                st.Page("pages/p3_layers.py", title="3 · Layers & parameters", icon=":material/stacks:", url_path="layers"),
                st.Page("pages/p4_activations.py", title="4 · Activations", icon=":material/show_chart:", url_path="activations"),
            ],
            "Training": [
                st.Page("pages/p5_optimizers.py", title="5 · Optimizers", icon=":material/sports_score:", url_path="optimizers"),
                st.Page("pages/p6_keras_workflow.py", title="6 · Keras workflow", icon=":material/code_blocks:", url_path="keras-workflow"),
                st.Page("pages/p7_mnist.py", title="7 · MNIST", icon=":material/model_training:", url_path="mnist"),
                st.Page("pages/p7_draw.py", title="7 · Draw a digit", icon=":material/draw:", url_path="draw"),
            ],
            "Evaluation & limits": [
                st.Page("pages/p8_metrics.py", title="8 · Metrics", icon=":material/grid_on:", url_path="metrics"),
                st.Page("pages/p9_limitations.py", title="9 · Limitations", icon=":material/block:", url_path="limitations"),
            ],
        }
        st.session_state[NAVIGATION_KEY] = SECTIONS
    return st.session_state[NAVIGATION_KEY]


# Before st.navigation: its pages' :material: icons would otherwise become the favicon, which
# the browser then fetches from fonts.gstatic.com (offline in class).
st.set_page_config(page_title="annviz: ANNs, live", page_icon="🧠", layout="wide")

# st.navigation comes before the imports and the background work: its first call on a server
# switches off Streamlit's old pages/-folder navigation for every session. Until then (the
# server's very first run, which cannot avoid it) a session that opens a deep link such as
# /neuron gets a "Page not found" notice; called after the imports below, that window lasted
# seconds (~5 ms now), and a class opening links to a freshly woken server all got the notice.
# README, "Known Streamlit behaviour", has the details.
navigation = st.navigation(lecture_sections())

import pages._preload  # noqa: E402, F401  (the libraries, imported once before sessions race)
from pages._serving import start_background_work  # noqa: E402

# The Keras worker starts with the server's first session and measures the shipped models in
# the background, so the pages that show those measurements rarely wait for them.
start_background_work()

navigation.run()
