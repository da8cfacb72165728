"""What the benchmarks share: the smoke mode `make test` runs, and the tools some of them
need (Debian's Chromium, nginx).

Every ``bench/*.py`` takes ``--smoke``: the same code on a tiny workload, a few seconds long,
whose figures are printed and never judged, so that a benchmark that no longer runs fails
the build instead of rotting (``make bench-smoke``, part of ``make test``). Files whose name
starts with ``_`` are helpers, not benchmarks.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.helpers import chromium_path, nginx_path  # noqa: E402

SMOKE_HELP = "a tiny workload for a few seconds: checks that the benchmark runs (make test)"


def needs(*tools: str) -> None:
    """Stop here, saying why, when a tool the benchmark drives is missing: a failure where
    the browser tests are required (E2E_REQUIRED=1, as in CI), else a skip."""
    paths = {"chromium": chromium_path(), "nginx": nginx_path()}
    missing = [f"{tool} ({paths[tool]})" for tool in tools if not os.access(paths[tool], os.X_OK)]
    if not missing:
        return
    message = f"needs {', '.join(missing)}"
    if os.environ.get("E2E_REQUIRED") == "1":
        sys.exit(f"{message}, and E2E_REQUIRED=1: install Debian's chromium and nginx")
    print(f"skipped: {message}")
    sys.exit(0)
