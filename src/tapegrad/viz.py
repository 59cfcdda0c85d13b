"""`tg.viz`: pictures of autograd graphs, as torchviz's `make_dot` draws them (SPEC §6).

    dot = tg.viz.to_dot(loss, params=dict(model.named_parameters()))   # Graphviz DOT text
    tg.viz.draw(loss, "graph.svg")                                      # SVG (no Graphviz needed)

The graph is read through the public autograd API only (`grad_fn`, `next_functions`,
`AccumulateGrad.variable`, the `_saved_*` attributes), so it shows what torch's would for the
same program: the output tensor (green), one box per backward node named as torch names it,
leaves as their `AccumulateGrad` (blue, with the parameter's name when `params` gives it and
its shape), and with `show_saved=True` the tensors each node saved (orange) and its other
saved values in the node's label.

`to_dot` is the reference output (render it with Graphviz's `dot` if installed). `draw` also
writes SVG itself, with a simple layered layout (a node one row below its lowest consumer),
and PNG through matplotlib when that is installed.
"""

from __future__ import annotations

import html
import pathlib
from collections.abc import Iterable, Mapping
from typing import Any

from .tensor import Tensor

__all__ = ["to_dot", "draw", "Graph"]

_OUTPUT, _NODE, _LEAF, _SAVED = "darkolivegreen1", "lightgrey", "lightblue", "orange"
_SVG_COLORS = {_OUTPUT: "#caff70", _NODE: "#d3d3d3", _LEAF: "#add8e6", _SAVED: "#ffa500"}


def _size(shape: Iterable[int]) -> str:
    # torchviz's size_to_str: "(2)" for one dimension, "()" for a scalar.
    return "(" + ", ".join(str(s) for s in shape) + ")"


class Graph:
    """The picture's content: boxes (id -> (label, color)) and edges (from, to), torchviz's."""

    def __init__(self) -> None:
        self.boxes: dict[str, tuple[str, str]] = {}
        self.edges: list[tuple[str, str]] = []

    def box(self, key: str, label: str, color: str) -> None:
        self.boxes.setdefault(key, (label, color))

    def edge(self, a: str, b: str) -> None:
        if (a, b) not in self.edges:
            self.edges.append((a, b))


def build(outputs: Tensor | Iterable[Tensor], params: Mapping[str, Tensor] | None = None,
          show_saved: bool = False) -> Graph:
    """The boxes and edges of the graph behind `outputs` (see the module docstring)."""
    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    names = {id(v): k for k, v in (params or {}).items()}
    g = Graph()
    seen: set[int] = set()

    def tensor_label(t: Tensor, name: str | None = None) -> str:
        return (f"{name}\n" if name else "") + _size(t.shape)

    def add_node(root: Any) -> str:
        # Depth first, parents before their inputs (torchviz's order), with an explicit stack:
        # a long graph (an unrolled RNN) is deeper than Python's recursion limit.
        stack = [root]
        while stack:
            fn = stack.pop()
            key = str(id(fn))
            if id(fn) in seen:
                continue
            seen.add(id(fn))
            variable = getattr(fn, "variable", None)
            if isinstance(variable, Tensor):  # AccumulateGrad: drawn as its leaf
                g.box(key, tensor_label(variable, names.get(id(variable))), _LEAF)
                continue
            label = fn.name()
            if show_saved:
                for attr in sorted(a for a in dir(fn) if a.startswith("_saved_")):
                    try:
                        value = getattr(fn, attr)
                    except RuntimeError:  # freed by a backward: nothing left to show
                        continue
                    short = attr[len("_saved_"):]
                    if isinstance(value, Tensor):
                        skey = f"{key}.{short}"
                        g.box(skey, f"{short}\n{_size(value.shape)}", _SAVED)
                        g.edge(skey, key)
                    elif value is not None:
                        label += f"\n{short}: {value}"
            g.box(key, label, _NODE)
            children = [c for c, _ in fn.next_functions if c is not None]
            for child in children:
                g.edge(str(id(child)), key)
            stack += reversed(children)
        return str(id(root))

    for t in outs:
        okey = f"out{id(t)}"
        g.box(okey, tensor_label(t, names.get(id(t))), _OUTPUT)
        if t.grad_fn is not None:
            g.edge(add_node(t.grad_fn), okey)
    return g


def to_dot(outputs: Tensor | Iterable[Tensor], params: Mapping[str, Tensor] | None = None,
           show_saved: bool = False) -> str:
    """Graphviz DOT text of the graph behind `outputs` (torchviz's `make_dot` layout)."""
    g = build(outputs, params, show_saved)
    lines = ["digraph {", '\tgraph [size="12,12"]',
             '\tnode [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 '
             'shape=box style=filled]']
    for key, (label, color) in g.boxes.items():
        text = label.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        lines.append(f'\t{key} [label="{text}" fillcolor={color}]')
    lines += [f"\t{a} -> {b}" for a, b in g.edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _layout(g: Graph) -> dict[str, tuple[int, float]]:
    """(row, column) per box: outputs on row 0, every other box one row below its lowest
    consumer (the longest path to an output); within a row, boxes are ordered by the mean
    column of their consumers (one barycentric pass, top down) and centred under them."""
    consumers: dict[str, list[str]] = {k: [] for k in g.boxes}
    for a, b in g.edges:
        consumers[a].append(b)
    # Longest path to an output, from the outputs down (Kahn's order over the reversed
    # edges: a box is placed once all its consumers are).
    row: dict[str, int] = {}
    waiting = {k: len(set(v)) for k, v in consumers.items()}
    inputs: dict[str, set[str]] = {k: set() for k in g.boxes}
    for a, b in g.edges:
        inputs[b].add(a)
    ready = [k for k, n in waiting.items() if n == 0]
    while ready:
        k = ready.pop()
        row[k] = 1 + max((row[c] for c in set(consumers[k])), default=-1)
        for a in inputs[k]:
            waiting[a] -= 1
            if waiting[a] == 0:
                ready.append(a)
    rows: dict[int, list[str]] = {}
    for k in g.boxes:  # discovery order breaks ties
        rows.setdefault(row[k], []).append(k)
    width = max(len(v) for v in rows.values())
    where: dict[str, tuple[int, float]] = {}
    for r in sorted(rows):
        def wanted(k: str) -> float:
            placed = [where[c][1] for c in consumers[k] if c in where]
            return sum(placed) / len(placed) if placed else 0.0

        keys = sorted(rows[r], key=wanted)
        # Columns: each box as close to its wish as the boxes to its left allow, then the
        # whole row shifted back so it stays within [0, width - 1].
        cols: list[float] = []
        for k in keys:
            cols.append(max(wanted(k), cols[-1] + 1 if cols else 0.0))
        shift = max(0.0, cols[-1] - (width - 1))
        cols = [max(c - shift, i) for i, c in enumerate(cols)] if shift else cols
        for k, c in zip(keys, cols):
            where[k] = (r, c)
    return where


def to_svg(outputs: Tensor | Iterable[Tensor], params: Mapping[str, Tensor] | None = None,
           show_saved: bool = False) -> str:
    """SVG of the graph, laid out without Graphviz (inputs at the top, outputs at the bottom,
    as `dot` draws torchviz's graphs)."""
    g = build(outputs, params, show_saved)
    where = _layout(g)
    rows = max((r for r, _ in where.values()), default=0)
    w, gap_x, gap_y = 170, 30, 40
    h = max((30 + 14 * label.count("\n") for label, _ in g.boxes.values()), default=30)
    cols = int(max((c for _, c in where.values()), default=0)) + 1
    width, height = cols * (w + gap_x) + gap_x, (rows + 1) * (h + gap_y) + gap_y

    def center(k: str) -> tuple[float, float]:
        r, c = where[k]
        return gap_x + c * (w + gap_x) + w / 2, gap_y + (rows - r) * (h + gap_y) + h / 2

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="monospace" font-size="11">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" '
             'markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z"/>'
             '</marker></defs>']
    for a, b in g.edges:
        (x1, y1), (x2, y2) = center(a), center(b)
        y1, y2 = y1 - h / 2, y2 + h / 2  # from the top of the input to the bottom of the user
        # An edge skipping rows bends sideways, around the boxes between.
        bend = (where[a][0] - where[b][0] - 1) * (w / 2 + gap_x / 2)
        cx = (x1 + x2) / 2 + (bend if x1 >= x2 else -bend)
        parts.append(f'<path d="M{x1:.0f},{y1:.0f} Q{cx:.0f},{(y1 + y2) / 2:.0f} '
                     f'{x2:.0f},{y2:.0f}" fill="none" stroke="black" '
                     f'marker-end="url(#arrow)"/>')
    for k, (label, color) in g.boxes.items():
        x, y = center(k)
        parts.append(f'<rect x="{x - w / 2:.0f}" y="{y - h / 2:.0f}" width="{w}" height="{h}" '
                     f'fill="{_SVG_COLORS[color]}" stroke="black"/>')
        lines = label.split("\n")
        for i, line in enumerate(lines):
            ty = y - 7 * (len(lines) - 1) + 14 * i + 4
            parts.append(f'<text x="{x:.0f}" y="{ty:.0f}" text-anchor="middle">'
                         f"{html.escape(line)}</text>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def draw(outputs: Tensor | Iterable[Tensor], path: str | pathlib.Path | None = None,
         format: str | None = None, params: Mapping[str, Tensor] | None = None,  # noqa: A002
         show_saved: bool = False) -> str | None:
    """Render the graph behind `outputs`: DOT or SVG text (returned, and written to `path` if
    given), or PNG written to `path` (needs matplotlib). `format` defaults to the suffix of
    `path`, else "svg"."""
    fmt = format or (pathlib.Path(path).suffix.lstrip(".") if path else "") or "svg"
    if fmt == "dot":
        text = to_dot(outputs, params, show_saved)
    elif fmt == "svg":
        text = to_svg(outputs, params, show_saved)
    elif fmt == "png":
        if path is None:
            raise ValueError("tg.viz.draw: PNG needs a path to write to")
        _draw_png(build(outputs, params, show_saved), pathlib.Path(path))
        return None
    else:
        raise ValueError(f"tg.viz.draw: unknown format {fmt!r} (dot, svg or png)")
    if path is not None:
        pathlib.Path(path).write_text(text)
    return text


def _draw_png(g: Graph, path: pathlib.Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    where = _layout(g)
    rows = max((r for r, _ in where.values()), default=0)
    cols = int(max((c for _, c in where.values()), default=0)) + 1
    fig, ax = plt.subplots(figsize=(max(3, 2.2 * cols), max(2, 1.1 * (rows + 1))))
    pos = {k: (c, rows - r) for k, (r, c) in where.items()}
    for a, b in g.edges:
        skip = where[a][0] - where[b][0] - 1  # rows jumped: bend around the boxes between
        ax.annotate("", xy=pos[b], xytext=pos[a],
                    arrowprops=dict(arrowstyle="->", shrinkA=14, shrinkB=14,
                                    connectionstyle=f"arc3,rad={0.25 if skip else 0}"))
    for k, (label, color) in g.boxes.items():
        ax.text(*pos[k], label, ha="center", va="center", family="monospace", fontsize=8,
                bbox=dict(boxstyle="square", facecolor=_SVG_COLORS[color]))
    ax.set_xlim(-0.7, cols - 0.3)
    ax.set_ylim(-0.7, rows + 0.7)
    ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
