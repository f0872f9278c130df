"""annviz: the lecture "Introduction to ANNs and Limitations in Image Processing", live.

Run with ``streamlit run app.py``. This file only builds the navigation; each
page lives in ``pages/`` and the logic it shows lives in ``annviz/``.
"""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from pages._lecture import lecture_on
from pages._navigation import sections  # plain data: no library behind it

NAVIGATION_KEY = "navigation_pages"

#: Closes Streamlit's "Page not found" notice in the one run that gets it (see below), as soon as it
#: is drawn. Only that notice: a dialog of the app's own is left alone.
CLOSE_FALSE_NOTICE = """<script>
(() => { window.__closer = performance.now();
  const close = () => {
    for (const dialog of document.querySelectorAll('[role="dialog"]')) {
      if (!dialog.textContent.includes("Page not found")) continue;
      const button = dialog.querySelector('button[aria-label="Close"]');
      if (button) button.click();
      else dialog.ownerDocument.dispatchEvent(new KeyboardEvent("keydown", {key: "Escape", bubbles: true}));
    }
  };
  close();
  const watch = new MutationObserver(close);
  watch.observe(document.body, {childList: true, subtree: true});
  setTimeout(() => watch.disconnect(), 15000);
})();
</script>"""


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


# A fresh server's first script run: Streamlit (1.67, runtime/pages_manager.py) sets
# PagesManager.uses_pages_directory once, from whether a pages/ folder sits next to app.py, and
# while it is True a run goes through its old folder navigation (script_runner._mpa_v1). That
# navigation knows only file-name URLs (/p2_neuron), so a deep link such as /neuron?lecture=1
# gets a "Page not found" notice saying "Running the app's main page", sent before this file
# starts; this file's st.navigation then runs the page the link asked for and sets the flag to
# False for the whole server. No code of the app runs before that first run (`streamlit run`
# offers no start-up hook, and no setting turns the folder navigation off), so that run closes
# the notice, which would say something false, first thing (set_page_config's emoji table
# alone takes a tenth of a second to load).
if PagesManager.uses_pages_directory:
    st.sidebar.html(CLOSE_FALSE_NOTICE, unsafe_allow_javascript=True)  # in the sidebar: the page does not move

# Before st.navigation: its pages' :material: icons would otherwise become the favicon, which
# the browser then fetches from fonts.gstatic.com (offline in class).
# Lecture mode (?lecture=1) opens with the sidebar folded away: the projector's width is the demo's.
st.set_page_config(page_title="annviz: ANNs, live", page_icon="🧠", layout="wide",
                   initial_sidebar_state="collapsed" if lecture_on() else "auto")

# st.navigation comes before the imports and the background work: its first call on a server
# switches off Streamlit's old pages/-folder navigation for every session (~5 ms into the first
# run; after the imports it was seconds, and a class opening links then all got the notice).
navigation = st.navigation(lecture_sections())

import pages._preload  # noqa: E402, F401  (the libraries, imported once before sessions race)
from pages._serving import start_background_work  # noqa: E402

# A Keras worker starts with the server's first session and measures the shipped models in
# the background, so the pages that show those measurements rarely wait for them; a page with a
# Keras action starts the small jobs' worker before a student asks it anything.
start_background_work(navigation.url_path)

navigation.run()
