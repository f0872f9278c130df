"""The grammar of lecture-mode links: ``?lecture=1``, ``&step=k`` and ``?hide=a,b``, read forgivingly.

Plain Python (no NumPy, no plotly): ``app.py`` reads ``?lecture=`` before anything heavy is imported.
A garbage value is ignored, never an error: a link pasted into slides must still open its page.

>>> step_link("neuron", 2)
'/neuron?lecture=1&step=2'
>>> parse_step("2", 3), parse_step("9", 3), parse_step("two", 3)
(2, None, None)
>>> hidden_keys("neuron_b, neuron_w,<script>,neuron_b")
('neuron_b', 'neuron_w')
"""

from __future__ import annotations

import re

#: Values of ``?lecture=`` that switch lecture mode on; anything else leaves it off.
ON_VALUES = frozenset({"1", "true", "on", "yes"})
#: Longest ``?hide=`` list read (a garbage link cannot make the page build a huge style sheet).
MAX_HIDDEN = 40
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,60}$")


def step_link(page: str, number: int) -> str:
    """The address of step ``number`` (from 1) of a page, in lecture mode."""
    return f"/{page}?lecture=1&step={number}"


def parse_step(text: str | None, count: int) -> int | None:
    """The step number a link asks for, or None when it is missing, not a whole number or out of range."""
    if text is None or not re.fullmatch(r"[0-9]{1,3}", text.strip()):
        return None
    number = int(text)
    return number if 1 <= number <= count else None


def hidden_keys(text: str | None) -> tuple[str, ...]:
    """The widget keys a ``?hide=`` list names, in order, without repeats; anything that is not a key is ignored."""
    if not text:
        return ()
    keys = [part.strip() for part in text.split(",")[:MAX_HIDDEN]]
    return tuple(dict.fromkeys(key for key in keys if _KEY.match(key)))


def is_on(text: str | None) -> bool:
    """Whether a ``?lecture=`` value switches lecture mode on (``1``, ``true``, ``on``, ``yes``).

    >>> is_on("1"), is_on("TRUE"), is_on("0"), is_on("<b>"), is_on(None)
    (True, True, False, False, False)
    """
    return text is not None and text.strip().lower() in ON_VALUES
