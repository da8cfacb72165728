"""The charts a page sent through ui/live_chart.py, as AppTest sees them."""

import json


def live_specs(at) -> dict:
    """Each chart of the page as the browser receives it: key -> Plotly JSON, or
    {"keep": version, "key": key} when the browser is to keep the frame it has."""
    specs = {}
    for element in at.get("bidi_component"):
        if element.proto.component_name == "wri_live_chart" and element.proto.json:
            data = json.loads(element.proto.json)
            if isinstance(data, str):  # a chart; the page's first element only preloads
                spec = json.loads(data)
                specs[spec["key"]] = spec
    return specs


def new_frames(frames: list[dict]) -> dict:
    """key -> how many of these runs sent the chart a new frame (not "keep")."""
    return {key: sum("keep" not in f[key] for f in frames) for key in frames[0]}
