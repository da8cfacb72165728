"""How much a live run trains per refresh: within a server-wide training slot, within a time
budget, and never more steps than the server allows per tick.

A run here is anything with ``trainers`` (each with a ``record_every``), ``step``,
``run(n)``, ``finished`` and ``generation`` (counting its rebuilds): core.run.LiveRun and
core.compare.Lockstep.

The pace is a session's, not a request's nor a page's: every live feed of one browser tab
shares one ``Pace`` (when its next refresh may start) and counts as one owner of the
training slots, so parallel requests, or a tab's Explore and Compare feeds polled at once,
train no more than one page playing normally does (issue 19; serving/feed.py lets one
refresh per session be in flight).
"""

from __future__ import annotations

import time

from serving.limits import LIMITS, Limits
from serving.slots import SLOTS, TrainingSlots

# A crowded server (more sessions playing than training slots) refreshes each of them less
# often, with more steps per refresh, down to one refresh in this many seconds: a refresh's
# fixed costs (its frames, the request) then buy more training. At 30 sessions on two
# slots a refresh every 0.16 s trained 2 or 3 steps, and the frames took most of the CPU.
CROWDED_TICK_S = 0.8

# The longest a playing page may go between two refreshes (issue 19: at least one a
# second). A refresh starts when its tick is due, waits in the slots' queue, trains, draws;
# the next starts a tick after the start of this one, or when this one is done if it took
# longer. So a tick waits for a slot at most SLOT_WAIT_S: with a fifth of a second left to
# train and draw, a crowded refresh is done by the time the next is due (CROWDED_TICK_S),
# well inside MAX_REFRESH_S. Before, a crowded tick waited up to its whole stretched tick
# (0.8 s) and then trained and drew: 10 browsers got 0.72 refreshes a second.
MAX_REFRESH_S = 1.0
SLOT_WAIT_S = CROWDED_TICK_S - 0.2
assert CROWDED_TICK_S < MAX_REFRESH_S

# About four records per tick (twenty-odd points a second at five or six refreshes) draws
# smooth curves; each record evaluates the whole data set, so more cost real steps.
RECORDS_PER_TICK = 4


class Pace:
    """One session's pace: the time (``time.monotonic()``) at which its next refresh may
    start. Every live feed of the session shares it; it also stands for the session when
    the training slots count who is training."""

    __slots__ = ("due", "__weakref__")

    def __init__(self):
        self.due = 0.0

    def wait_s(self) -> float:
        """How long a refresh asked for now must wait for the session's tick."""
        return max(0.0, self.due - time.monotonic())

    def started(self, tick_s: float) -> None:
        """A refresh starts now: the next one is due a tick later."""
        self.due = time.monotonic() + tick_s


class Pacer:
    """One live run's pace: its measured cost per step, and whether its last tick or Step
    found no free training slot (``waiting``, so the page can say why nothing moved)."""

    def __init__(self, records_per_tick: int = RECORDS_PER_TICK,
                 slots: TrainingSlots = SLOTS, limits: Limits = LIMITS,
                 crowded_tick_s: float = CROWDED_TICK_S):
        self.records_per_tick = records_per_tick
        self.crowded_tick_s = crowded_tick_s
        self.slots, self.limits = slots, limits
        self.waiting = False
        self._sec_per_step: float | None = None
        self._of: tuple | None = None  # the run (and its generation) the estimate is of

    def stretch(self) -> float:
        """How many ticks one refresh stands for: 1, or while more sessions play than there
        are slots, that ratio, up to what keeps a refresh every ``crowded_tick_s`` (at most
        0.8 s: with the slot's wait capped at SLOT_WAIT_S, a refresh stays within
        MAX_REFRESH_S). The session's next refresh is due that many ticks later, and this
        one trains that many ticks' steps and share of the budget: the same training a
        second, fewer frames."""
        most = max(1.0, self.crowded_tick_s / self.limits.tick_seconds)
        return min(most, max(1.0, self.slots.training() / self.slots.size))

    def tick(self, run, steps: int, budget_s: float | None = None, owner=None) -> int:
        """Train up to ``steps`` steps within about ``budget_s`` of work (default the
        server's tick budget; an even share of it while several runs train:
        ``TrainingSlots.share``), both times ``stretch()``; returns steps done.

        The work happens only with a training slot, waited for in the slots' queue (first
        come, first served) up to one (stretched) tick but never more than SLOT_WAIT_S;
        without one the tick does nothing and sets ``waiting``. ``owner`` (default the
        run) is who the slots count as training: the session's Pace, so a session counts
        once however many feeds or requests it has."""
        if run.finished:
            return 0
        stretch = self.stretch()  # a crowded server's refresh waits up to its longer tick
        wait = min(self.limits.tick_seconds * stretch, SLOT_WAIT_S)
        with self.slots.hold(owner=run if owner is None else owner, wait=wait) as granted:
            self.waiting = not granted
            if not granted:
                return 0
            budget = self.slots.share(budget_s or self.limits.tick_budget_seconds) * stretch
            return self._work(run, round(steps * stretch), budget)

    def advance(self, run, steps: int) -> int:
        """Exactly ``steps`` steps (the Step buttons), within a training slot as a tick is;
        without a free slot nothing happens and ``waiting`` says why. Returns steps done."""
        with self.slots.hold() as granted:
            self.waiting = not granted
            before = run.step
            if granted:
                run.run(steps)
            return run.step - before

    def _work(self, run, steps: int, budget_s: float) -> int:
        if self._of != (id(run), run.generation):  # rebuilt: a new estimate
            self._of, self._sec_per_step = (id(run), run.generation), None
        steps = min(int(steps), self.limits.max_steps_per_tick)
        if self._sec_per_step:
            steps = max(1, min(steps, int(budget_s / self._sec_per_step)))
        rate = max(1, steps // self.records_per_tick)
        for t in run.trainers:
            t.record_every = max(t.record_every, rate)
        start, before = time.thread_time(), run.step
        run.run(steps)
        done = run.step - before
        if done:
            per = (time.thread_time() - start) / done
            self._sec_per_step = per if self._sec_per_step is None else (
                0.7 * self._sec_per_step + 0.3 * per)
        return done
