"""python -m core: bad input exits 2 with a message naming the setting; the output contract."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core import cli, config, initializers
from core.telemetry import FIELDS, STEP_FIELDS

ROOT = Path(__file__).resolve().parents[2]

# Per train flag: values that are out of range or not values at all.
BAD = {
    "dataset": ["nope", ""],
    "n_samples": ["19", "5001", "abc", "100.5"],
    "noise": ["-0.1", "0.6", "nan", "x"],
    "test_fraction": ["0.01", "0.95", "inf"],
    "depth": ["-1", "65", "3.5", "nan"],
    "width": ["0", "513", "eight"],
    "activation": ["mish", "ReLU"],
    "init": ["he", "glorot"],
    "init_scale": ["-1", "101", "-inf"],
    "bias_init": ["nope"],
    "optimizer": ["rmsprop"],
    "lr": ["0", "1e-7", "11", "nan", "fast"],
    "momentum": ["-0.1", "1", "1.0"],
    "batch_size": ["-1", "5001", "all"],
    "steps": ["-1", "1000001", "1e3"],
    "record_every": ["0", "-5"],
    "dropout": ["-0.1", "0.95", "1"],
    "l2": ["-0.001", "2", "inf"],
    "loss": ["hinge", "auto2"],
    "data_seed": ["-1", "4294967296", "seed"],
    "init_seed": ["-1", "4294967296"],
    "train_seed": ["-2", "1.5"],
}


def run_main(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_bad_table_covers_every_flag():
    assert set(BAD) == set(cli.TRAIN_FLAGS)


@pytest.mark.parametrize(("name", "value"),
                         [(n, v) for n, values in BAD.items() for v in values])
def test_bad_train_value_exits_2_naming_the_setting(capsys, name, value):
    flag = "--" + name.replace("_", "-")
    code, out, err = run_main(capsys, "train", flag, value, "--steps" if name != "steps" else
                              "--depth", "1")
    assert code == 2
    assert name in err or flag in err
    assert "Traceback" not in err and out == ""


@pytest.mark.parametrize(("argv", "words"), [
    (["train", "--init", "he_gaussian"], ["init", "he_gaussian", *initializers.NAMES]),
    (["train", "--init-param", "stddev"], ["stddev", "KEY=VALUE"]),
    (["train", "--init-param", "=3"], ["KEY=VALUE"]),
    (["train", "--init", "random_normal", "--init-param", "stddev=-1"], ["stddev"]),
    (["train", "--init", "random_normal", "--init-param", "stddev=abc"], ["stddev", "number"]),
    (["train", "--init", "random_normal", "--init-param", "sigma=1"], ["sigma", "stddev"]),
    (["train", "--init", "variance_scaling", "--init-param", "mode=fan_sum"], ["mode", "fan_avg"]),
    (["train", "--init", "sparse", "--init-param", "sparsity=1"], ["sparsity"]),
    (["train", "--bias-init-param", "value=1"], ["value"]),
    (["train", "--layer-init", "he_normal"], ["layer-init", "L=NAME"]),
    (["train", "--layer-init", "9=he_normal"], ["layer_inits", "9"]),
    (["train", "--layer-init", "0=he_normal"], ["layer_inits"]),
    (["train", "--layer-init", "x=he_normal"], ["layer_inits", "x"]),
    (["train", "--layer-init", "2=he_gaussian"], ["he_gaussian", "valid choices"]),
    (["train", "--layer-init", "2=orthogonal", "--layer-init-param", "2:gain=inf"], ["gain"]),
    (["train", "--layer-init-param", "2:gain=2"], ["layer-init-param"]),
    (["train", "--layer-init", "2=orthogonal", "--layer-init-param", "2gain=2"],
     ["layer-init-param"]),
    (["train", "--bias-init", "identity"], ["bias_init", "identity"]),
    (["train", "--bias-init", "sparse"], ["bias_init", "sparse"]),
    (["train", "--seed", "-1"], ["seed"]),
    (["train", "--seed", "x"], ["seed"]),
    (["train", "--out", "run.txt"], ["out", ".json", ".csv"]),
    (["train", "--dataset", "plane", "--loss", "bce"], ["loss", "plane"]),
    (["train", "--bogus", "1"], ["--bogus"]),
    (["train", "--depth"], ["--depth"]),
    (["gradcheck", "--depth", "9"], ["depth", "0 to 8"]),
    (["gradcheck", "--depth", "-1"], ["depth"]),
    (["gradcheck", "--depth", "three"], ["depth"]),
    (["gradcheck", "--width", "0"], ["width"]),
    (["gradcheck", "--width", "17"], ["width"]),
    (["gradcheck", "--seed", "-3"], ["seed"]),
    (["gradcheck", "--activation", "mish"], ["activation", "tanh"]),
    (["gradcheck", "--loss", "hinge"], ["loss", "bce"]),
    (["gradcheck", "--l2", "5"], ["l2"]),
    (["gradcheck", "--regression", "--loss", "bce"], ["loss", "'bce'", "--regression", "mse"]),
    (["gradcheck", "--regression", "--loss", "softmax_ce"], ["loss", "--regression", "mse"]),
    (["frobnicate"], ["frobnicate"]),
    ([], ["command"]),
])
def test_bad_input_exits_2_with_message(capsys, tmp_path, monkeypatch, argv, words):
    monkeypatch.chdir(tmp_path)  # no stray files even if a bad --out were accepted
    code, out, err = run_main(capsys, *argv)
    assert code == 2
    for word in words:
        assert word in err
    assert "Traceback" not in err
    assert not any(tmp_path.iterdir())


def _subprocess(*argv, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "core", *argv], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env={"OPENBLAS_NUM_THREADS": "1",
                                                       "PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize("argv", [["train", "--depth", "99"], ["train", "--lr", "abc"],
                                  ["gradcheck", "--depth", "9"]])
def test_bad_input_in_a_real_process(argv):
    proc = _subprocess(*argv)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert argv[1].lstrip("-") in proc.stderr
    assert proc.stdout == ""


# ------------------------------------------------------------------ output contract


def strict_json(text):
    def reject(constant):
        raise ValueError(f"non-standard JSON constant {constant}")

    return json.loads(text, parse_constant=reject)


def test_train_json_document(capsys, tmp_path):
    out = tmp_path / "run.json"
    code, stdout, err = run_main(capsys, "train", "--steps", "7", "--record-every", "3",
                                 "--depth", "2", "--width", "4", "--out", str(out))
    assert code == 0 and err == ""
    assert str(out) in stdout
    doc = strict_json(out.read_text())
    assert set(doc) == {"config", "status", "diverged_at", "steps"}
    assert doc["status"] == "ok" and doc["diverged_at"] is None
    assert doc["config"]["depth"] == 2 and doc["config"]["loss"] == "bce"
    assert set(doc["config"]) == set(config.DEFAULTS)
    assert [s["step"] for s in doc["steps"]] == [0, 3, 6]
    for step in doc["steps"]:
        assert set(step) == {"step", "train_loss", "test_loss", "train_acc", "test_acc", "layers"}
        assert 0 <= step["train_acc"] <= 1 and step["train_loss"] > 0
        assert [layer["layer"] for layer in step["layers"]] == [1, 2, 3]
        for layer in step["layers"]:
            assert set(layer) == {"layer", *FIELDS}
            assert type(layer["distinct_units"]) is int
            assert layer["grad_norm"] >= 0


def test_train_json_config_round_trips(capsys, tmp_path):
    """The document's config is a valid configuration that reproduces the run."""
    out = tmp_path / "run.json"
    argv = ["train", "--steps", "3", "--depth", "2", "--init", "orthogonal",
            "--init-param", "gain=2", "--layer-init", "3=he_normal", "--out", str(out)]
    assert run_main(capsys, *argv)[0] == 0
    doc = strict_json(out.read_text())
    assert doc["config"]["init_params"] == {"gain": 2.0}
    assert doc["config"]["layer_inits"] == {"3": ["he_normal", {}]}
    cfg = config.validate(doc["config"])
    assert cfg.layer_inits == {3: ("he_normal", {})}


def test_train_json_diverged_run_is_strict_json(tmp_path):
    out = tmp_path / "boom.json"
    proc = _subprocess("train", "--init", "random_normal", "--init-param", "stddev=5",
                       "--activation", "relu", "--depth", "30", "--width", "64", "--lr", "1",
                       "--steps", "20", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "diverged" in proc.stdout
    doc = strict_json(out.read_text())  # NaN and Infinity are written as null
    assert doc["status"] == "diverged"
    where = doc["diverged_at"]
    assert set(where) == {"step", "layer", "phase"}
    assert type(where["step"]) is int and type(where["layer"]) is int
    assert 1 <= where["layer"] <= 31
    last = doc["steps"][-1]
    assert last["train_loss"] is None and last["layers"][0]["grad_norm"] is None


def test_train_csv(capsys, tmp_path):
    out = tmp_path / "run.csv"
    code, _, _ = run_main(capsys, "train", "--steps", "4", "--depth", "3", "--width", "5",
                          "--out", str(out))
    assert code == 0
    frame = pd.read_csv(out)
    assert set(frame.columns) == {"step", "layer", *FIELDS, *STEP_FIELDS}
    assert len(frame) == 5 * 4  # steps 0..4, layers 1..4
    assert sorted(frame["step"].unique()) == [0, 1, 2, 3, 4]
    assert np.isfinite(frame["grad_norm"]).all()


def test_train_summary(capsys):
    code, out, err = run_main(capsys, "train", "--steps", "5", "--seed", "3")
    assert code == 0 and err == ""
    assert "status: ok" in out and "step      5" in out


def test_seed_sets_all_three():
    args = cli._parser().parse_args(["train", "--seed", "7"])
    cfg = cli.train_config(args)
    assert cfg.data_seed == cfg.init_seed == cfg.train_seed == 7
    default = cli.train_config(cli._parser().parse_args(["train"]))
    assert default.data_seed == default.init_seed == default.train_seed == 0


def test_seed_flag_reproduces_the_run(capsys, tmp_path):
    a, b, c = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    for path, seed in ((a, "5"), (b, "5"), (c, "6")):
        assert run_main(capsys, "train", "--steps", "5", "--seed", seed, "--dropout", "0.2",
                        "--out", str(path))[0] == 0
    assert a.read_text() == b.read_text()
    assert strict_json(a.read_text())["steps"] != strict_json(c.read_text())["steps"]


def test_gradcheck_prints_largest_error(capsys):
    code, out, err = run_main(capsys, "gradcheck", "--depth", "2", "--activation", "relu")
    assert code == 0 and err == ""
    assert "largest relative error" in out
    value = float(out.split("largest relative error")[1].split()[0])
    assert 0 <= value < 1e-6
    assert all(f"{k}{l}" in out for k in "Wb" for l in (1, 2, 3))


@pytest.mark.parametrize("argv, loss", [((), "bce"), (("--regression",), "mse"),
                                        (("--regression", "--loss", "mse"), "mse"),
                                        (("--loss", "mse"), "mse")])
def test_gradcheck_picks_the_loss_that_fits_its_targets(capsys, monkeypatch, argv, loss):
    """--regression alone means mse (its help says so); classification keeps bce."""
    from core import gradcheck

    seen = {}
    monkeypatch.setattr(gradcheck, "check", lambda *a, **k: (
        seen.update(loss=a[3], regression=a[6]) or (0.0, {"W1": 0.0})))
    code, out, err = run_main(capsys, "gradcheck", *argv)
    assert code == 0 and err == ""
    assert seen == {"loss": loss, "regression": "--regression" in argv}


def test_gradcheck_regression_alone_runs_and_passes(capsys):
    code, out, err = run_main(capsys, "gradcheck", "--regression", "--depth", "2")
    assert code == 0 and err == "" and "(ok," in out


def test_gradcheck_exits_1_on_a_wrong_gradient(capsys, monkeypatch):
    from core import gradcheck

    monkeypatch.setattr(gradcheck, "check", lambda *a, **k: (0.5, {"W1": 0.5}))
    code, out, _ = run_main(capsys, "gradcheck")
    assert code == 1 and "FAILED" in out


def test_inits_lists_every_name(capsys):
    code, out, _ = run_main(capsys, "inits")
    assert code == 0
    listed = {line for line in out.splitlines() if line and not line.startswith(" ")}
    assert listed == set(initializers.NAMES)
    for name in initializers.NAMES:
        assert initializers.spec(name).formula in out


def test_train_help_mentions_every_flag(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["train", "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    for name in cli.TRAIN_FLAGS:
        assert "--" + name.replace("_", "-") in out
    for flag in ("--init-param", "--bias-init-param", "--layer-init", "--layer-init-param",
                 "--seed", "--out"):
        assert flag in out


def test_top_help_lists_commands():
    proc = _subprocess("--help")
    assert proc.returncode == 0
    for command in ("train", "gradcheck", "inits"):
        assert command in proc.stdout


@pytest.mark.parametrize("cfg", [
    config.DEFAULT,
    config.validate(init="random_normal", init_params={"stddev": 0.01}, depth=10, width=32,
                    activation="tanh", lr=0.1, init_seed=7, bias_init="constant",
                    bias_init_params={"value": 0.1}),
    config.validate(depth=3, layer_inits={2: ("orthogonal", {"gain": 1.5})}, lr=1 / 3,
                    dataset="spiral", loss="softmax_ce"),
])
def test_the_command_line_a_report_quotes_trains_the_same_run(cfg):
    import shlex
    line = cli.command(cfg, 250)
    words = shlex.split(line)
    assert words[:4] == ["python", "-m", "core", "train"]
    args = cli._parser().parse_args(words[3:])
    assert cli.train_config(args) == cfg.replace(steps=250)
    assert args.out == "run.json"
