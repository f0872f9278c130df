"""Class: join the lecture's class (students) or run it (the lecturer): the QR code, the short link, the code."""

from __future__ import annotations

import streamlit as st

from annviz.classroom import room
from annviz.classroom.plots import qr_png
from annviz.errors import InputError
from pages._classroom import CODE_KEY, FOLLOW_KEY, configured_key, current_lecturer
from pages._identity import student_token
from pages._store import shared_store
from pages._ui import page_header, shown_as_error

JOIN_PARAM = "join"


def join(code_text: object) -> None:
    """Join a class and follow the lecturer (the next run takes the student to the lecturer's step)."""
    code = room.join_class(shared_store(), code_text, student_token())
    st.session_state[CODE_KEY] = code
    st.session_state[FOLLOW_KEY] = True


def default_public_url() -> str:
    """The address the QR code starts with: ``ANNVIZ_PUBLIC_URL``, else the one this browser used."""
    import os

    preset = os.environ.get(room.PUBLIC_URL_VARIABLE, "").strip()
    if preset:
        return preset
    try:
        url = st.context.url or ""
    except Exception:  # no request behind this run (AppTest)
        url = ""
    return url.split("?")[0].rsplit("/", 1)[0] if url.count("/") > 2 else (url or "http://localhost:8501")


def _start() -> None:
    try:
        room.start_class(shared_store(), current_lecturer(), public_url=st.session_state.get("class_public_url", ""))
    except InputError as error:
        st.session_state["class_error"] = str(error)


def _set_url(code: str) -> None:
    try:
        room.set_public_url(shared_store(), current_lecturer(), code, st.session_state.get("class_public_url", ""))
    except InputError as error:
        st.session_state["class_error"] = str(error)


def _end(code: str) -> None:
    try:
        room.end_class(shared_store(), current_lecturer(), code)
    except InputError as error:
        st.session_state["class_error"] = str(error)


def projector(lecturer: room.Lecturer) -> None:
    """The lecturer's view: start a class, then the QR code, the link, the code and who joined."""
    store = shared_store()
    code = room.current_class(store)
    if code is None:
        st.text_input("The app's public address (what students' phones can open)", value=default_public_url(),
                      key="class_public_url", help="Not localhost: the address of this machine on the room's network, "
                      "or the deployment's address (https://…).")
        st.button("Start a class", key="class_start", icon=":material/groups:", type="primary", on_click=_start)
        return
    state = room.class_state(store, code)
    link = room.join_link(state["public_url"], code)
    qr, text = st.columns([2, 3], vertical_alignment="center")
    qr.image(qr_png(link), width=330, caption="Scan to join")
    with text:
        st.markdown(f"## {link}")
        st.markdown(f"Class code **{room.display_code(code)}** · **{room.members(store, code)}** joined")
        if room.is_local(state["public_url"]):
            st.warning("This address names the lecturer's own machine: students' phones cannot open it. "
                       "Set the address they can reach below.", icon=":material/warning:")
        st.caption(room.expires_in(store))
        with st.popover("Address and end", icon=":material/settings:"):
            st.text_input("Public address", value=state["public_url"], key="class_public_url")
            st.button("Use this address", key="class_set_url", on_click=_set_url, args=(code,))
            st.button("End the class", key="class_end", icon=":material/stop:", on_click=_end, args=(code,))


def student_view() -> None:
    """A student's view: type the code (or arrive by the QR code's link, which joins at once)."""
    code = st.session_state.get(CODE_KEY)
    if code and room.class_state(shared_store(), code) is not None:
        st.success(f"You are in class **{room.display_code(code)}**: your page follows the lecturer's steps "
                   "as soon as the lecture starts.", icon=":material/school:")
        return
    with st.form("class_join_form", border=False):
        typed = st.text_input("Class code (on the projector)", key="class_code_input")
        if st.form_submit_button("Join the class", icon=":material/login:"):
            with shown_as_error():
                join(typed)
                st.rerun()
    st.caption(room.expires_in(shared_store()))


if JOIN_PARAM in st.query_params:
    link_code = st.query_params[JOIN_PARAM]
    del st.query_params[JOIN_PARAM]  # the code in the address bar is not needed once joined
    try:
        join(link_code)
    except InputError as error:
        st.session_state["class_error"] = str(error)

page_header(
    "Class",
    "Predict, vote, then see the demo: the lecturer asks, your phone answers, the projector shows the class's "
    "answers and then the real demo. Join with the code or the QR code on the projector; your page then follows "
    "the lecturer's steps, and you can leave to explore and come back with one click.",
    page="class",
)

if configured_key() is None:
    st.info("The class features are off on this server: the lecturer turns them on by setting a lecturer key "
            f"({room.LECTURER_KEY_VARIABLE}, an environment variable or a Streamlit secret).", icon=":material/info:")
else:
    lecturer = current_lecturer()
    if lecturer is not None:
        projector(lecturer)
    else:
        student_view()
