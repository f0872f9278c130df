"""annviz: the lecture "Introduction to ANNs and Limitations in Image Processing", live.

Run with ``streamlit run app.py``. This file only builds the navigation; each
page lives in ``pages/`` and the logic it shows lives in ``annviz/``.
"""

import streamlit as st

from pages._lecture import lecture_on
from pages._navigation import sections  # plain data: no library behind it

NAVIGATION_KEY = "navigation_pages"


def lecture_sections() -> dict[str, list[st.Page]]:
    """The navigation of ``pages/_navigation.py``'s table, in the lecture's order.

    Made once per session and kept in its state: an ``st.Page`` resolves its file's path on the
    disk when made (about a tenth of a rerun's server CPU for twelve pages). Not shared between
    sessions, because ``st.navigation`` marks the page it runs on the object itself.
    """
    if NAVIGATION_KEY not in st.session_state:
        st.session_state[NAVIGATION_KEY] = {
            section: [
                st.Page(page.script, title=page.title, icon=page.icon, url_path=page.url_path or None, default=page.default)
                for page in pages
            ]
            for section, pages in sections().items()
        }
    return st.session_state[NAVIGATION_KEY]


# Before st.navigation: its pages' :material: icons would otherwise become the favicon, which
# the browser then fetches from fonts.gstatic.com (offline in class).
# Lecture mode (?lecture=1) opens with the sidebar folded away: the projector's width is the demo's.
st.set_page_config(page_title="annviz: ANNs, live", page_icon="🧠", layout="wide",
                   initial_sidebar_state="collapsed" if lecture_on() else "auto")

# st.navigation comes before the imports and the background work: its first call on a server
# switches off Streamlit's old pages/-folder navigation for every session. Until then (the
# server's very first run, which cannot avoid it) a session that opens a deep link such as
# /neuron gets a "Page not found" notice; called after the imports below, that window lasted
# seconds (~5 ms now), and a class opening links to a freshly woken server all got the notice.
# README, "Known Streamlit behaviour", has the details.
navigation = st.navigation(lecture_sections())

import pages._preload  # noqa: E402, F401  (the libraries, imported once before sessions race)
from pages._serving import start_background_work  # noqa: E402

# A Keras worker starts with the server's first session and measures the shipped models in
# the background, so the pages that show those measurements rarely wait for them; a page with a
# Keras action starts the small jobs' worker before a student asks it anything.
start_background_work(navigation.url_path)

navigation.run()
