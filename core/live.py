"""A training run as the app holds it: one Trainer, its first weights, and a work budget.

No Streamlit here: the page calls ``tick`` from a timer, under the run's lock, because a
fast rerun can overlap a tick that is still running.
"""

from __future__ import annotations

import threading
import time

from core import limits, settings
from core.trainer import Trainer

MAX_RECORDS = 1500  # per run, whatever its length: enough points for any curve on screen
# Work per tick, so one session's timer never starves the others (WRI_TICK_BUDGET_SECONDS).
TICK_BUDGET_S = limits.LIMITS.tick_budget_seconds
# About four records per tick (twenty-odd points a second at five or six refreshes) draws
# smooth curves; each record evaluates the whole data set, so more cost real steps.
RECORDS_PER_TICK = 4


class LiveRun:
    def __init__(self, config: dict, members: list[dict] | None = None):
        self.config = dict(config)
        self.members = members
        self.lock = threading.Lock()
        _check_limits(config, members)  # the app's runs share a server: refuse what's over a cap
        self.generation = 0  # counts rebuilds, so a page can tell this run from the last
        self._build()

    def _build(self):
        self.trainer = Trainer({**self.config, "record_every": 1}, self.members,
                               max_records=MAX_RECORDS)
        self.initial_Ws = [W.copy() for W in self.trainer.Ws]
        self.initial_bs = [b.copy() for b in self.trainer.bs]
        self.sec_per_step = None
        self.generation += 1
        self.waiting = False  # True when the last tick or Step found no free training slot

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

    def tick(self, steps: int, budget_s: float = TICK_BUDGET_S,
             slots: limits.TrainingSlots | None = None) -> int:
        """Run up to ``steps`` steps within about ``budget_s`` of work (less while more runs
        train than there are slots: ``TrainingSlots.share``); returns steps done.

        The work happens only with a server-wide training slot (``limits.SLOTS``), waited
        for up to one tick; without one the tick does nothing and sets ``waiting``, so the
        page can say why.
        """
        if self.finished:
            return 0
        slots = slots or limits.SLOTS
        with slots.hold(owner=self, wait=limits.LIMITS.tick_seconds) as granted:
            self.waiting = not granted
            return self._work(steps, slots.share(budget_s)) if granted else 0

    def advance(self, steps: int, slots: limits.TrainingSlots | None = None) -> int:
        """Exactly ``steps`` steps (the Step buttons), within a training slot as a tick is;
        without a free slot nothing happens and ``waiting`` says why. Returns steps done."""
        with (slots or limits.SLOTS).hold() as granted:
            self.waiting = not granted
            before = self.trainer.step
            if granted:
                self.trainer.run(steps)
            return self.trainer.step - before

    def _work(self, steps: int, budget_s: float) -> int:
        steps = min(steps, limits.LIMITS.max_steps_per_tick)
        if self.sec_per_step:
            steps = max(1, min(steps, int(budget_s / self.sec_per_step)))
        rate = max(1, steps // RECORDS_PER_TICK)
        if self.trainer.config["record_every"] < rate:
            self.trainer.config["record_every"] = rate
        start, before = time.thread_time(), self.trainer.step
        self.trainer.run(steps)
        done = self.trainer.step - before
        if done:
            per = (time.thread_time() - start) / done
            self.sec_per_step = per if self.sec_per_step is None else (
                0.7 * self.sec_per_step + 0.3 * per)
        return done



def _check_limits(config: dict, members: list[dict] | None):
    limits.check(settings.validate(config), n_networks=len(members or [{}]))
