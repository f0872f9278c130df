"""Section 5: optimizers. SGD, momentum, RMSprop and Adam race on a loss surface."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

from annviz.errors import InputError
from annviz.optimizers import COMPILE_DEFAULT_OPTIMIZER, COMPILE_SNIPPET, OPTIMIZERS, keras_code
from annviz.optimizers import uncorrected_adam_step_ratio, when_to_use_rows
from annviz.race import OPENING_LEARNING_RATES, divergence_sentence, leaderboard, slide_adam_sentence
from annviz.race_settings import RACE_SETTINGS, SAME_RATE_AS, race_inputs, racer_key, racer_learning_rate, start_keys
from annviz.surfaces import SURFACES
from pages._exercises import check_yourself
from pages._race_views import landscape_view, race_view, racer_keys, setting_widget, slide_adam_view
from pages._lecture import on_screen
from pages._ui import page_header, shown_as_error

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
        x_key, y_key = start_keys(surface_key)
        st.session_state[x_key] = round(float(points[0]["x"]), 3)
        st.session_state[y_key] = round(float(points[0]["y"]), 3)


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
    # Every widget comes from annviz.race_settings.RACE_SETTINGS; their values go back to it.
    values: dict[str, object] = {}
    with below:
        same_column, shared_column, _ = st.columns([1.4, 1, 2], vertical_alignment="bottom")
        values["opt_same_lr"] = setting_widget("opt_same_lr", same_column)
        values["opt_lr_all"] = setting_widget("opt_lr_all", shared_column, disabled=not values["opt_same_lr"])
    with controls:
        surface_key = values["opt_surface"] = setting_widget("opt_surface", format_func=lambda key: SURFACES[key].name)
        surface = SURFACES[surface_key]
        widths = [2.1, 0.8, 0.75]
        for cell, heading in zip(st.columns(widths), ("racer", "η", "result")):
            cell.caption(heading)
        places: dict[str, object] = {}
        for spec in OPTIMIZERS.values():
            name_cell, rate_cell, place_cell = st.columns(widths, vertical_alignment="center")
            racing = values[racer_key(spec.key, "on")] = setting_widget(racer_key(spec.key, "on"), name_cell)
            if spec.key in SAME_RATE_AS:  # like with like: the slide's Adam races at Adam's η
                rate_cell.caption(f"{OPTIMIZERS[SAME_RATE_AS[spec.key]].name}'s η")
            else:
                key = racer_key(spec.key, "learning_rate")
                values[key] = setting_widget(key, rate_cell, label_visibility="collapsed",
                                             disabled=bool(values["opt_same_lr"]) or not racing)
            places[spec.key] = place_cell.empty()
    race_area.latex(surface.formula)

    with below:
        st.caption(surface.lesson)
        x_column, y_column, steps_column, epsilon_column, noise_column = st.columns([1, 1, 1, 1, 1.6], vertical_alignment="bottom")
        for column, key in zip((x_column, y_column, steps_column, epsilon_column, noise_column),
                               (*start_keys(surface_key), "opt_steps", "opt_eps", "opt_noise")):
            values[key] = setting_widget(key, column)
        low, high = surface.lr_range
        opening = ", ".join(f"{OPTIMIZERS[key].name} {rate:g}" for key, rate in OPENING_LEARNING_RATES.items())
        keras_rates = ", ".join(f"{OPTIMIZERS[key].defaults['learning_rate']:g}" for key in OPENING_LEARNING_RATES)
        st.caption(
            f"Learning rates worth trying on this surface: {low:g} to {high:g} (plain SGD diverges from the "
            f"default start at ten times the top). The race opens with rates picked for the ravine ({opening}): "
            f"with Keras's defaults ({keras_rates}) no racer gets there within 500 steps. Every other "
            "hyperparameter starts at Keras's default."
        )

        with st.expander("More hyperparameters: momentum μ, ρ, β₁, β₂, ε, …"):
            for column, spec in zip(st.columns(len(OPTIMIZERS)), OPTIMIZERS.values()):
                column.markdown(f"**{spec.name}**")
                for parameter in (h for h in spec.hyperparameters if h.name != "learning_rate"):
                    key = racer_key(spec.key, parameter.name)
                    values[key] = setting_widget(key, column, disabled=not values[racer_key(spec.key, "on")])
        inputs = race_inputs({**{k: row.default for k, row in RACE_SETTINGS.items()}, **values})
        for sentence in inputs.refused.values():
            st.error(sentence, icon=":material/error:")
        racers = list(inputs.racers)
        start_x, start_y = inputs.start
        steps, epsilon, noise = inputs.steps, inputs.epsilon, inputs.noise

        keras_column, view_column = st.columns(2)
        use_keras = setting_widget("opt_keras", keras_column, disabled=noise > 0)
        show_3d = setting_widget("opt_3d", view_column)

    view = None
    settings_key = (surface_key, racer_keys(racers), (float(start_x), float(start_y)), steps)
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
            if divergence_sentence(result):
                st.warning(divergence_sentence(result), icon=":material/trending_up:")
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
    raced = ""
    if view is not None and "adam" not in inputs.refused:
        try:  # at Adam's η, from this start, for these steps: the numbers of the race itself
            comparison = slide_adam_view(surface_key, inputs.start, racer_learning_rate(values, "adam"),
                                         view[0].steps, epsilon)
            raced = " " + slide_adam_sentence(comparison, surface.name)
        except InputError:
            pass  # a bad ε is said once, at the leaderboard
    st.markdown(
        "**Adam's bias correction.** The lecture slide shows Adam without it, θ ← θ − η·m / (√v + ε). Both "
        "moments start at 0, and with β₁ = 0.9, β₂ = 0.999 that uncorrected step is too **large**, not too "
        f"small: for a constant gradient it is {first:.2f}× Keras's corrected step at t = 1 and still "
        f"{later:.2f}× at t = 1000. Keras divides m and v by 1 − βᵗ.{raced} Tick "
        f"**{OPTIMIZERS['adam_slide'].name}** in the racer list to race the slide's rule against Keras's Adam, "
        "at Adam's η."
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
