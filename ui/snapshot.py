"""The whole view as one PNG, for a slide: a button (and the p key) that draws the page's
main area as it is on screen, charts and words, into an image the browser downloads.

It is drawn in the browser (components/snapshot.js, with modern-screenshot from static/):
only the browser has the page as laid out, at the viewer's width, theme and fonts, and
every chart's own PNG is a click on its camera already.
"""

from pathlib import Path

import streamlit as st

COMPONENTS = Path(__file__).parent / "components"

_component = st.components.v2.component(
    "wri_snapshot", js=(COMPONENTS / "snapshot.js").read_text(),
    css=(COMPONENTS / "snapshot.css").read_text(), isolate_styles=False)


def button(name: str, key: str) -> None:
    """The button; the file is ``name`` and the time, as PNG."""
    _component(key=key, data={"name": name, "label": "The whole view (PNG)"},
               height="content")
