"""What a class runs: a lesson, an Explore network or a Compare set-up, for a number of steps,
each student with their own initial-weight seed (the default) or all with one.

An ``Assignment`` is checked when it is made and when it is read back from the store
(``from_dict``), like a RunConfig: code that holds one never checks it again. Its
``as_dict`` is what the store keeps and what ``results.json`` shows.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from core import compare
from core.config import MAX_SEED, RunConfig, validate
from core.lessons import Lesson
from core.questions import ANSWERS, Question

KINDS = ("lesson", "explore", "compare")
SEEDINGS = ("each", "shared")  # each student draws their own init seed / one seed for all
DEFAULT_STEPS = 300
MIN_STEPS, MAX_STEPS = 1, 5000  # as a sweep's cells: a few seconds to a minute of a student's run


def _fail(what: str, value, allowed: str):
    raise ValueError(f"assignment {what}: {value!r} is not allowed; allowed: {allowed}")


def _whole(what, value, lo, hi) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        _fail(what, value, f"a whole number from {lo} to {hi}")
    return int(value)


@dataclass(frozen=True)
class Assignment:
    kind: str  # one of KINDS
    config: RunConfig  # the run: the lesson's, the Explore network, or Compare's shared settings
    columns: tuple[RunConfig, ...] = ()  # Compare's columns (each a whole configuration)
    lesson: str | None = None  # the lesson's key, for kind "lesson"
    steps: int = DEFAULT_STEPS
    seeding: str = "each"
    seed: int | None = None  # the init seed of every student, for seeding "shared"
    ask: bool = False  # ask the lesson's predict-then-run question before the run
    label: str = field(default="", compare=False)  # a title for the dashboard
    question: Question | None = None  # the lesson's, kept with the assignment (lessons may
    # be a lecturer's own files, which another replica or a later start may not have)

    def __post_init__(self):
        put = lambda name, value: object.__setattr__(self, name, value)
        if self.kind not in KINDS:
            _fail("kind", self.kind, ", ".join(KINDS))
        if not isinstance(self.config, RunConfig):
            raise TypeError("Assignment.config is a RunConfig: core.config.validate makes one")
        put("columns", tuple(self.columns))
        put("steps", _whole("steps", self.steps, MIN_STEPS, MAX_STEPS))
        if self.seeding not in SEEDINGS:
            _fail("seeding", self.seeding, ", ".join(SEEDINGS))
        if self.seeding == "shared":
            put("seed", _whole("seed", self.config.init_seed if self.seed is None else self.seed,
                               0, MAX_SEED))
        elif self.seed is not None:
            _fail("seed", self.seed, "none when each student draws their own")
        if self.kind == "lesson":
            if not isinstance(self.lesson, str) or not self.lesson:
                _fail("lesson", self.lesson, "a lesson's key")
        elif self.lesson is not None:
            _fail("lesson", self.lesson, f"none for a{'n' * (self.kind[0] == 'e')} "
                                         f"{self.kind} assignment")
        if self.kind == "compare":
            # the same checks as the Compare page's, one seed a column for each student
            compare.Comparison(self.config, self.columns, seeds=1)
        elif self.columns:
            _fail("columns", len(self.columns), f"none for a {self.kind} assignment")
        if self.question is not None:
            if self.kind != "lesson":
                _fail("question", self.question.prompt, "only a lesson's")
            rule = ANSWERS.get(self.question.answer)
            if rule is None or len(self.question.choices) != len(rule.outcomes):
                _fail("question", self.question.answer, ", ".join(ANSWERS))
        if self.ask:
            q = self.question
            if q is None:
                _fail("question", True, "only for a lesson that has a question")
            if self.steps < q.ready_at:
                raise ValueError(f"assignment steps: {self.steps} is too few for the lesson's "
                                 f"question, which the run answers from step {q.ready_at}; "
                                 f"allowed: {q.ready_at} to {MAX_STEPS}")
        if not isinstance(self.ask, bool):
            _fail("ask", self.ask, "true or false")
        put("label", str(self.label)[:120] or self._default_label())

    # ---------------------------------------------------------------- making one

    @classmethod
    def for_lesson(cls, lesson: Lesson, **kw) -> Assignment:
        kw.setdefault("label", lesson.title)
        return cls("lesson", lesson.config, lesson=lesson.key, question=lesson.question, **kw)

    @classmethod
    def for_explore(cls, config: RunConfig, **kw) -> Assignment:
        return cls("explore", config, **kw)

    @classmethod
    def for_compare(cls, shared: RunConfig, columns, **kw) -> Assignment:
        return cls("compare", shared, tuple(columns), **kw)

    def _default_label(self) -> str:
        if self.kind == "lesson":
            return f"Lesson {self.lesson}"
        if self.kind == "compare":
            return "Compare: " + " vs ".join(compare.label(c, self.config) for c in self.columns)
        c = self.config
        return f"Explore: {c.depth} × {c.width} {c.activation}, {c.init}, {c.dataset}"

    # ---------------------------------------------------------------- reading one

    @property
    def asked(self) -> Question | None:
        """The question the students answer before their run, if any."""
        return self.question if self.ask else None

    def draw_seed(self, randbelow=secrets.randbelow) -> int:
        """A student's initial-weight seed: their own draw, or the class's one seed."""
        return self.seed if self.seeding == "shared" else int(randbelow(MAX_SEED + 1))

    def runs(self, init_seed: int) -> list[RunConfig]:
        """The configurations a student trains with ``init_seed``: one, or Compare's columns,
        all with that seed (as Compare's columns share their seeds: a fair comparison)."""
        if self.kind == "compare":
            return list(self.comparison(init_seed).columns)
        seed = _whole("init seed", init_seed, 0, MAX_SEED)
        return [self.config.replace(init_seed=seed, steps=self.steps)]

    def comparison(self, init_seed: int) -> compare.Comparison:
        """A Compare assignment's run for a student: its columns with ``init_seed``, one
        seed each (core.compare.Lockstep trains it)."""
        if self.kind != "compare":
            raise ValueError(f"a {self.kind} assignment has no Compare set-up")
        seed = _whole("init seed", init_seed, 0, MAX_SEED)
        shared = self.config.replace(init_seed=seed, steps=self.steps)
        return compare.Comparison(shared, [c.replace(init_seed=seed, steps=self.steps)
                                           for c in self.columns], seeds=1)

    def labels(self) -> list[str]:
        """A name for each of a student's runs (what the dashboard groups by)."""
        if self.kind == "compare":
            return [compare.label(c, self.config) for c in self.columns]
        return [compare.label(self.config, self.config)]

    # ---------------------------------------------------------------- to and from the store

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "label": self.label,
            "lesson": self.lesson,
            "config": self.config.as_dict(),
            "columns": [c.as_dict() for c in self.columns],
            "steps": self.steps,
            "seeding": self.seeding,
            "seed": self.seed,
            "ask": self.ask,
            "question": None if self.question is None else {
                "prompt": self.question.prompt, "choices": list(self.question.choices),
                "answer": self.question.answer, "ready_at": self.question.ready_at,
                "evidence": self.question.evidence,
                "shown_before": list(self.question.shown_before)},
            "run_labels": self.labels(),
        }

    @classmethod
    def from_dict(cls, d: dict) -> Assignment:
        """An assignment as ``as_dict`` wrote it, checked again."""
        if not isinstance(d, dict):
            _fail("record", type(d).__name__, "a JSON object")
        try:
            return cls(d["kind"], _config(d["config"]),
                       tuple(_config(c) for c in d.get("columns") or ()),
                       lesson=d.get("lesson"), steps=d.get("steps", DEFAULT_STEPS),
                       seeding=d.get("seeding", "each"), seed=d.get("seed"),
                       ask=d.get("ask", False), label=d.get("label") or "",
                       question=_question(d.get("question")))
        except KeyError as missing:
            raise ValueError(f"assignment record: {missing} is missing") from None


def _question(d) -> Question | None:
    if d is None:
        return None
    if not isinstance(d, dict):
        _fail("question", type(d).__name__, "a JSON object")
    return Question(str(d["prompt"]), tuple(str(c) for c in d["choices"]), str(d["answer"]),
                    _whole("question ready_at", d.get("ready_at", 0), 0, 100_000),
                    str(d.get("evidence", "")),
                    tuple(str(p) for p in d.get("shown_before", ("network",))))


def _config(d) -> RunConfig:
    if not isinstance(d, dict):
        _fail("configuration", type(d).__name__, "a JSON object of settings")
    return validate(d)  # layer numbers written as text are read back by validate
