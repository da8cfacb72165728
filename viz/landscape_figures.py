"""The loss from the first weights: the line θ0 → θ and a 2-D slice around θ
(core.landscape's results in, figures out)."""

from __future__ import annotations

import numpy as np

from viz import style

DECADES = 2  # a loss whose finite positive values span this many decades gets a log axis
NOW = "#000000"
START = style.THEORY


def _finite_positive(values):
    v = np.asarray(values, dtype=float)
    return v[np.isfinite(v) & (v > 0)]


def spans_decades(values, decades: float = DECADES) -> bool:
    """max / min of the finite positive values ≥ 10^decades (a log axis reads them)."""
    v = _finite_positive(values)
    return bool(v.size) and v.max() >= v.min() * 10.0**decades


def _shown(values, log_y):
    v = np.asarray(values, dtype=float)
    keep = np.isfinite(v) & ((v > 0) if log_y else True)
    return np.where(keep, v, np.nan)


def _at(alphas, alpha):
    hits = np.flatnonzero(np.asarray(alphas, dtype=float) == alpha)
    return int(hits[0]) if hits.size else None


def _flat_range(values) -> dict:
    """A loss that does not change along the line (zeros init: ln 2 everywhere) gets a
    range of ±5% around it, where Plotly would zoom into rounding noise."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not v.size or np.ptp(v) > 1e-9 * max(1.0, float(np.abs(v).max())):
        return {}
    pad = 0.05 * max(abs(float(v.mean())), 1e-3)
    return {"range": [float(v.mean()) - pad, float(v.mean()) + pad]}


def line_figure(result: dict, height: int = 320):
    """Training (and test) loss along θ(α) = (1 − α)·θ0 + α·θ, with the first weights
    (α = 0) and the weights now (α = 1) marked; log y when the loss spans DECADES decades."""
    alphas = np.asarray(result["alphas"], dtype=float)
    train = np.asarray(result["train_loss"], dtype=float)
    test = np.asarray(result.get("test_loss", np.full_like(train, np.nan)), dtype=float)
    log_y = spans_decades(np.r_[train, test])
    traces = [
        dict(type="scatter", x=alphas, y=_shown(train, log_y), name="train",
             mode=style.line_mode(train, log_y), line=dict(color=style.TRAIN, width=2.5),
             hovertemplate="α = %{x:.3f}<br>train loss %{y:.4g}<extra></extra>"),
    ]
    if np.isfinite(test).any():
        traces.append(dict(
            type="scatter", x=alphas, y=_shown(test, log_y), name="test",
            mode=style.line_mode(test, log_y), line=dict(color=style.TEST, width=2, dash="dash"),
            hovertemplate="α = %{x:.3f}<br>test loss %{y:.4g}<extra></extra>"))
    for alpha, label, colour, symbol in ((0.0, "initial weights", START, "circle"),
                                         (1.0, "now", NOW, "star")):
        i = _at(alphas, alpha)
        if i is None:
            continue
        traces.append(dict(
            type="scatter", x=[alpha], y=_shown(train[i:i + 1], log_y), name=label,
            mode="markers+text", text=[label], textposition="top center",
            marker=dict(color=colour, size=14, symbol=symbol, line=dict(color="white", width=1)),
            hovertemplate=f"{label} (α = {alpha:g})<br>train loss %{{y:.4g}}<extra></extra>"))
    yaxis = dict(title="loss", type="log" if log_y else "linear")
    if log_y:
        yaxis["exponentformat"] = "power"
    else:
        yaxis.update(_flat_range(np.r_[train, test]))
    step = result.get("step")
    title = "Loss on the line from the first weights" + (f" to step {step}" if step else "")
    return style.figure(traces, style.layout(
        title, height, xaxis=dict(title="α: (1 − α)·θ₀ + α·θ", zeroline=False), yaxis=yaxis))


def slice_figure(result: dict, height: int = 420, show_others: bool = True):
    """The training loss on the plane θ + a·d1 + b·d2 as filled contours (log₁₀ when it
    spans DECADES decades), the weights now marked at the centre, axes named by the kinds
    of directions; in the symmetric case a note gives the slope along d2 (0: gradient
    descent cannot break the symmetry)."""
    a = np.asarray(result["a"], dtype=float)
    b = np.asarray(result["b"], dtype=float)
    loss = np.asarray(result["loss"], dtype=float)
    log_z = spans_decades(loss)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.log10(_shown(loss, True)) if log_z else _shown(loss, False)
    dirs = result["directions"]
    titles = dirs.get("titles") or ["direction 1", "direction 2"]
    unit = "log₁₀ loss" if log_z else "loss"
    colours = dict(colorscale="Viridis", ncontours=18)
    dip = None
    if dirs.get("symmetric") and not log_z:
        # Around the symmetric weights what matters is lower or higher than the loss there:
        # blue below it, orange above, the scale as deep above as the lowest point is below,
        # so a dip of a few thousandths shows (a scale to the far corner's 1.1 hid it).
        centre = float(loss[len(b) // 2, len(a) // 2])
        lowest = float(np.nanmin(loss))
        depth = max(centre - lowest, 1e-3 * max(abs(centre), 1e-12))
        colours = dict(colorscale=[[0.0, style.POSITIVE], [0.5, "#FFFFFF"],
                                   [1.0, style.NEGATIVE]],
                       zmin=centre - depth, zmax=centre + depth, zmid=centre,
                       contours=dict(start=centre - depth, end=centre + depth,
                                     size=depth / 6, coloring="heatmap", showlines=True))
        column = loss[:, len(a) // 2]
        at = int(np.nanargmin(column))
        if column[at] < centre:
            dip = (float(b[at]), float(column[at]))
    traces = [
        dict(type="contour", x=a, y=b, z=z, contours=dict(coloring="heatmap", showlines=True),
             line=dict(width=0.5, color="rgba(255,255,255,0.5)"),
             **style.colour_scale(z, title=dict(text=unit, side="right"), thickness=12),
             hovertemplate=f"a = %{{x:.2f}}, b = %{{y:.2f}}<br>{unit} %{{z:.4g}}<extra></extra>")
        | colours,
        dict(type="scatter", x=[0.0], y=[0.0], mode="markers+text", name="now",
             text=["now"], textposition="top right",
             # on the white of the diverging scale's middle, white letters vanish
             textfont=dict(color="black" if "zmid" in colours else "white"),
             marker=dict(symbol="star", size=16, color="white", line=dict(color=NOW, width=1.5)),
             hovertemplate=f"now<br>loss {result.get('centre_loss', np.nan):.4g}"
                           "<extra></extra>"),
    ]
    if dip is not None:  # what the zeros lesson points at: lower loss off the copies
        traces.append(dict(
            type="scatter", x=[0.0], y=[dip[0]], mode="markers+text", name="dip",
            text=[f"{dip[1]:.3f}"], textposition="middle right",
            marker=dict(symbol="triangle-down", size=12, color=style.POSITIVE,
                        line=dict(color="black", width=1)),
            hovertemplate=f"lowest along the symmetry-breaking direction: {dip[1]:.4f}"
                          "<extra></extra>"))
    others = result.get("others")
    if show_others and others is not None and len(others):
        o = np.asarray(others, dtype=float)
        traces.append(dict(
            type="scatter", x=o[:, 0], y=o[:, 1], mode="markers", name="other restarts",
            marker=dict(symbol="x", size=11, color=style.NEGATIVE), customdata=o[:, 2],
            hovertemplate="another restart's end point<br>a = %{x:.2f}, b = %{y:.2f}<br>"
                          "%{customdata:.3g} off the plane<extra></extra>"))
    notes = []
    if dirs.get("symmetric"):
        notes.append(style.note(
            f"slope along the symmetry-breaking direction: {dirs['slope_d2']:.1e} — "
            "gradient descent cannot leave the symmetric subspace",
            x=0, y=1.0, yanchor="bottom", font=dict(size=12, color="#333")))
    step = result.get("step")
    title = "Loss around the weights now" + (f" (step {step})" if step is not None else "")
    lo, hi = float(min(a.min(), b.min())), float(max(a.max(), b.max()))
    return style.figure(traces, style.layout(
        title, height, showlegend=False, annotations=notes,
        xaxis=dict(title=titles[0], range=[lo, hi], constrain="domain", zeroline=False),
        yaxis=dict(title=titles[1], range=[lo, hi], scaleanchor="x", zeroline=False))
        | dict(margin=dict(l=70, r=15, t=60, b=55)))
