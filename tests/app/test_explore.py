"""Explore and Lessons under AppTest: page logic, the address in and out, bad links,
lessons, and the state a session keeps while it moves between pages."""

import html
import math

import pytest
from streamlit.testing.v1 import AppTest

from core import config
from tests.app.live_charts import live_specs, page, status_text, step_of
from tests.e2e.helpers import REPO_ROOT
from ui import query
from ui.catalogue import LESSONS

BY_KEY = LESSONS

APP = str(REPO_ROOT / "app.py")


def run_app(query_=None):
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query_ or {}).items():
        at.query_params[key] = value
    return at.run()


def presenter(at):
    return page(at, "explore").presenter


def run_of(at):
    return presenter(at).run


def test_explore_runs_on_defaults():
    at = run_app()
    assert not at.exception
    assert step_of(at) == 0
    assert not at.error and not at.warning
    assert at.session_state["exp_init"] == config.DEFAULTS["init"]
    assert run_of(at).config == config.DEFAULT


def test_url_configuration_is_loaded_into_the_widgets():
    at = run_app({"init": "he_normal", "depth": "5", "width": "16", "activation": "relu",
                  "lr": "0.03"})
    assert not at.exception
    assert at.selectbox(key="exp_init").value == "he_normal"
    assert at.number_input(key="exp_depth").value == 5
    assert at.selectbox(key="exp_activation").value == "relu"
    assert math.isclose(at.number_input(key="exp_lr").value, 0.03)


def test_changing_a_control_changes_the_configuration_and_the_url():
    at = run_app()
    at.number_input(key="exp_depth").set_value(6).run()
    at.selectbox(key="exp_init").set_value("orthogonal").run()
    assert not at.exception
    assert at.query_params["depth"] == "6"
    assert at.query_params["init"] == "orthogonal"
    assert run_of(at).config.depth == 6 and run_of(at).config.init == "orthogonal"


def test_initializer_parameters_appear_only_when_it_has_them():
    at = run_app({"init": "random_normal", "init.stddev": "0.5"})
    keys = {w.key for w in at.number_input}
    assert "exp_init:random_normal.stddev" in keys
    assert at.number_input(key="exp_init:random_normal.stddev").value == 0.5
    at.selectbox(key="exp_init").set_value("glorot_uniform").run()
    assert not any(k and k.startswith("exp_init:glorot_uniform") for k in
                   (w.key for w in at.number_input))
    assert "init.stddev" not in at.query_params


def test_stepping_advances_and_learning_rate_changes_without_reset():
    at = run_app({"init": "he_normal"})
    at.button(key="expbtn_step10").click().run()
    run = run_of(at)
    assert run.trainer.step == 10
    at.number_input(key="exp_lr").set_value(0.05).run()
    assert run_of(at) is run and run.trainer.step == 10
    assert math.isclose(float(run.trainer.optimizer.lr[0]), 0.05)
    at.button(key="expbtn_reset").click().run()
    assert run_of(at).trainer.step == 0


def test_zeros_shows_the_symmetry_banner_and_zero_gradients():
    at = run_app({"init": "zeros", "batch_size": "0"})
    at.button(key="expbtn_step10").click().run()
    assert "Symmetry holds" in status_text(at, "warning")
    caption = status_text(at, "caption")
    assert caption.startswith("‖∂L/∂W‖ now")
    assert "layer 1 0 ·" in caption and "layer 3 0 ·" in caption


@pytest.mark.parametrize("query_, setting", [
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
def test_bad_links_give_a_message_and_defaults(query_, setting):
    at = run_app(query_)
    assert not at.exception
    messages = " ".join(w.value for w in at.warning)
    assert setting in messages
    assert step_of(at) == 0  # the page still works, on defaults


def test_a_run_whose_relus_all_died_says_it_has_stalled():
    """Weights so large that the first update kills every ReLU of some layers: nothing
    overflows, so no divergence is shown, but every hidden gradient is exactly 0."""
    at = run_app({"init": "random_normal", "init.stddev": "10", "activation": "relu",
                  "depth": "10"})
    assert "stalled" not in status_text(at, "warning")  # step 0 still has gradients
    for _ in range(3):
        at.button(key="expbtn_step1").click().run()
    assert not at.exception and not at.error and not status_text(at, "error")
    stalled = status_text(at, "warning")
    assert "Training has stalled" in stalled and "is dead" in stalled
    assert "loss train **0.69" in status_text(at, "markdown")


def test_an_exploded_loss_reads_in_three_significant_digits():
    at = run_app({"init": "random_normal", "init.stddev": "10", "activation": "relu",
                  "depth": "10"})
    assert "loss train **6.91e+12**" in status_text(at, "markdown")


def test_a_run_that_overflows_at_once_keeps_its_last_finite_state_on_screen():
    """The banner promises the last finite state: the status line must not read nan."""
    at = run_app({"init": "random_normal", "init.stddev": "10", "activation": "linear",
                  "depth": "30", "lr": "10"})
    at.button(key="expbtn_step1").click().run()
    assert "Exploded at step 1" in status_text(at, "error")
    line = status_text(at, "markdown")
    assert "(at step 0, the last finite)" in line and "nan" not in line
    caption = status_text(at, "caption")
    assert "‖∂L/∂W‖ now: layer 1" in caption and "nan" not in caption


def test_a_diverging_run_is_caught_and_shown():
    at = run_app({"init": "random_normal", "init.stddev": "1.0", "activation": "relu",
                  "depth": "10", "width": "64", "dataset": "spiral"})
    at.button(key="expbtn_step10").click().run()
    assert not at.exception
    assert "Exploded at step" in status_text(at, "error")


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.key)
def test_every_lesson_preset_runs_in_explore(lesson):
    at = run_app(query.explore_query(query.ExploreLink(lesson.config, lesson.key)))
    assert not at.exception
    # its point first, as the page's heading; its text after the chart it watches
    title = html.escape(lesson.title, quote=False)
    assert any("wri-lesson-head" in m.value and title in m.value for m in at.markdown)
    assert any(lesson.told()[0] in i.value for i in at.info)
    assert "Live check" in status_text(at)
    assert run_of(at).config == lesson.config


def test_lessons_page_opens_a_lesson_in_explore():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/lessons.py").run()
    assert not at.exception
    assert len([b for b in at.button if b.key and b.key.startswith("open_")]) == len(LESSONS)
    at.button(key="open_constant").click().run()
    assert not at.exception
    assert presenter(at).lecture().lesson.key == "constant"
    assert at.session_state["exp_init"] == "constant"
    assert run_of(at).config == BY_KEY["constant"].config
    assert at.query_params["lesson"] == "constant"


def test_a_bare_lesson_link_opens_the_lesson_with_its_settings():
    # ?lesson=key alone is what a teacher types on the projector: the lesson's own network,
    # not the lesson's text above the default one.
    lesson = BY_KEY["too_large_relu"]
    at = run_app({"lesson": lesson.key})
    assert not at.exception and not at.warning
    assert run_of(at).config == lesson.config
    assert at.session_state["exp_activation"] == "relu"
    assert dict(at.query_params) == {"lesson": ["too_large_relu"]} or (
        at.query_params["lesson"] == "too_large_relu" and len(at.query_params) == 1)


@pytest.mark.parametrize("key", ["too_small", "too_large_relu"])
def test_a_lesson_opens_with_the_view_its_text_describes(key):
    """The too-small lesson talks about the back-propagated error's bars, the ReLU one
    about stepping through an explosion: they open showing that."""
    at = run_app({"lesson": key})
    for name, value in BY_KEY[key].view:
        assert at.session_state[f"exp_{name}"] == value
    assert BY_KEY[key].told()[0] in at.info[0].value


def test_a_lesson_link_with_a_change_keeps_the_lesson_and_the_change():
    at = run_app({"lesson": "zeros", "depth": "5"})
    assert run_of(at).config == BY_KEY["zeros"].config.replace(depth=5)
    at.number_input(key="exp_width").set_value(4).run()
    assert at.query_params["lesson"] == "zeros" and at.query_params["width"] == "4"


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


def test_a_network_without_hidden_layers_has_no_hidden_panels_and_no_error():
    at = run_app({"depth": "0"})
    assert not at.exception and not at.error
    assert set(live_specs(at)) == {"network", "boundary", "loss", "flow_bars", "flow_lines",
                                   "flow_heat", "theory", "weights"}
    at.button(key="expbtn_step10").click().run()
    assert not at.exception and step_of(at) == 10


def test_hidden_panels_are_not_drawn_and_the_choice_is_in_the_link():
    at = run_app({"panels": "loss,gradient flow,gradient history"})
    assert sorted(live_specs(at)) == ["flow_bars", "flow_heat", "flow_lines", "loss"]
    at.multiselect(key="exp_panels").set_value(["loss"]).run()
    assert at.query_params["panels"] == "loss" and sorted(live_specs(at)) == ["loss"]


def test_playing_under_apptest_trains_on_the_fragment_timer():
    at = run_app({"depth": "2", "width": "4"})
    at.button(key="expbtn_play").click().run()
    assert presenter(at).playing
    first = step_of(at)
    at.run()
    assert step_of(at) > first


def test_constant_picked_in_explore_starts_at_a_value_that_is_not_zeros():
    at = run_app()
    at.selectbox(key="exp_init").set_value("constant").run()
    assert not at.exception
    assert run_of(at).config.init_params == {"value": 0.5}
    assert at.query_params["init.value"] == "0.5"  # the copied link says so
    keras = run_app({"init": "constant"})  # a link without a value: Keras's 0
    assert run_of(keras).config.init_params == {"value": 0.0}
    assert at.session_state["exp_init:constant.value"] == 0.5


def test_a_lessons_question_is_committed_before_play_and_graded_by_the_run():
    at = run_app({"lesson": "he_relu_30", "ask": "1"})
    assert not at.exception
    assert at.button(key="expbtn_commit").disabled  # nothing picked yet
    at.radio(key="exp_ask_he_relu_30").set_value(0).run()  # "yes": it will learn
    at.button(key="expbtn_commit").click().run()
    assert not at.exception and "Your answer: **yes**" in " ".join(m.value for m in at.markdown)
    assert "Your prediction (not yet)" in status_text(at, "info")
    for _ in range(30):
        at.button(key="expbtn_step10").click().run()
    assert step_of(at) == 300
    assert "Your prediction (right)" in status_text(at, "success")
    assert at.query_params["ask"] == "1" and at.query_params["lesson"] == "he_relu_30"


def test_the_zeros_lesson_draws_its_loss_landscape_when_asked():
    at = run_app({"lesson": "zeros"})
    assert "landscape_line" not in live_specs(at)
    at.button(key="expbtn_step10").click().run()
    at.button(key="expbtn_landscape").click().run()
    assert not at.exception and not at.error
    specs = live_specs(at)
    assert specs["landscape_slice"]["layout"]["yaxis"]["title"]["text"].startswith(
        "symmetry-breaking")
    assert any("Drawn at step 10." in c.value for c in at.caption)
    assert "panels" not in at.query_params  # the lesson's own panels: a short link


def test_the_orthogonal_lesson_shows_every_singular_value_at_one():
    at = run_app({"lesson": "orthogonal_linear"})
    assert not at.exception
    names = [t.get("name", "") for t in live_specs(at)["spectrum"]["data"]]
    assert any(n.startswith("now: 100 % within ×2 of 1") for n in names)
