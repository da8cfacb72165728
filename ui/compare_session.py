"""Compare in a browser tab: the address it opens and writes, the shared settings and the
columns' own from their widgets, the keys, the share link, and a lesson opened here."""

from __future__ import annotations

from dataclasses import replace

from core import budget, compare, config
from core.compare import Comparison
from core.config import RunConfig
from core.lessons import Lesson
from serving.limits import CAPS
from ui import query, session, widgets
from ui.compare_presenter import ComparePresenter

PREFIX = "cmp_"
PAGE = session.PageSession("compare", PREFIX, query.comparison, query.compare_query)


def _column_prefix(i: int) -> str:
    return f"{PREFIX}c{i}_"


def _load(visit: session.Visit, link: query.CompareLink, errors: list) -> dict:
    try:
        budget.check_stack(list(link.comparison.columns), link.comparison.seeds, CAPS)
    except budget.LimitError as err:
        errors.append(f"{err}; seeds set to 1")
        link = replace(link, comparison=replace(link.comparison, seeds=1))
    try:
        if visit.presenter is None:
            visit.presenter = ComparePresenter(link)
        else:
            visit.presenter.use(link.comparison)
    except budget.LimitError as err:
        errors.append(f"{err}; the default comparison was used")
        link = query.CompareLink()
        visit.presenter = visit.presenter or ComparePresenter(link)
        visit.presenter.use(link.comparison)
    visit.presenter.link = link
    c = link.comparison
    # The last valid shared settings, and each column's last valid own ones.
    visit.own.update(shared=c.shared, columns={})
    values = widgets.values(c.shared, PREFIX)
    values.update({PREFIX + "ncols": len(c.columns), PREFIX + "seeds": c.seeds,
                   PREFIX + "band": link.band})
    for i in range(compare.MAX_COLUMNS):
        column = c.columns[i] if i < len(c.columns) else compare.default_column(i, c.shared)
        values.update(widgets.column_values(_column_prefix(i), column, c.shared))
    return values


def enter() -> tuple[ComparePresenter, session.Visit]:
    visit = PAGE.enter(_load)
    visit.presenter.seat = session.tab().seat  # a student's place in a class, if any
    return visit.presenter, visit


def shared_settings(visit: session.Visit, raw: dict) -> tuple[RunConfig, str | None]:
    """The shared settings from the widgets, or the last valid ones and why."""
    try:
        visit.own["shared"] = config.validate(raw)
        return visit.own["shared"], None
    except ValueError as err:
        return visit.own["shared"], str(err)


def column(visit: session.Visit, i: int, shared: RunConfig) -> tuple[RunConfig, str | None]:
    """Column ``i`` from its editor (drawn here), or its last valid settings and why."""
    own = widgets.column_editor(_column_prefix(i), shared)
    try:
        cfg = shared.replace(**own)
        visit.own["columns"][i] = own
        return cfg, None
    except ValueError as err:
        previous = visit.own["columns"].get(i)
        try:
            return (shared.replace(**previous) if previous
                    else compare.default_column(i, shared)), str(err)
        except ValueError:
            return compare.default_column(i, shared), str(err)


def start(presenter: ComparePresenter, shared: RunConfig, columns: list[RunConfig],
          seeds: int) -> str | None:
    """Train this comparison, or keep the one on screen and say why not."""
    try:
        presenter.use(Comparison(shared, columns, seeds))
        return None
    except ValueError as err:
        return str(err)


def fitting_seeds(columns: list[RunConfig], wanted: int) -> int:
    """The most seeds, up to ``wanted``, that this server's caps let ``columns`` train."""
    for seeds in range(wanted, 0, -1):
        try:
            budget.check_stack(columns, seeds, CAPS)
            return seeds
        except budget.LimitError:
            continue
    return 1


def lesson_query(lesson: Lesson) -> dict[str, str]:
    """The address of Compare with a lesson's initializers side by side: the lesson's whole
    network and training in every column (its learning rate and momentum included), and as
    many of its seeds as the server's caps allow."""
    columns = lesson.compare_configs()
    seeds = fitting_seeds(columns, lesson.compared.seeds)
    return query.compare_query(query.CompareLink(Comparison(lesson.config, columns, seeds)))


def leave(presenter: ComparePresenter, visit: session.Visit) -> None:
    PAGE.leave(visit, presenter.link)
