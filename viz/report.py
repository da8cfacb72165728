"""A lesson report: one self-contained HTML file that opens offline, for a student's notes
or a lecturer's slides: the figures as they were (interactive, plotly.js inside the file),
the words on screen, the configuration with its seeds, and the command line that trains
the same run again.
"""

from __future__ import annotations

import html
import json
import re
from datetime import datetime
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio

from viz import transport

STATIC = Path(__file__).resolve().parent.parent / "static"
PLOTLY_JS = STATIC / "plotly-cartesian.min.js"  # the bundle the app itself draws with
TEMPLATES = STATIC / "templates"


def _inline(text: str) -> str:
    """The markdown the app's texts use, **bold** alone, as HTML."""
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(text))


def _figure_json(fig: go.Figure) -> str:
    """The figure as plotly.js takes it, its template written in (the app fetches
    templates by name; a file opened offline cannot)."""
    spec = transport.compact_images(fig).to_plotly_json()
    layout = spec.setdefault("layout", {})
    name = layout.get("template")
    if isinstance(name, str) and (TEMPLATES / f"{name}.json").exists():
        layout["template"] = json.loads((TEMPLATES / f"{name}.json").read_text())
    # "</" would end the <script> the figure sits in.
    return pio.to_json(spec, validate=False).replace("</", "<\\/")


def lesson_report(title: str, paragraphs: list[str], figures: dict[str, go.Figure],
                  settings: dict, command: str, when: datetime | None = None) -> str:
    """The HTML document: ``paragraphs`` (markdown with **bold**), then the figures (each
    titled within; ``figures`` is keyed by a name for the figure's tooltip), then the
    settings (a flat dict) and the command line."""
    when = when or datetime.now()
    rows = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(json.dumps(v))}</td>"
                   "</tr>" for k, v in settings.items())
    charts = "".join(
        f'<figure title="{html.escape(name)}"><div id="fig{i}" class="chart"></div>'
        f'<script type="application/json" id="data{i}">{_figure_json(fig)}</script></figure>'
        for i, (name, fig) in enumerate(figures.items()))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>
body {{ font-family: "Source Sans Pro", system-ui, sans-serif; max-width: 1100px;
       margin: 2rem auto; padding: 0 1rem; color: #262730; line-height: 1.5; }}
figure {{ margin: 1.5rem 0; }}
table {{ border-collapse: collapse; font-size: 0.9rem; }}
th, td {{ text-align: left; padding: 0.2rem 0.8rem; border-bottom: 1px solid #e6e6e6; }}
code {{ display: block; white-space: pre-wrap; background: #f0f2f6; padding: 0.8rem;
        border-radius: 0.4rem; }}
</style>
<script>{PLOTLY_JS.read_text(encoding="utf-8")}</script>
</head><body>
<h1>{html.escape(title)}</h1>
<p style="color:#555">Saved {when:%Y-%m-%d %H:%M} from the weight-initialisation explorer.</p>
{"".join(f"<p>{_inline(p)}</p>" for p in paragraphs)}
{charts}
<h2>The run</h2>
<table>{rows}</table>
<h2>Train it again</h2>
<code>{html.escape(command)}</code>
<script>
document.querySelectorAll("div.chart").forEach((div) => {{
  const spec = JSON.parse(document.getElementById("data" + div.id.slice(3)).textContent);
  Plotly.newPlot(div, spec.data, spec.layout, {{displaylogo: false, responsive: true}});
}});
</script>
</body></html>
"""
