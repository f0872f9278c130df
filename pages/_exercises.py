"""The "Check yourself" block that ends every section page: questions from ``annviz.exercises``.

The block runs as a fragment, so typing an answer reruns the block only. The question set is
the URL's ``quiz_seed`` (one link gives a whole class the same questions); the score lives in
the session's state and nowhere else.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from annviz.errors import InputError
from annviz.exercises import DEFAULT_SEED, EXERCISES, MAX_SEED, Question, check_answer, exercise_sheet_html, feedback
from annviz.exercises import questions_for
from pages._lecture import lecture_on
from pages._ui import show_input_error

#: The question set's widget and URL key, the same on every page: ``?quiz_seed=7`` on any
#: section's link opens set 7, the set the printed sheet of set 7 holds.
SEED_KEY = "quiz_seed"
#: Set when a callback put the next question set into the state: the widget is then drawn with
#: Streamlit's neutral default, which the stored value overrides (a widget given both a default
#: and a value set through the Session State API makes Streamlit log a warning with a stack).
SET_BY_CODE_KEY = "quiz_seed_set_by_code"
#: Per session: question id (section, seed, index) → whether the first readable answer was right.
SCORE_KEY = "quiz_score"
#: Per session: question id → the readable answers given so far, first first (a second try is allowed).
TRIES_KEY = "quiz_tries"
#: Per session: the ids of the questions whose solution the student asked for.
REVEALED_KEY = "quiz_revealed"
PLACEHOLDERS = {"number": "e.g. 0.714, 71.4 %, 5/7 or 1e-3", "integer": "e.g. 109,386", "shape": "e.g. (60000, 784)"}


def answer_key(section: int, index: int) -> str:
    """The answer widget's key: ``quiz_s8_q1_answer`` for the first question of section 8."""
    return f"quiz_s{section}_q{index + 1}_answer"


def _clear_answers(section: int) -> None:
    # New questions: the old answers would be judged against numbers they were never meant for.
    for index in range(len(EXERCISES[section])):
        st.session_state.pop(answer_key(section, index), None)


def _new_questions(section: int) -> None:
    seed = st.session_state.get(SEED_KEY, DEFAULT_SEED)
    st.session_state[SEED_KEY] = (int(seed) + 1) % (MAX_SEED + 1)
    st.session_state[SET_BY_CODE_KEY] = True
    _clear_answers(section)


def _worked_solution(question: Question) -> None:
    for step in question.solution:
        if step.latex:
            st.latex(step.latex)
        else:
            st.markdown(step.text)


def solution_key(section: int, index: int) -> str:
    """The "Show the solution" button's key: ``quiz_s8_q1_solution``."""
    return f"quiz_s{section}_q{index + 1}_solution"


def _reveal(question_id: tuple[int, int, int]) -> None:
    st.session_state.setdefault(REVEALED_KEY, set()).add(question_id)


def _ask(question: Question, score: dict) -> None:
    """One question: its prompt, the answer field and, once answered, the verdict; the solution after a
    right answer, on request, or after the second wrong one."""
    with st.container(border=True):
        st.markdown(f"**{question.index + 1}. {question.title}.** {question.prompt}")
        key = answer_key(question.section, question.index)
        if question.kind == "choice":
            given = st.radio("Your answer", question.options, index=None, key=key)
        else:
            given = st.text_input("Your answer (press Enter)", key=key, placeholder=PLACEHOLDERS[question.kind])
        tries = st.session_state.setdefault(TRIES_KEY, {}).setdefault(question.id, [])
        if given is not None and str(given).strip():
            try:
                verdict = check_answer(question, given)
            except InputError as error:
                show_input_error(error, icon=":material/help:")
                return
            if not tries or tries[-1] != given:  # a rerun with the same text is not another try
                tries.append(given)
            score.setdefault(question.id, verdict.correct)
        shown = feedback(question, tries, revealed=question.id in st.session_state.get(REVEALED_KEY, set()))
        if shown.tone == "success":
            st.success(shown.message, icon=":material/check_circle:")
        elif shown.tone == "warning":
            st.warning(shown.message, icon=":material/lightbulb:")
        if shown.offer_solution:
            st.button("Show the solution", key=solution_key(question.section, question.index),
                      icon=":material/visibility:", on_click=_reveal, args=(question.id,))
        if shown.solution:
            with st.expander("Worked solution", expanded=shown.open):
                _worked_solution(question)


@st.fragment
def check_yourself(section: int) -> None:
    """The block: question set, the section's questions, the session's score, the printable sheets."""
    if lecture_on():
        return  # lecture mode shows the demo alone on the projector (pages/_lecture.py)
    st.divider()
    st.subheader("Check yourself", anchor="check-yourself")
    st.markdown(
        "Questions of the kind an exam asks, with new numbers for every question set. Type your answer: "
        "it is checked at once. A wrong first answer gets a second try; the answer and its worked solution "
        "(the same code as the demo above) come after a right answer, a second wrong one, or when you ask. The "
        "question set is in this page's address, so a lecturer can give the whole class the same questions with one link."
    )
    seed_column, new_column = st.columns([1, 2], vertical_alignment="bottom")
    set_by_code = bool(st.session_state.pop(SET_BY_CODE_KEY, False))
    seed = seed_column.number_input(
        "Question set", 0, MAX_SEED, "min" if set_by_code else DEFAULT_SEED, step=1, key=SEED_KEY, bind="query-params",
        on_change=_clear_answers, args=(section,),
    )
    new_column.button("New questions", key=f"quiz_s{section}_new", icon=":material/refresh:",
                      on_click=_new_questions, args=(section,))
    score = st.session_state.setdefault(SCORE_KEY, {})
    for question in questions_for(section, int(seed)):
        _ask(question, score)

    here = [right for (where, _, _), right in score.items() if where == section]
    if score:
        st.caption(
            f"Your score this session counts your first try at each question (a second try helps you learn but "
            f"does not count): {sum(here)} right of {len(here)} answered in this section, {sum(score.values())} "
            f"of {len(score)} in all sections. Nothing is kept after the session ends."
        )
    this_column, all_column = st.columns(2)
    this_column.download_button(
        f"Printable sheet: §{section}, set {int(seed)}", partial(exercise_sheet_html, (section,), int(seed)),
        file_name=f"annviz-check-yourself-s{section}-set{int(seed)}.html", mime="text/html", on_click="ignore",
        key=f"quiz_s{section}_sheet", icon=":material/print:",
    )
    all_column.download_button(
        f"Printable sheet: all sections, set {int(seed)}", partial(exercise_sheet_html, tuple(EXERCISES), int(seed)),
        file_name=f"annviz-check-yourself-all-set{int(seed)}.html", mime="text/html", on_click="ignore",
        key=f"quiz_s{section}_sheet_all", icon=":material/print:",
    )
    st.caption("The sheets open in a browser and print from there: the questions first, the answers with their "
               "worked solutions from a new page on, for the lecturer.")
