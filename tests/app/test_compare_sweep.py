"""The Compare and Sweep pages under AppTest: defaults, stepping, a tiny sweep, bad links."""

import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.live_charts import live_specs, status, status_text
from tests.e2e.helpers import REPO_ROOT

APP = str(REPO_ROOT / "app.py")


def open_page(page, query=None):
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.switch_page(page)
    return at.run()


def texts(at):
    bars = [p.proto.text for p in at.get("progress")]
    return [m.value for m in (*at.markdown, *at.caption)] + bars + status_text(at).split("\n")


def messages(at):
    return " ".join(e.value for e in (*at.error, *at.warning))


def grads_of(at, column):
    """The per-column caption the browser test reads too."""
    pattern = rf"Column {column} hidden-layer ‖∂L/∂W‖ now \(largest over seeds\): (.*)"
    for text in texts(at):
        found = re.match(pattern, text)
        if found:
            return [float(v) for v in found.group(1).split(" · ")]
    raise AssertionError(f"no gradient caption for column {column}")


def step_of(at):
    found = re.search(r"\*\*Step (\d+)\*\*", " ".join(texts(at)))
    return int(found.group(1))


# ------------------------------------------------------------------ Compare


def test_compare_defaults():
    at = open_page("pages/compare.py")
    assert not at.exception and not at.error and not at.warning
    assert at.title[0].value.startswith("Compare")
    shown = " ".join(texts(at))
    assert "random_normal\u200b(stddev=0.05)" in shown  # a narrow column may break it there
    shown = shown.replace("\u200b", "")
    for name in ("zeros", "random_normal(stddev=0.05)", "glorot_uniform", "he_normal"):
        assert name in shown
    assert grads_of(at, 1) == [0, 0, 0]
    assert all(g > 0 for g in grads_of(at, 4))
    assert at.query_params["c1.init"] == "zeros" and at.query_params["cols"] == "4"
    table = [c for kind, c, _ in status(at)
             if kind == "table"]
    assert len(table) == 1 and len(table[0]["rows"]) == 4


def test_compare_steps_all_columns_together():
    at = open_page("pages/compare.py", {"c1.init": "zeros", "c2.init": "he_normal",
                                        "seeds": "2"})
    assert not at.exception and step_of(at) == 0
    at.button(key="cmpbtn_step10").click().run()
    assert not at.exception and step_of(at) == 10
    assert grads_of(at, 1) == [0, 0, 0] and all(g > 0 for g in grads_of(at, 2))
    assert "2 of 2" in " ".join(texts(at))  # both zeros seeds stay symmetric
    at.button(key="cmpbtn_reset").click().run()
    assert step_of(at) == 0


def test_compare_column_with_its_own_activation_gets_its_own_stack():
    at = open_page("pages/compare.py", {"c1.init": "he_normal", "c2.init": "he_normal",
                                        "c2.activation": "relu", "seeds": "1"})
    assert not at.exception and not at.warning
    assert "2 stacked computations for 2 configurations" in " ".join(texts(at))
    assert at.toggle(key="cmp_c1_own").value is True  # shown as that column's own setting


@pytest.mark.parametrize("query, words", [
    ({"c1.init": "not_an_init"}, ["column 1", "'not_an_init'"]),
    ({"cols": "42", "seeds": "1000"}, ["cols", "2 to 6", "seeds", "1 to 32"]),
    ({"depth": "-3", "lr": "1e9"}, ["depth", "lr", "out of range"]),
    ({"c2.init": "random_normal", "c2.init.stddev": "abc"}, ["column 2", "stddev"]),
    ({"c7.init": "zeros", "band": "wide"}, ["column 7", "band"]),
    ({"%%%": "<script>", "c1.": "x"}, ["'%%%'", "unknown"]),
])
def test_compare_bad_links_give_messages_not_tracebacks(query, words):
    at = open_page("pages/compare.py", query)
    assert not at.exception
    text = messages(at)
    assert all(w in text for w in words), text
    assert grads_of(at, 1)  # the page still trains and shows every panel


def test_compare_refuses_work_over_the_cap_with_a_message():
    at = open_page("pages/compare.py", {"depth": "8", "width": "64", "batch_size": "128",
                                        "n_samples": "1000", "seeds": "32"})
    assert not at.exception
    assert "cap" in messages(at)


# ------------------------------------------------------------------ Sweep

TINY = {"x": "init", "xv": "zeros, he_normal", "y": "depth", "yv": "1, 2", "seeds": "2",
        "steps": "20", "width": "6", "n_samples": "120"}


def test_sweep_defaults():
    at = open_page("pages/sweep.py")
    assert not at.exception and not at.error and not at.warning
    assert at.title[0].value.startswith("Sweep")
    shown = " ".join(texts(at))
    assert "36 cells × 4 seeds × 300 steps" in shown
    assert "below 0.9 × 0.693 = 0.624" in shown  # the trained rule, stated
    assert at.selectbox(key="swp_preset").value == "edge_of_chaos"
    assert at.button(key="swpbtn_cancel").disabled


def test_sweep_runs_and_shows_three_maps_and_downloads():
    at = open_page("pages/sweep.py", TINY)
    assert not at.exception and not at.warning
    at.button(key="swpbtn_run").click().run()
    for _ in range(20):  # each run of the page's timer works a slice; AppTest has no timer
        if "finished" in " ".join(texts(at)) or at.exception:
            break
        at.run()
    assert not at.exception
    assert "4 of 4 cells" in " ".join(texts(at)) and "finished" in " ".join(texts(at))
    charts = live_specs(at)
    ratio = at.session_state["swp_ratio"] if "swp_ratio" in at.session_state else None
    assert sorted(charts) == sorted(["swpfig_final_train_loss", f"swpfig_{ratio}",
                                     "swpfig_trained_fraction"])
    assert all(spec["data"][0]["type"] == "heatmap" for spec in charts.values())
    assert len(at.get("download_button")) == 2


def test_preset_loads_its_axes():
    at = open_page("pages/sweep.py")
    at.selectbox(key="swp_preset").set_value("relu_stall").run()
    assert not at.exception
    assert at.selectbox(key="swp_x_axis").value == "init"
    assert "he_normal" in at.text_input(key="swp_x_values").value
    assert at.query_params["preset"] == "relu_stall"


@pytest.mark.parametrize("query, words", [
    ({"preset": "chaos!"}, ["preset", "'chaos!'"]),
    ({"x": "depth", "xv": "1, two"}, ["axis x", "'two'"]),
    ({"x": "color", "xv": "1"}, ["axis x", "'color'"]),
    ({"seeds": "0", "steps": "999999"}, ["seeds", "steps"]),
    ({"trained": "nan"}, ["trained"]),
    ({"init": "made_up"}, ["init", "'made_up'"]),
    ({"x": "width", "xv": "512", "y": "depth", "yv": "64"}, ["cap"]),
])
def test_sweep_bad_links_give_messages_not_tracebacks(query, words):
    at = open_page("pages/sweep.py", query)
    assert not at.exception
    text = messages(at)
    assert all(w in text for w in words), text
    assert not at.button(key="swpbtn_run").disabled  # the page falls back to a valid sweep


def test_sweep_bad_axis_typed_in_is_an_error_and_run_is_disabled():
    at = open_page("pages/sweep.py")
    at.text_input(key="swp_x_values").set_value("0.5, 200").run()
    assert not at.exception
    assert "init_scale" in messages(at) and "out of range" in messages(at)
    assert at.button(key="swpbtn_run").disabled


def test_compare_charts_update_in_place():
    at = open_page("pages/compare.py", TINY)
    keys = ["cmpfig_loss", "cmpfig_box", "cmpfig_grads", "cmpfig_distinct", "cmpfig_thumbs"]
    assert sorted(live_specs(at)) == sorted(keys)
    assert not at.get("plotly_chart")


def test_compare_keeps_its_comparison_and_run_across_a_visit_to_another_page():
    at = open_page("pages/compare.py", {"c1.init": "zeros", "c2.init": "he_normal",
                                        "seeds": "2"})
    at.button(key="cmpbtn_step10").click().run()
    at.switch_page("pages/sweep.py").run()
    at.query_params.clear()  # the sidebar drops the address's query on a page change
    at.switch_page("pages/compare.py").run()
    assert not at.exception and step_of(at) == 10
    assert at.query_params["c2.init"] == "he_normal" and at.query_params["seeds"] == "2"


def test_a_lesson_that_compares_initializers_opens_them_in_compare_with_its_settings():
    """Open in Compare carries the lesson's whole network and training (its learning rate:
    with Compare's default one He's 30-layer net diverged) and as many of its seeds as the
    server's caps allow; both columns then train without diverging."""
    from ui import compare_session
    from ui.catalogue import LESSONS

    lesson = LESSONS["he_relu_30"]
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/lessons.py").run()
    at.button(key="compare_he_relu_30").click().run()
    assert not at.exception and not at.error
    presenter = at.session_state["_tab"].pages["compare"].presenter
    comparison = presenter.link.comparison
    assert [c.init for c in comparison.columns] == ["glorot_normal", "he_normal"]
    assert all(c.replace(init=lesson.config.init, init_params={}) == lesson.config
               for c in comparison.columns)
    assert comparison.seeds == compare_session.fitting_seeds(list(comparison.columns),
                                                             lesson.compared.seeds) >= 2
    presenter.step(500)
    assert all(presenter.run.status(i)["diverged"] == 0 for i in range(2))


def test_a_settings_change_while_playing_pauses_and_the_button_says_play():
    """A change that starts a new run (hidden layers) pauses it at step 0, and the button
    drawn above the settings says Play at once (it used to stay on Pause, frozen)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/compare.py")
    at.run()
    at.button(key="cmpbtn_play").click().run()
    presenter = at.session_state["_tab"].pages["compare"].presenter
    assert presenter.playing and at.button(key="cmpbtn_play").label == "Pause"
    at.number_input(key="cmp_depth").set_value(5).run()
    assert not at.exception
    assert not presenter.playing and presenter.run.step == 0
    assert at.button(key="cmpbtn_play").label == "Play"
