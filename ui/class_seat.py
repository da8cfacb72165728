"""A student's place in a class, kept in the browser tab (ui/session.Tab.seat), and how the
live pages post to it. No Streamlit here: the presenters call it from their refreshes, and
ui/class_session.py draws it.

- The seat: the class's code, the session's token (the store keeps only its hash), the
  assignment and its number, and the student's own initial-weight seed, drawn once per seat
  (Assignment.draw_seed) and kept across reloads with the Tab (ui/session.adopt).
- Which run is the assignment's: the run on screen must be exactly the assignment's
  network (or Compare set-up) with the student's seed. A student may change anything and
  play with it; only the assignment's run is posted, never another.
- When it posts: a playing run pauses at the assignment's steps (core.run.LiveRun.stop_at,
  core.compare.Lockstep.stop_at) and the presenter's refresh that reaches them posts the
  run as it stands there (``at_refresh``, under the presenter's lock), or a run that
  diverged everywhere before them; "Send to class" posts earlier (``send_now``). Every
  value is computed here from the server's own run (classroom.result.compute,
  from_lockstep); the only thing a student picks is the answer to the lesson's question,
  which is checked against it.
- How it posts: through the seat's Outbox (classroom.outbox), flushed from the presenter's
  ticks and the pages' runs. A flush goes to a small pool of threads, so neither a tick
  nor a page run ever waits for the database: down or locked, the run goes on, the post
  waits in the session and is tried again with back-off, and arrives exactly once (the
  store writes it by its key).
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from dataclasses import dataclass, field

from classroom import codes, result
from classroom.assignment import Assignment
from classroom.outbox import Outbox, Post
from classroom.store import Seat as StoreSeat
from core import config
from core.compare import Comparison, Lockstep
from core.config import RunConfig
from core.run import LiveRun
from ui import query

# Flushes of every session of this process: a few at a time is plenty (a post is a few
# milliseconds; one that waits on a locked database holds its thread up to the store's
# statement timeout, and a session has at most one flush under way).
_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="class-post")
PAGE_WAIT_S = 0.5  # a page run waits this long for a flush it started (then shows "sending")


def plain(cfg: RunConfig) -> RunConfig:
    """``cfg`` without what a live page never sets (the command line's steps and recording
    rate): what two runs must share to be the same run on screen."""
    d = config.DEFAULT
    if cfg.steps == d.steps and cfg.record_every == d.record_every:
        return cfg
    return cfg.replace(steps=d.steps, record_every=d.record_every)


def _plain_comparison(c: Comparison) -> Comparison:
    return Comparison(plain(c.shared), [plain(col) for col in c.columns], c.seeds)


@dataclass(eq=False)
class Seat:
    """A student's place in class ``code`` (see the module's docstring)."""

    code: str
    token: str
    number: int
    assignment: Assignment
    assignment_no: int
    outbox: Outbox
    own_seed: int | None = None  # drawn once per seat, the first time it is needed
    posted: dict = field(default_factory=dict)  # (assignment no, run id, generation) -> step
    _flushing: concurrent.futures.Future | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _match: tuple | None = field(default=None, repr=False)

    @classmethod
    def taken(cls, seat: StoreSeat, outbox: Outbox, earlier: Seat | None = None) -> Seat:
        """The tab's seat for the store's ``seat``: ``earlier`` (the tab's seat in the same
        class, found again by its token) keeps its seed and its posts waiting."""
        if earlier is not None and (earlier.code, earlier.token) == (seat.code, seat.token):
            earlier.assignment, earlier.assignment_no = seat.assignment, seat.assignment_no
            earlier.number, earlier._match = seat.number, None
            return earlier
        return cls(seat.code, seat.token, seat.number, seat.assignment, seat.assignment_no,
                   outbox)

    @property
    def shown_code(self) -> str:
        return codes.shown(self.code)

    @property
    def steps(self) -> int:
        return self.assignment.steps

    @property
    def seed(self) -> int:
        """The student's initial-weight seed for this assignment: their own, or the one
        the lecturer set for the whole class."""
        if self.assignment.seeding == "shared":
            return self.assignment.seed
        if self.own_seed is None:
            self.own_seed = self.assignment.draw_seed()
        return self.own_seed

    # ------------------------------------------------------------ the assignment's run

    @property
    def page(self) -> str:
        """The page the assignment opens: "compare" or "explore" (a lesson opens there)."""
        return "compare" if self.assignment.kind == "compare" else "explore"

    def config(self) -> RunConfig:
        """An Explore or lesson assignment's run for this student."""
        return plain(self.assignment.config).replace(init_seed=self.seed)

    def comparison(self) -> Comparison:
        """A Compare assignment's run for this student: one seed a column, the student's."""
        a = self.assignment
        return Comparison(plain(a.config).replace(init_seed=self.seed),
                          [plain(c).replace(init_seed=self.seed) for c in a.columns], seeds=1)

    def lesson_key(self, lessons) -> str | None:
        """The assignment's lesson, when this server has it (a lecturer's own lesson file
        may be on another replica only: the run opens as a plain network then)."""
        key = self.assignment.lesson
        return key if key in lessons else None

    def address(self, lessons) -> tuple[str, dict]:
        """(page script, query) that open the assignment with this student's seed."""
        if self.page == "compare":
            return "pages/compare.py", query.compare_query(query.CompareLink(self.comparison()))
        lesson = self.lesson_key(lessons)
        ask = bool(lesson and self.assignment.ask and lessons[lesson].question is not None)
        return "pages/explore.py", query.explore_query(
            query.ExploreLink(self.config(), lesson, ask=ask))

    def matches(self, run) -> bool:
        """Whether ``run`` (a presenter's run on screen) is this assignment's."""
        if run is None:
            return False
        what = getattr(run, "comparison", None) if isinstance(run, Lockstep) else run.config
        key = (id(run), run.generation, self.assignment_no, what)
        if self._match is not None and self._match[0] == key:
            return self._match[1]
        if self.page == "compare":
            same = isinstance(run, Lockstep) and _plain_comparison(run.comparison) == (
                self.comparison())
        else:
            same = isinstance(run, LiveRun) and run.members is None and (
                plain(run.config) == self.config())
        self._match = (key, same)
        return same

    def stops(self, run) -> list[int]:
        """Where ``run`` pauses for the class: the assignment's steps, if it is its run."""
        return [self.steps] if self.matches(run) else []

    # ------------------------------------------------------------ posting

    def entries(self, presenter) -> list[dict]:
        """The result of the presenter's run as it stands, computed from the server's own
        run: one entry, or one per Compare column. Call it under the presenter's lock."""
        run, a = presenter.run, self.assignment
        if isinstance(run, Lockstep):
            return result.from_lockstep(run)
        picks = getattr(presenter, "picks", {})
        answer = picks.get(a.lesson) if a.asked is not None else None
        return [result.compute(run.trainer, label=a.labels()[0], answer=answer,
                               question=a.question)]

    def at_refresh(self, presenter, now: float | None = None) -> bool:
        """Post the run when it stands at the assignment's steps (or every member diverged
        before them), once per run; returns whether it did. Under the presenter's lock."""
        run = presenter.run
        if not self.matches(run):
            return False
        there = run.step == self.steps or (run.finished and run.step < self.steps)
        if not there or self._posted(run) is not None:
            return False
        self.put(self.entries(presenter), now)
        self.posted[(self.assignment_no, id(run), run.generation)] = run.step
        return True

    def _posted(self, run) -> int | None:
        """The step at which ``run`` was posted by itself for this assignment, if it was."""
        return self.posted.get((self.assignment_no, id(run), run.generation))

    def can_send(self, presenter) -> bool:
        """"Send to class" is for a result before the assignment's steps (it posts by
        itself there)."""
        run = presenter.run
        return self.matches(run) and 0 < run.step < self.steps and not run.finished

    def send_now(self, presenter, now: float | None = None) -> None:
        """"Send to class": the run as it stands now (replaced by the post at the
        assignment's steps)."""
        with presenter.lock:
            if not self.can_send(presenter):
                return
            self.put(self.entries(presenter), now)

    def put(self, entries: list[dict], now: float | None = None) -> None:
        self.outbox.put(Post(self.code, self.token, self.assignment_no, entries),
                        time.monotonic() if now is None else now)

    # ------------------------------------------------------------ sending

    @property
    def sending(self) -> bool:
        f = self._flushing
        return f is not None and not f.done()

    @property
    def pending(self) -> bool:
        """A post waits or is on its way: the page asks again soon, to say how it went."""
        return bool(len(self.outbox)) or self.sending

    def flush(self, wait_s: float = 0.0) -> None:
        """Send the posts that are due, on the pool's thread, never on the caller's; at
        most one flush of this seat at a time. ``wait_s``: how long the caller waits for it
        (a page run waits a moment, to show how it went; a tick never waits)."""
        with self._lock:
            due = self.outbox.next_due
            if not self.sending and due is not None and due <= time.monotonic():
                self._flushing = _POOL.submit(self.outbox.flush, time.monotonic())
            flushing = self._flushing
        if wait_s and flushing is not None:
            concurrent.futures.wait([flushing], timeout=wait_s)

    def settle(self, timeout: float = 10.0) -> None:
        """Wait for the flush under way (tests)."""
        if self._flushing is not None:
            self._flushing.result(timeout=timeout)

    # ------------------------------------------------------------ what the banner says

    def state(self, presenter, now: float | None = None) -> tuple[str, str]:
        """(kind, message) for the banner: kind is "info", "success", "warning" or
        "error", as Streamlit's alerts."""
        now = time.monotonic() if now is None else now
        run = presenter.run if presenter is not None else None
        waiting = self.outbox.status(now)
        if waiting:
            return "warning", waiting
        if self.sending:
            return "info", "Sending your result to the class…"
        last = self.outbox.last
        mine = last is not None and last.post.assignment_no == self.assignment_no
        if mine and last.state == "refused":
            return "error", f"Your result was not taken: {last.message}"
        sent = mine and last.state == "sent"
        if run is not None and not self.matches(run):
            return ("info" if sent else "warning"), (
                ("Your result was sent. " if sent else "")
                + "The run on screen is not the class's assignment (its settings were "
                "changed): only the assignment's run is sent. “Back to the assignment” "
                "opens it again.")
        if sent:
            step = last.post.entries[0]["steps"]
            if step < self.steps and not (run is not None and run.finished):
                return "success", (f"Sent to the class: your run at step {step}. It is "
                                   f"sent again by itself at step {self.steps}.")
            return "success", f"Sent to the class: your run at step {step}."
        at = f" (now at step {run.step})" if run is not None else ""
        return "info", f"Your result goes to the class by itself at step {self.steps}{at}."
