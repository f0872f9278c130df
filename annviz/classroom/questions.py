"""The class's questions: one table, at least one per lecture section, each answered by its demo.

Each :class:`Question` is asked on one prepared step of a page (``page``, ``step``: the keys of
``annviz.lecture_steps.LECTURE_STEPS``), offers a few choices, and carries its demo: the widget
values (by key, as the lecture steps set them) that the lecturer's "Run the demo" puts into the
page. The choice marked right is never typed beside the question: :func:`right_answer` runs the
same annviz function the page runs on those values (the race, the playground's engine, the
shipped MLP in NumPy, ...) and picks the choice the result falls in, with a sentence saying what
was measured. ``tests/test_classroom_questions.py`` recomputes each one and renders each demo.

>>> sorted({QUESTIONS[key].section for key in QUESTIONS})
[1, 2, 3, 4, 5, 6, 7, 8, 9]
>>> answer = right_answer(QUESTIONS["neuron-bias"])
>>> QUESTIONS["neuron-bias"].choices[answer.choice], answer.measured
('0', 'z = 4 − 5 = −1, and ReLU(−1) = 0.')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from annviz.architecture import PRESETS as BUILDER_PRESETS
from annviz.architecture import count_model_params, format_hidden_layers, parse_layer_sizes, spec_from_sizes
from annviz.errors import InputError


@dataclass(frozen=True)
class Answer:
    """What the demo computed: the index of the choice it falls in, and one sentence with the number."""

    choice: int
    measured: str


@dataclass(frozen=True)
class Question:
    """A prediction the class votes on before the demo runs.

    ``outcome`` computes the :class:`Answer` from ``demo`` (the widget values the demo runs with)
    through the page's own annviz functions.
    """

    key: str
    section: int
    page: str
    step: int
    text: str
    choices: tuple[str, ...]
    demo: dict[str, Any]
    outcome: Callable[[dict[str, Any]], Answer] = field(repr=False, compare=False)


def _number(value: float) -> str:
    """A number as the lecture writes it: a true minus sign, no trailing zeros."""
    return f"{value:g}".replace("-", "−")


def _params_outcome(demo: dict[str, Any]) -> Answer:
    from annviz.architecture import count_dense_params

    sizes = parse_layer_sizes(demo["ann_layers"])
    total = count_model_params(spec_from_sizes(sizes))
    terms = " + ".join(f"{a}·{b} + {b}" for a, b in zip(sizes, sizes[1:]))
    assert total == sum(count_dense_params(a, b) for a, b in zip(sizes, sizes[1:]))
    return Answer(_choice_of(QUESTIONS["ann-params"], f"{total}"), f"{terms} = {total} parameters.")


def _neuron_outcome(demo: dict[str, Any]) -> Answer:
    from annviz.inputs import parse_vector
    from annviz.neuron import neuron_output

    x = parse_vector(demo["neuron_x"], name="x")
    w = parse_vector(demo["neuron_w"], name="w")
    result = neuron_output(x, w, demo["neuron_b"], demo["neuron_activation"])
    weighted = result.z - result.b
    return Answer(
        _choice_of(QUESTIONS["neuron-bias"], _number(round(result.a, 6))),
        f"z = {_number(round(weighted, 6))} − {_number(-result.b)} = {_number(round(result.z, 6))}, "
        f"and ReLU({_number(round(result.z, 6))}) = {_number(round(result.a, 6))}.",
    )


def _magnitude_outcome(demo: dict[str, Any]) -> Answer:
    from annviz.architecture import ModelSpec, count_dense_params, parse_hidden_layers

    hidden = parse_hidden_layers(demo["layers_hidden"])
    spec = ModelSpec(int(demo["layers_input"]), hidden, demo["layers_task"], int(demo["layers_classes"]))
    first = count_dense_params(int(demo["layers_input"]), hidden[0].units)
    bands = (10**4, 10**6, 10**7, 10**8)  # about 15 thousand / 1.5 million / 15 million / 150 million
    choice = max(index for index, low in enumerate(bands) if first >= low)
    return Answer(choice, f"{int(demo['layers_input']):,} × {hidden[0].units} + {hidden[0].units} = {first:,} "
                  f"parameters in the first layer ({count_model_params(spec):,} in the whole network).")


def _playground_outcome(demo: dict[str, Any]) -> Answer:
    from annviz import playground as pg
    from annviz.optimizers import make_racer
    from annviz.playground_settings import PRESETS

    features = tuple(name for name in pg.FEATURES if name in demo["pg_features"])
    points = pg.make_points(demo["pg_dataset"], points=demo["pg_points"], noise=demo["pg_noise"], seed=demo["pg_seed"])
    setup = pg.make_setup(points, train_percent=demo["pg_train"], seed=demo["pg_seed"], features=features,
                          hidden=pg.parse_hidden_layers(demo["pg_hidden"]), activation=demo["pg_activation"])
    state = pg.start_training(setup.network, make_racer(demo["pg_optimizer"], learning_rate=demo["pg_lr"]), demo["pg_seed"])
    epochs = PRESETS[demo["pg_preset"]].epochs
    chunk = pg.train_chunk(setup.network, state, setup.train_xy, setup.test_xy, epochs=epochs,
                           batch_size=demo["pg_batch"], regularization=pg.make_regularization(demo["pg_reg"], demo["pg_rate"]))
    accuracy = pg.accuracy(setup.network, chunk.state.parameters, *setup.test_xy)
    choice = 0 if accuracy < 0.6 else (2 if accuracy >= 0.95 else 1)
    return Answer(choice, f"After {epochs} epochs with {demo['pg_activation']}, the test accuracy is {accuracy:.0%}.")


def _race_outcome(demo: dict[str, Any]) -> Answer:
    from annviz.optimizers import make_racer
    from annviz.race import OPENING_LEARNING_RATES, race, steps_to_reach
    from annviz.surfaces import SURFACES

    surface = SURFACES[demo["opt_surface"]]
    before, after = OPENING_LEARNING_RATES["sgd"], demo["opt_sgd_learning_rate"]
    result = race(surface, [make_racer("sgd", learning_rate=before), make_racer("sgd", learning_rate=after)],
                  surface.start, demo["opt_steps"], noise=demo["opt_noise"])
    slow, fast = result.paths
    if fast.diverged_at is not None:
        return Answer(2, f"SGD with η = {_number(after)} diverged at step {fast.diverged_at}.")
    steps = [steps_to_reach(surface, path, demo["opt_eps"]) for path in (slow, fast)]
    if steps[1] is not None and (steps[0] is None or steps[1] < steps[0]):
        return Answer(0, f"SGD with η = {_number(after)} arrives in {steps[1]} steps (η = {_number(before)}: {steps[0]}).")
    return Answer(1, f"SGD with η = {_number(after)} needs {steps[1] or 'more than ' + str(demo['opt_steps'])} steps "
                  f"(η = {_number(before)}: {steps[0]}).")


def _train_size_outcome(demo: dict[str, Any]) -> Answer:
    from annviz.training_config import TrainingConfig

    config = TrainingConfig(batch_size=demo["workflow_batch_size"], epochs=demo["workflow_epochs"])
    return Answer(_choice_of(QUESTIONS["workflow-split"], f"{config.train_size:,}"),
                  f"⌊{config.subset_size:,} × (1 − {config.validation_split:g})⌋ = {config.train_size:,} images "
                  f"to learn from; the last {config.validation_size:,} only check for overfitting.")


def _batches_outcome(demo: dict[str, Any]) -> Answer:
    from annviz.training_config import TrainingConfig

    config = TrainingConfig()
    return Answer(_choice_of(QUESTIONS["mnist-updates"], f"{config.batches_per_epoch:,}"),
                  f"⌈{config.train_size:,} / {config.batch_size}⌉ = {config.batches_per_epoch:,} weight updates per epoch.")


def _always_negative_outcome(demo: dict[str, Any]) -> Answer:
    from annviz import metrics
    from annviz.mnist import load_mnist

    _, (_, y_test) = load_mnist()
    y_binary = metrics.one_vs_rest(y_test, metrics.LECTURE_POSITIVE_DIGIT)
    report = metrics.binary_report(y_binary, metrics.always_negative(y_binary))
    bands = (0.0, 0.3, 0.7)  # about 10 % / about 50 % / about 90 %
    choice = max(index for index, low in enumerate(bands) if report["accuracy"] >= low)
    return Answer(choice, f"Accuracy {report['accuracy']:.1%} without finding a single 7 (recall {report['recall']:.0%}).")


def _shift_outcome(demo: dict[str, Any]) -> Answer:
    from annviz import limitations as lim
    from annviz.mnist import load_mnist
    from annviz.numpy_mlp import load_dense_layers, mlp_probabilities
    from annviz.pretrained import model_inputs

    _, (x_test, y_test) = load_mnist()
    index = lim.select_test_image(y_test, index=demo["lim_index"])
    shifted = lim.shift_image(x_test[index], demo["lim_dx"], demo["lim_dy"])
    probabilities = mlp_probabilities(load_dense_layers("mlp"), model_inputs("mlp", shifted[None]))[0]
    said, truth = int(probabilities.argmax()), int(y_test[index])
    return Answer(0 if said == truth else 1,
                  f"Shifted by ({demo['lim_dx']}, {demo['lim_dy']}) px, the MLP says {said} ({probabilities.max():.0%}).")


def _choice_of(question: Question, label: str) -> int:
    """The index of the choice whose label is ``label``: a result outside the choices is a bug, said so."""
    if label not in question.choices:
        raise InputError(f"The demo of '{question.key}' computed {label}, which is none of its choices {question.choices}.")
    return question.choices.index(label)


def _builder_values(preset: str) -> dict[str, Any]:
    spec = BUILDER_PRESETS[preset].spec
    return {"layers_input": spec.input_size, "layers_hidden": format_hidden_layers(spec.hidden),
            "layers_task": spec.task, "layers_classes": spec.n_classes}


def _playground_values(preset: str) -> dict[str, Any]:
    from annviz.playground_settings import preset_settings

    return {"pg_preset": preset, **preset_settings(preset)}


_QUESTIONS = (
    Question("ann-params", 1, "ann", 1, "The 3-4-1 network has 21 parameters. How many has a 2-3-1 network "
             "(weights and biases)?", ("6", "9", "13", "16"), {"ann_layers": "2-3-1"}, _params_outcome),
    Question("neuron-bias", 2, "neuron", 1, "Keep x and w, set the bias from 0.2 to −5: what does the ReLU neuron "
             "output?", ("4.2", "−0.8", "−1", "0"),
             {"neuron_x": "2, -1, 3", "neuron_w": "0.5, -0.6, 0.8", "neuron_b": -5.0, "neuron_activation": "relu"},
             _neuron_outcome),
    Question("layers-image", 3, "layers", 2, "Instead of 784 pixels, a 100×100 colour photo (×3 channels) goes into "
             "Dense(512): how many parameters has that first layer?",
             ("about 15 thousand", "about 1.5 million", "about 15 million", "about 150 million"),
             _builder_values("100×100×3 image → 512 (15,360,512)"), _magnitude_outcome),
    Question("playground-relu", 4, "playground", 2, "The same network with ReLU instead of the linear activation: "
             "its test accuracy on the circle?", ("still near chance (below 60 %)", "in between",
                                                 "solved (95 % or more)"),
             _playground_values("relu_circle"), _playground_outcome),
    Question("optimizers-sgd-x10", 5, "optimizers", 1, "SGD's learning rate × 10 (η = 3 instead of 0.3) on the "
             "ravine: does SGD reach the minimum…", ("faster", "slower", "never: it diverges"),
             {"opt_surface": "ravine", "opt_same_lr": False, "opt_noise": 0.0, "opt_sgd_on": True,
              "opt_sgd_learning_rate": 3.0, "opt_steps": 500, "opt_eps": 0.01}, _race_outcome),
    Question("workflow-split", 6, "keras-workflow", 1, "fit(..., validation_split=0.1) on MNIST's 60,000 training "
             "images: how many images does the model learn from?", ("60,000", "54,000", "6,000", "50,000"),
             {"workflow_optimizer": "adam", "workflow_learning_rate": 0.001, "workflow_epochs": 10,
              "workflow_batch_size": 64}, _train_size_outcome),
    Question("mnist-updates", 7, "mnist", 1, "Batches of 64, a tenth kept for validation: how many times are the "
             "weights updated in one epoch?", ("64", "844", "938", "54,000"), {"mnist_tab": "Train and test"},
             _batches_outcome),
    Question("metrics-always-no", 8, "metrics", 2, "\"Is it a 7?\" A model that always answers no: its accuracy on the "
             "10,000 test digits?", ("about 10 %", "about 50 %", "about 90 %"),
             {"metrics_tab": "Imbalance and threshold"}, _always_negative_outcome),
    Question("limitations-shift-2", 9, "limitations", 2, "Back to the lecture's 7 (test image 0): shifted 2 px to the "
             "right instead of 5, what does the MLP say?", ("still 7", "another digit"),
             {"lim_tab": "The shifted 7", "lim_pick": "index", "lim_index": 0, "lim_dx": 2, "lim_dy": 0},
             _shift_outcome),
)

#: Every question by its key, in the lecture's order.
QUESTIONS: dict[str, Question] = {question.key: question for question in _QUESTIONS}


def questions_on(page: str, step: int) -> list[Question]:
    """The questions asked on one step of one page (usually none or one).

    >>> [question.key for question in questions_on("optimizers", 1)]
    ['optimizers-sgd-x10']
    """
    return [question for question in _QUESTIONS if question.page == page and question.step == step]


def right_answer(question: Question) -> Answer:
    """What the demo computes, through the page's own annviz functions (seconds at most: the race,
    a playground training of 100 epochs, one forward pass of the shipped MLP)."""
    return question.outcome(dict(question.demo))

