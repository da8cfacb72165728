"""A Plotly chart that updates in place, for figures redrawn several times a second.

``st.plotly_chart`` folds the whole figure into the element's identity, so every new frame
of a live chart is a new element: the browser throws the old chart away and builds another
from nothing (a fresh ``Plotly.newPlot``, DOM and all). With a dozen charts refreshed five
times a second, that rebuilding alone kept a browser's main thread saturated at about one
refresh a second. This component keeps one element per ``key`` and hands each new frame to
``Plotly.react``, which changes only what changed.

plotly.js is the "cartesian" partial bundle of the same version the plotly Python package
carries (every trace type the app draws: scatter, bar, box, heatmap, contour, image), kept in
``ui/assets``: 1.5 MB, where the package's full bundle is 4.6 MB and takes a browser about two
seconds to evaluate before the first chart can appear. Streamlit's route for component files
serves it; it loads once per page and the browser caches it. Named templates ("plotly_white")
are fetched from there too, once ("plotly_dark" in place of "plotly_white" when the
viewer's Streamlit theme is dark). tests/unit/test_live_chart.py checks that both match the
installed plotly package, so an upgrade of plotly cannot leave them behind.
"""

from __future__ import annotations

import json
from pathlib import Path

import plotly.io as pio
import streamlit as st
import streamlit.components.v1 as components_v1
from streamlit import config
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from viz import transport

ASSETS = Path(__file__).parent / "assets"  # the plotly.js bundle, templates/
PLOTLY_JS = "plotly-cartesian.min.js"
_ASSET_NAME = "plotly_assets"  # served at component/ui.live_chart.plotly_assets/<file>
CONFIG = {"displaylogo": False, "displayModeBar": False, "responsive": True}

_JS = """
const BASE = "component/ui.live_chart.ASSETS/";
const url = (file) => new URL(BASE + file, document.baseURI).href;

function plotlyJs() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__wriPlotly) {
    window.__wriPlotly = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = url("PLOTLY_JS");
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => {
        window.__wriPlotly = null;  // the next chart tries again
        reject(new Error("plotly.js did not load"));
      };
      document.head.appendChild(script);
    });
  }
  return window.__wriPlotly;
}

const templates = (window.__wriTemplates = window.__wriTemplates || {});
function template(name) {
  if (!templates[name]) {
    // Without its template a chart still draws, only plainer.
    templates[name] = fetch(url("templates/" + name + ".json"))
      .then((r) => (r.ok ? r.json() : {})).catch(() => ({}));
  }
  return templates[name];
}

// The viewer's theme, from Streamlit's background colour (a --st-* variable on every
// component): the figures are built for a white page.
function darkTheme(div) {
  const hex = getComputedStyle(div).getPropertyValue("--st-background-color").trim();
  const rgb = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/i.exec(hex);
  if (!rgb) return false;
  const [r, g, b] = rgb.slice(1).map((h) => parseInt(h, 16));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 128;
}

// On a dark page: Plotly's dark template on the page's own background, and the black and
// dark greys chosen to read on white (the train line, notes) turned light. Any other dark
// line or marker colour (the first layers' end of the viridis ramp) is mixed with just
// enough white to reach DARKEST, keeping its hue: the ramp still runs dark to light.
const LIGHTER = { "#000000": "#e8e8e8", "#333": "#ccc", "#555": "#bbb", "#555555": "#bbb" };
const DARKEST = 0.35;  // luminance (0 to 1) below which a colour is lifted
function lifted(colour) {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour);
  const rgb = /^rgb\\((\\d+),\\s*(\\d+),\\s*(\\d+)\\)$/.exec(colour);
  const c = hex ? hex.slice(1).map((h) => parseInt(h, 16)) : rgb && rgb.slice(1).map(Number);
  if (!c) return colour;
  const luminance = (0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]) / 255;
  if (luminance >= DARKEST) return colour;
  const t = (DARKEST - luminance) / (1 - luminance);  // just enough white to reach DARKEST
  return "rgb(" + c.map((v) => Math.round(v + (255 - v) * t)).join(",") + ")";
}
function forDark(figure) {
  const layout = figure.layout;
  layout.template = "plotly_dark";
  layout.paper_bgcolor = layout.plot_bgcolor = "rgba(0,0,0,0)";
  const lighten = (style, lift) => {
    if (style && typeof style.color === "string") {
      style.color = LIGHTER[style.color] || (lift ? lifted(style.color) : style.color);
    }
  };
  // Notes keep their own colours: a number inside a heatmap cell is chosen for its cell.
  (layout.annotations || []).forEach((note) => lighten(note.font, false));
  (figure.data || []).forEach((trace) => {
    lighten(trace.line, true);
    lighten(trace.marker, true);
  });
}

// One first draw at a time, each in a task of its own: the browser paints the first chart
// between two draws instead of after a dozen of them.
function inTurn(work) {
  const turn = (window.__wriTurn || Promise.resolve())
    .then(() => new Promise((resolve) => setTimeout(resolve, 0)))
    .then(work);
  window.__wriTurn = turn.catch(() => {});
  return turn;
}

// Draws the newest frame waiting for ``div``, if the chart is on screen (or near it): a
// chart scrolled out of view costs nothing until it comes back, with its latest frame.
async function pump(div) {
  if (div.__drawing || !div.__next || !div.__visible) return;
  div.__drawing = true;
  try {
    const Plotly = await plotlyJs();
    const draw = async () => {
      const next = div.__next;  // the newest frame by the time the draw starts
      div.__next = null;
      if (!next) return;
      div.__version = next.version;
      if (typeof next.layout.template === "string") {
        if (next.layout.template === "plotly_white" && darkTheme(div)) forDark(next);
        next.layout.template = await template(next.layout.template);
      }
      const start = performance.now();
      await Plotly.react(div, next.data, next.layout, next.config);
      // Per chart: frames drawn and milliseconds spent drawing (read by bench/).
      const tally = (window.__wriDraws = window.__wriDraws || {});
      const t = (tally[next.key] = tally[next.key] || [0, 0]);
      t[0] += 1; t[1] += performance.now() - start;
    };
    // First draws take turns, so the first chart shows before the last is built; later
    // frames draw at once (a queue would hold the light charts behind the heavy ones).
    while (div.__next && div.__visible) await (div._fullLayout ? draw() : inTurn(draw));
  } finally {
    div.__drawing = false;
  }
}

export default function ({ parentElement, data }) {
  const spec = typeof data === "string" ? JSON.parse(data) : data;
  if (spec.keep !== undefined) return;  // the chart already shows this frame
  if (spec.preload) {  // a page's first element: start fetching while the page builds
    plotlyJs();
    spec.preload.forEach(template);
    return;
  }
  let div = parentElement.querySelector(":scope > .wri-live-chart");
  if (!div) {
    div = document.createElement("div");
    div.className = "wri-live-chart";
    parentElement.appendChild(div);
    // Frames come from the page's runs and, while a run plays, from the page's live feed
    // (ui/feed.py), which finds the chart here by key. Versions count up in both: an
    // older frame arriving late is dropped.
    div.__feed = (frame) => {
      if (frame.version < (div.__next || { version: div.__version ?? -1 }).version) return;
      div.__next = frame;  // frames can come faster than a busy browser draws: keep the newest
      pump(div);
    };
    new IntersectionObserver((entries) => {
      div.__visible = entries[entries.length - 1].isIntersecting;
      pump(div);
    }, { rootMargin: "300px" }).observe(div);
    // Columns change width without a window resize (the sidebar opening, say).
    new ResizeObserver(() => {
      if (div._fullLayout && div.offsetWidth) window.Plotly.Plots.resize(div).catch(() => {});
    }).observe(div);
  }
  (window.__wriCharts = window.__wriCharts || {})[spec.key] = div;
  // A fixed box that contains its own layout: Plotly measures text as it draws, and each
  // measurement would otherwise lay out the whole page again.
  div.style.height = (spec.layout.height || 300) + "px";
  div.style.contain = "strict";
  div.__feed(spec);
}
""".replace("ASSETS", _ASSET_NAME).replace("PLOTLY_JS", PLOTLY_JS)

_component = st.components.v2.component("wri_live_chart", js=_JS, isolate_styles=False)


class Board:
    """What a session's live charts last sent the browser, and each page's refresh count.

    Plain Python, kept in session state, so that a page's live feed (ui/feed.py), which
    answers outside any script run, numbers refreshes and versions frames in the same
    sequence as the page's own runs.
    """

    def __init__(self):
        self.specs = {}  # key -> (inputs, last spec sent, its version, the refresh that drew it)
        self.phases = {}  # key -> (every, phase): the frames (mod every) it draws on
        self.frames = {}  # scope -> the number of the page's current refresh, or None

    def next_frame(self, scope: str, timer: bool, news: bool = True) -> int | None:
        """Number this refresh of page ``scope``: ``timer`` says it is a playing page's
        timed refresh (not a whole run of the page, which makes every chart due);
        ``news`` False keeps the last number (the tick trained nothing)."""
        last = self.frames.get(scope)
        if not timer:
            self.frames[scope] = None
        elif news or last is None:
            self.frames[scope] = (last or 0) + 1
        return self.frames[scope]

    def due(self, key: str, every: int = 1, frame: int | None = None, inputs=()) -> bool:
        last = self.specs.get(key)
        return is_due(every, frame, self._phase(key, every), inputs,
                      *(last[0], last[3]) if last else ())

    def frame(self, key: str, build, every: int = 1, frame: int | None = None,
              inputs=()) -> str | None:
        """A new frame of chart ``key`` from ``build()`` (Plotly JSON) when it is due, else
        None: the browser keeps the one it has."""
        if not self.due(key, every, frame, inputs):
            return None
        version = self.specs[key][2] + 1 if key in self.specs else 0
        spec = _spec(build(), key, version)
        self.specs[key] = (inputs, spec, version, frame)
        return spec

    def keep(self, key: str) -> str:
        # The browser already has this frame: a few bytes say "keep it" instead of the
        # whole figure again (up to 100 kB a chart, five times a second, per student).
        return json.dumps({"keep": self.specs[key][2], "key": key})

    def _phase(self, key: str, every: int) -> int:
        """Dealt in turn among the charts of the same ``every``, in the order they first
        ask."""
        if self.phases.get(key, (None,))[0] != every:
            self.phases[key] = (every, sum(1 for e, _ in self.phases.values() if e == every)
                                % every)
        return self.phases[key][1]


def board() -> Board:
    """The session's board."""
    return st.session_state.setdefault("_live_chart_board", Board())


def next_frame(scope: str, playing: bool, news: bool = True) -> int | None:
    """Number this refresh of a playing page (``scope`` names the page); None when it is
    not playing, or when the whole page runs (a widget changed, the page was opened, a
    panel shown), which makes every chart due: only a playing page's own timer, which
    reruns just its fragment, spreads the heavy charts out.

    ``news`` False (the tick trained nothing: every training slot was taken) keeps the
    number of the last refresh, whose charts are all drawn already: a refresh that brings
    nothing new costs the server no figures and the browser no redraws.
    """
    return board().next_frame(scope, playing and timed_run(), news)


def timed_run() -> bool:
    """Whether this script run is a fragment's own rerun (a playing page's timer)."""
    if config.get_option("global.appTest"):
        return True  # AppTest cannot rerun a fragment alone: its runs stand in for them
    ctx = get_script_run_ctx()
    return ctx is not None and bool(ctx.fragment_ids_this_run)


def frame_of(scope: str) -> int | None:
    """The number ``next_frame`` gave this page's current refresh."""
    return board().frames.get(scope)


def due(key: str, every: int = 1, frame: int | None = None, inputs=()) -> bool:
    """Whether chart ``key`` gets a new frame now.

    ``frame`` counts the refreshes of a playing run; None (paused, or a widget changed)
    means every chart is due. While playing, a chart with ``every=k`` redraws on one
    refresh in k, and charts with the same k take turns (dealt phases in the order they
    are first drawn), so heavy panels share out the browser's time instead of all landing
    on one refresh. A chart that missed its turn (off screen, so the feed did not build
    it) is due at the next refresh. A change of ``inputs`` (the chart's own settings)
    makes it due at once.
    """
    return board().due(key, every, frame, inputs)


def is_due(every: int, frame: int | None, phase: int, inputs, last_inputs=None,
           last_frame: int | None = None) -> bool:
    """``due`` without session state: ``last_inputs`` is None when nothing was drawn yet;
    ``last_frame`` is the refresh that drew the chart's current frame."""
    if frame is None or last_inputs is None or last_inputs != inputs:
        return True
    if frame == last_frame:
        return False
    missed = last_frame is not None and frame - last_frame > every
    return missed or frame % every == phase % every


def preload(templates=("plotly_white",)) -> None:
    """Start loading plotly.js and the templates as the page starts, so that they are
    ready by the time the first chart's data arrives: the charts are the slowest part of
    a page to appear. Draws nothing."""
    _serve_assets()
    _component(key="_live_chart_preload", data={"preload": list(templates)}, height=0)


def draw(key: str, build, every: int = 1, frame: int | None = None, inputs=()) -> None:
    """Show chart ``key``: a new frame from ``build()`` when it is due, else a note to keep
    the frame the browser already has."""
    place(key, board().frame(key, build, every, frame, inputs))


def place(key: str, spec: str | None = None) -> None:
    """Show chart ``key`` with the frame ``spec`` (Board.frame's), or, for None, keep the
    frame the browser already has."""
    _serve_assets()
    _component(key=key, data=spec or board().keep(key), height="content")


def _serve_assets():
    # Registering the asset route is a dictionary entry; doing it on every call keeps it
    # present in every runtime (AppTest starts a new one per test).
    components_v1.declare_component(_ASSET_NAME, path=str(ASSETS))


def _spec(fig, key: str, version: int) -> str:
    fig = transport.compact_images(fig)
    return pio.to_json({**fig.to_plotly_json(), "config": CONFIG, "key": key,
                        "version": version}, validate=False)
