"""How Explore lays its panels out (ui/panels/): a panel with a width beside the next one
that has one, the others across the page; each panel's controls, then its cells side by
side, then its caption. The presenter view puts the panels' key charts first, large.

The charts' frames come from the presenter: a refresh's for the live panels (inside the
live part), ``frames(panel)`` for those drawn on settings or when asked.
"""

from __future__ import annotations

import streamlit as st

from ui import live_chart, panels
from ui.explore_presenter import ExplorePresenter
from ui.panel import Chart, Panel, RunView, Text

KEY_RATIOS = (5, 4, 4)  # the presenter view's first screen: units, gradient bars, loss


def options(prefix: str) -> dict:
    """Every panel option as its widget last left it (the default before it is drawn)."""
    controls = [c for p in panels.PANELS for c in (*p.controls, *(
        ch.control for ch in p.charts if ch.control is not None))]
    return {c.name: st.session_state.get(prefix + c.name, c.default) for c in controls}


def first(presenter: ExplorePresenter) -> tuple[str, ...]:
    """The panels a lesson opened outside the presenter view puts on its first screen,
    right under Play: those it asks to watch, in its order (none without a lesson)."""
    lesson = presenter.lecture().lesson
    return () if presenter.present or lesson is None else tuple(lesson.watch)


def live(presenter: ExplorePresenter, frames: dict, prefix: str, between=lambda: None,
         head=lambda: None, ahead: tuple[str, ...] = ()) -> None:
    """The live panels shown, with this refresh's ``frames``, after ``head()`` (the status
    line) and ``between()`` (the notes): in the presenter view their key charts first,
    then the head and the notes, then the rest; with panels ``ahead`` (a lesson's to
    watch), those first, then the head, the notes and the rest; otherwise the head, the
    notes and the panels."""
    view = presenter.view()
    shown = presenter.drawn("live", view.depth)
    keyed = sorted((p for p in shown if p.key_at is not None), key=lambda p: p.key_at)
    drawn: set = set()
    if presenter.present and keyed:
        head()
        for column, panel in zip(st.columns(KEY_RATIOS[:len(keyed)]), keyed, strict=False):
            with column:
                _place(presenter, panel.charts[0].key, frames)
        shown = tuple(p for p in shown if p not in keyed)
    else:
        lead = [p for name in ahead for p in shown if p.name == name]
        for panel in lead:
            _panel(presenter, panel, view, frames, prefix, drawn)
        shown = tuple(p for p in shown if p not in lead)
        head()
    between()
    _rows(shown, lambda panel: _panel(presenter, panel, view, frames, prefix, drawn))


def static(presenter: ExplorePresenter, prefix: str, only: tuple[str, ...] | None = None,
           skip: tuple[str, ...] = ()) -> None:
    """The panels shown that are drawn on settings or when asked, outside the live part
    (``only`` those named, in that order, or all but those in ``skip``)."""
    view, drawn_controls = presenter.view(), set()
    panels_ = (*presenter.drawn("settings", view.depth), *presenter.drawn("asked", view.depth))
    if only is not None:
        panels_ = tuple(p for name in only for p in panels_ if p.name == name)
    for panel in (p for p in panels_ if p.name not in skip):
        if panel.drawn == "asked":
            drawn = panel.name in view.asked
            st.button("Draw it again now" if drawn else panel.ask_label,
                      on_click=presenter.ask, args=(panel,),
                      key="expbtn_" + panel.name.replace(" ", "_"),
                      icon=":material/draw:", help=panel.ask_help)
            if not drawn:
                st.caption(_caption(panel, view))
                continue
        _panel(presenter, panel, view, presenter.frames(panel), prefix, drawn_controls)


def _rows(shown: tuple[Panel, ...], draw) -> None:
    """Panels with a width two to a row (one left alone keeps its share of the row), the
    others across."""
    pending: list[Panel] = []
    for panel in (*shown, None):
        if panel is not None and panel.width is not None:
            pending.append(panel)
            if len(pending) < 2:
                continue
        if pending:
            widths = [p.width for p in pending] + ([sum(p.width for p in pending)]
                                                   if len(pending) == 1 else [])
            for column, p in zip(st.columns(widths), pending, strict=False):
                with column:
                    draw(p)
            pending = []
        if panel is not None and panel.width is None:
            draw(panel)


def _panel(presenter, panel: Panel, view: RunView, frames: dict, prefix: str,
           drawn: set) -> None:
    """One panel: its controls (each option's widget once: two panels may share one), its
    cells side by side, its caption."""
    for control in panel.controls:
        _control(control, view, prefix, drawn)
    cells = panel.cells
    columns = st.columns(list(panel.ratios or [1] * len(cells))) if len(cells) > 1 else [
        st.container()]
    for column, cell in zip(columns, cells, strict=True):
        with column:
            if isinstance(cell, Text):
                st.markdown(cell.build(view))
            elif isinstance(cell, Chart):
                if cell.control is not None:
                    _control(cell.control, view, prefix, drawn)
                _place(presenter, cell.key, frames)
    caption = _caption(panel, view)
    if caption:
        st.caption(caption)


def _control(control, view: RunView, prefix: str, drawn: set) -> None:
    if control.name in drawn:
        return
    drawn.add(control.name)
    key = prefix + control.name
    st.session_state.setdefault(key, control.default)
    control.draw(key, view)


def _caption(panel: Panel, view: RunView) -> str:
    return panel.caption(view) if callable(panel.caption) else panel.caption


def _place(presenter, key: str, frames: dict) -> None:
    live_chart.place(presenter.board, key, frames.get(key))
