"""The Class page's figures: the room's results, one dot a student.

Each builder takes a class's results payload (classroom.store.Store.results, results.json)
and returns a Plotly Figure; ``projected=True`` makes it legible from the back of a room at
1280 × 720 (viz.style.projected: every text >= 18 px). A run label (an initializer, or a
Compare column) keeps one Okabe-Ito colour in every figure, as on the Compare page.
"""

from __future__ import annotations

import warnings

import numpy as np

from classroom import summary
from core import sweep
from viz import style
from viz.compare_figures import colour

HEIGHT = 360
PROJECTED_HEIGHT = 520


def _finish(fig, projected: bool, height: int | None = None):
    return style.projected(fig, height or PROJECTED_HEIGHT) if projected else fig


def _labels(payload) -> list[str]:
    return summary.labels(payload)


def _results(payload, label) -> list[dict]:
    return [r for r in payload.get("results", []) if r["label"] == label]


def _waiting(title: str, projected: bool):
    """A figure that says there is nothing to draw yet, instead of empty axes."""
    lay = style.layout(title, HEIGHT, annotations=[style.note(
        "No results yet: they appear as the students' runs reach their steps.",
        x=0.5, y=0.5, xanchor="center", font=dict(size=14, color="#555"))],
        xaxis=dict(visible=False), yaxis=dict(visible=False))
    return _finish(style.figure([], lay), projected)


# ---------------------------------------------------------------- final loss


def final_loss_figure(payload: dict, projected: bool = False):
    """Final training loss per run label: a box over the students, every student a dot;
    the constant guess's loss and the "trained" line (core.sweep's threshold) across it.
    Diverged runs have no final loss: their count is written under their label."""
    title = "Final training loss, one dot a student"
    labels = _labels(payload)
    if not payload.get("results"):
        return _waiting(title, projected)
    traces, ticks = [], []
    for i, label in enumerate(labels):
        rows = _results(payload, label)
        losses = [r["final_loss"] for r in rows if r["final_loss"] is not None]
        diverged = sum(r["diverged_at"] is not None for r in rows)
        ticks.append(f"{label}<br>{len(rows)} run{'s' * (len(rows) != 1)}"
                     + (f", {diverged} diverged" if diverged else ""))
        traces.append(dict(
            type="box", x=[ticks[-1]] * len(losses), y=losses, name=label,
            boxpoints="all", jitter=0.5, pointpos=0, fillcolor="rgba(0,0,0,0)",
            line=dict(color=colour(i), width=1.5),
            marker=dict(color=colour(i), size=8, opacity=0.75), showlegend=False,
            hovertemplate=f"{label}<br>final loss %{{y:.4f}}<extra></extra>"))
    baselines = [r["baseline_loss"] for r in payload["results"] if r["baseline_loss"]]
    shapes, notes = [], []
    if baselines:
        base = float(np.median(baselines))
        for y, text, dash in ((base, f"constant guess {base:.3f}", "dash"),
                              (sweep.DEFAULT_THRESHOLD * base,
                               f"trained below {sweep.DEFAULT_THRESHOLD:g} × that", "dot")):
            shapes.append(dict(type="line", xref="paper", x0=0, x1=1, y0=y, y1=y,
                               line=dict(color="#555", width=1.2, dash=dash)))
            notes.append(dict(text=text, xref="paper", x=1, y=y, xanchor="right",
                              yanchor="bottom", showarrow=False,
                              font=dict(size=11, color="#555")))
    lay = style.layout(title, HEIGHT, shapes=shapes, annotations=notes, showlegend=False,
                       xaxis=dict(type="category", categoryorder="array", categoryarray=ticks,
                                  tickangle=0),
                       yaxis=dict(title=dict(text="final training loss"), rangemode="tozero",
                                  tickformat=".3~g"))  # 0, 0.1, 0.693: no "0.00" under "0.100"
    return _finish(style.figure(traces, lay), projected)


# ---------------------------------------------------------------- trained


def trained_figure(payload: dict, projected: bool = False):
    """The fraction of the students' runs that trained, per run label."""
    title = "How many trained"
    if not payload.get("results"):
        return _waiting(title, projected)
    table = summary.by_label(payload)
    traces = [dict(
        type="bar", x=table["label"].tolist(), y=table["trained_fraction"].tolist(),
        marker=dict(color=[colour(i) for i in range(len(table))]),
        text=[f"{t} of {n}" for t, n in zip(table["trained"], table["results"], strict=True)],
        textposition="outside", cliponaxis=False, showlegend=False,
        hovertemplate="%{x}<br>%{y:.0%} trained (%{text})<extra></extra>")]
    lay = style.layout(title, HEIGHT, showlegend=False,
                       xaxis=dict(type="category", tickangle=0),
                       yaxis=dict(title=dict(text="fraction that trained"), range=[0, 1.15],
                                  tickformat=".0%", tickvals=[0, 0.25, 0.5, 0.75, 1]))
    return _finish(style.figure(traces, lay), projected)


# ---------------------------------------------------------------- gradients at step 0


def _layer_names(n_layers: int) -> list[str]:
    return [style.layer_name(layer, n_layers - 1) for layer in range(1, n_layers + 1)]


def grad_norms_figure(payload: dict, projected: bool = False):
    """‖∂L/∂W‖ per layer at step 0: every student's run a thin line, each label's median a
    thick one, on a log scale (they span decades). All-zero gradients (zeros) cannot be
    drawn on a log axis: a note names them."""
    title = "Gradient norm per layer at step 0: every student, and the median"
    if not payload.get("results"):
        return _waiting(title, projected)
    depth_layers = max(len(r["grad_norms_start"]) for r in payload["results"])
    names = _layer_names(depth_layers)
    traces, zero_labels, drawn = [], [], []
    for i, label in enumerate(_labels(payload)):
        rows = _results(payload, label)
        if not rows:
            continue
        per = np.full((len(rows), depth_layers), np.nan)
        for k, r in enumerate(rows):
            g = np.array([np.nan if v is None else v for v in r["grad_norms_start"]], float)
            per[k, :len(g)] = g
        if style.exactly_zero(per):
            zero_labels.append(label)
        shown = np.where(per > 0, per, np.nan)  # a log axis draws no 0
        drawn.append(shown)
        # every student one line, all in one trace (None between them): 200 students are
        # one trace, not 200
        xs, ys = [], []
        for row in shown:
            xs += [*names, None]
            ys += [*(None if np.isnan(v) else float(v) for v in row), None]
        traces.append(dict(type="scatter", x=xs, y=ys, mode="lines", name=f"{label}: students",
                           line=dict(color=colour(i), width=1), opacity=0.3,
                           legendgroup=label, showlegend=False, hoverinfo="skip",
                           connectgaps=False))
        with warnings.catch_warnings():  # a layer no run could draw: its median is a gap
            warnings.simplefilter("ignore", RuntimeWarning)
            median = np.nanmedian(shown, axis=0)
        traces.append(dict(type="scatter", x=names,
                           y=[None if np.isnan(v) else float(v) for v in median],
                           mode="lines+markers", name=f"{label} (median)", legendgroup=label,
                           line=dict(color=colour(i), width=3.5), marker=dict(size=7),
                           hovertemplate=f"{label}<br>%{{x}}: median ‖∂L/∂W‖ %{{y:.3g}}"
                                         "<extra></extra>"))
    notes = []
    if zero_labels:
        notes.append(style.note(f"{', '.join(zero_labels)}: every gradient exactly 0 "
                                "(a log axis cannot draw 0)", y=0.02, yanchor="bottom",
                                font=dict(size=11, color="#555")))
    values = np.concatenate([d.ravel() for d in drawn]) if drawn else np.empty(0)
    values = values[np.isfinite(values)]
    yaxis = dict(title=dict(text="‖∂L/∂W‖ at step 0"), type="log", exponentformat="power")
    if values.size:
        lo, hi = np.log10(values.min()), np.log10(values.max())
        pad = max(0.3, 0.05 * (hi - lo))
        yaxis["range"] = [float(np.floor(lo - pad)), float(np.ceil(hi + pad))]
    lay = style.layout(title, HEIGHT, annotations=notes,
                       xaxis=dict(title=dict(text="layer"), type="category",
                                  **style.layer_axis(names)),
                       yaxis=yaxis)
    return _finish(style.figure(traces, lay), projected)


# ---------------------------------------------------------------- symmetry


def distinct_units_figure(payload: dict, projected: bool = False):
    """Distinct units in each hidden layer at the end of the runs, one dot a student, per
    run label: 1 means every unit of the layer is a copy of the others (symmetry never
    broken: zeros, a constant)."""
    title = "Distinct units per hidden layer (1: all copies)"
    rows = [r for r in payload.get("results", []) if len(r["distinct_units"]) > 1]
    if not rows:
        return _waiting(title, projected)
    hidden = max(len(r["distinct_units"]) for r in rows) - 1
    names = _layer_names(hidden + 1)[:-1]
    traces, top = [], 1
    for i, label in enumerate(_labels(payload)):
        xs, ys = [], []
        for r in _results(payload, label):
            for layer, v in enumerate(r["distinct_units"][:-1]):  # the output layer left out
                if v is not None:
                    xs.append(names[layer])
                    ys.append(v)
                    top = max(top, v)
        if not ys:
            continue
        traces.append(dict(
            type="box", x=xs, y=ys, name=label, boxpoints="all", jitter=0.5, pointpos=0,
            fillcolor="rgba(0,0,0,0)", line=dict(color=colour(i), width=1.5),
            marker=dict(color=colour(i), size=7, opacity=0.75), offsetgroup=label,
            hovertemplate=f"{label}<br>%{{x}}: %{{y}} distinct units<extra></extra>"))
    lay = style.layout(title, HEIGHT, boxmode="group",
                       xaxis=dict(title=dict(text="hidden layer"), type="category",
                                  categoryorder="array", categoryarray=names,
                                  **style.layer_axis(names)),
                       yaxis=dict(title=dict(text="distinct units"), range=[0, top * 1.1 + 0.5],
                                  rangemode="tozero"))
    return _finish(style.figure(traces, lay), projected)


# ---------------------------------------------------------------- predict, then run


def answers_figure(payload: dict, projected: bool = False):
    """The room's answers to the question before the runs, beside what the runs showed:
    one pair of bars a choice, as a share of the students. None without a question."""
    answers = summary.answers(payload)
    if answers is None:
        return None
    choices = [c if len(c) <= 32 else c[:31] + "…" for c in answers["choices"]]
    traces = []
    for name, counts, fill in (("said before the runs", answers["before"], "#999999"),
                               ("the runs show", answers["after"], style.HEALTHY)):
        total = sum(counts)
        share = [c / total if total else 0 for c in counts]
        traces.append(dict(type="bar", orientation="h", y=choices, x=share, name=name,
                           marker=dict(color=fill), text=[str(c) for c in counts],
                           textposition="outside", cliponaxis=False,
                           hovertemplate=f"%{{y}}<br>{name}: %{{x:.0%}} (%{{text}})"
                                         "<extra></extra>"))
    # the room's sentence under the question, wrapped to fit a projected chart's width
    said = style._wrap(answers["sentence"], 90)
    lines = said.count("<br>") + 1
    lay = style.layout(answers["prompt"], max(HEIGHT, 120 + 60 * len(choices)),
                       barmode="group",
                       xaxis=dict(title=dict(text="share of the students"), range=[0, 1.15],
                                  tickformat=".0%", tickvals=[0, 0.25, 0.5, 0.75, 1]),
                       yaxis=dict(type="category", autorange="reversed", automargin=True))
    lay["title"]["subtitle"] = dict(text=said, font=dict(size=12, color="#333"))
    lay["margin"] = dict(l=20, r=15, t=56 + 18 * lines, b=40)
    return _finish(style.figure(traces, lay), projected,
                   max(PROJECTED_HEIGHT, 160 + 80 * len(choices)))
