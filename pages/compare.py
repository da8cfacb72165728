"""Compare: initializers side by side, trained in lockstep on the same data from the same seeds."""

import streamlit as st

from core import compare as comparing
from serving.limits import LIMITS
from ui import compare, live, live_chart, widgets
from ui.compare import PREFIX
from viz.compare import colour

live_chart.preload()
presenter, visit = compare.enter()
board = presenter.board

with st.sidebar:
    st.subheader("Shared by every column")
    shared_raw = widgets.run_settings(PREFIX, full=False, init=False)
    seeds = st.number_input(
        "seeds per configuration", 1, comparing.MAX_SEEDS, key=PREFIX + "seeds",
        help="each configuration trains from this many random starts (init seed, +1, +2...): "
             "the curves show their median and spread")
    band = st.radio("band around the median", list(comparing.BANDS), key=PREFIX + "band",
                    format_func=comparing.BANDS.get, horizontal=True)
    st.session_state.setdefault(PREFIX + "speed", min(10, LIMITS.max_steps_per_tick))
    speed = st.slider("steps per refresh", 1, LIMITS.max_steps_per_tick, key=PREFIX + "speed",
                      help="training steps between two refreshes (five a second)")

widgets.header("Compare: initializers side by side",
               "Every column trains on **the same data, in the same batch order, from the "
               "same seeds**; only what you choose per column differs. Press **Play** and "
               "watch which ones learn.", visit.link_errors)

n = st.columns([1, 4])[0].number_input(
    "configurations", comparing.MIN_COLUMNS, comparing.MAX_COLUMNS, key=PREFIX + "ncols",
    help="columns side by side, 2 to 6")
shared, problem = compare.shared_settings(visit, shared_raw)
if problem:
    st.error(f"Shared setting not applied: {problem}", icon=":material/error:")

columns = []
for i, place in enumerate(st.columns(n)):
    with place, st.container(border=True):
        st.markdown(f"<span style='color:{colour(i)}'>■</span> **Column {i + 1}**",
                    unsafe_allow_html=True)
        column, problem = compare.column(visit, i, shared)
        if problem:
            st.error(f"Column {i + 1} not applied: {problem}", icon=":material/error:")
        columns.append(column)

problem = compare.start(presenter, shared, columns, int(seeds))
if problem:
    st.error(f"Not started: {problem}", icon=":material/block:")

widgets.transport(presenter, "cmpbtn_",
                  reset_help="the identical runs again: same data, first weights, batches")


def show():
    presenter.show(speed, compare.Options(
        quantity=st.session_state.get(PREFIX + "quantity") or "train_loss",
        log_y=st.session_state.get(PREFIX + "log", False), band=band))


def live_part(refresh):
    live.status(presenter, refresh.parts)

    def place(key):
        live_chart.place(board, key, refresh.charts.get(key))

    left, right = st.columns([3, 2])
    with left:
        st.session_state.setdefault(PREFIX + "quantity", "train_loss")
        st.segmented_control("loss", list(compare.QUANTITIES), key=PREFIX + "quantity",
                             format_func=lambda f: f.replace("_", " "))
        st.toggle("log scale", key=PREFIX + "log")
        place("cmpfig_loss")
        st.caption("A flat line at 0.693 (ln 2) is a network that guesses 50/50 on every "
                   "point: it has learnt nothing.")
    with right:
        place("cmpfig_box")
        st.caption("Each dot is one seed. A tall box means the result depends on luck; "
                   "diverged seeds are left out (see the status above).")
    place("cmpfig_grads")
    st.caption("Per layer, the weight gradient's size. Zeros give exactly 0 in every hidden "
               "layer: nothing reaches the hidden weights, so they never move.")
    place("cmpfig_distinct")
    st.caption("Random weights give every unit its own weights (as many distinct units as "
               "the width); zeros or a constant leave one unit copied across the layer.")
    place("cmpfig_thumbs")


show()
live.mount(presenter, live_part, show)

with st.expander("Export and share"):
    c1, c2 = st.columns(2)
    c1.download_button("Final losses per seed (CSV)", presenter.finals_csv(),
                       "compare_final.csv", "text/csv", key="cmpbtn_dl_final",
                       on_click="ignore")
    c2.download_button("Loss curves (CSV)", presenter.curves_csv(), "compare_curves.csv",
                       "text/csv", key="cmpbtn_dl_curves", on_click="ignore")
    st.caption("Share link: reproduces this comparison exactly (seeds included).")
    st.code(compare.share_link(presenter), language=None)

compare.leave(presenter, visit)
