"""The URL's query string, for every page: one codec, so that a copied address reproduces
the view it was copied from.

A run's settings go by their own names (``depth=5``), an initializer's parameters as
``init.KEY`` and ``bias_init.KEY``, per-layer overrides as ``layer_init=L:NAME;L:NAME`` with
their parameters as ``layer_init.L.KEY``. Only what differs from a page's starting point is
written. Reading is forgiving: every bad entry is named in the messages and left at its
starting value, so a mangled link still opens a working page.

Explore adds ``lesson`` and ``panels``; Compare writes its shared settings as above and each
column's own as ``cN.SETTING`` (``cols``, ``seeds``, ``band``); Sweep starts from a
``preset`` and adds its axes (``x=depth&xv=5,10,20``), ``seeds``, ``steps`` and ``trained``.
Class carries ``class=CODE`` (a student's join link) and, in the lecturer's own address only,
``key=KEY``: each checked for shape (classroom.codes) before anything asks the store.
Any page may carry ``present=1``, the presenter view, which is the session's (ui/view.py):
the readers here only check it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from classroom import codes
from core import compare, config, initializers, sweep
from core.config import SETTINGS, RunConfig
from ui import panels
from ui.catalogue import LESSONS

_GROUPS = {"init": "init_params", "bias_init": "bias_init_params"}
_SCALARS = [name for name, s in SETTINGS.items() if s.scalar]


def _text(value) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def _value(text: str):
    """A parameter's value: a number when it reads as one, else the text."""
    return config.parse_param(f"x={text}")[1]


# ---------------------------------------------------------------- a run's settings


def encode_run(cfg: RunConfig, base: RunConfig = config.DEFAULT, prefix: str = "",
               always: tuple = ()) -> dict[str, str]:
    """``cfg`` as query entries: what differs from ``base`` (and the settings in ``always``)."""
    query = {}
    for name in _SCALARS:
        value = getattr(cfg, name)
        if value != getattr(base, name) or name in always:
            query[prefix + name] = _text(value)
    query.pop(prefix + "loss", None)
    if cfg.loss != _unwritten_loss(cfg, base):
        query[prefix + "loss"] = cfg.loss
    for name, group in _GROUPS.items():
        init, params = getattr(cfg, name), getattr(cfg, group)
        if init != getattr(base, name) or params != getattr(base, group):
            query[prefix + name] = init  # read back, it starts from init's own defaults
            defaults = initializers.spec(init).defaults if params else {}
            query.update({f"{prefix}{name}.{k}": _text(v) for k, v in params.items()
                          if v != defaults[k]})
    if cfg.layer_inits != base.layer_inits:
        query[prefix + "layer_init"] = ";".join(f"{k}:{n}" for k, (n, _) in
                                                cfg.layer_inits.items())
        for layer, (name, params) in cfg.layer_inits.items():
            defaults = initializers.spec(name).defaults
            query.update({f"{prefix}layer_init.{layer}.{k}": _text(v)
                          for k, v in params.items() if v != defaults[k]})
    return query


def _unwritten_loss(cfg: RunConfig, base: RunConfig) -> str:
    """The loss ``decode_run`` gives ``cfg`` when its address names none."""
    if base.loss == config.auto_loss(base.dataset):
        return config.auto_loss(cfg.dataset)
    return base.loss


def decode_run(query: Mapping[str, str], base: RunConfig = config.DEFAULT,
               allowed: tuple | None = None) -> tuple[RunConfig, list[str]]:
    """(configuration, messages) from query entries read on top of ``base``. ``allowed``
    limits the settings the entries may set; every other key is named as unknown."""
    errors: list[str] = []
    changes: dict = {}

    def attempt(fn, where=""):
        try:
            fn()
        except ValueError as err:
            errors.append(f"{where}{err}")

    for key, text in query.items():
        top = key.split(".")[0]
        if allowed is not None and top not in allowed:
            errors.append(f"URL parameter {key!r} is unknown and was ignored; allowed here: "
                          f"{', '.join(allowed)}")
        elif key in _SCALARS:
            attempt(lambda k=key, t=text: changes.__setitem__(k, config.parse(k, t)))
        elif top not in _GROUPS and top != "layer_init":
            errors.append(f"URL parameter {key!r} is unknown and was ignored")
    if "loss" not in changes and base.loss == config.auto_loss(base.dataset):
        changes["loss"] = "auto"  # the base's loss was its data's: so is the new one's
    for name, group in _GROUPS.items():
        init = changes.get(name, getattr(base, name))
        given = {k.split(".", 1)[1]: _value(t) for k, t in query.items()
                 if k.startswith(name + ".")}
        if name not in changes and not given:
            continue
        params = {} if name in changes else dict(getattr(base, group))
        for key, value in given.items():
            try:
                if init == "auto":
                    raise ValueError(f"{name} auto has no parameters: {key!r} was ignored")
                initializers.check_params(init, {key: value})
                params[key] = value
            except ValueError as err:
                errors.append(str(err))
        changes[group] = params
    if "layer_init" in query:
        changes["layer_inits"] = _layer_inits(query, changes.get("depth", base.depth), attempt)
    try:
        return base.replace(**changes), errors
    except ValueError as err:  # a combination no single entry shows (e.g. bce on regression)
        return base, [*errors, f"{err}; those settings were left as they were"]


def _layer_inits(query, depth, attempt) -> dict:
    out: dict = {}
    for entry in filter(None, query["layer_init"].split(";")):
        layer, _, name = entry.partition(":")
        params = {k.rsplit(".", 1)[1]: _value(t) for k, t in query.items()
                  if k.startswith(f"layer_init.{layer}.")}

        def add(layer=layer, name=name, params=params):
            checked = config.validate(depth=depth, layer_inits={layer: (name, params)})
            out.update(checked.layer_inits)

        attempt(add)
    return out


def whole(query, key, lo, hi, default, errors):
    """A page's own whole-number entry (not a setting): out of range or garbage is
    reported in ``errors`` and ``default`` used instead."""
    if key not in query:
        return default
    text = str(query[key])
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not lo <= value <= hi:
        errors.append(f"{key}: {text!r} is not allowed; allowed: a whole number from {lo} to "
                      f"{hi}; using {default}")
        return default
    return value


def _choice(query, key, choices, default, errors):
    text = query.get(key, default)
    if text not in choices:
        errors.append(f"{key}: {text!r} is not valid; allowed: {', '.join(choices)}; using "
                      f"{default}")
        return default
    return text


def _strings(query) -> dict[str, str]:
    """The entries as text."""
    query = {k: v if isinstance(v, str) else str(v) for k, v in query.items()}
    return query


def _view_errors(query) -> list[str]:
    """``present`` is read by ui/view.py; here it is only checked, and taken out."""
    text = query.pop("present", "0")
    return [] if text in ("0", "1") else [f"present: {text!r} is not valid; allowed: 0 or 1"]


# ---------------------------------------------------------------- Explore

def default_panels(lesson_key: str | None) -> tuple[str, ...]:
    """The panels an address without ``panels=`` shows: the usual ones (ui/panels/), and
    the instruments its lesson opens."""
    extra = LESSONS[lesson_key].panels if lesson_key else ()
    return tuple(p for p in panels.NAMES if p in panels.DEFAULT or p in extra)


@dataclass(frozen=True)
class ExploreLink:
    """What an Explore address says: the run, the lesson open and the panels shown."""

    config: RunConfig = config.DEFAULT
    lesson: str | None = None
    panels: tuple[str, ...] | None = None  # None: the usual ones and the lesson's own
    ask: bool = False  # the lesson's question first: predict, then run (core/questions.py)

    def __post_init__(self):
        if self.panels is None:
            object.__setattr__(self, "panels", default_panels(self.lesson))


def explore(query: Mapping) -> tuple[ExploreLink, list[str]]:
    query = _strings(query)
    errors = _view_errors(query)
    lesson_key = query.pop("lesson", None)
    if lesson_key is not None and lesson_key not in LESSONS:
        named = lesson_key if len(lesson_key) <= 40 else lesson_key[:40] + "…"
        errors.append(f"URL parameter lesson={named!r} is not a lesson; the lessons are "
                      + ", ".join(LESSONS.keys()))
        lesson_key = None
    shown = default_panels(lesson_key)
    if "panels" in query:
        named = [p for p in query.pop("panels").split(",") if p]
        unknown = [p for p in named if p not in panels.NAMES]
        if unknown:
            errors.append(f"panels: {', '.join(map(repr, unknown))} unknown; allowed: "
                          f"{', '.join(panels.NAMES)}")
        shown = tuple(p for p in panels.NAMES if p in named)
    ask = query.pop("ask", "0")
    if ask not in ("0", "1"):
        errors.append(f"ask: {ask[:40]!r} is not valid; allowed: 0 or 1 (1: the lesson's "
                      "question before Play)")
    elif ask == "1" and not lesson_key:
        errors.append("ask=1 asks a lesson's question, and the link opens no lesson")
    elif ask == "1" and LESSONS[lesson_key].question is None:
        errors.append(f"ask=1 asks a lesson's question, and lesson {lesson_key} has none")
    # A lesson's link starts from the lesson's network: a bare ?lesson=key (typed, or a
    # teacher's short link) opens it as the Lessons page does; other entries change it.
    base = LESSONS[lesson_key].config if lesson_key else config.DEFAULT
    cfg, run_errors = decode_run(query, base)
    asking = ask == "1" and bool(lesson_key) and LESSONS[lesson_key].question is not None
    return ExploreLink(cfg, lesson_key, shown, asking), (
        errors + run_errors)


def explore_query(link: ExploreLink) -> dict[str, str]:
    query = {}
    if link.lesson:
        query["lesson"] = link.lesson
    query.update(encode_run(link.config, LESSONS[link.lesson].config if link.lesson
                            else config.DEFAULT))
    if link.panels != default_panels(link.lesson):
        query["panels"] = ",".join(link.panels)
    if link.ask:
        query["ask"] = "1"
    return query


# ---------------------------------------------------------------- Compare

_COLUMN_KEY = re.compile(r"^c(\d+)\.(.+)$")
COMPARE_KEYS = ("cols", "seeds", "band")


@dataclass(frozen=True)
class CompareLink:
    comparison: compare.Comparison = field(default_factory=lambda: compare.Comparison(
        config.DEFAULT, [compare.default_column(i, config.DEFAULT)
                         for i in range(compare.DEFAULT_N_COLUMNS)]))
    band: str = "minmax"


def comparison(query: Mapping) -> tuple[CompareLink, list[str]]:
    query = _strings(query)
    errors = _view_errors(query)
    shared_query, by_column = {}, {}
    for key, text in query.items():
        found = _COLUMN_KEY.match(key)
        if found:
            by_column.setdefault(int(found.group(1)), {})[found.group(2)] = text
        elif key in COMPARE_KEYS:
            continue
        elif key.split(".")[0] in ("init", "layer_init"):
            errors.append(f"URL parameter {key!r} is set per column on this page "
                          "(c1.init=NAME, c1.init.KEY=VALUE) and was ignored")
        else:
            shared_query[key] = text
    shared, shared_errors = decode_run(shared_query)
    errors += shared_errors
    named = [i for i in by_column if 1 <= i <= compare.MAX_COLUMNS]
    n = whole(query, "cols", compare.MIN_COLUMNS, compare.MAX_COLUMNS,
              max(compare.MIN_COLUMNS, max(named)) if named else compare.DEFAULT_N_COLUMNS,
              errors)
    for index in sorted(by_column):
        if not 1 <= index <= n:
            errors.append(f"URL parameters c{index}.* name column {index}, which does not "
                          f"exist; allowed: columns 1 to {n} (cols={n})")
    columns = []
    for i in range(n):
        start = compare.default_column(i, shared)
        column, column_errors = decode_run(by_column.get(i + 1, {}), start,
                                           allowed=compare.COLUMN_SETTINGS)
        errors += [f"column {i + 1}, {e}" for e in column_errors]
        columns.append(column)
    seeds = whole(query, "seeds", 1, compare.MAX_SEEDS, compare.DEFAULT_SEEDS, errors)
    band = _choice(query, "band", tuple(compare.BANDS), "minmax", errors)
    return CompareLink(compare.Comparison(shared, columns, seeds), band), errors


def compare_query(link: CompareLink) -> dict[str, str]:
    c = link.comparison
    query = {k: v for k, v in encode_run(c.shared).items()
             if k.split(".")[0] not in ("init", "layer_init")}
    query["cols"] = str(len(c.columns))
    for i, column in enumerate(c.columns, 1):
        query.update(encode_run(column, c.shared, prefix=f"c{i}.", always=("init",)))
    if c.seeds != compare.DEFAULT_SEEDS:
        query["seeds"] = str(c.seeds)
    if link.band != "minmax":
        query["band"] = link.band
    return query


# ---------------------------------------------------------------- Sweep

SWEEP_KEYS = ("preset", "x", "xv", "y", "yv", "seeds", "steps", "trained")


@dataclass(frozen=True)
class SweepLink:
    spec: sweep.Spec = field(default_factory=lambda: sweep.PRESETS[sweep.DEFAULT_PRESET].spec())
    threshold: float = sweep.DEFAULT_THRESHOLD
    preset: str = sweep.DEFAULT_PRESET


def sweep_link(query: Mapping) -> tuple[SweepLink, list[str]]:
    query = _strings(query)
    errors = _view_errors(query)
    preset = _choice(query, "preset", tuple(sweep.PRESETS), sweep.DEFAULT_PRESET, errors)
    start = sweep.PRESETS[preset].spec()
    base, base_errors = decode_run({k: v for k, v in query.items() if k not in SWEEP_KEYS},
                                   start.base)
    errors += base_errors
    x = _axis(query, "x", start.x, errors)
    y = _axis(query, "y", start.y, errors)
    if x.name == y.name:
        errors.append(f"axes: x and y are both {x.name}; the preset's axes were used")
        x, y = start.x, start.y
    seeds = whole(query, "seeds", 1, compare.MAX_SEEDS, start.seeds, errors)
    steps = whole(query, "steps", sweep.MIN_STEPS, sweep.MAX_STEPS, start.steps, errors)
    threshold = sweep.DEFAULT_THRESHOLD
    if "trained" in query:
        try:
            threshold = sweep.check_threshold(float(query["trained"]))
        except ValueError:
            lo, hi = sweep.THRESHOLD_RANGE
            errors.append(f"trained: {query['trained']!r} is not allowed; allowed: a number "
                          f"from {lo:g} to {hi:g}; using {sweep.DEFAULT_THRESHOLD:g}")
    spec = sweep.Spec(base, x, y, seeds, steps)
    return SweepLink(spec, threshold, preset), errors


def _axis(query, which, default, errors):
    name = query.get(which, default.name)
    text = query.get(which + "v")
    if name == default.name and text is None:
        return default
    try:
        if text is None:
            raise ValueError(f"{which}v: the values of axis {which} are missing")
        return sweep.parse_axis(name, text)
    except ValueError as err:
        errors.append(f"axis {which}: {err}; the preset's axis was used")
        return default


def sweep_query(link: SweepLink) -> dict[str, str]:
    spec = link.spec
    query = {"preset": link.preset}
    query.update(encode_run(spec.base, sweep.PRESETS[link.preset].base))
    query.update(x=spec.x.name, xv=sweep.axis_text(spec.x), y=spec.y.name,
                 yv=sweep.axis_text(spec.y), seeds=str(spec.seeds), steps=str(spec.steps),
                 trained=_text(float(link.threshold)))
    return query


# ---------------------------------------------------------------- Class

CLASS_KEYS = ("class", "key")


@dataclass(frozen=True)
class ClassLink:
    """What a Class address says: the class's code, and the lecturer's key when it is the
    lecturer's own address. ``keyed``: the address named a key, even one of the wrong shape
    (a lecturer's link cut short must not seat its lecturer as a student)."""

    code: str | None = None
    key: str | None = None
    keyed: bool = False

    @property
    def lecturer(self) -> bool:
        return self.code is not None and self.key is not None


def class_link(query: Mapping) -> tuple[ClassLink, list[str]]:
    """The Class address, every entry checked for shape; a bad code or key is named (the
    key never quoted) and left out."""
    query = _strings(query)
    errors = _view_errors(query)
    code = key = None
    if "class" in query:
        try:
            code = codes.parse_code(query.pop("class"))
        except codes.BadShape as err:
            errors.append(str(err))
    keyed = "key" in query
    if keyed:
        try:
            key = codes.parse_key(query.pop("key"))
        except codes.BadShape as err:
            errors.append(str(err))
        if key is not None and code is None:
            errors.append("key: a lecturer's key goes with its class's code (class=CODE); "
                          "it was ignored")
            key = None
    for name in query:
        errors.append(f"URL parameter {name[:40]!r} is unknown and was ignored; allowed "
                      f"here: {', '.join(CLASS_KEYS)}")
    return ClassLink(code, key, keyed), errors


def class_query(link: ClassLink) -> dict[str, str]:
    query = {}
    if link.code:
        query["class"] = link.code
        if link.key:
            query["key"] = link.key
    return query
