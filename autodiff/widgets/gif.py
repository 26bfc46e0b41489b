"""An animated GIF from PNG frames, in pure Python: the stepper's walk as one file for a slide.

The frames are PNGs that dot or graphviz-pure rendered (8-bit RGB or RGBA, not interlaced).
Each is read (zlib and PNG's five row filters), laid on white, and given one palette for the
whole animation: the 256 colours most used across the frames (a diagram has a few fills and
the shades of its anti-aliased text), every other colour drawn as the nearest of them. A frame
after the first stores only the rectangle where it differs from the one before, and the GIF
loops forever.

Why not Pillow: it is a compiled dependency of some 4 MB for what is here about a hundred
lines, and the stepper's frames are small (encoding one takes a fraction of a second).
"""

from __future__ import annotations

import re
import struct
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

_PNG = b"\x89PNG\r\n\x1a\n"
_CLEAR, _END = 256, 257  # the LZW codes of 8-bit pixels: reset the table, end of the data
_MAX_CODE = 4096


@dataclass(frozen=True)
class Image:
    """width × height pixels, row by row, 3 bytes (RGB) each."""

    width: int
    height: int
    rgb: bytes


def read_png(data: bytes) -> Image:
    """A PNG of 8-bit RGB or RGBA, not interlaced (as Graphviz writes them), on white."""
    if not data.startswith(_PNG):
        raise ValueError("not a PNG file")
    at, chunks, header = len(_PNG), [], b""
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        at += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if depth != 8 or colour not in (2, 6) or interlace:
        raise ValueError(f"a PNG of 8-bit RGB or RGBA, not interlaced, is needed (type {colour})")
    channels = 4 if colour == 6 else 3
    rows = _unfiltered(zlib.decompress(b"".join(chunks)), width * channels, height, channels)
    if channels == 3:
        return Image(width, height, bytes(rows))
    rgb = bytearray(width * height * 3)
    for c in range(3):
        rgb[c::3] = rows[c::4]
    alpha = bytes(rows[3::4])
    for run in re.finditer(b"\x00+", alpha):  # transparent: white
        rgb[3 * run.start() : 3 * run.end()] = b"\xff" * (3 * (run.end() - run.start()))
    for edge in re.finditer(b"[\x01-\xfe]", alpha):  # partly (anti-aliasing): over white
        i, a = edge.start(), alpha[edge.start()]
        for j in range(3 * i, 3 * i + 3):
            rgb[j] = (rgb[j] * a + 255 * (255 - a) + 127) // 255
    return Image(width, height, bytes(rgb))


def _unfiltered(data: bytes, stride: int, height: int, bpp: int) -> bytearray:
    """The pixels of PNG's filtered rows (a filter byte, then the row). Sub and Up, most
    rows, add whole rows at once, as integers, byte by byte (`_add`); Average and Paeth go
    byte by byte."""
    out = bytearray(stride * height)
    previous = bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, row = data[start], data[start + 1 : start + 1 + stride]
        if kind == 1:  # Sub: each byte plus the one bpp before it, already summed
            shift = bpp
            while shift < stride:  # prefix sums by doubling
                row = _add(row, bytes(shift) + row[:-shift])
                shift *= 2
        elif kind == 2:  # Up
            row = _add(row, previous)
        elif kind in (3, 4):
            row = bytes(_average(row, previous, bpp) if kind == 3 else _paeth(row, previous, bpp))
        out[y * stride : (y + 1) * stride] = row
        previous = row
    return out


_LOW: dict[int, int] = {}  # n → n bytes of 0x7f, as an int


def _add(a: bytes, b: bytes) -> bytes:
    """a + b byte by byte, modulo 256: as one integer each, the bytes' high bits apart so
    that no carry crosses from one byte to the next."""
    n = len(a)
    low = _LOW.get(n)
    if low is None:
        low = _LOW[n] = int.from_bytes(b"\x7f" * n, "big")
    x, y = int.from_bytes(a, "big"), int.from_bytes(b, "big")
    high = ~low & ((1 << 8 * n) - 1)
    return (((x & low) + (y & low)) ^ ((x ^ y) & high)).to_bytes(n, "big")


def _average(row: bytes, previous: bytes, bpp: int) -> bytearray:
    out = bytearray(row)
    for i in range(len(out)):
        left = out[i - bpp] if i >= bpp else 0
        out[i] = (out[i] + ((left + previous[i]) >> 1)) & 255
    return out


def _paeth(row: bytes, previous: bytes, bpp: int) -> bytearray:
    out = bytearray(row)
    for i in range(bpp):  # no left: the one above
        out[i] = (out[i] + previous[i]) & 255
    for i in range(bpp, len(out)):
        a, b, c = out[i - bpp], previous[i], previous[i - bpp]
        if b == c:  # most of a diagram: the left one (|p − a| is 0)
            near = a
        else:
            pa, pb = b - c, a - c
            pc = pa + pb
            pa, pb, pc = -pa if pa < 0 else pa, -pb if pb < 0 else pb, -pc if pc < 0 else pc
            near = a if pa <= pb and pa <= pc else b if pb <= pc else c
        out[i] = (out[i] + near) & 255
    return out


def write_gif(frames: Sequence[Image], delay: float) -> bytes:
    """An animated GIF of the frames (placed top left on a white canvas as large as the
    largest), each shown for ``delay`` seconds, looping."""
    width, height = max(f.width for f in frames), max(f.height for f in frames)
    frames = [_on_canvas(f, width, height) for f in frames]
    palette, index = _palette(frames)
    out = bytearray(b"GIF89a" + struct.pack("<HHBBB", width, height, 0xF7, 0, 0))
    out += b"".join(bytes(colour) for colour in palette)
    out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop forever
    hundredths = max(2, round(delay * 100))
    previous: bytes | None = None
    for frame in frames:
        pixels = bytes(index[c] for c in zip(frame.rgb[0::3], frame.rgb[1::3], frame.rgb[2::3]))
        x, y, w, h = _changed(previous, pixels, width, height)
        part = b"".join(pixels[(y + r) * width + x : (y + r) * width + x + w] for r in range(h))
        out += struct.pack("<BBBBHBB", 0x21, 0xF9, 4, 1 << 2, hundredths, 0, 0)  # keep it
        out += struct.pack("<BHHHHB", 0x2C, x, y, w, h, 0) + b"\x08"
        compressed = _lzw(part)
        for at in range(0, len(compressed), 255):
            block = compressed[at : at + 255]
            out += bytes([len(block)]) + block
        out += b"\x00"
        previous = pixels
    return bytes(out + b"\x3b")


def _on_canvas(frame: Image, width: int, height: int) -> Image:
    if (frame.width, frame.height) == (width, height):
        return frame
    rgb = bytearray(b"\xff" * (width * height * 3))
    row = frame.width * 3
    for y in range(frame.height):
        rgb[y * width * 3 : y * width * 3 + row] = frame.rgb[y * row : (y + 1) * row]
    return Image(width, height, bytes(rgb))


Colour = tuple[int, int, int]


def _palette(frames: Sequence[Image]) -> tuple[list[Colour], dict[Colour, int]]:
    """The 256 colours most used, and the palette index of every colour of the frames."""
    counts: Counter[Colour] = Counter()
    for frame in frames:
        counts.update(zip(frame.rgb[0::3], frame.rgb[1::3], frame.rgb[2::3]))
    palette = [colour for colour, _ in counts.most_common(256)]
    index = {colour: i for i, colour in enumerate(palette)}
    for colour in counts:
        if colour not in index:
            index[colour] = min(range(len(palette)), key=lambda i: _distance(colour, palette[i]))
    palette += [(0, 0, 0)] * (256 - len(palette))
    return palette, index


def _distance(a: Colour, b: Colour) -> int:
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2


def _changed(
    before: bytes | None, after: bytes, width: int, height: int
) -> tuple[int, int, int, int]:
    """The smallest rectangle (x, y, w, h) outside which the two frames are the same."""
    if before is None:
        return 0, 0, width, height
    rows = [
        y
        for y in range(height)
        if before[y * width : (y + 1) * width] != after[y * width : (y + 1) * width]
    ]
    if not rows:
        return 0, 0, 1, 1
    top, bottom = rows[0], rows[-1]
    columns = [
        x
        for x in range(width)
        if any(before[y * width + x] != after[y * width + x] for y in range(top, bottom + 1))
    ]
    left, right = columns[0], columns[-1]
    return left, top, right - left + 1, bottom - top + 1


def _lzw(pixels: bytes) -> bytes:
    """GIF's LZW compression of 8-bit pixels: codes from 9 to 12 bits, least significant bit
    first; the table starts again (a clear code) when it is full."""
    out = bytearray()
    bits = count = 0
    size, next_code = 9, _END + 1

    def emit(code: int) -> None:
        nonlocal bits, count, size
        if next_code > (1 << size) and size < 12:
            size += 1
        bits |= code << count
        count += size
        while count >= 8:
            out.append(bits & 255)
            bits >>= 8
            count -= 8

    emit(_CLEAR)
    table: dict[int, int] = {}
    w = pixels[0]
    for k in pixels[1:]:
        key = (w << 8) | k
        code = table.get(key)
        if code is not None:
            w = code
            continue
        emit(w)
        if next_code < _MAX_CODE:
            table[key] = next_code
            next_code += 1
        else:
            emit(_CLEAR)
            table.clear()
            size, next_code = 9, _END + 1
        w = k
    emit(w)
    emit(_END)
    if count:
        out.append(bits & 255)
    return bytes(out)
