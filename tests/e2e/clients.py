"""Clients of a real server that play Explore: a Chromium page that opens a session and
presses Play, the live feed's address it polls, and plain HTTP clients of that address: a
"light" one that keeps a session playing at a browser's cadence without drawing anything
(bench/load.py --light), and a hostile one that polls as fast as it can from many threads
(tests/e2e/test_fair_pacing.py, bench/hostile.py).

Progress is counted in training steps, read from the "Step N" of each answer's status line
(or of the page), so rates compare within one run whatever the machine's speed.
"""

from __future__ import annotations

import contextlib
import http.client
import re
import threading
import time
import urllib.parse

from tests.e2e.helpers import settled

REFERENCE = "/?dataset=spiral&depth=8&width=64&activation=tanh&batch_size=128"
STEP = re.compile(r"^Step (\d+)$")
STEP_IN_STATUS = re.compile(rb"\*\*Step (\d+)\*\*")  # in an answer's status, as sent


def open_playing(browser, url, path=REFERENCE, viewport=None, cookies=None):
    """A new browser context on ``url + path`` with its run playing; returns the page.
    ``cookies`` ({name: value}) are set for ``url`` first (a proxy's stickiness cookie)."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport=viewport or {"width": 1366, "height": 768})
    if cookies:
        context.add_cookies([{"name": k, "value": v, "url": url} for k, v in cookies.items()])
    page = context.new_page()
    page.goto(url + path)
    expect(page.locator("strong", has_text=STEP)).to_be_visible(timeout=120_000)
    settled(page)
    page.get_by_role("button", name=re.compile("Play")).click()
    expect(page.get_by_role("button", name=re.compile("Pause"))).to_be_visible(timeout=60_000)
    return page


def page_step(page) -> int:
    from playwright.sync_api import Error

    for _ in range(20):  # mid-update the line may be replaced: read it again
        with contextlib.suppress(Error, AttributeError):
            text = page.locator("strong", has_text=STEP).first.inner_text(timeout=5000)
            return int(STEP.match(text).group(1))
        page.wait_for_timeout(100)
    raise AssertionError("no Step N on the page")


def feed_url(page) -> str:
    """The absolute address of the page's live feed (the status component's route) and the
    chart keys the page has on screen, as its own requests send them."""
    return page.evaluate("""() => {
      const box = [...document.querySelectorAll('.wri-status')]
        .find(b => b.wriSpec && b.wriSpec.route);
      const visible = new Set();
      document.dispatchEvent(new CustomEvent('wri-visible', {detail: visible}));
      const url = new URL(box.wriSpec.route, document.baseURI);
      url.searchParams.set('visible', [...visible].join(','));
      return url.href;
    }""")


def stop_page_polling(page) -> None:
    """The page stops asking its feed but keeps its session open: a light client polls
    in its place. Its feed requests are refused inside the browser (the page says the
    update failed and stops asking; a rerun that starts its loop again meets the same)."""
    page.route("**/_wri/feed/**", lambda route: route.abort())


class Poller:
    """Threads that each ask one feed address again as soon as an answer comes (what
    components/feed.js does), counting answers, the steps they report and refusals."""

    def __init__(self, url: str, threads: int = 1, headers: dict | None = None):
        parts = urllib.parse.urlsplit(url)
        self.headers = {"Cache-Control": "no-store", **(headers or {})}
        self.host, self.port = parts.hostname, parts.port
        self.path = parts.path + (f"?{parts.query}" if parts.query else "")
        self.threads = threads
        self.lock = threading.Lock()
        self.answers = 0  # answers that reported a step
        self.refreshes = 0  # answers whose step differed from the one before
        self.refused: dict[int, int] = {}  # status -> count
        self.errors: list[str] = []
        self.last_step: int | None = None
        self.samples: list[tuple[float, int]] = []  # (monotonic, step) of each refresh
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []

    def __enter__(self):
        for i in range(self.threads):
            t = threading.Thread(target=self._loop, name=f"poller-{i}", daemon=True)
            t.start()
            self._workers.append(t)
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for t in self._workers:
            t.join(timeout=30)

    def _loop(self):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        while not self._stop.is_set():
            try:
                conn.request("GET", self.path, headers=self.headers)
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as err:
                with self.lock:
                    self.errors.append(repr(err)[:200])
                conn.close()
                conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                self._stop.wait(0.05)
                continue
            if response.status != 200:
                with self.lock:
                    self.refused[response.status] = self.refused.get(response.status, 0) + 1
                retry = response.getheader("Retry-After")
                self._stop.wait(min(float(retry), 1.0) if retry else 0.05)
                continue
            self._count(body)
        conn.close()

    def _count(self, body: bytes):
        # A regular expression on the bytes, not a JSON parse: a hostile client should
        # cost the machine (whose cores the server shares) as little as it can.
        found = STEP_IN_STATUS.search(body)
        if found is None:
            if not body.startswith(b"{"):
                with self.lock:
                    self.errors.append(f"not JSON: {body[:100]!r}")
            return
        step = int(found.group(1))
        with self.lock:
            self.answers += 1
            if step != self.last_step:
                self.refreshes += 1
                self.samples.append((time.monotonic(), step))
            self.last_step = step if self.last_step is None else max(self.last_step, step)

    def snapshot(self) -> tuple[float, int, int]:
        """(now, refreshes so far, newest step)."""
        with self.lock:
            return time.monotonic(), self.refreshes, self.last_step or 0


def hostile_rates(browser, url, seconds=15.0, threads=16, path=REFERENCE, rounds=3):
    """Two sessions play ``path``; their steps/s alone, and while ``threads`` threads poll
    session a's feed as fast as they can. The two phases alternate over ``rounds`` rounds
    (``seconds`` of each phase in all), so a change of the machine's load meanwhile falls
    on both. Returns the four rates, a's gain, the share b keeps and what the hostile
    threads saw."""
    a = open_playing(browser, url, path)
    b = open_playing(browser, url, path)
    window = seconds / rounds
    moved = {"a_alone": 0, "b_alone": 0, "a_hammered": 0, "b_hammered": 0}
    took = {"alone": 0.0, "hammered": 0.0}
    seen = {"answers": 0, "refused": {}, "errors": []}
    try:
        a.wait_for_timeout(3000)  # both past their first refreshes
        for _ in range(rounds):
            for phase in ("alone", "hammered"):
                hammer = Poller(feed_url(a), threads) if phase == "hammered" else None
                with hammer or contextlib.nullcontext():
                    a.wait_for_timeout(1000)  # the new phase under way

                    def a_step(h=hammer):  # the server's step: a's page may lag behind
                        return max(page_step(a), h.snapshot()[2] if h else 0)

                    t0, a0, b0 = time.monotonic(), a_step(), page_step(b)
                    while time.monotonic() - t0 < window:
                        a.wait_for_timeout(250)
                    a1, b1 = a_step(), page_step(b)
                    took[phase] += time.monotonic() - t0
                moved[f"a_{phase}"] += a1 - a0
                moved[f"b_{phase}"] += b1 - b0
                if hammer:
                    seen["answers"] += hammer.answers
                    for status, n in hammer.refused.items():
                        seen["refused"][status] = seen["refused"].get(status, 0) + n
                    seen["errors"] += hammer.errors[:5]
        rates = {key: n / took[key[2:]] for key, n in moved.items()}
        b_kept = rates["b_hammered"] / rates["b_alone"]
        return {**rates, "a_gain": rates["a_hammered"] / rates["a_alone"], "b_kept": b_kept,
                # a's gain over b's: what a took that b did not also get (b shares the
                # machine's changing load with a)
                "a_gain_over_b": rates["a_hammered"] / rates["a_alone"] / b_kept,
                "hostile_answers": seen["answers"], "hostile_refused": seen["refused"],
                "hostile_errors": seen["errors"][:5]}
    finally:
        a.context.close()
        b.context.close()
