"""Figures made smaller for the wire: what a page sends to the browser on every refresh.

An RGB image trace given as ``z`` travels as base64 inside JSON, and Plotly's JSON escapes
every "/" as "\\u002f": a mostly white picture (bytes 255 encode as "////") grows about six
times, to 1.5 MB for the network diagram, five times a second per student. The same pixels
as a PNG ``source`` are about 50 KB, and the browser decodes a PNG natively instead of
parsing a huge JSON array. The figure builders keep ``z`` (their tests read the pixels);
pages convert just before sending.

Plotly's own way to JSON (``fig.to_plotly_json()``) deep-copies the figure and then walks
every element of every list, looking for the numpy arrays it sends as typed arrays: about
half the CPU of building and sending a live frame, for nothing a page needs (a figure is
sent once, and never changed after). ``to_json`` gives the same JSON walking only the
containers.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.basevalidators import is_homogeneous_array
from _plotly_utils.utils import is_skipped_key, to_typed_array_spec
from PIL import Image

from viz import style


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
    if not any(_is_picture(trace) for trace in fig._data):
        return fig
    # Unchecked, as the builders make them (viz.style.VALIDATE): checking costs more than
    # the rest of a refresh, and nothing here is new to Plotly.
    spec = fig.to_dict()  # a copy: the caller's figure keeps its pixels
    spec["data"] = [_as_png(raw) if _is_picture(raw) else sent
                    for raw, sent in zip(fig._data, spec["data"], strict=True)]
    return go.Figure(spec, _validate=False)


def to_json(fig: go.Figure, **extra) -> str:
    """The JSON of ``{**compact_images(fig).to_plotly_json(), **extra}``, as
    ``pio.to_json`` writes it, without Plotly's copies and walk (the module says why)."""
    if isinstance(fig, style.Figure):  # as built: no graph_objects Figure made
        # A property set to None is left out, as a Figure leaves it out.
        data = [{k: v for k, v in trace.items() if v is not None} for trace in fig.spec["data"]]
        layout = {k: v for k, v in fig.spec["layout"].items() if v is not None}
    elif fig._frame_objs:  # animation frames: none of the app's; Plotly's own way
        return pio.to_json({**compact_images(fig).to_plotly_json(), **extra}, validate=False)
    else:
        data, layout = fig._data, fig._layout
    spec = {"data": [_typed(_as_png(trace)) for trace in data], "layout": _typed(layout),
            **extra}
    return pio.to_json(spec, validate=False)


def _typed(value):
    """A copy of the containers of ``value`` with every array under a dict key as Plotly's
    typed-array spec: what ``convert_to_base64`` does to its deep copy, in place."""
    if isinstance(value, dict):
        return {key: (item if is_skipped_key(key) else
                      _typed_array(item) if _is_array(item) else _typed(item))
                for key, item in value.items()}
    if isinstance(value, (list, tuple)):  # arrays in a list are not converted (as Plotly)
        if any(isinstance(item, (dict, list, tuple)) for item in value):
            return [_typed(item) for item in value]
        return value  # numbers or text: nothing to convert, nothing to copy
    return value


_FLOATS = {"float64": "f8", "float32": "f4"}


def _typed_array(array):
    """``to_typed_array_spec(array)``; for a float array (nearly all the app sends) the same
    spec without Plotly's checks for data-frame libraries and its copy of the array."""
    dtype = str(array.dtype) if isinstance(array, np.ndarray) else None
    if dtype not in _FLOATS or array.size == 0:
        return to_typed_array_spec(array)
    spec = {"dtype": _FLOATS[dtype],
            "bdata": base64.b64encode(np.ascontiguousarray(array)).decode("ascii")}
    if array.ndim > 1:
        spec["shape"] = str(array.shape)[1:-1]
    return spec


def _is_array(value) -> bool:
    if isinstance(value, np.ndarray):
        return True
    if value is None or isinstance(value, (str, int, float, np.generic, dict, list, tuple)):
        return False
    return is_homogeneous_array(value)  # a pandas Series, say


def _is_picture(trace: dict) -> bool:
    return trace.get("type") == "image" and _is_rgb(trace.get("z"))


def _as_png(trace: dict) -> dict:
    """An image trace's uint8 RGB(A) ``z`` as a PNG ``source``; any other trace as it is."""
    if not _is_picture(trace):
        return trace
    encoded = base64.b64encode(png(np.asarray(trace["z"]))).decode("ascii")
    return {**{k: v for k, v in trace.items() if k != "z"},
            "source": f"data:image/png;base64,{encoded}"}


def _is_rgb(z) -> bool:
    if z is None:
        return False
    z = np.asarray(z)
    return z.ndim == 3 and z.shape[2] in (3, 4) and z.dtype == np.uint8
