"""annviz.metrics and annviz.metric_plots against scikit-learn and the lecture's worked example."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

from annviz import metric_plots, metrics
from annviz.mnist import load_mnist

# The lecture's definitions, written out from the counts: the formula the page shows must be
# the number scikit-learn returns whenever the formula is defined.
LECTURE_FORMULAS = {
    "accuracy": lambda c: (c.tp + c.tn) / (c.tp + c.tn + c.fp + c.fn),
    "precision": lambda c: c.tp / (c.tp + c.fp),
    "recall": lambda c: c.tp / (c.tp + c.fn),
    "f1": lambda c: 2 * c.tp / (2 * c.tp + c.fp + c.fn),
}
SKLEARN = {
    "accuracy": skm.accuracy_score,
    "precision": lambda t, p: skm.precision_score(t, p, zero_division=0),
    "recall": lambda t, p: skm.recall_score(t, p, zero_division=0),
    "f1": lambda t, p: skm.f1_score(t, p, zero_division=0),
}


@pytest.fixture(autouse=True)
def no_warnings():
    """The page must not spam the log: any warning (sklearn's UndefinedMetricWarning included) fails."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@pytest.fixture(scope="module")
def y_test() -> np.ndarray:
    return load_mnist()[1][1]


def random_binary(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 2, n), rng.integers(0, 2, n)


# --- the lecture's worked example -------------------------------------------------------------


def test_lecture_worked_example_counts_and_metrics():
    report = metrics.binary_report(metrics.LECTURE_Y_TRUE, metrics.LECTURE_Y_PRED)
    assert report.counts == metrics.BinaryCounts(tp=3, tn=2, fp=1, fn=1)
    assert report["accuracy"] == pytest.approx(5 / 7)
    assert round(report["accuracy"], 3) == 0.714 and round(report["accuracy"], 2) == 0.71  # the slide's 0.71
    assert report["precision"] == pytest.approx(0.75)
    assert report["recall"] == pytest.approx(0.75)
    assert report["f1"] == pytest.approx(0.75)
    assert not any(value.undefined for value in report.values.values())


def test_lecture_worked_example_formulas_show_the_counts():
    values = metrics.binary_report(metrics.LECTURE_Y_TRUE, metrics.LECTURE_Y_PRED).values
    assert r"\frac{3 + 2}{3 + 2 + 1 + 1} = 0.714" in values["accuracy"].latex
    assert r"\frac{3}{3 + 1} = 0.750" in values["precision"].latex
    assert r"\frac{3}{3 + 1} = 0.750" in values["recall"].latex
    assert r"2 \cdot \frac{0.750 \cdot 0.750}{0.750 + 0.750}" in values["f1"].latex
    assert r"\frac{2 \cdot 3}{2 \cdot 3 + 1 + 1} = 0.750" in values["f1"].latex


# --- each wrapper against scikit-learn ----------------------------------------------------------


@pytest.mark.parametrize("name", list(metrics.BINARY_METRICS))
@pytest.mark.parametrize("seed", range(6))
def test_binary_metric_matches_sklearn_and_its_formula(name, seed):
    y_true, y_pred = random_binary(seed, n=3 + 5 * seed)
    report = metrics.binary_report(y_true, y_pred)
    assert report[name] == pytest.approx(SKLEARN[name](y_true, y_pred), abs=1e-15)
    counts = report.counts
    if report.values[name].undefined:
        assert report[name] == 0.0
    else:
        assert report[name] == pytest.approx(LECTURE_FORMULAS[name](counts))


@pytest.mark.parametrize("seed", range(4))
def test_binary_counts_match_sklearn_confusion_matrix(seed):
    y_true, y_pred = random_binary(seed, n=50)
    counts = metrics.binary_counts(y_true, y_pred)
    np.testing.assert_array_equal(counts.as_matrix(), skm.confusion_matrix(y_true, y_pred))
    assert counts.tp == int(((y_true == 1) & (y_pred == 1)).sum())
    assert counts.total == 50


@pytest.mark.parametrize(
    ("y_true", "y_pred", "undefined"),
    [
        ([1, 0, 1], [0, 0, 0], {"precision"}),  # never predicts a positive
        ([0, 0, 0], [1, 0, 0], {"recall"}),  # no actual positive
        ([0, 0, 0], [0, 0, 0], {"precision", "recall", "f1"}),  # no positive anywhere
        ([1, 1, 0], [0, 0, 1], set()),  # all wrong, but every metric is defined (and 0)
    ],
)
def test_zero_division_is_zero_flagged_and_explained(y_true, y_pred, undefined):
    report = metrics.binary_report(y_true, y_pred)
    assert {name for name, value in report.values.items() if value.undefined} == undefined
    for name in undefined:
        value = report.values[name]
        assert value.value == 0.0
        assert "0/0" in value.metric.why_zero and "0/0" in value.latex
        assert value.value == SKLEARN[name](y_true, y_pred)


@pytest.mark.parametrize("normalize", [False, True])
def test_class_confusion_matrix_matches_sklearn(normalize):
    rng = np.random.default_rng(3)
    y_true, y_pred = rng.integers(0, 10, 500), rng.integers(0, 10, 500)
    y_true[y_true == 3] = 4  # a class with no examples: its normalised row is 0, not NaN
    ours = metrics.class_confusion_matrix(y_true, y_pred, normalize=normalize)
    reference = skm.confusion_matrix(y_true, y_pred, labels=range(10), normalize="true" if normalize else None)
    np.testing.assert_allclose(ours, reference)
    assert np.isfinite(ours).all()
    if normalize:
        np.testing.assert_allclose(ours.sum(axis=1)[[c for c in range(10) if c != 3]], 1.0)
    else:
        assert ours.sum() == 500


def test_classification_table_matches_sklearn_report():
    rng = np.random.default_rng(4)
    y_true, y_pred = rng.integers(0, 10, 400), rng.integers(0, 10, 400)
    y_pred[y_pred == 6] = 5  # class 6 is never predicted: precision 0/0 → 0, without a warning
    table = metrics.classification_table(y_true, y_pred)
    report = skm.classification_report(y_true, y_pred, output_dict=True, zero_division=0)
    assert list(table.index) == [str(c) for c in range(10)] + ["macro avg", "weighted avg"]
    for row in table.index:
        for column in metrics.REPORT_COLUMNS:
            assert table.loc[row, column] == pytest.approx(report[row][column])
    per_class = table.iloc[:10]
    assert table.loc["macro avg", "recall"] == pytest.approx(per_class["recall"].mean())
    weights = per_class["support"] / per_class["support"].sum()
    assert table.loc["weighted avg", "f1-score"] == pytest.approx((per_class["f1-score"] * weights).sum())
    assert table.loc["6", "precision"] == 0.0
    assert metrics.classes_without_predictions(y_pred) == [6]
    assert metrics.accuracy(y_true, y_pred) == skm.accuracy_score(y_true, y_pred)


def test_most_confused_pair_and_top_probabilities():
    counts = skm.confusion_matrix([4, 4, 4, 9, 7, 7], [9, 9, 4, 4, 1, 7])
    labels = sorted({4, 9, 7, 1})
    true_i, pred_j = metrics.most_confused_pair(counts)
    assert (labels[true_i], labels[pred_j]) == (4, 9)
    probs = np.random.default_rng(0).dirichlet(np.ones(10))
    top = metrics.top_probabilities(probs, k=3)
    assert [c for c, _ in top] == list(np.argsort(probs)[::-1][:3])
    assert [p for _, p in top] == pytest.approx(np.sort(probs)[::-1][:3])


# --- imbalance: "is it a 7?" ---------------------------------------------------------------------


def test_always_not_seven_baseline_on_mnist(y_test):
    y_seven = metrics.one_vs_rest(y_test, 7)
    assert int(y_seven.sum()) == 1028  # MNIST's test set has 1,028 sevens
    baseline = metrics.binary_report(y_seven, metrics.always_negative(y_seven))
    assert baseline["accuracy"] == pytest.approx(0.8972)  # "~90% accuracy"
    assert baseline["recall"] == 0.0  # it never finds a 7
    assert baseline["precision"] == 0.0 and baseline.values["precision"].undefined
    assert baseline["f1"] == 0.0
    assert baseline.counts == metrics.BinaryCounts(tp=0, tn=8972, fp=0, fn=1028)


@pytest.mark.parametrize("threshold", [0.01, 0.3, 0.5, 0.77, 0.99])
def test_threshold_report_matches_sklearn_and_lies_on_the_pr_curve(threshold):
    rng = np.random.default_rng(5)
    y_binary = (rng.random(2000) < 0.1).astype(int)
    scores = np.clip(0.6 * y_binary + rng.normal(0.2, 0.2, 2000), 0, 1)
    report = metrics.threshold_report(y_binary, scores, threshold)
    y_hat = (scores >= threshold).astype(int)
    assert report["precision"] == skm.precision_score(y_binary, y_hat, zero_division=0)
    assert report["recall"] == skm.recall_score(y_binary, y_hat)
    assert report["f1"] == skm.f1_score(y_binary, y_hat, zero_division=0)
    # The page's point at this threshold is the full curve's point at the first threshold ≥ t.
    precision, recall, thresholds = skm.precision_recall_curve(y_binary, scores)
    i = int(np.searchsorted(thresholds, threshold))
    if i < len(thresholds):
        assert (report["precision"], report["recall"]) == pytest.approx((precision[i], recall[i]))
    sweep = metrics.threshold_sweep(y_binary, scores, [threshold])
    assert (sweep.precision[0], sweep.recall[0], sweep.f1[0]) == pytest.approx(
        (report["precision"], report["recall"], report["f1"])
    )


@pytest.mark.parametrize("seed", range(6))
def test_the_threshold_sweep_is_sklearns_precision_recall_f1_at_every_threshold(seed):
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 400))
    y_binary = (rng.random(size) < rng.choice([0.0, 0.1, 0.5, 1.0])).astype(int)
    scores = np.round(rng.random(size), int(rng.integers(1, 3)))  # rounded: ties with the grid
    if seed == 5:
        scores[::7] = np.nan
    grid = np.concatenate([metrics.THRESHOLD_GRID, [0.0, 1.0, 0.5]])
    sweep = metrics.threshold_sweep(y_binary, scores, grid)
    for index, threshold in enumerate(grid):
        expected = skm.precision_recall_fscore_support(
            y_binary, (scores >= threshold).astype(int), average="binary", zero_division=0, labels=[0, 1]
        )[:3]
        assert (sweep.precision[index], sweep.recall[index], sweep.f1[index]) == pytest.approx(expected), threshold


def test_precision_recall_curve_is_sklearns_drawn_curve():
    rng = np.random.default_rng(6)
    y_binary = (rng.random(3000) < 0.1).astype(int)
    scores = rng.random(3000) * 0.5 + 0.5 * y_binary * rng.random(3000)
    curve = metrics.precision_recall(y_binary, scores)
    precision, recall, thresholds = skm.precision_recall_curve(y_binary, scores, drop_intermediate=True)
    np.testing.assert_array_equal(curve.precision, precision)
    np.testing.assert_array_equal(curve.thresholds, thresholds)
    assert curve.average_precision == skm.average_precision_score(y_binary, scores)
    assert np.all(np.isin(thresholds, skm.precision_recall_curve(y_binary, scores)[2]))


# --- the gallery ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("true_class", "predicted_class"), [(4, 9), (7, 2), (3, 3), (0, 8)])
def test_gallery_shows_only_the_selected_cell(true_class, predicted_class):
    rng = np.random.default_rng(7)
    y_true = rng.integers(0, 10, 3000)
    y_pred = np.where(rng.random(3000) < 0.7, y_true, rng.integers(0, 10, 3000))
    indices = metrics.gallery_indices(y_true, y_pred, true_class=true_class, predicted_class=predicted_class)
    in_cell = skm.confusion_matrix(y_true, y_pred, labels=range(10))[true_class, predicted_class]
    assert len(indices) == min(metrics.GALLERY_SIZE, in_cell) > 0
    assert (y_true[indices] == true_class).all() and (y_pred[indices] == predicted_class).all()
    everything = metrics.gallery_indices(y_true, y_pred, true_class=true_class, predicted_class=predicted_class, limit=10**6)
    assert len(everything) == in_cell


def test_gallery_captions_name_the_image_and_its_top_classes():
    probs = np.full((1, 10), 0.01)
    probs[0, 9], probs[0, 4] = 0.61, 0.30
    (caption,) = metric_plots.gallery_captions([1234], probs)
    assert caption == "#1234 · 9: 61.0% · 4: 30.0% · 0: 1.0%"


# --- bad input -----------------------------------------------------------------------------------

BAD_BINARY_TEXT = [
    ("", "1, 0", "y_true is empty"),
    ("1, 0", "  ", "y_pred is empty"),
    ("1, 0, 1", "1, 0", "y_true has 3 labels but y_pred has 2"),
    ("1, 0, 2", "1, 0, 1", "y_true contains 2"),
    ("1, -1", "1, 0", "y_true contains -1"),
    ("1, 0.5", "1, 0", "y_true contains 0.5"),
    ("1, a", "1, 0", "`a` in y_true is not a number"),
    ("1, nan", "1, 0", "only finite numbers"),
    ("1, inf", "1, 0", "only finite numbers"),
    (", ".join(["1"] * 1001), ", ".join(["1"] * 1001), "between 1 and 1000"),
]


@pytest.mark.parametrize(("true_text", "pred_text", "message"), BAD_BINARY_TEXT)
def test_bad_binary_lists_raise_a_sentence(true_text, pred_text, message):
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        y_true = metrics.parse_binary_labels(true_text, name="y_true")
        y_pred = metrics.parse_binary_labels(pred_text, name="y_pred")
        metrics.binary_report(y_true, y_pred)
    assert str(error.value).endswith(".")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: metrics.binary_report([], []), "y_true is empty"),
        (lambda: metrics.binary_report([1, 0], [1]), "give exactly one prediction per example"),
        (lambda: metrics.binary_report(["yes"], [1]), "numbers only"),
        (lambda: metrics.binary_report([[1, 0]], [[1, 0]]), "flat list"),
        (lambda: metrics.class_confusion_matrix([0, 10], [0, 1]), "from 0 to 9"),
        (lambda: metrics.class_confusion_matrix([0, 1.5], [0, 1]), "whole numbers"),
        (lambda: metrics.classification_table([0, 1], [0]), "give exactly one prediction"),
        (lambda: metrics.threshold_report([1, 0], [0.2, 0.9], 1.5), "between 0 and 1"),
        (lambda: metrics.threshold_report([1, 0], [0.2, 0.9], float("nan")), "between 0 and 1"),
        (lambda: metrics.threshold_report([1, 0], [0.2], 0.5), "one score per example"),
        (lambda: metrics.precision_recall([0, 0], [0.2, 0.3]), "no positive examples"),
        (lambda: metrics.gallery_indices([1], [1, 2], true_class=1, predicted_class=1), "one prediction"),
        (lambda: metrics.check_probabilities(np.ones((2, 9)) / 9, n_examples=2), "Dense(10, softmax)"),
        (lambda: metrics.check_probabilities(np.full((1, 10), np.nan), n_examples=1), "diverged"),
        (lambda: metrics.check_probabilities(np.ones((1, 10)), n_examples=1), "softmax"),
    ],
)
def test_bad_input_raises_a_sentence(call, message):
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        call()
    assert str(error.value).endswith(".")


class _FixedOutputModel:
    """A stand-in with Keras's ``input_shape``/``predict`` surface, returning a given output."""

    def __init__(self, output: np.ndarray, input_shape=(None, 784)):
        self.output, self.input_shape = output, input_shape

    def predict(self, inputs, batch_size, verbose):
        return self.output


def test_predict_test_set_checks_the_model():
    inputs = np.zeros((3, 784), dtype=np.float32)
    good = np.full((3, 10), 0.1, dtype=np.float32)
    assert metrics.predict_test_set(_FixedOutputModel(good), inputs).dtype == np.float32
    with pytest.raises(ValueError, match=r"expects inputs of shape \(28, 28, 1\)"):
        metrics.predict_test_set(_FixedOutputModel(good, input_shape=(None, 28, 28, 1)), inputs)
    with pytest.raises(ValueError, match="NaN"):
        metrics.predict_test_set(_FixedOutputModel(good * np.nan), inputs)


# --- figures -------------------------------------------------------------------------------------


@pytest.mark.parametrize("normalize", [False, True])
def test_confusion_figure_writes_every_cell_once_and_clicks_map_back(normalize):
    rng = np.random.default_rng(8)
    y_true, y_pred = rng.integers(0, 10, 300), rng.integers(0, 10, 300)
    matrix = metrics.class_confusion_matrix(y_true, y_pred, normalize=normalize)
    fig = metric_plots.confusion_figure(matrix, normalized=normalize, selected=(4, 9))
    right, wrong, clicks = fig.data
    for t in range(10):
        for p in range(10):
            written = [right.text[t][p], wrong.text[t][p]]
            assert written.count("") == 1  # exactly one layer writes each cell
            shown = "".join(written)
            assert float(shown) == pytest.approx(matrix[t, p], abs=0.0051)
    for point in clicks.customdata:
        t, p, shown = point
        assert metric_plots.clicked_cell([{"customdata": list(point)}]) == (t, p)
        assert float(shown) == pytest.approx(matrix[t, p], abs=0.0051)
    (outline,) = fig.layout.shapes
    assert (outline.x0, outline.y0) == (8.5, 3.5)


def test_binary_confusion_figure_puts_counts_in_sklearn_layout():
    counts = metrics.binary_counts([1, 0, 1, 1, 0, 1, 0, 0], [1, 0, 0, 1, 0, 1, 1, 0])
    fig = metric_plots.binary_confusion_figure(counts)
    written = [["".join(cells) for cells in zip(*rows)] for rows in zip(fig.data[0].text, fig.data[1].text)]
    assert written == [["TN = 3", "FP = 1"], ["FN = 1", "TP = 3"]]


def test_precision_recall_figure_marks_the_current_point():
    y_binary = np.array([1, 0, 1, 0, 1, 0, 0, 0])
    scores = np.array([0.9, 0.8, 0.7, 0.3, 0.2, 0.2, 0.1, 0.05])
    report = metrics.threshold_report(y_binary, scores, 0.5)
    fig = metric_plots.precision_recall_figure(
        metrics.precision_recall(y_binary, scores),
        current_recall=report["recall"],
        current_precision=report["precision"],
        threshold=0.5,
        positive_rate=y_binary.mean(),
    )
    assert (fig.data[1].x[0], fig.data[1].y[0]) == pytest.approx((2 / 3, 2 / 3))
    assert fig.layout.shapes[0].y0 == pytest.approx(3 / 8)


@pytest.mark.parametrize("seed", range(20))
def test_counts_and_scores_from_counts_equal_scikit_learns(seed):
    """binary_report computes from the four counts; scikit-learn is the reference, 0/0 included."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    y_true = rng.integers(0, 2, n) * (seed % 5 != 0)  # some cases with no positives at all
    y_pred = rng.integers(0, 2, n) * (seed % 7 != 0)  # some with no predicted positives
    counts = metrics.binary_counts(y_true, y_pred)
    tn, fp, fn, tp = skm.confusion_matrix(y_true, y_pred, labels=[0, 1]).ravel()
    assert (counts.tp, counts.tn, counts.fp, counts.fn) == (tp, tn, fp, fn)
    report = metrics.binary_report(y_true, y_pred)
    for name, metric in metrics.BINARY_METRICS.items():
        assert report[name] == pytest.approx(float(metric.score(y_true, y_pred)), abs=1e-12), name


def test_f1_ignores_true_negatives_as_the_page_says():
    """More true negatives leave scikit-learn's F1 unchanged (and move accuracy): TN is in none of F1's terms."""
    y_true, y_pred = list(metrics.LECTURE_Y_TRUE), list(metrics.LECTURE_Y_PRED)
    f1, accuracy = skm.f1_score(y_true, y_pred), skm.accuracy_score(y_true, y_pred)
    for extra in (1, 10, 1000):
        more_true, more_pred = y_true + [0] * extra, y_pred + [0] * extra
        assert skm.f1_score(more_true, more_pred) == f1 == 0.75
        assert skm.accuracy_score(more_true, more_pred) > accuracy
    assert "never counts the true negatives" in metrics.BINARY_METRICS["f1"].question
