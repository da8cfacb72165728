"""python -m core theory: the prediction at initialisation of what train --steps 0 reports."""

import json
import math

import numpy as np
import pytest

from core import cli, theory
from core.config import validate
from core.trainer import Trainer

WIDE = ["--depth", "16", "--width", "512", "--batch-size", "0", "--activation", "tanh",
        "--init", "glorot_normal", "--n-samples", "80"]


def _run(tmp_path, name, argv):
    out = tmp_path / name
    assert cli.main([*argv, "--out", str(out)]) == 0
    return json.loads(out.read_text())


def test_theory_json_keys_and_agreement_with_train_steps_0(tmp_path):
    """Same flags, same network: layer 1's preact_std agrees to 4σ with σ² = 1/(2·n·r),
    n = 512 units and r <= 2 (the inputs are 2-D): 9 %; deeper layers to 4σ with σ² =
    l/(2·n) (each layer's fluctuation multiplying in, r >= 1; see test_theory_wide); and
    the output's backprop_std, seeded by the same batch's dL/dlogits, to rounding: the
    theory sees the very batch that train measured on."""
    doc = _run(tmp_path, "theory.json", ["theory", *WIDE, "--band-seeds", "2"])
    train = _run(tmp_path, "train.json", ["train", *WIDE, "--steps", "0"])
    assert set(doc) == {"config", "band_seeds", "layers"}
    assert {**doc["config"], "steps": 0} == train["config"]
    measured = train["steps"][0]["layers"]
    assert [e["layer"] for e in doc["layers"]] == [e["layer"] for e in measured] == list(
        range(1, 18))
    for e in doc["layers"]:
        assert {"layer", "preact_std", "backprop_std", "preact_std_low", "preact_std_high",
                "backprop_std_low", "backprop_std_median"} <= set(e)
    for pred, meas in zip(doc["layers"], measured, strict=True):
        l = min(pred["layer"], 16)
        tol = 4 * math.sqrt(l / (2 * 512)) if pred["layer"] > 1 else 4 * math.sqrt(1 / 1024)
        assert abs(math.log(meas["preact_std"] / pred["preact_std"])) < tol, pred["layer"]
        assert abs(math.log(meas["backprop_std"] / pred["backprop_std"])) < 4 * math.sqrt(
            (17 - l) / (2 * 512)) + 1e-12, pred["layer"]
    assert doc["layers"][-1]["backprop_std"] == pytest.approx(
        measured[-1]["backprop_std"], rel=1e-12)
    # the band is the range over seeds 0 and 1, and seed 0 is the network train measured
    for pred, meas in zip(doc["layers"], measured, strict=True):
        assert pred["preact_std_low"] <= meas["preact_std"] * (1 + 1e-12)
        assert meas["preact_std"] <= pred["preact_std_high"] * (1 + 1e-12)


def test_theory_is_what_at_init_predicts(tmp_path):
    doc = _run(tmp_path, "t.json", ["theory", "--depth", "3", "--width", "16",
                                    "--activation", "relu", "--init", "he_normal",
                                    "--dropout", "0.3", "--bias-init", "ones",
                                    "--band-seeds", "0"])
    cfg = dict(depth=3, width=16, activation="relu", init="he_normal", dropout=0.3,
               bias_init="ones")
    pred = theory.at_init(Trainer(validate(cfg)))
    np.testing.assert_allclose([e["preact_std"] for e in doc["layers"]], pred["preact_std"],
                               rtol=1e-15)
    assert "preact_std_low" not in doc["layers"][0]


def test_theory_writes_null_for_non_finite_values(tmp_path):
    """Weights of 100 x He scale overflow tanh's saturation into nothing finite further up;
    whatever is not finite is written as null (strict JSON), never NaN."""
    out = tmp_path / "t.json"
    assert cli.main(["theory", "--depth", "3", "--width", "8", "--init", "zeros",
                     "--band-seeds", "0", "--out", str(out)]) == 0
    text = out.read_text()
    assert "NaN" not in text and "Infinity" not in text
    doc = json.loads(text)
    assert all(isinstance(e["preact_std"], float | int) or e["preact_std"] is None
               for e in doc["layers"])
    assert doc["layers"][-1]["act_std"] is None  # the output layer has no activation


@pytest.mark.parametrize(("argv", "words"), [
    (["theory", "--width", "0"], ["width"]),
    (["theory", "--activation", "mish"], ["activation"]),
    (["theory", "--band-seeds", "65"], ["band-seeds"]),
    (["theory", "--band-seeds", "x"], ["band-seeds"]),
    (["theory", "--out", "x.csv"], ["out", ".json"]),
    (["theory", "--init-param", "nope"], ["init"]),
])
def test_theory_bad_values_exit_2(argv, words, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert all(w in err for w in words) and "Traceback" not in err


def test_theory_prints_a_table_without_out(capsys):
    assert cli.main(["theory", "--depth", "2", "--width", "8", "--band-seeds", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "preact_std" in lines[1] and "range" in lines[1]
    assert [line.split()[0] for line in lines[2:]] == ["1", "2", "3"]
