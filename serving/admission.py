"""How many sessions one server process holds (``WRI_MAX_SESSIONS``): past them a new
visitor is told the server is full and to try again shortly, instead of every session
slowing down (issue 19).

A session is admitted on its first run and stays admitted while it is live (its browser
connected); when its tab closes (or reloads: the new session takes over the old one's
runs, ui/session.py) its place frees at once, not when Streamlit drops the session's
state a couple of minutes later. Who is live is asked of the caller (``alive``), which
knows the Streamlit runtime; nothing here imports Streamlit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from serving.limits import LIMITS


class Admission:
    def __init__(self, size: int):
        self.size = size
        self._lock = threading.Lock()
        self._admitted: set[str] = set()

    def admit(self, session_id: str, alive: Callable[[str], bool]) -> bool:
        """Whether session ``session_id`` may use the app: it was admitted before, or a
        place is free (counting only the admitted sessions that are still ``alive``)."""
        with self._lock:
            if session_id in self._admitted:
                return True
            self._admitted = {s for s in self._admitted if alive(s)}
            if len(self._admitted) >= self.size:
                return False
            self._admitted.add(session_id)
            return True

    def count(self, alive: Callable[[str], bool]) -> int:
        """The admitted sessions still alive."""
        with self._lock:
            self._admitted = {s for s in self._admitted if alive(s)}
            return len(self._admitted)


ADMISSION = Admission(LIMITS.max_sessions)
