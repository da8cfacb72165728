"""Shared look: a colour-blind-safe palette (Okabe & Ito) with one meaning per colour."""

from __future__ import annotations

import copy
import math
import re

import numpy as np
import plotly.colors
import plotly.graph_objects as go

# Plotly checks every property as a figure is built, and that check costs most of the
# time of a live refresh. The app builds figures unchecked; the tests set VALIDATE so
# that a misspelt property still fails there.
VALIDATE = False

NEGATIVE = "#E69F00"  # orange: class 0, negative weights and values
POSITIVE = "#0072B2"  # blue: class 1, positive weights and values
TRAIN = "#000000"
TEST = "#D55E00"  # vermillion
THEORY = "#CC79A7"  # reddish purple: what the argument predicts
VANISHING = "#56B4E9"  # sky blue
EXPLODING = "#D55E00"
HEALTHY = "#009E73"  # bluish green
DIVERGING = [[0.0, NEGATIVE], [0.5, "#FFFFFF"], [1.0, POSITIVE]]
FONT = dict(family="Source Sans Pro, sans-serif", size=13)


def layer_colours(n: int) -> list[str]:
    """A viridis ramp, input side dark to output side light, one colour per layer."""
    if n <= 1:
        return [plotly.colors.sequential.Viridis[0]]
    return plotly.colors.sample_colorscale("Viridis", [0.9 * i / (n - 1) for i in range(n)])


def layout(title: str, height: int = 300, **extra) -> dict:
    return dict(
        title=dict(text=title, x=0.01, font=dict(size=15)),
        height=height,
        margin=dict(l=65, r=15, t=40, b=40),
        template="plotly_white",
        font=FONT,
        legend=dict(orientation="h", yanchor="top", y=-0.3),  # under the x axis title
        uirevision=title,  # zoom and legend clicks survive live updates
        **extra,
    )


def thin_steps(steps: np.ndarray, max_points: int) -> np.ndarray:
    """The steps to draw: at most max_points, evenly strided, always with the newest."""
    steps = np.unique(steps)
    if len(steps) <= max_points:
        return steps
    idx = np.unique(np.r_[np.linspace(0, len(steps) - 1, max_points).astype(int), len(steps) - 1])
    return steps[idx]


def loss_text(x: float) -> str:
    """A loss for a status line: four decimals, or three significant digits once it has
    grown past them (an exploding run's 6909216290976.0742 reads 6.91e+12)."""
    return f"{x:.4f}" if not np.isfinite(x) or abs(x) < 1e4 else f"{x:.3g}"


def exactly_zero(values) -> bool:
    """Every finite value is exactly 0 (and there is one): a curve a log axis cannot draw,
    which a figure then names instead of leaving blank without a word."""
    v = np.asarray(values, dtype=float)
    finite = v[np.isfinite(v)]
    return bool(finite.size) and bool(np.all(finite == 0))


def line_mode(y, log_y: bool = False) -> str:
    """A curve's mode: with fewer than two points to draw (step 0 before Play, or a run
    that overflowed on its first step) a line would not show at all, so markers."""
    y = np.asarray(y, dtype=float)
    drawable = np.isfinite(y) & (y > 0) if log_y else np.isfinite(y)
    return "lines" if np.count_nonzero(drawable) > 1 else "markers"


def layer_name(layer: int, depth: int) -> str:
    return "output" if layer == depth + 1 else f"layer {layer}"


def layer_axis(labels: list[str], crowded: int = 6, most: int = 16) -> dict:
    """An x axis of layer names that stays legible in a half-width chart: past ``crowded``
    layers the ticks read 1, 2, ... out (hover keeps the full names), and past ``most``
    only every 2nd, 5th, 10th ... layer is labelled, the first and the output always.
    Plotly would rotate crowded labels itself, past the fixed margins (style.figure),
    where they are cut off."""
    if len(labels) <= crowded:
        return dict(tickangle=0)
    every = 1 if len(labels) <= most else next(
        k for k in (2, 5, 10, 20, 50, 100) if -(-len(labels) // k) <= 8)
    last = len(labels) - 1
    # the first, every k-th (2, 4, ... or 5, 10, ...) and the output, none nearer another
    # than the stride: with k = 2, "1" beside "2" or "10" beside "out" would run together
    apart = every if every <= 2 else every - 1
    keep = [0]
    for i in [*range(every - 1, last, every), last]:
        if i == last and last - keep[-1] < apart and keep[-1]:
            keep.pop()  # the output's label wins over a layer's just before it
        if i - keep[-1] >= apart or i == last:
            keep.append(i)
    short = [labels[i].removeprefix("layer ").replace("output", "out") for i in keep]
    return dict(tickangle=0, tickmode="array", tickvals=[labels[i] for i in keep],
                ticktext=short)


MANY_LAYERS = 10  # lines a legend may list before a note on the colours replaces it


def many_layers(n: int, most: int = MANY_LAYERS) -> dict:
    """Layout for a chart with a line per layer: past ``most`` lines a legend crowds out
    the chart, so a note under the x axis says how the colours run instead."""
    if n <= most:
        return {}
    key = note("colour: layer 1 dark → output light; hover a line for its layer", x=0, y=0,
               yanchor="top", yshift=-46, font=dict(size=11, color="#555"))
    return dict(showlegend=False, annotations=[key], margin=dict(l=65, r=15, t=40, b=64))


class Figure:
    """What the builders answer: their plain trace and layout dicts (``spec``), and the
    graph_objects Figure made of them on first use (``plotly``). A live frame is sent from
    the dicts as they are (transport.to_json): building the Figure object, which nothing
    on a live page reads, was a sixth of the CPU of a frame (bench/refresh_cost.py). The
    tests, the report and the projector's restyle read it as a go.Figure: every attribute
    not defined here is the Figure's. Nothing changes a figure once built."""

    def __init__(self, traces: list[dict], layout_: dict):
        self.spec = {"data": traces, "layout": layout_}
        # Checked at once where the tests ask for it (VALIDATE): a misspelt property fails
        # where it was built.
        self._plotly = None
        if VALIDATE:
            self._plotly = self._made(validate=True)

    @property
    def plotly(self) -> go.Figure:
        if self._plotly is None:
            self._plotly = self._made(validate=False)
        return self._plotly

    def _made(self, validate: bool) -> go.Figure:
        # From a copy: making a Figure rearranges the dicts it is given.
        return go.Figure(copy.deepcopy(self.spec), _validate=validate)

    def __getattr__(self, name):  # called only for names not found on this object
        if name.startswith("__") or name in ("spec", "_plotly"):
            raise AttributeError(name)
        return getattr(self.plotly, name)


def figure(traces: list[dict], layout_: dict) -> Figure:
    """A Figure from plain trace dicts (each with its ``type``) and a layout dict.

    Axes get fixed margins (no ``automargin``) unless a builder asks for it: measuring
    tick labels to grow the margins is about a third of the time a browser takes to
    redraw a small live chart, and the margins in ``layout`` already fit the labels.
    """
    used = {"xaxis", "yaxis"} | {f"{t.get(a, a[0])[0]}axis{t.get(a, a[0])[1:]}"
                                 for t in traces for a in ("xaxis", "yaxis")}
    for key in used:
        layout_[key] = {"automargin": False, **layout_.get(key, {})}
    for key, axis in layout_.items():
        # Validation turns title="x" into {"text": "x"}; plotly.js 3 ignores the bare string.
        if key.startswith(("xaxis", "yaxis")) and isinstance(axis.get("title"), str):
            layout_[key] = {**axis, "title": {"text": axis["title"]}}
    room_for_notes(layout_)
    return Figure(traces, layout_)


def room_for_notes(layout_: dict) -> None:
    """Margins grown (never shrunk) to hold every line of the paper notes that stand in
    them: over the plot (``y`` 1, anchored at the bottom) under the title, and under the
    x axis (``y`` 0, anchored at the top, ``yshift`` down). A wrapped note grows into the
    margin; without this its first line ran into the title or off the figure."""
    margin = dict(layout_.get("margin") or dict(l=65, r=15, t=40, b=40))
    title = layout_.get("title") or {}
    title_px = ((title.get("font") or {}).get("size") or 15) * 1.4 if title.get("text") else 0
    for a in layout_.get("annotations") or []:
        if not isinstance(a, dict) or a.get("yref", "paper") != "paper":
            continue
        if lines(a) > 1 and a.get("xanchor") in ("left", "right"):
            a.setdefault("align", a["xanchor"])  # Plotly centres a note's lines otherwise
        tall = lines(a) * note_font(a) * 1.3
        if a.get("y", 0.5) >= 1 and a.get("yanchor") == "bottom":
            need = int(title_px + 8 + a.get("yshift", 0) + tall + 4)
            if need > margin.get("t", 40) and title.get("text"):
                # The title to the figure's top, out of the way of the note's first line
                # (Plotly centres it in the margin).
                layout_["title"] = title = {**title, "yref": "container", "y": 1,
                                            "yanchor": "top", "pad": {"t": 8}}
            margin["t"] = max(margin.get("t", 40), need)
        elif a.get("y", 0.5) <= 0 and a.get("yanchor") == "top":
            margin["b"] = max(margin.get("b", 40), int(-a.get("yshift", 0) + tall + 6))
    layout_["margin"] = margin


# The narrowest a chart is drawn (px): a phone's column, or one of two charts side by side
# beside the sidebar at 1280 px; what a note must fit, since Plotly never wraps one and
# cuts it at the figure's edge ("exactly 0 ...: layer 1, layer 2, la").
NARROW_PX = 330
MARGIN_PX = 80  # a chart's side margins, about (style.layout: 65 + 15)
CHAR_EM = 0.56  # the width of an average character of the app's font, in ems, generously


# Widths of the characters a number is written with, in ems of the app's font (Source Sans):
# a cell of a map holds "0.69" or "1e-12", and counting each as CHAR_EM overstates them.
_EMS = {**{d: 0.51 for d in "0123456789"}, ".": 0.25, ",": 0.25, "-": 0.32, "–": 0.5,
        "e": 0.5, "%": 0.84, " ": 0.23}


def text_em(text: str) -> float:
    """The width of a short text (a number) in ems; CHAR_EM a character it does not know."""
    return sum(_EMS.get(c, CHAR_EM) for c in _TAG.sub("", text))


def fits(font_px: float, share: float = 1.0, width_px: float = NARROW_PX) -> int:
    """Characters of ``font_px`` text that one line of a note may hold in ``share`` of a
    chart ``width_px`` wide."""
    return max(16, int((width_px - MARGIN_PX) * share / (CHAR_EM * font_px)))


def note_share(annotation: dict) -> float:
    """The share of a chart's width a paper-anchored note has, from where it starts to the
    right edge (a centred note has the whole width)."""
    if annotation.get("xanchor") == "center":
        return 1.0
    x = annotation.get("x", 0.5)
    return 1.0 - x if annotation.get("xanchor", "left") == "left" else x


def note_font(annotation: dict) -> float:
    return (annotation.get("font") or {}).get("size") or FONT["size"]


def fitted(annotation: dict, width_px: float = NARROW_PX) -> dict:
    """``annotation`` with its text wrapped to lines that fit its share of a chart
    ``width_px`` wide at its font (in place)."""
    text = annotation.get("text", "")
    most = fits(note_font(annotation), note_share(annotation), width_px)
    if text and any(_shown(line) > most for line in text.split("<br>")):
        annotation["text"] = _wrap(text.replace("<br>", " "), most)
    return annotation


def lines(annotation: dict) -> int:
    return annotation.get("text", "").count("<br>") + 1


def note(text, x=0.01, y=0.98, **extra) -> dict:
    """A paper-anchored annotation, wrapped to fit the narrowest chart (``fitted``)."""
    return fitted(dict(text=text, xref="paper", yref="paper", x=x, y=y, showarrow=False,
                       xanchor="left") | extra)


def below_axis(annotation: dict, margin: dict, axis_px: int = 30) -> dict:
    """``margin`` grown so that a note hung under the x axis (``yshift``) has room for all
    its lines."""
    need = -annotation.get("yshift", 0) + lines(annotation) * note_font(annotation) * 1.3 + 6
    return {**margin, "b": max(margin.get("b", 40), int(need), axis_px)}


def layer_list(layers, depth: int) -> str:
    """Layers named shortly, runs as ranges: "layers 1–29 and output", "layer 2",
    "layers 1, 3 and 5–7": a note listing 30 layers one by one ran off the chart."""
    layers = sorted(int(k) for k in layers)
    out = layers and layers[-1] == depth + 1
    hidden = layers[:-1] if out else layers
    runs, start = [], None
    for i, k in enumerate(hidden):
        start = k if start is None else start
        if i + 1 == len(hidden) or hidden[i + 1] != k + 1:
            runs.append(f"{start}" if start == k else f"{start}–{k}")
            start = None
    parts = runs + (["output"] if out else [])
    if not parts:
        return ""
    word = "layer " if len(hidden) == 1 else "layers " if hidden else ""
    head = ", ".join(parts[:-1])
    return word + (f"{head} and {parts[-1]}" if head else parts[-1])


def colour_scale(z, **colorbar) -> dict:
    """A colour bar whose numbers carry the digits they mean (trace keys: ``colorbar`` and,
    for values that hardly differ, ``zmin``/``zmax``): as many significant digits as tell
    its ticks apart, and over values equal to 6 digits (a loss flat at ln 2, a layer's
    log-gradient that does not move) one tick at the value they share, where Plotly wrote
    ticks such as −0.0679954854807569564."""
    v = np.asarray(z, dtype=float)
    v = v[np.isfinite(v)]
    bar = dict(colorbar)
    if not v.size:
        return dict(colorbar={**bar, "tickformat": ".3~g"})
    lo, hi = float(v.min()), float(v.max())
    mid, spread = (lo + hi) / 2, hi - lo
    scale = max(abs(lo), abs(hi))
    if spread <= 1e-6 * scale or scale == 0:
        pad = max(0.05 * abs(mid), 1e-3)
        return dict(zmin=mid - pad, zmax=mid + pad,
                    colorbar={**bar, "tickvals": [mid], "ticktext": [f"{mid:.4g}"]})
    digits = min(6, max(2, math.ceil(math.log10(scale / spread)) + 2))
    return dict(colorbar={**bar, "tickformat": f".{digits}~g"})


PROJECTOR_FONT = 18  # px: the least a student at the back of a room can read at 1280 px
PROJECTOR_TITLE = 22


def _at_least(node, size):
    """Every font size in a figure's JSON raised to at least ``size`` (in place)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("font") and isinstance(value, dict):
                value["size"] = max(value.get("size") or 0, size)
            _at_least(value, size)
    elif isinstance(node, list):
        for item in node:
            _at_least(item, size)


_TAG = re.compile(r"<[^>]*>")
_SPACE_OUTSIDE_TAGS = re.compile(r" (?![^<]*>)")


def _shown(text: str) -> int:
    """The characters of Plotly's text a reader sees: its tags (<span style=...>) are not."""
    return len(_TAG.sub("", text))


def _wrap(text: str, most: int) -> str:
    """Break a one-line note into lines of at most ``most`` characters shown, at spaces
    outside its tags."""
    lines, line = [], ""
    for word in _SPACE_OUTSIDE_TAGS.split(text):
        if line and _shown(line) + 1 + _shown(word) > most:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "<br>".join([*lines, line])


def log_dtick(span: float, plot_px: float, font: float = PROJECTOR_FONT) -> int:
    """Decades between the labels of a log axis ``span`` decades long on ``plot_px``
    pixels: every decade while they fit, a power of ten with its exponent standing about
    two lines of text high."""
    fit = max(2, int(plot_px // (2.2 * font)))
    return max(1, math.ceil(span / (fit - 1)))


def axis_is_log(axis) -> bool:
    return isinstance(axis, dict) and axis.get("type") == "log"


PROJECTED_PX = 540  # the narrowest chart of the presenter view but its first screen's
KEY_PX = 334  # the presenter view's first screen: its narrower charts at 1280 px


def projected(fig: go.Figure, height: int | None = None, title: str | None = None,
              width_px: float = PROJECTED_PX) -> go.Figure:
    """``fig`` for a classroom projector: every text at least PROJECTOR_FONT px (titles
    PROJECTOR_TITLE), notes wrapped to fit at that size in a chart ``width_px`` wide (the
    narrowest it is drawn there), margins grown to hold the larger ticks and the notes'
    lines, and ``title`` (a shorter one) when given; a new figure, ``fig`` itself is not
    changed."""
    spec = fig.to_plotly_json()
    layout = spec.setdefault("layout", {})
    if title is not None:
        layout["title"] = {**layout.get("title", {}), "text": title}
    layout["font"] = {**layout.get("font", {}), "size": PROJECTOR_FONT}
    _at_least(spec, PROJECTOR_FONT)
    title = layout.get("title")
    if isinstance(title, dict):
        title["font"] = {**title.get("font", {}), "size": PROJECTOR_TITLE}
    for note in layout.get("annotations", []):
        if note.get("xref", "paper") == "paper":
            fitted(note, width_px)
    margin = layout.get("margin", {})
    layout["margin"] = {**margin, "l": margin.get("l", 65) + 20,
                        "b": margin.get("b", 40) + 15, "t": margin.get("t", 40) + 14}
    room_for_notes(layout)
    margin = layout["margin"]
    if height:
        layout["height"] = height
    plot_px = layout.get("height", 300) - margin["t"] - margin["b"]
    for key, axis in layout.items():  # on a log axis spanning decades, only powers of ten
        span = axis.get("range") if key.startswith("yaxis") and isinstance(axis, dict) else None
        if axis_is_log(axis) and span and span[1] - span[0] >= 2:
            axis["dtick"] = log_dtick(span[1] - span[0], plot_px)
    return go.Figure(spec, _validate=False)
