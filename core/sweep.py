"""Sweep: a grid over two settings, each cell trained for a fixed number of steps from K seeds.

Per seed the sweep keeps the final losses and, at step 0, the ratio of the first layer's
gradient to the last layer's (how much of the output's error signal reaches the input side).
A seed *trained* when its final training loss is below ``threshold`` times the loss of the
best constant guess (ln 2 on a balanced two-class set): the network learnt something the
class frequencies alone do not give.

Cells that share the network's shape and every other non-per-member setting train together
as one stacked Trainer (all their seeds are members of it), split only where one stack would
exceed the server's cap on work per step. ``SweepRun.advance`` works for a bounded time and
returns, so the page can show progress and stop between two calls. No Streamlit here.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core import budget, compare, config, datasets
from core.config import RunConfig
from core.telemetry import Field, Metric
from core.trainer import Trainer

AXES = ("depth", "width", "init", "init_scale", "activation", "lr")
MAX_VALUES = 8  # per axis: an 8 x 8 grid at most
MIN_STEPS, MAX_STEPS = 1, 5000
THRESHOLD_RANGE = (0.05, 0.95)
DEFAULT_THRESHOLD = 0.9
# Multiply-adds of a whole sweep (training only): about a minute of one core's work.
MAX_WORK = 4 * 10**11
# A stack's recorded step (step 0 and the last) may do this many times the server's cap on
# work per step: a sweep's call to ``advance`` does a quarter of a second of work anyway.
STACK_CAP_FACTOR = 5


@dataclass(frozen=True)
class Axis:
    name: str
    values: tuple

    @property
    def labels(self) -> list[str]:
        return [_short(v) for v in self.values]


def _short(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def parse_axis(name: str, text: str) -> Axis:
    """An axis from a setting's name and its values written as ``5, 10, 20``."""
    if name not in AXES:
        raise ValueError(f"axis: {name!r} is not valid; allowed: {', '.join(AXES)}")
    items = [t for t in re.split(r"[\s,;]+", str(text)) if t]
    if not 1 <= len(items) <= MAX_VALUES:
        raise ValueError(f"{name} values: {len(items)} given; allowed: 1 to {MAX_VALUES} "
                         "values separated by commas")
    values = tuple(config.parse(name, t) for t in items)
    if len(set(values)) != len(values):
        raise ValueError(f"{name} values: {text!r} repeats a value; give each value once")
    return Axis(name, values)


def axis_text(axis: Axis) -> str:
    return ", ".join(axis.labels)


@dataclass(frozen=True)
class Spec:
    """A sweep: the base configuration, the two axes, seeds per cell and steps per seed."""

    base: RunConfig
    x: Axis
    y: Axis
    seeds: int = 4
    steps: int = 300

    def __post_init__(self):
        if self.x.name == self.y.name:
            raise ValueError(f"axes: both are {self.x.name}; choose two different settings")
        object.__setattr__(self, "seeds", compare.check_seeds(self.seeds))
        if isinstance(self.steps, bool) or not isinstance(self.steps, int | np.integer) or not (
                MIN_STEPS <= self.steps <= MAX_STEPS):
            raise ValueError(f"steps: {self.steps!r} is not allowed; allowed: a whole number "
                             f"from {MIN_STEPS} to {MAX_STEPS}")


@dataclass(frozen=True)
class Cell:
    row: int  # index into the y axis
    col: int  # index into the x axis
    config: RunConfig


def cells(spec: Spec, caps: budget.Caps = budget.DEFAULT_CAPS) -> list[Cell]:
    """Every cell of the grid, checked: settings, the caps, and the total work. A new
    initializer on an axis brings its own default parameters."""
    out = []
    for i, yv in enumerate(spec.y.values):
        for j, xv in enumerate(spec.x.values):
            where = f"cell {spec.x.name}={_short(xv)}, {spec.y.name}={_short(yv)}"
            try:
                cfg = spec.base.replace(**{spec.x.name: xv, spec.y.name: yv})
                budget.check(cfg, caps, n_networks=spec.seeds)
            except ValueError as err:
                raise type(err)(f"{where}: {err}") from None
            out.append(Cell(i, j, cfg))
    total = work(out, spec.seeds, spec.steps)
    if total > MAX_WORK:
        raise budget.LimitError(
            f"the whole sweep: {len(out)} cells × {spec.seeds} seeds × {spec.steps} steps "
            f"is about {total:.2g} multiply-adds, over the cap of {MAX_WORK:.2g}; use fewer "
            "values, seeds or steps, or a smaller network")
    return out


def work(cell_list: list[Cell], seeds: int, steps: int) -> float:
    """Multiply-adds of training every cell: forward and backward, three products a layer."""
    return float(sum(3 * budget.weight_count(c.config) * budget.batch(c.config) * seeds
                     * steps for c in cell_list))


def plan(cell_list: list[Cell], seeds: int,
         caps: budget.Caps = budget.DEFAULT_CAPS) -> list[list[Cell]]:
    """Stacks of cells: same stack key, and at most STACK_CAP_FACTOR times the server's cap
    on work per step in one recorded step of the stack (its largest indivisible piece of
    work: ``advance`` otherwise stops on time)."""
    groups: dict[tuple, list[Cell]] = {}
    for c in cell_list:
        groups.setdefault(compare.stack_key(c.config), []).append(c)
    stacks = []
    for group in groups.values():
        per_cell = budget.step_work(group[0].config, seeds)
        size = max(1, STACK_CAP_FACTOR * caps.step_work.value // max(per_cell, 1))
        stacks += [group[k:k + size] for k in range(0, len(group), size)]
    return stacks


def baseline_loss(data, loss_name: str) -> float:
    """The training loss of the best constant prediction (the class frequencies, or the
    mean target): what a network that learnt nothing from the inputs achieves."""
    y = data.y_train
    if not data.classification:  # mse = mean(err²): the mean target leaves the variance
        return float(np.var(y))
    if loss_name == "mse":  # tanh output against targets -1/+1
        return float(np.var(2.0 * y - 1))
    p = np.bincount(y) / len(y)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def baseline_for(cfg: RunConfig) -> float:
    """baseline_loss of a configuration's training data."""
    data = datasets.make(cfg.dataset, cfg.n_samples, cfg.noise, cfg.test_fraction,
                         cfg.data_seed)
    return baseline_loss(data, cfg.loss)


@dataclass
class SweepRun:
    """A sweep in progress: call ``advance`` (a time budget) or ``run`` (a number of steps)
    until ``done``; ``cancel`` stops it."""

    generation = 0  # a sweep is never rebuilt: a new one is a new SweepRun
    stopped = False  # it runs to its end (core.run.LiveRun can stop at a step)

    spec: Spec
    caps: budget.Caps = budget.DEFAULT_CAPS
    cells: list = field(init=False)
    stacks: list = field(init=False)
    rows: list = field(default_factory=list)
    cancelled: bool = False

    def __post_init__(self):
        self.cells = cells(self.spec, self.caps)
        self.stacks = plan(self.cells, self.spec.seeds, self.caps)
        self._stack = 0
        self._trainer = None
        self._sec_per_step = None
        self._stack_work = [work(s, self.spec.seeds, self.spec.steps) for s in self.stacks]
        self._done_work = 0.0
        self._done_steps = 0
        self.elapsed = 0.0
        self.current = ""

    @property
    def done(self) -> bool:
        return self.cancelled or self._stack >= len(self.stacks)

    @property
    def finished(self) -> bool:
        return self._stack >= len(self.stacks)

    @property
    def progress(self) -> float:
        total = sum(self._stack_work) or 1.0
        part = 0.0
        if self._trainer is not None:
            part = self._stack_work[self._stack] * self._trainer.step / self.spec.steps
        return min(1.0, (self._done_work + part) / total)

    @property
    def cells_done(self) -> int:
        return sum(len(s) for s in self.stacks[:self._stack])

    @property
    def trainers(self) -> list:
        """None for serving/pacing.py to tune: a sweep records its cells itself, at their
        last step."""
        return []

    @property
    def step(self) -> int:
        """Training steps taken so far, over every stack."""
        return self._done_steps + (self._trainer.step if self._trainer is not None else 0)

    def cancel(self):
        self.cancelled = True
        self._trainer = None

    def run(self, n_steps: int):
        """Train ``n_steps`` more steps, from one stack to the next (a live page's tick:
        serving/pacing.py sizes ``n_steps`` to its time budget)."""
        start, left = time.perf_counter(), int(n_steps)
        while left > 0 and not self.done:
            if self._trainer is None:
                self._trainer = self._start(self.stacks[self._stack])
            t = self._trainer
            n = min(left, self.spec.steps - t.step)
            t.run(n)
            left -= n
            if t.step >= self.spec.steps or not t.alive.any():
                self._finish(self.stacks[self._stack], t)
        self.elapsed += time.perf_counter() - start
        return self

    def advance(self, budget_s: float = 0.25) -> None:
        """Train for about ``budget_s`` seconds (at least one step), then return."""
        start, stepped = time.perf_counter(), False
        while not self.done:
            left = budget_s - (time.perf_counter() - start)
            if left <= 0 and stepped:  # a slow start (building a stack) still trains a step
                break
            if self._trainer is None:
                self._trainer = self._start(self.stacks[self._stack])
                continue
            t = self._trainer
            n = self.spec.steps - t.step
            # One step first to time this stack, then as many as the time left allows.
            n = min(n, max(1, int(left / self._sec_per_step))) if self._sec_per_step else 1
            before, t0 = t.step, time.perf_counter()
            t.run(n)
            stepped = True
            if t.step > before:
                per = (time.perf_counter() - t0) / (t.step - before)
                self._sec_per_step = per if self._sec_per_step is None else (
                    0.5 * self._sec_per_step + 0.5 * per)
            if t.step >= self.spec.steps or not t.alive.any():
                self._finish(self.stacks[self._stack], t)
        self.elapsed += time.perf_counter() - start

    def run_all(self):
        while not self.done:
            self.advance(10.0)
        return self

    def _start(self, stack):
        members = [compare.seed_member(c.config, k) for c in stack
                   for k in range(self.spec.seeds)]
        self._sec_per_step = None
        self.current = ", ".join(_cell_name(self.spec, c) for c in stack[:3]) + (
            f" and {len(stack) - 3} more" if len(stack) > 3 else "")
        return Trainer(stack[0].config, members, record_every=self.spec.steps)

    def _finish(self, stack, trainer):
        self._done_steps += trainer.step
        self.rows += _collect(self.spec, stack, trainer)
        self._done_work += self._stack_work[self._stack]
        self._stack += 1
        self._trainer = None

    def frame(self) -> pd.DataFrame:
        """One row per cell and seed, in grid order."""
        columns = ["row", "col", self.spec.y.name, self.spec.x.name, "seed", "init_seed",
                   *_RESULT_COLUMNS]
        if self.spec.x.name == self.spec.y.name:  # refused by cells(); kept for safety
            columns = list(dict.fromkeys(columns))
        f = pd.DataFrame(self.rows, columns=columns)
        return f.sort_values(["row", "col", "seed"], ignore_index=True)

    def summary(self, threshold: float = DEFAULT_THRESHOLD) -> pd.DataFrame:
        return summarise(self.frame(), self.spec, threshold)


_RESULT_COLUMNS = ["final_train_loss", "final_test_loss", "final_train_acc", "final_test_acc",
                   "baseline_loss", "grad_ratio", "backprop_ratio", "diverged",
                   "diverged_step"]


def _cell_name(spec, cell):
    return (f"{spec.x.name} {spec.x.labels[cell.col]}, "
            f"{spec.y.name} {spec.y.labels[cell.row]}")


def _ratio(top, bottom):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((top == 0) & (bottom == 0), np.nan, top / bottom)


def _collect(spec, stack, trainer):
    """Rows of one finished stack: final figures, and step 0's gradient ratios."""
    record = trainer.record
    first = record.layers[0]  # (M, L, F) at step 0
    g, d = Field.grad_norm, Field.backprop_std
    grad_ratio = _ratio(first[:, 0, g], first[:, -1, g])
    # The error signal at the first hidden layer against the output's (a depth-0 network
    # has only the output layer: 1 by definition).
    backprop_ratio = _ratio(first[:, 0, d], first[:, -1, d])
    final = record.metrics[-1] if record.steps[-1] == spec.steps else np.full(
        (trainer.n_members, len(Metric)), np.nan)
    baseline = baseline_loss(trainer.data, trainer.config.loss)
    rows = []
    for n, cell in enumerate(stack):
        for k in range(spec.seeds):
            m = n * spec.seeds + k
            where = trainer.diverged_at[m]
            rows.append({
                "row": cell.row, "col": cell.col,
                spec.y.name: spec.y.values[cell.row], spec.x.name: spec.x.values[cell.col],
                "seed": k, "init_seed": trainer.members[m].init_seed,
                **{f"final_{name}": final[m, i] for name, i in Metric.__members__.items()},
                "baseline_loss": baseline,
                "grad_ratio": grad_ratio[m], "backprop_ratio": backprop_ratio[m],
                "diverged": where is not None,
                "diverged_step": where["step"] if where else None,
            })
    return rows


def check_threshold(threshold) -> float:
    lo, hi = THRESHOLD_RANGE
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not (
            math.isfinite(threshold) and lo <= threshold <= hi):
        raise ValueError(f"trained threshold: {threshold!r} is not allowed; allowed: a "
                         f"number from {lo:g} to {hi:g}")
    return float(threshold)


def trained(frame: pd.DataFrame, threshold: float = DEFAULT_THRESHOLD) -> pd.Series:
    """Per seed: final train loss below threshold × the constant guess's loss (a diverged or
    unfinished seed did not train)."""
    threshold = check_threshold(threshold)
    loss = frame["final_train_loss"].to_numpy(dtype=float)
    ok = np.isfinite(loss) & (loss < threshold * frame["baseline_loss"].to_numpy(dtype=float))
    return pd.Series(ok & ~frame["diverged"].to_numpy(dtype=bool), index=frame.index)


def summarise(frame: pd.DataFrame, spec: Spec, threshold: float = DEFAULT_THRESHOLD
              ) -> pd.DataFrame:
    """One row per finished cell: medians over seeds, the fraction that trained, and how many
    diverged. Medians skip diverged seeds (NaN); a cell whose seeds all diverged is NaN."""
    f = frame.assign(trained=trained(frame, threshold))
    rows = []
    for (row, col), g in f.groupby(["row", "col"], sort=True):
        rows.append({
            "row": row, "col": col,
            spec.y.name: spec.y.values[row], spec.x.name: spec.x.values[col],
            "final_train_loss": compare.quiet(np.nanmedian, g["final_train_loss"]),
            "final_test_loss": compare.quiet(np.nanmedian, g["final_test_loss"]),
            "final_test_acc": compare.quiet(np.nanmedian, g["final_test_acc"]),
            "grad_ratio": compare.quiet(np.nanmedian, g["grad_ratio"]),
            "backprop_ratio": compare.quiet(np.nanmedian, g["backprop_ratio"]),
            "trained_fraction": float(g["trained"].mean()),
            "diverged": int(g["diverged"].sum()),
            "seeds": len(g),
        })
    columns = ["row", "col", spec.y.name, spec.x.name, "final_train_loss", "final_test_loss",
               "final_test_acc", "grad_ratio", "backprop_ratio", "trained_fraction",
               "diverged", "seeds"]
    return pd.DataFrame(rows, columns=columns)


def grid(summary: pd.DataFrame, spec: Spec, value: str) -> np.ndarray:
    """(len(y), len(x)) array of one summary column; cells not yet run are NaN."""
    out = np.full((len(spec.y.values), len(spec.x.values)), np.nan)
    for r, c, v in zip(summary["row"], summary["col"], summary[value], strict=True):
        out[r, c] = v
    return out


# ---------------------------------------------------------------- presets


@dataclass(frozen=True)
class Claim:
    """One thing a preset's words say of its own maps: ``says`` is the phrase of its text
    or look-for that makes the claim, ``holds(summary)`` whether the preset's sweep bears
    it out (a test runs each preset and checks every claim, as lessons quote their runs'
    facts instead of a figure from memory)."""

    says: str
    holds: Callable[[pd.DataFrame], bool]


@dataclass(frozen=True)
class Preset:
    key: str
    title: str
    text: str
    look_for: str
    base: RunConfig
    x: Axis
    y: Axis
    seeds: int = 4
    steps: int = 300
    ratio: str = "backprop_ratio"  # the gradient-ratio map the page shows first
    claims: tuple[Claim, ...] = ()

    def spec(self) -> Spec:
        return Spec(self.base, self.x, self.y, self.seeds, self.steps)


def _cells(summary: pd.DataFrame, value: str, **where) -> np.ndarray:
    """One summary column over the cells whose settings are ``where`` (a tuple: any of)."""
    keep = np.ones(len(summary), bool)
    for name, wanted in where.items():
        keep &= summary[name].isin(wanted if isinstance(wanted, tuple) else (wanted,))
    return summary.loc[keep, value].to_numpy(dtype=float)


def _deepest_trained(summary: pd.DataFrame, init: str) -> int:
    """The deepest depth at which any seed of ``init`` trained (0: none did)."""
    rows = summary[(summary["init"] == init) & (summary["trained_fraction"] > 0)]
    return int(rows["depth"].max()) if len(rows) else 0


_GLOROT_LECUN = ("glorot_uniform", "glorot_normal", "lecun_normal")
_HE = ("he_uniform", "he_normal")

# N(0, σ²/fan_in): the init scale is then σ_w itself, the axis of Schoenholz et al.
_SIGMA_W = {"init": "variance_scaling",
            "init_params": {"scale": 1.0, "mode": "fan_in", "distribution": "untruncated_normal"}}

PRESETS = {p.key: p for p in [
    Preset(
        "edge_of_chaos",
        "Edge of chaos: deep tanh networks",
        "Schoenholz et al. (2017), *Deep Information Propagation*: weights drawn from "
        "N(0, σ²/fan_in), zero biases, tanh. Below σ = 1 (the ordered phase) signals and "
        "gradients fade with depth; above it (the chaotic phase) nearby inputs are torn apart "
        "and gradients grow. Only near the critical σ = 1 do they travel through many layers.",
        "the trainable region (bright in the right-hand map) reaches deepest near init scale "
        "1 to 1.3 and narrows on either side; the gradient ratio turns huge in the chaotic "
        "phase (σ ≥ 2).",
        config.validate(dataset="circle", activation="tanh", width=32, batch_size=32,
                        optimizer="sgd", lr=0.1, bias_init="zeros", **_SIGMA_W),
        Axis("init_scale", (0.5, 0.8, 1.0, 1.3, 2.0, 3.0)),
        Axis("depth", (5, 10, 20, 30, 40, 50)),
    ),
    Preset(
        "relu_stall",
        "The 30-layer ReLU stall: Glorot against He",
        "He et al. (2015) found that a 30-layer ReLU network initialised with Glorot's "
        "variance, 1/fan_avg, does not learn, while their 2/fan_in trains: each ReLU layer "
        "halves the signal's second moment, which only the factor 2 restores.",
        "at 30 layers no Glorot or LeCun seed trains and every He seed does; He's columns "
        "train deeper than Glorot's and LeCun's, though within these 300 steps even He "
        "stalls at 50 layers, and orthogonal (made for linear nets) stops first. The "
        "error-signal map shows why: with Glorot and LeCun the first layer's error signal "
        "falls orders of magnitude below the output layer's as the net deepens; with He it "
        "stays within a factor of 100 at every depth.",
        config.validate(dataset="circle", activation="relu", width=32, batch_size=32,
                        optimizer="sgd", lr=0.05, bias_init="zeros"),
        Axis("init", ("glorot_uniform", "glorot_normal", "lecun_normal", "he_uniform",
                      "he_normal", "orthogonal")),
        Axis("depth", (5, 10, 20, 30, 40, 50)),
        claims=(
            Claim("at 30 layers no Glorot or LeCun seed trains and every He seed does",
                  lambda s: bool(np.all(_cells(s, "trained_fraction", depth=30,
                                               init=_GLOROT_LECUN) == 0)
                                 and np.all(_cells(s, "trained_fraction", depth=30,
                                                   init=_HE) == 1))),
            Claim("He's columns train deeper than Glorot's and LeCun's",
                  lambda s: min(_deepest_trained(s, i) for i in _HE)
                  > max(_deepest_trained(s, i) for i in _GLOROT_LECUN)),
            Claim("even He stalls at 50 layers",
                  lambda s: bool(np.all(_cells(s, "trained_fraction", depth=50, init=_HE)
                                        == 0))),
            Claim("orthogonal (made for linear nets) stops first",
                  lambda s: _deepest_trained(s, "orthogonal")
                  < min(_deepest_trained(s, i) for i in (*_GLOROT_LECUN, *_HE))),
            Claim("falls orders of magnitude below the output layer's as the net deepens",
                  lambda s: all(
                      bool(np.all(np.diff(_cells(s.sort_values("depth"), "backprop_ratio",
                                                 init=i)) < 0))
                      and _cells(s, "backprop_ratio", init=i, depth=50)[0] < 1e-6
                      for i in _GLOROT_LECUN)),
            Claim("with He it stays within a factor of 100 at every depth",
                  lambda s: bool(np.all(_cells(s, "backprop_ratio", init=_HE) >= 0.01))),
        ),
    ),
]}

DEFAULT_PRESET = "edge_of_chaos"
