"""One rule for numbers in formulas (annviz.formatting): no negative zero, a sign written once, negative
factors in parentheses; and a sweep of every worked solution and neuron derivation for the faults it rules out."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annviz.exercises import EXERCISES, MAX_SEED, questions_for
from annviz.formatting import format_factor, format_fixed, format_number, format_product, format_sum
from annviz.neuron import neuron_derivation_latex, neuron_output

#: What no formula a person writes contains, in text (−) and LaTeX (-): a negative zero, a sign twice,
#: and a negative number added or subtracted in parentheses (``+ (−0.6)``) instead of a sign folded in.
FAULTS = {
    "negative zero": re.compile(r"[−-]0(?![.,\d])|[−-]0\.0+(?!\d*[1-9])(?![\d])"),
    "sign written twice": re.compile(r"(\+|[−-]) *(\+|[−-]) *\d|[+−-] [−-](?=\d)"),
    "added in parentheses": re.compile(r"[+−-] \([−-][\d.,]*(( × )?10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+|( \\times )?10\^\{-?\d+\})?\)(?! *(·|\\cdot|²|\^))"),
}


def faults(text: str) -> list[str]:
    return [name for name, pattern in FAULTS.items() if pattern.search(text)]


def test_the_fault_patterns_catch_what_the_issue_quotes():
    assert set(faults("−0 + (−0.6) + −0 + (−0.5)")) == set(FAULTS)
    assert faults("z = -0 + (-0.6) + 0 + (-0.5)") == ["negative zero", "added in parentheses"]
    assert faults("θ = −2.9 − (−0.22)") == ["added in parentheses"]
    assert faults("θ = −2.9 - -0.22") == ["sign written twice"]
    assert not faults("z = (−0.5)·(−3) + 0.7·0 + (−0.8)·2 − 0.8 = −0.9; 1 − (−0.98)²; e^(−1); −0.05; x − 0.25")


@pytest.mark.parametrize("value, text, latex", [
    (-0.0, "0", "0"), (0.0, "0", "0"), (-0.6, "−0.6", "-0.6"), (4.2, "4.2", "4.2"), (1e-12, "10⁻¹²", "10^{-12}"), (-3e-12, "−3 × 10⁻¹²", r"-3 \times 10^{-12}"),
    (-1234.0, "−1,234", "-1234"), (-1e-300 * 1e-300, "0", "0"), (0.1 + 0.2, "0.3", "0.3"),
])
def test_a_number(value, text, latex):
    assert format_number(value) == text and format_number(value, latex=True) == latex


def test_fixed_decimals_never_print_a_signed_zero():
    assert format_fixed(-0.0004, 3) == "0.000" and format_fixed(-0.0005001, 3) == "−0.001"
    assert format_fixed(-2.5, 1, unicode_minus=False) == "-2.5" and format_fixed(-0.0, 2, latex=True) == "0.00"


def test_products_parenthesize_negative_and_scientific_factors_only():
    assert format_product(-0.5, -3) == "(−0.5)·(−3)"
    assert format_product(0.5, -0.0) == "0.5·0"
    assert format_product(2e-9, 3) == "(2 × 10⁻⁹)·3"
    assert format_product(-0.6, -1, latex=True) == r"(-0.6) \cdot (-1)"
    assert format_factor("−0.98") == "(−0.98)" and format_factor("0.98") == "0.98"


def test_sums_fold_a_negative_terms_sign_into_the_operator():
    assert format_sum([-0.0, -0.6, -0.0, -0.5]) == "0 − 0.6 + 0 − 0.5"
    assert format_sum([-0.0, -0.6, -0.0, -0.5], latex=True) == "0 - 0.6 + 0 - 0.5"
    assert format_sum([-2.9, 0.22]) == "−2.9 + 0.22"
    assert format_sum([format_product(-0.5, -3)], -0.8) == "(−0.5)·(−3) − 0.8"
    assert format_sum([1.0, -1e-9]) == "1 − 10⁻⁹"


def _solution_texts(section: int, seed: int) -> list[str]:
    return [text for q in questions_for(section, seed) for step in q.solution for text in (step.text, step.latex or "")]


@pytest.mark.parametrize("section", sorted(EXERCISES))
@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, MAX_SEED))
def test_no_worked_solution_writes_a_negative_zero_or_a_sign_twice(section, seed):
    for text in _solution_texts(section, seed):
        assert not faults(text), (faults(text), text)


def test_the_neurons_with_a_zero_input_and_negative_weights_are_written_as_a_person_would():
    # The seeds that drew a 0 input against a negative weight (the issue's "−0 + (−0.6) + −0 + (−0.5)").
    seen = 0
    for seed in range(400):
        for question in questions_for(2, seed)[:2]:
            g = question.given
            if any(x == 0 and w < 0 for x, w in zip(g["x"], g["w"])):
                seen += 1
                for step in question.solution:
                    assert not faults(step.text) and not faults(step.latex or ""), step
    assert seen > 20


@settings(max_examples=200, deadline=None)
@given(
    x=st.lists(st.sampled_from([-3.0, -1.0, -0.0, 0.0, 1.0, 2.5, 1e-9]), min_size=1, max_size=4),
    data=st.data(),
    activation=st.sampled_from(["relu", "sigmoid", "tanh", "linear"]),
)
def test_every_neuron_derivation_follows_the_rule(x, data, activation):
    w = data.draw(st.lists(st.sampled_from([-0.6, -0.5, -0.0, 0.3, 0.8, -2e-9]), min_size=len(x), max_size=len(x)))
    b = data.draw(st.sampled_from([-0.5, -0.0, 0.0, 0.2]))
    for line in neuron_derivation_latex(neuron_output(x, w, b, activation)):
        assert not faults(line), (faults(line), line)
    # The printed sum still equals z: the rule changes how it is written, not what it says.
    products = neuron_derivation_latex(neuron_output(x, w, b, activation))[2].removeprefix("z = ")
    value = eval(products.replace(r" \times 10^", "e").replace("{", "").replace("}", ""))  # noqa: S307 (our own digits)
    assert value == pytest.approx(float(np.dot(x, w) + b), abs=1e-6)
