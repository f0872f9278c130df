"""The playground page run by Streamlit's AppTest: every preset from a link and from the picker, play / one epoch /
reset, a learning rate that diverges, bad CSVs and limits as sentences, a preset's lesson only while its settings
are on, an uploaded CSV kept across pages, the backpropagation numbers.

What the browser is sent is read from the view's data (the component's JSON): its frames' epochs are the one epoch
counter the page shows."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import fuzz
from annviz.playground_settings import PRESETS

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "p4b_playground.py")


def opened(**query: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def view(at: AppTest) -> dict:
    """The data this run sent to the playground's view."""
    found = [element.proto for element in at.get("bidi_component") if element.proto.component_name == "annviz.playground_view"]
    assert len(found) == 1, "the page shows no playground view"
    return json.loads(found[0].json)


def epoch(at: AppTest) -> int:
    """The epoch the view ends on (its last frame): the only epoch counter on the page."""
    assert not any("epoch" in m.value.lower() for m in at.markdown if "Trained to" in m.value)
    return view(at)["frames"][-1]["epoch"]


def clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert fuzz.problems(at) == []


def test_the_page_opens_on_the_lectures_3_4_1_network() -> None:
    at = opened()
    clean(at)
    assert not at.error
    assert epoch(at) == 0
    data = view(at)
    assert data["params"] == 21 and data["sizes"] == [3, 4, 1] and data["activation"] == "ReLU"
    assert [f["on"] for f in data["features"]] == [True, True, False, False, True, False, False]
    assert any("Orange is class 0" in c.value for c in at.caption)
    assert at.selectbox(key="pg_preset").value == "lecture_341"
    assert at.multiselect(key="pg_features").value == ["x1", "x2", "x1x2"]
    charts = [chart.proto.id for chart in at.get("plotly_chart")]
    assert any("pg_vg_chart" in c for c in charts)


@pytest.mark.parametrize("key", list(PRESETS))
def test_a_link_naming_a_preset_opens_its_settings_and_trains(key: str) -> None:
    preset = PRESETS[key]
    at = opened(pg_preset=preset.label)  # a selection's link value is its label, as on every page
    clean(at)
    assert at.selectbox(key="pg_dataset").value == preset.dataset
    assert at.text_input(key="pg_hidden").value == ", ".join(map(str, preset.hidden))
    assert at.selectbox(key="pg_activation").value == preset.activation
    assert at.number_input(key="pg_lr").value == preset.learning_rate
    assert tuple(at.multiselect(key="pg_features").value) == preset.features
    assert [c.value for c in at.caption if c.value == preset.lesson]
    at.button(key="pg_step").click().run()
    clean(at)
    assert epoch(at) == 1


def test_the_picker_sets_every_setting_of_a_preset() -> None:
    at = opened()
    at.selectbox(key="pg_preset").set_value("overfitting").run()
    clean(at)
    assert at.slider(key="pg_points").value == 40 and at.slider(key="pg_noise").value == 50
    assert at.text_input(key="pg_hidden").value == "8, 8, 8, 8, 8, 8"


def test_play_trains_a_chunk_and_pause_stops() -> None:
    at = opened()
    at.button(key="pg_play").click().run()
    clean(at)
    assert epoch(at) == 25  # one chunk: 25 epochs of 15 steps (150 points, batch 10)
    assert at.button(key="pg_play").label == "Pause"
    at.button(key="pg_play").click().run()
    assert at.button(key="pg_play").label == "Play"
    stopped = epoch(at)
    at.run()
    assert epoch(at) == stopped


def test_a_new_learning_rate_goes_on_and_reset_starts_again() -> None:
    at = opened()
    for _ in range(3):
        at.button(key="pg_step").click().run()
    assert epoch(at) == 3
    at.number_input(key="pg_lr").set_value(0.1).run()
    clean(at)
    assert epoch(at) == 3
    at.selectbox(key="pg_optimizer").set_value("rmsprop").run()
    assert epoch(at) == 3
    at.button(key="pg_reset").click().run()
    assert epoch(at) == 0
    at.button(key="pg_step").click().run()
    at.text_input(key="pg_hidden").set_value("3").run()  # another network starts afresh
    clean(at)
    assert epoch(at) == 0


def test_a_learning_rate_that_diverges_stops_with_a_sentence_and_no_nan() -> None:
    at = opened(pg_dataset="Gaussian bumps (regression)", pg_optimizer="SGD", pg_lr="1000", pg_hidden="8, 8",
                pg_activation="ReLU")
    at.button(key="pg_play").click().run()
    clean(at)
    errors = [e.value for e in at.error]
    assert errors and re.match(r"Training diverged at epoch \d+", errors[0]), errors
    assert at.button(key="pg_play").label == "Play" and at.button(key="pg_play").disabled


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"a,b\n1,2\n", "header x1,x2,label"),
        (b"x1,x2,label\n1,2,0\n2,1,1\n3,3,nan\n4,4,1\n", "NaN or infinity"),
        (b"x1,x2,label\n1,2,1\n2,1,1\n3,3,1\n4,4,1\n", "at least two classes"),
        (b"x1,x2,label\n1,2,0\n2,1,1\n3,x,0\n4,4,1\n", "`x` is not a number"),
        (b"x1,x2,label\n" + b"1,2,0\n2,1,1\n" * 20_000, "upload at most"),
    ],
)
def test_a_bad_csv_is_a_sentence_and_the_settings_stay(data: bytes, words: str) -> None:
    at = opened()
    at.text_input(key="pg_hidden").set_value("5").run()
    at.file_uploader(key="pg_csv").set_value(("points.csv", data, "text/csv")).run()
    clean(at)
    assert [e.value for e in at.error] and words in at.error[0].value
    assert at.text_input(key="pg_hidden").value == "5"


def test_an_uploaded_csv_is_trained_on_and_a_split_with_no_test_point_is_a_sentence() -> None:
    rows = "".join(f"{i % 7 - 3},{i % 5 - 2},{i % 3}\n" for i in range(60))
    at = opened()
    at.file_uploader(key="pg_csv").set_value(("three.csv", ("x1,x2,label\n" + rows).encode(), "text/csv")).run()
    clean(at)
    assert not at.error
    at.button(key="pg_step").click().run()
    assert epoch(at) == 1
    small = "x1,x2,label\n0,0,0\n1,1,1\n2,0,0\n0,2,1\n"
    at.file_uploader(key="pg_csv").set_value(("small.csv", small.encode(), "text/csv")).run()
    at.slider(key="pg_train").set_value(90).run()
    clean(at)
    assert "leaves no test points" in at.error[0].value


def test_limits_of_the_network_are_sentences() -> None:
    at = opened()
    for text, words in (("1, 1, 1, 1, 1, 1, 1", "at most 6 hidden layers"), ("4, 12", "1 to 8 neurons")):
        at.text_input(key="pg_hidden").set_value(text).run()
        clean(at)
        assert words in at.error[0].value
    at.text_input(key="pg_hidden").set_value("").run()  # no hidden layer at all is fine
    clean(at)
    assert not at.error


def test_backpropagation_shows_the_neurons_numbers() -> None:
    at = opened()
    neurons = next(frame for frame in at.dataframe if "δ = ∂L/∂z" in frame.value.columns).value
    assert neurons["δ = ∂L/∂z"].round(6).tolist() == [2.4]
    assert any("L = 1.440000** before the step, **0.705600** after" in m.value for m in at.markdown)
    at.selectbox(key="pg_bp_example").set_value("net_221").run()
    clean(at)
    edges = next(frame for frame in at.dataframe if "∂L/∂w" in frame.value.columns).value
    assert len(edges) == 9  # 2·2 + 2 biases + 2·1 + 1 bias


def test_lecture_mode_draws_the_player_in_the_projector_font() -> None:
    at = opened(lecture="1")
    clean(at)
    assert not at.error
    assert epoch(at) == 0
    assert view(at)["font"] == 16 and view(opened())["font"] < 16


def test_a_presets_lesson_shows_only_while_its_settings_are_on_screen() -> None:
    """Issue 26.6: the circle demo's sentence goes once the dataset is the spiral, and Restore brings both back."""
    at = opened()
    lesson = PRESETS["lecture_341"].lesson
    assert lesson in [c.value for c in at.caption]
    at.selectbox(key="pg_dataset").set_value("spiral").run()
    clean(at)
    captions = [c.value for c in at.caption]
    assert lesson not in captions and not any("learning the circle" in c for c in captions), captions
    assert any("Dataset: Spiral, not Circle" in c for c in captions), captions
    at.button(key="pg_restore").click().run()
    clean(at)
    assert at.selectbox(key="pg_dataset").value == "circle" and lesson in [c.value for c in at.caption]


def test_a_links_text_is_named_never_echoed_into_the_lessons_line() -> None:
    """The line that says what changed is markdown: a typed or linked value must not become a link or an image."""
    at = opened(pg_hidden="![x](https://example.org/pixel.png)")
    clean(at)
    texts = [c.value for c in at.caption] + [m.value for m in at.markdown]
    assert not any("example.org" in text for text in texts), texts
    assert any("text that is not a list of layers" in c.value for c in at.caption)
    linked = opened(pg_hidden="[login](https://example.org)")  # the error quotes it as code, cut to 24 characters
    assert [e.value for e in linked.error] == [
        "`[login](https://example…` is not a number of neurons: type whole numbers from 1 to 8, e.g. 4, 2."]


def test_the_settings_the_diagram_writes_build_the_network_it_draws() -> None:
    """What the view's + / − and feature tiles send, applied by the page's callback (the browser test clicks them)."""
    at = opened()
    at.session_state["pg_hidden"] = "4, 4"  # what the layers' + writes (annviz.playground_settings.edited_settings)
    at.session_state["pg_features"] = ["x1", "x2"]
    at.run()
    clean(at)
    assert view(at)["sizes"] == [2, 4, 4, 1] and view(at)["params"] == 12 + 20 + 5


def test_an_uploaded_csv_stays_for_the_session_across_pages() -> None:
    """Issue 28.6: a CSV uploaded on the playground is still trained on after a visit to another page."""
    rows = "".join(f"{i % 7 - 3},{i % 5 - 2},{i % 3}\n" for i in range(60))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    at.switch_page("pages/p4b_playground.py").run()
    at.file_uploader(key="pg_csv").set_value(("three.csv", ("x1,x2,label\n" + rows).encode(), "text/csv")).run()
    clean(at)
    assert view(at)["sizes"][-1] == 3 and len(view(at)["points"]) == 60
    at.switch_page("pages/p3_layers.py").run()
    at.switch_page("pages/p4b_playground.py").run()
    clean(at)
    assert view(at)["sizes"][-1] == 3 and len(view(at)["points"]) == 60, "the uploaded points are gone"
    assert any("three.csv" in c.value for c in at.caption)
