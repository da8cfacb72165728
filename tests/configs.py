"""Configurations for tests, written as dicts of overrides the way a reader thinks of them."""

from core.config import RunConfig, validate


def stack(base: dict | RunConfig, members: list[dict]) -> tuple[RunConfig, list[RunConfig]]:
    """(configuration, members) for ``Trainer(*stack(...))``: each member is the base with
    its own overrides."""
    cfg = base if isinstance(base, RunConfig) else validate(base)
    return cfg, [cfg.replace(**m) for m in members]
