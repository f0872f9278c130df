"""The optimizer table and the float64 race engine, without TensorFlow.

One-step tests use Keras's own test numbers (``keras/src/optimizers/*_test.py``: learning rate
0.5, gradients [1, 6, 7, 2] on parameters [1, 2, 3, 4]) and hand-worked ones; the equality
with ``keras.optimizers`` over whole races is in ``test_race_keras.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from annviz.optimizers import MAX_LEARNING_RATE, OPTIMIZERS, as_keras_float, keras_code, make_racer
from annviz.race import MAX_STEPS, check_steps, leaderboard, race
from annviz.surfaces import SURFACES

THETA = [1.0, 2.0, 3.0, 4.0]
GRADIENT = [1.0, 6.0, 7.0, 2.0]


def apply_steps(optimizer: str, steps: int = 1, **hyperparameters: float | bool) -> np.ndarray:
    """Apply ``steps`` updates with the constant GRADIENT to THETA, element by element like Keras."""
    racer = make_racer(optimizer, **hyperparameters)
    hp = racer.hyperparameters
    result = []
    for theta, g in zip(THETA, GRADIENT):
        slots = racer.spec.initial_slots(hp)
        for t in range(1, steps + 1):
            theta, slots = racer.spec.update(theta, g, slots, t, hp)
        result.append(theta)
    return np.array(result)


@pytest.mark.parametrize(
    ("optimizer", "hyperparameters", "steps", "expected"),
    [
        # Keras's test_single_step numbers (rtol 1e-4 there).
        ("sgd", {"learning_rate": 0.5}, 1, [0.5, -1.0, -0.5, 3.0]),
        ("rmsprop", {"learning_rate": 0.5}, 1, [-0.5811, 0.4189, 1.4189, 2.4189]),
        ("adam", {"learning_rate": 0.5}, 1, [0.5, 1.5, 2.5, 3.5]),
        ("adagrad", {"learning_rate": 0.5}, 1, [0.5233, 1.5007, 2.5005, 3.5061]),
        # Momentum, first step: m = -η g, so the step is plain SGD's.
        ("momentum", {"learning_rate": 0.5}, 1, [0.5, -1.0, -0.5, 3.0]),
        # Second step: m = μ(-η g) - η g = -0.95 g, θ = θ₁ - 0.95 g.
        ("momentum", {"learning_rate": 0.5}, 2, [-0.45, -6.7, -7.15, 1.1]),
        # Nesterov, first step: θ += μ m - η g = -0.45 g - 0.5 g = -0.95 g.
        ("momentum", {"learning_rate": 0.5, "nesterov": True}, 1, [0.05, -3.7, -3.65, 2.1]),
    ],
)
def test_one_step_against_hand_worked_numbers(optimizer, hyperparameters, steps, expected) -> None:
    np.testing.assert_allclose(apply_steps(optimizer, steps, **hyperparameters), expected, rtol=0, atol=1e-4)


def test_rmsprop_one_step_worked_out() -> None:
    # v = (1 - ρ) g², θ = θ - η g / sqrt(v + ε); η = 0.5 is exact in float32.
    expected = [t - 0.5 * g / math.sqrt((1 - 0.9) * g * g + 1e-7) for t, g in zip(THETA, GRADIENT)]
    np.testing.assert_allclose(apply_steps("rmsprop", learning_rate=0.5), expected, rtol=1e-15)


def test_adam_bias_correction_makes_the_first_step_eta_times_the_sign() -> None:
    # m̂ = g and v̂ = g² after one step, so θ moves by η·g/(|g| + ε̂) ≈ η·sign(g). The 1e-5 left
    # over is Keras's: ε̂ = ε/sqrt(1 - β₂) and the float32-rounded β₂ in the correction.
    moved = np.array(THETA) - apply_steps("adam", learning_rate=0.01)
    np.testing.assert_allclose(moved, 0.01 * np.sign(GRADIENT), rtol=1e-5)
    beta_2 = float(np.float32(0.999))
    alpha = float(np.float32(0.01)) * math.sqrt(1 - beta_2) / (1 - float(np.float32(0.9)))
    exact = [alpha * (1 - 0.9) * g / (math.sqrt((1 - 0.999) * g * g) + 1e-7) for g in GRADIENT]
    np.testing.assert_allclose(moved, exact, rtol=1e-12)  # θ - θ₁ loses a few bits


def test_adam_keras_form_equals_the_bias_corrected_form_the_page_shows() -> None:
    # θ -= η m̂/(√v̂ + ε̂) with m̂ = m/(1 - β₁ᵗ), v̂ = v/(1 - β₂ᵗ) and ε̂ = ε/sqrt(1 - β₂ᵗ).
    beta_1, beta_2, eta, eps = float(np.float32(0.9)), float(np.float32(0.999)), float(np.float32(0.01)), 1e-7
    theta, m, v = 1.0, 0.0, 0.0
    for t, g in enumerate([3.0, -1.0, 0.5, 2.0, 2.0], start=1):
        m = m + (g - m) * (1 - 0.9)
        v = v + (g * g - v) * (1 - 0.999)
        m_hat, v_hat = m / (1 - beta_1**t), v / (1 - beta_2**t)
        theta -= eta * m_hat / (math.sqrt(v_hat) + eps / math.sqrt(1 - beta_2**t))
    racer = make_racer("adam", learning_rate=0.01)
    ours, slots = 1.0, racer.spec.initial_slots(racer.hyperparameters)
    for t, g in enumerate([3.0, -1.0, 0.5, 2.0, 2.0], start=1):
        ours, slots = racer.spec.update(ours, g, slots, t, racer.hyperparameters)
    assert ours == pytest.approx(theta, rel=1e-13)


def test_centered_rmsprop_and_rmsprop_momentum_follow_the_keras_formulas() -> None:
    # Centered, first step: v = 0.1 g², a = 0.1 g, denominator v - a² + ε = 0.09 g² + ε.
    expected = [t - 0.5 * g / math.sqrt(0.1 * g * g - (0.1 * g) ** 2 + 1e-7) for t, g in zip(THETA, GRADIENT)]
    np.testing.assert_allclose(apply_steps("rmsprop", learning_rate=0.5, centered=True), expected, rtol=1e-12)
    # Momentum 0.5, two steps: b₁ = inc₁, b₂ = 0.5 b₁ + inc₂, θ₂ = θ - b₁ - b₂.
    expected = []
    for theta, g in zip(THETA, GRADIENT):
        inc1 = 0.5 * g / math.sqrt(0.1 * g * g + 1e-7)
        inc2 = 0.5 * g / math.sqrt(0.9 * 0.1 * g * g + 0.1 * g * g + 1e-7)
        expected.append(theta - inc1 - (0.5 * inc1 + inc2))
    np.testing.assert_allclose(apply_steps("rmsprop", 2, learning_rate=0.5, momentum=0.5), expected, rtol=1e-12)


def test_keras_rounds_python_numbers_through_float32() -> None:
    assert as_keras_float(0.001) == float(np.float32(0.001)) != 0.001
    # So an SGD step with η = 0.01 moves by float32(0.01)·g, not 0.01·g.
    assert apply_steps("sgd", learning_rate=0.01)[0] == 1.0 - 1.0 * float(np.float32(0.01))


@pytest.mark.parametrize("key", list(OPTIMIZERS))
def test_every_optimizer_reaches_the_ravine_minimum_with_a_sensible_learning_rate(key: str) -> None:
    ravine = SURFACES["ravine"]
    learning_rate = {"sgd": 0.3, "momentum": 0.05, "rmsprop": 0.01, "adam": 0.05, "adam_slide": 0.05, "adagrad": 1.0}[key]
    (path,) = race(ravine, [make_racer(key, learning_rate=learning_rate)], ravine.start, 2000).paths
    assert path.diverged_at is None
    assert path.losses[-1] < 1e-3 * path.losses[0]


@pytest.mark.parametrize(
    ("optimizer", "hyperparameters", "message"),
    [
        ("sgd", {"learning_rate": 0}, "a learning rate of 0 never moves"),
        ("adam", {"learning_rate": -0.01}, "negative learning rate"),
        ("rmsprop", {"learning_rate": MAX_LEARNING_RATE * 10}, "outside"),
        ("sgd", {"learning_rate": math.nan}, "finite"),
        ("sgd", {"learning_rate": math.inf}, "finite"),
        ("momentum", {"momentum": 1.0}, "outside \\[0, 1\\)"),
        ("momentum", {"momentum": -0.1}, "outside"),
        ("adam", {"beta_1": 1.0}, "β₁ = 1 is outside"),
        ("adam", {"beta_2": 1.5}, "outside"),
        ("adam", {"epsilon": 0.0}, "epsilon ε = 0 is outside \\(0, 1\\]"),
        ("rmsprop", {"rho": 1.0}, "outside"),
        ("adagrad", {"initial_accumulator_value": -1.0}, "outside"),
        ("sgd", {"momentum": 0.9}, "SGD has no hyperparameter momentum"),
        ("lion", {}, "There is no optimizer 'lion'"),
    ],
)
def test_bad_hyperparameters_are_refused_with_a_sentence(optimizer, hyperparameters, message) -> None:
    with pytest.raises(ValueError, match=message):
        make_racer(optimizer, **hyperparameters)


def test_missing_hyperparameters_take_the_table_defaults() -> None:
    racer = make_racer("rmsprop")
    assert racer.hyperparameters == {
        "learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7, "centered": False,
    }
    assert keras_code(racer) == (
        "keras.optimizers.RMSprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-07, centered=False)"
    )


@pytest.mark.parametrize(
    ("steps", "expected"),
    [(1, 1), (500, 500), (MAX_STEPS, MAX_STEPS), (MAX_STEPS + 1, MAX_STEPS), (10**7, MAX_STEPS), (500.0, 500)],
)
def test_steps_are_capped(steps: float, expected: int) -> None:
    assert check_steps(steps) == expected


@pytest.mark.parametrize(
    ("steps", "message"),
    [(0, "0 steps shows nothing"), (-5, "-5 steps"), (2.5, "whole number"), (math.inf, "whole number")],
)
def test_bad_step_counts_are_refused(steps: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_steps(steps)


def test_a_capped_race_says_so() -> None:
    ravine = SURFACES["ravine"]
    result = race(ravine, [make_racer("sgd")], ravine.start, 10**7)
    assert result.steps == MAX_STEPS and len(result.paths[0].points) == MAX_STEPS + 1
    assert result.notice == "10,000,000 steps were asked for; the race is capped at 5,000 steps."
    assert race(ravine, [make_racer("sgd")], ravine.start, 10).notice is None


def test_a_start_outside_the_window_is_refused() -> None:
    with pytest.raises(ValueError, match="outside the window of Ravine"):
        race(SURFACES["ravine"], [make_racer("sgd")], (6.0, 0.0), 10)


@pytest.mark.parametrize("key", list(SURFACES))
def test_divergence_stops_at_the_last_finite_point(key: str) -> None:
    surface = SURFACES[key]
    racers = [make_racer(key, learning_rate=MAX_LEARNING_RATE) for key in ("sgd", "momentum")]
    for path in race(surface, racers, surface.start, 2000).paths:
        assert path.diverged_at is not None
        assert len(path.points) == path.diverged_at == len(path.losses)
        assert np.isfinite(path.points).all() and np.isfinite(path.losses).all()


def test_a_vanishing_denominator_is_divergence_not_a_crash() -> None:
    # Centered RMSprop with ρ = 0: v - a² = g² - g² = 0, so step 1 is η·g/sqrt(1e-300), finite
    # but ~1e147, and step 2 overflows: the race reports divergence at step 2.
    ravine = SURFACES["ravine"]
    (path,) = race(ravine, [make_racer("rmsprop", centered=True, epsilon=1e-300, rho=0.0)], ravine.start, 50).paths
    assert path.diverged_at == 2 and np.isfinite(path.points).all()
    # A negative or zero denominator gives NaN or ±inf, as in Keras, instead of raising.
    spec = OPTIMIZERS["rmsprop"]
    hp = {**make_racer("rmsprop", centered=True, epsilon=1e-300).hyperparameters}
    theta, _ = spec.update(1.0, 0.0, (0.0, 1.0, 0.0), 1, hp)
    assert math.isnan(theta)
    # ρ = 0.5, a₀ = 1, g = 1e-200: a = 0.5, v = 0 (g² underflows), v - a² + ε = -0.25 + 0.25 = 0.
    theta, _ = spec.update(1.0, 1e-200, (0.0, 1.0, 0.0), 1, {**hp, "rho": 0.5, "epsilon": 0.25})
    assert theta == -math.inf


def test_leaderboard_orders_arrived_then_going_then_diverged() -> None:
    ravine = SURFACES["ravine"]
    racers = [make_racer("sgd", learning_rate=1.0), make_racer("adam"), make_racer("sgd", learning_rate=0.3)]
    rows = leaderboard(race(ravine, racers, ravine.start, 500), epsilon=0.01)
    assert [(row["racer"], row["status"]) for row in rows] == [
        ("SGD", "arrived"), ("Adam", "still going"), ("SGD", "diverged at step 256"),
    ]
    assert rows[0]["steps to ε"] == 201 and rows[0]["distance to minimum"] <= 0.01
    assert all(math.isfinite(row["final loss"]) for row in rows)
    with pytest.raises(ValueError, match="ε must be a positive number"):
        leaderboard(race(ravine, racers, ravine.start, 5), epsilon=0)


def test_adam_without_bias_correction_steps_too_large_not_too_small():
    """The recurrences run by hand (m, v from 0, a constant gradient) against the closed form, and
    the corrected step against the page's own Adam rule (Keras's): one step of η."""
    from annviz.optimizers import OPTIMIZERS, uncorrected_adam_step_ratio

    beta_1, beta_2, g = 0.9, 0.999, 0.37
    m = v = 0.0
    for t in range(1, 1001):
        m, v = beta_1 * m + (1 - beta_1) * g, beta_2 * v + (1 - beta_2) * g * g
        if t in (1, 2, 10, 100, 1000):
            assert m / math.sqrt(v) == pytest.approx(uncorrected_adam_step_ratio(t, beta_1, beta_2), rel=1e-12)
    assert round(uncorrected_adam_step_ratio(1), 2) == 3.16 and round(uncorrected_adam_step_ratio(1000), 2) == 1.26
    assert all(uncorrected_adam_step_ratio(t) > 1 for t in range(1, 5000, 97))
    adam = OPTIMIZERS["adam"]
    hp = {**adam.defaults, "learning_rate": 0.001, "epsilon": 1e-12}
    theta, _ = adam.update(1.0, g, adam.initial_slots(hp), 1, hp)
    assert 1.0 - theta == pytest.approx(0.001, rel=1e-5)  # corrected: the first step is η
    with pytest.raises(ValueError):
        uncorrected_adam_step_ratio(0)


def test_compile_defaults_and_the_lectures_compile_lines_are_keras():
    """``model.compile`` defaults to RMSprop, not Adam; the page's compile lines run, and their
    optimizers have the learning rates the "when to use" table says."""
    import inspect

    import keras

    from annviz.optimizers import COMPILE_DEFAULT_OPTIMIZER, COMPILE_SNIPPET, OPTIMIZERS, when_to_use_rows

    assert inspect.signature(keras.Model.compile).parameters["optimizer"].default == COMPILE_DEFAULT_OPTIMIZER
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, activation="softmax")])
    compiled = []
    original = model.compile
    model.compile = lambda **kw: (original(**kw), compiled.append(model.optimizer))
    exec(COMPILE_SNIPPET, {"keras": keras, "model": model})
    adam, sgd, default = compiled
    assert isinstance(adam, keras.optimizers.Adam) and float(adam.learning_rate) == pytest.approx(0.001)
    assert isinstance(sgd, keras.optimizers.SGD) and sgd.momentum == 0.9
    assert isinstance(default, keras.optimizers.RMSprop)
    rows = {row["optimizer"]: row for row in when_to_use_rows()}
    for spec in OPTIMIZERS.values():
        if not spec.bias_correction:  # the slide's Adam is raced, never recommended
            assert spec.name not in rows
            continue
        keras_default = inspect.signature(getattr(keras.optimizers, spec.keras_class)).parameters["learning_rate"].default
        assert float(rows[spec.name]["default η"]) == keras_default == spec.defaults["learning_rate"]
        assert rows[spec.name]["Keras"] == f"keras.optimizers.{spec.keras_class}"


def test_the_opening_race_shows_racers_arriving_and_keras_defaults_do_not_get_there():
    from annviz.race import DEFAULT_EPSILON, OPENING_LEARNING_RATES, OPENING_SURFACE, leaderboard, race
    from annviz.surfaces import SURFACES

    surface = SURFACES[OPENING_SURFACE]
    opening = [make_racer(key, learning_rate=rate) for key, rate in OPENING_LEARNING_RATES.items()]
    board = leaderboard(race(surface, opening, surface.start, 500), epsilon=DEFAULT_EPSILON)
    arrived = [row for row in board if row["status"] == "arrived"]
    assert len(arrived) >= 2 and board[0]["racer"] == "SGD + momentum"
    assert len({row["steps to ε"] for row in arrived}) == len(arrived)  # they differ visibly
    keras_defaults = [make_racer(key) for key in OPENING_LEARNING_RATES]
    board = leaderboard(race(surface, keras_defaults, surface.start, 500), epsilon=DEFAULT_EPSILON)
    assert all(row["status"] != "arrived" for row in board)


def test_gradient_noise_is_a_mini_batch_estimate_shared_by_every_racer():
    from annviz.race import check_noise, race
    from annviz.surfaces import SURFACES

    surface = SURFACES["ravine"]
    racers = [make_racer("sgd", learning_rate=0.1), make_racer("adam", learning_rate=0.1)]
    exact = race(surface, racers, surface.start, 50)
    assert all(np.array_equal(a.points, b.points) for a, b in
               zip(exact.paths, race(surface, racers, surface.start, 50, noise=0.0, seed=7).paths))
    noisy = race(surface, racers, surface.start, 50, noise=1.5, seed=3)
    again = race(surface, racers, surface.start, 50, noise=1.5, seed=3)
    assert all(np.array_equal(a.points, b.points) for a, b in zip(noisy.paths, again.paths)) and noisy.noise == 1.5
    assert not np.array_equal(noisy.paths[0].points, exact.paths[0].points)
    # SGD by hand: θ_t = θ_{t-1} − η (∇f(θ_{t-1}) + σ ε_t), ε from the seed, the same for every racer.
    eps = 1.5 * np.random.default_rng(3).standard_normal((50, 2))
    theta = np.array(surface.start, dtype=float)
    for t in range(50):
        theta = theta - as_keras_float(0.1) * (np.array(surface.gradient(*theta)) + eps[t])
    np.testing.assert_allclose(noisy.paths[0].points[-1], theta, rtol=1e-12)
    for bad in (-0.1, float("nan"), float("inf"), 1e9):
        with pytest.raises(ValueError, match="gradient noise"):
            check_noise(bad)
