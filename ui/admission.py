"""The door of a shared server: a session past the server's cap (``WRI_MAX_SESSIONS``,
serving/admission.py) gets a page saying the server is full, which tries again by itself,
instead of the app."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from serving.admission import ADMISSION

RETRY_S = 20.0
FULL = "The server is full"


def _alive(session_id: str) -> bool:
    return Runtime.exists() and Runtime.instance().is_active_session(session_id)


def admitted() -> bool:
    """Whether this session may use the app (always, outside a served app: AppTest)."""
    ctx = get_script_run_ctx()
    if ctx is None or not Runtime.exists():
        return True
    return ADMISSION.admit(ctx.session_id, _alive)


def full_page() -> None:
    """What a visitor past the cap sees; it asks again every RETRY_S seconds and opens the
    app as soon as a place is free."""
    st.title(FULL, anchor=False)
    st.markdown(
        f"All {ADMISSION.size} places of this server are taken, and one more student would "
        "slow every run down. **Try again in a minute**: this page asks again by itself "
        f"every {RETRY_S:.0f} seconds and opens the app as soon as a classmate closes a tab.")
    st.button("Try again now", icon=":material/refresh:", key="_full_retry")

    def knock():
        if admitted():
            st.rerun(scope="app")

    st.fragment(knock, run_every=RETRY_S)()
