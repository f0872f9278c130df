"""The class in the room on every page (``annviz.classroom``): the lecturer's vote panel, a student's
follow bar and vote, and the cheap check that brings a follower to the lecturer's step.

:func:`class_bar` is the one call ``pages/_lecture.py`` makes, where the step bar is drawn. With no
lecturer key configured (``ANNVIZ_LECTURER_KEY`` in the environment or Streamlit's secrets) it
returns at once and the app is as before. The lecturer is whoever typed that key into the
sidebar's password field: checked on every run and in every callback, never kept as a flag.
A follower's page carries a small fragment that reruns every second, reads the class's version
counter (one small read of the store) and reruns the whole page only when the lecturer changed
something.
"""

from __future__ import annotations

import os
from typing import Any, Callable

import streamlit as st

from annviz.classroom import room
from annviz.classroom.plots import vote_figure
from annviz.classroom.questions import QUESTIONS, Answer, questions_on, right_answer
from annviz.errors import InputError
from pages._identity import TOKEN_KEY, student_token
from pages._store import shared_store

CODE_KEY = "class_code"
FOLLOW_KEY = "class_following"
SEEN_KEY = "class_seen_version"
TYPED_KEY = "class_lecturer_key"
KEY_INPUT = "class_key_input"
DEMO_KEY = "class_demo_applied"
VOTED_KEY = "class_voted_rounds"
LETTERS = "ABCDEFGH"
#: Seconds between a follower's checks for a new step (the 2 s promise is this plus one page run).
WATCH_EVERY_S = 1.0


def configured_key() -> str | None:
    """The lecturer key of this deployment: the environment variable, else the Streamlit secret; None: features off."""
    value = os.environ.get(room.LECTURER_KEY_VARIABLE, "").strip()
    if not value:
        try:
            value = str(st.secrets.get(room.LECTURER_KEY_VARIABLE) or "").strip()
        except Exception:  # no secrets file at all: the same as no key
            value = ""
    return value or None


def current_lecturer() -> room.Lecturer | None:
    """This session's lecturer proof, made afresh from the typed key (a forged flag cannot stand in for it)."""
    return room.lecturer_from_key(st.session_state.get(TYPED_KEY, ""), configured_key())


def _remember_key() -> None:
    st.session_state[TYPED_KEY] = st.session_state.get(KEY_INPUT, "")


def key_field() -> None:
    """The sidebar's password field for the lecturer key."""
    st.sidebar.text_input("Lecturer key", type="password", key=KEY_INPUT, on_change=_remember_key,
                          help="Only for the lecturer: lets this browser open votes and move the class. "
                          "Students never need it.")
    if st.session_state.get(TYPED_KEY) and current_lecturer() is None:
        st.sidebar.error("That is not the lecturer key.")


def _act(action: Callable[..., Any], *args: Any) -> None:
    """A lecturer button's callback: the key is checked again here, then the store is changed."""
    try:
        action(shared_store(), current_lecturer(), *args)
    except InputError as error:
        st.session_state["class_error"] = str(error)


def _run_demo(code: str) -> None:
    try:
        question = room.run_demo(shared_store(), current_lecturer(), code)
    except InputError as error:
        st.session_state["class_error"] = str(error)
        return
    st.query_params["step"] = str(question.step)


@st.cache_resource(show_spinner=False, max_entries=64)
def demo_answer(question_key: str) -> Answer:
    """The right answer, computed once per server by the demo's own annviz functions."""
    return right_answer(QUESTIONS[question_key])


def _page_script(url_path: str) -> str | None:
    from pages._navigation import ROOT, listed_pages

    # An absolute path: st.switch_page finds it whatever the main script's folder (app.py's, or a test's).
    return next((str(ROOT / page.script) for page in listed_pages() if page.url_path == url_path), None)


def _follow(state: dict[str, Any], page: str, number: int) -> None:
    """Take a follower to the class's step: this page's step in the URL, or the other page."""
    if (state["page"], state["step"]) == (page, number) or not state["page"]:
        return
    if state["page"] == page:
        st.query_params["lecture"] = "1"
        st.query_params["step"] = str(state["step"])
        st.rerun()
    script = _page_script(state["page"])
    if script:
        st.switch_page(script, query_params={"lecture": "1", "step": str(state["step"])})


def _apply_demo(state: dict[str, Any], page: str) -> None:
    """Put a demo's widget values into this session once (before the page draws its widgets)."""
    vote = state.get("vote")
    if not state.get("demo") or not vote:
        return
    question = QUESTIONS[state["demo"]]
    token = f"{question.key}:{vote['rounds'][0]}"
    if question.page == page and st.session_state.get(DEMO_KEY) != token:
        for key, value in question.demo.items():
            st.session_state[key] = value
        st.session_state[DEMO_KEY] = token


@st.fragment(run_every=WATCH_EVERY_S)
def _watch() -> None:
    """A follower's idle check: one read of the class's version; the page reruns only on a change."""
    code = st.session_state.get(CODE_KEY)
    if code and room.class_version(shared_store(), code) != st.session_state.get(SEEN_KEY):
        st.rerun(scope="app")


@st.fragment(run_every=WATCH_EVERY_S)
def _live_count(code: str) -> None:
    """The projector's count of answers while the vote is open."""
    n = room.answered(shared_store(), code)
    st.markdown(f"### {n} answered", help="Counts only: who voted and for what is never shown.")


def _histogram(question_key: str, counts: list[list[int]], *, revealed: bool) -> None:
    from pages._lecture import on_screen

    question = QUESTIONS[question_key]
    answer = demo_answer(question_key) if revealed else None
    figure = vote_figure(question.choices, counts, right=answer.choice if answer else None)
    st.plotly_chart(on_screen(figure, lecture_height=260), key="class_histogram", config={"displayModeBar": False})
    if answer:
        st.success(f"**The demo ran: {question.choices[answer.choice]}.** {answer.measured}", icon=":material/check_circle:")


def _lecturer_panel(store: Any, lecturer: room.Lecturer, page: str, number: int) -> None:
    code = room.current_class(store)
    if code is None:
        return
    if number:
        room.move_class(store, lecturer, code, page=page, step=number)
    state = room.class_state(store, code)
    _apply_demo(state, page)
    vote = state["vote"]
    if vote is None:
        for question in questions_on(page, number):
            with st.container(border=True, key=f"class_ask_{question.key}"):
                text, button = st.columns([8, 2], vertical_alignment="center")
                text.markdown(f"**Predict:** {question.text}")
                button.button("Open the vote", key=f"class_open_{question.key}", icon=":material/how_to_vote:",
                              on_click=_act, args=(room.open_vote, code, question.key), use_container_width=True)
        return
    question = QUESTIONS[vote["question"]]
    with st.container(border=True, key="class_vote_panel"):
        st.markdown(f"**{question.text}** · class **{room.display_code(code)}**")
        if vote["open"]:
            st.markdown("  \n".join(f"**{LETTERS[i]}** · {choice}" for i, choice in enumerate(question.choices)))
            count, close = st.columns([6, 2], vertical_alignment="center")
            with count:
                _live_count(code)
            close.button("Close the vote", key="class_close", icon=":material/lock:", on_click=_act,
                         args=(room.close_vote, code), use_container_width=True)
            return
        _histogram(question.key, room.vote_counts(store, code), revealed=vote["revealed"])
        again, demo, done = st.columns(3)
        again.button("Vote again after discussion", key="class_again", icon=":material/forum:", on_click=_act,
                     args=(room.vote_again, code), use_container_width=True,
                     disabled=vote["revealed"] or len(vote["rounds"]) >= room.MAX_ROUNDS)
        demo.button("Run the demo", key="class_demo", icon=":material/play_arrow:", on_click=_run_demo, args=(code,),
                    use_container_width=True, disabled=vote["revealed"] or question.page != page, type="primary")
        done.button("Done", key="class_done", icon=":material/done:", on_click=_act, args=(room.clear_vote, code),
                    use_container_width=True)


def _toggle_follow() -> None:
    st.session_state[FOLLOW_KEY] = not st.session_state.get(FOLLOW_KEY, True)


def _vote(code: str, round_id: int) -> None:
    token = st.session_state.get(TOKEN_KEY)
    try:
        counted = room.cast_vote(shared_store(), code, token, choice=st.session_state.get(f"class_choice_{round_id}"))
    except InputError as error:
        st.session_state["class_error"] = str(error)
        return
    st.session_state.setdefault(VOTED_KEY, set()).add(round_id)
    if not counted:
        st.session_state["class_error"] = "You have voted in this round already: one vote per student."


@st.fragment
def _vote_part(code: str) -> None:
    """A student's question and vote: a fragment, so choosing and voting rerun only this part."""
    error = st.session_state.pop("class_error", None)
    if error:
        st.error(error, icon=":material/error:")
    state = room.class_state(shared_store(), code)
    vote = state and state["vote"]
    if not vote:
        return
    question = QUESTIONS[vote["question"]]
    round_id = vote["rounds"][-1]
    if vote["open"] and round_id not in st.session_state.get(VOTED_KEY, set()):
        label = f"**{question.text}**" + (" (second vote, after the discussion)" if len(vote["rounds"]) > 1 else "")
        st.radio(label, list(range(len(question.choices))), index=None, key=f"class_choice_{round_id}",
                 format_func=lambda i: f"{LETTERS[i]} · {question.choices[i]}")
        st.button("Vote", key=f"class_vote_{round_id}", icon=":material/how_to_vote:", type="primary",
                  on_click=_vote, args=(code, round_id))
    elif vote["open"]:
        st.markdown("Your vote is counted. The answers show on the projector when the lecturer closes the vote.")
    elif vote["revealed"]:
        answer = demo_answer(question.key)
        st.markdown(f"**{question.text}** The demo ran: **{question.choices[answer.choice]}**. {answer.measured}")
    else:
        st.markdown("The vote is closed: the answers are on the projector.")

def _student_panel(store: Any, code: str, page: str, number: int) -> None:
    version = room.class_version(store, code)
    state = room.class_state(store, code)
    if state is None:
        st.info("The class has ended: the app is yours to explore.", icon=":material/school:")
        del st.session_state[CODE_KEY]
        return
    student_token()
    st.session_state[SEEN_KEY] = version
    following = st.session_state.get(FOLLOW_KEY, True)
    if following:
        _follow(state, page, number)
        _apply_demo(state, page)
    with st.container(border=True, key="class_student_bar"):
        where, button = st.columns([3, 2], vertical_alignment="center")
        where.markdown(f"Class **{room.display_code(code)}** · "
                       + ("following the lecturer" if following else "exploring on your own"))
        button.button("Leave to explore" if following else "Follow the lecturer", key="class_follow_toggle",
                      icon=":material/explore:" if following else ":material/co_present:", on_click=_toggle_follow,
                      use_container_width=True)
        _vote_part(code)
    _watch()


def class_bar(page: str, number: int) -> None:
    """The class on this page: the lecturer's panel, or a class member's bar; nothing without a key set.

    ``page`` is the page's url_path, ``number`` the lecture step shown (0: none).
    """
    if configured_key() is None:
        return
    key_field()
    error = st.session_state.pop("class_error", None)
    if error:
        st.error(error, icon=":material/error:")
    store = shared_store()
    try:
        lecturer = current_lecturer()
        if lecturer is not None:
            _lecturer_panel(store, lecturer, page, number)
        elif st.session_state.get(CODE_KEY):
            _student_panel(store, st.session_state[CODE_KEY], page, number)
    except InputError as error:
        st.error(str(error), icon=":material/error:")
