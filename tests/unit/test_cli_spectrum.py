"""python -m core spectrum: the singular values of ∂h_L/∂h_1 as JSON, and its bad input."""

import json

import numpy as np
import pytest

from core import cli, spectrum
from core.config import validate
from core.trainer import Trainer

NET = ["--depth", "6", "--width", "8", "--activation", "tanh", "--init", "orthogonal",
       "--seed", "3"]


def _run(tmp_path, argv, name="spectrum.json"):
    out = tmp_path / name
    assert cli.main(["spectrum", *argv, "--out", str(out)]) == 0
    return json.loads(out.read_text())


def test_json_shape_at_initialisation(tmp_path, capsys):
    doc = _run(tmp_path, NET)
    assert {"config", "step", "singular_values"} <= set(doc)
    assert doc["step"] == 0 and doc["config"]["steps"] == 0
    assert doc["config"]["depth"] == 6 and doc["config"]["init_seed"] == 3
    sv = np.array(doc["singular_values"])
    assert sv.shape == (32 * 8,) and doc["inputs"] == 32  # the default batch, every input
    assert np.all(sv > 0) and np.all(np.isfinite(sv))
    cfg = validate({"depth": 6, "width": 8, "activation": "tanh", "init": "orthogonal",
                    "data_seed": 3, "init_seed": 3, "train_seed": 3})
    np.testing.assert_array_equal(sv, spectrum.trainer_singular_values(Trainer(cfg)))
    assert doc["summary"]["count"] == sv.size
    assert "singular values" in capsys.readouterr().out


def test_steps_5_trains_first(tmp_path):
    at_init = _run(tmp_path, [*NET, "--lr", "0.3"], "a.json")
    doc = _run(tmp_path, [*NET, "--lr", "0.3", "--steps", "5"], "b.json")
    assert doc["step"] == 5 and doc["config"]["steps"] == 5
    assert len(doc["singular_values"]) == len(at_init["singular_values"])
    assert doc["singular_values"] != at_init["singular_values"]
    cfg = validate({"depth": 6, "width": 8, "activation": "tanh", "init": "orthogonal",
                    "data_seed": 3, "init_seed": 3, "train_seed": 3, "lr": 0.3})
    np.testing.assert_array_equal(doc["singular_values"],
                                  spectrum.trainer_singular_values(Trainer(cfg).run(5)))


def test_depth_0_and_1(tmp_path):
    doc = _run(tmp_path, ["--depth", "0"], "d0.json")
    assert doc["singular_values"] == [] and doc["summary"]["count"] == 0
    doc = _run(tmp_path, ["--depth", "1", "--width", "4", "--batch-size", "10"], "d1.json")
    assert doc["singular_values"] == [1.0] * 40


def test_relu_zeros_give_json_without_infinity(tmp_path):
    doc = _run(tmp_path, ["--depth", "20", "--width", "16", "--activation", "relu",
                          "--init", "he_normal"])
    assert doc["summary"]["max_min_ratio"] is None or doc["summary"]["max_min_ratio"] > 1e6


def test_prints_a_summary_without_out(capsys):
    assert cli.main(["spectrum", *NET]) == 0
    out = capsys.readouterr().out
    assert "6 x 8 tanh, init orthogonal, step 0" in out and "within a factor 2" in out


@pytest.mark.parametrize("argv, words", [
    (["--depth", "65"], ["depth", "0 to 64"]),
    (["--width", "0"], ["width", "1 to 512"]),
    (["--steps", "-1"], ["steps", "allowed", "0 to 1e+06"]),
    (["--steps", "many"], ["steps"]),
    (["--init", "he"], ["init", "allowed", "orthogonal"]),
    (["--activation", "mish"], ["activation", "allowed", "tanh"]),
    (["--out", "x.csv"], ["out", ".json"]),
    (["--bogus", "1"], ["unrecognized arguments"]),
])
def test_bad_flags_exit_2_naming_the_setting(argv, words, capsys):
    assert cli.main(["spectrum", *argv]) == 2
    err = capsys.readouterr().err
    for word in words:
        assert word in err
    assert "Traceback" not in err
