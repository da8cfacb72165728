"""How many sessions may train at the same moment, shared by every session of one server
process (Streamlit runs them all as threads of one process)."""

from __future__ import annotations

import contextlib
import threading
import time

from serving.limits import LIMITS


class TrainingSlots:
    """A cap on how many sessions train at the same moment.

    A tick waits for a slot at most ``wait`` seconds (about one tick), asleep: a session
    that still finds none skips its training that tick (its page still refreshes and says
    why) instead of queueing behind the others. Without the wait, sessions that found no
    slot came straight back for another, and ten of them spinning that way starved the
    two that held slots, and the server's event loop, of the interpreter: no page moved.
    A slot is held for one tick's work only, so a closed tab never keeps one.
    """

    ACTIVE_S = 2.0  # a session that trained this recently counts as training

    def __init__(self, size: int):
        self.size = size
        self._sem = threading.BoundedSemaphore(size)
        self._count_lock = threading.Lock()
        self.in_use = 0
        self._last_seen: dict[int, float] = {}  # id of an owner -> when it last took a slot

    @contextlib.contextmanager
    def hold(self, owner=None, wait: float = 0.0):
        """``with slots.hold() as granted:`` granted is False when every slot is taken
        (still, after waiting up to ``wait`` seconds). ``owner`` (the session, or its run)
        is counted as training, for ``share``: once, however often it asks."""
        granted = self._sem.acquire(timeout=wait) if wait > 0 else self._sem.acquire(
            blocking=False)
        if granted:
            with self._count_lock:
                self.in_use += 1
                if owner is not None:
                    self._last_seen[id(owner)] = time.monotonic()
        try:
            yield granted
        finally:
            if granted:
                with self._count_lock:
                    self.in_use -= 1
                self._sem.release()

    def training(self) -> int:
        """How many owners (sessions) took a slot within the last ACTIVE_S seconds."""
        now = time.monotonic()
        with self._count_lock:
            self._last_seen = {k: t for k, t in self._last_seen.items()
                               if now - t < self.ACTIVE_S}
            return len(self._last_seen)

    def share(self, budget_s: float) -> float:
        """One tick's CPU budget while ``training()`` runs play at once: the full budget
        up to one run per slot, then the slots' time split evenly. Ten students on two
        slots each get a fifth of a tick's training, and every page keeps refreshing,
        rather than eight of them finding the server busy on most ticks."""
        return budget_s * min(1.0, self.size / max(1, self.training()))


SLOTS = TrainingSlots(LIMITS.max_training_sessions)
