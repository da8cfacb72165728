import pytest
from streamlit.runtime.pages_manager import PagesManager


@pytest.fixture(autouse=True)
def app_py_on_every_run(monkeypatch):
    """Every run through app.py, as the server does (its navigation, the view's mount that
    judges the address, the links). AppTest forgets between runs that the app uses
    st.navigation, and from its second run on runs the page alone, as Streamlit's first
    multipage mode (a folder named pages/) would."""
    init = PagesManager.__init__

    def navigation(self, *args, **kwargs):
        init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", navigation)
