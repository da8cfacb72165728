"""A class's join link as a QR code (segno: pure Python), for the lecturer's screen.

``png`` and ``svg`` return the image's bytes; ``size_px`` what a PNG of a link measures.
Error correction M (15% of the symbol may be lost: a projector's glare, a head in the way).
"""

from __future__ import annotations

import io

import segno

BORDER = 4  # modules of quiet zone around the symbol: the standard's minimum
ERROR = "m"


def make(link: str) -> segno.QRCode:
    return segno.make(link, error=ERROR, micro=False, boost_error=False)


def png(link: str, scale: int = 10, border: int = BORDER) -> bytes:
    out = io.BytesIO()
    make(link).save(out, kind="png", scale=scale, border=border)
    return out.getvalue()


def svg(link: str, scale: int = 10, border: int = BORDER) -> bytes:
    out = io.BytesIO()
    make(link).save(out, kind="svg", scale=scale, border=border, xmldecl=False,
                    svgns=True, title="Join the class")
    return out.getvalue()


def size_px(link: str, scale: int = 10, border: int = BORDER) -> int:
    """The side of the square image, in pixels."""
    width, _ = make(link).symbol_size(scale=scale, border=border)
    return width
