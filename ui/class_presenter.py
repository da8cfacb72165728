"""The Class page's dashboard: the room's results, live, for the lecturer and the projector.

It is a live presenter (ui/presenter.py) whose "run" is the class: a refresh reads the
store (classroom.store.Store.lecturer, which checks the lecturer's key every time) instead of
training, and sends a new frame of the room's figures (viz/classroom.py, projected: every
text at least 18 px) only when the results changed. So it rides the live feed the live pages
use (serving/feed.py): while the class is open the status line's component asks the feed's
route once a second (``REFRESH_S``), a post appears within about a second, and a refresh
that finds nothing new sends the status line alone. Served without the route
(AppTest) the same refresh runs in a fragment on the same
timer (ui/live.py). Nothing of the class is kept here but the newest read: the store is the
truth, so a dashboard on another device, or another replica, shows the same room.
"""

from __future__ import annotations

from classroom import codes, export, summary
from classroom.store import UNAVAILABLE, ClassError, StoreUnavailable
from serving import classes
from ui.presenter import LiveChart, LivePresenter, Refresh
from viz import classroom as figures

REFRESH_S = 1.0  # the dashboard asks the store this often: a post shows within ~1 s
PANEL = "class"
CHARTS = {
    "cls_final": figures.final_loss_figure,
    "cls_trained": figures.trained_figure,
    "cls_grads": figures.grad_norms_figure,
    "cls_distinct": figures.distinct_units_figure,
    "cls_answers": figures.answers_figure,
}


class ClassPresenter(LivePresenter):
    """A class's dashboard for its lecturer (``code`` and ``key``), or nothing yet (None)."""

    def __init__(self, code: str | None = None, key: str | None = None, get_store=None):
        super().__init__()
        self.tick_s = REFRESH_S
        self.code, self.key = code, key
        self.get_store = get_store or classes.store
        self.shown = (PANEL,)
        self.payload: dict | None = None  # the newest read of the class
        self.version = 0  # counts the reads that changed it
        self.unavailable = False  # the newest read found the database down or locked
        self.problem: str | None = None  # the class is gone, or the key is not its own
        self.ahead = False  # the page's run has just read (see read)
        self.placed: set | None = None  # the charts the page placed on its last run

    # ------------------------------------------------------------ what the page asks

    @property
    def live(self) -> bool:
        """Whether the dashboard keeps asking: a class that is open (or not read yet)."""
        return self.code is not None and self.problem is None and not (
            self.payload is not None and self.payload["closed"])

    @property
    def shown_code(self) -> str | None:
        return codes.shown(self.code) if self.code else None

    def read(self, ahead: bool = False) -> bool:
        """Read the class from the store; returns whether anything changed. ``ahead``: the
        page reads before it draws, and the refresh of that same run need not read again."""
        self.ahead = ahead
        if self.code is None:
            return False
        try:
            payload = self.get_store().lecturer(self.code, self.key)
        except StoreUnavailable:
            changed = not self.unavailable
            self.unavailable = True
            return changed
        except ClassError as err:  # deleted, expired, or not this key's
            changed = self.problem != str(err)
            self.problem, self.payload, self.unavailable = str(err), None, False
            return changed
        self.unavailable = False
        if payload == self.payload:
            return False
        self.payload = payload
        self.version += 1
        return True

    # ------------------------------------------------------------ the refresh

    def refresh(self, visible: set[str] | None = None, ticking: bool = False,
                timer: bool = False) -> Refresh:
        """A read of the store, then the status parts and a frame of each chart that is due
        (on a page run: every chart; on the feed's: those whose results changed)."""
        with self.lock:
            if not self.ahead:
                self.read()
            self.ahead = False
            self.board.next_frame(False)  # every chart here is light: due when it changed
            due = {key: chart for key, chart in self.charts().items()
                   if (visible is None or key in visible)
                   and not (timer and self._sent(key, chart))}
            parts = self.status_parts()
            built = {key: self.board.frame(key, chart.build, chart.every, chart.inputs)
                     for key, chart in due.items()}
            # The page places the charts; when the set changes (the first results, a question
            # asked) the feed ends its polling and the page runs again to place them.
            moved = self.placed is not None and set(self.charts()) != self.placed
        return Refresh(parts, built, not self.live or moved)

    def _sent(self, key: str, chart: LiveChart) -> bool:
        """Whether the browser has this chart's frame of the newest read (a chart off
        screen when the results changed gets it when it is back on screen)."""
        last = self.board.specs.get(key)
        return last is not None and last[0] == chart.inputs

    def next_tick_s(self) -> float:
        return self.tick_s  # reading the store is no training: never stretched

    def charts(self) -> dict[str, LiveChart]:
        payload = self.payload
        if payload is None:
            return {}
        out = {}
        for key, build in CHARTS.items():
            if key == "cls_answers" and not (payload.get("assignment") or {}).get("question"):
                continue  # no question, no answers chart
            out[key] = LiveChart(PANEL, 1, lambda b=build: b(payload, projected=True),
                                 (self.version,))
        return out

    # ------------------------------------------------------------ the status line

    def labels(self) -> int:
        """How many runs each student posts (1, or Compare's columns)."""
        if self.payload is None:
            return 0
        return len(summary.labels(self.payload))

    def counts(self) -> tuple[int, int]:
        """(students joined, students whose result is in)."""
        if self.payload is None:
            return 0, 0
        return (self.payload["joined"],
                len({r["student"] for r in self.payload["results"]}))

    def status_parts(self) -> dict[str, list]:
        head, notes = [], []
        if self.problem:
            head.append(["error", self.problem, ":material/error:"])
        elif self.payload is None and self.unavailable:
            head.append(["warning", UNAVAILABLE, ":material/cloud_off:"])
        elif self.payload is not None:
            head.append(["markdown", f":material/assignment: {describe(self.payload)}", None])
            joined, posted = self.counts()
            s = "s" if joined != 1 else ""
            closed = " · **closed**: no more students or results" if self.payload[
                "closed"] else ""
            head.append(["markdown", f":material/groups: **{joined}** student{s} joined · "
                         f"**{posted}** result{'s' * (posted != 1)} in{closed}", None])
            if self.unavailable:
                head.append(["warning", f"{UNAVAILABLE} (showing the results read before)",
                             ":material/cloud_off:"])
            answers = summary.answers(self.payload)
            if answers is not None:
                notes.append(["markdown", f":material/quiz: **{answers['prompt']}** "
                              f"{answers['sentence']}", None])
        return {"head": head, "notes": notes}

    # ------------------------------------------------------------ exports

    def export(self, kind: str) -> str:
        """The newest read as CSV or JSON (classroom.export): no database is asked, so a
        download never fails while the database is down."""
        payload = self.payload or {"class": self.code, "results": []}
        return export.to_csv(payload) if kind == "csv" else export.to_json(payload)


def describe(payload: dict) -> str:
    """The class's assignment in one line."""
    a = payload.get("assignment") or {}
    seeds = ("each student their own initial-weight seed" if a.get("seeding") == "each"
             else f"everyone seed {a.get('seed')}")
    ask = " · its question first" if a.get("ask") else ""
    return f"**{a.get('label', '')}** · {a.get('steps')} steps · {seeds}{ask}"
