"""The states a lecturer shows, page by page and in order: lecture mode's prepared steps.

One table, :data:`LECTURE_STEPS`, keyed by a page's address (its ``url_path``): each step has a
title, the one sentence a lecturer says over it, and the widget values it sets (by the widgets'
keys, as the URL names them). A step is also a link, ``/<page>?lecture=1&step=<k>``
(``annviz.lecture_links.step_link``), so a lecturer can paste the sequence into slides; the Overview lists them
all. ``tests/test_lecture_steps.py`` renders every step and checks that it sets what it names,
and the sentences' numbers against annviz's own functions.

:data:`SECONDARY` names, per page, the controls lecture mode hides (besides every expander), so
the demo and its key controls fit a 1280×720 projector; ``?hide=`` hides any others by key.

>>> [step.title for step in LECTURE_STEPS["neuron"]]
["The lecture's neuron", 'The same z through a sigmoid', 'A bias that switches it off']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from annviz.architecture import PRESETS, format_hidden_layers
from annviz.limitations import LECTURE_SHIFT
from annviz.optimizers import OPTIMIZERS
from annviz.playground_settings import PRESETS as PLAYGROUND_PRESETS
from annviz.playground_settings import preset_settings
from annviz.race_settings import RACE_SETTINGS


@dataclass(frozen=True)
class LectureStep:
    """One prepared state of a page: what it is, what the lecturer says, and the widgets it sets."""

    title: str
    sentence: str
    settings: dict[str, Any] = field(default_factory=dict)
    #: Sections this step does not need, hidden (by key) so the one it shows fits the screen.
    hide: tuple[str, ...] = ()
    #: The key of the element that shows what the sentence names (its number or its figure): on a
    #: 1280×720 screen without scrolling (``tests/test_browser_lecture.py`` finds it by this key).
    headline: str = ""
    #: The keys of the controls the lecturer uses in this step, on screen with the headline.
    controls: tuple[str, ...] = ()


def _playground(preset: str) -> LectureStep:
    """A step that loads one of the playground's presets, saying its lesson (measured by its tests)."""
    chosen = PLAYGROUND_PRESETS[preset]
    return LectureStep(chosen.label, chosen.lesson, {"pg_preset": preset, **preset_settings(preset)},
                       headline="pg_view_frame", controls=("pg_play", "pg_step", "pg_reset"))


def _builder(preset: str) -> dict[str, Any]:
    """The network builder's widgets for one of :data:`annviz.architecture.PRESETS`."""
    spec = PRESETS[preset].spec
    return {"layers_input": spec.input_size, "layers_hidden": format_hidden_layers(spec.hidden),
            "layers_task": spec.task, "layers_classes": spec.n_classes}


def _racers(same: float | None = None) -> dict[str, Any]:
    """The racers' own η boxes: the opening race's rates, or ``same`` in every box (a step that
    races with one η for all then shows no rate nobody races with)."""
    return {key: setting.default if same is None else same
            for key, setting in RACE_SETTINGS.items() if setting.group in OPTIMIZERS and key.endswith("_learning_rate")}


_NEURON = {"neuron_x": "2, -1, 3", "neuron_w": "0.5, -0.6, 0.8"}
_NEURON_VIEW: dict[str, Any] = {"headline": "neuron_drawing", "controls": ("neuron_b", "neuron_activation")}
_LAYERS_CONTROLS = ("layers_input", "layers_hidden", "layers_task", "layers_classes")
_RACE_CONTROLS = ("opt_surface", "opt_sgd_on", "opt_adam_on", "opt_sgd_learning_rate", "opt_adam_learning_rate")


LECTURE_STEPS: dict[str, tuple[LectureStep, ...]] = {
    "ann": (
        LectureStep("From biology to maths", "A neuron weighs its inputs and fires above a threshold; "
                    "the artificial one computes z = w·x + b and an activation.", {"ann_layers": "3-4-1"},
                    headline="ann_analogy"),
        LectureStep("The 3-4-1 network", "Three inputs, four hidden neurons, one output: 16 weights and 5 biases, "
                    "21 parameters.", {"ann_layers": "3-4-1"}, hide=("ann_analogy",),
                    headline="ann_params", controls=("ann_layers", "ann_network")),
        LectureStep("The MNIST MLP", "784 pixels in, 128 and 64 hidden neurons, 10 classes out: 109,386 parameters.",
                    {"ann_layers": "784-128-64-10"}, hide=("ann_analogy",),
                    headline="ann_params", controls=("ann_layers", "ann_network")),
    ),
    "neuron": (
        LectureStep("The lecture's neuron", "z = w·x + b = 4.2, and ReLU passes it on: a = 4.2.",
                    {**_NEURON, "neuron_b": 0.2, "neuron_activation": "relu"}, **_NEURON_VIEW),
        LectureStep("The same z through a sigmoid", "The sum is still 4.2; the sigmoid squashes it to 0.985.",
                    {**_NEURON, "neuron_b": 0.2, "neuron_activation": "sigmoid"}, **_NEURON_VIEW),
        LectureStep("A bias that switches it off", "With b = −5 the sum is −1, and ReLU outputs 0.",
                    {**_NEURON, "neuron_b": -5.0, "neuron_activation": "relu"}, **_NEURON_VIEW),
    ),
    "layers": (
        LectureStep("Dense(4) on 5 inputs", "5 × 4 weights plus 4 biases: 24 parameters.",
                    _builder("Dense(4) on 5 inputs (24)"), headline="layers_total", controls=_LAYERS_CONTROLS),
        LectureStep("The MNIST MLP", "784 × 128 + 128, 128 × 64 + 64, 64 × 10 + 10: 109,386 parameters.",
                    _builder("MNIST MLP 784-128-64-10 (109,386)"), headline="layers_total", controls=_LAYERS_CONTROLS),
        LectureStep("One layer on a 100×100×3 image", "Dense(512) on 30,000 inputs has 15,360,512 parameters "
                    "in its first layer alone.", _builder("100×100×3 image → 512 (15,360,512)"),
                    headline="layers_first", controls=_LAYERS_CONTROLS),
    ),
    "activations": (
        LectureStep("Sigmoid, tanh and ReLU", "Three shapes and their derivatives: sigmoid and tanh flatten out, "
                    "ReLU does not for z > 0.", {"act_shown": ["sigmoid", "tanh", "relu"]},
                    headline="act_curves", controls=("act_shown",)),
        LectureStep("Softmax and its temperature", "At T = 1 the logits 2, 1, 0.1 become 0.66, 0.24, 0.10; "
                    "a higher T flattens them.", {"act_logits": "2, 1, 0.1", "act_temperature": 1.0},
                    hide=("act_functions",), headline="act_softmax", controls=("act_logits", "act_temperature")),
        LectureStep("Why non-linearity", "Two stacked linear layers are one linear layer; a non-linear "
                    "activation between them (ReLU) bends the line.", {"act_stack_between": "relu"},
                    hide=("act_functions", "act_softmax_section", "act_lecture_table"),
                    headline="act_stack", controls=("act_stack_between",)),
    ),
    "playground": tuple(_playground(preset) for preset in (
        "lecture_341", "linear_circle", "relu_circle", "xor_no_hidden", "xor_one_hidden", "spiral_deep", "overfitting",
    )),
    "optimizers": (
        LectureStep("The ravine", "Four optimizers race down a narrow valley from the same start; the "
                    "leaderboard counts each one's steps.",
                    {"opt_surface": "ravine", "opt_same_lr": False, "opt_noise": 0.0, **_racers()},
                    headline="opt_race_chart", controls=_RACE_CONTROLS),
        LectureStep("The ravine with η = 0.1 for all", "One learning rate for every racer: SGD's step is η·g, "
                    "Adam's about η whatever the slope.",
                    {"opt_surface": "ravine", "opt_same_lr": True, "opt_lr_all": 0.1, "opt_noise": 0.0, **_racers(0.1)},
                    headline="opt_race_chart", controls=_RACE_CONTROLS),
        LectureStep("A saddle point", "The gradient is zero at a saddle point: which racers escape it, and how fast?",
                    {"opt_surface": "saddle", "opt_same_lr": False, "opt_noise": 0.0, **_racers()},
                    headline="opt_race_chart", controls=_RACE_CONTROLS),
        LectureStep("Mini-batch noise", "The ravine again with noisy gradients (σ = 2), as mini-batches give them.",
                    {"opt_surface": "ravine", "opt_same_lr": False, "opt_noise": 2.0, **_racers()},
                    headline="opt_race_chart", controls=_RACE_CONTROLS),
    ),
    "keras-workflow": (
        LectureStep("The lecture's program", "Define, compile with Adam and sparse categorical cross-entropy, fit "
                    "10 epochs in batches of 64 with a tenth kept for validation, evaluate.",
                    {"workflow_optimizer": "adam", "workflow_learning_rate": 0.001, "workflow_epochs": 10,
                     "workflow_batch_size": 64},
                    headline="workflow_step_2", controls=("workflow_optimizer", "workflow_learning_rate")),
        LectureStep("Plain SGD instead of Adam", "Only the compile step changes: "
                    "keras.optimizers.SGD(learning_rate=0.01).",
                    {"workflow_optimizer": "sgd", "workflow_learning_rate": 0.01, "workflow_epochs": 10,
                     "workflow_batch_size": 64},
                    headline="workflow_step_2", controls=("workflow_optimizer", "workflow_learning_rate")),
    ),
    "mnist": (
        LectureStep("The data", "60,000 training and 10,000 test digits of 28×28 pixels, flattened to 784 "
                    "values and divided by 255.", {"mnist_tab": "Explore the data"},
                    headline="mnist_counts", controls=("mnist_grid",)),
        LectureStep("Train with the lecture's settings", "Press Start: Adam, batches of 64, 10 epochs, "
                    "a tenth of the training set kept for validation.", {"mnist_tab": "Train and test"},
                    hide=("mnist_preset", "mnist_split", "mnist_seed"),
                    headline="mnist_start", controls=("mnist_optimizer", "mnist_batch_size", "mnist_epochs")),
    ),
    "draw": (
        LectureStep("Draw a digit", "Your drawing is cropped, centred and scaled to 28×28 the MNIST way "
                    "before the model reads it.", {"draw_source": "Draw"},
                    headline="draw_canvas", controls=("draw_source",)),
    ),
    "metrics": (
        LectureStep("The worked example", "y_true = [1,0,1,1,0,1,0], y_pred = [1,0,0,1,0,1,1]: accuracy 5/7, "
                    "precision, recall and F1 0.75.", {"metrics_tab": "Worked example"},
                    headline="metrics_scores", controls=("metrics_y_true", "metrics_y_pred")),
        LectureStep("Ten classes", "The shipped MLP's confusion matrix on the 10,000 test images: click a cell "
                    "to see its mistakes.", {"metrics_tab": "Ten classes"},
                    headline="metrics_cm_click", controls=("metrics_cell_true", "metrics_cell_pred")),
        LectureStep("Imbalance and the threshold", "\"Is it a 7?\": about a tenth of the test digits are 7s; "
                    "move the threshold and watch precision and recall trade.", {"metrics_tab": "Imbalance and threshold"},
                    headline="metrics_threshold_scores", controls=("metrics_threshold",)),
    ),
    "limitations": (
        LectureStep("The 7 shifted by 5 pixels", "The same digit 5 px to the right lights up other neurons, "
                    "and the MLP's answer changes.",
                    {"lim_tab": "The shifted 7", "lim_dx": LECTURE_SHIFT[0], "lim_dy": LECTURE_SHIFT[1]},
                    headline="lim_probabilities", controls=("lim_dx", "lim_dy", "lim_digits")),
        LectureStep("Shuffled pixels", "One fixed permutation of the 784 pixels: unreadable to us, "
                    "the MLP does not care.", {"lim_tab": "Pixel shuffling"},
                    headline="lim_shuffle_digits"),
        LectureStep("Parameter explosion", "A 100×100×3 image into 512 neurons: 15,360,512 parameters.",
                    {"lim_tab": "Parameter explosion"}, headline="lim_dense_total"),
        LectureStep("A first look at CNNs", "A small CNN's parameters and its accuracy against shift distance, "
                    "beside the MLP's.",
                    {"lim_tab": "A first look at CNNs"}, headline="lim_cnn_curve"),
    ),
}

#: Controls lecture mode hides on each page (besides every expander), by widget key.
SECONDARY: dict[str, tuple[str, ...]] = {
    "neuron": ("neuron_seed",),
    "layers": ("layers_preset",),  # the steps set the builder's fields themselves
    "optimizers": ("opt_steps", "opt_eps"),
    "activations": ("act_range",),
    "metrics": ("metrics_how_to", "metrics_counts"),  # the matrix shows the four counts
}
