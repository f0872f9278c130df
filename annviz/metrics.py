"""Evaluation metrics of the lecture (section 8), as thin wrappers over ``sklearn.metrics``.

Every number comes from scikit-learn; this module only checks the input, picks
the options the lecture needs (``labels``, ``zero_division=0``), and adds what a
student reads beside the number: the formula with the counts substituted, and a
sentence when a metric is 0/0.

The four outcomes of a binary classifier (positive = 1)::

                    predicted 0   predicted 1
        actual 0        TN            FP
        actual 1        FN            TP
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Callable

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from annviz.errors import InputError
from annviz.inputs import parse_vector

#: The lecture's worked example (section 8).
LECTURE_Y_TRUE = (1, 0, 1, 1, 0, 1, 0)
LECTURE_Y_PRED = (1, 0, 0, 1, 0, 1, 1)
#: Longest list accepted in the binary example; longer lists are not read by a person anyway.
MAX_BINARY_LABELS = 1000
#: The lecture's imbalance example: "is it a 7?" on the MNIST test set.
LECTURE_POSITIVE_DIGIT = 7
#: Default number of images a gallery shows.
GALLERY_SIZE = 12


# ---------------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------------


def _as_label_array(values: Any, name: str) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name} must contain numbers only, e.g. 1, 0, 1.") from None
    if array.ndim != 1:
        raise InputError(f"{name} must be a flat list of labels, not an array of shape {array.shape}.")
    if array.size == 0:
        raise InputError(f"{name} is empty: give at least one label, e.g. 1, 0, 1.")
    if not np.isfinite(array).all():
        raise InputError(f"{name} contains NaN or infinity: every label must be a whole number.")
    return array


def _check_same_length(y_true: np.ndarray, y_pred: np.ndarray) -> None:
    if len(y_true) != len(y_pred):
        raise InputError(
            f"y_true has {len(y_true)} labels but y_pred has {len(y_pred)}: "
            "give exactly one prediction per example."
        )


def check_binary_labels(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    """Check a binary example and return both lists as int arrays.

    Raises ``ValueError`` with one sentence when a list is empty, the lengths
    differ, or a label is not 0 or 1.

    >>> check_binary_labels([1, 0, 1], [1, 1, 0])[1].tolist()
    [1, 1, 0]
    >>> check_binary_labels([1, 0], [1])
    Traceback (most recent call last):
    ...
    annviz.errors.InputError: y_true has 2 labels but y_pred has 1: give exactly one prediction per example.
    """
    true = _as_label_array(y_true, "y_true")
    pred = _as_label_array(y_pred, "y_pred")
    for name, array in (("y_true", true), ("y_pred", pred)):
        bad = array[(array != 0) & (array != 1)]
        if bad.size:
            raise InputError(
                f"{name} contains {bad[0]:g}: in the binary example every label is 0 (negative) or 1 (positive)."
            )
    _check_same_length(true, pred)
    return true.astype(np.int64), pred.astype(np.int64)


def parse_binary_labels(text: str, *, name: str) -> np.ndarray:
    """Read what a student typed (``"1, 0, 1"``) into an int array of 0s and 1s.

    >>> parse_binary_labels("[1, 0, 1 1]", name="y_true").tolist()
    [1, 0, 1, 1]
    >>> parse_binary_labels("1, 2", name="y_pred")
    Traceback (most recent call last):
    ...
    annviz.errors.InputError: y_pred contains 2: in the binary example every label is 0 (negative) or 1 (positive).
    """
    if not (text or "").strip().strip("[]()").strip():
        raise InputError(f"{name} is empty: type labels 0 or 1 separated by commas, e.g. 1, 0, 1.")
    values = parse_vector(text, name=name, max_length=MAX_BINARY_LABELS)
    bad = values[(values != 0) & (values != 1)]
    if bad.size:
        raise InputError(
            f"{name} contains {bad[0]:g}: in the binary example every label is 0 (negative) or 1 (positive)."
        )
    return values.astype(np.int64)


def check_class_labels(y_true: Any, y_pred: Any, *, n_classes: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Check two lists of class labels in ``0 … n_classes-1`` and return them as int arrays.

    >>> check_class_labels([0, 9, 3], [0, 4, 3])[0].tolist()
    [0, 9, 3]
    >>> check_class_labels([0, 10], [0, 1])
    Traceback (most recent call last):
    ...
    annviz.errors.InputError: y_true contains 10: class labels must be whole numbers from 0 to 9.
    """
    true = _as_label_array(y_true, "y_true")
    pred = _as_label_array(y_pred, "y_pred")
    for name, array in (("y_true", true), ("y_pred", pred)):
        bad = array[(array != np.round(array)) | (array < 0) | (array >= n_classes)]
        if bad.size:
            raise InputError(f"{name} contains {bad[0]:g}: class labels must be whole numbers from 0 to {n_classes - 1}.")
    _check_same_length(true, pred)
    return true.astype(np.int64), pred.astype(np.int64)


def check_probabilities(probabilities: Any, *, n_examples: int, n_classes: int = 10) -> np.ndarray:
    """Check a model's softmax output: shape ``(n_examples, n_classes)``, finite, rows summing to 1.

    >>> check_probabilities([[0.2, 0.8]], n_examples=1, n_classes=2).shape
    (1, 2)
    >>> check_probabilities([[0.5, 0.7]], n_examples=1, n_classes=2)
    Traceback (most recent call last):
    ...
    annviz.errors.InputError: The model's probabilities do not sum to 1 per image: its last layer must be a softmax.
    """
    probs = np.asarray(probabilities, dtype=np.float64)
    if probs.shape != (n_examples, n_classes):
        raise InputError(
            f"The model gives an output of shape {probs.shape}, but {n_examples} images × {n_classes} "
            "class probabilities were expected: its last layer must be Dense(10, softmax)."
        )
    if not np.isfinite(probs).all():
        raise InputError("The model's output contains NaN or infinity: it diverged while training; train it again.")
    if (probs < -1e-6).any() or not np.allclose(probs.sum(axis=1), 1.0, atol=1e-3):
        raise InputError("The model's probabilities do not sum to 1 per image: its last layer must be a softmax.")
    return probs


# ---------------------------------------------------------------------------------------------
# The binary worked example
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BinaryCounts:
    """The four outcomes of a binary classifier (positive class = 1)."""

    tp: int
    tn: int
    fp: int
    fn: int

    @property
    def total(self) -> int:
        return self.tp + self.tn + self.fp + self.fn

    def as_matrix(self) -> np.ndarray:
        """The confusion matrix in scikit-learn's layout: rows actual 0/1, columns predicted 0/1."""
        return np.array([[self.tn, self.fp], [self.fn, self.tp]])


def binary_counts(y_true: Any, y_pred: Any) -> BinaryCounts:
    """TP, TN, FP, FN: ``sklearn.metrics.confusion_matrix(y_true, y_pred, labels=[0, 1])``, counted
    with one ``bincount`` of ``2·y_true + y_pred`` (tests hold it to scikit-learn's).

    >>> binary_counts([1, 0, 1, 1, 0, 1, 0], [1, 0, 0, 1, 0, 1, 1])
    BinaryCounts(tp=3, tn=2, fp=1, fn=1)
    """
    true, pred = check_binary_labels(y_true, y_pred)
    tn, fp, fn, tp = np.bincount(2 * np.asarray(true, dtype=np.int64) + np.asarray(pred, dtype=np.int64), minlength=4)
    return BinaryCounts(tp=int(tp), tn=int(tn), fp=int(fp), fn=int(fn))


def _frac(numerator: str, denominator: str) -> str:
    return rf"\frac{{{numerator}}}{{{denominator}}}"


def _f1_substituted(c: BinaryCounts, values: dict[str, float]) -> str:
    p, r = values["precision"], values["recall"]
    counts_form = _frac(rf"2 \cdot {c.tp}", rf"2 \cdot {c.tp} + {c.fp} + {c.fn}")
    if p + r == 0:
        return counts_form
    lecture_form = _frac(rf"{p:.3f} \cdot {r:.3f}", f"{p:.3f} + {r:.3f}")
    return rf"2 \cdot {lecture_form} = {counts_form}"


_F1_FORMULA = (
    r"2 \cdot " + _frac(r"\text{Precision} \cdot \text{Recall}", r"\text{Precision} + \text{Recall}")
    + " = " + _frac("2TP", "2TP + FP + FN")
)


def _ratio(numerator: int, denominator: int) -> float:
    """``numerator / denominator``, and 0 for 0/0 as scikit-learn's ``zero_division=0`` reports it.

    >>> _ratio(3, 4), _ratio(0, 0)
    (0.75, 0.0)
    """
    return numerator / denominator if denominator else 0.0


@dataclass(frozen=True)
class BinaryMetric:
    """One metric of the binary family: how scikit-learn computes it and how the lecture writes it.

    ``formula`` is the lecture's LaTeX; ``substitute(counts, values)`` writes it with the
    numbers; ``undefined(counts)`` is true when the formula is 0/0, in which case
    scikit-learn (``zero_division=0``) reports 0 and ``why_zero`` says why. ``from_counts``
    is the formula itself on the four counts (0 where it is 0/0): what the page shows, tested
    to equal ``score`` (scikit-learn) on every input; it costs microseconds instead of
    scikit-learn's milliseconds of input validation, on every move of a threshold.
    """

    name: str
    title: str
    question: str
    formula: str
    score: Callable[[np.ndarray, np.ndarray], float]
    substitute: Callable[[BinaryCounts, dict[str, float]], str]
    undefined: Callable[[BinaryCounts], bool]
    why_zero: str
    from_counts: Callable[[BinaryCounts], float]


#: One row per metric of the lecture; the page, the formulas and the tests all read this table.
BINARY_METRICS: dict[str, BinaryMetric] = {
    m.name: m
    for m in (
        BinaryMetric(
            "accuracy",
            "Accuracy",
            "Of all predictions, how many are right?",
            _frac("TP + TN", "TP + TN + FP + FN"),
            skm.accuracy_score,
            lambda c, v: _frac(f"{c.tp} + {c.tn}", f"{c.tp} + {c.tn} + {c.fp} + {c.fn}"),
            lambda c: c.total == 0,
            "There are no examples.",
            lambda c: _ratio(c.tp + c.tn, c.total),
        ),
        BinaryMetric(
            "precision",
            "Precision",
            "Of the examples predicted positive, how many really are?",
            _frac("TP", "TP + FP"),
            partial(skm.precision_score, zero_division=0),
            lambda c, v: _frac(f"{c.tp}", f"{c.tp} + {c.fp}"),
            lambda c: c.tp + c.fp == 0,
            "The model predicted no positives (TP + FP = 0), so precision is 0/0; "
            "scikit-learn's zero_division=0 reports it as 0.",
            lambda c: _ratio(c.tp, c.tp + c.fp),
        ),
        BinaryMetric(
            "recall",
            "Recall",
            "Of the examples that really are positive, how many did the model find?",
            _frac("TP", "TP + FN"),
            partial(skm.recall_score, zero_division=0),
            lambda c, v: _frac(f"{c.tp}", f"{c.tp} + {c.fn}"),
            lambda c: c.tp + c.fn == 0,
            "There are no actual positives (TP + FN = 0), so recall is 0/0; "
            "scikit-learn's zero_division=0 reports it as 0.",
            lambda c: _ratio(c.tp, c.tp + c.fn),
        ),
        BinaryMetric(
            "f1",
            "F1 score",
            "The harmonic mean of precision and recall: high only when both are. The lecture calls it ideal "
            "for imbalanced classes; note that it never counts the true negatives (TN is in none of its terms), "
            "so it says nothing about how well the negatives are recognised.",
            _F1_FORMULA,
            partial(skm.f1_score, zero_division=0),
            _f1_substituted,
            lambda c: 2 * c.tp + c.fp + c.fn == 0,
            "There are no positives at all, actual or predicted (2TP + FP + FN = 0), so F1 is 0/0; "
            "scikit-learn's zero_division=0 reports it as 0.",
            lambda c: _ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn),
        ),
    )
}


@dataclass(frozen=True)
class MetricValue:
    """A metric's value (from scikit-learn) with its formula written out for these counts."""

    metric: BinaryMetric
    value: float
    substituted: str
    undefined: bool

    @property
    def latex(self) -> str:
        """The formula on one line, the counts substituted on the next (KaTeX ``aligned``)."""
        definition = rf"\text{{{self.metric.title}}} &= {self.metric.formula}"
        if self.undefined:
            # 0/0 has no value; say what scikit-learn reports instead of writing "0/0 = 0".
            worked = rf"&= {self.substituted} \;\rightarrow\; {self.value:.3f} \;\text{{(0/0, reported as 0)}}"
        else:
            worked = rf"&= {self.substituted} = {self.value:.3f}"
        return rf"\begin{{aligned}} {definition} \\ {worked} \end{{aligned}}"


@dataclass(frozen=True)
class BinaryReport:
    """Counts and the four metrics of one binary example."""

    counts: BinaryCounts
    values: dict[str, MetricValue]

    def __getitem__(self, name: str) -> float:
        return self.values[name].value


def binary_report(y_true: Any, y_pred: Any) -> BinaryReport:
    r"""Accuracy, precision, recall and F1 (scikit-learn's values, from the counts), with the counts substituted.

    The lecture's worked example gives 5/7 = 0.714 (the slide rounds to 0.71) and 0.75 three times:

    >>> report = binary_report([1, 0, 1, 1, 0, 1, 0], [1, 0, 0, 1, 0, 1, 1])
    >>> [round(report[name], 3) for name in ("accuracy", "precision", "recall", "f1")]
    [0.714, 0.75, 0.75, 0.75]
    >>> print(report.values["precision"].latex)
    \begin{aligned} \text{Precision} &= \frac{TP}{TP + FP} \\ &= \frac{3}{3 + 1} = 0.750 \end{aligned}
    """
    true, pred = check_binary_labels(y_true, y_pred)
    counts = binary_counts(true, pred)
    raw = {name: float(m.from_counts(counts)) for name, m in BINARY_METRICS.items()}
    values = {
        name: MetricValue(m, raw[name], m.substitute(counts, raw), m.undefined(counts))
        for name, m in BINARY_METRICS.items()
    }
    return BinaryReport(counts, values)


# ---------------------------------------------------------------------------------------------
# Ten classes
# ---------------------------------------------------------------------------------------------


def class_confusion_matrix(y_true: Any, y_pred: Any, *, n_classes: int = 10, normalize: bool = False) -> np.ndarray:
    """The ``n_classes × n_classes`` confusion matrix: row = true class, column = predicted class.

    ``normalize=True`` divides each row by its number of examples (``normalize="true"``
    in scikit-learn), so the diagonal is each class's recall.

    >>> class_confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2], n_classes=3).tolist()
    [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    >>> class_confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2], n_classes=3, normalize=True)[1].tolist()
    [0.0, 0.5, 0.5]
    """
    true, pred = check_class_labels(y_true, y_pred, n_classes=n_classes)
    return skm.confusion_matrix(true, pred, labels=np.arange(n_classes), normalize="true" if normalize else None)


def accuracy(y_true: Any, y_pred: Any, *, n_classes: int = 10) -> float:
    """``sklearn.metrics.accuracy_score``: the share of examples predicted right.

    >>> accuracy([0, 1, 2, 2], [0, 1, 1, 2], n_classes=3)
    0.75
    """
    true, pred = check_class_labels(y_true, y_pred, n_classes=n_classes)
    return float(skm.accuracy_score(true, pred))


#: Columns of :func:`classification_table`, as scikit-learn names them.
REPORT_COLUMNS = ("precision", "recall", "f1-score", "support")
AVERAGE_ROWS = ("macro avg", "weighted avg")


def classification_table(y_true: Any, y_pred: Any, *, n_classes: int = 10) -> pd.DataFrame:
    """``sklearn.metrics.classification_report`` as a DataFrame: one row per class plus the averages.

    Rows ``"0" … "9"``, ``"macro avg"`` (plain mean over classes) and ``"weighted avg"``
    (mean weighted by support); columns precision, recall, f1-score, support. A
    class that is never predicted has precision 0/0, reported as 0 (``zero_division=0``).

    >>> table = classification_table([0, 1, 1, 2], [0, 1, 2, 2], n_classes=3)
    >>> float(table.loc["2", "precision"]), int(table.loc["macro avg", "support"])
    (0.5, 4)
    """
    true, pred = check_class_labels(y_true, y_pred, n_classes=n_classes)
    report = skm.classification_report(
        true, pred, labels=np.arange(n_classes), output_dict=True, zero_division=0
    )
    rows = [str(c) for c in range(n_classes)] + list(AVERAGE_ROWS)
    table = pd.DataFrame.from_dict({row: report[row] for row in rows}, orient="index")[list(REPORT_COLUMNS)]
    table["support"] = table["support"].astype(np.int64)
    return table


def classes_without_predictions(y_pred: Any, *, n_classes: int = 10) -> list[int]:
    """Classes the model never predicts: their precision is 0/0, shown as 0.

    >>> classes_without_predictions([0, 0, 2], n_classes=4)
    [1, 3]
    """
    pred = np.asarray(y_pred)
    return [c for c in range(n_classes) if not (pred == c).any()]


def most_confused_pair(counts: np.ndarray) -> tuple[int, int]:
    """The off-diagonal cell with the most examples: (true class, predicted class).

    >>> most_confused_pair(np.array([[5, 1, 0], [0, 4, 3], [2, 0, 6]]))
    (1, 2)
    """
    off_diagonal = np.array(counts, dtype=np.float64)
    np.fill_diagonal(off_diagonal, -1)
    true_class, predicted_class = np.unravel_index(int(np.argmax(off_diagonal)), off_diagonal.shape)
    return int(true_class), int(predicted_class)


def gallery_indices(
    y_true: Any, y_pred: Any, *, true_class: int, predicted_class: int, limit: int = GALLERY_SIZE
) -> np.ndarray:
    """Indices of the first ``limit`` examples of true class ``true_class`` predicted as ``predicted_class``.

    >>> gallery_indices([7, 7, 2, 7], [7, 1, 2, 1], true_class=7, predicted_class=1).tolist()
    [1, 3]
    """
    true, pred = np.asarray(y_true), np.asarray(y_pred)
    if true.shape != pred.shape:
        raise InputError(f"y_true has {true.size} labels but y_pred has {pred.size}: give one prediction per example.")
    if limit < 1:
        raise InputError(f"The gallery needs room for at least one image, not {limit}.")
    return np.flatnonzero((true == true_class) & (pred == predicted_class))[:limit]


def top_probabilities(probabilities: Any, *, k: int = 3) -> list[tuple[int, float]]:
    """The ``k`` most probable classes of one softmax output, most probable first.

    >>> top_probabilities([0.1, 0.6, 0.05, 0.25], k=2)
    [(1, 0.6), (3, 0.25)]
    """
    probs = np.asarray(probabilities, dtype=np.float64)
    order = np.argsort(-probs, kind="stable")[:k]
    return [(int(c), float(probs[c])) for c in order]


# ---------------------------------------------------------------------------------------------
# Imbalance: "is it a 7?" and the decision threshold
# ---------------------------------------------------------------------------------------------


def one_vs_rest(y: Any, positive_class: int = LECTURE_POSITIVE_DIGIT) -> np.ndarray:
    """The binary task "is it a ``positive_class``?": 1 where ``y == positive_class``, else 0.

    >>> one_vs_rest([7, 1, 7, 0]).tolist()
    [1, 0, 1, 0]
    """
    return (np.asarray(y) == positive_class).astype(np.int64)


def always_negative(y_binary: Any) -> np.ndarray:
    """The lazy classifier that always answers "no" (0): the imbalance baseline.

    On MNIST's test set "is it a 7?" it scores accuracy 0.8972 (1,028 sevens in
    10,000) and recall 0: it never finds a single 7.

    >>> binary_report([1, 0, 0, 0], always_negative([1, 0, 0, 0]))["accuracy"]
    0.75
    """
    return np.zeros(np.asarray(y_binary).shape, dtype=np.int64)


def check_threshold(threshold: float) -> float:
    """A decision threshold must be a finite number in [0, 1].

    >>> check_threshold(0.5)
    0.5
    """
    value = float(threshold)
    if not (np.isfinite(value) and 0.0 <= value <= 1.0):
        raise InputError(f"The threshold {threshold} is not a probability: choose a value between 0 and 1.")
    return value


def threshold_predictions(scores: Any, threshold: float) -> np.ndarray:
    """Predict positive where the score reaches the threshold: ``ŷ = [P(positive) ≥ t]``.

    ``≥`` as in ``sklearn.metrics.precision_recall_curve``, so the point at a threshold
    lies on that curve.

    >>> threshold_predictions([0.2, 0.5, 0.9], 0.5).tolist()
    [0, 1, 1]
    """
    return (np.asarray(scores, dtype=np.float64) >= check_threshold(threshold)).astype(np.int64)


def threshold_report(y_binary: Any, scores: Any, threshold: float) -> BinaryReport:
    """Counts and metrics of the binary classifier ``P(positive) ≥ threshold``.

    >>> threshold_report([1, 0, 1, 0], [0.9, 0.6, 0.4, 0.1], 0.5).counts
    BinaryCounts(tp=1, tn=1, fp=1, fn=1)
    """
    true = np.asarray(y_binary)
    scores = np.asarray(scores, dtype=np.float64)
    if true.shape != scores.shape:
        raise InputError(f"There are {true.size} labels but {scores.size} scores: give one score per example.")
    return binary_report(true, threshold_predictions(scores, threshold))


@dataclass(frozen=True)
class ThresholdSweep:
    """Precision, recall and F1 of ``P(positive) ≥ t`` for each threshold ``t``."""

    thresholds: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray


#: The thresholds the page's slider offers: 0.01 … 0.99 in steps of 0.01.
THRESHOLD_GRID = np.round(np.linspace(0.01, 0.99, 99), 2)


def threshold_sweep(y_binary: Any, scores: Any, thresholds: Any = THRESHOLD_GRID) -> ThresholdSweep:
    """Precision, recall and F1 of ``ŷ = [score ≥ t]`` at each threshold of a grid, all at once.

    For each t: TP = #(y = 1, s ≥ t), FP = #(y = 0, s ≥ t), FN = #(y = 1) − TP; precision
    TP / (TP + FP), recall TP / (TP + FN), F1 = 2TP / (2TP + FP + FN), 0 where a denominator is 0
    (``zero_division=0``). The counts come from the sorted scores (one ``searchsorted``), not
    from one pass per threshold; ``tests/test_metrics.py`` pins every value to
    ``sklearn.metrics.precision_recall_fscore_support`` at each threshold.

    >>> sweep = threshold_sweep([1, 0, 1, 0], [0.9, 0.6, 0.4, 0.1], [0.3, 0.5, 0.7])
    >>> sweep.recall.tolist(), sweep.precision.tolist()
    ([1.0, 0.5, 0.5], [0.6666666666666666, 0.5, 1.0])
    """
    true, _ = check_binary_labels(y_binary, y_binary)
    scores = np.asarray(scores, dtype=np.float64)
    if true.shape != scores.shape:
        raise InputError(f"There are {true.size} labels but {scores.size} scores: give one score per example.")
    grid = np.asarray([check_threshold(t) for t in np.atleast_1d(np.asarray(thresholds, dtype=np.float64))])
    drawn = ~np.isnan(scores)  # a NaN score is never ≥ t: predicted negative, as ``>=`` says
    positives, negatives = np.sort(scores[(true == 1) & drawn]), np.sort(scores[(true == 0) & drawn])
    tp = positives.size - np.searchsorted(positives, grid, side="left")  # scores ≥ t
    fp = negatives.size - np.searchsorted(negatives, grid, side="left")
    fn = int(np.count_nonzero(true == 1)) - tp

    def ratio(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
        return np.divide(top, bottom, out=np.zeros(grid.shape, dtype=np.float64), where=bottom > 0)

    precision, recall = ratio(tp, tp + fp), ratio(tp, tp + fn)
    f1 = ratio(2 * tp, 2 * tp + fp + fn)
    return ThresholdSweep(grid, precision, recall, f1)


@dataclass(frozen=True)
class PrecisionRecallCurve:
    """``sklearn.metrics.precision_recall_curve`` and the average precision (area under it)."""

    precision: np.ndarray
    recall: np.ndarray
    thresholds: np.ndarray
    average_precision: float


def precision_recall(y_binary: Any, scores: Any) -> PrecisionRecallCurve:
    """The precision-recall curve over every threshold the scores allow.

    >>> curve = precision_recall([1, 0, 1, 0], [0.9, 0.6, 0.4, 0.1])
    >>> curve.thresholds.tolist(), round(curve.average_precision, 4)
    ([0.1, 0.4, 0.6, 0.9], 0.8333)
    """
    true, _ = check_binary_labels(y_binary, y_binary)
    scores = np.asarray(scores, dtype=np.float64)
    if true.shape != scores.shape:
        raise InputError(f"There are {true.size} labels but {scores.size} scores: give one score per example.")
    if not true.any():
        raise InputError("There are no positive examples, so precision and recall have no curve.")
    # drop_intermediate removes thresholds that do not change the drawn curve (10,000 → ~500 points).
    precision, recall, thresholds = skm.precision_recall_curve(true, scores, drop_intermediate=True)
    return PrecisionRecallCurve(precision, recall, thresholds, float(skm.average_precision_score(true, scores)))


# ---------------------------------------------------------------------------------------------
# Running a trained model on the test set
# ---------------------------------------------------------------------------------------------


def predict_test_set(model: Any, inputs: np.ndarray, *, batch_size: int = 1000) -> np.ndarray:
    """``model.predict(inputs)``: each test image's softmax probabilities, checked, as float32.

    ``model`` is any Keras classifier ending in ``Dense(10, softmax)``; ``inputs``
    must have the shape its input layer expects (the lecture's MLP: (n, 784) in [0, 1]).
    Keras is not imported here: the model brings it.
    """
    expected = getattr(model, "input_shape", None)
    if expected is not None and tuple(expected[1:]) != tuple(np.shape(inputs)[1:]):
        raise InputError(
            f"This model expects inputs of shape {tuple(expected[1:])}, but the test images are "
            f"{tuple(np.shape(inputs)[1:])}: this page feeds flattened 784-pixel vectors like the lecture's MLP."
        )
    probabilities = model.predict(inputs, batch_size=batch_size, verbose=0)
    return check_probabilities(probabilities, n_examples=len(inputs)).astype(np.float32)
