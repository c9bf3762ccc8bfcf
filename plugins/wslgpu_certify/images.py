"""Images the suite is handed as evidence (the guide's ggplot2 PNG): their size and how many colours.

Decoded with Pillow (the pure-Python reader it replaces spent about 0.3 s of a 1.7 s replay on one
512x512 plot). A file Pillow cannot fully decode (no PNG signature, cut short, corrupt data) is
unreadable, never a picture.

Bounded before anything is decoded: the header's size is checked against MAX_PIXELS, and the image
data is inflated at most to the size that header declares (a zlib bomb of a few KB would otherwise
inflate to gigabytes before Pillow's own check); a picture over either is unreadable, so the check
that reads it fails with that one line.
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
MAX_PIXELS = 4096 * 4096  # 64 times the guide's 512x512 plot; at 16-bit RGBA, 128 MB of raw image data
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
    if not width or not height or width * height > MAX_PIXELS:
        raise UnreadableOutput(f"PNG (declares {width}x{height} pixels, over the {MAX_PIXELS // 10**6} MP the suite "
                               f"decodes)", f"{len(data)} bytes")
    expected = _raw_size(width, height, _CHANNELS.get(colour_type, 4) * depth, interlace)
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(bytes(idat), expected + 1)  # never more than the header declares, plus one
    except zlib.error as exc:
        raise UnreadableOutput("PNG (corrupt or truncated image data)", str(exc)) from None
    if len(raw) > expected:
        raise UnreadableOutput(f"PNG (image data inflates past the {expected} bytes its {width}x{height} header "
                               f"declares)", f"{len(data)} bytes")
    if len(raw) < expected or not inflater.eof:
        raise UnreadableOutput("PNG (truncated image data)", f"{len(raw)} of {expected} bytes")


# Adam7 passes: (x start, y start, x step, y step) (PNG specification, 3rd ed., §8.2)
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def _raw_size(width: int, height: int, bits_per_pixel: int, interlace: int) -> int:
    """Bytes of filtered image data a width x height image holds: each row its filter byte plus its pixels."""
    passes = _ADAM7 if interlace else ((0, 0, 1, 1),)
    total = 0
    for x0, y0, dx, dy in passes:
        columns, rows = (width - x0 + dx - 1) // dx, (height - y0 + dy - 1) // dy
        if columns > 0 and rows > 0:
            total += rows * (1 + (columns * bits_per_pixel + 7) // 8)
    return total


def read_png(data: bytes) -> PngImage:
    """The PNG's size and its distinct RGBA colours (palette entries that repeat a colour count once)."""
    from PIL import UnidentifiedImageError
    from PIL.Image import DecompressionBombError
    from PIL.PngImagePlugin import PngImageFile  # PNG's reader alone: Image.open first imports five formats' plugins

    _check_complete(data)  # the signature, every chunk, and MAX_PIXELS (under Pillow's own bomb limit)
    try:
        with PngImageFile(io.BytesIO(data)) as image:
            image.load()  # decodes every row: raises on a cut or corrupt image
            # RGB and RGBA pixels are already one colour each (ggplot2's plots): counted as they are, no copy
            pixels = image if image.mode in ("RGB", "RGBA") else image.convert("RGBA")
            width, height = pixels.size
            colours = pixels.getcolors(maxcolors=max(1, width * height))
    except (UnidentifiedImageError, DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        raise UnreadableOutput(f"PNG ({exc})", f"{len(data)} bytes") from None
    return PngImage(width, height, len(colours or ()))
