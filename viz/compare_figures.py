"""Figures of the Compare and Sweep pages: configurations side by side, and sweep heatmaps.

Each configuration keeps one Okabe-Ito colour in every figure of the page. Data come from
core.compare (curves with their median and band over seeds) and core.sweep (grids).
"""

from __future__ import annotations

import math

import numpy as np

from viz import style

# Titles are always {"text": ...}: figures skip plotly's validation (viz.style.VALIDATE), which
# is what turns a plain string into that form, and plotly.js 3 ignores a plain string.

# Okabe & Ito, without yellow (too faint on white) and black (the train/test colour).
CONFIG_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
RATIO_SCALE = [[0.0, style.VANISHING], [0.5, "#FFFFFF"], [1.0, style.EXPLODING]]


def colour(column: int) -> str:
    return CONFIG_COLOURS[column % len(CONFIG_COLOURS)]


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _positive(values):
    """Values for a log axis: zeros and non-finite values become gaps."""
    v = np.asarray(values, dtype=float)
    return np.where(np.isfinite(v) & (v > 0), v, np.nan)


def _suffix(i: int) -> str:
    return "" if i == 0 else str(i + 1)


def _panels(n: int, gap: float = 0.025, shared_y: bool = True) -> dict:
    """Axes of n side-by-side panels: x axes x, x2... over y axes y, y2... (y shared)."""
    width = (1 - gap * (n - 1)) / n
    axes = {}
    for i in range(n):
        s = _suffix(i)
        x0 = i * (width + gap)
        axes[f"xaxis{s}"] = dict(domain=[x0, x0 + width], anchor=f"y{s}")
        axes[f"yaxis{s}"] = dict(anchor=f"x{s}")
        if i and shared_y:
            axes[f"yaxis{s}"].update(matches="y", showticklabels=False)
    return axes


def _panel_title(i: int, n: int, text: str, colour_: str, gap: float = 0.025) -> dict:
    width = (1 - gap * (n - 1)) / n
    return dict(text=f"<b>{text}</b>", x=i * (width + gap) + width / 2, y=1.0, xref="paper",
                yref="paper", xanchor="center", yanchor="bottom", showarrow=False,
                font=dict(size=12, color=colour_))


PANEL_PX = 130  # the least width of one of several panels side by side (its notes read)
TITLE_CHAR_PX = 12 * style.CHAR_EM * 1.1  # a character of a panel's bold 12 px title


def _least_width(titles: list[str], margins: int = 70) -> dict:
    """layout.meta asking for the width panels side by side need to show their ``titles``
    apart: a narrower screen (a phone) scrolls the chart sideways instead of running the
    titles into each other (components/live_chart.js)."""
    if len(titles) < 2:
        return {}
    widest = max(len(t) for t in titles) * TITLE_CHAR_PX + 12
    return {"min_width": int(margins + len(titles) * max(PANEL_PX, widest))}


def _short_label(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _panel_chars(n: int) -> int:
    """How many characters a panel title may have before it runs into its neighbour's."""
    return max(14, 110 // n)


# ---------------------------------------------------------------- Compare


def loss_figure(curves, band_name: str = "min to max", log_y: bool = False,
                quantity: str = "train loss", height: int = 340):
    """Median over seeds of each configuration's loss, one colour each, with its band."""
    traces = []
    for column, rows in curves.groupby("column", sort=True):
        name, c = rows["label"].iloc[0], colour(column)
        x = rows["step"].to_numpy()
        lo, hi = rows["lo"].to_numpy(dtype=float), rows["hi"].to_numpy(dtype=float)
        if np.any(np.isfinite(hi) & (hi != lo)):  # one seed has no band to draw
            traces.append(dict(
                type="scatter", x=np.r_[x, x[::-1]], y=np.r_[hi, lo[::-1]], fill="toself",
                mode="lines",  # Plotly's default adds markers to short traces, in its colours
                fillcolor=_rgba(c, 0.18), line=dict(width=0), hoverinfo="skip",
                legendgroup=str(column), showlegend=False, name=f"{name} ({band_name})"))
        traces.append(dict(
            type="scatter", x=x, y=rows["median"], mode=style.line_mode(rows["median"], log_y),
            name=name,
            legendgroup=str(column), line=dict(color=c, width=2.2),
            hovertemplate=f"{name}<br>step %{{x}}<br>median {quantity} %{{y:.4f}}"
                          "<extra></extra>"))
    notes = []
    y_range = _clip_diverging(curves) if not log_y else None
    if y_range is not None:
        notes.append(style.note("curves leaving the top edge blow up: the log scale shows them",
                                y=1.0, yanchor="bottom", font=dict(size=11, color="#555")))
    lay = style.layout(
        f"{quantity.capitalize()}: median over seeds, band {band_name}", height,
        annotations=notes,
        xaxis=dict(title=dict(text="step")),
        yaxis=dict(title=dict(text=quantity), type="log" if log_y else "linear", tickformat=".3g",
                   **({"range": y_range} if y_range else {})))
    # Fixed-width entries: long labels measured in a fallback font would otherwise overlap.
    # The figure grows by the legend's rows, so six columns keep the plot its height.
    names = [t["name"] for t in traces if t.get("showlegend", True)]
    entry, rows = legend_rows(names)
    lay["height"] = height + LEGEND_ROW_PX * (rows - 1)
    lay["legend"] = dict(orientation="h", y=-0.2, yanchor="top", entrywidth=entry,
                         entrywidthmode="pixels", font=dict(size=12))
    return style.figure(traces, lay)


LEGEND_ROW_PX = 26
LEGEND_PX = 440  # a half-width chart's legend on a 1280 px screen with the sidebar open


def legend_rows(names: list[str], char_px: float = 7.0) -> tuple[int, int]:
    """(entry width in px, rows) of a horizontal legend of ``names``: entries as wide as the
    longest name (at 12 px type) plus its line sample, as many a row as LEGEND_PX holds."""
    entry = int(min(LEGEND_PX, max(110, 44 + char_px * max(map(len, names), default=0))))
    per_row = max(1, LEGEND_PX // entry)
    return entry, -(-len(names) // per_row)


def _clip_diverging(curves, blowup: float = 100.0):
    """A linear y range that keeps the healthy curves readable when some blow up: up to a
    little above the highest value of the columns that stay within ``blowup`` times the
    lowest starting loss; None when no column goes beyond that."""
    first = curves[curves["step"] == curves["step"].min()]["median"].to_numpy(dtype=float)
    first = first[np.isfinite(first) & (first > 0)]
    if not first.size:
        return None
    limit = blowup * float(first.min())
    tops = curves.groupby("column")[["median", "hi"]].max().max(axis=1).to_numpy(dtype=float)
    healthy = tops[np.isfinite(tops) & (tops <= limit)]
    if not healthy.size or len(healthy) == np.isfinite(tops).sum():
        return None
    lows = curves[["median", "lo"]].to_numpy(dtype=float)
    return [min(0.0, float(np.nanmin(lows))), 1.15 * float(healthy.max())]


def layer_multiples(layer_curves, title: str, log_y: bool = True, y_title: str = "",
                    hidden_only: bool = False, height: int = 280, y_range=None):
    """One panel per configuration, one line per layer (dark: input side, light: output)."""
    columns = sorted(layer_curves["column"].unique())
    n = len(columns)
    depth = int(layer_curves["depth"].max())
    ramp = style.layer_colours(depth + (0 if hidden_only else 1))
    traces, notes, labels_of = [], [], []
    for i, column in enumerate(columns):
        rows = layer_curves[layer_curves["column"] == column]
        d = int(rows["depth"].iloc[0])
        if hidden_only:
            rows = rows[rows["layer"] <= d]
        all_zero = True
        for layer, lr in rows.groupby("layer", sort=True):
            values = lr["value"].to_numpy(dtype=float)
            all_zero &= style.exactly_zero(values)
            name = style.layer_name(int(layer), d)
            traces.append(dict(
                type="scatter", x=lr["step"], y=_positive(values) if log_y else values,
                mode=style.line_mode(values, log_y), name=name, legendgroup=name,
                showlegend=i == 0,
                line=dict(color=ramp[min(int(layer), len(ramp)) - 1], width=1.5,
                          shape="linear" if log_y else "hv"),
                xaxis=f"x{_suffix(i)}", yaxis=f"y{_suffix(i)}",
                hovertemplate=f"{name}<br>step %{{x}}<br>%{{y:.3g}}<extra></extra>"))
        label = rows["label"].iloc[0] if len(rows) else ""
        labels_of.append(label)
        notes.append(_panel_title(i, n, _short_label(label, _panel_chars(n)), colour(column)))
        if log_y and all_zero and len(rows):
            notes.append(dict(text="all exactly 0:<br>not drawable<br>on a log scale",
                              xref=f"x{_suffix(i)} domain", yref=f"y{_suffix(i)} domain",
                              x=0.5, y=0.5, showarrow=False,
                              font=dict(size=12, color=style.VANISHING)))
    axes = _panels(n)
    for i in range(n):
        # Every panel's axis needs the type: a log range is in powers of ten, which a
        # linear axis matched to it would read as plain numbers.
        y = axes[f"yaxis{_suffix(i)}"]
        y["type"] = "log" if log_y else "linear"
        if log_y:
            y["exponentformat"] = "power"
        if y_range is not None:
            y["range"] = y_range
    axes["yaxis"]["title"] = dict(text=y_title)
    notes.append(dict(text="step →", xref="paper", yref="paper", x=1.0, y=0, yshift=-22,
                      xanchor="right", yanchor="top", showarrow=False,
                      font=dict(size=11, color="#555")))
    lay = style.layout(title, height, annotations=notes, **axes)
    lay["margin"] = dict(l=55, r=15, t=60, b=30)
    lay["legend"] = dict(orientation="h", y=-0.15, yanchor="top", x=0, font=dict(size=11))
    lay["meta"] = _least_width([_short_label(t, _panel_chars(n)) for t in labels_of])
    if len({t["name"] for t in traces}) > style.MANY_LAYERS:
        # A legend of 31 entries (30 layers) took the figure and left each plot 60 px: the
        # colours' rule in one line instead, beside "step →", as on Explore's line charts.
        lay["showlegend"] = False
        lay["annotations"] = [*notes, style.fitted(dict(
            text="colour: layer 1 dark → output light; hover a line for its layer",
            xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="top", yshift=-22,
            showarrow=False, font=dict(size=11, color="#555")),
            lay["meta"].get("min_width", style.NARROW_PX) * 0.8)]
    return style.figure(traces, lay)


def gradient_multiples(layer_curves, height: int = 290):
    return layer_multiples(layer_curves, "‖∂L/∂W‖ per layer (median over seeds), log scale",
                           log_y=True, y_title="‖∂L/∂W‖", height=height)


def distinct_multiples(layer_curves, height: int = 260):
    width = int(layer_curves["width"].max())
    return layer_multiples(layer_curves, "Distinct units per hidden layer (median over "
                           "seeds): 1 means every unit is a copy", log_y=False,
                           y_title="distinct units", hidden_only=True, height=height,
                           y_range=[0, width + 0.5])


def thumbnails_figure(snapshots: list[dict], labels: list[str], data=None,
                      max_points: int = 300, height: int = 240):
    """Each configuration's prediction over the input plane (seed 1), with its 0.5 line."""
    n = len(snapshots)
    traces, notes = [], []
    for i, snap in enumerate(snapshots):
        axis, z = snap["grid_axis"], snap["output_map"]
        refs = dict(xaxis=f"x{_suffix(i)}", yaxis=f"y{_suffix(i)}")
        classification = snap["classification"]
        traces.append(dict(
            type="heatmap", x=axis, y=axis, z=z, colorscale=style.DIVERGING, showscale=False,
            hovertemplate="x₁ %{x:.2f}, x₂ %{y:.2f}<br>output %{z:.3f}<extra></extra>",
            **(dict(zmin=0, zmax=1) if classification else dict(zmid=0)), **refs))
        if classification and z.min() < 0.5 < z.max():
            traces.append(dict(
                type="contour", x=axis, y=axis, z=z, showscale=False, hoverinfo="skip",
                contours=dict(start=0.5, end=0.5, size=1, coloring="none"),
                line=dict(color="#333", width=1.2), **refs))
        elif classification:  # no boundary at all: say so, a blank square explains nothing
            notes.append(dict(text=f"no boundary:<br>p ≈ {float(np.mean(z)):.2f} everywhere",
                              xref=f"x{_suffix(i)} domain", yref=f"y{_suffix(i)} domain",
                              x=0.5, y=0.04, showarrow=False, font=dict(size=11, color="#333"),
                              bgcolor="rgba(255,255,255,0.8)"))
        if data is not None and classification:
            X, y = data.X_train[:max_points], data.y_train[:max_points]
            traces.append(dict(
                type="scatter", x=X[:, 0], y=X[:, 1], mode="markers", hoverinfo="skip",
                marker=dict(size=3.5, color=np.where(y == 1, style.POSITIVE, style.NEGATIVE),
                            line=dict(width=0.4, color="white")), **refs))
        notes.append(_panel_title(i, n, _short_label(labels[i], _panel_chars(n)), colour(i),
                                  gap=0.02))
    axes = _panels(n, gap=0.02, shared_y=False)
    lim = [float(snapshots[0]["grid_axis"][0]), float(snapshots[0]["grid_axis"][-1])]
    for i in range(n):
        s = _suffix(i)
        plain = dict(range=lim, showticklabels=False, ticks="", showgrid=False, zeroline=False)
        axes[f"xaxis{s}"].update(constrain="domain", **plain)
        axes[f"yaxis{s}"].update(scaleanchor=f"x{s}", **plain)
    lay = style.layout("Decision boundary of seed 1 (blue: class 1, orange: class 0)",
                       height, annotations=notes, showlegend=False, **axes)
    lay["margin"] = dict(l=10, r=10, t=60, b=10)
    lay["meta"] = _least_width([_short_label(t, _panel_chars(n)) for t in labels], margins=20)
    return style.figure(traces, lay)


def final_box_figure(finals, field: str = "train_loss", log_y: bool = False,
                     height: int = 340):
    """Final loss of every seed, one box per configuration; diverged seeds are left out."""
    traces = []
    for column, rows in finals.groupby("column", sort=True):
        name = rows["label"].iloc[0]
        values = rows[field].to_numpy(dtype=float)
        ok = np.isfinite(values)
        traces.append(dict(
            type="box", x=values[ok], name=name.replace("(", "<br>("), orientation="h",
            boxpoints="all",
            jitter=0.35, pointpos=0, marker=dict(color=colour(column), size=5),
            line=dict(color=colour(column)), fillcolor=_rgba(colour(column), 0.15),
            customdata=rows["init_seed"].to_numpy()[ok],
            hovertemplate=f"{name}<br>init seed %{{customdata}}<br>%{{x:.4f}}<extra></extra>"))
    title = field.replace("_", " ")
    # Lying down: each configuration's whole name reads on the left, however many columns.
    return style.figure(traces, style.layout(
        f"Final {title} of every seed", height, showlegend=False,
        yaxis=dict(automargin=True, autorange="reversed"),
        xaxis=dict(title=dict(text=title), type="log" if log_y else "linear", tickformat=".3g")))


# ---------------------------------------------------------------- Sweep

HEATMAPS = {
    "final_train_loss": ("Final train loss (median over seeds)", "loss"),
    "grad_ratio": ("‖∂L/∂W‖ of layer 1 / output layer at step 0", "ratio"),
    "backprop_ratio": ("std(∂L/∂z) of layer 1 / output at step 0", "ratio"),
    "trained_fraction": ("Seeds that trained (%)", "fraction"),
}


def _compact(v: float) -> str:
    """A ratio in four characters (five past 1e±10), so it fits a cell: 0.12, 3.5, 45,
    2e-5, 3e12: its order of magnitude is what it says."""
    if v == 0:
        return "0"
    if 0.1 <= v < 100:  # four characters at most: 0.12, 3.5, 45, 2e-2
        return f"{v:.2g}"
    mantissa, exponent = f"{v:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def _cell_text(z, kind, loss_format=".2f"):
    """What a cell says: a loss to two decimals in the cell (0.69 is the constant guess's
    ln 2; hover gives four digits), a fraction in per cent, a ratio in at most five
    characters."""
    out = np.full(z.shape, "", dtype=object)
    for idx, v in np.ndenumerate(z):
        if not np.isfinite(v):
            out[idx] = "–"
        elif kind == "fraction":  # per cent, its sign in the title: "100%" filled a cell
            out[idx] = f"{100 * v:.0f}"
        elif kind == "ratio":
            out[idx] = _compact(v) if loss_format == ".2f" else f"{v:.3g}"
        else:
            out[idx] = format(v, loss_format)
    return out


MAP_PX = 260  # a sweep map at its narrowest: one of three across beside the sidebar at 1280
PRESENT_MAP_PX = 360  # one of three across the presenter view at 1280 px
COLOURBAR_PX = 50


def cell_font(text, columns: int, width_px: float, margins_px: float, least: float,
              most: float) -> float | None:
    """The font size (px) at which the longest of a map's cell ``text`` fits its cell, at
    most ``most``; None below ``least`` (the numbers would run together: "0.6930.693")."""
    ems = max((style.text_em(t) for t in np.ravel(text)), default=1.0) or 1.0
    cell_px = (width_px - margins_px) / max(columns, 1)
    size = min(most, (cell_px - 3) / ems)
    return size if size >= least else None


def _text_colours(shown, lo, hi, dark_below):
    """Black or white per cell so the number reads on Viridis: white where the colour is
    dark (the lower part of the scale, above ``dark_below`` when the scale is reversed)."""
    t = (np.asarray(shown, dtype=float) - lo) / ((hi - lo) or 1.0)
    dark = t < dark_below if dark_below > 0 else t > -dark_below
    return np.where(dark, "#FFFFFF", "#111111")


def sweep_heatmap(z, x_name: str, x_labels, y_name: str, y_labels, value: str,
                  height: int = 380, title: str | None = None, line: dict | None = None,
                  width_px: float = MAP_PX, present: bool = False):
    """One summary value over the grid: rows are y values, columns x values. Ratios are drawn
    as log10, white at 1, blue below (vanishing), red above (exploding). ``line``
    (core.phase.sweep_line: positions on the category axes) draws the theory's trainable
    depth 6·ξ_c over the map.

    Each cell's number is as large as fits the cell of a map ``width_px`` wide (its
    narrowest), up to 12 px, or at least PROJECTOR_FONT in the presenter view (``present``),
    and the numbers take the colour bar's room; where they cannot fit, the colour bar
    comes back and hover says them."""
    default_title, kind = HEATMAPS[value]
    z = np.asarray(z, dtype=float)
    text = _cell_text(z, kind)
    hover = _cell_text(z, kind, loss_format=".4f")
    shown = z
    if kind == "ratio":
        with np.errstate(divide="ignore", invalid="ignore"):
            shown = np.log10(_positive(z))
        finite = shown[np.isfinite(shown)]
        top = max(1.0, float(np.abs(finite).max())) if finite.size else 1.0
        ticks = np.arange(-np.floor(top), np.floor(top) + 1, max(1, np.ceil(top / 4)))
        lo, hi = -top, top
        extra = dict(colorscale=RATIO_SCALE,
                     colorbar=dict(thickness=10, title=dict(text="ratio", side="right"),
                                   tickvals=ticks, ticktext=[f"1e{int(t)}" for t in ticks]))
        colours = np.full(z.shape, "#111111")
    elif kind == "fraction":
        lo, hi = 0.0, 1.0
        extra = dict(colorscale="Viridis", colorbar=dict(thickness=10, tickformat=".0%"))
        colours = _text_colours(shown, lo, hi, 0.55)
    else:
        finite = z[np.isfinite(z)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        extra = dict(colorscale="Viridis", reversescale=True, **style.colour_scale(
            z, thickness=10, title=dict(text="loss", side="right")))
        lo, hi = extra.pop("zmin", lo), extra.pop("zmax", hi)
        colours = _text_colours(shown, lo, hi, -0.45)
    xs, ys = [str(v) for v in x_labels], [str(v) for v in y_labels]
    # Positions by index: on a category axis a label like "10" would be read as a number.
    margins = 55 + 15 + 8 * max(len(v) for v in ys)
    size = cell_font(text, z.shape[1], width_px, margins, style.PROJECTOR_FONT if present
                     else 8, style.PROJECTOR_FONT if present else 12)
    if size:  # the numbers say what the colours mean: their bar's room goes to the cells
        extra["showscale"] = False
    trace = dict(type="heatmap", z=shown, x=xs, y=ys, zmin=lo, zmax=hi, text=hover,
                 xgap=1, ygap=1,
                 hovertemplate=f"{x_name} %{{x}}, {y_name} %{{y}}<br>%{{text}}<extra></extra>",
                 **extra)
    notes = [dict(x=c, y=r, text=text[r, c], showarrow=False,
                  font=dict(size=math.floor(size * 10) / 10, color=colours[r, c]))
             for r in range(z.shape[0]) for c in range(z.shape[1])] if size else [
        style.note("too many cells for their numbers here: hover a cell", x=0, y=1,
                   yanchor="bottom", font=dict(size=11, color="#555"))]
    lay = style.layout(title or default_title, height, annotations=notes,
                       xaxis=dict(title=dict(text=x_name), type="category", automargin=True),
                       yaxis=dict(title=dict(text=y_name), type="category", automargin=True))
    lay["margin"] = dict(l=55, r=15, t=40, b=50)
    traces = [trace]
    if line is not None:
        traces.append(_depth_line(line))
        # Linear twins of the category axes, cell k at k: the line runs between the cells.
        for axis, n in (("xaxis2", z.shape[1]), ("yaxis2", z.shape[0])):
            lay[axis] = dict(overlaying=axis[0], range=[-0.5, n - 0.5], visible=False)
        lay["showlegend"] = True
        lay["legend"] = dict(orientation="h", yanchor="bottom", y=1.0, x=1, xanchor="right")
    return style.figure(traces, lay)


def _depth_line(line: dict) -> dict:
    """The theory's trainable depth, 6·ξ_c, as a line over a sweep map."""
    depth = np.asarray(line["depth"], float)
    text = [f"init scale {s:.3g}: trainable to ~{d:.3g} layers" if np.isfinite(d) else
            f"init scale {s:.3g}: critical (any depth)" for s, d in
            zip(line["init_scale"], depth, strict=True)]
    return dict(type="scatter", x=np.asarray(line["x"], float), y=np.asarray(line["y"], float),
                xaxis="x2", yaxis="y2", mode="lines", name="theory: 6·ξ_c",
                line=dict(color=style.THEORY, width=4, dash="dash"), hovertext=text,
                hoverinfo="text")


# How the final table shows each numeric column; the rest as they are.
TABLE_FORMATS = {"train loss": "{:.4f}", "test loss": "{:.4f}", "test accuracy": "{:.1%}",
                 "layer 1 ‖∂L/∂W‖": "{:.2e}", "fewest distinct units": "{:.0f}"}


def table_cells(table) -> dict:
    """core.compare.Lockstep.final_table as {"columns", "rows"} of text: the live feed's
    table and the page's own show the same figures the same way."""
    def cell(column, value):
        if column not in TABLE_FORMATS:
            return str(value)
        value = float(value)
        return TABLE_FORMATS[column].format(value) if np.isfinite(value) else "–"

    columns = list(table.columns)
    rows = [[cell(c, v) for c, v in zip(columns, row, strict=True)]
            for row in table.itertuples(index=False)]
    return {"columns": columns, "rows": rows}

