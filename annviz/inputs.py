"""Parsing what a student types into a vector of numbers, with sentences they can act on."""

from __future__ import annotations

import math
import re

import numpy as np

from annviz.errors import InputError, echo

#: Largest magnitude accepted for a typed number; beyond it float32 maths and plots break down.
MAX_ABS_VALUE = 1e6


def parse_vector(
    text: str,
    *,
    name: str = "the list",
    min_length: int = 1,
    max_length: int = 1000,
    max_abs: float = MAX_ABS_VALUE,
) -> np.ndarray:
    """Parse ``"2, -1, 3"`` (commas, spaces or semicolons; brackets allowed) into float64.

    Raises ``ValueError`` with one sentence a student can act on when the text is
    empty, has something that is not a number, NaN/inf, a value beyond
    ``max_abs``, or a length outside ``[min_length, max_length]``.

    >>> parse_vector("[2, -1, 3]")
    array([ 2., -1.,  3.])
    >>> parse_vector("0.5 -0.6;0.8").tolist()
    [0.5, -0.6, 0.8]
    """
    stripped = text.strip().strip("[]()").strip() if text else ""
    if not stripped:
        raise InputError(f"{name.capitalize()} is empty: type numbers separated by commas, e.g. 2, -1, 3.")
    tokens = [t for t in re.split(r"[,\s;]+", stripped) if t]
    values: list[float] = []
    for token in tokens:
        try:
            value = float(token)
        except ValueError:
            raise InputError(f"{echo(token)} in {name} is not a number: use digits like 0.5 or -2.") from None
        if not math.isfinite(value):
            raise InputError(f"{name.capitalize()} contains {echo(token)}: only finite numbers are allowed.")
        if abs(value) > max_abs:
            raise InputError(f"{echo(token)} in {name} is too large: keep every value within ±{max_abs:g}.")
        values.append(value)
    if not min_length <= len(values) <= max_length:
        raise InputError(
            f"{name.capitalize()} has {len(values)} values; it needs between {min_length} and {max_length}."
        )
    return np.asarray(values, dtype=np.float64)


def format_vector(values: np.ndarray | list[float], *, digits: int = 4) -> str:
    """Format numbers back into the comma-separated text :func:`parse_vector` reads.

    >>> format_vector([2.0, -1.0, 0.125])
    '2, -1, 0.125'
    """
    return ", ".join(f"{float(v):.{digits}g}" for v in values)
