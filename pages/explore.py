"""Explore: one network trained live, every panel updating while it plays."""

import functools

import numpy as np
import streamlit as st

from core import limits, telemetry, theory
from core.lessons import BY_KEY
from ui import controls, live_chart, state
from ui import feed as live_feed
from viz import boundary, distributions, network, style, training

TICK_S = limits.LIMITS.tick_seconds  # 0.16: about six refreshes a second (WRI_TICK_SECONDS)
PANELS = ("network", "boundary", "loss", "gradient flow", "distributions", "symmetry",
          "theory")

live_chart.preload()
errors = state.load_url_once("explore")
raw = controls.sidebar()
cfg, problem = controls.apply(raw, st.session_state.get("_cfg_explore"))
st.session_state["_cfg_explore"] = cfg
lesson = BY_KEY.get(st.session_state.get("lesson") or "")
state.write_url(cfg, lesson=lesson.key if lesson else None)
run = state.live_run(cfg)

with st.sidebar:
    shown = st.multiselect("Panels", PANELS, default=PANELS, key="panels",
                           help="hide panels you don't need: hidden ones cost nothing")
    speed = st.slider("steps per refresh", 1, limits.LIMITS.max_steps_per_tick,
                      min(20, limits.LIMITS.max_steps_per_tick), key="speed",
                      help="how many training steps run between two refreshes (about 6 a second)")

st.title("Explore: watch a network train from its first weights")
for message in errors:
    st.warning(f"Link setting ignored: {message}", icon=":material/link_off:")
if problem:
    st.error(f"Setting not applied: {problem}")
if lesson:
    st.info(f"**Lesson: {lesson.title}.** {lesson.text}\n\n**Look for:** {lesson.look_for}")

playing_key = "_playing_explore"


controls.transport(run, playing_key,
                   reset_help="the identical run again: same data, first weights and batches")


# While playing, the light charts redraw on every refresh and the heavy ones take turns,
# one refresh in SLOW each: redrawing all ten every time, a browser on two busy cores kept
# up about 3.3 refreshes a second, 4.2 this way (bench/explore_refresh.py reports each
# chart's own frame rate).
SLOW = 4
feed = live_feed.session_feed("explore")
board = live_chart.board()


def chart(key, build, every=1, inputs=()):
    live_chart.draw(key, build, every=every, frame=live_chart.frame_of("explore"),
                    inputs=(run.generation, *inputs))


def options():
    """The live charts' own settings, as their widgets last left them."""
    return {"log_y": bool(st.session_state.get("loss_log", False)),
            "field": st.session_state.get("flow_field") or "grad_norm",
            "layer": st.session_state.get("sim_layer", 1), "shown": tuple(shown),
            "speed": st.session_state.get("speed", 20)}


def live_charts(trainer, layer_frame, step_frame, latest, snap, opts):
    """key -> (panel, refreshes per frame while playing, build, the chart's own inputs)."""
    depth, width, field = trainer.depth, trainer.config["width"], opts["field"]
    charts = {
        "network": ("network", SLOW, lambda: network.network_figure(snap(), depth, width), ()),
        "boundary": ("boundary", SLOW, lambda: boundary.boundary_figure(snap(), trainer.data),
                     ()),
        "loss": ("loss", 1, lambda: training.loss_figure(step_frame, log_y=opts["log_y"]),
                 (opts["log_y"],)),
        "flow_bars": ("gradient flow", 1,
                      lambda: training.gradflow_bars(latest, field, depth), (field,)),
        "flow_lines": ("gradient flow", SLOW,
                       lambda: training.gradflow_lines(layer_frame, field, depth), (field,)),
        "flow_heat": ("gradient flow", SLOW,
                      lambda: training.gradflow_heatmap(layer_frame, field, depth), (field,)),
    }
    if depth:
        charts.update({
            "histograms": ("distributions", SLOW,
                           lambda: distributions.histograms_figure(snap(), depth), ()),
            "saturation": ("distributions", SLOW,
                           lambda: distributions.saturation_figure(latest, depth), ()),
            "symmetry": ("symmetry", SLOW,
                         lambda: training.symmetry_figure(layer_frame, width, depth), ()),
            "similarity": ("symmetry", SLOW, lambda: similarity_figure(trainer, opts["layer"]),
                           (opts["layer"],)),
        })
    return charts


def refresh(ticking, timer, opts, visible=None):
    """One refresh of the live part: a tick of training when ``ticking``, then the status
    parts, the due charts' frames (only those in ``visible`` when it is given: the feed
    skips charts scrolled out of view) and whether the run has finished.

    Called by the page's own runs and, outside any script run, by the live feed
    (ui/feed.py), always under ``feed.lock``: no Streamlit in here.
    """
    with run.lock:
        trained = run.tick(opts["speed"]) if ticking else 0
        frame = board.next_frame("explore", timer, news=trained > 0)
        trainer = run.trainer
        layer_frame, step_frame = trainer.frames()
        # A diverged run's newest record is NaN: show its last finite state instead.
        shown_at = trainer.record.newest_finite()
        shown_step, lay, met = trainer.record.arrays(shown_at)
        latest = layer_frame[layer_frame["step"] == shown_step[0]]
        charts = live_charts(trainer, layer_frame, step_frame, latest,
                             lambda: feed.cache["snapshot"][2], opts)
        due = {key: chart for key, chart in charts.items()
               if chart[0] in opts["shown"] and (visible is None or key in visible)
               and board.due(key, chart[1], frame, (run.generation, *chart[3]))}
        if due.keys() & {"network", "boundary", "histograms"}:
            # The probe-batch snapshot costs a forward pass over a grid: while playing it
            # is shared by the charts due within SLOW refreshes of each other (each of
            # them redraws only one refresh in SLOW anyway).
            taken = feed.cache.get("snapshot")  # (generation, frame, snapshot)
            if (frame is None or not taken or taken[0] != run.generation
                    or taken[1] is None or frame - taken[1] >= SLOW):
                feed.cache["snapshot"] = (run.generation, frame, trainer.snapshot(
                    grid_size=24, max_layers=6, max_units=8))
        parts = status_parts(trainer, lay[0, 0], met[0, 0], run.waiting, int(shown_step[0]))
        finished = run.finished
    specs = {key: board.frame(key, build, every, frame, (run.generation, *inputs))
             for key, (_, every, build, inputs) in due.items()}
    return parts, specs, finished


def status_parts(trainer, lay, met, waiting, shown_step):
    """The status line and its notes as [kind, markdown, icon]: Streamlit's elements show
    them in the page's own runs, the feed's component between them."""
    parts = []
    if waiting:  # every training slot was taken, by this refresh or a Step
        parts.append(["info", limits.busy_message(limits.SLOTS.size),
                      ":material/hourglass_top:"])
    step = trainer.step
    tr, te, tra, tea = met
    acc = "" if np.isnan(tra) else f" · accuracy train **{tra:.1%}** test **{tea:.1%}**"
    at = "" if shown_step == step else f" (at step {shown_step}, the last finite)"
    parts.append(["markdown", f"**Step {step}** · loss train **{style.loss_text(tr)}** test "
                  f"**{style.loss_text(te)}**{acc}{at}", None])
    depth, width = trainer.depth, trainer.config["width"]
    grads = " · ".join(f"{style.layer_name(k + 1, depth)} {g:.2g}"
                       for k, g in enumerate(lay[:, telemetry.FIELDS.index("grad_norm")]))
    parts.append(["caption", f"‖∂L/∂W‖ now: {grads}", None])
    where = trainer.diverged_at[0]
    if where:
        parts.append(["error", f"Exploded at step {where['step']} in layer {where['layer']} "
                      f"({where['phase']} pass): numbers overflowed. The last finite state "
                      "stays on screen; lower the learning rate or the initial scale and "
                      "press Reset.", None])
    distinct = lay[:-1, telemetry.FIELDS.index("distinct_units")]
    stuck = [k + 1 for k, d in enumerate(distinct) if d == 1]
    if width > 1 and stuck:
        parts.append(["warning", f"Symmetry holds: in layer {_layers(stuck)} all {width} "
                      "units are identical, so each layer acts like a single unit.", None])
    elif depth and not where and np.all(lay[:-1, telemetry.FIELDS.index("grad_norm")] == 0):
        dead = [k + 1 for k, d in enumerate(lay[:-1, telemetry.FIELDS.index("dead_frac")])
                if d == 1]
        why = (f"every unit in layer{'s' if len(dead) > 1 else ''} {_layers(dead)} is dead "
               "(its slope is 0 on the whole batch), and no gradient passes a dead layer"
               if dead else "no gradient reaches the hidden layers")
        parts.append(["warning", "Training has stalled: every hidden layer's weight gradient "
                      f"is exactly 0, because {why}. Dead units seldom wake up; lower the "
                      "initial scale or the learning rate and press Reset.", None])
    if lesson:
        verdict, message = lesson_check(lesson.key, trainer)
        icon = {"yes": ":material/check_circle:", "not yet": ":material/hourglass_top:",
                "no": ":material/cancel:"}[verdict]
        parts.append(["markdown", f"{icon} **Live check ({verdict}):** {message}", None])
    return parts


def _layers(numbers, most=8):
    return ", ".join(str(k) for k in numbers[:most]) + ("…" if len(numbers) > most else "")


def live():
    specs = live_feed.drive(feed, refresh, options(), playing_key, TICK_S)

    def place(key):
        live_chart.place(key, specs.get(key))

    depth = run.trainer.depth
    if "network" in shown or "boundary" in shown:
        left, right = st.columns([3, 2])
        if "network" in shown:
            with left:
                place("network")
                st.caption("Each square is one unit's output over the input plane (blue "
                           "positive, orange negative); links are weights, thicker = larger. "
                           "Under zeros or a constant, every square in a layer is the same.")
        if "boundary" in shown:
            with right:
                place("boundary")
                st.caption("What the network predicts everywhere; filled dots train, rings "
                           "test.")
    if "loss" in shown or "gradient flow" in shown:
        left, right = st.columns(2)
        if "loss" in shown:
            with left:
                st.toggle("log scale", key="loss_log")
                place("loss")
                st.caption("A flat line at 0.693 (ln 2) means the network guesses 50/50: "
                           "it has learnt nothing.")
        if "gradient flow" in shown:
            with right:
                st.segmented_control(
                    "quantity", ["grad_norm", "backprop_std", "update_ratio"],
                    default="grad_norm", key="flow_field",
                    format_func=lambda f: {"grad_norm": "weight gradient",
                                           "backprop_std": "back-propagated error",
                                           "update_ratio": "update / weight"}[f])
                place("flow_bars")
                st.caption("Each layer's gradient now, on a log scale. Bars below the lower "
                           "dotted line (100x under the output layer's) are vanishing; above "
                           "the upper one, exploding.")
        if "gradient flow" in shown:
            left, right = st.columns(2)
            with left:
                place("flow_lines")
            with right:
                place("flow_heat")
            st.caption("Healthy initialisation keeps all layers within an order of magnitude "
                       "or two; vanishing shows as lines fanning out downwards for the layers "
                       "nearest the input.")
    if "distributions" in shown and depth:
        left, right = st.columns([2, 1])
        with left:
            place("histograms")
        with right:
            place("saturation")
        st.caption("Glorot & Bengio's picture: activations piled at ±1 (tanh) or 0/1 "
                   "(sigmoid) are saturated and pass almost no gradient back; ReLU units "
                   "with zero slope on every example are dead.")
    if "symmetry" in shown and depth:
        left, right = st.columns([3, 2])
        with left:
            place("symmetry")
        with right:
            st.number_input("layer", 1, depth, 1, key="sim_layer")
            place("similarity")
        st.caption("Random initialisation gives every unit its own weights: as many "
                   "distinct units as the width. Zeros or a constant give 1, and gradient "
                   "descent can never separate them.")


def similarity_figure(trainer, layer):
    with run.lock:
        sim = telemetry.unit_similarity(trainer.Ws[layer - 1][0], trainer.bs[layer - 1][0])
    return training.similarity_figure(sim[:32, :32], layer)


def first_weights_panels():
    """Theory and the first weights depend on step 0 alone: drawn once per run, outside the
    live fragment, so they cost nothing while training plays."""
    trainer = run.trainer
    depth = trainer.depth
    first_Ws = [W[0] for W in run.initial_Ws]
    first_bs = [b[0] for b in run.initial_bs]
    layer_frame, _ = trainer.frames()
    step0 = layer_frame[(layer_frame["step"] == 0) & (layer_frame["member"] == 0)]
    step0 = step0.sort_values("layer")
    top_sq = float(step0["backprop_std"].iloc[-1]) ** 2
    predicted = theory.predict(first_Ws, first_bs, trainer.data.X_train, trainer.act,
                               top_grad_sq=top_sq)
    left, right = st.columns(2)
    with left:
        chart("theory", lambda: distributions.theory_figure(predicted, step0, depth))
    with right:
        wl = st.number_input("weights of layer", 1, depth + 1, 1, key="weight_layer")
        name, params = cfg["layer_inits"].get(wl, (cfg["init"], cfg["init_params"]))
        W0 = first_Ws[wl - 1]
        edges, density = density_of(name, tuple(sorted(params.items())), W0.shape,
                                    cfg["init_scale"])
        chart("weights", lambda: distributions.weight_histogram_figure(W0, edges, density, wl,
                                                                       name))
    st.caption("The variance argument (lines) predicts each layer's scale from the "
               "weights' variance alone; dots are what the network really did at step 0. "
               "They agree for zero-mean random weights and part ways where its "
               "assumptions fail (constant weights, identical units).")


@st.cache_data(max_entries=64, show_spinner=False)
def density_of(name, params, shape, scale):
    edges, density = theory.init_density(name, dict(params), shape)
    if scale == 0:
        return np.array([-0.01, 0.01]), np.array([50.0])
    return edges * scale, density / scale


@functools.lru_cache(maxsize=64)  # not st.cache_data: the live feed calls it outside a run
def _restarts_check(cfg_json):
    import json

    from core.trainer import Trainer
    cfg = json.loads(cfg_json)
    return BY_KEY["restarts"].check(Trainer({**cfg, "layer_inits": {}}))


def lesson_check(key, trainer):
    if key == "restarts":  # trains eight networks: once per configuration, not every tick
        return _restarts_check(state.config_json(trainer.config))
    return BY_KEY[key].check(trainer)


live_feed.run_live(live, playing_key, TICK_S)
if "theory" in shown:
    first_weights_panels()

with st.expander("Export and share"):
    layer_frame, step_frame = run.trainer.frames()
    csv = layer_frame.merge(step_frame, on=["member", "step"]).drop(columns="member")
    c1, c2 = st.columns(2)
    c1.download_button("Telemetry (CSV)", csv.to_csv(index=False), "telemetry.csv",
                       "text/csv", key="dl_csv")
    c2.download_button("Configuration (JSON)", state.config_json(cfg), "config.json",
                       "application/json", key="dl_json")
    # A text box, not st.code: the code block's highlighter costs a browser 0.3 s of work
    # before the first chart can appear, on every fresh page load.
    st.text_input("Share link: reproduces these settings exactly (seeds included)",
                  state.share_link(cfg), help="select it and copy")
