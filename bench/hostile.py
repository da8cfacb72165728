"""A hostile client against fair pacing: two sessions play the reference workload on one
fresh server.py; then 16 threads poll session a's live-feed address as fast as they can.

Printed: each session's training steps per second alone and while a is hammered, a's gain
and the share of its rate b keeps (counted in steps, both phases in the same run).
Target (issue 19): a gains at most 30%, b keeps at least 70%.

Run:  .venv/bin/python bench/hostile.py [--seconds 20] [--threads 16]
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench._harness import SMOKE_HELP, needs  # noqa: E402
from tests.e2e.clients import hostile_rates  # noqa: E402
from tests.e2e.conftest import CHROMIUM_ARGS  # noqa: E402
from tests.e2e.helpers import chromium_path, start_streamlit  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP)
    args = parser.parse_args(argv)
    if args.smoke:
        args.seconds, args.threads = 2, 2
    needs("chromium")
    with start_streamlit() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), headless=True,
                                    args=CHROMIUM_ARGS)
        r = hostile_rates(browser, url, args.seconds, args.threads)
        browser.close()
    print(f"hostile: 2 sessions on the reference workload, {args.threads} threads polling "
          f"a's feed, {args.seconds:.0f} s per phase")
    print(f"a: {r['a_alone']:.0f} steps/s alone, {r['a_hammered']:.0f} hammered "
          f"({r['a_gain']:.2f}x; {r['a_gain_over_b']:.2f}x b's gain over the same phases)")
    print(f"b: {r['b_alone']:.0f} steps/s alone, {r['b_hammered']:.0f} while a is hammered "
          f"(keeps {r['b_kept']:.0%})")
    print(f"hostile threads: {r['hostile_answers']} answers with a step, refused "
          f"{r['hostile_refused'] or 'none'}, errors {r['hostile_errors'] or 'none'}")
    ok = r["a_gain_over_b"] <= 1.3 and r["b_kept"] >= 0.7
    print(f"target (a gains <= 30% over b, b keeps >= 70%): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
