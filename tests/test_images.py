"""Tests for images.read_png (Pillow): size and colour count of the PNGs the suite is handed."""

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
