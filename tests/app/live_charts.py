"""What a page sent its browser components, as AppTest sees them: the live charts
(ui/live_chart.py) and the status line (ui/live.py)."""

import json


def _components(at, name):
    for element in at.get("bidi_component"):
        if element.proto.component_name == name and element.proto.json:
            data = json.loads(element.proto.json)
            yield json.loads(data) if isinstance(data, str) else data


def live_specs(at) -> dict:
    """Each chart of the page as the browser receives it: key -> Plotly JSON, or
    {"keep": version, "key": key} when the browser is to keep the frame it has."""
    return {spec["key"]: spec for spec in _components(at, "wri_live_chart")
            if "key" in spec}  # the page's first element only preloads


def new_frames(frames: list[dict]) -> dict:
    """key -> how many of these runs sent the chart a new frame (not "keep")."""
    return {key: sum("keep" not in f[key] for f in frames) for key in frames[0]}


def status(at) -> list:
    """The status line's parts [kind, content, extra] (ui/components/feed.js draws them),
    columns flattened into the list."""
    parts = []

    def add(items):
        for kind, content, extra in items:
            if kind == "columns":
                for column in content:
                    add(column)
            else:
                parts.append([kind, content, extra])

    for data in _components(at, "wri_status"):  # one component per place: head, notes
        add(data["status"][data["place"]])
    return parts


def status_text(at, *kinds) -> str:
    """The status line's text, of the parts of ``kinds`` (all of them when none given)."""
    return "\n".join(str(content) for kind, content, _ in status(at)
                     if not kinds or kind in kinds)


def page(at, name):
    """The state a page keeps in the session's tab (ui/session.py)."""
    return at.session_state["_tab"].pages[name]


def step_of(at) -> int | None:
    import re
    found = re.search(r"\*\*Step (\d+)\*\*", status_text(at, "markdown"))
    return int(found.group(1)) if found else None
