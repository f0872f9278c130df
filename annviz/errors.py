"""The one exception whose message is meant for a student.

annviz raises :class:`InputError` when the input a person gave (a typed vector, a link value,
an uploaded file, a setting out of range) cannot be used, with a sentence that says what to
change. Pages turn only this exception into ``st.error``: any other exception is a bug, and a
bug in NumPy or plotly must not be shown as advice.

It subclasses :class:`ValueError`, so callers that catch ``ValueError`` keep working.

>>> try:
...     raise InputError("The learning rate must be positive.")
... except ValueError as error:
...     print(error)
The learning rate must be positive.
"""

from __future__ import annotations


class InputError(ValueError):
    """Input that cannot be used; ``str(error)`` is one sentence a student can act on."""
