"""annviz.answers: a typed answer is read the way people write numbers and shapes, and nonsense gets a sentence."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annviz.answers import format_shape, number_matches, parse_number, parse_shape
from annviz.errors import InputError


@pytest.mark.parametrize(
    "text, value",
    [
        ("0.714", 0.714), ("71.4 %", 0.714), ("71.4%", 0.714), ("5/7", 5 / 7), ("5 / 7", 5 / 7), ("1e-3", 0.001),
        ("1E-3", 0.001), ("109386", 109386), ("109,386", 109386), ("109 386", 109386), ("1,234,567", 1234567),
        ("−2.5", -2.5), ("-2.5", -2.5), ("+3", 3), (".5", 0.5), ("0,5", 0.5), ("1.5 × 10^-3", 0.0015),
        ("2*10**-3", 0.002), ("10^-3", 0.001), ("1.09386e5", 109386), ("  0.75  ", 0.75), ("3/4", 0.75),
    ],
)
def test_equivalent_forms_read_as_the_same_number(text, value):
    assert parse_number(text).value == pytest.approx(value, rel=1e-12)


def test_the_issues_forms_all_answer_the_lectures_accuracy_and_count():
    for text in ("0.714", "71.4 %", "5/7"):
        assert number_matches(parse_number(text), 5 / 7, decimals=3), text
    for text in ("109386", "109,386"):
        assert number_matches(parse_number(text), 109386, decimals=None), text
    assert number_matches(parse_number("1e-3"), 0.001, decimals=4)


@pytest.mark.parametrize(
    "text, expected, decimals",
    [("0.71", 5 / 7, 3), ("0.72", 5 / 7, 3), ("71 %", 5 / 7, 3), ("5/8", 5 / 7, 3), ("109385", 109386, None),
     ("109,387", 109386, None), ("1e-2", 0.001, 4), ("71.4", 5 / 7, 3), ("109386 %", 109386, None)],
)
def test_wrong_answers_do_not_match(text, expected, decimals):
    assert not number_matches(parse_number(text), expected, decimals=decimals)


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "empty"), ("   ", "empty"), ("seven", "not a number I can read"), ("nan", "not a number I can read"),
        ("inf", "not a number I can read"), ("1e309", "finite"), ("1/0", "divides by zero"), ("1,2,3", "not a number"),
        ("0.7.1", "not a number"), ("9" * 10_000, "characters long"), ("5/7/9", "not a number"), ("%", "not a number"),
    ],
)
def test_unreadable_text_gets_a_sentence_that_says_what_is_expected(text, words):
    with pytest.raises(InputError) as raised:
        parse_number(text)
    message = str(raised.value)
    assert words in message and message.endswith(".") and "\n" not in message
    assert len(message) < 160  # the student's text is quoted short, never 10,000 characters back


@settings(max_examples=50, deadline=None)
@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_any_number_python_prints_reads_back(value):
    assert parse_number(repr(value)).value == value


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_a_number_or_an_input_error(text):
    try:
        parsed = parse_number(text)
    except InputError as error:
        assert str(error)
    else:
        assert math.isfinite(parsed.value)


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=10**15))
def test_whole_numbers_with_or_without_thousands_separators(value):
    assert parse_number(f"{value:,}").value == value == parse_number(str(value)).value


def test_within_half_a_unit_of_the_stated_rounding():
    assert number_matches(parse_number("0.7145"), 0.714, decimals=3)
    assert number_matches(parse_number("0.7135"), 0.714, decimals=3)
    assert not number_matches(parse_number("0.7146"), 0.714, decimals=3)
    assert number_matches(parse_number("2"), 2.0, decimals=3)


@pytest.mark.parametrize(
    "text, shape",
    [("(60000, 784)", (60000, 784)), ("[60000, 784]", (60000, 784)), ("60000x784", (60000, 784)),
     ("60000 × 784", (60000, 784)), ("60,000 × 784", (60000, 784)), ("60000 by 784", (60000, 784)),
     ("(60000,784)", (60000, 784)), ("(784,)", (784,)), ("(60000, 28, 28, 1)", (60000, 28, 28, 1)),
     ("shape (32, 10)", (32, 10))],
)
def test_shapes_in_every_usual_spelling(text, shape):
    assert parse_shape(text) == shape


@pytest.mark.parametrize("text", ["", "big", "(60000, -784)", "(0, 784)", "(1.5, 2)", "(a, b)", "x" * 500])
def test_unreadable_shapes_get_a_sentence(text):
    with pytest.raises(InputError) as raised:
        parse_shape(text)
    assert str(raised.value).endswith(".")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=100_000), min_size=1, max_size=4))
def test_a_shape_as_python_prints_it_reads_back(sizes):
    assert parse_shape(format_shape(tuple(sizes))) == tuple(sizes) == parse_shape(" x ".join(map(str, sizes)))
