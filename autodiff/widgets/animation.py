"""The stepper's walk as one file for a slide: an animated GIF, or a web page of its own.

Each frame is one step as the stepper shows it: its diagram (every box in the same place at
every step), its line of text and the formulas of the edges it passes along; the page adds
the code with the step's lines highlighted, and buttons, a slider and play, with no script or
style fetched from anywhere. A GIF's frames are the diagrams rendered as PNG (by dot, or
graphviz-pure) at the dots per inch asked for, each with its text rendered below it by the
same renderer, and encoded by `autodiff.widgets.gif`.
"""

from __future__ import annotations

import html
import json
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autodiff.diagrams.diagram import Diagram
from autodiff.diagrams.influence import escaped
from autodiff.widgets import gif

FORMATS = (".gif", ".html")
"""What `Stepper.save` writes, by the file's suffix."""


@dataclass(frozen=True)
class Frame:
    """One step: its diagram, its text (the line above the diagram, then the formulas), and
    its code as HTML, the step's lines highlighted."""

    diagram: Diagram
    text: list[str]
    code: str


def write_gif(path: Path, frames: Sequence[Frame], fps: float, dpi: float) -> None:
    images = []
    for frame in frames:
        frame.diagram.attr(dpi=f"{dpi:g}", pad="0.1")
        picture = gif.read_png(_png(frame.diagram))
        caption = gif.read_png(_png(_caption(frame.text, picture.width / dpi, dpi)))
        images.append(_below(picture, caption))
    path.write_bytes(gif.write_gif(images, 1 / fps))


def _png(diagram: Diagram) -> bytes:
    data = diagram.pipe("png")
    assert isinstance(data, bytes)  # no encoding asked for
    return data


def _caption(lines: Sequence[str], inches: float, dpi: float) -> Diagram:
    """The lines as a picture as wide as the diagram's (inches), left-aligned, wrapped."""
    width = max(20, int(inches * 72 / 6.2))  # characters of 11-point Helvetica, about
    wrapped = [part for line in lines for part in textwrap.wrap(line, width) or [""]]
    label = "".join(escaped(line) + "\\l" for line in wrapped)
    caption = Diagram(
        graph_attr={"dpi": f"{dpi:g}", "pad": "0.1", "margin": "0"},
        node_attr={"shape": "plaintext", "fontname": "Helvetica", "fontsize": "11"},
    )
    caption.node("text", label, width=f"{inches:.2f}", margin="0.05,0")
    return caption


def _below(top: gif.Image, bottom: gif.Image) -> gif.Image:
    """One picture of two, the second below the first, both from the left, on white."""
    width = max(top.width, bottom.width)

    def rows(image: gif.Image) -> bytes:
        pad = b"\xff" * ((width - image.width) * 3)
        row = image.width * 3
        return b"".join(image.rgb[y * row : (y + 1) * row] + pad for y in range(image.height))

    return gif.Image(width, top.height + bottom.height, rows(top) + rows(bottom))


def write_html(path: Path, frames: Sequence[Frame], fps: float, title: str) -> None:
    steps = [
        {
            "svg": frame.diagram.pipe("svg", encoding="utf-8"),
            "text": html.escape(frame.text[0]),
            "formulas": "<br>".join(html.escape(line) for line in frame.text[1:]),
            "code": frame.code,
        }
        for frame in frames
    ]
    # "</" would end the script early: written as "<\/", which JSON reads back the same.
    data = json.dumps(steps).replace("</", "<\\/")
    page = _PAGE.format(title=html.escape(title), steps=data, interval=round(1000 / fps))
    path.write_text(page, encoding="utf-8")


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: Helvetica, Arial, sans-serif; margin: 1em; }}
#views {{ display: flex; gap: 1em; align-items: flex-start; }}
#diagram {{ flex: 1 1 auto; min-width: 0; }}
#diagram svg {{ width: 100%; height: auto; }}
#side {{ flex: 0 0 28em; font-size: 0.9em; }}
#formulas {{ margin: 0.5em 0; }}
button {{ font-size: 1em; min-width: 2.5em; }}
</style></head>
<body>
<h1 style="font-size: 1.2em">{title}</h1>
<div><button id="first" title="the start">start</button>
<button id="back" title="one step back">back</button>
<button id="play" title="play">play</button><button id="next" title="the next step">next</button>
<button id="last" title="the end">end</button>
<input id="slider" type="range" min="0" value="0"> <span id="count"></span></div>
<p id="text"></p>
<div id="views"><div id="diagram"></div><div id="side"><div id="formulas"></div>
<div id="code"></div></div></div>
<script>
const steps = {steps};
const slider = document.getElementById("slider");
slider.max = steps.length - 1;
let timer = null;
function show(k) {{
  k = Math.max(0, Math.min(k, steps.length - 1));
  slider.value = k;
  const step = steps[k];
  document.getElementById("diagram").innerHTML = step.svg;
  document.getElementById("text").innerHTML = step.text;
  document.getElementById("formulas").innerHTML = step.formulas;
  document.getElementById("code").innerHTML = step.code;
  document.getElementById("count").textContent = `step ${{k}} of ${{steps.length - 1}}`;
}}
function stop() {{ clearInterval(timer); timer = null; }}
const now = () => Number(slider.value);
document.getElementById("first").onclick = () => {{ stop(); show(0); }};
document.getElementById("back").onclick = () => {{ stop(); show(now() - 1); }};
document.getElementById("next").onclick = () => {{ stop(); show(now() + 1); }};
document.getElementById("last").onclick = () => {{ stop(); show(steps.length - 1); }};
slider.oninput = () => {{ stop(); show(now()); }};
document.getElementById("play").onclick = () => {{
  if (timer) return stop();
  if (now() === steps.length - 1) show(0);
  timer = setInterval(() => {{ show(now() + 1); if (now() === steps.length - 1) stop(); }},
                      {interval});
}};
show(0);
</script>
</body></html>
"""
