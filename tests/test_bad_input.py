"""Bad input, round 2 (issue 28): what a student typed or a link carried is shown as text, cut
short; every value a widget allows gives the page; a list longer than its field is said to be.

The payloads and the check of what a sentence renders to are the fuzz's (``tests/fuzz.py``), so
the sweep here and the fuzz over every page look for the same thing.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

import fuzz
from annviz import activation_plots, activations, answers, architecture, backprop, limitations, metrics, playground
from annviz import pretrained, surfaces
from annviz import limitations as lim
from annviz.errors import ECHO_CHARS, InputError, echo, error_markdown
from annviz.inputs import parse_vector
from annviz.training_config import TrainingConfig, config_from_settings, settings_of

ROOT = Path(__file__).resolve().parents[1]
LIMITATIONS = str(ROOT / "pages" / "p9_limitations.py")


def _calculator(**sizes: int) -> AppTest:
    at = AppTest.from_file(LIMITATIONS, default_timeout=120)
    at.query_params["lim_tab"] = "Parameter explosion"
    at.run()
    for name, value in sizes.items():
        at.number_input(key=f"lim_{name}").set_value(value)
    return at.run() if sizes else at


def _bounds() -> dict[str, tuple[int, int]]:
    """Each calculator widget's bounds, as the page draws them."""
    at = _calculator()
    return {field.name: (int(at.number_input(key=f"lim_{field.name}").min),
                         int(at.number_input(key=f"lim_{field.name}").max)) for field in lim.CALCULATOR_FIELDS}


def test_every_widget_of_the_parameter_calculator_at_its_bounds_gives_the_page() -> None:
    bounds = _bounds()
    assert set(bounds) == {field.name for field in lim.CALCULATOR_FIELDS}
    cases = [{name: bound[end]} for name, bound in bounds.items() for end in (0, 1)]
    cases += [{name: bound[end] for name, bound in bounds.items()} for end in (0, 1)]  # all at min, all at max
    cases += [{"height": bounds["height"][1], "width": bounds["width"][1]}]  # the case
    at = _calculator()
    defaults = {field.name: field.default for field in lim.CALCULATOR_FIELDS}
    for sizes in cases:  # one page, every field set for each case: a student moving the widgets
        for name, value in {**defaults, **sizes}.items():
            at.number_input(key=f"lim_{name}").set_value(value)
        at.run()
        assert not at.exception, (sizes, at.exception)
        assert [c for c in at.get("plotly_chart") if c.proto.id and "lim_params" in c.proto.id], sizes
        # The only sentence a valid value may bring is about the student's own combination: a
        # kernel larger than the image (the page's arithmetic is never the student's fault).
        assert all("kernel does not fit" in e.value for e in at.error), (sizes, [e.value for e in at.error])
        assert len(at.metric) == 4, sizes


# ------------------------------------------------------------------ a student's text is text


def _training_form(setting: str, payload: str) -> object:
    values = settings_of(TrainingConfig())
    values[setting] = [payload] if setting == "metrics" else payload
    return config_from_settings(values)


#: Every parser that reads what a student types or a link carries, by what it reads.
TEXT_PARSERS: dict[str, Callable[[str], object]] = {
    "a vector of numbers (neuron, layers, metrics)": lambda text: parse_vector(text, name="the inputs"),
    "binary labels (metrics)": lambda text: metrics.parse_binary_labels(text, name="y_true"),
    "hidden layers (Keras workflow, MNIST)": architecture.parse_hidden_layers,
    "layer sizes (layers)": architecture.parse_layer_sizes,
    "an activation of a dense layer": lambda text: architecture.DenseSpec(4, text),
    "a task": lambda text: architecture.ModelSpec(4, task=text),
    "a variable name in the Keras code": lambda text: architecture.keras_model_code(architecture.ModelSpec(4), var=text),
    "an activation (activations)": lambda text: activations.activate(text, [0.0]),
    "an activation (figure)": lambda text: activation_plots.activation_figure([text]),
    "an answer number (exercises)": answers.parse_number,
    "an answer shape (exercises)": answers.parse_shape,
    "hidden layers (playground)": playground.parse_hidden_layers,
    "a dataset (playground)": lambda text: playground.make_points(text, points=100, noise=0, seed=0),
    "an activation (playground)": lambda text: playground.make_network(2, (2,), text, "classification"),
    "a regularization (playground)": lambda text: playground.make_regularization(text, 0.1),
    "a CSV header (playground)": lambda text: playground.parse_points_csv(f"{text}\n1,2,0\n".encode()),
    "a CSV cell (playground)": lambda text: playground.parse_points_csv(f"x1,x2,label\n1,{text},0\n".encode()),
    "an example (backprop)": lambda text: backprop.backprop_steps(text, target=1.0, learning_rate=0.1),
    "a surface (optimizers)": surfaces.get_surface,
    "a shipped model": lambda text: pretrained.model_inputs(text, np.zeros((1, 28, 28))),
    "a shift in pixels (limitations)": lambda text: limitations.shift_image(np.zeros((28, 28)), text, 0),
    "a calculator size (limitations)": lambda text: limitations.first_dense_layer_params(text, 1, 1, 1),
    **{f"the training form's {name}": partial(_training_form, name)
       for name in ("layers", "optimizer", "learning_rate", "loss", "metrics", "epochs")},
}


@pytest.mark.parametrize("payload", fuzz.MARKUP_PAYLOADS, ids=range(len(fuzz.MARKUP_PAYLOADS)))
def test_no_parser_echoes_markdown_or_html_live_or_long(payload: str) -> None:
    """Each parser refuses each payload with a sentence; shown as the pages show it, that sentence
    renders no link, image or HTML of the payload, and quotes at most a short piece of it."""
    for what, parse in TEXT_PARSERS.items():
        with pytest.raises(InputError) as raised:
            parse(payload)
        sentence = str(raised.value)
        shown = error_markdown(sentence)
        assert fuzz.live_markup(shown) == [], (what, shown)
        assert fuzz.LONG_ECHO not in shown and len(sentence) < 400, (what, sentence)
        # Before the page's escaping, too: the sentence itself quotes the payload as a code span.
        assert fuzz.live_markup(sentence) == [], (what, sentence)


def test_echo_is_short_one_line_and_never_leaves_its_code_span() -> None:
    for text in [*fuzz.MARKUP_PAYLOADS, "`", "``x``", "a\nb\u202ec", "x" * 10_000, " ` "]:
        quoted = echo(text)
        assert "\n" not in quoted and "\u202e" not in quoted
        tokens = MarkdownIt("commonmark").parseInline(quoted)[0].children
        assert [t.type for t in tokens] == ["code_inline"], (text, quoted)
        assert len(tokens[0].content) <= ECHO_CHARS


def test_the_page_shows_any_sentence_as_text_even_one_that_forgot_echo() -> None:
    for payload in fuzz.MARKUP_PAYLOADS:
        for sentence in (f"Unknown activation '{payload}'.", f"{payload} is not a number.", f"`{payload}`"):
            assert fuzz.live_markup(error_markdown(sentence)) == [], sentence
    assert error_markdown("The learning rate must be positive, e.g. 0.01 (see `keras.optimizers`).") == (
        "The learning rate must be positive, e.g. 0.01 (see `keras.optimizers`).")


# ------------------------------------------------------------------ a list longer than its field

#: The pages whose text fields have a character limit, by the field's key.
LIMITED_FIELDS = {"workflow_layers": ("p6_keras_workflow.py", {}),
                  "mnist_layers": ("p7_mnist.py", {"mnist_tab": "Train and test"})}


def test_every_field_with_a_character_limit_is_listed_here() -> None:
    users = sorted(path.name for path in (ROOT / "pages").glob("*.py") if "max_chars" in path.read_text())
    assert users == ["_training_form.py"], users  # a new limited field: add it to LIMITED_FIELDS


@pytest.mark.parametrize("key", LIMITED_FIELDS)
def test_a_list_longer_than_its_field_is_said_to_be_too_long_not_cut_mid_word(key: str) -> None:
    too_long = ", ".join(["64 sigmoid"] * 60)  # 718 characters; cut anywhere, it ends mid-word
    for how in ("typed", "link"):
        script, query = LIMITED_FIELDS[key]
        at = AppTest.from_file(str(ROOT / "pages" / script), default_timeout=120)
        for name, value in query.items():
            at.query_params[name] = value
        if how == "link":
            at.query_params[key] = too_long
        at.run()
        if how == "typed":
            at.text_input(key=key).set_value(too_long).run()
        errors = [e.value for e in at.error]
        assert len(errors) == 1 and f"longer than {architecture.MAX_HIDDEN_LAYERS_CHARS} characters" in errors[0], (how, errors)
        limit = at.text_input(key=key).proto.max_chars
        assert limit > architecture.MAX_HIDDEN_LAYERS_CHARS, (key, limit)  # the parser sees text past its limit
        assert not at.exception
    # A list within the limit is read whole: all its 41 layers are counted, none cut off.
    within = too_long[: too_long.rfind(",", 0, architecture.MAX_HIDDEN_LAYERS_CHARS)]
    at.text_input(key=key).set_value(within).run()
    assert [e.value for e in at.error] == [f"41 hidden layers is too many: use at most {architecture.MAX_HIDDEN_LAYERS}."]
