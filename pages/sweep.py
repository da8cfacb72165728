"""Sweep: a grid over two settings, each cell trained from several seeds: where does it train?"""

import streamlit as st

from core import sweep as sweeping
from ui import live, live_chart, sweep_session, view, widgets
from ui.sweep_presenter import RATIOS
from ui.sweep_session import PREFIX

live_chart.preload()
visit = sweep_session.enter()
presenter = visit.presenter
present = view.presenting()

with st.sidebar:
    if not present:
        view.toggle()
    st.subheader("Every cell's settings")
    st.caption("The two axes override these.")
    base_raw = widgets.run_settings(PREFIX, full=False)

# The presenter view: one line of title and buttons, then the maps, large; the preset, its
# words and the grid's settings folded away under them.
top = st.container()
settings = st.expander("Preset, axes and seeds", expanded=False) if present else st.container()
with settings:
    if not present:
        widgets.header("Sweep: where does a network train?",
                       "A grid over two settings. Every cell trains for a fixed number of "
                       "steps from several seeds; the maps show how far the loss fell, how "
                       "well the gradient reached the first layer at the start, and how many "
                       "seeds trained.", visit.link_errors)
    preset_key = st.selectbox("Preset", list(sweeping.PRESETS), key=PREFIX + "preset",
                              format_func=lambda k: sweeping.PRESETS[k].title,
                              on_change=sweep_session.load_preset,
                              help="loads the preset's settings and axes; change any of them "
                                   "after")
    preset = sweeping.PRESETS[preset_key]
    st.info(f"{preset.text}\n\n**Look for:** {preset.look_for}", icon=":material/science:")

    left, right = st.columns(2)
    with left:
        x = widgets.axis_editor(PREFIX, "x", "Across (x)")
    with right:
        y = widgets.axis_editor(PREFIX, "y", "Down (y)")
    c1, c2, c3 = st.columns(3)
    seeds = c1.number_input("seeds per cell", 1, 32, key=PREFIX + "seeds",
                            help="random starts per cell, trained together as one stack")
    steps = c2.number_input("steps per cell", sweeping.MIN_STEPS, sweeping.MAX_STEPS,
                            key=PREFIX + "steps")
    threshold = c3.slider("trained below this share of the constant guess's loss",
                          *sweeping.THRESHOLD_RANGE, step=0.05, key=PREFIX + "trained")

    spec, problem = sweep_session.spec_from(base_raw, x, y, seeds, steps)
    if problem:
        st.error(f"Sweep not ready: {problem}", icon=":material/error:")
    else:
        sweep_session.show(visit, spec, threshold, preset_key)
        st.caption(sweep_session.rule(spec, threshold))


def buttons(b1, b2):
    b1.button("Run sweep", icon=":material/play_arrow:", type="primary",
              on_click=presenter.start, args=(spec,),
              disabled=spec is None or presenter.running, key="swpbtn_run", width="stretch")
    b2.button("Cancel", icon=":material/stop:", on_click=presenter.cancel,
              disabled=not presenter.running, key="swpbtn_cancel", width="stretch")


if present:
    with top:
        name, b1, b2, leave = st.columns([4, 1.6, 1.3, 1.3], vertical_alignment="center")
        name.markdown(f"#### Sweep: {preset.title}")
        buttons(b1, b2)
        with leave:
            view.toggle()
        for message in visit.link_errors:
            st.warning(f"Link setting ignored: {message}", icon=":material/link_off:")
else:
    with settings:
        buttons(*st.columns([1, 1, 4])[:2])


def show():
    presenter.show(threshold, st.session_state.get(PREFIX + "ratio") or "grad_ratio", present)


def live_part(refresh):
    live.status(presenter, refresh.parts, "head")
    live.status(presenter, refresh.parts, "notes")
    if presenter.run is None:
        return
    # The maps' places are on the page from the start: while the sweep plays the live feed
    # hands each new frame to its place, cell by cell, with no rerun of the page.
    if not present:
        st.segmented_control("gradient ratio of", list(RATIOS), key=PREFIX + "ratio",
                             format_func=RATIOS.get)
    for place, key in zip(st.columns(3), presenter.map_keys(), strict=True):
        with place:
            live_chart.place(presenter.board, key, refresh.charts.get(key))
    if present or not presenter.run.rows:
        return
    st.caption("Left: lower is better (bright). Middle: layer 1 against the output layer at "
               "step 0; white is 1, blue means the signal fades on its way back (vanishing), "
               "red that it grows (exploding). The weight gradient ‖∂L/∂W‖ multiplies the "
               "error signal by the layer's input, which shrinks the other way; the error "
               "signal shows the fading plainly. Right: the share of seeds that trained.")
    d1, d2 = st.columns(2)
    d1.download_button("Every seed (CSV)", presenter.seeds_csv, "sweep_seeds.csv",
                       "text/csv", key="swpbtn_dl_seeds", on_click="ignore")
    d2.download_button("Every cell (CSV)", presenter.cells_csv, "sweep_cells.csv",
                       "text/csv", key="swpbtn_dl_cells", on_click="ignore")
    if spec is not None and presenter.run.spec != spec:
        st.caption("These maps are from the last sweep; the settings above have changed "
                   "since. Press **Run sweep** to run the new grid.")


show()
with top if present else settings:
    live.mount(presenter, live_part, show)
sweep_session.leave(visit)
