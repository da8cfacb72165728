"""viz.transport: images go to the browser as PNG, pixel for pixel, and much smaller."""

import base64
import io
import json

import numpy as np
import plotly.io as pio
import pytest
from PIL import Image

from core import config
from core.run import LiveRun
from viz import network, style, transport


def decode_png(data: bytes) -> np.ndarray:
    """The pixels of a PNG, checked to be one."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return np.asarray(Image.open(io.BytesIO(data)))


@pytest.mark.parametrize("channels", [3, 4])
def test_png_round_trips_every_pixel(channels):
    pixels = np.random.default_rng(0).integers(0, 256, (7, 5, channels), dtype=np.uint8)
    assert np.array_equal(decode_png(transport.png(pixels)), pixels)


def network_fig():
    run = LiveRun(config.validate(dataset="spiral", depth=8, width=64, batch_size=128))
    snap = run.trainer.snapshot(grid_size=24, max_layers=6, max_units=8)
    return network.network_figure(snap, 8, 64)


def test_the_network_image_travels_as_png_in_the_same_place():
    fig = network_fig()
    before = np.asarray(fig.data[0].z).copy()
    small = transport.compact_images(fig)
    image = small.data[0]
    assert image.z is None and image.source.startswith("data:image/png;base64,")
    pixels = decode_png(base64.b64decode(image.source.split(",", 1)[1]))
    assert np.array_equal(pixels, before)  # row 0 of z is row 0 of the PNG
    for key in ("x0", "dx", "y0", "dy"):
        assert image[key] == fig.data[0][key]
    assert np.array_equal(np.asarray(fig.data[0].z), before)  # the input is untouched
    assert [t.to_plotly_json() for t in small.data[1:]] == [
        t.to_plotly_json() for t in fig.data[1:]]
    assert small.layout == fig.layout


def test_the_diagram_is_transparent_between_its_thumbnails():
    """So that it sits on the page's background in a dark theme as in a light one."""
    image = np.asarray(network_fig().data[0].z)
    alpha = image[..., 3]
    assert set(np.unique(alpha)) == {0, 255}
    assert 0.1 < (alpha == 255).mean() < 0.9  # thumbnails and frames opaque, the rest clear
    assert np.all(image[alpha == 0, :3] == 0)


def test_the_wire_format_is_many_times_smaller():
    fig = network_fig()
    sent = len(pio.to_json(transport.compact_images(fig), validate=False))
    assert sent * 5 < len(pio.to_json(fig, validate=False))


def test_figures_without_rgb_images_pass_unchanged():
    fig = style.figure([dict(type="scatter", x=[1, 2], y=[3, 4])], {})
    assert transport.compact_images(fig) is fig
    floats = style.figure([dict(type="image", z=np.zeros((2, 2, 3)))], {})
    assert transport.compact_images(floats) is floats  # not 8-bit: not what png() writes


@pytest.mark.parametrize("value", [
    np.linspace(0, 1, 7), np.arange(12.0).reshape(3, 4), np.arange(12.0).reshape(3, 4).T,
    np.arange(12.0).reshape(3, 4)[:, ::2], np.ones(5, np.float32), np.array([[np.nan, -0.0]]),
    np.arange(5), np.arange(5) * 10**6, np.array([2**40]), np.arange(3, dtype=np.uint64),
    np.array([True, False]), np.array(["a", "b"]), np.zeros(0), np.array(2.5), [1.0, 2.0],
    [np.arange(3.0)], np.float64(1.5), np.int64(3), "text", None,
], ids=lambda v: f"{type(v).__name__}-{getattr(v, 'dtype', '')}-{np.shape(v)}")
def test_any_value_is_sent_as_plotly_would_send_it(value):
    """to_json's own walk against Plotly's (to_plotly_json) on every kind of value a trace
    property can hold: floats of any layout, narrowed integers, booleans, text, scalars."""
    fig = style.figure([dict(type="scatter", x=value, customdata=[{"v": value}])],
                       {"template": "plotly_white"})
    sent = transport.to_json(fig)
    plotly = pio.to_json(fig.to_plotly_json(), validate=False)
    assert json.loads(sent) == json.loads(plotly)
    assert transport.to_json(fig) == sent  # building the Figure changed nothing
