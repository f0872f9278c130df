"""The playground page run by Streamlit's AppTest: every preset from a link and from the picker, play / one epoch /
reset, a learning rate that diverges, bad CSVs and limits as sentences, the backpropagation numbers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import fuzz
from annviz.playground import PRESETS

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "p4b_playground.py")
EPOCH = re.compile(r"Trained to epoch \*\*(\d+)\*\*")


def opened(**query: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def epoch(at: AppTest) -> int:
    found = [int(EPOCH.search(m.value).group(1)) for m in at.markdown if EPOCH.search(m.value)]
    assert len(found) == 1, [m.value for m in at.markdown]
    return found[0]


def clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert fuzz.problems(at) == []


def test_the_page_opens_on_the_lectures_3_4_1_network() -> None:
    at = opened()
    clean(at)
    assert not at.error
    assert epoch(at) == 0
    assert any("21 parameters" in m.value for m in at.markdown)
    assert any("Orange is class 0" in c.value for c in at.caption)
    assert at.selectbox(key="pg_preset").value == "lecture_341"
    assert [at.checkbox(key=f"pg_f_{f}").value for f in ("x1", "x2", "x1x2", "x1_sq")] == [True, True, True, False]
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
    assert tuple(f for f in ("x1", "x2", "x1_sq", "x2_sq", "x1x2", "sin_x1", "sin_x2")
                 if at.checkbox(key=f"pg_f_{f}").value) == preset.features
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
