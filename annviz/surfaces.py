"""Loss surfaces of two parameters, for racing optimizers on them (lecture section 5).

Each surface is one row of :data:`SURFACES`: the loss ``f(x, y)``, its analytic gradient,
its minima, a default start, the learning rates worth trying on it and the window the
race is drawn in. Every surface is shifted so that its minimum loss is exactly 0, which
lets the plots use log-spaced contour levels and a log loss axis.

``loss`` and ``gradient`` use only ``+``, ``-`` and ``*``, so the same function works on
Python floats, NumPy arrays (a contour grid) and TensorFlow tensors (the Keras path), and
overflows to ``inf`` instead of raising.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from annviz.errors import InputError, echo

#: Loss and gradient take numbers, arrays or tensors (see the module docstring).
Scalar = Any


@dataclass(frozen=True)
class Surface:
    """One loss surface of the race.

    ``lr_range`` is the span of learning rates worth trying on it, from a hundredth of the
    top to the top; at the top plain SGD from ``start`` still converges, at ten times the
    top it diverges (a test checks both). Every lesson's claim is a test too.
    """

    key: str
    name: str
    formula: str
    lesson: str
    loss: Callable[[Scalar, Scalar], Scalar]
    gradient: Callable[[Scalar, Scalar], tuple[Scalar, Scalar]]
    minima: tuple[tuple[float, float], ...]
    start: tuple[float, float]
    lr_range: tuple[float, float]
    window: tuple[tuple[float, float], tuple[float, float]]


def _ravine_loss(x: Scalar, y: Scalar) -> Scalar:
    return 0.05 * x * x + 2.5 * y * y


def _ravine_gradient(x: Scalar, y: Scalar) -> tuple[Scalar, Scalar]:
    return 0.1 * x, 5.0 * y


def _rosenbrock_loss(x: Scalar, y: Scalar) -> Scalar:
    a = 1.0 - x
    b = y - x * x
    return a * a + 100.0 * b * b


def _rosenbrock_gradient(x: Scalar, y: Scalar) -> tuple[Scalar, Scalar]:
    b = y - x * x
    return -2.0 * (1.0 - x) - 400.0 * x * b, 200.0 * b


def _beale_terms(x: Scalar, y: Scalar) -> tuple[Scalar, Scalar, Scalar]:
    return 1.5 - x + x * y, 2.25 - x + x * y * y, 2.625 - x + x * y * y * y


def _beale_loss(x: Scalar, y: Scalar) -> Scalar:
    t1, t2, t3 = _beale_terms(x, y)
    return t1 * t1 + t2 * t2 + t3 * t3


def _beale_gradient(x: Scalar, y: Scalar) -> tuple[Scalar, Scalar]:
    t1, t2, t3 = _beale_terms(x, y)
    gx = 2.0 * t1 * (y - 1.0) + 2.0 * t2 * (y * y - 1.0) + 2.0 * t3 * (y * y * y - 1.0)
    gy = 2.0 * t1 * x + 4.0 * t2 * x * y + 6.0 * t3 * x * y * y
    return gx, gy


def _saddle_loss(x: Scalar, y: Scalar) -> Scalar:
    c = y * y - 2.0
    return x * x + 0.25 * c * c


def _saddle_gradient(x: Scalar, y: Scalar) -> tuple[Scalar, Scalar]:
    return 2.0 * x, y * (y * y - 2.0)


def _himmelblau_loss(x: Scalar, y: Scalar) -> Scalar:
    a = x * x + y - 11.0
    b = x + y * y - 7.0
    return a * a + b * b


def _himmelblau_gradient(x: Scalar, y: Scalar) -> tuple[Scalar, Scalar]:
    a = x * x + y - 11.0
    b = x + y * y - 7.0
    return 4.0 * x * a + 2.0 * b, 2.0 * a + 4.0 * y * b


#: The race tracks, in the order the page offers them. Adding a surface is one row.
SURFACES: dict[str, Surface] = {
    s.key: s
    for s in (
        Surface(
            key="ravine",
            name="Ravine",
            formula=r"f(x, y) = 0.05\,x^2 + 2.5\,y^2",
            lesson="An ill-conditioned bowl: across the ravine the surface curves 50 times more "
            "steeply than along it. SGD's step is η times the slope, so it crawls along the "
            "flat floor; momentum builds up speed there (and swings across the ravine), while Adam and RMSprop "
            "take steps of about η in every direction.",
            loss=_ravine_loss,
            gradient=_ravine_gradient,
            minima=((0.0, 0.0),),
            start=(-4.5, 1.0),
            lr_range=(3e-3, 0.3),
            window=((-5.0, 5.0), (-2.0, 2.0)),
        ),
        Surface(
            key="rosenbrock",
            name="Rosenbrock",
            formula=r"f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2",
            lesson="A curved valley: finding it is easy, following its curved floor to the minimum at "
            "(1, 1) is slow: the gradient points across the valley, not along it. The walls "
            "are so steep that SGD's default η = 0.01 diverges within 10 steps.",
            loss=_rosenbrock_loss,
            gradient=_rosenbrock_gradient,
            minima=((1.0, 1.0),),
            start=(-1.5, 2.0),
            lr_range=(1e-5, 1e-3),
            window=((-2.0, 2.0), (-1.0, 3.0)),
        ),
        Surface(
            key="beale",
            name="Beale",
            formula=r"f(x, y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
            lesson="Flat plateaus and steep walls: gradients range from almost zero on the plateaus "
            "to huge on the walls, so one learning rate cannot suit both: SGD + momentum at "
            "η = 0.01 gathers speed and flies off a wall within 10 steps, while Adam and "
            "RMSprop rescale every step.",
            loss=_beale_loss,
            gradient=_beale_gradient,
            minima=((3.0, 0.5),),
            start=(1.0, 1.5),
            lr_range=(1e-4, 1e-2),
            window=((-4.5, 4.5), (-4.5, 4.5)),
        ),
        Surface(
            key="saddle",
            name="Saddle",
            formula=r"f(x, y) = x^2 + \tfrac14\,(y^2 - 2)^2",
            lesson="Two minima with a saddle point between them: the start sits next to the saddle "
            "at (0, 0), where the slope in y is almost zero. SGD's step shrinks with the slope "
            "and it stalls; Adam and RMSprop divide the gradient by its own size and escape. With the same η = 0.01 for "
            "all, SGD is still on the saddle after 500 steps while the others have left.",
            loss=_saddle_loss,
            gradient=_saddle_gradient,
            minima=((0.0, math.sqrt(2.0)), (0.0, -math.sqrt(2.0))),
            start=(-2.0, 1e-6),
            lr_range=(3e-3, 0.3),
            window=((-2.5, 2.5), (-2.5, 2.5)),
        ),
        Surface(
            key="himmelblau",
            name="Himmelblau",
            formula=r"f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
            lesson="Four equally good minima: which one a racer ends in depends on where it "
            "starts and how it steps. From (0, −1) with the same η = 0.01 for all, SGD and "
            "momentum follow the slope to (3.58, −1.85) while Adam and RMSprop, stepping "
            "about η in x and in y alike, go diagonally to (3, 2).",
            loss=_himmelblau_loss,
            gradient=_himmelblau_gradient,
            minima=(
                (3.0, 2.0),
                (-2.805118086952745, 3.131312518250573),
                (-3.779310253377747, -3.2831859912861696),
                (3.5844283403304917, -1.8481265269644036),
            ),
            start=(0.0, -1.0),
            lr_range=(1e-4, 1e-2),
            window=((-5.0, 5.0), (-5.0, 5.0)),
        ),
    )
}


def get_surface(key: str) -> Surface:
    """The surface called ``key``; a ValueError names the valid ones otherwise.

    >>> get_surface("rosenbrock").minima
    ((1.0, 1.0),)
    """
    try:
        return SURFACES[key]
    except KeyError:
        raise InputError(f"There is no surface {echo(key)}: choose one of {', '.join(SURFACES)}.") from None


def check_start(surface: Surface, start: tuple[float, float]) -> tuple[float, float]:
    """Return ``start`` as two floats if it is finite and inside the surface's window.

    >>> check_start(SURFACES["rosenbrock"], (-1.5, 2))
    (-1.5, 2.0)
    >>> check_start(SURFACES["rosenbrock"], (9, 0))
    Traceback (most recent call last):
    ...
    annviz.errors.InputError: The start (9, 0) is outside the window of Rosenbrock: pick x in [-2, 2] and y in [-1, 3].
    """
    x, y = (float(v) for v in start)
    if not (math.isfinite(x) and math.isfinite(y)):
        raise InputError("The start point must be two finite numbers, e.g. x = -1.5, y = 2.")
    (x_low, x_high), (y_low, y_high) = surface.window
    if not (x_low <= x <= x_high and y_low <= y <= y_high):
        raise InputError(
            f"The start ({x:g}, {y:g}) is outside the window of {surface.name}: "
            f"pick x in [{x_low:g}, {x_high:g}] and y in [{y_low:g}, {y_high:g}]."
        )
    return x, y


def distance_to_nearest_minimum(surface: Surface, points: np.ndarray) -> np.ndarray:
    """Euclidean distance from each point (rows of an ``(n, 2)`` array) to its nearest minimum.

    .. math:: d(p) = \\min_k \\lVert p - m_k \\rVert_2

    >>> distance_to_nearest_minimum(SURFACES["rosenbrock"], np.array([[1.0, 1.0], [1.0, 4.0]]))
    array([0., 3.])
    """
    minima = np.asarray(surface.minima, dtype=np.float64)
    differences = np.asarray(points, dtype=np.float64)[:, None, :] - minima[None, :, :]
    return np.sqrt((differences**2).sum(axis=2)).min(axis=1)


def loss_grid(surface: Surface, resolution: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The loss on a ``resolution × resolution`` grid over the window: ``(xs, ys, f)``.

    ``f[i, j]`` is the loss at ``(xs[j], ys[i])``, the layout plotly's contour expects.

    >>> xs, ys, f = loss_grid(SURFACES["ravine"], resolution=3)
    >>> xs.tolist(), ys.tolist(), float(f[0, 0]), float(f[1, 1])
    ([-5.0, 0.0, 5.0], [-2.0, 0.0, 2.0], 11.25, 0.0)
    """
    if not 2 <= resolution <= 1000:
        raise InputError(f"A grid of {resolution} points per side cannot be drawn: use 2 to 1000.")
    (x_low, x_high), (y_low, y_high) = surface.window
    xs = np.linspace(x_low, x_high, resolution)
    ys = np.linspace(y_low, y_high, resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    return xs, ys, surface.loss(grid_x, grid_y)
