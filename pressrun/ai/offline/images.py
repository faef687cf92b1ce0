"""Offline images: title cards drawn with PIL, a gradient and the prompt, no model needed."""

from __future__ import annotations

import colorsys
import hashlib
import io
import re

from PIL import Image, ImageDraw, ImageFont

from pressrun.ai.base import AIItemError
from pressrun.ai.text import shorten

_SIZE_RE = re.compile(r"^\s*(\d{1,5})\s*[xX]\s*(\d{1,5})\s*$")
_MIN_SIDE, _MAX_SIDE = 16, 4096

_Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def parse_size(size: str) -> tuple[int, int]:
    """`"WIDTHxHEIGHT"` as two ints; anything malformed or out of range is an item error."""
    match = _SIZE_RE.match(size)
    if not match:
        raise AIItemError(f"image size must look like 1024x1024, got {size!r}")
    width, height = int(match[1]), int(match[2])
    if not (_MIN_SIDE <= width <= _MAX_SIDE and _MIN_SIDE <= height <= _MAX_SIDE):
        raise AIItemError(f"image sides must be {_MIN_SIDE}..{_MAX_SIDE} pixels, got {size!r}")
    return width, height


def render_title_card(prompt: str, width: int, height: int) -> bytes:
    """A PNG with a gradient picked by hashing the prompt, the prompt wrapped on it, and a label
    saying it was made offline."""
    digest = hashlib.sha256(prompt.encode()).digest()
    top, bottom = _palette(digest)
    mask = Image.linear_gradient("L").resize((width, height))
    image = Image.composite(
        Image.new("RGB", (width, height), bottom), Image.new("RGB", (width, height), top), mask
    )
    draw = ImageDraw.Draw(image, "RGBA")
    _draw_circles(draw, digest, width, height)
    label_height = _draw_label(draw, width, height)
    _draw_text(draw, prompt, width, height - label_height)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _palette(digest: bytes) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """Two related colours, both dark enough for white text."""
    hue, shift, saturation = digest[0] / 255, 0.06 + digest[1] / 255 * 0.18, 0.45 + digest[2] / 850
    light = colorsys.hsv_to_rgb(hue, saturation, 0.5 + digest[3] / 1700)
    dark = colorsys.hsv_to_rgb((hue + shift) % 1.0, saturation, 0.2 + digest[4] / 2100)
    return _rgb(light), _rgb(dark)


def _rgb(color: tuple[float, float, float]) -> tuple[int, int, int]:
    return round(color[0] * 255), round(color[1] * 255), round(color[2] * 255)


def _draw_circles(draw: ImageDraw.ImageDraw, digest: bytes, width: int, height: int) -> None:
    side = min(width, height)
    for k in range(3):
        cx, cy = digest[5 + k] / 255 * width, digest[8 + k] / 255 * height
        radius = side * (0.15 + digest[11 + k] / 255 * 0.45)
        box = (cx - radius, cy - radius, cx + radius, cy + radius)
        draw.ellipse(box, fill=(255, 255, 255, 14 + digest[14 + k] % 16))


def _draw_label(draw: ImageDraw.ImageDraw, width: int, height: int) -> int:
    """Draw the "offline" pill in the bottom-right corner; return the height it reserves."""
    size = max(8, min(width, height) // 36)
    font = ImageFont.load_default(size=size)
    text = "pressrun offline"
    pad = max(2, size // 3)
    text_width = draw.textlength(text, font=font)
    right, bottom = width - pad * 2, height - pad * 2
    left, top = right - text_width - pad * 2, bottom - size - pad * 2
    draw.rounded_rectangle((left, top, right, bottom), radius=pad * 2, fill=(0, 0, 0, 110))
    draw.text((left + pad, top + pad), text, font=font, fill=(255, 255, 255, 230))
    return height - round(top) + pad


def _draw_text(draw: ImageDraw.ImageDraw, prompt: str, width: int, height: int) -> None:
    """The prompt, wrapped and shrunk to fit the area above the label, cut with "..." if needed."""
    text = shorten(prompt, 400)
    margin = max(4, round(min(width, height) * 0.08))
    box_width, box_height = width - 2 * margin, max(1, height - margin)
    size, min_size = max(8, min(width, height) // 12), max(6, min(width, height) // 40)
    while True:
        font: _Font = ImageFont.load_default(size=size)
        line_height = round(size * 1.3)
        lines = _wrap(draw, text, font, box_width)
        if len(lines) * line_height <= box_height or size <= min_size:
            break
        size = max(min_size, int(size * 0.85))
    max_lines = max(1, box_height // line_height)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = _fit(draw, lines[-1], font, box_width, suffix=" ...")
    y = margin + max(0, (box_height - len(lines) * line_height) // 2)
    shadow = max(1, size // 16)
    for line in lines:
        draw.text((margin + shadow, y + shadow), line, font=font, fill=(0, 0, 0, 90))
        draw.text((margin, y), line, font=font, fill=(255, 255, 255, 245))
        y += line_height


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: _Font, max_width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = _fit(draw, word, font, max_width)
    if current:
        lines.append(current)
    return lines


def _fit(
    draw: ImageDraw.ImageDraw, text: str, font: _Font, max_width: int, suffix: str = ""
) -> str:
    """`text` cut from the right until it, plus `suffix`, fits in `max_width` pixels."""
    while len(text) > 1 and draw.textlength(text + suffix, font=font) > max_width:
        text = text[:-1]
    return text.rstrip() + suffix
