"""deploy/nginx.conf's stickiness, run: a class of browsers from ONE address, through Debian's
nginx, to two real replicas of the app.

The nginx configuration is generated from the shipped file by textual substitution only: its
`app1:8501`-style servers become two local `streamlit run server.py` processes (started as
tests/e2e/helpers.start_streamlit starts one), its `listen 80` a free local port, and the
server block gains an `X-Upstream: $upstream_addr` header (and the access log those fields) to
tell which replica answered. The maps, the hash and the Set-Cookie are the shipped ones.

Every browser comes from 127.0.0.1, as a class behind a school's NAT comes from one address.
Each fresh browser context has no cookie, so nginx gives it a fresh random key (128 bits of
$request_id), which the consistent hash puts on one replica with probability p, the share of
the hash ring that replica holds (near 1/2; the test measures it). The browsers' keys are
independent, so all BROWSERS = 16 land on one replica by luck with probability
p^16 + (1-p)^16, which for a fair split is 2 * (1/2)^16 ~ 3e-5. Asserting that both replicas
got browsers is therefore an honest test of spreading; it fails with ip_hash, which puts every
browser of one address on one replica (the second test runs that too).

The browsers reach nginx by a host name (HOST) that Streamlit does not trust by itself, as it
trusts localhost: their websockets open only if nginx passes the browser's Host on.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from tests.e2e.conftest import CHROMIUM_ARGS
from tests.e2e.helpers import (
    chromium_path,
    free_port,
    nginx_path,
    settled,
    start_streamlit,
    stop_process_group,
    tracebacks,
)

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "deploy" / "nginx.conf"
HOST = "wri-class.test"  # Chromium resolves it to 127.0.0.1 (host-resolver-rules)
BROWSERS = 16
AT_ONCE = 4  # browsers loading and playing at the same time (the machine may have 2 cores)
# Explore with one chart: the proxy is under test, not the panels (their cost is Chromium's).
PAGE = "/?panels=loss"
TITLE = "Explore: watch a network train from its first weights"
STEP = re.compile(r"^Step (\d+)$")


def required(path: str, what: str) -> None:
    """Skip when `path` is not an executable, or fail under E2E_REQUIRED=1 (as CI sets)."""
    if os.access(path, os.X_OK):
        return
    message = f"{what} not found at {path}"
    if os.environ.get("E2E_REQUIRED") == "1":
        pytest.fail(f"{message}, and E2E_REQUIRED=1: install Debian's {what}", pytrace=False)
    pytest.skip(f"{message}; nginx replica tests skipped (CI installs it)")


# ----------------------------------------------------------------- the generated configuration


def cookie_name(shipped: str) -> str:
    """The stickiness cookie: the one `$cookie_<name>` the shipped maps read."""
    (name,) = set(re.findall(r"^\s*map\s+\$cookie_(\w+)\s", shipped, flags=re.M))
    return name


def site_config(shipped: str, ports: list[int], listen: int, *, ip_hash: bool = False) -> str:
    """The shipped server logic, its replicas at `ports` and listening at 127.0.0.1:`listen`.
    With ip_hash, the upstream's balancing line is the old `ip_hash;` instead."""
    text = shipped
    servers = re.findall(r"^(\s*server\s+)(app\d+:8501)\b", text, flags=re.M)
    assert len(servers) >= len(ports), f"the shipped upstream names {servers}"
    for (_, name), port in zip(servers, ports, strict=False):
        text, n = re.subn(rf"\b{name}\b", f"127.0.0.1:{port}", text)
        assert n == 1, name
    # The replicas beyond the test's two are dropped (nginx would have to resolve their names).
    text, n = re.subn(r"^\s*server\s+app\d+:8501\b[^;]*;\n", "", text, flags=re.M)
    assert n == len(servers) - len(ports)
    which = r"\1add_header X-Upstream $upstream_addr always;"
    text, n = re.subn(r"^(\s*)listen\s+80\s*;", rf"\1listen 127.0.0.1:{listen};\n{which}", text,
                      flags=re.M)
    assert n == 1, "the shipped server listens on port 80"
    if ip_hash:
        text, n = re.subn(r"^(\s*)hash\s+[^;]+;", r"\1ip_hash;", text, flags=re.M)
        assert n == 1, "the shipped upstream balances by one hash line"
    return text


def main_config(tmp: Path, site: str, cookie: str) -> str:
    """nginx's main file around `site`: everything nginx writes goes to `tmp`, so it runs as
    any user; as root, its workers stay root to write there too."""
    temp = "\n".join(f"    {kind}_temp_path {tmp / kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}daemon off;
worker_processes 1;
pid {tmp / "nginx.pid"};
error_log {tmp / "error.log"} notice;
events {{ worker_connections 512; }}
http {{
{temp}
    log_format replicas '$status\\t$upstream_addr\\t$request_uri\\t$cookie_{cookie}\\t$request_id';
    access_log {tmp / "access.log"} replicas;
{site}
}}
"""


@contextlib.contextmanager
def run_nginx(tmp: Path, site: str, cookie: str):
    """Debian's nginx serving `site` from the prefix `tmp` until the block exits."""
    listen = int(re.search(r"listen 127\.0\.0\.1:(\d+);", site).group(1))
    conf = tmp / "nginx.conf"
    conf.write_text(main_config(tmp, site, cookie))
    cmd = [nginx_path(), "-p", f"{tmp}/", "-c", str(conf), "-e", str(tmp / "error.log")]
    with open(tmp / "nginx.out", "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + 15
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                logs = "".join(p.read_text(errors="replace") for p in
                               (tmp / "nginx.out", tmp / "error.log") if p.exists())
                raise RuntimeError(f"nginx did not serve ({proc.returncode}):\n{logs[-3000:]}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"http://127.0.0.1:{listen}/nginx-health",
                                            timeout=2) as resp:
                    if resp.read().strip() == b"ok":
                        break
            time.sleep(0.1)
        yield listen
    finally:
        stop_process_group(proc)


def access_log(tmp: Path) -> list[dict[str, str]]:
    fields = ("status", "upstream", "uri", "cookie", "request_id")
    text = (tmp / "access.log").read_text() if (tmp / "access.log").exists() else ""
    return [dict(zip(fields, line.split("\t"), strict=True)) for line in text.splitlines()]


# ----------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def replicas():
    """Two real replicas of the app: their base URLs."""
    required(nginx_path(), "nginx")
    required(chromium_path(), "chromium")
    with start_streamlit() as one, start_streamlit() as two:
        yield [one, two]
        for url in (one, two):
            assert not tracebacks(url), tracebacks(url)


@pytest.fixture(scope="module")
def chromium(replicas, playwright_driver):
    browser = playwright_driver.chromium.launch(
        executable_path=chromium_path(), headless=True,
        args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {HOST} 127.0.0.1"],
    )  # fmt: skip
    try:
        yield browser
    finally:
        browser.close()


def ports_of(urls: list[str]) -> list[int]:
    return [int(url.rsplit(":", 1)[1]) for url in urls]


# ----------------------------------------------------------------- a class of browsers


class Browser:
    """One student's fresh browser context, and every answer it got with its replica."""

    def __init__(self, chromium, base: str):
        self.base = base
        self.context = chromium.new_context(viewport={"width": 1200, "height": 900})
        self.page = self.context.new_page()
        self.answers: list[tuple[str, int, str | None]] = []  # (url, status, X-Upstream)
        self.sockets: list[str] = []
        self.page.on("response", lambda r: self.answers.append(
            (r.url, r.status, r.headers.get("x-upstream"))))
        self.page.on("websocket", lambda ws: self.sockets.append(ws.url))
        self.first = None  # the answer to its first request, the page
        self.cookies: dict = {}  # the stickiness cookie, as the browser keeps it
        self.first_cookie = ""  # the Set-Cookie of that first answer

    def open(self) -> None:
        self.first = self.page.goto(self.base + PAGE, wait_until="commit", timeout=60_000)

    def step(self) -> int:
        text = self.page.locator(".wri-status strong").filter(has_text=STEP).first.inner_text(
            timeout=60_000)
        return int(STEP.match(text).group(1))

    def cookie(self, name: str) -> dict:
        (cookie,) = [c for c in self.context.cookies() if c["name"] == name]
        return cookie

    def ours(self) -> list[tuple[str, int, str | None]]:
        return [a for a in self.answers if a[0].startswith(self.base)]


def wait_for(predicate, timeout: float = 60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def ring_share(listen: int, replica: str, n: int = 200) -> float:
    """The share of fresh (cookie-less) requests the hash sends to `replica`."""
    hits = 0
    for _ in range(n):
        with urllib.request.urlopen(f"http://127.0.0.1:{listen}/_stcore/health") as resp:
            hits += resp.headers["X-Upstream"] == replica
    return hits / n


@pytest.mark.slow
def test_a_class_from_one_address_spreads_and_each_browser_keeps_its_replica(
        replicas, chromium, tmp_path):
    shipped = SHIPPED.read_text()
    name = cookie_name(shipped)
    ports = ports_of(replicas)
    upstreams = [f"127.0.0.1:{p}" for p in ports]
    with run_nginx(tmp_path, site_config(shipped, ports, free_port()), name) as listen:
        base = f"http://{HOST}:{listen}"
        done: list[Browser] = []
        for start in range(0, BROWSERS, AT_ONCE):
            wave = [Browser(chromium, base) for _ in range(min(AT_ONCE, BROWSERS - start))]
            try:
                for b in wave:
                    b.open()
                for b in wave:
                    b.page.get_by_text(TITLE).wait_for(timeout=60_000)
                    assert b.step() == 0
                    settled(b.page)
                    b.page.get_by_role("button", name="Play").click()
                for b in wave:
                    assert wait_for(lambda b=b: b.step() >= 3), "Play did not advance the run"
                    b.page.get_by_role("button", name="Pause").click()
                    b.cookies = b.cookie(name)
                    b.first_cookie = b.first.header_value("set-cookie") or ""
            finally:
                for b in wave:
                    b.context.close()
            done.extend(wave)
        # nginx logs a websocket when it closes: wait for every browser's.
        keys = {b.cookies["value"] for b in done}
        assert len(keys) == BROWSERS, "every browser got a key of its own"

        def sockets_logged():
            return {r["cookie"] for r in access_log(tmp_path)
                    if r["uri"] == "/_stcore/stream" and r["status"] == "101"} >= keys

        assert wait_for(sockets_logged, timeout=15), "not every websocket was logged"
        # The odds of the split below: the share of fresh keys the ring gives one replica.
        p = ring_share(listen, upstreams[0])
    log = access_log(tmp_path)

    replica_of = {}
    for b in done:
        key = b.cookies["value"]
        # The first answer set the cookie, for the day, before the page opened its websocket.
        assert f"{name}={key};" in b.first_cookie, b.first_cookie
        assert b.cookies["httpOnly"] and b.cookies["sameSite"] == "Lax"
        assert b.cookies["path"] == "/"
        assert 3600 < b.cookies["expires"] - time.time() <= 24 * 3600, "kept for a day"
        assert b.sockets == [f"ws://{HOST}:{listen}/_stcore/stream"], b.sockets

        # Seen by the browser: every answer after the first page came from one replica, and
        # its live feed found the session there (another replica would answer 404).
        later = b.ours()[1:]
        assert {u for _, _, u in later} <= set(upstreams), later
        (replica,) = {u for _, _, u in later}
        feed = [s for url, s, _ in later if "/_wri/feed/" in url]
        assert feed and set(feed) == {200}, feed
        # Seen by nginx: every request that carried the cookie, the websocket first of all.
        carried = [r for r in log if r["cookie"] == key]
        assert {r["upstream"] for r in carried} == {replica}, carried
        assert [r["status"] for r in carried if r["uri"] == "/_stcore/stream"] == ["101"]
        # The first request (no cookie yet) was hashed by its id, which became the cookie.
        (first,) = [r for r in log if r["request_id"] == key]
        assert first["cookie"] == "-" and first["upstream"] == replica, first
        replica_of[key] = replica

    split = Counter(replica_of.values())
    luck = p**BROWSERS + (1 - p) ** BROWSERS
    print(f"\nbrowsers per replica: {dict(split)}; share of fresh keys to {upstreams[0]}: "
          f"{p:.2f}, so all {BROWSERS} on one replica by luck: {luck:.1e}")
    assert set(split) == set(upstreams), f"one address, one replica: {dict(split)}"
    assert luck < 1e-3, f"the hash ring is lopsided ({p:.2f}): the split proves little"


def test_pinning_by_address_would_put_the_whole_class_on_one_replica(replicas, tmp_path):
    # The same generated configuration, with the upstream balancing by address as the shipped
    # file once did: fresh browsers' first requests, all from 127.0.0.1, all reach the same
    # replica, so the test above would fail on its split.
    shipped = SHIPPED.read_text()
    ports = ports_of(replicas)
    site = site_config(shipped, ports, free_port(), ip_hash=True)
    with run_nginx(tmp_path, site, cookie_name(shipped)) as listen:
        share = ring_share(listen, f"127.0.0.1:{ports[0]}", n=BROWSERS)
    print(f"\nwith ip_hash, share of 127.0.0.1:{ports[0]}: {share:.2f}")
    assert share in (0.0, 1.0), f"ip_hash spread one address over both replicas ({share:.2f})"
