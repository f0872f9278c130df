"""The optimizers of lecture section 5, written out exactly as ``keras.optimizers`` does them.

One row of :data:`OPTIMIZERS` per optimizer: its hyperparameters with Keras's defaults
and valid ranges, its update rule in LaTeX, the lecture's "when to use" line, and its
update step as a pure function of one parameter ``θ``, its gradient ``g``, the
optimizer's slot values (momentum, running averages...) and the iteration ``t`` (1, 2, ...).

The update steps follow ``keras/src/optimizers/{sgd,rmsprop,adam,adagrad}.py`` of Keras 3
operation for operation (epsilon inside the square root for RMSprop and Adagrad, outside
for Adam; Adam's bias correction folded into the step size; Keras's Nesterov form), so in
float64 they give Keras's numbers to the last few bits. The race that uses them is in
:mod:`annviz.race`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from annviz.errors import InputError

#: Learning rates beyond this are refused, in the race and in training: every surface diverges
#: long before it, but a MNIST network does not (plain SGD at 10 trains on without a NaN; the
#: page's NaN lesson takes 10⁶), and beyond it a rate is no experiment any more, only a NaN.
MAX_LEARNING_RATE = 1e6

Slots = tuple[float, ...]
Hyperparameters = dict[str, float | bool]
UpdateStep = Callable[[float, float, Slots, int, Hyperparameters], tuple[float, Slots]]


@dataclass(frozen=True)
class Hyperparameter:
    """One constructor argument of a Keras optimizer, with its default and valid range.

    ``low``/``high`` bound a float; ``low_open``/``high_open`` say whether the bound itself
    is excluded; ``step`` is what the page's +/− buttons add. A boolean has ``default``
    True/False and no range.
    """

    name: str
    label: str
    default: float | bool
    help: str
    low: float = 0.0
    high: float = 1.0
    low_open: bool = False
    high_open: bool = True
    step: float = 0.01

    @property
    def is_switch(self) -> bool:
        return isinstance(self.default, bool)

    def check(self, value: float | bool, *, optimizer_name: str) -> float | bool:
        """Return ``value`` (as float or bool) if valid, else raise a ValueError with a sentence.

        >>> LEARNING_RATE.check(0.01, optimizer_name="SGD")
        0.01
        >>> LEARNING_RATE.check(0, optimizer_name="SGD")
        Traceback (most recent call last):
        ...
        annviz.errors.InputError: SGD: a learning rate of 0 never moves; use a positive value such as 0.01.
        """
        if self.is_switch:
            return bool(value)
        value = float(value)
        if not math.isfinite(value):
            raise InputError(f"{optimizer_name}: {self.label} must be a finite number, not {value}.")
        if self.name == "learning_rate":
            if value == 0:
                raise InputError(
                    f"{optimizer_name}: a learning rate of 0 never moves; use a positive value such as 0.01."
                )
            if value < 0:
                raise InputError(
                    f"{optimizer_name}: a negative learning rate ({value:g}) climbs uphill; "
                    "use a positive value such as 0.01."
                )
        too_low = value <= self.low if self.low_open else value < self.low
        too_high = value >= self.high if self.high_open else value > self.high
        if too_low or too_high:
            interval = f"{'(' if self.low_open else '['}{self.low:g}, {self.high:g}{')' if self.high_open else ']'}"
            raise InputError(f"{optimizer_name}: {self.label} = {value:g} is outside {interval}; {self.help}")
        return value


LEARNING_RATE = Hyperparameter(
    "learning_rate",
    "learning rate η",
    0.01,
    f"pick a positive step size up to {MAX_LEARNING_RATE:g}.",
    low=0.0,
    high=MAX_LEARNING_RATE,
    low_open=True,
    high_open=False,
)


def _learning_rate(default: float) -> Hyperparameter:
    return replace(LEARNING_RATE, default=default)


def _epsilon() -> Hyperparameter:
    return Hyperparameter(
        "epsilon", "epsilon ε", 1e-7, "a small positive number keeps the division finite.", low=0.0, high=1.0,
        low_open=True, high_open=False, step=1e-7,
    )


def as_keras_float(value: float) -> float:
    """A Python number as Keras sees it: Keras keeps the learning rate in a float32 variable and
    ``ops.cast``s Python numbers through float32, even into float64 maths.

    >>> as_keras_float(0.01), as_keras_float(0.9), as_keras_float(0.5)
    (0.009999999776482582, 0.8999999761581421, 0.5)
    """
    return float(np.float32(value))


def _sgd_update(theta: float, g: float, slots: Slots, t: int, hp: Hyperparameters) -> tuple[float, Slots]:
    return theta - g * as_keras_float(hp["learning_rate"]), slots


def _momentum_update(theta: float, g: float, slots: Slots, t: int, hp: Hyperparameters) -> tuple[float, Slots]:
    lr, mu = as_keras_float(hp["learning_rate"]), as_keras_float(hp["momentum"])
    m = slots[0] * mu - g * lr
    if hp["nesterov"]:
        return theta + (m * mu - g * lr), (m,)
    return theta + m, (m,)


def _rmsprop_update(theta: float, g: float, slots: Slots, t: int, hp: Hyperparameters) -> tuple[float, Slots]:
    lr, rho, eps, mu = as_keras_float(hp["learning_rate"]), hp["rho"], hp["epsilon"], hp["momentum"]
    velocity, average_gradient, momentum = slots
    velocity = rho * velocity + (1 - rho) * (g * g)
    if hp["centered"]:
        average_gradient = rho * average_gradient + (1 - rho) * g
        denominator = velocity - average_gradient * average_gradient + eps
    else:
        denominator = velocity + eps
    increment = _divide(lr * g, _sqrt(denominator))
    if mu > 0:
        momentum = mu * momentum + increment
        return theta - momentum, (velocity, average_gradient, momentum)
    return theta - increment, (velocity, average_gradient, momentum)


def _adam_moments(g: float, slots: Slots, hp: Hyperparameters) -> tuple[float, float]:
    """Adam's moving averages after one more gradient, as Keras's ``assign_add`` updates them."""
    m, v = slots
    return m + (g - m) * (1 - hp["beta_1"]), v + (g * g - v) * (1 - hp["beta_2"])


def _adam_update(theta: float, g: float, slots: Slots, t: int, hp: Hyperparameters) -> tuple[float, Slots]:
    lr, eps = as_keras_float(hp["learning_rate"]), hp["epsilon"]
    # Keras raises ops.cast(beta, float64), a float32-rounded beta, to the power t, but uses
    # the Python float itself in 1 - beta.
    alpha = lr * _sqrt(1 - as_keras_float(hp["beta_2"]) ** t) / (1 - as_keras_float(hp["beta_1"]) ** t)
    m, v = _adam_moments(g, slots, hp)
    return theta - m * alpha / (_sqrt(v) + eps), (m, v)


def _slide_adam_update(theta: float, g: float, slots: Slots, t: int, hp: Hyperparameters) -> tuple[float, Slots]:
    # Keras's Adam update with α = η: the slide's rule, no division by 1 − βᵗ.
    m, v = _adam_moments(g, slots, hp)
    return theta - m * as_keras_float(hp["learning_rate"]) / (_sqrt(v) + hp["epsilon"]), (m, v)


def _adagrad_update(theta: float, g: float, slots: Slots, t: int, hp: Hyperparameters) -> tuple[float, Slots]:
    accumulator = slots[0] + g * g
    lr = as_keras_float(hp["learning_rate"])
    return theta - _divide(lr * g, _sqrt(accumulator + hp["epsilon"])), (accumulator,)


def _divide(numerator: float, denominator: float) -> float:
    # IEEE division as Keras does it: x / 0 is ±inf or NaN; Python's float division raises.
    # Arrays (the playground's weights, one update for all of them) divide elementwise; the
    # training epoch that calls this silences NumPy's warnings once for all its steps.
    if isinstance(denominator, np.ndarray) or isinstance(numerator, np.ndarray):
        return np.divide(numerator, denominator)
    if denominator == 0:
        return math.nan if numerator == 0 or math.isnan(numerator) else math.copysign(math.inf, numerator)
    return numerator / denominator


def _sqrt(value: float) -> float:
    # Keras's sqrt of a negative (rounding in centered RMSprop) is NaN, which the race reports
    # as divergence; math.sqrt would raise instead.
    if isinstance(value, np.ndarray):
        return np.sqrt(value)  # as in _divide, the caller's np.errstate silences a NaN's warning
    return math.sqrt(value) if value >= 0 else math.nan


@dataclass(frozen=True)
class OptimizerSpec:
    """One optimizer of the race: Keras class, hyperparameters, update rule and update step."""

    key: str
    name: str
    keras_class: str
    hyperparameters: tuple[Hyperparameter, ...]
    update_rule: str
    when_to_use: str
    colour: str
    initial_slots: Callable[[Hyperparameters], Slots]
    update: UpdateStep
    #: False only for the slide's Adam: Keras has no such optimizer, so the Keras path builds
    #: ``keras.optimizers.Adam`` with the correction taken out of its update step
    #: (``annviz.race.slide_adam_class``).
    bias_correction: bool = True

    @property
    def defaults(self) -> Hyperparameters:
        return {h.name: h.default for h in self.hyperparameters}


def _adam_hyperparameters() -> tuple[Hyperparameter, ...]:
    """Adam's constructor arguments (the slide's Adam has the same)."""
    return (
        _learning_rate(0.001),
        Hyperparameter("beta_1", "β₁", 0.9, "use 0 ≤ β₁ < 1."),
        Hyperparameter("beta_2", "β₂", 0.999, "use 0 ≤ β₂ < 1.", step=0.001),
        _epsilon(),
    )


#: Adam's two moving averages, in LaTeX (the slide's Adam shares them).
_ADAM_MOMENTS = r"m_t = \beta_1 m_{t-1} + (1 - \beta_1)\, g_t, \quad v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2 \\"


#: The racers, in the lecture's order. Colours are the Okabe-Ito palette (colour-blind safe).
OPTIMIZERS: dict[str, OptimizerSpec] = {
    spec.key: spec
    for spec in (
        OptimizerSpec(
            key="sgd",
            name="SGD",
            keras_class="SGD",
            hyperparameters=(_learning_rate(0.01),),
            update_rule=r"\theta_t = \theta_{t-1} - \eta\, g_t",
            when_to_use="Simple and light; with a tuned learning rate (and a schedule) it often "
            "generalises best, but it is slow in ravines and on plateaus.",
            colour="#D55E00",
            initial_slots=lambda hp: (),
            update=_sgd_update,
        ),
        OptimizerSpec(
            key="momentum",
            name="SGD + momentum",
            keras_class="SGD",
            hyperparameters=(
                _learning_rate(0.01),
                Hyperparameter(
                    "momentum", "momentum μ", 0.9,
                    "use 0 ≤ μ < 1 (Keras's SGD defaults to 0, which is plain SGD; 0.9 is the usual choice).",
                ),
                Hyperparameter("nesterov", "Nesterov", False, "look ahead before taking the gradient step."),
            ),
            update_rule=(
                r"m_t = \mu\, m_{t-1} - \eta\, g_t \\"
                r"\theta_t = \theta_{t-1} + m_t \quad\text{or, Nesterov:}\quad"
                r"\theta_t = \theta_{t-1} + \mu\, m_t - \eta\, g_t"
            ),
            when_to_use="Speeds SGD up along directions the gradient keeps pointing to and damps "
            "zigzags; the classic choice for CNNs, but it can overshoot.",
            colour="#E69F00",
            initial_slots=lambda hp: (0.0,),
            update=_momentum_update,
        ),
        OptimizerSpec(
            key="rmsprop",
            name="RMSprop",
            keras_class="RMSprop",
            hyperparameters=(
                _learning_rate(0.001),
                Hyperparameter("rho", "decay ρ", 0.9, "use 0 ≤ ρ < 1."),
                Hyperparameter("momentum", "momentum μ", 0.0, "use 0 ≤ μ < 1."),
                _epsilon(),
                Hyperparameter("centered", "centered", False, "divide by the variance instead of the mean square."),
            ),
            update_rule=(
                r"v_t = \rho\, v_{t-1} + (1 - \rho)\, g_t^2 \\"
                r"\theta_t = \theta_{t-1} - \frac{\eta\, g_t}{\sqrt{v_t + \epsilon}}"
            ),
            when_to_use="Scales each parameter's step by a running average of its squared "
            "gradients; good for recurrent networks and noisy, non-stationary problems.",
            colour="#009E73",
            initial_slots=lambda hp: (0.0, 0.0, 0.0),
            update=_rmsprop_update,
        ),
        OptimizerSpec(
            key="adam",
            name="Adam",
            keras_class="Adam",
            hyperparameters=_adam_hyperparameters(),
            update_rule=(
                _ADAM_MOMENTS
                + r"\hat m_t = \frac{m_t}{1 - \beta_1^t}, \quad \hat v_t = \frac{v_t}{1 - \beta_2^t}, \quad "
                r"\theta_t = \theta_{t-1} - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \hat\epsilon} \\"
                r"\text{Keras: } \alpha_t = \eta\,\frac{\sqrt{1 - \beta_2^t}}{1 - \beta_1^t},\quad "
                r"\theta_t = \theta_{t-1} - \alpha_t\,\frac{m_t}{\sqrt{v_t} + \epsilon}"
                r"\quad(\hat\epsilon = \epsilon / \sqrt{1 - \beta_2^t})"
            ),
            when_to_use="Momentum and RMSprop together, with bias correction; a robust first choice "
            "for most problems (the lecture's MNIST network is trained with it).",
            colour="#0072B2",
            initial_slots=lambda hp: (0.0, 0.0),
            update=_adam_update,
        ),
        OptimizerSpec(
            key="adam_slide",
            name="Adam as on the slide",
            keras_class="Adam",
            hyperparameters=_adam_hyperparameters(),
            update_rule=(
                _ADAM_MOMENTS
                + r"\theta_t = \theta_{t-1} - \eta\, \frac{m_t}{\sqrt{v_t} + \epsilon}"
                r"\quad\text{(no bias correction)}"
            ),
            when_to_use="Never in practice: the lecture slide's simplified Adam, raced to show what "
            "Keras's bias correction changes (its first steps are several times too large).",
            colour="#56B4E9",
            initial_slots=lambda hp: (0.0, 0.0),
            update=_slide_adam_update,
            bias_correction=False,
        ),
        OptimizerSpec(
            key="adagrad",
            name="Adagrad",
            keras_class="Adagrad",
            hyperparameters=(
                _learning_rate(0.001),
                Hyperparameter(
                    "initial_accumulator_value", "initial accumulator G₀", 0.1,
                    "use a value between 0 and 1000.", low=0.0, high=1000.0, high_open=False, step=0.1,
                ),
                _epsilon(),
            ),
            update_rule=(
                r"G_t = G_{t-1} + g_t^2 \\"
                r"\theta_t = \theta_{t-1} - \frac{\eta\, g_t}{\sqrt{G_t + \epsilon}}"
            ),
            when_to_use="Large steps for rarely updated parameters, good for sparse features; "
            "its steps only ever shrink, so long training stalls.",
            colour="#CC79A7",
            initial_slots=lambda hp: (as_keras_float(hp["initial_accumulator_value"]),),
            update=_adagrad_update,
        ),
    )
}


@dataclass(frozen=True)
class Racer:
    """An optimizer with checked hyperparameters; hashable, so pages can cache races by it."""

    optimizer: str
    settings: tuple[tuple[str, float | bool], ...]

    @property
    def spec(self) -> OptimizerSpec:
        return OPTIMIZERS[self.optimizer]

    @property
    def hyperparameters(self) -> Hyperparameters:
        return dict(self.settings)

    @property
    def name(self) -> str:
        return self.spec.name


def make_racer(optimizer: str, **hyperparameters: float | bool) -> Racer:
    """Check ``hyperparameters`` against the optimizer's table row; missing ones take Keras's defaults.

    Raises ValueError with a sentence for an unknown optimizer or hyperparameter, or a value
    outside its range (a learning rate of 0, negative or above :data:`MAX_LEARNING_RATE`).

    >>> make_racer("adam", learning_rate=0.01).hyperparameters
    {'learning_rate': 0.01, 'beta_1': 0.9, 'beta_2': 0.999, 'epsilon': 1e-07}
    >>> make_racer("sgd", learning_rate=-1)
    Traceback (most recent call last):
    ...
    annviz.errors.InputError: SGD: a negative learning rate (-1) climbs uphill; use a positive value such as 0.01.
    """
    if optimizer not in OPTIMIZERS:
        raise InputError(f"There is no optimizer '{optimizer}': choose one of {', '.join(OPTIMIZERS)}.")
    spec = OPTIMIZERS[optimizer]
    unknown = set(hyperparameters) - set(spec.defaults)
    if unknown:
        raise InputError(
            f"{spec.name} has no hyperparameter {', '.join(sorted(unknown))}; it has {', '.join(spec.defaults)}."
        )
    settings = tuple(
        (h.name, h.check(hyperparameters.get(h.name, h.default), optimizer_name=spec.name))
        for h in spec.hyperparameters
    )
    return Racer(optimizer, settings)


def keras_code(racer: Racer) -> str:
    """The Keras line that builds this racer's optimizer (what the Keras path runs).

    >>> keras_code(make_racer("momentum", nesterov=True))
    'keras.optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True)'
    """
    arguments = ", ".join(f"{name}={value!r}" for name, value in racer.settings)
    if not racer.spec.bias_correction:
        return f"SlideAdam({arguments})  # keras.optimizers.Adam without bias correction (annviz.race.slide_adam_class)"
    return f"keras.optimizers.{racer.spec.keras_class}({arguments})"


def uncorrected_adam_step_ratio(t: int, beta_1: float = 0.9, beta_2: float = 0.999) -> float:
    """How much larger Adam's step at update ``t`` is without bias correction, for a constant gradient.

    Both moments start at 0, so after t updates with the same gradient g: m_t = (1 − β₁ᵗ)·g and
    v_t = (1 − β₂ᵗ)·g². Corrected, m̂/√v̂ = g/|g| (a step of η); the slide's uncorrected
    m/√v is (1 − β₁ᵗ)/√(1 − β₂ᵗ) times that (ε left out). With Keras's β₁ = 0.9, β₂ = 0.999 it
    is > 1 from the first step on: the correction keeps the early steps from being too *large*.

    >>> round(uncorrected_adam_step_ratio(1), 2), round(uncorrected_adam_step_ratio(1000), 2)
    (3.16, 1.26)
    """
    if t < 1:
        raise InputError("Adam's steps are counted from t = 1.")
    return (1.0 - beta_1**t) / math.sqrt(1.0 - beta_2**t)


#: What ``keras.Model.compile`` uses when no optimizer is given (its signature's default; a test
#: reads it from Keras). The lecture calls Adam "the default in TensorFlow/Keras": Adam is the
#: usual first choice, not ``compile``'s default.
COMPILE_DEFAULT_OPTIMIZER = "rmsprop"

#: The lecture's compile lines: Adam with its defaults, and SGD with momentum (a test runs them).
COMPILE_SNIPPET = (
    "model.compile(optimizer=keras.optimizers.Adam(),  # learning_rate=0.001\n"
    "              loss=\"sparse_categorical_crossentropy\", metrics=[\"accuracy\"])\n\n"
    "model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9),\n"
    "              loss=\"sparse_categorical_crossentropy\", metrics=[\"accuracy\"])\n\n"
    "model.compile(loss=\"sparse_categorical_crossentropy\")  # no optimizer given: \"rmsprop\""
)


def when_to_use_rows() -> list[dict[str, str]]:
    """The lecture's "when to use" table: one row per optimizer of the race, with its Keras class
    and Keras's default learning rate.

    >>> when_to_use_rows()[0]["optimizer"], when_to_use_rows()[0]["Keras"], when_to_use_rows()[0]["default η"]
    ('SGD', 'keras.optimizers.SGD', '0.01')
    """
    return [
        {"optimizer": spec.name, "Keras": f"keras.optimizers.{spec.keras_class}",
         "default η": f"{spec.defaults['learning_rate']:g}", "when to use": spec.when_to_use}
        for spec in OPTIMIZERS.values()
        if spec.bias_correction  # the slide's Adam is no choice to make
    ]
