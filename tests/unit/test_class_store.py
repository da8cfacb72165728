"""classroom.store against real databases: a file of SQLite, and PostgreSQL (a schema of the
test's own on the machine's server; tests/pg.py: skipped without one, failed under
PG_REQUIRED=1). Results come from real runs (core Trainer), never made up."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from classroom import codes, result
from classroom import store as class_store
from classroom.assignment import Assignment
from classroom.outbox import Outbox, Post
from classroom.store import (
    BadCode,
    ClassClosed,
    ClassFull,
    RateLimited,
    SchemaError,
    StaleAssignment,
    Store,
    StoreUnavailable,
    UnknownClass,
    UnknownStudent,
    WrongKey,
)
from core import lessons
from core.config import validate
from core.trainer import Trainer
from tests import pg

LESSONS = lessons.builtin()

REPO = Path(__file__).resolve().parents[2]
SMALL = dict(depth=2, width=6, n_samples=80, batch_size=16)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'classes.db'}"
    else:
        with pg.fresh_schema(pg.server_url()) as fresh:
            yield fresh


class Clock:
    def __init__(self, t=1_000_000.0):
        self.t = t

    def __call__(self):
        return self.t


@pytest.fixture
def stores(url):
    """Stores on ``url``, each its own engine (as replicas have), disposed afterwards."""
    made = []

    def make(**kw):
        s = Store(url, **kw)
        made.append(s)
        return s

    yield make
    for s in made:
        s.dispose()


@pytest.fixture(scope="module")
def explore():
    return Assignment.for_explore(validate(**SMALL), steps=30)


@pytest.fixture(scope="module")
def entry(explore):
    t = Trainer(explore.runs(explore.draw_seed())[0])
    t.run(explore.steps)
    return result.compute(t)


def test_a_class_is_created_joined_posted_to_and_read_back(stores, explore, entry):
    store = stores()
    new = store.create_class(explore)
    assert codes.is_code(new.code) and len(new.key) == codes.KEY_LENGTH
    seat = store.join(new.code.lower(), "10.0.0.1")  # typed in lower case: the same class
    assert (seat.code, seat.number, seat.assignment_no) == (new.code, 1, 1)
    assert seat.assignment == explore
    store.post(new.code, seat.token, seat.assignment_no, [entry])
    payload = store.results(new.code)
    assert payload["class"] == new.code and payload["joined"] == 1
    assert payload["assignment"] == json.loads(json.dumps(explore.as_dict()))
    (got,) = payload["results"]
    assert got == {"student": 1, "run": 0, **entry}
    for field in ("init", "init_seed", "steps", "final_loss", "trained", "diverged_at",
                  "distinct_units", "grad_norms_start", "answer"):
        assert field in got
    assert len(got["grad_norms_start"]) == SMALL["depth"] + 1
    assert store.lecturer(new.code, new.key)["results"] == payload["results"]
    # the same session joining again keeps its seat
    assert store.join(new.code, "10.0.0.1", seat.token).number == 1
    assert store.results(new.code)["joined"] == 1


def test_a_second_post_replaces_the_first(stores, explore, entry):
    store = stores()
    new = store.create_class(explore)
    seat = store.join(new.code, "c")
    store.post(new.code, seat.token, 1, [{**entry, "steps": 10}])
    store.post(new.code, seat.token, 1, [entry])
    (got,) = store.results(new.code)["results"]
    assert got["steps"] == entry["steps"]


def test_a_compare_post_holds_a_result_per_column(stores):
    shared = validate(**SMALL)
    columns = [shared.replace(init="zeros"), shared.replace(init="he_normal")]
    assignment = Assignment.for_compare(shared, columns, steps=20)
    from core.compare import Lockstep

    lockstep = Lockstep(assignment.comparison(7)).run(20)
    entries = result.from_lockstep(lockstep)
    assert [e["label"] for e in entries] == assignment.labels() == ["zeros", "he_normal"]
    assert entries[0]["distinct_units"][:2] == [1, 1] and not entries[0]["trained"]
    store = stores()
    new = store.create_class(assignment)
    seat = store.join(new.code, "c")
    with pytest.raises(ValueError, match="2"):
        store.post(new.code, seat.token, 1, entries[:1])  # a column short
    store.post(new.code, seat.token, 1, entries)
    got = store.results(new.code)["results"]
    assert [(r["student"], r["run"], r["init"]) for r in got] == [(1, 0, "zeros"),
                                                                  (1, 1, "he_normal")]


def test_a_lost_acknowledgement_is_retried_and_stored_once(stores, explore, entry):
    """The post commits, then the answer is lost (the database went away): the outbox sends
    it again, and the store still holds it once."""
    store = stores()
    new = store.create_class(explore)
    seat = store.join(new.code, "c")
    calls = []

    def send(post):
        store.post(post.code, post.token, post.assignment_no, post.entries)
        calls.append(post)
        if len(calls) == 1:
            raise StoreUnavailable(class_store.UNAVAILABLE)

    box = Outbox(send, jitter=0)
    box.put(Post(new.code, seat.token, 1, [entry]), now=0)
    assert [o.state for o in box.flush(0)] == ["waiting"]
    assert box.flush(0.5) == []  # not due before its back-off
    assert [o.state for o in box.flush(1.0)] == ["sent"]
    assert len(calls) == 2 and len(box) == 0
    assert len(store.results(new.code)["results"]) == 1


def test_results_and_every_request_refuse_a_bad_shape_before_any_query(stores, explore):
    store = stores()
    new = store.create_class(explore)
    seat = store.join(new.code, "c")
    statements = []
    sa.event.listen(store.engine, "before_cursor_execute",
                    lambda *args: statements.append(args[2]))
    for bad in ("", "ABC", "ABCDEFGHI", "ABCD EFGH!", "U" * 8, "x" * 10_000, None, 12345678,
                "'; DROP TABLE wri_classes; --"):
        with pytest.raises(BadCode):
            store.results(bad)
        with pytest.raises(BadCode):
            store.join(bad, "c")
    for bad_key in ("short", new.key + "x", None, "!" * codes.KEY_LENGTH):
        with pytest.raises(WrongKey):
            store.close(new.code, bad_key)
    with pytest.raises(UnknownStudent):
        store.post(new.code, "not a token", 1, [])
    assert statements == []
    with pytest.raises(WrongKey):  # the right shape, the wrong key: asked, and refused
        store.close(new.code, codes.new_key())
    assert statements
    assert store.join(seat.code, "c", seat.token).number == 1


def test_wrong_codes_are_limited_per_client_across_replicas(url, stores, explore):
    clock = Clock()
    a, b = stores(clock=clock), stores(clock=clock)  # two server processes, one store
    new = a.create_class(explore)
    for i in range(class_store.WRONG_CODES):
        with pytest.raises(UnknownClass, match="Check the code"):
            (a, b)[i % 2].join(codes.new_code(), "203.0.113.7")
    with pytest.raises(RateLimited, match="wait a minute") as limited:
        b.join(new.code, "203.0.113.7")  # even the right code, until the minute is up
    assert 0 < limited.value.retry_after_s <= 60
    assert a.join(new.code, "198.51.100.2").number == 1  # another client is not held up
    clock.t += 61
    assert b.join(new.code, "203.0.113.7").number == 2
    # the store keeps the client only as a salted hash
    with a.engine.connect() as c:
        kept = c.execute(sa.select(class_store.wrong_codes.c.client)).scalars().all()
    assert kept and all("203.0.113.7" not in k and len(k) == 64 for k in kept)


def test_a_class_holds_at_most_its_size(stores, explore):
    store = stores(max_class_size=3)
    new = store.create_class(explore)
    seats = [store.join(new.code, f"c{i}") for i in range(3)]
    assert [s.number for s in seats] == [1, 2, 3]
    with pytest.raises(ClassFull, match="full"):
        store.join(new.code, "c9")
    assert store.join(new.code, "c0", seats[0].token).number == 1  # a seat already taken


def test_concurrent_joins_never_overfill_a_class(stores, explore):
    store = stores(max_class_size=5)
    new = store.create_class(explore)
    outcomes, barrier = [], threading.Barrier(12)

    def join(i):
        barrier.wait()
        try:
            outcomes.append(store.join(new.code, f"c{i}").number)
        except ClassFull:
            outcomes.append("full")

    threads = [threading.Thread(target=join, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(n for n in outcomes if n != "full") == [1, 2, 3, 4, 5]
    assert outcomes.count("full") == 7


def test_a_class_expires_after_a_day_and_its_rows_go(stores, explore, entry):
    clock = Clock()
    store = stores(clock=clock)
    new = store.create_class(explore)
    seat = store.join(new.code, "c")
    store.post(new.code, seat.token, 1, [entry])
    clock.t += class_store.CLASS_TTL_S - 1
    assert store.results(new.code)["joined"] == 1
    clock.t += 2
    with pytest.raises(UnknownClass):  # gone at once, before any sweep
        store.results(new.code)
    with pytest.raises(UnknownClass):
        store.post(new.code, seat.token, 1, [entry])
    assert store.sweep() == 1
    with store.engine.connect() as c:
        for table in (class_store.classes, class_store.students, class_store.results):
            assert c.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 0


def test_close_stops_posts_and_delete_forgets_the_class(stores, explore, entry):
    store = stores()
    new = store.create_class(explore)
    seat = store.join(new.code, "c")
    store.post(new.code, seat.token, 1, [entry])
    with pytest.raises(WrongKey):
        store.close(new.code, codes.new_key())
    store.close(new.code, new.key)
    with pytest.raises(ClassClosed, match="closed"):
        store.post(new.code, seat.token, 1, [entry])
    with pytest.raises(ClassClosed):
        store.join(new.code, "d")
    payload = store.results(new.code)  # still readable, and exportable
    assert payload["closed"] and len(payload["results"]) == 1
    store.delete(new.code, new.key)
    with pytest.raises(UnknownClass):
        store.results(new.code)
    with pytest.raises(UnknownClass):
        store.delete(new.code, new.key)


def test_a_new_assignment_refuses_the_old_one_s_results(stores, explore, entry):
    store = stores()
    new = store.create_class(explore)
    seat = store.join(new.code, "c")
    number = store.set_assignment(new.code, new.key,
                                  Assignment.for_lesson(LESSONS["zeros"]))
    assert number == 2
    with pytest.raises(StaleAssignment):
        store.post(new.code, seat.token, 1, [entry])
    payload = store.results(new.code)
    assert payload["assignment"]["lesson"] == "zeros" and payload["results"] == []
    assert store.join(new.code, "c", seat.token).assignment_no == 2


def test_the_store_checks_every_entry_and_answer(stores, entry):
    lesson = Assignment.for_lesson(LESSONS["zeros"], ask=True, steps=100)
    store = stores()
    new = store.create_class(lesson)
    seat = store.join(new.code, "c")
    for forged in ({**entry, "final_loss": "0.1"}, {**entry, "steps": -1},
                   {**entry, "trained": True, "final_loss": None},
                   {**entry, "grad_norms_start": [float("nan")] * 3},
                   {**entry, "name": "Ada"}, {**entry, "label": "x" * 500},
                   {**entry, "answer": 2}):  # the question has two choices
        with pytest.raises(ValueError):
            store.post(new.code, seat.token, 1, [forged])
    store.post(new.code, seat.token, 1, [{**entry, "answer": 1}])
    assert store.results(new.code)["results"][0]["answer"] == 1
    explore = Assignment.for_explore(validate(**SMALL))
    other = store.create_class(explore)
    seat = store.join(other.code, "c")
    with pytest.raises(ValueError, match="answer"):
        store.post(other.code, seat.token, 1, [{**entry, "answer": 0}])  # no question asked


def test_a_newer_schema_stops_the_app_with_a_message(url, stores):
    stores().check()
    with sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://")).begin() as c:
        c.execute(class_store.schema.update().values(version=class_store.SCHEMA_VERSION + 1))
    with pytest.raises(SchemaError, match="newer than this app's"):
        stores().check()


def test_a_store_url_is_checked_and_its_password_never_shown():
    assert class_store.redacted("postgresql://u:s3cret@h/db") == "postgresql://u:***@h/db"
    for bad in ("mysql://u@h/db", "sqlite://", "sqlite:///:memory:", "nonsense"):
        with pytest.raises(ValueError) as err:
            Store(bad)
        assert "s3cret" not in str(err.value)


def test_thirty_sessions_posting_at_once_are_all_taken(url, stores, explore, entry):
    """SQLite under 30 sessions posting at once in one process: nobody sees "database is
    locked" (nor anything else); PostgreSQL the same."""
    store = stores()
    new = store.create_class(explore)
    seats = [store.join(new.code, f"c{i}") for i in range(30)]
    errors, barrier = [], threading.Barrier(30)

    def post(seat, k):
        barrier.wait()
        try:
            for _ in range(3):  # each session posts, and posts again (Send to class, then done)
                store.post(new.code, seat.token, 1, [{**entry, "init_seed": k}])
            store.results(new.code)
        except Exception as err:  # noqa: BLE001 - any error at all fails the test
            errors.append(repr(err))

    threads = [threading.Thread(target=post, args=(s, k)) for k, s in enumerate(seats)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    got = store.results(new.code)["results"]
    assert sorted(r["init_seed"] for r in got) == list(range(30))


CHILD = """
import json, sys
from classroom.store import Store
from classroom import result
url, code, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
entry = json.loads(sys.stdin.read())
store = Store(url)
for i in range(n):
    seat = store.join(code, f"child{i}")
    store.post(code, seat.token, seat.assignment_no, [{**entry, "init_seed": 1000 + i}])
print(len(store.results(code)["results"]))
"""


def test_two_server_processes_on_one_store_behave_as_one(url, stores, explore, entry):
    store = stores()
    new = store.create_class(explore)
    seat = store.join(new.code, "parent")
    child = subprocess.Popen([sys.executable, "-c", CHILD, url, new.code, "5"], cwd=REPO,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    store.post(new.code, seat.token, 1, [entry])
    out, _ = child.communicate(json.dumps(entry), timeout=120)
    assert child.returncode == 0
    assert 5 <= int(out) <= 6  # the child saw its own posts, and maybe the parent's
    got = store.results(new.code)
    assert got["joined"] == 6 and len(got["results"]) == 6


# ---------------------------------------------------------------- a locked database


def test_sqlite_locked_a_post_waits_and_arrives_once(tmp_path, explore, entry):
    url = f"sqlite:///{tmp_path / 'classes.db'}"
    store = Store(url, busy_timeout_s=0.2)
    try:
        new = store.create_class(explore)
        seat = store.join(new.code, "c")
        box = Outbox.to(store, jitter=0)
        blocker = sqlite3.connect(tmp_path / "classes.db", isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")  # another writer holds the database
        box.put(Post(new.code, seat.token, 1, [entry]), now=0)
        (outcome,) = box.flush(0)
        assert outcome.state == "waiting" and "unavailable" in outcome.message
        assert "locked" not in outcome.message and "retrying" in outcome.message
        assert "trying again in 1 s" in box.status(0)
        (outcome,) = box.flush(1)
        assert outcome.state == "waiting" and outcome.retry_in == 2  # backing off
        blocker.execute("ROLLBACK")
        blocker.close()
        assert box.flush(2) == []
        assert [o.state for o in box.flush(3)] == ["sent"]
        assert len(store.results(new.code)["results"]) == 1
    finally:
        store.dispose()


def test_postgres_locked_fails_fast_as_unavailable_then_recovers(explore, entry):
    import psycopg

    with pg.fresh_schema(pg.server_url()) as url:
        store = Store(url, statement_timeout_s=0.5)
        try:
            new = store.create_class(explore)
            seat = store.join(new.code, "c")
            schema = url.rsplit("search_path%3D", 1)[1]
            with psycopg.connect(pg.SERVER_URL) as blocker:
                blocker.execute(f"LOCK TABLE {schema}.wri_classes IN ACCESS EXCLUSIVE MODE")
                with pytest.raises(StoreUnavailable):
                    store.results(new.code)
                with pytest.raises(StoreUnavailable):
                    store.post(new.code, seat.token, 1, [entry])
            store.post(new.code, seat.token, 1, [entry])
            assert len(store.results(new.code)["results"]) == 1
        finally:
            store.dispose()


def test_transactions_wait_their_turn_first_come_first_served():
    gate = class_store._Gate(1)
    assert gate.acquire(0.1)
    order, started = [], []

    def waiter(k):
        started.append(k)
        assert gate.acquire(5)
        order.append(k)
        gate.release()

    threads = []
    for k in range(5):
        threads.append(threading.Thread(target=waiter, args=(k,)))
        threads[-1].start()
        while len(started) <= k:  # each queued before the next arrives
            pass
        time.sleep(0.02)
    assert not gate.acquire(0.05)  # a newcomer waits behind them, and gives up in time
    gate.release()
    for t in threads:
        t.join()
    assert order == [0, 1, 2, 3, 4]
    assert gate.acquire(0.1)  # every place given back
