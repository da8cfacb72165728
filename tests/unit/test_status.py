"""Explore's status banners give the advice this network's diagnosis calls for, never a
fixed sentence: a variance too small is told to grow, one too large to shrink."""

import pytest

from core import config, diagnosis
from ui import panels, query
from ui.catalogue import LESSONS
from ui.explore_presenter import ExplorePresenter


def banners(cfg, steps, lesson=None) -> str:
    p = ExplorePresenter(query.ExploreLink(cfg, lesson))
    p.show(panels.NAMES, 20, {}, False)
    p.step(steps)
    return " ".join(text for kind, text, _ in p.status_parts()["notes"]
                    if kind in ("warning", "error"))


def test_the_xavier_stall_is_told_to_take_a_larger_variance_not_a_smaller_one():
    said = banners(LESSONS["xavier_relu_30"].config, 300, "xavier_relu_30")
    assert "Training has stalled" in said
    assert "too small" in said and "larger" in said and "He's 2/fan_in" in said
    assert "lower the initial scale" not in said


def test_an_explosion_from_too_large_weights_is_told_to_lower_them():
    said = banners(LESSONS["too_large_relu"].config, 20, "too_large_relu")
    assert "Exploded at step" in said and "too large" in said and "lower" in said


@pytest.mark.parametrize("settings, advice", [
    (dict(init="zeros"), "draw them at random"),
    (dict(activation="relu", init="he_normal", depth=10), "critical line"),
    (dict(activation="tanh", init="random_normal", init_params={"stddev": 0.01}), "too small"),
    (dict(activation="tanh", init="random_normal", init_params={"stddev": 1.0}, width=64),
     "too large"),
])
def test_the_remedy_follows_where_the_network_sits(settings, advice):
    assert advice in diagnosis.remedy(config.validate(**settings))
