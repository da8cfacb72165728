"""Predict, then run, under AppTest: until the student commits, Explore shows the question,
the network's settings and nothing that decides it; after, everything, and the grade answers
the question that was asked."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.live_charts import live_specs, status_text, step_of
from tests.e2e.helpers import REPO_ROOT
from ui import panels
from ui.catalogue import LESSONS

APP = str(REPO_ROOT / "app.py")


def open_asking(key):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lesson"] = key
    at.query_params["ask"] = "1"
    return at.run()


def page_text(at) -> str:
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "info",
                                  "caption", "warning", "success", "error")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts) + "\n" + status_text(at)


@pytest.mark.parametrize("lesson", [l for l in LESSONS if l.question],
                         ids=lambda lesson: lesson.key)
def test_before_the_answer_nothing_on_the_page_decides_the_question(lesson):
    at = open_asking(lesson.key)
    assert not at.exception
    shown = page_text(at)
    text, look_for = lesson.told()
    assert lesson.question.prompt in shown
    assert text not in shown and look_for not in shown  # no conclusion, no quoted run
    assert "Live check" not in shown and "‖∂L/∂W‖ now" not in shown
    assert "loss train" not in shown  # the status says the step alone
    if lesson.finding:
        assert lesson.finding not in shown  # the title does not state the outcome
    charts = set(live_specs(at))
    allowed = {c.key for name in lesson.question.shown_before
               for c in panels.BY_NAME[name].charts}
    assert charts <= allowed, charts - allowed


def test_after_the_answer_everything_appears_and_the_grade_answers_the_question():
    lesson = LESSONS["too_small"]
    at = open_asking("too_small")
    assert {"flow_bars"} & set(live_specs(at)) == set()
    at.radio(key="exp_ask_too_small").set_value(0).run()
    at.button(key="expbtn_commit").click().run()
    shown = page_text(at)
    assert lesson.told()[0] in shown and lesson.finding in shown
    assert "Live check" in shown and "flow_bars" in live_specs(at)
    assert "Your prediction (right)" in status_text(at, "success")


def test_a_question_about_300_steps_is_graded_at_step_300_and_the_run_pauses_there():
    at = open_asking("he_relu_30")
    at.radio(key="exp_ask_he_relu_30").set_value(0).run()
    at.button(key="expbtn_commit").click().run()
    for _ in range(35):  # 350 steps asked for: the run stops at the question's step
        at.button(key="expbtn_step10").click().run()
        if step_of(at) >= 300:
            break
    assert step_of(at) == 300
    graded = status_text(at, "success")
    assert "by step 300" in graded and "Your prediction (right)" in graded
