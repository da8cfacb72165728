"""Compare: initializers side by side, trained in lockstep on the same data from the same seeds."""

import streamlit as st

from core import compare
from serving.limits import LIMITS
from ui import (
    class_session,
    compare_presenter,
    compare_session,
    live,
    live_chart,
    snapshot,
    view,
    widgets,
)
from ui.compare_session import PREFIX
from viz.compare_figures import colour

live_chart.preload()
presenter, visit = compare_session.enter()
board = presenter.board
present = view.presenting()
reset_help = "the identical runs again: same data, first weights, batches"

with st.sidebar:
    if not present:
        view.toggle()
    st.subheader("Shared by every column")
    shared_raw = widgets.run_settings(PREFIX, full=False, init=False)
    seeds = st.number_input(
        "seeds per configuration", 1, compare.MAX_SEEDS, key=PREFIX + "seeds",
        help="each configuration trains from this many random starts (init seed, +1, +2...): "
             "the curves show their median and spread")
    band = st.radio("band around the median", list(compare.BANDS), key=PREFIX + "band",
                    format_func=compare.BANDS.get, horizontal=True)
    st.session_state.setdefault(PREFIX + "speed", min(10, LIMITS.max_steps_per_tick))
    speed = st.slider("steps per refresh", 1, LIMITS.max_steps_per_tick, key=PREFIX + "speed",
                      help="training steps between two refreshes (five a second)")

# The buttons come first on the screen but are drawn once the columns below are read: a
# change there that starts a new run pauses, and Play must say so (it stayed on Pause).
buttons = st.container()
if not present:
    widgets.header("Compare: initializers side by side",
                   "Every column trains on **the same data, in the same batch order, from the "
                   "same seeds**; only what you choose per column differs. Press **Play** "
                   "and watch which ones learn.", visit.link_errors)
    transport = st.container()
view.shortcuts(view.live_shortcuts(presenter, compare_session.PREFIX + "init_seed"))
# A student in a class: the class, the seed, the post; drawn once the run is settled below.
seat_banner = st.container()
# The run and its charts come first on the screen, the columns' settings under them; the
# settings are read first, so the run on screen is the one they describe.
running = st.container()

st.subheader("The columns")
n = st.columns([1, 4])[0].number_input(
    "configurations", compare.MIN_COLUMNS, compare.MAX_COLUMNS, key=PREFIX + "ncols",
    help="columns side by side, 2 to 6")
shared, problem = compare_session.shared_settings(visit, shared_raw)
if problem:
    st.error(f"Shared setting not applied: {problem}", icon=":material/error:")
columns = []
for i, place in enumerate(st.columns(n)):
    with place, st.container(border=True):
        st.markdown(f"<span style='color:{colour(i)}'>■</span> **Column {i + 1}**",
                    unsafe_allow_html=True)
        column, problem = compare_session.column(visit, i, shared)
        if problem:
            st.error(f"Column {i + 1} not applied: {problem}", icon=":material/error:")
        columns.append(column)
problem = compare_session.start(presenter, shared, columns, int(seeds))
if present:
    with buttons:
        view.header("Compare", presenter, "cmpbtn_", reset_help)
        for message in visit.link_errors:
            st.warning(f"Link setting ignored: {message}", icon=":material/link_off:")
else:
    with transport:
        widgets.transport(presenter, "cmpbtn_", reset_help)


def show():
    presenter.show(speed, compare_presenter.Options(
        quantity=st.session_state.get(PREFIX + "quantity") or "train_loss",
        log_y=st.session_state.get(PREFIX + "log", False), band=band, present=present))


def live_part(refresh):
    def place(key):
        live_chart.place(board, key, refresh.charts.get(key))

    live.status(presenter, refresh.parts, "head")
    left, right = st.columns([3, 2])
    with left:
        if not present:
            st.session_state.setdefault(PREFIX + "quantity", "train_loss")
            controls = st.columns(2, vertical_alignment="center")
            controls[0].segmented_control("loss", list(compare_presenter.QUANTITIES),
                                          key=PREFIX + "quantity", label_visibility="collapsed",
                                          format_func=lambda f: f.replace("_", " "))
            controls[1].toggle("log scale", key=PREFIX + "log")
        place("cmpfig_loss")
        if not present:
            st.caption("A flat line at 0.693 (ln 2) is a network that guesses 50/50 on every "
                       "point: it has learnt nothing.")
    with right:
        place("cmpfig_box")
        if not present:
            st.caption("Each dot is one seed. A tall box means the result depends on luck; "
                       "diverged seeds are left out (see the status below).")
    live.status(presenter, refresh.parts, "notes")
    place("cmpfig_grads")
    st.caption("Per layer, the weight gradient's size. Zeros give exactly 0 in every hidden "
               "layer: nothing reaches the hidden weights, so they never move.")
    place("cmpfig_distinct")
    st.caption("Random weights give every unit its own weights (as many distinct units as "
               "the width); zeros or a constant leave one unit copied across the layer.")
    place("cmpfig_thumbs")


show()
with seat_banner:
    class_session.banner(presenter)
with running:
    if problem:
        st.error(f"Not started: {problem}", icon=":material/block:")
    live.mount(presenter, live_part, show)

with st.expander("Export and share"):
    c1, c2, c3 = st.columns(3)
    with c3:
        snapshot.button("compare", "cmp_snapshot")
    c1.download_button("Final losses per seed (CSV)", presenter.finals_csv,
                       "compare_final.csv", "text/csv", key="cmpbtn_dl_final",
                       on_click="ignore")
    c2.download_button("Loss curves (CSV)", presenter.curves_csv, "compare_curves.csv",
                       "text/csv", key="cmpbtn_dl_curves", on_click="ignore")
    st.caption("Share link: reproduces this comparison exactly (seeds included).")
    st.code(compare_session.PAGE.share_link(presenter.link), language=None)

compare_session.leave(presenter, visit)
