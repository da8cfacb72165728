"""Explore in a browser tab: the address it opens (and writes), the widgets' settings it
takes, the keys, the share link."""

from __future__ import annotations

from dataclasses import replace

from core import budget, config
from ui import catalogue, query, session, widgets
from ui.explore_presenter import ExplorePresenter

PREFIX = "exp_"
PAGE = session.PageSession("explore", PREFIX, query.explore, query.explore_query)


def _load(visit: session.Visit, link: query.ExploreLink, errors: list) -> dict:
    try:
        if visit.presenter is None:
            visit.presenter = ExplorePresenter(link)
        else:
            visit.presenter.use(link.config)
    except budget.LimitError as err:  # a link over this server's caps: the defaults instead
        errors.append(f"{err}; the default settings were used")
        link = query.ExploreLink()
        visit.presenter = visit.presenter or ExplorePresenter(link)
        visit.presenter.use(link.config)
    visit.presenter.link = replace(link, config=visit.presenter.config)
    lesson = catalogue.LESSONS.get(link.lesson)
    lesson_view = dict(lesson.view) if lesson else {}
    return {**widgets.values(link.config, PREFIX), PREFIX + "panels": list(link.panels),
            **{PREFIX + name: value for name, value in lesson_view.items()}}


def enter() -> tuple[ExplorePresenter, list[str]]:
    """The tab's presenter and the messages about its link's bad entries."""
    visit = PAGE.enter(_load)
    visit.presenter.seat = session.tab().seat  # a student's place in a class, if any
    return visit.presenter, visit.link_errors


def apply(presenter: ExplorePresenter, raw: dict) -> str | None:
    """Take the widgets' settings; on a bad combination, or one over a server cap, keep
    the run on screen and return the message."""
    try:
        presenter.use(config.validate(raw))
        return None
    except ValueError as err:
        return str(err)


def leave(presenter: ExplorePresenter) -> None:
    PAGE.leave(session.page_state("explore", session.Visit), presenter.link)
