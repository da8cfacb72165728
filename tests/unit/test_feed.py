"""Explore's live feed (ui/feed.py): its registry, its answer and its route, no browser."""

import asyncio
import gc
import json

from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.requests import Request

from ui import feed


def request(token: str, query: bytes = b"") -> Request:
    return Request({"type": "http", "method": "GET", "path": f"/_wri/feed/{token}",
                    "path_params": {"token": token}, "query_string": query, "headers": []})


def answer(token: str, query: bytes = b""):
    response = asyncio.run(feed._answer(request(token, query)))
    return response.status_code, json.loads(response.body)


def playing_feed(produce):
    f = feed.Feed()
    f.playing, f.produce = True, produce
    return f


def test_each_feed_has_its_own_unguessable_token_and_goes_with_its_session():
    a, b = feed.Feed(), feed.Feed()
    assert a.token != b.token and len(a.token) >= 32  # 24 random bytes, URL-safe
    assert feed._FEEDS[a.token] is a and feed._FEEDS[b.token] is b
    token = a.token
    del a
    gc.collect()
    assert token not in feed._FEEDS  # held weakly: the session's state owns it


def test_a_paused_feed_trains_nothing_and_says_it_is_done():
    calls = []
    f = playing_feed(lambda visible: calls.append(visible))
    f.playing = False  # the page was paused after the request left the browser
    assert json.loads(f.poll({"loss"})) == {"status": None, "charts": {}, "done": True}
    assert calls == []


def test_the_answer_carries_status_charts_as_objects_and_done():
    spec = json.dumps({"data": [], "layout": {"height": 300}, "key": "loss", "version": 3})
    seen = []

    def produce(visible):
        seen.append(visible)
        return [["markdown", "**Step 7** · loss", None]], {"loss": spec}, False

    f = playing_feed(produce)
    status, body = answer(f.token, b"visible=loss,network")
    assert status == 200
    assert body == {"status": [["markdown", "**Step 7** · loss", None]],
                    "charts": {"loss": json.loads(spec)}, "done": False}
    assert seen == [{"loss", "network"}]


def test_an_unknown_token_is_refused_with_the_message_the_page_shows():
    assert answer("no-such-session") == (404, {"error": feed.ENDED})


def test_a_failure_inside_is_a_message_not_a_traceback(caplog):
    def produce(visible):
        raise RuntimeError("secret internals")

    f = playing_feed(produce)
    status, body = answer(f.token)
    assert (status, body) == (500, {"error": feed.FAILED})
    assert "secret internals" in caplog.text  # logged for the server's owner, not shown


def test_a_request_names_at_most_max_visible_charts():
    seen = []
    f = playing_feed(lambda visible: (seen.append(visible), ([], {}, False))[1])
    query = ",".join(f"k{i}" for i in range(3 * feed.MAX_VISIBLE)).encode()
    assert answer(f.token, b"visible=" + query)[0] == 200
    assert len(seen[0]) == feed.MAX_VISIBLE


@settings(max_examples=60, deadline=None)
@given(token=st.text(max_size=300), visible=st.binary(max_size=300))
def test_garbage_in_the_route_is_a_clear_refusal_or_an_answer(token, visible):
    f = playing_feed(lambda v: ([["markdown", "ok", None]], {}, False))
    for t in (token, f.token):
        status, body = answer(t, visible)
        if t == f.token:
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
    f = playing_feed(lambda visible: ([], {}, False))
    f.tick_s = 60.0  # far longer than a poll takes
    assert f.wait_s() == 0.0  # the first refresh starts at once
    f.poll(set())
    assert 59.0 < f.wait_s() <= 60.0
    f.tick_s = 0.0
    f.poll(set())
    assert f.wait_s() == 0.0
    paused = playing_feed(lambda visible: ([], {}, False))
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
