"""python -m core phase: the critical line as JSON, and bad flags refused with exit 2."""

import json
import math

import pytest

from core import cli


def _run(tmp_path, argv):
    out = tmp_path / "phase.json"
    assert cli.main(["phase", *argv, "--out", str(out)]) == 0
    return json.loads(out.read_text())


def test_tanh_document_shape(tmp_path):
    doc = _run(tmp_path, ["--activation", "tanh", "--bias-var", "0", "0.05", "--grid", "5"])
    assert doc["activation"] == "tanh"
    assert [c["bias_var"] for c in doc["critical"]] == [0.0, 0.05]
    assert doc["critical"][0]["weight_var"] == pytest.approx(1.0, abs=1e-6)
    assert doc["critical"][1]["weight_var"] == pytest.approx(1.7609546, rel=1e-6)
    grid = doc["grid"]
    assert len(grid["weight_var"]) == len(grid["bias_var"]) == 5
    assert len(grid["xi_c"]) == 5 and all(len(row) == 5 for row in grid["xi_c"])
    net = doc["network"]  # the default network: glorot_uniform, width 8, zero biases
    assert net["weight_var"] == pytest.approx(1.0) and net["bias_var"] == 0.0
    assert net["phase"] == "critical"


def test_relu_document_with_train_flags(tmp_path):
    doc = _run(tmp_path, ["--activation", "relu", "--init", "he_normal", "--init-scale", "1.2",
                          "--bias-var", "0", "0.5", "--grid", "0"])
    assert [c["weight_var"] for c in doc["critical"]] == [2.0, 2.0]
    assert "grid" not in doc
    net = doc["network"]
    assert net["weight_var"] == pytest.approx(2 * 1.44) and net["phase"] == "chaotic"
    assert net["q_star"] is None  # infinite: ReLU explodes above its line


def test_default_bias_vars_and_printed_summary(capsys):
    assert cli.main(["phase", "--grid", "0"]) == 0
    out = capsys.readouterr().out
    assert "critical line" in out and "0.05: 1.76095" in out


@pytest.mark.parametrize("argv,words", [
    (["--bias-var", "x"], ["bias-var", "'x'", "0 to 100"]),
    (["--bias-var", "-1"], ["bias-var", "out of range"]),
    (["--bias-var", "nan"], ["bias-var", "out of range"]),
    (["--grid", "100"], ["grid", "0 to 81"]),
    (["--grid", "1"], ["grid", "2 to 81"]),
    (["--activation", "cosine"], ["activation", "tanh"]),
    (["--out", "x.csv"], ["out", ".json"]),
    (["--bias-var"], ["--bias-var"]),
])
def test_bad_flags_exit_2_with_a_message(argv, words, capsys):
    assert cli.main(["phase", "--grid", "0", *argv]) == 2
    err = capsys.readouterr().err
    for w in words:
        assert w in err


def test_relu_without_biases_has_no_correlation_depth_but_a_gradient_depth(tmp_path, capsys):
    """Issue 24: ReLU at σ_w² = 1, σ_b² = 0 printed "ordered, xi_c 1.443", but 1 - c
    decays polynomially there; the 1.443 layers are the gradients' scale."""
    argv = ["--activation", "relu", "--init", "he_normal", "--init-scale", "0.70710678",
            "--grid", "0"]
    net = _run(tmp_path, argv)["network"]
    assert net["phase"] == "ordered" and net["q_fate"] == "zero"
    assert net["xi_c"] is None and net["correlation"] == "polynomial" and net["xi_c_reason"]
    assert net["xi_grad"] == pytest.approx(1.442695, rel=1e-6)
    assert net["trainable_depth"] == pytest.approx(6 * 1.442695, rel=1e-6)
    assert net["trainable_depth_from"] == "xi_grad"
    assert cli.main(["phase", *argv]) == 0
    out = capsys.readouterr().out
    assert "xi_c (correlation depth scale) inf" in out
    assert "xi_grad (gradient depth scale) 1.443" in out
    assert "trainable depth: 8.656 layers (6 xi_grad)" in out


def test_tanh_too_small_freezes_correlations(tmp_path):
    doc = _run(tmp_path, ["--activation", "tanh", "--init", "random_normal", "--init-param",
                          "stddev=0.01", "--width", "32", "--depth", "10", "--grid", "0"])
    net = doc["network"]
    assert net["weight_var"] == pytest.approx(0.0032)
    assert net["xi_c"] is None and net["correlation"] == "frozen"
    assert net["xi_grad"] == pytest.approx(-1 / math.log(0.0032), rel=1e-6)


def test_gelu_from_its_own_inputs_grows_without_bound(tmp_path):
    """GELU at σ_w² = 3, σ_b² = 0 was "ordered, xi_c 3.476" (the fixed point q = 0, which
    its inputs never reach): from the data's q⁰ the variance grows without bound."""
    doc = _run(tmp_path, ["--activation", "gelu", "--init", "he_normal", "--init-scale",
                          "1.224744871", "--depth", "30", "--width", "512", "--grid", "3"])
    net = doc["network"]
    assert net["q0"] == doc["q0"] and net["q0"] > 0.3  # above the unstable q = 0.24
    assert (net["phase"], net["q_fate"]) == ("chaotic", "unbounded")
    assert net["q_star"] is None and net["xi_c"] is None and net["xi_grad"] is None
    assert net["chi1"] == pytest.approx(1.5, rel=1e-8)
    assert any("grows without bound" in s for s in net["facts"])
    assert len(doc["grid"]["xi_grad"]) == 3 and len(doc["grid"]["depth_scale"]) == 3
