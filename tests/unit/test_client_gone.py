"""serving/client_gone.py against Streamlit's own websocket handler and Starlette's WebSocket.

The ASGI "client" below does what a closing browser tab does to the server: it has sent a
frame, and the connection drops while the server is sending, so the server's send fails
(uvicorn raises ClientDisconnected, an OSError) before the handler reads that frame. The
order is forced with an event, so the race that made CI red now and then happens every
time here.
"""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocketDisconnected
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.session_manager import SessionClientDisconnectedError
from streamlit.web.server.starlette.starlette_websocket import create_websocket_handler
from uvicorn.protocols.utils import ClientDisconnected

from serving.client_gone import ClientGone

PATH = "/_stcore/stream"


class Runtime:
    """What the handler asks of Streamlit's runtime; each BackMsg is answered with a
    message, as a rerun is."""

    def __init__(self, fail_with: Exception | None = None):
        self.fail_with = fail_with
        self.disconnected = []

    def connect_session(self, client, user_info, existing_session_id):
        self.client = client
        return "session"

    def handle_backmsg(self, session_id, back_msg, client):
        if self.fail_with is not None:
            raise self.fail_with
        try:
            client.write_forward_msg(ForwardMsg(
                script_finished=ForwardMsg.FINISHED_SUCCESSFULLY))
        except SessionClientDisconnectedError:  # as Runtime's message loop: a closed client
            pass

    def disconnect_session(self, session_id, client):
        self.disconnected.append(session_id)


def frame() -> dict:
    msg = BackMsg()
    msg.rerun_script.query_string = ""
    return {"type": "websocket.receive", "bytes": msg.SerializeToString()}


def app(runtime: Runtime, middleware: bool) -> Starlette:
    return Starlette(routes=[WebSocketRoute(PATH, create_websocket_handler(runtime))],
                     middleware=[Middleware(ClientGone)] if middleware else [])


SCOPE = {"type": "websocket", "path": PATH, "raw_path": PATH.encode(), "headers": [],
         "query_string": b"", "scheme": "ws", "server": ("127.0.0.1", 8501),
         "client": ("127.0.0.1", 50000), "subprotocols": [], "asgi": {"version": "3.0"},
         "root_path": ""}


async def leave_mid_send(asgi) -> list[dict]:
    """Connect, send a frame, and drop the connection while the server answers it, with a
    second frame (sent just before the browser went) read after the server's send failed.
    Returns what the server sent."""
    send_failed = asyncio.Event()
    incoming = [{"type": "websocket.connect"}, frame()]
    late = [frame()]
    sent = []

    async def receive():
        if incoming:
            return incoming.pop(0)
        if late:
            await send_failed.wait()
            return late.pop()
        await asyncio.sleep(3600)  # nothing more comes: the peer is gone

    async def send(message):
        if message["type"] == "websocket.send":
            send_failed.set()
            raise ClientDisconnected()
        sent.append(message)

    await asyncio.wait_for(asgi(SCOPE, receive, send), timeout=10)
    return sent


def test_without_it_streamlits_handler_raises_for_a_client_that_left_mid_send():
    """The upstream fault itself: this is the traceback CI found in the server log."""
    runtime = Runtime()
    with pytest.raises(WebSocketDisconnected, match="Cannot call \"send\""):
        asyncio.run(leave_mid_send(app(runtime, middleware=False)))
    assert runtime.disconnected == ["session"]  # the session was cleaned up all the same


def test_with_it_a_client_that_left_mid_send_ends_quietly():
    runtime = Runtime()
    sent = asyncio.run(leave_mid_send(app(runtime, middleware=True)))
    assert [m["type"] for m in sent] == ["websocket.accept"]
    assert runtime.disconnected == ["session"]


def test_any_other_error_of_the_handler_still_reaches_the_log():
    runtime = Runtime(fail_with=ValueError("a real bug"))
    with pytest.raises(ValueError, match="a real bug"):
        asyncio.run(leave_mid_send(app(runtime, middleware=True)))


def test_a_disconnected_error_with_the_client_still_there_is_not_dropped():
    """Only a send that failed because the client left excuses the exception."""
    async def endpoint(websocket):
        await websocket.accept()
        await websocket.close()
        await websocket.send_bytes(b"after close")  # a server bug: raises

    asgi = Starlette(routes=[WebSocketRoute(PATH, endpoint)], middleware=[Middleware(ClientGone)])
    sent = []

    async def receive():
        return {"type": "websocket.connect"}

    async def send(message):
        sent.append(message)

    with pytest.raises(WebSocketDisconnected):
        asyncio.run(asgi(SCOPE, receive, send))
    assert [m["type"] for m in sent] == ["websocket.accept", "websocket.close"]


def test_the_server_mounts_it():
    """server.py's st.App gets it as middleware (the browser tests run that server, and fail
    on any traceback in its log)."""
    server = ast.parse((Path(__file__).resolve().parents[2] / "server.py").read_text())
    middleware = [kw.value for node in ast.walk(server) if isinstance(node, ast.Call)
                  for kw in node.keywords if kw.arg == "middleware"]
    assert middleware and "ClientGone" in ast.unparse(middleware[0])
