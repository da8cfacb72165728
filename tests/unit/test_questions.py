"""Predict, then run: every lesson's question is answered by its own run, and graded."""

import numpy as np
import pytest

from core import lessons, questions
from core.trainer import Trainer

BY_KEY = lessons.builtin()
QUESTIONS = {lesson.key: lesson.question for lesson in BY_KEY if lesson.question}

# The answer each lesson's own network gives, by index into its question's choices: what
# the lesson's text says happens (tests/unit/test_lessons.py tests the text itself).
EXPECTED = {"zeros": 1, "constant": 0, "too_small": 0, "too_large_tanh": 0,
            "too_large_relu": 2, "xavier_relu_30": 1, "he_relu_30": 0,
            "glorot_bengio_sigmoid": 0, "orthogonal_linear": 0, "restarts": 1}


def run_to(key):
    question = QUESTIONS[key]
    trainer = Trainer(BY_KEY[key].config)
    with np.errstate(all="ignore"):
        while trainer.step < question.ready_at and trainer.status != "diverged":
            trainer.run(min(50, question.ready_at - trainer.step))
    return trainer


def test_every_question_belongs_to_a_lesson_and_has_an_expected_answer_here():
    assert set(QUESTIONS) <= set(BY_KEY.keys()) and set(EXPECTED) == set(QUESTIONS)


@pytest.mark.parametrize("key", sorted(QUESTIONS))
def test_the_run_answers_its_question_as_the_lesson_says(key):
    question, trainer = QUESTIONS[key], run_to(key)
    right = EXPECTED[key]
    state, message = questions.grade(question, trainer, right)
    assert state == "right", message
    wrong = (right + 1) % len(question.choices)
    state, message = questions.grade(question, trainer, wrong)
    assert state == "wrong" and question.choices[right] in message


def test_a_question_is_not_graded_before_the_run_can_answer_it():
    question = QUESTIONS["xavier_relu_30"]
    trainer = Trainer(BY_KEY["xavier_relu_30"].config).run(question.ready_at - 10)
    state, message = questions.grade(question, trainer, 0)
    assert state == "not yet" and str(question.ready_at) in message


def test_a_run_that_overflows_early_is_graded_at_once():
    trainer = run_to("too_large_relu")
    assert trainer.status == "diverged" and trainer.step < QUESTIONS["too_large_relu"].ready_at
    assert questions.grade(QUESTIONS["too_large_relu"], trainer, 2)[0] == "right"
