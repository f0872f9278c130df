"""What the exercise tests type: a wrong answer for any question (the right one is its ``answer_text``)."""

from __future__ import annotations

from annviz.answers import format_shape
from annviz.exercises import Question


def wrong_answer(question: Question) -> str:
    """An answer that is readable but wrong: three units of the stated rounding off, one more, another option."""
    if question.kind == "number":
        decimals = question.decimals or 0
        return f"{float(question.answer) + 3 * 10.0**-decimals:.{decimals}f}"
    if question.kind == "integer":
        return str(int(question.answer) + 1)
    if question.kind == "shape":
        return format_shape((question.answer[0] + 1, *question.answer[1:]))
    return next(option for option in question.options if option != question.answer)
