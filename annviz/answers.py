"""Reading a student's typed answer forgivingly: numbers as people write them, and array shapes.

A number may be written ``0.714``, ``71.4 %``, ``5/7``, ``1e-3``, ``1.5 × 10^-3``, ``109386``,
``109,386`` or ``109 386`` (``−`` for the minus sign, ``0,5`` with a decimal comma); a shape
``(60000, 784)``, ``[60000, 784]``, ``60000x784`` or ``60,000 × 784``. Text that cannot be read
raises :class:`annviz.errors.InputError` with a sentence that says what is expected.

How close is close enough (:func:`number_matches`): within half a unit of the stated rounding,
so "to 3 decimals" accepts 0.7135 … 0.7145 for 0.714285…; a whole-number answer must be exact.

>>> parse_number("71.4 %")
ParsedNumber(value=0.714, percent=True)
>>> parse_number("109,386").value, parse_number("5/7").value == 5 / 7
(109386.0, True)
>>> parse_shape("60000x784")
(60000, 784)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from annviz.errors import InputError, echo

#: What every "cannot read this number" sentence offers as examples.
NUMBER_EXAMPLES = "0.714, 71.4 %, 5/7, 1e-3 or 109,386"
#: Longest answer read at all; a whole paragraph is no number.
MAX_ANSWER_CHARS = 60
#: Largest magnitude taken as a number (beyond it nothing in the exercises is meant).
MAX_ABS_ANSWER = 1e18

_MINUS = str.maketrans({"−": "-", "–": "-", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "٫": "."})
# 1,234,567 or 1 234 567 (the first group has no leading 0), with an optional decimal part.
_GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}(?:([, _])\d{3})(?:\1\d{3})*(?:\.\d+)?")
_PLAIN = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?", re.IGNORECASE)
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
_TIMES_TEN = re.compile(r"(.+?)\s*(?:[×x*]|\*\*)\s*10\s*(?:\^|\*\*)\s*\(?\s*([+-]?\d+)\s*\)?", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedNumber:
    """A number read from an answer; ``percent`` says it was written with ``%`` (its value is already /100)."""

    value: float
    percent: bool = False


def _unreadable(text: str) -> InputError:
    return InputError(f"{echo(text)} is not a number I can read: write it like {NUMBER_EXAMPLES}.")


def _plain_number(text: str, original: str) -> float:
    """One number without a percent sign or a fraction bar."""
    text = text.strip()
    times_ten = _TIMES_TEN.fullmatch(text)
    if times_ten:
        return _plain_number(times_ten.group(1), original) * 10.0 ** int(times_ten.group(2))
    if re.fullmatch(r"10\s*\^\s*\(?\s*[+-]?\d+\s*\)?", text):
        return 10.0 ** int(re.sub(r"[^\d+-]", "", text[2:]))
    if _GROUPED.fullmatch(text):
        return float(re.sub(r"[, _]", "", text))
    if _PLAIN.fullmatch(text):
        return float(text)
    if _DECIMAL_COMMA.fullmatch(text):
        return float(text.replace(",", "."))
    raise _unreadable(original)


def parse_number(text: str) -> ParsedNumber:
    """Read a typed number: decimals, thousands separators, ``%``, ``a/b``, ``1e-3``, ``2 × 10^-3``.

    Raises :class:`InputError` (a ``ValueError``) with a sentence for empty or unreadable text,
    a division by zero, or a number that is not finite.

    >>> [parse_number(t).value for t in ("0.714", "1e-3", "−2.5", "0,5", "1.5 × 10^-3", "109 386")]
    [0.714, 0.001, -2.5, 0.5, 0.0015, 109386.0]
    >>> parse_number("seven")
    Traceback (most recent call last):
    ...
    annviz.errors.InputError: `seven` is not a number I can read: write it like 0.714, 71.4 %, 5/7, 1e-3 or 109,386.
    """
    original = text or ""
    cleaned = original.translate(_MINUS).strip()
    if not cleaned:
        raise InputError(f"The answer is empty: type a number, for example {NUMBER_EXAMPLES}.")
    if len(cleaned) > MAX_ANSWER_CHARS:
        raise InputError(f"That answer is {len(cleaned):,} characters long: type just the number, for example 0.714.")
    percent = cleaned.endswith("%")
    if percent:
        cleaned = cleaned[:-1].strip()
    if cleaned.count("/") == 1:
        numerator, denominator = (_plain_number(part, original) for part in cleaned.split("/"))
        if denominator == 0:
            raise InputError(f"{echo(original)} divides by zero: write a fraction with a non-zero denominator, e.g. 5/7.")
        value = numerator / denominator
    else:
        value = _plain_number(cleaned, original)
    if percent:
        value = float(f"{value / 100.0:.15g}")  # 71.4 % is 0.714, not 0.7140000000000001
    if not math.isfinite(value) or abs(value) > MAX_ABS_ANSWER:
        raise InputError(f"{echo(original)} is not a finite number of a sensible size: write it like {NUMBER_EXAMPLES}.")
    return ParsedNumber(value, percent)


def number_matches(answer: ParsedNumber, expected: float, *, decimals: int | None) -> bool:
    """Whether ``answer`` is ``expected`` stated to ``decimals`` places (``None``: a whole number, exactly).

    Accepts everything within half a unit of the last stated decimal (and a hair more for
    binary rounding); a whole-number answer written with ``%`` is never a count.

    >>> number_matches(parse_number("0.714"), 5 / 7, decimals=3), number_matches(parse_number("0.71"), 5 / 7, decimals=3)
    (True, False)
    >>> number_matches(parse_number("109,386"), 109386, decimals=None), number_matches(parse_number("109385"), 109386, decimals=None)
    (True, False)
    """
    if decimals is None:
        return not answer.percent and answer.value == float(expected)
    tolerance = 0.5 * 10.0**-decimals
    return abs(answer.value - expected) <= tolerance * (1 + 1e-9) + 1e-12


_SHAPE_TIMES = re.compile(r"\s*(?:[×x*]|\bby\b)\s*", re.IGNORECASE)


def parse_shape(text: str) -> tuple[int, ...]:
    """Read an array shape: ``(60000, 784)``, ``[60000, 784]``, ``60000x784``, ``60,000 × 784``, ``(784,)``.

    With ``×``/``x`` between the sizes each size may carry thousands separators; with commas
    between them it may not (``(60,000, 784)`` would be ambiguous). Every size is a whole
    number of at least 1.

    >>> parse_shape("(60000, 784)"), parse_shape("60,000 × 784"), parse_shape("(784,)")
    ((60000, 784), (60000, 784), (784,))
    >>> parse_shape("big")
    Traceback (most recent call last):
    ...
    annviz.errors.InputError: `big` is not a shape I can read: write the sizes like (60000, 784) or 60000x784.
    """
    original = text or ""
    cleaned = original.translate(_MINUS).strip()
    unreadable = InputError(f"{echo(original)} is not a shape I can read: write the sizes like (60000, 784) or 60000x784.")
    if not cleaned:
        raise InputError("The answer is empty: type the shape, for example (60000, 784) or 60000x784.")
    if len(cleaned) > MAX_ANSWER_CHARS:
        raise InputError(f"That answer is {len(cleaned):,} characters long: type just the shape, for example (60000, 784).")
    inner = cleaned.removeprefix("shape").strip().strip("()[]").strip()
    if _SHAPE_TIMES.search(inner):
        parts = _SHAPE_TIMES.split(inner)
    else:
        parts = [part for part in re.split(r"\s*,\s*|\s+", inner)]
        if parts and parts[-1] == "" and len(parts) > 1:
            parts = parts[:-1]  # (784,) is Python's 1-tuple
    sizes = []
    for part in parts:
        if _GROUPED.fullmatch(part):
            part = re.sub(r"[, _]", "", part)
        if not part.isascii() or not part.isdigit():
            raise unreadable
        size = int(part)
        if size < 1:
            raise InputError(f"A shape's sizes are at least 1, and {echo(original)} has a {size}: write e.g. (60000, 784).")
        sizes.append(size)
    if not sizes:
        raise unreadable
    return tuple(sizes)


def format_shape(shape: tuple[int, ...]) -> str:
    """A shape as Python prints it: ``(60000, 784)``, ``(784,)``.

    >>> format_shape((60000, 784)), format_shape((784,))
    ('(60000, 784)', '(784,)')
    """
    return str(tuple(int(size) for size in shape))
