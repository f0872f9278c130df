"""The class board: every distinct run of a server, anonymous, as a table and a plot to project.

A class that waits for its trainings becomes a class that explores the settings together: each
student who changes a setting adds a point. A row is one run identity (settings and seed): the
settings that differ from the lecture's, how it ended, its test accuracy and fit time, and how
many students watched it. Nothing names a student: settings and numbers only.

>>> from annviz.training_config import TrainingConfig
>>> changed_settings(TrainingConfig(learning_rate=0.01, epochs=3))
'learning rate 0.01, 3 epochs'
>>> changed_settings(TrainingConfig())
"the lecture's settings"
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable

import plotly.graph_objects as go

from annviz.runs import SHORT
from annviz.training_config import SETTINGS, TrainingConfig, settings_of

#: The lecture's settings, which a row's "changed" column is measured against.
LECTURE = settings_of(TrainingConfig())
#: How each changed setting reads on the board (the runs table's short names, spelled out a little).
WORDS = {**SHORT, "learning_rate": lambda v: f"learning rate {v:g}"}


@dataclass(frozen=True)
class BoardRow:
    """One run identity on the board."""

    config: TrainingConfig
    #: "training", "queued", "finished", "stopped", "NaN loss", "failed" or "cancelled".
    state: str
    test_accuracy: float | None
    fit_seconds: float | None
    watched_by: int


def changed_settings(config: TrainingConfig) -> str:
    """The settings of ``config`` that differ from the lecture's, short; or "the lecture's settings"."""
    values = settings_of(config)
    changed = [WORDS[s.name](values[s.name]) for s in SETTINGS if values[s.name] != LECTURE[s.name]]
    return ", ".join(changed) or "the lecture's settings"


def board_rows(snapshots: Iterable[tuple[TrainingConfig, Any]]) -> list[BoardRow]:
    """One row per run from ``(config, JobSnapshot)`` pairs, newest last.

    A run identity trained again (after a stop) shows once: its newest run, with every watcher.
    """
    by_config: dict[str, BoardRow] = {}
    for config, snapshot in snapshots:
        result, report = snapshot.result, snapshot.report
        if snapshot.status == "done" and result is not None:
            state = {"completed": "finished", "stopped": "stopped", "nan": "NaN loss"}.get(result.outcome, result.outcome)
        else:
            state = {"running": "training", "evaluating": "training", "starting": "training"}.get(snapshot.status, snapshot.status)
        key = repr(config)
        earlier = by_config.pop(key, None)
        by_config[key] = BoardRow(
            config, state, report.accuracy if report is not None else None,
            float(result.seconds) if result is not None else None,
            snapshot.watched_by + (earlier.watched_by if earlier else 0),
        )
    return list(by_config.values())


def board_table(rows: list[BoardRow]) -> list[dict[str, Any]]:
    """The board's table: one dict per run, best test accuracy first, runs without one last."""
    ordered = sorted(rows, key=lambda row: -(row.test_accuracy if row.test_accuracy is not None else -1.0))
    return [
        {
            "settings changed": changed_settings(row.config),
            "state": row.state,
            "test accuracy": row.test_accuracy,
            "fit seconds": None if row.fit_seconds is None else round(row.fit_seconds, 1),
            "students": row.watched_by,
        }
        for row in ordered
    ]


def best_row(rows: list[BoardRow]) -> BoardRow | None:
    """The run with the highest test accuracy (the first such, if several tie)."""
    tested = [row for row in rows if row.test_accuracy is not None and math.isfinite(row.test_accuracy)]
    return max(tested, key=lambda row: row.test_accuracy) if tested else None


def board_figure(rows: list[BoardRow]) -> go.Figure:
    """Test accuracy against learning rate (log axis), one point per tested run, sized by epochs,
    coloured by optimizer; the best run drawn as a star and named."""
    figure = go.Figure()
    tested = [row for row in rows if row.test_accuracy is not None]
    for optimizer in sorted({row.config.optimizer for row in tested}):
        mine = [row for row in tested if row.config.optimizer == optimizer]
        figure.add_trace(go.Scatter(
            x=[row.config.learning_rate for row in mine], y=[row.test_accuracy * 100 for row in mine],
            mode="markers", name=optimizer,
            marker={"size": [8 + 2 * min(row.config.epochs, 15) for row in mine], "opacity": 0.75},
            text=[f"{changed_settings(row.config)}<br>{row.watched_by} student(s)" for row in mine],
            hovertemplate="%{text}<br>learning rate %{x:g}<br>test accuracy %{y:.2f} %<extra></extra>",
        ))
    best = best_row(rows)
    if best is not None:
        figure.add_trace(go.Scatter(
            x=[best.config.learning_rate], y=[best.test_accuracy * 100], mode="markers+text", name="best",
            marker={"symbol": "star", "size": 22, "color": "gold", "line": {"width": 1.5, "color": "black"}},
            text=[f"best: {best.test_accuracy:.2%}"], textposition="bottom center", hoverinfo="skip",  # below: room at 99 %
        ))
    figure.update_layout(
        title={"text": "Test accuracy of every run of this server"},
        xaxis={"title": {"text": "learning rate (log scale)"}, "type": "log"},
        yaxis={"title": {"text": "test accuracy, %"}},
        legend={"title": {"text": "optimizer"}}, height=420, margin={"t": 60, "b": 50, "l": 60, "r": 20},
    )
    return figure
