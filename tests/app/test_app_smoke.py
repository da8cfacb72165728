from streamlit.testing.v1 import AppTest

from tests.e2e.helpers import REPO_ROOT


def test_app_runs_without_exception():
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=30).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Explore: watch a network train from its first weights"]
