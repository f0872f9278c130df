"""Section 8: evaluation metrics. The worked example, MNIST's confusion matrix, imbalance and threshold."""

from __future__ import annotations

import numpy as np
import streamlit as st

from annviz import metric_plots, metrics
from annviz.inputs import format_vector
from annviz.mnist import N_CLASSES, flatten_and_scale
from annviz.runs import kept_models
from pages._exercises import check_yourself
from pages._figures import shared_mnist, shipped_mlp_test_probabilities
from pages._metric_views import class_evaluation, confusion_view, imbalance_curves, threshold_view, worked_example
from pages._trained import choose_own_run, collect_runs
from pages._lecture import on_screen
from pages._ui import page_header, shown_as_error

SHIPPED_MODEL = "mlp"
TABS = ("Worked example", "Ten classes", "Imbalance and threshold")

page_header(
    "8 · Evaluation metrics",
    "Accuracy answers one question: *how many predictions are right?* On imbalanced data it "
    "misleads, and some errors cost more than others. The **confusion matrix** counts every kind "
    "of right and wrong answer; **precision** asks how many predicted positives are real, "
    "**recall** how many real positives were found, and **F1** is high only when both are.", page="metrics",
)

tab_binary, tab_classes, tab_imbalance = st.tabs(TABS, key="metrics_tab", bind="query-params")


# The test-set predictions are computed only when a tab that needs them is open; the shipped
# MLP's once per server, in NumPy.
def mnist_test_set() -> tuple[np.ndarray, np.ndarray]:
    """MNIST's 10,000 test images and labels, shared read-only (no 7.8 MB copy per rerun)."""
    return shared_mnist()[1]


def session_probabilities(model) -> np.ndarray:
    """The chosen run's model on the test set, once while it stays chosen; the session keeps the
    result by the model's token (not the model, whose weights a run may let go)."""
    stored = st.session_state.get("metrics_session_predictions")
    if stored is None or stored[0] != model.token:
        probabilities = metrics.predict_test_set(model, flatten_and_scale(mnist_test_set()[0]))
        st.session_state["metrics_session_predictions"] = (model.token, probabilities)
    return st.session_state["metrics_session_predictions"][1]


def chosen_model() -> tuple[str, np.ndarray, str]:
    """The model the tabs evaluate: its description, its probabilities on the test set, and its key."""
    from annviz.pretrained import PRETRAINED

    options = {"shipped": f"the shipped {PRETRAINED[SHIPPED_MODEL].title}"}
    if kept_models(collect_runs()):
        options["session"] = "your model from the MNIST page"
        choice = st.radio(
            "Model", list(options), format_func=options.get, horizontal=True, key="metrics_model", bind="query-params"
        )
    else:
        choice = "shipped"
    if choice == "shipped":
        return options["shipped"], shipped_mlp_test_probabilities(SHIPPED_MODEL), "shipped"
    run = choose_own_run("metrics_run")
    with st.spinner("Running your model on the 10,000 test images…"):
        probabilities = session_probabilities(run.model)
    return f"your model from the MNIST page ({run.label})", probabilities, f"session {run.model.token}"


def select_clicked_cell() -> None:
    cell = metric_plots.clicked_cell(st.session_state["metrics_cm_click"].selection.points)
    if cell is not None:
        st.session_state["metrics_cell_true"], st.session_state["metrics_cell_pred"] = cell


@st.fragment
def worked_example_tab() -> None:
    """The worked example: an edited label reruns this tab only."""
    st.container(key="metrics_how_to").markdown("Edit the actual labels and the model's predictions (1 = positive, 0 = negative).")
    left, right = st.columns(2)
    true_text = left.text_input(
        "y_true (actual)", format_vector(metrics.LECTURE_Y_TRUE), key="metrics_y_true", bind="query-params"
    )
    pred_text = right.text_input(
        "y_pred (predicted)", format_vector(metrics.LECTURE_Y_PRED), key="metrics_y_pred", bind="query-params"
    )
    with shown_as_error():
        y_true = metrics.parse_binary_labels(true_text, name="y_true")
        y_pred = metrics.parse_binary_labels(pred_text, name="y_pred")
        report, report_figure = worked_example(tuple(int(v) for v in y_true), tuple(int(v) for v in y_pred))
        for column, value in zip(st.container(key="metrics_scores").columns(4), report.values.values()):
            column.metric(value.metric.title, f"{value.value:.3f}")
        matrix_column, formula_column = st.columns([2, 3])
        with matrix_column:
            counts = report.counts
            for column, (name, value) in zip(
                st.container(key="metrics_counts").columns(4),
                (("TP", counts.tp), ("TN", counts.tn), ("FP", counts.fp), ("FN", counts.fn)),
            ):
                column.metric(name, value)
            st.plotly_chart(on_screen(report_figure), key="metrics_binary_cm")
        with formula_column:
            if (tuple(y_true), tuple(y_pred)) == (metrics.LECTURE_Y_TRUE, metrics.LECTURE_Y_PRED):
                st.caption("The lecture's example. Its slide rounds accuracy 5/7 = 0.714 to 0.71.")
            for value in report.values.values():
                st.markdown(f"**{value.metric.title}**: {value.metric.question}")
                st.latex(value.latex)
                if value.undefined:
                    st.info(value.metric.why_zero, icon=":material/info:")
    with st.expander("The same numbers with scikit-learn"):
        st.code(
            "from sklearn.metrics import (accuracy_score, confusion_matrix, f1_score,\n"
            "                             precision_score, recall_score)\n\n"
            f"y_true = [{true_text.strip().strip('[]')}]\ny_pred = [{pred_text.strip().strip('[]')}]\n"
            "tn, fp, fn, tp = confusion_matrix(y_true, y_pred, labels=[0, 1]).ravel()\n"
            "accuracy_score(y_true, y_pred)\n"
            "precision_score(y_true, y_pred, zero_division=0)  # 0/0 → 0 instead of a warning\n"
            "recall_score(y_true, y_pred, zero_division=0)\n"
            "f1_score(y_true, y_pred, zero_division=0)",
            language="python",
        )


if tab_binary.open:
    with tab_binary:
        worked_example_tab()


@st.fragment
def ten_classes_tab() -> None:
    """Ten classes: a picked cell or the normalisation reruns this tab only."""
    with shown_as_error():
        x_test, y_test = mnist_test_set()
        label, probabilities, model_key = chosen_model()
        y_pred, counts, rates, table, per_class = class_evaluation(model_key, y_test, probabilities)
        st.markdown(
            f"Evaluating {label} on the 10,000 test images: accuracy "
            f"**{metrics.accuracy(y_test, y_pred):.4f}**. Click a cell (or pick it below) to see its images."
        )
        normalized = st.toggle(
            "Row-normalised (each row sums to 1; the diagonal is recall)", key="metrics_normalize", bind="query-params"
        )
        default_true, default_pred = metrics.most_confused_pair(counts)
        matrix_column, gallery_column = st.columns(2)
        with gallery_column:
            pick_true, pick_pred = st.columns(2)
            true_class = pick_true.selectbox(
                "True class", range(N_CLASSES), index=default_true, key="metrics_cell_true", bind="query-params"
            )
            predicted_class = pick_pred.selectbox(
                "Predicted class", range(N_CLASSES), index=default_pred, key="metrics_cell_pred", bind="query-params"
            )
            indices = metrics.gallery_indices(
                y_test, y_pred, true_class=true_class, predicted_class=predicted_class
            )
            in_cell = int(counts[true_class, predicted_class])
            if in_cell == 0:
                st.info(f"No test image of a {true_class} was predicted as {predicted_class}.", icon=":material/info:")
            else:
                verdict = "right" if true_class == predicted_class else "wrong"
                st.markdown(
                    f"**True {true_class}, predicted {predicted_class}** ({verdict}): "
                    f"{len(indices)} of {in_cell} images, with the model's top probabilities."
                )
                st.image(
                    metric_plots.enlarge_digits(x_test[indices]),
                    caption=metric_plots.gallery_captions(indices, probabilities[indices]),
                    width=112,
                )
        with matrix_column:
            st.plotly_chart(
                on_screen(confusion_view(model_key, normalized, int(true_class), int(predicted_class), rates if normalized else counts),
                          lecture_height=390),
                key="metrics_cm_click",
                on_select=select_clicked_cell,
                selection_mode="points",
                config={"displayModeBar": False},
            )
        never = metrics.classes_without_predictions(y_pred)
        if never:
            st.info(
                f"The model never predicts class {', '.join(map(str, never))}: its precision is 0/0, shown as 0.",
                icon=":material/info:",
            )
        bars_column, table_column = st.columns([3, 2])
        bars_column.plotly_chart(on_screen(per_class), key="metrics_per_class")
        with table_column:
            number = st.column_config.NumberColumn(format="%.3f")
            config = {"precision": number, "recall": number, "f1-score": number}
            st.dataframe(table.iloc[:N_CLASSES], column_config=config, key="metrics_table", height=388)
            st.dataframe(table.iloc[N_CLASSES:], column_config=config, key="metrics_averages")
        with st.expander("The Keras and scikit-learn code"):
            st.code(
                "from sklearn.metrics import classification_report, confusion_matrix\n\n"
                "probabilities = model.predict(x_test)          # (10000, 10) softmax outputs\n"
                "y_pred = probabilities.argmax(axis=1)          # the most probable class\n"
                "confusion_matrix(y_test, y_pred)               # row = true, column = predicted\n"
                "confusion_matrix(y_test, y_pred, normalize='true')\n"
                "classification_report(y_test, y_pred, zero_division=0)\n"
                "# macro avg = plain mean over the 10 classes; weighted avg = mean weighted by support",
                language="python",
            )


if tab_classes.open:
    with tab_classes:
        ten_classes_tab()


@st.fragment
def imbalance_tab() -> None:
    """Imbalance and threshold: a threshold move reruns this tab only."""
    with shown_as_error():
        _, y_test = mnist_test_set()
        label, probabilities, model_key = chosen_model()
        digit_column, threshold_column = st.columns([1, 3])
        digit = digit_column.selectbox(
            "Positive class: is it a …?", range(N_CLASSES), index=metrics.LECTURE_POSITIVE_DIGIT,
            key="metrics_digit", bind="query-params",
        )
        threshold = threshold_column.slider(
            f"Threshold t: answer “{digit}” when P({digit}) ≥ t", 0.01, 0.99, 0.5, 0.01,
            key="metrics_threshold", bind="query-params",
        )
        y_binary, _, _, _, baseline = imbalance_curves(model_key, int(digit), y_test, probabilities)
        current, threshold_cm, pr_figure, sweep_figure = threshold_view(model_key, int(digit), float(threshold), y_test, probabilities)
        st.markdown(
            f"Only **{int(y_binary.sum()):,} of {len(y_binary):,}** test images are {digit}s "
            f"({y_binary.mean():.1%}). A classifier that always answers “not {digit}” never finds one, "
            f"yet scores {baseline['accuracy']:.1%} accuracy. Model: {label}."
        )
        names = ("accuracy", "precision", "recall", "f1")
        scores = st.container(key="metrics_threshold_scores")
        for title, report in ((f"Always “not {digit}”", baseline), (f"Model, P({digit}) ≥ {threshold:.2f}", current)):
            columns = scores.columns([2, 1, 1, 1, 1])
            columns[0].markdown(f"**{title}**")
            for column, name in zip(columns[1:], names):
                value = report.values[name]
                why = value.metric.why_zero if value.undefined else None
                column.metric(value.metric.title, f"{value.value:.3f}", help=why)
        st.caption(
            f"The always-“not {digit}” precision is 0/0 (it predicts no positives): "
            "scikit-learn's zero_division=0 shows 0."
        )
        matrix_column, curve_column, sweep_column = st.columns(3)
        matrix_column.plotly_chart(on_screen(threshold_cm), key="metrics_threshold_cm")
        curve_column.plotly_chart(on_screen(pr_figure), key="metrics_pr_curve")
        sweep_column.plotly_chart(on_screen(sweep_figure), key="metrics_sweep")
        with st.expander("The scikit-learn code"):
            st.code(
                f"from sklearn.metrics import precision_recall_curve, precision_score, recall_score\n\n"
                f"y_binary = (y_test == {digit}).astype(int)     # the task: is it a {digit}?\n"
                f"scores = model.predict(x_test)[:, {digit}]      # the model's P({digit})\n"
                f"y_hat = (scores >= {threshold:.2f}).astype(int)\n"
                "precision_score(y_binary, y_hat, zero_division=0), recall_score(y_binary, y_hat)\n"
                "precision, recall, thresholds = precision_recall_curve(y_binary, scores)",
                language="python",
            )


if tab_imbalance.open:
    with tab_imbalance:
        imbalance_tab()


check_yourself(section=8)
