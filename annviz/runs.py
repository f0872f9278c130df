"""A session's trainings, kept side by side: the runs table, the curves to overlay, and their CSV.

Every training a student ends on the MNIST page (finished, stopped, ended by a NaN loss, or
failed) becomes a :class:`KeptRun`: its settings, its per-epoch history, its test loss and
accuracy, its fit time and, while memory allows, its weights. :func:`keep_run` adds one to a
session's tuple, at most :data:`MAX_KEPT_RUNS` (the oldest goes first) and at most
:data:`WEIGHTS_BUDGET_BYTES` of weights (older runs let their weights go first, keeping their
row and curves). Everything here is pure: tuples in, tuples out; the page keeps them.

>>> from annviz.training_config import TrainingConfig
>>> first = failed_run(1, TrainingConfig(), "The training process died.")
>>> second = failed_run(2, TrainingConfig(optimizer="sgd", learning_rate=0.01), "It died too.")
>>> kept, dropped = keep_run((first,), second)
>>> [run.number for run in kept], dropped
([1, 2], ())
>>> varying_settings(kept)
('optimizer', 'learning_rate')
>>> run_names(kept)
{1: 'Run 1 · adam, lr 0.001', 2: 'Run 2 · sgd, lr 0.01'}
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, replace
from typing import Any, Callable

import numpy as np

from annviz.errors import InputError
from annviz.training import EvaluationReport, TrainingHistory, TrainingResult
from annviz.training_config import SETTINGS, TrainingConfig
from annviz.training import trained_model_label
from annviz.training_config import settings_of

#: Runs a session keeps; a ninth lets the oldest go.
MAX_KEPT_RUNS = 8
#: Weights a session keeps for its runs: 8 of the lecture's MLP (437,544 bytes each) fit. The
#: newest run always keeps its own, whatever its size (it is the model the other pages offer).
WEIGHTS_BUDGET_BYTES = 4_000_000

#: Why a run ended, as its table row says it.
OUTCOME_WORDS = {
    "completed": "finished",
    "stopped": "stopped",
    "nan": "NaN loss",
    "failed": "failed",
}

#: How each setting reads in a run's name (short: it goes into a legend).
SHORT: dict[str, Callable[[Any], str]] = {
    "layers": lambda v: f"[{v}]",
    "optimizer": str,
    "learning_rate": lambda v: f"lr {v:g}",
    "loss": lambda v: "one-hot labels" if v == "categorical_crossentropy" else "integer labels",
    "metrics": lambda v: "+".join(v) or "no metrics",
    "epochs": lambda v: f"{v} epochs",
    "batch_size": lambda v: f"batch {v}",
    "validation_split": lambda v: f"val {v:g}",
    "subset_size": lambda v: f"{v:,} images",
    "scale_inputs": lambda v: "/ 255" if v else "raw 0–255 pixels",
    "seed": lambda v: f"seed {v}",
}


@dataclass(frozen=True)
class KeptRun:
    """One ended training of a session.

    ``number`` counts the session's runs from 1; ``outcome`` is a key of :data:`OUTCOME_WORDS`;
    ``message`` is the sentence the MNIST page showed when it ended; ``history`` keeps the
    per-epoch rows only (what the comparison draws and exports); ``seconds`` is the fit's time;
    ``model`` (a
    ``TrainedMLP``) is None when the run has no model worth using (NaN, failed) or its
    weights were let go; test figures are None for a run that was not tested.
    """

    number: int
    config: TrainingConfig
    outcome: str
    message: str
    history: TrainingHistory = TrainingHistory()
    seconds: float | None = None
    #: Start pressed to result shown: the queue, TensorFlow's start, the fit and the evaluation.
    wall_seconds: float | None = None
    test_loss: float | None = None
    test_accuracy: float | None = None
    model: Any = None
    label: str = ""
    weights_dropped: bool = False

    @property
    def has_curves(self) -> bool:
        """True if at least one epoch left a finite training or validation loss to draw."""
        return bool(epoch_curve(self, "loss")[0] or epoch_curve(self, "val_loss")[0])


def ended_run(
    number: int, config: TrainingConfig, result: TrainingResult, report: EvaluationReport | None,
    wall_seconds: float | None = None,
) -> KeptRun:
    """The run of a training that ended with a result (finished, stopped or NaN).

    A NaN run keeps its curves but no model: it is not tested nor offered to other pages. The
    per-block points of the live view (one per call of the train function, thousands for a long
    run) are not kept: the comparison draws epochs.
    """
    usable = report is not None and result.outcome != "nan"
    return KeptRun(
        number=number, config=config, outcome=result.outcome, message=result.message,
        history=replace(result.history, batches=()), seconds=float(result.seconds), wall_seconds=wall_seconds,
        test_loss=report.loss if report else None,
        test_accuracy=report.accuracy if report else None, model=result.model if usable else None,
        label=trained_model_label(config, result, report),
    )


def failed_run(number: int, config: TrainingConfig, sentence: str) -> KeptRun:
    """The row of a training whose process failed: its settings and the sentence why, no curves."""
    return KeptRun(number=number, config=config, outcome="failed", message=sentence)


def weights_bytes(model: Any) -> int:
    """Bytes of a ``TrainedMLP``'s kernels and biases (0 for None): 437,544 for the lecture's MLP.

    >>> from annviz.numpy_mlp import DenseLayer
    >>> class Model: layers = (DenseLayer(np.zeros((784, 10), np.float32), np.zeros(10, np.float32), "softmax"),)
    >>> weights_bytes(Model()), weights_bytes(None)
    (31400, 0)
    """
    if model is None:
        return 0
    return sum(int(np.asarray(layer.kernel).nbytes + np.asarray(layer.bias).nbytes) for layer in model.layers)


def keep_run(
    runs: tuple[KeptRun, ...], run: KeptRun, *, cap: int = MAX_KEPT_RUNS, weights_budget: int = WEIGHTS_BUDGET_BYTES
) -> tuple[tuple[KeptRun, ...], tuple[KeptRun, ...]]:
    """``runs`` with ``run`` added last, and the runs let go (oldest first) to stay within ``cap``.

    Then, newest first, runs keep their weights while the total stays within ``weights_budget``;
    an older run past it keeps its row and curves, with ``model=None, weights_dropped=True``.

    >>> from annviz.training_config import TrainingConfig
    >>> runs = ()
    >>> for number in range(1, 4):
    ...     runs, dropped = keep_run(runs, failed_run(number, TrainingConfig(), "x"), cap=2)
    >>> [r.number for r in runs], [r.number for r in dropped]
    ([2, 3], [1])
    """
    if cap < 1:
        raise InputError(f"A session keeps at least one run, not {cap}.")
    together = (*runs, run)
    dropped, kept = together[: max(0, len(together) - cap)], list(together[-cap:])
    used = 0
    for index in range(len(kept) - 1, -1, -1):
        size = weights_bytes(kept[index].model)
        if index == len(kept) - 1 or used + size <= weights_budget:
            used += size
        else:
            kept[index] = replace(kept[index], model=None, weights_dropped=True)
    return tuple(kept), tuple(dropped)


def kept_models(runs: tuple[KeptRun, ...]) -> tuple[KeptRun, ...]:
    """The runs whose model another page can use, newest first."""
    return tuple(run for run in reversed(runs) if run.model is not None)


def varying_settings(runs: tuple[KeptRun, ...]) -> tuple[str, ...]:
    """The settings (names of ``annviz.training_config.SETTINGS``) whose values are not the same in all runs,
    in the form's order."""
    values = [settings_of(run.config) for run in runs]
    return tuple(s.name for s in SETTINGS if any(v[s.name] != values[0][s.name] for v in values[1:]))


def differs_from_first(runs: tuple[KeptRun, ...]) -> list[set[str]]:
    """For each run, the settings whose value differs from the first kept run's (the table highlights them).

    >>> from annviz.training_config import TrainingConfig
    >>> runs = (failed_run(1, TrainingConfig(), ""), failed_run(2, TrainingConfig(epochs=3), ""))
    >>> differs_from_first(runs)
    [set(), {'epochs'}]
    """
    if not runs:
        return []
    first = settings_of(runs[0].config)
    return [{name for name, value in settings_of(run.config).items() if value != first[name]} for run in runs]


def run_names(runs: tuple[KeptRun, ...]) -> dict[int, str]:
    """Each run's name for legends and pickers: its number and its values of the settings that vary.

    With the optimizer as the only difference: ``Run 1 · adam``, ``Run 2 · sgd``; a lone run is
    ``Run 1``; runs with the same settings are told apart by number alone.
    """
    varying = varying_settings(runs)
    names = {}
    for run in runs:
        values = settings_of(run.config)
        parts = ", ".join(SHORT[name](values[name]) for name in varying)
        names[run.number] = f"Run {run.number}" + (f" · {parts}" if parts else "")
    return names


def epochs_done(run: KeptRun) -> int:
    return run.history.complete_epochs


def runs_table(runs: tuple[KeptRun, ...]) -> list[dict[str, Any]]:
    """One row per run: number, how it ended, test accuracy and loss, fit seconds, epochs done,
    every setting as the form writes it, and the sentence of a run that did not finish."""
    rows = []
    for run in runs:
        values = settings_of(run.config)
        row: dict[str, Any] = {
            "run": run.number,
            "ended": OUTCOME_WORDS[run.outcome],
            "test accuracy": run.test_accuracy,
            "test loss": run.test_loss,
            "fit seconds": None if run.seconds is None else round(run.seconds, 1),
            "Start → result, s": None if run.wall_seconds is None else round(run.wall_seconds, 1),
            "epochs done": f"{epochs_done(run)}/{run.config.epochs}",
        }
        row.update({name: (", ".join(value) if isinstance(value, list) else value) for name, value in values.items()})
        row["note"] = run.message if run.outcome in ("nan", "failed") else (
            "weights let go to keep this session small; curves and numbers stay" if run.weights_dropped else "")
        rows.append(row)
    return rows


def curve_metrics(runs: tuple[KeptRun, ...]) -> tuple[str, ...]:
    """``loss`` and every metric some run recorded, in the form's order."""
    from annviz.training_config import METRICS

    recorded = {metric for run in runs for metric in run.config.metrics}
    return ("loss", *(metric for metric in METRICS if metric in recorded))


def finite_prefix(xs: list[float], ys: list[float]) -> tuple[list[float], list[float]]:
    """The points up to the last one before the first non-finite value: a NaN run's curve stops there.

    >>> finite_prefix([1, 2, 3], [0.5, float("nan"), 0.2])
    ([1], [0.5])
    """
    for index, y in enumerate(ys):
        if y is None or not math.isfinite(y):
            return list(xs[:index]), list(ys[:index])
    return list(xs), list(ys)


def epoch_curve(run: KeptRun, name: str) -> tuple[list[int], list[float]]:
    """Epoch numbers and values of ``name`` (``loss``, ``val_loss``, ``accuracy``…), finite prefix only.

    Training means come from complete epochs only (a stopped epoch's mean covers part of it).
    """
    rows = [row for row in run.history.epochs if name in row.values and (row.complete or name.startswith("val_"))]
    return finite_prefix([row.epoch for row in rows], [float(row.values[name]) for row in rows])


def curves_csv(runs: tuple[KeptRun, ...]) -> str:
    """The per-epoch curves as CSV: one row per epoch per run (run, name, epoch, then each metric
    and its ``val_`` twin); a value that was not recorded or not finite is empty."""
    metrics = curve_metrics(runs)
    columns = [name for metric in metrics for name in (metric, f"val_{metric}")]
    names = run_names(runs)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["run", "name", "epoch", *columns])
    for run in runs:
        for row in run.history.epochs:
            cells = []
            for column in columns:
                value = row.values.get(column)
                usable = value is not None and math.isfinite(value) and (row.complete or column.startswith("val_"))
                cells.append(f"{value:.6g}" if usable else "")
            writer.writerow([run.number, names[run.number], row.epoch, *cells])
    return out.getvalue()


def runs_csv(runs: tuple[KeptRun, ...]) -> str:
    """The runs table as CSV, one row per run."""
    rows = runs_table(runs)
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)
    return out.getvalue()


def kept_run_bytes(runs: tuple[KeptRun, ...]) -> int:
    """Bytes the runs hold in memory, measured: what unpickling them allocates (weights, histories,
    configs), as Python's allocator counts it (``tracemalloc``)."""
    import pickle
    import tracemalloc

    blob = pickle.dumps(runs)
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        copy = pickle.loads(blob)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        if started:
            tracemalloc.stop()
    del copy
    return after - before


def number_ranges(numbers: tuple[int, ...]) -> str:
    """Run numbers as short ranges, for the note on runs let go.

    >>> number_ranges((1, 2, 3, 5, 7, 8))
    '1–3, 5, 7–8'
    """
    parts: list[str] = []
    for number in sorted(set(numbers)):
        if parts and number == int(parts[-1].split("–")[-1]) + 1:
            parts[-1] = f"{parts[-1].split('–')[0]}–{number}"
        else:
            parts.append(str(number))
    return ", ".join(parts)


def undrawable_sentence(run: KeptRun) -> str:
    """Why a kept run has no curve in the comparison.

    >>> from annviz.training_config import TrainingConfig
    >>> undrawable_sentence(KeptRun(2, TrainingConfig(), "nan", ""))
    'Run 2: the loss became NaN before the first epoch ended, so there is no epoch to draw.'
    """
    if run.outcome == "failed":
        return f"Run {run.number} failed before it trained: its row says why."
    if run.outcome == "nan":
        return f"Run {run.number}: the loss became NaN before the first epoch ended, so there is no epoch to draw."
    return f"Run {run.number} ended before its first epoch did, so there is no epoch to draw."


def run_of_job(number: int, config: TrainingConfig, snapshot: Any) -> KeptRun | None:
    """The run to keep for an ended job (``annviz.serving.JobSnapshot``); None if nothing was trained
    (cancelled while queued or starting) or it has not ended."""
    if snapshot.status == "done" and snapshot.result is not None:
        return ended_run(number, config, snapshot.result, snapshot.report, snapshot.elapsed_s)
    if snapshot.status == "failed":
        return replace(failed_run(number, config, snapshot.error), wall_seconds=snapshot.elapsed_s)
    return None


def styled_runs_table(runs: tuple[KeptRun, ...]) -> Any:
    """The runs table as a pandas ``Styler``: indexed by run, the settings that differ from the first
    run highlighted, test accuracy as a percentage, missing figures as a dash."""
    import pandas as pd

    frame = pd.DataFrame(runs_table(runs)).set_index("run")
    differs = differs_from_first(runs)

    def highlight(table: pd.DataFrame) -> pd.DataFrame:
        css = pd.DataFrame("", index=table.index, columns=table.columns)
        for position, changed in enumerate(differs):
            for name in changed:
                css.iloc[position, css.columns.get_loc(name)] = HIGHLIGHT_CSS
        return css

    return frame.style.apply(highlight, axis=None).format(
        {"test accuracy": "{:.2%}", "test loss": "{:.4f}", "fit seconds": "{:.1f}", "Start → result, s": "{:.1f}",
         "learning_rate": "{:g}",
         "validation_split": "{:g}", "subset_size": "{:,}"},
        na_rep="—",
    )


#: How a setting that differs from the first run's is marked in the table.
HIGHLIGHT_CSS = "background-color: #fef3c7; font-weight: 600"
