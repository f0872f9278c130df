"""Numbers as the pages print them: counts with thousands separators, huge ones in scientific notation.

>>> format_count(109_386), format_megabytes(61.442048)
('109,386', '61.44 MB')
"""

from __future__ import annotations

import numbers

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
