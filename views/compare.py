"""Compare: initializers side by side, trained in lockstep on the same data from the same seeds."""

from urllib.parse import urlencode

import numpy as np
import streamlit as st

from core import compare, limits, settings
from ui import controls, live_chart, multi, visibility
from viz import compare as figures

TICK_S = limits.LIMITS.tick_seconds
# As on Explore: the light charts redraw on every refresh of a playing run, the heavy ones
# take turns, one refresh in SLOW each (ui/live_chart.py).
SLOW = 3
P = multi.COMPARE
playing_key = "_playing_compare"

live_chart.preload()
errors = multi.load_compare_url()

with st.sidebar:
    st.subheader("Shared by every column")
    shared_raw = multi.shared_settings(P)
    seeds = st.number_input(
        "seeds per configuration", 1, compare.MAX_SEEDS, key=P + "seeds",
        help="each configuration trains from this many random starts (init seed, +1, +2...): "
             "the curves show their median and spread")
    band = st.radio("band around the median", list(compare.BANDS), key=P + "band",
                    format_func=compare.BANDS.get, horizontal=True)
    st.session_state.setdefault(P + "speed", min(10, limits.LIMITS.max_steps_per_tick))
    speed = st.slider("steps per refresh", 1, limits.LIMITS.max_steps_per_tick, key=P + "speed",
                      help="training steps between two refreshes (five a second)")

st.title("Compare: initializers side by side")
st.markdown("Every column trains on **the same data, in the same batch order, from the same "
            "seeds**; only what you choose per column differs. Press **Play** and watch "
            "which ones learn.")
for message in errors:
    st.warning(f"Link setting ignored: {message}", icon=":material/link_off:")

n = st.columns([1, 4])[0].number_input(
    "configurations", compare.MIN_COLUMNS, compare.MAX_COLUMNS, key=P + "ncols",
    help="columns side by side, 2 to 6")
shared, problem = multi.validated(shared_raw)
if problem:
    st.error(f"Shared setting not applied: {problem}", icon=":material/error:")
    shared = st.session_state.get("_cmp_shared") or settings.validate()
st.session_state["_cmp_shared"] = shared

columns = []
for i, place in enumerate(st.columns(n)):
    with place, st.container(border=True):
        st.markdown(f"<span style='color:{figures.colour(i)}'>■</span> **Column {i + 1}**",
                    unsafe_allow_html=True)
        column = multi.column_editor(i, shared)
        try:
            compare.column_config(shared, column)
        except ValueError as err:
            st.error(f"Column {i + 1} not applied: {err}", icon=":material/error:")
            column = st.session_state.get(f"_cmp_column_{i}", compare.default_column(i))
        st.session_state[f"_cmp_column_{i}"] = column
        columns.append(column)

try:
    run = multi.compare_run(shared, columns, int(seeds))
except ValueError as err:
    st.error(f"Not started: {err}", icon=":material/block:")
    run = st.session_state.get("_run_compare") or multi.compare_run(
        settings.validate(), [compare.default_column(i) for i in range(2)], 1)
multi.write_url(compare.to_query(run.shared, run.columns, run.seeds, band))
multi.save(P)

playing = st.session_state.get(playing_key, False)


controls.transport(run, playing_key, key_prefix="cmpbtn_",
                   reset_help="the identical runs again: same data, first weights, batches")


def chart(key, build, every=1, inputs=()):
    live_chart.draw(key, build, every=every, frame=live_chart.frame_of("compare"),
                    inputs=(id(run), run.generation, *inputs))


def column_status(i, status, grads):
    st.markdown(f"<span style='color:{figures.colour(i)}'>■</span> **{run.labels[i]}**",
                unsafe_allow_html=True)
    k = status["seeds"]
    if status["diverged"]:
        first = min(w["step"] for w in status["diverged_at"])
        st.markdown(f":material/error: **{status['diverged']} of {k}** seeds diverged "
                    f"(first at step {first})")
    if status["symmetric"]:
        st.markdown(f":material/content_copy: **{status['symmetric']} of {k}** seeds "
                    "symmetric: a hidden layer's units are all identical")
    if not status["diverged"] and not status["symmetric"]:
        st.markdown(f":material/check: all {k} seeds finite, units distinct")
    if len(grads) and not np.isfinite(grads).any():
        numbers = "none, every seed diverged"
    else:
        numbers = " · ".join(f"{g:.2g}" if np.isfinite(g) else "–" for g in grads) or (
            "no hidden layer")
    st.caption(f"Column {i + 1} hidden-layer ‖∂L/∂W‖ now (largest over seeds): {numbers}")


def live():
    ticking = st.session_state.get(playing_key) and not visibility.hidden()
    with run.lock:
        trained = run.tick(st.session_state.get(P + "speed", 10)) if ticking else 0
        frame = live_chart.next_frame("compare", ticking, news=trained > 0)
        quantity = st.session_state.get("cmp_quantity") or "train_loss"
        curves = run.curves(quantity, band)
        grads = run.layer_curves("grad_norm")
        distinct = run.layer_curves("distinct_units")
        finals = run.final_losses()
        table = run.final_table()
        # A grid pass per column: only when the thumbnails are due.
        if live_chart.due("cmpfig_thumbs", SLOW, frame, (id(run), run.generation)):
            snaps = [run.snapshot(col, grid_size=30) for col in range(len(run.configs))]
        statuses = [run.status(col) for col in range(len(run.configs))]
        hidden_grads = [run.hidden_grad_norms(col) for col in range(len(run.configs))]
        data = run.trainers[0].data
    if run.waiting:  # every training slot was taken, by this refresh or a Step
        st.info(limits.busy_message(limits.SLOTS.size), icon=":material/hourglass_top:")
    st.markdown(f"**Step {run.step}** · {run.seeds} seed{'s' if run.seeds > 1 else ''} per "
                f"configuration · {len(run.trainers)} stacked computation"
                f"{'s' if len(run.trainers) > 1 else ''} for {len(run.configs)} configurations")
    for i, place in enumerate(st.columns(len(run.configs))):
        with place:
            column_status(i, statuses[i], hidden_grads[i])

    left, right = st.columns([3, 2])
    with left:
        st.session_state.setdefault("cmp_quantity", "train_loss")
        st.segmented_control("loss", ["train_loss", "test_loss"], key="cmp_quantity",
                             format_func=lambda f: f.replace("_", " "))
        log_y = st.toggle("log scale", key="cmp_log")
        chart("cmpfig_loss", lambda: figures.loss_figure(curves, compare.BANDS[band], log_y,
                                                         quantity.replace("_", " ")),
              inputs=(band, log_y, quantity))
        st.caption("A flat line at 0.693 (ln 2) is a network that guesses 50/50 on every "
                   "point: it has learnt nothing.")
    with right:
        chart("cmpfig_box", lambda: figures.final_box_figure(finals, quantity, log_y),
              inputs=(log_y, quantity))
        st.caption("Each dot is one seed. A tall box means the result depends on luck; "
                   "diverged seeds are left out (see the status above).")
    chart("cmpfig_grads", lambda: figures.gradient_multiples(grads), SLOW)
    st.caption("Per layer, the weight gradient's size. Zeros give exactly 0 in every hidden "
               "layer: nothing reaches the hidden weights, so they never move.")
    chart("cmpfig_distinct", lambda: figures.distinct_multiples(distinct), SLOW)
    st.caption("Random weights give every unit its own weights (as many distinct units as "
               "the width); zeros or a constant leave one unit copied across the layer.")
    chart("cmpfig_thumbs", lambda: figures.thumbnails_figure(snaps, run.labels, data), SLOW)
    st.markdown("**Final figures** (medians over seeds)")
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "train loss": st.column_config.NumberColumn(format="%.4f"),
        "test loss": st.column_config.NumberColumn(format="%.4f"),
        "test accuracy": st.column_config.NumberColumn(format="percent"),
        "layer 1 ‖∂L/∂W‖": st.column_config.NumberColumn(format="%.2e"),
    })


hidden = visibility.tab_hidden()  # a hidden tab stops its timer: nobody watches that run
st.fragment(live, run_every=TICK_S if playing and not hidden else None)()

with st.expander("Export and share"):
    c1, c2 = st.columns(2)
    c1.download_button("Final losses per seed (CSV)", run.final_losses().to_csv(index=False),
                       "compare_final.csv", "text/csv", key="cmpbtn_dl_final", on_click="ignore")
    c2.download_button("Loss curves (CSV)", run.curves("train_loss", band).to_csv(index=False),
                       "compare_curves.csv", "text/csv", key="cmpbtn_dl_curves",
                       on_click="ignore")
    st.caption("Share link: reproduces this comparison exactly (seeds included).")
    base = (st.context.url or "").split("?")[0]
    st.code(f"{base}?{urlencode(compare.to_query(run.shared, run.columns, run.seeds, band))}",
            language=None)
