"""Images the suite is handed as evidence (the guide's ggplot2 PNG): their size and how many colours.

Decoded with Pillow (the pure-Python reader it replaces spent about 0.3 s of a 1.7 s replay on one
512x512 plot). A file Pillow cannot fully decode (no PNG signature, cut short, corrupt data) is
unreadable, never a picture.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass

from .parsers.errors import UnreadableOutput


@dataclass(frozen=True)
class PngImage:
    """Size and colour count of a PNG (e.g. the guide's ggplot2 figure)."""

    width: int
    height: int
    distinct_colours: int

    @property
    def is_blank(self) -> bool:
        return self.distinct_colours <= 1


SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel


def _check_complete(data: bytes) -> None:
    """Every chunk whole up to IEND, and as much image data as the header promises (Pillow pads a
    short image silently): the file arrived complete."""
    if not data.startswith(SIGNATURE):
        raise UnreadableOutput("PNG (missing signature)", repr(data[:40]))
    pos, header, idat = len(SIGNATURE), None, bytearray()
    while True:
        if pos + 12 > len(data):
            raise UnreadableOutput("PNG (cut short: no IEND chunk)", f"{len(data)} bytes")
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        payload = data[pos + 8:pos + 8 + length]
        if len(payload) < length or pos + 12 + length > len(data):
            raise UnreadableOutput("PNG (truncated chunk)", kind.decode("latin-1"))
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", payload[:13])
        elif kind == b"IDAT":
            idat += payload
        elif kind == b"IEND":
            break
        pos += 12 + length
    if header is None or not idat:
        raise UnreadableOutput("PNG (no IHDR or IDAT)", f"{len(data)} bytes")
    width, height, depth, colour_type, _, _, interlace = header
    try:
        raw = zlib.decompress(bytes(idat))
    except zlib.error as exc:
        raise UnreadableOutput("PNG (corrupt or truncated image data)", str(exc)) from None
    stride = (width * _CHANNELS.get(colour_type, 4) * depth + 7) // 8
    if not interlace and len(raw) < height * (stride + 1):
        raise UnreadableOutput("PNG (truncated image data)", f"{len(raw)} of {height * (stride + 1)} bytes")


def read_png(data: bytes) -> PngImage:
    """The PNG's size and its distinct RGBA colours (palette entries that repeat a colour count once)."""
    from PIL import Image, UnidentifiedImageError

    _check_complete(data)
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # decodes every row: raises on a cut or corrupt image
            rgba = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UnreadableOutput(f"PNG ({exc})", f"{len(data)} bytes") from None
    width, height = rgba.size
    colours = rgba.getcolors(maxcolors=max(1, width * height))
    return PngImage(width, height, len(colours or ()))
