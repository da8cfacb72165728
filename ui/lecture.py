"""The lesson open on Explore, its question and the student's answer: what the page may show
and what it says of the run.

Predict, then run: while a question waits for its answer, the page shows the question, the
network's settings and the panels the question lets through (``Question.shown_before``),
and nothing else that could decide it: no lesson text, no live check, no figures quoting the
run, no outcome in the title. Once committed, everything appears, and the run grades the
answer at the step the question is about.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core import questions
from core.lessons import Lesson
from core.questions import Question

VERDICT_ICONS = {"yes": ":material/check_circle:", "not yet": ":material/hourglass_top:",
                 "no": ":material/cancel:"}
GRADE_LOOKS = {"not yet": ("info", ":material/hourglass_top:"),
               "right": ("success", ":material/check_circle:"),
               "wrong": ("warning", ":material/lightbulb:")}


@dataclass(frozen=True)
class Lecture:
    """The lesson an address opens, whether it asks the question first, and the answers
    committed in this tab (lesson key -> choice)."""

    lesson: Lesson | None
    asking: bool
    picks: dict

    @property
    def question(self) -> Question | None:
        return self.lesson.question if self.asking and self.lesson else None

    @property
    def picked(self) -> int | None:
        return self.picks.get(self.lesson.key) if self.question else None

    @property
    def open_question(self) -> bool:
        """A question waits for the student's answer: the page holds back what decides it."""
        return self.question is not None and self.picked is None

    def commit(self, choice: int) -> None:
        self.picks[self.lesson.key] = choice

    def heading(self) -> str | None:
        return self.lesson.heading(asking=self.open_question) if self.lesson else None

    def told(self) -> tuple[str, str] | None:
        """(text, look for) of the lesson, None while its question is open."""
        return None if self.lesson is None or self.open_question else self.lesson.told()

    def visible(self, panels: tuple[str, ...]) -> tuple[str, ...]:
        """Of the panels shown, those the page draws now."""
        if self.open_question:
            return tuple(p for p in panels if p in self.question.shown_before)
        return panels

    def graded(self, trainer) -> tuple[str, str] | None:
        """The run's verdict on the committed answer, or None before one is committed."""
        if self.picked is None:
            return None
        with np.errstate(all="ignore"):
            return questions.grade(self.question, trainer, self.picked)

    def watched(self, trainer) -> set[str]:
        """The panels drawn outlined: the lesson's, and the one that decided the answer."""
        if self.lesson is None or self.open_question:
            return set()
        watch = set(self.lesson.watch)
        verdict = self.graded(trainer)
        if verdict and verdict[0] != "not yet" and self.question.evidence:
            watch.add(self.question.evidence)
        return watch

    def notes(self, trainer) -> list[list]:
        """The status notes of the lesson: its live check and the grade of the answer."""
        if self.lesson is None or self.open_question:
            return []
        verdict, message = self.lesson.checked(trainer)
        parts = [["markdown", f"{VERDICT_ICONS[verdict]} **Live check ({verdict}):** {message}",
                  None]]
        graded = self.graded(trainer)
        if graded:
            verdict, message = graded
            kind, icon = GRADE_LOOKS[verdict]
            parts.append([kind, f"**Your prediction ({verdict}):** {message}", icon])
        return parts
