"""PostgreSQL stopped in the middle of a class, and started again (the store's side of issue
23's fault test). A throwaway server of the test's own (tests/pg.Cluster: initdb and pg_ctl
in a temporary folder, on a free port), never the machine's shared one.

While it is down: the students' runs go on, their posts wait in their sessions' outboxes
and back off, the dashboard's read says "class results unavailable, retrying". Once it is
back: every post arrives, exactly once, through the same engines (their dead pooled
connections replaced)."""

from __future__ import annotations

import pytest

from classroom import result
from classroom.assignment import Assignment
from classroom.outbox import Outbox, Post
from classroom.store import UNAVAILABLE, Store, StoreUnavailable
from core.config import validate
from core.trainer import Trainer
from tests import pg

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    c = pg.Cluster()
    try:
        yield c.start()
    finally:
        c.cleanup()


def test_a_class_survives_its_database_going_down_and_coming_back(cluster):
    assignment = Assignment.for_explore(validate(depth=2, width=6, n_samples=80,
                                                 batch_size=16), steps=40)
    lecturer = Store(cluster.url, connect_timeout_s=1, statement_timeout_s=1)
    replica = Store(cluster.url, connect_timeout_s=1, statement_timeout_s=1)  # a second process
    try:
        new = lecturer.create_class(assignment)
        sessions = []
        for i in range(6):
            seat = (lecturer, replica)[i % 2].join(new.code, f"10.0.0.{i}")
            trainer = Trainer(assignment.runs(assignment.draw_seed())[0])
            store = (lecturer, replica)[i % 2]
            sessions.append((seat, trainer, Outbox.to(store, jitter=0)))
        for seat, trainer, _ in sessions[:2]:  # two finish before the database goes
            trainer.run(assignment.steps)
            lecturer.post(new.code, seat.token, 1, [result.compute(trainer)])
        assert len(lecturer.results(new.code)["results"]) == 2

        cluster.stop("immediate")  # a crash, as a killed container's
        now = 0.0
        for seat, trainer, box in sessions[2:]:
            trainer.run(assignment.steps)  # the runs go on
            box.put(Post(new.code, seat.token, 1, [result.compute(trainer)]), now)
            (outcome,) = box.flush(now)
            assert outcome.state == "waiting" and outcome.message == UNAVAILABLE
        with pytest.raises(StoreUnavailable, match="unavailable, retrying"):
            lecturer.results(new.code)  # the dashboard's read
        now += 1
        for _, _, box in sessions[2:]:
            (outcome,) = box.flush(now)
            assert outcome.state == "waiting" and outcome.retry_in == 2

        cluster.start()
        now += 2
        for _, _, box in sessions[2:]:
            assert [o.state for o in box.flush(now)] == ["sent"]
            assert len(box) == 0
        payload = replica.results(new.code)
        assert payload["joined"] == 6
        assert sorted(r["student"] for r in payload["results"]) == [1, 2, 3, 4, 5, 6]
        assert all(r["steps"] == assignment.steps for r in payload["results"])
    finally:
        lecturer.dispose()
        replica.dispose()
