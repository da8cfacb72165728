"""A 6 x 6 sweep with 4 seeds and 300 steps per cell, as the Sweep page runs it.

Reference workload (issue 4): the edge-of-chaos preset (tanh, width 32, batch 32, circle data,
init scale 0.5 to 3 across, depth 5 to 50 down: 36 cells, 144 networks), and the 30-layer ReLU
preset (six initializers across, the same depths down). Each is run to the end with
``core.sweep.SweepRun.run_all``, cells of one shape stacked into one Trainer as the page does;
the stacks are listed. Wall-clock and CPU time (this process), median of the repeats.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/sweep.py [--repeats 3] [--preset edge_of_chaos]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import dataclasses  # noqa: E402

from bench._harness import SMOKE_HELP  # noqa: E402
from core import sweep  # noqa: E402

TARGET_S = 60.0


def spec_of(preset, smoke=False):
    """The preset's sweep; for the smoke mode its first 2 x 2 cells, one seed, the fewest
    steps."""
    spec = sweep.PRESETS[preset].spec()
    if not smoke:
        return spec
    x, y = (sweep.parse_axis(axis.name, ",".join(axis.labels[:2])) for axis in (spec.x, spec.y))
    return dataclasses.replace(spec, x=x, y=y, seeds=1, steps=max(sweep.MIN_STEPS, 20))


def once(spec):
    wall, cpu = time.perf_counter(), time.process_time()
    run = sweep.SweepRun(spec).run_all()
    return time.perf_counter() - wall, time.process_time() - cpu, run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--preset", choices=list(sweep.PRESETS), action="append")
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP)
    args = parser.parse_args()
    if args.smoke:
        args.repeats = 1
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    for preset in args.preset or list(sweep.PRESETS):
        spec = spec_of(preset, args.smoke)
        runs = [once(spec) for _ in range(args.repeats)]
        walls = [w for w, _, _ in runs]
        cpus = [c for _, c, _ in runs]
        last = runs[-1][2]
        stacks = ", ".join(str(len(s)) for s in last.stacks)
        trained = last.summary()["trained_fraction"].mean()
        print(f"{preset}: {len(last.cells)} cells x {spec.seeds} seeds x {spec.steps} steps "
              f"({spec.x.name} x {spec.y.name}); {len(last.stacks)} stacks of {stacks} cells")
        print(f"  wall {statistics.median(walls):6.1f} s (runs: "
              f"{', '.join(f'{w:.1f}' for w in walls)}), cpu {statistics.median(cpus):6.1f} s; "
              f"target < {TARGET_S:.0f} s: "
              f"{'met' if statistics.median(walls) < TARGET_S else 'NOT met'}; "
              f"mean trained fraction {trained:.2f}")


if __name__ == "__main__":
    main()
