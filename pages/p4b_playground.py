"""Section 4: the playground. A small network learns 2-D points, trained exactly as Keras trains it;
backpropagation by hand; vanishing gradients."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from annviz.backprop import BACKPROP_EXAMPLES, backprop_steps
from annviz.errors import InputError
from annviz.optimizers import OPTIMIZERS, Racer, make_racer
from annviz.playground import (
    DOMAIN,
    Regularization,
    Setup,
    TrainingState,
    csv_loading_code,
    csv_points,
    diverged_sentence,
    keras_code,
    make_points,
    make_regularization,
    make_setup,
    parse_hidden_layers,
    points_csv,
    start_training,
    train_chunk,
    with_optimizer,
)
from annviz.playground_plots import data_extent, training_view_data
from annviz.playground_settings import (
    DEFAULT_PRESET,
    PRESETS,
    SETTING,
    SETTINGS,
    Setting,
    edited_settings,
    parse_edit,
    preset_differences,
    preset_settings,
)
from pages._figures import gradient_sizes_view
from pages._lecture import lecture_on, on_screen
from pages._playground_view import training_view
from pages._ui import formatted_columns, page_header, shown_as_error

#: One chunk of play per tick: the server trains up to FRAMES epochs at once, the browser plays them.
TICK_SECONDS = 2.0
FRAMES = 25  # 12.5 frames a second within a chunk: ≥ 10 a second with the time between chunks
#: Optimizer steps per chunk at most (the largest network: about 0.1 s of server CPU per 2 s): big data at a
#: small batch plays fewer frames a second instead of costing more.
STEP_BUDGET = 1200
CUSTOM = "custom"
STATE, PLAYING, TICKING = "pg_training", "pg_playing", "pg_ticking"
#: The uploaded CSV (name, bytes), kept for the session: the uploader itself forgets it when the page is left.
KEPT_CSV, EDIT_ERROR = "pg_csv_kept", "pg_edit_error"

page_header(
    "4 · Playground: watch a network learn",
    "A small network learns to tell 2-D points apart. Every neuron's output is drawn as a small map, every link "
    "by its weight (blue positive, orange negative, thicker is larger), and the network's answer as the big map "
    "(white where it is unsure). Training is **exactly what Keras's `model.fit` does** with "
    "the same initial weights and batches (tested weight by weight), and it **computes gradients via "
    "backpropagation**, worked out by hand further down.", page="playground",
)


def apply_preset() -> None:
    """The preset picker's (and Restore's) callback: every setting of the preset into its widget (and so the URL)."""
    key = st.session_state["pg_preset"]
    if key in PRESETS:
        st.session_state.update(preset_settings(key))
        st.session_state[PLAYING] = False


def apply_edit() -> None:
    """The diagram's callback: a feature tile or a + / − changes the features or the hidden layers' text."""
    edit = parse_edit(st.session_state["pg_view"].get("edit"))
    if edit is not None:
        try:
            st.session_state.update(edited_settings(st.session_state, edit))
        except InputError as error:
            st.session_state[EDIT_ERROR] = str(error)


def keep_csv() -> None:
    """The uploader's callback: keep the file for the session (or forget it when the student removes it)."""
    upload = st.session_state.get("pg_csv")
    if upload is None:
        st.session_state.pop(KEPT_CSV, None)
    else:
        st.session_state[KEPT_CSV] = (upload.name, upload.getvalue())


def next_seed() -> None:
    st.session_state["pg_seed"] = (int(st.session_state.get("pg_seed", 0)) + 1) % (SETTING["pg_seed"].max_value + 1)


def setting_widget(setting: Setting, default: Any) -> Any:
    """The widget of one row of the settings table, bound to the URL under its key."""
    common: dict[str, Any] = {"key": setting.key, "bind": "query-params", "help": setting.help or None}
    if setting.kind == "choice":
        return st.selectbox(setting.label, setting.options, index=setting.options.index(default),
                            format_func=setting.option_label, **common)
    if setting.kind == "features":
        return st.multiselect(setting.label, setting.options, default=default, format_func=setting.option_label,
                              **common)
    if setting.kind == "slider":
        return st.slider(setting.label, int(setting.min_value), int(setting.max_value), int(default),
                         int(setting.step), **common)
    if setting.kind == "int":
        return st.number_input(setting.label, int(setting.min_value), int(setting.max_value), int(default),
                               int(setting.step), **common)
    if setting.kind == "float":
        return st.number_input(setting.label, float(setting.min_value), float(setting.max_value), float(default),
                               setting.step, format="%g", **common)
    return st.text_input(setting.label, default, **common)


def optimizer_options(optimizer_key: str) -> dict[str, float | bool]:
    """The chosen optimizer's other hyperparameters (β, momentum, ...), each a widget of its own."""
    extra: dict[str, float | bool] = {}
    for parameter in (h for h in OPTIMIZERS[optimizer_key].hyperparameters if h.name != "learning_rate"):
        key = f"pg_{optimizer_key}_{parameter.name}"
        if parameter.is_switch:
            extra[parameter.name] = st.checkbox(parameter.label, value=parameter.default, key=key, help=parameter.help)
        else:
            extra[parameter.name] = st.number_input(parameter.label, value=parameter.default, step=parameter.step,
                                                    format="%g", key=key, help=parameter.help)
    return extra


def demo_picker(where: Any) -> str:
    """The lecture demo picker (in ``where``) and, under the row, its lesson: said only while its settings are."""
    preset_key = where.selectbox(
        "Lecture demo", [*PRESETS, CUSTOM], index=list(PRESETS).index(DEFAULT_PRESET),
        format_func=lambda key: PRESETS[key].label if key in PRESETS else "My own settings",
        key="pg_preset", bind="query-params", on_change=apply_preset,
    )
    return preset_key


def lesson_line(preset_key: str, values: dict[str, Any]) -> None:
    """The demo's lesson while its settings are on screen; once a student changed them, what changed and Restore."""
    if preset_key not in PRESETS:
        return
    changed = preset_differences(preset_key, values, own_data=KEPT_CSV in st.session_state)
    if not changed:
        st.caption(PRESETS[preset_key].lesson)
        return
    text_column, restore_column = st.columns([6, 1], vertical_alignment="center")
    text_column.caption(f"You changed this demo's settings ({'; '.join(changed[:2])}{'; …' if len(changed) > 2 else ''})"
                        ": its lesson is about its own.")
    restore_column.button("Restore", key="pg_restore", on_click=apply_preset, icon=":material/undo:")


def playground() -> None:
    """The demo: a preset, the key controls, the view and the other settings. One fragment, so a setting or a
    button reruns this part only; while playing it reruns itself every TICK_SECONDS and trains the next chunk."""
    picker_column, buttons_column, *main_columns = st.columns([2.1, 3.4, 1.7, 1.5, 1.4], vertical_alignment="bottom")
    # One row that does not stack on a phone: Play, Step and Reset side by side.
    buttons = buttons_column.container(horizontal=True, gap="small", key="pg_buttons")
    preset_key = demo_picker(picker_column)
    lesson_place = st.container()  # filled once every widget holds its value (a link's values arrive with them)
    # Opened from a link that names only the preset: its settings are the widgets' defaults.
    defaults = preset_settings(preset_key if preset_key in PRESETS else DEFAULT_PRESET)
    values: dict[str, Any] = {}
    for column, setting in zip(main_columns, (s for s in SETTINGS if s.group == "main")):
        with column:
            values[setting.key] = setting_widget(setting, defaults[setting.key])
    view_place = st.container()
    with st.container(key="pg_settings"):
        tabs = dict(zip(("data", "network", "training"), st.tabs(["Data", "Network", "Training"])))
    for group, tab in tabs.items():
        with tab:
            row = st.columns(3)
            for index, setting in enumerate(s for s in SETTINGS if s.group == group):
                with row[index % 3]:
                    values[setting.key] = setting_widget(setting, defaults[setting.key])
    with tabs["data"]:
        st.button("New points", key="pg_regenerate", on_click=next_seed, icon=":material/refresh:",
                  help="Regenerate: new points from the next seed.")
        # No type filter: Streamlit raises on a file of another type, and the parser's sentence says what is wrong.
        st.file_uploader("…or your own CSV (x1, x2, label)", key="pg_csv", max_upload_size=1, on_change=keep_csv,
                         help="A header line x1,x2,label, then one point per line; labels 0, 1 (2, 3) make a "
                         "classification, other numbers a regression. At most 2,000 points.")
    with tabs["training"], st.expander("More optimizer settings"):
        extra = optimizer_options(values["pg_optimizer"])
    with lesson_place:
        lesson_line(preset_key, values)

    kept = st.session_state.get(KEPT_CSV)
    setup = racer = regularization = None
    with view_place:
        with shown_as_error():
            if kept is not None:
                name = kept[0][:60].replace("`", "")  # a code span: a file's name is shown, never rendered
                st.caption(f"Training on your file `{name}`, kept for this session (remove it in the Data tab to go "
                           "back to the datasets).")
                points = csv_points(kept[1])
                extent = data_extent(points, DOMAIN)
            else:
                points = make_points(values["pg_dataset"], points=int(values["pg_points"]),
                                     noise=float(values["pg_noise"]), seed=int(values["pg_seed"]))
                extent = data_extent(None, DOMAIN)
            setup = make_setup(points, train_percent=float(values["pg_train"]), seed=int(values["pg_seed"]),
                               features=tuple(values["pg_features"]), hidden=parse_hidden_layers(values["pg_hidden"]),
                               activation=values["pg_activation"])
        with shown_as_error():
            racer = make_racer(values["pg_optimizer"], learning_rate=values["pg_lr"], **extra)
        with shown_as_error():
            regularization = make_regularization(values["pg_reg"], float(values["pg_rate"]))
    if setup is None or racer is None or regularization is None:
        st.session_state[PLAYING] = False
        return
    # What starting afresh depends on; the optimizer, η, batch size and regularization go on from the weights.
    signature = (hash(kept), *(tuple(values[s.key]) if s.kind == "features" else values[s.key]
                               for s in SETTINGS if s.restarts))
    kept_state = st.session_state.get(STATE)
    if kept_state is None or kept_state[0] != signature:
        kept_state = (signature, start_training(setup.network, racer, int(values["pg_seed"]), setup.train_xy,
                                                setup.test_xy))
        st.session_state[PLAYING] = False
    state = with_optimizer(kept_state[1], racer)
    with view_place:
        state = training_part(setup, state, racer, int(values["pg_seed"]), int(values["pg_batch"]), regularization,
                              extent, buttons=buttons, signature=signature)
    with st.expander("The Keras code of this run"):
        st.code(keras_code(setup, racer, regularization, batch_size=int(values["pg_batch"]),
                           epochs=max(state.epoch, 1), seed=int(values["pg_seed"]),
                           data_line=csv_loading_code(setup.network.task)), language="python")
        st.caption("It reproduces the run from epoch 0 with today's settings; a learning rate or optimizer changed "
                   "while training is not in it.")
    st.download_button("Download the data (CSV)", points_csv(setup.train, setup.test), "playground.csv", "text/csv",
                       key="pg_download", icon=":material/download:")
    if st.session_state.get(TICKING) and not st.session_state.get(PLAYING):
        st.rerun()  # play stopped (a new network, a preset): the page runs whole to stop the fragment's timer


def training_part(setup: Setup, state: TrainingState, racer: Racer, seed: int, batch_size: int,
                  regularization: Regularization, extent: tuple[float, float, float, float], *,
                  buttons: Any, signature: tuple) -> TrainingState:
    """Play, Step and Reset (drawn into ``buttons``), the chunk they train, and the view that plays it.

    The new state is kept (under ``signature``: what it was started from) before anything reruns the page."""
    playing = bool(st.session_state.get(PLAYING))
    if buttons.button("Pause" if playing else "Play", key="pg_play", type="primary",
                         icon=":material/pause:" if playing else ":material/play_arrow:",
                         disabled=state.diverged_at is not None):
        st.session_state[PLAYING] = not playing
        st.rerun()
    stepped = buttons.button("Step", key="pg_step", icon=":material/skip_next:", help="Train one epoch.",
                                disabled=playing or state.diverged_at is not None)
    if buttons.button("Reset", key="pg_reset", icon=":material/restart_alt:"):
        state = start_training(setup.network, racer, seed, setup.train_xy, setup.test_xy)
        st.session_state[PLAYING] = playing = False
    snapshots = []
    if playing or stepped:
        steps_per_epoch = -(-len(setup.train) // batch_size)
        epochs = 1 if stepped else max(1, min(FRAMES, STEP_BUDGET // steps_per_epoch))
        chunk = train_chunk(setup.network, state, setup.train_xy, setup.test_xy, epochs=epochs,
                            batch_size=batch_size, regularization=regularization)
        state, snapshots = chunk.state, chunk.snapshots
    st.session_state[STATE] = (signature, state)
    sentence = diverged_sentence(state)
    if sentence:
        st.error(sentence, icon=":material/error:")
        if playing:
            st.session_state[PLAYING] = False
            st.rerun()
    message = st.session_state.pop(EDIT_ERROR, None)
    if message:
        st.warning(message, icon=":material/info:")
    lecture = lecture_on()
    with st.container(key="pg_view_frame"):  # the lecture steps' headline, found by this key
        training_view(training_view_data(setup, state, snapshots, extent=extent, seconds=TICK_SECONDS,
                                         font_px=16 if lecture else 13, net_height=280 if lecture else 320,
                                         map_size=340), key="pg_view", on_edit=apply_edit)
    st.caption("**Colours.** Orange is class 0 (or a negative value), blue class 1 (or a positive value), white the "
               "middle: where the network is unsure (probability 0.5) or a neuron outputs 0; with three classes, "
               "green is class 2. Points with a white rim are training points, with a black rim test points. Click a "
               "feature's tile to switch it; + and − add or remove layers and neurons; point at a neuron (or tap "
               f"it) to see its map large. While playing, the server trains up to {FRAMES} epochs every "
               f"{TICK_SECONDS:g} s and your browser plays them one by one; a new learning rate or optimizer goes on "
               f"from the current weights. Loss: {setup.network.loss}; {len(setup.train)} training and "
               f"{len(setup.test)} test points.")
    return state


# The fragment's timer is set when the page runs whole: Play and Pause rerun the page for it.
st.session_state[TICKING] = bool(st.session_state.get(PLAYING))
st.fragment(playground, run_every=TICK_SECONDS if st.session_state[TICKING] else None)()


st.subheader("Backpropagation step by step")
st.markdown(
    "One point, a target and a loss. **Forward**: z = Σ wᵢaᵢ + b and a = σ(z), layer by layer. **Backward**: the "
    "output's δ = ∂L/∂z, then for each earlier neuron δⱼ = (Σₖ wⱼₖ δₖ)·σ'(zⱼ) (the chain rule), and on each edge "
    "∂L/∂w = a·δ. **One SGD step**: w ← w − η·∂L/∂w, and the loss goes down."
)


@st.fragment
def backprop_part() -> None:
    example_column, target_column, rate_column = st.columns([2, 1, 1])
    example = example_column.selectbox("Example", list(BACKPROP_EXAMPLES), format_func=lambda k: BACKPROP_EXAMPLES[k].label,
                                       key="pg_bp_example", bind="query-params")
    spec = BACKPROP_EXAMPLES[example]
    if spec.targets is not None:
        target = target_column.selectbox("Target t", spec.targets, index=spec.targets.index(spec.default_target),
                                         key=f"pg_bp_target_{example}")
    else:
        target = target_column.number_input("Target t", -1e6, 1e6, spec.default_target, format="%g",
                                            key=f"pg_bp_target_{example}")
    step_rate = rate_column.number_input("η", 0.0, 1e6, spec.learning_rate, 0.01, format="%g", key=f"pg_bp_lr_{example}")
    with shown_as_error():
        steps = backprop_steps(example, target=float(target), learning_rate=float(step_rate))
        loss_name = "L = (ŷ − t)²" if spec.network.task == "regression" else "L = −[t·log ŷ + (1 − t)·log(1 − ŷ)]"
        went = ("goes down" if steps.loss_after < steps.loss_before else
                "goes **up**: the step overshot the minimum, try a smaller η")
        st.markdown(f"Input x = {spec.x}, target t = {target:g}, {loss_name}: **L = {steps.loss_before:.6f}** before "
                    f"the step, **{steps.loss_after:.6f}** after one SGD step with η = {step_rate:g}: the loss {went}.")
        neuron_column, edge_column = st.columns([2, 3])
        neurons, edges = pd.DataFrame(steps.neurons), pd.DataFrame(steps.edges)
        neuron_column.dataframe(neurons, hide_index=True, key="pg_bp_neurons",
                                column_config=formatted_columns(list(neurons.columns[1:]), "%.6f"))
        edge_column.dataframe(edges, hide_index=True, key="pg_bp_edges",
                              column_config=formatted_columns(list(edges.columns[1:]), "%.6f"))


backprop_part()

st.subheader("Vanishing gradients")


@st.fragment
def vanishing_part() -> None:
    depth = st.slider("Hidden layers (8 neurons each)", 1, 10, 6, key="pg_vg_depth", bind="query-params")
    st.plotly_chart(on_screen(gradient_sizes_view(int(depth))), key="pg_vg_chart", config={"displaylogo": False})
    st.caption("The size of ∂L/∂W for each layer's weights at Keras's initial weights, on the circle. Through "
               "sigmoids (σ' ≤ 0.25) the gradient shrinks layer after layer towards the input: those layers barely "
               "learn. ReLU passes it on with a factor 1 where it is active.")


vanishing_part()

with st.expander("The formulas"):
    st.latex(r"z^{(l)} = a^{(l-1)} W^{(l)} + b^{(l)}, \quad a^{(l)} = \sigma\!\left(z^{(l)}\right)")
    st.latex(r"L = \frac{1}{B}\sum_{i=1}^{B} \ell(y_i, \hat y_i) + l_1 \sum |W| + l_2 \sum W^2")
    st.latex(r"\delta^{(L)} = \frac{\partial L}{\partial z^{(L)}} = \frac{\hat y - y}{B} \text{ (cross-entropy)}, \quad "
             r"\delta^{(l)} = \delta^{(l+1)} W^{(l+1)\top} \odot \sigma'\!\left(z^{(l)}\right)")
    st.latex(r"\frac{\partial L}{\partial W^{(l)}} = a^{(l-1)\top} \delta^{(l)} + l_1\,\mathrm{sign}(W^{(l)}) + 2 l_2 W^{(l)}")
