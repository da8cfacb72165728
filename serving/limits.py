"""What one session may ask of a shared server, read from the server's environment.

Every limit has a documented default that a server owner overrides with an environment
variable (``WRI_`` for "Why random init?"). They are read once, at import, and checked: a bad
value stops the app with a message naming the variable, what it holds and what is allowed,
rather than letting a typo silently lift a cap. ``python -m serving.limits`` prints the limits
in force (and fails the same way), so a start script can check them first.

The caps apply to the app's live runs, not to the command line: a script on one's own
machine may train whatever it likes.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass, fields
from pathlib import Path

from core import budget, config
from core.budget import LimitError


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


# Sessions one core holds on the reference workload, each with at least one refresh and 25
# training steps a second (bench/load.py --light --replicas 2 on a 2-core machine: 20
# sessions, 10 per server process; README "Running for a class").
STUDENTS_PER_CORE = 10

# The cores one server process trains on, whatever its CPUs: its sessions are threads of
# one Python interpreter, whose lock keeps the process near one core (bench/load.py: 0.98
# cores busy with 30 sessions on a 2-CPU machine). More CPUs hold more students only as
# more replicas (deploy/: one CPU each), so the default cap counts the cores one process
# can use, not the machine's.
PROCESS_CORES = 1


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
    max_sessions: int = STUDENTS_PER_CORE * min(_cpus(), PROCESS_CORES)

    @property
    def caps(self) -> budget.Caps:
        """The caps on one run, each naming the variable that sets it."""
        def cap(field):
            return budget.Cap(getattr(self, field), SPEC[field][0])

        return budget.Caps(cap("max_depth_x_width"), cap("max_weights"),
                           cap("max_step_work"), cap("max_samples"))


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
    "max_sessions": ("WRI_MAX_SESSIONS", 1, 100_000,
                     "open sessions (browser tabs) of one server process; a visitor past them "
                     f"is told the server is full (default: {STUDENTS_PER_CORE} per core "
                     f"the process can use: {PROCESS_CORES})"),
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
        budget.check(config.DEFAULT, limits.caps)
    except LimitError as err:
        raise LimitError(f"bad server limit: the app's default settings must fit, but {err}"
                         ) from None
    return limits


LESSONS_DIR_VARIABLE = "WRI_LESSONS_DIR"


def lessons_dir(environ=None) -> Path | None:
    """The folder of a lecturer's own lesson files (``WRI_LESSONS_DIR``), or None. Its
    files are checked where they are read (core/lessons.py): a bad one is named on the
    Lessons page and in the log, and the server starts all the same."""
    text = (os.environ if environ is None else environ).get(LESSONS_DIR_VARIABLE, "").strip()
    return Path(text).expanduser() if text else None


def describe(limits: Limits | None = None) -> str:
    lim = limits or LIMITS
    return "\n".join(f"{SPEC[f.name][0]}={getattr(lim, f.name)}  # {SPEC[f.name][3]}"
                     for f in fields(Limits))


try:
    LIMITS = read()
except LimitError as err:
    if __name__ == "__main__":
        sys.exit(f"python -m serving.limits: {err}")
    raise
CAPS = LIMITS.caps


if __name__ == "__main__":  # python -m serving.limits: the limits in force, or why they are bad
    print(describe())
    sys.exit(0)
