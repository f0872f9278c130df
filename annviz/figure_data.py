"""What the figure builders agree on about the figures they hand to plotly and Streamlit.

Every builder returns a :class:`FinishedFigure`: ``st.plotly_chart`` turns the figure into a
dict with ``to_dict()`` (a deep copy of every array) on every script run that shows it, and the
pages cache their figures, so the dict is made once per figure instead of once per run.

plotly draws a NaN as nothing, and three figures use that on purpose: the band that marks where
an activation saturates (NaN where it does not), the first-layer weights mosaic (NaN between the
neurons) and the two layers of a confusion matrix (each NaN where the other one draws). A NaN anywhere else
means a computation went wrong, which the fuzz harness (``tests/fuzz.py``) looks for on every
chart. A trace whose NaNs are gaps says so in plotly's free-form ``meta`` attribute.

>>> trace = {"type": "heatmap", "z": [[1.0, float("nan")]], "meta": GAPS}
>>> has_intended_gaps(trace), has_intended_gaps({"type": "scatter"})
(True, False)
"""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
import plotly.graph_objects as go
from PIL import Image

#: The ``meta`` of a trace that draws its NaNs as gaps on purpose.
GAPS = "NaN here is a gap, drawn as nothing"


def has_intended_gaps(trace: dict[str, Any]) -> bool:
    """Whether a trace (as plotly's JSON dict) marks its NaNs as intended gaps."""
    return trace.get("meta") == GAPS


def colour_pixels(values: np.ndarray, colorscale: str, *, zmin: float, zmax: float) -> np.ndarray:
    """The RGBA pixels plotly's heatmap would draw for ``values``: each value's colour on the
    named ``colorscale`` between ``zmin`` and ``zmax`` (linear between the scale's stops, as
    plotly.js does), and NaN transparent (a heatmap draws it as nothing).

    >>> colour_pixels(np.array([[0.0, 255.0, np.nan]]), "Greys", zmin=0, zmax=255).tolist()
    [[[255, 255, 255, 255], [0, 0, 0, 255], [0, 0, 0, 0]]]
    """
    from plotly.colors import get_colorscale, unlabel_rgb

    stops = get_colorscale(colorscale)
    positions = np.array([float(position) for position, _ in stops])
    channels = np.array([unlabel_rgb(colour) for _, colour in stops], dtype=float)
    values = np.asarray(values, dtype=float)
    where = np.clip((np.nan_to_num(values) - zmin) / (zmax - zmin), 0.0, 1.0)
    pixels = np.empty((*values.shape, 4), np.uint8)
    for channel in range(3):
        pixels[..., channel] = np.rint(np.interp(where, positions, channels[:, channel]))
    pixels[..., 3] = 255
    pixels[np.isnan(values)] = 0
    return pixels


def png_source(pixels: np.ndarray) -> str:
    """An RGBA (or greyscale) uint8 array as a PNG ``data:`` URL, the ``source`` of plotly's image trace.

    A picture sent this way costs its compressed bytes; sent as a heatmap's ``z`` it costs eight
    bytes a pixel (plotly's float64 typed array), which for a page of MNIST digits is most of a
    megabyte a student's device downloads.

    >>> png_source(np.zeros((1, 1, 4), np.uint8))[:22]
    'data:image/png;base64,'
    """
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8)).save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def image_trace(values: np.ndarray, colorscale: str, *, zmin: float, zmax: float) -> dict[str, Any]:
    """A plotly image trace that looks like ``{"type": "heatmap", "z": values, ...}`` with the same
    colour scale and no hover: pixel ``(row, column)`` centred on ``x = column``, ``y = row``, NaN
    transparent. For pictures whose single values nobody reads (a mosaic of digits); a picture
    whose values a lesson reads on hover stays a heatmap.

    >>> trace = image_trace(np.zeros((28, 28)), "Greys", zmin=0, zmax=255)
    >>> trace["type"], trace["hoverinfo"], trace["source"].startswith("data:image/png")
    ('image', 'skip', True)
    """
    return {"type": "image", "source": png_source(colour_pixels(values, colorscale, zmin=zmin, zmax=zmax)),
            "hoverinfo": "skip"}


def _without_repeated_types(figure: dict[str, Any]) -> dict[str, Any]:
    """``figure`` without the ``type`` plotly.py writes into every trace of every frame.

    A frame's trace is merged into the figure's trace at the same index (``traces``), whose
    type it already has; for a frame that only shows or hides a trace the type is most of its
    bytes.

    >>> _without_repeated_types({"data": [{"type": "scatter"}], "frames": [{"data": [{"type": "scatter", "opacity": 0}]}]})
    {'data': [{'type': 'scatter'}], 'frames': [{'data': [{'opacity': 0}]}]}
    """
    types = [trace.get("type") for trace in figure.get("data", [])]
    for frame in figure.get("frames", []):
        for index, trace in zip(frame.get("traces", range(len(frame.get("data", [])))), frame.get("data", [])):
            if index < len(types) and trace.get("type") == types[index]:
                del trace["type"]
    return figure


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
            made = _without_repeated_types(super().to_dict())
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
