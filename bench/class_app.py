"""app.py's navigation without its background work: the server the class benchmark and the
two-replica test run (``streamlit run bench/class_app.py``).

app.py also starts, with the first session, a worker that measures the shipped models with
TensorFlow (a minute of CPU). On the shared 2-core machine that would be measured alongside the
class; the class's pages here (Class, the lecture pages a lecturer steps through) never need it.
The pages are given by absolute paths, since this script's folder is not app.py's.
"""

import streamlit as st

from pages._lecture import lecture_on
from pages._navigation import ROOT, sections

st.set_page_config(page_title="annviz: ANNs, live", page_icon="🧠", layout="wide",
                   initial_sidebar_state="collapsed" if lecture_on() else "auto")
st.navigation({
    section: [st.Page(str(ROOT / page.script), title=page.title, icon=page.icon, url_path=page.url_path or None,
                      default=page.default) for page in pages]
    for section, pages in sections().items()
}).run()
