"""The session's student token (``annviz.identity``): read from the browser's cookie, or made and stored.

A new session reads the cookie its browser sent with the connection (``st.context.cookies``);
without one (a first visit, or a cookie that is not a token) it makes a token and asks the
browser to keep it, so the next session of the same browser (a reload, a phone that woke up)
comes back with it. AppTest has no browser: each of its sessions is a new student.
"""

from __future__ import annotations

import streamlit as st

from annviz import identity

TOKEN_KEY = "student_token"


def student_token() -> str:
    """This browser's token (the same after a reload); made and stored on its first visit."""
    token = st.session_state.get(TOKEN_KEY)
    if token is None:
        try:
            sent = st.context.cookies.get(identity.COOKIE_NAME)
        except Exception:  # no request behind this run (AppTest, a bare script run)
            sent = None
        token = sent if identity.is_token(sent) else identity.new_token()
        st.session_state[TOKEN_KEY] = token
        if token != sent:
            st.html(identity.cookie_script(token), unsafe_allow_javascript=True)
    return token
