"""The Class page under AppTest (issue 23): a lecturer starts a class, sets its assignment,
closes and deletes it; a student joins by the link (or a typed code) and lands on the
assignment with a seed of their own; a wrong, unknown or hostile code is a message and the
app goes on. The store is a real one (an SQLite file of the test's own)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from classroom import codes
from classroom.store import WRONG_CODES, Store, UnknownClass
from serving import classes
from tests.app.live_charts import page, status_text, step_of
from tests.e2e.helpers import REPO_ROOT

APP = str(REPO_ROOT / "app.py")


@pytest.fixture
def store(tmp_path, monkeypatch):
    s = Store(f"sqlite:///{tmp_path / 'classes.db'}")
    monkeypatch.setattr(classes, "_STORE", s)
    yield s
    s.dispose()


def open_class(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/class.py")
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def texts(at) -> str:
    parts = [e.value for kind in ("title", "subheader", "markdown", "caption", "info", "success",
                                  "warning", "error") for e in getattr(at, kind)]
    return "\n".join(map(str, parts))


def lecturer(store) -> tuple[AppTest, str, str]:
    at = open_class()
    at.button(key="clsbtn_start").click().run()
    assert not at.exception
    return at, at.query_params["class"], at.query_params["key"]


def test_start_a_class_puts_its_code_and_key_in_the_lecturers_address(store):
    at = open_class()
    assert not at.exception and "Start a class" in [b.label for b in at.button]
    at.button(key="clsbtn_start").click().run()
    code, key = at.query_params["class"], at.query_params["key"]
    assert codes.is_code(code) and codes.parse_key(key) == key
    assert f"Class {codes.shown(code)}" in at.title[0].value
    shown = texts(at)
    assert key not in shown  # the key is in the address, never on the page
    assert f"/class?class={code}" in shown and codes.shown(code) in shown
    assert at.get("image"), "the join link's QR code"
    payload = store.lecturer(code, key)
    assert payload["assignment"]["steps"] == 300 and payload["assignment"]["seeding"] == "each"
    assert "0** results in" in status_text(at)
    assert {"cls_final", "cls_trained", "cls_grads", "cls_distinct"} <= set(
        page(at, "class").presenter.charts())


def test_the_lecturer_sets_an_assignment_closes_the_class_and_deletes_it(store):
    at, code, key = lecturer(store)
    at.radio(key="cls_a_source").set_value("lesson").run()
    at.selectbox(key="cls_a_lesson").set_value("too_small").run()
    at.number_input(key="cls_a_steps").set_value(120).run()
    at.radio(key="cls_a_seeding").set_value("shared").run()
    at.number_input(key="cls_a_seed").set_value(7).run()
    at.checkbox(key="cls_a_ask").uncheck().run()
    at.button(key="clsbtn_set").click().run()
    assert not at.exception and "Assignment 2 set" in texts(at)
    a = store.lecturer(code, key)["assignment"]
    assert (a["lesson"], a["steps"], a["seeding"], a["seed"], a["ask"]) == (
        "too_small", 120, "shared", 7, False)
    assert "120 steps" in status_text(at) and "everyone seed 7" in status_text(at)

    at.button(key="clsbtn_close").click().run()
    assert store.lecturer(code, key)["closed"] and at.button(key="clsbtn_close").disabled
    assert "closed" in status_text(at) and not page(at, "class").presenter.playing

    at.button(key="clsbtn_delete").click().run()
    assert not at.exception and "deleted" in texts(at)
    with pytest.raises(UnknownClass):
        store.results(code)
    assert dict(at.query_params) == {} and at.title[0].value.startswith("Class: the room")


def test_the_assignment_can_be_the_network_now_in_explore(store):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"depth": "2", "width": "5", "activation": "relu"})
    at.run()
    at.switch_page("pages/class.py").run()
    at.radio(key="cls_a_source").set_value("explore").run()
    assert "2 hidden layers × 5 units, relu" in texts(at)
    at.button(key="clsbtn_start").click().run()
    a = store.lecturer(at.query_params["class"], at.query_params["key"])["assignment"]
    assert a["kind"] == "explore" and (a["config"]["depth"], a["config"]["width"]) == (2, 5)


def test_a_student_joins_by_the_link_and_runs_the_assignment_with_their_own_seed(store):
    _, code, key = lecturer(store)
    at = open_class({"class": code})
    assert not at.exception
    seat = at.session_state["_tab"].seat
    assert seat is not None and seat.code == code and seat.number == 1
    # the join switched to Explore with the lesson and the student's seed
    assert dict(at.query_params)["init_seed"] == str(seat.seed)
    at.switch_page("pages/explore.py").run()  # AppTest stays on the page it was told
    shown = texts(at)
    assert f"Class {codes.shown(code)}" in shown and "shared with the class anonymously" in shown
    assert f"{seat.seed}" in shown and key not in shown
    presenter = page(at, "explore").presenter
    assert presenter.config.init_seed == seat.seed and 300 in presenter.run.stops
    at.radio(key="exp_ask_zeros").set_value(1).run()
    at.button(key="expbtn_commit").click().run()
    for _ in range(32):
        at.button(key="expbtn_step10").click().run()
    assert step_of(at) >= 300
    seat.settle()
    (result,) = store.results(code)["results"]
    assert (result["steps"], result["answer"], result["init_seed"]) == (300, 1, seat.seed)
    at.run()
    assert "Sent to the class: your run at step 300" in texts(at)
    # Back on the Class page, the student sees their class, not a dashboard
    at.switch_page("pages/class.py").run()
    assert "You are in class" in texts(at) and "key" not in dict(at.query_params)


@pytest.mark.parametrize("bad, says", [
    ("' OR 1=1--", "is not a class code"),
    ("7K3M9Q2", "is not a class code"),
    ("<script>x</script>", "is not a class code"),
])
def test_a_code_of_the_wrong_shape_is_a_message_and_the_page_still_works(store, bad, says):
    at = open_class({"class": bad})
    assert not at.exception
    assert says in " ".join(w.value for w in at.warning)
    assert at.session_state["_tab"].seat is None
    assert "Join a class" in texts(at) and "Start a class" in [b.label for b in at.button]


def test_an_unknown_code_says_so_and_wrong_codes_are_rate_limited(store):
    at = open_class({"class": codes.new_code()})
    assert not at.exception and "There is no class" in texts(at)
    for _ in range(WRONG_CODES):
        at.text_input(key="cls_code").input(codes.shown(codes.new_code()))
        at.button(key="clsbtn_join").click().run()  # the join form: typed and sent at once
    assert "wait a minute" in texts(at)
    assert at.session_state["_tab"].seat is None
    # a code of the wrong shape is refused before any query: it does not count, nor fail
    at.text_input(key="cls_code").input("DROP TABLE")
    at.button(key="clsbtn_join").click().run()
    assert "is not a class code" in texts(at) and not at.exception


def test_a_typed_code_joins_as_the_link_does(store):
    _, code, _ = lecturer(store)
    at = open_class()
    at.text_input(key="cls_code").input(codes.shown(code).lower())
    at.button(key="clsbtn_join").click().run()
    assert not at.exception
    seat = at.session_state["_tab"].seat
    assert seat is not None and seat.code == code


def test_a_lecturers_link_with_a_wrong_key_shows_no_dashboard(store):
    _, code, _ = lecturer(store)
    at = open_class({"class": code, "key": codes.new_key()})
    assert not at.exception
    assert "does not match" in status_text(at)
    assert page(at, "class").presenter.charts() == {}
    assert at.session_state["_tab"].seat is None  # nor is the lecturer seated as a student
    cut = open_class({"class": code, "key": "too-short"})
    assert "not whole" in texts(at := cut) and at.session_state["_tab"].seat is None


def test_a_full_class_says_so_and_the_student_goes_on_alone(tmp_path, monkeypatch):
    small = Store(f"sqlite:///{tmp_path / 'classes.db'}", max_class_size=1)
    monkeypatch.setattr(classes, "_STORE", small)
    try:
        _, code, _ = lecturer(small)
        assert open_class({"class": code}).session_state["_tab"].seat is not None
        second = open_class({"class": code})
        assert "is full (1 students)" in texts(second) and not second.exception
        assert second.session_state["_tab"].seat is None
        assert "Join a class" in texts(second)
    finally:
        small.dispose()


def test_a_compare_assignment_opens_compare_with_one_seed_a_column(store):
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/compare.py").run()
    at.switch_page("pages/class.py").run()
    at.radio(key="cls_a_source").set_value("compare").run()
    assert "Compare's columns now: zeros · random_normal(stddev=0.05)" in texts(at)
    at.button(key="clsbtn_start").click().run()
    code = at.query_params["class"]
    assert store.results(code)["assignment"]["kind"] == "compare"
    student = open_class({"class": code})
    seat = student.session_state["_tab"].seat
    student.switch_page("pages/compare.py").run()
    assert not student.exception
    presenter = page(student, "compare").presenter
    assert presenter.run.comparison.seeds == 1 and seat.matches(presenter.run)
    assert presenter.run.stops == {300}
    assert {c.init_seed for c in presenter.run.comparison.columns} == {seat.seed}
    assert "shared with the class anonymously" in texts(student)
