"""Digests of what the engine computes, to show that a change to it changes no number.

Each case trains a configuration (or a stack of them) and hashes, bit for bit, everything a
run produces: the weights after every chunk of steps, every telemetry field of every record,
the recorded steps, where a member diverged, and a snapshot. Before touching the engine,
write the digests; after, check them:

    .venv/bin/python tests/engine_digest.py --write /tmp/engine-digest.json
    ... change core ...
    .venv/bin/python tests/engine_digest.py --check /tmp/engine-digest.json

The digests hold for one machine, one numpy and one BLAS (its kernels, hence its roundings,
depend on the processor and on OPENBLAS_CORETYPE): keep the file out of the repository and
compare on the machine that wrote it. tests/unit/test_engine_exact.py pins what can be pinned
anywhere.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from core.config import validate  # noqa: E402
from core.trainer import Trainer  # noqa: E402

REF = {"dataset": "spiral", "n_samples": 400, "depth": 8, "width": 64, "activation": "tanh",
       "batch_size": 128, "optimizer": "sgd", "lr": 0.1}
SMALL = {"depth": 3, "width": 8, "batch_size": 16, "data_seed": 3, "init_seed": 4,
         "train_seed": 5}
MIXED = [
    {"init_seed": 0, "init": "he_normal", "lr": 0.05},
    {"init_seed": 1, "init": "orthogonal", "init_params": {"gain": 1.5}, "l2": 0.01},
    {"init_seed": 2, "init": "zeros", "lr": 0.2},
    {"init_seed": 3, "init_scale": 2.0, "momentum": 0.5, "bias_init": "torch_default"},
]
EXPLODE = {"init": "random_normal", "init_params": {"stddev": 5.0}, "activation": "relu",
           "depth": 30, "width": 64, "lr": 1.0}

# name -> (base settings, member overrides or None, run kwargs)
CASES = {
    "reference": (REF, None, {}),
    "reference every 7": ({**REF, "record_every": 7}, None, {}),
    "reference thinned": (REF, None, {"max_records": 5}),
    "full batch": ({**REF, "batch_size": 0, "n_samples": 300}, None, {}),
    "full batch dropout adam": ({**SMALL, "batch_size": 0, "dropout": 0.3,
                                 "optimizer": "adam", "lr": 0.01}, None, {}),
    "batch above the set": ({**SMALL, "n_samples": 40, "batch_size": 64}, None, {}),
    **{f"act {a}": ({**SMALL, "activation": a, "dataset": "xor"}, None, {})
       for a in ("linear", "sigmoid", "relu", "leaky_relu", "elu", "selu", "gelu",
                 "gelu_tanh", "softsign", "swish")},
    **{f"opt {o}": ({**SMALL, "optimizer": o, "lr": 0.05}, None, {})
       for o in ("sgd", "momentum", "adam")},
    "dropout l2 momentum": ({**SMALL, "dropout": 0.2, "l2": 0.01, "optimizer": "momentum"},
                            None, {}),
    "l2 adam relu": ({**SMALL, "l2": 0.05, "optimizer": "adam", "lr": 0.01,
                      "activation": "relu"}, None, {}),
    "zeros": ({**SMALL, "init": "zeros"}, None, {}),
    "constant dropout": ({**SMALL, "init": "constant", "init_params": {"value": 0.3},
                          "dropout": 0.3}, None, {}),
    "relu dead": ({**SMALL, "activation": "relu", "bias_init": "constant",
                   "bias_init_params": {"value": -3.0}}, None, {}),
    "lsuv": ({**SMALL, "init": "lsuv", "activation": "relu"}, None, {}),
    "softmax": ({**SMALL, "dataset": "spiral", "loss": "softmax_ce"}, None, {}),
    "mse classification": ({**SMALL, "loss": "mse"}, None, {}),
    "regression plane": ({**SMALL, "dataset": "plane"}, None, {}),
    "depth 0": ({**SMALL, "depth": 0}, None, {}),
    "depth 1 width 1": ({**SMALL, "depth": 1, "width": 1}, None, {}),
    "stack seeds dropout": ({**SMALL, "dropout": 0.1, "width": 16},
                            [{"init_seed": k} for k in range(4)], {}),
    **{f"stack mixed {o}": ({**SMALL, "dropout": 0.1, "width": 16, "optimizer": o},
                            MIXED, {}) for o in ("sgd", "momentum", "adam")},
    "stack mixed full batch": ({**SMALL, "batch_size": 0, "n_samples": 120}, MIXED, {}),
    "explode": (EXPLODE, None, {}),
    "explode stacked": (EXPLODE, [{}, {"init": "glorot_uniform", "init_params": {}}], {}),
}
CHUNKS = (1, 4, 15)  # steps per run() call: weights hashed after each


def _hash(h, a):
    a = np.ascontiguousarray(a)
    h.update(str((a.dtype.str, a.shape)).encode())
    h.update(a.tobytes())


def digest(base, members, kwargs):
    cfg = validate(base)
    member_cfgs = [cfg.replace(**m) for m in members] if members else None
    t = Trainer(cfg, member_cfgs, **kwargs)
    h = hashlib.sha256()
    with np.errstate(all="ignore"):
        for n in CHUNKS:
            t.run(n)
            _hash(h, t.params)
        for a in t.record.arrays():
            _hash(h, a)
        h.update(repr(t.diverged_at).encode())
        h.update(repr((t.step, t.record_every)).encode())
        snap = t.snapshot(grid_size=6, max_units=3)
        for key in ("preacts", "activations", "backprop", "weights", "biases", "unit_maps"):
            for a in snap[key]:
                _hash(h, a)
        _hash(h, snap["output_map"])
        _hash(h, t.predict(t.data.X_test[:20]))
    return h.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", metavar="FILE")
    group.add_argument("--check", metavar="FILE")
    args = parser.parse_args()
    found = {name: digest(*case) for name, case in CASES.items()}
    if args.write:
        with open(args.write, "w") as f:
            json.dump(found, f, indent=1)
        print(f"{len(found)} digests written to {args.write}")
        return 0
    with open(args.check) as f:
        wanted = json.load(f)
    bad = [name for name in wanted if found.get(name) != wanted[name]]
    for name in bad:
        print(f"CHANGED: {name}")
    print(f"{len(wanted) - len(bad)} of {len(wanted)} digests identical")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
