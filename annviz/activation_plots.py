"""Plotly figures for activation functions, softmax, and stacked linear layers."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from annviz.activations import ACTIVATIONS
from annviz.errors import InputError, echo
from annviz.figure_data import GAPS, FinishedFigure
from annviz.neuron import StackedLayersDemo

#: One colour per activation, in table order (Plotly's default qualitative palette).
COLOURS = dict(zip(ACTIVATIONS, ["#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a", "#19d3f3", "#7f7f7f"]))
SATURATED = "rgba(192,57,43,0.35)"


def saturated_mask(name: str, z: np.ndarray) -> np.ndarray:
    """True where ``z`` lies in one of the activation's saturation zones.

    >>> saturated_mask("sigmoid", np.array([-5.0, 0.0, 5.0])).tolist()
    [True, False, True]
    """
    mask = np.zeros(np.shape(z), dtype=bool)
    for low, high in ACTIVATIONS[name].saturation:
        mask |= (z >= low) & (z <= high)
    return mask


def activation_figure(
    names: Sequence[str], *, z_range: tuple[float, float] = (-6.0, 6.0), height: int = 420
) -> go.Figure:
    """Each activation (left) beside its derivative (right); saturated stretches drawn thick and red.

    >>> fig = activation_figure(["sigmoid", "relu"])
    >>> [trace.name for trace in fig.data if trace.showlegend]
    ['saturated: gradient ≈ 0', 'Sigmoid', 'ReLU']
    """
    if not names:
        raise InputError("Choose at least one activation function to plot.")
    unknown = [n for n in names if n not in ACTIVATIONS]
    if unknown:
        raise InputError(f"Unknown activation {echo(unknown[0])}: choose from {', '.join(ACTIVATIONS)}.")
    low, high = float(z_range[0]), float(z_range[1])
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise InputError("The z range must go from a smaller to a larger finite number.")
    z = np.linspace(low, high, 241)
    # Two side-by-side axes built in one go: make_subplots and per-trace add_trace cost ~10× more,
    # and this figure is redrawn on every rerun of the page.
    traces: list[go.Scatter] = []
    shown_saturation_legend = False
    for name in names:
        entry = ACTIVATIONS[name]
        derivative = entry.derivative(z)
        mask = saturated_mask(name, z)
        if mask.any():
            # Drawn first, under the curve, as a wide translucent band along the derivative.
            traces.append(go.Scatter(
                x=z, y=np.where(mask, derivative, np.nan), name="saturated: gradient ≈ 0", xaxis="x2", yaxis="y2",
                legendgroup="saturated", legendrank=2000, showlegend=not shown_saturation_legend,
                line=dict(color=SATURATED, width=12), hoverinfo="skip", meta=GAPS,
            ))
            shown_saturation_legend = True
        for axis, curve in (("", entry.value(z)), ("2", derivative)):
            traces.append(go.Scatter(
                x=z, y=curve, name=entry.label, legendgroup=name, showlegend=axis == "",
                xaxis=f"x{axis}", yaxis=f"y{axis}", line=dict(color=COLOURS[name], width=2.5),
                hovertemplate=f"{entry.label}: %{{y:.4f}}<extra></extra>",
            ))
    axis_style = dict(showgrid=True, gridcolor="#eee", zeroline=True, zerolinecolor="#bbb")
    # The legend above the plots (the margin grows to hold it) and each plot's name as its y title:
    # a legend under the plots sat on the "z" titles once a projector's larger fonts pushed them down.
    layout = go.Layout(
        height=height, margin=dict(l=10, r=10, t=10, b=10), legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0),
        plot_bgcolor="white", hovermode="x unified",
        xaxis=dict(domain=[0, 0.44], title="z", **axis_style),
        yaxis=dict(anchor="x", title="activation a = σ(z)", **axis_style),
        xaxis2=dict(domain=[0.56, 1], title="z", **axis_style),
        yaxis2=dict(anchor="x2", title="σ'(z), the gradient", **axis_style),
    )
    return FinishedFigure(data=traces, layout=layout)


def activation_point_figure(name: str, z: float, a: float, *, height: int = 300) -> go.Figure:
    """The activation curve with the neuron's (z, a) marked on it.

    >>> fig = activation_point_figure("relu", 4.2, 4.2)
    >>> fig.data[-1].x[0], fig.data[-1].y[0]
    (4.2, 4.2)
    >>> bool(np.isfinite(activation_point_figure("sigmoid", 1e308, 1.0).data[0].x).all())
    True
    """
    entry = ACTIVATIONS[name]
    # A quarter beyond the point, at most the largest float64 (b = 1e308 gives z ≈ 1e308, and
    # 1.25·z is inf); the grid is scaled from [-1, 1] so its width never overflows either.
    reach = max(6.0, min(abs(z) * 1.25, np.finfo(np.float64).max))
    grid = reach * np.linspace(-1.0, 1.0, 401)
    # The label on the side of the point with the room for it (right of a point near the right edge it was cut off).
    side = "middle left" if z > 0 else "middle right"
    data = [
        dict(type="scatter", x=grid, y=entry.value(grid), name=entry.label, line=dict(color=COLOURS[name], width=2.5)),
        dict(type="scatter", x=[z], y=[a], mode="markers+text", text=[f"z = {z:.4g}, a = {a:.4g}"],
             textposition=side, name="this neuron",
             marker=dict(size=13, color="#f4d03f", line=dict(color="#2c3e50", width=1.5))),
    ]
    layout = dict(height=height, margin=dict(l=10, r=10, t=10, b=10), showlegend=False, plot_bgcolor="white",
                  xaxis=dict(title="z", zeroline=True, zerolinecolor="#bbb", gridcolor="#eee"),
                  yaxis=dict(title=f"a = {entry.label}(z)", zeroline=True, zerolinecolor="#bbb", gridcolor="#eee"))
    return FinishedFigure({"data": data, "layout": layout})


def softmax_figure(
    logits: Sequence[float], probabilities: Sequence[float], *, temperature: float, height: int = 340
) -> go.Figure:
    """Bars of softmax(z / T) per class, each labelled with its probability; the title gives the sum.

    >>> from annviz.activations import softmax
    >>> z = np.array([2.0, 1.0, 0.1])
    >>> fig = softmax_figure(z, softmax(z), temperature=1.0)
    >>> list(fig.data[0].text)
    ['0.659', '0.242', '0.099']
    """
    p = np.asarray(probabilities, dtype=float)
    labels = [f"class {i} (z = {v:.3g})" for i, v in enumerate(logits)]
    data = [dict(type="bar", x=labels, y=p, text=[f"{v:.3f}" for v in p], textposition="outside",
                 marker=dict(color="#2f6fb3"), hovertemplate="%{x}<br>p = %{y:.6f}<extra></extra>")]
    layout = dict(
        height=height, margin=dict(l=10, r=10, t=40, b=10), plot_bgcolor="white",
        title=dict(text=f"softmax(z / T) with T = {temperature:g}: probabilities sum to {p.sum():.6f}", x=0.01),
        yaxis=dict(range=[0, 1.12], title="probability", gridcolor="#eee"),
    )
    return FinishedFigure({"data": data, "layout": layout})


def stacked_layers_figure(demo: StackedLayersDemo, *, height: int = 360) -> go.Figure:
    """Two linear layers and their one-layer collapse (same straight line) against σ in between (bent).

    >>> from annviz.neuron import stacked_layers_demo
    >>> fig = stacked_layers_figure(stacked_layers_demo(hidden_units=4, seed=0))
    >>> len(fig.data)
    3
    """
    label = ACTIVATIONS[demo.activation].label
    data = [
        dict(type="scatter", x=demo.x, y=demo.two_linear_layers, name="Dense(h, linear) → Dense(1, linear)",
             line=dict(color="#2f6fb3", width=6), hovertemplate="%{y:.4f}"),
        dict(type="scatter", x=demo.x, y=demo.collapsed,
             name=f"one layer: W = W₁W₂ = {demo.W[0, 0]:.3g}, b = {demo.b[0]:.3g}",
             line=dict(color="#f4d03f", width=2.5, dash="dash"), hovertemplate="%{y:.4f}"),
        dict(type="scatter", x=demo.x, y=demo.with_activation, name=f"Dense(h, {demo.activation}) → Dense(1, linear)",
             line=dict(color=COLOURS.get(demo.activation, "#c0392b"), width=2.5),
             hovertemplate=f"with {label}: %{{y:.4f}}"),
    ]
    layout = dict(
        height=height, margin=dict(l=10, r=10, t=10, b=10), plot_bgcolor="white",
        legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0), hovermode="x unified",
        xaxis=dict(title="input x", gridcolor="#eee"), yaxis=dict(title="network output", gridcolor="#eee"),
    )
    return FinishedFigure({"data": data, "layout": layout})
