"""Widgets and session glue of the pages that train many networks at once: Compare, Sweep.

Each page keeps its widgets under its own prefix, so neither disturbs Explore's settings.
Streamlit forgets the state of widgets a run did not draw, so a visit to another page would
reset these pages: ``keep`` puts back what ``save`` stored at the end of the page's last run.
A link (the URL's query string) is read once per session, on the first visit.
"""

from __future__ import annotations

import streamlit as st

from core import activations, compare, datasets, initializers, losses, settings, sweep
from ui import controls

COMPARE = "cmp_"
SWEEP = "swp_"
# What a column may set for itself when its "own settings" toggle is on.
OWN_SETTINGS = ("init_scale", "activation", "depth", "width", "lr")


# ---------------------------------------------------------------- widget state across pages


def keep(prefix: str):
    for key, value in st.session_state.get(f"_saved_{prefix}", {}).items():
        if key not in st.session_state:
            st.session_state[key] = value


def save(prefix: str):
    st.session_state[f"_saved_{prefix}"] = {
        k: v for k, v in st.session_state.items()
        if isinstance(k, str) and prefix in k and not k.startswith("_")}


def _first_visit(scope: str) -> bool:
    flag = f"_url_loaded_{scope}"
    first = not st.session_state.get(flag)
    st.session_state[flag] = True
    return first


def write_url(query: dict):
    if query != st.query_params.to_dict():
        st.query_params.from_dict(query)


# ---------------------------------------------------------------- shared settings


def set_settings(prefix: str, cfg: dict):
    """Put a configuration into the widgets of ``shared_settings(prefix)``."""
    for name, s in settings.SETTINGS.items():
        if s.kind is not dict:
            st.session_state[prefix + name] = cfg[name]
    for key, value in cfg["init_params"].items():
        st.session_state[controls.param_key(prefix + "init", cfg["init"], key)] = value


def shared_settings(prefix: str, with_init: bool = False) -> dict:
    """The settings every network of the page shares, grouped as on Explore; raw values."""
    for name, s in settings.SETTINGS.items():  # a widget without a value shows its minimum
        if s.kind is not dict and prefix + name not in st.session_state:
            st.session_state[prefix + name] = s.default
    raw = {}

    def number(name, label=None, **kw):
        raw[name] = controls._number(name, label, prefix=prefix, **kw)

    def select(name, options, label=None):
        raw[name] = controls._select(name, options, label, prefix=prefix)

    with st.expander("Data", expanded=False):
        select("dataset", datasets.NAMES)
        number("n_samples", "samples", step=20)
        number("noise", step=0.05, fmt="%.2f")
        number("test_fraction", "test fraction", step=0.05, fmt="%.2f")
        number("data_seed", "data seed")
    with st.expander("Network", expanded=True):
        number("depth", "hidden layers", step=1)
        number("width", "units per layer", step=1)
        select("activation", activations.NAMES)
    if with_init:
        with st.expander("Initialisation", expanded=True):
            select("init", initializers.NAMES, "weight initializer")
            st.caption(f"`{initializers.spec(raw['init']).formula}`")
            raw["init_params"] = controls.init_params(raw["init"], prefix + "init")
            number("init_scale", "scale (x every weight)", step=0.1, fmt="%.3g")
    with st.expander("Training", expanded=False):
        select("optimizer", settings.OPTIMIZERS)
        number("lr", "learning rate", fmt="%.4g", step=None)
        if raw["optimizer"] == "momentum":
            number("momentum", step=0.05, fmt="%.3f")
        number("batch_size", "batch size (0 = all)", step=1)
        number("dropout", step=0.05, fmt="%.2f")
        number("l2", "L2 penalty", fmt="%.4g", step=None)
        select("loss", ("auto",) + losses.NAMES)
        number("train_seed", "batch/dropout seed")
        number("init_seed", "first init seed")
    return raw


def validated(raw: dict) -> tuple[dict | None, str | None]:
    try:
        return settings.validate(raw), None
    except ValueError as err:
        return None, str(err)


# ---------------------------------------------------------------- Compare


def _column_prefix(i: int) -> str:
    return f"{COMPARE}c{i}_"


def set_column(i: int, column: dict, shared: dict):
    p = _column_prefix(i)
    st.session_state[p + "init"] = column["init"]
    params = initializers.check_params(column["init"], column.get("init_params", {}))
    for key, value in params.items():
        st.session_state[controls.param_key(p + "init", column["init"], key)] = value
    st.session_state[p + "own"] = any(k in column and column[k] != shared[k]
                                      for k in OWN_SETTINGS)
    for key in OWN_SETTINGS:
        st.session_state[p + key] = column.get(key, shared[key])


def load_compare_url() -> list[str]:
    """On the session's first visit, the comparison in the URL (or the defaults) goes into
    the widgets; returns the messages about the URL's bad entries."""
    if not _first_visit("compare"):
        keep(COMPARE)
        return st.session_state.get("_url_errors_compare", [])
    parsed = compare.from_query(st.query_params.to_dict())
    set_settings(COMPARE, parsed.shared)
    st.session_state[COMPARE + "ncols"] = len(parsed.columns)
    st.session_state[COMPARE + "seeds"] = parsed.seeds
    st.session_state[COMPARE + "band"] = parsed.band
    for i in range(compare.MAX_COLUMNS):
        column = parsed.columns[i] if i < len(parsed.columns) else compare.default_column(i)
        set_column(i, column, parsed.shared)
    st.session_state["_url_errors_compare"] = parsed.errors
    return parsed.errors


def column_editor(i: int, shared: dict) -> dict:
    """One column's initializer and parameters, and optionally its own settings."""
    p = _column_prefix(i)
    if p + "init" not in st.session_state:  # a column shown again after it was hidden
        set_column(i, compare.default_column(i), shared)
    name = controls._select("init", initializers.NAMES, "initializer", prefix=p)
    st.caption(f"`{initializers.spec(name).formula}`")
    column = {"init": name, "init_params": controls.init_params(name, p + "init")}
    own = st.toggle("own settings", key=p + "own",
                    help="give this column its own scale, activation, depth, width or "
                         "learning rate; otherwise it uses the shared ones")
    if own:
        for key in OWN_SETTINGS:
            if p + key not in st.session_state:
                st.session_state[p + key] = shared[key]
        column["init_scale"] = controls._number("init_scale", "scale (x every weight)",
                                                step=0.1, fmt="%.3g", prefix=p)
        column["activation"] = controls._select("activation", activations.NAMES, prefix=p)
        column["depth"] = controls._number("depth", "hidden layers", step=1, prefix=p)
        column["width"] = controls._number("width", "units per layer", step=1, prefix=p)
        column["lr"] = controls._number("lr", "learning rate", fmt="%.4g", step=None,
                                        prefix=p)
    return column


def compare_run(shared: dict, columns: list[dict], seeds: int):
    """The session's Lockstep for this comparison: made on first use, made again when
    anything changes (and then paused). Raises ValueError for a refused comparison."""
    key = str(compare.to_query(shared, columns, seeds))
    run = st.session_state.get("_run_compare")
    if run is None or st.session_state.get("_run_compare_key") != key:
        run = compare.Lockstep(shared, columns, seeds)
        st.session_state["_run_compare"] = run
        st.session_state["_run_compare_key"] = key
        st.session_state["_playing_compare"] = False
    return run


# ---------------------------------------------------------------- Sweep


def set_sweep(spec: sweep.Spec, threshold: float, preset: str):
    set_settings(SWEEP, spec.base)
    for which, axis in (("x", spec.x), ("y", spec.y)):
        st.session_state[f"{SWEEP}{which}_axis"] = axis.name
        st.session_state[f"{SWEEP}{which}_values"] = sweep.axis_text(axis)
    st.session_state[SWEEP + "seeds"] = spec.seeds
    st.session_state[SWEEP + "steps"] = spec.steps
    st.session_state[SWEEP + "trained"] = threshold
    st.session_state[SWEEP + "preset"] = preset
    st.session_state[SWEEP + "ratio"] = sweep.PRESETS[preset].ratio


def load_sweep_url() -> list[str]:
    if not _first_visit("sweep"):
        keep(SWEEP)
        return st.session_state.get("_url_errors_sweep", [])
    spec, threshold, preset, errors = sweep.from_query(st.query_params.to_dict())
    set_sweep(spec, threshold, preset)
    st.session_state["_url_errors_sweep"] = errors
    return errors


def load_preset():
    """on_change of the preset picker: the preset's settings and axes into the widgets."""
    key = st.session_state[SWEEP + "preset"]
    preset = sweep.PRESETS[key]
    set_sweep(preset.spec(), st.session_state.get(SWEEP + "trained",
                                                  sweep.DEFAULT_THRESHOLD), key)


def axis_editor(which: str, label: str) -> tuple[str, str]:
    name = st.selectbox(f"{label}: setting", sweep.AXES, key=f"{SWEEP}{which}_axis",
                        help="the setting that changes along this axis of the grid")
    text = st.text_input(f"{label}: values", key=f"{SWEEP}{which}_values",
                         help=f"1 to {sweep.MAX_VALUES} values separated by commas")
    return name, text
