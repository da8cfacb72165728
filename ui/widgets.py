"""The pages' widgets: a run's settings, Compare's columns, Sweep's axes, the transport
buttons. Bounds and help come from core.config's table, so they live in one place.

A widget's value lives under its key in the session state, prefixed by its page (``exp_``,
``cmp_``, ``swp_``); ``values(cfg, prefix)`` gives the keys and values that show a
configuration, for a page to load a link or a lesson into its widgets. Each widget is drawn
without a default of its own: its key always holds the value to show.
"""

from __future__ import annotations

import html
import random

import streamlit as st

from core import activations, config, datasets, initializers, losses, sweep
from core.config import SETTINGS, RunConfig

HELP = {name: s.help for name, s in SETTINGS.items()}
LABELS = {
    "n_samples": "samples", "test_fraction": "test fraction", "data_seed": "data seed",
    "depth": "hidden layers", "width": "units per layer", "init": "weight initializer",
    "init_scale": "scale (x every weight)", "bias_init": "bias initializer",
    "lr": "learning rate", "batch_size": "batch size (0 = all)", "l2": "L2 penalty",
    "train_seed": "batch/dropout seed", "init_seed": "init seed",
}
# Number formats and steps: a whole number steps by 1, a rate is typed.
FORMATS = {"noise": (0.05, "%.2f"), "test_fraction": (0.05, "%.2f"), "n_samples": (20, None),
           "init_scale": (0.1, "%.3g"), "lr": (None, "%.4g"), "momentum": (0.05, "%.3f"),
           "dropout": (0.05, "%.2f"), "l2": (None, "%.4g")}
CHOICES = {"dataset": datasets.NAMES, "activation": activations.NAMES,
           "init": initializers.NAMES, "bias_init": ("auto",) + initializers.NAMES,
           "optimizer": config.OPTIMIZERS, "loss": ("auto",) + losses.NAMES}


def _label(name: str) -> str:
    return LABELS.get(name, name.replace("_", " "))


def setting(name: str, prefix: str, label: str | None = None):
    """The widget of one scalar setting: a select box for a choice, else a number."""
    s, key = SETTINGS[name], prefix + name
    st.session_state.setdefault(key, s.default)
    if name in CHOICES:
        return st.selectbox(label or _label(name), CHOICES[name], key=key, help=HELP[name])
    step, fmt = FORMATS.get(name, (1 if s.kind is int else None, None))
    kw = {"step": step} if step is not None else {}
    if fmt:
        kw["format"] = fmt
    return st.number_input(label or _label(name), min_value=s.kind(s.lo),
                           max_value=s.kind(s.hi), key=key, help=HELP[name], **kw)


def param_key(scope: str, init_name: str, key: str) -> str:
    """The widget key of one initializer parameter (one per scope, initializer and key)."""
    return f"{scope}:{init_name}.{key}"


# Where a library's default would teach the wrong thing, the value a widget first shows:
# Keras's constant(value=0) is zeros under another name, and a student would conclude
# that constant weights are zero weights. (0 stays one keystroke away, and a link
# without a value still means Keras's 0.)
FIRST_VALUES = {("constant", "value"): (0.5, "Keras's default is 0, which is the same as "
                                             "zeros; this app starts at 0.5")}


def init_params(init_name: str, scope: str) -> dict:
    """Widgets for an initializer's own parameters; none when it has none (or is "auto",
    the bias initializer that follows the weights')."""
    params = {}
    if init_name == "auto":
        return params
    for key, default in initializers.spec(init_name).defaults.items():
        wkey = param_key(scope, init_name, key)
        first, note = FIRST_VALUES.get((init_name, key), (default, None))
        st.session_state.setdefault(wkey, first)
        if isinstance(default, str):
            params[key] = st.selectbox(key, initializers.PARAM_CHOICES[key], key=wkey)
        else:
            params[key] = st.number_input(key, key=wkey, format="%.4g", step=None,
                                          min_value=-1e6, max_value=1e6, help=note)
    return params


def values(cfg: RunConfig, prefix: str) -> dict:
    """Widget keys and values that show ``cfg`` in ``run_settings(prefix)``."""
    out = {prefix + name: getattr(cfg, name) for name, s in SETTINGS.items() if s.scalar}
    if cfg.loss == config.auto_loss(cfg.dataset):
        out[prefix + "loss"] = "auto"
    for name, group in (("init", "init_params"), ("bias_init", "bias_init_params")):
        for key, value in getattr(cfg, group).items():
            out[param_key(prefix + name, getattr(cfg, name), key)] = value
    out[prefix + "override"] = bool(cfg.layer_inits)
    if cfg.layer_inits:
        layer, (name, params) = next(iter(cfg.layer_inits.items()))
        out.update({prefix + "override_layer": layer, prefix + "override_init": name})
        out.update({param_key(prefix + "override", name, k): v for k, v in params.items()})
    return out


def _reseed(key: str) -> None:
    st.session_state[key] = random.randrange(10**6)


def _seed(name: str, prefix: str, what: str):
    """A seed with a 'new' button beside it that draws a fresh one."""
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    with left:
        value = setting(name, prefix)
    right.button("new", key=f"btn_{prefix}reseed_{name}", on_click=_reseed,
                 args=(prefix + name,), help=what)
    return value


def run_settings(prefix: str, full: bool = True, init: bool = True) -> dict:
    """Every setting of a run, grouped as expanders (draw it inside the sidebar); returns
    the raw values, for ``config.validate``. ``full`` adds what only Explore offers (the
    bias initializer, one layer's own initializer, seed buttons); ``init`` the weight
    initializer (Compare sets it per column)."""
    raw = {}

    def put(*names):
        for name in names:
            raw[name] = setting(name, prefix)

    with st.expander("Data", expanded=False):
        put("dataset", "n_samples", "noise", "test_fraction")
        raw["data_seed"] = (_seed("data_seed", prefix, "draw a new data set") if full
                            else setting("data_seed", prefix))
    with st.expander("Network", expanded=True):
        put("depth", "width", "activation")
    if init:
        with st.expander("Initialisation", expanded=True):
            put("init")
            spec = initializers.spec(raw["init"])
            st.caption(f"`{spec.formula}`  \n{spec.description}")
            raw["init_params"] = init_params(raw["init"], prefix + "init")
            put("init_scale")
            if full:
                put("bias_init")
                raw["bias_init_params"] = init_params(raw["bias_init"], prefix + "bias_init")
                raw["layer_inits"] = _layer_override(prefix, raw["depth"])
                raw["init_seed"] = _seed("init_seed", prefix,
                                         "draw new initial weights on the same data")
    with st.expander("Training", expanded=False):
        put("optimizer", "lr")
        if raw["optimizer"] == "momentum":
            put("momentum")
        put("batch_size", "dropout", "l2", "loss", "train_seed")
        if not full:
            raw["init_seed"] = setting("init_seed", prefix, "first init seed")
    return raw


def _layer_override(prefix: str, depth: int) -> dict:
    st.session_state.setdefault(prefix + "override", False)
    if not st.checkbox("different initializer for one layer", key=prefix + "override"):
        return {}
    top = int(depth) + 1
    key = prefix + "override_layer"
    st.session_state[key] = min(st.session_state.get(key, 1), top)
    layer = st.number_input("layer (output is depth + 1)", 1, top, key=key)
    st.session_state.setdefault(prefix + "override_init", "orthogonal")
    name = st.selectbox("its initializer", initializers.NAMES, key=prefix + "override_init")
    return {int(layer): (name, init_params(name, prefix + "override"))}


def layer_picker(label: str, top: int, key: str) -> int:
    """A layer from 1 to ``top``; a layer past ``top`` (the network got shallower) becomes
    ``top``."""
    st.session_state[key] = min(max(int(st.session_state.get(key, 1)), 1), top)
    return st.number_input(label, 1, top, key=key)


# ---------------------------------------------------------------- Compare's columns

OWN_SETTINGS = ("init_scale", "activation", "depth", "width", "lr")


def column_values(prefix: str, column: RunConfig, shared: RunConfig) -> dict:
    """Widget keys and values that show one of Compare's columns."""
    out = {prefix + "init": column.init}
    out.update({param_key(prefix + "init", column.init, k): v
                for k, v in column.init_params.items()})
    out[prefix + "own"] = any(getattr(column, k) != getattr(shared, k) for k in OWN_SETTINGS)
    out.update({prefix + k: getattr(column, k) for k in OWN_SETTINGS})
    return out


def column_editor(prefix: str, shared: RunConfig) -> dict:
    """One column's initializer and parameters, and optionally its own settings; returns
    what the column sets for itself."""
    name = setting("init", prefix, "initializer")
    st.caption(f"`{initializers.spec(name).formula}`")
    own = {"init": name, "init_params": init_params(name, prefix + "init")}
    st.session_state.setdefault(prefix + "own", False)
    if st.toggle("own settings", key=prefix + "own",
                 help="give this column its own scale, activation, depth, width or "
                      "learning rate; otherwise it uses the shared ones"):
        for key in OWN_SETTINGS:
            st.session_state.setdefault(prefix + key, getattr(shared, key))
            own[key] = setting(key, prefix)
    return own


# ---------------------------------------------------------------- Sweep's axes


def axis_values(prefix: str, which: str, axis: sweep.Axis) -> dict:
    return {f"{prefix}{which}_axis": axis.name, f"{prefix}{which}_values": sweep.axis_text(axis)}


def axis_editor(prefix: str, which: str, label: str) -> tuple[str, str]:
    name = st.selectbox(f"{label}: setting", sweep.AXES, key=f"{prefix}{which}_axis",
                        help="the setting that changes along this axis of the grid")
    text = st.text_input(f"{label}: values", key=f"{prefix}{which}_values",
                         help=f"1 to {sweep.MAX_VALUES} values separated by commas")
    return name, text


# ---------------------------------------------------------------- the page around them


def header(title: str, intro: str | None, link_errors: list[str]) -> None:
    """A page's title, its one-paragraph introduction and what was wrong with its link."""
    st.title(title)
    if intro:
        st.markdown(intro)
    for message in link_errors:
        st.warning(f"Link setting ignored: {message}", icon=":material/link_off:")


def lesson_header(heading: str) -> None:
    """A lesson's heading on Explore: one short line (its title and, once it may be told,
    its finding), where the page's own title took two lines at 1280 px and four on a
    phone. The marker lets view.css tighten the space above it."""
    st.markdown(f'<h1 class="wri-lesson-head">Lesson: {html.escape(heading, quote=False)}</h1>',
                unsafe_allow_html=True)


def row(widths: list[int], left, right, caption: str | None = None) -> None:
    """Two parts side by side (``left()`` and ``right()`` draw them), a caption under both."""
    a, b = st.columns(widths)
    with a:
        left()
    with b:
        right()
    if caption:
        st.caption(caption)


# ---------------------------------------------------------------- transport


def transport(presenter, key_prefix: str, reset_help: str = "", compact: bool = False) -> None:
    """Play/Pause, Step, Step x10 and Reset in one row, driving a live page's presenter;
    ``compact`` fills the row it is given (the presenter view's header)."""
    # Outside the presenter view a row of buttons as wide as their labels, which on a
    # phone stays one row (columns there stack: Play, Step, ... one under another).
    c = st.columns([1, 1, 1, 1]) if compact else [st.container(
        horizontal=True, gap="small")] * 4
    width = "stretch" if compact else "content"
    playing = presenter.playing
    c[0].button("Pause" if playing else "Play", on_click=presenter.play, args=(not playing,),
                type="primary", icon=":material/pause:" if playing else ":material/play_arrow:",
                key=key_prefix + "play", width=width)
    c[1].button("Step", on_click=presenter.step, args=(1,), key=key_prefix + "step1",
                width=width)
    c[2].button("Step ×10", on_click=presenter.step, args=(10,), key=key_prefix + "step10",
                width=width)
    c[3].button("Reset", icon=":material/replay:", on_click=presenter.reset,
                key=key_prefix + "reset", width=width, help=reset_help)


# ---------------------------------------------------------------- predict, then run


def question_box(lecture, commit, key_prefix: str) -> None:
    """The lesson's question, when the address asks it: pick an answer and commit to it
    before Play (``commit(choice)``); the run then grades it under the status line."""
    question = lecture.question
    if question is None:
        return
    with st.container(border=True):
        st.markdown(f":material/quiz: **Predict, then run.** {question.prompt}")
        if lecture.picked is not None:
            st.markdown(f"Your answer: **{question.choices[lecture.picked]}**. The run grades "
                        "it under the status line.")
            return
        choice = st.radio("your answer", range(len(question.choices)), index=None,
                          format_func=question.choices.__getitem__, horizontal=True,
                          key=f"{key_prefix}ask_{lecture.lesson.key}",
                          label_visibility="collapsed")
        st.button("Commit my answer", disabled=choice is None, on_click=commit,
                  args=(choice,), key="expbtn_commit", icon=":material/how_to_vote:")
        st.caption("Until you commit, the page shows the network's settings and nothing of "
                   "its run that would answer the question.")
