"""The optimizer race's settings as one table: every widget of the race, its URL key, label, default and range.

:data:`RACE_SETTINGS` is to the race what :data:`annviz.training_config.SETTINGS` is to training:
the page draws every widget from it (the same key is the widget's ``key`` and its URL query
parameter), the opening race is its defaults, and the lecture steps name its keys (a test holds
every step's values to this table). Rows come from :data:`annviz.optimizers.OPTIMIZERS` (a racer's
switch, its η and every other hyperparameter) and :data:`annviz.surfaces.SURFACES` (one start
per surface), so adding an optimizer or a surface adds its rows.

:func:`race_inputs` turns the widgets' values back into what :func:`annviz.race.race` takes.

>>> RACE_SETTINGS["opt_adam_learning_rate"].default, RACE_SETTINGS["opt_adam_beta_2"].default
(0.1, 0.999)
>>> inputs = race_inputs(race_defaults())
>>> [racer.name for racer in inputs.racers], inputs.start, inputs.steps
(['SGD', 'SGD + momentum', 'RMSprop', 'Adam'], (-4.5, 1.0), 500)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from annviz.errors import InputError
from annviz.optimizers import OPTIMIZERS, Racer, make_racer
from annviz.race import DEFAULT_EPSILON, MAX_NOISE, OPENING_LEARNING_RATES, OPENING_SURFACE
from annviz.surfaces import SURFACES

#: The racers ticked when the page opens: Keras's four of the lecture.
RACING_BY_DEFAULT = ("sgd", "momentum", "rmsprop", "adam")
#: The shared η when "Same learning rate for all" is switched on.
SAME_LEARNING_RATE = 0.01
DEFAULT_STEPS = 500
#: The racer that races at another racer's η: the slide's Adam beside Keras's Adam, like with like
#: (only the bias correction differs), so its row has no η of its own.
SAME_RATE_AS = {"adam_slide": "adam"}


@dataclass(frozen=True)
class RaceSetting:
    """One widget of the race: ``kind`` is "choice" (a select box), "bool" (a checkbox), "toggle",
    "float" or "int"; ``group`` says where the page puts it ("race", a racer's key for its row, or
    "start:<surface>"); ``low``/``high`` bound numbers the widget itself limits."""

    key: str
    label: str
    kind: str
    default: Any
    help: str = ""
    group: str = "race"
    options: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    step: float | None = None


def racer_key(optimizer: str, name: str) -> str:
    """The widget key of a racer's setting: ``opt_adam_learning_rate``, ``opt_sgd_on``."""
    return f"opt_{optimizer}_{name}"


def start_keys(surface: str) -> tuple[str, str]:
    """The start's widget keys on ``surface``: each surface remembers its own start (and its URL stays short)."""
    return f"opt_x_{surface}", f"opt_y_{surface}"


def _racer_rows() -> list[RaceSetting]:
    rows = []
    for spec in OPTIMIZERS.values():
        rows.append(RaceSetting(racer_key(spec.key, "on"), f"**{spec.name}**", "bool", spec.key in RACING_BY_DEFAULT,
                                group=spec.key))
        for parameter in spec.hyperparameters:
            if parameter.name == "learning_rate" and spec.key in SAME_RATE_AS:
                continue
            default = OPENING_LEARNING_RATES.get(spec.key, parameter.default) if parameter.name == "learning_rate" \
                else parameter.default
            step = default if parameter.name == "learning_rate" else parameter.step
            rows.append(RaceSetting(
                racer_key(spec.key, parameter.name), parameter.label, "bool" if parameter.is_switch else "float", default,
                parameter.help, group=spec.key, step=None if parameter.is_switch else step,
            ))
    return rows


def _start_rows() -> list[RaceSetting]:
    rows = []
    for key, surface in SURFACES.items():
        for axis, value in zip("xy", surface.start):
            rows.append(RaceSetting(start_keys(key)["xy".index(axis)], f"start {axis}", "float", value,
                                    group=f"start:{key}", step=0.1))
    return rows


#: Every setting of the race, by widget (and URL) key.
RACE_SETTINGS: dict[str, RaceSetting] = {
    row.key: row
    for row in (
        RaceSetting("opt_surface", "Loss surface", "choice", OPENING_SURFACE, options=tuple(SURFACES)),
        RaceSetting("opt_same_lr", "Same learning rate for all", "toggle", False,
                    "Keras's defaults differ: 0.01 for SGD, 0.001 for RMSprop and Adam. With one η for all you see "
                    "why: SGD's step is η·g, Adam's is about η whatever the slope."),
        RaceSetting("opt_lr_all", "learning rate η", "float", SAME_LEARNING_RATE, step=SAME_LEARNING_RATE),
        *_racer_rows(),
        *_start_rows(),
        RaceSetting("opt_steps", "steps", "int", DEFAULT_STEPS, step=100),
        RaceSetting("opt_eps", "arrived within ε", "float", DEFAULT_EPSILON,
                    "Distance to a minimum that counts as arrived on the leaderboard.", step=0.005),
        RaceSetting("opt_noise", "gradient noise σ (mini-batch)", "float", 0.0,
                    "0: every step uses the exact gradient of the surface, which is full-batch gradient descent. A "
                    "real SGD step estimates the gradient from a mini-batch: σ > 0 adds that noise, g + σ·ε with "
                    "ε ~ N(0, 1), the same draws for every racer (seed 0).", low=0.0, high=MAX_NOISE, step=0.5),
        RaceSetting("opt_keras", "Race with the real `keras.optimizers`", "toggle", False,
                    "Runs the same race with Keras's optimizer objects on float64 variables, in the server's Keras "
                    "process; the first race after a quiet spell waits a few seconds for that process to start. "
                    "It runs the noiseless race only (σ = 0)."),
        RaceSetting("opt_3d", "Show the surface in 3D", "toggle", False),
    )
}


def race_defaults() -> dict[str, Any]:
    """Every setting's default: the opening race."""
    return {key: row.default for key, row in RACE_SETTINGS.items()}


def check_setting(key: str, value: Any) -> Any:
    """A value for setting ``key`` as its widget could hold it (``InputError`` otherwise): what a
    lecture step or a preset may write.

    >>> check_setting("opt_surface", "saddle"), check_setting("opt_lr_all", 0.1)
    ('saddle', 0.1)
    >>> check_setting("opt_surfce", "saddle")
    Traceback (most recent call last):
    ...
    annviz.errors.InputError: The race has no setting 'opt_surfce'.
    """
    if key not in RACE_SETTINGS:
        raise InputError(f"The race has no setting '{key}'.")
    row = RACE_SETTINGS[key]
    if row.kind == "choice" and value not in row.options:
        raise InputError(f"{row.label} is one of {', '.join(row.options)}, not {value!r}.")
    if row.kind in ("bool", "toggle") and not isinstance(value, bool):
        raise InputError(f"{row.label} is on or off, not {value!r}.")
    if row.kind in ("float", "int"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(f"{row.label} is a number, not {value!r}.")
        if (row.low is not None and value < row.low) or (row.high is not None and value > row.high):
            raise InputError(f"{row.label} is between {row.low:g} and {row.high:g}, not {value:g}.")
    return value


@dataclass(frozen=True)
class RaceInputs:
    """What the widgets' values ask for: the race's arguments, and the racers that could not be built."""

    surface: str
    racers: tuple[Racer, ...]
    start: tuple[float, float]
    steps: int
    epsilon: float
    noise: float
    #: Racers ticked but refused (a learning rate of 0, ...): racer key → the sentence why.
    refused: dict[str, str]


def racer_learning_rate(values: Mapping[str, Any], optimizer: str) -> float:
    """The η a racer races at: the shared one, Adam's for the slide's Adam, or its own."""
    if values["opt_same_lr"]:
        return values["opt_lr_all"]
    return values[racer_key(SAME_RATE_AS.get(optimizer, optimizer), "learning_rate")]


def race_inputs(values: Mapping[str, Any]) -> RaceInputs:
    """The race the widgets ask for. A racer whose settings are refused is left out (its sentence in
    ``refused``); the other settings are checked where the race runs (:func:`annviz.race.race`).

    >>> values = {**race_defaults(), "opt_adam_slide_on": True, "opt_adam_learning_rate": 0.05}
    >>> inputs = race_inputs(values)
    >>> [(r.name, r.hyperparameters["learning_rate"]) for r in inputs.racers][-2:]
    [('Adam', 0.05), ('Adam as on the slide', 0.05)]
    >>> race_inputs({**values, "opt_sgd_learning_rate": 0.0}).refused["sgd"][:40]
    'SGD: a learning rate of 0 never moves; u'
    """
    racers, refused = [], {}
    for spec in OPTIMIZERS.values():
        if not values[racer_key(spec.key, "on")]:
            continue
        settings = {h.name: values[racer_key(spec.key, h.name)] for h in spec.hyperparameters if h.name != "learning_rate"}
        try:
            racers.append(make_racer(spec.key, learning_rate=racer_learning_rate(values, spec.key), **settings))
        except InputError as error:
            refused[spec.key] = str(error)
    surface = values["opt_surface"]
    x_key, y_key = start_keys(surface)
    return RaceInputs(surface, tuple(racers), (float(values[x_key]), float(values[y_key])), values["opt_steps"],
                      float(values["opt_eps"]), float(values["opt_noise"]), refused)
