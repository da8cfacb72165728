"""A training run as the app holds it: one network (or a stack of members) that a page
steps, resets and reconfigures while it is on screen."""

from __future__ import annotations

from core.config import RunConfig
from core.trainer import Trainer

MAX_RECORDS = 1500  # per run, whatever its length: enough points for any curve on screen


class LiveRun:
    """One network (or one stack of members) trained on demand."""

    generation = 0  # counts builds, so a page can tell this run from the last

    def __init__(self, config: RunConfig, members: list[RunConfig] | None = None):
        self.config = config
        self.members = members
        self.stops: frozenset[int] = frozenset()  # steps a playing run pauses at, recorded
        self._build()

    def _build(self):
        self.trainer = Trainer(self.config, self.members, max_records=MAX_RECORDS,
                               record_every=1)
        self.trainer.record_at = set(getattr(self, "stops", ()))
        self.initial_Ws = [W.copy() for W in self.trainer.Ws]
        self.initial_bs = [b.copy() for b in self.trainer.bs]
        self.generation += 1

    def reset(self):
        """The identical run again: same data, same first weights, same batches."""
        self._build()

    def update(self, config: RunConfig, members: list[RunConfig] | None = None) -> bool:
        """Take a new configuration; only a learning-rate change keeps the run going.

        Returns True when the run was rebuilt."""
        if members == self.members and config.replace(lr=self.config.lr) == self.config:
            if config.lr != self.config.lr:
                self.trainer.set_lr(config.lr)
                self.config = config
            return False
        self.config, self.members = config, members
        self._build()
        return True

    @property
    def finished(self) -> bool:
        return not self.trainer.alive.any()

    @property
    def trainers(self) -> list[Trainer]:
        return [self.trainer]

    @property
    def step(self) -> int:
        return self.trainer.step

    def stop_at(self, steps) -> None:
        """Pause at each of ``steps`` (a question's step, a class assignment's), with a
        record there, so that what is read at that step is the run as it stood then."""
        self.stops = frozenset(int(s) for s in steps if s > 0)
        self.trainer.record_at = set(self.stops)

    @property
    def stopped(self) -> bool:
        """The run has just reached one of its stops."""
        return self.trainer.step in self.stops

    def run(self, n_steps: int):
        """Up to ``n_steps`` steps, never past the next stop."""
        step = self.trainer.step
        ahead = [s for s in self.stops if step < s <= step + n_steps]
        self.trainer.run(min(ahead) - step if ahead else n_steps)
        return self
