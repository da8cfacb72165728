"""Curves over training: losses, per-layer gradient flow, and the symmetry meter."""

from __future__ import annotations

import numpy as np

from core.telemetry import flow_band, flow_state, step_ratios
from viz import style

FIELD_TITLES = {
    "grad_norm": "‖∂L/∂W‖ per layer",
    "backprop_std": "std of the back-propagated error ∂L/∂z per layer",
    "update_ratio": "update size / weight size per layer",
    "preact_std": "std of pre-activations per layer",
    "act_std": "std of activations per layer",
}
SHORT_TITLES = {  # for a projector: the same quantities in a few words
    "grad_norm": "‖∂L/∂W‖ per layer, now",
    "backprop_std": "Error ∂L/∂z per layer, now",
    "update_ratio": "Update / weight per layer, now",
}
UNDEFINED = "#9A9A9A"  # a value that does not exist (a cosine with a zero vector)
STATE_COLOURS = {"vanishing": style.VANISHING, "exploding": style.EXPLODING,
                 "ok": style.HEALTHY, "zero": style.VANISHING}


def _member(frame, member):
    return frame[frame["member"] == member] if "member" in frame else frame


def _thinned(frame, member, max_points):
    f = _member(frame, member)
    return f[f["step"].isin(style.thin_steps(f["step"].to_numpy(), max_points))]


def loss_figure(step_frame, log_y=False, member=0, max_points=250, height=300):
    f = _thinned(step_frame, member, max_points)
    traces = [
        dict(type="scatter", x=f["step"], y=f["train_loss"], name="train",
             mode=style.line_mode(f["train_loss"], log_y),
             line=dict(color=style.TRAIN, width=2),
             hovertemplate="step %{x}<br>train loss %{y:.4f}<extra></extra>"),
        dict(type="scatter", x=f["step"], y=f["test_loss"], name="test",
             mode=style.line_mode(f["test_loss"], log_y),
             line=dict(color=style.TEST, width=2, dash="dash"),
             hovertemplate="step %{x}<br>test loss %{y:.4f}<extra></extra>"),
    ]
    yaxis = dict(title="loss", type="log" if log_y else "linear", tickformat=".4~g")
    values = f[["train_loss", "test_loss"]].to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    if not log_y and values.size and np.ptp(values) < 1e-3 * max(abs(values.mean()), 1e-9):
        # A loss that does not move (all zeros: exactly ln 2) must look flat, not like noise.
        yaxis["range"] = [values.mean() * 0.9, values.mean() * 1.1]
    return style.figure(traces, style.layout("Loss", height, xaxis=dict(title="step"),
                                             yaxis=yaxis))


def _positive(values):
    """Values for a log axis: zeros and non-finite values become gaps, not -inf."""
    v = np.asarray(values, dtype=float)
    return np.where(np.isfinite(v) & (v > 0), v, np.nan)


def layer_lines(layer_frame, field="grad_norm", depth=None, member=0, max_points=200,
                height=320, title=None):
    """One line per layer of a telemetry field over steps, on a log scale; exact zeros are
    named, not hidden. ``title`` defaults to the field's own."""
    f = _thinned(layer_frame, member, max_points)
    layers = sorted(f["layer"].unique())
    depth = len(layers) - 1 if depth is None else depth
    traces, zero_layers = [], []
    for colour, (layer, rows) in zip(style.layer_colours(len(layers)), f.groupby("layer"),
                                     strict=True):
        values = rows[field].to_numpy(dtype=float)
        if style.exactly_zero(values):
            zero_layers.append(layer)
        name = style.layer_name(layer, depth)
        traces.append(dict(
            type="scatter", x=rows["step"], y=_positive(values),
            mode=style.line_mode(values, log_y=True), name=name,
            line=dict(color=colour, width=1.6),
            hovertemplate=f"{name}<br>step %{{x}}<br>%{{y:.3e}}<extra></extra>"))
    crowded = style.many_layers(len(layers))
    notes = crowded.pop("annotations", [])
    if zero_layers:
        names = style.layer_list(zero_layers, depth)
        notes.append(style.note(f"exactly 0, so not drawn on a log scale: {names}",
                                font=dict(color=style.VANISHING, size=12)))
    yaxis = dict(type="log", title=field, exponentformat="power")
    shown = _positive(f[field].to_numpy(dtype=float))
    shown = shown[np.isfinite(shown)]
    if shown.size and np.log10(shown.max() / shown.min()) < 1:
        # Within a decade (step 0: one point a line) Plotly's own log range is so narrow
        # that its ticks read like "046940745", cut at the margin: a decade around them.
        centre = np.log10(shown.min() * shown.max()) / 2
        yaxis["range"] = [centre - 0.5, centre + 0.5]
    return style.figure(traces, style.layout(
        title or FIELD_TITLES.get(field, field) + " over steps", height, annotations=notes,
        xaxis=dict(title="step"), yaxis=yaxis) | crowded)


def gradflow_heatmap(layer_frame, field="grad_norm", depth=None, member=0, max_steps=150,
                     height=300):
    """Layer x step picture of log10(field): vanishing shows as a dark band at the bottom."""
    f = _thinned(layer_frame, member, max_steps)
    table = f.pivot(index="layer", columns="step", values=field)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.log10(_positive(table.to_numpy(dtype=float)))
    depth = len(table.index) - 1 if depth is None else depth
    names = [style.layer_name(k, depth) for k in table.index]
    trace = dict(
        type="heatmap", z=z, x=table.columns.to_numpy(), y=names, colorscale="Viridis",
        hovertemplate="%{y}, step %{x}<br>log₁₀ = %{z:.2f}<extra></extra>",
        **style.colour_scale(z, title=dict(text="log₁₀", side="right"), thickness=10))
    zero = [layer for layer, row in zip(table.index, table.to_numpy(dtype=float), strict=True)
            if style.exactly_zero(row)]
    notes = [style.note(f"exactly 0, so left blank: {style.layer_list(zero, depth)}",
                        font=dict(color=style.VANISHING, size=12))] if zero else []
    return style.figure([trace], style.layout(
        FIELD_TITLES.get(field, field) + ": layer x step", height, annotations=notes,
        xaxis=dict(title="step"), yaxis=dict(type="category", categoryarray=names)))


def gradflow_bars(latest, field="grad_norm", depth=None, height=300, key_below=False,
                  step_scale=None):
    """The current value per layer on a log axis, coloured vanishing / healthy / exploding
    against the healthy band (core.telemetry.flow_band: around the output layer's gradient;
    an absolute band for the update ratio); exact zeros marked with a 0. Weight gradients
    with the optimizer's ``step_scale`` (core.telemetry.step_scale) are also vanishing
    where the step they take would move their layer by less than a millionth of its weights:
    a level row of tiny gradients is not healthy.

    The axis always spans the healthy band with its edges drawn: bars that differ by a
    factor of two then look alike, as they are, instead of one filling the chart and the
    other a sliver.
    ``key_below`` puts the colours' key under the axis, where a large font has room."""
    latest = latest.sort_values("layer")
    values = latest[field].to_numpy(dtype=float)
    depth = len(values) - 1 if depth is None else depth
    steps = (step_ratios(values, latest["weight_norm"].to_numpy(dtype=float), step_scale)
             if field == "grad_norm" and step_scale is not None else None)
    states = flow_state(values, field, steps)
    labels = [style.layer_name(k, depth) for k in latest["layer"]]
    shown = _positive(values)
    finite = shown[np.isfinite(shown)]
    low, high = flow_band(values, field)
    bottom = min([low, *finite]) / 3
    top = max([high, *finite]) * 3
    zeros = [lab for lab, s in zip(labels, states, strict=True) if s == "zero"]
    moves = ([f"; a step moves {r:.1e} of the weights" for r in steps] if steps is not None
             else [""] * len(values))
    traces = [
        dict(type="bar", x=labels, y=shown, marker=dict(color=[STATE_COLOURS[s] for s in states]),
             customdata=[[s, f"{v:.3e}", m] for s, v, m in zip(states, values, moves,
                                                              strict=True)],
             hovertemplate="%{x}: %{customdata[1]} (%{customdata[0]}%{customdata[2]})"
                           "<extra></extra>"),
        dict(type="scatter", x=zeros, y=[bottom * 1.5] * len(zeros), mode="markers+text",
             text="0", textposition="top center",
             marker=dict(symbol="x", color=style.VANISHING, size=10), hoverinfo="skip"),
    ]
    edges = [dict(type="line", xref="paper", x0=0, x1=1, y0=y, y1=y, layer="below",
                  line=dict(color=colour, width=1, dash="dot"))
             for y, colour in ((low, style.VANISHING), (high, style.EXPLODING))]
    against = ("a step of 1e-6 to 0.1 of the weights is healthy" if field == "update_ratio"
               else "vs the output layer, and a step of 1e-6 of the weights or more"
               if steps is not None else "vs the output layer")
    key = style.note(f"blue: vanishing or 0 · green: healthy · red: exploding ({against})",
                     x=0, y=1.0, yanchor="bottom", font=dict(size=11, color="#555"))
    extra, axis = {}, style.layer_axis(labels)
    if key_below:
        words = " · ".join(f"<span style='color:{STATE_COLOURS[s]}'>{s}</span>"
                           for s in ("vanishing", "ok", "exploding"))
        key = key | dict(text=words.replace(">ok<", ">healthy<"), x=0.5, xanchor="center",
                         y=0, yanchor="top", yshift=-36)
        extra = dict(margin=dict(l=65, r=15, t=40, b=70))
        axis = style.layer_axis(labels, crowded=0, most=8)  # a narrow panel of large text
    return style.figure(traces, style.layout(
        f"Now: {FIELD_TITLES.get(field, field)}", height, showlegend=False, annotations=[key],
        shapes=edges, yaxis=dict(type="log", exponentformat="power",
                                 range=[np.log10(bottom), np.log10(top)]),
        xaxis=axis) | extra)


def symmetry_figure(layer_frame, width, depth, member=0, max_points=200, height=280):
    """Per hidden layer over steps: distinct units (left; 1 means the layer is one unit
    copied) and how far the units are from copies (right, log: 0 copies, about 1 as
    different as random units), which shows near-copies the exact count calls distinct."""
    f = _thinned(layer_frame, member, max_points)
    f = f[f["layer"] <= depth]
    colours = style.layer_colours(max(depth, 1))
    traces, zero = [], []
    for colour, (layer, rows) in zip(colours, f.groupby("layer"), strict=False):
        name = style.layer_name(layer, depth)
        distinct = rows["distinct_units"].astype(float)
        spread = rows["unit_spread"].to_numpy(dtype=float)
        if style.exactly_zero(spread):
            zero.append(layer)
        traces += [
            dict(type="scatter", x=rows["step"], y=distinct, mode=style.line_mode(distinct),
                 name=name, legendgroup=name, line=dict(color=colour, width=1.6, shape="hv")),
            dict(type="scatter", x=rows["step"], y=_positive(spread), xaxis="x2", yaxis="y2",
                 mode=style.line_mode(spread, log_y=True), name=name, legendgroup=name,
                 showlegend=False, line=dict(color=colour, width=1.6),
                 hovertemplate=f"{name}<br>step %{{x}}<br>spread %{{y:.2e}}<extra></extra>"),
        ]
    notes = [style.note("distinct units", x=0, y=1.0, yanchor="bottom"),
             style.note("spread (0 = copies)", x=0.56, y=1.0, yanchor="bottom")]
    if zero:
        notes.append(style.note(f"exactly 0: {style.layer_list(zero, depth)}",
                                x=0.56,
                                y=0.02, yanchor="bottom",
                                font=dict(color=style.VANISHING, size=12)))
    crowded = style.many_layers(len(traces) // 2)
    notes += crowded.pop("annotations", [])
    return style.figure(traces, style.layout(
        "Symmetry meter", height, annotations=notes,
        xaxis=dict(title="step", domain=[0, 0.44]), xaxis2=dict(title="step", domain=[0.56, 1],
                                                                anchor="y2"),
        yaxis=dict(range=[0, width + 0.5]),
        yaxis2=dict(type="log", anchor="x2", range=[-6, 0.2], exponentformat="power"))
        | crowded)


def similarity_figure(similarity, layer, height=280):
    """Cosine similarity of one layer's units; a pair with an all-zero unit (NaN: its
    cosine is undefined) is drawn grey and named in a note, not coloured as a value."""
    similarity = np.asarray(similarity, dtype=float)
    n = similarity.shape[0]
    units = np.arange(1, n + 1)
    trace = dict(
        type="heatmap", z=similarity, x=units, y=units, zmin=-1,
        zmax=1, colorscale=style.DIVERGING, colorbar=dict(thickness=10, tickformat=".1f"),
        hovertemplate="units %{x} and %{y}: cosine %{z:.3f}<extra></extra>")
    undefined = np.isnan(similarity)
    traces, notes = [trace], []
    if undefined.any():
        traces.append(dict(
            type="heatmap", z=np.where(undefined, 0.0, np.nan), x=units, y=units,
            colorscale=[[0, UNDEFINED], [1, UNDEFINED]], showscale=False,
            hovertemplate="units %{x} and %{y}: cosine undefined (an all-zero unit)"
                          "<extra></extra>"))
        notes.append(style.note("grey: all-zero units, cosine undefined", x=0, y=0,
                                yanchor="top", yshift=-36, font=dict(size=12, color="#333")))
    return style.figure(traces, style.layout(
        f"Layer {layer}: cosine similarity of units' weights", height, annotations=notes,
        xaxis=dict(title="unit", constrain="domain"),
        yaxis=dict(title="unit", autorange="reversed", scaleanchor="x"))
        | (dict(margin=dict(l=65, r=15, t=40, b=60)) if notes else {}))
