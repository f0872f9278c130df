"""A session's kept runs (``annviz.runs``): the cap, the weights budget, names, table, curves and CSV."""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import pytest

from annviz import mnist_plots
from annviz.numpy_mlp import DenseLayer
from annviz.runs import (
    HIGHLIGHT_CSS, MAX_KEPT_RUNS, SHORT, WEIGHTS_BUDGET_BYTES, KeptRun, curve_metrics, curves_csv, differs_from_first,
    ended_run, epoch_curve, failed_run, keep_run, kept_models, kept_run_bytes, number_ranges, run_names, run_of_job,
    runs_csv, runs_table, undrawable_sentence,
    styled_runs_table, varying_settings, weights_bytes,
)
from annviz.serving import JobSnapshot, TrainedMLP
from annviz.training import EpochRow, EvaluationReport, TrainingHistory, TrainingResult
from annviz.training_config import SETTINGS, TrainingConfig

NAN = float("nan")


def lecture_model(seed: int = 0) -> TrainedMLP:
    """A model with the lecture MLP's shapes (784-128-64-10): 109,386 float32 parameters."""
    rng = np.random.default_rng(seed)
    sizes = (784, 128, 64, 10)
    return TrainedMLP(tuple(
        DenseLayer(rng.standard_normal((a, b)).astype(np.float32), np.zeros(b, np.float32), "relu")
        for a, b in zip(sizes, sizes[1:])
    ))


def history(*rows: dict[str, float], complete: bool = True) -> TrainingHistory:
    return TrainingHistory(epochs=tuple(EpochRow(i + 1, values, complete, 1.0) for i, values in enumerate(rows)))


def run(number: int, config: TrainingConfig | None = None, **fields) -> KeptRun:
    fields.setdefault("history", history({"loss": 0.5, "accuracy": 0.8, "val_loss": 0.4, "val_accuracy": 0.85}))
    return KeptRun(number, config or TrainingConfig(), fields.pop("outcome", "completed"), "", **fields)


def test_the_cap_lets_the_oldest_go():
    runs, let_go = (), []
    for number in range(1, MAX_KEPT_RUNS + 3):
        runs, dropped = keep_run(runs, run(number))
        let_go += [r.number for r in dropped]
    assert [r.number for r in runs] == list(range(3, MAX_KEPT_RUNS + 3))
    assert let_go == [1, 2]
    with pytest.raises(ValueError, match="at least one run"):
        keep_run((), run(1), cap=0)


def test_eight_lecture_models_keep_their_weights_within_the_budget():
    model = lecture_model()
    assert weights_bytes(model) == 109_386 * 4
    runs = ()
    for number in range(1, MAX_KEPT_RUNS + 1):
        runs, _ = keep_run(runs, run(number, model=lecture_model(number)))
    assert all(r.model is not None and not r.weights_dropped for r in runs)
    assert sum(weights_bytes(r.model) for r in runs) <= WEIGHTS_BUDGET_BYTES


def test_a_big_newest_run_keeps_its_weights_and_older_ones_let_theirs_go():
    big = TrainedMLP((DenseLayer(np.zeros((784, 2000), np.float32), np.zeros(2000, np.float32), "relu"),))
    runs = ()
    for number in range(1, 4):
        runs, _ = keep_run(runs, run(number, model=lecture_model(number)))
    runs, _ = keep_run(runs, run(4, model=big))
    assert runs[-1].model is big  # 6.3 MB alone: the model the other pages offer stays
    kept = [r for r in runs[:-1] if r.model is not None]
    assert sum(weights_bytes(r.model) for r in kept) + weights_bytes(big) <= max(WEIGHTS_BUDGET_BYTES, weights_bytes(big))
    assert all(r.weights_dropped for r in runs[:-1] if r.model is None)
    assert [r.number for r in kept_models(runs)] == [4] + [r.number for r in reversed(kept)]
    table = runs_table(runs)
    assert all("weights let go" in row["note"] for row, r in zip(table, runs) if r.weights_dropped)


def test_every_setting_has_a_short_form():
    assert set(SHORT) == {s.name for s in SETTINGS}
    from annviz.training_config import settings_of

    for setting in SETTINGS:
        assert SHORT[setting.name](settings_of(TrainingConfig())[setting.name])


def test_names_show_the_settings_that_vary():
    adam, sgd = TrainingConfig(), TrainingConfig(optimizer="sgd")
    assert run_names((run(1, adam), run(2, sgd))) == {1: "Run 1 · adam", 2: "Run 2 · sgd"}
    assert run_names((run(1, adam),)) == {1: "Run 1"}
    assert run_names((run(1, adam), run(2, adam))) == {1: "Run 1", 2: "Run 2"}
    third = TrainingConfig(epochs=3, subset_size=1_000)
    assert varying_settings((run(1, adam), run(2, sgd), run(3, third))) == ("optimizer", "epochs", "subset_size")
    assert run_names((run(1, adam), run(3, third)))[3] == "Run 3 · 3 epochs, 1,000 images"


def test_the_table_highlights_what_differs_from_the_first_run():
    runs = (run(1), run(2, TrainingConfig(optimizer="sgd", learning_rate=0.01)), run(3, TrainingConfig(seed=7)))
    assert differs_from_first(runs) == [set(), {"optimizer", "learning_rate"}, {"seed"}]
    styled = styled_runs_table(runs)
    styled._compute()
    columns = list(styled.data.columns)
    marked = {(row, columns[col]) for (row, col), css in styled.ctx.items() if css}
    assert marked == {(1, "optimizer"), (1, "learning_rate"), (2, "seed")}
    written = {"; ".join(f"{k}: {v}" for k, v in css) for css in styled.ctx.values() if css}
    assert written == {HIGHLIGHT_CSS}


def test_a_nan_run_is_marked_and_its_curves_stop_at_the_last_finite_point():
    nan_history = history(
        {"loss": 2.0, "accuracy": 0.3, "val_loss": 1.5, "val_accuracy": 0.4},
        {"loss": 1.0, "accuracy": 0.6, "val_loss": NAN, "val_accuracy": 0.1},
        {"loss": NAN, "accuracy": 0.1},
    )
    nan_run = run(1, outcome="nan", history=nan_history)
    assert epoch_curve(nan_run, "loss") == ([1, 2], [2.0, 1.0])
    assert epoch_curve(nan_run, "val_loss") == ([1], [1.5])
    figure = mnist_plots.compared_curves_figure((nan_run,), {1: "Run 1"}, "loss")
    assert all(math.isfinite(y) for trace in figure.data for y in trace.y)
    assert runs_table((nan_run,))[0]["ended"] == "NaN loss"
    # A NaN in the first block leaves nothing to draw: the row stays, no curve.
    assert not run(2, outcome="nan", history=history({"loss": NAN}, complete=False)).has_curves


def test_a_stopped_epoch_is_not_drawn_as_a_training_mean():
    rows = (EpochRow(1, {"loss": 1.0, "val_loss": 0.9}, True, 1.0), EpochRow(2, {"loss": 0.2}, False, 0.3))
    assert epoch_curve(run(1, history=TrainingHistory(epochs=rows)), "loss") == ([1], [1.0])


def test_the_figure_overlays_two_traces_per_run_in_the_runs_colour():
    runs = (run(1), run(2, TrainingConfig(optimizer="sgd")))
    names = run_names(runs)
    figure = mnist_plots.compared_curves_figure(runs, names, "accuracy")
    assert [t.name for t in figure.data] == [
        "Run 1 · adam", "Run 1 · adam · validation", "Run 2 · sgd", "Run 2 · sgd · validation"]
    assert [t.showlegend for t in figure.data] == [True, False] * 2  # one legend entry per run
    assert [t.line.color for t in figure.data] == [mnist_plots.run_colour(1)] * 2 + [mnist_plots.run_colour(2)] * 2
    assert [t.line.dash for t in figure.data] == ["solid", "dash"] * 2
    assert figure.layout.yaxis.tickformat == ".0%"


def test_the_curves_csv_has_one_row_per_epoch_per_run():
    two = history({"loss": 1.0, "accuracy": 0.5, "val_loss": 0.9, "val_accuracy": 0.6},
                  {"loss": 0.5, "accuracy": 0.7, "val_loss": NAN, "val_accuracy": 0.65})
    runs = (run(1, history=two), run(2, TrainingConfig(metrics=("accuracy", "top_3_accuracy")), history=history(
        {"loss": 0.8, "accuracy": 0.6, "top_3_accuracy": 0.9, "val_loss": 0.7, "val_accuracy": 0.6, "val_top_3_accuracy": 0.9})))
    assert curve_metrics(runs) == ("loss", "accuracy", "top_3_accuracy")
    rows = list(csv.DictReader(io.StringIO(curves_csv(runs))))
    assert [(r["run"], r["epoch"]) for r in rows] == [("1", "1"), ("1", "2"), ("2", "1")]
    assert rows[1]["val_loss"] == "" and float(rows[1]["loss"]) == 0.5  # NaN is empty, not "nan"
    assert rows[0]["top_3_accuracy"] == "" and float(rows[2]["val_top_3_accuracy"]) == 0.9
    assert rows[2]["name"] == "Run 2 · accuracy+top_3_accuracy"
    table = list(csv.DictReader(io.StringIO(runs_csv(runs))))
    assert [r["run"] for r in table] == ["1", "2"] and table[1]["metrics"] == "accuracy, top_3_accuracy"


def test_an_ended_job_becomes_a_run_and_a_cancelled_one_does_not():
    config = TrainingConfig(epochs=2)

    def snapshot(status, result=None, report=None, error=""):
        return JobSnapshot(status, None, result, report, error, 0.0, None, None, 12.5)

    assert run_of_job(1, config, snapshot("cancelled", error="Cancelled while queued: nothing was trained.")) is None
    assert run_of_job(1, config, snapshot("running")) is None
    failed = run_of_job(3, config, snapshot("failed", error="The training process died (signal 9)."))
    assert failed.outcome == "failed" and not failed.has_curves and failed.model is None
    assert runs_table((failed,))[0]["note"] == "The training process died (signal 9)."
    result = TrainingResult(lecture_model(), history({"loss": 1.0}), "nan", "The loss became NaN.", 3.2)
    nan = run_of_job(4, config, snapshot("done", result))
    assert nan.outcome == "nan" and nan.model is None and nan.seconds == 3.2 and nan.wall_seconds == 12.5
    assert failed.wall_seconds == 12.5


def test_eight_lecture_runs_of_50_epochs_take_at_most_5_mb():
    """As a training hands them back: 50 epochs of batches of 16 (3,375 a epoch, one block point per
    call of the train function, i.e. every 64 batches), made into kept runs."""
    from annviz.training import BatchPoint

    values = {"loss": 0.1, "accuracy": 0.9}
    blocks = tuple(BatchPoint(i / 53, dict(values)) for i in range(50 * 53))
    epochs = tuple(EpochRow(e, {**values, "val_loss": 0.1, "val_accuracy": 0.9}, True, 1.0) for e in range(1, 51))
    runs = ()
    for number in range(1, MAX_KEPT_RUNS + 1):
        result = TrainingResult(lecture_model(number), TrainingHistory(blocks, epochs), "completed", "done", 60.0)
        report = EvaluationReport(0.1, {"accuracy": 0.97}, 0.97, np.full(10, 0.1, np.float32), 7)
        runs, _ = keep_run(runs, ended_run(number, TrainingConfig(epochs=50, batch_size=16), result, report, 70.0))
    assert all(not kept.history.batches and len(kept.history.epochs) == 50 and kept.model for kept in runs)
    measured = kept_run_bytes(runs)
    assert MAX_KEPT_RUNS * 109_386 * 4 <= measured <= 5 * 2**20


def test_run_numbers_read_as_ranges_and_undrawable_runs_say_why():
    assert number_ranges((4, 1, 2, 3, 9, 11, 12)) == "1–4, 9, 11–12" and number_ranges(()) == ""
    nan = KeptRun(3, TrainingConfig(), "nan", "", history=history({"loss": NAN}, complete=False))
    assert not nan.has_curves and "NaN before the first epoch ended" in undrawable_sentence(nan)
    assert undrawable_sentence(failed_run(4, TrainingConfig(), "x")) == "Run 4 failed before it trained: its row says why."
