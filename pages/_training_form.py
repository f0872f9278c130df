"""The training settings form shared by the Keras workflow page (6) and the MNIST page (7).

One table, ``annviz.training_config.SETTINGS``, gives every widget its label, range and help; each
widget's key is ``<page prefix>_<setting name>`` and its value lives in the URL, so
``/mnist?mnist_epochs=3`` opens the MNIST page with 3 epochs.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from annviz.architecture import MAX_HIDDEN_LAYERS_CHARS
from annviz.optimizers import OPTIMIZERS
from annviz.training_config import LOSSES, METRICS, SETTINGS, TRAINING_OPTIMIZERS, Setting, TrainingConfig, config_from_settings
from annviz.training_config import settings_of
from pages._ui import shown_as_error

#: The options are shown by their Keras names (what the code says); the help spells them out.
OPTION_HELP = {
    **{name: OPTIMIZERS[name].name for name in TRAINING_OPTIMIZERS},
    **{name: choice.label for name, choice in LOSSES.items()},
    **{name: choice.label for name, choice in METRICS.items()},
}
DEFAULTS = settings_of(TrainingConfig())


def setting_key(prefix: str, setting: Setting) -> str:
    return f"{prefix}_{setting.name}"


def _widget(setting: Setting, key: str, *, set_by_code: bool) -> Any:
    """The setting's widget. ``set_by_code``: its value was just put into ``st.session_state``
    (:func:`mark_form_set`), so it is drawn with Streamlit's neutral default, which the stored
    value overrides anyway (a widget given both a default and a value set through the Session
    State API makes Streamlit log a warning with a stack)."""
    default = DEFAULTS[setting.name]
    options = "\n".join(f"- `{option}`: {OPTION_HELP[option]}" for option in setting.options)
    help_text = f"{setting.help}\n\n{options}" if options else setting.help
    common = {"key": key, "help": help_text, "bind": "query-params"}
    if setting.kind == "layers":
        # One character more than the parser reads: text cut at the field's limit is still too long
        # there, and said to be, instead of ending in a word cut in half.
        return st.text_input(setting.label, "" if set_by_code else default, max_chars=MAX_HIDDEN_LAYERS_CHARS + 1, **common)
    if setting.kind == "choice":
        return st.selectbox(setting.label, setting.options, index=0 if set_by_code else setting.options.index(default), **common)
    if setting.kind == "choices":
        return st.multiselect(setting.label, setting.options, default=None if set_by_code else default, **common)
    if setting.kind == "bool":
        return st.toggle(setting.label, value=False if set_by_code else bool(default), **common)
    # No min_value or max_value: the browser would keep a typed value beyond them in the field
    # while the program silently kept the old one (issue #28.5). The value is taken as typed and
    # TrainingConfig says in a sentence why it cannot be used; the help gives the range.
    common["help"] += f"\n\nAllowed: {setting.min_value:g} to {setting.max_value:g}."
    if setting.kind == "int":
        return st.number_input(
            setting.label, None, None, "min" if set_by_code else int(default), int(setting.step), **common
        )
    step = setting.step if setting.step is not None else default
    return st.number_input(
        setting.label, None, None, "min" if set_by_code else float(default), float(step), format="%g", **common
    )


def mark_form_set(prefix: str) -> None:
    """Say that code (a callback) just put values into ``prefix``'s form widgets, for their next drawing."""
    st.session_state[f"{prefix}_form_set_by_code"] = True


#: Column widths of the form: the fourth holds the loss, whose Keras name is long.
COLUMN_WIDTHS = (1.1, 1, 1, 1.7, 1.2)


def training_form(prefix: str) -> TrainingConfig | None:
    """Every setting as a widget, in columns; the config, or None after an ``st.error`` saying why."""
    values: dict[str, Any] = {}
    set_by_code = bool(st.session_state.pop(f"{prefix}_form_set_by_code", False))
    slots = st.columns(COLUMN_WIDTHS)
    for index, setting in enumerate(SETTINGS):
        with slots[index % len(slots)]:
            values[setting.name] = _widget(setting, setting_key(prefix, setting), set_by_code=set_by_code)
    with shown_as_error():
        return config_from_settings(values)
    return None


def query_params_for(prefix: str, config: TrainingConfig) -> dict[str, str | list[str]]:
    """The URL parameters that open a page with ``prefix``'s form filled in with ``config``.

    A multiselect takes repeated parameters (``?mnist_metrics=accuracy&mnist_metrics=...``).
    """
    values = settings_of(config)
    return {
        setting_key(prefix, setting): ([str(v) for v in value] or "") if isinstance(value, list) else str(value)
        for setting, value in ((s, values[s.name]) for s in SETTINGS)
    }
