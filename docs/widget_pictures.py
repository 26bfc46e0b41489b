"""The notebooks' widgets on the site, as Jupyter showed them when the notebook ran.

The site loads no widget JavaScript (it works offline), so a widget's output would show only
its line of text: "<diagram viewer: 35 boxes; zoom and search in Jupyter>". But the run the site
shows (docs/executed_notebooks.py) saves with the notebook the state of every widget, as
Jupyter does to draw them again: each widget's texts and numbers, the diagram viewer's SVG and
the part of it in view, as they were at the end of the run. `draw_widgets` turns each widget
output into HTML drawn from that state: the stepper's diagram at its step with its text, the
explorer's sliders and diagram, the zoom viewer's diagram as it was in view with the boxes a
search found outlined, a progress bar and the live training view at their end. Controls show as
they stood, disabled: the page is a picture of the widget, not the widget. A widget of a kind
not drawn here stops the build, naming it, rather than show as a line of text.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree

STATE = "application/vnd.jupyter.widget-state+json"
VIEW = "application/vnd.jupyter.widget-view+json"
SVG = "http://www.w3.org/2000/svg"
ElementTree.register_namespace("", SVG)
ElementTree.register_namespace("xlink", "http://www.w3.org/1999/xlink")

# As the viewer's CSS has it (autodiff/widgets/viewer.py): a search dims the boxes it did not
# find and outlines those it did.
SEARCHED = (
    "g.node:not(.match) { opacity: 0.3; } "
    "g.node.match > polygon, g.node.match > path { stroke: #f76707; stroke-width: 4px; }"
)
ICONS = {"fast-backward": "◀◀", "step-backward": "◀", "step-forward": "▶", "fast-forward": "▶▶"}
"""The Font Awesome icons of the stepper's buttons, as characters (the site has no icon font)."""


def draw_widgets(notebook: Any) -> None:
    """Give each widget output of an executed notebook its picture as HTML (which the site
    shows, before the text), from the widgets' state saved with it; then drop that state."""
    widgets = Widgets(notebook.metadata.pop("widgets", {}).get(STATE, {}).get("state", {}))
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(VIEW)
            if view is not None:
                output["data"]["text/html"] = widgets.html(view["model_id"])


class Widgets:
    """The widgets of a notebook's saved state, each drawn as HTML."""

    def __init__(self, saved: dict[str, Any]) -> None:
        self.saved = saved

    def html(self, model_id: str) -> str:
        """The widget model_id and its children, as they stood, in a frame."""
        return f'<div class="widget-picture">{self.draw(model_id)}</div>'

    def draw(self, model_id: str) -> str:
        model = self.saved[model_id]
        state = {**model["state"], **buffers(model)}
        layout = self.saved.get(reference(state.get("layout", "")), {}).get("state", {})
        if layout.get("display") == "none" or layout.get("visibility") == "hidden":
            return ""
        name = model["model_name"]
        if "svg" in state and "view" in state:  # the diagram viewer's canvas
            return diagram(state)
        if name in ("VBoxModel", "HBoxModel", "BoxModel"):
            children = "".join(self.draw(reference(c)) for c in state["children"])
            return f'<div class="widget-{name[:-5].lower()}">{children}</div>'
        if name not in DRAWN:
            raise ValueError(
                f"the site cannot draw a widget {name} ({model['model_module']}): "
                "docs/widget_pictures.py draws the kinds the notebooks use"
            )
        text = html.escape(str(state.get("description", "")))
        return DRAWN[name](state, f"<label>{text}</label> " if text else "")


def slider(state: dict[str, Any], label: str) -> str:
    value = state["value"]
    shown = f"{value:.4g}" if isinstance(value, float) else str(value)
    return (
        f'<div>{label}<input type="range" disabled min="{state["min"]}" max="{state["max"]}" '
        f'step="{state.get("step", 1)}" value="{value}"> {shown}</div>'
    )


def text_box(state: dict[str, Any], label: str) -> str:
    value, hint = html.escape(state["value"]), html.escape(state.get("placeholder", ""))
    return f'{label}<input type="text" disabled value="{value}" placeholder="{hint}">'


def radio_buttons(state: dict[str, Any], label: str) -> str:
    return label + "".join(
        f'<div><input type="radio" disabled{" checked" if i == state["index"] else ""}> '
        f"{html.escape(option)}</div>"
        for i, option in enumerate(state["_options_labels"])
    )


def progress(state: dict[str, Any], label: str) -> str:
    style = html.escape(state.get("bar_style", ""))
    bar = f'{label}<progress class="{style}" value="{state["value"]}" max="{state["max"]}">'
    return f"{bar}</progress>"


def image(state: dict[str, Any], label: str) -> str:
    data = base64.b64encode(state["value"]).decode()
    return f'<img alt="" src="data:image/{html.escape(state["format"])};base64,{data}">'


def button(state: dict[str, Any], label: str) -> str:
    icon = ICONS.get(state.get("icon", ""), "")
    tip = html.escape(state.get("tooltip") or "")
    return f'<button disabled title="{tip}">{icon}{html.escape(state["description"])}</button>'


Drawing = Callable[[dict[str, Any], str], str]
DRAWN: dict[str, Drawing] = {
    "HTMLModel": lambda state, label: f"<div>{label}{state['value']}</div>",  # HTML, as shown
    "HTMLMathModel": lambda state, label: (
        f"<div>{label}{with_mathjax_delimiters(state['value'])}</div>"
    ),
    "LabelModel": lambda state, label: f"<div>{html.escape(state['value'])}</div>",
    "ButtonModel": button,
    "PlayModel": lambda state, label: "<button disabled>▶</button>",
    "IntSliderModel": slider,
    "FloatSliderModel": slider,
    "TextModel": text_box,
    "CheckboxModel": lambda state, label: (
        f'<div><input type="checkbox" disabled{" checked" if state["value"] else ""}> '
        f"{html.escape(state['description'])}</div>"
    ),
    "RadioButtonsModel": radio_buttons,
    "FloatProgressModel": progress,
    "IntProgressModel": progress,
    "ImageModel": image,
}
"""How each kind of widget the notebooks show is drawn, from its state and its description
(as a label, where it has one); boxes and the diagram viewer's canvas are drawn above."""


def with_mathjax_delimiters(text: str) -> str:
    """HTMLMath's formulas, $...$ and $$...$$, as MathJax reads them on the site: \\(...\\) and
    \\[...\\] (conf.py loads MathJax on every page)."""
    text = re.sub(r"\$\$(.+?)\$\$", r"\\[\1\\]", text, flags=re.DOTALL)
    return re.sub(r"(?<!\\)\$(.+?)(?<!\\)\$", r"\\(\1\\)", text, flags=re.DOTALL)


def reference(value: str) -> str:
    """The model id in a reference to another widget, 'IPY_MODEL_<id>'."""
    return value.removeprefix("IPY_MODEL_")


def buffers(model: dict[str, Any]) -> dict[str, bytes]:
    """The binary parts of a model's state (an image's bytes), saved apart, in base64."""
    return {b["path"][0]: base64.b64decode(b["data"]) for b in model.get("buffers", [])}


def diagram(state: dict[str, Any]) -> str:
    """The viewer's SVG as it showed it: the part in view, the height of its frame, the boxes
    its search found outlined and the others dimmed; as an image, whose ids and styles then
    stay its own."""
    svg = ElementTree.fromstring(state["svg"])
    for size in ("width", "height"):  # the view decides what shows; the frame, how big
        svg.attrib.pop(size, None)
    svg.set("viewBox", " ".join(f"{v:g}" for v in state["view"]))
    if state["matches"]:
        for node in svg.iter(f"{{{SVG}}}g"):
            if node.get("id") in state["matches"]:
                node.set("class", f"{node.get('class', '')} match")
        style = ElementTree.Element(f"{{{SVG}}}style")
        style.text = SEARCHED
        svg.insert(0, style)
    data = base64.b64encode(ElementTree.tostring(svg, encoding="utf-8")).decode()
    full = state["view"][2] * 4 / 3  # its width at 1:1, in CSS pixels (a point is 4/3 of one)
    return (
        f'<img class="widget-diagram" tabindex="0" title="click: full size; click beside it: '
        f'back" style="height: {int(state["height"])}px; --full: {full:.0f}px" '
        f'alt="the diagram, as the widget showed it" src="data:image/svg+xml;base64,{data}">'
    )
