"""`Diagram`: a `graphviz.Digraph` that also renders where Graphviz's dot is not installed.

Everything the graphviz package documents works on it: ``.source``, ``.pipe()``,
``.render()``, ``.view()``, ``.attr()``, ``.node()``, Jupyter's display. With dot on the PATH
the package renders as it always does. Without it, ``pipe`` and ``render`` hand the DOT text to
graphviz-pure (SVG and PNG) instead of failing with ``ExecutableNotFound``; what still cannot
render raises `RenderingError` with the command that installs what is missing.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import graphviz

from autodiff.checks import as_positive
from autodiff.diagrams.rendering import RenderingError, find_dot, format_of, render_without_dot

MIN_DPI, MAX_DPI = 20, 600
"""The dots per inch a picture may be written at: 600 makes a diagram of 35 boxes some
8,000 pixels wide, already more than a slide can show."""


class Diagram(graphviz.Digraph):  # type: ignore[misc]  # graphviz ships no type hints
    """An influence diagram, as a graphviz Digraph; ``node_count`` and ``edge_count`` say how
    many Values (or units) and edges it draws, counted as drawn (a label may hold " -> ");
    ``members``, the labels of the Values each box stands for, by the box's name (n0, n1,
    ...): a unit's box names its z, y and parameters, which a search finds it by."""

    def __init__(
        self,
        *args: Any,
        node_count: int = 0,
        edge_count: int = 0,
        members: dict[str, tuple[str, ...]] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.node_count = node_count
        self.edge_count = edge_count
        self.members = members or {}

    def _copy_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        """What `copy` and `subgraph` give a new Diagram: graphviz's, the counts, the members."""
        own = {
            "node_count": self.node_count,
            "edge_count": self.edge_count,
            "members": self.members,
        }
        return dict(super()._copy_kwargs(**kwargs), **own)

    def __repr__(self) -> str:
        return (
            f"<Diagram: {self.node_count} nodes, {self.edge_count} edges; "
            ".source holds its DOT text>"
        )

    def pipe(
        self,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        *,
        engine: str | None = None,
        encoding: str | None = None,
    ) -> bytes | str:
        """graphviz's ``pipe``; without dot, SVG and PNG from graphviz-pure."""
        if find_dot() is not None or renderer is not None or formatter is not None:
            piped: bytes | str = super().pipe(
                format,
                renderer=renderer,
                formatter=formatter,
                neato_no_op=neato_no_op,
                quiet=quiet,
                engine=engine,
                encoding=encoding,
            )
            return piped
        data = render_without_dot(self.source, format or self.format, engine or self.engine)
        return data.decode(encoding) if encoding is not None else data

    def render(  # noqa: PLR0917 -- graphviz's own signature
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        quiet_view: bool = False,
        *,
        outfile: str | os.PathLike[str] | None = None,
        engine: str | None = None,
        raise_if_result_exists: bool = False,
        overwrite_source: bool = False,
    ) -> str:
        """graphviz's ``render``: the source saved, then rendered beside it (or to outfile);
        without dot, SVG and PNG from graphviz-pure."""
        if find_dot() is not None or renderer is not None or formatter is not None:
            return str(
                super().render(
                    filename,
                    directory=directory,
                    view=view,
                    cleanup=cleanup,
                    format=format,
                    renderer=renderer,
                    formatter=formatter,
                    neato_no_op=neato_no_op,
                    quiet=quiet,
                    quiet_view=quiet_view,
                    outfile=outfile,
                    engine=engine,
                    raise_if_result_exists=raise_if_result_exists,
                    overwrite_source=overwrite_source,
                )
            )
        if outfile is not None:
            format = format or Path(outfile).suffix.lstrip(".").lower()
            if directory is None:
                outfile = Path(self.directory, outfile)
            if filename is None:
                filename = Path(outfile).with_suffix(".gv")
        format = format or self.format
        data = self._image(format, engine)  # before writing: a failure leaves no file
        source = Path(self.save(filename, directory=directory))
        result = Path(outfile) if outfile is not None else Path(f"{source}.{format}")
        if raise_if_result_exists and result.exists():
            raise graphviz.FileExistsError(f"output file exists: {os.fspath(result)!r}")
        result.write_bytes(data)
        if cleanup:
            source.unlink()
        if view or quiet_view:
            self._view(result, format=format, quiet=quiet_view)
        return str(result)

    def write(self, path: str | os.PathLike[str], *, dpi: float | None = None) -> Path:
        """Write the diagram to path, in the format its suffix names (.svg .png .pdf, or .dot
        and .gv for the DOT text); nothing is written if it cannot be rendered. ``dpi``: a
        PNG's dots per inch (Graphviz's default is 96, a screen's; 200 or 300 make a slide
        sharp on a projector), its size in pixels the diagram's in inches times dpi."""
        path = Path(path)
        image_format = format_of(path)
        diagram = self
        if dpi is not None:
            resolution = as_positive(dpi, "write(dpi=...)")
            if not MIN_DPI <= resolution <= MAX_DPI:
                raise ValueError(f"write(dpi={dpi!r}): from {MIN_DPI} to {MAX_DPI} dots per inch")
            diagram = self.copy()
            diagram.attr(dpi=f"{resolution:g}")
        data = (
            self.source.encode("utf-8") if image_format == "dot" else diagram._image(image_format)
        )
        path.write_bytes(data)
        return path

    def _image(self, image_format: str, engine: str | None = None) -> bytes:
        data = self.pipe(image_format, engine=engine)
        assert isinstance(data, bytes)  # no encoding asked for
        return data

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Jupyter's display: graphviz's (SVG), or, where nothing renders, the reason as text.

        Beside the SVG, the same picture as HTML that fits the output's width: JupyterLab
        shows an SVG at its natural size, and a network's or a long chain's diagram would
        need scrolling sideways (one of 14 tanh units is some 6,000 pixels wide); a diagram
        narrower than the output keeps its size. `autodiff.zoom` zooms into one."""
        try:
            bundle: dict[str, Any] = super()._repr_mimebundle_(include, exclude, **kwargs)
        except RenderingError as error:
            return {"text/plain": f"{error}\n\n{self!r}"}
        svg = bundle.get("image/svg+xml")
        if isinstance(svg, str) and (exclude is None or "text/html" not in exclude):
            data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
            bundle["text/html"] = (
                f'<img src="data:image/svg+xml;base64,{data}" alt="an influence diagram" '
                'style="max-width: 100%; height: auto">'
            )
        return bundle
