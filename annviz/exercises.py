"""Check yourself: exam-style questions for every section, generated from a seed, with worked answers.

One table, :data:`EXERCISES`, lists the question types of each lecture section; each row holds a
pure generator ``(rng) -> Posed`` that draws small numbers, computes the answer with the same
annviz function the section's page uses (``count_model_params``, ``neuron_output``,
``ACTIVATIONS``, ``OPTIMIZERS``, ``TrainingConfig``, ``flatten_and_scale``, ``binary_report``,
``first_dense_layer_params`` ...) and writes the worked solution from that function's numbers,
so the solution is right by construction; the tests compare every answer with Keras,
scikit-learn or NumPy over many seeds.

:func:`questions_for` gives a section's questions for a seed (the same seed, the same questions,
on every machine), :func:`check_answer` reads what a student typed forgivingly
(:mod:`annviz.answers`) and says whether it is right, and :func:`exercise_sheet_html` writes a
printable sheet: the questions, then, from a new page on, the answers with their solutions.

>>> question = questions_for(3, seed=1)[0]
>>> check_answer(question, question.answer_text).correct
True
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable, Sequence

import numpy as np

from annviz.activations import ACTIVATIONS, ELU_ALPHA, LEAKY_SLOPE, softmax
from annviz.answers import ParsedNumber, format_shape, number_matches, parse_number, parse_shape
from annviz.architecture import TASKS, DenseSpec, ModelSpec, count_dense_params, count_model_params
from annviz.architecture import layer_param_rows, param_formula_latex, spec_from_sizes
from annviz.errors import InputError, echo
# The one rule for numbers in formulas (no −0, a sign written once, negative factors in parentheses):
from annviz.formatting import format_factor as _par
from annviz.formatting import format_fixed as _fixed
from annviz.formatting import format_number as _num
from annviz.formatting import format_product, format_sum
from annviz.limitations import conv_layer_params, first_dense_layer_params
from annviz.metrics import BINARY_METRICS, always_negative, binary_report
from annviz.mnist import flatten_and_scale, scale_images
from annviz.neuron import BIOLOGICAL_ANALOGY, neuron_derivation_latex, neuron_output
from annviz.optimizers import OPTIMIZERS
from annviz.training_config import LOSSES, TrainingConfig

#: The section titles the sheet prints (the pages' own titles, without their numbers).
SECTION_TITLES: dict[int, str] = {
    1: "What is an ANN?",
    2: "A single neuron",
    3: "Layers and parameters",
    4: "Activation functions",
    5: "Optimizers",
    6: "The Keras workflow",
    7: "MNIST",
    8: "Evaluation metrics",
    9: "Limitations of MLPs on images",
}
#: The question set a link without a seed shows: the same for everyone, every day.
DEFAULT_SEED = 1
MAX_SEED = 999_999
#: Answer kinds: a number to some decimals, a whole number (exact), one of the options, an array shape.
KINDS = ("number", "integer", "choice", "shape")


@dataclass(frozen=True)
class Step:
    """One line of a worked solution: plain Unicode text (print and screen), and optionally the
    same step as the section's page writes it in LaTeX (shown on screen instead of the text)."""

    text: str
    latex: str | None = None


@dataclass(frozen=True)
class Posed:
    """What a generator makes: the question, its answer and the worked solution.

    ``prompt`` is Markdown limited to ``**bold**`` and ``code`` spans (so the printed sheet can
    render it without a Markdown library). ``answer`` is a float (``number``, to ``decimals``
    places), an int (``integer``), the correct option's text (``choice``) or a tuple (``shape``).
    ``fraction`` marks answers between 0 and 1 that a student may also write as a percentage.
    ``given`` keeps the drawn numbers by name.
    """

    prompt: str
    kind: str
    answer: float | int | str | tuple[int, ...]
    solution: tuple[Step, ...]
    decimals: int | None = None
    options: tuple[str, ...] = ()
    fraction: bool = False
    #: The numbers the generator drew (for the tests' references and for debugging).
    given: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A generator's bug, never a student's input: AssertionError, not the InputError pages show.
        if self.kind not in KINDS:
            raise AssertionError(f"Unknown answer kind {self.kind!r}: use one of {', '.join(KINDS)}.")
        if self.kind == "choice":
            if len(set(self.options)) != len(self.options) or len(self.options) < 2:
                raise AssertionError(f"A choice needs at least two distinct options, not {self.options!r}.")
            if self.answer not in self.options:
                raise AssertionError(f"The answer {self.answer!r} is not among the options.")
        if self.kind == "number" and (self.decimals is None or not math.isfinite(float(self.answer))):
            raise AssertionError("A number answer needs its decimals and a finite value.")


@dataclass(frozen=True)
class Question(Posed):
    """A posed question with where it belongs: section, position in the section, type and seed."""

    section: int = 0
    index: int = 0
    type: str = ""
    title: str = ""
    seed: int = DEFAULT_SEED

    @property
    def answer_text(self) -> str:
        """The answer as the sheet prints it (and as :func:`check_answer` accepts it)."""
        if self.kind == "number":
            return _fixed(float(self.answer), self.decimals or 0, unicode_minus=False)
        if self.kind == "integer":
            return f"{int(self.answer):,}"
        if self.kind == "shape":
            return format_shape(self.answer)
        return str(self.answer)

    @property
    def id(self) -> tuple[int, int, int]:
        """(section, seed, index): what the session's score counts a question by."""
        return (self.section, self.seed, self.index)


@dataclass(frozen=True)
class Verdict:
    """Whether an answer is right, and the sentence that says so."""

    correct: bool
    message: str


@dataclass(frozen=True)
class ExerciseType:
    """One row of :data:`EXERCISES`: a key, a short title, and the pure generator."""

    key: str
    title: str
    generate: Callable[[np.random.Generator], Posed]


# ----------------------------------------------------------------------------- formatting


def _approx(value: float, decimals: int) -> str:
    """``0.623529 ≈ 0.624``, or just ``0.12`` when the value has no more decimals than asked for."""
    if round(value, decimals) == round(value, 10):
        return _num(round(value, 10))
    return f"{_fixed(value, 6)} ≈ {_fixed(value, decimals)}"


def _one_decimal(rng: np.random.Generator, low: float, high: float, *, nonzero: bool = False) -> float:
    """A number with one decimal in [low, high], sized for hand computation."""
    while True:
        value = round(int(rng.integers(round(low * 10), round(high * 10) + 1)) / 10, 1)
        if not (nonzero and value == 0):
            return value


def _pick(rng: np.random.Generator, options: Sequence):
    return options[int(rng.integers(len(options)))]


def _to_decimals(decimals: int) -> str:
    return f"to {decimals} decimal{'s' if decimals != 1 else ''}"


# ----------------------------------------------------------------------------- §1 What is an ANN?


def _random_sizes(rng: np.random.Generator) -> tuple[int, ...]:
    hidden = [int(rng.integers(2, 7)) for _ in range(int(rng.integers(1, 3)))]
    return (int(rng.integers(2, 7)), *hidden, int(rng.integers(1, 4)))


def _layer_steps(spec: ModelSpec) -> tuple[Step, ...]:
    rows = layer_param_rows(spec)
    steps = [
        Step(f"{row['layer'].capitalize()}: {_num(row['inputs'])} inputs × {_num(row['neurons'])} neurons = "
             f"{_num(row['weights'])} weights, + {_num(row['neurons'])} biases = {_num(row['params'])} parameters.")
        for row in rows
    ]
    return tuple(steps)


def _network_params(rng: np.random.Generator) -> Posed:
    spec = spec_from_sizes(_random_sizes(rng))
    sizes = "-".join(map(str, spec.sizes))
    total = count_model_params(spec)
    rows = layer_param_rows(spec)
    return Posed(
        given=dict(sizes=spec.sizes),
        prompt=f"A fully connected network has the layer sizes **{sizes}** (input first). "
        "How many parameters (weights and biases) does it have? *(a whole number)*",
        kind="integer",
        answer=total,
        solution=(
            Step("Every connection between two neighbouring layers is one weight; every neuron after the input has one bias."),
            *_layer_steps(spec),
            Step(f"Total: {' + '.join(_num(r['params']) for r in rows)} = {_num(total)}.", param_formula_latex(spec)),
        ),
    )


def _weights_or_biases(rng: np.random.Generator) -> Posed:
    spec = spec_from_sizes(_random_sizes(rng))
    sizes = "-".join(map(str, spec.sizes))
    rows = layer_param_rows(spec)
    asked = _pick(rng, ("weights", "biases"))
    count = sum(row[asked] for row in rows)
    if asked == "weights":
        rule = "one weight per connection: inputs × neurons for each layer"
        terms = " + ".join(f"{r['inputs']} × {r['neurons']}" for r in rows)
    else:
        rule = "one bias per neuron of every layer after the input"
        terms = " + ".join(str(r["biases"]) for r in rows)
    return Posed(
        given=dict(sizes=spec.sizes, asked=asked),
        prompt=f"The network **{sizes}** (input first, fully connected): how many of its parameters are "
        f"**{asked}**? *(a whole number)*",
        kind="integer",
        answer=count,
        solution=(
            Step(f"There is {rule}."),
            Step(f"{asked.capitalize()}: {terms} = {_num(count)}."),
            Step(f"(All parameters: {_num(count_model_params(spec))}.)", param_formula_latex(spec)),
        ),
    )


def _analogy(rng: np.random.Generator) -> Posed:
    biological, artificial, what = _pick(rng, BIOLOGICAL_ANALOGY)
    options = tuple(row[1] for row in BIOLOGICAL_ANALOGY)
    return Posed(
        given=dict(biological=biological),
        prompt=f"In the lecture's analogy between a biological and an artificial neuron, what plays the role "
        f"of the biological **{biological.lower()}**?",
        kind="choice",
        answer=artificial,
        options=options,
        solution=(Step(f"{biological} ↔ {artificial}: {what}."),),
    )


# ----------------------------------------------------------------------------- §2 A single neuron

_NEURON_ACTIVATIONS = ("relu", "sigmoid", "tanh")


def _random_neuron(rng: np.random.Generator) -> tuple[list[float], list[float], float]:
    n = int(rng.integers(2, 4))
    x = [float(rng.integers(-3, 4)) for _ in range(n)]
    w = [_one_decimal(rng, -1.0, 1.0, nonzero=True) for _ in range(n)]
    return x, w, _one_decimal(rng, -1.0, 1.0)


def _neuron_steps(result, *, with_activation: bool) -> tuple[Step, ...]:
    latex = neuron_derivation_latex(result)
    n = len(result.x)
    symbolic = " + ".join(f"w{i + 1}·x{i + 1}" for i in range(n))
    substituted = format_sum([format_product(w, x) for x, w in zip(result.x, result.w)], result.b)
    products = format_sum([*result.products, result.b])
    steps = [
        Step(f"z = {symbolic} + b", latex[0]),
        Step(f"z = {substituted}", latex[1]),
        Step(f"z = {products}", latex[2]),
        Step(f"z = {_num(round(result.z, 10))}", latex[3]),
    ]
    if with_activation:
        label = ACTIVATIONS[result.activation].label
        steps.append(Step(f"a = {label}({_num(round(result.z, 10))}) = {_approx(result.a, 3)}", latex[4]))
    return tuple(steps)


def _vector_text(values: Sequence[float]) -> str:
    return "[" + ", ".join(_num(v) for v in values) + "]"


def _neuron_z(rng: np.random.Generator) -> Posed:
    x, w, b = _random_neuron(rng)
    activation = _pick(rng, _NEURON_ACTIVATIONS)
    result = neuron_output(x, w, b, activation)
    return Posed(
        given=dict(x=tuple(x), w=tuple(w), b=b, activation=activation),
        prompt=f"A neuron has inputs **x = {_vector_text(x)}**, weights **w = {_vector_text(w)}**, bias "
        f"**b = {_num(b)}** and a {ACTIVATIONS[activation].label} activation. What is its weighted sum "
        f"**z = w·x + b**? *({_to_decimals(1)}; it is exact)*",
        kind="number",
        answer=round(result.z, 10),
        decimals=1,
        solution=_neuron_steps(result, with_activation=False),
    )


def _neuron_a(rng: np.random.Generator) -> Posed:
    x, w, b = _random_neuron(rng)
    activation = _pick(rng, _NEURON_ACTIVATIONS)
    result = neuron_output(x, w, b, activation)
    label = ACTIVATIONS[activation].label
    steps = _neuron_steps(result, with_activation=True)
    return Posed(
        given=dict(x=tuple(x), w=tuple(w), b=b, activation=activation),
        prompt=f"A neuron has inputs **x = {_vector_text(x)}**, weights **w = {_vector_text(w)}**, bias "
        f"**b = {_num(b)}** and the activation **{label}**. What is its output **a = {label}(z)**? "
        f"*({_to_decimals(3)})*",
        kind="number",
        answer=result.a,
        decimals=3,
        solution=(*steps[:4], Step(f"{_ACTIVATION_TEXT[activation][0]}.", ACTIVATIONS[activation].formula), *steps[4:]),
    )


def _layer_shape(rng: np.random.Generator) -> Posed:
    m, n, h = _pick(rng, (2, 4, 8, 32, 64)), _pick(rng, (3, 5, 10, 784)), _pick(rng, (2, 4, 10, 64, 128))
    # The shape by the rule the page writes under Z = XW + b (m × n times n × h); a matrix product
    # of zeros would cost milliseconds of a shared server's CPU to say the same.
    shape = (m, h)
    return Posed(
        given=dict(m=m, n=n, h=h),
        prompt=f"A dense layer of **{h} neurons** gets a batch of **{m} samples** with **{n} inputs** each, "
        f"stacked as the rows of X. What is the shape of **Z = XW + b**? *(rows, columns), e.g. (60000, 784)*",
        kind="shape",
        answer=shape,
        solution=(
            Step(f"X has one row per sample and one column per input: ({m}, {n})."),
            Step(f"W has one row per input and one column per neuron: ({n}, {h}); b has one bias per neuron: ({h},)."),
            Step(f"XW is ({m}, {n}) · ({n}, {h}) = ({m}, {h}); b is added to each of the {m} rows.",
                 rf"\underbrace{{Z}}_{{{m} \times {h}}} = \underbrace{{X}}_{{{m} \times {n}}}\,"
                 rf"\underbrace{{W}}_{{{n} \times {h}}} + \underbrace{{b}}_{{1 \times {h}}}"),
            Step(f"Z has shape {format_shape(shape)}: row i holds the {h} neurons' z for sample i."),
        ),
    )


# ----------------------------------------------------------------------------- §3 Layers and parameters


def _dense_layer_params(rng: np.random.Generator) -> Posed:
    n, h = _pick(rng, (3, 5, 10, 20, 64, 100, 784)), _pick(rng, (1, 4, 8, 10, 16, 32, 64, 128, 256))
    total = count_dense_params(n, h)
    return Posed(
        given=dict(n=n, h=h),
        prompt=f"How many parameters does `keras.layers.Dense({h})` have on an input of **{n} features**? "
        "*(a whole number)*",
        kind="integer",
        answer=total,
        solution=(
            Step("A dense layer has one weight per (input, neuron) pair and one bias per neuron: inputs × neurons + neurons."),
            Step(f"{_num(n)} × {_num(h)} + {_num(h)} = {_num(n * h)} + {_num(h)} = {_num(total)}.",
                 rf"{n} \times {h} + {h} = {total:,}".replace(",", "{,}")),
        ),
    )


def _model_params(rng: np.random.Generator) -> Posed:
    inputs = _pick(rng, (784, 100, 64, 32))
    widths = sorted((_pick(rng, (256, 128, 64, 32, 16)) for _ in range(int(rng.integers(1, 3)))), reverse=True)
    classes = _pick(rng, (10, 5, 3))
    spec = ModelSpec(inputs, tuple(DenseSpec(width, "relu") for width in widths), task="multiclass", n_classes=classes)
    total = count_model_params(spec)
    code = ", ".join([f"Dense({width}, relu)" for width in widths] + [f"Dense({classes}, softmax)"])
    rows = layer_param_rows(spec)
    return Posed(
        given=dict(inputs=inputs, widths=tuple(widths), classes=classes),
        prompt=f"A `keras.Sequential` model takes **{inputs} inputs** and has the layers **{code}**. "
        "How many parameters does `model.summary()` report? *(a whole number)*",
        kind="integer",
        answer=total,
        solution=(
            *_layer_steps(spec),
            Step(f"Total: {' + '.join(_num(r['params']) for r in rows)} = {_num(total)}.", param_formula_latex(spec)),
        ),
    )


#: Problems of each task the question may describe (the task's output layer and loss come from TASKS).
_TASK_SCENARIOS: dict[str, tuple[str, ...]] = {
    "binary": ("whether an e-mail is spam or not", "whether an X-ray shows a fracture", "whether an MNIST digit is a 7 or not"),
    "multiclass": ("which of the 10 digits an MNIST image shows", "which of 5 flower species a photo shows",
                   "which of 3 traffic signs a camera sees"),
    "regression": ("the price of a flat in euros", "tomorrow's temperature in °C", "a person's age from a photo"),
}


def _task_option(task: str) -> str:
    entry = TASKS[task]
    units = "K" if entry.output_units is None else str(entry.output_units)
    return f"Dense({units}, activation='{entry.output_activation}') with loss '{entry.loss}'"


def _task_output(rng: np.random.Generator) -> Posed:
    task = _pick(rng, tuple(_TASK_SCENARIOS))
    scenario = _pick(rng, _TASK_SCENARIOS[task])
    entry = TASKS[task]
    why = {
        "binary": "one sigmoid neuron gives P(positive), between 0 and 1, and binary cross-entropy scores it",
        "multiclass": "K softmax neurons give K probabilities that sum to 1, and sparse categorical "
        "cross-entropy scores them against an integer label (K = the number of classes)",
        "regression": "one linear neuron can give any real number, and the mean squared error scores it",
    }[task]
    return Posed(
        given=dict(task=task, scenario=scenario),
        prompt=f"A network must predict **{scenario}**. Which output layer and loss fit the task?",
        kind="choice",
        answer=_task_option(task),
        options=tuple(_task_option(name) for name in _TASK_SCENARIOS),
        solution=(Step(f"This is {entry.label[0].lower() + entry.label[1:]}: {why}."),),
    )


# ----------------------------------------------------------------------------- §4 Activations

#: Each activation's value and derivative as plain text for the worked solution (the page's LaTeX
#: formulas are in ACTIVATIONS).
_ACTIVATION_TEXT: dict[str, tuple[str, str]] = {
    "sigmoid": ("σ(z) = 1 / (1 + e^(−z))", "σ′(z) = σ(z)·(1 − σ(z))"),
    "tanh": ("tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z))", "tanh′(z) = 1 − tanh²(z)"),
    "relu": ("ReLU(z) = max(0, z)", "ReLU′(z) = 1 for z > 0 and 0 for z < 0"),
    "leaky_relu": (f"LeakyReLU(z) = z for z > 0 and {_num(LEAKY_SLOPE)}·z otherwise (Keras's slope)",
                   f"LeakyReLU′(z) = 1 for z > 0 and {_num(LEAKY_SLOPE)} otherwise"),
    "elu": (f"ELU(z) = z for z > 0 and {_num(ELU_ALPHA)}·(e^z − 1) otherwise (Keras's α)",
            f"ELU′(z) = 1 for z > 0 and {_num(ELU_ALPHA)}·e^z otherwise"),
}

#: What an activation's answer depends on beyond z, said in the question: (given's key, value, words).
#: Keras has two Leaky ReLUs: ``keras.activations.leaky_relu`` (slope 0.2, the lecture's page) and
#: the layer ``keras.layers.LeakyReLU`` (``negative_slope=0.3``), so the slope must be stated.
_ACTIVATION_PARAMETERS: dict[str, tuple[str, float, str]] = {
    "leaky_relu": ("slope", LEAKY_SLOPE, f"with slope **{_num(LEAKY_SLOPE)}** for z ≤ 0 "
                   f"(`keras.activations.leaky_relu`'s default; the layer `keras.layers.LeakyReLU` defaults to 0.3)"),
    "elu": ("alpha", ELU_ALPHA, f"with **α = {_num(ELU_ALPHA)}** (ELU(z) = α·(e^z − 1) for z ≤ 0; Keras's default)"),
}


def _activation_given(name: str) -> tuple[dict, str]:
    """The activation's own parameter for ``given`` and the words that name it in the question."""
    if name not in _ACTIVATION_PARAMETERS:
        return {}, ""
    key, value, words = _ACTIVATION_PARAMETERS[name]
    return {key: value}, f", {words},"


def _activation_value(rng: np.random.Generator) -> Posed:
    name = _pick(rng, tuple(_ACTIVATION_TEXT))
    z = _one_decimal(rng, -3.0, 3.0, nonzero=True)
    entry = ACTIVATIONS[name]
    value = float(entry.value(z))
    parameters, words = _activation_given(name)
    return Posed(
        given=dict(activation=name, z=z, **parameters),
        prompt=f"What is **{entry.label}(z)**{words} at **z = {_num(z)}**? *({_to_decimals(3)})*",
        kind="number",
        answer=value,
        decimals=3,
        solution=(
            Step(_ACTIVATION_TEXT[name][0] + ".", entry.formula),
            Step(f"{entry.label}({_num(z)}) = {_approx(value, 3)}."),
        ),
    )


def _activation_derivative(rng: np.random.Generator) -> Posed:
    name = _pick(rng, ("sigmoid", "tanh", "relu", "leaky_relu"))
    z = _one_decimal(rng, -3.0, 3.0, nonzero=True)
    entry = ACTIVATIONS[name]
    value, slope = float(entry.value(z)), float(entry.derivative(z))
    side = f"z = {_num(z)} is {'above' if z > 0 else 'below'} 0, so {entry.label}′({_num(z)})"
    middle = {
        "sigmoid": f"σ({_num(z)}) = {_fixed(value, 6)}, so σ′({_num(z)}) = {_fixed(value, 6)} · (1 − {_fixed(value, 6)})",
        "tanh": f"tanh({_num(z)}) = {_fixed(value, 6)}, so tanh′({_num(z)}) = 1 − {_par(_fixed(value, 6))}²",
        "relu": side,
        "leaky_relu": side,
    }[name]
    parameters, words = _activation_given(name)
    return Posed(
        given=dict(activation=name, z=z, **parameters),
        prompt=f"What is the derivative **{entry.label}′(z)**{words} at **z = {_num(z)}**? *({_to_decimals(3)})*",
        kind="number",
        answer=slope,
        decimals=3,
        solution=(
            Step(_ACTIVATION_TEXT[name][1] + ".", entry.derivative_formula),
            Step(f"{middle} = {_approx(slope, 3)}."),
        ),
    )


def _softmax_probability(rng: np.random.Generator) -> Posed:
    logits = [float(rng.integers(-2, 4)) for _ in range(3)]
    k = int(rng.integers(3))
    probabilities = softmax(np.array(logits))
    exps = [math.exp(z) for z in logits]
    return Posed(
        given=dict(logits=tuple(logits), k=k),
        prompt=f"An output layer gives the logits **z = {_vector_text(logits)}** for classes 1, 2 and 3. What is "
        f"the softmax probability of **class {k + 1}**? *({_to_decimals(3)})*",
        kind="number",
        answer=float(probabilities[k]),
        decimals=3,
        fraction=True,
        solution=(
            Step("softmax(z)ᵢ = e^(zᵢ) / Σⱼ e^(zⱼ).", r"\mathrm{softmax}(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}"),
            Step("e^(z) for each class: " + ", ".join(f"e^{_par(z)} = {e:.4f}" for z, e in zip(logits, exps))
                 + f"; their sum is {sum(exps):.4f}."),
            Step(f"P(class {k + 1}) = {exps[k]:.4f} / {sum(exps):.4f} = {_fixed(float(probabilities[k]), 6)} "
                 f"≈ {_fixed(float(probabilities[k]), 3)}."),
        ),
    )


# ----------------------------------------------------------------------------- §5 Optimizers


def _sgd_step(rng: np.random.Generator) -> Posed:
    theta, g = _one_decimal(rng, -3.0, 3.0), _one_decimal(rng, -3.0, 3.0, nonzero=True)
    rate = _pick(rng, (0.1, 0.01, 0.05, 0.5))
    new_theta, _ = OPTIMIZERS["sgd"].update(theta, g, (), 1, {"learning_rate": rate})
    return Posed(
        given=dict(theta=theta, g=g, learning_rate=rate),
        prompt=f"Plain SGD with learning rate **η = {_num(rate)}**: the weight is **θ = {_num(theta)}** and the "
        f"gradient of the loss is **g = {_num(g)}**. What is θ after one step? *({_to_decimals(3)})*",
        kind="number",
        answer=new_theta,
        decimals=3,
        solution=(
            Step("θ ← θ − η·g: a step against the gradient.", OPTIMIZERS["sgd"].update_rule),
            Step(f"θ = {_num(theta)} − {format_product(rate, g)} = {format_sum([theta, -round(rate * g, 6)])} "
                 f"= {_fixed(new_theta, 3)}."),
        ),
    )


def _momentum_step(rng: np.random.Generator) -> Posed:
    theta, g = _one_decimal(rng, -3.0, 3.0), _one_decimal(rng, -3.0, 3.0, nonzero=True)
    velocity = _one_decimal(rng, -1.0, 1.0, nonzero=True)
    rate = _pick(rng, (0.1, 0.01))
    spec = OPTIMIZERS["momentum"]
    mu = spec.defaults["momentum"]
    new_theta, (new_velocity,) = spec.update(theta, g, (velocity,), 2, {**spec.defaults, "learning_rate": rate})
    return Posed(
        given=dict(theta=theta, g=g, velocity=velocity, learning_rate=rate, momentum=mu),
        prompt=f"SGD with momentum (`keras.optimizers.SGD(learning_rate={_num(rate)}, momentum={_num(mu)})`, "
        "which updates **m ← μ·m − η·g, then θ ← θ + m**): "
        f"the weight is **θ = {_num(theta)}**, its velocity from the previous steps is **m = {_num(velocity)}** "
        f"and the new gradient is **g = {_num(g)}**. What is θ after this step? *({_to_decimals(3)})*",
        kind="number",
        answer=new_theta,
        decimals=3,
        solution=(
            Step("mₜ = μ·mₜ₋₁ − η·gₜ, then θₜ = θₜ₋₁ + mₜ (Keras's form).", spec.update_rule),
            Step(f"m = {format_product(mu, velocity)} − {format_product(rate, g)} = {_fixed(new_velocity, 4)}."),
            Step(f"θ = {format_sum([theta, round(new_velocity, 4)])} = {_fixed(new_theta, 3)}."),
        ),
    )


def _adam_step(rng: np.random.Generator) -> Posed:
    theta, g = _one_decimal(rng, -3.0, 3.0), _one_decimal(rng, -3.0, 3.0, nonzero=True)
    rate = _pick(rng, (0.1, 0.01, 0.001))
    spec = OPTIMIZERS["adam"]
    hp = {**spec.defaults, "learning_rate": rate}
    new_theta, (m, v) = spec.update(theta, g, spec.initial_slots(hp), 1, hp)
    beta_1, beta_2 = hp["beta_1"], hp["beta_2"]
    alpha = rate * math.sqrt(1 - beta_2) / (1 - beta_1)
    return Posed(
        given=dict(theta=theta, g=g, learning_rate=rate, beta_1=beta_1, beta_2=beta_2, epsilon=hp["epsilon"],
                   bias_correction=spec.bias_correction),
        prompt=f"Adam with bias correction (`keras.optimizers.Adam`) and Keras's defaults (β₁ = {_num(beta_1)}, "
        f"β₂ = {_num(beta_2)}, ε = {_num(hp['epsilon'])}) and learning rate "
        f"**η = {_num(rate)}** takes its **first step** (m = v = 0 before it): the weight is **θ = {_num(theta)}**, "
        f"the gradient **g = {_num(g)}**. What is θ after the step? *({_to_decimals(4)})*",
        kind="number",
        answer=new_theta,
        decimals=4,
        solution=(
            Step("m₁ = (1 − β₁)·g, v₁ = (1 − β₂)·g², and the bias-corrected step is η·m̂/(√v̂ + ε) with "
                 "m̂ = m₁/(1 − β₁), v̂ = v₁/(1 − β₂).", spec.update_rule),
            Step(f"m₁ = {format_product(1 - beta_1, g)} = {_num(m)}, v₁ = {format_product(1 - beta_2, g)}² = {_num(v)}."),
            Step(f"m̂ = {_num(g)} and √v̂ = |g| = {_num(abs(g))}: the first step is η·g/|g| = {_num(rate if g > 0 else -rate)} "
                 f"(ε changes it by less than 10⁻⁵). In Keras's form α₁ = η·√(1 − β₂)/(1 − β₁) = {alpha:.6g}."),
            Step(f"θ = {format_sum([theta, -rate if g > 0 else rate])} = {_fixed(new_theta, 4)}: Adam's first step "
                 "has the size of the learning rate, whatever the size of the gradient."),
        ),
    )


# ----------------------------------------------------------------------------- §6 The Keras workflow

#: How the labels are written, and the Keras loss for it (from training_config.LOSSES and TASKS).
_LABEL_FORMATS: dict[str, tuple[str, str]] = {
    "integer": ("integers 0 … 9, one per image (y_train[0] is 5); the output layer is Dense(10, softmax)",
                next(name for name, loss in LOSSES.items() if not loss.one_hot)),
    "one-hot": ("one-hot vectors of ten 0s and 1s (a 5 is written 0,0,0,0,0,1,0,0,0,0); the output layer is "
                "Dense(10, softmax)", next(name for name, loss in LOSSES.items() if loss.one_hot)),
    "binary": ("0 or 1 (is it a 7?); the output layer is Dense(1, sigmoid)", TASKS["binary"].loss),
    "real": ("real numbers (a price); the output layer is Dense(1, linear)", TASKS["regression"].loss),
}


def _loss_for_labels(rng: np.random.Generator) -> Posed:
    form = _pick(rng, tuple(_LABEL_FORMATS))
    description, loss = _LABEL_FORMATS[form]
    why = LOSSES[loss].label if loss in LOSSES else {
        TASKS["binary"].loss: "binary cross-entropy: −[y·log p + (1 − y)·log(1 − p)] for one probability p",
        TASKS["regression"].loss: "mean squared error: the average of (y − ŷ)²",
    }[loss]
    return Posed(
        given=dict(labels=form),
        prompt=f"The labels are **{description}**. Which loss goes into `model.compile(loss=...)`?",
        kind="choice",
        answer=loss,
        options=tuple(loss for _, loss in _LABEL_FORMATS.values()),
        solution=(Step(f"'{loss}': {why}."),),
    )


def _well_split(n: int, split: float) -> bool:
    """Keras cuts at ⌊n·(1 − split)⌋ in floating point; the question is fair only when that is the exact cut."""
    return math.floor(n * (1.0 - split)) == math.floor(n * (1 - Fraction(str(split))))


def _split_config(rng: np.random.Generator, **settings) -> TrainingConfig:
    while True:
        n = int(rng.integers(10, 601)) * 100 - _pick(rng, (0, 0, 1, 7, 33))
        split = _pick(rng, (0.1, 0.2, 0.25, 0.15, 0.3))
        if _well_split(n, split):
            return TrainingConfig(subset_size=n, validation_split=split, **settings)


def _validation_split(rng: np.random.Generator) -> Posed:
    config = _split_config(rng)
    n, split = config.subset_size, config.validation_split
    return Posed(
        given=dict(n=n, validation_split=split),
        prompt=f"`model.fit(x_train, y_train, validation_split={split})` with **{n:,} training images**: how many "
        "images does Keras keep aside for validation? It trains on the first n·(1 − split) images, **rounded down**, "
        "and validates on the rest. *(a whole number)*",
        kind="integer",
        answer=config.validation_size,
        solution=(
            Step(f"Keras trains on the first ⌊n·(1 − split)⌋ images: ⌊{n:,} × {_num(1 - split)}⌋ = "
                 f"⌊{_num(n * (1 - Fraction(str(split))))}⌋ = {config.train_size:,}."),
            Step(f"It validates on the rest, the last {n:,} − {config.train_size:,} = {config.validation_size:,} images "
                 "(taken from the end of the arrays, before any shuffling)."),
        ),
    )


def _batches_per_epoch(rng: np.random.Generator) -> Posed:
    config = _split_config(rng, batch_size=_pick(rng, (32, 64, 128, 256)))
    train, batch = config.train_size, config.batch_size
    last = train - (config.batches_per_epoch - 1) * batch
    return Posed(
        given=dict(train=train, batch_size=batch),
        prompt=f"After the validation split, **{train:,} images** are left for training, and `model.fit` uses "
        f"**batch_size={batch}**. How many weight updates (batches) make one epoch? Keras keeps **a last, smaller "
        "batch** for what is left over, and it counts as an update. *(a whole number)*",
        kind="integer",
        answer=config.batches_per_epoch,
        solution=(
            Step("One update per batch; the last batch holds what is left, so the count is rounded up: ⌈n / batch size⌉."),
            Step(f"⌈{train:,} / {batch}⌉ = ⌈{train / batch:.4f}⌉ = {config.batches_per_epoch:,}"
                 + ("." if last == batch else f" (the last batch holds {last})."))
        ),
    )


# ----------------------------------------------------------------------------- §7 MNIST


def _reshaped(rng: np.random.Generator) -> Posed:
    n = _pick(rng, (60_000, 10_000, 54_000, 6_000, 1_000, 128))
    for_cnn = bool(rng.integers(2))
    one = np.zeros((1, 28, 28), dtype=np.uint8)
    per_image = (scale_images if for_cnn else flatten_and_scale)(one).shape[1:]
    shape = (n, *(int(size) for size in per_image))
    if for_cnn:
        code, why = "x.reshape(-1, 28, 28, 1)", "keeps the 28 × 28 grid and adds one channel axis (grey levels), as a CNN expects"
    else:
        code, why = "x.reshape(-1, 784)", "flattens each 28 × 28 image into 784 numbers, as a Dense layer expects"
    return Posed(
        given=dict(n=n, for_cnn=for_cnn),
        prompt=f"`x` holds **{n:,} MNIST images** of shape (28, 28) each: `x.shape` is ({n}, 28, 28). What is the "
        f"shape of `{code}`? *(e.g. (60000, 784))*",
        kind="shape",
        answer=shape,
        solution=(
            Step(f"`{code}` {why}; −1 lets NumPy work out the number of images."),
            Step(f"{n:,} × 28 × 28 = {n * 784:,} numbers in both: the shape is {format_shape(shape)}."),
        ),
    )


def _scaled_pixel(rng: np.random.Generator) -> Posed:
    pixel = int(rng.integers(1, 255))
    value = float(flatten_and_scale(np.full((1, 28, 28), pixel, dtype=np.uint8))[0, 0])
    return Posed(
        given=dict(pixel=pixel),
        prompt=f"A pixel of an MNIST image has the grey level **{pixel}** (0 = black, 255 = white). What value does "
        f"the lecture's preprocessing `x.astype(\"float32\") / 255` give it? *({_to_decimals(3)})*",
        kind="number",
        answer=value,
        decimals=3,
        fraction=True,
        solution=(
            Step("Dividing by 255 maps the grey levels 0 … 255 onto 0 … 1, the range the network learns best in."),
            Step(f"{pixel} / 255 = {_approx(value, 3)}."),
        ),
    )


def _flat_index(rng: np.random.Generator) -> Posed:
    row, column = int(rng.integers(28)), int(rng.integers(28))
    image = np.zeros((1, 28, 28), dtype=np.uint8)
    image[0, row, column] = 255
    index = int(np.argmax(flatten_and_scale(image)[0]))
    return Posed(
        given=dict(row=row, column=column),
        prompt=f"After `x.reshape(-1, 784)`, where does the pixel in **row {row}, column {column}** of a 28 × 28 image "
        "end up in its vector of 784 numbers? NumPy's reshape reads the image **row by row** (its default order). "
        "*(the index, counting rows, columns and positions from 0 as NumPy does)*",
        kind="integer",
        answer=index,
        solution=(
            Step("reshape reads the image row by row: row r starts at position 28·r, and the column is added."),
            Step(f"28 × {row} + {column} = {index}."),
        ),
    )


# ----------------------------------------------------------------------------- §8 Evaluation metrics


def _random_counts(rng: np.random.Generator) -> dict[str, int]:
    return {name: int(rng.integers(1, 13)) for name in ("tp", "fp", "fn", "tn")}


def _labels_for(counts: dict[str, int]) -> tuple[list[int], list[int]]:
    y_true = [1] * counts["tp"] + [0] * counts["fp"] + [1] * counts["fn"] + [0] * counts["tn"]
    y_pred = [1] * counts["tp"] + [1] * counts["fp"] + [0] * counts["fn"] + [0] * counts["tn"]
    return y_true, y_pred


_METRIC_TEXT = {
    "accuracy": ("(TP + TN) / (TP + TN + FP + FN)", lambda c: f"({c.tp} + {c.tn}) / ({c.tp} + {c.tn} + {c.fp} + {c.fn})"),
    "precision": ("TP / (TP + FP)", lambda c: f"{c.tp} / ({c.tp} + {c.fp})"),
    "recall": ("TP / (TP + FN)", lambda c: f"{c.tp} / ({c.tp} + {c.fn})"),
    "f1": ("2·TP / (2·TP + FP + FN)",
           lambda c: f"2·{c.tp} / (2·{c.tp} + {c.fp} + {c.fn})"),
}


def _first_sentence(text: str) -> str:
    sentence = text.split(". ")[0]
    return sentence if sentence.endswith(("?", ".")) else sentence + "."


def _metric_question(rng: np.random.Generator, names: tuple[str, str]) -> Posed:
    counts = _random_counts(rng)
    name = _pick(rng, names)
    report = binary_report(*_labels_for(counts))
    value, c = report.values[name], report.counts
    formula, substituted = _METRIC_TEXT[name]
    return Posed(
        given=dict(counts=counts, metric=name),
        prompt=f"A binary classifier's confusion matrix on a test set: **TP = {c.tp}, FP = {c.fp}, FN = {c.fn}, "
        f"TN = {c.tn}**. What is its **{BINARY_METRICS[name].title.lower()}**? *({_to_decimals(3)}, or as a fraction)*",
        kind="number",
        answer=value.value,
        decimals=3,
        fraction=True,
        solution=(
            Step(f"{BINARY_METRICS[name].title} = {formula}. {_first_sentence(BINARY_METRICS[name].question)}"),
            Step(f"{BINARY_METRICS[name].title} = {substituted(c)} = {_approx(value.value, 3)}.",
                 value.latex),
        ),
    )


def _precision_recall(rng: np.random.Generator) -> Posed:
    return _metric_question(rng, ("precision", "recall"))


def _f1_accuracy(rng: np.random.Generator) -> Posed:
    return _metric_question(rng, ("f1", "accuracy"))


def _always_negative(rng: np.random.Generator) -> Posed:
    total = _pick(rng, (500, 1_000, 2_000, 10_000))
    positives = int(rng.integers(total // 50, total // 5 + 1))
    y_binary = np.zeros(total, dtype=np.int64)
    y_binary[:positives] = 1
    report = binary_report(y_binary, always_negative(y_binary))
    accuracy = report["accuracy"]
    return Posed(
        given=dict(total=total, positives=positives),
        prompt=f"A test set holds **{total:,} images**, **{positives:,}** of them 7s. A lazy classifier answers "
        f"“not a 7” for every image. What is its **accuracy**? *({_to_decimals(3)}, or as a percentage)*",
        kind="number",
        answer=accuracy,
        decimals=3,
        fraction=True,
        solution=(
            Step(f"It predicts no positives: TP = 0, FP = 0, FN = {positives:,}, TN = {total - positives:,}."),
            Step(f"Accuracy = (TP + TN) / all = {total - positives:,} / {total:,} = {_fixed(accuracy, 6)} ≈ "
                 f"{_fixed(accuracy, 3)}: high, yet its recall is 0 / {positives:,} = {report['recall']:g}, it never finds a 7. "
                 "On imbalanced data accuracy misleads."),
        ),
    )


# ----------------------------------------------------------------------------- §9 Limitations

_IMAGE_SIDES = (28, 32, 64, 100, 128, 224)


def _dense_on_image(rng: np.random.Generator) -> Posed:
    side, channels, neurons = _pick(rng, _IMAGE_SIDES), _pick(rng, (1, 3)), _pick(rng, (64, 128, 256, 512, 1024))
    count = first_dense_layer_params(side, side, channels, neurons)
    colour = "A grey-level" if channels == 1 else "An RGB"
    return Posed(
        given=dict(side=side, channels=channels, neurons=neurons),
        prompt=f"{colour} image of **{side} × {side} × {channels}** is flattened and fed into "
        f"**`Dense({neurons})`**. How many parameters does this first layer have? *(a whole number)*",
        kind="integer",
        answer=count.total,
        solution=(
            Step(f"Flattened, the image is {side} × {side} × {channels} = {side * side * channels:,} inputs."),
            Step(f"Weights: {side * side * channels:,} × {neurons:,} = {count.weights:,}; biases: {count.biases:,}."),
            Step(f"Total: {count.total:,} parameters, for one layer; they grow with the number of pixels."),
        ),
    )


def _conv_params(rng: np.random.Generator) -> Posed:
    kernel, channels, filters = _pick(rng, (3, 5, 7)), _pick(rng, (1, 3, 16, 32)), _pick(rng, (8, 16, 32, 64))
    count = conv_layer_params(kernel, channels, filters)
    return Posed(
        given=dict(kernel=kernel, channels=channels, filters=filters),
        prompt=f"How many parameters does **`Conv2D({filters}, kernel_size={kernel})`** have on an input with "
        f"**{channels} channel{'s' if channels > 1 else ''}** (of any height and width)? *(a whole number)*",
        kind="integer",
        answer=count.total,
        solution=(
            Step(f"Each of the {filters} filters has a {kernel} × {kernel} × {channels} kernel and one bias; the "
                 "same weights slide over every position, so the image size does not matter."),
            Step(f"{kernel} × {kernel} × {channels} × {filters} + {filters} = {count.weights:,} + {count.biases:,} "
                 f"= {count.total:,}."),
        ),
    )


def _dense_memory(rng: np.random.Generator) -> Posed:
    side, channels, neurons = _pick(rng, _IMAGE_SIDES[2:]), 3, _pick(rng, (128, 256, 512))
    count = first_dense_layer_params(side, side, channels, neurons)
    return Posed(
        given=dict(side=side, channels=channels, neurons=neurons),
        prompt=f"An RGB image of **{side} × {side} × 3** goes into **`Dense({neurons})`**. How many megabytes "
        "(1 MB = 10⁶ bytes) do that layer's float32 parameters take? *(to 2 decimals)*",
        kind="number",
        answer=count.megabytes,
        decimals=2,
        solution=(
            Step(f"Parameters: {side} × {side} × 3 × {neurons} + {neurons} = {count.total:,}."),
            Step(f"float32 is 4 bytes: {count.total:,} × 4 = {count.float32_bytes:,} bytes = "
                 f"{count.megabytes:.4f} MB ≈ {count.megabytes:.2f} MB."),
        ),
    )


# ----------------------------------------------------------------------------- the table

#: The question types of each section, in the order the block shows them; the page, the sheet and
#: the tests read this table. Adding a question type is one row.
EXERCISES: dict[int, tuple[ExerciseType, ...]] = {
    1: (
        ExerciseType("network_params", "Parameters of a network", _network_params),
        ExerciseType("weights_or_biases", "Weights or biases", _weights_or_biases),
        ExerciseType("analogy", "The biological analogy", _analogy),
    ),
    2: (
        ExerciseType("neuron_z", "The weighted sum z", _neuron_z),
        ExerciseType("neuron_a", "The neuron's output a", _neuron_a),
        ExerciseType("layer_shape", "A layer on a batch", _layer_shape),
    ),
    3: (
        ExerciseType("dense_layer_params", "Parameters of a Dense layer", _dense_layer_params),
        ExerciseType("model_params", "Parameters of a model", _model_params),
        ExerciseType("task_output", "Output layer and loss", _task_output),
    ),
    4: (
        ExerciseType("activation_value", "An activation's value", _activation_value),
        ExerciseType("activation_derivative", "An activation's derivative", _activation_derivative),
        ExerciseType("softmax", "A softmax probability", _softmax_probability),
    ),
    5: (
        ExerciseType("sgd_step", "One SGD step", _sgd_step),
        ExerciseType("momentum_step", "One momentum step", _momentum_step),
        ExerciseType("adam_step", "Adam's first step", _adam_step),
    ),
    6: (
        ExerciseType("loss_for_labels", "Which loss", _loss_for_labels),
        ExerciseType("validation_split", "What validation_split keeps aside", _validation_split),
        ExerciseType("batches_per_epoch", "Updates per epoch", _batches_per_epoch),
    ),
    7: (
        ExerciseType("reshape", "Shapes after reshape", _reshaped),
        ExerciseType("scaled_pixel", "Scaling a pixel", _scaled_pixel),
        ExerciseType("flat_index", "Where a pixel goes", _flat_index),
    ),
    8: (
        ExerciseType("precision_recall", "Precision or recall", _precision_recall),
        ExerciseType("f1_accuracy", "F1 or accuracy", _f1_accuracy),
        ExerciseType("always_negative", "The “always negative” baseline", _always_negative),
    ),
    9: (
        ExerciseType("dense_on_image", "A Dense layer on an image", _dense_on_image),
        ExerciseType("conv_params", "A convolution layer", _conv_params),
        ExerciseType("dense_memory", "The memory it takes", _dense_memory),
    ),
}


def check_seed(seed: object) -> int:
    """A question set's number: a whole number from 0 to :data:`MAX_SEED` (``InputError`` otherwise).

    >>> check_seed(7), check_seed(7.0)
    (7, 7)
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, float, np.integer)) or not float(seed).is_integer():
        raise InputError(f"The question set is a whole number from 0 to {MAX_SEED:,}.")
    if not 0 <= seed <= MAX_SEED:
        raise InputError(f"The question set is a whole number from 0 to {MAX_SEED:,}, not {seed:g}.")
    return int(seed)


def questions_for(section: int, seed: int = DEFAULT_SEED) -> tuple[Question, ...]:
    """The questions of ``section`` for question set ``seed``: one per row of :data:`EXERCISES`.

    Question i draws its numbers from ``numpy.random.default_rng((seed, section, i))``, so the
    same seed gives the same questions everywhere, and each question type its own numbers.

    >>> [q.type for q in questions_for(8, 1)]
    ['precision_recall', 'f1_accuracy', 'always_negative']
    >>> questions_for(8, 1) == questions_for(8, 1)
    True
    """
    if section not in EXERCISES:
        raise InputError(f"There is no section {echo(section)}: the sections are {', '.join(map(str, EXERCISES))}.")
    seed = check_seed(seed)
    return tuple(
        Question(**vars(row.generate(np.random.default_rng((seed, section, index)))),
                 section=section, index=index, type=row.key, title=row.title, seed=seed)
        for index, row in enumerate(EXERCISES[section])
    )


def check_answer(question: Question, given: str) -> Verdict:
    """Whether ``given`` (what the student typed, or the option picked) answers ``question``.

    Raises :class:`InputError` with a sentence when the text cannot be read as the kind of
    answer asked for (a number, a whole number, a shape, one of the options); an unreadable
    answer is not counted as wrong.

    >>> question = questions_for(8, 1)[0]
    >>> question.answer_text
    '0.091'
    >>> [check_answer(question, text).correct for text in ("0.091", "9.1 %", "1/11", "0.1")]
    [True, True, True, False]
    """
    text = given if isinstance(given, str) else ""
    if question.kind == "choice":
        if text not in question.options:
            raise InputError("Pick one of the options.")
        correct = text == question.answer
    elif question.kind == "shape":
        correct = parse_shape(text) == tuple(question.answer)
    else:
        parsed = parse_number(text)
        if question.kind == "integer":
            if parsed.percent:
                raise InputError("This answer is a count: type a whole number such as 109,386, without %.")
            correct = number_matches(parsed, int(question.answer), decimals=None)
        else:
            _percent_without_sign(question, parsed)
            correct = number_matches(parsed, float(question.answer), decimals=question.decimals)
    if correct:
        return Verdict(True, f"Right: {question.answer_text}.")
    return Verdict(False, f"Not quite{how_far_off(question, text)}.")


def how_far_off(question: Question, given: str) -> str:
    """What a wrong answer gets besides "Not quite": which way and roughly how far, never the answer.

    Empty for a choice (naming the right option would be the answer). For a number: too high or too
    low, and whether it is close (within 10 %), off by a factor of ten or more (a decimal point or a
    percentage), or right in size with the wrong sign. For a shape: which positions are wrong.

    >>> question = questions_for(8, 1)[0]  # 1/11 ≈ 0.091
    >>> how_far_off(question, "0.095"), how_far_off(question, "0.91"), how_far_off(question, "0.5")
    (': a little too high (within 10 %)', ': about 10 times too large: check the decimal point', ': too high')
    """
    if question.kind == "choice":
        return ""
    if question.kind == "shape":
        shape, answer = parse_shape(given), tuple(question.answer)
        if len(shape) != len(answer):
            return f": the answer has {len(answer)} axes, not {len(shape)}"
        wrong = [str(i + 1) for i, (a, b) in enumerate(zip(shape, answer)) if a != b]
        return f": {'number ' if len(wrong) == 1 else 'numbers '}{' and '.join(wrong)} of the shape "
        f"{'is' if len(wrong) == 1 else 'are'} not right"
    value, answer = parse_number(given).value, float(question.answer)
    if answer == 0:
        return ": too high" if value > 0 else ": too low"
    if value != 0 and math.copysign(1, value) != math.copysign(1, answer) and math.isclose(abs(value), abs(answer), rel_tol=0.01):
        return ": the size is right, the sign is not"
    ratio = value / answer
    if ratio > 0:
        power = math.log10(ratio)
        if abs(power) >= 0.97 and abs(power - round(power)) < 0.03:
            times = f"{10 ** abs(round(power)):,}"
            return f": about {times} times too {'large' if power > 0 else 'small'}: check the decimal point"
    side = "high" if value > answer else "low"
    if abs(value - answer) <= 0.1 * abs(answer):
        return f": a little too {side} (within 10 %)"
    return f": too {side}"


#: A wrong first try gets a second; after the second wrong one the answer and solution are shown.
TRIES = 2


@dataclass(frozen=True)
class Feedback:
    """What the block shows for a question after the student's tries so far.

    ``tone`` is "success", "warning" or "" (nothing answered yet); ``solution`` says whether the
    worked solution is shown, ``open`` whether it is shown unfolded, and ``offer_solution`` whether
    the student may ask for it ("Show the solution") before the tries are used up.
    """

    tone: str
    message: str
    solution: bool
    open: bool
    offer_solution: bool


def feedback(question: Question, tries: Sequence[str], *, revealed: bool = False) -> Feedback:
    """The verdict on the student's readable answers so far (first first), as the block shows it.

    The first wrong answer says only that it is wrong, and how far off (:func:`how_far_off`); the
    student tries again. The answer and the worked solution come when asked for (``revealed``) or
    after :data:`TRIES` wrong answers. Only the first try counts for the score (the page keeps it).

    >>> question = questions_for(8, 1)[0]
    >>> feedback(question, ["0.5"]).message
    'Not quite: too high. Try again, or show the solution.'
    >>> feedback(question, ["0.5", "0.2"]).message
    'Not quite: the answer is 0.091. The worked solution shows how.'
    >>> feedback(question, ["0.5", "1/11"]).message, feedback(question, ["0.5"], revealed=True).solution
    ('Right on the second try: 0.091.', True)
    """
    if not tries:
        if revealed:
            return Feedback("warning", f"The answer is {question.answer_text}.", True, True, False)
        return Feedback("", "", False, False, False)
    verdict = check_answer(question, tries[-1])
    if verdict.correct:
        message = verdict.message if len(tries) == 1 else f"Right on the {_ordinal(len(tries))} try: {question.answer_text}."
        return Feedback("success", message, True, False, False)
    if len(tries) >= TRIES or revealed:
        return Feedback("warning", f"Not quite: the answer is {question.answer_text}. The worked solution shows how.",
                        True, True, False)
    return Feedback("warning", f"{verdict.message[:-1]}. Try again, or show the solution.", False, False, True)


def _ordinal(n: int) -> str:
    return {1: "first", 2: "second", 3: "third"}.get(n, f"{n}th")


def _percent_without_sign(question: Question, parsed: ParsedNumber) -> None:
    """71.4 for a fraction of 0.714: the student meant a percentage and left out the sign."""
    if question.fraction and not parsed.percent and 1 < abs(parsed.value) <= 100:
        as_percent = ParsedNumber(parsed.value / 100, True)
        if number_matches(as_percent, float(question.answer), decimals=question.decimals):
            raise InputError(
                f"The answer is a fraction between 0 and 1: write {_num(parsed.value)} % for a percentage, "
                f"or {_num(parsed.value / 100)}."
            )


# ----------------------------------------------------------------------------- the printable sheet

_SHEET_CSS = """
body { font-family: "DejaVu Serif", Georgia, serif; max-width: 46em; margin: 2em auto; padding: 0 1em;
       line-height: 1.45; color: #000; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { font-size: 1.15em; margin-top: 1.4em; border-bottom: 1px solid #888; }
li.question { margin: 0.8em 0; break-inside: avoid; page-break-inside: avoid; }
.answer-line { display: block; margin-top: 0.6em; border-bottom: 1px solid #000; width: 16em; height: 1.4em; }
.options { list-style-type: lower-alpha; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 0.92em; }
.answers { break-before: page; page-break-before: always; }
.steps { margin: 0.2em 0 0.8em; }
.note { color: #333; font-size: 0.92em; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
}
"""


def _inline_html(text: str) -> str:
    """The prompts' Markdown subset as HTML: ``code`` spans, **bold**, *italics*.

    >>> _inline_html("**x = [1, 2]** and **`Dense(4)`** *(to 3 decimals)* <b>")
    '<strong>x = [1, 2]</strong> and <strong><code>Dense(4)</code></strong> <em>(to 3 decimals)</em> &lt;b&gt;'
    """
    spans: list[str] = []

    def set_aside(match: re.Match) -> str:
        spans.append(f"<code>{html.escape(match.group(1))}</code>")
        return f"\x00{len(spans) - 1}\x00"

    # Code spans first (their * and _ are literal), so bold may wrap one: **`Dense(4)`**.
    escaped = html.escape(re.sub(r"`([^`]*)`", set_aside, text), quote=False)
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)
    escaped = re.sub(r"\*(.+?)\*", r"<em>\1</em>", escaped)
    return re.sub("\x00(\\d+)\x00", lambda match: spans[int(match.group(1))], escaped)


def exercise_sheet_html(sections: Sequence[int], seed: int = DEFAULT_SEED) -> str:
    """A printable HTML sheet: the questions of ``sections`` for ``seed``, then, from a new page on,
    the answers with their worked solutions (for the lecturer). No scripts, no fonts or maths from
    the internet: plain Unicode, so it prints offline. The same arguments give the same bytes.

    >>> sheet = exercise_sheet_html([8], seed=1)
    >>> sheet.count('class="question"'), "page-break-before: always" in sheet  # 3 questions, 3 answers
    (6, True)
    """
    seed = check_seed(seed)
    sections = [int(section) for section in sections]
    numbered = " and ".join(f"§{s}" for s in sections) if len(sections) <= 2 else f"§{sections[0]}–§{sections[-1]}"
    asked = [(section, questions_for(section, seed)) for section in sections]
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>annviz · Check yourself · {numbered} · question set {seed}</title>",
        f"<style>{_SHEET_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>Check yourself: {numbered}</h1>",
        f'<p class="note">Question set {seed} of annviz (lecture “Introduction to ANNs and Limitations in Image '
        f"Processing”). The same questions are on each section's page opened with <code>?quiz_seed={seed}</code> "
        "at the end of its address. Numbers may be written 0.714, 71.4 %, 5/7, 1e-3 or 109,386.</p>",
    ]
    for section, questions in asked:
        lines.append(f"<h2>§{section} {html.escape(SECTION_TITLES[section])}</h2>")
        lines.append("<ol>")
        for question in questions:
            lines.append(f'<li class="question"><p>{_inline_html(question.prompt)}</p>')
            if question.options:
                lines.append('<ol class="options">' + "".join(f"<li>{html.escape(o)}</li>" for o in question.options) + "</ol>")
            lines.append('<span class="answer-line"></span></li>')
        lines.append("</ol>")
    lines.append('<section class="answers">')
    lines.append(f"<h1>Answers and worked solutions: {numbered}, question set {seed}</h1>")
    for section, questions in asked:
        lines.append(f"<h2>§{section} {html.escape(SECTION_TITLES[section])}</h2>")
        lines.append("<ol>")
        for question in questions:
            answer = question.answer_text
            if question.options:
                letter = "abcdefghijklmnopqrstuvwxyz"[question.options.index(question.answer)]
                answer = f"({letter}) {answer}"
            lines.append(f'<li class="question"><p><strong>{html.escape(answer)}</strong></p>')
            lines.append('<ul class="steps">' + "".join(f"<li>{_inline_html(step.text)}</li>" for step in question.solution) + "</ul></li>")
        lines.append("</ol>")
    lines += ["</section>", "</body>", "</html>", ""]
    return "\n".join(lines)
