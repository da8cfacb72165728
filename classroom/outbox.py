"""A session's posts to the class, kept until the store has taken them.

A student's run never waits for the database: the session puts its result here and calls
``flush(now)`` from its own ticks (no thread of its own). A post that finds the store down or
locked (StoreUnavailable) waits and is tried again with exponential back-off (1 s, 2 s, 4 s
... at most 30 s, with a little jitter so a room does not retry in step); one the store
refuses for good (the class closed, or ended) is dropped with the store's message.

Never lost: a post leaves the outbox only when the store has taken it or refused it.
Never duplicated: the store writes a post by its key (class, student, assignment), so a post
sent again after a commit whose answer was lost replaces itself. A newer post with the same
key replaces a waiting one (the "Send to class" button, then the post at the last step).
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass, field

from classroom.store import ClassError, StoreUnavailable

_LOG = logging.getLogger(__name__)
FIRST_S = 1.0
MOST_S = 30.0
FACTOR = 2.0
JITTER = 0.25  # up to this share of a wait is added at random


@dataclass
class Post:
    code: str
    token: str
    assignment_no: int
    entries: list[dict]

    @property
    def key(self) -> tuple:
        return self.code, self.token, self.assignment_no


@dataclass
class _Waiting:
    post: Post
    due: float
    attempts: int = 0


@dataclass(frozen=True)
class Outcome:
    state: str  # "sent", "waiting" or "refused"
    post: Post = field(repr=False)
    message: str = ""
    retry_in: float | None = None


class Outbox:
    """``send(post)`` delivers a post (e.g. ``lambda p: store.post(p.code, p.token,
    p.assignment_no, p.entries)``), raising StoreUnavailable (try later) or ClassError
    (refused for good)."""

    def __init__(self, send, *, first_s: float = FIRST_S, most_s: float = MOST_S,
                 factor: float = FACTOR, jitter: float = JITTER, rng=random.random):
        self.send = send
        self.first_s, self.most_s, self.factor, self.jitter = first_s, most_s, factor, jitter
        self.rng = rng
        self._waiting: dict[tuple, _Waiting] = {}  # by key, oldest first
        self._lock = threading.Lock()
        self.last: Outcome | None = None

    @classmethod
    def to(cls, store, **kw) -> Outbox:
        return cls(lambda p: store.post(p.code, p.token, p.assignment_no, p.entries), **kw)

    def put(self, post: Post, now: float) -> None:
        """Queue ``post``; it replaces a waiting post of the same key, keeping that one's
        schedule (a store that is down is not asked sooner for it)."""
        with self._lock:
            waiting = self._waiting.get(post.key)
            if waiting is None:
                self._waiting[post.key] = _Waiting(post, now)
            else:
                waiting.post = post

    def __len__(self) -> int:
        return len(self._waiting)

    @property
    def next_due(self) -> float | None:
        with self._lock:
            return min((w.due for w in self._waiting.values()), default=None)

    def backoff(self, attempts: int) -> float:
        wait = min(self.most_s, self.first_s * self.factor ** max(0, attempts - 1))
        return wait * (1 + self.jitter * self.rng())

    def flush(self, now: float) -> list[Outcome]:
        """Send the posts that are due, oldest first. When the store is unavailable the rest
        wait too (it is not asked again for each). Returns what happened to each one tried;
        a flush already under way in another thread makes this one return []."""
        if not self._lock.acquire(blocking=False):
            return []
        try:
            outcomes = []
            for key, waiting in list(self._waiting.items()):
                if waiting.due > now:
                    continue
                try:
                    self.send(waiting.post)
                except StoreUnavailable as err:
                    waiting.attempts += 1
                    wait = self.backoff(waiting.attempts)
                    for other in self._waiting.values():
                        if other.due <= now:
                            other.due = now + wait
                    outcomes.append(Outcome("waiting", waiting.post, str(err), wait))
                    break
                except ClassError as err:
                    del self._waiting[key]
                    outcomes.append(Outcome("refused", waiting.post, str(err)))
                except Exception:  # a bug, not the store: say so, do not retry for ever
                    _LOG.exception("a class post failed")
                    del self._waiting[key]
                    outcomes.append(Outcome("refused", waiting.post,
                                            "Your result could not be sent (a server error)."))
                else:
                    del self._waiting[key]
                    outcomes.append(Outcome("sent", waiting.post))
            if outcomes:
                self.last = outcomes[-1]
            return outcomes
        finally:
            self._lock.release()

    def status(self, now: float) -> str | None:
        """A line for the student while a post waits, or None."""
        due = self.next_due
        if due is None:
            return None
        return (f"Your result is waiting for the class: the class results are unavailable; "
                f"trying again in {max(0, round(due - now))} s. Your run goes on.")
