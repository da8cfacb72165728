"""Compare: several configurations ("columns"), each from K seeds, trained in lockstep.

Columns that differ only in per-member settings (initializer, scale, learning rate...) train as
one stacked Trainer; columns that differ elsewhere (activation, depth...) get a Trainer of
their own. Every Trainer takes the same number of steps on the same data with the same batch
order, so the columns stay in lockstep. Seed k of every column draws its weights from
``init_seed + k``: column 1's seed 3 and column 2's seed 3 start from the same random stream.

Also here: the URL codec of a comparison (``to_query``/``from_query``) and the per-column
summaries the page draws (median and band over seeds, final figures, status). No Streamlit.
"""

from __future__ import annotations

import re
import threading
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core import initializers, limits, network, settings
from core.live import TickedRun
from core.telemetry import FIELDS, STEP_FIELDS
from core.trainer import PER_MEMBER, Trainer

MIN_COLUMNS, MAX_COLUMNS = 2, 6
MAX_SEEDS = 32
MAX_RECORDS = 600  # per Trainer: enough points for curves, bounded memory for many members
BANDS = {"minmax": "min to max", "iqr": "inter-quartile range"}
# The classroom's four, then two more for a fifth and sixth column.
DEFAULT_COLUMNS = (
    {"init": "zeros", "init_params": {}},
    {"init": "random_normal", "init_params": {"stddev": 0.05}},
    {"init": "glorot_uniform", "init_params": {}},
    {"init": "he_normal", "init_params": {}},
    {"init": "lecun_normal", "init_params": {}},
    {"init": "orthogonal", "init_params": {}},
)
DEFAULT_N_COLUMNS = 4
DEFAULT_SEEDS = 4
# What a column may set for itself. Data, batches, dropout and seeds stay shared: that is
# what makes the comparison fair.
COLUMN_SETTINGS = ("init", "init_scale", "activation", "depth", "width", "lr", "optimizer",
                   "momentum", "l2", "bias_init")
PAGE_KEYS = ("cols", "seeds", "band")


# ---------------------------------------------------------------- columns and their labels


def default_column(index: int) -> dict:
    """Column ``index`` (0-based) as it starts: its initializer and parameters."""
    col = DEFAULT_COLUMNS[index % len(DEFAULT_COLUMNS)]
    return {"init": col["init"], "init_params": dict(col["init_params"])}


def column_config(shared: dict, column: dict) -> dict:
    """The full, validated configuration of one column: shared settings, then its own."""
    return settings.validate({**shared, **column})


def label(column_cfg: dict, shared: dict) -> str:
    """A short name: the initializer with its non-default parameters, then what else differs."""
    defaults = initializers.spec(column_cfg["init"]).defaults
    params = ", ".join(f"{k}={_short(v)}" for k, v in column_cfg["init_params"].items()
                       if v != defaults[k] or k in _ALWAYS_SHOWN)
    parts = [column_cfg["init"] + (f"({params})" if params else "")]
    for key in COLUMN_SETTINGS[1:]:
        if column_cfg[key] != shared[key]:
            parts.append(f"{key.replace('_', ' ')} {_short(column_cfg[key])}")
    return " · ".join(parts)


_ALWAYS_SHOWN = ("stddev", "value", "gain")  # the parameter a reader asks about first


def _short(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _hashable(value):
    if isinstance(value, dict):
        return tuple(sorted((str(k), _hashable(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    return value


def stack_key(cfg: dict) -> tuple:
    """Columns with equal keys can share one stacked Trainer (core.trainer.PER_MEMBER)."""
    shared = tuple((k, _hashable(cfg[k])) for k in sorted(cfg) if k not in PER_MEMBER)
    return shared + (("lsuv", tuple(network.uses_lsuv(cfg, cfg["depth"]))),)


def group_columns(configs: list[dict]) -> list[list[int]]:
    """Indices of the columns, grouped by stack_key, in order of first appearance."""
    groups: dict[tuple, list[int]] = {}
    for i, cfg in enumerate(configs):
        groups.setdefault(stack_key(cfg), []).append(i)
    return list(groups.values())


def seed_member(cfg: dict, k: int) -> dict:
    """Member overrides of seed k of a column: its per-member settings, init_seed + k."""
    member = {key: cfg[key] for key in PER_MEMBER}
    member["init_seed"] = (cfg["init_seed"] + k) % (settings.MAX_SEED + 1)
    return member


def check_seeds(seeds) -> int:
    if isinstance(seeds, bool) or not isinstance(seeds, int | np.integer) or not (
            1 <= seeds <= MAX_SEEDS):
        raise ValueError(f"seeds: {seeds!r} is not allowed; allowed: a whole number from 1 "
                         f"to {MAX_SEEDS}")
    return int(seeds)


def check_columns(columns) -> list[dict]:
    if not MIN_COLUMNS <= len(columns) <= MAX_COLUMNS:
        raise ValueError(f"columns: {len(columns)} is not allowed; allowed: "
                         f"{MIN_COLUMNS} to {MAX_COLUMNS}")
    return list(columns)


def check_limits(configs: list[dict], seeds: int, lim: limits.Limits | None = None):
    """Each network within the server's caps, and one step of all of them within the cap on
    work per step (they are stepped together)."""
    lim = lim or limits.LIMITS
    for cfg in configs:
        limits.check(cfg, limits=lim)
    total = sum(limits.step_work(cfg, seeds) for cfg in configs)
    if total > lim.max_step_work:
        raise limits.LimitError(
            f"work per step of {len(configs)} columns × {seeds} seeds: {total:,} multiply-adds "
            f"is over this server's cap of {lim.max_step_work:,} (set by "
            f"{limits.SPEC['max_step_work'][0]}); use fewer seeds or columns, a smaller "
            "network, batch or data set")


# ---------------------------------------------------------------- training in lockstep


@dataclass(frozen=True)
class Place:
    trainer: int  # index into Lockstep.trainers
    members: slice  # the column's seeds within that trainer


class Lockstep(TickedRun):
    """The columns' Trainers, stepped together; the page holds one per session."""

    records_per_tick = 10  # each record is a point on every column's median curve

    def __init__(self, shared: dict, columns: list[dict], seeds: int = 1,
                 max_records: int = MAX_RECORDS):
        self.shared = settings.validate(shared)
        self.columns = check_columns(columns)
        self.seeds = check_seeds(seeds)
        self.configs = [column_config(self.shared, c) for c in self.columns]
        check_limits(self.configs, self.seeds)
        self.labels = [label(cfg, self.shared) for cfg in self.configs]
        self.max_records = max_records
        self.lock = threading.Lock()
        self._build()

    def _build(self):
        self.trainers, self.places = [], [None] * len(self.configs)
        for cols in group_columns(self.configs):
            members = []
            for c in cols:
                start = len(members)
                members += [seed_member(self.configs[c], k) for k in range(self.seeds)]
                self.places[c] = Place(len(self.trainers), slice(start, len(members)))
            base = {**self.configs[cols[0]], "record_every": 1}
            self.trainers.append(Trainer(base, members, max_records=self.max_records))
        self._rebuilt()

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

    def run(self, n_steps: int):
        for t in self.trainers:
            t.run(n_steps)
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
        f = STEP_FIELDS.index(field)
        return np.array([record.metrics[i][place.members, f] for i in idx]).reshape(
            len(idx), self.seeds)

    def _layer_field(self, column, field, idx):
        """(S, K, L) values of a per-layer field."""
        place, record = self.places[column], self.trainer_of(column).record
        f = FIELDS.index(field)
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
            values = _quiet(np.nanmedian, self._layer_field(c, field, idx), axis=1)  # (S, L)
            S, L = values.shape
            rows.append(pd.DataFrame({
                "column": c, "label": self.labels[c], "step": np.repeat(steps, L),
                "layer": np.tile(np.arange(1, L + 1), S), "value": values.ravel(),
                "depth": self.configs[c]["depth"], "width": self.configs[c]["width"]}))
        return pd.concat(rows, ignore_index=True)

    def latest(self, column: int):
        """(layers (K, L, F), metrics (K, 4)) of the column's newest record."""
        place, record = self.places[column], self.trainer_of(column).record
        return record.layers[-1][place.members], record.metrics[-1][place.members]

    def status(self, column: int) -> dict:
        """How the column's seeds are doing: diverged, symmetric (a hidden layer whose units
        are all identical: distinct_units == 1 with width > 1), and the rest."""
        place, cfg = self.places[column], self.configs[column]
        trainer = self.trainers[place.trainer]
        where = trainer.diverged_at[place.members]
        lay, _ = self.latest(column)
        distinct = lay[:, :-1, FIELDS.index("distinct_units")]  # (K, depth)
        symmetric = 0
        if cfg["width"] > 1 and cfg["depth"] > 0:
            symmetric = int(np.sum(np.any(distinct == 1, axis=1)))
        return {"step": trainer.step, "seeds": self.seeds,
                "diverged": sum(w is not None for w in where),
                "diverged_at": [w for w in where if w is not None],
                "symmetric": symmetric}

    def hidden_grad_norms(self, column: int) -> np.ndarray:
        """Newest ‖∂L/∂W‖ of each hidden layer, the largest over the column's seeds."""
        lay, _ = self.latest(column)
        values = lay[:, :-1, FIELDS.index("grad_norm")]
        if values.shape[1] == 0:
            return np.empty(0)
        return _quiet(np.nanmax, values, axis=0)

    def final_losses(self) -> pd.DataFrame:
        """One row per column and seed: the newest train and test loss (NaN once diverged)."""
        rows = []
        for c in range(len(self.configs)):
            _, met = self.latest(c)
            rows.append(pd.DataFrame({
                "column": c, "label": self.labels[c], "seed": np.arange(self.seeds),
                "init_seed": [seed_member(self.configs[c], k)["init_seed"]
                              for k in range(self.seeds)],
                "train_loss": met[:, 0], "test_loss": met[:, 1],
                "train_acc": met[:, 2], "test_acc": met[:, 3]}))
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
            distinct = lay[:, :-1, FIELDS.index("distinct_units")]
            rows.append({
                "configuration": self.labels[c],
                "step": s["step"],
                "train loss": _quiet(np.nanmedian, f["train_loss"].to_numpy()),
                "test loss": _quiet(np.nanmedian, f["test_loss"].to_numpy()),
                "test accuracy": _quiet(np.nanmedian, f["test_acc"].to_numpy()),
                "layer 1 ‖∂L/∂W‖": grads[0] if len(grads) else np.nan,
                "fewest distinct units": (_quiet(np.nanmin, distinct)
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


def _quiet(fn, *args, **kwargs):
    # All-NaN slices (every seed diverged) give NaN, which is what the figures should show.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(*args, **kwargs)


def spread(values: np.ndarray, band: str = "minmax"):
    """(median, lo, hi) over the seeds (axis 1) of (S, K) values; NaN (diverged) skipped."""
    if band not in BANDS:
        raise ValueError(f"band: {band!r} is not valid; allowed: {', '.join(BANDS)}")
    median = _quiet(np.nanmedian, values, axis=1)
    if band == "iqr":
        lo, hi = _quiet(np.nanpercentile, values, [25, 75], axis=1)
    else:
        lo, hi = _quiet(np.nanmin, values, axis=1), _quiet(np.nanmax, values, axis=1)
    return median, lo, hi


# ---------------------------------------------------------------- the URL query string
# Shared settings as on Explore (core.settings.to_query); per column ``cN.init=NAME``,
# ``cN.init.KEY=VALUE`` and ``cN.SETTING=VALUE`` for what differs from the shared settings;
# ``cols`` (2-6), ``seeds`` (1-32) and ``band`` (minmax or iqr).

_COLUMN_KEY = re.compile(r"^c(\d+)\.(.+)$")


def _text(value) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def to_query(shared: dict, columns: list[dict], seeds: int, band: str = "minmax") -> dict:
    shared = settings.validate(shared)
    query = {k: v for k, v in settings.to_query(shared).items()
             if k.split(".")[0] not in ("init", "layer_init")}
    query["cols"] = str(len(columns))
    for i, column in enumerate(columns, 1):
        cfg = column_config(shared, column)
        query[f"c{i}.init"] = cfg["init"]
        defaults = initializers.spec(cfg["init"]).defaults
        for key, value in cfg["init_params"].items():
            if value != defaults[key]:
                query[f"c{i}.init.{key}"] = _text(value)
        for key in COLUMN_SETTINGS[1:]:
            if cfg[key] != shared[key]:
                query[f"c{i}.{key}"] = _text(cfg[key])
    if seeds != DEFAULT_SEEDS:
        query["seeds"] = str(seeds)
    if band != "minmax":
        query["band"] = band
    return query


@dataclass
class Parsed:
    shared: dict
    columns: list[dict]
    seeds: int
    band: str
    errors: list[str]


def from_query(query: dict) -> Parsed:
    """A comparison from a URL; every bad entry is named in ``errors`` and left at its
    default, so a mangled link still opens a working page."""
    errors: list[str] = []
    shared_query, by_column = {}, {}
    for key, text in query.items():
        text = text if isinstance(text, str) else str(text)
        found = _COLUMN_KEY.match(key)
        if found:
            by_column.setdefault(int(found.group(1)), {})[found.group(2)] = text
        elif key in PAGE_KEYS:
            continue
        elif key.split(".")[0] in ("init", "layer_init"):
            errors.append(f"URL parameter {key!r} is set per column on this page "
                          "(c1.init=NAME, c1.init.KEY=VALUE) and was ignored")
        else:
            shared_query[key] = text
    shared, shared_errors = settings.from_query(shared_query)
    errors += shared_errors
    n = _n_columns(query, by_column, errors)
    for index in sorted(by_column):
        if not 1 <= index <= n:
            errors.append(f"URL parameters c{index}.* name column {index}, which does not "
                          f"exist; allowed: columns 1 to {n} (cols={n})")
    columns = []
    for i in range(n):
        column = _column_from_query(i, by_column.get(i + 1, {}), errors)
        try:
            column_config(shared, column)
        except ValueError as err:
            errors.append(f"column {i + 1}: {err}; that column was reset to its default")
            column = default_column(i)
        columns.append(column)
    seeds = settings.query_whole(query, "seeds", 1, MAX_SEEDS, DEFAULT_SEEDS, errors)
    band = query.get("band", "minmax")
    if band not in BANDS:
        errors.append(f"band: {band!r} is not valid; allowed: {', '.join(BANDS)}")
        band = "minmax"
    try:
        check_limits([column_config(shared, c) for c in columns], seeds)
    except ValueError as err:
        errors.append(f"{err}; seeds set to 1")
        seeds = 1
    return Parsed(shared, columns, seeds, band, errors)


def _n_columns(query, by_column, errors):
    named = [i for i in by_column if 1 <= i <= MAX_COLUMNS]
    fallback = max(MIN_COLUMNS, max(named)) if named else DEFAULT_N_COLUMNS
    return settings.query_whole(query, "cols", MIN_COLUMNS, MAX_COLUMNS, fallback, errors)


def _column_from_query(i, entries, errors):
    column = default_column(i)
    where = f"c{i + 1}"
    if "init" in entries:
        try:
            column = {"init": settings.check("init", entries["init"]), "init_params": {}}
        except ValueError as err:
            errors.append(f"column {i + 1}, {err}")
    for key, text in entries.items():
        if key == "init":
            continue
        if key.startswith("init."):
            param = {key.split(".", 1)[1]: settings.parse_param(f"x={text}")[1]}
            try:
                initializers.check_params(column["init"], param)
                column["init_params"] = {**column["init_params"], **param}
            except ValueError as err:
                errors.append(f"column {i + 1}, {err}")
        elif key in COLUMN_SETTINGS:
            try:
                column[key] = settings.parse(key, text)
            except ValueError as err:
                errors.append(f"column {i + 1}, {err}")
        else:
            errors.append(f"URL parameter {where}.{key} is unknown and was ignored; a column "
                          f"may set: init, init.KEY, {', '.join(COLUMN_SETTINGS[1:])}")
    return column
