"""The address against what a tab kept, in a real Chromium, with the app's websocket held
back to force the orders that a busy browser or server produce now and then
(ui/session.py, Address): a click sent before the address the server wrote had reached
the page, and a tab's claim sent after it had."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import settled

pytestmark = pytest.mark.e2e
STEP = re.compile(r"^Step (\d+)$")


class Socket:
    """The page's websocket to Streamlit, passed through; the server's messages can be
    held (kept, in order) and let go."""

    def __init__(self, page):
        self.page, self.holding, self.held, self.sent = page, False, [], 0
        page.route_web_socket(re.compile(r"/_stcore/stream"), self._route)

    def _route(self, ws):
        server = ws.connect_to_server()
        self.sent = 0  # a new page: the requests it has sent

        def sent(message):
            self.sent += 1
            server.send(message)

        ws.on_message(sent)
        server.on_message(lambda message: self._down(ws, message))

    def _down(self, ws, message):
        if self.holding:
            self.held.append((ws, message))
        else:
            ws.send(message)

    def let_go(self):
        self.holding = False
        for ws, message in self.held:
            ws.send(message)
        self.held = []

    def wait(self, done, timeout=60.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if done():
                return
            self.page.wait_for_timeout(100)  # the sync API handles the routes meanwhile
        raise AssertionError("the socket never got there")

    def wait_for_held(self, pattern: bytes):
        """Until a held message matches ``pattern`` (Streamlit's protobuf keeps strings
        as they are, each after its length)."""
        self.wait(lambda: any(isinstance(m, bytes) and re.search(pattern, m)
                              for _, m in self.held))


def choose(page, label, option):
    box = page.get_by_label(label, exact=True)
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).click()


def test_play_pressed_before_the_new_address_reached_the_page_plays_the_new_run(
        page, streamlit_server):
    # CI's flake in test_explore.py: the Play request still carried init=zeros, the
    # server took it for news, and the zeros run came back, paused, under an address that
    # said he_normal.
    socket = Socket(page)
    page.goto(streamlit_server + "/?batch_size=0&init=zeros")
    expect(page.locator(".wri-status strong", has_text=STEP).first).to_be_visible(
        timeout=60_000)
    settled(page)
    page.get_by_role("button", name="Step ×10").click()
    expect(page.locator(".wri-status strong", has_text="Step 10")).to_be_visible(
        timeout=30_000)
    settled(page)
    socket.holding = True  # the page hears nothing from the server for a while
    choose(page, "weight initializer", "he_normal")
    # The run has written its address, at its very end (the share link's text, earlier
    # in the run, says "?init=...").
    socket.wait_for_held(rb"[^?]init=he_normal&batch_size=0")
    sent = socket.sent
    page.get_by_role("button", name="Play").click()  # sent with the address the page has
    socket.wait(lambda: socket.sent > sent)
    socket.let_go()
    expect(page.get_by_role("button", name="Pause")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("combobox", name="weight initializer")).to_have_value(
        "he_normal")
    expect(page).to_have_url(re.compile(r"init=he_normal"))
    settled(page)
    assert page.get_by_text("Symmetry holds").count() == 0


@pytest.mark.parametrize(("first", "typed", "message", "gone"), [
    ("lesson=too_small", "lesson=nonsense", "'nonsense' is not a lesson",
     "Lesson: Too small"),
    ("depth=64&width=512", "depth=abc&init=nope", "'abc' is not a whole number",
     "the default settings were used"),
])
def test_an_address_typed_into_a_tab_wins_over_what_the_tab_kept(
        page, streamlit_server, first, typed, message, gone):
    socket = Socket(page)
    page.goto(f"{streamlit_server}/?{first}")
    expect(page.locator(".wri-status strong", has_text=STEP).first).to_be_visible(
        timeout=60_000)
    settled(page)
    # The same tab, a new address. The new page's first run answers the address and
    # writes the settings it took (the defaults); its messages reach the page together,
    # as from a server faster than its browser, so the tab's claim on what it kept goes
    # out after the written address has replaced the typed one.
    socket.holding = True
    page.goto(f"{streamlit_server}/?{typed}", wait_until="commit")
    socket.wait_for_held(rb"Share link")  # the run's last element, then its address
    page.wait_for_timeout(500)  # (were it later, the claim would carry the typed one)
    socket.let_go()
    page.wait_for_function("() => location.search === ''", timeout=60_000)
    socket.wait(lambda: socket.sent >= 2)  # the page's first request, then its claim
    settled(page)
    expect(page.get_by_text(message).first).to_be_visible()
    assert page.get_by_text(gone).count() == 0
