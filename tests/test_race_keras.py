"""The float64 engine against real ``keras.optimizers``: whole races, point by point."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from annviz.optimizers import OPTIMIZERS, keras_code, make_racer
from annviz.race import keras_runner_settings, race
from annviz.serving.keras_race import new_keras_runner, race_keras
from annviz.surfaces import SURFACES

keras = pytest.importorskip("keras")


def defaults_and_one_diverging(surface_key: str) -> list:
    """Every optimizer at Keras's defaults, and plain SGD at ten times the surface's top learning rate."""
    diverging = make_racer("sgd", learning_rate=10 * SURFACES[surface_key].lr_range[1])
    return [*(make_racer(key) for key in OPTIMIZERS), diverging]


def the_options(surface_key: str) -> list:
    """Nesterov, centered RMSprop, RMSprop with momentum, and non-default Adam and Adagrad settings."""
    return [
        make_racer("momentum", nesterov=True, learning_rate=SURFACES[surface_key].lr_range[1]),
        make_racer("rmsprop", centered=True, learning_rate=0.01),
        make_racer("rmsprop", momentum=0.5, learning_rate=0.01),
        make_racer("adam", learning_rate=0.05, beta_1=0.5, epsilon=1e-3),
        make_racer("adagrad", learning_rate=0.1, initial_accumulator_value=0.3),
    ]


# Two races of five or six racers each: the tf.function's tracing time grows faster than
# linearly with the number of racers in one graph.
@pytest.mark.parametrize("racers_for", [defaults_and_one_diverging, the_options])
@pytest.mark.parametrize("surface_key", list(SURFACES))
def test_engine_and_keras_optimizers_draw_the_same_500_step_paths(surface_key: str, racers_for) -> None:
    surface = SURFACES[surface_key]
    racers = racers_for(surface_key)
    ours = race(surface, racers, surface.start, 500)
    theirs = race_keras(surface, racers, surface.start, 500)
    assert theirs.engine == "keras"
    for a, b in zip(ours.paths, theirs.paths, strict=True):
        assert a.racer == b.racer
        assert a.diverged_at == b.diverged_at, keras_code(a.racer)
        np.testing.assert_allclose(a.points, b.points, rtol=1e-6, atol=1e-12, err_msg=keras_code(a.racer))
        np.testing.assert_allclose(a.losses, b.losses, rtol=1e-6, atol=1e-12)
    if racers_for is defaults_and_one_diverging:
        assert ours.paths[-1].diverged_at is not None


def test_keras_path_equals_keras_run_step_by_step_eagerly() -> None:
    # The Keras path runs inside one tf.function; here each step is a plain eager call, the
    # way update_step reads, on the surface where graph rewrites used to make a difference.
    beale = SURFACES["beale"]
    racers = [make_racer("rmsprop", centered=True, learning_rate=0.01), make_racer("adam", learning_rate=0.05)]
    traced = race_keras(beale, racers, beale.start, 150)
    for racer, path in zip(racers, traced.paths):
        optimizer = getattr(keras.optimizers, racer.spec.keras_class)(**racer.hyperparameters)
        variable = keras.Variable(np.array(beale.start), dtype="float64")
        points = [np.array(beale.start)]
        for _ in range(150):
            x, y = variable.numpy()
            optimizer.apply([np.array(beale.gradient(float(x), float(y)))], [variable])
            points.append(variable.numpy().copy())
        np.testing.assert_allclose(path.points, np.array(points), rtol=1e-6, atol=1e-12)


def test_a_reused_keras_runner_races_like_a_new_optimizer() -> None:
    # The page shares one runner per surface and settings (TensorFlow never frees a traced
    # loop); each race resets the optimizer's slots and iterations and sets η, start and steps.
    himmelblau = SURFACES["himmelblau"]
    runners: dict = {}

    def shared(surface, racer):
        key = (surface.key, racer.optimizer, keras_runner_settings(racer))
        return runners.setdefault(key, new_keras_runner(surface, racer))

    for learning_rate, start, steps in [(0.01, (0.0, -1.0), 300), (0.002, (-4.0, 4.0), 120), (0.05, (1.0, 1.0), 200)]:
        racers = [make_racer(key, learning_rate=learning_rate) for key in OPTIMIZERS]
        reused = race_keras(himmelblau, racers, start, steps, runner_for=shared)
        for a, b in zip(race(himmelblau, racers, start, steps).paths, reused.paths, strict=True):
            assert a.diverged_at == b.diverged_at
            np.testing.assert_allclose(a.points, b.points, rtol=1e-6, atol=1e-12, err_msg=keras_code(a.racer))
    assert len(runners) == len(OPTIMIZERS)


@pytest.mark.parametrize("key", list(OPTIMIZERS))
def test_table_defaults_are_the_keras_constructor_defaults(key: str) -> None:
    spec = OPTIMIZERS[key]
    signature = inspect.signature(getattr(keras.optimizers, spec.keras_class))
    keras_defaults = {name: signature.parameters[name].default for name in spec.defaults}
    if key == "momentum":
        # The one documented exception: Keras's SGD has momentum 0 (plain SGD); this racer uses 0.9.
        assert keras_defaults.pop("momentum") == 0.0 and spec.defaults["momentum"] == 0.9
        keras_defaults["momentum"] = 0.9
    assert keras_defaults == spec.defaults


@pytest.mark.parametrize("key", list(OPTIMIZERS))
def test_keras_code_builds_the_racer_optimizer(key: str) -> None:
    from annviz.serving.keras_race import slide_adam_class

    racer = make_racer(key, learning_rate=0.05)
    optimizer = eval(keras_code(racer), {"keras": keras, "SlideAdam": slide_adam_class()})  # the line the page shows
    assert isinstance(optimizer, getattr(keras.optimizers, racer.spec.keras_class))
    config = optimizer.get_config()
    for name, value in racer.settings:
        assert config[name] == pytest.approx(value, rel=1e-7), name


def test_the_slides_adam_is_keras_adam_without_its_bias_correction() -> None:
    """One step from zero moments with gradient g: Keras's Adam moves η, the slide's (1 − β₁)/√(1 − β₂)·η
    = 3.16·η (both engines); with β₁ = β₂ = 0 there is nothing to correct and the two agree."""
    from annviz.optimizers import uncorrected_adam_step_ratio
    from annviz.serving.keras_race import slide_adam_class

    for g in (0.37, -2.0):
        moved = {}
        for name, build in (("keras", keras.optimizers.Adam), ("slide", slide_adam_class())):
            variable = keras.Variable(np.array([1.0]), dtype="float64")
            build(learning_rate=0.001, epsilon=1e-12).apply([np.array([g])], [variable])
            moved[name] = 1.0 - float(variable.numpy()[0])
        # Keras raises a float32-rounded β to the power t: a relative 1e-5 off the exact η.
        assert abs(moved["keras"]) == pytest.approx(0.001, rel=1e-4)
        assert abs(moved["slide"] / moved["keras"]) == pytest.approx(uncorrected_adam_step_ratio(1), rel=1e-4)
        spec = OPTIMIZERS["adam_slide"]
        hp = {**spec.defaults, "epsilon": 1e-12}
        theta, _ = spec.update(1.0, g, spec.initial_slots(hp), 1, hp)
        assert 1.0 - theta == pytest.approx(moved["slide"], rel=1e-6)
    plain = [make_racer(key, beta_1=0.0, beta_2=0.0, learning_rate=0.01) for key in ("adam", "adam_slide")]
    beale = SURFACES["beale"]
    a, b = race(beale, plain, beale.start, 200).paths
    np.testing.assert_allclose(a.points, b.points, rtol=1e-9)
