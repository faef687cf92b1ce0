"""Offline images: an abstract landscape drawn with PIL from a hash of the prompt; no text, no
fonts, no model."""

from __future__ import annotations

import colorsys
import hashlib
import io
import math
import re

from PIL import Image, ImageDraw

from pressrun.ai.base import AIItemError

_SIZE_RE = re.compile(r"^\s*(\d{1,5})\s*[xX]\s*(\d{1,5})\s*$")
_MIN_SIDE, _MAX_SIDE = 16, 4096
# Sky bands: enough for the gradient to read as smooth at a glance, few enough that the image
# stays a small palette PNG of flat areas.
_SKY_BANDS = 24
_HILLS = 4

_RGB = tuple[int, int, int]


def parse_size(size: str) -> tuple[int, int]:
    """`"WIDTHxHEIGHT"` as two ints; anything malformed or out of range is an item error."""
    match = _SIZE_RE.match(size)
    if not match:
        raise AIItemError(f"image size must look like 1024x1024, got {size!r}")
    width, height = int(match[1]), int(match[2])
    if not (_MIN_SIDE <= width <= _MAX_SIDE and _MIN_SIDE <= height <= _MAX_SIDE):
        raise AIItemError(f"image sides must be {_MIN_SIDE}..{_MAX_SIDE} pixels, got {size!r}")
    return width, height


def render_illustration(prompt: str, width: int, height: int) -> bytes:
    """A palette PNG of an abstract landscape picked by hashing the prompt: a banded sky, a sun,
    and layered hills, all flat colours (so it compresses to a few kilobytes and draws in a few
    milliseconds). Its subject sits in the middle band, so a wide crop keeps it."""
    digest = hashlib.sha256(prompt.encode()).digest()
    sky, sun, hills = _palette(digest)
    image = Image.new("P", (width, height), _SKY_BANDS - 1)
    image.putpalette([channel for color in [*sky, sun, *hills] for channel in color])
    draw = ImageDraw.Draw(image)
    horizon = height * (0.55 + digest[6] / 255 * 0.15)
    for band in range(_SKY_BANDS - 1):
        top, bottom = horizon * band / _SKY_BANDS, horizon * (band + 1) / _SKY_BANDS
        draw.rectangle((0, math.floor(top), width, math.ceil(bottom)), fill=band)
    side = min(width, height)
    radius = side * (0.08 + digest[7] / 255 * 0.08)
    cx = width * (0.15 + digest[8] / 255 * 0.7)
    cy = horizon * (0.3 + digest[9] / 255 * 0.4)
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=_SKY_BANDS)
    for layer in range(_HILLS):
        base = horizon + (height - horizon) * layer / _HILLS - side * 0.04
        draw.polygon(_ridge(digest, layer, width, height, base, side), fill=_SKY_BANDS + 1 + layer)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def _palette(digest: bytes) -> tuple[list[_RGB], _RGB, list[_RGB]]:
    """A sky fading from a deeper to a paler tint of one hue, a warm sun, and hills in an
    analogous hue that darken toward the front."""
    hue = digest[0] / 255
    sky_hue = (hue + 0.5 + (digest[1] / 255 - 0.5) * 0.2) % 1.0
    sky = [
        _rgb(sky_hue, 0.45 - 0.3 * t, 0.75 + 0.22 * t)
        for t in (band / (_SKY_BANDS - 1) for band in range(_SKY_BANDS))
    ]
    sun = _rgb((0.08 + digest[2] / 255 * 0.07) % 1.0, 0.35 + digest[3] / 255 * 0.25, 0.98)
    shift = 0.03 + digest[4] / 255 * 0.06
    saturation = 0.35 + digest[5] / 255 * 0.3
    hills = [
        _rgb((hue + shift * layer) % 1.0, saturation + 0.08 * layer, 0.72 - 0.14 * layer)
        for layer in range(_HILLS)
    ]
    return sky, sun, hills


def _rgb(hue: float, saturation: float, value: float) -> _RGB:
    r, g, b = colorsys.hsv_to_rgb(hue, min(1.0, max(0.0, saturation)), min(1.0, max(0.0, value)))
    return round(r * 255), round(g * 255), round(b * 255)


def _ridge(
    digest: bytes, layer: int, width: int, height: int, base: float, side: int
) -> list[tuple[float, float]]:
    """A hill line (the sum of two sine waves from the hash) closed along the bottom edge."""
    k = 10 + layer * 4
    freq1, freq2 = 1 + digest[k] % 3, 3 + digest[k + 1] % 4
    phase1, phase2 = digest[k + 2] / 255 * math.tau, digest[k + 3] / 255 * math.tau
    amplitude = side * (0.05 + layer * 0.015)
    steps = 48
    points = [
        (
            width * i / steps,
            base
            - amplitude
            * (
                math.sin(freq1 * math.tau * i / steps + phase1)
                + 0.4 * math.sin(freq2 * math.tau * i / steps + phase2)
            ),
        )
        for i in range(steps + 1)
    ]
    return [*points, (width, height), (0, height)]
