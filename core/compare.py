"""Compare: several configurations ("columns"), each from K seeds, trained in lockstep.

Columns that differ only in per-member settings (initializer, scale, learning rate...) train as
one stacked Trainer; columns that differ elsewhere (activation, depth...) get a Trainer of
their own. Every Trainer takes the same number of steps on the same data with the same batch
order, so the columns stay in lockstep. Seed k of every column draws its weights from
``init_seed + k``: column 1's seed 3 and column 2's seed 3 start from the same random stream.

Also here: the per-column summaries the page draws (median and band over seeds, final
figures, status).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core import diagnosis, initializers, network
from core.config import MAX_SEED, SETTINGS, RunConfig
from core.telemetry import Field, Metric
from core.trainer import PER_MEMBER, Trainer

MIN_COLUMNS, MAX_COLUMNS = 2, 6
MAX_SEEDS = 32
MAX_RECORDS = 600  # per Trainer: enough points for curves, bounded memory for many members
BANDS = {"minmax": "min to max", "iqr": "inter-quartile range"}
# The classroom's four, then two more for a fifth and sixth column.
DEFAULT_COLUMNS = (
    ("zeros", {}), ("random_normal", {"stddev": 0.05}), ("glorot_uniform", {}),
    ("he_normal", {}), ("lecun_normal", {}), ("orthogonal", {}),
)
DEFAULT_N_COLUMNS = 4
DEFAULT_SEEDS = 4
# What a column may set for itself. Data, batches, dropout and seeds stay shared: that is
# what makes the comparison fair.
COLUMN_SETTINGS = ("init", "init_scale", "activation", "depth", "width", "lr", "optimizer",
                   "momentum", "l2", "bias_init")
_OWN = set(COLUMN_SETTINGS) | {"init_params", "bias_init_params"}


# ---------------------------------------------------------------- columns and their labels


def default_column(index: int, shared: RunConfig) -> RunConfig:
    """Column ``index`` (0-based) as it starts: the shared settings with its initializer."""
    init, params = DEFAULT_COLUMNS[index % len(DEFAULT_COLUMNS)]
    return shared.replace(init=init, init_params=params)


def own_settings(column: RunConfig, shared: RunConfig) -> dict:
    """What a column sets for itself: its settings that differ from the shared ones."""
    return {key: getattr(column, key) for key in COLUMN_SETTINGS
            if getattr(column, key) != getattr(shared, key)}


@dataclass(frozen=True)
class Comparison:
    """What Compare trains: shared settings, 2 to 6 columns (each a whole configuration that
    differs from the shared one only in COLUMN_SETTINGS) and the seeds per column."""

    shared: RunConfig
    columns: tuple[RunConfig, ...]
    seeds: int = DEFAULT_SEEDS

    def __post_init__(self):
        object.__setattr__(self, "columns", tuple(self.columns))
        if not MIN_COLUMNS <= len(self.columns) <= MAX_COLUMNS:
            raise ValueError(f"columns: {len(self.columns)} is not allowed; allowed: "
                             f"{MIN_COLUMNS} to {MAX_COLUMNS}")
        object.__setattr__(self, "seeds", check_seeds(self.seeds))
        for i, column in enumerate(self.columns, 1):
            for key, value in column.as_dict().items():
                if key not in _OWN and value != self.shared.as_dict()[key]:
                    raise ValueError(f"column {i}: {key} is shared by every column; a "
                                     f"column may set only {', '.join(COLUMN_SETTINGS)}")

    @property
    def labels(self) -> list[str]:
        return [label(c, self.shared) for c in self.columns]


def label(column: RunConfig, shared: RunConfig) -> str:
    """A short name: the initializer with its non-default parameters, then what else differs."""
    defaults = initializers.spec(column.init).defaults
    params = ", ".join(f"{k}={_short(v)}" for k, v in column.init_params.items()
                       if v != defaults[k] or k in _ALWAYS_SHOWN)
    parts = [column.init + (f"({params})" if params else "")]
    for key, value in own_settings(column, shared).items():
        if key != "init":
            parts.append(f"{key.replace('_', ' ')} {_short(value)}")
    return " · ".join(parts)


_ALWAYS_SHOWN = ("stddev", "value", "gain")  # the parameter a reader asks about first


def _short(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def stack_key(cfg: RunConfig) -> tuple:
    """Columns with equal keys can share one stacked Trainer (core.trainer.PER_MEMBER)."""
    shared = tuple((k, getattr(cfg, k)) for k in SETTINGS if k not in PER_MEMBER)
    return shared, tuple(network.uses_lsuv(cfg))


def group_columns(configs: list[RunConfig]) -> list[list[int]]:
    """Indices of the columns, grouped by stack_key, in order of first appearance."""
    groups: dict[tuple, list[int]] = {}
    for i, cfg in enumerate(configs):
        groups.setdefault(stack_key(cfg), []).append(i)
    return list(groups.values())


def seed_member(cfg: RunConfig, k: int) -> RunConfig:
    """Seed k of a column: its configuration with init_seed + k."""
    return cfg.replace(init_seed=(cfg.init_seed + k) % (MAX_SEED + 1))


def check_seeds(seeds) -> int:
    if isinstance(seeds, bool) or not isinstance(seeds, int | np.integer) or not (
            1 <= seeds <= MAX_SEEDS):
        raise ValueError(f"seeds: {seeds!r} is not allowed; allowed: a whole number from 1 "
                         f"to {MAX_SEEDS}")
    return int(seeds)


# ---------------------------------------------------------------- training in lockstep


@dataclass(frozen=True)
class Place:
    trainer: int  # index into Lockstep.trainers
    members: slice  # the column's seeds within that trainer


class Lockstep:
    """The columns' Trainers, stepped together; the page holds one per session."""

    records_per_tick = 10  # each record is a point on every column's median curve
    generation = 0  # counts builds, so a page can tell this run from the last

    def __init__(self, comparison: Comparison, max_records: int = MAX_RECORDS):
        self.comparison = comparison
        self.shared, self.seeds = comparison.shared, comparison.seeds
        self.configs = list(comparison.columns)
        self.labels = comparison.labels
        self.max_records = max_records
        self.stops: frozenset[int] = frozenset()  # steps a playing run pauses at, recorded
        self._build()

    def _build(self):
        self.trainers, self.places = [], [None] * len(self.configs)
        for cols in group_columns(self.configs):
            members = []
            for c in cols:
                start = len(members)
                members += [seed_member(self.configs[c], k) for k in range(self.seeds)]
                self.places[c] = Place(len(self.trainers), slice(start, len(members)))
            self.trainers.append(Trainer(self.configs[cols[0]], members,
                                         max_records=self.max_records, record_every=1))
            self.trainers[-1].record_at = set(self.stops)
        self.generation += 1

    def reset(self):
        """The identical runs again: same data, first weights and batches."""
        self._build()

    # ------------------------------------------------------------ stepping

    @property
    def step(self) -> int:
        return max(t.step for t in self.trainers)

    @property
    def finished(self) -> bool:
        return not any(t.alive.any() for t in self.trainers)

    def stop_at(self, steps) -> None:
        """Pause at each of ``steps`` (a class assignment's), with a record there in every
        column, as core.run.LiveRun does: what is read at that step is the run as it stood."""
        self.stops = frozenset(int(s) for s in steps if s > 0)
        for t in self.trainers:
            t.record_at = set(self.stops)

    @property
    def stopped(self) -> bool:
        """The run has just reached one of its stops."""
        return self.step in self.stops

    def run(self, n_steps: int):
        """Up to ``n_steps`` steps in every column, never past the next stop."""
        step = self.step
        ahead = [s for s in self.stops if step < s <= step + n_steps]
        n = min(ahead) - step if ahead else n_steps
        for t in self.trainers:
            t.run(n)
        return self

    # ------------------------------------------------------------ what the page draws

    def trainer_of(self, column: int) -> Trainer:
        return self.trainers[self.places[column].trainer]

    def snapshot(self, column: int, seed: int = 0, grid_size: int = 24) -> dict:
        place = self.places[column]
        member = place.members.start + seed
        return self.trainers[place.trainer].snapshot(member=member, grid_size=grid_size,
                                                     max_layers=0)

    def _records(self, column: int, max_points: int):
        """(steps, indices) of at most max_points records of the column's Trainer."""
        record = self.trainer_of(column).record
        idx = thin_indices(len(record), max_points)
        return np.asarray(record.steps, dtype=np.int64)[idx], idx

    def _metric(self, column, field, idx):
        """(S, K) values of a step field for the column's seeds at the chosen records."""
        place, record = self.places[column], self.trainer_of(column).record
        f = Metric[field]
        return np.array([record.metrics[i][place.members, f] for i in idx]).reshape(
            len(idx), self.seeds)

    def _layer_field(self, column, field, idx):
        """(S, K, L) values of a per-layer field."""
        place, record = self.places[column], self.trainer_of(column).record
        f = Field[field]
        L = record.n_layers
        return np.array([record.layers[i][place.members, :, f] for i in idx]).reshape(
            len(idx), self.seeds, L)

    def curves(self, field: str = "train_loss", band: str = "minmax",
               max_points: int = 300) -> pd.DataFrame:
        """Per column and step: the median over seeds of ``field`` and the band around it."""
        rows = []
        for c in range(len(self.configs)):
            steps, idx = self._records(c, max_points)
            med, lo, hi = spread(self._metric(c, field, idx), band)
            rows.append(pd.DataFrame({"column": c, "label": self.labels[c], "step": steps,
                                      "median": med, "lo": lo, "hi": hi}))
        return pd.concat(rows, ignore_index=True)

    def layer_curves(self, field: str = "grad_norm", max_points: int = 150) -> pd.DataFrame:
        """Per column, step and layer: the median over seeds of a per-layer field."""
        rows = []
        for c in range(len(self.configs)):
            steps, idx = self._records(c, max_points)
            values = quiet(np.nanmedian, self._layer_field(c, field, idx), axis=1)  # (S, L)
            S, L = values.shape
            rows.append(pd.DataFrame({
                "column": c, "label": self.labels[c], "step": np.repeat(steps, L),
                "layer": np.tile(np.arange(1, L + 1), S), "value": values.ravel(),
                "depth": self.configs[c].depth, "width": self.configs[c].width}))
        return pd.concat(rows, ignore_index=True)

    def latest(self, column: int):
        """(layers (K, L, F), metrics (K, 4)) of the column's newest record."""
        place, record = self.places[column], self.trainer_of(column).record
        return record.layers[-1][place.members], record.metrics[-1][place.members]

    def status(self, column: int) -> dict:
        """How the column's seeds are doing: diverged, symmetric (core.diagnosis), and the
        rest."""
        place, cfg = self.places[column], self.configs[column]
        trainer = self.trainers[place.trainer]
        where = trainer.diverged_at[place.members]
        lay, _ = self.latest(column)
        symmetric = sum(diagnosis.symmetric(seed, cfg.width) for seed in lay)
        return {"step": trainer.step, "seeds": self.seeds,
                "diverged": sum(w is not None for w in where),
                "diverged_at": [w for w in where if w is not None],
                "symmetric": symmetric}

    def hidden_grad_norms(self, column: int) -> np.ndarray:
        """Newest ‖∂L/∂W‖ of each hidden layer, the largest over the column's seeds."""
        lay, _ = self.latest(column)
        values = lay[:, :-1, Field.grad_norm]
        if values.shape[1] == 0:
            return np.empty(0)
        return quiet(np.nanmax, values, axis=0)

    def final_losses(self) -> pd.DataFrame:
        """One row per column and seed: the newest train and test loss (NaN once diverged)."""
        rows = []
        for c in range(len(self.configs)):
            _, met = self.latest(c)
            rows.append(pd.DataFrame({
                "column": c, "label": self.labels[c], "seed": np.arange(self.seeds),
                "init_seed": [seed_member(self.configs[c], k).init_seed
                              for k in range(self.seeds)],
                **{name: met[:, m] for name, m in Metric.__members__.items()}}))
        return pd.concat(rows, ignore_index=True)

    def final_table(self) -> pd.DataFrame:
        """The table of final figures: one row per column, medians over the seeds."""
        finals = self.final_losses()
        rows = []
        for c in range(len(self.configs)):
            f = finals[finals["column"] == c]
            s = self.status(c)
            grads = self.hidden_grad_norms(c)
            lay, _ = self.latest(c)
            distinct = lay[:, :-1, Field.distinct_units]
            rows.append({
                "configuration": self.labels[c],
                "step": s["step"],
                "train loss": quiet(np.nanmedian, f["train_loss"].to_numpy()),
                "test loss": quiet(np.nanmedian, f["test_loss"].to_numpy()),
                "test accuracy": quiet(np.nanmedian, f["test_acc"].to_numpy()),
                "layer 1 ‖∂L/∂W‖": grads[0] if len(grads) else np.nan,
                "fewest distinct units": (quiet(np.nanmin, distinct)
                                          if distinct.size else np.nan),
                "diverged": f"{s['diverged']}/{s['seeds']}",
                "symmetric": f"{s['symmetric']}/{s['seeds']}",
            })
        return pd.DataFrame(rows)


def thin_indices(n: int, max_points: int) -> np.ndarray:
    """At most max_points indices of n, evenly spread, always with the first and the last."""
    if n <= max_points:
        return np.arange(n)
    return np.unique(np.r_[np.linspace(0, n - 1, max_points).astype(int), n - 1])


def quiet(fn, *args, **kwargs):
    # All-NaN slices (every seed diverged) give NaN, which is what the figures should show.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(*args, **kwargs)


def spread(values: np.ndarray, band: str = "minmax"):
    """(median, lo, hi) over the seeds (axis 1) of (S, K) values; NaN (diverged) skipped."""
    if band not in BANDS:
        raise ValueError(f"band: {band!r} is not valid; allowed: {', '.join(BANDS)}")
    median = quiet(np.nanmedian, values, axis=1)
    if band == "iqr":
        lo, hi = quiet(np.nanpercentile, values, [25, 75], axis=1)
    else:
        lo, hi = quiet(np.nanmin, values, axis=1), quiet(np.nanmax, values, axis=1)
    return median, lo, hi
