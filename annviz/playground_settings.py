"""The playground's settings as one table, and its lecture demos (presets) as rows of values for it.

:data:`SETTINGS` names every setting of the page once: its widget key (which is also its URL
key and what a lecture step sets), its label, its range and which :class:`Preset` field it
holds. The page draws its widgets from the table, :func:`preset_settings` turns a preset into
the widgets' values, :func:`preset_differences` says which of them a student has changed since,
and :func:`edited_settings` applies a click on the network diagram (a feature tile, a layer's
+/−) to the same values.

>>> [s.key for s in SETTINGS if s.group == "main"]
['pg_dataset', 'pg_activation', 'pg_lr']
>>> preset_settings("lecture_341")["pg_hidden"], preset_settings("lecture_341")["pg_activation"]
('4', 'relu')
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from annviz.activations import ACTIVATIONS
from annviz.errors import InputError, echo
from annviz.optimizers import MAX_LEARNING_RATE, OPTIMIZERS
from annviz.playground import (
    DATASETS,
    FEATURES,
    MAX_HIDDEN_LAYERS,
    MAX_NEURONS,
    MAX_POINTS,
    MIN_POINTS,
    parse_hidden_layers,
)

MAX_SEED = 100_000
#: The optimizers the playground trains with: every row of the table that Keras has (the slide's
#: Adam without bias correction is the race's alone).
TRAINABLE_OPTIMIZERS: tuple[str, ...] = tuple(key for key, spec in OPTIMIZERS.items() if spec.bias_correction)
REGULARIZATIONS: tuple[str, ...] = ("none", "L1", "L2")


@dataclass(frozen=True)
class Preset:
    """A lecture demo: every setting of the page, how long to train, and what the students should see.

    ``outcome`` is (measure, "≤" or "≥", number), a measure of
    :func:`annviz.playground.preset_measures` after ``epochs`` epochs; the tests train each preset
    (and copies with its arithmetic perturbed) and check it with a margin.
    """

    key: str
    label: str
    lesson: str
    dataset: str
    features: tuple[str, ...]
    hidden: tuple[int, ...]
    activation: str
    epochs: int
    outcome: tuple[str, str, float]
    points: int = 300
    noise: float = 0.0
    train_percent: float = 50.0
    seed: int = 0
    optimizer: str = "adam"
    learning_rate: float = 0.03
    batch_size: int = 10
    regularization: str = "none"
    rate: float = 0.0


#: The lecture's demos, in the order the page lists them (one row each; the URL names the key).
PRESETS: dict[str, Preset] = {
    p.key: p
    for p in (
        Preset("lecture_341", "The lecture's 3-4-1 network", "The lecture's network: three inputs, four ReLU "
               "neurons, one sigmoid output, 16 weights + 5 biases = 21 parameters, learning the circle.", "circle",
               ("x1", "x2", "x1x2"), (4,), "relu", 100, ("test accuracy", "≥", 0.9)),
        Preset("linear_circle", "Why non-linearity: linear activation", "Linear hidden layers collapse into one "
               "straight line: on the circle the network stays near chance.", "circle", ("x1", "x2"), (4, 4),
               "linear", 100, ("test accuracy", "≤", 0.65)),
        Preset("relu_circle", "Why non-linearity: ReLU", "The same network with ReLU bends its boundary around the "
               "inner class and solves the circle.", "circle", ("x1", "x2"), (4, 4), "relu", 100,
               ("test accuracy", "≥", 0.95)),
        Preset("xor_no_hidden", "XOR with no hidden layer", "A single neuron draws one straight line: it cannot "
               "separate XOR's opposite quadrants.", "xor", ("x1", "x2"), (), "relu", 100,
               ("test accuracy", "≤", 0.65)),
        Preset("xor_one_hidden", "XOR with one hidden layer", "One hidden layer of four neurons combines lines into "
               "the XOR pattern.", "xor", ("x1", "x2"), (4,), "tanh", 100, ("test accuracy", "≥", 0.9)),
        # ReLU, not tanh: with tanh the outcome sat at its bound and a rounding difference decided it.
        Preset("spiral_deep", "A spiral needs depth", "Two interleaved arms: with only x₁ and x₂ as inputs, four "
               "hidden layers learn what one cannot.", "spiral", ("x1", "x2"), (8, 8, 8, 8), "relu", 300,
               ("train accuracy", "≥", 0.9), learning_rate=0.01),
        Preset("overfitting", "Overfitting: few noisy points, a big network", "Forty noisy points and six layers "
               "of eight: the train loss falls towards 0 while the test loss climbs.", "gaussians", ("x1", "x2"),
               (8, 8, 8, 8, 8, 8), "relu", 300, ("test loss − train loss", "≥", 0.5), points=40, noise=50,
               learning_rate=0.01),
    )
}
DEFAULT_PRESET = "lecture_341"


def format_hidden(hidden: tuple[int, ...]) -> str:
    """The hidden layers as the text box shows them.

    >>> format_hidden((8, 4)), format_hidden(())
    ('8, 4', '')
    """
    return ", ".join(map(str, hidden))


@dataclass(frozen=True)
class Setting:
    """One setting of the page: its widget (key, label, kind, range) and the :class:`Preset` field it holds.

    ``kind`` is "choice" (a select box of ``options``), "features" (a multiselect of
    :data:`FEATURES`), "slider", "int" or "float" (number boxes) or "layers" (the hidden
    layers as text). ``restarts``: a new value starts the training afresh (new data or a new
    network); otherwise the training goes on from the current weights.
    """

    key: str
    field: str
    label: str
    kind: str
    group: str
    help: str = ""
    options: tuple[str, ...] = ()
    option_label: Callable[[str], str] = str
    min_value: float | None = None
    max_value: float | None = None
    step: float | None = None
    restarts: bool = True

    def value_of(self, preset: Preset) -> Any:
        """The widget's value for a preset (text for the layers, a list for the features, int for whole numbers)."""
        value = getattr(preset, self.field)
        if self.kind == "layers":
            return format_hidden(value)
        if self.kind == "features":
            return list(value)
        if self.kind in ("slider", "int"):
            return int(value)
        if self.kind == "float":
            return float(value)
        return value

    def shown(self, value: Any) -> str:
        """A value as a sentence names it: from the table's own words and numbers, never the student's raw text
        (a sentence is markdown; typed text echoed into it could render as a link or an image).

        >>> SETTING["pg_hidden"].shown("![x](https://example.org/x.png)"), SETTING["pg_hidden"].shown("8,4")
        ('text that is not a list of layers', '8, 4')
        """
        if self.kind == "features":
            return ", ".join(FEATURES[f].label for f in value if f in FEATURES) or "none"
        if self.kind == "layers":
            try:
                return format_hidden(parse_hidden_layers(str(value))) or "none"
            except InputError:
                return "text that is not a list of layers"
        if self.kind == "choice":
            return self.option_label(value) if value in self.options else "another choice"
        try:
            number = float(value)
        except (TypeError, ValueError):
            return "another value"
        return f"{number:g}" if math.isfinite(number) else "a value that is not a number"


#: Every setting of the playground, in the page's order; ``group`` is where it sits: "main" beside Play (what a
#: lecture changes most), else the settings tab of that name under the view.
SETTINGS: tuple[Setting, ...] = (
    Setting("pg_dataset", "dataset", "Dataset", "choice", "main", options=tuple(DATASETS),
            option_label=lambda key: DATASETS[key].label),
    Setting("pg_points", "points", "Points", "slider", "data", min_value=MIN_POINTS, max_value=MAX_POINTS, step=10),
    Setting("pg_noise", "noise", "Noise (%)", "slider", "data", min_value=0, max_value=50, step=1),
    Setting("pg_train", "train_percent", "Training share (%)", "slider", "data", min_value=10, max_value=90, step=5),
    Setting("pg_seed", "seed", "Seed", "int", "data", "Draws the points, the split and the initial weights.",
            min_value=0, max_value=MAX_SEED, step=1),
    Setting("pg_features", "features", "Input features", "features", "network",
            "Or click a feature's tile in the network to switch it on or off.", options=tuple(FEATURES),
            option_label=lambda key: FEATURES[key].label),
    Setting("pg_hidden", "hidden", f"Hidden layers (1–{MAX_NEURONS} neurons each, ≤ {MAX_HIDDEN_LAYERS} layers)",
            "layers", "network", "For example 4, 2 (two hidden layers); empty for none. Or use the network's + and − buttons."),
    Setting("pg_activation", "activation", "Hidden activation", "choice", "main", options=tuple(ACTIVATIONS),
            option_label=lambda key: ACTIVATIONS[key].label),
    Setting("pg_reg", "regularization", "Regularization", "choice", "network", options=REGULARIZATIONS,
            restarts=False),
    Setting("pg_rate", "rate", "Regularization rate", "float", "network", min_value=0.0, max_value=1.0, step=0.001,
            restarts=False),
    Setting("pg_optimizer", "optimizer", "Optimizer", "choice", "training", options=TRAINABLE_OPTIMIZERS,
            option_label=lambda key: OPTIMIZERS[key].name, restarts=False),
    Setting("pg_lr", "learning_rate", "Learning rate η", "float", "main",
            "A new η goes on from the current weights.", min_value=0.0, max_value=MAX_LEARNING_RATE, step=0.01,
            restarts=False),
    Setting("pg_batch", "batch_size", "Batch size", "int", "training", min_value=1, max_value=100, step=1,
            restarts=False),
)
SETTING: dict[str, Setting] = {s.key: s for s in SETTINGS}


def preset_settings(preset_key: str) -> dict[str, Any]:
    """The page's widget values for a preset (widget key → value): what its picker and its lecture
    steps (``annviz.lecture_steps``) put into the widgets.

    >>> preset_settings("xor_no_hidden")["pg_hidden"], preset_settings("xor_no_hidden")["pg_features"]
    ('', ['x1', 'x2'])
    """
    preset = PRESETS[preset_key]
    return {s.key: s.value_of(preset) for s in SETTINGS}


def preset_differences(preset_key: str, values: Mapping[str, Any], *, own_data: bool = False) -> list[str]:
    """What differs from a preset's settings, one phrase each ("Dataset: Spiral, not Circle"); [] while it is as set.

    ``own_data``: the points come from the student's CSV, not from the preset's dataset.

    >>> preset_differences("lecture_341", {**preset_settings("lecture_341"), "pg_dataset": "spiral"})
    ['Dataset: Spiral, not Circle']
    >>> preset_differences("lecture_341", preset_settings("lecture_341"))
    []
    """
    wanted = preset_settings(preset_key)
    phrases = ["Data: your CSV, not the demo's dataset"] if own_data else []
    for setting in SETTINGS:
        value = values.get(setting.key, wanted[setting.key])
        same = (sorted(value) == sorted(wanted[setting.key]) if setting.kind == "features"
                else _normal(setting, value) == _normal(setting, wanted[setting.key]))
        if not same:
            phrases.append(f"{setting.label}: {setting.shown(value)}, not {setting.shown(wanted[setting.key])}")
    return phrases


def _normal(setting: Setting, value: Any) -> Any:
    if setting.kind == "layers":
        try:
            return parse_hidden_layers(str(value))
        except InputError:
            return value
    if setting.kind in ("slider", "int", "float"):
        return float(value)
    return value


@dataclass(frozen=True)
class Edit:
    """A click on the network diagram: a feature tile, +/− on the layers, or +/− on one layer's neurons."""

    what: str  # "feature", "layers", "neurons"
    name: str = ""
    layer: int = 0
    delta: int = 0


def parse_edit(payload: Any) -> Edit | None:
    """The diagram's event (a dict from the browser) as an :class:`Edit`; None for anything malformed.

    >>> parse_edit({"what": "neurons", "layer": 1, "delta": -1})
    Edit(what='neurons', name='', layer=1, delta=-1)
    >>> parse_edit({"what": "rm -rf"}) is None
    True
    """
    if not isinstance(payload, dict) or payload.get("what") not in ("feature", "layers", "neurons"):
        return None
    name, layer, delta = payload.get("name", ""), payload.get("layer", 0), payload.get("delta", 0)
    if not (isinstance(name, str) and isinstance(layer, int) and isinstance(delta, int) and delta in (-1, 0, 1)):
        return None
    return Edit(payload["what"], name, layer, delta)


def edited_settings(values: Mapping[str, Any], edit: Edit) -> dict[str, Any]:
    """The settings after a click on the diagram (only the keys it changes); a sentence for a click past a limit.

    A new layer copies the last one's width (or 4, TensorFlow Playground's choice for a first layer).

    >>> edited_settings({"pg_hidden": "4", "pg_features": ["x1", "x2"]}, Edit("layers", delta=1))
    {'pg_hidden': '4, 4'}
    >>> edited_settings({"pg_hidden": "4, 2", "pg_features": ["x1"]}, Edit("neurons", layer=2, delta=1))
    {'pg_hidden': '4, 3'}
    >>> edited_settings({"pg_hidden": "4", "pg_features": ["x1", "x2"]}, Edit("feature", name="x1x2"))
    {'pg_features': ['x1', 'x2', 'x1x2']}
    """
    if edit.what == "feature":
        if edit.name not in FEATURES:
            raise InputError(f"There is no feature {echo(edit.name)}.")
        features = list(values.get("pg_features", []))
        if edit.name in features:
            if len(features) == 1:
                raise InputError("Keep at least one input feature switched on: the network needs something to look at.")
            features.remove(edit.name)
        else:
            features.append(edit.name)
        return {"pg_features": [f for f in FEATURES if f in features]}
    try:
        hidden = list(parse_hidden_layers(str(values.get("pg_hidden", ""))))
    except InputError:
        raise InputError("Fix the hidden layers' text first: the + and − buttons change what it says.") from None
    if edit.what == "layers":
        if edit.delta > 0 and len(hidden) >= MAX_HIDDEN_LAYERS:
            raise InputError(f"The playground has at most {MAX_HIDDEN_LAYERS} hidden layers.")
        if edit.delta > 0:
            hidden.append(hidden[-1] if hidden else 4)
        elif edit.delta < 0 and hidden:
            hidden.pop()
    else:
        if not 1 <= edit.layer <= len(hidden):
            raise InputError(f"There is no hidden layer {edit.layer}.")
        units = hidden[edit.layer - 1] + edit.delta
        if not 1 <= units <= MAX_NEURONS:
            raise InputError(f"A hidden layer has 1 to {MAX_NEURONS} neurons"
                             + (": remove the layer with the layers' − instead." if units < 1 else "."))
        hidden[edit.layer - 1] = units
    return {"pg_hidden": format_hidden(tuple(hidden))}
