"""images.read_png (Pillow) tells the size and colour count of every PNG kind (each row filter, RGBA, grey,
palette, 1-bit); a truncated, lying or bomb PNG is one UnreadableOutput line, and a failed check, never an error."""

import struct
import zlib

import pytest

from wslgpu_certify.parsers.errors import UnreadableOutput
from wslgpu_certify.images import PngImage, read_png

# --- PNG: images built here with zlib, using each row filter ---

def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _filter_row(kind: int, row: bytes, previous: bytes, bpp: int) -> bytes:
    def left(i):
        return row[i - bpp] if i >= bpp else 0

    def upleft(i):
        return previous[i - bpp] if i >= bpp else 0

    def paeth(a, b, c):
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        return a if pa <= pb and pa <= pc else b if pb <= pc else c

    predictors = {
        0: lambda i: 0,
        1: left,
        2: lambda i: previous[i],
        3: lambda i: (left(i) + previous[i]) >> 1,
        4: lambda i: paeth(left(i), previous[i], upleft(i)),
    }
    return bytes([kind]) + bytes((row[i] - predictors[kind](i)) & 0xFF for i in range(len(row)))


def make_png(rows, colour_type=2, depth=8, palette=None, filters=(0, 1, 2, 3, 4)):
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour_type]
    bpp = max(1, channels * depth // 8)
    width = len(rows[0]) * 8 // (channels * depth)
    raw, previous = b"", bytes(len(rows[0]))
    for y, row in enumerate(rows):
        raw += _filter_row(filters[y % len(filters)], row, previous, bpp)
        previous = row
    ihdr = struct.pack(">IIBBBBB", width, len(rows), depth, colour_type, 0, 0, 0)
    chunks = _chunk(b"IHDR", ihdr)
    if palette:
        chunks += _chunk(b"PLTE", b"".join(palette))
    return b"\x89PNG\r\n\x1a\n" + chunks + _chunk(b"IDAT", zlib.compress(raw)) + _chunk(b"IEND", b"")


WHITE, RED = b"\xff\xff\xff", b"\xcc\x11\x22"


def test_png_blank():
    image = read_png(make_png([WHITE * 6] * 5))
    assert image == PngImage(6, 5, 1) and image.is_blank


def test_png_two_colours_all_filters():
    rows = [(WHITE * 3 + RED * 3) if y % 2 else (RED * 2 + WHITE * 4) for y in range(10)]
    image = read_png(make_png(rows))
    assert image == PngImage(6, 10, 2) and not image.is_blank


def test_png_rgba_and_grey():
    rgba = [b"\x00\x00\x00\x00" * 3 + b"\x10\x20\x30\xff"] * 4
    assert read_png(make_png(rgba, colour_type=6)).distinct_colours == 2
    grey = [bytes([0, 128, 255, 255])] * 3
    assert read_png(make_png(grey, colour_type=0)).distinct_colours == 3


def test_png_palette_maps_duplicate_entries():
    palette = [WHITE, RED, WHITE]  # index 2 repeats white
    rows = [bytes([0, 2, 0, 2])] * 3
    assert read_png(make_png(rows, colour_type=3, palette=palette)).is_blank
    rows = [bytes([0, 1, 2, 1])] * 3
    assert read_png(make_png(rows, colour_type=3, palette=palette)).distinct_colours == 2


def test_png_one_bit_grey():
    rows = [bytes([0b10100000])] * 2  # width 8 at 1 bit per pixel
    assert read_png(make_png(rows, colour_type=0, depth=1)).distinct_colours == 2


def test_png_missing_signature():
    with pytest.raises(UnreadableOutput):
        read_png(b"GIF89a" + b"\x00" * 20)


@pytest.mark.parametrize("cut", [10, 30, -20, -5])
def test_png_truncated(cut):
    data = make_png([WHITE * 6 + RED] * 5)
    with pytest.raises(UnreadableOutput):
        read_png(data[:cut])


def test_png_image_data_shorter_than_header_says():
    data = make_png([WHITE * 6] * 5)
    header = struct.pack(">IIBBBBB", 6, 50, 8, 2, 0, 0, 0)  # claims 50 rows, holds 5
    data = data[:8] + _chunk(b"IHDR", header) + data[8 + 25:]
    with pytest.raises(UnreadableOutput):
        read_png(data)


# --- hostile PNGs: bounded before decoding, each unreadable with a one-line reason ---

def _png(width, height, idat, colour_type=2, depth=8, interlace=0):
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, interlace)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def _zeros_deflated(size):
    z = zlib.compressobj(9)
    return b"".join(z.compress(bytes(min(2**20, size - done))) for done in range(0, size, 2**20)) + z.flush()


HOSTILE_PNGS = {
    "declares 100000x100000": (_png(100000, 100000, zlib.compress(b"")), "declares 100000x100000 pixels"),
    "declares 4097x4096": (_png(4097, 4096, zlib.compress(b"")), "declares 4097x4096 pixels"),
    "declares 2^31x1": (_png(2**31 - 1, 1, zlib.compress(b"")), "pixels"),
    "declares 0 rows": (_png(16, 0, zlib.compress(b"")), "declares 16x0 pixels"),
    "512x512 holding 16 MB of zeros": (_png(512, 512, _zeros_deflated(16 * 2**20)), "inflates past"),
    "1x1 holding 8 MB of zeros": (_png(1, 1, _zeros_deflated(8 * 2**20)), "inflates past"),
    "interlaced 8x8 holding 1 MB": (_png(8, 8, _zeros_deflated(2**20), interlace=1), "inflates past"),
    "6x5 one byte too many": (_png(6, 5, zlib.compress(bytes(5 * (6 * 3 + 1) + 1))), "inflates past"),
    "6x5 one byte short": (_png(6, 5, zlib.compress(bytes(5 * (6 * 3 + 1) - 1))), "truncated image data"),
    "stream cut mid-way": (_png(64, 64, zlib.compress(bytes(64 * 193))[:-6]), "truncated image data"),
    "not zlib at all": (_png(6, 5, b"\x00garbage\xff" * 4), "corrupt or truncated image data"),
    "JPEG": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64), "missing signature"),
    "text": (b"Error in png(): cannot open file\n", "missing signature"),
    "empty": (b"", "missing signature"),
}


@pytest.mark.parametrize("name", HOSTILE_PNGS)
def test_hostile_png_is_unreadable_with_one_line_reason(name):
    data, reason = HOSTILE_PNGS[name]
    with pytest.raises(UnreadableOutput) as unreadable:
        read_png(data)
    assert reason in unreadable.value.what and "\n" not in unreadable.value.what


@pytest.mark.parametrize("interlace", [0, 1])
def test_png_exactly_as_large_as_declared_decodes(interlace):
    """The bound is the header's own size: an honest image at the limit's edge still reads."""
    from wslgpu_certify.images import _raw_size

    width, height = 37, 23  # odd sizes: Adam7 passes of uneven widths
    raw = bytes(_raw_size(width, height, 24, interlace))
    assert read_png(_png(width, height, zlib.compress(raw), interlace=interlace)) == PngImage(width, height, 1)


def test_a_bomb_as_the_ggplot2_output_fails_its_check_not_errors(certify, tmp_path):
    import base64
    import json

    from suite_run import SNAPSHOTS
    from wslgpu_certify.probes.containers import GGPLOT_PNG

    bomb = _png(512, 512, _zeros_deflated(16 * 2**20))
    snapshot = tmp_path / "bomb.json"
    snapshot.write_text(json.dumps({
        "format": "wslgpu-certify-snapshot/1", "extends": str(SNAPSHOTS / "current-healthy.json"),
        "hosts": {"container:rstudio": {GGPLOT_PNG.command: {
            "exit_status": 0, "stdout": "png-base64: " + base64.b64encode(bomb).decode() + "\n"}}}}))
    run = certify("--snapshot", str(snapshot), "--cert-profile", "current")
    check = run.check("rpy2.ggplot.png")
    assert check["outcome"] == "failed", check
    assert "not a valid PNG" in check["message"] and "inflates past" in check["message"]
