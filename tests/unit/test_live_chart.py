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


def test_a_refresh_that_drew_a_chart_does_not_draw_it_again():
    # A refresh that trained nothing keeps the last refresh's number (next_frame's news):
    # every chart already shows that refresh, so none is due, whatever its phase.
    for every in (1, 3):
        for phase in range(every):
            assert not is_due(every, 6, phase, ("a",), ("a",), last_frame=6)
    assert is_due(1, 7, 0, ("a",), ("a",), last_frame=6)  # the next refresh: due again
    assert is_due(1, 6, 0, ("b",), ("a",), last_frame=6)  # its settings changed: due
    assert is_due(1, None, 0, ("a",), ("a",), last_frame=None)  # paused: due


# The vendored plotly.js must be the version the plotly package builds figures for.

import json  # noqa: E402
import re  # noqa: E402
from pathlib import Path  # noqa: E402

import plotly  # noqa: E402
import plotly.offline  # noqa: E402

from ui import live_chart  # noqa: E402

BUNDLE = (live_chart.ASSETS / live_chart.PLOTLY_JS).read_text(encoding="utf-8")


def test_the_vendored_bundle_is_the_plotly_packages_version():
    header = re.search(r"plotly\.js \(cartesian - minified\) v(\S+)", BUNDLE[:400])
    assert header and header.group(1) == plotly.offline.get_plotlyjs_version()


def test_the_bundle_has_every_trace_type_the_figures_use():
    used = set()
    for path in (Path(live_chart.__file__).parents[1] / "viz").glob("*.py"):
        used |= set(re.findall(r'type="(\w+)"', path.read_text()))
    used -= {"log", "linear", "category"}  # axis types
    used -= {"line", "rect", "circle", "path"}  # layout shapes, drawn by every bundle
    assert {"scatter", "bar", "heatmap", "image", "box", "contour"} <= used
    registered = set(re.findall(r'name:"(\w+)",basePlotModule', BUNDLE))
    assert used <= registered, used - registered


def test_the_templates_match_the_installed_package():
    package = Path(plotly.__file__).parent / "package_data" / "templates"
    for ours in (live_chart.ASSETS / "templates").glob("*.json"):
        assert json.loads(ours.read_text()) == json.loads((package / ours.name).read_text())
