"""The trainer's fast path computes exactly what the plain functions compute.

A trainer reuses its arrays from step to step (network's workspace), evaluates its losses
without keeping every layer (network.evaluate) and measures into scratch arrays it keeps.
Each of these must change no number: here every step of a run is checked, bit for bit,
against a pass made from scratch (network.forward and backward without a workspace,
telemetry.measure without scratch arrays) on the same weights, batch and dropout masks.
"""

import numpy as np
import pytest

from core import losses, network, telemetry
from core.config import validate
from core.trainer import Trainer
from tests.configs import stack

SMALL = {"depth": 3, "width": 8, "batch_size": 16, "data_seed": 3, "init_seed": 4,
         "train_seed": 5}
CASES = {
    "tanh": {**SMALL},
    "relu dropout l2 adam": {**SMALL, "activation": "relu", "dropout": 0.2, "l2": 0.01,
                             "optimizer": "adam", "lr": 0.01},
    "gelu momentum": {**SMALL, "activation": "gelu", "optimizer": "momentum"},
    "elu full batch": {**SMALL, "activation": "elu", "batch_size": 0, "n_samples": 60},
    "depth 0": {**SMALL, "depth": 0},
    "depth 1 softmax": {**SMALL, "depth": 1, "dataset": "spiral", "loss": "softmax_ce"},
    "regression": {**SMALL, "dataset": "plane", "dropout": 0.1},
    "zeros": {**SMALL, "init": "zeros"},
}
MEMBERS = [{"init_seed": 0, "init": "he_normal", "lr": 0.05},
           {"init_seed": 1, "init": "zeros", "l2": 0.01}]


def equal(a, b):
    return np.array_equal(a, b, equal_nan=True)


class Checked(Trainer):
    """A trainer that, at every pass, also makes the pass from scratch and compares."""

    checked = 0

    def _pass(self, batch):
        p = super()._pass(batch)
        idx, masks = batch
        d, cfg = self.data, self.config
        with np.errstate(all="ignore"):
            ref = network.backward(
                network.forward(self.Ws, self.bs, d.X_train[idx], d.y_train[idx], self.act,
                                cfg.loss, d.classification, masks),
                self.Ws, self.act, self._l2)
        for name in ("loss", "dlogits", "outputs", "Z", "A", "DF", "DZ", "grads"):
            assert equal(getattr(p, name), getattr(ref, name)), name
        for name in ("z", "a", "h", "dz", "df", "dW", "db"):
            assert all(equal(x, y) for x, y in zip(getattr(p, name), getattr(ref, name),
                                                  strict=True)), name
        self._reference = ref
        Checked.checked += 1
        return p

    def _measure(self, p, delta):
        values = super()._measure(p, delta)
        fresh = telemetry.measure(self._reference, self.params, self.sizes, delta,
                                  self.act.bounds)
        assert equal(values, fresh)
        return values

    def _record(self, layer_values):
        super()._record(layer_values)
        d, cfg = self.data, self.config
        for loss_at, acc_at, X, y in [(0, 2, d.X_train, d.y_train), (1, 3, d.X_test, d.y_test)]:
            with np.errstate(all="ignore"):
                e = network.forward(self.Ws, self.bs, X, y, self.act, cfg.loss,
                                    d.classification)
            got = self.record.metrics[-1]
            assert equal(got[:, loss_at], np.where(self.alive, e.loss, np.nan))
            if d.classification:
                acc = losses.accuracy(e.outputs, y)
                assert equal(got[:, acc_at], np.where(self.alive, acc, np.nan))


@pytest.mark.parametrize("case", CASES)
def test_every_step_equals_a_pass_from_scratch(case):
    Checked.checked = 0
    Checked(validate(CASES[case])).run(12)
    assert Checked.checked == 13  # step 0 and every step after it


def test_a_stack_equals_passes_from_scratch():
    t = Checked(*stack({**SMALL, "dropout": 0.1}, MEMBERS)).run(8)
    assert t.status == "ok"


def test_a_diverging_stack_equals_passes_from_scratch():
    explode = {"init": "random_normal", "init_params": {"stddev": 5.0}, "activation": "relu",
               "depth": 30, "width": 16, "lr": 1.0}
    t = Checked(*stack(explode, [{}, {"init": "glorot_uniform", "init_params": {}}])).run(12)
    assert t.diverged_at[0] is not None and t.diverged_at[1] is None


@pytest.mark.parametrize("every", [1, 3, 1_000_000])
def test_recording_does_not_change_the_run(every):
    """The losses are evaluated in arrays of the trainer's own: recording, however often,
    must leave the training steps' numbers alone (full batch: the pass and the evaluation
    have the same shape)."""
    for base in (SMALL, {**SMALL, "batch_size": 0, "n_samples": 60, "dropout": 0.2}):
        plain = Trainer(validate({**base, "record_every": 1_000_000})).run(10)
        other = Trainer(validate({**base, "record_every": every})).run(10)
        assert equal(plain.params, other.params)


@pytest.mark.parametrize("activation", ["tanh", "relu", "gelu", "softsign"])
def test_evaluate_is_forward_without_the_layers(activation):
    t = Trainer(*stack({**SMALL, "activation": activation}, MEMBERS))
    d, cfg = t.data, t.config
    workspace = {}
    for X, y in [(d.X_train, d.y_train), (d.X_test, d.y_test), (d.X_train[:5], d.y_train[:5])]:
        e = network.forward(t.Ws, t.bs, X, y, t.act, cfg.loss, d.classification)
        loss, outputs = network.evaluate(t.Ws, t.bs, X, y, t.act, cfg.loss,
                                         d.classification, workspace)
        assert equal(loss, e.loss) and equal(outputs, e.outputs)


def test_measure_with_scratch_arrays_is_measure_without():
    t = Trainer(validate({**SMALL, "activation": "relu"}))
    workspace = {}
    for _ in range(3):  # the scratch arrays hold the previous call's numbers
        t.run(2)
        p = t._pass(t._next)
        assert equal(telemetry.measure(p, t.params, t.sizes, None, t.act.bounds, workspace),
                     telemetry.measure(p, t.params, t.sizes, None, t.act.bounds))
