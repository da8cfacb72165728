"""What one session may ask of a shared server, and how many sessions may train at once.

No Streamlit here. Every limit has a documented default that a server owner overrides with an
environment variable (``WRI_`` for "Why random init?"). They are read once, at import, and
checked: a bad value stops the app with a message naming the variable, what it holds and
what is allowed, rather than letting a typo silently lift a cap. ``python -m core.limits``
prints the limits in force (and fails the same way), so a start script can check them first.

The caps apply to the app's live runs (``core.live.LiveRun``), not to the command line: a
script on one's own machine may train whatever it likes.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
import time
from dataclasses import dataclass, fields
from pathlib import Path

from core import settings


class LimitError(ValueError):
    """A setting over a server cap, or a bad WRI_* environment variable."""


def _cpus() -> int:
    """The CPUs this process may use: its cpuset, and a container's CPU quota (what
    ``docker run --cpus 2`` sets), not the host's count."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        n = os.cpu_count() or 1
    try:  # cgroup v2: "max 100000", or "200000 100000" for two CPUs
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if quota != "max":
            n = min(n, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return n


@dataclass(frozen=True)
class Limits:
    max_depth_x_width: int = 2048
    max_weights: int = 150_000
    max_step_work: int = 100_000_000
    max_samples: int = 2000
    max_steps_per_tick: int = 200
    tick_seconds: float = 0.16  # a timer that fires 6 times a second: 5 and more refreshes
    tick_budget_seconds: float = 0.1
    max_training_sessions: int = max(2, _cpus())


# field: (environment variable, lowest, highest, what it caps). The ranges only catch typos
# and nonsense (a zero tick, a negative cap); the defaults are what a class needs.
SPEC = {
    "max_depth_x_width": ("WRI_MAX_DEPTH_X_WIDTH", 1, 64 * 512,
                          "hidden units of one network: hidden layers × units per layer"),
    "max_weights": ("WRI_MAX_WEIGHTS", 10, 10**8,
                    "weights and biases of one network (memory, and the cost of drawing it)"),
    "max_step_work": ("WRI_MAX_STEP_WORK", 10**4, 10**13,
                      "multiply-adds of one recorded step, about weights × (batch + samples) "
                      "× networks: the least work one tick does"),
    "max_samples": ("WRI_MAX_SAMPLES", 20, 5000, "points of the data set"),
    "max_steps_per_tick": ("WRI_MAX_STEPS_PER_TICK", 1, 100_000,
                           "training steps between two refreshes"),
    "tick_seconds": ("WRI_TICK_SECONDS", 0.05, 10.0,
                     "seconds between two refreshes of a playing run (the tick rate)"),
    "tick_budget_seconds": ("WRI_TICK_BUDGET_SECONDS", 0.005, 1.0,
                            "CPU seconds of training work one tick may do"),
    "max_training_sessions": ("WRI_MAX_TRAINING_SESSIONS", 1, 10_000,
                              "sessions of one server process training at the same moment "
                              "(default: one per CPU, at least 2)"),
}


def _parse(name: str, text: str, kind: type):
    env, lo, hi, _ = SPEC[name]
    what = "a whole number" if kind is int else "a number"
    allowed = f"allowed: {what} from {lo:g} to {hi:g}"
    try:
        value = int(text) if kind is int else float(text)
    except ValueError:
        raise LimitError(f"{env}={text!r} is not {what}; {allowed}") from None
    if not (math.isfinite(value) and lo <= value <= hi):
        raise LimitError(f"{env}={text!r} is out of range; {allowed}")
    return value


def read(environ=None) -> Limits:
    """The limits set by ``environ`` (default: the process's environment), checked."""
    environ = os.environ if environ is None else environ
    given, problems = {}, []
    for f in fields(Limits):
        text = environ.get(SPEC[f.name][0])
        if text is not None and text.strip():
            try:
                kind = int if f.type in (int, "int") else float
                given[f.name] = _parse(f.name, text.strip(), kind)
            except LimitError as err:
                problems.append(str(err))
    if problems:
        raise LimitError("bad server limit: " + "; ".join(problems))
    limits = Limits(**given)
    try:  # a cap that refuses the app's own defaults would leave every page with nothing to run
        check(settings.validate(), limits=limits)
    except LimitError as err:
        raise LimitError(f"bad server limit: the app's default settings must fit, but {err}"
                         ) from None
    return limits


# ---------------------------------------------------------------- one session's run

def n_outputs(cfg: dict) -> int:
    # Every classification set has two classes: softmax gives two outputs, the others one.
    return 2 if cfg["loss"] == "softmax_ce" else 1


def weight_count(cfg: dict) -> int:
    sizes = [2] + [cfg["width"]] * cfg["depth"] + [n_outputs(cfg)]
    return sum((a + 1) * b for a, b in zip(sizes, sizes[1:], strict=False))


def step_work(cfg: dict, n_networks: int = 1) -> int:
    """Multiply-adds of one recorded step, roughly: a step on a batch, then the loss on
    every point (recorded steps evaluate the whole data set)."""
    n_train = cfg["n_samples"] - round(cfg["n_samples"] * cfg["test_fraction"])
    batch = cfg["batch_size"] if 0 < cfg["batch_size"] < n_train else n_train
    return weight_count(cfg) * (batch + cfg["n_samples"]) * n_networks


def _over(what: str, value: str, cap, field: str) -> LimitError:
    return LimitError(f"{what}: {value} is over this server's cap of {cap:,} "
                      f"(set by {SPEC[field][0]}); choose a smaller value")


def check(cfg: dict, n_networks: int = 1, limits: Limits | None = None) -> None:
    """Raise LimitError, naming the setting, its value and the cap, if a validated
    configuration asks more than the server allows."""
    lim = limits or LIMITS
    units = cfg["depth"] * cfg["width"]
    if units > lim.max_depth_x_width:
        raise _over("depth × width", f"{cfg['depth']} × {cfg['width']} = {units:,}",
                    lim.max_depth_x_width, "max_depth_x_width")
    if cfg["n_samples"] > lim.max_samples:
        raise _over("n_samples", f"{cfg['n_samples']:,}", lim.max_samples, "max_samples")
    weights = weight_count(cfg)
    if weights > lim.max_weights:
        raise _over("weights (depth, width)", f"{cfg['depth']} layers of {cfg['width']} "
                    f"have {weights:,}", lim.max_weights, "max_weights")
    work = step_work(cfg, n_networks)
    if work > lim.max_step_work:
        networks = f" × {n_networks} networks" if n_networks > 1 else ""
        raise _over("work per step (weights × (batch_size + n_samples))",
                    f"{weights:,} × ({cfg['batch_size'] or 'all'} + {cfg['n_samples']})"
                    f"{networks} = {work:,}", lim.max_step_work, "max_step_work")


# ---------------------------------------------------------------- across sessions

class TrainingSlots:
    """A cap on how many sessions train at the same moment, shared by every session of
    one server process (Streamlit runs them all as threads of one process).

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
        self._last_seen: dict[int, float] = {}  # id of a run -> when it last took a slot

    @contextlib.contextmanager
    def hold(self, owner=None, wait: float = 0.0):
        """``with slots.hold() as granted:`` granted is False when every slot is taken
        (still, after waiting up to ``wait`` seconds). ``owner`` (the run) is counted as
        training, for ``share``."""
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
        """How many runs took a slot within the last ACTIVE_S seconds."""
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


def busy_message(n_training: int) -> str:
    return (f"The server is busy: {n_training} classmates are training; yours will continue "
            "when a slot frees.")


def describe(limits: Limits | None = None) -> str:
    lim = limits or LIMITS
    return "\n".join(f"{SPEC[f.name][0]}={getattr(lim, f.name)}  # {SPEC[f.name][3]}"
                     for f in fields(Limits))


try:
    LIMITS = read()
except LimitError as err:
    if __name__ == "__main__":
        sys.exit(f"python -m core.limits: {err}")
    raise
SLOTS = TrainingSlots(LIMITS.max_training_sessions)


if __name__ == "__main__":  # python -m core.limits: the limits in force, or why they are bad
    print(describe())
    sys.exit(0)
