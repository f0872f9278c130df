"""Section 4: the playground. A small network learns 2-D points, trained exactly as Keras trains it;
backpropagation by hand; vanishing gradients."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from annviz.activations import ACTIVATIONS
from annviz.backprop import BACKPROP_EXAMPLES, backprop_steps
from annviz.optimizers import OPTIMIZERS, make_racer
from annviz.playground import (
    DATASETS,
    DOMAIN,
    FEATURES,
    MAX_NEURONS,
    MAX_POINTS,
    MIN_POINTS,
    PRESETS,
    csv_loading_code,
    csv_points,
    diverged_sentence,
    keras_code,
    make_points,
    preset_settings,
    make_regularization,
    make_setup,
    parse_hidden_layers,
    points_csv,
    start_training,
    train_chunk,
    with_optimizer,
)
from annviz.playground_plots import data_extent, training_view_html
from pages._figures import gradient_sizes_view
from pages._lecture import lecture_on, on_screen
from pages._ui import formatted_columns, page_header, shown_as_error

#: One chunk of play per tick: the server trains up to FRAMES epochs at once, the browser plays them.
TICK_SECONDS = 2.0
FRAMES = 25  # 12.5 frames a second within a chunk: ≥ 10 a second with the time between chunks
#: Optimizer steps per chunk at most (the largest network: about 0.1 s of server CPU per 2 s): big data at a
#: small batch plays fewer frames a second instead of costing more.
STEP_BUDGET = 1200
VIEW_HEIGHT = 350
MAX_SEED = 100_000
DEFAULT_PRESET = "lecture_341"
CUSTOM = "custom"
STATE, PLAYING, TICKING = "pg_training", "pg_playing", "pg_ticking"

page_header(
    "4 · Playground: watch a network learn",
    "A small network learns to tell 2-D points apart. Every neuron's output is drawn as a small map, every link "
    "by its weight (blue positive, orange negative, thicker is larger), and the network's answer as the map "
    "behind the points (white where it is unsure). Training is **exactly what Keras's `model.fit` does** with "
    "the same initial weights and batches (tested weight by weight), and it **computes gradients via "
    "backpropagation**, worked out by hand further down.", page="playground",
)


def apply_preset() -> None:
    """The preset picker's callback: every setting of the preset into its widget (and so the URL)."""
    key = st.session_state["pg_preset"]
    if key in PRESETS:
        st.session_state.update(preset_settings(key))
        st.session_state[PLAYING] = False


def next_seed() -> None:
    st.session_state["pg_seed"] = (int(st.session_state.get("pg_seed", 0)) + 1) % (MAX_SEED + 1)


def playground() -> None:
    """The demo: a preset, the settings and the training view. One fragment, so a setting or a button reruns
    this part only; while playing it reruns itself every TICK_SECONDS and trains the next chunk."""
    picker_column, lesson_column = st.columns([2, 3], vertical_alignment="bottom")
    preset_key = picker_column.selectbox(
        "Lecture demo", [*PRESETS, CUSTOM], index=list(PRESETS).index(DEFAULT_PRESET),
        format_func=lambda key: PRESETS[key].label if key in PRESETS else "My own settings",
        key="pg_preset", bind="query-params", on_change=apply_preset,
    )
    # Opened from a link that names only the preset: its settings are the widgets' defaults.
    defaults = preset_settings(preset_key if preset_key in PRESETS else DEFAULT_PRESET)
    if preset_key in PRESETS:
        lesson_column.caption(PRESETS[preset_key].lesson)

    # Settings in tabs beside the view, so the network, the boundary and Play fit a 1280×720 projector.
    settings_column, view_column = st.columns([1, 2.3], gap="medium")
    data_tab, network_tab, training_tab = settings_column.tabs(["Data", "Network", "Training"])
    with data_tab:
        dataset = st.selectbox("Dataset", list(DATASETS), index=list(DATASETS).index(defaults["pg_dataset"]),
                               format_func=lambda key: DATASETS[key].label, key="pg_dataset", bind="query-params")
        points_count = st.slider("Points", MIN_POINTS, MAX_POINTS, int(defaults["pg_points"]), 10, key="pg_points",
                                 bind="query-params")
        noise = st.slider("Noise (%)", 0, 50, int(defaults["pg_noise"]), key="pg_noise", bind="query-params")
        train_percent = st.slider("Training share (%)", 10, 90, int(defaults["pg_train"]), 5, key="pg_train",
                                  bind="query-params")
        seed_column, again_column = st.columns([2, 1], vertical_alignment="bottom")
        seed = seed_column.number_input("Seed", 0, MAX_SEED, int(defaults["pg_seed"]), key="pg_seed", bind="query-params")
        again_column.button("New", key="pg_regenerate", on_click=next_seed, icon=":material/refresh:",
                            help="Regenerate: new points from the next seed.")
        # No type filter: Streamlit raises on a file of another type, and the parser's sentence says what is wrong.
        upload = st.file_uploader("…or your own CSV (x1, x2, label)", key="pg_csv", max_upload_size=1,
                                  help="A header line x1,x2,label, then one point per line; labels 0, 1 (2, 3) make "
                                  "a classification, other numbers a regression. At most 2,000 points.")
    with network_tab:
        st.caption("Input features")
        feature_columns = st.columns(4)
        features = tuple(
            name for index, (name, feature) in enumerate(FEATURES.items())
            if feature_columns[index % 4].checkbox(feature.label, value=bool(defaults[f"pg_f_{name}"]), key=f"pg_f_{name}",
                                                   bind="query-params")
        )
        hidden_text = st.text_input(f"Hidden layers (neurons per layer, 1–{MAX_NEURONS} each, ≤ 6 layers)",
                                    str(defaults["pg_hidden"]), key="pg_hidden", bind="query-params",
                                    help="For example 4, 2 (two hidden layers); leave empty for no hidden layer.")
        activation = st.selectbox("Hidden activation", list(ACTIVATIONS), index=list(ACTIVATIONS).index(defaults["pg_activation"]),
                                  format_func=lambda key: ACTIVATIONS[key].label, key="pg_activation", bind="query-params")
        reg_column, rate_column = st.columns(2)
        reg_kind = reg_column.selectbox("Regularization", ["none", "L1", "L2"], key="pg_reg", bind="query-params",
                                        index=["none", "L1", "L2"].index(defaults["pg_reg"]))
        rate = rate_column.number_input("its rate", 0.0, 1.0, float(defaults["pg_rate"]), 0.001, format="%g", key="pg_rate",
                                        bind="query-params")
    with training_tab:
        trainable = [key for key, spec in OPTIMIZERS.items() if spec.bias_correction]  # Keras has no slide's Adam
        optimizer_key = st.selectbox("Optimizer", trainable, index=trainable.index(defaults["pg_optimizer"]),
                                     format_func=lambda key: OPTIMIZERS[key].name, key="pg_optimizer", bind="query-params")
        learning_rate = st.number_input("Learning rate η", 0.0, 1e6, float(defaults["pg_lr"]), 0.01, format="%g",
                                        key="pg_lr", bind="query-params")
        batch_size = st.number_input("Batch size", 1, 100, int(defaults["pg_batch"]), key="pg_batch", bind="query-params")
        with st.expander("More optimizer settings"):
            extra: dict[str, float | bool] = {}
            for parameter in (h for h in OPTIMIZERS[optimizer_key].hyperparameters if h.name != "learning_rate"):
                key = f"pg_{optimizer_key}_{parameter.name}"
                if parameter.is_switch:
                    extra[parameter.name] = st.checkbox(parameter.label, value=parameter.default, key=key, help=parameter.help)
                else:
                    extra[parameter.name] = st.number_input(parameter.label, value=parameter.default, step=parameter.step,
                                                            format="%g", key=key, help=parameter.help)

    setup = racer = regularization = None
    with shown_as_error():
        if upload is not None:
            points = csv_points(upload.getvalue())
            extent = data_extent(points, DOMAIN)
        else:
            points = make_points(dataset, points=int(points_count), noise=float(noise), seed=int(seed))
            extent = data_extent(None, DOMAIN)
        setup = make_setup(points, train_percent=float(train_percent), seed=int(seed), features=features,
                           hidden=parse_hidden_layers(hidden_text), activation=activation)
    with shown_as_error():
        racer = make_racer(optimizer_key, learning_rate=learning_rate, **extra)
    with shown_as_error():
        regularization = make_regularization(reg_kind, float(rate))

    def training_signature() -> tuple:
        """What starting afresh depends on; the optimizer, η, batch size and regularization go on from the weights."""
        source = (upload.file_id if upload is not None else (dataset, int(points_count), float(noise)))
        return (source, float(train_percent), int(seed), features, setup.network)

    def current_state():
        """This session's training, restarted when the data or the network changed."""
        signature = training_signature()
        kept = st.session_state.get(STATE)
        if kept is None or kept[0] != signature:
            kept = (signature, start_training(setup.network, racer, int(seed), setup.train_xy, setup.test_xy))
            st.session_state[PLAYING] = False
        state = with_optimizer(kept[1], racer)
        st.session_state[STATE] = (signature, state)
        return state

    def keep(state) -> None:
        st.session_state[STATE] = (training_signature(), state)

    def training_part() -> None:
        state = current_state()
        playing = bool(st.session_state.get(PLAYING))
        play_column, step_column, reset_column, status_column = st.columns([1, 1, 1.1, 2], vertical_alignment="center")
        if play_column.button("Pause" if playing else "Play", key="pg_play", icon=":material/pause:" if playing else
                              ":material/play_arrow:", type="primary", disabled=state.diverged_at is not None):
            st.session_state[PLAYING] = not playing
            st.rerun()
        stepped = step_column.button("Step", key="pg_step", icon=":material/skip_next:", help="Train one epoch.",
                                     disabled=playing or state.diverged_at is not None)
        if reset_column.button("Reset", key="pg_reset", icon=":material/restart_alt:"):
            state = start_training(setup.network, racer, int(seed), setup.train_xy, setup.test_xy)
            st.session_state[PLAYING] = playing = False
        snapshots = []
        if playing or stepped:
            steps_per_epoch = -(-len(setup.train) // int(batch_size))
            epochs = 1 if stepped else max(1, min(FRAMES, STEP_BUDGET // steps_per_epoch))
            chunk = train_chunk(setup.network, state, setup.train_xy, setup.test_xy, epochs=epochs,
                                batch_size=int(batch_size), regularization=regularization)
            state, snapshots = chunk.state, chunk.snapshots
        keep(state)
        sentence = diverged_sentence(state)
        if sentence:
            st.error(sentence, icon=":material/error:")
            if playing:
                st.session_state[PLAYING] = False
                st.rerun()
        status_column.markdown(f"Trained to epoch **{state.epoch}** · {setup.network.count_params()} parameters")
        st.iframe(training_view_html(setup, state, snapshots, extent=extent, seconds=TICK_SECONDS, height=VIEW_HEIGHT,
                                     font_px=16 if lecture_on() else 12), height=VIEW_HEIGHT + 10)
        st.caption("**Colours.** Orange is class 0 (or a negative value), blue class 1 (or a positive value), white "
                   "the middle: where the network is unsure (probability 0.5) or a neuron outputs 0; with three classes, "
                   "green is class 2, and the stronger the colour, the surer the network. Each small square is one "
                   "neuron's output over the whole plane (the inputs: the feature itself). Points with a white rim are "
                   f"training points, with a black rim test points. While playing, the server trains up to {FRAMES} "
                   f"epochs every {TICK_SECONDS:g} s and your browser plays them one by one; a new learning rate or "
                   f"optimizer goes on from the current weights. Loss: {setup.network.loss}; {len(setup.train)} training "
                   f"and {len(setup.test)} test points.")


    if setup is not None and racer is not None and regularization is not None:
        with view_column:
            training_part()
        with st.expander("The Keras code of this run"):
            state = st.session_state[STATE][1]
            st.code(keras_code(setup, racer, regularization, batch_size=int(batch_size), epochs=max(state.epoch, 1),
                               seed=int(seed), data_line=csv_loading_code(setup.network.task)),
                    language="python")
            st.caption("It reproduces the run from epoch 0 with today's settings; a learning rate or optimizer changed "
                       "while training is not in it.")
        st.download_button("Download the data (CSV)", points_csv(setup.train, setup.test), "playground.csv", "text/csv",
                           key="pg_download", icon=":material/download:")
    if st.session_state.get(TICKING) and not st.session_state.get(PLAYING):
        st.rerun()  # play stopped (a new network, a preset): the page runs whole to stop the fragment's timer


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
