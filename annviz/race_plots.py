"""Plotly figures of an optimizer race: the animated contour map, the loss curves, a 3D view.

Everything drawn comes from a :class:`annviz.race.RaceResult`, whose paths hold only finite
numbers; losses are floored at :data:`LOSS_FLOOR` and capped at :data:`LOSS_CEILING` before a
log axis, and a diverging path's points are pulled in to :data:`OFF_MAP` window widths around
the map, so no NaN, zero or overflowing number ever reaches a chart, and every axis has a finite
range of its own (a browser's autorange padded 10³⁰⁰ past the largest double: "Infinity").
"""

from __future__ import annotations

import base64

import numpy as np
import plotly.graph_objects as go

from annviz.figure_data import FinishedFigure
from annviz.race import RaceResult
from annviz.surfaces import Surface, loss_grid

#: Smallest loss drawn on a log axis (the minima have loss exactly 0).
LOSS_FLOOR = 1e-12
#: Largest loss drawn: a diverging racer's curve runs into this ceiling, its ✕ sits on it, and its
#: hover still says the real loss.
LOSS_CEILING = 1e30
#: A path that leaves the map is drawn at most this many window widths beyond its edge: its
#: direction still shows, and no coordinate of 10¹⁴⁷ reaches the browser.
OFF_MAP = 10.0
#: Beyond this magnitude a coordinate is sent as float64 (float32 overflows at 3.4e38).
FLOAT32_SAFE = 1e30
#: The contour map spans this many decades of loss below its highest value.
CONTOUR_DECADES = 6
#: The contour map's z counts log10 loss in steps of 1 / CONTOUR_UNITS of a decade (uint16 fits six decades).
CONTOUR_UNITS = 1000
MINIMUM_MARKER = dict(symbol="star", size=16, color="white", line=dict(color="black", width=1.5))
#: Name of the invisible grid a click on the map selects a start point from.
CLICK_TRACE = "click to start here"
START_MARKER = dict(symbol="circle-open", size=14, color="black", line=dict(width=3))


def log_loss(loss: np.ndarray, *, floor: float = LOSS_FLOOR) -> np.ndarray:
    """``log10(max(loss, floor))``: the height the contour map and the 3D view draw.

    >>> log_loss(np.array([100.0, 0.0])).tolist()
    [2.0, -12.0]
    """
    return np.log10(np.maximum(np.asarray(loss, dtype=np.float64), floor))


def contour_heights(heights: np.ndarray, bottom: float) -> np.ndarray:
    """The contour map's z: ``log10`` loss above ``bottom`` (lower heights drawn at it) in
    thousandths of a decade, as uint16. A level every half decade and a colour scale over six
    decades look the same as in float decades, at a quarter of the bytes of float64 (half of
    float32); the map has no hover that would show the unit.

    >>> contour_heights(np.array([-4.0, -2.0, -1.2345]), -3.0).tolist()
    [0, 1000, 1766]
    """
    return np.rint((np.maximum(heights, bottom) - bottom) * CONTOUR_UNITS).astype(np.uint16)


def shown_indices(n_points: int, max_points: int) -> np.ndarray:
    """Every ``k``-th index of a path of ``n_points`` (``k`` the smallest stride giving at most
    ``max_points``), the last index always included. A regular stride keeps zigzags visible.

    >>> shown_indices(5, 10).tolist(), shown_indices(101, 5).tolist(), shown_indices(10, 4).tolist()
    ([0, 1, 2, 3, 4], [0, 25, 50, 75, 100], [0, 3, 6, 9])
    """
    stride = max(1, -(-(n_points - 1) // max(max_points - 1, 1)))
    return np.unique(np.append(np.arange(0, n_points, stride), n_points - 1))


def frame_steps(steps: int, frames: int) -> np.ndarray:
    """The race steps the animation shows: 0, then every ``k`` steps, then ``steps`` itself, where
    ``k`` is the smallest round number (1, 2 or 5 × 10ⁿ) giving at most ``frames`` intervals.

    >>> frame_steps(500, 30).tolist()[:4], len(frame_steps(500, 30)), frame_steps(3, 10).tolist()
    ([0, 20, 40, 60], 26, [0, 1, 2, 3])
    """
    raw = max(steps / max(frames, 1), 1.0)
    decade = 10 ** np.floor(np.log10(raw))
    stride = int(next(m * decade for m in (1, 2, 5, 10) if m * decade >= raw - 1e-9))
    return np.unique(np.append(np.arange(0, steps, stride), steps))


def typed_array(values: np.ndarray) -> dict[str, str]:
    """Plotly's typed-array form of numbers, ``{"dtype": "f4" or "f8", "bdata": base64}``.

    It is what plotly itself sends for a NumPy array; building it once here keeps the
    animation's hundreds of small arrays from being re-encoded on every page rerun.
    float32 halves the bytes and is plenty for a screen, but a diverging path's last
    points (1e40 and beyond) would overflow it to inf, so those paths stay float64.

    >>> typed_array(np.array([1.0, 2.0]))
    {'dtype': 'f4', 'bdata': 'AACAPwAAAEA='}
    >>> typed_array(np.array([1e300]))["dtype"]
    'f8'
    """
    values = np.asarray(values, dtype=np.float64)
    dtype = "<f4" if values.size == 0 or np.abs(values).max() < FLOAT32_SAFE else "<f8"
    return {"dtype": dtype[1:], "bdata": base64.b64encode(np.ascontiguousarray(values, dtype=dtype).tobytes()).decode()}


def drawn_points(surface: Surface, points: np.ndarray) -> np.ndarray:
    """A path's points as the map draws them: those beyond :data:`OFF_MAP` window widths from the map
    are pulled in to that distance (the map shows the window; beyond it only the direction matters).

    >>> from annviz.surfaces import SURFACES
    >>> drawn_points(SURFACES["ravine"], np.array([[-4.5, 1.0], [-4e110, 2e147]])).tolist()
    [[-4.5, 1.0], [-105.0, 42.0]]
    """
    (x_low, x_high), (y_low, y_high) = surface.window
    x_margin, y_margin = OFF_MAP * (x_high - x_low), OFF_MAP * (y_high - y_low)
    return np.column_stack([np.clip(points[:, 0], x_low - x_margin, x_high + x_margin),
                            np.clip(points[:, 1], y_low - y_margin, y_high + y_margin)])


def _last_points(result: RaceResult, step: int) -> list[int]:
    """Each racer's point at ``step``, or its last finite one if it diverged before."""
    return [min(step, path.steps_taken) for path in result.paths]


def _heads(result: RaceResult, step: int) -> dict:
    """One trace of every racer's head at ``step``: an ✕ once it has diverged."""
    lasts = _last_points(result, step)
    points = drawn_points(result.surface, np.array([path.points[last] for path, last in zip(result.paths, lasts)]).reshape(-1, 2))
    return dict(
        x=[float(x) for x in points[:, 0]],
        y=[float(y) for y in points[:, 1]],
        marker=dict(symbol=["x" if path.diverged_at is not None and step >= path.diverged_at else "circle"
                            for path in result.paths]),
    )


def _trail_pieces(result: RaceResult, steps: np.ndarray, indices: list[np.ndarray]) -> list[list[dict]]:
    """Each racer's path cut at the frame steps: piece ``k`` runs from its point at ``steps[k - 1]``
    to its point at ``steps[k]`` (through the shown points between), so pieces 1..k drawn
    together are its trail up to ``steps[k]``."""
    pieces = []
    for path, shown in zip(result.paths, indices):
        racer = []
        for low, high in zip(steps[:-1], steps[1:]):
            start, end = min(int(low), path.steps_taken), min(int(high), path.steps_taken)
            kept = np.concatenate(([start], shown[(shown > start) & (shown < end)], [end]))
            points = drawn_points(result.surface, path.points[kept])
            racer.append(dict(x=typed_array(points[:, 0]), y=typed_array(points[:, 1])))
        pieces.append(racer)
    return pieces


def _window_axes(surface: Surface) -> dict:
    (x_low, x_high), (y_low, y_high) = surface.window
    return dict(
        xaxis=dict(range=[x_low, x_high], title="x", constrain="domain"),
        yaxis=dict(range=[y_low, y_high], title="y", scaleanchor="x", scaleratio=1, constrain="domain"),
    )


def race_figure(
    result: RaceResult, *, frames: int = 30, max_points: int = 501, resolution: int = 100, click_grid: int = 51,
    height: int = 560,
) -> go.Figure:
    """Contour map (log-spaced levels) with every racer's path, animated together.

    The figure opens on the finished race; Play replays it in ``frames`` frames and the
    slider jumps to any of them. A racer's trail is one legend entry drawn in pieces (one per
    frame interval) that the frames show or hide. A racer that diverged ends in an ✕ at its last finite point.
    An invisible ``click_grid × click_grid`` grid of points (trace "click to start here")
    lets a click on the map select a point, which the page turns into a new start.

    >>> from annviz.optimizers import make_racer
    >>> from annviz.race import race
    >>> from annviz.surfaces import SURFACES
    >>> figure = race_figure(race(SURFACES["ravine"], [make_racer("sgd")], (-4.5, 1.0), 100), frames=10)
    >>> len(figure.frames), figure.layout.sliders[0].active
    (11, 10)
    """
    surface = result.surface
    xs, ys, grid = loss_grid(surface, resolution)
    heights = log_loss(grid)
    top = float(np.ceil(heights.max()))
    bottom = top - CONTOUR_DECADES
    ticks = np.arange(bottom, top + 1)
    (x_low, x_high), (y_low, y_high) = surface.window
    grid_x, grid_y = np.meshgrid(np.linspace(x_low, x_high, click_grid), np.linspace(y_low, y_high, click_grid))
    # One dict, validated once by go.Figure (add_trace and update_layout validate piece by piece).
    data: list[dict] = [
        dict(
            type="contour", x=xs, y=ys, z=contour_heights(heights, bottom), name="loss",
            colorscale="Blues_r", opacity=0.85, hoverinfo="skip",
            contours=dict(start=0, end=CONTOUR_DECADES * CONTOUR_UNITS, size=CONTOUR_UNITS // 2, coloring="fill", showlines=True),
            line=dict(width=0.5, color="rgba(255,255,255,0.5)"),
            # Every second decade labelled: seven labels crowded a short (projector) colour bar.
            colorbar=dict(title=dict(text="loss"), tickvals=(ticks[::-2][::-1] - bottom) * CONTOUR_UNITS,
                          ticktext=[f"1e{int(t)}" for t in ticks[::-2][::-1]], len=0.9),
        ),
        dict(
            type="scatter", x=typed_array(grid_x.ravel()), y=typed_array(grid_y.ravel()), mode="markers", name=CLICK_TRACE,
            marker=dict(size=8, opacity=0), showlegend=False,
            hovertemplate="start here: (%{x:.3g}, %{y:.3g})<extra></extra>",
        ),
        dict(
            type="scatter", x=[m[0] for m in surface.minima], y=[m[1] for m in surface.minima], mode="markers",
            marker=MINIMUM_MARKER, name="minimum", hovertemplate="minimum (%{x:.3f}, %{y:.3f})<extra></extra>",
        ),
        dict(
            type="scatter", x=[result.start[0]], y=[result.start[1]], mode="markers", marker=START_MARKER, name="start",
            hovertemplate="start (%{x:.3g}, %{y:.3g})<extra></extra>",
        ),
    ]
    indices = [shown_indices(len(p.points), max_points) for p in result.paths]
    steps = frame_steps(result.steps, frames)
    # Each trail is drawn in pieces, one per frame interval, and a frame only shows or hides pieces
    # (their opacity): the path's numbers are sent once, where frames that each carried the trail
    # so far sent them about frames / 2 times (300 kB of a 530 kB page).
    pieces: list[int] = []
    for path, racer_pieces in zip(result.paths, _trail_pieces(result, steps, indices)):
        for number, piece in enumerate(racer_pieces):
            pieces.append(len(data))
            data.append(dict(
                type="scatter", **piece, mode="lines", name=path.racer.name, legendgroup=path.racer.name,
                showlegend=number == 0, line=dict(color=path.racer.spec.colour, width=2.5),
                hovertemplate=f"{path.racer.name}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
            ))
    heads = _heads(result, result.steps)
    data.append(dict(
        type="scatter", x=heads["x"], y=heads["y"], mode="markers", showlegend=False, hoverinfo="skip",
        marker=dict(symbol=heads["marker"]["symbol"], size=12, color=[p.racer.spec.colour for p in result.paths],
                    line=dict(color="white", width=1)),
    ))
    per_racer = len(steps) - 1
    frames_spec = [
        dict(name=str(step), traces=[*pieces, len(data) - 1],
             data=[*(dict(opacity=1 if index % per_racer < frame else 0) for index in range(len(pieces))),
                   _heads(result, int(step))])
        for frame, step in enumerate(steps)
    ]
    play = dict(frame=dict(duration=80, redraw=False), transition=dict(duration=0), fromcurrent=True, mode="immediate")
    pause = dict(frame=dict(duration=0, redraw=False), transition=dict(duration=0), mode="immediate")
    layout = dict(
        **_window_axes(surface),
        height=height,
        # Play/Pause and the step slider well under the x axis's ticks and title (at -0.08 they sat on them).
        margin=dict(l=10, r=10, t=10, b=120),
        # Clear of the top y tick's label; "normal": legend groups (a trail's pieces) would otherwise
        # lay the legend out by group, not as before.
        legend=dict(orientation="h", yanchor="bottom", y=1.05, x=0, traceorder="normal"),
        updatemenus=[
            dict(
                type="buttons", direction="left", x=0.0, y=-0.2, xanchor="left", yanchor="top", showactive=False,
                buttons=[
                    dict(label="▶ Play", method="animate", args=[None, play]),
                    dict(label="❚❚ Pause", method="animate", args=[[None], pause]),
                ],
            )
        ],
        sliders=[
            dict(
                active=len(steps) - 1, x=0.4, len=0.6, y=-0.16, yanchor="top",
                currentvalue=dict(prefix="step ", font=dict(size=13), xanchor="right"),
                steps=[dict(label=str(step), method="animate", args=[[str(step)], pause]) for step in steps],
            )
        ],
    )
    return FinishedFigure({"data": data, "layout": layout, "frames": frames_spec})


def loss_figure(result: RaceResult) -> go.Figure:
    """Loss against step for every racer (log y); a diverged racer's curve ends in an ✕.

    >>> from annviz.optimizers import make_racer
    >>> from annviz.race import race
    >>> from annviz.surfaces import SURFACES
    >>> figure = loss_figure(race(SURFACES["ravine"], [make_racer("sgd", learning_rate=1.0)], (-4.5, 1.0), 500))
    >>> figure.layout.yaxis.type, figure.data[1].text
    ('log', ('diverged at step 256',))
    """
    data: list[dict] = []
    low, high = LOSS_CEILING, LOSS_FLOOR
    for path in result.paths:
        colour = path.racer.spec.colour
        steps = np.arange(len(path.losses))
        drawn = np.clip(path.losses, LOSS_FLOOR, LOSS_CEILING)
        low, high = min(low, float(drawn.min())), max(high, float(drawn.max()))
        # x is 0, 1, 2, ... (x0, dx): no array to send; the real loss rides along for hover only
        # where the drawn one was capped (a diverging racer).
        capped = bool(np.any(path.losses > LOSS_CEILING))
        data.append(dict(
            type="scatter", x0=0, dx=1, y=typed_array(drawn), mode="lines", name=path.racer.name,
            **(dict(customdata=typed_array(path.losses)) if capped else {}),
            line=dict(color=colour, width=2),
            hovertemplate=f"{path.racer.name}<br>step %{{x}}: loss %{{{'customdata' if capped else 'y'}:.3g}}<extra></extra>",
        ))
        if path.diverged_at is not None:
            data.append(dict(
                type="scatter", x=[steps[-1]], y=[float(drawn[-1])], mode="markers+text",
                marker=dict(symbol="x", size=12, color=colour), text=[f"diverged at step {path.diverged_at}"],
                textposition="middle right", cliponaxis=False, showlegend=False, hoverinfo="skip",
            ))
    if low > high:  # no racer: any finite decade will do
        low, high = 1e-3, 1.0
    # Log axes take their range in decades; half a decade of room above and below, all finite.
    decades = [np.floor(np.log10(low) * 2) / 2 - 0.5, np.ceil(np.log10(high) * 2) / 2 + 0.5]
    layout = dict(
        height=320, margin=dict(l=10, r=10, t=10, b=10),
        xaxis=dict(title="step", range=[0, result.steps]),
        yaxis=dict(title="loss (log scale)", type="log", exponentformat="power", range=decades),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
    )
    return FinishedFigure({"data": data, "layout": layout})


def surface_3d_figure(result: RaceResult, *, resolution: int = 80, max_points: int = 400) -> go.Figure:
    """The surface as a 3D landscape of log10 loss with every racer's finished path on it
    (points that left the window are drawn on its edge).

    >>> from annviz.optimizers import make_racer
    >>> from annviz.race import race
    >>> from annviz.surfaces import SURFACES
    >>> figure = surface_3d_figure(race(SURFACES["saddle"], [make_racer("adam")], (-2.0, 0.5), 50))
    >>> [trace.type for trace in figure.data]
    ['surface', 'scatter3d']
    """
    xs, ys, grid = loss_grid(result.surface, resolution)
    heights = log_loss(grid)
    top = float(np.ceil(heights.max()))
    bottom = top - CONTOUR_DECADES
    data: list[dict] = [
        dict(type="surface", x=xs, y=ys, z=np.maximum(heights, bottom), colorscale="Blues_r", opacity=0.9,
             showscale=False, hoverinfo="skip")
    ]
    (x_low, x_high), (y_low, y_high) = result.surface.window
    for path in result.paths:
        shown = shown_indices(len(path.points), max_points)
        # 3D axes do not clip, so a point outside the window is drawn on its edge, on the surface.
        x = np.clip(path.points[shown, 0], x_low, x_high)
        y = np.clip(path.points[shown, 1], y_low, y_high)
        data.append(dict(
            type="scatter3d", x=x, y=y, z=np.clip(log_loss(result.surface.loss(x, y)), bottom, top),
            mode="lines", name=path.racer.name, line=dict(color=path.racer.spec.colour, width=6),
        ))
    layout = dict(
        height=520, margin=dict(l=0, r=0, t=0, b=0),
        scene=dict(xaxis=dict(title="x", range=[x_low, x_high]), yaxis=dict(title="y", range=[y_low, y_high]),
                   zaxis=dict(title="log10 loss", range=[bottom, top]), aspectmode="manual", aspectratio=dict(x=1.4, y=1.4, z=0.7),
                   camera=dict(eye=dict(x=-1.3, y=-1.6, z=1.0))),
    )
    return FinishedFigure({"data": data, "layout": layout})
