"""Plotly drawings of dense networks and of a single neuron.

Small layers are drawn in full; a layer wider than ``max_drawn`` shows its first and
last neurons with a "⋮" between them and its true size in the label, so the
784-128-64-10 MLP and even a 10^9-unit layer fit on a slide.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import plotly.graph_objects as go

from annviz.errors import InputError
from annviz.figure_data import FinishedFigure
from annviz.formatting import format_number
from annviz.activations import ACTIVATIONS
from annviz.neuron import NeuronResult

#: Colours shared by the drawings (calm on a projector, readable in print).
IDLE_NODE = "#e8ecf2"
ACTIVE_NODE = "#2f6fb3"
IDLE_EDGE = "rgba(120,130,145,0.35)"
ACTIVE_EDGE = "rgba(47,111,179,0.75)"
POSITIVE = "#2f6fb3"
#: The top margin that holds the layers' two-line captions, also at a projector's font size.
CAPTION_PX = 64
#: A drawn neuron's diameter in pixels, at most; the room above the top and below the bottom neuron (in slots).
NODE_PX, Y_PAD = 34, 0.6
NEGATIVE = "#c0392b"


@dataclass(frozen=True)
class DrawnLayer:
    """Which neurons of one layer are drawn, and where."""

    size: int
    indices: tuple[int, ...]  # 0-based indices of the neurons drawn
    y: tuple[float, ...]  # their vertical positions
    gap_y: float | None  # where the "⋮" goes, if the layer is collapsed


def drawn_layer(size: int, max_drawn: int) -> DrawnLayer:
    """Pick the neurons to draw: all of them, or the first ones, "⋮", and the last two.

    >>> drawn_layer(3, 6).indices
    (0, 1, 2)
    >>> layer = drawn_layer(784, 6)
    >>> layer.indices, layer.gap_y is not None
    ((0, 1, 2, 782, 783), True)
    """
    if size < 1 or max_drawn < 3:
        raise InputError("A layer needs at least 1 neuron and the drawing at least 3 slots per layer.")
    if size <= max_drawn:
        indices, slots, gap_slot = tuple(range(size)), size, None
    else:
        head = max_drawn - 3
        indices = (*range(head), size - 2, size - 1)
        slots, gap_slot = max_drawn, head
    positions = [(slots - 1) / 2 - s for s in range(slots)]
    if gap_slot is None:
        return DrawnLayer(size, indices, tuple(positions), None)
    y = tuple(p for s, p in enumerate(positions) if s != gap_slot)
    return DrawnLayer(size, indices, y, positions[gap_slot])


def _subscript(number: int) -> str:
    return str(number).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def _layer_title(index: int, n_layers: int) -> str:
    if index == 0:
        return "Input"
    return "Output" if index == n_layers - 1 else f"Hidden {index}"


def network_figure(
    sizes: Sequence[int],
    *,
    activations: Sequence[str] | None = None,
    max_drawn: int = 7,
    animate: bool = False,
    height: int = 420,
) -> go.Figure:
    """Draw a dense network whose layer sizes are ``sizes`` (input first).

    ``activations`` names each non-input layer's activation for its label. With
    ``animate=True`` the figure carries one frame per layer and a Play button: the
    forward pass lights up layer after layer.

    >>> fig = network_figure([3, 4, 1], activations=["relu", "sigmoid"], animate=True)
    >>> len(fig.frames), len(fig.data)
    (3, 5)
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2:
        raise InputError("A network needs an input layer and at least one layer of neurons.")
    if activations is not None and len(activations) != len(sizes) - 1:
        raise InputError("Give one activation per layer after the input.")
    layers = [drawn_layer(size, max_drawn) for size in sizes]
    # Neurons no wider than 3/4 of the distance between two of them, so a short figure (a
    # projector's) draws them apart, as a tall one does.
    slots = max(len(layer.y) + (layer.gap_y is not None) for layer in layers)
    node_px = min(NODE_PX, 0.75 * (height - CAPTION_PX - 10) / (slots - 1 + 2 * Y_PAD))

    def edge_trace(k: int, active: bool) -> dict:
        xs: list[float | None] = []
        ys: list[float | None] = []
        for y0 in layers[k].y:
            for y1 in layers[k + 1].y:
                xs += [k, k + 1, None]
                ys += [y0, y1, None]
        return dict(
            type="scatter", x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False,
            line=dict(color=ACTIVE_EDGE if active else IDLE_EDGE, width=1.4 if active else 1),
        )

    def node_trace(k: int, active: bool) -> dict:
        layer = layers[k]
        symbol = "x" if k == 0 else ("ŷ" if k == len(layers) - 1 else "h")
        labels = [f"{symbol}{_subscript(i + 1)}" for i in layer.indices]
        return dict(
            type="scatter", x=[k] * len(layer.y), y=list(layer.y), mode="markers+text", text=labels,
            textfont=dict(color="white" if active else "#34495e", size=round(11 * min(1.0, node_px / NODE_PX), 1)),
            hovertext=[f"{_layer_title(k, len(layers))}, neuron {i + 1} of {layer.size:,}" for i in layer.indices],
            hoverinfo="text", showlegend=False,
            marker=dict(size=node_px, color=ACTIVE_NODE if active else IDLE_NODE, line=dict(color="#34495e", width=1.5)),
        )

    def traces(active_upto: int) -> list[dict]:
        edges = [edge_trace(k, k < active_upto) for k in range(len(layers) - 1)]
        return edges + [node_trace(k, k <= active_upto) for k in range(len(layers))]

    def lit(active_upto: int) -> list[dict]:
        """A frame's traces: only the colours that change. plotly.js merges a frame's trace into
        the drawn one, so the coordinates and labels are sent once, not once per frame."""
        edges = [dict(type="scatter", line=dict(color=ACTIVE_EDGE if k < active_upto else IDLE_EDGE,
                                                width=1.4 if k < active_upto else 1))
                 for k in range(len(layers) - 1)]
        nodes = [dict(type="scatter", marker=dict(color=ACTIVE_NODE if k <= active_upto else IDLE_NODE),
                      textfont=dict(color="white" if k <= active_upto else "#34495e"))
                 for k in range(len(layers))]
        return edges + nodes

    # One dict, validated once by go.Figure: add_trace / add_annotation / update_layout validate
    # piece by piece (and copy the annotations on each add), several times slower on every rerun.
    top = max(max(layer.y) for layer in layers)
    bottom = min(min(layer.y) for layer in layers)
    annotations = []
    for k, layer in enumerate(layers):
        title = _layer_title(k, len(layers))
        detail = f"{layer.size:,}" + (f" · {activations[k - 1]}" if activations and k > 0 else "")
        # Above the plot area (paper coordinates, in the top margin): on a short figure a caption
        # placed in data units sat on the first neurons.
        annotations.append(dict(x=k, y=1.0, yref="paper", yanchor="bottom", text=f"<b>{title}</b><br>{detail}",
                                showarrow=False, font=dict(size=13)))
        if layer.gap_y is not None:
            # Small enough to sit between its neighbours at a projector's font size too.
            annotations.append(dict(x=k, y=layer.gap_y, text="<b>⋮</b>", showarrow=False, font=dict(size=13, color="#34495e")))
    layout: dict = dict(
        annotations=annotations,
        height=height + (60 if animate else 0), margin=dict(l=10, r=10, t=CAPTION_PX, b=70 if animate else 10),
        plot_bgcolor="white", paper_bgcolor="white",
        xaxis=dict(visible=False, range=[-0.5, len(layers) - 0.5]),
        yaxis=dict(visible=False, range=[bottom - Y_PAD, top + Y_PAD]),
    )
    spec: dict = {"data": traces(len(layers) - 1 if not animate else -1), "layout": layout}
    if animate:
        names = [_layer_title(k, len(layers)) for k in range(len(layers))]
        spec["frames"] = [dict(data=lit(k), name=name) for k, name in enumerate(names)]
        layout["updatemenus"] = [
            dict(
                type="buttons", direction="left", x=0.0, y=-0.02, xanchor="left", yanchor="top",
                buttons=[
                    dict(label="▶ Forward pass", method="animate",
                         args=[None, dict(frame=dict(duration=700, redraw=True), transition=dict(duration=0),
                                          fromcurrent=False, mode="immediate")]),
                ],
            )
        ]
        layout["sliders"] = [
            dict(
                active=0, x=0.22, len=0.7, y=-0.02, yanchor="top", currentvalue=dict(prefix="Signal reached: "),
                steps=[
                    dict(label=name, method="animate", args=[[name], dict(mode="immediate", frame=dict(duration=0, redraw=True))])
                    for name in names
                ],
            )
        ]
    return FinishedFigure(spec)


def neuron_figure(result: NeuronResult, *, height: int = 380) -> go.Figure:
    """Draw one neuron with its inputs, weights (blue +, red −, width ∝ |w|), z and a.

    >>> from annviz.neuron import neuron_output
    >>> fig = neuron_figure(neuron_output([2, -1, 3], [0.5, -0.6, 0.8], 0.2, "relu"))
    >>> "z = 4.2" in fig.layout.annotations[-1].text
    True
    """
    n = len(result.x)
    ys = [(n - 1) / 2 - i for i in range(n)]
    largest = max(max(abs(w) for w in result.w), 1e-12)
    data: list[dict] = []
    annotations: list[dict] = []
    for i, (x, w, y) in enumerate(zip(result.x, result.w, ys)):
        data.append(dict(
            type="scatter", x=[0, 2], y=[y, 0], mode="lines", showlegend=False, hoverinfo="text",
            hovertext=f"w{_subscript(i + 1)} = {format_number(w)}; w·x = {format_number(result.products[i])}",
            line=dict(color=POSITIVE if w >= 0 else NEGATIVE, width=1 + 6 * abs(w) / largest),
        ))
        annotations.append(dict(x=1.0, y=y / 2, text=f"w{_subscript(i + 1)} = {w:.4g}", showarrow=False,
                                bgcolor="rgba(255,255,255,0.9)", font=dict(size=14, color="#1f2d3d")))
    data.append(dict(type="scatter", x=[2, 3.2], y=[0, 0], mode="lines", line=dict(color="#34495e", width=2),
                     showlegend=False, hoverinfo="skip"))
    data.append(dict(
        type="scatter", x=[0] * n, y=ys, mode="markers+text", text=[f"{x:.4g}" for x in result.x], showlegend=False,
        hovertext=[f"x{_subscript(i + 1)} = {format_number(x)}" for i, x in enumerate(result.x)], hoverinfo="text",
        marker=dict(size=44, color=IDLE_NODE, opacity=1, line=dict(color="#34495e", width=1.5)),
        textfont=dict(size=14, color="#1f2d3d"),
    ))
    symbol = ACTIVATIONS[result.activation].label
    data.append(dict(
        type="scatter", x=[2, 3.2], y=[0, 0], mode="markers+text", text=["Σ + b", f"{result.a:.4g}"], showlegend=False,
        hoverinfo="text", hovertext=[f"z = Σ wᵢxᵢ + b = {format_number(result.z)}", f"a = {symbol}(z) = {format_number(result.a)}"],
        marker=dict(size=[66, 52], color=[ACTIVE_NODE, "#f4d03f"], opacity=1, line=dict(color="#34495e", width=1.5)),
        textfont=dict(size=15, color=["white", "#1f2d3d"]),
    ))
    dark = dict(size=14, color="#1f2d3d")
    annotations += [
        dict(x=0, y=max(ys) + 0.75, text="<b>inputs x</b>", showarrow=False, font=dark),
        dict(x=3.2, y=0.75, text=f"<b>a = {symbol}(z)</b>", showarrow=False, font=dark),
        dict(x=2, y=-0.9, text=f"b = {format_number(result.b, digits=4)}<br>z = {format_number(result.z)}", showarrow=False, font=dark),
    ]
    layout = dict(
        annotations=annotations,
        height=height, margin=dict(l=10, r=10, t=10, b=10), plot_bgcolor="white", paper_bgcolor="white",
        xaxis=dict(visible=False, range=[-0.5, 3.7]),
        yaxis=dict(visible=False, range=[min(ys) - 1.1, max(ys) + 1.1]),
    )
    return FinishedFigure({"data": data, "layout": layout})
