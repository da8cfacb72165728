"""A browser that goes away while the server is sending to it is not a server error.

Streamlit 1.67's websocket handler (streamlit/web/server/starlette/starlette_websocket.py)
reads each frame with ``receive_bytes()`` and takes any ``RuntimeError`` from it for a text
frame, which it answers with ``websocket.close()`` and a raised ``TypeError``. When the
browser disconnects while a message is on its way out (a tab closed mid-run, as students and
the browser tests do), the handler's sender task gets uvicorn's ``ClientDisconnected`` (an
``OSError``), and Starlette marks the websocket disconnected. If a frame the browser sent
just before it went is still queued, the handler's next ``receive_bytes()`` raises
Starlette's ``WebSocketDisconnected``, itself a ``RuntimeError``; the handler misreads it as
a text frame, and its ``close()`` raises ``WebSocketDisconnected`` again, out of the
endpoint: a traceback in the server log for an ordinary disconnection. The session has
been cleaned up by then (the handler's ``finally`` ran on the way out).

``ClientGone`` wraps the websocket endpoints and drops exactly that exception: a
``WebSocketDisconnected`` that ends a connection whose last send failed because the client
had gone. Anything else, including that exception on a connection whose client is still
there, goes on to the server log as before.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnected

_LOG = logging.getLogger(__name__)


class ClientGone:
    """ASGI middleware: a websocket whose client left mid-send ends quietly."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        gone = False

        async def send_noting_departure(message: Message) -> None:
            nonlocal gone
            try:
                await send(message)
            except OSError:  # uvicorn's ClientDisconnected: the peer closed the connection
                gone = True
                raise

        try:
            await self.app(scope, receive, send_noting_departure)
        except WebSocketDisconnected:
            if not gone:
                raise
            _LOG.debug("websocket %s: the client left while a message was being sent",
                       scope.get("path"))
