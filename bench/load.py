"""A class on one server: N real headless Chromium sessions play Explore at the same time.

Each session opens the reference workload (spiral, 8 hidden layers x 64 tanh units, batch
128, every panel shown, in a laptop-sized window by default), presses Play and keeps
playing. Printed per session: refreshes per second (changes of the "Step N" status line,
counted in the page itself), training steps per second, ticks that found the server busy,
and errors (console errors, page errors, exception boxes). Printed for the server: its
resident memory (VmRSS of the process, every 10 s) and the CPU it used, next to the CPU the
browsers used (on one machine they compete).

Target (issue 5), 2-core machine: 10 sessions, each >= 1 refresh per second, no errors,
memory not growing after the first minute.

``--light`` measures the server, not the browsers (issue 19): each session is opened by a
Chromium page that presses Play and then stops asking; a plain HTTP thread per session
polls its live feed in its place at the browser's cadence (the next request as soon as an
answer comes, naming the charts the page has on screen), and draws nothing. ``--levels
10 20 30`` plays 10 sessions, then 20, then 30 on the same server, and prints per level
each session's refreshes and steps per second, the server's CPU (cores, and CPU seconds per
refresh and per training step) and its memory; then the server's CPU with every session
open and nobody asking (idle). Target: 30 sessions, each >= 1 refresh/s and >= 25 steps/s,
no errors, memory flat after the first minute.

``--churn 50`` opens and closes 50 sessions (each plays a few seconds) and prints the
server's memory before and after, once Streamlit has dropped the closed sessions
(server.disconnectedSessionTTL; ``--ttl`` shortens it for the run). Target: within 10% of
where it started (after one session was opened and closed, so the app's modules count).

``--replicas 2`` (with ``--light``) runs two server processes behind the project's nginx
(deploy/nginx.conf, generated as tests/deploy/test_nginx_replicas.py generates it: the
shipped maps, hash and cookie, the replicas local), as a 2-CPU host runs two 1-CPU
replicas: one Python process trains on about one core (its interpreter lock). Sessions are
spread evenly: session i's browser carries a stickiness cookie that nginx hashes to replica
i mod 2 (keys found by asking nginx which replica answers them), and its light client
polls through nginx with that cookie. CPU and memory are the replicas' summed (and each).

Run:  .venv/bin/python bench/load.py [--sessions 10] [--seconds 180] [--browsers 1]
                                     [--screen laptop|tall] [--page explore|compare]
      .venv/bin/python bench/load.py --light --levels 10 20 30 [--seconds 60]
                                     [--replicas 2]
      .venv/bin/python bench/load.py --churn 50 [--ttl 20]
      (server limits apply as usual: WRI_* variables in the environment reach the server)
"""

import argparse
import contextlib
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from bench._harness import SMOKE_HELP, needs  # noqa: E402
from tests.e2e.clients import (  # noqa: E402
    Poller,
    feed_url,
    open_playing,
    stop_page_polling,
)
from tests.e2e.conftest import CHROMIUM_ARGS  # noqa: E402
from tests.e2e.helpers import (  # noqa: E402
    REPO_ROOT,
    SERVER_ENV,
    chromium_path,
    free_port,
    stop_process_group,
)

WORKLOAD = "/?dataset=spiral&depth=8&width=64&activation=tanh&batch_size=128"
# Where a session plays: Explore on the reference workload, or Compare as it opens (four
# initializers side by side, four seeds each).
PAGES = {"explore": WORKLOAD, "compare": "/compare"}
SAMPLE_S = 10
# Explore's panels (pages/explore.py PANELS; a page module cannot be imported outside a run).
PANELS = ("network", "boundary", "loss", "gradient flow", "distributions", "symmetry", "theory")
BUSY = "The server is busy"
STREAMLIT_PROBES = ("/_stcore/health", "/_stcore/host-config")
# Runs in each page: every change of the status line (one per refresh that trained) and
# every busy message, timed by the page itself, so this script's polling limits nothing.
OBSERVE = """() => {
  window.__steps = []; window.__busy = 0; window.__visible = document.visibilityState;
  let last = null, busy = false;
  new MutationObserver(() => {
    const el = [...document.querySelectorAll('strong')]
      .find(s => /^Step \\d+$/.test(s.textContent));
    if (el && el.textContent !== last) {
      last = el.textContent;
      window.__steps.push([performance.now(), parseInt(el.textContent.slice(5))]);
    }
    const now = document.body.innerText.includes('""" + BUSY + """');
    if (now && !busy) window.__busy += 1;
    busy = now;
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


@contextlib.contextmanager
def server(env):
    """The app in its own Streamlit server, as tests/e2e/helpers.start_streamlit starts it,
    but keeping the process: its memory and CPU are what this measures."""
    port = free_port()
    log_path = REPO_ROOT / "test-output" / f"load-{port}.log"
    log_path.parent.mkdir(exist_ok=True)
    cmd = [sys.executable, "-m", "streamlit", "run", "server.py", "--server.headless", "true",
           "--server.address", "127.0.0.1", "--server.port", str(port),
           "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env={**os.environ, **env}, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(proc, f"{url}/_stcore/health", log_path)
        yield url, proc.pid, log_path
    finally:
        stop_process_group(proc)


@contextlib.contextmanager
def replicas(env, n):
    """``n`` servers behind deploy/nginx.conf: yields (nginx's URL, the servers' pids, the
    stickiness cookie's name, and for each replica a few cookie values nginx sends to it)."""
    from tests.deploy.test_nginx_replicas import cookie_name, run_nginx, site_config
    from tests.e2e.helpers import nginx_path

    if not os.access(nginx_path(), os.X_OK):
        sys.exit(f"--replicas needs nginx at {nginx_path()} (Debian's nginx)")
    shipped = (REPO_ROOT / "deploy" / "nginx.conf").read_text()
    cookie = cookie_name(shipped)
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(server(env)) for _ in range(n)]
        ports = [int(url.rsplit(":", 1)[1]) for url, _, _ in servers]
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="load-nginx-")))
        site = site_config(shipped, ports, free_port())
        listen = stack.enter_context(run_nginx(tmp, site, cookie))
        proxy = f"http://127.0.0.1:{listen}"
        keys = [[] for _ in ports]
        for _ in range(2000):  # which replica nginx's hash sends each key to
            key = secrets.token_hex(16)
            request = urllib.request.Request(f"{proxy}/_stcore/health",
                                             headers={"Cookie": f"{cookie}={key}"})
            with urllib.request.urlopen(request, timeout=10) as response:
                upstream = response.headers.get("X-Upstream", "")
            keys[ports.index(int(upstream.rsplit(":", 1)[1]))].append(key)
            if min(len(k) for k in keys) >= 40:
                break
        if min(len(k) for k in keys) < 40:
            sys.exit(f"nginx sent too few keys to some replica: {[len(k) for k in keys]}")
        yield proxy, [pid for _, pid, _ in servers], cookie, keys


def wait_healthy(proc, health_url, log_path, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the server exited early; see {log_path}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(health_url, timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        time.sleep(0.25)
    sys.exit(f"the server was not healthy after {timeout} s; see {log_path}")


def rss_mb(pid):
    if isinstance(pid, list):  # the replicas' summed
        return sum(rss_mb(p) for p in pid)
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pids):
    """User + system CPU seconds of these processes (clock ticks from /proc/<pid>/stat)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def browser_pids(server_pid):
    """This script's descendants but the server: Playwright's driver and its Chromiums
    (other Chromiums on the machine are not ours to count)."""
    parent = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError):
            parent[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])

    def ours(pid):
        while pid > 1 and pid != server_pid:
            if parent.get(pid) == os.getpid():
                return True
            pid = parent.get(pid, 0)
        return False

    return [pid for pid in parent if pid != server_pid and ours(pid)]


# What each session's window shows. "laptop" is a student's screen: the top of the page
# (status, network, boundary) in view, the charts below it drawn when scrolled to (they are
# still built and sent). "tall" puts every panel on screen at once: the browsers' worst case.
SCREENS = {"laptop": {"width": 1366, "height": 768}, "tall": {"width": 1400, "height": 3000}}


class Session:
    def __init__(self, browser, url, index, panels=None, screen="laptop", path=WORKLOAD):
        self.index, self.errors, self.offline = index, [], set()
        self.context = browser.new_context(viewport=SCREENS[screen])
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda err: self.errors.append(f"page error: {err}"))
        self.page.goto(url + path)
        self.page.locator("strong", has_text=re.compile(r"^Step \d+$")).wait_for(timeout=120_000)
        for panel in PANELS:
            if panels is not None and panel not in panels:  # as a student hides a panel
                remove = self.page.get_by_role("button", name=f"Remove {panel}")
                for _ in range(5):  # a click during a rerun can be lost: try again
                    remove.click()
                    try:
                        expect(remove).to_have_count(0, timeout=10_000)
                        break
                    except AssertionError:
                        continue
                expect(remove).to_have_count(0)
        self.page.evaluate(OBSERVE)

    def _console(self, message):
        if message.type != "error":
            return
        if "ERR_NAME_NOT_RESOLVED" in message.text:  # this machine is offline: an external
            self.offline.add(message.text[:200])    # resource (the favicon) is not an app error
        elif message.location.get("url", "").endswith(STREAMLIT_PROBES):
            # Opened at /compare, Streamlit's frontend first asks /compare/_stcore/health
            # (and host-config) in case the app is served under that path; a 404 sends it
            # to the root. Streamlit's own, with `streamlit run app.py` too: not an error.
            self.offline.add(f"{message.text[:120]} {message.location['url']}")
        else:
            self.errors.append(f"console: {message.text[:200]}")

    def play(self):
        self.page.get_by_role("button", name=re.compile("Play")).click()

    def result(self, t0_ms, t1_ms):
        """Refreshes and steps per second between two page times (ms)."""
        steps = self.page.evaluate("window.__steps")
        inside = [(t, n) for t, n in steps if t0_ms <= t <= t1_ms]
        seconds = (t1_ms - t0_ms) / 1000
        exceptions = self.page.locator('[data-testid="stException"]').count()
        errors = self.errors + [f"{exceptions} exception box(es) on the page"] * bool(exceptions)
        return {
            "refresh": len(inside) / seconds,
            "steps": (inside[-1][1] - inside[0][1]) / seconds if len(inside) > 1 else 0.0,
            "busy": self.page.evaluate("window.__busy"),
            "visible": self.page.evaluate("window.__visible"),
            "errors": errors,
            "offline": self.offline,
        }


def now_ms(page):
    return page.evaluate("performance.now()")


def measure(sessions, seconds, pid, chrome):
    """Play every session for ``seconds``; sample the server's memory every SAMPLE_S."""
    for s in sessions:
        s.play()
    sessions[0].page.wait_for_timeout(3000)  # every session past its first tick
    starts = [now_ms(s.page) for s in sessions]
    cpu0, chrome0, wall0 = cpu_seconds([pid]), cpu_seconds(chrome), time.monotonic()
    memory = [(0, rss_mb(pid))]
    while (elapsed := time.monotonic() - wall0) < seconds:
        # Waiting inside Playwright lets it deliver console events meanwhile.
        sessions[0].page.wait_for_timeout(min(SAMPLE_S, seconds - elapsed) * 1000)
        memory.append((round(time.monotonic() - wall0), rss_mb(pid)))
    wall = time.monotonic() - wall0
    cpu = {"server": (cpu_seconds([pid]) - cpu0) / wall,
           "chromium": (cpu_seconds(chrome) - chrome0) / wall}
    results = [s.result(t0, now_ms(s.page)) for s, t0 in zip(sessions, starts, strict=True)]
    return results, memory, cpu


def report(args, results, memory, cpu, before_mb):
    print(f"load: {args.sessions} sessions x {args.seconds:.0f} s on one server, "
          f"{os.cpu_count()} CPUs, page {PAGES[args.page]}, panels: "
          f"{'all' if args.panels is None else ', '.join(args.panels) or 'none'}, "
          f"screen {args.screen} {SCREENS[args.screen]}")
    given = {k: v for k, v in os.environ.items() if k.startswith(("WRI_", "STREAMLIT_"))}
    print(f"server settings from the environment: {given or 'none (repository defaults)'}")
    print(f"{'session':>7} {'refresh/s':>9} {'steps/s':>8} {'busy':>5} {'errors':>6}")
    for i, r in enumerate(results, 1):
        print(f"{i:>7} {r['refresh']:>9.2f} {r['steps']:>8.1f} {r['busy']:>5} "
              f"{len(r['errors']):>6}")
    refresh = [r["refresh"] for r in results]
    print(f"refresh/s: min {min(refresh):.2f}, median {statistics.median(refresh):.2f}, "
          f"max {max(refresh):.2f}; steps/s summed over sessions "
          f"{sum(r['steps'] for r in results):.0f}")
    hidden = [i for i, r in enumerate(results, 1) if r["visible"] != "visible"]
    if hidden:
        print(f"WARNING: sessions {hidden} ran in a hidden tab (they pause by design)")
    first_minute = next((mb for t, mb in memory if t >= 60), memory[-1][1])
    samples = " ".join(f"{t}s:{mb:.0f}" for t, mb in memory)
    print(f"server RSS (MB): before sessions {before_mb:.0f}, playing start {memory[0][1]:.0f}, "
          f"after 1 min {first_minute:.0f}, end {memory[-1][1]:.0f}; "
          f"growth after 1 min {memory[-1][1] - first_minute:+.0f}, over the second half "
          f"of the run {memory[-1][1] - memory[len(memory) // 2][1]:+.0f}")
    print(f"server RSS samples: {samples}")
    print(f"CPU (cores busy): server {cpu['server']:.2f}, chromium {cpu['chromium']:.2f}")
    offline = set().union(*(r["offline"] for r in results))
    if offline:
        print(f"not counted as errors (no internet here; Streamlit's base-path probes): "
              f"{sorted(offline)}")
    errors = [f"session {i}: {e}" for i, r in enumerate(results, 1) for e in r["errors"]]
    print("errors: " + ("none" if not errors else f"{len(errors)}"))
    for line in sorted(set(errors))[:20]:
        print("  " + line)
    ok = min(refresh) >= 1 and not errors and memory[-1][1] - first_minute <= 0.1 * first_minute
    print(f"target (each >= 1 refresh/s, no errors, memory flat after 1 min): "
          f"{'met' if ok else 'NOT met'}")


def light_level(browser, url, pids, pollers, pages, n, seconds, screen, route=None):
    """Grow to ``n`` light sessions, play them all for ``seconds``; the level's figures.
    ``route(i)``: session i's cookies (which replica it lands on), or None."""
    while len(pages) < n:
        cookies = route(len(pages)) if route else None
        page = open_playing(browser, url, WORKLOAD, SCREENS[screen], cookies=cookies)
        address = feed_url(page)
        stop_page_polling(page)
        page.wait_for_timeout(500)  # the page's last request answered
        pages.append(page)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies \
            else None
        pollers.append(Poller(address, headers=headers).__enter__())
    time.sleep(3)  # every session past its first refreshes at this level
    marks = [p.snapshot() for p in pollers]
    each0 = [cpu_seconds([p]) for p in pids]
    cpu0, wall0 = cpu_seconds(pids), time.monotonic()
    errors0 = [len(p.errors) + sum(p.refused.values()) for p in pollers]
    memory = [(0, rss_mb(pids))]
    while (elapsed := time.monotonic() - wall0) < seconds:
        time.sleep(min(SAMPLE_S, seconds - elapsed))
        memory.append((round(time.monotonic() - wall0), rss_mb(pids)))
    ends = [p.snapshot() for p in pollers]
    cpu, wall = cpu_seconds(pids) - cpu0, time.monotonic() - wall0
    each = [(cpu_seconds([p]) - c0) / wall for p, c0 in zip(pids, each0, strict=True)]
    rows = []
    for (t0, r0, s0), (t1, r1, s1) in zip(marks, ends, strict=True):
        rows.append({"refresh": (r1 - r0) / (t1 - t0), "steps": (s1 - s0) / (t1 - t0)})
    errors = sum(len(p.errors) + sum(p.refused.values()) for p in pollers) - sum(errors0)
    refreshes = sum((r1 - r0) for (_, r0, _), (_, r1, _) in zip(marks, ends, strict=True))
    steps = sum((s1 - s0) for (_, _, s0), (_, _, s1) in zip(marks, ends, strict=True))
    return {"n": n, "rows": rows, "cpu": cpu / wall, "each": each,
            "cpu_per_refresh": cpu / max(1, refreshes),
            "cpu_per_step": cpu / max(1, steps), "errors": errors, "memory": memory,
            "messages": sorted({e for p in pollers for e in p.errors})[:5]}


def report_light(levels, idle, before_mb, args):
    where = (f"{args.replicas} server processes behind deploy/nginx.conf (CPU and RSS "
             f"summed)" if args.replicas > 1 else "one server process")
    print(f"load --light: {where}; sessions opened by Chromium, then polled by one HTTP "
          f"client each at the browser's cadence; {os.cpu_count()} CPUs, page {WORKLOAD}, screen "
          f"{args.screen}, {args.seconds:.0f} s per level; server RSS before sessions "
          f"{before_mb:.0f} MB")
    given = {k: v for k, v in os.environ.items() if k.startswith(("WRI_", "STREAMLIT_"))}
    print(f"server settings from the environment: {given or 'none (repository defaults)'}")
    for lv in levels:
        r = [row["refresh"] for row in lv["rows"]]
        st = [row["steps"] for row in lv["rows"]]
        print(f"\n{lv['n']} sessions: refresh/s min {min(r):.2f} median "
              f"{statistics.median(r):.2f} max {max(r):.2f}; steps/s min {min(st):.0f} median "
              f"{statistics.median(st):.0f} max {max(st):.0f} (summed {sum(st):.0f})")
        mem = lv["memory"]
        first = next((mb for t, mb in mem if t >= 60), mem[-1][1])
        if len(lv["each"]) > 1:
            print("  per replica: CPU " + ", ".join(f"{c:.2f}" for c in lv["each"])
                  + " cores; sessions spread evenly (session i on replica i mod "
                  f"{len(lv['each'])})")
        print(f"  server CPU {lv['cpu']:.2f} cores, {1000 * lv['cpu_per_refresh']:.1f} ms per "
              f"refresh, {1000 * lv['cpu_per_step']:.2f} ms per step; errors "
              f"{lv['errors']} {lv['messages'] or ''}")
        print("  server RSS (MB): " + " ".join(f"{t}s:{mb:.0f}" for t, mb in mem)
              + f"; after 1 min {first:.0f}, end {mem[-1][1]:.0f}")
    print(f"\nidle: every session open, nobody asking: server CPU {idle:.3f} cores")
    print("\n| sessions | refresh/s each (min / median) | steps/s each (min / median) | "
          "server CPU (cores) | CPU ms / refresh | CPU ms / step | errors |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for lv in levels:
        r = [row["refresh"] for row in lv["rows"]]
        st = [row["steps"] for row in lv["rows"]]
        print(f"| {lv['n']} | {min(r):.2f} / {statistics.median(r):.2f} | {min(st):.0f} / "
              f"{statistics.median(st):.0f} | {lv['cpu']:.2f} | "
              f"{1000 * lv['cpu_per_refresh']:.1f} | {1000 * lv['cpu_per_step']:.2f} | "
              f"{lv['errors']} |")
    ok = [lv["n"] for lv in levels if lv["errors"] == 0
          and min(row["refresh"] for row in lv["rows"]) >= 1
          and min(row["steps"] for row in lv["rows"]) >= 25]
    print(f"levels where every session gets >= 1 refresh/s and >= 25 steps/s, no errors: "
          f"{ok or 'none'}")


def run_light(args, browser, url, pids, before_mb, route=None):
    pollers, pages, levels = [], [], []
    try:
        for n in args.levels:
            levels.append(light_level(browser, url, pids, pollers, pages, n, args.seconds,
                                      args.screen, route))
            lv = levels[-1]
            print(f"level {n}: median refresh/s "
                  f"{statistics.median(r['refresh'] for r in lv['rows']):.2f}, "
                  f"cpu {lv['cpu']:.2f}", flush=True)
    finally:
        for p in pollers:
            p.__exit__(None, None, None)
    time.sleep(2)  # the last answers sent
    cpu0, wall0 = cpu_seconds(pids), time.monotonic()
    time.sleep(args.idle_seconds)
    idle = (cpu_seconds(pids) - cpu0) / (time.monotonic() - wall0)
    report_light(levels, idle, before_mb, args)


def run_churn(args, browser, url, pid, before_mb):
    """Open and close sessions; the server's memory once the closed ones are dropped."""
    def one_session():
        page = open_playing(browser, url, WORKLOAD, SCREENS[args.screen])
        page.wait_for_timeout(2000)  # a couple of seconds of training and charts
        page.context.close()

    def settled_rss(label):
        # Streamlit drops a closed tab's session after the TTL; the trim every 30 s gives
        # the freed pages back (serving/feed.py).
        time.sleep(args.ttl + feed_trim_s() + 5)
        samples = [rss_mb(pid)]
        for _ in range(3):
            time.sleep(5)
            samples.append(rss_mb(pid))
        print(f"  {label}: RSS samples {' '.join(f'{m:.0f}' for m in samples)} MB", flush=True)
        return samples[-1]

    one_session()
    start = settled_rss("after one session opened and closed (the start)")
    peak, t0 = 0.0, time.monotonic()
    for i in range(args.churn):
        one_session()
        peak = max(peak, rss_mb(pid))
        if (i + 1) % 10 == 0:
            print(f"  {i + 1} sessions opened and closed, RSS {rss_mb(pid):.0f} MB", flush=True)
    opened_s = time.monotonic() - t0
    end = settled_rss(f"after {args.churn} more opened and closed")
    print(f"churn: {args.churn} sessions opened, played 2 s and closed in {opened_s:.0f} s; "
          f"server RSS before any session {before_mb:.0f} MB, start {start:.0f}, peak "
          f"{peak:.0f}, end {end:.0f} ({100 * (end - start) / start:+.1f}%); "
          f"disconnectedSessionTTL {args.ttl:.0f} s")
    print(f"target (within 10% of the start): "
          f"{'met' if abs(end - start) <= 0.1 * start else 'NOT met'}")


def feed_trim_s():
    from serving.feed import TRIM_EVERY_S

    return TRIM_EVERY_S


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--browsers", type=int, default=1,
                        help="Chromium processes to spread the sessions over")
    parser.add_argument("--panels", nargs="*", choices=PANELS, default=None,
                        help="panels each session keeps on screen (default: all, as it opens)")
    parser.add_argument("--screen", choices=SCREENS, default="laptop",
                        help="each session's window: a laptop's, or tall enough for every panel")
    parser.add_argument("--page", choices=PAGES, default="explore",
                        help="the page every session plays (--panels is Explore's)")
    parser.add_argument("--light", action="store_true",
                        help="light clients: Chromium opens each session, HTTP polls it")
    parser.add_argument("--levels", type=int, nargs="+", default=None,
                        help="with --light: session counts to measure in turn (default "
                             "--sessions)")
    parser.add_argument("--replicas", type=int, default=1,
                        help="with --light: server processes behind deploy/nginx.conf, the "
                             "sessions spread evenly over them")
    parser.add_argument("--churn", type=int, default=0,
                        help="open and close this many sessions; memory before and after")
    parser.add_argument("--ttl", type=float, default=120,
                        help="with --churn: the server's disconnectedSessionTTL (seconds)")
    parser.add_argument("--idle-seconds", type=float, default=10,
                        help="with --light: how long the idle server's CPU is measured")
    parser.add_argument("--smoke", action="store_true",
                        help=SMOKE_HELP + " (--light, 2 sessions on 2 replicas behind nginx)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.light, args.levels, args.replicas, args.seconds, args.idle_seconds = (
            True, [2], 2, 3, 2)
    needs("chromium", *(["nginx"] if args.replicas > 1 else []))
    if args.page != "explore" and args.panels is not None:
        parser.error("--panels: Explore's panels; only --page explore has them")
    if (args.light or args.churn) and (args.page != "explore" or args.panels is not None):
        parser.error("--light and --churn play Explore as it opens")
    if args.replicas < 1 or (args.replicas > 1 and not args.light):
        parser.error("--replicas: 1 or more, and more than 1 only with --light")
    args.levels = sorted(args.levels or [args.sessions])
    env = dict(SERVER_ENV)
    if args.churn:
        env["STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL"] = str(int(args.ttl))
    if args.light and max(args.levels) > args.replicas * int(
            os.environ.get("WRI_MAX_SESSIONS", 10**6)):
        parser.error("WRI_MAX_SESSIONS (per replica) is below the largest level")
    if args.replicas > 1:
        with replicas(env, args.replicas) as (url, pids, cookie, keys), \
                sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), headless=True,
                                        args=CHROMIUM_ARGS)
            run_light(args, browser, url, pids, rss_mb(pids),
                      route=lambda i: {cookie: keys[i % len(keys)][i // len(keys)]})
            browser.close()
        return
    with server(env) as (url, pid, log_path), sync_playwright() as p:
        before_mb = rss_mb(pid)
        browsers = [p.chromium.launch(executable_path=chromium_path(), headless=True,
                                      args=CHROMIUM_ARGS) for _ in range(args.browsers)]
        if args.light:
            run_light(args, browsers[0], url, [pid], before_mb)
        elif args.churn:
            run_churn(args, browsers[0], url, pid, before_mb)
        else:
            sessions = [Session(browsers[i % len(browsers)], url, i, args.panels, args.screen,
                                PAGES[args.page])
                        for i in range(args.sessions)]
            results, memory, cpu = measure(sessions, args.seconds, pid, browser_pids(pid))
            report(args, results, memory, cpu, before_mb)
        print(f"server log: {log_path.relative_to(REPO_ROOT)}")
        for b in browsers:
            b.close()


if __name__ == "__main__":
    main()
