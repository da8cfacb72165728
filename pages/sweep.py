"""Sweep: a grid over two settings, each cell trained from several seeds: where does it train?"""

import streamlit as st

from core import limits, sweep
from ui import live_chart, multi, visibility
from viz import compare as figures

# A sweep works in slices of TICK_WORK_S seconds, one per refresh, so that Cancel (and every
# other session) gets its turn between two slices.
TICK_S = 0.5
TICK_WORK_S = 0.35
P = multi.SWEEP
running_key = "_sweep_running"

errors = multi.load_sweep_url()

with st.sidebar:
    st.subheader("Every cell's settings")
    st.caption("The two axes override these.")
    base_raw = multi.shared_settings(P, with_init=True)

st.title("Sweep: where does a network train?")
st.markdown("A grid over two settings. Every cell trains for a fixed number of steps from "
            "several seeds; the maps show how far the loss fell, how well the gradient "
            "reached the first layer at the start, and how many seeds trained.")
for message in errors:
    st.warning(f"Link setting ignored: {message}", icon=":material/link_off:")

preset_key = st.selectbox("Preset", list(sweep.PRESETS), key=P + "preset",
                          format_func=lambda k: sweep.PRESETS[k].title,
                          on_change=multi.load_preset,
                          help="loads the preset's settings and axes; change any of them after")
preset = sweep.PRESETS[preset_key]
st.info(f"{preset.text}\n\n**Look for:** {preset.look_for}", icon=":material/science:")

left, right = st.columns(2)
with left:
    x_name, x_text = multi.axis_editor("x", "Across (x)")
with right:
    y_name, y_text = multi.axis_editor("y", "Down (y)")
c1, c2, c3 = st.columns(3)
seeds = c1.number_input("seeds per cell", 1, 32, key=P + "seeds",
                        help="random starts per cell, trained together as one stack")
steps = c2.number_input("steps per cell", sweep.MIN_STEPS, sweep.MAX_STEPS, key=P + "steps")
threshold = c3.slider("trained below this share of the constant guess's loss",
                      *sweep.THRESHOLD_RANGE, step=0.05, key=P + "trained")

spec, problem = None, None
base, problem = multi.validated(base_raw)
if base is not None:
    try:
        spec = sweep.Spec(base, sweep.parse_axis(x_name, x_text),
                          sweep.parse_axis(y_name, y_text), int(seeds), int(steps))
        cell_list = sweep.cells(spec)
    except ValueError as err:
        spec, problem = None, str(err)
if problem:
    st.error(f"Sweep not ready: {problem}", icon=":material/error:")
else:
    multi.write_url(sweep.to_query(spec, threshold, preset_key))
    guess = sweep.baseline_for(spec.base)
    st.caption(f"{len(cell_list)} cells × {spec.seeds} seeds × {spec.steps} steps. "
               f"**Rule:** a seed *trained* when its final training loss is below "
               f"{threshold:g} × {guess:.3f} = {threshold * guess:.3f}, where {guess:.3f} is "
               "the loss of the best constant guess (ln 2 on two balanced classes). A "
               "diverged seed did not train.")
multi.save(P)

running = st.session_state.get(running_key, False)
run = st.session_state.get("_sweep_run")


def _start():
    st.session_state["_sweep_run"] = sweep.SweepRun(spec)
    st.session_state[running_key] = True


def _cancel():
    st.session_state[running_key] = False
    current = st.session_state.get("_sweep_run")
    if current is not None:
        with current.lock:
            current.cancel()


b1, b2, _ = st.columns([1, 1, 4])
b1.button("Run sweep", icon=":material/play_arrow:", type="primary", on_click=_start,
          disabled=spec is None or running, key="swpbtn_run", width="stretch")
b2.button("Cancel", icon=":material/stop:", on_click=_cancel, disabled=not running,
          key="swpbtn_cancel", width="stretch")


def chart(fig, key):
    # Updated in place as the cells fill in, not rebuilt (ui/live_chart.py).
    live_chart.draw(key, lambda: fig)


def results(run, threshold):
    s = run.spec
    summary = run.summary(threshold)
    ratio = st.segmented_control(
        "gradient ratio of", ["grad_ratio", "backprop_ratio"], key=P + "ratio",
        format_func=lambda v: {"grad_ratio": "weight gradients ‖∂L/∂W‖",
                               "backprop_ratio": "error signals std(∂L/∂z)"}[v]
    ) or "grad_ratio"
    maps = st.columns(3)
    for place, value in zip(maps, ["final_train_loss", ratio, "trained_fraction"],
                            strict=True):
        with place:
            chart(figures.sweep_heatmap(sweep.grid(summary, s, value), s.x.name, s.x.labels,
                                        s.y.name, s.y.labels, value), f"swpfig_{value}")
    st.caption("Left: lower is better (bright). Middle: layer 1 against the output layer at "
               "step 0; white is 1, blue means the signal fades on its way back (vanishing), "
               "red that it grows (exploding). The weight gradient ‖∂L/∂W‖ multiplies the "
               "error signal by the layer's input, which shrinks the other way; the error "
               "signal shows the fading plainly. Right: the share of seeds that trained.")
    d1, d2 = st.columns(2)
    d1.download_button("Every seed (CSV)", run.frame().to_csv(index=False), "sweep_seeds.csv",
                       "text/csv", key="swpbtn_dl_seeds", on_click="ignore")
    d2.download_button("Every cell (CSV)", summary.to_csv(index=False), "sweep_cells.csv",
                       "text/csv", key="swpbtn_dl_cells", on_click="ignore")


def progress():
    run = st.session_state.get("_sweep_run")
    if run is None:
        st.caption("Press **Run sweep**: the maps fill in cell by cell.")
        return
    going = st.session_state.get(running_key, False)
    if going and not run.done and not visibility.hidden():
        with run.lock, limits.SLOTS.hold() as granted:
            if granted:
                run.advance(TICK_WORK_S)
        if not granted:
            st.info(limits.busy_message(limits.SLOTS.size), icon=":material/hourglass_top:")
    state = ("cancelled" if run.cancelled else "finished" if run.finished else
             f"now: {run.current}")
    st.progress(run.progress, text=f"{run.cells_done} of {len(run.cells)} cells · "
                                   f"{run.elapsed:.1f} s of training · {state}")
    if going and run.done:
        st.session_state[running_key] = False
        st.rerun(scope="app")
    if run.rows:
        results(run, st.session_state.get(P + "trained", sweep.DEFAULT_THRESHOLD))
    if spec is not None and run.spec != spec:
        st.caption("These maps are from the last sweep; the settings above have changed "
                   "since. Press **Run sweep** to run the new grid.")


hidden = visibility.tab_hidden()
st.fragment(progress, run_every=TICK_S if running and not hidden else None)()
