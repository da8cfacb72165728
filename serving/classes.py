"""A class on a shared server: the store's settings from the environment, the process's one
Store, and the route ``GET /_wri/class/CODE/results.json``.

Settings (read once, at import, and checked like serving/limits.py's: a bad value stops the
app with a message naming the variable; ``python -m serving.classes`` prints them, or why
they are bad, and checks the store):

- ``WRI_STORE_URL``: the class store. Default ``sqlite:///<WRI_DATA_DIR>/classes.db``, for
  one server process; ``postgresql://USER:PASSWORD@HOST:PORT/DB`` for replicas, which share it.
- ``WRI_DATA_DIR``: where the default SQLite store lives. Default ``data`` (under the working
  directory).
- ``WRI_MAX_CLASS_SIZE``: students one class may seat. Default 200.

The store's password is never printed or logged (classroom.store.redacted).

The route answers ``200 {"class", "assignment", "joined", "closed", "results": [...]}``
(classroom/result.py lists a result's fields), ``404`` for a code of the wrong shape (refused
before any query) or an unknown, deleted or expired class, and ``503`` with Retry-After while
the database is down or locked. It carries no key and shows nothing personal: the results
are the room's, anonymous, as the dashboard shows them to the room.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import sys
import threading
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.routing import Route

from classroom import codes
from classroom.store import (
    DEFAULT_MAX_CLASS_SIZE,
    UNAVAILABLE,
    ClassError,
    Store,
    StoreUnavailable,
    redacted,
)
from core.budget import LimitError

ROUTE = "/_wri/class/{code}/results.json"
SWEEP_EVERY_S = 600.0  # expired classes' rows are deleted this often (they read as gone at once)
MAX_CLASS_SIZE_RANGE = (1, 10_000)
_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClassSettings:
    store_url: str
    max_class_size: int = DEFAULT_MAX_CLASS_SIZE
    data_dir: str = "data"

    @property
    def shown_url(self) -> str:
        return redacted(self.store_url)

    @property
    def backend(self) -> str:
        return self.store_url.split(":", 1)[0].split("+", 1)[0]


SPEC = {
    "store_url": ("WRI_STORE_URL", "the class store: sqlite:///PATH (default: classes.db in "
                  "WRI_DATA_DIR) for one server process, postgresql://USER:PASSWORD@HOST:PORT/DB "
                  "for replicas, which share it"),
    "data_dir": ("WRI_DATA_DIR", "the folder of the default SQLite class store"),
    "max_class_size": ("WRI_MAX_CLASS_SIZE", "students one class may seat"),
}


def _store_url(text: str) -> str:
    allowed = ("allowed: sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DATABASE")
    env = SPEC["store_url"][0]
    if text.startswith("postgres://"):  # the short form some hosts hand out
        text = "postgresql://" + text.removeprefix("postgres://")
    try:
        url = make_url(text)
    except ArgumentError:
        raise LimitError(f"{env} is not a database URL; {allowed}") from None
    shown = redacted(text)
    backend, driver = url.get_backend_name(), url.get_driver_name()
    if backend == "sqlite" and driver in ("pysqlite", "sqlite"):
        if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
            raise LimitError(f"{env}={shown!r}: an SQLite class store is a file, e.g. "
                             "sqlite:///data/classes.db (a memory database is not shared)")
    elif backend == "postgresql" and driver in ("psycopg", "psycopg2", "postgresql"):
        if not url.host or not url.database:
            raise LimitError(f"{env}={shown!r} names no host or database; {allowed}")
    else:
        raise LimitError(f"{env}={shown!r}: {backend} is not supported; {allowed}")
    return text


def read(environ=None) -> ClassSettings:
    """The settings in ``environ`` (default: the process's environment), checked."""
    environ = os.environ if environ is None else environ
    problems = []
    data_dir = (environ.get("WRI_DATA_DIR") or "").strip() or "data"
    size = DEFAULT_MAX_CLASS_SIZE
    text = (environ.get("WRI_MAX_CLASS_SIZE") or "").strip()
    if text:
        lo, hi = MAX_CLASS_SIZE_RANGE
        try:
            size = int(text)
            if not (math.isfinite(size) and lo <= size <= hi):
                raise ValueError
        except ValueError:
            problems.append(f"WRI_MAX_CLASS_SIZE={text!r} is not allowed; allowed: a whole "
                            f"number from {lo} to {hi}")
    url = (environ.get("WRI_STORE_URL") or "").strip()
    if url:
        try:
            url = _store_url(url)
        except LimitError as err:
            problems.append(str(err))
    else:
        url = f"sqlite:///{Path(data_dir).expanduser().absolute() / 'classes.db'}"
    if problems:
        raise LimitError("bad class store setting: " + "; ".join(problems))
    return ClassSettings(url, size, data_dir)


def describe(settings: ClassSettings | None = None) -> str:
    s = settings or SETTINGS
    return "\n".join([f"WRI_STORE_URL={s.shown_url}  # {SPEC['store_url'][1]}",
                      f"WRI_DATA_DIR={s.data_dir}  # {SPEC['data_dir'][1]}",
                      f"WRI_MAX_CLASS_SIZE={s.max_class_size}  # {SPEC['max_class_size'][1]}"])


try:
    SETTINGS = read()
except LimitError as err:
    if __name__ == "__main__":
        sys.exit(f"python -m serving.classes: {err}")
    raise

_STORE: Store | None = None
_STORE_LOCK = threading.Lock()


def store() -> Store:
    """The process's Store on SETTINGS (one pool of connections; the data live in the
    database, never here)."""
    global _STORE
    if _STORE is None:
        with _STORE_LOCK:
            if _STORE is None:
                _STORE = Store(SETTINGS.store_url, max_class_size=SETTINGS.max_class_size)
    return _STORE


def start() -> None:
    """Make or check the store's schema as the server starts: a newer schema than this app
    knows (SchemaError) stops the server with its message; a database not up yet only
    warns (the class pages retry)."""
    try:
        store().check()
    except StoreUnavailable:
        _LOG.warning("the class store %s is unavailable as the server starts; the class "
                     "pages will retry", SETTINGS.shown_url)


# ---------------------------------------------------------------- the route


def _json(body: dict, status: int, **headers):
    return JSONResponse(body, status_code=status,
                        headers={"Cache-Control": "no-store", **headers})


PUBLIC = ("class", "assignment", "joined", "closed", "results")


async def results_json(request, get_store=None):
    """GET /_wri/class/{code}/results.json (see the module's docstring)."""
    raw = request.path_params["code"]
    try:
        code = codes.parse_code(raw)  # before any query
    except codes.BadShape as err:
        return _json({"error": str(err)}, 404)
    try:
        payload = await run_in_threadpool((get_store or store)().results, code)
    except ClassError as err:
        return _json({"error": str(err)}, 404)
    except StoreUnavailable:
        return _json({"error": UNAVAILABLE}, 503, **{"Retry-After": "2"})
    except Exception:
        _LOG.exception("the class results route failed")
        return _json({"error": "The class results could not be read (a server error)."}, 500)
    return _json({k: payload[k] for k in PUBLIC}, 200)


def routes() -> list:
    # As serving/feed.py's route: it answers under any base path too.
    return [Route(ROUTE, results_json, methods=["GET"]),
            Route("/{base:path}" + ROUTE, results_json, methods=["GET"])]


async def _sweep_every(seconds: float):
    while True:
        try:
            await asyncio.to_thread(store().sweep)
        except StoreUnavailable:
            pass  # said by the store's log; tried again next time
        except Exception:
            _LOG.exception("sweeping the expired classes failed")
        await asyncio.sleep(seconds)


def lifespan(inner=None):
    """A lifespan for st.App: checks the store as the server starts (see ``start``), sweeps
    expired classes every SWEEP_EVERY_S, and runs ``inner`` (feed.lifespan) inside."""

    @asynccontextmanager
    async def _lifespan(app):
        await asyncio.to_thread(start)
        sweeping = asyncio.create_task(_sweep_every(SWEEP_EVERY_S))
        try:
            if inner is None:
                yield
            else:
                async with inner(app):
                    yield
        finally:
            sweeping.cancel()

    return _lifespan


if __name__ == "__main__":  # python -m serving.classes: the settings, and whether the store opens
    print(describe())
    try:
        store().check()
    except StoreUnavailable as err:
        cause = str(err.__cause__ or err).splitlines()[0][:300]
        sys.exit(f"python -m serving.classes: the class store {SETTINGS.shown_url} cannot be "
                 f"reached: {cause}")
    except Exception as err:  # SchemaError: a newer app wrote it
        sys.exit(f"python -m serving.classes: {err}")
    print(f"class store ok: {SETTINGS.shown_url}")
