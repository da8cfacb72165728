"""A class on the store: 30 simulated students posting and a dashboard polling each second,
against SQLite and PostgreSQL (issue 23).

Three measurements per store, in this process (one server process's class features):

1. **A class**: ``--students`` students join, then each posts its result at its own moment
   and posts again every ``--repost`` seconds (the "Send to class" button, then the post at
   the last step); a lecturer's dashboard reads the class's results each second and builds
   its five figures. Reported: the class features' server CPU (this process's CPU time over
   the wall time, in cores), the dashboard's read time (median / max) and its figures' time.
2. **The dashboard at 200 results**: a full class (200 students, each with a result) read
   ``--reads`` times: the read alone, and the read with the figures (target: read < 300 ms).
3. **Posts per second the store takes**: ``--students`` threads posting as fast as they can
   for ``--seconds`` seconds (every post an upsert in its own transaction).

The results posted are real (core Trainer runs of a small Compare assignment, zeros vs He),
computed once and posted with each student's seed. PostgreSQL runs in a schema of its own on
``--pg-url`` (default WRI_BENCH_PG_URL, else the tests' postgresql://postgres@127.0.0.1:5432/
test), dropped afterwards; SQLite in a temporary file. The database server's own CPU is not
in these figures for PostgreSQL (another process).

    .venv/bin/python bench/class.py [--store sqlite|postgresql|both] [--seconds 20]
    .venv/bin/python bench/class.py --smoke      # a few seconds, prints the same figures
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from classroom import result  # noqa: E402
from classroom.assignment import Assignment  # noqa: E402
from classroom.store import Store, StoreUnavailable  # noqa: E402
from core.compare import Lockstep  # noqa: E402
from core.config import validate  # noqa: E402

READ_TARGET_S = 0.300
PG_URL = os.environ.get("WRI_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def assignment() -> Assignment:
    shared = validate(depth=3, width=16, n_samples=200, batch_size=32)
    return Assignment.for_compare(shared, [shared.replace(init="zeros"),
                                           shared.replace(init="he_normal")], steps=100)


def real_entries(a: Assignment, n: int = 4) -> list[list[dict]]:
    """A few students' real results (each a list of one entry per column)."""
    return [result.from_lockstep(Lockstep(a.comparison(100 + k)).run(a.steps))
            for k in range(n)]


def student_post(entries, k: int) -> list[dict]:
    return [{**e, "init_seed": 1000 + k} for e in entries[k % len(entries)]]


def dashboard(payload) -> None:
    from viz import classroom as figures

    for build in (figures.final_loss_figure, figures.trained_figure,
                  figures.grad_norms_figure, figures.distinct_units_figure):
        build(payload, projected=True).to_json()


@contextlib.contextmanager
def store_on(kind: str, **kw):
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="wri-bench-") as d:
            store = Store(f"sqlite:///{Path(d) / 'classes.db'}", **kw)
            try:
                yield store
            finally:
                store.dispose()
        return
    import psycopg

    name = f"wri_bench_{secrets.token_hex(5)}"
    with psycopg.connect(PG_URL, autocommit=True, connect_timeout=3) as c:
        c.execute(f"CREATE SCHEMA {name}")
    sep = "&" if "?" in PG_URL else "?"
    store = Store(f"{PG_URL}{sep}options={quote(f'-csearch_path={name}')}", **kw)
    try:
        yield store
    finally:
        store.dispose()
        with psycopg.connect(PG_URL, autocommit=True) as c:
            c.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def a_class(store, a, entries, students: int, seconds: float, repost: float) -> dict:
    new = store.create_class(a)
    seats = [store.join(new.code, f"10.0.{k // 250}.{k % 250}") for k in range(students)]
    stop = threading.Event()
    posts, errors, reads, builds = [0], [], [], []
    lock = threading.Lock()

    def student(k, seat):
        rng = random.Random(k)
        if stop.wait(rng.uniform(0, min(repost, seconds / 2))):  # its own moment
            return
        while not stop.is_set():
            try:
                store.post(new.code, seat.token, seat.assignment_no, student_post(entries, k))
                with lock:
                    posts[0] += 1
            except StoreUnavailable as err:  # counted, never expected
                errors.append(repr(err))
            stop.wait(repost)

    def lecturer():
        while not stop.is_set():
            t0 = time.perf_counter()
            payload = store.lecturer(new.code, new.key)
            t1 = time.perf_counter()
            dashboard(payload)
            reads.append(t1 - t0)
            builds.append(time.perf_counter() - t1)
            stop.wait(max(0.0, 1.0 - (time.perf_counter() - t0)))

    threads = [threading.Thread(target=student, args=(k, s)) for k, s in enumerate(seats)]
    threads.append(threading.Thread(target=lecturer))
    wall, cpu = time.perf_counter(), time.process_time()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    final = store.results(new.code)
    return {"students": students, "posts": posts[0], "errors": len(errors),
            "results": len({r["student"] for r in final["results"]}),
            "cores": cpu / wall, "cpu_ms_per_post": 1000 * cpu / max(1, posts[0]),
            "read_median_ms": 1000 * statistics.median(reads) if reads else float("nan"),
            "read_max_ms": 1000 * max(reads) if reads else float("nan"),
            "figures_median_ms": 1000 * statistics.median(builds) if builds else float("nan"),
            "polls": len(reads)}


def full_class(store, a, entries, size: int, reads: int) -> dict:
    new = store.create_class(a)

    def fill(ks):
        for k in ks:
            seat = store.join(new.code, f"c{k}")
            store.post(new.code, seat.token, 1, student_post(entries, k))

    fillers = [threading.Thread(target=fill, args=(range(i, size, 10),)) for i in range(10)]
    for t in fillers:
        t.start()
    for t in fillers:
        t.join()
    times, figs = [], []
    for _ in range(reads):
        t0 = time.perf_counter()
        payload = store.results(new.code)
        t1 = time.perf_counter()
        dashboard(payload)
        times.append(t1 - t0)
        figs.append(time.perf_counter() - t1)
    assert len({r["student"] for r in payload["results"]}) == size
    return {"results": size, "rows": len(payload["results"]),
            "read_median_ms": 1000 * statistics.median(times), "read_max_ms": 1000 * max(times),
            "figures_median_ms": 1000 * statistics.median(figs)}


def throughput(store, a, entries, threads_n: int, seconds: float) -> dict:
    new = store.create_class(a)
    seats = [store.join(new.code, f"t{k}") for k in range(threads_n)]
    stop, counts, errors = threading.Event(), [0] * threads_n, []

    def hammer(k, seat):
        post = student_post(entries, k)
        while not stop.is_set():
            try:
                store.post(new.code, seat.token, 1, post)
                counts[k] += 1
            except StoreUnavailable as err:
                errors.append(repr(err))

    threads = [threading.Thread(target=hammer, args=(k, s)) for k, s in enumerate(seats)]
    wall, cpu = time.perf_counter(), time.process_time()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"posts_per_s": sum(counts) / wall, "errors": len(errors), "cores": cpu / wall,
            "rows": len(store.results(new.code)["results"])}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--repost", type=float, default=2.0)
    parser.add_argument("--full", type=int, default=200, help="results of the full class")
    parser.add_argument("--reads", type=int, default=20)
    parser.add_argument("--smoke", action="store_true", help="a few seconds in all")
    args = parser.parse_args()
    if args.smoke:
        args.seconds, args.reads, args.repost = 2.0, 3, 1.0
    kinds = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    a = assignment()
    entries = real_entries(a)
    dashboard({"assignment": a.as_dict(), "results": [  # imports and first builds: not timed
        {"student": 1, "run": i, **e} for i, e in enumerate(entries[0])]})
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
          f"{args.students} students, {args.seconds:g} s a phase"
          f"{' (smoke)' if args.smoke else ''}; a Compare assignment, "
          f"{len(entries[0])} runs a post")
    failed = False
    for kind in kinds:
        try:
            with store_on(kind, max_class_size=max(args.full, args.students)) as store:
                c = a_class(store, a, entries, args.students, args.seconds, args.repost)
                f = full_class(store, a, entries, args.full, args.reads)
                t = throughput(store, a, entries, args.students, args.seconds)
        except Exception as err:  # noqa: BLE001 - say which store, go on with the other
            print(f"{kind}: FAILED: {err!r}")
            failed = True
            continue
        met = "met" if f["read_median_ms"] < 1000 * READ_TARGET_S else "NOT met"
        print(f"{kind}:")
        print(f"  class of {c['students']}: {c['posts']} posts, {c['errors']} errors, "
              f"{c['results']} students' results in; server CPU {c['cores']:.3f} cores "
              f"({c['cpu_ms_per_post']:.1f} ms a post, dashboard included); dashboard read "
              f"{c['read_median_ms']:.1f} ms median / {c['read_max_ms']:.1f} max over "
              f"{c['polls']} polls, its figures {c['figures_median_ms']:.0f} ms")
        print(f"  dashboard at {f['results']} results ({f['rows']} rows): read "
              f"{f['read_median_ms']:.1f} ms median / {f['read_max_ms']:.1f} max "
              f"(target < {1000 * READ_TARGET_S:.0f} ms: {met}); figures "
              f"{f['figures_median_ms']:.0f} ms")
        print(f"  posts the store takes: {t['posts_per_s']:.0f}/s from {args.students} "
              f"threads, {t['errors']} errors ({t['cores']:.2f} cores)")
        failed |= bool(c["errors"] or t["errors"])
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
