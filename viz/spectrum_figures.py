"""The Jacobian's singular values (core.spectrum) as a histogram on a log axis.

An isometric network piles every singular value at 1; a spread one smears them over
decades. The bins are log-spaced (equal widths in log10 σ), heights are the fraction of all
singular values in each bin, so two spectra with different counts compare directly.
"""

from __future__ import annotations

import math

import numpy as np

from core import spectrum as core_spectrum
from viz import style

BINS = 40
NOW = style.POSITIVE  # blue: the spectrum shown
REFERENCE = "#555555"  # grey: the one it is compared with (e.g. at initialisation)
ISOMETRY = style.HEALTHY  # green: σ = 1
PLOT_PX = 560  # the width a half-screen chart's plot area has on a 1280 px projector


def drawable(sv) -> tuple[np.ndarray, int]:
    """(values a log axis can show, how many it cannot): σ above the rounding level
    (core.spectrum.summary's resolution: n·eps·max σ, numerically 0) and finite."""
    sv = np.asarray(sv, dtype=float).ravel()
    sv = sv[np.isfinite(sv)]
    if not sv.size:
        return sv, 0
    shown = sv[sv > core_spectrum.summary(sv)["resolution"]]
    return shown, int(sv.size - shown.size)


def log_edges(spectra, bins: int = BINS) -> np.ndarray:
    """``bins`` + 1 log-spaced edges covering every drawable value of every spectrum and 1,
    widened to whole tenths of a decade: 10**linspace(lo, hi, bins + 1)."""
    values = [np.log10(drawable(sv)[0]) for sv in spectra]
    values = np.concatenate([[0.0], *values])
    lo, hi = math.floor(values.min() * 10) / 10, math.ceil(values.max() * 10) / 10
    if hi - lo < 0.2:  # isometric: a narrow window around 1, not a single spike bin
        lo, hi = lo - 0.1, hi + 0.1
    edges = np.linspace(lo, hi, bins + 1)
    width = (hi - lo) / bins
    if np.abs(edges).min() < width / 4:  # no edge at σ = 1: σ = 1 ± rounding fills one bin
        edges = np.linspace(lo - width / 2, hi + width / 2, bins + 2)
    return 10 ** edges


def fractions(sv, edges) -> np.ndarray:
    """Per bin: the fraction of all singular values (drawable or not) falling in it."""
    sv = np.asarray(sv, dtype=float).ravel()
    counts, _ = np.histogram(drawable(sv)[0], bins=edges)
    return counts / max(sv.size, 1)


def _step_trace(sv, edges, name, colour, filled):
    """A histogram outline as one stepped line (a bar's width means nothing on a log axis
    to plotly): x the edges, y each bin's fraction held to its right edge."""
    heights = fractions(sv, edges)
    y = np.r_[heights, heights[-1:]]
    return dict(type="scatter", x=edges, y=y, name=name, mode="lines",
                line=dict(color=colour, width=3, shape="hv", dash=None if filled else "dash"),
                fill="tozeroy" if filled else None,
                fillcolor="rgba(0, 114, 178, 0.25)" if filled else None,
                hovertemplate=f"{name}<br>σ from %{{x:.3g}}<br>%{{y:.1%}} of them<extra></extra>")


def legend_name(sv, name):
    """``name`` with what the spectrum shows: the fraction within a factor 2 of 1, and how
    many singular values are numerically 0 (a log axis cannot draw them)."""
    s = core_spectrum.summary(sv)
    _, hidden = drawable(sv)
    text = f"{name}: {100 * s['within_2']:.0f} % within ×2 of 1"
    return text + (f", {hidden} of {s['count']} ≈ 0 (not drawn)" if hidden else "")


def spectrum_figure(sv, depth: int, init: str, activation: str | None = None, *,
                    reference=None, name: str = "now", reference_name: str = "at init",
                    bins: int = BINS, height: int = 340):
    """Histogram of the singular values ``sv`` of ∂h_L/∂h_1 on a log σ axis, the isometry
    σ = 1 marked, and optionally a ``reference`` spectrum drawn dashed on the same bins.

    The title states depth, activation and initializer; each legend entry gives its
    spectrum's fraction within a factor 2 of 1 and how many are numerically 0 (legend_name).
    Depth 0 has no Jacobian: an empty chart that says so.
    """
    label = f"{activation}, " if activation else ""
    title = f"∂h_L/∂h_1 spectrum, depth {depth}, {label}{init}"
    spectra = [(sv, name, NOW, True)]
    if reference is not None:
        spectra.append((reference, reference_name, REFERENCE, False))
    sizes = [np.asarray(s, dtype=float).size for s, *_ in spectra]
    layout = style.layout(title, height,
                          yaxis=dict(title="fraction of σ", tickformat=".0%", rangemode="tozero"))
    layout["margin"] = {**layout["margin"], "b": 70}  # the legend sits under the axis title
    if not any(sizes):
        note = ("no Jacobian between hidden layers at depth 0" if depth == 0 else
                "no finite singular values (the network overflowed)")
        layout["annotations"] = [style.note(note, x=0.5, y=0.5, xanchor="center")]
        layout["xaxis"] = dict(title="singular value σ", type="log")
        return style.figure([], layout)
    edges = log_edges([s for s, *_ in spectra], bins)
    traces = [_step_trace(s, edges, legend_name(s, n), c, f)
              for s, n, c, f in spectra if np.size(s)]
    top = max(float(np.max(t["y"])) for t in traces)
    traces.append(dict(type="scatter", x=[1.0, 1.0], y=[0.0, top * 1.08], mode="lines",
                       name="isometry (σ = 1)", hoverinfo="skip",
                       line=dict(color=ISOMETRY, width=3, dash="dot")))
    span = math.log10(edges[-1]) - math.log10(edges[0])
    layout["xaxis"] = dict(title="singular value σ (log scale)", type="log",
                           range=[math.log10(edges[0]), math.log10(edges[-1])],
                           exponentformat="power")
    if span > 2:  # decades: only powers of ten, as many as fit
        layout["xaxis"]["dtick"] = style.log_dtick(span, PLOT_PX)
    return style.figure(traces, layout)
