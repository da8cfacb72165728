"""A student's seat on the live pages (ui/class_seat.py) and the lecturer's dashboard
(ui/class_presenter.py), against a real store (an SQLite file) and the presenters' real runs.
No Streamlit runs here: the presenters are driven as the live feed drives them."""

from __future__ import annotations

import json

import pytest

from classroom import codes, result
from classroom.assignment import Assignment
from classroom.outbox import Outbox
from classroom.store import UNAVAILABLE, Store, StoreUnavailable
from core.compare import Comparison, Lockstep
from core.config import validate
from core.run import LiveRun
from core.trainer import Trainer
from ui import query
from ui.catalogue import LESSONS
from ui.class_presenter import ClassPresenter
from ui.class_seat import Seat, plain
from ui.compare_presenter import ComparePresenter
from ui.explore_presenter import ExplorePresenter

NET = validate(depth=2, width=6, n_samples=80, batch_size=16)
STEPS = 40


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'classes.db'}")
    yield s
    s.dispose()


def seated(store, assignment, client="10.0.0.1", outbox=None) -> tuple[str, str, Seat]:
    new = store.create_class(assignment)
    got = store.join(new.code, client)
    return new.code, new.key, Seat.taken(got, Outbox.to(store) if outbox is None else outbox)


def explore_for(seat: Seat) -> ExplorePresenter:
    """Explore as the student's join link opens it."""
    page, q = seat.address(LESSONS)
    assert page == "pages/explore.py"
    link, errors = query.explore(q)
    assert errors == []
    p = ExplorePresenter(link)
    p.seat = seat
    p.show(("loss",), 15, {}, False)
    return p


def play(p, most: int = 200) -> None:
    """Play as the feed does, until the run pauses by itself."""
    p.play(True)
    for _ in range(most):
        json.loads(p.poll({"loss"}))
        if not p.playing:
            return
    raise AssertionError("the run never paused")


def test_the_join_link_opens_the_assignments_network_with_the_students_own_seed(store):
    code, _, seat = seated(store, Assignment.for_explore(NET, steps=STEPS))
    p = explore_for(seat)
    assert p.config == NET.replace(init_seed=seat.seed)
    assert seat.matches(p.run) and p.run.stops == {STEPS}
    again = Seat.taken(store.join(code, "10.0.0.1", seat.token), None, seat)
    assert again is seat and again.seed == seat.seed  # a seat keeps its seed
    other = Seat.taken(store.join(code, "10.0.0.2"), Outbox.to(store))
    assert other.number == 2 and other.token != seat.token


def test_a_run_that_reaches_the_steps_pauses_and_posts_what_the_server_computes(store):
    code, key, seat = seated(store, Assignment.for_explore(NET, steps=STEPS))
    p = explore_for(seat)
    play(p)
    assert p.run.step == STEPS and not p.playing
    seat.settle()
    (posted,) = store.results(code)["results"]
    # the server's own run, trained again apart from the app: the very same numbers
    alone = Trainer(NET.replace(init_seed=seat.seed)).run(STEPS)
    expected = result.compute(alone, label=seat.assignment.labels()[0])
    assert {k: posted[k] for k in result.FIELDS} == expected
    assert seat.state(p) == ("success", f"Sent to the class: your run at step {STEPS}.")
    # Playing on and stepping past the steps posts nothing more: one result a student
    play(p, 20) if p.run.step < STEPS else p.step(10)
    p.refresh()
    seat.settle()
    assert len(store.results(code)["results"]) == 1 and len(seat.outbox) == 0


def test_send_to_class_posts_early_and_the_post_at_the_steps_replaces_it(store):
    code, _, seat = seated(store, Assignment.for_explore(NET, steps=STEPS))
    p = explore_for(seat)
    assert not seat.can_send(p)  # nothing run yet
    p.step(10)
    assert seat.can_send(p)
    seat.send_now(p)
    seat.flush()
    seat.settle()
    assert [r["steps"] for r in store.results(code)["results"]] == [10]
    kind, message = seat.state(p)
    assert kind == "success" and f"again by itself at step {STEPS}" in message
    play(p)
    seat.settle()
    assert [r["steps"] for r in store.results(code)["results"]] == [STEPS]  # replaced


def test_only_the_assignments_own_run_is_posted(store):
    code, _, seat = seated(store, Assignment.for_explore(NET, steps=STEPS))
    p = explore_for(seat)
    p.use(p.config.replace(init="he_normal"))  # the student changed a setting
    p.show(("loss",), 15, {}, False)
    assert not seat.matches(p.run) and p.run.stops == frozenset()
    p.step(STEPS)
    p.refresh()
    seat.settle()
    assert store.results(code)["results"] == []
    assert seat.state(p)[0] == "warning" and "not the class's assignment" in seat.state(p)[1]
    p.use(NET.replace(init_seed=seat.seed))  # Back to the assignment: its run again
    p.show(("loss",), 15, {}, False)
    assert seat.matches(p.run) and p.run.stops == {STEPS}


def test_a_lesson_with_its_question_posts_the_students_pick_and_the_runs_answer(store):
    lesson = LESSONS["zeros"]
    code, _, seat = seated(store, Assignment.for_lesson(lesson, steps=150, ask=True))
    p = explore_for(seat)
    assert p.lecture().question == lesson.question
    assert p.run.stops == {lesson.question.ready_at, 150}  # the question's, and the class's
    p.commit(0)  # "yes, it learns something"
    p.show(("loss",), 15, {}, False)
    play(p)
    assert p.run.step == lesson.question.ready_at  # the question's stop: nothing posted
    assert store.results(code)["results"] == []
    play(p)
    seat.settle()
    (posted,) = store.results(code)["results"]
    assert posted["steps"] == 150 and posted["answer"] == 0 and posted["run_answer"] == 1


def test_a_compare_assignment_pauses_every_column_and_posts_one_result_a_column(store):
    columns = [NET.replace(init="zeros"), NET.replace(init="he_normal")]
    code, _, seat = seated(store, Assignment.for_compare(NET, columns, steps=STEPS))
    page, q = seat.address(LESSONS)
    assert page == "pages/compare.py"
    link, errors = query.comparison(q)
    assert errors == [] and link.comparison.seeds == 1
    p = ComparePresenter(link)
    p.seat = seat
    p.show(10, p.options)
    assert seat.matches(p.run) and p.run.stops == {STEPS}
    play(p)
    seat.settle()
    posted = store.results(code)["results"]
    assert [r["label"] for r in posted] == ["zeros", "he_normal"]
    alone = Lockstep(Comparison(NET.replace(init_seed=seat.seed),
                                [c.replace(init_seed=seat.seed) for c in columns], 1))
    alone.run(STEPS)
    assert [{k: r[k] for k in result.FIELDS} for r in posted] == result.from_lockstep(alone)


def test_a_run_goes_on_while_the_store_is_down_and_its_post_arrives_once_after(store):
    down = {"now": True}
    sent = []

    def send(post):
        if down["now"]:
            raise StoreUnavailable(UNAVAILABLE)
        sent.append(post)
        store.post(post.code, post.token, post.assignment_no, post.entries)

    box = Outbox(send, first_s=0.05, jitter=0)
    code, _, seat = seated(store, Assignment.for_explore(NET, steps=STEPS), outbox=box)
    p = explore_for(seat)
    play(p)  # never waits for the database: the post waits in the session
    seat.settle()
    assert p.run.step == STEPS and len(box) == 1
    kind, message = seat.state(p)
    assert kind == "warning" and "trying again in" in message and "Your run goes on" in message
    p.play(True)
    p.poll({"loss"})  # and the run goes on past it
    assert p.run.step > STEPS
    down["now"] = False
    import time

    time.sleep(0.3)
    p.refresh()  # a tick (or a page run) flushes what is due
    seat.settle()
    assert len(box) == 0 and len(sent) == 1
    assert [r["steps"] for r in store.results(code)["results"]] == [STEPS]


def test_plain_leaves_out_only_what_a_live_page_never_sets():
    assert plain(NET) is NET
    assert plain(NET.replace(steps=300, record_every=5)) == NET


# ---------------------------------------------------------------- the dashboard


def test_the_dashboard_draws_the_room_and_sends_frames_only_when_results_change(store):
    code, key, seat = seated(store, Assignment.for_explore(NET, steps=STEPS))
    d = ClassPresenter(code, key, get_store=lambda: store)
    first = d.refresh()
    assert set(first.charts) == {"cls_final", "cls_trained", "cls_grads", "cls_distinct"}
    head = " ".join(text for _, text, _ in first.parts["head"])
    assert "**1** student joined" in head and "**0** results in" in head
    assert d.live and not first.finished
    d.placed = set(d.charts())
    d.play(True)
    quiet = json.loads(d.poll(set(d.charts())))
    assert quiet["charts"] == {} and not quiet["done"]  # nothing new: the status alone
    p = explore_for(seat)
    play(p)
    seat.settle()
    d.pace.due = 0
    news = json.loads(d.poll(set(d.charts())))
    assert set(news["charts"]) == set(d.charts())
    assert "**1** result in" in " ".join(t for _, t, _ in news["status"]["head"])
    assert "init_seed" in d.export("csv") and json.loads(d.export("json"))["results"]


def test_the_dashboard_says_unavailable_and_keeps_what_it_read(store):
    code, key, _ = seated(store, Assignment.for_explore(NET, steps=STEPS))
    up = {"now": True}

    def get_store():
        if up["now"]:
            return store
        raise StoreUnavailable(UNAVAILABLE)

    d = ClassPresenter(code, key, get_store=get_store)
    d.refresh()
    up["now"] = False
    r = d.refresh()
    assert any(kind == "warning" and UNAVAILABLE in text for kind, text, _ in r.parts["head"])
    assert d.payload is not None and d.live  # still asking, the last read still drawn
    up["now"] = True
    assert not any(kind == "warning" for kind, _, _ in d.refresh().parts["head"])


def test_a_wrong_key_or_a_deleted_class_stops_the_dashboard(store):
    code, key, _ = seated(store, Assignment.for_explore(NET, steps=STEPS))
    wrong = ClassPresenter(code, codes.new_key(), get_store=lambda: store)
    r = wrong.refresh()
    assert r.finished and r.charts == {} and "does not match" in r.parts["head"][0][1]
    d = ClassPresenter(code, key, get_store=lambda: store)
    d.refresh()
    store.close(code, key)
    r = d.refresh()
    assert r.finished and "closed" in " ".join(t for _, t, _ in r.parts["head"])
    store.delete(code, key)
    r = d.refresh()
    assert r.finished and d.payload is None and "There is no class" in r.parts["head"][0][1]


def test_the_first_results_or_a_question_make_the_page_place_new_charts(store):
    code, key, _ = seated(store, Assignment.for_explore(NET, steps=STEPS))
    d = ClassPresenter(code, key, get_store=lambda: store)
    d.refresh()
    d.placed = set(d.charts())
    assert not d.refresh().finished
    store.set_assignment(code, key, Assignment.for_lesson(LESSONS["zeros"], ask=True))
    r = d.refresh()
    assert "cls_answers" in d.charts() and r.finished  # the page runs again to place it


def test_a_live_run_without_a_seat_is_untouched():
    p = ExplorePresenter(query.ExploreLink(NET))
    p.show(("loss",), 15, {}, False)
    assert p.seat is None and p.run.stops == frozenset()
    assert isinstance(p.run, LiveRun)
