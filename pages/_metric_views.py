"""The metrics page's reports and figures, computed once per server for each model and setting.

Keyed by plain values: a model's key ("shipped", or the token of a session's trained model),
the positive digit, the threshold. The labels and probabilities come in as ``_``-prefixed
arguments, which Streamlit does not hash (they follow from the model's key). In a module, not
the page, because a page re-runs its decorators on every rerun (see ``pages/_race_views.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from annviz import metric_plots, metrics

#: Settings kept per builder (the threshold slider has 99 positions).
ENTRIES = 128


@st.cache_resource(show_spinner=False, max_entries=ENTRIES)
def worked_example(y_true: tuple[int, ...], y_pred: tuple[int, ...]) -> tuple[metrics.BinaryReport, Any]:
    """The report of a typed-in example and its confusion-matrix figure."""
    report = metrics.binary_report(list(y_true), list(y_pred))
    return report, metric_plots.binary_confusion_figure(report.counts)


@st.cache_resource(show_spinner=False, max_entries=16)
def class_evaluation(model_key: str, _y_test: np.ndarray, _probabilities: np.ndarray) -> tuple[Any, ...]:
    """Predictions, the confusion matrix (counts and row rates), the per-class table and its figure."""
    y_pred = _probabilities.argmax(axis=1)
    table = metrics.classification_table(_y_test, y_pred)
    return (
        y_pred,
        metrics.class_confusion_matrix(_y_test, y_pred),
        metrics.class_confusion_matrix(_y_test, y_pred, normalize=True),
        table,
        metric_plots.per_class_figure(table),
    )


@st.cache_resource(show_spinner=False, max_entries=ENTRIES)
def confusion_view(model_key: str, normalized: bool, true_class: int, predicted_class: int,
                   _matrix: np.ndarray) -> Any:
    return metric_plots.confusion_figure(
        _matrix, normalized=normalized, selected=(true_class, predicted_class),
        title="Confusion matrix (blue: right, red: wrong)",
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def imbalance_curves(model_key: str, digit: int, _y_test: np.ndarray, _probabilities: np.ndarray) -> tuple[Any, ...]:
    """The one-vs-rest task for ``digit``: labels, scores, threshold sweep, PR curve, the always-no baseline."""
    y_binary = metrics.one_vs_rest(_y_test, digit)
    scores = _probabilities[:, digit]
    return (
        y_binary,
        scores,
        metrics.threshold_sweep(y_binary, scores),
        metrics.precision_recall(y_binary, scores),
        metrics.binary_report(y_binary, metrics.always_negative(y_binary)),
    )


@st.cache_resource(show_spinner=False, max_entries=ENTRIES)
def threshold_view(model_key: str, digit: int, threshold: float, _y_test: np.ndarray, _probabilities: np.ndarray) -> tuple[Any, ...]:
    """The report at ``threshold`` and its three figures."""
    y_binary, scores, sweep, curve, _ = imbalance_curves(model_key, digit, _y_test, _probabilities)
    current = metrics.threshold_report(y_binary, scores, threshold)
    return (
        current,
        metric_plots.binary_confusion_figure(current.counts, title=f"Is it a {digit}? At t = {threshold:.2f}"),
        metric_plots.precision_recall_figure(
            curve, current_recall=current["recall"], current_precision=current["precision"],
            threshold=threshold, positive_rate=float(y_binary.mean()),
        ),
        metric_plots.threshold_figure(sweep, threshold=threshold),
    )
