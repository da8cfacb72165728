"""Training runs as the app holds them: ticked by a page's timer within the server's slots.

No Streamlit here: the page calls ``tick`` from a timer, under the run's lock, because a
fast rerun can overlap a tick that is still running.
"""

from __future__ import annotations

import threading
import time

from core import limits, settings
from core.trainer import Trainer

MAX_RECORDS = 1500  # per run, whatever its length: enough points for any curve on screen
# About four records per tick (twenty-odd points a second at five or six refreshes) draws
# smooth curves; each record evaluates the whole data set, so more cost real steps.
RECORDS_PER_TICK = 4


class TickedRun:
    """What a page's timer and Step buttons drive: ``tick`` and ``advance``, within the
    server's training slots (``limits.SLOTS``). A subclass has ``trainers``, ``step``,
    ``run(n)`` and ``finished``, and calls ``_rebuilt`` each time it builds its trainers."""

    records_per_tick = RECORDS_PER_TICK
    generation = 0  # counts builds, so a page can tell this run from the last

    def _rebuilt(self):
        self.generation += 1
        self.sec_per_step = None
        self.waiting = False  # True when the last tick or Step found no free training slot

    def tick(self, steps: int, budget_s: float | None = None,
             slots: limits.TrainingSlots | None = None) -> int:
        """Run up to ``steps`` steps within about ``budget_s`` of work (default
        WRI_TICK_BUDGET_SECONDS; less while more runs train than there are slots:
        ``TrainingSlots.share``); returns steps done.

        The work happens only with a server-wide training slot, waited for up to one tick;
        without one the tick does nothing and sets ``waiting``, so the page can say why.
        """
        if self.finished:
            return 0
        slots = slots or limits.SLOTS
        with slots.hold(owner=self, wait=limits.LIMITS.tick_seconds) as granted:
            self.waiting = not granted
            budget = slots.share(budget_s or limits.LIMITS.tick_budget_seconds)
            return self._work(steps, budget) if granted else 0

    def advance(self, steps: int, slots: limits.TrainingSlots | None = None) -> int:
        """Exactly ``steps`` steps (the Step buttons), within a training slot as a tick is;
        without a free slot nothing happens and ``waiting`` says why. Returns steps done."""
        with (slots or limits.SLOTS).hold() as granted:
            self.waiting = not granted
            before = self.step
            if granted:
                self.run(steps)
            return self.step - before

    def _work(self, steps: int, budget_s: float) -> int:
        steps = min(int(steps), limits.LIMITS.max_steps_per_tick)
        if self.sec_per_step:
            steps = max(1, min(steps, int(budget_s / self.sec_per_step)))
        rate = max(1, steps // self.records_per_tick)
        for t in self.trainers:
            t.config["record_every"] = max(t.config["record_every"], rate)
        start, before = time.thread_time(), self.step
        self.run(steps)
        done = self.step - before
        if done:
            per = (time.thread_time() - start) / done
            self.sec_per_step = per if self.sec_per_step is None else (
                0.7 * self.sec_per_step + 0.3 * per)
        return done


class LiveRun(TickedRun):
    """One network (or one stack of members) trained live."""

    def __init__(self, config: dict, members: list[dict] | None = None):
        self.config = dict(config)
        self.members = members
        self.lock = threading.Lock()
        _check_limits(config, members)  # the app's runs share a server: refuse what's over a cap
        self._build()

    def _build(self):
        self.trainer = Trainer({**self.config, "record_every": 1}, self.members,
                               max_records=MAX_RECORDS)
        self.initial_Ws = [W.copy() for W in self.trainer.Ws]
        self.initial_bs = [b.copy() for b in self.trainer.bs]
        self._rebuilt()

    def reset(self):
        """The identical run again: same data, same first weights, same batches."""
        self._build()

    def update(self, config: dict, members: list[dict] | None = None) -> bool:
        """Take a new configuration; only a learning-rate change keeps the run going.

        Returns True when the run was rebuilt.
        """
        changed = {k for k in config if config[k] != self.config.get(k)}
        if members == self.members and changed <= {"lr"}:
            if changed:
                self.trainer.set_lr(config["lr"])
                self.config["lr"] = config["lr"]
            return False
        _check_limits(config, members)  # before anything changes: a refusal keeps the old run
        self.config, self.members = dict(config), members
        self._build()
        return True

    @property
    def finished(self):
        return not self.trainer.alive.any()

    @property
    def trainers(self) -> list[Trainer]:
        return [self.trainer]

    @property
    def step(self) -> int:
        return self.trainer.step

    def run(self, n_steps: int):
        self.trainer.run(n_steps)
        return self


def _check_limits(config: dict, members: list[dict] | None):
    limits.check(settings.validate(config), n_networks=len(members or [{}]))
