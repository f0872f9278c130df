"""The class board: one row per run identity, the settings that differ from the lecture's, the best run starred, anonymous."""

from __future__ import annotations

import json

from annviz.class_board import best_row, board_figure, board_rows, board_table, changed_settings
from annviz.serving import JobSnapshot
from annviz.training import EpochRow, EvaluationReport, TrainingHistory, TrainingResult
from annviz.training_config import TrainingConfig

import numpy as np


def ended(accuracy: float, seconds: float, watched_by: int, outcome: str = "completed") -> JobSnapshot:
    result = TrainingResult(None, TrainingHistory(epochs=(EpochRow(1, {"loss": 0.3}, True, seconds),)), outcome, "", seconds)
    report = EvaluationReport(0.3, {}, accuracy, np.full(10, 0.1), 7)
    return JobSnapshot("done", None, result, report, "", 0.0, None, None, watchers=0, watched_by=watched_by)


def test_one_row_per_run_with_what_differs_from_the_lecture_the_best_first() -> None:
    lecture, fast, slow = TrainingConfig(), TrainingConfig(learning_rate=0.01), TrainingConfig(learning_rate=0.0001, epochs=3)
    rows = board_rows([(lecture, ended(0.975, 10.2, 14)), (fast, ended(0.962, 9.8, 2)), (slow, ended(0.91, 3.1, 1))])
    table = board_table(rows)
    assert [row["settings changed"] for row in table] == [
        "the lecture's settings", "learning rate 0.01", "learning rate 0.0001, 3 epochs"]
    assert [row["students"] for row in table] == [14, 2, 1] and table[0]["fit seconds"] == 10.2
    assert best_row(rows).config == lecture


def test_a_setting_trained_again_after_a_stop_is_one_row_with_every_watcher() -> None:
    config = TrainingConfig(seed=3)
    rows = board_rows([(config, ended(0.5, 2.0, 3, outcome="stopped")), (config, ended(0.97, 10.0, 2))])
    assert len(rows) == 1 and rows[0].state == "finished" and rows[0].watched_by == 5


def test_the_plot_stars_the_best_run_and_names_no_student() -> None:
    rows = board_rows([(TrainingConfig(learning_rate=rate), ended(accuracy, 10.0, 1))
                       for rate, accuracy in ((0.001, 0.975), (0.01, 0.96), (0.1, 0.11))])
    spec = json.loads(board_figure(rows).to_json())
    best = next(trace for trace in spec["data"] if trace["name"] == "best")
    assert best["x"] == [0.001] and best["y"] == [97.5] and spec["layout"]["xaxis"]["type"] == "log"
    assert "student 1" not in json.dumps(spec) and "token" not in json.dumps(spec)
    assert changed_settings(TrainingConfig(optimizer="sgd", learning_rate=0.01)) == "sgd, learning rate 0.01"
