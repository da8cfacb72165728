"""What a run's telemetry says is going wrong: symmetry, a stall, a divergence.

Each function reads one record (per layer, the telemetry fields of core.telemetry) and
returns plain values that a page words and a lesson checks; none assumes more layers than
the network has (a network with no hidden layer is a valid network).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core import phase
from core.telemetry import Field


def symmetric_layers(layers: np.ndarray, width: int) -> list[int]:
    """Hidden layers (1-based) whose units are all one unit copied: ``distinct_units``
    is 1 while the layer has more than one unit. ``layers``: (layers, fields) of one
    network, the output layer last."""
    if width <= 1:
        return []
    distinct = layers[:-1, Field.distinct_units]
    return [k + 1 for k, d in enumerate(distinct) if d == 1]


def symmetric(layers: np.ndarray, width: int) -> bool:
    """Whether some hidden layer of the network is symmetric."""
    return bool(symmetric_layers(layers, width))


@dataclass(frozen=True)
class Stall:
    """Every hidden layer's weight gradient is exactly 0: nothing below the output moves."""

    dead_layers: list[int]  # hidden layers whose every unit has slope 0 on the whole batch


def stall(layers: np.ndarray) -> Stall | None:
    """A stall, or None: a network with hidden layers whose weight gradients are all
    exactly 0 (a symmetric start such as zeros, or dead ReLUs)."""
    hidden = layers[:-1]
    if not len(hidden) or not np.all(hidden[:, Field.grad_norm] == 0):
        return None
    return Stall([k + 1 for k, d in enumerate(hidden[:, Field.dead_frac]) if d == 1])


def unit_similarity(W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity between the units of one layer, by (incoming weights, bias).

    NaN for a pair with an all-zero unit: a cosine needs two directions, and a zero vector
    has none (under zeros initialisation every pair is NaN; the symmetry meter, not this
    map, says they are copies).
    """
    units = np.vstack([W, b[None, :]]).T
    norms = np.linalg.norm(units, axis=1)
    safe = np.where(norms > 0, norms, 1.0)
    sim = np.clip((units / safe[:, None]) @ (units / safe[:, None]).T, -1.0, 1.0)
    zero = norms == 0
    sim[zero, :] = np.nan
    sim[:, zero] = np.nan
    return sim


def remedy(cfg) -> str:
    """What to change for a network that stalls or overflows, from where its weights'
    variance puts it on the phase diagram (core/phase.py): the advice follows this
    network's diagnosis, never a fixed sentence."""
    weight_var, bias_var = phase.you_are_here(cfg)
    if weight_var == 0:
        return ("the weights are not random: draw them at random (any initializer but zeros "
                "or a constant) to break the symmetry")
    at = phase.point(cfg.activation, weight_var, bias_var)
    chi1 = at["chi1"]
    if at["phase"] == "ordered":
        hint = "He's 2/fan_in" if cfg.activation in ("relu", "leaky_relu") else "a larger scale"
        return (f"the initial weights' variance is too small for {cfg.depth} layers (χ₁ = "
                f"{chi1:.2g} < 1: the signal fades layer by layer): give them a larger one "
                f"({hint}) and press Reset")
    if at["phase"] == "chaotic":
        return (f"the initial weights' variance is too large (χ₁ = {chi1:.2g} > 1): lower "
                "the initial scale, or the learning rate, and press Reset")
    return ("the initial variance sits on the critical line, so the steps did it: lower the "
            "learning rate and press Reset")
