"""Stacked members against sequential single runs: 16 seeds trained as one computation.

Reference workload (issue 4): 16 initialisation seeds of an 8 x 64 tanh network, batch 128,
spiral data (1000 points), SGD. "Stacked" is one Trainer with 16 members (a leading member
axis through every matmul); "sequential" is 16 Trainers of one member, one after the other,
for the same number of steps. Each is timed from construction (data, weights, step-0
telemetry) to the last step, with telemetry recorded every step (what Compare does) and every
10 steps, repeated; the medians are compared, wall-clock and CPU time of this process (the
CPU time is the steadier figure on a shared machine).

A second workload, the Playground's size (3 x 8, batch 32), shows where stacking pays most:
there a step is mostly Python overhead, which the stack pays once for all 16 networks.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/stacked.py [--steps 200] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._harness import SMOKE_HELP  # noqa: E402
from core.config import validate  # noqa: E402
from core.trainer import Trainer  # noqa: E402
from tests.configs import stack  # noqa: E402

SEEDS = 16
TARGET = 6.0
WORKLOADS = {
    "8 x 64 tanh, batch 128 (reference)": {
        "dataset": "spiral", "n_samples": 1000, "depth": 8, "width": 64, "activation": "tanh",
        "init": "glorot_uniform", "optimizer": "sgd", "lr": 0.05, "batch_size": 128},
    "3 x 8 tanh, batch 32 (Playground size)": {
        "dataset": "spiral", "n_samples": 400, "depth": 3, "width": 8, "activation": "tanh",
        "init": "glorot_uniform", "optimizer": "sgd", "lr": 0.05, "batch_size": 32},
}


def stacked(cfg, steps):
    Trainer(*stack(cfg, [{"init_seed": k} for k in range(SEEDS)])).run(steps)


def sequential(cfg, steps):
    for k in range(SEEDS):
        Trainer(validate({**cfg, "init_seed": k})).run(steps)


def floor(cfg, repeats=20):
    """CPU ms per network-step of a training step's unavoidable array work alone: the matrix
    products (forward, weight gradients, back-propagation) and tanh with its derivative, on
    16 stacked members, no telemetry. No engine can stack its way below this."""
    import numpy as np

    rng = np.random.default_rng(0)
    B, w, d = cfg["batch_size"], cfg["width"], cfg["depth"]
    sizes = [2] + [w] * d + [1]
    Ws = [rng.standard_normal((SEEDS, a, b)) / np.sqrt(a)
          for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    X = rng.standard_normal((B, 2))

    def step():
        hs, h = [X], X
        for W in Ws[:-1]:
            h = np.tanh(h @ W)
            hs.append(h)
        g = hs[-1] @ Ws[-1]
        for layer in range(len(Ws) - 1, -1, -1):
            h = hs[layer]
            _ = (h.T if h.ndim == 2 else np.swapaxes(h, -1, -2)) @ g
            if layer:
                g = (g @ np.swapaxes(Ws[layer], -1, -2)) * (1 - hs[layer] * hs[layer])

    step()
    times = []
    for _ in range(repeats):
        start = time.process_time()
        step()
        times.append(time.process_time() - start)
    return statistics.median(times) * 1e3 / SEEDS


def timed(fn, *args):
    wall, cpu = time.perf_counter(), time.process_time()
    fn(*args)
    return time.perf_counter() - wall, time.process_time() - cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP)
    args = parser.parse_args()
    if args.smoke:
        args.steps, args.repeats = 5, 1
    print(f"{SEEDS} seeds, {args.steps} steps, median of {args.repeats} repeats "
          f"(OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, "
          f"load average {os.getloadavg()[0]:.1f})")
    for name, base in WORKLOADS.items():
        print(f"{name}; floor (matrix products and tanh only): {floor(base):.3f} ms per "
              "network-step")
        for record_every in (1, 10):
            cfg = {**base, "record_every": record_every}
            # The two take turns, so drift on a shared machine spreads over both.
            pairs = [(timed(stacked, cfg, args.steps), timed(sequential, cfg, args.steps))
                     for _ in range(args.repeats)]
            for i, clock in enumerate(("wall", "cpu")):
                a = statistics.median(s[i] for s, _ in pairs)
                b = statistics.median(q[i] for _, q in pairs)
                per = 1e3 / (SEEDS * args.steps)
                print(f"  telemetry every {record_every:>2}, {clock:4}: stacked {a:6.2f} s "
                      f"({a * per:.3f} ms per network-step), sequential {b:6.2f} s "
                      f"({b * per:.3f} ms): {b / a:4.1f}x")
    print(f"target for the reference workload: {TARGET:g}x")


if __name__ == "__main__":
    main()
