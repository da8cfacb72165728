"""Every class's records, in a database behind this one module (SQLAlchemy 2 Core).

``Store(url)`` names the database as WRI_STORE_URL does: ``sqlite:///path/classes.db`` (the
default, a file under the data directory) or ``postgresql://user:pass@host/db`` (psycopg 3),
which several server processes (replicas) share. Nothing in a process's memory is the truth:
every call reads or writes the database, so two processes on one store behave as one.

- Schema: created on first use and versioned (table ``wri_schema``); a store written by a
  newer version of the app stops this one with SchemaError rather than misreading it.
- SQLite: WAL (readers never wait for the writer), a busy timeout, and every write in a
  ``BEGIN IMMEDIATE`` transaction, so that a writer waits for the lock at its start instead
  of failing when it upgrades a read lock ("database is locked" under concurrent posts).
- PostgreSQL: a short connect timeout, statement and lock timeouts, and pooled connections
  checked before use, so a database that is down or locked fails fast as StoreUnavailable
  instead of hanging a request; a replaced server's dead connections are replaced.
- Exactly once: a student's result is keyed on (class, student, assignment, run); a post
  writes by that key (an upsert), so a retry after an unacknowledged commit, or a second
  post, replaces the first and never adds a duplicate.
- Limits: at most ``max_class_size`` students a class; classes expire ``CLASS_TTL_S`` after
  they start (expired ones read as unknown at once, and their rows are deleted by
  ``sweep``); wrong join codes are counted per client in the store (so the limit holds
  across replicas), at most WRONG_CODES a minute; codes, keys and tokens of the wrong shape
  are refused before any query.
- Nothing personal: no names, addresses or free text. A client (whatever the caller counts
  wrong codes by, e.g. an address) is kept only as a salted hash for a minute; keys and
  student tokens only as their SHA-256.

Errors a person sees are ClassError (final: unknown code, closed, full, wait a minute) or
StoreUnavailable (the database is down or locked: try again later; see classroom.outbox).
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

from classroom import codes, result
from classroom.assignment import Assignment

SCHEMA_VERSION = 1
CLASS_TTL_S = 24 * 3600.0
DEFAULT_MAX_CLASS_SIZE = 200
WRONG_CODES = 5  # wrong join codes a client may try in WRONG_WINDOW_S
WRONG_WINDOW_S = 60.0
MAX_RUNS = 6  # a student's runs in one post: Compare's columns at most
BUSY_TIMEOUT_S = 10.0  # SQLite: how long a writer waits for the lock
CONNECT_TIMEOUT_S = 3  # PostgreSQL: a server that is down fails this fast
STATEMENT_TIMEOUT_S = 5.0  # PostgreSQL: a locked table fails this fast
SQLITE_POOL = (5, 15)  # connections kept, and opened beyond them at a burst
POSTGRES_POOL = (5, 10)  # a replica's share of PostgreSQL's 100 connections: 3 take 45
_PG_LOCK = 0x57524923  # advisory lock id ("WRI#") held while the schema is made

UNAVAILABLE = "Class results unavailable, retrying…"
_LOG = logging.getLogger(__name__)

metadata = sa.MetaData()
schema = sa.Table(
    "wri_schema", metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("salt", sa.String(64), nullable=False),  # for the clients' hashes
)
classes = sa.Table(
    "wri_classes", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(codes.CODE_LENGTH), nullable=False, unique=True),
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("assignment", sa.Text, nullable=False),  # Assignment.as_dict() as JSON
    sa.Column("assignment_no", sa.Integer, nullable=False),  # counts the assignments set
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("expires_at", sa.Double, nullable=False, index=True),
    sa.Column("closed_at", sa.Double, nullable=True),
)
students = sa.Table(
    "wri_students", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("class_id", sa.Integer, sa.ForeignKey("wri_classes.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("number", sa.Integer, nullable=False),  # 1, 2, ... in the order they joined
    sa.Column("joined_at", sa.Double, nullable=False),
    sa.UniqueConstraint("class_id", "token_hash"),
    sa.UniqueConstraint("class_id", "number"),
)
results = sa.Table(
    "wri_results", metadata,
    sa.Column("class_id", sa.Integer, sa.ForeignKey("wri_classes.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("student_id", sa.Integer, sa.ForeignKey("wri_students.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("assignment_no", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("run", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("label", sa.String(200), nullable=False),
    sa.Column("init", sa.String(64), nullable=False),
    sa.Column("init_seed", sa.BigInteger, nullable=False),
    sa.Column("steps", sa.Integer, nullable=False),
    sa.Column("final_loss", sa.Double, nullable=True),
    sa.Column("baseline_loss", sa.Double, nullable=True),
    sa.Column("trained", sa.Boolean, nullable=False),
    sa.Column("diverged_at", sa.Integer, nullable=True),
    sa.Column("distinct_units", sa.Text, nullable=False),  # JSON list, per layer
    sa.Column("grad_norms_start", sa.Text, nullable=False),  # JSON list, per layer
    sa.Column("answer", sa.Integer, nullable=True),
    sa.Column("run_answer", sa.Integer, nullable=True),
    sa.Column("posted_at", sa.Double, nullable=False),
)
wrong_codes = sa.Table(
    "wri_wrong_codes", metadata,
    sa.Column("client", sa.String(64), primary_key=True),  # salted hash, never the client
    sa.Column("window_start", sa.Double, nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
)
_LISTS = ("distinct_units", "grad_norms_start")


# ---------------------------------------------------------------- what goes wrong


class ClassError(ValueError):
    """A request the store answered, and refused: its message is for the person."""

    status = 400


class BadCode(ClassError):
    status = 404


class UnknownClass(ClassError):
    status = 404


class WrongKey(ClassError):
    status = 403


class ClassClosed(ClassError):
    status = 409


class ClassFull(ClassError):
    status = 409


class StaleAssignment(ClassError):
    status = 409


class UnknownStudent(ClassError):
    status = 409


class RateLimited(ClassError):
    status = 429

    def __init__(self, message: str, retry_after_s: float):
        super().__init__(message)
        self.retry_after_s = retry_after_s


class StoreUnavailable(RuntimeError):
    """The database is down, unreachable or locked: the request may succeed later."""


class SchemaError(RuntimeError):
    """The store holds a schema this code does not know: the server must not start."""


def _unknown(code: str) -> UnknownClass:
    return UnknownClass(f"There is no class {codes.shown(code)} (it may have ended: a class "
                        "lasts a day). Check the code with your lecturer.")


@dataclass(frozen=True)
class NewClass:
    code: str
    key: str  # the lecturer's: shown once, in the lecturer's address, never stored


@dataclass(frozen=True)
class Seat:
    """A student's place in a class: the session keeps it to post its result."""

    code: str
    token: str
    number: int
    assignment: Assignment
    assignment_no: int


# ---------------------------------------------------------------- the database


def redacted(url: str) -> str:
    """``url`` without its password: what messages and logs may show."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except exc.ArgumentError:
        return "(not a database URL)"


def _sqlite_engine(url, busy_timeout_s: float) -> sa.Engine:
    db = url.database
    if not db or db == ":memory:" or db.startswith("file:"):
        raise ValueError(f"store URL {redacted(str(url))!r}: an SQLite store is a file, e.g. "
                         "sqlite:///data/classes.db (a memory database is not shared)")
    Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url, connect_args={"timeout": busy_timeout_s, "check_same_thread": False},
        pool_size=SQLITE_POOL[0], max_overflow=SQLITE_POOL[1], pool_timeout=busy_timeout_s + 5)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # The driver's own transactions begin lazily, at the first write, after the reads:
        # a write that must upgrade its read lock fails at once, without waiting. So the
        # driver opens none, and _on_begin opens each one as it should be.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable at each checkpoint, in WAL
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        write = connection.get_execution_options().get("wri_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _postgres_engine(url, connect_timeout_s: float, statement_timeout_s: float) -> sa.Engine:
    ms = int(statement_timeout_s * 1000)
    options = f"-c statement_timeout={ms} -c lock_timeout={ms} " \
              f"-c idle_in_transaction_session_timeout={10 * ms}"
    given = url.query.get("options")
    if given:
        options = f"{given} {options}"
        url = url.difference_update_query(["options"])
    return sa.create_engine(
        url.set(drivername="postgresql+psycopg"), pool_pre_ping=True,
        pool_size=POSTGRES_POOL[0], max_overflow=POSTGRES_POOL[1],
        pool_timeout=connect_timeout_s + statement_timeout_s,
        connect_args={"connect_timeout": max(1, int(connect_timeout_s)), "options": options})


def make_engine(url: str, busy_timeout_s: float = BUSY_TIMEOUT_S,
                connect_timeout_s: float = CONNECT_TIMEOUT_S,
                statement_timeout_s: float = STATEMENT_TIMEOUT_S) -> sa.Engine:
    try:
        u = make_url(url)
    except exc.ArgumentError:
        raise ValueError(f"store URL {url[:12]!r}…: not a database URL; allowed: "
                         "sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
                         ) from None
    backend, driver = u.get_backend_name(), u.get_driver_name()
    if backend == "sqlite" and driver in ("pysqlite", "sqlite"):
        return _sqlite_engine(u, busy_timeout_s)
    if backend == "postgresql" and driver in ("psycopg", "psycopg2", "postgresql"):
        return _postgres_engine(u, connect_timeout_s, statement_timeout_s)
    raise ValueError(f"store URL {redacted(url)!r}: {backend}+{driver} is not supported; "
                     "allowed: sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DATABASE")


def _unavailable(err: Exception) -> bool:
    """Whether a database error means "down, unreachable or locked" (try again later)."""
    if isinstance(err, exc.TimeoutError | exc.DisconnectionError):  # pool timeout
        return True
    if isinstance(err, exc.DBAPIError):
        return bool(err.connection_invalidated) or isinstance(
            err, exc.OperationalError | exc.InterfaceError)
    return False


def _upsert(connection, table, values: dict, keys: tuple, update: dict):
    """INSERT ... ON CONFLICT (keys) DO UPDATE SET update, in either dialect."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**values)
    return connection.execute(statement.on_conflict_do_update(index_elements=list(keys),
                                                              set_=update))


class _Gate:
    """At most ``n`` holders, first come first served: a thread that gives its place back
    and asks again at once queues behind those already waiting. The pool's own wait is
    not fair: under a burst a thread could wait out its timeout while others came and went
    (bench/class.py: 15 of 30 threads posting without a pause, 8 s each)."""

    def __init__(self, n: int):
        self._free = n
        self._lock = threading.Lock()
        self._waiting: collections.deque = collections.deque()

    def acquire(self, timeout: float) -> bool:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return True
            turn = threading.Event()
            self._waiting.append(turn)
        if turn.wait(timeout):
            return True
        with self._lock:
            if turn in self._waiting:
                self._waiting.remove(turn)
                return False
        return True  # handed the place as the wait ran out

    def release(self) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().set()  # the place goes to the longest waiter
            else:
                self._free += 1


class Store:
    """A class store on ``url`` (see the module's docstring). Thread-safe: each call takes a
    pooled connection for one transaction."""

    def __init__(self, url: str, *, max_class_size: int = DEFAULT_MAX_CLASS_SIZE,
                 ttl_s: float = CLASS_TTL_S, busy_timeout_s: float = BUSY_TIMEOUT_S,
                 connect_timeout_s: float = CONNECT_TIMEOUT_S,
                 statement_timeout_s: float = STATEMENT_TIMEOUT_S, clock=time.time):
        if isinstance(max_class_size, bool) or not isinstance(max_class_size, int) or (
                max_class_size < 1):
            raise ValueError(f"max class size: {max_class_size!r}; allowed: a whole number >= 1")
        self.url = redacted(url)
        self.max_class_size = max_class_size
        self.ttl_s = float(ttl_s)
        self.clock = clock
        self.engine = make_engine(url, busy_timeout_s, connect_timeout_s, statement_timeout_s)
        self._writer = self.engine.execution_options(wri_write=True)
        # A transaction waits its turn here, fairly, never in the pool. SQLite: one writer
        # at a time in this process (they would only queue for the file's lock, in SQLite's
        # sleepy busy loop, unfairly: a writer waited 10 s behind 30 others), readers beside
        # it; the busy timeout is then for other processes. PostgreSQL: as many as the pool.
        if self.dialect == "sqlite":
            self._gates = {True: _Gate(1), False: _Gate(sum(SQLITE_POOL) - 1)}
        else:
            shared = _Gate(sum(POSTGRES_POOL))
            self._gates = {True: shared, False: shared}
        self.wait_s = busy_timeout_s if self.dialect == "sqlite" else (
            connect_timeout_s + statement_timeout_s)
        self._ready_lock = threading.Lock()
        self._salt: str | None = None  # fixed when the schema is made; read once

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self):
        self.engine.dispose()

    # ------------------------------------------------------------ transactions

    @contextlib.contextmanager
    def _tx(self, write: bool):
        self._ready()
        gate = self._gates[write]
        if not gate.acquire(self.wait_s):
            _LOG.warning("class store %s: no turn within %.0f s", self.url, self.wait_s)
            raise StoreUnavailable(UNAVAILABLE)
        try:
            with self._guard(), (self._writer if write else self.engine).begin() as connection:
                yield connection
        finally:
            gate.release()

    @contextlib.contextmanager
    def _guard(self):
        try:
            yield
        except (exc.SQLAlchemyError, OSError) as err:
            if isinstance(err, OSError) or _unavailable(err):
                _LOG.warning("class store %s unavailable: %s", self.url,
                             str(err).splitlines()[0][:300])
                raise StoreUnavailable(UNAVAILABLE) from err
            raise

    def _ready(self):
        """The schema, made or checked once per process (and again after a failure)."""
        if self._salt is not None:
            return
        with self._ready_lock:
            if self._salt is None:
                with self._guard(), self._writer.begin() as connection:
                    self._salt = self._migrate(connection)

    def _migrate(self, connection) -> str:
        if connection.dialect.name == "postgresql":  # two replicas starting at once
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK})
        metadata.create_all(connection)  # the tables that are missing, nothing else
        rows = connection.execute(sa.select(schema.c.version, schema.c.salt)).all()
        if not rows:
            salt = secrets.token_hex(32)
            connection.execute(schema.insert().values(version=SCHEMA_VERSION, salt=salt))
            return salt
        version, salt = max(rows)
        if version > SCHEMA_VERSION:
            raise SchemaError(
                f"The class store at {self.url} has schema version {version}, newer than "
                f"this app's ({SCHEMA_VERSION}): it was written by a newer version of the "
                "app. Run that version, or point WRI_STORE_URL at another store.")
        # (older versions: migrations go here, each from version n to n + 1)
        return salt

    def check(self) -> None:
        """Make or check the schema now (a server calls this as it starts): SchemaError for
        a newer schema, StoreUnavailable when the database cannot be reached."""
        self._ready()

    # ------------------------------------------------------------ lookups

    def _class(self, connection, code: str, now: float, lock: bool | str = False):
        """The live class ``code``, or None. PostgreSQL: ``lock=True`` locks its row (joins
        and the lecturer's changes go one at a time: the size limit holds), ``"share"`` only
        against those (posts run side by side, and none lands after a close). SQLite's
        writes are one at a time anyway (BEGIN IMMEDIATE)."""
        query = sa.select(classes).where(classes.c.code == code, classes.c.expires_at > now)
        if lock and connection.dialect.name == "postgresql":
            query = query.with_for_update(read=lock == "share")
        return connection.execute(query).first()

    def _lecturer_class(self, connection, code: str, key: str, now: float, lock=False):
        row = self._class(connection, code, now, lock)
        if row is None:
            raise _unknown(code)
        if not codes.same_digest(key, row.key_hash):
            raise WrongKey("This lecturer link's key does not match the class: use the "
                           "address you were given when you started it.")
        return row

    def _client(self, client: str) -> str:
        return hashlib.sha256(f"{self._salt}\0{client}".encode()).hexdigest()

    @staticmethod
    def _code(code) -> str:
        try:
            return codes.parse_code(code)
        except codes.BadShape as err:
            raise BadCode(str(err)) from None

    @staticmethod
    def _secret(parse, value) -> str:
        try:
            return parse(value)
        except codes.BadShape as err:
            raise (WrongKey if parse is codes.parse_key else UnknownStudent)(str(err)) from None

    # ------------------------------------------------------------ the lecturer

    def create_class(self, assignment: Assignment) -> NewClass:
        """A new class with ``assignment``: its join code and the lecturer's key."""
        if not isinstance(assignment, Assignment):
            raise TypeError("create_class takes an Assignment")
        now = self.clock()
        self.sweep(now)
        key = codes.new_key()
        with self._tx(write=True) as c:
            for _ in range(8):
                code = codes.new_code()
                taken = c.execute(sa.select(classes.c.id).where(classes.c.code == code)).first()
                if taken is None:
                    break
            else:  # 8 draws of 40 bits all taken: the store holds ~10^12 classes
                raise RuntimeError("no free class code")
            c.execute(classes.insert().values(
                code=code, key_hash=codes.digest(key), assignment=json.dumps(
                    assignment.as_dict()), assignment_no=1, created_at=now,
                expires_at=now + self.ttl_s, closed_at=None))
        return NewClass(code, key)

    def lecturer(self, code, key) -> dict:
        """The class's state for its lecturer (WrongKey without the right key)."""
        code, key = self._code(code), self._secret(codes.parse_key, key)
        now = self.clock()
        with self._tx(write=False) as c:
            row = self._lecturer_class(c, code, key, now)
            return self._payload(c, row)

    def set_assignment(self, code, key, assignment: Assignment) -> int:
        """A new assignment for the class; the earlier one's results stay in the store but
        the class shows the new one's. Returns its number."""
        code, key = self._code(code), self._secret(codes.parse_key, key)
        now = self.clock()
        with self._tx(write=True) as c:
            row = self._lecturer_class(c, code, key, now, lock=True)
            number = row.assignment_no + 1
            c.execute(classes.update().where(classes.c.id == row.id).values(
                assignment=json.dumps(assignment.as_dict()), assignment_no=number))
        return number

    def close(self, code, key) -> None:
        """No more joins or posts; the results stay readable until the class expires."""
        code, key = self._code(code), self._secret(codes.parse_key, key)
        now = self.clock()
        with self._tx(write=True) as c:
            row = self._lecturer_class(c, code, key, now, lock=True)
            if row.closed_at is None:
                c.execute(classes.update().where(classes.c.id == row.id).values(closed_at=now))

    def delete(self, code, key) -> None:
        """The class and every record of it, gone: its code answers 404 from now on."""
        code, key = self._code(code), self._secret(codes.parse_key, key)
        now = self.clock()
        with self._tx(write=True) as c:
            row = self._lecturer_class(c, code, key, now, lock=True)
            self._delete_classes(c, [row.id])

    @staticmethod
    def _delete_classes(c, ids: list[int]) -> None:
        if ids:  # explicitly, children first: SQLite's cascade needs a pragma per connection
            c.execute(results.delete().where(results.c.class_id.in_(ids)))
            c.execute(students.delete().where(students.c.class_id.in_(ids)))
            c.execute(classes.delete().where(classes.c.id.in_(ids)))

    def sweep(self, now: float | None = None) -> int:
        """Delete the expired classes' rows and the clients' old counts of wrong codes;
        returns how many classes went."""
        now = self.clock() if now is None else now
        with self._tx(write=True) as c:
            ids = list(c.execute(sa.select(classes.c.id).where(classes.c.expires_at <= now)
                                 ).scalars())
            self._delete_classes(c, ids)
            c.execute(wrong_codes.delete().where(
                wrong_codes.c.window_start <= now - WRONG_WINDOW_S))
        return len(ids)

    # ------------------------------------------------------------ a student

    def join(self, code, client: str, token: str | None = None) -> Seat:
        """A seat in the class for a student's session (the same seat again for its
        ``token``). ``client``: what wrong codes are counted by (e.g. the address); kept only
        as a salted hash, for a minute."""
        code = self._code(code)
        if token is not None:
            token = self._secret(codes.parse_token, token)
        if not isinstance(client, str) or not client:
            raise ValueError("join: client must be a non-empty text (e.g. an address)")
        now = self.clock()
        wrong = False
        with self._tx(write=True) as c:
            client_key = self._client(client)
            counted = c.execute(sa.select(wrong_codes).where(
                wrong_codes.c.client == client_key)).first()
            if counted is not None and counted.count >= WRONG_CODES and (
                    counted.window_start > now - WRONG_WINDOW_S):
                wait = counted.window_start + WRONG_WINDOW_S - now
                raise RateLimited(f"Too many wrong class codes: wait a minute and try again "
                                  f"(about {max(1, round(wait))} s).", wait)
            row = self._class(c, code, now, lock=True)
            if row is None:
                fresh = wrong_codes.c.window_start <= now - WRONG_WINDOW_S
                _upsert(c, wrong_codes, {"client": client_key, "window_start": now, "count": 1},
                        ("client",), {
                            "count": sa.case((fresh, 1), else_=wrong_codes.c.count + 1),
                            "window_start": sa.case((fresh, now),
                                                    else_=wrong_codes.c.window_start)})
                wrong = True  # raised after the commit, which keeps the count
            else:
                seat = self._seat(c, row, code, token, now)
        if wrong:
            raise _unknown(code)
        return seat

    def _seat(self, c, row, code, token, now) -> Seat:
        assignment = Assignment.from_dict(json.loads(row.assignment))
        if token is not None:
            number = c.execute(sa.select(students.c.number).where(
                students.c.class_id == row.id,
                students.c.token_hash == codes.digest(token))).scalar()
            if number is not None:
                return Seat(code, token, number, assignment, row.assignment_no)
        if row.closed_at is not None:
            raise ClassClosed(f"Class {codes.shown(code)} is closed: it takes no more students "
                              "or results.")
        joined = c.execute(sa.select(sa.func.count()).select_from(students).where(
            students.c.class_id == row.id)).scalar()
        if joined >= self.max_class_size:
            raise ClassFull(f"Class {codes.shown(code)} is full ({self.max_class_size} "
                            "students): ask your lecturer.")
        token = codes.new_token()
        c.execute(students.insert().values(class_id=row.id, token_hash=codes.digest(token),
                                           number=joined + 1, joined_at=now))
        return Seat(code, token, joined + 1, assignment, row.assignment_no)

    def post(self, code, token, assignment_no: int, entries: list[dict]) -> None:
        """A student's result for the class's assignment ``assignment_no``: one entry per run
        (classroom.result.compute), checked here. It replaces the student's earlier post for
        that assignment: posting again, or a retry, never adds a duplicate."""
        code, token = self._code(code), self._secret(codes.parse_token, token)
        if not isinstance(entries, list | tuple) or not 1 <= len(entries) <= MAX_RUNS:
            raise ValueError(f"post: {MAX_RUNS} runs at most, at least one")
        entries = [result.check(e) for e in entries]
        now = self.clock()
        with self._tx(write=True) as c:
            row = self._class(c, code, now, lock="share")
            if row is None:
                raise _unknown(code)
            if row.closed_at is not None:
                raise ClassClosed(f"Class {codes.shown(code)} is closed: your result was not "
                                  "taken.")
            if assignment_no != row.assignment_no:
                raise StaleAssignment("The lecturer has set a new assignment since this run "
                                      "started: start the new one to send a result.")
            student = c.execute(sa.select(students.c.id).where(
                students.c.class_id == row.id,
                students.c.token_hash == codes.digest(token))).scalar()
            if student is None:
                raise UnknownStudent("This session has no seat in the class: join it again.")
            shape = json.loads(row.assignment)
            runs, question = len(shape["run_labels"]), shape.get("question")
            if len(entries) != runs:
                raise ValueError(f"post: {len(entries)} runs; this assignment has {runs}")
            for e in entries:
                if e["answer"] is not None and (
                        question is None or e["answer"] >= len(question["choices"])):
                    raise ValueError(f"post: answer {e['answer']} is not one of the choices")
            key = {"class_id": row.id, "student_id": student, "assignment_no": assignment_no}
            for run, e in enumerate(entries):
                values = {**e, **{k: json.dumps(e[k]) for k in _LISTS}, "posted_at": now}
                _upsert(c, results, {**key, "run": run, **values},
                        ("class_id", "student_id", "assignment_no", "run"), values)
            c.execute(results.delete().where(
                *(results.c[k] == v for k, v in key.items()), results.c.run >= len(entries)))

    # ------------------------------------------------------------ reading a class

    def results(self, code) -> dict:
        """``{"class", "assignment", "joined", "closed", "expires_at", "results": [...]}``:
        results.json, and what the dashboard draws. UnknownClass for an unknown, deleted or
        expired code."""
        code = self._code(code)
        now = self.clock()
        with self._tx(write=False) as c:
            row = self._class(c, code, now)
            if row is None:
                raise _unknown(code)
            return self._payload(c, row)

    def _payload(self, c, row) -> dict:
        joined = c.execute(sa.select(sa.func.count()).select_from(students).where(
            students.c.class_id == row.id)).scalar()
        fields = [results.c[k] for k in result.FIELDS]
        rows = c.execute(
            sa.select(students.c.number, results.c.run, *fields)
            .join(students, students.c.id == results.c.student_id)
            .where(results.c.class_id == row.id, results.c.assignment_no == row.assignment_no)
            .order_by(students.c.number, results.c.run)).all()
        out = []
        for r in rows:
            item = {"student": r.number, "run": r.run}
            for k in result.FIELDS:
                v = getattr(r, k)
                item[k] = json.loads(v) if k in _LISTS else v
            item["trained"] = bool(item["trained"])
            out.append(item)
        return {"class": row.code, "assignment": json.loads(row.assignment),
                "assignment_no": row.assignment_no, "joined": joined,
                "closed": row.closed_at is not None, "expires_at": row.expires_at,
                "results": out}
