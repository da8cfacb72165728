"""Per-layer distributions (Glorot & Bengio's figures), saturation, and theory beside
measurement."""

from __future__ import annotations

import numpy as np

from viz import style


def _hist_lines(arrays, bins=40):
    """Shared bins over all layers' values (0.5-99.5 percentile); each layer's share per bin."""
    flat = [np.asarray(a, float).ravel() for a in arrays]
    finite = np.concatenate([a[np.isfinite(a)] for a in flat])
    lo, hi = np.percentile(finite, [0.5, 99.5]) if finite.size else (0.0, 1.0)
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5 * max(abs(lo), 1e-12), hi + 0.5 * max(abs(hi), 1e-12)
    edges = np.linspace(lo, hi, bins + 1)
    shares = []
    for a in flat:
        counts, _ = np.histogram(np.clip(a[np.isfinite(a)], lo, hi), bins=edges)
        shares.append(counts / max(counts.sum(), 1))
    return (edges[:-1] + edges[1:]) / 2, shares


def histograms_figure(snapshot, depth, max_layers=10, height=330):
    """Activations (left) and back-propagated errors ∂L/∂z (right), one line per layer."""
    acts = snapshot["activations"][:max_layers]
    grads = snapshot["backprop"][: len(acts)]
    colours = style.layer_colours(max(len(acts), 1))
    traces = []
    for axis, arrays in (("", acts), ("2", grads)):
        if not arrays:
            continue
        centres, shares = _hist_lines(arrays)
        for k, (colour, share) in enumerate(zip(colours, shares, strict=True), 1):
            name = style.layer_name(k, depth)
            traces.append(dict(
                type="scatter", x=centres, y=share, mode="lines", xaxis="x" + axis,
                yaxis="y" + axis, line=dict(color=colour, width=1.6), name=name,
                legendgroup=str(k), showlegend=axis == "",
                hovertemplate=f"{name}: %{{y:.1%}} near %{{x:.3g}}<extra></extra>"))
    notes = [style.note("activations", x=0, y=1.0, yanchor="bottom"),
             style.note("back-propagated error ∂L/∂z", x=0.54, y=1.0, yanchor="bottom")]
    title = "Per-layer distributions on the probe batch"
    if depth > max_layers:
        title += f" (first {max_layers} of {depth} layers)"
    return style.figure(traces, style.layout(
        title, height, annotations=notes,
        # "e", not Plotly's SI prefixes: 4e-13 reads as a number, "400f" as a typo
        xaxis=dict(domain=[0, 0.46], exponentformat="e"),
        xaxis2=dict(domain=[0.54, 1], exponentformat="e"),
        yaxis=dict(title="share of values"), yaxis2=dict(anchor="x2")))


def saturation_figure(latest, depth, height=280):
    """Per hidden layer, now: outputs pinned near a bound (saturated: tanh, sigmoid,
    softsign, and elu/selu at their floor), outputs with zero slope (inactive: ReLU's
    negative half), and units with zero slope on every example (dead)."""
    rows = latest[latest["layer"] <= depth].sort_values("layer")
    labels = [style.layer_name(k, depth) for k in rows["layer"]]
    traces = [
        dict(type="bar", x=labels, y=rows["saturated_frac"],
             name="saturated (within 5% of a bound)", marker=dict(color=style.NEGATIVE)),
        dict(type="bar", x=labels, y=rows["inactive_frac"], name="inactive (slope 0)",
             marker=dict(color=style.VANISHING)),
        dict(type="bar", x=labels, y=rows["dead_frac"], name="dead (slope 0 on every example)",
             marker=dict(color="#555555")),
    ]
    return style.figure(traces, style.layout(
        "Saturated, inactive and dead", height, barmode="group",
        yaxis=dict(range=[0, 1], tickformat=".0%"), xaxis=style.layer_axis(labels)))


QUANTITIES = (  # field, legend name, short name, line dash, marker
    ("preact_std", "pre-activation std", "pre-activations", "solid", "circle"),
    ("backprop_std", "error std ∂L/∂z", "errors", "dot", "diamond"))


def theory_figure(predicted, measured, depth, height=360, band=None):
    """Predicted (lines) against measured at step 0 (markers), per layer, log scale.

    ``band`` (optional, theory.seed_band's result): per layer ``{field}_low`` and
    ``{field}_high`` of what networks of this shape measured over several init seeds, drawn
    as a shaded band behind each quantity: how far a single finite-width network may sit
    from the mean-field line.

    Two legend entries (one per quantity: its line and its mark) at the figure's foot and
    one line of key under the title: six entries, one per trace, took four rows of a
    half-width chart and scrolled, and squashed the plot to 70 px."""
    labels = [style.layer_name(k, depth) for k in predicted["layer"]]
    traces, zero, shown, entries = [], [], [], []
    for field, name, short, dash, symbol in QUANTITIES:
        measured_values = np.asarray(measured[field], float)
        if np.any(measured_values == 0):
            zero.append(short)
        if band is not None:
            lo = np.asarray(band[f"{field}_low"], float)
            hi = np.asarray(band[f"{field}_high"], float)
            seeds = band.get("seeds", "several")
            shown += [lo, hi]
            traces += [
                dict(type="scatter", x=labels, y=np.where(hi > 0, hi, np.nan), mode="lines",
                     line=dict(width=0, color=style.THEORY), showlegend=False,
                     hoverinfo="skip"),
                dict(type="scatter", x=labels, y=np.where(lo > 0, lo, np.nan), mode="lines",
                     line=dict(width=0, color=style.THEORY), fill="tonexty",
                     fillcolor="rgba(204, 121, 167, 0.18)", showlegend=False,
                     name=f"{name}: range over {seeds} seeds",
                     hovertemplate=f"%{{x}}: {short} of {seeds} seeds measured down to "
                                   "%{y:.3g}<extra></extra>"),
            ]
        predicted_values = np.asarray(predicted[field], float)
        shown += [predicted_values, measured_values]
        traces += [
            dict(type="scatter", x=labels, y=predicted_values, mode="lines", showlegend=False,
                 line=dict(color=style.THEORY, dash=dash, width=2.2), name=f"{name}: theory",
                 hovertemplate=f"%{{x}}: {short}, theory %{{y:.3g}}<extra></extra>"),
            dict(type="scatter", x=labels, y=np.where(measured_values > 0, measured_values,
                                                      np.nan),
                 mode="markers", name=f"{name}: measured", showlegend=False,
                 marker=dict(color=style.TRAIN, size=7, symbol=symbol),
                 hovertemplate=f"%{{x}}: {short}, measured %{{y:.3g}}<extra></extra>"),
        ]
        # its legend entry: the quantity's line and mark together
        entries.append(dict(type="scatter", x=[None], y=[None], mode="lines+markers",
                            name=name, line=dict(color=style.THEORY, dash=dash, width=2.2),
                            marker=dict(color=style.TRAIN, size=7, symbol=symbol),
                            hoverinfo="skip"))
    key = "lines: theory · marks: this network"
    if band is not None:
        key += f" · band: {band.get('seeds', 'several')} seeds"
    notes = [style.note(key, x=0, y=1.0, yanchor="bottom", font=dict(size=12, color="#333"))]
    if zero:
        notes.append(style.note(f"exactly 0 in some layers, so not drawn: {' and '.join(zero)}",
                                font=dict(color=style.VANISHING, size=12)))
    yaxis = dict(type="log", exponentformat="power")
    values = np.concatenate([np.ravel(v) for v in shown]) if shown else np.array([])
    values = values[np.isfinite(values) & (values > 0)]
    margin = dict(l=65, r=15, t=40, b=76)
    if values.size:
        lo, hi = np.log10(values.min()), np.log10(values.max())
        lo, hi = (lo - 0.5, hi + 0.5) if hi - lo < 1 else (lo - 0.15, hi + 0.15)
        yaxis["range"] = [lo, hi]
        if hi - lo >= 2:  # a label per decade while they fit, else every few decades
            yaxis["dtick"] = style.log_dtick(hi - lo, height - 90 - margin["b"], 13)
    return style.figure(traces + entries, style.layout(
        "Theory beside measurement, at initialisation", height, annotations=notes,
        yaxis=yaxis, xaxis=style.layer_axis(labels))
        | dict(margin=margin, legend=dict(orientation="h", yref="container", y=0,
                                          yanchor="bottom", x=0, xanchor="left",
                                          traceorder="normal")))


def density_steps(edges, density) -> dict:
    """x and y of a density given per bin, drawn as steps (line shape "hv") the way the
    histogram beside it is: level across each bin, down to 0 outside the first and last
    edge. A line through the bins' centres would round a uniform's corners off and show
    any wobble between bins as a shape."""
    edges, density = np.asarray(edges, float), np.asarray(density, float)
    return dict(x=np.r_[edges[0], edges, edges[-1]], y=np.r_[0.0, density, 0.0, 0.0])


def weight_histogram_figure(weights, edges, density, layer, init_name, height=280):
    """The first weights of one layer against the initializer's density (core.theory
    .init_density: exact and flat for a uniform), drawn as steps like the histogram."""
    w = np.asarray(weights, float).ravel()
    lo, hi = float(edges[0]), float(edges[-1])
    counts, bins = np.histogram(np.clip(w, lo, hi), bins=30, range=(lo, hi), density=True)
    traces = [
        dict(type="bar", x=(bins[:-1] + bins[1:]) / 2, y=counts, width=(hi - lo) / 30,
             name="drawn weights", marker=dict(color=style.POSITIVE), opacity=0.55),
        dict(type="scatter", **density_steps(edges, density), mode="lines",
             name=f"{init_name} density", line=dict(color=style.THEORY, width=2.2, shape="hv"),
             hovertemplate="density %{y:.3g} from %{x:.3g}<extra></extra>"),
    ]
    return style.figure(traces, style.layout(
        f"Layer {layer}: first weights against the initializer", height, bargap=0,
        xaxis=dict(title="weight")))
