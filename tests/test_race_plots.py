"""The race figures: the animation is in the plotly spec, and no NaN ever reaches a chart."""

from __future__ import annotations

import base64
import json

import numpy as np
import plotly.io as pio
import pytest

from annviz.optimizers import MAX_LEARNING_RATE, make_racer
from annviz.race import race
from annviz.race_plots import CLICK_TRACE, LOSS_FLOOR, frame_steps, loss_figure, race_figure, surface_3d_figure
from annviz.surfaces import SURFACES

DECODE = {"f4": np.float32, "f8": np.float64, "i1": np.int8, "i2": np.int16, "i4": np.int32, "u1": np.uint8}


def numbers_in(spec: object) -> list[float]:
    """Every number in a plotly JSON spec, typed arrays (base64) decoded."""
    if isinstance(spec, dict):
        if set(spec) >= {"dtype", "bdata"}:
            return np.frombuffer(base64.b64decode(spec["bdata"]), dtype=DECODE[spec["dtype"]]).astype(float).tolist()
        return [n for value in spec.values() for n in numbers_in(value)]
    if isinstance(spec, list):
        return [n for value in spec for n in numbers_in(value)]
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        return [float(spec)]
    return []


def decoded(array: object) -> np.ndarray:
    return np.asarray(numbers_in(array if isinstance(array, dict) else list(array)))


@pytest.fixture(scope="module")
def wild_race():
    """A race on Rosenbrock where two racers diverge within ten steps and two keep going."""
    surface = SURFACES["rosenbrock"]
    racers = [
        make_racer("sgd"), make_racer("momentum", learning_rate=MAX_LEARNING_RATE), make_racer("rmsprop"), make_racer("adam"),
    ]
    result = race(surface, racers, surface.start, 300)
    assert [p.diverged_at is not None for p in result.paths] == [True, True, False, False]
    return result


def test_the_animation_is_in_the_plotly_spec(wild_race) -> None:
    spec = json.loads(pio.to_json(race_figure(wild_race, frames=30)))
    steps = frame_steps(300, 30)
    assert [frame["name"] for frame in spec["frames"]] == [str(s) for s in steps]
    buttons = spec["layout"]["updatemenus"][0]["buttons"]
    assert [b["method"] for b in buttons] == ["animate", "animate"]
    assert buttons[0]["args"][0] is None and buttons[0]["args"][1]["fromcurrent"]  # Play from where it is
    assert buttons[1]["args"][0] == [None]  # Pause
    slider = spec["layout"]["sliders"][0]
    assert [s["args"][0] for s in slider["steps"]] == [[str(s)] for s in steps]
    assert slider["active"] == len(steps) - 1  # opens on the finished race
    # Each frame redraws the four trails and the heads, and the trails grow.
    racer_traces = [i for i, trace in enumerate(spec["data"]) if trace.get("mode") == "lines"]
    assert len(racer_traces) == 4
    lengths = [len(decoded(frame["data"][3]["x"])) for frame in spec["frames"]]
    assert lengths[0] == 1 and lengths == sorted(lengths) and lengths[-1] == 301
    # The last frame is what the figure opens on.
    last = spec["frames"][-1]
    for trace_index, frame_trace in zip(last["traces"], last["data"]):
        np.testing.assert_array_equal(decoded(spec["data"][trace_index]["x"]), decoded(frame_trace["x"]))


def test_a_diverged_racer_stops_at_its_last_finite_point_with_a_cross(wild_race) -> None:
    figure = race_figure(wild_race)
    sgd = wild_race.paths[0]
    trail = next(trace for trace in figure.data if trace.name == "SGD")
    assert decoded(trail.x)[-1] == pytest.approx(sgd.points[-1, 0], rel=1e-6)
    heads = figure.data[-1]
    assert list(heads.marker.symbol) == ["x", "x", "circle", "circle"]
    early = next(frame for frame in figure.frames if frame.name == "0")
    assert list(early.data[-1].marker.symbol) == ["circle"] * 4


@pytest.mark.parametrize("build", [race_figure, loss_figure, surface_3d_figure])
def test_no_nan_or_infinity_reaches_a_chart(wild_race, build) -> None:
    numbers = np.array(numbers_in(json.loads(pio.to_json(build(wild_race)))))
    assert numbers.size > 100 and np.isfinite(numbers).all()


def test_contour_levels_are_log_spaced_powers_of_ten(wild_race) -> None:
    contour = race_figure(wild_race).data[0]
    assert contour.type == "contour"
    assert contour.contours.size == 0.5 and contour.contours.end - contour.contours.start == 6
    assert all(text.startswith("1e") for text in contour.colorbar.ticktext)
    # The drawn height is log10(loss): 2500 at (2, -1)... compare one grid point.
    xs, ys, z = np.asarray(contour.x), np.asarray(contour.y), np.asarray(contour.z)
    i, j = 10, 20
    loss = SURFACES["rosenbrock"].loss(xs[j], ys[i])
    assert z[i, j] == pytest.approx(max(np.log10(loss), contour.contours.start), rel=1e-6)


def test_loss_chart_is_log_and_floors_zero(wild_race) -> None:
    figure = loss_figure(wild_race)
    assert figure.layout.yaxis.type == "log"
    ravine = SURFACES["ravine"]
    exact = race(ravine, [make_racer("momentum")], (0.0, 0.0), 5)  # starts on the minimum: loss 0
    assert np.asarray(loss_figure(exact).data[0].y).min() == LOSS_FLOOR


def test_the_click_grid_covers_the_window_invisibly(wild_race) -> None:
    grid = next(trace for trace in race_figure(wild_race, click_grid=11).data if trace.name == CLICK_TRACE)
    xs, ys = decoded(grid.x), decoded(grid.y)
    assert xs.size == 121 and (xs.min(), xs.max(), ys.min(), ys.max()) == (-2.0, 2.0, -1.0, 3.0)
    assert grid.marker.opacity == 0 and grid.showlegend is False


def test_frame_steps_are_round_numbers() -> None:
    assert frame_steps(500, 30).tolist() == list(range(0, 501, 20))
    assert frame_steps(5000, 30).tolist() == list(range(0, 5001, 200))
    assert frame_steps(7, 30).tolist() == list(range(8))
    assert frame_steps(1234, 30)[-1] == 1234
