"""The stepper's walk saved for a slide: the GIF read back (its frames decoded here, by a
decoder of the tests' own), the web page read back, and the pure-Python PNG reader checked
against a plain transcription of the PNG specification."""

from __future__ import annotations

import json
import re
import struct
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import fails, neuron

import autodiff as ad
from autodiff.diagrams import diagram as diagram_module
from autodiff.widgets import gif


def lzw_decoded(data: bytes) -> bytes:
    """GIF's LZW, decoded (8-bit pixels), as the GIF specification describes it."""
    clear, end = 256, 257
    table = [bytes([i]) for i in range(256)] + [b"", b""]
    out, bits, count, at, size, previous = bytearray(), 0, 0, 0, 9, -1
    while True:
        while count < size:
            if at == len(data):
                return bytes(out)
            bits |= data[at] << count
            count, at = count + 8, at + 1
        code = bits & ((1 << size) - 1)
        bits, count = bits >> size, count - size
        if code == clear:
            table, size, previous = table[:258], 9, -1
            continue
        if code == end:
            return bytes(out)
        if previous < 0:
            entry = table[code]
        else:
            entry = table[code] if code < len(table) else table[previous] + table[previous][:1]
            table.append(table[previous] + entry[:1])
            if len(table) == 1 << size and size < 12:
                size += 1
        out += entry
        previous = code


def read_gif(data: bytes) -> tuple[int, int, list[bytes], list[int]]:
    """The canvas's size, each frame as the canvas shows it (palette indices), and the delays."""
    assert data[:6] == b"GIF89a" and data[-1:] == b"\x3b"
    width, height, packed = struct.unpack("<HHB", data[6:11])
    at = 13 + 3 * (2 << (packed & 7))
    frames: list[bytes] = []
    delays: list[int] = []
    canvas = bytearray(width * height)
    while data[at] != 0x3B:
        if data[at] == 0x21:  # an extension
            if data[at + 1] == 0xF9:
                delays.append(struct.unpack("<H", data[at + 4 : at + 6])[0])
            at += 2
            while data[at]:
                at += 1 + data[at]
            at += 1
            continue
        assert data[at] == 0x2C
        x, y, w, h = struct.unpack("<HHHH", data[at + 1 : at + 9])
        assert data[at + 10] == 8 and x + w <= width and y + h <= height
        at += 11
        compressed = bytearray()
        while data[at]:
            compressed += data[at + 1 : at + 1 + data[at]]
            at += 1 + data[at]
        at += 1
        pixels = lzw_decoded(bytes(compressed))
        assert len(pixels) == w * h
        for row in range(h):
            canvas[(y + row) * width + x : (y + row) * width + x + w] = pixels[
                row * w : (row + 1) * w
            ]
        frames.append(bytes(canvas))
    return width, height, frames, delays


def lzw_round_trips() -> Callable[[], None]:
    """Long runs of pixels from alphabets of 1 to 256 colours: the table fills (codes of 9 to
    12 bits) and starts again (clear codes), as a frame's does."""

    @given(st.integers(1, 256), st.integers(1, 60_000), st.randoms(use_true_random=False))
    def check(colours: int, length: int, rng: Random) -> None:
        pixels = (
            rng.randbytes(length)
            if colours == 256
            else bytes(rng.randrange(colours) for _ in range(length))
        )
        assert lzw_decoded(gif._lzw(pixels)) == pixels

    return check


def test_lzw_round_trips() -> None:
    settings(max_examples=25, deadline=None)(lzw_round_trips())()


@contextmanager
def codes_that_never_widen() -> Iterator[None]:
    """A wrong encoder: its codes stay 9 bits wide, as the table grows past 512 entries."""
    original = gif._lzw

    def narrow(pixels: bytes) -> bytes:
        table: dict[int, int] = {}
        w, bits, count = pixels[0], 256, 9
        for k in pixels[1:]:
            code = table.get((w << 8) | k)
            if code is not None:
                w = code
                continue
            bits |= (w & 511) << count
            count += 9
            if len(table) < 3000:
                table[(w << 8) | k] = 258 + len(table)
            w = k
        bits |= (w << count) | (257 << (count + 9))
        count += 18
        return (bits).to_bytes((count + 7) // 8, "little")

    gif._lzw = narrow
    try:
        yield
    finally:
        gif._lzw = original


def test_the_round_trip_catches_codes_that_never_widen() -> None:
    with codes_that_never_widen():
        fails(lzw_round_trips(), Exception)  # a mismatch, or codes past the table


def png_by_the_book(png: bytes) -> bytes:
    """RGB on white, from a PNG of 8-bit RGB or RGBA, by the specification's own loops."""
    at, idat = 8, b""
    while at < len(png):
        (n,) = struct.unpack(">I", png[at : at + 4])
        kind = png[at + 4 : at + 8]
        if kind == b"IHDR":
            width, height, _, colour = struct.unpack(">IIBB", png[at + 8 : at + 18])
        elif kind == b"IDAT":
            idat += png[at + 8 : at + 8 + n]
        at += 12 + n
    raw, bpp = zlib.decompress(idat), 4 if colour == 6 else 3
    stride, pixels, previous = width * bpp, [], [0] * width * bpp
    for y in range(height):
        kind, row = raw[y * (stride + 1)], list(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a, b = (row[i - bpp] if i >= bpp else 0), previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            p = a + b - c
            paeth = min((abs(p - a), 0, a), (abs(p - b), 1, b), (abs(p - c), 2, c))[2]
            row[i] = (row[i] + [0, a, b, (a + b) // 2, paeth][kind]) & 255
        pixels += row
        previous = row
    if bpp == 3:
        return bytes(pixels)
    over = [
        (pixels[i] * pixels[i - i % 4 + 3] + 255 * (255 - pixels[i - i % 4 + 3]) + 127) // 255
        for i in range(len(pixels))
        if i % 4 != 3
    ]
    return bytes(over)


@pytest.mark.parametrize("renderer", ["dot", "graphviz-pure"])
def test_png_frames_are_read_as_the_specification_says(
    renderer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if renderer == "graphviz-pure":
        monkeypatch.setattr(diagram_module, "find_dot", lambda: None)
    elif ad.diagrams.rendering.find_dot() is None:
        pytest.skip("needs Graphviz's dot program (apt install graphviz; CI installs it)")
    y, _ = neuron()
    y.backward()
    png = ad.draw(y).pipe("png")
    assert isinstance(png, bytes)
    image = gif.read_png(png)
    assert image.rgb == png_by_the_book(png)
    assert (image.width, image.height) == struct.unpack(">II", png[16:24])


def test_the_walk_saves_as_an_animated_gif(tmp_path: Path) -> None:
    y, _ = neuron()
    stepper = ad.stepper(y)
    stepper.step = 2
    path = stepper.save(tmp_path / "backward.gif", fps=4, dpi=48)
    assert stepper.step == 2 and y.grad == 1.0 and stepper.text.startswith("Step 2 of 5")
    width, height, frames, delays = read_gif(path.read_bytes())
    assert len(frames) == stepper.total + 1 == 6 and delays == [25] * 6  # 1/4 s each
    assert len(set(frames)) == 6  # each step its own picture
    larger = stepper.save(tmp_path / "large.gif", fps=0.5, dpi=96)
    big_width, big_height, big_frames, big_delays = read_gif(larger.read_bytes())
    assert len(big_frames) == 6 and big_delays == [200] * 6
    assert big_width == pytest.approx(2 * width, rel=0.1)  # twice the dots per inch
    assert big_height == pytest.approx(2 * height, rel=0.1)


def test_the_walk_saves_as_a_page_of_its_own(tmp_path: Path) -> None:
    y, _ = neuron()
    stepper = ad.stepper(y)
    page = stepper.save(tmp_path / "backward.html", fps=2).read_text(encoding="utf-8")
    assert "<script src" not in page and "http" not in page.replace("http://www.w3.org", "")
    steps = json.loads(re.search(r"const steps = (\[.*\]);\n", page).group(1))  # type: ignore[union-attr]
    assert len(steps) == 6 and re.search(r"setInterval\(.*\s+500\);", page, re.DOTALL)
    assert steps[3]["text"].startswith("Step 3 of 5: the + node (x1·w1 + x2·w2) passes")
    assert all(step["svg"].lstrip().startswith("<?xml") for step in steps)
    assert "∂z/∂x = 1" in steps[3]["formulas"]
    highlighted = re.findall(r'<span class="step-line"[^>]*>([^<]*)</span>', steps[5]["code"])
    assert [line.strip() for line in highlighted][:2] == [
        "# step 5: t0 passes g_t0 back",
        "if g_t0:",
    ]


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("walk.png", {}, r"name a \.gif \(an animation\) or an \.html file"),
        ("walk.gif", {"fps": 0}, r"stepper\.save\(fps=...\)"),
        ("walk.gif", {"fps": 100}, r"fps=100\): from 0\.1 to 50"),
        ("walk.gif", {"dpi": 1000}, r"dpi=1000\): from 20 to 600"),
    ],
)
def test_save_says_what_it_needs(
    name: str, options: dict[str, float], message: str, tmp_path: Path
) -> None:
    y, _ = neuron()
    with pytest.raises(ValueError, match=message):
        ad.stepper(y).save(tmp_path / name, **options)
    assert not list(tmp_path.iterdir())
