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

Run:  .venv/bin/python bench/load.py [--sessions 10] [--seconds 180] [--browsers 1]
                                     [--screen laptop|tall] [--page explore|compare]
      (server limits apply as usual: WRI_* variables in the environment reach the server)
"""

import argparse
import contextlib
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

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
    args = parser.parse_args(argv)
    if args.page != "explore" and args.panels is not None:
        parser.error("--panels: Explore's panels; only --page explore has them")
    with server(SERVER_ENV) as (url, pid, log_path), sync_playwright() as p:
        before_mb = rss_mb(pid)
        browsers = [p.chromium.launch(executable_path=chromium_path(), headless=True,
                                      args=CHROMIUM_ARGS) for _ in range(args.browsers)]
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
