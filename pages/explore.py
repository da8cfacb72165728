"""Explore: one network trained live, every panel updating while it plays."""

import streamlit as st

from serving.limits import LIMITS
from ui import explore, live, live_chart, snapshot, view, widgets
from ui.explore import FLOW_FIELDS, PANELS, PREFIX

live_chart.preload()
presenter, link_errors = explore.enter()
board = presenter.board
present = view.presenting()
lesson = presenter.lesson
lesson_text, look_for = lesson.told() if lesson else ("", "")

with st.sidebar:
    if not present:
        view.toggle()
    raw = widgets.run_settings(PREFIX)
    panels = st.multiselect("Panels", PANELS, key=PREFIX + "panels",
                            help="hide panels you don't need: hidden ones cost nothing")
    st.session_state.setdefault(PREFIX + "speed", min(20, LIMITS.max_steps_per_tick))
    speed = st.slider("steps per refresh", 1, LIMITS.max_steps_per_tick, key=PREFIX + "speed",
                      help="how many training steps run between two refreshes (about 6 a "
                           "second)")
problem = explore.apply(presenter, raw)


def show():
    """The panels and the live charts' own settings, as their widgets last left them (the
    live part's widgets rerun only the live part)."""
    presenter.show(panels, speed, explore.Options(
        log_y=st.session_state.get(PREFIX + "loss_log", False),
        field=st.session_state.get(PREFIX + "flow_field") or "grad_norm",
        similarity_layer=st.session_state.get(PREFIX + "sim_layer", 1), present=present))


show()
view.shortcuts(explore.shortcuts(presenter))
reset_help = "the identical run again: same data, first weights and batches"
if present:
    view.header(lesson.title if lesson else "Explore", presenter, "expbtn_", reset_help)
else:
    widgets.header("Explore: watch a network train from its first weights", None, [])
for message in link_errors:
    st.warning(f"Link setting ignored: {message}", icon=":material/link_off:")
if problem:
    st.error(f"Setting not applied: {problem}")
if lesson and not present:
    st.info(f"**Lesson: {lesson.title}.** {lesson_text}\n\n**Look for:** {look_for}")
explore.ask(presenter)
if not present:
    widgets.transport(presenter, "expbtn_", reset_help)


def live_part(refresh):
    def place(key):
        live_chart.place(board, key, refresh.charts.get(key))

    def chart(key):
        return lambda: place(key)

    live.status(presenter, refresh.parts, "head")
    if present:
        key_charts(place)
        live.status(presenter, refresh.parts, "notes")
        if lesson:
            with st.expander(f"Lesson: {lesson.title}", expanded=False):
                st.markdown(f"{lesson_text}\n\n**Look for:** {look_for}")
    else:
        live.status(presenter, refresh.parts, "notes")
        key_charts_with_controls(place)
    depth = presenter.run.trainer.depth
    if "boundary" in panels and present:
        widgets.row([1, 1], chart("boundary"), lambda: None,
                    "What the network predicts everywhere; filled dots train, rings test.")
    if "gradient flow" in panels:
        widgets.row([1, 1], chart("flow_lines"), chart("flow_heat"),
                    "Healthy initialisation keeps all layers within an order of magnitude or "
                    "two; vanishing shows as lines fanning out downwards for the layers "
                    "nearest the input.")
    if "distributions" in panels and depth:
        widgets.row([2, 1], chart("histograms"), chart("saturation"),
                    "Glorot & Bengio's picture: activations piled at ±1 (tanh) or 0/1 "
                    "(sigmoid) are saturated and pass almost no gradient back; ReLU units "
                    "with zero slope on every example are dead.")
    if "isometry" in panels and depth:
        widgets.row([3, 2], chart("spectrum"), lambda: st.markdown(
            "**Dynamical isometry.** How much the hidden layers stretch or squash a small "
            "change of layer 1 on its way to the top layer, in every direction: the "
            "singular values σ of the Jacobian ∂h_L/∂h_1, one set per input of the batch. "
            "All σ = 1 (the dotted line) is a perfect relay; every σ far below 1 is a "
            "direction the error cannot travel back along."),
            "Saxe et al. 2014; Pennington, Schoenholz & Ganguli 2017: orthogonal weights in "
            "a linear net keep every σ at exactly 1 at any depth; Gaussian weights of the "
            "same variance spread them over decades; tanh near its critical line stays "
            "close to 1, ReLU cannot (its off units give σ = 0). Dashed: the first weights "
            "on the same inputs.")
    if "symmetry" in panels and depth:
        def similarity():
            widgets.layer_picker("layer", depth, PREFIX + "sim_layer")
            place("similarity")

        widgets.row([3, 2], chart("symmetry"), similarity,
                    "Random initialisation gives every unit its own weights: as many distinct "
                    "units as the width. Zeros or a constant give 1, and gradient descent can "
                    "never separate them.")


def key_charts(place):
    """The presenter view's first screen: units, gradient bars and loss side by side."""
    shown = [key for key, panel in (("network", "network"), ("flow_bars", "gradient flow"),
                                    ("loss", "loss")) if panel in panels]
    for column, key in zip(st.columns([5, 4, 4][:len(shown)] or [1]), shown, strict=False):
        with column:
            place(key)


def key_charts_with_controls(place):
    if "network" in panels or "boundary" in panels:
        left, right = st.columns([3, 2])
        if "network" in panels:
            with left:
                place("network")
                st.caption("Each square is one unit's output over the input plane (blue "
                           "positive, orange negative); links are weights, thicker = larger. "
                           "Under zeros or a constant, every square in a layer is the same.")
        if "boundary" in panels:
            with right:
                place("boundary")
                st.caption("What the network predicts everywhere; filled dots train, rings "
                           "test.")
    if "loss" in panels or "gradient flow" in panels:
        left, right = st.columns(2)
        if "loss" in panels:
            with left:
                st.toggle("log scale", key=PREFIX + "loss_log")
                place("loss")
                st.caption("A flat line at 0.693 (ln 2) means the network guesses 50/50: "
                           "it has learnt nothing.")
        if "gradient flow" in panels:
            with right:
                st.session_state.setdefault(PREFIX + "flow_field", "grad_norm")
                st.segmented_control("quantity", list(FLOW_FIELDS), key=PREFIX + "flow_field",
                                     format_func=FLOW_FIELDS.get)
                place("flow_bars")
                st.caption("Each layer's gradient now, on a log scale. Bars below the lower "
                           "dotted line (100x under the output layer's) are vanishing; above "
                           "the upper one, exploding.")


live.mount(presenter, live_part, show)

if "theory" in panels:
    left, right = st.columns(2)
    with left:
        live_chart.place(board, "theory", presenter.theory_frame())
    with right:
        depth = presenter.run.trainer.depth
        layer = widgets.layer_picker("weights of layer", depth + 1, PREFIX + "weight_layer")
        live_chart.place(board, "weights", presenter.weights_frame(layer))
    st.caption("The mean-field argument (lines: Poole et al. 2016, each input of the first "
               "batch carried through exact Gaussian expectations) predicts each layer's "
               "scale from the weights' variance; dots are what this network did at step 0; "
               "the shaded band is the range over 8 init seeds, how far one network of this "
               "width may sit from the line. They part ways where the argument's assumptions "
               "fail (constant weights, identical units).")

if "phase" in panels:
    here = presenter.here()
    left, right = st.columns([3, 2])
    with left:
        live_chart.place(board, "phase", presenter.phase_frame(here))
    with right:
        st.markdown(explore.phase_text(presenter, here))
    st.caption("Mean-field theory of wide random networks (Poole et al. 2016; Schoenholz et "
               "al. 2017): weights of variance σ_w²/fan_in and biases of variance σ_b². "
               "Left of the critical line (χ₁ < 1) signals and gradients fade with depth and "
               "all inputs come to look alike; right of it they blow up and nearby inputs "
               "come apart. A network trains to a depth of about 6·ξ_c, and ξ_c is infinite on "
               "the line.")

if "landscape" in panels:
    drawn = presenter.landscape_drawn()
    st.button("Draw the loss from the first weights" if drawn is None else "Draw it again now",
              on_click=presenter.draw_landscape, key="expbtn_landscape",
              icon=":material/landscape:",
              help="the loss along the straight line from the first weights to the weights "
                   "now, and on a slice around them; a second or so of work")
    if drawn is None:
        st.caption("The loss landscape is drawn when asked, at the step the run is at.")
    else:
        line, plane = presenter.landscape_frames()
        left, right = st.columns(2)
        with left:
            live_chart.place(board, "landscape_line", line)
        with right:
            live_chart.place(board, "landscape_slice", plane)
        st.caption(f"Drawn at step {drawn[0]['step']}. Left: the loss of the network "
                   "(1 − α)·first weights + α·weights now (Goodfellow, Vinyals & Saxe 2015); "
                   "a smooth fall from α = 0 to 1 means training took a simple path. Right: "
                   "the loss around the weights now along two directions scaled to each "
                   "unit's weights (Li et al. 2018). Under zeros or a constant the "
                   "directions are one that keeps the units copies and one that breaks "
                   "the symmetry: the slope along the second is exactly 0, so gradient "
                   "descent never leaves the copies.")

with st.expander("Export and share"):
    name = f"explore-{lesson.key}" if lesson else "explore"
    c1, c2, c3 = st.columns(3)
    with c1:
        snapshot.button(name, "exp_snapshot")
    # Built when pressed (a callable), on the download's own thread: not on every run.
    c2.download_button("Lesson report (HTML)", presenter.report, f"{name}-report.html",
                       "text/html", key="expbtn_dl_report", on_click="ignore",
                       icon=":material/article:",
                       help="this view as one HTML file that opens offline: interactive "
                            "figures, the lesson and its checks, the settings and the "
                            "command line that trains the same run")
    c3.download_button("Weights now (JSON)", presenter.weights_json, f"{name}-weights.json",
                       "application/json", key="expbtn_dl_weights", on_click="ignore")
    c1, c2 = st.columns(2)
    c1.download_button("Telemetry (CSV)", presenter.telemetry_csv, "telemetry.csv",
                       "text/csv", key="expbtn_dl_csv", on_click="ignore")
    c2.download_button("Configuration (JSON)", explore.config_json(presenter), "config.json",
                       "application/json", key="expbtn_dl_json", on_click="ignore")
    # A text box, not st.code: the code block's highlighter costs a browser 0.3 s of work
    # before the first chart can appear, on every fresh page load.
    st.text_input("Share link: reproduces this view exactly (seeds included)",
                  explore.share_link(presenter), help="select it and copy")

explore.leave(presenter)
