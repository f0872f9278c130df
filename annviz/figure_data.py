"""What the figure builders agree on about the data they hand to plotly.

plotly draws a NaN as nothing, and three figures use that on purpose: the band that marks where
an activation saturates (NaN where it does not), the MNIST mosaic (NaN between the digits) and
the two layers of a confusion matrix (each NaN where the other one draws). A NaN anywhere else
means a computation went wrong, which the fuzz harness (``tests/fuzz.py``) looks for on every
chart. A trace whose NaNs are gaps says so in plotly's free-form ``meta`` attribute.

>>> trace = {"type": "heatmap", "z": [[1.0, float("nan")]], "meta": GAPS}
>>> has_intended_gaps(trace), has_intended_gaps({"type": "scatter"})
(True, False)
"""

from __future__ import annotations

from typing import Any

#: The ``meta`` of a trace that draws its NaNs as gaps on purpose.
GAPS = "NaN here is a gap, drawn as nothing"


def has_intended_gaps(trace: dict[str, Any]) -> bool:
    """Whether a trace (as plotly's JSON dict) marks its NaNs as intended gaps."""
    return trace.get("meta") == GAPS
