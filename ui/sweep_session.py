"""Sweep in a browser tab: the address it opens and writes, the widgets that describe the
grid, the rule that says a seed trained."""

from __future__ import annotations

import streamlit as st

from core import config, sweep
from serving.limits import CAPS
from ui import query, session, widgets
from ui.sweep_presenter import SweepPresenter

PREFIX = "swp_"
PAGE = session.PageSession("sweep", PREFIX, query.sweep_link, query.sweep_query)


def _values(link: query.SweepLink) -> dict:
    """The widget values that show a sweep."""
    spec = link.spec
    values = widgets.values(spec.base, PREFIX)
    values.update(widgets.axis_values(PREFIX, "x", spec.x))
    values.update(widgets.axis_values(PREFIX, "y", spec.y))
    values.update({PREFIX + "seeds": spec.seeds, PREFIX + "steps": spec.steps,
                   PREFIX + "trained": link.threshold, PREFIX + "preset": link.preset,
                   PREFIX + "ratio": sweep.PRESETS[link.preset].ratio})
    return values


def _load(visit: session.Visit, link: query.SweepLink, errors: list) -> dict:
    try:
        sweep.cells(link.spec, CAPS)
    except ValueError as err:
        errors.append(f"{err}; the preset was used instead")
        link = query.SweepLink(sweep.PRESETS[link.preset].spec(), link.threshold, link.preset)
    visit.presenter = visit.presenter or SweepPresenter()
    visit.own["link"] = link
    return _values(link)


def enter() -> session.Visit:
    visit = PAGE.enter(_load)
    visit.own.setdefault("link", query.SweepLink())
    return visit


def load_preset() -> None:
    """on_change of the preset picker: the preset's settings and axes into the widgets."""
    key = st.session_state[PREFIX + "preset"]
    threshold = st.session_state.get(PREFIX + "trained", sweep.DEFAULT_THRESHOLD)
    session.set_widgets(_values(query.SweepLink(sweep.PRESETS[key].spec(), threshold, key)))


def spec_from(raw_base: dict, x: tuple[str, str], y: tuple[str, str], seeds: int,
              steps: int) -> tuple[sweep.Spec | None, str | None]:
    """The sweep the widgets describe, checked (settings, axes, caps), or why not."""
    try:
        spec = sweep.Spec(config.validate(raw_base), sweep.parse_axis(*x),
                          sweep.parse_axis(*y), int(seeds), int(steps))
        sweep.cells(spec, CAPS)
        return spec, None
    except ValueError as err:
        return None, str(err)


def show(visit: session.Visit, spec: sweep.Spec, threshold: float, preset: str) -> None:
    """The sweep the page shows (its address says it)."""
    visit.own["link"] = query.SweepLink(spec, threshold, preset)


def rule(spec: sweep.Spec, threshold: float) -> str:
    """The grid's size and the rule that says a seed trained."""
    guess = sweep.baseline_for(spec.base)
    cells = len(spec.x.values) * len(spec.y.values)
    return (f"{cells} cells × {spec.seeds} seeds × {spec.steps} steps. **Rule:** a seed "
            f"*trained* when its final training loss is below {threshold:g} × {guess:.3f} = "
            f"{threshold * guess:.3f}, where {guess:.3f} is the loss of the best constant "
            "guess (ln 2 on two balanced classes). A diverged seed did not train.")


def leave(visit: session.Visit) -> None:
    PAGE.leave(visit, visit.own["link"])
