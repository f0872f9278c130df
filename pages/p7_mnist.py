"""Section 7: MNIST. Look at the digits, train the lecture's MLP live, test it on unseen images.

The training runs in a process of its own (``annviz.serving.TrainingService``); this session
keeps its job in ``st.session_state["mnist_run"]``, so it survives reruns and page switches, and
a fragment polls it every ``POLL_S`` seconds while it runs. At most ``MAX_TRAININGS`` run at
once on the server; the rest wait in a first-come-first-served queue.

Every ended training is kept (``pages/_trained.py``, ``annviz.runs``: up to 8 a session): the
"Compare your runs" part shows them as a table and overlays the curves of the picked ones (a
fragment, so picking reruns only it); the metrics (8) and draw-a-digit (7) pages offer any kept
run's model (its weights as NumPy arrays, ``annviz.serving.TrainedMLP``).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from annviz import mnist_plots as plots
from annviz.class_board import board_figure, board_rows, board_table
from annviz.digit_plots import probability_bars_figure
from annviz.mnist import flatten_and_scale
from annviz.pretrained import read_manifest
from annviz.runs import MAX_KEPT_RUNS, KeptRun, curve_metrics, curves_csv, number_ranges, run_names, runs_csv
from annviz.runs import styled_runs_table, undrawable_sentence
from annviz.serving import JobSnapshot, TrainingJob, expected_wait_sentence
from annviz.serving.sharing import duration_sentence, shared_run_sentence, starting_sentence
from annviz.formatting import format_seconds
from annviz.keras_workflow import keras_workflow_code
from annviz.training_config import SETTINGS, TrainingConfig, execution_steps, settings_of
from annviz.lecture_claims import lecture_accuracy_sentence, overfitting_sentence
from annviz.training_config import TRAINING_PRESETS
from pages._exercises import check_yourself
from pages._figures import mnist_digit_views, mnist_overview, shared_mnist
from pages._serving import MAX_TRAININGS, session_owner, training_service
from pages._trained import LET_GO_KEY, RUN_KEY, RUNS_KEY, UNPICKED_KEY, collect_runs, newest_after_a_new_run, recover_runs
from pages._trained import remember_choice
from pages._training_form import mark_form_set, setting_key, training_form
from pages._lecture import on_screen
from pages._ui import page_header, shown_as_error

TABS = ("Explore the data", "Train and test", "Class board")
#: Seconds between redraws of the class board while a run of this server is training.
BOARD_POLL_S = 5.0
#: Seconds between redraws of the live plots while training: each redraw is a fragment run in
#: the server, which a whole class shares.
POLL_S = 2.0

page_header(
    "7 · MNIST: a network learns to read digits",
    "70,000 handwritten digits, 28×28 pixels each, 0 (black) to 255 (white). The network sees "
    "**784 numbers between 0 and 1**: each image is flattened (`reshape(-1, 784)`) and scaled "
    "(`/ 255`). It is trained on 60,000 images, 10 % of them kept aside for **validation** (the last "
    "6,000: Keras's `validation_split` takes the end of the arrays, before any shuffling), and "
    "judged on **10,000 test images** it has never seen. Watch the loss fall and the accuracy rise.", page="mnist",
)

# The lecture's order: the data first (``?mnist_tab=Train+and+test`` opens the training). A session
# that has started a training comes back to it, after a reload too.
recover_runs()
tab_explore, tab_train, tab_board = st.tabs(
    TABS, default=TABS[1] if st.session_state.get(RUN_KEY) is not None else TABS[0], key="mnist_tab", bind="query-params"
)


def shipped_mlp_accuracy() -> float:
    return float(read_manifest()["mlp"]["test_accuracy"])


#: Where a session keeps the sentence said when it stopped watching a run others still watch.
LEFT_KEY = "mnist_left_note"


def start(config: TrainingConfig) -> None:
    current = st.session_state.get(RUN_KEY)
    if current is not None and current.snapshot().active:
        return  # never two trainings in one session
    owner, alive = session_owner()
    st.session_state.pop(LEFT_KEY, None)
    st.session_state[RUN_KEY] = training_service().submit(config, owner=owner, alive=alive)


def stop(run: TrainingJob) -> None:
    """Stop: this student's view stops; the run stops too when nobody else watches it."""
    owner, _ = session_owner()
    others = run.request_stop(owner)
    if others:
        st.session_state.pop(RUN_KEY, None)
        st.session_state[LEFT_KEY] = (
            f"You stopped watching; the run goes on for the {others} classmate{'s' if others > 1 else ''} who still "
            "watch it. Press Start training to watch it again."
        )


def status_line(snapshot: JobSnapshot, config: TrainingConfig) -> None:
    shared = shared_run_sentence(snapshot)
    if shared:
        st.caption(shared)
    if snapshot.status == "queued":
        service = training_service()
        sentence = expected_wait_sentence(snapshot, service.running, MAX_TRAININGS, short_of_memory=service.short_of_memory())
        st.warning(sentence, icon=":material/hourglass_top:")
    elif snapshot.status == "starting" or (snapshot.status == "running" and snapshot.progress is None):
        st.progress(0.0, text=starting_sentence(snapshot))
    elif snapshot.status == "running":
        st.progress(snapshot.progress.fraction, text=snapshot.progress.describe())
    elif snapshot.status == "evaluating":
        st.progress(1.0, text="Evaluating on the 10,000 test images…")
    if snapshot.status == "failed":
        st.error(snapshot.error, icon=":material/error:")
    elif snapshot.status == "cancelled":
        st.info(snapshot.error)
    elif snapshot.result is not None and snapshot.status == "done":
        result = snapshot.result
        done = f"{result.history.complete_epochs}/{config.epochs} epochs in {format_seconds(result.seconds)}."
        if result.outcome == "nan":
            st.error(f"{result.message} This model is not tested nor handed to the other pages.", icon=":material/error:")
        else:
            (st.success if result.outcome == "completed" else st.info)(f"{result.message} {done}")
            overfitting = overfitting_sentence(result.history, config.train_size)
            if overfitting:
                st.warning(overfitting, icon=":material/trending_up:")


def curves(snapshot: JobSnapshot, config: TrainingConfig) -> None:
    history = snapshot.result.history if snapshot.result else snapshot.progress.history if snapshot.progress else None
    if history is None:
        return
    metrics = ("loss", *config.metrics)
    for column, metric in zip(st.columns(len(metrics)), metrics):
        column.plotly_chart(on_screen(plots.training_curves_figure(history, metric, epochs=config.epochs)), key=f"mnist_curve_{metric}")


def show_test_results(snapshot: JobSnapshot) -> None:
    report = snapshot.report
    if report is None:
        return
    st.subheader("4 · Evaluate and predict")
    sentence = lecture_accuracy_sentence(snapshot.result.history, report.accuracy)
    if sentence:
        st.markdown(sentence)
    numbers, digit, bars = st.columns([1.3, 1, 2])
    numbers.metric("Test loss", f"{report.loss:.4f}")
    numbers.metric(
        "Test accuracy",
        f"{report.accuracy:.2%}",
        f"{(report.accuracy - shipped_mlp_accuracy()) * 100:+.2f} points vs the shipped MLP",
        delta_color="off",
        help="Share of the 10,000 test images whose most probable class is the right one. The shipped MLP, "
        f"trained with the lecture's settings (10 epochs, seed 42), reaches {shipped_mlp_accuracy():.2%}.",
    )
    (_, _), (x_test, _) = shared_mnist()
    digit.plotly_chart(
        on_screen(plots.digit_values_figure(x_test[0], title=f"x_test[0], a {report.first_label}", height=320, values=False)),
        key="mnist_first_test_digit",
    )
    predicted = int(np.argmax(report.first_probabilities))
    bars.plotly_chart(
        on_screen(probability_bars_figure(report.first_probabilities, title=f"model.predict(x_test[:1]) → class {predicted}")),
        key="mnist_first_test_probabilities",
    )


def live_view(polling: bool) -> None:
    run: TrainingJob | None = st.session_state.get(RUN_KEY)
    if run is None:
        if st.session_state.get(LEFT_KEY):
            st.info(st.session_state[LEFT_KEY], icon=":material/group:")
        st.info("Choose the settings above and press **Start training**; the curves appear here as it learns.")
        return
    snapshot = run.snapshot()
    if snapshot.active:
        st.button("Stop", key="mnist_stop", icon=":material/stop_circle:", on_click=stop, args=(run,))
    elif polling:
        st.rerun(scope="app")  # the run just ended: redraw the whole page (buttons, results)
    status_line(snapshot, run.config)
    curves(snapshot, run.config)
    show_test_results(snapshot)
    with st.expander("The Keras code of this run"):
        st.code(keras_workflow_code(run.config), language="python")


def put_in_form(config: TrainingConfig) -> None:
    """The "train again" button's callback: the form's widgets take ``config``'s settings."""
    values = settings_of(config)
    for setting in SETTINGS:
        st.session_state[setting_key("mnist", setting)] = values[setting.name]
    mark_form_set("mnist")


def load_preset() -> None:
    """The demo picker's callback: its settings go into the form (and so into the URL)."""
    preset = TRAINING_PRESETS.get(st.session_state.get("mnist_preset"))
    if preset is not None:
        put_in_form(preset.config)


@st.fragment
def compared_curves() -> None:
    """The picked runs' curves overlaid: a checkbox reruns this part only."""
    runs: tuple[KeptRun, ...] = st.session_state.get(RUNS_KEY, ())
    drawable = [run for run in runs if run.has_curves]
    for run in runs:
        if not run.has_curves:
            st.caption(undrawable_sentence(run))
    if not drawable:
        return
    names = run_names(runs)
    # The picks live in a plain key too: a widget's own state is cleared whenever it is not drawn
    # (the other tab, another page), and the student's picks must survive that.
    unpicked: set[int] = st.session_state.setdefault(UNPICKED_KEY, set())

    def remember(number: int) -> None:
        (unpicked.discard if st.session_state[f"mnist_pick_{number}"] else unpicked.add)(number)

    picked = tuple(
        run for column, run in zip(st.columns(len(drawable)), drawable)
        if column.checkbox(f"Run {run.number}", value=run.number not in unpicked, key=f"mnist_pick_{run.number}",
                           help=names[run.number], on_change=remember, args=(run.number,))
    )
    if not picked:
        st.info("Tick one or more runs to overlay their curves.", icon=":material/check_box:")
        return
    metrics = curve_metrics(picked)
    for column, metric in zip(st.columns(len(metrics)), metrics):
        column.plotly_chart(
            on_screen(plots.compared_curves_figure(picked, names, metric)), key=f"mnist_compare_{metric}",
            config={"toImageButtonOptions": {"filename": f"annviz-runs-{metric}", "scale": 2}},
        )


def compare_runs(runs: tuple[KeptRun, ...]) -> None:
    """Every run this session ended: the table, its CSVs, "train again", and the overlaid curves."""
    st.subheader("Compare your runs")
    if not runs:
        st.caption(f"Every training you end here is kept (the last {MAX_KEPT_RUNS}): train twice with one change to compare them.")
        return
    let_go = st.session_state.get(LET_GO_KEY, ())
    trainings = ("Your training" if len(runs) == 1 else f"Your {len(runs)} trainings") if not let_go else (
        f"Your last {len(runs)} trainings")
    st.caption(
        f"{trainings} of this session (up to {MAX_KEPT_RUNS} are kept), oldest first; settings that differ from run "
        f"{runs[0].number}'s are highlighted."
        + (f" Run{'s' if len(let_go) > 1 else ''} {number_ranges(let_go)} "
           f"{'were' if len(let_go) > 1 else 'was'} let go to keep {MAX_KEPT_RUNS}." if let_go else "")
    )
    st.dataframe(styled_runs_table(runs), key="mnist_runs_table")
    again, button, table_csv, curves_csv_button = st.columns([2, 1.4, 1, 1], vertical_alignment="bottom")
    by_number = {run.number: run for run in runs}
    names = run_names(runs)
    newest_after_a_new_run("mnist_again_run", list(reversed(by_number)))
    chosen = again.selectbox(
        "Train again with one change", list(reversed(by_number)), key="mnist_again_run", format_func=names.get,
    )
    remember_choice("mnist_again_run", chosen)
    button.button(
        "Put its settings in the form", key="mnist_again", icon=":material/arrow_upward:",
        on_click=put_in_form, args=(by_number[chosen].config,),
        help="The form above takes this run's settings: change one and press Start training.",
    )
    table_csv.download_button(
        "Runs table (CSV)", lambda: runs_csv(runs), file_name="annviz-runs.csv", mime="text/csv",
        key="mnist_runs_csv", on_click="ignore", icon=":material/download:",
    )
    curves_csv_button.download_button(
        "Curves (CSV)", lambda: curves_csv(runs), file_name="annviz-runs-curves.csv", mime="text/csv",
        key="mnist_curves_csv", on_click="ignore", icon=":material/download:",
    )
    compared_curves()


def class_board() -> None:
    """Every distinct run of this server: anonymous, settings and numbers only (``?mnist_tab=Class+board``)."""
    rows = board_rows((job.config, job.snapshot()) for job in training_service().all_runs())
    st.subheader("Class board: every run of this server")
    if not rows:
        st.info("No run on this server yet: when students press **Start training**, each setting they try appears here.")
        return
    st.caption(
        f"{len(rows)} distinct run{'s' if len(rows) > 1 else ''} (settings and seed) on this server; students who "
        "pressed Start with the same settings and seed watched one run together. Anonymous: settings and numbers only."
    )
    st.plotly_chart(on_screen(board_figure(rows)), key="mnist_board_plot")
    st.dataframe(
        board_table(rows), key="mnist_board_table", hide_index=True,
        column_config={"test accuracy": st.column_config.NumberColumn(format="percent")},
    )


@st.fragment
def digit_up_close() -> None:
    """One training image, its values and its 784 inputs: a new index reruns this part only."""
    (x_train, y_train), _ = shared_mnist()
    st.subheader("One digit up close")
    picker, heatmap = st.columns([1, 2.4])
    index = picker.number_input(
        "Training image index", 0, len(x_train) - 1, 0, key="mnist_index", bind="query-params"
    )
    image = x_train[index]
    flat = flatten_and_scale(image[None])[0]
    picker.markdown(
        f"`x_train[{index}]` is a **{y_train[index]}**.\n\n"
        f"- shape `{image.shape}`, dtype `{image.dtype}`, values {image.min()}…{image.max()}\n"
        f"- `reshape(-1, 784)` → shape `(1, 784)`: row 0, then row 1, …\n"
        f"- `.astype(\"float32\") / 255` → {flat.min():.0f}…{flat.max():.3g}\n"
        f"- {np.count_nonzero(flat)} of the 784 inputs are not 0"
    )
    values_figure, flat_figure = mnist_digit_views(int(index))
    heatmap.plotly_chart(on_screen(values_figure), key="mnist_digit")
    st.plotly_chart(on_screen(flat_figure), key="mnist_flat")


runs = collect_runs()

if tab_explore.open:
    with tab_explore:
        grid, counts = st.columns([3, 2])
        grid_figure, counts_figure = mnist_overview()
        grid.plotly_chart(on_screen(grid_figure), key="mnist_grid")
        counts.plotly_chart(on_screen(counts_figure), key="mnist_counts")
        digit_up_close()
        with st.expander("The preprocessing in Keras"):
            st.code(
                "(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()  # uint8, 0…255\n"
                "x_train = x_train.reshape(-1, 784).astype(\"float32\") / 255  # (60000, 784), 0…1\n"
                "x_test = x_test.reshape(-1, 784).astype(\"float32\") / 255    # (10000, 784), 0…1",
                language="python",
            )

if tab_train.open:
    with tab_train:
        st.markdown(
            "The lecture's settings are the defaults (all 60,000 images, 10 epochs). "
            "Use a **subset** to train faster, or open "
            "[6 · Keras workflow](keras-workflow) to see every setting as code."
        )
        demo_column, look_for_column = st.columns([1, 2], vertical_alignment="bottom")
        demo = demo_column.selectbox(
            "Lecture demos", list(TRAINING_PRESETS), index=None, placeholder="Fill the form with a lecture demo…",
            key="mnist_preset", on_change=load_preset,
        )
        if demo is not None:
            look_for_column.caption(TRAINING_PRESETS[demo].look_for)
        config = training_form("mnist")
        run = st.session_state.get(RUN_KEY)
        active = run is not None and run.snapshot().active
        if config is not None:
            st.plotly_chart(on_screen(plots.data_split_figure(config.train_size, config.validation_size)), key="mnist_split")
            st.caption(
                f"{config.batches_per_epoch:,} batches per epoch · {execution_steps(config)} batches per call "
                "of Keras's train function" + duration_sentence(training_service().expected_seconds(config))
            )
        with shown_as_error():
            if st.button(
                "Start training", key="mnist_start", type="primary", icon=":material/play_arrow:",
                disabled=config is None or active,
            ):
                start(config)
                st.rerun()  # redraw with Start disabled and the live view polling
        st.fragment(live_view, run_every=POLL_S if active else None)(polling=active)
        compare_runs(runs)

if tab_board.open:
    with tab_board:
        st.fragment(class_board, run_every=BOARD_POLL_S if training_service().running + training_service().queued else None)()


check_yourself(section=7)
