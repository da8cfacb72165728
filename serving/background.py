"""Work the server does ahead, as it starts, in a process that yields to everything else.

The lesson texts (the sigmoid lesson trains ~1000 steps for its) and the phase planes the
lessons open (seconds of NumPy loops) are worked out at start-up so that no student waits
for them later. Done on a thread of the server, they held its interpreter lock while the
first visitor's page ran; done in a process at normal priority, they took a core from the
visitor's browser on a 2-core machine: either way the first chart came 1.2 s later
(bench/first_chart.py). So they run in one fresh process at the lowest CPU priority, which
gets a core only when the server and the browser leave one idle, and only once the server
has been quiet for a moment: even at that priority the process slowed a first visitor who
came at once (first chart 2.7 s against 2.1 s without it, bench/first_chart.py on 2 cores),
while the page's script ran and its browser drew the charts.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

LOWEST_PRIORITY = 19  # os.nice: the process runs only on a core nothing else wants
QUIET_S = 2.0  # the work waits for the server to use under BUSY of a core for this long,
BUSY = 0.1
AT_LATEST_S = 30.0  # but starts this long after the server at the latest (a class at work)

log = logging.getLogger(__name__)


def start(work: Callable[[Callable], None], name: str, quiet_s: float = QUIET_S,
          at_latest_s: float = AT_LATEST_S) -> threading.Thread:
    """Run ``work(map_)`` on a thread of its own at the lowest CPU priority, once the server
    has been quiet for ``quiet_s`` (or after ``at_latest_s``). ``map_(fn,
    items)`` answers the list of ``fn(item)``, worked out in one fresh process at that
    priority from its first instruction (``fn`` must be importable by name). Work ahead
    is a head start, never needed: if it fails (its process killed as the server stops
    under it, say), one log line says so, and what it did not store is worked out when
    first needed."""

    def run():
        wait_for_quiet(quiet_s, at_latest_s)
        if sys.platform == "linux":  # niceness is per thread there: this one, and what it
            os.nice(LOWEST_PRIORITY)  # starts (the process below) inherits it from birth
        spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: no threads forked
        try:
            with ProcessPoolExecutor(max_workers=1, mp_context=spawn, initializer=os.nice,
                                     initargs=(LOWEST_PRIORITY,)) as pool:
                work(lambda fn, items: list(pool.map(fn, items)))
        except Exception as err:  # noqa: BLE001 - whatever it was, the app goes on without
            log.warning("%s: not all worked out ahead (%s: %s); the rest is worked out when "
                        "first needed", name, type(err).__name__, err)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread


def wait_for_quiet(quiet_s: float, at_latest_s: float, poll_s: float = 0.25,
                   clock=time.monotonic, cpu=time.process_time, sleep=time.sleep) -> float:
    """Wait until this process has used under BUSY of a core over the last ``quiet_s``
    (every thread of it: the script runs, the feed, the websockets), or for ``at_latest_s``;
    answers the seconds waited."""
    start = last_busy = clock()
    used_before = cpu()
    while (now := clock()) - last_busy < quiet_s and now - start < at_latest_s:
        sleep(poll_s)
        used_now = cpu()
        if used_now - used_before > BUSY * poll_s:
            last_busy = clock()
        used_before = used_now
    return clock() - start
