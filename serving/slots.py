"""How many sessions may train at the same moment, shared by every session of one server
process (Streamlit runs them all as threads of one process)."""

from __future__ import annotations

import bisect
import contextlib
import itertools
import threading
import time

from serving.limits import LIMITS


class _Ticket:
    """One tick waiting for a slot: granted by the holder that frees one (under the slots'
    lock), so the slot goes to the longest waiter, never to a newcomer."""

    __slots__ = ("granted", "wake", "order")

    def __init__(self, lock, order: int):
        self.granted = False
        self.wake = threading.Condition(lock)
        self.order = order  # its place: when its session first asked for what it waits for

    def __lt__(self, other):
        return self.order < other.order


class TrainingSlots:
    """A cap on how many sessions train at the same moment, granted in arrival order.

    A tick waits for a slot at most ``wait`` seconds, asleep, in a queue: a freed slot is
    handed to the tick that has waited longest (first come, first served), and a newcomer
    takes a free slot only when nobody is queued. A tick that still has none when its wait
    runs out leaves the queue and skips its training (its page still refreshes and says
    why); its session keeps its place, though: its next tick queues where this one stood
    (ahead of everyone who came later), so a busy server skips no session's ticks over and
    over. Issue 19: with a plain semaphore any waiter could take a freed slot, and at 30
    sessions a few kept getting them (steps/s per session from 4 to 18, some pages a
    refresh every 14 s). A slot is held for one tick's work only, so a closed tab never
    keeps one.
    """

    ACTIVE_S = 2.0  # a session that trained this recently counts as training

    def __init__(self, size: int):
        self.size = size
        self._lock = threading.Lock()
        self._free = size
        self._queue: list[_Ticket] = []  # in order of arrival (``_Ticket.order``)
        self._arrivals = itertools.count()
        # id of an owner whose tick gave up -> (its place, when): kept ACTIVE_S seconds
        self._owed: dict[int, tuple[int, float]] = {}
        self.in_use = 0
        self._last_seen: dict[int, float] = {}  # id of an owner -> when it last took a slot

    def queued(self) -> int:
        """Ticks waiting for a slot now."""
        with self._lock:
            return len(self._queue)

    def _acquire(self, wait: float, key) -> bool:
        with self._lock:
            if self._free and not self._queue:
                self._free -= 1
                self.in_use += 1
                self._owed.pop(key, None)
                return True
            if wait <= 0:
                return False
            place, since = self._owed.pop(key, (None, 0.0))
            if place is None or time.monotonic() - since >= self.ACTIVE_S:
                place = next(self._arrivals)  # a newcomer, or back after a long while
            ticket = _Ticket(self._lock, place)
            bisect.insort(self._queue, ticket)
            ticket.wake.wait_for(lambda: ticket.granted, timeout=wait)
            if not ticket.granted:  # gave up: a later slot goes to the next in the queue
                self._queue.remove(ticket)
                if key is not None:  # its session's next tick comes back to this place
                    self._owed[key] = (ticket.order, time.monotonic())
            return ticket.granted

    def _release(self) -> None:
        with self._lock:
            if self._queue:  # handed over: still in use, by the longest waiter
                ticket = self._queue.pop(0)
                ticket.granted = True
                ticket.wake.notify()
            else:
                self._free += 1
                self.in_use -= 1

    @contextlib.contextmanager
    def hold(self, owner=None, wait: float = 0.0):
        """``with slots.hold() as granted:`` granted is False when every slot is taken
        (still, after waiting in the queue up to ``wait`` seconds). ``owner`` (the session,
        or its run) is counted as training, for ``share``: once, however often it asks."""
        granted = self._acquire(wait, None if owner is None else id(owner))
        if granted and owner is not None:
            with self._lock:
                self._last_seen[id(owner)] = time.monotonic()
        try:
            yield granted
        finally:
            if granted:
                self._release()

    def training(self) -> int:
        """How many owners (sessions) took a slot within the last ACTIVE_S seconds."""
        now = time.monotonic()
        with self._lock:
            self._last_seen = {k: t for k, t in self._last_seen.items()
                               if now - t < self.ACTIVE_S}
            # places kept for sessions that stopped asking (closed, paused) go with them
            self._owed = {k: o for k, o in self._owed.items() if now - o[1] < self.ACTIVE_S}
            return len(self._last_seen)

    def share(self, budget_s: float) -> float:
        """One tick's CPU budget while ``training()`` runs play at once: the full budget
        for one, then one budget split evenly, whatever the number of slots. The sessions
        of one process train under one interpreter lock (bench/load.py: the server stays
        near one core), so splitting each slot's budget (as this did) asked 1.25 cores of
        training at 0.1 s a 0.16 s tick on two slots: more than the process has, and the
        frames and answers then waited, refreshes falling below one a second. One budget
        split evenly asks 0.625 of a core, whatever the crowd, and leaves the rest to
        draw the frames."""
        return budget_s * min(1.0, 1.0 / max(1, self.training()))


SLOTS = TrainingSlots(LIMITS.max_training_sessions)
