"""The live feed's route (serving/feed.py) and a presenter's side of it (ui/presenter.py),
no browser."""

import asyncio
import gc
import json

from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.requests import Request

from serving import background, feed
from serving.pacing import Pacer
from serving.slots import TrainingSlots
from ui.presenter import LiveChart, LivePresenter


def request(token: str, query: bytes = b"") -> Request:
    return Request({"type": "http", "method": "GET", "path": f"/_wri/feed/{token}",
                    "path_params": {"token": token}, "query_string": query, "headers": []})


def answer(token: str, query: bytes = b""):
    response = asyncio.run(feed._answer(request(token, query)))
    return response.status_code, json.loads(response.body)


class Run:
    """The least a presenter's run has: steps, whether it can go on, whether it is at one
    of its stops."""

    generation, step, finished, stopped, trainers = 1, 0, False, False, []

    def run(self, n):
        self.step += n
        return self


class Stub(LivePresenter):
    """A presenter whose status and charts a test sets; it counts its refreshes."""

    def __init__(self, parts=(), charts=None):
        super().__init__()
        # slots of its own: the server's would count other tests' stubs as classmates
        # playing, and stretch the tick (serving/pacing.py Pacer.stretch)
        self.pacer = Pacer(self.records_per_tick, slots=TrainingSlots(2))
        self.run, self.shown, self.calls = Run(), ("p",), []
        self.parts, self.chart_specs = list(parts), charts or {}

    def status_parts(self):
        return self.parts

    def charts(self):
        return {key: LiveChart("p", 1, lambda s=spec: s) for key, spec in self.chart_specs.items()}

    def refresh(self, visible=None, ticking=False, timer=False):
        self.calls.append(visible)
        return super().refresh(visible, ticking, timer)


def playing(**kw):
    presenter = Stub(**kw)
    presenter.playing = True
    return presenter


def test_each_presenter_has_its_own_unguessable_token_and_goes_with_its_session():
    a, b = Stub(), Stub()
    assert a.token != b.token and len(a.token) >= 32  # 24 random bytes, URL-safe
    assert feed.find(a.token) is a and feed.find(b.token) is b
    token = a.token
    del a
    gc.collect()
    assert feed.find(token) is None  # held weakly: the session's state owns it


def test_a_paused_presenter_trains_nothing_and_says_it_is_done():
    p = playing()
    p.playing = False  # the page was paused after the request left the browser
    assert json.loads(p.poll({"loss"})) == {"status": None, "charts": {}, "done": True}
    assert p.calls == [] and p.run.step == 0


def test_the_answer_carries_status_due_charts_on_screen_as_objects_and_done():
    import plotly.graph_objects as go
    p = playing(parts=[["markdown", "**Step 7** · loss", None]],
                charts={"loss": go.Figure(), "flow": go.Figure()})
    status, body = answer(p.token, b"visible=loss,network")
    assert status == 200
    assert body["status"] == [["markdown", "**Step 7** · loss", None]]
    assert list(body["charts"]) == ["loss"] and body["done"] is False  # flow: off screen
    assert body["charts"]["loss"]["key"] == "loss" and body["charts"]["loss"]["version"] == 0
    assert p.calls == [{"loss", "network"}]


def test_an_unknown_token_is_refused_with_the_message_the_page_shows():
    assert answer("no-such-session") == (404, {"error": feed.ENDED})


def test_a_failure_inside_is_a_message_not_a_traceback(caplog):
    p = playing()
    p.status_parts = lambda: (_ for _ in ()).throw(RuntimeError("secret internals"))
    status, body = answer(p.token)
    assert (status, body) == (500, {"error": feed.FAILED})
    assert "secret internals" in caplog.text  # logged for the server's owner, not shown


def test_a_request_names_at_most_max_visible_charts():
    p = playing()
    query = ",".join(f"k{i}" for i in range(3 * feed.MAX_VISIBLE)).encode()
    assert answer(p.token, b"visible=" + query)[0] == 200
    assert len(p.calls[0]) == feed.MAX_VISIBLE


@settings(max_examples=60, deadline=None)
@given(token=st.text(max_size=300), visible=st.binary(max_size=300))
def test_garbage_in_the_route_is_a_clear_refusal_or_an_answer(token, visible):
    p = playing(parts=[["markdown", "ok", None]])
    for t in (token, p.token):
        status, body = answer(t, visible)
        if t == p.token:
            assert status == 200 and body["status"] == [["markdown", "ok", None]]
        else:
            assert (status, body) == (404, {"error": feed.ENDED})


def test_mounted_only_while_a_server_with_the_route_runs():
    assert not feed.mounted()

    async def serve():
        async with feed.lifespan(None):
            return feed.mounted()

    assert asyncio.run(serve()) and not feed.mounted()


def test_the_route_answers_at_the_root_and_under_a_base_url_path():
    # Streamlit's routes move under server.baseUrlPath, an st.App's own do not; the page
    # asks relative to its address, so /why/_wri/feed/... must reach the feed too.
    from starlette.routing import Match

    for path, token in (("/_wri/feed/abc", "abc"), ("/why/_wri/feed/x-y", "x-y"),
                        ("/a/b/_wri/feed/t", "t")):
        scope = {"type": "http", "method": "GET", "path": path}
        matches = [r.matches(scope) for r in feed.routes()]
        full = [child for match, child in matches if match is Match.FULL]
        assert full and full[0]["path_params"]["token"] == token, path
    scope = {"type": "http", "method": "GET", "path": "/_wri/feed/"}
    assert all(r.matches(scope)[0] is Match.NONE for r in feed.routes())


def test_the_server_keeps_the_pace_a_tick_from_one_refresh_to_the_next():
    # The page asks again as soon as an answer comes; the route holds the next request
    # back until a tick has passed since the last refresh began, so a fast browser cannot
    # train faster than the server's tick rate.
    p = playing()
    p.tick_s = 60.0  # far longer than a poll takes
    assert p.wait_s() == 0.0  # the first refresh starts at once
    p.poll(set())
    assert 59.0 < p.wait_s() <= 60.0
    p.tick_s = 0.0
    p.poll(set())
    assert p.wait_s() == 0.0
    paused = playing()
    paused.tick_s, paused.playing = 60.0, False
    paused.poll(set())  # a paused feed's answer is not a refresh: no wait after it
    assert paused.wait_s() == 0.0


def test_the_server_trims_freed_heap_pages_while_it_runs(monkeypatch):
    # On glibc (Debian, the Docker image) the trimming is real, not a silent no-op.
    trim = feed.malloc_trim()
    assert trim is not None
    assert trim(0) in (0, 1)  # 1: memory was given back, 0: there was none to give
    calls = []
    monkeypatch.setattr(feed, "malloc_trim", lambda: lambda pad: calls.append(pad))

    async def serve():
        async with feed.lifespan(None):
            while len(calls) < 2:  # a generous bound below, not a timing assertion
                await asyncio.sleep(0.01)

    async def bounded():
        await asyncio.wait_for(serve(), timeout=60)

    monkeypatch.setattr(feed, "TRIM_EVERY_S", 0.01)
    asyncio.run(bounded())
    assert set(calls) == {0}  # trimmed, repeatedly, while serving


def test_the_hooks_before_a_trim_run_and_a_failing_one_stops_nothing(monkeypatch):
    # server.py adds ui/session.drop_expired_sessions: closed tabs' sessions are forgotten
    # once expired, not when the next tab connects.
    order, calls = [], []
    monkeypatch.setattr(feed, "malloc_trim", lambda: lambda pad: order.append("trim"))

    def broken():
        order.append("broken")
        raise RuntimeError("a hook that fails")

    monkeypatch.setattr(feed, "BEFORE_TRIM", [broken, lambda: calls.append(1) or
                                              order.append("hook")])

    async def serve():
        async with feed.lifespan(None):
            while order.count("trim") < 2:
                await asyncio.sleep(0.01)

    monkeypatch.setattr(feed, "TRIM_EVERY_S", 0.01)
    monkeypatch.setattr(feed.gc, "collect", lambda: order.append("collect"))
    asyncio.run(asyncio.wait_for(serve(), timeout=60))
    # The closed tabs' cycles are collected before the heaps are trimmed.
    assert order[:4] == ["broken", "hook", "collect", "trim"] and len(calls) >= 2


def test_the_server_forgets_closed_tabs_sessions_once_expired(monkeypatch):
    # Importing server.py starts its work ahead (serving/background.py): not in a test
    # process, where it would work beside the tests that exercise it.
    monkeypatch.setattr(background, "start", lambda *args, **kwargs: None)
    import server  # noqa: F401  (registers its hook)
    from ui import session

    assert session.drop_expired_sessions in feed.BEFORE_TRIM
    assert session.drop_expired_sessions() == 0  # no Streamlit runtime here: nothing to do


# ------------------------------------------------------------------ one refresh per session

def answers(*requests):
    """The answers to requests made at the same moment, as (status, body) pairs."""
    async def all_at_once():
        return await asyncio.gather(*(feed._answer(r) for r in requests))

    return [(r.status_code, json.loads(r.body)) for r in asyncio.run(all_at_once())]


def test_parallel_requests_for_one_feed_share_one_refresh_and_the_excess_is_refused():
    # A script polling a page's feed from many threads used to train a tick per request
    # (issue 19): now one refresh is in flight per session, and requests that arrive
    # meanwhile get its answer; past MAX_WAITING at once they are refused, clearly.
    p = playing(parts=[["markdown", "**Step 1**", None]])
    got = answers(*[request(p.token) for _ in range(3 * feed.MAX_WAITING)])
    ok = [body for status, body in got if status == 200]
    refused = [body for status, body in got if status == 429]
    assert len(ok) == feed.MAX_WAITING and len(refused) == 2 * feed.MAX_WAITING
    assert all(body == ok[0] for body in ok)  # one answer, shared
    assert all(body == {"error": feed.TOO_MANY} for body in refused)
    assert len(p.calls) == 1  # one refresh trained, not twelve


def test_requests_one_after_another_each_get_a_refresh_of_their_own():
    p = playing()
    p.tick_s = 0.0
    for _ in range(3):
        assert answer(p.token)[0] == 200
    assert len(p.calls) == 3


def test_the_feeds_of_one_session_share_its_pace_and_refresh_one_at_a_time():
    # A tab's Explore and Compare feeds polled at once train one after the other, each a
    # tick after the last: the session's share, not one per page.
    import threading

    from serving.pacing import Pace

    a, b = playing(), playing()
    a.pace = b.pace = Pace()
    a.tick_s = b.tick_s = 0.01
    inside, overlaps = [], []
    lock = threading.Lock()

    def watched(presenter):
        poll = presenter.poll

        def poll_alone(visible):
            with lock:
                overlaps.append(bool(inside))
                inside.append(presenter)
            try:
                return poll(visible)
            finally:
                with lock:
                    inside.remove(presenter)
        presenter.poll = poll_alone

    watched(a)
    watched(b)
    got = answers(request(a.token), request(b.token), request(a.token))
    assert [status for status, _ in got] == [200, 200, 200]
    assert len(a.calls) == 1 and len(b.calls) == 1  # a's two requests shared one refresh
    assert overlaps == [False, False]


def test_a_feed_of_another_session_is_not_held_up():
    p, q = playing(), playing()
    p.tick_s = 60.0
    p.pace.started(p.tick_s)  # p's next tick is a minute away

    async def both():
        waiting = asyncio.ensure_future(feed._answer(request(p.token)))
        answered = await asyncio.wait_for(feed._answer(request(q.token)), timeout=30)
        waiting.cancel()
        return answered

    assert asyncio.run(both()).status_code == 200 and len(q.calls) == 1 and p.calls == []
