"""The Check yourself block on every section page (AppTest): a wrong first answer gets "Not quite" and a second
try, the answer and worked solution come after a right answer, a second miss or on request; the first try is
what the score counts; the URL's question set gives the same questions; nonsense gets a sentence."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from annviz.exercises import DEFAULT_SEED, EXERCISES, Question, feedback, questions_for
from exercise_helpers import wrong_answer
from pages._exercises import solution_key

ROOT = Path(__file__).resolve().parent.parent
#: The page that ends with each section's block (section 7's is on the MNIST page, not the Draw page).
PAGES = {1: "p1_ann", 2: "p2_neuron", 3: "p3_layers", 4: "p4_activations", 5: "p5_optimizers",
         6: "p6_keras_workflow", 7: "p7_mnist", 8: "p8_metrics", 9: "p9_limitations"}
#: A tab that needs no measurement of the shipped models (the block is below the tabs either way).
QUIET_TABS = {9: {"lim_tab": "Parameter explosion"}}
TIMEOUT = 120


def run_page(section: int, **query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{PAGES[section]}.py"), default_timeout=TIMEOUT)
    for key, value in {**QUIET_TABS.get(section, {}), **query}.items():
        at.query_params[key] = value  # as a shared link would
    at.run()
    assert not at.exception, at.exception
    return at


def answer(at: AppTest, question: Question, text: str) -> AppTest:
    key = f"quiz_s{question.section}_q{question.index + 1}_answer"
    (at.radio(key=key) if question.kind == "choice" else at.text_input(key=key)).set_value(text).run()
    assert not at.exception, at.exception
    return at


def shown(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [x.value for x in at.latex])


def solution_shown(at: AppTest, question: Question) -> bool:
    text = shown(at)
    return all((step.latex or step.text) in text for step in question.solution)


def test_every_section_page_ends_with_its_block():
    for section, page in PAGES.items():
        assert (ROOT / "pages" / f"{page}.py").read_text().rstrip().endswith(f"check_yourself(section={section})")
    assert "check_yourself" not in (ROOT / "pages" / "p7_draw.py").read_text()
    assert sorted(PAGES) == sorted(EXERCISES)


@pytest.mark.parametrize("section", sorted(PAGES), ids=[PAGES[s] for s in sorted(PAGES)])
def test_wrong_then_right_with_the_link_question_set(section):
    at = run_page(section, quiz_seed="7")
    question = questions_for(section, 7)[0]
    assert at.number_input(key="quiz_seed").value == 7
    for other in questions_for(section, 7):
        assert other.prompt in shown(at)  # the link's question set, question by question
    assert not solution_shown(at, question)  # nothing is given away before an answer

    answer(at, question, wrong_answer(question))
    # The first wrong answer says only that it is wrong (and which way): no answer, no solution yet.
    assert [w.value for w in at.warning] == [feedback(question, [wrong_answer(question)]).message]
    assert at.warning[0].value.startswith("Not quite") and question.answer_text not in at.warning[0].value
    assert not solution_shown(at, question) and at.button(key=solution_key(section, 0))
    assert any("0 right of 1 answered in this section" in c.value for c in at.caption)

    answer(at, question, question.answer_text)
    assert [s.value for s in at.success] == [f"Right on the second try: {question.answer_text}."] and not at.warning
    assert solution_shown(at, question)
    # The first try counts: a right second answer does not raise the score.
    assert any("counts your first try" in c.value and "0 right of 1 answered in this section" in c.value for c in at.caption)


def test_a_second_wrong_answer_shows_the_answer_and_the_solution():
    at = run_page(8)
    question = questions_for(8, DEFAULT_SEED)[0]
    first = wrong_answer(question)
    second = f"{float(question.answer) - 3 * 10.0 ** -question.decimals:.{question.decimals}f}"
    answer(at, question, first)
    assert not solution_shown(at, question)
    answer(at, question, first)  # the same text again (a rerun) is not a second try
    assert not solution_shown(at, question) and len(at.warning) == 1
    answer(at, question, second)
    assert [w.value for w in at.warning] == [f"Not quite: the answer is {question.answer_text}. The worked solution shows how."]
    assert solution_shown(at, question)
    assert not [b for b in at.button if b.key == solution_key(8, 0)]
    assert any("0 right of 1 answered in this section" in c.value for c in at.caption)


def test_the_solution_comes_on_request_after_a_wrong_first_try():
    at = run_page(5)
    question = questions_for(5, DEFAULT_SEED)[0]
    answer(at, question, wrong_answer(question))
    assert not solution_shown(at, question)
    at.button(key=solution_key(5, 0)).click().run()
    assert not at.exception
    assert solution_shown(at, question)
    assert [w.value for w in at.warning] == [f"Not quite: the answer is {question.answer_text}. The worked solution shows how."]


def test_a_choice_question_and_a_right_first_answer_count():
    at = run_page(3)
    question = questions_for(3, DEFAULT_SEED)[2]
    assert question.kind == "choice" and list(at.radio(key="quiz_s3_q3_answer").options) == list(question.options)
    answer(at, question, question.answer)
    assert [s.value for s in at.success] == [f"Right: {question.answer_text}."]
    assert any("1 right of 1 answered in this section" in c.value for c in at.caption)


@pytest.mark.parametrize("text", ["seventy", "nan", "1/0", "9" * 500])
def test_nonsense_gets_a_sentence_and_no_score(text):
    at = answer(run_page(8), questions_for(8, DEFAULT_SEED)[1], text)
    assert len(at.error) == 1 and at.error[0].value.endswith(".") and not at.warning and not at.success
    assert not any("answered in this section" in c.value for c in at.caption)


def test_new_questions_move_to_the_next_set_and_clear_the_answers():
    at = run_page(2)
    first = questions_for(2, DEFAULT_SEED)[0]
    answer(at, first, first.answer_text)
    at.button(key="quiz_s2_new").click().run()
    assert at.number_input(key="quiz_seed").value == DEFAULT_SEED + 1
    assert at.query_params["quiz_seed"] == [str(DEFAULT_SEED + 1)] or at.query_params["quiz_seed"] == str(DEFAULT_SEED + 1)
    assert at.text_input(key="quiz_s2_q1_answer").value == "" and not at.success
    assert questions_for(2, DEFAULT_SEED + 1)[0].prompt in shown(at)


def test_both_sheets_are_offered_for_the_set_shown():
    at = run_page(8, quiz_seed="12")
    assert "Check yourself" in [h.value for h in at.subheader]
    labels = [button.proto.label for button in at.get("download_button")]
    assert labels == ["Printable sheet: §8, set 12", "Printable sheet: all sections, set 12"]


def test_lecture_mode_leaves_the_block_out():
    at = run_page(8, lecture="1")
    assert "Check yourself" not in [h.value for h in at.subheader]
    assert not [w for w in at.text_input if (w.key or "").startswith("quiz_")] and not at.get("download_button")
