"""PNG images the suite is handed (the guide's ggplot2 figure): size and how many colours, to tell a plot from a blank."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from .errors import UnreadableOutput


@dataclass(frozen=True)
class PngImage:
    """Size and colour count of a PNG (e.g. the guide's ggplot2 figure)."""

    width: int
    height: int
    distinct_colours: int

    @property
    def is_blank(self) -> bool:
        return self.distinct_colours <= 1


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel


def _chunks(data: bytes):
    pos = len(_PNG_SIGNATURE)
    while pos < len(data):
        if pos + 8 > len(data):
            raise UnreadableOutput("PNG (truncated chunk header)", repr(data[pos:pos + 40]))
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if pos + 12 + length > len(data):
            raise UnreadableOutput("PNG (truncated chunk)", kind.decode("latin-1"))
        yield kind, data[pos + 8:pos + 8 + length]
        if kind == b"IEND":
            return
        pos += 12 + length
    raise UnreadableOutput("PNG (no IEND chunk)", f"{len(data)} bytes")


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def _unfilter(raw: bytes, height: int, stride: int, bpp: int) -> list[bytes]:
    """Undo the per-row PNG filters (None, Sub, Up, Average, Paeth)."""
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, row = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:
            for i in range(bpp, stride):
                row[i] = (row[i] + row[i - bpp]) & 0xFF
        elif kind == 2:
            row = bytearray((r + p) & 0xFF for r, p in zip(row, previous))
        elif kind == 3:
            for i in range(stride):
                left = row[i - bpp] if i >= bpp else 0
                row[i] = (row[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                left = row[i - bpp] if i >= bpp else 0
                upleft = previous[i - bpp] if i >= bpp else 0
                row[i] = (row[i] + _paeth(left, previous[i], upleft)) & 0xFF
        elif kind != 0:
            raise UnreadableOutput("PNG (unknown row filter)", str(kind))
        rows.append(bytes(row))
        previous = row
    return rows


def _pixels(row: bytes, width: int, bits_per_pixel: int):
    if bits_per_pixel >= 8:
        step = bits_per_pixel // 8
        return (row[i:i + step] for i in range(0, width * step, step))
    # Sub-byte grey/palette samples: unpack each pixel's bits.
    per_byte, mask = 8 // bits_per_pixel, (1 << bits_per_pixel) - 1
    return (
        (row[x // per_byte] >> (8 - bits_per_pixel * (x % per_byte + 1))) & mask for x in range(width)
    )


def read_png(data: bytes) -> PngImage:
    """Decode a PNG just far enough to count its distinct colours (zlib + filter reconstruction)."""
    if not data.startswith(_PNG_SIGNATURE):
        raise UnreadableOutput("PNG (missing signature)", repr(data[:40]))
    header, palette, idat = None, None, bytearray()
    for kind, payload in _chunks(data):
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", payload[:13])
        elif kind == b"PLTE":
            palette = [payload[i:i + 3] for i in range(0, len(payload), 3)]
        elif kind == b"IDAT":
            idat += payload
    if header is None or len(idat) == 0:
        raise UnreadableOutput("PNG (no IHDR or IDAT)", f"{len(data)} bytes")
    width, height, depth, colour_type, _, _, interlace = header
    if colour_type not in _CHANNELS:
        raise UnreadableOutput("PNG (unknown colour type)", str(colour_type))
    try:
        raw = zlib.decompress(bytes(idat))
    except zlib.error as exc:
        raise UnreadableOutput("PNG (corrupt or truncated image data)", str(exc)) from None
    bits_per_pixel = _CHANNELS[colour_type] * depth
    stride = (width * bits_per_pixel + 7) // 8
    if interlace:
        # Approximation: Adam7 passes have varying row widths, so rather than de-interlacing we
        # count distinct pixel-sized byte groups over the raw stream, filter bytes and filtered
        # residuals included. It can over-count (a blank image may report a few colours).
        step = max(1, bits_per_pixel // 8)
        colours = {raw[i:i + step] for i in range(0, len(raw) - step + 1, step)}
        return PngImage(width, height, len(colours))
    if len(raw) < height * (stride + 1):
        raise UnreadableOutput("PNG (truncated image data)", f"{len(raw)} of {height * (stride + 1)} bytes")
    colours = set()
    for row in _unfilter(raw, height, stride, max(1, bits_per_pixel // 8)):
        colours.update(_pixels(row, width, bits_per_pixel))
    if colour_type == 3 and palette:
        # Palette indices that point at the same RGB value are one colour.
        indices = {c[0] if isinstance(c, bytes) else c for c in colours}
        colours = {palette[i] if i < len(palette) else i for i in indices}
    return PngImage(width, height, len(colours))
