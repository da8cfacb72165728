"""One training step with and without telemetry: core against PyTorch and the machine's floor.

Reference workload: 8 hidden layers x 64 tanh units, batch 128, float64, SGD (lr 0.1),
spiral data (1000 points), binary cross-entropy on one sigmoid output. Times, in µs per step
(median over repeats of `--steps` steps each, after a warm-up; the variants take turns
within each repeat, so drift on a shared machine spreads over all of them):

- core bare: `Trainer.run` with telemetry never recorded (record_every = 1_000_000);
- core + grad norms: the bare step plus the Frobenius norm of each weight gradient (what the
  PyTorch row below measures as well);
- core + per-layer telemetry: the bare step plus `core.telemetry.measure` every step (all ten
  fields of DESIGN.md's table), without the loss evaluation;
- core + full telemetry: `record_every = 1`: what the app records (per-layer telemetry plus
  loss and accuracy on the whole training and test sets), on every step;
- core + telemetry as Explore records it: the same every 20th step, which is how often
  Explore records at 80 steps per refresh (core.live records RECORDS_PER_TICK times a tick);
- numpy straight line: the same step in the fewest NumPy calls (one network, 2-D arrays, no
  telemetry or checks), a measured lower bound for any NumPy step of this network;
- torch bare / + grad norms: the same network, initial weights, data and batches in PyTorch
  eager on the CPU, float64, `torch.optim.SGD`; the norms are `torch.linalg.vector_norm` of
  each weight's `.grad`, each fetched with `.item()` so that it is really computed. Skipped
  (with a line saying so) when torch is not installed: `make bench-engine` installs it.

It then times the pieces of a recorded step on their own (measure, of which the distinct-unit
count, and the loss evaluation), and sets the step against the compute-bound floor: the
step's matrix-product flops at this machine's large-matmul rate.

The "+ grad norms" and "+ per-layer telemetry" rows call core's internals (they replace
`Trainer._measure` and `Trainer._record` on one instance); if core changes, they change with it.

    .venv/bin/python bench/engine.py [--steps 200] [--repeats 7] [--glibc-defaults]
    .venv/bin/python bench/engine.py --smoke   # a tiny network, a few seconds: it still runs
    OPENBLAS_NUM_THREADS=2 .venv/bin/python bench/engine.py   # both libraries on 2 threads

It runs under the server's environment (tests/e2e/helpers.SERVER_ENV: BLAS threads and malloc
settings), as the app does, except for variables already set.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._harness import SMOKE_HELP  # noqa: E402
from tests.e2e.helpers import SERVER_ENV  # noqa: E402

# The server's environment, as the app gets it in its container and from `make run`, unless
# a variable is already set. One BLAS thread: a 128 x 64 product is too small to gain from
# more, and it keeps a shared machine's noise out of the figures; torch gets the same count
# below, so both libraries compete on equal terms. glibc reads the malloc settings only at
# start-up, so the bench starts itself again with them; under them a fresh array above
# 128 KiB is mapped from the OS on every allocation, which a step must avoid.
GLIBC_DEFAULTS = "--glibc-defaults" in sys.argv
_wanted = {k: v for k, v in SERVER_ENV.items() if not (GLIBC_DEFAULTS and k.startswith("MALLOC"))}
if any(k not in os.environ for k in _wanted):
    os.execve(sys.executable, [sys.executable, *sys.argv], {**_wanted, **os.environ})
THREADS = int(os.environ["OPENBLAS_NUM_THREADS"])

import argparse  # noqa: E402
import ctypes  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from core import network, telemetry  # noqa: E402
from core.config import validate  # noqa: E402
from core.trainer import Trainer  # noqa: E402
from serving import pacing  # noqa: E402

try:
    import torch
except ImportError:  # optional: the torch rows are skipped
    torch = None

CONFIG = {"dataset": "spiral", "n_samples": 1000, "depth": 8, "width": 64,
          "activation": "tanh", "batch_size": 128, "optimizer": "sgd", "lr": 0.1}
# --smoke: every row and check on a tiny network in a few seconds, so that `make test` sees
# the bench run; its figures say nothing about the engine's speed.
SMOKE_CONFIG = {"n_samples": 200, "depth": 2, "width": 16, "batch_size": 32}
NEVER = 1_000_000  # the largest record_every core accepts: only step 0 is recorded
CHECK_STEPS = 20  # steps over which core and torch must agree
APP_STEPS_PER_TICK = 80  # bench/explore_refresh.py's slider setting
APP_RECORD_EVERY = APP_STEPS_PER_TICK // pacing.RECORDS_PER_TICK
EXPLORE_ROW = "core + Explore's telemetry"
STRAIGHT_ROW = "numpy straight line"


# ------------------------------------------------------------------ machine

def openblas_threads():
    """The thread count numpy's OpenBLAS reports, or None if it cannot be asked."""
    try:
        with open("/proc/self/maps") as maps:
            libs = {line.split()[-1] for line in maps if "openblas" in line.lower()}
        for path in sorted(libs):
            lib = ctypes.CDLL(path)
            for name in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_",
                         "openblas_get_num_threads"):
                if hasattr(lib, name):
                    fn = getattr(lib, name)
                    fn.restype = ctypes.c_int
                    return int(fn())
    except OSError:
        pass
    return None


def blas_name():
    try:
        info = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{info['name']} {info['version']}"
    except Exception:  # noqa: BLE001 - only a label
        return "unknown BLAS"


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def matmul_gflops(n=2048, repeats=5):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    a @ b  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 2 * n**3 / statistics.median(times) / 1e9


# ------------------------------------------------------------------ core variants

def core_trainer(record_every):
    return Trainer(validate({**CONFIG, "record_every": record_every}))


def with_recorder(t, measure):
    """Record `measure(p, delta)` after every step instead of core's measure and losses
    (`t` records every step: made by core_trainer(1))."""
    nan_steps = np.full((t.n_members, len(telemetry.STEP_FIELDS)), np.nan)
    t._measure = measure
    t._record = lambda layer_values: t.record.add(t.step, layer_values, nan_steps)
    return t


def core_grad_norms():
    t = core_trainer(1)
    return with_recorder(
        t, lambda p, delta: np.sqrt(telemetry.layer_sq_norms(p.grads, t.sizes)).T)


def core_layer_telemetry():
    t = core_trainer(1)
    return with_recorder(t, t._measure)


def core_runner(t):
    def run(steps):
        t.run(steps)
        assert t.status == "ok", f"the reference run diverged: {t.diverged_at}"
    return run


# ------------------------------------------------------------------ torch variant

class TorchRun:
    """The reference network in PyTorch eager: core's initial weights, data and batches."""

    def __init__(self, t, batches, grad_norms):
        self.model = torch.nn.Sequential()
        for layer, (W, b) in enumerate(zip(t.Ws, t.bs, strict=True)):
            lin = torch.nn.Linear(W.shape[1], W.shape[2], dtype=torch.float64)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(W[0].T.copy()))  # core is (in, out)
                lin.bias.copy_(torch.from_numpy(b[0].copy()))
            self.model.append(lin)
            if layer < len(t.Ws) - 1:
                self.model.append(torch.nn.Tanh())
        self.weights = [m.weight for m in self.model if isinstance(m, torch.nn.Linear)]
        self.opt = torch.optim.SGD(self.model.parameters(), lr=CONFIG["lr"])
        self.X = torch.from_numpy(t.data.X_train)
        self.y = torch.from_numpy(t.data.y_train.astype(np.float64))
        self.batches = [torch.from_numpy(idx) for idx in batches]
        self.grad_norms = grad_norms
        self.i = 0
        self.last_norms = None

    def step(self):
        idx = self.batches[self.i % len(self.batches)]
        self.i += 1
        self.opt.zero_grad(set_to_none=True)
        logits = self.model(self.X[idx])[:, 0]
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, self.y[idx])
        loss.backward()
        if self.grad_norms:
            self.last_norms = [torch.linalg.vector_norm(w.grad).item() for w in self.weights]
        self.opt.step()
        return loss

    def run(self, steps):
        for _ in range(steps):
            self.step()


class StraightLine:
    """The reference step as the fewest NumPy calls can write it: one network, 2-D arrays,
    buffers made once, no telemetry, no finiteness check, no per-member learning rate. Not
    a second engine: a measured lower bound for any NumPy step of this network, which the
    torch ratio is set against (its gradients are checked against core's at start)."""

    def __init__(self, t, batches, grad_norms=False):
        self.grad_norms, self.last_norms = grad_norms, None
        self.Ws = [W[0].copy() for W in t.Ws]
        self.bs = [b[0].copy() for b in t.bs]
        self.X, self.y = t.data.X_train, t.data.y_train.astype(np.float64)
        self.batches = batches
        B, width, depth = CONFIG["batch_size"], CONFIG["width"], CONFIG["depth"]
        self.A = np.empty((depth, B, width))
        self.DF, self.DZ = np.empty_like(self.A), np.empty_like(self.A)
        self.dW = [np.empty_like(W) for W in self.Ws]
        self.db = [np.empty_like(b) for b in self.bs]
        self.W_T = np.empty((width, width))
        self.ones = np.ones(B)
        self.i = 0

    def step(self):
        idx = self.batches[self.i % len(self.batches)]
        self.i += 1
        Ws, bs, A, DF, DZ, dW, db = self.Ws, self.bs, self.A, self.DF, self.DZ, self.dW, self.db
        h = self.X[idx]
        hs = [h]
        for layer in range(len(Ws) - 1):
            z = np.matmul(h, Ws[layer], out=A[layer])
            z += bs[layer]
            h = np.tanh(z, out=z)
            hs.append(h)
        logits = (h @ Ws[-1])[:, 0] + bs[-1]
        g = ((1 / (1 + np.exp(-logits)) - self.y[idx]) / len(idx))[:, None]
        np.multiply(A, A, out=DF)
        np.subtract(1.0, DF, out=DF)
        for layer in range(len(Ws) - 1, -1, -1):
            np.matmul(hs[layer].T, g, out=dW[layer])
            np.matmul(self.ones, g, out=db[layer])
            if layer == 0:
                break
            np.copyto(self.W_T[:Ws[layer].shape[1], :], Ws[layer].T)
            g = np.matmul(g, self.W_T[:Ws[layer].shape[1], :], out=DZ[layer - 1])
            g *= DF[layer - 1]
        if self.grad_norms:
            self.last_norms = [float(np.sqrt(np.dot(g.ravel(), g.ravel()))) for g in dW]
        for W, b, gW, gb in zip(Ws, bs, dW, db, strict=True):
            W -= CONFIG["lr"] * gW
            b -= CONFIG["lr"] * gb

    def run(self, steps):
        for _ in range(steps):
            self.step()


def core_batches(steps):
    """The batch indices core's reference run uses in its first `steps` steps."""
    t = core_trainer(NEVER)
    seen = []
    original = t._pass

    def spy(batch):
        seen.append(batch[0].copy())
        return original(batch)

    t._pass = spy
    t.run(steps)
    return seen


def agreement(make_run):
    """Largest relative difference between core's per-layer gradient norms and those of
    ``make_run(trainer, batches)`` (a run with .step() and .last_norms) over the first
    CHECK_STEPS steps, from the same weights on the same batches."""
    batches = core_batches(CHECK_STEPS)
    t = core_trainer(1)  # its record at step s holds the gradient that step s used
    tr = make_run(core_trainer(NEVER), batches)
    worst = 0.0
    for _ in range(CHECK_STEPS):
        tr.step()
        t.run(1)
        layers = t.frames()[0]
        mine = layers[layers["step"] == t.step].sort_values("layer")["grad_norm"].to_numpy()
        worst = max(worst, float(np.max(np.abs(mine - tr.last_norms) / np.abs(mine))))
    return worst


# ------------------------------------------------------------------ timing

def per_step_us(runs, steps, repeats):
    """({name: [wall µs per step, each repeat]}, {name: [CPU µs per step, each repeat]});
    each variant warmed up first, then in turns. The CPU time is this thread's own: on a
    shared machine it counts the work, not the waits for a core."""
    for run in runs.values():
        run(max(20, steps // 4))
    wall, cpu = {name: [] for name in runs}, {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start, start_cpu = time.perf_counter(), time.thread_time()
            run(steps)
            wall[name].append((time.perf_counter() - start) / steps * 1e6)
            cpu[name].append((time.thread_time() - start_cpu) / steps * 1e6)
    return wall, cpu


def call_us(fn, calls, repeats):
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - start) / calls * 1e6)
    return statistics.median(times)


def piece_timings(calls, repeats):
    """µs per call of a recorded step's parts, on one pass of the reference run."""
    t = core_trainer(NEVER)
    t.run(20)
    n = len(t.Ws)
    with np.errstate(all="ignore"):
        p = t._pass(t._next)
        (delta,) = t.optimizer.deltas([p.grads])
    d = t.data
    n_points = len(d.y_train) + len(d.y_test)
    act, width = t.config.activation, t.config.width
    hidden = np.random.default_rng(0).standard_normal((t.depth, 1, n_points, width))
    out = np.empty_like(hidden[0])
    groups = network.layer_groups(t.params, t.sizes)

    def losses_only():  # what the trainer's _record evaluates, in the trainer's arrays
        for X, y in ((d.X_train, d.y_train), (d.X_test, d.y_test)):
            network.evaluate(t.Ws, t.bs, X, y, t.act, t.config.loss, d.classification,
                             t._workspace)

    return {
        "measure (every per-layer field)": call_us(
            lambda: t._measure(p, delta), calls, repeats),
        "  of which distinct_units": call_us(
            lambda: telemetry._distinct_units(groups, n), calls, repeats),
        "  of which unit_spread": call_us(
            lambda: telemetry.unit_spread(groups, n, t._workspace), calls, repeats),
        "  of which grad norms": call_us(
            lambda: np.sqrt(telemetry.layer_sq_norms(p.grads, t.sizes)), calls, repeats),
        f"train+test loss ({len(d.y_train)}+{len(d.y_test)} points)": call_us(
            losses_only, calls, repeats),
        f"  of which {t.depth} x {act} on ({n_points}, {width})": call_us(
            lambda: [t.act.apply(z, out) for z in hidden], calls, repeats),
        "_measure_and_record (all of it)": call_us(
            lambda: t._measure_and_record(p, delta), calls, repeats),
    }, n_points


def matmul_flops(sizes, rows):
    """Multiply-adds x 2 of the step's matrix products for a batch of `rows`: forward h @ W
    per layer; backward h.T @ g per layer and g @ W.T for every layer but the first (core
    does not back-propagate into the input)."""
    per_layer = [a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    forward = 2 * rows * sum(per_layer)
    backward = 2 * rows * (2 * sum(per_layer) - per_layer[0])
    return forward, backward


# ------------------------------------------------------------------ report

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=None, help="steps per repeat (200)")
    parser.add_argument("--repeats", type=int, default=None, help="(7)")
    parser.add_argument("--glibc-defaults", action="store_true",
                        help="keep glibc's own malloc settings instead of the server's")
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP)
    args = parser.parse_args()
    if args.smoke:
        CONFIG.update(SMOKE_CONFIG)
    args.steps = args.steps or (5 if args.smoke else 200)
    args.repeats = args.repeats or (1 if args.smoke else 7)

    print(__doc__.splitlines()[0])
    print(f"workload: {CONFIG['depth']} x {CONFIG['width']} {CONFIG['activation']}, batch "
          f"{CONFIG['batch_size']}, float64, {CONFIG['optimizer']} lr {CONFIG['lr']}, "
          f"{CONFIG['dataset']} ({CONFIG['n_samples']} points); median of {args.repeats} "
          f"repeats x {args.steps} steps, after a warm-up")
    blas_now = openblas_threads()
    malloc = " ".join(f"{k}={v}" for k, v in os.environ.items() if k.startswith("MALLOC_"))
    malloc = malloc or "glibc defaults"
    print(f"machine: {cpu_name()}, {os.cpu_count()} CPUs; Python {platform.python_version()}, "
          f"numpy {np.__version__} ({blas_name()})")
    print(f"threads: OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']} "
          f"OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']} "
          f"MKL_NUM_THREADS={os.environ['MKL_NUM_THREADS']}; malloc {malloc}; OpenBLAS reports "
          f"{blas_now if blas_now is not None else 'n/a'}; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (other work on the CPUs skews all)")

    runs = {
        "core bare": core_runner(core_trainer(NEVER)),
        "core + grad norms": core_runner(core_grad_norms()),
        "core + per-layer telemetry": core_runner(core_layer_telemetry()),
        "core + full telemetry": core_runner(core_trainer(1)),
        EXPLORE_ROW: core_runner(core_trainer(APP_RECORD_EVERY)),
        STRAIGHT_ROW: StraightLine(core_trainer(NEVER), core_batches(64)).run,
    }
    worst = agreement(lambda t, b: StraightLine(t, b, grad_norms=True))
    print(f"{STRAIGHT_ROW}: per-layer gradient norms agree with core's to {worst:.1e} "
          f"(relative) over {CHECK_STEPS} steps")
    assert worst < 1e-9, "the straight-line step and core compute different gradients"
    if torch is None:
        print("torch: not installed, PyTorch rows skipped (`make bench-engine` installs "
              "requirements-bench.lock)")
    else:
        torch.set_num_threads(THREADS)
        torch.set_num_interop_threads(1)
        batches = core_batches(64)
        base = core_trainer(NEVER)
        runs["torch bare"] = TorchRun(base, batches, grad_norms=False).run
        runs["torch + grad norms"] = TorchRun(base, batches, grad_norms=True).run
        worst = agreement(lambda t, b: TorchRun(t, b, grad_norms=True))
        print(f"torch: {torch.__version__}, {torch.get_num_threads()} intra-op thread(s); "
              f"per-layer gradient norms agree with core's to {worst:.1e} (relative) over "
              f"{CHECK_STEPS} steps on the same weights and batches")
        assert worst < 1e-9, "torch and core compute different gradients"

    times, cpu_times = per_step_us(runs, args.steps, args.repeats)
    med = {name: statistics.median(v) for name, v in times.items()}
    cpu = {name: statistics.median(v) for name, v in cpu_times.items()}
    bare = med["core bare"]
    print()
    print(f"{'µs per step':<28}{'median':>9}{'min':>9}{'max':>9}{'cpu med':>9}   vs core bare")
    for name, v in times.items():
        extra = "" if name == "core bare" else f"   {(med[name] / bare - 1) * 100:+7.0f}%"
        print(f"{name:<28}{med[name]:9.1f}{min(v):9.1f}{max(v):9.1f}{cpu[name]:9.1f}{extra}")

    def ratio(a, b):  # of the medians, wall clock and CPU time
        return f"{med[a] / med[b]:.2f} (cpu {cpu[a] / cpu[b]:.2f})"

    print(f"{EXPLORE_ROW} / {STRAIGHT_ROW}: {ratio(EXPLORE_ROW, STRAIGHT_ROW)}")
    print(f"core bare / {STRAIGHT_ROW}: {ratio('core bare', STRAIGHT_ROW)} (what core's "
          f"bookkeeping costs: members, bias layout, loss, finiteness, records)")
    if torch is not None:
        print(f"torch + grad norms / core + grad norms: "
              f"{ratio('torch + grad norms', 'core + grad norms')}; torch bare / core bare: "
              f"{ratio('torch bare', 'core bare')}; torch's grad-norm overhead "
              f"{(med['torch + grad norms'] / med['torch bare'] - 1) * 100:+.0f}%")
        print(f"torch bare / {STRAIGHT_ROW}: {ratio('torch bare', STRAIGHT_ROW)} (the most any "
              f"NumPy step of this network could gain on torch here)")
    print("telemetry overhead over core bare: "
          f"grad norms {(med['core + grad norms'] / bare - 1) * 100:+.0f}%, "
          f"per-layer {(med['core + per-layer telemetry'] / bare - 1) * 100:+.0f}%, "
          f"full {(med['core + full telemetry'] / bare - 1) * 100:+.0f}%, "
          f"as Explore records at {APP_STEPS_PER_TICK} steps per refresh (every "
          f"{APP_RECORD_EVERY} steps) "
          f"{(med[EXPLORE_ROW] / bare - 1) * 100:+.0f}%")

    pieces, n_points = piece_timings(calls=args.steps, repeats=args.repeats)
    print()
    print("pieces of a recorded step, µs per call (median):")
    for name, us in pieces.items():
        print(f"  {name:<48}{us:9.1f}")

    t = core_trainer(NEVER)
    fwd, bwd = matmul_flops(t.sizes, CONFIG["batch_size"])
    eval_fwd, _ = matmul_flops(t.sizes, n_points)
    rate = matmul_gflops(n=256 if args.smoke else 2048)
    floor_us = (fwd + bwd) / (rate * 1e9) * 1e6
    print()
    print(f"compute floor: sizes {t.sizes}; matrix products per step "
          f"{fwd / 1e6:.2f} MFLOP forward + {bwd / 1e6:.2f} MFLOP backward = "
          f"{(fwd + bwd) / 1e6:.2f} MFLOP (elementwise work not counted); the full-telemetry "
          f"loss evaluation adds {eval_fwd / 1e6:.2f} MFLOP of forward products")
    n = 256 if args.smoke else 2048
    print(f"numpy float64 {n} x {n} matmul: {rate:.1f} GFLOP/s (median of 5, "
          f"{os.environ['OPENBLAS_NUM_THREADS']} BLAS thread(s)) -> floor {floor_us:.1f} µs "
          f"per step")
    line = (f"floor / measured: core bare {floor_us / bare:.0%}, core + full telemetry "
            f"{(fwd + bwd + eval_fwd) / (rate * 1e3) / med['core + full telemetry']:.0%}")
    if torch is not None:
        line += f", torch bare {floor_us / med['torch bare']:.0%}"
    print(line)


if __name__ == "__main__":
    main()
