"""When a live chart gets a new frame (ui.live_chart.is_due): pure logic, no browser."""

import pytest

from ui.live_chart import is_due


@pytest.mark.parametrize("phase", [0, 1, 2])
def test_paused_or_new_or_changed_charts_are_always_due(phase):
    assert is_due(3, None, phase, ("a",), ("a",))  # paused: every chart at once
    assert is_due(3, 7, phase, ("a",), None)  # never drawn
    assert is_due(3, 7, phase, ("b",), ("a",))  # its own settings changed


@pytest.mark.parametrize("every", [1, 2, 3, 5])
def test_a_playing_chart_is_due_once_in_every_frames(every):
    for phase in range(every):
        due = [is_due(every, frame, phase, (), ()) for frame in range(10 * every)]
        assert sum(due) == 10
        assert all(sum(due[i:i + every]) == 1 for i in range(len(due) - every + 1))


def test_charts_of_different_phases_draw_on_different_frames():
    for frame in range(9):
        assert sum(is_due(3, frame, phase, (), ()) for phase in range(3)) == 1
