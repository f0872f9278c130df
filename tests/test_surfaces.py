"""Loss surfaces: gradients against finite differences, minima, windows, and every claim a lesson makes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import approx_fprime

from annviz.optimizers import make_racer
from annviz.race import race
from annviz.surfaces import SURFACES, check_start, distance_to_nearest_minimum, get_surface, loss_grid

SURFACE_KEYS = list(SURFACES)


def central_difference(surface, x: float, y: float) -> np.ndarray:
    """Fourth-order central differences, h scaled to the point."""
    gradient = []
    for axis in range(2):
        h = 1e-3 * max(1.0, abs((x, y)[axis]))
        step = np.array([h, 0.0]) if axis == 0 else np.array([0.0, h])

        def f(k: float) -> float:
            return surface.loss(x + k * step[0], y + k * step[1])

        gradient.append((-f(2) + 8 * f(1) - 8 * f(-1) + f(-2)) / (12 * h))
    return np.array(gradient)


@pytest.mark.parametrize("key", SURFACE_KEYS)
@settings(max_examples=60, deadline=None)
@given(u=st.floats(0, 1), v=st.floats(0, 1))
def test_gradient_matches_finite_differences(key: str, u: float, v: float) -> None:
    surface = SURFACES[key]
    (x_low, x_high), (y_low, y_high) = surface.window
    x, y = x_low + u * (x_high - x_low), y_low + v * (y_high - y_low)
    analytic = np.array(surface.gradient(x, y), dtype=np.float64)
    numeric = central_difference(surface, x, y)
    scale = 1.0 + np.abs(analytic).max()
    np.testing.assert_allclose(analytic, numeric, rtol=0, atol=1e-7 * scale)


@pytest.mark.parametrize("key", SURFACE_KEYS)
def test_gradient_matches_scipy_at_the_start(key: str) -> None:
    surface = SURFACES[key]
    start = np.array(surface.start)
    numeric = approx_fprime(start, lambda p: surface.loss(p[0], p[1]), 1e-7)
    np.testing.assert_allclose(surface.gradient(*start), numeric, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("key", SURFACE_KEYS)
def test_minima_are_stationary_points_with_loss_zero(key: str) -> None:
    surface = SURFACES[key]
    for x, y in surface.minima:
        assert np.abs(surface.gradient(x, y)).max() < 1e-12
        assert surface.loss(x, y) < 1e-24
        # A strict minimum: every neighbour at distance 1e-3 is higher.
        angles = np.linspace(0, 2 * np.pi, 16, endpoint=False)
        ring = surface.loss(x + 1e-3 * np.cos(angles), y + 1e-3 * np.sin(angles))
        assert (ring > surface.loss(x, y)).all()


@pytest.mark.parametrize("key", SURFACE_KEYS)
def test_loss_is_never_negative_on_the_window(key: str) -> None:
    _, _, grid = loss_grid(SURFACES[key], 200)
    assert grid.min() >= 0 and np.isfinite(grid).all()


@pytest.mark.parametrize("key", SURFACE_KEYS)
def test_start_and_minima_lie_inside_the_window(key: str) -> None:
    surface = SURFACES[key]
    assert check_start(surface, surface.start) == surface.start
    for minimum in surface.minima:
        check_start(surface, minimum)
    assert surface.loss(*surface.start) > 0


@pytest.mark.parametrize("key", SURFACE_KEYS)
def test_sgd_converges_at_the_top_of_the_learning_rate_range_and_diverges_at_ten_times_it(key: str) -> None:
    surface = SURFACES[key]
    low, high = surface.lr_range
    assert low == pytest.approx(high / 100)
    calm, wild = race(
        surface, [make_racer("sgd", learning_rate=high), make_racer("sgd", learning_rate=10 * high)], surface.start, 500
    ).paths
    assert calm.diverged_at is None and calm.losses[-1] < calm.losses[0]
    assert wild.diverged_at is not None


@pytest.mark.parametrize(
    ("start", "message"),
    [
        ((9.0, 0.0), "outside the window"),
        ((0.0, -3.0), "outside the window"),
        ((math.nan, 0.0), "finite"),
        ((0.0, math.inf), "finite"),
    ],
)
def test_bad_start_points_are_refused_with_a_sentence(start: tuple[float, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_start(SURFACES["rosenbrock"], start)


def test_unknown_surface_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="ravine, rosenbrock, beale, saddle, himmelblau"):
        get_surface("everest")


def test_distance_to_nearest_minimum_picks_the_closest_of_several() -> None:
    himmelblau = SURFACES["himmelblau"]
    points = np.array([[3.0, 2.5], [-3.779310253377747, -3.2831859912861696]])
    np.testing.assert_allclose(distance_to_nearest_minimum(himmelblau, points), [0.5, 0.0], atol=1e-15)


def test_loss_grid_rejects_absurd_resolutions() -> None:
    with pytest.raises(ValueError, match="2 to 1000"):
        loss_grid(SURFACES["ravine"], 10**6)


# The lessons on the page make claims; each one is measured here.


def _default_racers(learning_rate: float | None = None) -> list:
    keys = ("sgd", "momentum", "rmsprop", "adam")
    return [make_racer(k) if learning_rate is None else make_racer(k, learning_rate=learning_rate) for k in keys]


def _final_distances(key: str, learning_rate: float | None = None) -> dict[str, float]:
    surface = SURFACES[key]
    result = race(surface, _default_racers(learning_rate), surface.start, 500)
    return {p.racer.optimizer: float(distance_to_nearest_minimum(surface, p.points[-1:])[0]) for p in result.paths}


def test_ravine_is_fifty_times_steeper_across_than_along_and_momentum_beats_sgd() -> None:
    ravine = SURFACES["ravine"]
    curvature_x = (ravine.gradient(1e-3, 0.0)[0] - ravine.gradient(-1e-3, 0.0)[0]) / 2e-3
    curvature_y = (ravine.gradient(0.0, 1e-3)[1] - ravine.gradient(0.0, -1e-3)[1]) / 2e-3
    assert curvature_y / curvature_x == pytest.approx(50)
    distances = _final_distances("ravine")
    assert distances["sgd"] > 1 and distances["momentum"] < 0.05


@pytest.mark.parametrize(
    ("key", "optimizer"), [("rosenbrock", "sgd"), ("rosenbrock", "momentum"), ("beale", "momentum")]
)
def test_keras_default_learning_rate_diverges_within_ten_steps(key: str, optimizer: str) -> None:
    surface = SURFACES[key]
    (path,) = race(surface, [make_racer(optimizer)], surface.start, 500).paths
    assert path.diverged_at is not None and path.diverged_at <= 10


def test_saddle_holds_sgd_while_the_others_escape_with_the_same_learning_rate() -> None:
    distances = _final_distances("saddle", learning_rate=0.01)
    assert distances["sgd"] > 1
    assert max(distances["momentum"], distances["rmsprop"], distances["adam"]) < 0.05


def test_himmelblau_splits_the_racers_between_two_minima() -> None:
    surface = SURFACES["himmelblau"]
    assert surface.start == (0.0, -1.0)
    result = race(surface, _default_racers(0.01), surface.start, 2000)
    minima = np.array(surface.minima)
    ends = {
        p.racer.optimizer: tuple(minima[np.argmin(((minima - p.points[-1]) ** 2).sum(axis=1))].round(2))
        for p in result.paths
    }
    assert ends == {"sgd": (3.58, -1.85), "momentum": (3.58, -1.85), "rmsprop": (3.0, 2.0), "adam": (3.0, 2.0)}
