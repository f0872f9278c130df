"""Section 5: optimizers. SGD, momentum, RMSprop and Adam race on a loss surface."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

from annviz.optimizers import COMPILE_DEFAULT_OPTIMIZER, COMPILE_SNIPPET, OPTIMIZERS, Racer, keras_code, make_racer
from annviz.optimizers import uncorrected_adam_step_ratio, when_to_use_rows
from annviz.race import DEFAULT_EPSILON, MAX_NOISE, OPENING_LEARNING_RATES, OPENING_SURFACE, leaderboard
from annviz.surfaces import SURFACES
from pages._exercises import check_yourself
from pages._race_views import landscape_view, race_view, racer_keys
from pages._lecture import on_screen
from pages._ui import page_header, shown_as_error

DEFAULT_STEPS = 500
SAME_LEARNING_RATE = 0.01
RACING_BY_DEFAULT = ("sgd", "momentum", "rmsprop", "adam")

page_header(
    "5 · Optimizers: the race",
    "Training is walking downhill on the loss surface. Every optimizer looks at the same "
    "gradient and takes a different step: **SGD** steps along −η·g, **momentum** keeps a "
    "velocity, **RMSprop** divides by a running size of the gradient, and **Adam** does both, "
    "with bias correction. Here they race from the same start; every step is computed "
    "exactly as `keras.optimizers` computes it.", page="optimizers",
)


def start_from_click(surface_key: str) -> None:
    """A click on the map (a selected point) becomes the start; runs before the page reruns."""
    points = st.session_state["opt_race_chart"].selection.points
    if points:
        st.session_state[f"opt_x_{surface_key}"] = round(float(points[0]["x"]), 3)
        st.session_state[f"opt_y_{surface_key}"] = round(float(points[0]["y"]), 3)


def learning_rate_input(key: str, default: float, *, disabled: bool) -> float:
    return st.number_input(
        "learning rate η", value=default, step=default, format="%g", key=key, bind="query-params", disabled=disabled
    )


def learning_rate_cell(key: str, default: float, *, disabled: bool) -> float:
    """A racer's η in its row of the compact racer list (the row names the racer)."""
    return st.number_input(
        "learning rate η", value=default, step=default, format="%g", key=key, bind="query-params", disabled=disabled,
        label_visibility="collapsed",
    )


def place_of(row: dict) -> str:
    """A racer's result in its row: its place and steps if it arrived, else its status, shortly.

    >>> place_of({"status": "arrived", "place": 2, "steps to ε": 118}), place_of({"status": "diverged at step 7"})
    ('**#2** · 118', 'diverged')
    """
    if row["status"] == "arrived":
        return f"**#{row['place']}** · {int(row['steps to ε'])}"
    return "diverged" if str(row["status"]).startswith("diverged") else str(row["status"])


@st.fragment
def optimizer_race() -> None:
    """The race and its controls: a change here reruns this part only, not the page's header.

    Compact: the racers (each with its η and its result) beside the map, so the race and its
    outcome fit a 1280×720 projector; everything else sits below.
    """
    controls, race_area = st.columns([1.3, 2], gap="small")
    below = st.container()
    with below:
        same_column, shared_column, _ = st.columns([1.4, 1, 2], vertical_alignment="bottom")
        same_learning_rate = same_column.toggle(
            "Same learning rate for all", key="opt_same_lr", bind="query-params",
            help="Keras's defaults differ: 0.01 for SGD, 0.001 for RMSprop and Adam. With one η for "
            "all you see why: SGD's step is η·g, Adam's is about η whatever the slope.",
        )
        with shared_column:
            shared_learning_rate = learning_rate_input("opt_lr_all", SAME_LEARNING_RATE, disabled=not same_learning_rate)
    with controls:
        surface_key = st.selectbox(
            "Loss surface", list(SURFACES), index=list(SURFACES).index(OPENING_SURFACE),
            format_func=lambda key: SURFACES[key].name, key="opt_surface", bind="query-params",
        )
        surface = SURFACES[surface_key]
        widths = [2.1, 0.8, 0.75]
        for cell, heading in zip(st.columns(widths), ("racer", "η", "result")):
            cell.caption(heading)
        rows: dict[str, tuple[bool, float]] = {}
        places: dict[str, object] = {}
        for spec in OPTIMIZERS.values():
            name_cell, rate_cell, place_cell = st.columns(widths, vertical_alignment="center")
            racing = name_cell.checkbox(f"**{spec.name}**", value=spec.key in RACING_BY_DEFAULT, key=f"opt_{spec.key}_on",
                                        bind="query-params")
            with rate_cell:
                own_rate = learning_rate_cell(
                    f"opt_{spec.key}_learning_rate", OPENING_LEARNING_RATES.get(spec.key, spec.defaults["learning_rate"]),
                    disabled=same_learning_rate or not racing,
                )
            rows[spec.key] = (racing, shared_learning_rate if same_learning_rate else own_rate)
            places[spec.key] = place_cell.empty()
    race_area.latex(surface.formula)

    with below:
        st.caption(surface.lesson)
        x_column, y_column, steps_column, epsilon_column, noise_column = st.columns([1, 1, 1, 1, 1.6], vertical_alignment="bottom")
        # One start per surface, so each surface remembers its own and its URL stays short.
        start_x = x_column.number_input(
            "start x", value=surface.start[0], step=0.1, format="%g", key=f"opt_x_{surface_key}", bind="query-params"
        )
        start_y = y_column.number_input(
            "start y", value=surface.start[1], step=0.1, format="%g", key=f"opt_y_{surface_key}", bind="query-params"
        )
        steps = steps_column.number_input("steps", value=DEFAULT_STEPS, step=100, key="opt_steps", bind="query-params")
        epsilon = epsilon_column.number_input(
            "arrived within ε", value=DEFAULT_EPSILON, step=0.005, format="%g", key="opt_eps", bind="query-params",
            help="Distance to a minimum that counts as arrived on the leaderboard.",
        )
        noise = noise_column.number_input(
            "gradient noise σ (mini-batch)", 0.0, MAX_NOISE, 0.0, 0.5, format="%g", key="opt_noise", bind="query-params",
            help="0: every step uses the exact gradient of the surface, which is full-batch gradient descent. A real "
            "SGD step estimates the gradient from a mini-batch: σ > 0 adds that noise, g + σ·ε with ε ~ N(0, 1), "
            "the same draws for every racer (seed 0).",
        )
        low, high = surface.lr_range
        opening = ", ".join(f"{OPTIMIZERS[key].name} {rate:g}" for key, rate in OPENING_LEARNING_RATES.items())
        keras_rates = ", ".join(f"{OPTIMIZERS[key].defaults['learning_rate']:g}" for key in OPENING_LEARNING_RATES)
        st.caption(
            f"Learning rates worth trying on this surface: {low:g} to {high:g} (plain SGD diverges from the "
            f"default start at ten times the top). The race opens with rates picked for the ravine ({opening}): "
            f"with Keras's defaults ({keras_rates}) no racer gets there within 500 steps. Every other "
            "hyperparameter starts at Keras's default."
        )

        racers: list[Racer] = []
        with st.expander("More hyperparameters: momentum μ, ρ, β₁, β₂, ε, …"):
            for column, spec in zip(st.columns(len(OPTIMIZERS)), OPTIMIZERS.values()):
                racing, rate = rows[spec.key]
                settings: dict[str, float | bool] = {"learning_rate": rate}
                with column:
                    st.markdown(f"**{spec.name}**")
                    for parameter in (h for h in spec.hyperparameters if h.name != "learning_rate"):
                        key = f"opt_{spec.key}_{parameter.name}"
                        if parameter.is_switch:
                            settings[parameter.name] = st.checkbox(
                                parameter.label, value=parameter.default, key=key, bind="query-params",
                                help=parameter.help, disabled=not racing,
                            )
                        else:
                            settings[parameter.name] = st.number_input(
                                parameter.label, value=parameter.default, step=parameter.step, format="%g", key=key,
                                bind="query-params", help=parameter.help, disabled=not racing,
                            )
                if racing:
                    with shown_as_error():
                        racers.append(make_racer(spec.key, **settings))

        keras_column, view_column = st.columns(2)
        use_keras = keras_column.toggle(
            "Race with the real `keras.optimizers`", key="opt_keras", bind="query-params", disabled=noise > 0,
            help="Runs the same race with Keras's optimizer objects on float64 variables, in the server's Keras "
            "process; the first race after a quiet spell waits a few seconds for that process to start. "
            "It runs the noiseless race only (σ = 0).",
        )
        show_3d = view_column.toggle("Show the surface in 3D", key="opt_3d", bind="query-params")

    view = None
    settings_key = (surface_key, racer_keys(racers), (float(start_x), float(start_y)), int(steps))
    with shown_as_error():
        view = race_view(*settings_key, "numpy", float(noise))
        if use_keras and racers and noise == 0:
            with st.spinner("Racing with keras.optimizers…"):
                keras_view = race_view(*settings_key, "keras")
            engine_paths, keras_paths = view[0].paths, keras_view[0].paths
            same = all(
                a.points.shape == b.points.shape and a.diverged_at == b.diverged_at for a, b in zip(engine_paths, keras_paths)
            )
            if same:
                gap = max(float(np.abs(a.points - b.points).max()) for a, b in zip(engine_paths, keras_paths))
                st.success(
                    f"Drawn by `keras.optimizers`. Largest distance from the NumPy engine's points: {gap:.3g}.",
                    icon=":material/check_circle:",
                )
            else:
                st.warning("Drawn by `keras.optimizers`; its paths differ in length from the NumPy engine's.",
                           icon=":material/warning:")
            view = keras_view

    if view is not None:
        result, map_figure, losses_figure = view
        with race_area:
            if result.notice:
                st.warning(result.notice, icon=":material/speed:")
            if not racers:
                st.info("Switch on at least one racer to start the race.", icon=":material/sports_score:")
            st.plotly_chart(
                on_screen(map_figure), key="opt_race_chart", config={"displaylogo": False},
                on_select=partial(start_from_click, surface_key), selection_mode="points",
            )
        st.caption("Click anywhere on the map to start the race there; ▶ Play replays it. Each racer's row shows "
                   "its place among those that arrived within ε, or its status.")
        board_column, loss_column = st.columns(2)
        with board_column:
            with shown_as_error():
                columns = ["racer", "learning rate", "steps to ε", "final loss", "status"]
                board_rows = leaderboard(result, epsilon=epsilon)
                by_name = {spec.name: key for key, spec in OPTIMIZERS.items()}
                arrived = [row for row in board_rows if row["status"] == "arrived"]
                for row in board_rows:
                    place = arrived.index(row) + 1 if row in arrived else None
                    places[by_name[row["racer"]]].markdown(place_of({**row, "place": place}))
                board = pd.DataFrame(board_rows, columns=columns)
                board["steps to ε"] = board["steps to ε"].map(lambda n: "—" if pd.isna(n) else f"{int(n):,}")
                st.dataframe(
                    board,
                    hide_index=True,
                    key="opt_leaderboard",
                    column_config={
                        "learning rate": st.column_config.NumberColumn(format="%g"),
                        "final loss": st.column_config.NumberColumn(format="scientific"),
                    },
                )
        with loss_column:
            st.plotly_chart(on_screen(losses_figure), key="opt_loss_chart", config={"displaylogo": False})
        if show_3d:
            st.plotly_chart(on_screen(landscape_view(*settings_key, float(noise))), key="opt_surface_chart", config={"displaylogo": False})
        st.markdown(
            "**A 2-D race is not a real loss.** The race's SGD steps along the *exact* gradient of a smooth "
            "surface (full-batch gradient descent, unless σ > 0): there momentum's velocity keeps building along "
            "a valley, which is why it arrives first in the opening race. Real losses have thousands to millions "
            "of weights (the lecture's MLP: 109,386), gradients estimated from noisy mini-batches and very "
            "different scales from weight to weight. Adam was made for those: \"well suited for problems that "
            "are large in terms of data and/or parameters\" and \"problems with very noisy and/or sparse "
            "gradients\" (Kingma & Ba, 2015), hence the lecture's tip to try it first. Raise σ to add "
            "mini-batch noise."
        )

    first, later = uncorrected_adam_step_ratio(1), uncorrected_adam_step_ratio(1000)
    st.markdown(
        "**Adam's bias correction.** The lecture slide shows Adam without it, θ ← θ − η·m / (√v + ε). Both "
        "moments start at 0, and with β₁ = 0.9, β₂ = 0.999 that uncorrected step is too **large**, not too "
        f"small: for a constant gradient it is {first:.2f}× Keras's corrected step at t = 1 and still "
        f"{later:.2f}× at t = 1000. Keras divides m and v by 1 − βᵗ. Tick **{OPTIMIZERS['adam_slide'].name}** "
        "in the racer list to race the slide's rule against Keras's Adam."
    )

    st.subheader("Which optimizer when")
    st.table(pd.DataFrame(when_to_use_rows()).set_index("optimizer"))
    tip_column, code_column = st.columns([2, 3])
    tip_column.markdown(
        "The lecture's tip: **try Adam first**. Its compile lines (right) build Adam with its defaults and SGD "
        "with momentum 0.9. The lecture calls Adam *the default* in TensorFlow/Keras: it is the first choice "
        "the lecture recommends, but `model.compile()` without an "
        f"optimizer uses `\"{COMPILE_DEFAULT_OPTIMIZER}\"` (the default of its `optimizer` argument)."
    )
    code_column.code(COMPILE_SNIPPET, language="python", wrap_lines=True)

    # On the page, not in an expander: lecture mode hides expanders, and the lecture projects these rules.
    st.subheader("The update rules")
    rule_columns = st.container(key="opt_update_rules").columns(2)
    for index, spec in enumerate(OPTIMIZERS.values()):
        rule_columns[index % 2].markdown(f"**{spec.name}**")
        rule_columns[index % 2].latex(spec.update_rule)
    st.markdown(
        "Keras computes Adam's corrected step as one step size αₜ (the last line). In all of these, g is "
        "the gradient of the loss, ∇f(θ)."
    )
    with st.expander("The Keras code"):
        st.markdown("The optimizers racing now, as Keras builds them:")
        st.code("import keras\n\n" + "\n".join(f"{r.optimizer} = {keras_code(r)}" for r in racers), language="python")


optimizer_race()


check_yourself(section=5)
