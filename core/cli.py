"""``python -m core``: train, gradcheck, inits, theory and phase from the command line.

Every value is read as text and checked by ``core.config``, so a bad one exits with
status 2 and a message naming the setting and its allowed range, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

import numpy as np

from core import (
    activations,
    config,
    gradcheck,
    initializers,
    landscape,
    losses,
    phase,
    spectrum,
    theory,
)
from core.telemetry import Field, Metric
from core.trainer import Trainer


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def _flag(name):
    return "--" + name.replace("_", "-")


TRAIN_FLAGS = [
    "dataset", "n_samples", "noise", "test_fraction", "depth", "width", "activation", "init",
    "init_scale", "bias_init", "optimizer", "lr", "momentum", "batch_size", "steps",
    "record_every", "dropout", "l2", "loss", "data_seed", "init_seed", "train_seed",
]


def _parser():
    parser = _Parser(prog="python -m core", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    train = sub.add_parser("train", help="train one network and write its telemetry",
                           description="Train one network and write its telemetry.")
    _run_flags(train)
    train.add_argument("--out", metavar="FILE", help="FILE.json (full document) or FILE.csv "
                       "(tidy telemetry); without it a short summary is printed")
    check = sub.add_parser("gradcheck", help="backprop against finite differences",
                           description="Compare backprop with central differences on every "
                           "weight and bias; exit 1 if the largest relative error > 1e-6.")
    check.add_argument("--depth", default="3", metavar="V", help="hidden layers (0 to 8)")
    check.add_argument("--width", default="5", metavar="V", help="units per layer (1 to 16)")
    check.add_argument("--activation", default="tanh", help=", ".join(activations.NAMES))
    check.add_argument("--loss", metavar="V", help=", ".join(losses.NAMES) + " (default bce; "
                       "mse with --regression)")
    check.add_argument("--l2", default="0", metavar="V", help="L2 penalty (0 to 1)")
    check.add_argument("--regression", action="store_true", help="regression targets (picks "
                       "--loss mse, the one loss that fits them)")
    check.add_argument("--seed", default="0", metavar="V")
    sub.add_parser("inits", help="list every initializer with its parameters and formula")
    theory_parser = sub.add_parser(
        "theory", help="mean-field prediction of preact_std and backprop_std at init",
        description="Predict, per layer, the preact_std and backprop_std that 'train --steps 0' "
        "reports for the same flags (mean-field theory on the first batch), with the spread "
        "measured over --band-seeds initialisations.")
    _run_flags(theory_parser)
    theory_parser.add_argument("--band-seeds", default="8", metavar="V",
                               help="init seeds measured for the finite-width band (0 to 64; "
                               "0: no band)")
    theory_parser.add_argument("--out", metavar="FILE", help="FILE.json; without it a short "
                               "table is printed")
    land = sub.add_parser("landscape", help="the loss from the first weights to now, or a slice",
                          description="Train, then write the loss on the line from the first "
                          "weights to the trained ones (line) or on a 2-D slice around them.")
    _run_flags(land)
    land.add_argument("--kind", default="line", help="line (default) or slice")
    land.add_argument("--out", metavar="FILE", help="FILE.json; without it a summary is printed")
    spectrum_parser = sub.add_parser(
        "spectrum", help="singular values of the Jacobian dh_L/dh_1 over a batch",
        description="Train --steps steps (default 0 here), then write every singular value of "
        "the Jacobian of the top hidden layer with respect to the first, over the next batch.")
    _run_flags(spectrum_parser)
    spectrum_parser.add_argument("--out", metavar="FILE", help="FILE.json; without it a "
                                 "summary is printed")
    phase_parser = sub.add_parser(
        "phase", help="the order-chaos critical line of an activation (mean-field theory)",
        description="The critical line chi1 = 1 in the (weight variance x fan_in, bias "
        "variance) plane for --activation, the depth scales over the plane, and where the "
        "network of the other flags sits on it.")
    _run_flags(phase_parser)
    phase_parser.add_argument("--bias-var", nargs="+", action="extend", default=[],
                              metavar="V", help="bias variances of the critical points (0 to "
                              "100; default 0 0.01 0.02 0.05 0.1 0.2 0.3)")
    phase_parser.add_argument("--grid", default="31", metavar="V", help="points per axis of "
                              "the depth-scale grid (0 to 81; 0: no grid)")
    phase_parser.add_argument("--out", metavar="FILE", help="FILE.json; without it the "
                              "critical line is printed")
    return parser


def _run_flags(parser):
    """A run's settings as flags (train's, and every command that builds the same network)."""
    for name in TRAIN_FLAGS:
        s = config.SETTINGS[name]
        parser.add_argument(_flag(name), metavar="V", help=f"{s.help} ({s.allowed()}; "
                            f"default {s.default})")
    parser.add_argument("--init-param", action="append", default=[], metavar="KEY=VALUE",
                        help="a parameter of --init, e.g. stddev=0.1 (repeatable)")
    parser.add_argument("--bias-init-param", action="append", default=[], metavar="KEY=VALUE",
                        help="a parameter of --bias-init (repeatable)")
    parser.add_argument("--layer-init", action="append", default=[], metavar="L=NAME",
                        help="a different initializer for layer L (1-based; repeatable)")
    parser.add_argument("--layer-init-param", action="append", default=[],
                        metavar="L:KEY=VALUE", help="a parameter of layer L's initializer "
                        "(repeatable)")
    parser.add_argument("--seed", metavar="V", help="sets data, init and train seeds at once")


def _params(items, what):
    return dict(config.parse_param(item) for item in items)


def _layer_inits(names, params):
    out: dict[int, list] = {}
    for item in names:
        layer, sep, name = item.partition("=")
        if not sep:
            raise ValueError(f"layer-init: {item!r} must look like L=NAME")
        out[layer.strip()] = [name.strip(), {}]
    for item in params:
        layer, sep, kv = item.partition(":")
        if not sep or layer.strip() not in out:
            raise ValueError(f"layer-init-param: {item!r} must look like L:KEY=VALUE, "
                             "with L given by --layer-init")
        key, value = config.parse_param(kv)
        out[layer.strip()][1][key] = value
    return out


def train_config(args) -> config.RunConfig:
    raw = {}
    if args.seed is not None:
        seed = config.parse("data_seed", args.seed)
        raw.update(data_seed=seed, init_seed=seed, train_seed=seed)
    for name in TRAIN_FLAGS:
        value = getattr(args, name)
        if value is not None:
            raw[name] = config.parse(name, value)
    raw["init_params"] = _params(args.init_param, "init-param")
    raw["bias_init_params"] = _params(args.bias_init_param, "bias-init-param")
    raw["layer_inits"] = _layer_inits(args.layer_init, args.layer_init_param)
    return config.validate(raw)


SEEDS = ("data_seed", "init_seed", "train_seed")


def command(cfg: config.RunConfig, steps: int, out: str = "run.json") -> str:
    """The ``python -m core train`` line that trains ``cfg`` for ``steps`` steps: every
    setting that differs from the defaults, the seeds always (train_config reads it back
    to ``cfg`` exactly, tests/unit/test_cli.py)."""
    def text(value):
        return repr(value) if isinstance(value, float) else str(value)

    words = ["python -m core train"]
    for name in TRAIN_FLAGS:
        value = steps if name == "steps" else getattr(cfg, name)
        if name in ("steps", *SEEDS) or value != config.DEFAULTS[name]:
            words.append(f"{_flag(name)} {text(value)}")
    for flag, params in (("--init-param", cfg.init_params),
                         ("--bias-init-param", cfg.bias_init_params)):
        words += [f"{flag} {key}={text(value)}" for key, value in params.items()]
    for layer, (name, params) in cfg.layer_inits.items():
        words.append(f"--layer-init {layer}={name}")
        words += [f"--layer-init-param {layer}:{key}={text(value)}"
                  for key, value in params.items()]
    return " ".join([*words, f"--out {out}"])


def _finite(x):
    if isinstance(x, float | np.floating):
        return float(x) if math.isfinite(x) else None
    if isinstance(x, np.integer):
        return int(x)
    return x


def document(trainer: Trainer, member=0) -> dict:
    """The JSON document of a run: config, status, and every recorded step."""
    steps, lay, met = trainer.record.arrays()
    cfg = trainer.members[member].as_dict()
    out_steps = []
    for s, step in enumerate(steps):
        row = {"step": int(step)}
        row.update({m.name: _finite(met[s, member, m]) for m in Metric})
        row["layers"] = []
        for layer in range(lay.shape[2]):
            entry = {"layer": layer + 1}
            entry.update({f.name: _finite(lay[s, member, layer, f]) for f in Field})
            if entry["distinct_units"] is not None:
                entry["distinct_units"] = int(entry["distinct_units"])
            row["layers"].append(entry)
        out_steps.append(row)
    where = trainer.diverged_at[member]
    return {
        "config": cfg,
        "status": "diverged" if where else "ok",
        "diverged_at": None if where is None else {"step": where["step"], "layer": where["layer"],
                                                   "phase": where["phase"]},
        "steps": out_steps,
    }


def csv_frame(trainer: Trainer):
    layer_frame, step_frame = trainer.frames()
    return layer_frame.merge(step_frame, on=["member", "step"]).drop(columns="member")


def summary(trainer: Trainer) -> str:
    cfg = trainer.config
    steps, lay, met = trainer.record.arrays()
    lines = [
        f"{cfg.depth} x {cfg.width} {cfg.activation}, init {cfg.init}, "
        f"{cfg.dataset}, {cfg.optimizer} lr {cfg.lr:g}, {trainer.step} steps",
    ]
    for s in (0, len(steps) - 1) if len(steps) > 1 else (0,):
        tr, te, tra, tea = (met[s, 0, m] for m in Metric)
        acc = "" if math.isnan(tra) else f", accuracy {tra:.3f} / {tea:.3f}"
        lines.append(f"step {steps[s]:>6}: loss train {tr:.4f}, test {te:.4f}{acc}")
    lines.append("grad norm per layer at step 0: " + " ".join(
        f"{g:.2e}" for g in lay[0, 0, :, Field.grad_norm]))
    lines.append("distinct units per layer: " + " ".join(
        str(int(u)) if not math.isnan(u) else "-" for u in lay[-1, 0, :, Field.distinct_units]))
    where = trainer.diverged_at[0]
    lines.append("status: ok" if where is None else
                 f"status: diverged at step {where['step']} in layer {where['layer']} "
                 f"({where['phase']}); last finite weights kept")
    return "\n".join(lines)


def _train(args):
    cfg = train_config(args)
    if args.out and not args.out.endswith((".json", ".csv")):
        raise ValueError(f"out: {args.out!r} must end in .json or .csv")
    trainer = Trainer(cfg).run(cfg.steps)
    if not args.out:
        print(summary(trainer))
    elif args.out.endswith(".json"):
        with open(args.out, "w") as f:
            json.dump(document(trainer), f, allow_nan=False)
        print(f"wrote {args.out}: status {trainer.status}, {len(trainer.record)} recorded steps")
    else:
        csv_frame(trainer).to_csv(args.out, index=False)
        print(f"wrote {args.out}: status {trainer.status}, {len(trainer.record)} recorded steps")
    return 0


def _bounded_int(name, text, lo, hi):
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not a whole number; allowed: {lo} to {hi}") from None
    if not lo <= value <= hi:
        raise ValueError(f"{name}: {value} is out of range; allowed: {lo} to {hi}")
    return value


def _gradcheck(args):
    depth = _bounded_int("depth", args.depth, 0, 8)
    width = _bounded_int("width", args.width, 1, 16)
    seed = _bounded_int("seed", args.seed, 0, config.MAX_SEED)
    activations.get(args.activation)
    l2 = config.parse("l2", args.l2)
    loss = args.loss if args.loss is not None else ("mse" if args.regression else "bce")
    if args.regression and loss != "mse":
        raise ValueError(f"loss: {loss!r} cannot fit regression targets (--regression); "
                         "allowed with --regression: mse (the default there)")
    worst, errors = gradcheck.check(depth, width, args.activation, loss, seed, l2,
                                    args.regression)
    for name, err in errors.items():
        print(f"{name:>4}: {err:.3e}")
    verdict = "ok" if worst <= gradcheck.TOLERANCE else "FAILED"
    print(f"largest relative error {worst:.3e} ({verdict}, tolerance {gradcheck.TOLERANCE:g})")
    return 0 if worst <= gradcheck.TOLERANCE else 1


def _inits(args):
    for name in initializers.NAMES:
        s = initializers.spec(name)
        params = ", ".join(f"{k}={v!r}" for k, v in s.defaults.items()) or "no parameters"
        print(f"{name}\n    {s.formula}\n    parameters: {params}\n    {s.description}")
    return 0


def theory_document(cfg, band_seeds=8) -> dict:
    """The prediction at initialisation of what ``train --steps 0`` reports per layer, and
    the range measured over ``band_seeds`` init seeds (when not 0)."""
    trainer = Trainer(cfg)
    pred = theory.at_init(trainer)
    band = theory.seed_band(cfg, band_seeds) if band_seeds else None
    out_cfg = trainer.members[0].as_dict()
    layers = []
    for k, layer in enumerate(pred["layer"]):
        entry = {"layer": int(layer)}
        for field in ("preact_std", "backprop_std", "act_mean", "act_std"):
            entry[field] = _finite(float(pred[field][k]))
        if band is not None:
            for field in theory.BAND_FIELDS:
                for end in ("low", "median", "high"):
                    entry[f"{field}_{end}"] = _finite(float(band[f"{field}_{end}"][k]))
        layers.append(entry)
    return {"config": out_cfg, "band_seeds": int(band_seeds), "layers": layers}


def _theory(args):
    cfg = train_config(args)
    band_seeds = _bounded_int("band-seeds", args.band_seeds, 0, 64)
    if args.out and not args.out.endswith(".json"):
        raise ValueError(f"out: {args.out!r} must end in .json")
    doc = theory_document(cfg, band_seeds)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(doc, f, allow_nan=False)
        print(f"wrote {args.out}: {len(doc['layers'])} layers")
        return 0

    def cell(v):
        return "-" if v is None else f"{v:.3e}"

    head = f"{'layer':>5}  {'preact_std':>10}  {'backprop_std':>12}"
    if band_seeds:
        head += f"  {'preact range':>21}  {'backprop range':>21}"
    print(f"mean-field prediction at initialisation ({cfg.depth} x {cfg.width} "
          f"{cfg.activation}, init {cfg.init})")
    print(head)
    for e in doc["layers"]:
        line = f"{e['layer']:>5}  {cell(e['preact_std']):>10}  {cell(e['backprop_std']):>12}"
        if band_seeds:
            line += (f"  {cell(e['preact_std_low'])}-{cell(e['preact_std_high'])}"
                     f"  {cell(e['backprop_std_low'])}-{cell(e['backprop_std_high'])}")
        print(line)
    return 0


def _landscape(args):
    print(landscape.run_command(train_config(args), args.kind, args.out))
    return 0


def _spectrum(args):
    cfg = train_config(args)
    if args.out and not args.out.endswith(".json"):
        raise ValueError(f"out: {args.out!r} must end in .json")
    doc = spectrum.spectrum_document(cfg, cfg.steps if args.steps is not None else 0)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(doc, f, allow_nan=False)
    print(spectrum.summary_text(doc) + (f"\nwrote {args.out}" if args.out else ""))
    return 0


def _phase(args):
    cfg = train_config(args)
    bias_vars = [phase.parse_bias_var(t) for t in args.bias_var] or phase.DEFAULT_BIAS_VARS
    points = _bounded_int("grid", args.grid, 0, 81)
    if points == 1:
        raise ValueError("grid: 1 is out of range; allowed: 0 (no grid) or 2 to 81")
    if args.out and not args.out.endswith(".json"):
        raise ValueError(f"out: {args.out!r} must end in .json")
    doc = phase.phase_document(cfg, bias_vars, points)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(doc, f, allow_nan=False)
        print(f"wrote {args.out}: {len(doc['critical'])} critical points")
        return 0
    print(f"critical line chi1 = 1 for {doc['activation']} (bias_var: weight_var)")
    for c in doc["critical"]:
        print(f"  {c['bias_var']:g}: " + ("none" if c["weight_var"] is None else
                                          f"{c['weight_var']:.6g}"))
    net = doc["network"]

    def num(v, none="inf"):
        return none if v is None else f"{v:.4g}"

    source = {"xi_c": "6 xi_c", "xi_grad": "6 xi_grad"}.get(net["trainable_depth_from"])
    trainable = (f"{num(net['trainable_depth'])} layers ({source})" if source else
                 "no limit" if net["phase"] == "critical" else "none")
    print(f"this network: weight_var {net['weight_var']:.4g}, bias_var {net['bias_var']:.4g}, "
          f"q0 {net['q0']:.4g} (q -> {net['q_fate']}): {net['phase']}, chi1 "
          f"{num(net['chi1'], '-')}")
    print(f"  xi_c (correlation depth scale) {num(net['xi_c'])}"
          + (f": {net['xi_c_reason']}" if net["xi_c_reason"] else ""))
    print("  xi_grad (gradient depth scale) "
          + (num(net["xi_grad"]) if net["xi_grad"] is not None or net["phase"] == "critical"
             else "none: gradients grow"))
    print(f"  trainable depth: {trainable}")
    for sentence in net["facts"]:
        print(f"  {sentence}")
    return 0


def main(argv=None) -> int:
    try:
        args = _parser().parse_args(argv)
        return {"train": _train, "gradcheck": _gradcheck, "inits": _inits,
                "theory": _theory, "landscape": _landscape, "spectrum": _spectrum,
                "phase": _phase}[args.command](args)
    except (UsageError, ValueError) as err:
        print(f"python -m core: error: {err}", file=sys.stderr)
        print("run 'python -m core --help' (or 'python -m core COMMAND --help') for usage",
              file=sys.stderr)
        return 2
