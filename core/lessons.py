"""Guided lessons: each one file of lessons/ (TOML), and a lecturer's own beside them.

A lesson file holds the network to load (``[network]``: settings by their names), a title
and what the run finds, a text and what to look for, which may quote named facts of the
lesson's own run (``{error_ratio:.0e}``, from core/facts.py's list, so words and screen
agree), the panels it opens and watches, its live check (core/checks.py's list), optionally
its predict-then-run question (``[question]``, core/questions.py's answers) and the
initializers it compares (``[compare]``). README "Write your own lesson" shows a whole file.

Files are read once, where they enter (``load``): a file that breaks a rule is refused with
a message naming the file, the field and what is allowed, and the others load. No file is
read elsewhere, and a Lesson, once made, is frozen.
"""

from __future__ import annotations

import functools
import string
import tomllib
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core import checks, config, facts, initializers
from core.config import RunConfig
from core.questions import ANSWERS, Question
from core.trainer import Trainer

BUILTIN = Path(__file__).resolve().parents[1] / "lessons"
VIEW = {"flow_field": ("grad_norm", "backprop_std", "update_ratio"), "speed": (1, 200)}
MAX_COMPARED = 6  # Compare's columns


@dataclass(frozen=True)
class Compared:
    """The initializers a lesson sets side by side, for "Open in Compare": the lesson's
    network in every column, each with its own initializer."""

    inits: tuple[tuple[str, tuple], ...]  # (initializer, its parameters as sorted items)
    seeds: int = 8  # asked for; the page takes as many as the server's cap allows


@dataclass(frozen=True)
class Lesson:
    key: str
    title: str  # what it is about, never its outcome (shown before a question is answered)
    config: RunConfig
    text: str  # with {fact:format} fields filled from the lesson's own run
    look_for: str
    check: str  # a name in core.checks.CHECKS
    finding: str = ""  # the outcome, added to the title once nothing is left to predict
    watch: tuple[str, ...] = ()  # the panels to watch (Explore's panel names)
    panels: tuple[str, ...] = ()  # Explore's panels it opens beyond the usual ones
    view: tuple = ()  # Explore's settings it opens with, as items: flow_field, speed
    min_depth: int = 1  # hidden layers the claim is about: fewer, and there is nothing to see
    min_width: int = 1  # units per layer (symmetry needs two units to be copies of each other)
    question: Question | None = None
    compared: Compared | None = None
    order: float = 1e9  # its place on the Lessons page
    source: str = ""  # the file it came from

    def heading(self, asking: bool = False) -> str:
        """The title, with the finding unless a question about it is still open."""
        return self.title if asking or not self.finding else f"{self.title}: {self.finding}"

    def told(self) -> tuple[str, str]:
        """(text, look for) with the numbers of the lesson's own run, worked out once."""
        key = self.told_key
        if key not in _TOLD:
            _TOLD[key] = work_out_told(key)
        return _TOLD[key]

    @property
    def told_key(self) -> tuple[RunConfig, str, str]:
        """What the lesson's text depends on: work_out_told's argument."""
        return (self.config, self.text, self.look_for)

    def checked(self, trainer) -> tuple[str, str]:
        """The live check of ``trainer``'s run: (state, message). A network the lesson's
        claim cannot be seen on (too shallow, too narrow) is said to be so."""
        cfg = trainer.config
        if cfg.depth < self.min_depth or (cfg.depth and cfg.width < self.min_width):
            need = (f"at least {self.min_depth} hidden layer{'s' if self.min_depth > 1 else ''}"
                    if cfg.depth < self.min_depth else f"at least {self.min_width} units per layer")
            return "no", (f"this lesson is about a network with {need}; this one has "
                          f"{cfg.depth} × {cfg.width}. Open the lesson again for its own "
                          f"network ({self.config.depth} × {self.config.width}).")
        with np.errstate(all="ignore"):
            return checks.CHECKS[self.check].fn(trainer)

    def compare_configs(self) -> list[RunConfig]:
        """The columns "Open in Compare" trains: the lesson's network, each initializer."""
        if self.compared is None:
            return []
        return [self.config.replace(init=name, init_params=dict(params), layer_inits={})
                for name, params in self.compared.inits]


def _fields(text: str) -> list[tuple[str, str]]:
    """(name, format spec) of each {field} of a text."""
    return [(name, spec or "") for _, name, spec, _ in string.Formatter().parse(text)
            if name is not None]


# Each lesson's (text, look for) by told_key: worked out when first told, or ahead (warm),
# possibly in another process.
_TOLD: dict[tuple, tuple[str, str]] = {}


def work_out_told(key: tuple[RunConfig, str, str]) -> tuple[str, str]:
    """A lesson's (text, look for) from its told_key, with the numbers of its run."""
    cfg, text, look_for = key
    names = {name for name, _ in _fields(text) + _fields(look_for)}
    values = facts.quote(sorted(names), Trainer(cfg)) if names else {}
    return text.format(**values), look_for.format(**values)


# ---------------------------------------------------------------- reading a file


class Refused(ValueError):
    """A lesson file that breaks a rule: the message names the file, the field and what
    is allowed."""


_FIELDS = {"key", "order", "title", "finding", "text", "look_for", "check", "watch", "panels",
           "min_depth", "min_width", "network", "view", "question", "compare"}
_REQUIRED = ("title", "text", "look_for", "check", "network")
_QUESTION_FIELDS = {"prompt", "choices", "answer", "ready_at", "evidence", "shown_before"}
_COMPARE_FIELDS = {"inits", "seeds"}


def load(path: Path, panel_names: Collection[str] | None = None) -> Lesson:
    """The lesson of one TOML file, checked; raises Refused. ``panel_names``: the panels a
    lesson may name (Explore's), unchecked when None."""
    where = path.name

    def refuse(name, what):
        raise Refused(f"{where}: {name}: {what}")

    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise Refused(f"{where}: not a readable TOML file ({err})") from None
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        refuse(unknown[0], f"is not a lesson field; allowed: {', '.join(sorted(_FIELDS))}")
    for name in _REQUIRED:
        if name not in raw:
            refuse(name, "is missing; a lesson needs " + ", ".join(_REQUIRED))
    key = _text(raw.get("key", path.stem), "key", refuse)
    if not key.replace("_", "").isalnum() or not key.isascii() or len(key) > 40:
        refuse("key", f"{key!r} is not allowed; allowed: up to 40 letters, digits and _")
    strings = {name: _text(raw.get(name, ""), name, refuse)
               for name in ("title", "finding", "text", "look_for")}
    for name in ("text", "look_for"):
        _check_facts(strings[name], name, refuse)
    if raw["check"] not in checks.CHECKS:
        refuse("check", f"{raw['check']!r} is not a check; allowed: {', '.join(checks.CHECKS)}")
    if not isinstance(raw["network"], dict):
        refuse("network", "must be a table of settings ([network])")
    try:
        cfg = config.validate(raw["network"])
    except ValueError as err:
        refuse("network", str(err))
    panels = {name: _panels(raw.get(name, []), name, panel_names, refuse)
              for name in ("watch", "panels")}
    view = _view(raw.get("view", {}), refuse)
    whole = {name: _whole(raw.get(name, 1), name, 0, 64, refuse)
             for name in ("min_depth", "min_width")}
    order = raw.get("order", 1e9)
    if isinstance(order, bool) or not isinstance(order, int | float):
        refuse("order", f"{order!r} is not a number")
    return Lesson(key, strings["title"], cfg, strings["text"], strings["look_for"],
                  raw["check"], strings["finding"], panels["watch"], panels["panels"], view,
                  whole["min_depth"], whole["min_width"],
                  _question(raw.get("question"), panel_names, refuse),
                  _compared(raw.get("compare"), refuse), float(order), str(path))


def _text(value, name, refuse) -> str:
    if not isinstance(value, str):
        refuse(name, f"{value!r} is not text")
    return value.strip()


def _check_facts(text, name, refuse):
    try:
        fields = _fields(text)
    except ValueError as err:
        refuse(name, f"a {{fact}} is not closed ({err}); write {{{{ and }}}} for braces")
    for fact, spec in fields:
        if fact not in facts.FACTS:
            refuse(name, f"{{{fact}}} is not a fact of the run; allowed: "
                   + ", ".join(facts.FACTS))
        try:
            format(facts.FACTS[fact].sample, spec)
        except (ValueError, TypeError):
            refuse(name, f"{{{fact}:{spec}}}: {spec!r} is not a format for "
                   f"{type(facts.FACTS[fact].sample).__name__} (e.g. .3f, .0e, .0%)")


def _panels(value, name, panel_names, refuse) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        refuse(name, f"{value!r} is not a list of panel names")
    if panel_names is not None:
        for panel in value:
            if panel not in panel_names:
                refuse(name, f"{panel!r} is not a panel; allowed: {', '.join(panel_names)}")
    return tuple(value)


def _whole(value, name, lo, hi, refuse) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        refuse(name, f"{value!r} is not allowed; allowed: a whole number from {lo} to {hi}")
    return value


def _view(value, refuse) -> tuple:
    if not isinstance(value, dict):
        refuse("view", "must be a table ([view])")
    for name, setting in value.items():
        if name == "flow_field" and setting not in VIEW[name]:
            refuse("view.flow_field", f"{setting!r} is not allowed; allowed: "
                   + ", ".join(VIEW[name]))
        elif name == "speed":
            _whole(setting, "view.speed", *VIEW[name], refuse)
        elif name not in VIEW:
            refuse(f"view.{name}", f"is not a view setting; allowed: {', '.join(VIEW)}")
    return tuple(sorted(value.items()))


def _question(value, panel_names, refuse) -> Question | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        refuse("question", "must be a table ([question])")
    unknown = sorted(set(value) - _QUESTION_FIELDS)
    if unknown:
        refuse(f"question.{unknown[0]}", "is not a question field; allowed: "
               + ", ".join(sorted(_QUESTION_FIELDS)))
    for name in ("prompt", "choices", "answer"):
        if name not in value:
            refuse(f"question.{name}", "is missing; a question needs prompt, choices, answer")
    prompt = _text(value["prompt"], "question.prompt", refuse)
    answer = ANSWERS.get(value["answer"])
    if answer is None:
        refuse("question.answer", f"{value['answer']!r} is not an answer rule; allowed: "
               + ", ".join(ANSWERS))
    choices = value["choices"]
    if (not isinstance(choices, list) or not all(isinstance(c, str) for c in choices)
            or len(choices) != len(answer.outcomes)):
        refuse("question.choices", f"must be {len(answer.outcomes)} texts, in this order: "
               + "; ".join(answer.outcomes))
    ready_at = _whole(value.get("ready_at", 0), "question.ready_at", 0, 100_000, refuse)
    evidence = _panels([value.get("evidence", "")] if value.get("evidence") else [],
                       "question.evidence", panel_names, refuse)
    shown = _panels(value.get("shown_before", ["network"]), "question.shown_before",
                    panel_names, refuse)
    return Question(prompt, tuple(choices), answer.name, ready_at,
                    evidence[0] if evidence else "", shown)


def _compared(value, refuse) -> Compared | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        refuse("compare", "must be a table ([compare])")
    unknown = sorted(set(value) - _COMPARE_FIELDS)
    if unknown:
        refuse(f"compare.{unknown[0]}", "is not allowed; allowed: inits, seeds")
    inits = value.get("inits")
    if not isinstance(inits, list) or not 2 <= len(inits) <= MAX_COMPARED:
        refuse("compare.inits", f"must list 2 to {MAX_COMPARED} initializers")
    columns = []
    for entry in inits:
        if isinstance(entry, str):
            name, params = entry, {}
        elif isinstance(entry, dict) and isinstance(entry.get("init"), str):
            name, params = entry["init"], entry.get("params", {})
        else:
            refuse("compare.inits", f"{entry!r}: write a name or {{ init = NAME, params = "
                   "{ KEY = VALUE } }")
        try:
            initializers.check_params(name, params)
        except ValueError as err:
            refuse("compare.inits", str(err))
        columns.append((name, tuple(sorted(params.items()))))
    seeds = _whole(value.get("seeds", 8), "compare.seeds", 1, 32, refuse)
    return Compared(tuple(columns), seeds)


# ---------------------------------------------------------------- every lesson


@dataclass(frozen=True)
class Catalogue:
    """The lessons on offer, in their order, and the files refused (with why)."""

    lessons: tuple[Lesson, ...] = ()
    refused: tuple[str, ...] = ()
    by_key: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        self.by_key.update({lesson.key: lesson for lesson in self.lessons})

    def get(self, key: str | None) -> Lesson | None:
        return self.by_key.get(key or "")

    def __getitem__(self, key: str) -> Lesson:
        return self.by_key[key]

    def __contains__(self, key) -> bool:
        return key in self.by_key

    def __iter__(self) -> Iterator[Lesson]:
        return iter(self.lessons)

    def __len__(self) -> int:
        return len(self.lessons)

    def keys(self) -> list[str]:
        return [lesson.key for lesson in self.lessons]


def catalogue(*folders: Path | None, panel_names: Collection[str] | None = None) -> Catalogue:
    """Every lesson file (``*.toml``) of ``folders``, in order: the built-in folder first, a
    lecturer's after it. A file that breaks a rule, or takes a key already used, is refused
    and named; the rest load."""
    lessons, refused, keys = [], [], set()
    for folder in folders:
        if folder is None:
            continue
        folder = Path(folder)
        if not folder.is_dir():
            refused.append(f"{folder}: not a folder of lesson files")
            continue
        found = []
        for path in sorted(folder.glob("*.toml")):
            try:
                lesson = load(path, panel_names)
            except Refused as err:
                refused.append(str(err))
                continue
            if lesson.key in keys:
                refused.append(f"{path.name}: key: {lesson.key!r} is taken by another lesson; "
                               "allowed: a key of its own")
                continue
            keys.add(lesson.key)
            found.append(lesson)
        lessons += sorted(found, key=lambda lesson: (lesson.order, lesson.title))
    return Catalogue(tuple(lessons), tuple(refused))


@functools.cache
def builtin() -> Catalogue:
    """The lessons that come with the app (lessons/), unchecked against the panels: the
    app's catalogue checks them (tests/unit/test_lessons.py holds them to it)."""
    return catalogue(BUILTIN)


def warm(lessons: Catalogue, map_=map) -> None:
    """Work out every lesson's text once (the sigmoid lesson trains ~1000 steps for its),
    with ``map_(work_out_told, keys)``: the server passes one that works in another
    process. Texts it did not answer are worked out when first told."""
    keys = [lesson.told_key for lesson in lessons]
    for key, told in zip(keys, map_(work_out_told, keys), strict=False):  # short: see above
        _TOLD[key] = told
