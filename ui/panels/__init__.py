"""Explore's panels: every module of this folder holds one ``PANEL`` (ui/panel.py says what
a panel is), and this registry finds them. Adding a panel is adding a module here.

The panels' names are the one vocabulary of the address's ``panels=``, the lessons'
``watch`` and ``panels``, the questions' ``evidence`` and the lesson report.
"""

from __future__ import annotations

import importlib
import pkgutil

from ui.panel import Panel


def _discover() -> tuple[Panel, ...]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        panel = getattr(module, "PANEL", None)
        if not isinstance(panel, Panel):
            raise TypeError(f"ui/panels/{info.name}.py holds no PANEL: every module here is a "
                            "panel")
        found.append(panel)
    found.sort(key=lambda p: p.order)
    names = [p.name for p in found]
    keys = [c.key for p in found for c in p.charts]
    assert len(set(names)) == len(names), f"two panels share a name: {names}"
    assert len(set(keys)) == len(keys), f"two charts share a key: {keys}"
    return tuple(found)


PANELS = _discover()
NAMES = tuple(p.name for p in PANELS)
BY_NAME = {p.name: p for p in PANELS}
DEFAULT = tuple(p.name for p in PANELS if p.default)
CHART_PANEL = {c.key: p.name for p in PANELS for c in p.charts}  # chart key -> its panel


def shown(names) -> tuple[Panel, ...]:
    """The panels named, in the registry's order."""
    return tuple(p for p in PANELS if p.name in set(names))


def warm(lessons, map_=map) -> None:
    """What the panels work out as the server starts, for the lessons that open them, with
    ``map_`` (the built-in map, or serving/background.py's)."""
    for panel in PANELS:
        if panel.warm is not None:
            panel.warm(lessons, map_)
