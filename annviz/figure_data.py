"""What the figure builders agree on about the figures they hand to plotly and Streamlit.

Every builder returns a :class:`FinishedFigure`: ``st.plotly_chart`` turns the figure into a
dict with ``to_dict()`` (a deep copy of every array) on every script run that shows it, and the
pages cache their figures, so the dict is made once per figure instead of once per run.

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

import plotly.graph_objects as go

#: The ``meta`` of a trace that draws its NaNs as gaps on purpose.
GAPS = "NaN here is a gap, drawn as nothing"


def has_intended_gaps(trace: dict[str, Any]) -> bool:
    """Whether a trace (as plotly's JSON dict) marks its NaNs as intended gaps."""
    return trace.get("meta") == GAPS


class FinishedFigure(go.Figure):
    """A ``go.Figure`` that makes its dict once, at the first ``to_dict()``, and hands out that one.

    Streamlit's ``st.plotly_chart`` calls ``to_dict()`` on every run that shows a figure (for the
    optimizer race's figure, 3.8 ms of a class's shared server CPU each time) and only reads the
    dict (it serialises it to JSON). A change to the figure (``update_layout``, a property set on
    a trace or on the layout, ``add_trace``, a new ``data`` or ``layout``) drops the dict, so the
    next ``to_dict()`` sees it. The dict is shared: read it, do not change it.

    >>> fig = FinishedFigure({"data": [{"type": "scatter", "y": [1, 2]}]})
    >>> fig.to_dict() is fig.to_dict()
    True
    >>> _ = fig.update_layout(title_text="changed")
    >>> fig.to_dict()["layout"]["title"]["text"]
    'changed'
    """

    def to_dict(self) -> dict[str, Any]:
        made = self.__dict__.get("_finished_dict")
        if made is None:
            made = super().to_dict()
            self._finished_dict = made
        return made

    def _changed(self) -> None:
        self.__dict__.pop("_finished_dict", None)

    # Every change of a plotly figure passes through one of these (tests/test_figure_data.py
    # tries each kind of change).
    def __setattr__(self, name: str, value: Any) -> None:
        if not name.startswith("_"):
            self._changed()
        super().__setattr__(name, value)

    def _relayout_child(self, *args: Any, **kwargs: Any) -> Any:
        self._changed()
        return super()._relayout_child(*args, **kwargs)

    def _restyle_child(self, *args: Any, **kwargs: Any) -> Any:
        self._changed()
        return super()._restyle_child(*args, **kwargs)

    def _perform_plotly_update(self, *args: Any, **kwargs: Any) -> Any:
        self._changed()
        return super()._perform_plotly_update(*args, **kwargs)

    def _send_relayout_msg(self, *args: Any, **kwargs: Any) -> Any:
        self._changed()
        return super()._send_relayout_msg(*args, **kwargs)

    def add_traces(self, *args: Any, **kwargs: Any) -> Any:
        self._changed()
        return super().add_traces(*args, **kwargs)
