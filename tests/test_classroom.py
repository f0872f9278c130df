"""The class in the room with many sessions (AppTest): predict, vote, run; follow; join; and the attacks.

Every AppTest here is one browser (one student, or the lecturer) on one server: they share the
server's store (``pages._store.shared_store``), as a class's sessions do. The app runs through a
navigation of every page like app.py's, without app.py's background Keras work.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from annviz.classroom import room
from annviz.classroom.questions import QUESTIONS, right_answer
from pages._navigation import ROOT

KEY = "correct horse battery staple"
HARNESS = """
import streamlit as st
from pages._navigation import listed_pages, ROOT
st.navigation([st.Page(str(ROOT / p.script), url_path=p.url_path or None, default=p.url_path == "class")
               for p in listed_pages()]).run()
"""


@pytest.fixture(autouse=True)
def fresh_class(monkeypatch: pytest.MonkeyPatch):
    """A lecturer key in the environment and an empty store for each test."""
    from pages._store import shared_store

    monkeypatch.setenv(room.LECTURER_KEY_VARIABLE, KEY)
    monkeypatch.delenv("ANNVIZ_REDIS_URL", raising=False)
    shared_store.clear()
    yield shared_store()
    shared_store.clear()


def browser(query: dict[str, str] | None = None) -> AppTest:
    """A new browser on the Class page (with ``query`` in its address)."""
    at = AppTest.from_string(HARNESS, default_timeout=60)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    return at.run()


def lecturer() -> AppTest:
    at = browser()
    at.sidebar.text_input(key="class_key_input").input(KEY).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    """Everything written on the page (markdown, alerts, captions, labels), to search for a leak."""
    parts = [e.value for kind in ("markdown", "info", "success", "error", "warning", "caption", "title") for e in getattr(at, kind)]
    parts += [w.label for kind in ("button", "text_input", "radio") for w in getattr(at, kind)]
    return "\n".join(map(str, parts))


def start_class(at: AppTest) -> str:
    at.text_input(key="class_public_url").input("https://annviz.example.org").run()
    at.button(key="class_start").click().run()
    assert not at.exception, [e.message for e in at.exception]
    code = room.current_class(shared())
    assert code is not None
    return code


def shared():
    from pages._store import shared_store

    return shared_store()


def to_step(at: AppTest, page: str, step: int) -> AppTest:
    at.switch_page(str(ROOT / next(p.script for p in __import__("pages._navigation").
                                  _navigation.listed_pages() if p.url_path == page)))
    at.query_params["lecture"] = "1"
    at.query_params["step"] = str(step)
    return at.run()


def step_shown(at: AppTest) -> str:
    """The step bar's sentence on a page in lecture mode ("Step k of n · title.")."""
    return next((info.value for info in at.info if str(info.value).startswith("**Step ")), "")


def test_without_a_key_the_class_features_are_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(room.LECTURER_KEY_VARIABLE)
    at = browser({"join": "ABCDEFGH"})
    assert not at.exception
    assert "class features are off" in texts(at)
    assert not at.sidebar.text_input, "no key field when no key is set"
    at = to_step(at, "optimizers", 1)
    assert not [b for b in at.button if b.key and b.key.startswith("class_")]


def test_predict_vote_run_with_a_lecturer_and_three_students() -> None:
    teacher = lecturer()
    code = start_class(teacher)
    projected = texts(teacher)
    assert f"class?join={code}" in projected and room.display_code(code) in projected
    assert KEY not in projected and KEY not in str(dict(teacher.query_params))
    assert teacher.get("image"), "the projector shows the QR code"

    teacher = to_step(teacher, "optimizers", 1)
    assert "Step 1 of 4" in step_shown(teacher)
    teacher.button(key="class_open_optimizers-sgd-x10").click().run()
    assert "0 answered" in texts(teacher)

    students = [browser({"join": code}) for _ in range(3)]
    for student in students:  # each lands in the class, following, on the lecturer's step
        assert not student.exception, [e.message for e in student.exception]
        assert "Step 1 of 4" in step_shown(student), texts(student)
        assert "following the lecturer" in texts(student)
    for student, choice in zip(students, (2, 2, 0)):
        student.radio(key=next(r.key for r in student.radio if r.key.startswith("class_choice_"))).set_value(choice).run()
        student.button(key=next(b.key for b in student.button if b.key.startswith("class_vote_"))).click().run()
        assert "Your vote is counted" in texts(student)
    teacher.run()
    assert "3 answered" in texts(teacher)
    assert room.vote_counts(shared(), code) == [[1, 0, 2]]

    teacher.button(key="class_close").click().run()
    assert "3 answered" not in texts(teacher) and teacher.get("plotly_chart"), "the histogram once closed"
    teacher.button(key="class_again").click().run()  # peer instruction: one click
    for student in students:
        student.run()
        student.radio(key=next(r.key for r in student.radio if r.key.startswith("class_choice_"))).set_value(2).run()
        student.button(key=next(b.key for b in student.button if b.key.startswith("class_vote_"))).click().run()
    teacher.button(key="class_close").click().run()
    assert room.vote_counts(shared(), code) == [[1, 0, 2], [0, 0, 3]], "both rounds, side by side"

    teacher.button(key="class_demo").click().run()
    answer = right_answer(QUESTIONS["optimizers-sgd-x10"])
    assert teacher.session_state["opt_sgd_learning_rate"] == 3.0, "the demo's settings ran on the projector"
    assert f"The demo ran: {QUESTIONS['optimizers-sgd-x10'].choices[answer.choice]}" in texts(teacher)
    assert "diverged" in texts(teacher)
    students[0].run()
    assert students[0].session_state["opt_sgd_learning_rate"] == 3.0, "and on the follower's page"
    assert "The demo ran" in texts(students[0])


def test_followers_see_the_lecturers_step_and_can_leave_and_come_back() -> None:
    teacher = lecturer()
    code = start_class(teacher)
    teacher = to_step(teacher, "neuron", 1)
    student = browser({"join": code})
    assert "Step 1 of 3" in step_shown(student)
    teacher.button(key="lecture_next").click().run()
    assert room.class_state(shared(), code)["step"] == 2
    student.run()  # what the follower's one-second check triggers on a change
    assert "Step 2 of 3" in step_shown(student)
    student.button(key="class_follow_toggle").click().run()
    student.number_input(key="neuron_b").set_value(1.5).run()
    teacher.button(key="lecture_next").click().run()
    student.run()
    assert "Step 2 of 3" in step_shown(student) and student.number_input(key="neuron_b").value == 1.5, \
        "a student exploring keeps their own page"
    student.button(key="class_follow_toggle").click().run()
    assert "Step 3 of 3" in step_shown(student), "one click back to the lecturer's step"
    teacher = to_step(teacher, "optimizers", 2)
    student.run()
    assert "Step 2 of 4" in step_shown(student), "the lecturer's page change takes the follower along"


def test_the_idle_check_reruns_the_page_only_on_a_change() -> None:
    from pages import _classroom

    teacher = lecturer()
    code = start_class(teacher)
    to_step(teacher, "neuron", 1)
    student = browser({"join": code})
    seen = student.session_state[_classroom.SEEN_KEY]
    assert seen == room.class_version(shared(), code)
    teacher.button(key="lecture_next").click().run()
    assert room.class_version(shared(), code) == seen + 1


def test_a_student_cannot_vote_twice_even_after_a_reload() -> None:
    teacher = lecturer()
    code = start_class(teacher)
    to_step(teacher, "neuron", 1).button(key="class_open_neuron-bias").click().run()
    token = "t" * 22
    for _ in range(2):  # the same browser twice: a reload keeps the cookie's token
        student = AppTest.from_string(HARNESS, default_timeout=60)
        student.session_state["student_token"] = token
        student.query_params["join"] = code
        student.run()
        student.radio(key=next(r.key for r in student.radio if r.key.startswith("class_choice_"))).set_value(3).run()
        student.button(key=next(b.key for b in student.button if b.key.startswith("class_vote_"))).click().run()
    assert "voted in this round already" in texts(student)
    assert room.vote_counts(shared(), code) == [[0, 0, 0, 1]]


def test_attack_a_url_gives_no_lecturer_powers() -> None:
    teacher = lecturer()
    code = start_class(teacher)
    for query in ({"lecturer": "1"}, {"key": KEY[:-1]}, {"class_key_input": KEY}, {"class_lecturer_key": KEY},
                  {"join": code, "lecture": "1", "step": "1", "class_start": "true"}):
        at = browser(query)
        assert not at.exception
        assert not [b for b in at.button if b.key in ("class_start", "class_end", "class_close")], query
    assert room.current_class(shared()) == code


def test_attack_forged_widget_state_moves_nothing() -> None:
    teacher = lecturer()
    code = start_class(teacher)
    to_step(teacher, "neuron", 1).button(key="class_open_neuron-bias").click().run()
    before = (room.class_version(shared(), code), room.class_state(shared(), code))
    student = browser({"join": code})
    for key, value in (("class_lecturer_key", "guess"), ("class_key_input", "guess"), ("class_close", True),
                       ("class_demo", True), ("class_end", True), ("class_start", True), ("class_done", True)):
        student.session_state[key] = value
    student.run()
    student.session_state["class_lecturer_key"] = KEY.upper()
    student.run()
    assert (room.class_version(shared(), code), room.class_state(shared(), code)) == before
    assert "That is not the lecturer key" in texts(student)
    # The actions refuse a session that is not the lecturer's, whatever calls them.
    with pytest.raises(room.InputError, match="Only the lecturer"):
        room.close_vote(shared(), None, code)  # type: ignore[arg-type]
    with pytest.raises(room.InputError, match="Only the lecturer"):
        room.move_class(shared(), room.Lecturer(object()), code, page="neuron", step=3)


def test_attack_a_forged_vote_is_refused_and_nothing_typed_is_shown() -> None:
    teacher = lecturer()
    code = start_class(teacher)
    to_step(teacher, "neuron", 1).button(key="class_open_neuron-bias").click().run()
    student = browser({"join": code})
    student.button(key=next(b.key for b in student.button if b.key.startswith("class_vote_"))).click().run()
    assert "Choose one of the 4 answers" in texts(student), "a vote without a choice"
    # What a forged message could carry instead of a choice's index never reaches the counts.
    for forged in (99, -1, 1.0, "<script>alert(1)</script>", True, None, [0]):
        with pytest.raises(room.InputError, match="Choose one of the 4 answers"):
            room.cast_vote(shared(), code, "f" * 22, choice=forged)
    assert room.vote_counts(shared(), code) == [[0, 0, 0, 0]]
    with pytest.raises(room.InputError, match="closed"):
        room.close_vote(shared(), room.lecturer_from_key(KEY, KEY), code)
        room.cast_vote(shared(), code, "f" * 22, choice=0)
    teacher.run()
    assert "<script>" not in texts(teacher)


def test_attack_guessing_a_class_code_is_refused_and_rate_limited() -> None:
    teacher = lecturer()
    code = start_class(teacher)
    student = AppTest.from_string(HARNESS, default_timeout=60)
    student.session_state["student_token"] = "g" * 22
    student.run()
    for guess in ("AAAAAAAA", "BBBBBBBB", "CCCCCCCC", "DDDDDDDD", "EEEEEEEE"):
        student.text_input(key="class_code_input").input(guess).run()
        student.button(key="FormSubmitter:class_join_form-Join the class").click().run()
        assert "No class with that code" in texts(student)
    student.text_input(key="class_code_input").input(room.display_code(code)).run()
    student.button(key="FormSubmitter:class_join_form-Join the class").click().run()
    assert "Too many wrong class codes" in texts(student), "even the right code waits after five wrong ones"
    assert len(room.CODE_ALPHABET) ** room.CODE_LENGTH >= 2**40


def test_what_is_kept_is_counts_and_opaque_ids_with_a_bounded_life() -> None:
    teacher = lecturer()
    code = start_class(teacher)
    to_step(teacher, "neuron", 1).button(key="class_open_neuron-bias").click().run()
    token = "s" * 22
    room.join_class(shared(), code, token)
    room.cast_vote(shared(), code, token, choice=1)
    store = shared()
    kept = {key: store._data[key] for key in store.keys("class:")}
    assert not any(token in repr(value) for value in kept.values()), "the store never holds a student's token"
    assert all(key in store._expiry for key in kept), "every key of the class expires"
    assert max(store._expiry[key] for key in kept) - store._clock() <= room.CLASS_TTL_S
    assert "Kept in this server's memory: a restart of the server ends the class" in texts(browser())
