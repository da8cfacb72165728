"""The order–chaos phase diagram: the depth scale over the (σ_w², σ_b²) plane, the
critical line χ₁ = 1, and where a network sits (core.phase has the numbers).

The colour is core.phase's ``depth_scale``, the scale the trainable depth is 6 times: the
correlation depth scale ξ_c where correlations decay exponentially, else the gradient
depth scale ξ_∇ = -1/ln χ₁. Without biases (the σ_b² = 0 edge, where most networks sit)
ξ_c is infinite on the ordered side (q → 0: correlations freeze or creep), and colouring
ξ_c there would paint the edge "infinitely deep" where gradients die; ξ_∇ is the limit of
ξ_c as σ_b² → 0 there, so the colour is continuous. Hover shows both."""

from __future__ import annotations

import numpy as np

from viz import style

XI_RANGE = (0.3, 1000.0)  # depth scales drawn between these (log colour); beyond, the ends
XI_TICKS = (0.3, 1, 3, 10, 30, 100, 300, 1000)
LINE = "#000000"
HERE = style.EXPLODING


def log_xi(xi):
    """log10 of a depth scale clipped to XI_RANGE (infinite on the critical line: the top
    colour; NaN, where gradients grow and ξ_c is infinite, stays a gap)."""
    xi = np.asarray(xi, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(np.clip(xi, *XI_RANGE))


def _xi_text(xi) -> str:
    return "∞" if np.isinf(xi) else "–" if np.isnan(xi) else f"{xi:.3g}"


def _cell_text(xi_c, xi_grad) -> str:
    return f"ξ_c {_xi_text(xi_c)} (correlations), ξ_∇ {_xi_text(xi_grad)} (gradients)"


def _contour(plane) -> dict:
    lo, hi = np.log10(XI_RANGE)
    text = np.vectorize(_cell_text, otypes=[object])(plane.xi_c, plane.xi_grad)
    return dict(type="contour", x=plane.weight_var, y=plane.bias_var,
                z=log_xi(plane.depth_scale), zmin=lo, zmax=hi, colorscale="Viridis",
                text=text, name="depth scale",
                contours=dict(start=lo, end=hi, size=0.25, coloring="heatmap"),
                line=dict(width=0.5, color="rgba(255,255,255,0.4)"),
                colorbar=dict(thickness=12, title=dict(text="depth scale (layers)",
                                                       side="right"),
                              tickvals=np.log10(XI_TICKS).tolist(),
                              ticktext=[f"{t:g}" for t in XI_TICKS]),
                hovertemplate="σ_w² %{x:.3g}, σ_b² %{y:.3g}<br>%{text}<extra></extra>")


def _critical(bias_var, weight_var) -> dict:
    return dict(type="scatter", x=np.asarray(weight_var, float), y=np.asarray(bias_var, float),
                mode="lines", name="critical line χ₁ = 1", line=dict(color=LINE, width=5),
                hovertemplate="critical: σ_w² %{x:.4g} at σ_b² %{y:.3g}<extra></extra>")


def _number(value) -> float:
    """A core.phase.point value: None there is infinite or undefined, as its phase says."""
    return np.inf if value is None else float(value)


def _grad_number(here: dict) -> float:
    """ξ_∇ of a point: None is infinite on the critical line, and no scale (gradients grow)
    elsewhere."""
    value = here.get("xi_grad", np.nan)
    if value is None:
        return np.inf if here.get("phase") == "critical" else np.nan
    return float(value)


def _here(here: dict, side: str = "right") -> dict:
    fate = f", q → {here['q_fate']}" if here.get("q_fate") else ""
    text = (f"you are here: σ_w² {here['weight_var']:.3g}, σ_b² {here['bias_var']:.3g}"
            f"<br>{here.get('phase', '')}{fate}<br>"
            + _cell_text(_number(here.get("xi_c", np.nan)), _grad_number(here)))
    return dict(type="scatter", x=[here["weight_var"]], y=[here["bias_var"]],
                mode="markers+text", name="you are here", text=["you are here"],
                textposition=f"top {side}",  # away from the colour bar
                textfont=dict(size=15, color=HERE),
                cliponaxis=False,  # a star on the σ_b² = 0 edge is drawn whole
                marker=dict(symbol="star", size=20, color=HERE, line=dict(width=2,
                                                                          color="#FFFFFF")),
                hovertext=[text], hoverinfo="text")


def log_axis(weight_var) -> bool:
    """A σ_w² grid over more than a decade and a bit is drawn on a log axis."""
    w = np.asarray(weight_var, float)
    return bool(w.min() > 0 and w.max() / w.min() > 20)


def _phase_labels(plane, bias_var, weight_var) -> list[dict]:
    """'ordered' and 'chaotic' on either side of the critical line, at mid height (in the
    axis's own units: log10 σ_w² on a log axis)."""
    log_x = log_axis(plane.weight_var)

    def x_of(w):
        return float(np.log10(w)) if log_x else float(w)

    x_lo, x_hi = float(plane.weight_var.min()), float(plane.weight_var.max())
    y_mid = float(np.mean([plane.bias_var.min(), plane.bias_var.max()]))
    line_w = np.asarray(weight_var, float)
    ok = np.isfinite(line_w)
    at = float(np.interp(y_mid, np.asarray(bias_var, float)[ok], line_w[ok])) if ok.any() \
        else x_hi
    notes = []
    x_lo, x_hi, at = x_of(x_lo), x_of(x_hi), x_of(at)
    for label, lo, hi in (("ordered", x_lo, min(at, x_hi)), ("chaotic", max(at, x_lo), x_hi)):
        if hi - lo > 0.08 * (x_hi - x_lo):
            # Dark on a light box: legible on the colours and where there are none (ReLU's
            # chaotic side has no finite q*, so no ξ_c to colour).
            notes.append(dict(text=f"<b>{label}</b>", x=(lo + hi) / 2, y=y_mid,
                              xref="x", yref="y", showarrow=False,
                              bgcolor="rgba(255,255,255,0.8)", borderpad=3,
                              font=dict(size=18, color="#222222")))
    return notes


def _span(values, extra=None) -> list[float]:
    """An axis range over ``values``, stretched (5 % beyond) to show ``extra`` too."""
    lo, hi = float(np.min(values)), float(np.max(values))
    if extra is not None and np.isfinite(extra) and not lo <= extra <= hi:
        lo, hi = min(lo, extra), max(hi, extra)
        pad = 0.05 * (hi - lo)
        lo, hi = (lo - pad if extra == lo else lo), (hi + pad if extra == hi else hi)
    return [lo, hi]


def phase_diagram(plane, critical_bias_var, critical_weight_var, here: dict | None = None,
                  height: int = 440, title: str | None = None):
    """The depth scale over the plane (colour on a log scale, contour every quarter
    decade; module docstring), the critical line drawn bold, the phases named, and
    ``here`` (a core.phase.point dict) as a star with its numbers on hover."""
    traces = [_contour(plane), _critical(critical_bias_var, critical_weight_var)]
    x_range = _span(plane.weight_var, here and here["weight_var"])
    xaxis = dict(title=dict(text="σ_w² (weight variance × fan_in)"), range=x_range)
    if log_axis(plane.weight_var):
        xaxis.update(type="log", range=np.log10(x_range).tolist())
    if here is not None:
        lo, hi = xaxis["range"]
        x = np.log10(here["weight_var"]) if xaxis.get("type") == "log" else here["weight_var"]
        traces.append(_here(here, "left" if x > (lo + hi) / 2 else "right"))
    lay = style.layout(
        title or f"Order and chaos: {plane.activation}, depth scale (ξ_c, or ξ_∇ where "
        "ξ_c is infinite)", height,
        annotations=_phase_labels(plane, critical_bias_var, critical_weight_var),
        xaxis=xaxis,
        yaxis=dict(title=dict(text="σ_b² (bias variance)"),
                   range=_span(plane.bias_var, here and here["bias_var"])))
    lay["legend"] = dict(orientation="h", yanchor="top", y=-0.22)
    lay["margin"] = dict(l=70, r=15, t=45, b=90)
    return style.figure(traces, lay)
