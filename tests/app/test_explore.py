"""Explore and Lessons under AppTest: page logic, URL in and out, bad links, lessons."""

import json
import math
import re

import pytest
from streamlit.testing.v1 import AppTest

from core import settings
from core.lessons import LESSONS
from tests.app.busy import every_slot_taken
from tests.app.live_charts import live_specs, new_frames
from tests.e2e.helpers import REPO_ROOT

APP = str(REPO_ROOT / "app.py")


def run_app(query=None):
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def markdown_text(at):
    return "\n".join(m.value for m in at.markdown)


def test_explore_runs_on_defaults():
    at = run_app()
    assert not at.exception
    assert "**Step 0**" in markdown_text(at)
    assert not at.error and not at.warning
    assert at.session_state["cfg_init"] == settings.DEFAULTS["init"]


def test_url_configuration_is_loaded_into_the_widgets():
    at = run_app({"init": "he_normal", "depth": "5", "width": "16", "activation": "relu",
                  "lr": "0.03"})
    assert not at.exception
    assert at.selectbox(key="cfg_init").value == "he_normal"
    assert at.number_input(key="cfg_depth").value == 5
    assert at.selectbox(key="cfg_activation").value == "relu"
    assert math.isclose(at.number_input(key="cfg_lr").value, 0.03)


def test_changing_a_control_changes_the_configuration_and_the_url():
    at = run_app()
    at.number_input(key="cfg_depth").set_value(6).run()
    at.selectbox(key="cfg_init").set_value("orthogonal").run()
    assert not at.exception
    assert at.query_params["depth"] == "6"
    assert at.query_params["init"] == "orthogonal"
    run = at.session_state["_run_explore"]
    assert run.config["depth"] == 6 and run.config["init"] == "orthogonal"


def test_initializer_parameters_appear_only_when_it_has_them():
    at = run_app({"init": "random_normal", "init.stddev": "0.5"})
    keys = {w.key for w in at.number_input}
    assert "cfg_init:random_normal.stddev" in keys
    assert at.number_input(key="cfg_init:random_normal.stddev").value == 0.5
    at.selectbox(key="cfg_init").set_value("glorot_uniform").run()
    assert not any(k and k.startswith("cfg_init:glorot_uniform") for k in
                   (w.key for w in at.number_input))
    assert "init.stddev" not in at.query_params


def test_stepping_advances_and_learning_rate_changes_without_reset():
    at = run_app({"init": "he_normal"})
    at.button(key="step10").click().run()
    run = at.session_state["_run_explore"]
    assert run.trainer.step == 10
    at.number_input(key="cfg_lr").set_value(0.05).run()
    assert at.session_state["_run_explore"] is run and run.trainer.step == 10
    assert math.isclose(float(run.trainer.optimizer.lr[0]), 0.05)
    at.button(key="reset").click().run()
    assert at.session_state["_run_explore"].trainer.step == 0


def test_zeros_shows_the_symmetry_banner_and_zero_gradients():
    at = run_app({"init": "zeros", "batch_size": "0"})
    at.button(key="step10").click().run()
    assert any("Symmetry holds" in w.value for w in at.warning)
    caption = next(c.value for c in at.caption if c.value.startswith("‖∂L/∂W‖ now"))
    assert "layer 1 0 ·" in caption and "layer 3 0 ·" in caption


@pytest.mark.parametrize("query, setting", [
    ({"depth": "abc"}, "depth"),
    ({"depth": "999"}, "depth"),
    ({"lr": "nan"}, "lr"),
    ({"lr": "-1"}, "lr"),
    ({"init": "no_such_init"}, "init"),
    ({"init": "random_normal", "init.stddev": "-3"}, "stddev"),
    ({"dataset": "plane", "loss": "bce"}, "loss"),
    ({"layer_init": "99:zeros"}, "layer_inits"),
    ({"whatever": "1"}, "whatever"),
])
def test_bad_links_give_a_message_and_defaults(query, setting):
    at = run_app(query)
    assert not at.exception
    messages = " ".join(w.value for w in at.warning)
    assert setting in messages
    assert "Traceback" not in markdown_text(at)
    assert "**Step 0**" in markdown_text(at)  # the page still works, on defaults


def test_a_run_whose_relus_all_died_says_it_has_stalled():
    """Weights so large that the first update kills every ReLU of some layers: nothing
    overflows, so no divergence is shown, but every hidden gradient is exactly 0."""
    at = run_app({"init": "random_normal", "init.stddev": "10", "activation": "relu",
                  "depth": "10"})
    assert not any("stalled" in w.value for w in at.warning)  # step 0 still has gradients
    for _ in range(3):
        at.button(key="step1").click().run()
    assert not at.exception and not at.error
    stalled = [w.value for w in at.warning if "Training has stalled" in w.value]
    assert stalled and "is dead" in stalled[0]
    assert "loss train **0.69" in markdown_text(at)


def test_an_exploded_loss_reads_in_three_significant_digits():
    at = run_app({"init": "random_normal", "init.stddev": "10", "activation": "relu",
                  "depth": "10"})
    assert "loss train **6.91e+12**" in markdown_text(at)


def test_a_run_that_overflows_at_once_keeps_its_last_finite_state_on_screen():
    """The banner promises the last finite state: the status line must not read nan."""
    at = run_app({"init": "random_normal", "init.stddev": "10", "activation": "linear",
                  "depth": "30", "lr": "10"})
    at.button(key="step1").click().run()
    assert any("Exploded at step 1" in e.value for e in at.error)
    status = markdown_text(at)
    assert "(at step 0, the last finite)" in status and "nan" not in status
    caption = " ".join(c.value for c in at.caption)
    assert "‖∂L/∂W‖ now: layer 1" in caption and "nan" not in caption


def test_a_diverging_run_is_caught_and_shown():
    at = run_app({"init": "random_normal", "init.stddev": "1.0", "activation": "relu",
                  "depth": "10", "width": "64", "dataset": "spiral"})
    at.button(key="step10").click().run()
    assert not at.exception
    assert any("Exploded at step" in e.value for e in at.error)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.key)
def test_every_lesson_preset_runs_in_explore(lesson):
    query = {**settings.to_query(settings.validate(lesson.config)), "lesson": lesson.key}
    at = run_app(query)
    assert not at.exception
    assert any(lesson.title in i.value for i in at.info)
    assert "Live check" in markdown_text(at)
    assert at.session_state["_run_explore"].config["init"] == lesson.config["init"]


def test_lessons_page_opens_a_lesson_in_explore():
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/lessons.py").run()
    assert not at.exception
    assert len([b for b in at.button if b.key and b.key.startswith("open_")]) == len(LESSONS)
    at.button(key="open_constant").click().run()
    assert not at.exception
    assert at.session_state["lesson"] == "constant"
    assert at.session_state["cfg_init"] == "constant"
    assert at.query_params["lesson"] == "constant"


def test_a_bare_lesson_link_opens_the_lesson_with_its_settings():
    # ?lesson=key alone is what a teacher types on the projector: the lesson's own network,
    # not the lesson's text above the default one.
    lesson = next(lesson for lesson in LESSONS if lesson.key == "too_large_relu")
    at = run_app({"lesson": lesson.key})
    assert not at.exception and not at.warning
    want, got = settings.validate(lesson.config), at.session_state["_run_explore"].config
    assert all(got[key] == want[key] for key in lesson.config), lesson.config
    assert at.session_state["cfg_activation"] == "relu"
    # Its settings go into the URL, so a copied link keeps them once they are changed.
    assert at.query_params["init"] == lesson.config["init"]


def test_a_lesson_at_default_settings_still_writes_a_setting_into_its_link():
    at = run_app({"lesson": "zeros", "init": settings.DEFAULTS["init"]})
    assert at.session_state["cfg_init"] == settings.DEFAULTS["init"]
    assert at.query_params["init"] == settings.DEFAULTS["init"]  # not a bare ?lesson=zeros


def test_an_unknown_lesson_in_a_link_is_named_and_ignored():
    at = run_app({"lesson": "tooo_small"})
    assert not at.exception and not at.info
    assert any("lesson='tooo_small' is not a lesson" in w.value and "too_small" in w.value
               for w in at.warning)
    assert "lesson" not in at.query_params


LIVE_CHARTS = ["network", "boundary", "loss", "flow_bars", "flow_lines", "flow_heat",
               "histograms", "saturation", "symmetry", "similarity", "theory", "weights"]


def test_every_chart_goes_through_the_in_place_live_component():
    at = run_app()
    specs = live_specs(at)
    assert sorted(specs) == sorted(LIVE_CHARTS)
    assert not at.get("plotly_chart")  # st.plotly_chart rebuilds a chart on every frame
    for spec in specs.values():
        assert spec["data"] and spec["layout"]["height"] > 0
        assert spec["config"]["responsive"]


SLOW = int(re.search(r"^SLOW = (\d+)$", (REPO_ROOT / "pages" / "explore.py").read_text(),
                     re.MULTILINE).group(1))


def test_playing_redraws_light_charts_every_refresh_and_heavy_ones_in_turn():
    at = run_app({"depth": "4", "width": "16"})
    at.session_state["_playing_explore"] = True
    frames = []
    for _ in range(SLOW):  # each run while playing is one refresh: a tick, the charts
        at.run()
        assert not at.exception
        frames.append(live_specs(at))
    drawn = new_frames(frames)
    assert SLOW > 1 and drawn["loss"] == drawn["flow_bars"] == SLOW
    # The heavy charts get a new frame one refresh in SLOW; the other refreshes send a
    # few bytes ("keep") instead of the figure, and they do not all land on one refresh.
    heavy = ("network", "boundary", "histograms", "flow_lines", "flow_heat", "symmetry")
    for key in heavy:
        assert drawn[key] == 1, key
    assert sum(1 for f in frames if any("keep" not in f[k] for k in heavy)) >= 3
    for f in frames:
        for spec in f.values():
            if "keep" in spec:
                assert len(json.dumps(spec)) < 60


def test_a_refresh_that_could_not_train_sends_no_figures():
    at = run_app({"depth": "4", "width": "16"})
    at.session_state["_playing_explore"] = True
    at.run()  # a refresh that trained: its charts are new
    with every_slot_taken():
        frames = [live_specs(at.run()) for _ in range(3)]
    assert not at.exception and any("The server is busy" in i.value for i in at.info)
    # Nothing trained, so nothing changed: every chart is told to keep what it shows.
    assert all("keep" in spec for f in frames for spec in f.values()), new_frames(frames)
    after = live_specs(at.run())  # a slot is free again: the light charts move on
    assert "keep" not in after["loss"] and "keep" not in after["flow_bars"]



def test_playing_takes_one_snapshot_for_the_heavy_charts_of_slow_refreshes(monkeypatch):
    from core.trainer import Trainer

    taken = []
    original = Trainer.snapshot

    def counting(self, *args, **kwargs):
        taken.append(self.step)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Trainer, "snapshot", counting)
    at = run_app({"depth": "4", "width": "16"})
    at.session_state["_playing_explore"] = True
    taken.clear()
    frames = [live_specs(at.run()) for _ in range(2 * SLOW)]
    drawn = new_frames(frames)
    assert drawn["network"] == drawn["boundary"] == drawn["histograms"] == 2
    # Three charts drawn twice from a grid pass: two passes, not six (each heavy chart
    # redraws one refresh in SLOW, so a snapshot up to SLOW - 1 refreshes old is fresh).
    assert len(taken) == 2 and taken[0] < taken[1]


def test_the_live_feed_trains_and_sends_only_due_charts_that_are_on_screen():
    # What the feed's route answers while Explore plays (ui/feed.py): the page's own
    # refresh, called outside any script run, as the route calls it.
    at = run_app({"depth": "3", "width": "8", "init": "zeros", "lesson": "zeros"})
    feed = at.session_state["_feed_explore"]
    assert not feed.playing  # AppTest serves no route: the page keeps its timed fragment
    feed.playing = True
    answers = [json.loads(feed.poll({"loss", "network"})) for _ in range(2 * SLOW)]
    steps = [int(re.search(r"\*\*Step (\d+)\*\*", a["status"][0][1]).group(1))
             for a in answers]
    assert steps == sorted(set(steps)) and steps[0] > 0, steps  # each poll trained a tick
    assert all(set(a["charts"]) <= {"loss", "network"} for a in answers)
    assert all("loss" in a["charts"] for a in answers)  # a light chart: every refresh
    assert sum("network" in a["charts"] for a in answers) == 2  # a heavy one: one in SLOW
    versions = [a["charts"]["loss"]["version"] for a in answers]
    assert versions == sorted(set(versions))  # the browser drops an older frame by these
    kinds = {kind: text for kind, text, _ in answers[-1]["status"]}
    assert "Symmetry holds" in kinds["warning"] and "Live check" in answers[-1]["status"][-1][1]
    # The network, drawn while playing and then scrolled away, comes back at the next poll.
    for _ in range(SLOW + 1):
        feed.poll({"loss"})
    assert "network" in json.loads(feed.poll({"network"}))["charts"]
    feed.playing = False
    assert json.loads(feed.poll({"loss"}))["done"]
