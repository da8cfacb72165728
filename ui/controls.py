"""The settings widgets: one function per group, each reading its defaults from
core.settings so that bounds live in one place."""

from __future__ import annotations

import random

import streamlit as st

from core import activations, datasets, initializers, limits, losses, settings
from ui.state import WIDGET_PREFIX as P

HELP = {name: s.help for name, s in settings.SETTINGS.items()}


def _number(name, label=None, step=None, fmt=None, prefix=P, **extra):
    s = settings.SETTINGS[name]
    kw = dict(min_value=s.kind(s.lo), max_value=s.kind(s.hi), key=prefix + name,
              help=HELP[name], **extra)
    if step is not None:
        kw["step"] = step
    if fmt is not None:
        kw["format"] = fmt
    return st.number_input(label or name.replace("_", " "), **kw)


def _select(name, options, label=None, prefix=P, **extra):
    return st.selectbox(label or name.replace("_", " "), options, key=prefix + name,
                        help=HELP[name], **extra)


def _reseed(name):
    st.session_state[P + name] = random.randrange(10**6)


def _seed(name, label, what):
    """A seed with a 'new' button beside it that draws a fresh one."""
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    with left:
        value = _number(name, label)
    right.button("new", key="reseed_" + name, on_click=_reseed, args=(name,), help=what)
    return value


def param_key(scope: str, init_name: str, key: str) -> str:
    """The widget key of one initializer parameter (one per scope, initializer and key)."""
    return f"{P}{scope}:{init_name}.{key}"


def init_params(init_name: str, scope: str) -> dict:
    """Widgets for an initializer's own parameters; none when it has none."""
    spec = initializers.spec(init_name)
    params = {}
    for key, default in spec.defaults.items():
        wkey = param_key(scope, init_name, key)
        if wkey not in st.session_state:
            st.session_state[wkey] = default
        if isinstance(default, str):
            choices = initializers.PARAM_CHOICES[key]
            params[key] = st.selectbox(key, choices, key=wkey)
        else:
            params[key] = st.number_input(key, key=wkey, format="%.4g", step=None,
                                          min_value=-1e6, max_value=1e6)
    return params


def sidebar() -> dict:
    """Every setting of a run, grouped; returns the raw values (validated by the caller)."""
    raw = {}
    with st.sidebar:
        with st.expander("Data", expanded=False):
            raw["dataset"] = _select("dataset", datasets.NAMES)
            raw["n_samples"] = _number("n_samples", "samples", step=20)
            raw["noise"] = _number("noise", step=0.05, fmt="%.2f")
            raw["test_fraction"] = _number("test_fraction", "test fraction", step=0.05,
                                           fmt="%.2f")
            raw["data_seed"] = _seed("data_seed", "data seed", "draw a new data set")
        with st.expander("Network", expanded=True):
            raw["depth"] = _number("depth", "hidden layers", step=1)
            raw["width"] = _number("width", "units per layer", step=1)
            raw["activation"] = _select("activation", activations.NAMES)
        with st.expander("Initialisation", expanded=True):
            raw["init"] = _select("init", initializers.NAMES, "weight initializer")
            spec = initializers.spec(raw["init"])
            st.caption(f"`{spec.formula}`  \n{spec.description}")
            raw["init_params"] = init_params(raw["init"], "init")
            raw["init_scale"] = _number("init_scale", "scale (x every weight)", step=0.1,
                                        fmt="%.3g")
            raw["bias_init"] = _select("bias_init", initializers.NAMES, "bias initializer")
            raw["bias_init_params"] = init_params(raw["bias_init"], "bias_init")
            raw["layer_inits"] = {}
            if st.checkbox("different initializer for one layer", key=P + "override"):
                top = int(raw["depth"]) + 1
                key = P + "override_layer"
                st.session_state[key] = min(st.session_state.get(key, 1), top)
                layer = st.number_input("layer (output is depth + 1)", 1, top, key=key)
                name = st.selectbox("its initializer", initializers.NAMES,
                                    key=P + "override_init")
                raw["layer_inits"] = {int(layer): (name, init_params(name, "override"))}
            raw["init_seed"] = _seed("init_seed", "init seed",
                                     "draw new initial weights on the same data")
        with st.expander("Training", expanded=False):
            raw["optimizer"] = _select("optimizer", settings.OPTIMIZERS)
            raw["lr"] = _number("lr", "learning rate", fmt="%.4g", step=None)
            if raw["optimizer"] == "momentum":
                raw["momentum"] = _number("momentum", step=0.05, fmt="%.3f")
            raw["batch_size"] = _number("batch_size", "batch size (0 = all)", step=1)
            raw["dropout"] = _number("dropout", step=0.05, fmt="%.2f")
            raw["l2"] = _number("l2", "L2 penalty", fmt="%.4g", step=None)
            raw["loss"] = _select("loss", ("auto",) + losses.NAMES)
            raw["train_seed"] = _number("train_seed", "batch/dropout seed")
    return raw


def apply(raw: dict, previous: dict | None) -> tuple[dict, str | None]:
    """Validate the widgets' values; on a bad combination, or one over a server limit,
    keep the previous configuration."""
    try:
        cfg = settings.validate({k: v for k, v in raw.items()})
        limits.check(cfg)  # LimitError is a ValueError: same message path as a bad value
        return cfg, None
    except ValueError as err:
        return (previous or settings.validate()), str(err)


def transport(run, playing_key, key_prefix="", reset_help=""):
    """Play/Pause, Step, Step x10 and Reset in one row, driving ``run`` (a core.live.LiveRun
    or a core.compare.Lockstep: both have lock, advance, reset and waiting) and the
    session's playing flag ``playing_key``."""
    playing = st.session_state.get(playing_key, False)

    def set_playing(value):
        # Set, never toggle: a click that reaches the server twice (once with a timer's
        # fragment run, once with its own rerun) must not undo itself.
        st.session_state[playing_key] = value
        if not value:
            run.waiting = False  # paused: nothing is waiting for a slot any more

    def step(n):
        st.session_state[playing_key] = False
        with run.lock:
            run.advance(n)

    def reset():
        st.session_state[playing_key] = False
        with run.lock:
            run.reset()

    c = st.columns([1, 1, 1, 1, 4])
    c[0].button("Pause" if playing else "Play", on_click=set_playing, args=(not playing,),
                type="primary", icon=":material/pause:" if playing else ":material/play_arrow:",
                key=key_prefix + "play", width="stretch")
    c[1].button("Step", on_click=step, args=(1,), key=key_prefix + "step1", width="stretch")
    c[2].button("Step ×10", on_click=step, args=(10,), key=key_prefix + "step10",
                width="stretch")
    c[3].button("Reset", icon=":material/replay:", on_click=reset, key=key_prefix + "reset",
                width="stretch", help=reset_help)
