"""Hostile and broken input through the pages (AppTest): garbage links, extreme settings,
settings over the server's caps, and a server whose training slots are all taken.

Every case must leave a working page with a clear message, never an exception or a hang.
"""

import time

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from core import budget, config, initializers
from serving.limits import CAPS, LIMITS
from serving.slots import SLOTS
from tests.app.busy import every_slot_taken
from tests.app.live_charts import page, status_text, step_of
from tests.e2e.helpers import REPO_ROOT
from ui import query as codec

APP = str(REPO_ROOT / "app.py")
PAGE_SECONDS = 30  # far above a normal run (about a second): more means the page froze

GARBAGE = st.one_of(
    st.sampled_from(["nan", "-inf", "inf", "1e309", "-1", "0", "99999999999999999999", "",
                     "3.5", "zeros", "lsuv", "None", "<script>alert(1)</script>", "١٢",
                     "1:zeros;x:ones", "65:he_normal", "1:nope"]),
    st.integers(-10**20, 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=20),
    st.integers(2000, 20000).map(lambda n: "9" * n),  # very long
)
KEYS = st.one_of(
    st.sampled_from([*config.SETTINGS, "init.value", "init.stddev", "init.mode",
                     "bias_init.value", "layer_init", "layer_init.1.value", "lesson",
                     "panels", "present"]),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz_.0123456789", min_size=1, max_size=15),
)


def run_page(query=None, page=None):
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if page:
        at.switch_page(page)
    start = time.perf_counter()
    at.run()
    assert time.perf_counter() - start < PAGE_SECONDS
    return at


def run_of(at):
    return page(at, "explore").presenter.run


def messages(at):
    return [e.value for e in (*at.error, *at.warning)]


def expected_complaints(query):
    """What the page must say about a link: each bad entry, or a refusal by a cap."""
    link, errors = codec.explore(query)
    try:
        budget.check(link.config, CAPS)
    except budget.LimitError as err:
        errors = [*errors, str(err)]
    return errors


@hsettings(max_examples=25, deadline=None,
           suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(query=st.dictionaries(KEYS, GARBAGE, max_size=4))
@example(query={"depth": "nan", "width": "inf", "lr": "-1"})
@example(query={"init": "constant", "init.value": "1e309"})
@example(query={"layer_init": "1:zeros;x:ones;99:nope", "layer_init.1.value": "abc"})
@example(query={"dataset": "plane", "loss": "bce"})
@example(query={"lesson": "x" * 5000, "unknown": "1"})
@example(query={"depth": "64", "width": "512"})
@example(query={"n_samples": "5000"})
def test_garbage_links_give_a_working_explore_page_and_a_message(query):
    at = run_page(query)
    assert not at.exception
    assert step_of(at) == 0  # the page works: a run is on screen
    complaints = expected_complaints(query)
    assert bool(messages(at)) == bool(complaints), (messages(at), complaints)


@hsettings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=st.dictionaries(KEYS, GARBAGE, max_size=4))
def test_garbage_links_leave_the_lessons_page_working(query):
    at = run_page(query, page="pages/lessons.py")
    assert not at.exception
    assert any(b.key and b.key.startswith("open_") for b in at.button)


def test_a_known_bad_link_names_the_setting_and_what_is_allowed():
    at = run_page({"depth": "nan", "optimizer": "magic"})
    text = " ".join(messages(at))
    assert "depth" in text and "from 0 to 64" in text
    assert "optimizer" in text and "sgd" in text


# ------------------------------------------------------------------ extreme but valid

EXTREME = {
    "learning rate 10": {"lr": "10"},
    "64 layers of width 512": {"depth": "64", "width": "512"},
    "constant 100": {"init": "constant", "init.value": "100"},
    "all of them, ReLU": {"init": "constant", "init.value": "100", "lr": "10",
                          "activation": "relu", "depth": "30", "width": "32"},
    "scale 100 on He, 64 layers": {"init": "he_normal", "init_scale": "100",
                                   "activation": "relu", "depth": "64", "width": "32"},
    "lr 10 with Adam on 5000 points": {"lr": "10", "optimizer": "adam", "n_samples": "5000"},
}


def play(at, ticks=3):
    """Press Play, then let the live fragment tick (each rerun runs one tick)."""
    at.button(key="expbtn_play").click()
    for _ in range(ticks):
        start = time.perf_counter()
        at.run()
        assert time.perf_counter() - start < PAGE_SECONDS
        assert not at.exception
    return at


@pytest.mark.parametrize("query", EXTREME.values(), ids=EXTREME.keys())
def test_extreme_settings_run_or_are_refused_and_never_freeze_the_page(query):
    at = play(run_page(query))
    refused = [e for e in messages(at) if "cap of" in e]
    if refused:
        assert "WRI_" in refused[0]  # refused by a server limit, naming the knob
    else:
        assert step_of(at) > 0  # trained (or stopped at a flagged explosion)
        assert run_of(at).config.lr == float(query.get("lr", 0.1))


def test_a_model_over_the_cap_is_refused_with_the_setting_value_and_cap():
    at = run_page({"depth": "64", "width": "512"})
    warnings = [e.value for e in at.warning]
    assert any("depth × width: 64 × 512" in e and "WRI_MAX_DEPTH_X_WIDTH" in e
               for e in warnings)
    assert run_of(at).config.depth == config.DEFAULTS["depth"]


def test_a_widget_change_over_the_cap_keeps_the_previous_run():
    at = run_page({"depth": "8"})
    at.number_input(key="exp_width").set_value(512).run()
    assert not at.exception
    assert any("cap of" in e.value for e in at.error)
    run = run_of(at)
    assert (run.config.depth, run.config.width) == (8, config.DEFAULTS["width"])


def test_a_session_without_a_training_slot_waits_with_a_message():
    at = run_page()
    with every_slot_taken():
        play(at, ticks=2)
        assert f"The server is busy: {SLOTS.size} classmates" in status_text(at, "info")
        assert step_of(at) == 0
    at.run()
    assert step_of(at) > 0 and "busy" not in status_text(at, "info")


def test_a_step_press_without_a_training_slot_waits_with_a_message():
    at = run_page()
    with every_slot_taken():
        at.button(key="expbtn_step10").click().run()
        assert step_of(at) == 0
        assert "The server is busy" in status_text(at, "info")
    at.button(key="expbtn_step10").click().run()
    assert step_of(at) == 10 and "busy" not in status_text(at, "info")


def test_speed_slider_stops_at_the_steps_per_tick_cap():
    at = run_page()
    assert at.slider(key="exp_speed").max == LIMITS.max_steps_per_tick


def test_a_long_initializer_name_is_refused_not_echoed_forever():
    at = run_page({"init": "z" * 100_000})
    assert not at.exception
    assert any("init" in m for m in messages(at))
    assert at.session_state["exp_init"] in initializers.NAMES
