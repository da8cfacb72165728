"""Compare: initializers side by side, trained in lockstep on the same data from the same seeds."""

from urllib.parse import urlencode

import numpy as np
import streamlit as st

from core import compare, limits, settings
from ui import controls, live_chart, multi
from ui import feed as live_feed
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



controls.transport(run, playing_key, key_prefix="cmpbtn_",
                   reset_help="the identical runs again: same data, first weights, batches")


feed = live_feed.session_feed("compare")
board = live_chart.board()


def options():
    """The live part's own settings, as their widgets last left them."""
    return {"quantity": st.session_state.get("cmp_quantity") or "train_loss",
            "log_y": bool(st.session_state.get("cmp_log", False)),
            "speed": st.session_state.get(P + "speed", 10)}


def refresh(ticking, timer, opts, visible=None):
    """One refresh of the live part, as Explore's: a tick of training when ``ticking``, the
    status parts, the due charts' frames (only those in ``visible`` when given) and whether
    the run has finished. Called by the page's runs and by the live feed (ui/feed.py), under
    ``feed.lock``: no Streamlit in here."""
    quantity, log_y = opts["quantity"], opts["log_y"]
    with run.lock:
        trained = run.tick(opts["speed"]) if ticking else 0
        frame = board.next_frame("compare", timer, news=trained > 0)
        curves = run.curves(quantity, band)
        finals = run.final_losses()
        charts = {  # key -> (refreshes per frame while playing, build, the chart's inputs)
            "cmpfig_loss": (1, lambda: figures.loss_figure(
                curves, compare.BANDS[band], log_y, quantity.replace("_", " ")),
                (band, log_y, quantity)),
            "cmpfig_box": (1, lambda: figures.final_box_figure(finals, quantity, log_y),
                           (log_y, quantity)),
            "cmpfig_grads": (SLOW, lambda: figures.gradient_multiples(grads), ()),
            "cmpfig_distinct": (SLOW, lambda: figures.distinct_multiples(distinct), ()),
            "cmpfig_thumbs": (SLOW, lambda: figures.thumbnails_figure(snaps, run.labels, data),
                              ()),
        }
        due = {key: chart for key, chart in charts.items()
               if (visible is None or key in visible)
               and board.due(key, chart[0], frame, (id(run), run.generation, *chart[2]))}
        grads = run.layer_curves("grad_norm") if "cmpfig_grads" in due else None
        distinct = run.layer_curves("distinct_units") if "cmpfig_distinct" in due else None
        # A grid pass per column: only when the thumbnails are due.
        snaps = ([run.snapshot(col, grid_size=30) for col in range(len(run.configs))]
                 if "cmpfig_thumbs" in due else None)
        data = run.trainers[0].data
        parts = status_parts()
        finished = run.finished
    specs = {key: board.frame(key, build, every, frame, (id(run), run.generation, *inputs))
             for key, (every, build, inputs) in due.items()}
    return parts, specs, finished


def status_parts():
    """The step line, each column's status and the final figures, as [kind, content,
    extra] parts (ui/feed.py shows them)."""
    parts = []
    if run.waiting:  # every training slot was taken, by this refresh or a Step
        parts.append(["info", limits.busy_message(limits.SLOTS.size),
                      ":material/hourglass_top:"])
    parts.append(["markdown", f"**Step {run.step}** · {run.seeds} seed"
                  f"{'s' if run.seeds > 1 else ''} per configuration · {len(run.trainers)} "
                  f"stacked computation{'s' if len(run.trainers) > 1 else ''} for "
                  f"{len(run.configs)} configurations", None])
    parts.append(["columns", [column_parts(i) for i in range(len(run.configs))], None])
    parts.append(["markdown", "**Final figures** (medians over seeds)", None])
    parts.append(["table", figures.table_cells(run.final_table()), None])
    return parts


def column_parts(i):
    status, grads = run.status(i), run.hidden_grad_norms(i)
    # A narrow column breaks a long label before its parameters, not before the last ")".
    name = run.labels[i].replace("(", "\u200b(", 1)
    parts = [["swatch", f"**{name}**", figures.colour(i)]]
    k = status["seeds"]
    if status["diverged"]:
        first = min(w["step"] for w in status["diverged_at"])
        parts.append(["markdown", f":material/error: **{status['diverged']} of {k}** seeds "
                      f"diverged (first at step {first})", None])
    if status["symmetric"]:
        parts.append(["markdown", f":material/content_copy: **{status['symmetric']} of {k}** "
                      "seeds symmetric: a hidden layer's units are all identical", None])
    if not status["diverged"] and not status["symmetric"]:
        parts.append(["markdown", f":material/check: all {k} seeds finite, units distinct",
                      None])
    if len(grads) and not np.isfinite(grads).any():
        numbers = "none, every seed diverged"
    else:
        numbers = " · ".join(f"{g:.2g}" if np.isfinite(g) else "–" for g in grads) or (
            "no hidden layer")
    parts.append(["caption", f"Column {i + 1} hidden-layer ‖∂L/∂W‖ now (largest over seeds): "
                  f"{numbers}", None])
    return parts


def live():
    specs = live_feed.drive(feed, refresh, options(), playing_key, TICK_S)

    left, right = st.columns([3, 2])
    with left:
        st.session_state.setdefault("cmp_quantity", "train_loss")
        st.segmented_control("loss", ["train_loss", "test_loss"], key="cmp_quantity",
                             format_func=lambda f: f.replace("_", " "))
        st.toggle("log scale", key="cmp_log")
        live_chart.place("cmpfig_loss", specs.get("cmpfig_loss"))
        st.caption("A flat line at 0.693 (ln 2) is a network that guesses 50/50 on every "
                   "point: it has learnt nothing.")
    with right:
        live_chart.place("cmpfig_box", specs.get("cmpfig_box"))
        st.caption("Each dot is one seed. A tall box means the result depends on luck; "
                   "diverged seeds are left out (see the status above).")
    live_chart.place("cmpfig_grads", specs.get("cmpfig_grads"))
    st.caption("Per layer, the weight gradient's size. Zeros give exactly 0 in every hidden "
               "layer: nothing reaches the hidden weights, so they never move.")
    live_chart.place("cmpfig_distinct", specs.get("cmpfig_distinct"))
    st.caption("Random weights give every unit its own weights (as many distinct units as "
               "the width); zeros or a constant leave one unit copied across the layer.")
    live_chart.place("cmpfig_thumbs", specs.get("cmpfig_thumbs"))


live_feed.run_live(live, playing_key, TICK_S)

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
