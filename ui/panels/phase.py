"""The order-chaos phase diagram of the network's activation, with this network on it."""

import functools
import threading

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


PLANES_KEPT = 16
_PLANES: dict = {}  # (activation, lo, hi, q0) -> (plane, critical σ_w² per σ_b²)
_PLANES_LOCK = threading.Lock()


def work_out(activation: str, lo: float, hi: float, q0: float | None = None
             ) -> tuple[phase.Plane, np.ndarray]:
    """The phase plane of ``activation`` over σ_w² from ``lo`` to ``hi`` (log-spaced) and
    its critical σ_w² at each of its σ_b², from layer-1 variance ``q0``: seconds of work for
    a smooth activation."""
    plane = phase.plane(activation, weight_var=np.geomspace(lo, hi, 31), points=31, q0=q0)
    return plane, phase.critical_weight_var(activation, plane.bias_var, q0=q0)


def _keep(key, value) -> None:
    with _PLANES_LOCK:
        _PLANES.setdefault(key, value)
        while len(_PLANES) > PLANES_KEPT:
            _PLANES.pop(next(iter(_PLANES)))


def planes(activation: str, lo: float, hi: float, q0: float | None = None
           ) -> tuple[phase.Plane, np.ndarray]:
    """work_out's answer, once per range."""
    key = (activation, lo, hi, q0)
    with _PLANES_LOCK:
        found = _PLANES.get(key)
    if found is None:
        found = work_out(*key)
        _keep(key, found)
    return found


@functools.lru_cache(maxsize=64)
def here(cfg) -> dict:
    """Where the phase diagram puts a network: its σ_w², σ_b² and own inputs' q⁰
    (core.phase.network_point)."""
    return phase.network_point(cfg)


def _plane_key(cfg) -> tuple:
    at = here(cfg)
    # Only where q⁰ decides the side is the plane drawn from this network's own q⁰ (two
    # significant digits: a few planes, not one per data set).
    q0 = float(f"{at['q0']:.2g}") if cfg.activation in phase.Q0_DECIDES else None
    return (cfg.activation, *phase_span(at["weight_var"]), q0)


def _plane_of(cfg):
    return planes(*_plane_key(cfg))


def _diagram(view):
    at = here(view.config)
    plane, line = _plane_of(view.config)
    return phase_figures.phase_diagram(plane, plane.bias_var, line,
                                       at if at["weight_var"] > 0 else None)


def words(view) -> str:
    """What the phase diagram's star says, in words and numbers (core.phase.describe: each
    sentence names the depth scale it means)."""
    at = here(view.config)
    if at["weight_var"] == 0:
        return (f"**You are here:** σ_w² = 0, σ_b² = {at['bias_var']:.3g}. These weights are "
                "not random, and the phase diagram is a theory of random ones: here symmetry, "
                "not the phase, decides what happens.")
    where = {"ordered": "in the **ordered** phase (χ₁ < 1)",
             "chaotic": "in the **chaotic** phase (χ₁ > 1)",
             "critical": "**on the critical line** (χ₁ = 1)",
             "undefined": "where the theory has no answer"}[at["phase"]]
    head = (f"**You are here:** σ_w² = {at['weight_var']:.3g}, σ_b² = {at['bias_var']:.3g}, "
            f"{where}.")
    if at["phase"] == "undefined":
        return head
    return " ".join([head, *phase.describe(at, view.depth, head=False)])


def _inputs(view):
    at = here(view.config)
    return (view.config.activation, at["weight_var"], at["bias_var"], at["q0"])


def warm(lessons, map_=map) -> None:
    """The planes the lessons open, worked out ahead with ``map_(_work_out_key, keys)``:
    the server passes one that works in another process (serving/background.py). A plane
    it did not answer is worked out when first shown."""
    keys = sorted({_plane_key(lesson.config) for lesson in lessons if "phase" in lesson.panels},
                  key=str)
    for key, found in zip(keys, map_(_work_out_key, keys), strict=False):  # short: see above
        _keep(key, found)


def _work_out_key(key):
    return work_out(*key)


PANEL = Panel(
    "phase", order=90, drawn="settings", ratios=(3, 2), default=False, warm=warm,
    cells=(Chart("phase", _diagram, inputs=_inputs), Text(words)),
    caption="Mean-field theory of wide random networks (Poole et al. 2016; Schoenholz et al. "
            "2017): weights of variance σ_w²/fan_in, biases of variance σ_b², inputs entering "
            "layer 1 with variance q⁰. Left of the critical line (χ₁ < 1) gradients fade with "
            "depth, e-fold every ξ_∇ = −1/ln χ₁ layers; right of it they grow. Whether inputs "
            "come to look alike depends on the biases: with σ_b² > 0 their correlation "
            "approaches 1 (left), or a value below 1 (right: nearby inputs come apart), e-fold "
            "every ξ_c layers. With σ_b² = 0 (the default) the signal shrinks to 0 on the "
            "left, and then tanh-like activations keep every correlation while ReLU-like ones "
            "pull it to 1 only polynomially: ξ_c is infinite. For GELU and swish, q⁰ decides "
            "the side too. The colour is the depth scale a network trains to about 6 times: "
            "ξ_c where finite, else ξ_∇; both are infinite on the line.")
