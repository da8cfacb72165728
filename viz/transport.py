"""Figures made smaller for the wire: what a page sends to the browser on every refresh.

An RGB image trace given as ``z`` travels as base64 inside JSON, and Plotly's JSON escapes
every "/" as "\\u002f": a mostly white picture (bytes 255 encode as "////") grows about six
times, to 1.5 MB for the network diagram, five times a second per student. The same pixels
as a PNG ``source`` are about 50 KB, and the browser decodes a PNG natively instead of
parsing a huge JSON array. The figure builders keep ``z`` (their tests read the pixels);
pages convert just before sending.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import plotly.graph_objects as go
from PIL import Image


def png(pixels: np.ndarray, level: int = 1) -> bytes:
    """An 8-bit PNG of an (height, width, 3) RGB or (height, width, 4) RGBA array.

    Level 1 compression: the diagram's flat colours compress well even at the fastest level.
    """
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8)).save(
        buffer, format="PNG", compress_level=level)
    return buffer.getvalue()


def compact_images(fig: go.Figure) -> go.Figure:
    """``fig`` with every uint8 RGB or RGBA image trace sent as a PNG ``source`` instead of
    ``z``.

    Row 0 of ``z`` is row 0 of the PNG, so the picture lands exactly where it did. Other
    traces, and images of other kinds, are left alone; ``fig`` itself is not changed.
    """
    convertible = [i for i, t in enumerate(fig.data) if t.type == "image" and _is_rgb(t.z)]
    if not convertible:
        return fig
    spec = fig.to_dict()  # a copy: the caller's figure keeps its pixels
    for i in convertible:
        encoded = base64.b64encode(png(np.asarray(fig.data[i].z))).decode("ascii")
        spec["data"][i].pop("z")
        spec["data"][i]["source"] = f"data:image/png;base64,{encoded}"
    # Unchecked, as the builders make them (viz.style.VALIDATE): checking costs more than
    # the rest of a refresh, and nothing here is new to Plotly.
    return go.Figure(spec, _validate=False)


def _is_rgb(z) -> bool:
    if z is None:
        return False
    z = np.asarray(z)
    return z.ndim == 3 and z.shape[2] in (3, 4) and z.dtype == np.uint8
