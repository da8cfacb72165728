"""The live pages' presenters (ui/explore_presenter.py, ui/compare_presenter.py): what one
refresh trains and draws, as the live feed asks for it while a run plays. No Streamlit runs
here."""

import json
import re

import plotly.io as pio
import pytest

from core import budget, config
from core.compare import Comparison
from core.trainer import Trainer
from serving import background
from tests.app.busy import every_slot_taken
from ui import panels, query
from ui.catalogue import LESSONS as BY_KEY
from ui.compare_presenter import ComparePresenter
from ui.explore_presenter import ExplorePresenter
from ui.panel import SLOW
from ui.panels import phase as phase_panel
from viz import training, transport

PANELS = panels.NAMES

SMALL = config.validate(depth=4, width=16)
HEAVY = ("network", "boundary", "histograms", "flow_lines", "flow_heat", "symmetry")


def explore(cfg=SMALL, lesson=None) -> ExplorePresenter:
    p = ExplorePresenter(query.ExploreLink(cfg, lesson))
    p.show(PANELS, p.speed, {}, False)
    return p


def step_of(parts) -> int:
    return int(re.search(r"\*\*Step (\d+)\*\*", parts["head"][0][1]).group(1))


def test_a_whole_run_of_the_page_draws_every_chart_of_the_shown_panels():
    p = explore()
    r = p.refresh()
    live = {c.key for panel in panels.PANELS if panel.drawn == "live" for c in panel.charts}
    assert {"network", "boundary", "loss", "flow_bars", "flow_lines", "flow_heat",
            "histograms", "saturation", "symmetry", "similarity", "spectrum"} <= live
    assert set(r.charts) == live
    p.show(("loss",), p.speed, {}, False)
    assert set(p.refresh().charts) == {"loss"}


def test_playing_redraws_light_charts_every_refresh_and_heavy_ones_in_turn():
    p = explore()
    p.refresh()  # the page's own run draws every chart before Play is pressed
    frames = [p.refresh(ticking=True, timer=True).charts for _ in range(SLOW)]
    drawn = {key: sum(key in f for f in frames) for key in (*HEAVY, "loss", "flow_bars")}
    assert SLOW > 1 and drawn["loss"] == drawn["flow_bars"] == SLOW
    for key in HEAVY:  # a new frame one refresh in SLOW ...
        assert drawn[key] == 1, key
    assert sum(1 for f in frames if set(f) & set(HEAVY)) >= 3  # ... not all on one refresh


def test_a_refresh_that_could_not_train_sends_no_figures():
    p = explore()
    p.refresh(ticking=True, timer=True)  # a refresh that trained: its charts are new
    with every_slot_taken():
        busy = [p.refresh(ticking=True, timer=True) for _ in range(3)]
    assert all(r.charts == {} for r in busy)  # nothing trained, nothing changed
    assert "The server is busy" in busy[-1].parts["notes"][0][1]
    after = p.refresh(ticking=True, timer=True)  # a slot is free again
    assert {"loss", "flow_bars"} <= set(after.charts) and p.run.step > 0


def test_playing_takes_one_snapshot_for_the_heavy_charts_of_slow_refreshes(monkeypatch):
    taken = []
    original = Trainer.snapshot

    def counting(self, *args, **kwargs):
        taken.append(self.step)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Trainer, "snapshot", counting)
    p = explore()
    p.refresh()
    taken.clear()
    frames = [p.refresh(ticking=True, timer=True).charts for _ in range(2 * SLOW)]
    assert [sum(k in f for f in frames) for k in ("network", "boundary", "histograms")] == [
        2, 2, 2]
    # Three charts drawn twice from a grid pass: two passes, not six (each heavy chart
    # redraws one refresh in SLOW, so a snapshot up to SLOW - 1 refreshes old is fresh).
    assert len(taken) == 2 and taken[0] < taken[1]


def test_the_feed_trains_and_sends_only_due_charts_that_are_on_screen():
    p = explore(BY_KEY["zeros"].config, "zeros")
    p.refresh()  # the page's own run draws every chart before Play is pressed
    p.playing = True
    answers = [json.loads(p.poll({"loss", "network"})) for _ in range(2 * SLOW)]
    steps = [step_of(a["status"]) for a in answers]
    assert steps == sorted(set(steps)) and steps[0] > 0, steps  # each poll trained a tick
    assert all(set(a["charts"]) <= {"loss", "network"} for a in answers)
    assert all("loss" in a["charts"] for a in answers)  # a light chart: every refresh
    assert sum("network" in a["charts"] for a in answers) == 2  # a heavy one: one in SLOW
    versions = [a["charts"]["loss"]["version"] for a in answers]
    assert versions == sorted(set(versions))  # the browser drops an older frame by these
    kinds = {kind: text for kind, text, _ in answers[-1]["status"]["notes"]}
    assert "Symmetry holds" in kinds["warning"]
    assert "Live check" in answers[-1]["status"]["notes"][-1][1]
    # The network, drawn while playing and then scrolled away, comes back at the next poll.
    for _ in range(SLOW + 1):
        p.poll({"loss"})
    assert "network" in json.loads(p.poll({"network"}))["charts"]
    p.playing = False
    assert json.loads(p.poll({"loss"}))["done"]


def test_a_run_that_diverges_everywhere_stops_playing_and_says_done():
    p = explore(config.validate(init="random_normal", init_params={"stddev": 10.0},
                                activation="linear", depth=30, lr=10.0))
    p.playing = True
    answer = json.loads(p.poll({"loss"}))
    assert answer["done"] and not p.playing
    assert any(kind == "error" and "Exploded at step" in text
               for kind, text, _ in answer["status"]["notes"])


def test_a_new_configuration_pauses_and_an_earlier_one_comes_back_where_it_was():
    p = explore()
    p.step(7)
    first = p.run
    p.use(SMALL.replace(depth=2))
    assert p.run is not first and p.run.step == 0 and not p.playing
    p.use(SMALL)  # Back to the earlier address: its run, where it was
    assert p.run is first and p.run.step == 7


def test_a_learning_rate_change_keeps_the_run_going():
    p = explore()
    p.step(5)
    p.playing = True
    run = p.run
    p.use(SMALL.replace(lr=0.05))
    assert p.run is run and p.run.step == 5 and p.playing
    assert p.config.lr == 0.05 and p.link.config.lr == 0.05


def test_a_configuration_over_a_cap_is_refused_and_the_run_kept():
    p = explore()
    p.step(3)
    with pytest.raises(budget.LimitError, match="depth × width"):
        p.use(config.validate(depth=64, width=512))
    assert p.config == SMALL and p.run.step == 3


def test_only_a_few_runs_are_kept():
    p = explore()
    for depth in range(1, 8):
        p.use(SMALL.replace(depth=depth))
    assert len(p.runs) == 4


def test_a_network_without_hidden_layers_refreshes_and_checks_its_lesson():
    p = explore(BY_KEY["he_relu_30"].config.replace(depth=0), "he_relu_30")
    r = p.refresh()
    assert "flow_bars" in r.charts and "histograms" not in r.charts
    assert "Live check" in r.parts["notes"][-1][1]


def test_compare_draws_its_five_charts_and_its_column_statuses():
    shared = config.validate(depth=2, width=4, n_samples=100)
    columns = [shared.replace(init="zeros"), shared.replace(init="he_normal")]
    p = ComparePresenter(query.CompareLink(Comparison(shared, columns, 2)))
    r = p.refresh()
    assert set(r.charts) == {"cmpfig_loss", "cmpfig_box", "cmpfig_grads", "cmpfig_distinct",
                             "cmpfig_thumbs"}
    assert [part[0] for part in r.parts["head"]] == ["markdown"]
    assert [part[0] for part in r.parts["notes"]] == ["columns", "markdown", "table"]
    assert "2 of 2** seeds symmetric" in json.dumps(r.parts["notes"][0][1][0])
    p.playing = True
    assert json.loads(p.poll({"cmpfig_loss"}))["charts"].keys() == {"cmpfig_loss"}
    assert p.run.step > 0


@pytest.mark.parametrize("field", ["grad_norm", "backprop_std", "update_ratio"])
def test_the_projected_gradient_bars_are_titled_with_the_quantity_they_show(field):
    p = explore(BY_KEY["too_small"].config, "too_small")
    p.show(PANELS, 1, {"flow_field": field}, True)
    bars = json.loads(p.refresh().charts["flow_bars"])
    assert bars["layout"]["title"]["text"] == training.SHORT_TITLES[field]


def test_the_lesson_report_holds_what_the_page_shows_and_the_command_that_trains_it_again():
    import html
    import shlex

    from core import cli
    p = explore(BY_KEY["too_small"].config, "too_small")
    p.refresh()
    p.step(7)
    doc = p.report()
    assert html.escape(BY_KEY["too_small"].told()[0]) in doc
    assert "Live check" in doc and "Step 7" in doc
    figures = re.findall(r'<script type="application/json" id="data\d+">(.*?)</script>', doc,
                         re.S)
    assert len(figures) == len(re.findall(r'<div id="fig\d+" class="chart">', doc)) >= 8
    for spec in figures:  # each a whole figure, its template written in
        fig = json.loads(spec.replace("<\\/", "</"))
        assert fig["data"] and isinstance(fig["layout"].get("template", {}), dict)
    assert "Plotly.newPlot" in doc and "plotly.js" in doc[:3_000_000]
    line = html.unescape(re.search(r"<code>(.*?)</code>", doc, re.S).group(1))
    args = cli._parser().parse_args(shlex.split(line)[3:])
    assert cli.train_config(args) == p.config.replace(steps=7)


def test_the_weights_download_is_the_networks_weights_now():
    p = explore()
    p.step(3)
    doc = json.loads(p.weights_json())
    assert doc["step"] == 3 and len(doc["layers"]) == p.config.depth + 1
    for k, layer in enumerate(doc["layers"]):
        assert layer["W"] == p.run.trainer.Ws[k][0].tolist()
        assert layer["b"] == p.run.trainer.bs[k][0].tolist()


def test_a_step_between_records_is_not_called_the_last_finite_one():
    """A long run records every few steps; the status then names the step its numbers come
    from without claiming that anything overflowed."""
    p = explore()
    p.run.trainer.record_every = 4
    p.run.trainer.run(6)
    line = p.status_parts()["head"][0][1]
    assert "**Step 6**" in line and "(measured at step 4)" in line
    assert "last finite" not in line


def test_the_isometry_panel_draws_the_jacobian_spectrum_now_and_at_init():
    p = explore(config.validate(depth=4, width=8, activation="linear", init="orthogonal"))
    fig = json.loads(p.refresh().charts["spectrum"])
    names = [t.get("name", "") for t in fig["data"]]
    assert any(n.startswith("now: 100 % within ×2") for n in names)
    assert any(n.startswith("at init: 100 %") for n in names)


def test_the_landscape_is_drawn_when_asked_and_forgotten_when_the_run_changes():
    p = explore(BY_KEY["zeros"].config)
    landscape = panels.BY_NAME["landscape"]
    assert "landscape" not in p.view().asked
    p.step(5)
    p.ask(landscape)
    drawn = p.view().asked["landscape"]
    assert drawn["step"] == drawn["line"]["step"] == drawn["slice"]["step"] == 5
    assert drawn["slice"]["directions"]["slope_d2"] == 0
    frames = p.frames(landscape)
    assert "initial weights" in frames["landscape_line"]
    assert "symmetry-breaking" in frames["landscape_slice"]
    p.reset()
    assert "landscape" not in p.view().asked


def test_a_lesson_opens_its_instruments_and_its_link_stays_short():
    link, errors = query.explore({"lesson": "zeros"})
    assert not errors and "landscape" in link.panels and "isometry" not in link.panels
    assert "panels" not in query.explore_query(link)
    plain, _ = query.explore({})
    assert "landscape" not in plain.panels and plain.panels == panels.DEFAULT


@pytest.mark.parametrize("settings, said", [
    ({"activation": "relu", "init": "he_normal", "depth": 30}, "on the critical line"),
    ({"activation": "relu", "init": "glorot_normal", "depth": 30},
     "this network's 30 is deeper than that"),
    ({"activation": "tanh", "init": "random_normal", "init_params": {"stddev": 1.0}},
     "in the **chaotic** phase"),
    ({"activation": "tanh", "init": "zeros"}, "symmetry, not the phase, decides"),
])
def test_the_phase_diagram_places_the_network_and_says_where(settings, said):
    p = explore(config.validate(**settings))
    here = phase_panel.here(p.config)
    assert said in phase_panel.words(p.view())
    spec = json.loads(p.frames(panels.BY_NAME["phase"])["phase"])
    star = [t for t in spec["data"] if t.get("name", "").startswith("you are here")]
    if here["weight_var"] == 0:  # not random: no point on a theory of random weights
        assert not star
    else:
        assert star[0]["x"][0] == pytest.approx(here["weight_var"])


def test_the_report_carries_the_instruments_on_screen():
    p = explore(BY_KEY["zeros"].config, "zeros")
    p.ask(panels.BY_NAME["landscape"])
    doc = p.report()
    for title in ("Order and chaos", "Loss on the line from the first weights",
                  "spectrum, depth 3"):
        assert title in doc


def test_the_phase_planes_worked_out_ahead_survive_their_process_being_killed(monkeypatch,
                                                                              caplog):
    """A server stopped while its planes are worked out (the tests stop servers at once)
    says so in one line, no traceback, and a plane is then worked out when first shown."""
    phase_panel._PLANES.clear()
    real = phase_panel._work_out_key
    monkeypatch.setattr(phase_panel, "_work_out_key", _killed)
    background.start(lambda map_: phase_panel.warm(BY_KEY, map_), "planes",
                     quiet_s=0).join()
    assert "BrokenProcessPool" in caplog.text and "worked out when first needed" in caplog.text
    assert not phase_panel._PLANES
    monkeypatch.setattr(phase_panel, "_work_out_key", real)
    p = explore(config.validate(activation="relu", init="he_normal"))
    assert json.loads(p.frames(panels.BY_NAME["phase"])["phase"])["data"]


def _killed(key):
    """What the planes' process meets when its server is stopped under it."""
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)


def test_every_live_frame_is_the_json_plotly_itself_writes(monkeypatch):
    """transport.to_json skips Plotly's copies and walk: the browser must get the same
    figure as from Plotly's own route, for every chart of Explore (every panel, a lesson's
    question, playing) and Compare."""
    real, checked = transport.to_json, []

    def both(fig, **extra):
        sent = real(fig, **extra)
        plotly = pio.to_json({**transport.compact_images(fig).to_plotly_json(), **extra},
                             validate=False)
        assert json.loads(sent) == json.loads(plotly), extra.get("key")
        checked.append(extra.get("key"))
        return sent

    monkeypatch.setattr(transport, "to_json", both)
    p = explore(BY_KEY["too_small"].config.replace(depth=6, width=16), "too_small")
    p.refresh()
    for _ in range(SLOW):
        p.refresh(ticking=True, timer=True)
    shared = config.validate(depth=2, width=4, n_samples=100)
    c = ComparePresenter(query.CompareLink(Comparison(
        shared, [shared.replace(init="zeros"), shared.replace(init="he_normal")], 2)))
    c.refresh()
    live = {c.key for panel in panels.PANELS if panel.drawn == "live" for c in panel.charts}
    assert live | {"cmpfig_loss", "cmpfig_thumbs"} <= set(checked)
