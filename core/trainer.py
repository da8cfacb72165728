"""Training: data, weights and optimizer for one network or a stack of them, stepped on demand.

``Trainer(config).run(n)`` advances n steps and records telemetry every ``record_every``
steps (and at step 0, the state at initialisation). It is cheap to call many times a
second: the app calls it on a timer. ``Trainer(config, members=[...])`` trains several
networks of one shape together: each member is a whole configuration, and they may differ
only in the per-member settings.
"""

from __future__ import annotations

import numpy as np

from core import activations, datasets, losses, network, optimizers, telemetry
from core.config import SETTINGS, RunConfig

# What may differ between the members of one stack; everything else is shared.
PER_MEMBER = (
    "init", "init_params", "init_scale", "bias_init", "bias_init_params", "layer_inits",
    "init_seed", "lr", "momentum", "l2",
)
PROBE_SIZE = 256


class Trainer:
    def __init__(self, config: RunConfig, members: list[RunConfig] | None = None,
                 max_records: int | None = None, record_every: int | None = None):
        if not isinstance(config, RunConfig):
            raise TypeError("Trainer takes a RunConfig: core.config.validate(...) makes one")
        self.config = cfg = config
        self.members = list(members or [config])
        for key in set(SETTINGS) - set(PER_MEMBER) - {"steps", "record_every"}:
            if any(getattr(m, key) != getattr(cfg, key) for m in self.members):
                raise ValueError(f"{key}: members of one stack must share it; only "
                                 f"{', '.join(PER_MEMBER)} may differ")
        self.act = activations.get(cfg.activation)
        self.data = datasets.make(cfg.dataset, cfg.n_samples, cfg.noise, cfg.test_fraction,
                                  cfg.data_seed)
        n_out = 1 if not self.data.classification else (
            self.data.n_classes if cfg.loss == "softmax_ce" else 1)
        self.sizes = network.layer_sizes(2, cfg.depth, cfg.width, n_out)
        Ws, bs = network.init_params(self.members, self.sizes)
        # Ws and bs are views into params: a step updates them all in place, at once.
        self.params, self.Ws, self.bs = network.pack(Ws, bs)
        self._lsuv()
        self.optimizer = optimizers.make(cfg.optimizer, self._member("lr"),
                                         self._member("momentum"))
        self.l2 = self._member("l2")
        self._l2 = self._l2_penalty()
        self.step = 0
        self.diverged_at: list[dict | None] = [None] * len(self.members)
        self._alive = np.ones(len(self.members), bool)  # kept with diverged_at (_diverged)
        self.record = telemetry.Record(len(self.members), len(self.Ws))
        # Recorded every this many steps: a live run raises it as it speeds up, and doubles
        # it whenever its max_records records fill up (then every other one is dropped).
        self.record_every = record_every or cfg.record_every
        self.record_at: set[int] = set()  # steps recorded whatever record_every says
        self.max_records = max_records
        self._rng = np.random.default_rng(cfg.train_seed)
        # Dropout masks from a generator per hidden layer, apart from the batch order: runs
        # of other depths (Compare's columns) then see the same batches, and share the masks
        # of every layer they have in common.
        self._mask_rngs = [np.random.default_rng([cfg.train_seed, 1, layer])
                           for layer in range(1, len(self.sizes) - 1)]
        self._workspace = {}  # arrays reused by every pass of one shape (network._cached)
        self._delta = np.empty_like(self.params)
        self._order, self._cursor = np.empty(0, np.int64), 0
        self._next = self._draw_batch()
        with np.errstate(all="ignore"):
            self._measure_and_record(self._pass(self._next), None)

    # ------------------------------------------------------------------ public

    @property
    def n_members(self):
        return len(self.members)

    @property
    def depth(self):
        return self.config.depth

    @property
    def status(self):
        return "diverged" if any(self.diverged_at) else "ok"

    @property
    def alive(self):
        return self._alive.copy()

    def set_lr(self, lr):
        """Change the learning rate while training (every member, or one value each)."""
        lrs = np.broadcast_to(np.asarray(lr, float), (self.n_members,))
        members = [m.replace(lr=float(value)) for m, value in zip(self.members, lrs,
                                                                   strict=True)]
        self.optimizer.lr = np.array(lrs)
        self.config, self.members = self.config.replace(lr=float(lrs[0])), members

    def run(self, n_steps: int):
        """Advance up to ``n_steps`` steps; stops early once every member has diverged."""
        with np.errstate(all="ignore"):
            for _ in range(int(n_steps)):
                if not self._alive.any():
                    break
                self._one_step()
        return self

    def frames(self):
        return self.record.frames()

    @property
    def next_batch(self):
        """(indices into the training set, dropout masks) of the batch the next step trains
        on: at step 0 the batch step 0's telemetry was measured on."""
        return self._next

    def snapshot(self, member=0, grid_size=24, max_layers=None, max_units=None):
        """The network seen on the probe batch and over a grid of the input plane.

        Returns per-layer pre-activations, activations and back-propagated gradients on a
        fixed probe batch (the first PROBE_SIZE training points, no dropout), the weights,
        and each hidden unit's output over a grid_size² grid (for the first ``max_layers``
        hidden layers and ``max_units`` units of each) with the final output on the grid.
        """
        Ws = [W[member:member + 1] for W in self.Ws]
        bs = [b[member:member + 1] for b in self.bs]
        X, y = self.data.X_train[:PROBE_SIZE], self.data.y_train[:PROBE_SIZE]
        cfg = self.config
        with np.errstate(all="ignore"):
            p = network.forward(Ws, bs, X, y, self.act, cfg.loss, self.data.classification)
            network.backward(p, Ws, self.act, self.l2[member])
            lim = datasets.DOMAIN * 1.1
            axis = np.linspace(-lim, lim, grid_size)
            gx, gy = np.meshgrid(axis, axis)
            grid = np.column_stack([gx.ravel(), gy.ravel()])
            g = network.forward(Ws, bs, grid, np.zeros(len(grid), y.dtype), self.act,
                                cfg.loss, self.data.classification)
        shown = g.a[:max_layers] if max_layers is not None else g.a
        return {
            "step": self.step,
            "classification": self.data.classification,
            "preacts": [z[0] for z in p.z],
            "activations": [a[0] for a in p.a],
            "backprop": [d[0] for d in p.dz],
            # Copies: training updates the live weights in place, and a snapshot may be
            # drawn a few refreshes after it was taken.
            "weights": [W[0].copy() for W in Ws],
            "biases": [b[0].copy() for b in bs],
            "grid_axis": axis,
            "unit_maps": [a[0][:, :max_units].T.reshape(-1, grid_size, grid_size) for a in shown],
            "output_map": g.outputs[0].reshape(grid_size, grid_size),
        }

    def predict(self, X, member=0):
        with np.errstate(all="ignore"):
            return network.predict([W[member:member + 1] for W in self.Ws],
                                   [b[member:member + 1] for b in self.bs], X, self.act,
                                   self.config.loss, self.data.classification)[0]

    # ------------------------------------------------------------------ internals

    def _member(self, key):
        return np.array([getattr(m, key) for m in self.members], dtype=np.float64)

    def _lsuv(self):
        flags = network.uses_lsuv(self.config)
        member_flags = [network.uses_lsuv(m) for m in self.members]
        if any(any(f) for f in member_flags):
            if any(f != flags for f in member_flags):
                # LSUV rescales the whole stack's layer at once; members must agree on where.
                raise ValueError("init: lsuv must be used by every member of a stack or none")
            network.apply_lsuv(self.Ws, self.bs, self.data.X_train[:PROBE_SIZE], self.act, flags)

    def _draw_batch(self):
        """Indices of the next batch (reshuffled every epoch) and its dropout masks."""
        n = len(self.data.y_train)
        size = self.config.batch_size
        if size == 0 or size >= n:
            idx = np.arange(n)
        else:
            if self._cursor + size > len(self._order):
                self._order, self._cursor = self._rng.permutation(n), 0
            idx = self._order[self._cursor:self._cursor + size]
            self._cursor += size
        keep = 1 - self.config.dropout
        masks = None
        if keep < 1:
            masks = [(rng.random((len(idx), s)) < keep) / keep
                     for rng, s in zip(self._mask_rngs, self.sizes[1:-1], strict=True)]
        return idx, masks

    def _pass(self, batch):
        idx, masks = batch
        p = network.forward(self.Ws, self.bs, self.data.X_train[idx], self.data.y_train[idx],
                            self.act, self.config.loss, self.data.classification, masks,
                            self._workspace)
        return network.backward(p, self.Ws, self.act, self._l2, self._workspace)

    def _l2_penalty(self):
        # None when no member has one (backward then skips it without a test per step); one
        # penalty for all is a float; different ones broadcast over (M, 1, 1).
        if not self.l2.any():
            return None
        return float(self.l2[0]) if np.all(self.l2 == self.l2[0]) else self.l2[:, None, None]

    def _one_step(self):
        batch, self._next = self._next, self._draw_batch()
        p = self._pass(batch)
        # (M, P), laid out as params; written into the same buffer every step
        (delta,) = self.optimizer.deltas([p.grads], out=[self._delta])
        finite = np.isfinite(p.loss) & np.isfinite(telemetry.sq_norms(delta))
        if not (finite & self._alive).all():
            dWs, dbs = network.flat_views(delta, self.sizes)
            for m in np.flatnonzero(~finite & self._alive):
                self._diverged(m, self.step + 1, _first_bad_layer(p, dWs + dbs, m))
            delta[~self._alive] = 0.0  # a diverged member keeps its last finite weights
        recording = ((self.step + 1) % self.record_every == 0
                     or self.step + 1 in self.record_at)
        if recording:  # before the update: the weights this step used
            layer_values = self._measure(p, delta)
        self.params += delta
        self.step += 1
        if recording:
            self._record(layer_values)

    def _diverged(self, m, step, where):
        self.diverged_at[m] = {"step": step, **where}
        self._alive[m] = False

    def _measure_and_record(self, p, delta):
        self._record(self._measure(p, delta))

    def _measure(self, p, delta):
        return telemetry.measure(p, self.params, self.sizes, delta, self.act.bounds,
                                 self._workspace)

    def _record(self, layer_values):
        """Record the step: layer_values measured on its pass, losses on the new weights.

        Measure before calling this: the evaluations below may reuse the buffers that the
        pass points into (a full-batch pass has the training set's shape)."""
        step_values = np.full((self.n_members, len(telemetry.Metric)), np.nan)
        d = self.data
        M = telemetry.Metric
        for loss_at, acc_at, X, y in [(M.train_loss, M.train_acc, d.X_train, d.y_train),
                                      (M.test_loss, M.test_acc, d.X_test, d.y_test)]:
            if len(y):
                loss, outputs = network.evaluate(self.Ws, self.bs, X, y, self.act,
                                                 self.config.loss, d.classification,
                                                 self._workspace)
                step_values[:, loss_at] = loss
                if d.classification:
                    step_values[:, acc_at] = losses.accuracy(outputs, y)
                # A finite update can still leave weights whose outputs overflow: that
                # step is where the run diverged, not the next one.
                overflowed = np.flatnonzero(~np.isfinite(loss) & self._alive)
                if len(overflowed):  # where: the same pass again, every layer kept
                    e = network.forward(self.Ws, self.bs, X, y, self.act, self.config.loss,
                                        d.classification)
                for m in overflowed:
                    self._diverged(m, self.step, _first_bad_layer(e, None, m))
        dead = ~self._alive
        layer_values[dead] = np.nan
        step_values[dead] = np.nan
        self.record.add(self.step, layer_values, step_values)
        if self.max_records and len(self.record) > self.max_records:
            self.record.thin()
            self.record_every *= 2


def _first_bad_layer(p, deltas, m):
    """Where member m's numbers first stopped being finite: 1-based layer and phase."""
    for layer, z in enumerate(p.z):
        if not np.isfinite(z[m]).all():
            return {"layer": layer + 1, "phase": "forward"}
    if p.dz is None:  # a forward pass alone: the loss itself overflowed
        return {"layer": len(p.z), "phase": "loss"}
    for layer in range(len(p.dz) - 1, -1, -1):
        if not np.isfinite(p.dz[layer][m]).all():
            return {"layer": layer + 1, "phase": "backward"}
    n = len(p.dz)
    for layer in range(n):
        if not (np.isfinite(deltas[layer][m]).all() and np.isfinite(deltas[n + layer][m]).all()):
            return {"layer": layer + 1, "phase": "update"}
    return {"layer": len(p.z), "phase": "loss"}
