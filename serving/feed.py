"""The live feed's route: while a run plays, the page's status component asks
``/_wri/feed/<token>`` for each refresh instead of rerunning the page (ui/live.py says why).

A feed is anything with ``wait_s()`` (how long a request arriving now should wait for the
tick) and ``poll(visible_chart_keys) -> JSON text``: the pages' presenters (ui/presenter.py).
Each registers itself and gets an unguessable token that only its own page is sent, so a
session can neither see nor drive another's run. The registry holds feeds weakly: a feed
lives in its session's state and goes when the session does.

One refresh in flight per session (issue 19): the page sends its next request only when an
answer has come, but a script can send many at once, and each used to train a tick of its
own (16 threads took 2.2 times a session's rate). Now the first request of a session
starts its refresh (after waiting for the session's tick), and a request for the same feed
that arrives meanwhile shares that refresh's answer instead of training again; a request
for another feed of the same session (its Compare page, say) waits until it is done. More
than MAX_WAITING requests of one session at once are refused (429, with Retry-After): no
page of ours sends more than one.

Also here: the server's lifespan, which marks the route as mounted and every TRIM_EVERY_S
seconds runs the ``BEFORE_TRIM`` hooks (server.py adds ui/session.py's, which drops the
closed tabs' sessions once their time is up), collects their reference cycles and hands
freed memory back to the system.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import logging
import secrets
import threading
import weakref
from contextlib import asynccontextmanager

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ROUTE = "/_wri/feed/{token}"
MAX_VISIBLE = 64  # chart keys one request may name: more is not a page of ours
MAX_WAITING = 4  # requests of one session answered at once: a page of ours sends one
TRIM_EVERY_S = 30.0
BEFORE_TRIM: list = []  # callables run on the event loop before each trim
_FEEDS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_MOUNTED = threading.Event()
_LOG = logging.getLogger(__name__)

ENDED = "This page's session has ended: reload the page to go on."
FAILED = "The live update failed on the server: press Pause, then Play, or reload the page."
TOO_MANY = ("Too many live updates asked at once by this session: one page asks one at a "
            "time; close the other copies of this page or scripts polling it.")


def register(feed) -> str:
    """A new token for ``feed``, held weakly."""
    token = secrets.token_urlsafe(24)
    _FEEDS[token] = feed
    return token


def find(token: str):
    return _FEEDS.get(token)


def mounted() -> bool:
    """Whether this server answers the route (it was started from server.py)."""
    return _MOUNTED.is_set()


class _Session:
    """One session's live-feed requests: the refresh in flight (its feed and the task that
    makes it) and how many requests are waiting for an answer."""

    __slots__ = ("pending", "waiting", "__weakref__")

    def __init__(self):
        # (weak reference to the feed, asyncio.Task of the refresh's answer): weak, so that
        # nothing here keeps a session's feed (and its pace, this entry's key) alive
        self.pending: tuple | None = None
        self.waiting = 0


# A session's requests, by what stands for the session (a feed's ``pace``, shared by every
# feed of one browser tab; or the feed itself), held weakly as the feeds are.
_SESSIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _session_of(feed) -> _Session:
    key = getattr(feed, "pace", feed)
    session = _SESSIONS.get(key)
    if session is None:
        session = _SESSIONS[key] = _Session()
    return session


async def _refresh(feed, visible) -> str:
    await asyncio.sleep(feed.wait_s())  # on the event loop: a waiting session holds no thread
    # training is CPU work: off the event loop, which serves every session
    return await run_in_threadpool(feed.poll, visible)


async def _shared_answer(feed, visible) -> str:
    """The answer of the session's refresh in flight for ``feed``, or of a new one; after
    the refresh of another feed of the same session, when one is in flight."""
    session = _session_of(feed)
    loop = asyncio.get_running_loop()
    while True:
        pending = session.pending
        if pending is not None and pending[1].get_loop() is not loop:
            pending = session.pending = None  # left by a loop that is gone (tests)
        if pending is None:
            task = asyncio.ensure_future(_refresh(feed, visible))
            session.pending = (weakref.ref(feed), task)
            task.add_done_callback(lambda t, s=session: _done(s, t))
            pending = session.pending
        if pending[0]() is feed:
            # shielded: a request whose client went away does not cancel the others' answer
            return await asyncio.shield(pending[1])
        await asyncio.wait({pending[1]})  # another page of this session: after its refresh


def _done(session: _Session, task) -> None:
    if session.pending is not None and session.pending[1] is task:
        session.pending = None


async def _answer(request):
    feed = _FEEDS.get(request.path_params["token"])
    if feed is None:
        return JSONResponse({"error": ENDED}, status_code=404)
    visible = set(request.query_params.get("visible", "").split(",")[:MAX_VISIBLE]) - {""}
    session = _session_of(feed)
    if session.waiting >= MAX_WAITING:
        return JSONResponse({"error": TOO_MANY}, status_code=429,
                            headers={"Retry-After": "1", "Cache-Control": "no-store"})
    session.waiting += 1
    try:
        body = await _shared_answer(feed, visible)
    except Exception:
        _LOG.exception("the live feed failed")
        return JSONResponse({"error": FAILED}, status_code=500)
    finally:
        session.waiting -= 1
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})


def routes() -> list:
    # Streamlit's own routes move under server.baseUrlPath; an st.App's do not. The page
    # asks relative to its own address, so the route answers under any prefix as well.
    return [Route(ROUTE, _answer, methods=["GET"]),
            Route("/{base:path}" + ROUTE, _answer, methods=["GET"])]


@asynccontextmanager
async def lifespan(_app):
    _MOUNTED.set()
    trimming = asyncio.create_task(_trim_every(TRIM_EVERY_S))
    yield
    trimming.cancel()
    _MOUNTED.clear()


def malloc_trim():
    """glibc's malloc_trim, or None (another C library): it hands the free pages inside
    the heaps back to the system."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim
    except (OSError, AttributeError, TypeError):
        return None


async def _trim_every(seconds):
    # Ten sessions' short-lived arrays leave freed pages scattered through glibc's heaps,
    # and the server's memory crept up for minutes (bench/load.py: +33 MB from the first
    # minute to the fourth; +19 trimming every 30 s). In a thread: it locks the heaps.
    trim = malloc_trim()
    while True:
        await asyncio.sleep(seconds)
        for hook in BEFORE_TRIM:  # on the event loop, where Streamlit keeps its sessions
            try:
                hook()
            except Exception:
                _LOG.exception("a hook before the memory trim failed")
        # A closed tab's presenter, run and charts sit in reference cycles (bound methods,
        # closures), which only the rare full collection frees: after 50 tabs opened and
        # closed the server held 265 MB against 189 at the start; collected here, 194.
        await asyncio.to_thread(gc.collect)
        if trim is not None:
            await asyncio.to_thread(trim, 0)
