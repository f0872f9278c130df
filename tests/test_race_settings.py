"""The race's settings table (annviz.race_settings): one row per widget, the opening race its defaults, and
the lecture's steps and the page held to it."""

from __future__ import annotations

import pytest

from annviz.errors import InputError
from annviz.lecture_steps import LECTURE_STEPS
from annviz.optimizers import OPTIMIZERS
from annviz.race import OPENING_LEARNING_RATES, OPENING_SURFACE
from annviz.race_settings import RACE_SETTINGS, SAME_RATE_AS, check_setting, race_defaults, race_inputs, racer_key, start_keys
from annviz.surfaces import SURFACES


def test_every_hyperparameter_of_every_racer_and_every_start_has_one_row():
    for spec in OPTIMIZERS.values():
        assert racer_key(spec.key, "on") in RACE_SETTINGS
        for parameter in spec.hyperparameters:
            key = racer_key(spec.key, parameter.name)
            if parameter.name == "learning_rate" and spec.key in SAME_RATE_AS:
                assert key not in RACE_SETTINGS  # it races at another racer's η
            else:
                assert RACE_SETTINGS[key].default == (OPENING_LEARNING_RATES.get(spec.key, parameter.default)
                                                      if parameter.name == "learning_rate" else parameter.default)
    for key, surface in SURFACES.items():
        assert tuple(RACE_SETTINGS[k].default for k in start_keys(key)) == surface.start


def test_the_defaults_are_the_opening_race():
    inputs = race_inputs(race_defaults())
    assert inputs.surface == OPENING_SURFACE and not inputs.refused
    assert {r.optimizer: r.hyperparameters["learning_rate"] for r in inputs.racers} == OPENING_LEARNING_RATES


def test_the_shared_rate_and_the_slides_adam_follow_the_table():
    values = {**race_defaults(), "opt_adam_slide_on": True}
    assert {r.hyperparameters["learning_rate"] for r in race_inputs(values).racers if r.optimizer.startswith("adam")} == {0.1}
    shared = race_inputs({**values, "opt_same_lr": True, "opt_lr_all": 0.02})
    assert {r.hyperparameters["learning_rate"] for r in shared.racers} == {0.02}


@pytest.mark.parametrize("step", LECTURE_STEPS["optimizers"], ids=lambda step: step.title)
def test_every_lecture_step_of_the_race_writes_settings_the_table_has(step):
    # A misspelt key or a value no widget could hold fails here, not silently on the projector.
    for key, value in step.settings.items():
        assert check_setting(key, value) == value


@pytest.mark.parametrize("key, value, message", [
    ("opt_surfce", "ravine", "no setting 'opt_surfce'"), ("opt_surface", "valley", "is one of"),
    ("opt_same_lr", 1, "on or off"), ("opt_noise", 1000.0, "between 0 and 100"), ("opt_lr_all", "0.1", "a number"),
])
def test_a_value_no_widget_could_hold_is_refused_with_a_sentence(key, value, message):
    with pytest.raises(InputError, match=message):
        check_setting(key, value)
