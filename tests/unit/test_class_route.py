"""serving/classes.py: the class store's settings from the environment, the results route
(against a real SQLite store) and the server's start with the store."""

from __future__ import annotations

import asyncio
import json

import pytest
from starlette.requests import Request

from classroom import result
from classroom.assignment import Assignment
from classroom.store import SchemaError, Store, StoreUnavailable
from core.budget import LimitError
from core.config import validate
from core.trainer import Trainer
from serving import classes

# ---------------------------------------------------------------- settings


def test_the_default_store_is_a_sqlite_file_in_the_data_directory(tmp_path):
    s = classes.read({})
    assert s.store_url.startswith("sqlite:////") and s.store_url.endswith("/data/classes.db")
    assert s.max_class_size == 200 and s.backend == "sqlite"
    s = classes.read({"WRI_DATA_DIR": str(tmp_path / "d"), "WRI_MAX_CLASS_SIZE": "40"})
    assert s.store_url == f"sqlite:///{tmp_path / 'd' / 'classes.db'}" and s.max_class_size == 40
    s = classes.read({"WRI_STORE_URL": "postgres://app:pw@db:5432/classes"})
    assert s.store_url == "postgresql://app:pw@db:5432/classes" and s.backend == "postgresql"
    assert "pw" not in classes.describe(s) and "WRI_MAX_CLASS_SIZE=200" in classes.describe(s)


@pytest.mark.parametrize("env, says", [
    ({"WRI_MAX_CLASS_SIZE": "0"}, "WRI_MAX_CLASS_SIZE='0' is not allowed"),
    ({"WRI_MAX_CLASS_SIZE": "lots"}, "a whole number from 1 to 10000"),
    ({"WRI_STORE_URL": "mysql://u:hunter2@h/db"}, "mysql is not supported"),
    ({"WRI_STORE_URL": "sqlite:///:memory:"}, "is a file"),
    ({"WRI_STORE_URL": "postgresql://u:hunter2@/"}, "names no host"),
    ({"WRI_STORE_URL": "not a url"}, "is not a database URL"),
])
def test_a_bad_setting_stops_the_app_with_a_message_naming_it(env, says):
    with pytest.raises(LimitError, match="bad class store setting") as err:
        classes.read(env)
    assert says in str(err.value) and "hunter2" not in str(err.value)


# ---------------------------------------------------------------- the route


def request(code: str) -> Request:
    path = f"/_wri/class/{code}/results.json"
    return Request({"type": "http", "method": "GET", "path": path,
                    "path_params": {"code": code}, "query_string": b"", "headers": []})


def answer(code: str, get_store):
    response = asyncio.run(classes.results_json(request(code), get_store))
    return response.status_code, json.loads(response.body), response.headers


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'classes.db'}")
    yield s
    s.dispose()


def test_results_json_answers_with_the_class_s_results(store):
    assignment = Assignment.for_explore(validate(depth=2, width=6, n_samples=80,
                                                 batch_size=16), steps=20)
    new = store.create_class(assignment)
    seat = store.join(new.code, "c")
    t = Trainer(assignment.runs(5)[0])
    t.run(20)
    store.post(new.code, seat.token, 1, [result.compute(t)])
    status, body, headers = answer(new.code, lambda: store)
    assert status == 200 and headers["cache-control"] == "no-store"
    assert set(body) == {"class", "assignment", "joined", "closed", "results"}
    assert body["class"] == new.code and body["assignment"]["steps"] == 20
    (r,) = body["results"]
    for field in ("init", "init_seed", "steps", "final_loss", "trained", "diverged_at",
                  "distinct_units", "grad_norms_start", "answer"):
        assert field in r
    assert new.key not in json.dumps(body)  # never the lecturer's key
    assert answer(new.code.lower(), lambda: store)[1]["class"] == new.code
    store.delete(new.code, new.key)
    status, body, _ = answer(new.code, lambda: store)
    assert status == 404 and "no class" in body["error"]


def test_an_unknown_code_is_404_and_a_misshapen_one_never_reaches_the_store(store):
    assert answer("ZZZZZZZZ", lambda: store)[0] == 404

    def no_store():
        raise AssertionError("queried the store for a code of the wrong shape")

    for bad in ("x", "ABCDEFGHU", "%27%3B--", "A" * 300):
        status, body, _ = answer(bad, no_store)
        assert status == 404 and "class code" in body["error"]


def test_a_store_that_is_down_answers_503_and_says_it_is_retrying():
    class Down:
        def results(self, code):
            raise StoreUnavailable("Class results unavailable, retrying…")

    status, body, headers = answer("ZZZZZZZZ", Down)
    assert status == 503 and "retrying" in body["error"] and headers["retry-after"] == "2"


def test_the_routes_answer_under_any_base_path():
    paths = [r.path for r in classes.routes()]
    assert paths == [classes.ROUTE, "/{base:path}" + classes.ROUTE]


# ---------------------------------------------------------------- starting the server


def test_a_newer_schema_stops_the_server_and_a_database_still_down_does_not(monkeypatch):
    async def run_lifespan():
        async with classes.lifespan()(None):
            pass

    class Newer:
        def check(self):
            raise SchemaError("schema version 9, newer than this app's (1)")

        def sweep(self):
            return 0

    monkeypatch.setattr(classes, "_STORE", Newer())
    with pytest.raises(SchemaError, match="newer"):
        asyncio.run(run_lifespan())

    class NotYetUp(Newer):
        def check(self):
            raise StoreUnavailable("down")

    monkeypatch.setattr(classes, "_STORE", NotYetUp())
    asyncio.run(run_lifespan())  # starts; the class pages retry
