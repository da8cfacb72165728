"""What a run costs, and whether it fits a server's caps: arithmetic only.

The caps' values are the server's business (serving/limits.py reads them from its
environment); a cap carries the name the server owner sets it by, so that a refusal can say
which knob to turn. ``python -m core`` on one's own machine checks none of this.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.config import RunConfig


class LimitError(ValueError):
    """A setting over a server cap, or a bad server limit."""


@dataclass(frozen=True)
class Cap:
    value: int
    source: str = "the server's default"  # where the value was set: an environment variable


@dataclass(frozen=True)
class Caps:
    """What one session's run may ask of a shared server."""

    depth_x_width: Cap = Cap(2048)  # hidden units of one network
    weights: Cap = Cap(150_000)  # weights and biases of one network
    step_work: Cap = Cap(100_000_000)  # multiply-adds of one recorded step, every network
    samples: Cap = Cap(2000)  # points of the data set


DEFAULT_CAPS = Caps()


def n_outputs(cfg: RunConfig) -> int:
    # Every classification set has two classes: softmax gives two outputs, the others one.
    return 2 if cfg.loss == "softmax_ce" else 1


def weight_count(cfg: RunConfig) -> int:
    sizes = [2] + [cfg.width] * cfg.depth + [n_outputs(cfg)]
    return sum((a + 1) * b for a, b in zip(sizes, sizes[1:], strict=False))


def train_size(cfg: RunConfig) -> int:
    return cfg.n_samples - round(cfg.n_samples * cfg.test_fraction)


def batch(cfg: RunConfig) -> int:
    """Examples per step: the batch, or the whole training set."""
    n_train = train_size(cfg)
    return cfg.batch_size if 0 < cfg.batch_size < n_train else n_train


def step_work(cfg: RunConfig, n_networks: int = 1) -> int:
    """Multiply-adds of one recorded step, roughly: a step on a batch, then the loss on
    every point (recorded steps evaluate the whole data set)."""
    return weight_count(cfg) * (batch(cfg) + cfg.n_samples) * n_networks


def _over(what: str, value: str, cap: Cap) -> LimitError:
    return LimitError(f"{what}: {value} is over this server's cap of {cap.value:,} "
                      f"(set by {cap.source}); choose a smaller value")


def check(cfg: RunConfig, caps: Caps, n_networks: int = 1) -> None:
    """Raise LimitError, naming the setting, its value and the cap, if a configuration asks
    more than ``caps`` allow."""
    units = cfg.depth * cfg.width
    if units > caps.depth_x_width.value:
        raise _over("depth × width", f"{cfg.depth} × {cfg.width} = {units:,}",
                    caps.depth_x_width)
    if cfg.n_samples > caps.samples.value:
        raise _over("n_samples", f"{cfg.n_samples:,}", caps.samples)
    weights = weight_count(cfg)
    if weights > caps.weights.value:
        raise _over("weights (depth, width)", f"{cfg.depth} layers of {cfg.width} "
                    f"have {weights:,}", caps.weights)
    work = step_work(cfg, n_networks)
    if work > caps.step_work.value:
        networks = f" × {n_networks} networks" if n_networks > 1 else ""
        raise _over("work per step (weights × (batch_size + n_samples))",
                    f"{weights:,} × ({cfg.batch_size or 'all'} + {cfg.n_samples})"
                    f"{networks} = {work:,}", caps.step_work)


def check_stack(configs: list[RunConfig], seeds: int, caps: Caps) -> None:
    """Several configurations of ``seeds`` networks each, stepped together (Compare's
    columns): each within the caps, and their summed work within the cap on one step."""
    for cfg in configs:
        check(cfg, caps)
    total = sum(step_work(cfg, seeds) for cfg in configs)
    if total > caps.step_work.value:
        raise LimitError(
            f"work per step of {len(configs)} columns × {seeds} seeds: {total:,} multiply-adds "
            f"is over this server's cap of {caps.step_work.value:,} (set by "
            f"{caps.step_work.source}); use fewer seeds or columns, a smaller network, batch "
            "or data set")
