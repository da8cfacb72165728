"""The live feed's route: while a run plays, the page's status component asks
``/_wri/feed/<token>`` for each refresh instead of rerunning the page (ui/live.py says why).

A feed is anything with ``wait_s()`` (how long a request arriving now should wait for the
tick) and ``poll(visible_chart_keys) -> JSON text``: the pages' presenters (ui/presenter.py).
Each registers itself and gets an unguessable token that only its own page is sent, so a
session can neither see nor drive another's run. The registry holds feeds weakly: a feed
lives in its session's state and goes when the session does.

Also here: the server's lifespan, which marks the route as mounted and hands freed memory
back to the system every TRIM_EVERY_S seconds.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
import weakref
from contextlib import asynccontextmanager

ROUTE = "/_wri/feed/{token}"
MAX_VISIBLE = 64  # chart keys one request may name: more is not a page of ours
TRIM_EVERY_S = 30.0
_FEEDS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_MOUNTED = threading.Event()
_LOG = logging.getLogger(__name__)

ENDED = "This page's session has ended: reload the page to go on."
FAILED = "The live update failed on the server: press Pause, then Play, or reload the page."


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


async def _answer(request):
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse, Response

    feed = _FEEDS.get(request.path_params["token"])
    if feed is None:
        return JSONResponse({"error": ENDED}, status_code=404)
    visible = set(request.query_params.get("visible", "").split(",")[:MAX_VISIBLE]) - {""}
    await asyncio.sleep(feed.wait_s())  # on the event loop: a waiting session holds no thread
    try:  # training is CPU work: off the event loop, which serves every session
        body = await run_in_threadpool(feed.poll, visible)
    except Exception:
        _LOG.exception("the live feed failed")
        return JSONResponse({"error": FAILED}, status_code=500)
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})


def routes() -> list:
    from starlette.routing import Route

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
    import ctypes
    import ctypes.util
    try:
        return ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim
    except (OSError, AttributeError, TypeError):
        return None


async def _trim_every(seconds):
    # Ten sessions' short-lived arrays leave freed pages scattered through glibc's heaps,
    # and the server's memory crept up for minutes (bench/load.py: +33 MB from the first
    # minute to the fourth; +19 trimming every 30 s). In a thread: it locks the heaps.
    trim = malloc_trim()
    while trim is not None:
        await asyncio.sleep(seconds)
        await asyncio.to_thread(trim, 0)
