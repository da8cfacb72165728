"""Per-session state: the configuration (from the URL on arrival), and the live run.

Widgets own the configuration once a session has started; the URL is written from it after
every run of a page, so a copied link reproduces the view. Arriving with a URL (a shared
link, or a lesson opened from the Lessons page) loads it into the widgets once.
"""

from __future__ import annotations

import json

import streamlit as st

from core import settings
from core.lessons import BY_KEY as LESSONS
from core.live import LiveRun

PAGE_KEYS = {"lesson"}  # URL parameters that are the page's own, not settings
WIDGET_PREFIX = "cfg_"


def load_url_once(scope: str) -> list[str]:
    """On a session's first visit to a page, copy the
    URL's configuration into the widgets' state; return the messages about bad entries."""
    flag = f"_url_loaded_{scope}"
    if st.session_state.get(flag):
        return st.session_state.get(f"_url_errors_{scope}", [])
    query = st.query_params.to_dict()
    lesson, errors = _lesson(query.get("lesson"))
    if lesson and set(query) <= PAGE_KEYS:
        # A bare ?lesson=key (typed, or a teacher's short link) opens the lesson, as its
        # button on the Lessons page does; a link the app wrote carries its settings.
        cfg = settings.validate(lesson.config)
    else:
        cfg, setting_errors = settings.from_query(query, ignore=PAGE_KEYS)
        errors += setting_errors
    set_widgets(cfg)
    st.session_state[flag] = True
    st.session_state[f"_url_errors_{scope}"] = errors
    st.session_state["lesson"] = lesson.key if lesson else None
    return errors


def _lesson(key):
    if key is None or key in LESSONS:
        return LESSONS.get(key), []
    shown = key if len(key) <= 40 else key[:40] + "…"
    return None, [f"URL parameter lesson={shown!r} is not a lesson; the lessons are "
                  + ", ".join(LESSONS)]


def set_widgets(cfg: dict):
    """Put a configuration into the widgets' state (keys cfg_<setting>, cfg_<init>.<param>)."""
    for name, value in cfg.items():
        if settings.SETTINGS[name].kind is not dict:
            st.session_state[WIDGET_PREFIX + name] = value
    for prefix, group in (("init", "init_params"), ("bias_init", "bias_init_params")):
        for key, value in cfg[group].items():
            st.session_state[f"{WIDGET_PREFIX}{prefix}:{cfg[prefix]}.{key}"] = value
    overrides = cfg["layer_inits"]
    st.session_state[WIDGET_PREFIX + "override"] = bool(overrides)
    if overrides:
        layer, (name, params) = next(iter(overrides.items()))
        st.session_state[WIDGET_PREFIX + "override_layer"] = layer
        st.session_state[WIDGET_PREFIX + "override_init"] = name
        for key, value in params.items():
            st.session_state[f"{WIDGET_PREFIX}override:{name}.{key}"] = value


def write_url(cfg: dict, **page_params):
    query = settings.to_query(cfg)
    if page_params.get("lesson") and not query:
        # A lesson's link with nothing else would reopen the lesson's own settings.
        query["init"] = cfg["init"]
    query.update({k: v for k, v in page_params.items() if v})
    if query != st.query_params.to_dict():
        st.query_params.from_dict(query)


def live_run(cfg: dict, slot: str = "explore") -> LiveRun:
    """The session's run for ``slot``: made on first use, updated when the settings change
    (a learning-rate change keeps it going, anything else starts it again)."""
    key = f"_run_{slot}"
    run = st.session_state.get(key)
    if run is None:
        run = st.session_state[key] = LiveRun(cfg)
    else:
        with run.lock:
            if run.update(cfg):
                st.session_state[f"_playing_{slot}"] = False
    return run


def config_json(cfg: dict) -> str:
    out = dict(cfg)
    out["layer_inits"] = {str(k): [n, p] for k, (n, p) in cfg["layer_inits"].items()}
    return json.dumps(out, indent=2)


def share_link(cfg: dict) -> str:
    from urllib.parse import urlencode
    base = (st.context.url or "").split("?")[0]
    return f"{base}?{urlencode(settings.to_query(cfg))}"
