"""The order-chaos phase diagram of the network's activation, with this network on it."""

import functools

import numpy as np

from core import phase
from ui.panel import Chart, Panel, Text
from viz import phase_figures


def phase_span(weight_var: float) -> tuple[float, float]:
    """The σ_w² range of a phase diagram that shows ``weight_var``: the usual 1/16 to 4,
    widened to powers of 2 around a network outside it (few ranges, so few planes)."""
    lo, hi = 1 / 16, 4.0
    if weight_var > 0:
        lo = min(lo, 2.0 ** np.floor(np.log2(weight_var / 1.5)))
        hi = max(hi, 2.0 ** np.ceil(np.log2(weight_var * 1.5)))
    return float(lo), float(hi)


@functools.lru_cache(maxsize=16)  # seconds for a smooth activation: once per range
def planes(activation: str, lo: float, hi: float) -> tuple[phase.Plane, np.ndarray]:
    """The phase plane of ``activation`` over σ_w² from ``lo`` to ``hi`` (log-spaced) and
    its critical σ_w² at each of its σ_b²."""
    plane = phase.plane(activation, weight_var=np.geomspace(lo, hi, 31), points=31)
    return plane, phase.critical_weight_var(activation, plane.bias_var)


@functools.lru_cache(maxsize=64)
def here(cfg) -> dict:
    """Where the phase diagram puts a network (core.phase.point)."""
    return phase.point(cfg.activation, *phase.you_are_here(cfg))


def _diagram(view):
    at = here(view.config)
    plane, line = planes(view.config.activation, *phase_span(at["weight_var"]))
    return phase_figures.phase_diagram(plane, plane.bias_var, line,
                                       at if at["weight_var"] > 0 else None)


def words(view) -> str:
    """What the phase diagram's star says, in words and numbers."""
    at, depth = here(view.config), view.depth
    if at["weight_var"] == 0:
        return (f"**You are here:** σ_w² = 0, σ_b² = {at['bias_var']:.3g}. These weights are "
                "not random, and the phase diagram is a theory of random ones: here symmetry, "
                "not the phase, decides what happens.")
    where = {"ordered": "in the **ordered** phase (χ₁ < 1)",
             "chaotic": "in the **chaotic** phase (χ₁ > 1)",
             "critical": "**on the critical line** (χ₁ = 1)",
             "undefined": "where the theory has no answer"}[at["phase"]]
    text = (f"**You are here:** σ_w² = {at['weight_var']:.3g}, σ_b² = {at['bias_var']:.3g}, "
            f"{where}")
    if at["chi1"] is not None:
        text += f". Each layer multiplies a gradient's mean square by χ₁ = {at['chi1']:.3g}"
    trainable = at["trainable_depth"]
    if at["phase"] == "undefined":
        return text + "."
    if at["phase"] == "critical" or trainable is None:
        return text + f"; signals reach any depth, this network's {depth} included."
    verdict = "deeper than" if depth > trainable else "within"
    return (text + f"; depth scale ξ_c = {at['xi_c']:.3g} layers, so about {trainable:.3g} "
            f"layers train: this network's {depth} is {verdict} that.")


def _inputs(view):
    at = here(view.config)
    return (view.config.activation, at["weight_var"], at["bias_var"])


def warm(lessons) -> None:
    """The planes the lessons open, worked out as the server starts."""
    for lesson in lessons:
        if "phase" in lesson.panels:
            planes(lesson.config.activation, *phase_span(here(lesson.config)["weight_var"]))


PANEL = Panel(
    "phase", order=90, drawn="settings", ratios=(3, 2), default=False, warm=warm,
    cells=(Chart("phase", _diagram, inputs=_inputs), Text(words)),
    caption="Mean-field theory of wide random networks (Poole et al. 2016; Schoenholz et al. "
            "2017): weights of variance σ_w²/fan_in and biases of variance σ_b². Left of the "
            "critical line (χ₁ < 1) signals and gradients fade with depth and all inputs come "
            "to look alike; right of it they blow up and nearby inputs come apart. A network "
            "trains to a depth of about 6·ξ_c, and ξ_c is infinite on the line.")
