"""The race figures: the animation is in the plotly spec, and no NaN ever reaches a chart."""

from __future__ import annotations

import base64
import json

import numpy as np
import plotly.io as pio
import pytest

from annviz.optimizers import MAX_LEARNING_RATE, make_racer
from annviz.race import race
from annviz.race import divergence_sentence
from annviz.race_plots import (
    CLICK_TRACE,
    CONTOUR_UNITS,
    LOSS_CEILING,
    LOSS_FLOOR,
    OFF_MAP,
    drawn_points,
    frame_steps,
    loss_figure,
    race_figure,
    surface_3d_figure,
)
from annviz.surfaces import SURFACES

DECODE = {"f4": np.float32, "f8": np.float64, "i1": np.int8, "i2": np.int16, "i4": np.int32, "u1": np.uint8, "u2": np.uint16}


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
    # Each racer's trail is one legend entry drawn in pieces; frame k shows the first k pieces
    # of each (the trail up to its step, ending at the racer's point there) and hides the rest.
    racer_traces = [i for i, trace in enumerate(spec["data"]) if trace.get("mode") == "lines"]
    names = [spec["data"][i]["name"] for i in racer_traces]
    assert [spec["data"][i]["name"] for i in racer_traces if spec["data"][i]["showlegend"]] == [
        "SGD", "SGD + momentum", "RMSprop", "Adam"]
    heads = len(spec["data"]) - 1
    for frame, step in zip(spec["frames"], steps):
        assert frame["traces"][-1] == heads and "type" not in frame["data"][0]
        shown = {index: part["opacity"] for index, part in zip(frame["traces"], frame["data"]) if "opacity" in part}
        assert set(shown) == set(racer_traces)
        for racer, path in enumerate(wild_race.paths):
            drawn = drawn_points(wild_race.surface, path.points)  # what leaves the map is pulled in
            pieces = [i for i in racer_traces if names[racer_traces.index(i)] == path.racer.name]
            visible = [i for i in pieces if shown[i] == 1]
            assert visible == pieces[: len(visible)]  # a prefix
            last = min(int(step), path.steps_taken)
            if visible:
                trail_x = np.concatenate([decoded(spec["data"][i]["x"]) for i in visible])
                trail_y = np.concatenate([decoded(spec["data"][i]["y"]) for i in visible])
                np.testing.assert_allclose([trail_x[0], trail_y[0]], drawn[0], rtol=1e-6)
                np.testing.assert_allclose([trail_x[-1], trail_y[-1]], drawn[last], rtol=1e-6)
                # every step up to ``last`` is on it (300 steps: no point is left out)
                assert len(np.unique(trail_x)) == len(np.unique(drawn[: last + 1, 0].astype(np.float32)))
            else:
                assert step == 0
            head = frame["data"][-1]
            assert (head["x"][racer], head["y"][racer]) == pytest.approx(tuple(drawn[last]))
    # The last frame shows everything, as the figure opens.
    assert all(part.get("opacity", 1) == 1 for part in spec["frames"][-1]["data"][:-1])
    assert all(spec["data"][i].get("opacity", 1) == 1 for i in racer_traces)


def test_a_diverged_racer_stops_at_its_last_finite_point_with_a_cross(wild_race) -> None:
    figure = race_figure(wild_race)
    sgd = wild_race.paths[0]
    trail = [trace for trace in figure.data if trace.name == "SGD" and trace.mode == "lines"][-1]
    assert decoded(trail.x)[-1] == pytest.approx(drawn_points(wild_race.surface, sgd.points[-1:])[0, 0], rel=1e-6)
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
    # z counts thousandths of a decade above the map's bottom: levels every half decade, six decades.
    assert contour.contours.size == CONTOUR_UNITS / 2 and contour.contours.end - contour.contours.start == 6 * CONTOUR_UNITS
    ticks = [float(text[2:]) for text in contour.colorbar.ticktext]
    assert all(text.startswith("1e") for text in contour.colorbar.ticktext) and ticks == sorted(ticks)
    bottom = ticks[0]
    assert list(contour.colorbar.tickvals) == [(t - bottom) * CONTOUR_UNITS for t in ticks]
    # The drawn height is log10(loss): 2500 at (2, -1)... compare one grid point.
    xs, ys, z = np.asarray(contour.x), np.asarray(contour.y), np.asarray(contour.z)
    i, j = 10, 20
    loss = SURFACES["rosenbrock"].loss(xs[j], ys[i])
    assert bottom + z[i, j] / CONTOUR_UNITS == pytest.approx(max(np.log10(loss), bottom), abs=0.5 / CONTOUR_UNITS)


def test_loss_chart_is_log_and_floors_zero(wild_race) -> None:
    figure = loss_figure(wild_race)
    assert figure.layout.yaxis.type == "log"
    ravine = SURFACES["ravine"]
    exact = race(ravine, [make_racer("momentum")], (0.0, 0.0), 5)  # starts on the minimum: loss 0
    assert decoded(loss_figure(exact).data[0].y).min() == pytest.approx(LOSS_FLOOR, rel=1e-6)


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


def _axes(layout: dict) -> dict[str, dict]:
    axes = {name: axis for name, axis in layout.items() if name.startswith(("xaxis", "yaxis"))}
    axes.update({f"scene.{name}": axis for name, axis in layout.get("scene", {}).items() if name.endswith("axis")})
    return axes


@pytest.mark.parametrize("surface_key", sorted(SURFACES))
def test_a_learning_rate_of_a_million_is_said_in_words_and_drawn_on_finite_axes(surface_key) -> None:
    # Issue 28.3: with η = 10⁶ for all racers the ticks read "Infinity" and "−NaN" (an autoranged log
    # axis padded past the largest double, and paths at 10¹⁴⁷).
    surface = SURFACES[surface_key]
    racers = [make_racer(key, learning_rate=MAX_LEARNING_RATE) for key in ("sgd", "momentum", "rmsprop", "adam")]
    result = race(surface, racers, surface.start, 500)
    gone = [path for path in result.paths if path.diverged_at is not None]
    assert gone  # at 10⁶ plain SGD leaves every surface
    for build in (race_figure, loss_figure, surface_3d_figure):
        spec = json.loads(pio.to_json(build(result)))
        for name, axis in _axes(spec["layout"]).items():
            assert "range" in axis and np.isfinite(axis["range"]).all(), (build.__name__, name, axis)
            if axis.get("type") == "log":
                assert LOSS_FLOOR / 10 <= 10 ** min(axis["range"]) and 10 ** max(axis["range"]) <= 10 * LOSS_CEILING
        # What is drawn stays far from a double's limit (the hover's customdata keeps the real loss).
        drawn = np.array(numbers_in([trace.get(key, []) for trace in spec["data"] for key in ("x", "y", "z")]))
        assert np.isfinite(numbers_in(spec["data"])).all() and np.abs(drawn).max() <= LOSS_CEILING, build.__name__
    (x_low, x_high), _ = surface.window
    trails = [t for t in race_figure(result).data if t.name in {p.racer.name for p in gone}]
    assert all(np.abs(decoded(t.x)).max() <= max(abs(x_low), abs(x_high)) + OFF_MAP * (x_high - x_low) for t in trails)
    # Said in words: in the loss chart and in the sentence the page shows.
    marks = [t.text[0] for t in loss_figure(result).data if t.text]
    assert marks == [f"diverged at step {path.diverged_at}" for path in gone]
    sentence = divergence_sentence(result)
    assert sentence.startswith("Diverged: ") and all(f"{p.racer.name} at step {p.diverged_at}" in sentence for p in gone)


def test_a_diverged_curve_runs_into_the_ceiling_and_its_hover_tells_the_real_loss(wild_race) -> None:
    figure = loss_figure(wild_race)
    sgd = next(trace for trace in figure.data if trace.name == "SGD")
    assert decoded(sgd.y).max() <= LOSS_CEILING and decoded(sgd.customdata)[-1] == wild_race.paths[0].losses[-1]
    assert "customdata" in sgd.hovertemplate
