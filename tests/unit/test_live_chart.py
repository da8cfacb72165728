"""When a live chart gets a new frame (ui.live_chart.is_due): pure logic, no browser."""

import json

import plotly.graph_objects as go
import pytest

from ui.live_chart import Board, is_due


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


def test_a_refresh_that_drew_a_chart_does_not_draw_it_again():
    # A refresh that trained nothing keeps the last refresh's number (next_frame's news):
    # every chart already shows that refresh, so none is due, whatever its phase.
    for every in (1, 3):
        for phase in range(every):
            assert not is_due(every, 6, phase, ("a",), ("a",), last_frame=6)
    assert is_due(1, 7, 0, ("a",), ("a",), last_frame=6)  # the next refresh: due again
    assert is_due(1, 6, 0, ("b",), ("a",), last_frame=6)  # its settings changed: due
    assert is_due(1, None, 0, ("a",), ("a",), last_frame=None)  # paused: due


def test_a_board_numbers_playing_refreshes_and_draws_each_chart_in_its_turn():
    board = Board()
    drawn = {key: 0 for key in ("light", "a", "b")}

    def refresh(timer, news=True):
        board.next_frame(timer, news)
        for key, every in (("light", 1), ("a", 2), ("b", 2)):
            if board.frame(key, lambda: go.Figure(), every) is not None:
                drawn[key] += 1

    refresh(timer=False)  # a whole run of the page draws every chart
    assert drawn == {"light": 1, "a": 1, "b": 1} and board.frame_no is None
    for _ in range(4):
        refresh(timer=True)
    assert drawn == {"light": 5, "a": 3, "b": 3}  # the heavy two took turns
    refresh(timer=True, news=False)  # nothing trained: nothing new to draw
    assert drawn == {"light": 5, "a": 3, "b": 3}
    assert json.loads(board.keep("a")) == {"keep": 2, "key": "a"}


def test_a_frame_carries_its_key_version_and_the_png_toolbar():
    board = Board()
    spec = json.loads(board.frame("loss", lambda: go.Figure()))
    assert spec["key"] == "loss" and spec["version"] == 0
    assert spec["config"]["modeBarButtons"] == [["toImage"]]
    assert json.loads(board.frame("loss", lambda: go.Figure()))["version"] == 1
