"""bench/class.py --smoke runs and prints its figures (SQLite always; PostgreSQL where the
tests' server is, tests/pg.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import pg

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_the_class_bench_smoke_prints_its_figures(store):
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    if store == "postgresql":
        env["WRI_BENCH_PG_URL"] = pg.server_url()
    done = subprocess.run([sys.executable, "bench/class.py", "--smoke", "--store", store],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert f"{store}:" in out and "FAILED" not in out
    assert "class of 30:" in out and "0 errors, 30 students' results in" in out
    assert "dashboard at 200 results (400 rows): read" in out
    assert "posts the store takes:" in out and "/s from 30 threads, 0 errors" in out
