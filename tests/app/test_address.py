"""Which address a page takes for news (ui/session.py), when the browser's request and the
server's last write disagree: a request sent before the address the server wrote reached
the browser carries the address it replaced, and must not bring that back."""

from streamlit.testing.v1 import AppTest

from tests.app.live_charts import page, step_of
from tests.e2e.helpers import REPO_ROOT
from ui.catalogue import LESSONS as BY_KEY

APP = str(REPO_ROOT / "app.py")


def run_app(query):
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def presenter(at):
    return page(at, "explore").presenter


def test_play_pressed_before_the_new_address_arrived_plays_the_new_run():
    # CI's flake: zeros played, a new initializer chosen, Play pressed at once on a busy
    # browser. The Play request still carried init=zeros, which loaded the zeros run back
    # (paused, where it was) while the address said init=he_normal.
    at = run_app({"batch_size": "0"})
    at.selectbox(key="exp_init").set_value("zeros").run()
    at.button(key="expbtn_step10").click().run()
    assert at.query_params["init"] == "zeros" and step_of(at) == 10
    at.selectbox(key="exp_init").set_value("he_normal").run()
    assert at.query_params["init"] == "he_normal" and step_of(at) == 0
    at.query_params["init"] = "zeros"  # the browser has not had the new address yet
    at.button(key="expbtn_play").click().run()
    assert not at.exception
    assert presenter(at).run.config.init == "he_normal" and presenter(at).playing
    assert at.selectbox(key="exp_init").value == "he_normal"
    assert at.query_params["init"] == "he_normal"  # written again, for the browser to catch up


def test_an_address_written_over_twice_before_the_browser_caught_up_is_not_news():
    at = run_app({"batch_size": "0", "init": "zeros"})
    at.selectbox(key="exp_init").set_value("he_normal").run()
    at.query_params["init"] = "zeros"  # a second change, sent before the first write arrived
    at.selectbox(key="exp_init").set_value("orthogonal").run()
    assert presenter(at).run.config.init == "orthogonal"
    at.query_params["init"] = "he_normal"  # the first write arrives, then a click
    at.button(key="expbtn_step1").click().run()
    assert presenter(at).run.config.init == "orthogonal" and step_of(at) == 1
    assert at.query_params["init"] == "orthogonal"


def test_a_lesson_opened_again_after_its_settings_were_changed_is_news():
    # The address the server wrote over (the bare lesson) is news again once the browser
    # has moved on: the Lessons page opens the lesson afresh.
    at = run_app({"lesson": "zeros"})
    at.number_input(key="exp_width").set_value(4).run()
    assert at.query_params["width"] == "4"
    at.query_params.clear()  # the sidebar's link to Lessons
    at.switch_page("pages/lessons.py").run()
    at.button(key="open_zeros").click().run()
    assert not at.exception
    assert presenter(at).run.config == BY_KEY["zeros"].config
    assert at.number_input(key="exp_width").value == BY_KEY["zeros"].config.width
