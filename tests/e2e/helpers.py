"""Start the app in a real Streamlit server and take screenshots; usable from any test."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
OUTPUT_DIR = REPO_ROOT / "test-output"
SCREENSHOT_DIR = OUTPUT_DIR / "screenshots"


# The server's environment, as in the Docker image and `make run` (a deploy test holds the
# Dockerfile to it). One BLAS thread: the app's matrices are small, and a second thread only
# fights the browser for the same cores (it made training ten times slower). Two malloc
# arenas, and large blocks mapped and given back: ten sessions' threads churning
# short-lived arrays left a default glibc at 480 MB and climbing; these held it near 360 MB
# (bench/load.py, README "Load").
SERVER_ENV = {**{name: "1" for name in
                 ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")},
              "MALLOC_ARENA_MAX": "2", "MALLOC_MMAP_THRESHOLD_": "131072",
              "MALLOC_TRIM_THRESHOLD_": "131072"}


LOG_OF: dict[str, Path] = {}  # a served URL -> its server's log


def tracebacks(url: str) -> str:
    """The tracebacks in the log of the server at ``url`` (empty when it logged none)."""
    text = LOG_OF[url].read_text(errors="replace")
    return text[text.index("Traceback"):][:4000] if "Traceback" in text else ""


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def nginx_path() -> str:
    """Debian's nginx (tests/deploy/test_nginx_replicas.py); /usr/sbin is not on every PATH."""
    return os.environ.get("NGINX_PATH", "/usr/sbin/nginx")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def start_streamlit(
    app_path: str = "server.py", env: dict[str, str] | None = None, timeout: float = 60.0
) -> Iterator[str]:
    """Serve `app_path` (relative to the repo root) and yield its base URL until the block exits.

    `env` adds to (or overrides) the current environment of the server process.
    """
    port = free_port()
    OUTPUT_DIR.mkdir(exist_ok=True)
    log_path = OUTPUT_DIR / f"streamlit-{Path(app_path).stem}-{port}.log"
    cmd = [
        sys.executable, "-m", "streamlit", "run", app_path,
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        # A session of its own, so teardown can kill the whole process group.
        proc = subprocess.Popen(
            cmd,
            cwd=REPO_ROOT,
            env={**SERVER_ENV, **os.environ, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        LOG_OF[url] = log_path
        _wait_healthy(proc, f"{url}/_stcore/health", timeout, log_path)
        yield url
    finally:
        stop_process_group(proc)


def _wait_healthy(proc: subprocess.Popen, health_url: str, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"streamlit exited with code {proc.returncode} before becoming healthy; "
                f"log {log}:\n{log.read_text(errors='replace')[-3000:]}"
            )
        try:
            with urllib.request.urlopen(health_url, timeout=2) as resp:
                if resp.read().decode().strip() == "ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    stop_process_group(proc)
    raise RuntimeError(
        f"streamlit not healthy at {health_url} after {timeout:.0f} s; "
        f"log {log}:\n{log.read_text(errors='replace')[-3000:]}"
    )


def stop_process_group(proc: subprocess.Popen) -> None:
    """End a server started with start_new_session=True, and everything it started."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def settled(page, quiet_ms: int = 600, timeout_ms: int = 30_000) -> None:
    """Wait until no script run is going on (the app has said so, and Streamlit's running
    indicator has been gone, for ``quiet_ms``): a click that lands during a run (the one
    that follows a page's first, when its tab reports its id) can be lost. The indicator
    alone is not enough: it shows only once a run has lasted half a second, so a run that
    had just started passed for none (stApp's data-test-script-state, which Streamlit's
    own tests read, says at once)."""
    page.wait_for_function(
        """(quiet) => {
          const app = document.querySelector('[data-testid="stApp"]');
          const busy = document.querySelector('[data-testid="stStatusWidget"]') ||
            !app || app.dataset.testScriptState !== "notRunning";
          const now = performance.now();
          if (busy) window.__wriBusyAt = now;
          return !busy && now - (window.__wriBusyAt || 0) > quiet;
        }""", arg=quiet_ms, polling=100, timeout=timeout_ms)


def screenshot(page, name: str) -> Path:
    """Save a full-page PNG as test-output/screenshots/<name>.png and return its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
