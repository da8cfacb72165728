"""A real PostgreSQL for the class store's tests.

``server_url()`` is the shared server (WRI_TEST_PG_URL, default the machine's
postgresql://postgres@127.0.0.1:5432/test); ``fresh_schema`` gives each test a schema of its
own on it, dropped afterwards, so tests (and other people's) never see each other's tables.
Without a server the tests skip with a message; PG_REQUIRED=1 (as CI sets) fails them
instead, like E2E_REQUIRED=1 for the browser tests.

``Cluster`` is a throwaway server of our own (initdb + pg_ctl in a temporary folder, on a
free port) that a fault test may stop and start: never the shared one, which others use.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest

SERVER_URL = os.environ.get("WRI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def required(message: str):
    """Skip with ``message``, or fail under PG_REQUIRED=1."""
    if os.environ.get("PG_REQUIRED") == "1":
        pytest.fail(f"{message}, and PG_REQUIRED=1: PostgreSQL must be there", pytrace=False)
    pytest.skip(f"{message}; PostgreSQL store tests skipped (PG_REQUIRED=1 makes this fail)")


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def server_url() -> str:
    import psycopg

    try:
        psycopg.connect(_dsn(SERVER_URL), connect_timeout=3).close()
    except psycopg.Error as err:
        required(f"no PostgreSQL at {SERVER_URL} ({str(err).strip().splitlines()[0][:120]})")
    return SERVER_URL


def with_search_path(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options={quote(f'-csearch_path={schema}')}"


@contextlib.contextmanager
def fresh_schema(url: str):
    """``url`` whose tables live in a new schema of their own, dropped afterwards."""
    import psycopg

    name = f"wri_test_{secrets.token_hex(6)}"
    with psycopg.connect(_dsn(url), autocommit=True) as c:
        c.execute(f"CREATE SCHEMA {name}")
    try:
        yield with_search_path(url, name)
    finally:
        with psycopg.connect(_dsn(url), autocommit=True) as c:
            c.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for path in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(path)
    return None


class Cluster:
    """A PostgreSQL server of the test's own, in a temporary folder: start, stop, start."""

    def __init__(self):
        self.initdb, self.pg_ctl = _tool("initdb"), _tool("pg_ctl")
        if not (self.initdb and self.pg_ctl):
            required("initdb and pg_ctl not found (Debian's postgresql package has them)")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="wri-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        # initdb refuses to run as root: run the server as the postgres user, as Debian does
        self.user = None
        if os.geteuid() == 0:
            self.user = "postgres"
            shutil.chown(self.dir, self.user)
        self._run(self.initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "--no-sync", "-E", "UTF8")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *cmd, check=True, timeout=120):
        if self.user:
            cmd = ("runuser", "-u", self.user, "--", *cmd)
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if check and done.returncode:
            raise RuntimeError(f"{cmd}: {done.stdout}{done.stderr}")
        return done

    def start(self):
        opts = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} "
                "-c fsync=off -c max_connections=60")
        self._run(self.pg_ctl, "-D", str(self.data), "-l", str(self.log), "-o", opts, "-w",
                  "-t", "60", "start")
        return self

    def stop(self, mode: str = "immediate"):
        """Stop the server: "immediate" is a crash, as a killed container's."""
        self._run(self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def running(self) -> bool:
        return self._run(self.pg_ctl, "-D", str(self.data), "status", check=False).returncode == 0

    def cleanup(self):
        if self.running():
            self.stop()
        for _ in range(20):
            with contextlib.suppress(OSError):
                shutil.rmtree(self.dir)
                return
            time.sleep(0.1)
