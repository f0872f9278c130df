"""The optimizer race: every racer starts at the same point of a surface and takes ``steps`` updates.

Two engines run the same race. :func:`race` applies the update steps of
:data:`annviz.optimizers.OPTIMIZERS` in float64 (plain Python floats, which are IEEE doubles
like NumPy's float64, and several times faster than NumPy on two numbers).
:func:`annviz.serving.keras_race.race_keras` hands the same gradients to real ``keras.optimizers``
objects holding float64 variables (it runs in the Keras worker, the only place that imports Keras).
The tests check that both draw the same paths, point by point.

A path stops at its last finite point: if an update sends the parameters or the loss to
``inf``/NaN at step ``k``, the path has ``k`` points and ``diverged_at = k``. So no NaN
ever leaves this module.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from annviz.errors import InputError
from annviz.formatting import format_number
from annviz.optimizers import Racer
from annviz.surfaces import Surface, check_start, distance_to_nearest_minimum

#: Longest race: 5 racers × 5000 steps still run in a fraction of a second.
MAX_STEPS = 5000
#: Default distance to a minimum that counts as "arrived" on the leaderboard.
DEFAULT_EPSILON = 0.01


@dataclass(frozen=True)
class RacePath:
    """One racer's path: finite ``points`` (shape ``(k + 1, 2)``, start first) and their ``losses``."""

    racer: Racer
    points: np.ndarray
    losses: np.ndarray
    diverged_at: int | None

    @property
    def steps_taken(self) -> int:
        return len(self.points) - 1


@dataclass(frozen=True)
class RaceResult:
    """All paths of one race, with the step count actually run and the engine that ran it."""

    surface: Surface
    start: tuple[float, float]
    steps: int
    requested_steps: int
    paths: tuple[RacePath, ...]
    engine: str
    #: σ of the gradient noise (0: the exact gradient, full-batch gradient descent).
    noise: float = 0.0

    @property
    def notice(self) -> str | None:
        """The sentence to show when the requested step count was capped."""
        if self.steps == self.requested_steps:
            return None
        return f"{self.requested_steps:,} steps were asked for; the race is capped at {self.steps:,} steps."


#: Largest gradient noise σ: far beyond every surface's gradients near its minima.
MAX_NOISE = 100.0


def check_noise(noise: float) -> float:
    """σ of the gradient noise, a finite number from 0 to :data:`MAX_NOISE`.

    >>> check_noise(0.5)
    0.5
    >>> check_noise(-1)
    Traceback (most recent call last):
    ...
    annviz.errors.InputError: The gradient noise σ must be between 0 and 100, not -1.
    """
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not math.isfinite(noise) or not 0 <= noise <= MAX_NOISE:
        raise InputError(f"The gradient noise σ must be between 0 and {MAX_NOISE:g}, not {noise!r}.")
    return float(noise)


def check_steps(steps: float) -> int:
    """Return the number of steps to run: at least 1, at most :data:`MAX_STEPS` (larger is capped).

    >>> check_steps(500), check_steps(10**7)
    (500, 5000)
    >>> check_steps(0)
    Traceback (most recent call last):
    ...
    annviz.errors.InputError: A race of 0 steps shows nothing: use 1 to 5000 steps.
    """
    if isinstance(steps, float) and not math.isfinite(steps):
        raise InputError(f"The number of steps must be a whole number from 1 to {MAX_STEPS}, not {steps}.")
    if steps != int(steps):
        raise InputError(f"The number of steps must be a whole number, not {steps}.")
    steps = int(steps)
    if steps < 1:
        raise InputError(f"A race of {steps} steps shows nothing: use 1 to {MAX_STEPS} steps.")
    return min(steps, MAX_STEPS)


def race(
    surface: Surface, racers: Sequence[Racer], start: tuple[float, float], steps: int,
    *, noise: float = 0.0, seed: int = 0,
) -> RaceResult:
    """Run every racer from ``start`` for ``steps`` updates with the float64 update rules.

    Each update is ``θ_t = update(θ_{t-1}, g_t, slots, t)`` applied to x and y separately
    (every rule here is element-wise), exactly as Keras applies it to a 2-element variable.
    With ``noise = 0`` the gradient is exact, ``g_t = ∇f(θ_{t-1})``: full-batch gradient
    descent. ``noise = σ > 0`` stands for a mini-batch's estimate, ``g_t = ∇f(θ_{t-1}) + σ·ε_t``
    with ``ε_t ~ N(0, I)`` drawn from ``seed``; every racer gets the same draws.

    >>> from annviz.optimizers import make_racer
    >>> from annviz.surfaces import SURFACES
    >>> result = race(SURFACES["ravine"], [make_racer("sgd", learning_rate=0.1)], (-4.5, 1.0), 2)
    >>> result.paths[0].points.round(6).tolist()
    [[-4.5, 1.0], [-4.455, 0.5], [-4.41045, 0.25]]
    """
    x0, y0 = check_start(surface, start)
    run_steps = check_steps(steps)
    sigma = check_noise(noise)
    draws = (sigma * np.random.default_rng(seed).standard_normal((run_steps, 2))).tolist() if sigma else None
    loss, gradient = surface.loss, surface.gradient
    paths = []
    for racer in racers:
        hp = racer.hyperparameters
        update = racer.spec.update
        slots_x = slots_y = racer.spec.initial_slots(hp)
        x, y = x0, y0
        xs, ys, losses = [x], [y], [loss(x, y)]
        diverged_at = None
        for t in range(1, run_steps + 1):
            gx, gy = gradient(x, y)
            if draws is not None:
                gx, gy = gx + draws[t - 1][0], gy + draws[t - 1][1]
            x, slots_x = update(x, gx, slots_x, t, hp)
            y, slots_y = update(y, gy, slots_y, t, hp)
            f = loss(x, y)
            if not (math.isfinite(x) and math.isfinite(y) and math.isfinite(f)):
                diverged_at = t
                break
            xs.append(x)
            ys.append(y)
            losses.append(f)
        paths.append(RacePath(racer, np.column_stack([xs, ys]), np.asarray(losses), diverged_at))
    return RaceResult(surface, (x0, y0), run_steps, int(steps), tuple(paths), "numpy", sigma)


def keras_runner_settings(racer: Racer) -> tuple[tuple[str, float | bool], ...]:
    """What a :class:`KerasRunner` is built from: every hyperparameter but the learning rate.

    >>> from annviz.optimizers import make_racer
    >>> keras_runner_settings(make_racer("momentum", learning_rate=0.05))
    (('momentum', 0.9), ('nesterov', False))
    """
    return tuple((name, value) for name, value in racer.settings if name != "learning_rate")


def steps_to_reach(surface: Surface, path: RacePath, epsilon: float) -> int | None:
    """The first step at which the path is within ``epsilon`` of a minimum, or None.

    On the ravine SGD with η = 0.3 shrinks x by 1 − 0.3·0.1 = 0.97 and y by
    1 − 0.3·5 = −0.5 per step, so from x = −4.5 it needs 4.5·0.97^k ≤ 0.01, k = 201:

    >>> from annviz.optimizers import make_racer
    >>> from annviz.surfaces import SURFACES
    >>> result = race(SURFACES["ravine"], [make_racer("sgd", learning_rate=0.3)], (-4.5, 1.0), 500)
    >>> steps_to_reach(SURFACES["ravine"], result.paths[0], 0.01)
    201
    """
    if not (math.isfinite(epsilon) and epsilon > 0):
        raise InputError(f"The arrival distance ε must be a positive number, not {epsilon}.")
    close = np.flatnonzero(distance_to_nearest_minimum(surface, path.points) <= epsilon)
    return int(close[0]) if close.size else None


def leaderboard(result: RaceResult, *, epsilon: float = DEFAULT_EPSILON) -> list[dict[str, object]]:
    """One row per racer, best first: arrived (fewest steps), then still going (lowest loss), then diverged.

    Columns: racer, learning rate, steps to within ε of a minimum (None if never),
    final loss, final distance to the nearest minimum, and a status: "arrived", "still
    going" or "diverged at step k". With η = 1
    SGD multiplies y by 1 − 5 = −4 each step until 2.5·y² overflows (4^256 ≈ 1.3e154):

    >>> from annviz.optimizers import make_racer
    >>> from annviz.surfaces import SURFACES
    >>> racers = [make_racer("sgd", learning_rate=1.0), make_racer("sgd", learning_rate=0.3)]
    >>> rows = leaderboard(race(SURFACES["ravine"], racers, (-4.5, 1.0), 500))
    >>> [(row["learning rate"], row["steps to ε"], row["status"]) for row in rows]
    [(0.3, 201, 'arrived'), (1.0, None, 'diverged at step 256')]
    """
    rows = []
    for path in result.paths:
        reached = steps_to_reach(result.surface, path, epsilon)
        if path.diverged_at is not None:
            status, rank = f"diverged at step {path.diverged_at}", (2, -path.diverged_at, 0.0)
        elif reached is not None:
            status, rank = "arrived", (0, reached, 0.0)
        else:
            status, rank = "still going", (1, 0, float(path.losses[-1]))
        rows.append(
            {
                "racer": path.racer.name,
                "learning rate": path.racer.hyperparameters["learning_rate"],
                "steps to ε": reached,
                "final loss": float(path.losses[-1]),
                "distance to minimum": float(distance_to_nearest_minimum(result.surface, path.points[-1:])[0]),
                "status": status,
                "_rank": rank,
            }
        )
    rows.sort(key=operator.itemgetter("_rank"))
    for row in rows:
        del row["_rank"]
    return rows


#: The race the page opens on: the ravine, with learning rates picked so that the racers differ
#: visibly and all arrive within 500 steps (momentum first). With Keras's defaults none arrives
#: there in 500 steps; a test checks both.
OPENING_SURFACE = "ravine"
OPENING_LEARNING_RATES = {"sgd": 0.3, "momentum": 0.1, "rmsprop": 0.05, "adam": 0.1}


def divergence_sentence(result: RaceResult) -> str | None:
    """What the page says when racers diverged (their paths end at an ✕), or None when none did.

    >>> from annviz.optimizers import make_racer
    >>> from annviz.surfaces import SURFACES
    >>> result = race(SURFACES["ravine"], [make_racer("sgd", learning_rate=1.0), make_racer("adam")], (-4.5, 1.0), 500)
    >>> print(divergence_sentence(result))
    Diverged: SGD at step 256 (η = 1). Each step overshot by more than the last until the loss was too large for a float; the path ends at ✕, its last finite point, and the charts stop there. A smaller η stays on the map.
    """
    gone = [path for path in result.paths if path.diverged_at is not None]
    if not gone:
        return None
    names = [f"{path.racer.name} at step {path.diverged_at} (η = {format_number(path.racer.hyperparameters['learning_rate'])})"
             for path in gone]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    ends = "the path ends at ✕, its last finite point" if len(gone) == 1 else "each path ends at ✕, its last finite point"
    return (f"Diverged: {listed}. Each step overshot by more than the last until the loss was too large for a float; "
            f"{ends}, and the charts stop there. A smaller η stays on the map.")


@dataclass(frozen=True)
class SlideAdamComparison:
    """Keras's Adam and the slide's uncorrected Adam raced at the same η from the same start.

    ``first_steps`` are the lengths of each one's first step (Keras's Adam first), ``step_ratio``
    the slide's over Keras's, and ``rows`` their leaderboard rows (same order).
    """

    learning_rate: float
    first_steps: tuple[float, float]
    rows: tuple[dict, dict]

    @property
    def step_ratio(self) -> float:
        return self.first_steps[1] / self.first_steps[0]


def compare_slide_adam(
    surface: Surface, start: tuple[float, float], learning_rate: float, steps: int, *, epsilon: float = DEFAULT_EPSILON,
) -> SlideAdamComparison:
    """Race Keras's Adam and the slide's Adam at the same ``learning_rate`` (every other setting Keras's default).

    >>> from annviz.surfaces import SURFACES
    >>> comparison = compare_slide_adam(SURFACES["ravine"], (-4.5, 1.0), 0.1, 500)
    >>> [round(length, 3) for length in comparison.first_steps], round(comparison.step_ratio, 2)
    ([0.141, 0.447], 3.16)
    """
    from annviz.optimizers import make_racer

    racers = [make_racer("adam", learning_rate=learning_rate), make_racer("adam_slide", learning_rate=learning_rate)]
    result = race(surface, racers, start, steps)
    lengths = tuple(float(np.hypot(*(path.points[min(1, path.steps_taken)] - path.points[0]))) for path in result.paths)
    by_name = {row["racer"]: row for row in leaderboard(result, epsilon=epsilon)}
    return SlideAdamComparison(float(learning_rate), lengths, tuple(by_name[r.name] for r in racers))


def _outcome(row: dict) -> str:
    if row["status"] == "arrived":
        return f"arrives in {row['steps to ε']:,} steps"
    if row["status"] == "still going":
        return f"is still going after the race's steps (loss {row['final loss']:.3g})"
    return str(row["status"])


def slide_adam_sentence(comparison: SlideAdamComparison, surface_name: str) -> str:
    """The race's own numbers for the bias-correction paragraph: same η, the slide's larger first step, the outcome.

    >>> from annviz.surfaces import SURFACES
    >>> print(slide_adam_sentence(compare_slide_adam(SURFACES["ravine"], (-4.5, 1.0), 0.1, 500), "Ravine"))
    Raced here at the same η = 0.1 on the Ravine: the slide's first step is 0.447 long, Keras's Adam's 0.141, 3.16× as long. The slide's Adam arrives in 80 steps, Keras's Adam arrives in 118 steps: the larger steps happen to arrive sooner here, but η no longer sets the step size.
    """
    adam, slide = comparison.rows
    keras_step, slide_step = comparison.first_steps
    text = (f"Raced here at the same η = {comparison.learning_rate:g} on the {surface_name}: the slide's first step is "
            f"{slide_step:.3g} long, Keras's Adam's {keras_step:.3g}, {comparison.step_ratio:.2f}× as long. "
            f"The slide's Adam {_outcome(slide)}, Keras's Adam {_outcome(adam)}")
    if slide["status"] == "arrived" and adam["status"] == "arrived" and slide["steps to ε"] < adam["steps to ε"]:
        return text + ": the larger steps happen to arrive sooner here, but η no longer sets the step size."
    if slide["status"] != "arrived" and adam["status"] == "arrived" or str(slide["status"]).startswith("diverged"):
        return text + ": the steps that are too large cost it the race."
    return text + "."
