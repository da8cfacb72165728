"""python -m core phase: the critical line as JSON, and bad flags refused with exit 2."""

import json

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
