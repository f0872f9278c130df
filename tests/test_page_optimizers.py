"""Section 5's page run by Streamlit's AppTest: the race, its settings, bad input, and TensorFlow kept out."""

from __future__ import annotations

import json
import subprocess
import os
import sys
import textwrap
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "p5_optimizers.py")


@pytest.fixture()
def app() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    return at


def board(at: AppTest) -> dict[str, dict]:
    """The leaderboard, racer name → row."""
    return {row["racer"]: row for row in at.dataframe[0].value.to_dict("records")}


def race_spec(at: AppTest) -> dict:
    charts = [element for element in at.get("plotly_chart") if "opt_race_chart" in element.proto.id]
    assert len(charts) == 1
    return json.loads(charts[0].proto.spec)


def test_default_race_renders(app: AppTest) -> None:
    assert not app.error and not app.warning
    rows = board(app)
    assert set(rows) == {"SGD", "SGD + momentum", "RMSprop", "Adam"}
    # The opening race (annviz.race.OPENING_LEARNING_RATES): all four arrive, momentum first.
    assert [(row["racer"], row["learning rate"], row["steps to ε"]) for row in at_order(app)] == [
        ("SGD + momentum", 0.1, "93"), ("Adam", 0.1, "118"), ("RMSprop", 0.05, "127"), ("SGD", 0.3, "201")]
    assert any(m.value.startswith("**A 2-D race is not a real loss.**") for m in app.markdown)
    spec = race_spec(app)
    assert len(spec["frames"]) == 26
    start = next(trace for trace in spec["data"] if trace.get("name") == "start")
    assert (start["x"], start["y"]) == ([-4.5], [1.0])
    assert len(app.get("plotly_chart")) == 2  # the map and the loss curves; no 3D until asked


def at_order(at: AppTest) -> list[dict]:
    return at.dataframe[0].value.to_dict("records")


def test_a_changed_learning_rate_changes_the_leaderboard(app: AppTest) -> None:
    assert board(app)["SGD"]["status"] == "arrived"
    app.number_input(key="opt_sgd_learning_rate").set_value(0.01).run()  # Keras's default: too slow here
    assert not app.exception and not app.error
    sgd = board(app)["SGD"]
    assert (sgd["learning rate"], sgd["steps to ε"], sgd["status"]) == (0.01, "—", "still going")
    assert at_order(app)[-1]["racer"] == "SGD"


def test_gradient_noise_makes_the_race_stochastic_and_the_keras_check_noiseless(app: AppTest) -> None:
    exact = race_spec(app)
    app.number_input(key="opt_noise").set_value(2.0).run()
    assert not app.exception and not app.error
    assert race_spec(app)["data"] != exact["data"]
    assert app.toggle(key="opt_keras").disabled
    app.number_input(key="opt_noise").set_value(-1.0).run()
    assert not app.exception


def test_same_learning_rate_for_all(app: AppTest) -> None:
    app.toggle(key="opt_same_lr").set_value(True).run()
    app.number_input(key="opt_lr_all").set_value(0.05).run()
    assert not app.exception
    rows = board(app)
    assert {row["learning rate"] for row in rows.values()} == {0.05}
    assert rows["Adam"]["status"] == "arrived"
    assert app.number_input(key="opt_adam_learning_rate").disabled


def test_switching_surface_uses_its_own_start_and_shows_divergence(app: AppTest) -> None:
    app.selectbox(key="opt_surface").set_value("rosenbrock").run()
    assert not app.exception
    assert app.number_input(key="opt_x_rosenbrock").value == -1.5
    rows = board(app)
    assert rows["SGD"]["status"] == "diverged at step 5"  # the opening η = 0.3 is far too large here
    assert at_order(app)[-1]["status"].startswith("diverged")


BAD_RACE_SETTINGS = [
    ("opt_steps", 0, 500, "A race of 0 steps shows nothing"),
    ("opt_x_ravine", 9.0, -4.5, "outside the window of Ravine"),
    ("opt_eps", 0.0, 0.01, "ε must be a positive number"),
]


def test_bad_race_settings_show_a_sentence_and_keep_the_page(app: AppTest) -> None:
    for key, value, default, message in BAD_RACE_SETTINGS:
        app.number_input(key=key).set_value(value).run()
        assert not app.exception
        assert len(app.error) == 1 and message in app.error[0].value, key
        assert app.number_input(key=key).value == value  # what the student typed is kept
        assert app.expander  # the update rules are still there
        app.number_input(key=key).set_value(default).run()
        assert not app.error and len(board(app)) == 4


BAD_LEARNING_RATES = [(0.0, "a learning rate of 0 never moves"), (-1.0, "climbs uphill"), (1e7, "outside")]


def test_a_bad_learning_rate_drops_only_that_racer(app: AppTest) -> None:
    for value, message in BAD_LEARNING_RATES:
        app.number_input(key="opt_adam_learning_rate").set_value(value).run()
        assert not app.exception
        assert len(app.error) == 1 and message in app.error[0].value
        assert set(board(app)) == {"SGD", "SGD + momentum", "RMSprop"}


def test_ten_million_steps_are_capped_with_a_message(app: AppTest) -> None:
    app.number_input(key="opt_steps").set_value(10**7).run()
    assert not app.exception and not app.error
    assert "capped at 5,000 steps" in app.warning[0].value
    assert json.loads(app.get("plotly_chart")[0].proto.spec)["frames"][-1]["name"] == "5000"


def test_no_racer_shows_a_hint_not_an_error(app: AppTest) -> None:
    for key in ("sgd", "momentum", "rmsprop", "adam"):
        app.checkbox(key=f"opt_{key}_on").set_value(False)
    app.run()
    assert not app.exception and not app.error
    assert "at least one racer" in app.info[0].value


def test_the_3d_view_appears_when_asked(app: AppTest) -> None:
    app.toggle(key="opt_3d").set_value(True).run()
    assert not app.exception
    assert len(app.get("plotly_chart")) == 3


def test_page_does_not_import_tensorflow() -> None:
    # A fresh interpreter: the rest of the suite imports TensorFlow in this one.
    code = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from streamlit.testing.v1 import AppTest
        at = AppTest.from_file({PAGE!r}, default_timeout=60).run()
        assert not at.exception, at.exception
        at.number_input(key="opt_sgd_learning_rate").set_value(0.3).run()
        print(sorted(m for m in ("tensorflow", "keras") if m in sys.modules))
        """
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines()[-1] == "[]"


def test_the_keras_toggle_races_with_keras_optimizers_and_draws_the_same_paths(app: AppTest) -> None:
    app.toggle(key="opt_keras").set_value(True).run()
    assert not app.exception and not app.error
    # The race ran in the Keras worker, a process of its own.
    from pages._serving import keras_worker

    assert keras_worker().pid() != os.getpid()
    assert app.success[0].value == "Drawn by `keras.optimizers`. Largest distance from the NumPy engine's points: 0."


def test_the_page_says_the_uncorrected_adam_step_is_too_large_with_its_numbers(app: AppTest) -> None:
    from annviz.optimizers import uncorrected_adam_step_ratio

    text = " ".join(m.value for m in app.markdown)
    assert "from being too small" not in text and "too **large**, not too small" in text
    assert f"{uncorrected_adam_step_ratio(1):.2f}× Keras's corrected step at t = 1" in text
    assert f"still {uncorrected_adam_step_ratio(1000):.2f}× at t = 1000" in text


def test_the_slides_adam_races_beside_keras_adam(app: AppTest) -> None:
    assert not app.checkbox(key="opt_adam_slide_on").value  # off at first: the opening race is Keras's four
    app.checkbox(key="opt_adam_slide_on").check().run()
    assert not app.exception and not app.error
    rows = board(app)
    assert {"Adam", "Adam as on the slide"} <= set(rows)
    visible = next(m.value for m in app.markdown if m.value.startswith("**Adam's bias correction.**"))
    assert "3.16× Keras's corrected step at t = 1 and still 1.26× at t = 1000" in visible
    # Like with like (issue 26.3): the slide's Adam races at Adam's η, not at Keras's default 0.001.
    assert rows["Adam as on the slide"]["learning rate"] == rows["Adam"]["learning rate"] == 0.1
    assert any("SlideAdam(learning_rate=0.1," in c.value for c in app.code)
    app.number_input(key="opt_adam_learning_rate").set_value(0.05).run()
    assert board(app)["Adam as on the slide"]["learning rate"] == 0.05


def test_the_bias_correction_paragraph_shows_the_races_own_numbers(app: AppTest) -> None:
    from annviz.race import compare_slide_adam, slide_adam_sentence
    from annviz.surfaces import SURFACES

    visible = next(m.value for m in app.markdown if m.value.startswith("**Adam's bias correction.**"))
    comparison = compare_slide_adam(SURFACES["ravine"], (-4.5, 1.0), 0.1, 500)
    assert slide_adam_sentence(comparison, "Ravine") in visible
    # What the sentence says is what the page's own race draws, racer by racer.
    app.checkbox(key="opt_adam_slide_on").check().run()
    rows = board(app)
    adam, slide = comparison.rows
    assert (rows["Adam"]["steps to ε"], rows["Adam as on the slide"]["steps to ε"]) == (f"{adam['steps to ε']:,}", f"{slide['steps to ε']:,}")
    assert "first step is 0.447 long, Keras's Adam's 0.141, 3.16× as long" in visible
    app.number_input(key="opt_adam_learning_rate").set_value(0.01).run()
    visible = next(m.value for m in app.markdown if m.value.startswith("**Adam's bias correction.**"))
    assert "at the same η = 0.01" in visible and "Keras's Adam is still going" in visible


def test_a_learning_rate_of_a_million_says_who_diverged(app: AppTest) -> None:
    app.toggle(key="opt_same_lr").set_value(True).run()
    app.number_input(key="opt_lr_all").set_value(1e6).run()
    assert not app.exception and not app.error
    said = [w.value for w in app.warning if w.value.startswith("Diverged: ")]
    assert len(said) == 1 and "SGD at step" in said[0] and "SGD + momentum at step" in said[0]
    layout = race_spec(app)["layout"]
    assert layout["xaxis"]["range"] == [-5.0, 5.0] and layout["yaxis"]["range"] == [-2.0, 2.0]


def test_every_widget_of_the_race_comes_from_the_settings_table(app: AppTest) -> None:
    from annviz.race_settings import RACE_SETTINGS, start_keys

    app.expander  # the hyperparameters are drawn (closed) on every run
    drawn = {w.key for kind in ("number_input", "checkbox", "toggle", "selectbox") for w in app.get(kind)
             if (w.key or "").startswith("opt_")}
    other_starts = {k for s in RACE_SETTINGS.values() if s.group.startswith("start:") and s.group != "start:ravine"
                    for k in [s.key]}
    assert drawn == set(RACE_SETTINGS) - other_starts
    assert set(start_keys("ravine")) <= drawn
