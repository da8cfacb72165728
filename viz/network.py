"""The network drawn as a graph: every unit's output over the input plane as a thumbnail
(the TensorFlow Playground's picture), links coloured by sign and sized by weight."""

from __future__ import annotations

import numpy as np

from viz import style
from viz.transport import png

THUMB = 0.8  # thumbnail side in column units
LINK_BUCKETS = 4


def _columns(snapshot, max_layers, max_units):
    axis = snapshot["grid_axis"]
    gx, gy = np.meshgrid(axis, axis)
    cols = [("input", [gx, gy], ["x₁", "x₂"])]
    maps = snapshot["unit_maps"][:max_layers]
    for layer, unit_maps in enumerate(maps, 1):
        cols.append((f"layer {layer}", list(unit_maps[:max_units]), None))
    cols.append(("output", [snapshot["output_map"]], None))
    return cols


_RGB = {name: np.array([int(c[i:i + 2], 16) for i in (1, 3, 5)], float)
        for name, c in (("neg", style.NEGATIVE), ("pos", style.POSITIVE), ("white", "#FFFFFF"),
                        ("frame", "#999999"))}


def diverging_rgb(values, lo, hi):
    """Orange (lo) through white (middle) to blue (hi), as uint8 RGB; NaN shows white."""
    values = np.asarray(values, float)
    # Non-finite values (a network on the way to diverging) show white, not garbage.
    centred = np.where(np.isfinite(values), values, (lo + hi) / 2)
    t = np.clip((centred - lo) / max(hi - lo, 1e-300), 0, 1)
    t = t[..., None]
    low = _RGB["neg"] + (_RGB["white"] - _RGB["neg"]) * np.minimum(2 * t, 1)
    high = _RGB["white"] + (_RGB["pos"] - _RGB["white"]) * np.maximum(2 * t - 1, 0)
    return np.where(t < 0.5, low, high).astype(np.uint8)


def _canvas(cols, g, x_of, y_of, n_rows, scale, out_range):
    """Every thumbnail painted, framed, into one RGBA array placed in data coordinates.

    Between thumbnails it is transparent, so the diagram sits on the page's own background
    in a dark theme as in a light one."""
    px = THUMB / g
    x0 = x_of(0) - THUMB / 2 - px  # a pixel of margin, so frames never wrap round
    y_top = max(y_of(c, 0) for c in range(len(cols))) + THUMB / 2 + px
    width = int(round((x_of(len(cols) - 1) + THUMB / 2 - x0) / px)) + 2
    height = int(round((y_top - (min(y_of(c, len(m) - 1) for c, (_, m, _) in
                                     enumerate(cols)) - THUMB / 2)) / px)) + 2
    image = np.zeros((height, width, 4), np.uint8)
    for c, (label, maps, names) in enumerate(cols):
        lo, hi = (-scale, scale) if label != "output" or out_range is None else out_range
        if names is not None:  # the inputs span the plane's own range
            lo, hi = -float(np.abs(maps[0]).max()), float(np.abs(maps[0]).max())
        for i, z in enumerate(maps):
            left = int(round((x_of(c) - THUMB / 2 - x0) / px))
            top = int(round((y_top - (y_of(c, i) + THUMB / 2)) / px))
            # Rows of the map run from low x2 to high x2; images run top to bottom.
            image[top:top + g, left:left + g, :3] = diverging_rgb(np.asarray(z)[::-1], lo, hi)
            image[top:top + g, left:left + g, 3] = 255
            frame = np.append(_RGB["frame"], 255).astype(np.uint8)
            image[top - 1, left - 1:left + g + 1] = frame
            image[top + g, left - 1:left + g + 1] = frame
            image[top - 1:top + g + 1, left - 1] = frame
            image[top - 1:top + g + 1, left + g] = frame
    return image, x0 + px / 2, y_top - px / 2, px


def _links(Ws, cols, x_of, y_of):
    """Line segments between shown units, bucketed by sign and |w| so that a handful of
    traces carries every link. Where hidden layers are left out, no links are drawn
    into the output: they would stand for weights that do not exist."""
    segs = {}
    n_cols = len(cols)
    for c in range(n_cols - 1):
        if c == n_cols - 2 and n_cols - 2 < len(Ws) - 1:
            continue
        W = Ws[-1] if c == n_cols - 2 else Ws[c]
        n_from, n_to = len(cols[c][1]), len(cols[c + 1][1])
        sub = W[:n_from, :n_to]
        top = np.abs(sub).max() if sub.size else 0.0
        for i in range(n_from):
            for j in range(n_to):
                w = sub[i, j]
                if top == 0 or w == 0:
                    continue
                bucket = min(LINK_BUCKETS - 1, int(LINK_BUCKETS * abs(w) / top))
                key = (w > 0, bucket)
                segs.setdefault(key, ([], []))
                xs, ys = segs[key]
                xs += [x_of(c) + THUMB / 2, x_of(c + 1) - THUMB / 2, None]
                ys += [y_of(c, i), y_of(c + 1, j), None]
    traces = []
    for (positive, bucket), (xs, ys) in sorted(segs.items()):
        traces.append(dict(
            type="scatter", x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False,
            line=dict(color=style.POSITIVE if positive else style.NEGATIVE,
                      width=0.5 + 2.5 * bucket / (LINK_BUCKETS - 1)),
            opacity=0.35 + 0.15 * bucket,
        ))
    return traces


def network_figure(snapshot, depth, width, max_layers=6, max_units=8, height=None,
                   short_labels=False):
    """One figure: input, up to ``max_layers`` hidden layers of up to ``max_units`` units,
    and the output, each as a heatmap thumbnail over the input plane. ``short_labels``
    names the columns "in", "1", "2"… "out", for large text in a narrow panel."""
    cols = _columns(snapshot, max_layers, max_units)
    n_rows = max(len(maps) for _, maps, _ in cols)
    gap = 1.0 / 0.6  # column spacing relative to thumbnails, leaving room for links

    def x_of(c):
        return c * gap

    def y_of(c, i):
        n = len(cols[c][1])
        return (n_rows - 1) / 2 - (i - (n - 1) / 2)

    height = height or 70 + 62 * n_rows
    hidden = [m for _, maps, _ in cols[1:-1] for m in maps]
    finite = [np.abs(m[np.isfinite(m)]) for m in hidden]
    scale = max([float(f.max()) for f in finite if f.size] + [1e-12])
    g = len(snapshot["grid_axis"])
    out_range = (0.0, 1.0) if snapshot["classification"] else None
    image, x0, y_top, px = _canvas(cols, g, x_of, y_of, n_rows, scale, out_range)
    # One image for all thumbnails: a browser redraws it far faster than dozens of
    # heatmap traces, which is what kept refreshes below one a second.
    # Image rows run downwards; this y axis runs upwards, so the rows go in bottom first.
    traces = [dict(type="image", z=image[::-1], colormodel="rgba", zmax=[255, 255, 255, 255],
                   x0=x0, dx=px,
                   y0=y_top - (image.shape[0] - 1) * px, dy=px, hoverinfo="skip")]
    traces += _links(snapshot["weights"], cols, x_of, y_of)
    notes = []
    for c, (label, _maps, _) in enumerate(cols):
        if short_labels:
            label = {"input": "in", "output": "out"}.get(label, label.removeprefix("layer "))
        notes.append(dict(x=x_of(c), y=n_rows - 0.35, text=label, showarrow=False,
                          font=dict(size=12)))
    shown_layers = len(cols) - 2
    caption = []
    if depth > shown_layers:
        caption.append(f"showing hidden layers 1–{shown_layers} of {depth}, then the output")
    if width > max_units and depth:
        caption.append(f"{max_units} of {width} units per layer")
    if caption:
        notes.append(dict(x=0, y=-0.45, xanchor="left", yanchor="top", text="; ".join(caption),
                          showarrow=False, font=dict(size=12, color="#555")))
    # Under the bottom row, room for the caption: one line, or two of large text wrapped.
    bottom = -1.8 if short_labels and caption else -1.0
    centres = [[[x_of(c), y_of(c, i)] for i in range(len(maps))]
               for c, (_, maps, _) in enumerate(cols)]
    return style.figure(traces, style.layout(
        "Network: each unit's output over the input plane", height,
        meta=dict(centres=centres, y_top=y_top),
        annotations=notes,
        xaxis=dict(visible=False, range=[-gap / 2, x_of(len(cols) - 1) + gap / 2]),
        yaxis=dict(visible=False, range=[bottom, n_rows], scaleanchor="x", autorange=False),
    ) | dict(margin=dict(l=5, r=5, t=40, b=5)))


def unit_centre(fig, column, unit):
    """Where a unit's thumbnail is drawn (column 0 is the input): (x, y) in data units."""
    return tuple(fig.layout.meta["centres"][column][unit])


def ramp_icon(size: int = 32) -> bytes:
    """The app's tab icon as a PNG: a diagonal orange-to-blue ramp, like a unit's thumbnail.
    Drawn here, not fetched: a classroom server may have no internet, and a Material icon
    as favicon comes from Google's font servers."""
    ramp = np.add.outer(np.linspace(-1, 1, size), np.linspace(-1, 1, size)) / 2
    return png(diverging_rgb(ramp, -1, 1))
