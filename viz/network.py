"""The network drawn as a graph: every unit's output over the input plane as a thumbnail
(the TensorFlow Playground's picture), links coloured by sign and sized by weight."""

from __future__ import annotations

import numpy as np

from viz import style

THUMB = 0.8  # thumbnail side in column units
LINK_BUCKETS = 4
F32_MAX = float(np.finfo(np.float32).max)


def _columns(snapshot, max_layers, max_units):
    axis = snapshot["grid_axis"]
    gx, gy = np.meshgrid(axis, axis)
    cols = [("input", [gx, gy], ["x₁", "x₂"])]
    maps = snapshot["unit_maps"][:max_layers]
    for layer, unit_maps in enumerate(maps, 1):
        cols.append((f"layer {layer}", list(unit_maps[:max_units]), None))
    cols.append(("output", [snapshot["output_map"]], None))
    return cols


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


def network_figure(snapshot, depth, width, max_layers=6, max_units=8, height=None):
    """One figure: input, up to ``max_layers`` hidden layers of up to ``max_units`` units,
    and the output, each as a heatmap thumbnail over the input plane."""
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
    # A thin frame round each thumbnail, so that a blank (all-zero) unit is still seen.
    frames = [dict(type="rect", x0=x_of(c) - THUMB / 2, x1=x_of(c) + THUMB / 2,
                   y0=y_of(c, i) - THUMB / 2, y1=y_of(c, i) + THUMB / 2,
                   line=dict(color="#999", width=1), layer="above")
              for c, (_, maps, _) in enumerate(cols) for i in range(len(maps))]
    scale = max([float(np.nanmax(np.abs(m))) for m in hidden] + [1e-12])
    traces = _links(snapshot["weights"], cols, x_of, y_of)
    g = len(snapshot["grid_axis"])
    for c, (label, maps, names) in enumerate(cols):
        is_out = label == "output"
        for i, z in enumerate(maps):
            traces.append(dict(
                # float32 halves what is sent each refresh; colours cannot show the rest.
                # Clipped first: a network on the edge of diverging overflows float32.
                type="heatmap", z=np.clip(z, -F32_MAX, F32_MAX).astype(np.float32), x0=x_of(c) - THUMB / 2,
                dx=THUMB / g, y0=y_of(c, i) - THUMB / 2, dy=THUMB / g,
                coloraxis="coloraxis2" if is_out else "coloraxis",
                hovertemplate=f"{label} unit {i + 1}<br>value %{{z:.3g}}<extra></extra>"
                if names is None else f"input {names[i]}<extra></extra>",
            ))
    notes = []
    for c, (label, _maps, _) in enumerate(cols):
        notes.append(dict(x=x_of(c), y=n_rows - 0.35, text=label, showarrow=False,
                          font=dict(size=12)))
    shown_layers = len(cols) - 2
    caption = []
    if depth > shown_layers:
        caption.append(f"showing {shown_layers} of {depth} hidden layers")
    if width > max_units and depth:
        caption.append(f"{max_units} of {width} units per layer")
    if caption:
        notes.append(dict(x=0, y=-0.9, xanchor="left", text="; ".join(caption),
                          showarrow=False, font=dict(size=12, color="#555")))
    return style.figure(traces, style.layout(
        "Network: each unit's output over the input plane", height,
        annotations=notes, shapes=frames,
        coloraxis=dict(colorscale=style.DIVERGING, cmin=-scale, cmax=scale, showscale=False),
        coloraxis2=dict(colorscale=style.DIVERGING, showscale=False,
                        **(dict(cmin=0, cmax=1) if snapshot["classification"] else
                           dict(cmid=0))),
        xaxis=dict(visible=False, range=[-gap / 2, x_of(len(cols) - 1) + gap / 2]),
        yaxis=dict(visible=False, range=[-1.0, n_rows], scaleanchor="x"),
    ) | dict(margin=dict(l=5, r=5, t=40, b=5)))
