r"""Numbers as the pages print them: counts with thousands separators, huge ones in scientific notation,
and the one rule for numbers inside formulas (signs, zeros, parentheses) that every worked solution uses.

The formula rule, as a person writes it by hand:

- no negative zero: ``-0.0`` is ``0``, and ``-0.0001`` to 3 decimals is ``0.000``;
- a sign is written once: ``a + (−b)`` is ``a − b`` and ``a − (−b)`` is ``a + b``;
- a negative number (or a power of ten) *inside a product or a power* is in parentheses,
  ``(−0.5)·(−3)``, ``(−0.98)²``, and nowhere else.

Plain text uses the Unicode minus ``−``; LaTeX uses ``-`` (KaTeX sets it as a minus) and ``\cdot``.

>>> format_count(109_386), format_megabytes(61.442048)
('109,386', '61.44 MB')
>>> format_sum([1.5, -0.0, -1.6, -0.8])
'1.5 + 0 − 1.6 − 0.8'
>>> format_sum([format_product(-0.5, -3), format_product(0.7, 0.0)], -0.8)
'(−0.5)·(−3) + 0.7·0 − 0.8'
"""

from __future__ import annotations

import math
import numbers
from typing import Sequence

#: Counts at or above this are shown in scientific notation.
SCIENTIFIC_FROM = 10**12

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def format_count(value: float, *, digits: int = 4) -> str:
    """A count with thousands separators, or in scientific notation from 10^12 on.

    >>> format_count(15_360_512), format_count(10**6 * 10**6 * 3 * 512 + 512)
    ('15,360,512', '1.536 × 10¹⁵')
    >>> format_count(61.44), format_count(100480.0)
    ('61.44', '100,480')
    """
    if abs(value) >= SCIENTIFIC_FROM:
        mantissa, exponent = f"{float(value):.{digits - 1}e}".split("e")
        return f"{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"
    if isinstance(value, numbers.Integral) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.{digits}g}" if abs(value) < 1000 else f"{value:,.1f}"


_BIG_UNITS = ((10**12, "EB"), (10**9, "PB"), (10**6, "TB"), (10**3, "GB"))


def format_megabytes(megabytes: float) -> str:
    """Memory in MB (10^6 bytes); from a terabyte on in scientific notation with the everyday unit beside it.

    >>> format_megabytes(61.442048), format_megabytes(6_144_000_002.048)
    ('61.44 MB', '6.144 × 10⁹ MB ≈ 6.1 PB')
    """
    if megabytes < 10**6:
        return f"{megabytes:,.2f} MB"
    mantissa, exponent = f"{megabytes:.3e}".split("e")
    scientific = f"{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT)} MB"
    if megabytes >= 10**15:
        return scientific
    size, unit = next((size, unit) for size, unit in _BIG_UNITS if megabytes >= size)
    return f"{scientific} ≈ {megabytes / size:,.1f} {unit}"


def format_seconds(seconds: float) -> str:
    """``7 s``, ``1 min 05 s``.

    >>> format_seconds(7.2), format_seconds(65)
    ('7 s', '1 min 05 s')
    """
    seconds = max(0, int(round(seconds)))
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min {seconds % 60:02d} s"


# ----------------------------------------------------------------------------- numbers in formulas

#: The minus sign of plain text (print and screen); LaTeX writes "-".
MINUS = "−"


def _minus(text: str, latex: bool) -> str:
    return text if latex else text.replace("-", MINUS)


def format_number(value: float, *, digits: int = 6, latex: bool = False) -> str:
    r"""A number in a formula: ``digits`` significant digits, never ``−0``, powers of ten written out.

    Whole numbers in text get thousands separators (``1,024``); LaTeX writes them plain.

    >>> format_number(-0.6), format_number(-0.0), format_number(-1e-12, digits=3), format_number(2e-09)
    ('−0.6', '0', '−10⁻¹²', '2 × 10⁻⁹')
    >>> format_number(-0.6, latex=True), format_number(2e-09, latex=True), format_number(1024.0)
    ('-0.6', '2 \\times 10^{-9}', '1,024')
    """
    value = float(value)
    if not math.isfinite(value):
        return _minus(str(value), latex)  # a formula never gets here; shown as Python says it, not hidden
    if value.is_integer() and abs(value) < 1e15:
        text = f"{int(value):,}" if not latex else str(int(value))
        return _minus(text, latex)
    mantissa, _, exponent = f"{value:.{digits}g}".partition("e")
    if float(mantissa) == 0:
        return "0"
    if exponent:
        power = rf"10^{{{int(exponent)}}}" if latex else f"10{str(int(exponent)).translate(_SUPERSCRIPT)}"
        if mantissa.lstrip("-") == "1":  # 10⁻⁷, not 1 × 10⁻⁷
            return _minus(mantissa[:-1], latex) + power
        return _minus(mantissa, latex) + (r" \times " if latex else " × ") + power
    return _minus(mantissa, latex)


def format_fixed(value: float, decimals: int, *, latex: bool = False, unicode_minus: bool = True) -> str:
    """A number to ``decimals`` places; a value that rounds to zero has no sign.

    >>> format_fixed(-2.68, 3), format_fixed(-0.0001, 3), format_fixed(-2.68, 3, unicode_minus=False)
    ('−2.680', '0.000', '-2.680')
    """
    text = f"{float(value) + 0.0:.{decimals}f}"
    if float(text) == 0:
        text = text.lstrip("-")
    return text if latex or not unicode_minus else text.replace("-", MINUS)


def _wrapped(text: str, latex: bool) -> bool:
    return text.startswith(("-", MINUS)) or (r"\times" in text if latex else "×" in text)


def format_factor(value: float | str, *, digits: int = 6, latex: bool = False) -> str:
    """A number inside a product or under a power: in parentheses when negative or a power of ten.

    >>> format_factor(-0.5), format_factor(3.0), format_factor(-0.0), format_factor("−0.980000")
    ('(−0.5)', '3', '0', '(−0.980000)')
    """
    text = value if isinstance(value, str) else format_number(value, digits=digits, latex=latex)
    return f"({text})" if _wrapped(text, latex) else text


def format_product(*factors: float | str, digits: int = 6, latex: bool = False) -> str:
    r"""Factors joined by a centred dot, negative ones in parentheses.

    >>> format_product(-0.5, -3), format_product(0.5, 2, latex=True)
    ('(−0.5)·(−3)', '0.5 \\cdot 2')
    """
    return (r" \cdot " if latex else "·").join(format_factor(f, digits=digits, latex=latex) for f in factors)


def format_sum(terms: Sequence[float | str], *more: float | str, digits: int = 6, latex: bool = False) -> str:
    """Terms added up as a person writes them: a negative number after the first is subtracted.

    A number term is written with its sign folded into the operator (``+ (−0.8)`` is ``− 0.8``);
    a text term (a product, already formatted) is added as it is.

    >>> format_sum([-2.9, 0.22]), format_sum([0.2, -0.97]), format_sum([1.0, -0.0, -2e-9])
    ('−2.9 + 0.22', '0.2 − 0.97', '1 + 0 − 2 × 10⁻⁹')
    >>> format_sum([0.5, -0.6], latex=True)
    '0.5 - 0.6'
    """
    minus = "-" if latex else MINUS
    parts: list[str] = []
    for term in [*terms, *more]:
        if isinstance(term, str):
            parts.append(term if not parts else f"+ {term}")
            continue
        text = format_number(term, digits=digits, latex=latex)
        if not parts:
            parts.append(text)
        elif text.startswith(minus):
            parts.append(f"{minus} {text[1:]}")
        else:
            parts.append(f"+ {text}")
    return " ".join(parts)
