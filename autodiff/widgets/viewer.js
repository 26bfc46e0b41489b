// The browser side of autodiff's diagram viewer (an anywidget ES module, no build step).
//
// It only shows: the SVG, the part of it that the model's `view` names (as the viewBox), and
// the boxes whose ids the model's `matches` lists. Python decides both (search, buttons), where
// they are tested; here the wheel zooms around the pointer and a drag pans, and each move is
// sent back as the new `view`. Nothing is fetched: the SVG comes from the kernel.

function render({ model, el }) {
  const frame = document.createElement("div");
  frame.className = "autodiff-viewer";
  el.appendChild(frame);
  let svg = null;

  function draw() {
    frame.innerHTML = model.get("svg");
    svg = frame.querySelector("svg");
    if (svg) {
      svg.removeAttribute("width"); // the viewBox decides what shows; the frame, how big
      svg.removeAttribute("height");
    }
    size();
    place();
    mark();
  }
  function size() {
    frame.style.height = `${model.get("height")}px`;
  }
  function place() {
    if (svg) svg.setAttribute("viewBox", model.get("view").join(" "));
  }
  function mark() {
    const matches = new Set(model.get("matches"));
    frame.classList.toggle("searching", matches.size > 0);
    for (const node of frame.querySelectorAll("g.node")) {
      node.classList.toggle("match", matches.has(node.id));
    }
  }
  function send(view) {
    model.set("view", view);
    model.save_changes();
    place();
  }
  // SVG units per screen pixel: the viewBox is fitted into the frame, keeping its proportions.
  function unit() {
    const [, , w, h] = model.get("view");
    return Math.max(w / frame.clientWidth, h / frame.clientHeight);
  }

  frame.addEventListener(
    "wheel",
    (event) => {
      event.preventDefault();
      const [x, y, w, h] = model.get("view");
      const rect = frame.getBoundingClientRect();
      const u = unit();
      // the point under the pointer stays where it is
      const px = x + w / 2 + (event.clientX - rect.left - rect.width / 2) * u;
      const py = y + h / 2 + (event.clientY - rect.top - rect.height / 2) * u;
      const f = Math.exp(event.deltaY * 0.002);
      send([px - (px - x) * f, py - (py - y) * f, w * f, h * f]);
    },
    { passive: false },
  );

  let drag = null;
  frame.addEventListener("pointerdown", (event) => {
    drag = { x: event.clientX, y: event.clientY, view: model.get("view"), u: unit() };
    frame.setPointerCapture(event.pointerId);
    frame.classList.add("dragging");
  });
  frame.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const [x, y, w, h] = drag.view;
    const dx = (event.clientX - drag.x) * drag.u;
    const dy = (event.clientY - drag.y) * drag.u;
    model.set("view", [x - dx, y - dy, w, h]);
    place();
  });
  const drop = () => {
    if (!drag) return;
    drag = null;
    frame.classList.remove("dragging");
    model.save_changes();
  };
  frame.addEventListener("pointerup", drop);
  frame.addEventListener("pointercancel", drop);

  model.on("change:svg", draw);
  model.on("change:view", place);
  model.on("change:matches", mark);
  model.on("change:height", size);
  draw();
  return () => {
    model.off("change:svg", draw);
    model.off("change:view", place);
    model.off("change:matches", mark);
    model.off("change:height", size);
  };
}

export default { render };
