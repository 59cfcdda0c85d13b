"""`tg.viz`: pictures of autograd graphs, the ones torchviz's `make_dot` draws (SPEC §6).

    d = tg.viz.draw(loss, params=dict(model.named_parameters()))   # shows inline in Jupyter
    d.save("graph.svg")                                             # or .png (matplotlib), .dot
    tg.viz.to_dot(loss, show_attrs=True, show_saved=True)           # Graphviz DOT text

The graph is read through the public autograd API only (`grad_fn`, `next_functions`,
`AccumulateGrad.variable`, the `_saved_*` attributes, `saved_tensors` of custom Functions,
`_base`), and it has torchviz's node set: the outputs (green; a view's base dark green, joined
by a dotted edge), one grey box per backward node named by its class, each leaf (blue) above
its `AccumulateGrad` box, and with `show_saved=True` the saved tensors (orange, joined to their
node without an arrowhead); `show_attrs=True` lists a node's saved values in its label as
torchviz's table does. Node ids are `id()`s of the objects, as torchviz's, so they are DOT
numerals; edges point from an input to its user, so inputs are on top and outputs below.

`to_dot` is the text `dot` would render. `draw` lays the same graph out itself (no Graphviz
needed) in the orientation `dot` uses, and renders it as SVG, or as PNG through matplotlib's
Agg canvas (a `Figure` of its own: pyplot and the matplotlib backend are never touched).
"""

from __future__ import annotations

import html
import io
import itertools
import pathlib
from collections.abc import Iterable, Mapping
from typing import Any

from .tensor import Tensor

__all__ = ["Drawing", "Graph", "build", "draw", "to_dot", "to_svg"]

_OUTPUT, _BASE, _NODE, _LEAF, _SAVED = (
    "darkolivegreen1", "darkolivegreen3", "lightgrey", "lightblue", "orange")
_HEX = {_OUTPUT: "#caff70", _BASE: "#a2cd5a", _NODE: "#d3d3d3", _LEAF: "#add8e6",
        _SAVED: "#ffa500"}
_SAVED_PREFIX = "_saved_"

# Picture geometry, in pixels (SVG user units; the PNG is drawn at 100 dpi on the same grid).
_CHAR_W, _LINE_H, _FONT_PX = 6.8, 14.0, 11.0
_PAD_X, _PAD_Y, _GAP_X, _GAP_Y, _MARGIN = 8.0, 5.0, 18.0, 34.0, 12.0
_ARROW_LEN, _ARROW_HALF = 9.0, 4.0


def _size(shape: Iterable[int]) -> str:
    # torchviz's size_to_str: "(2)" for one dimension, "()" for a scalar.
    return "(" + ", ".join(str(int(s)) for s in shape) + ")"


class Graph:
    """The picture's content as torchviz makes it: the statements in the order torchviz emits
    them (`body`), and from them the merged nodes (id -> attributes; a repeated id updates its
    attributes, as Graphviz does) and the edges (tail, head, attributes; repeats kept)."""

    def __init__(self) -> None:
        self.body: list[tuple[Any, ...]] = []
        self.nodes: dict[str, dict[str, str]] = {}
        self.edges: list[tuple[str, str, dict[str, str]]] = []
        self._keep: list[Any] = []  # the objects whose id() is a node id stay alive meanwhile

    def _key(self, obj: Any) -> str:
        self._keep.append(obj)
        return str(id(obj))

    def node(self, obj: Any, label: str, color: str | None = None) -> None:
        key = self._key(obj)
        attrs = {"label": label} if color is None else {"label": label, "fillcolor": color}
        self.body.append(("node", key, attrs))
        self.nodes.setdefault(key, {}).update(attrs)

    def edge(self, tail: Any, head: Any, **attrs: str) -> None:
        a, b = self._key(tail), self._key(head)
        self.body.append(("edge", a, b, attrs))
        self.edges.append((a, b, attrs))

    @property
    def boxes(self) -> dict[str, tuple[str, str]]:
        """id -> (label, fill colour); a backward node's is Graphviz's default light grey."""
        return {k: (v["label"], v.get("fillcolor", _NODE)) for k, v in self.nodes.items()}


def _fn_label(fn: Any, show_attrs: bool, max_attr_chars: int) -> str:
    """torchviz's get_fn_name: the class name, then with `show_attrs` a rule and one
    `name: value` row per saved value (tensors as "[saved tensor]", values cut at
    `max_attr_chars` with "...")."""
    name = type(fn).__name__
    if not show_attrs:
        return name
    attrs: dict[str, str] = {}
    for attr in dir(fn):
        if not attr.startswith(_SAVED_PREFIX):
            continue
        try:
            val = getattr(fn, attr)
        except RuntimeError:  # freed by a backward (torchviz itself would raise here)
            continue
        if isinstance(val, Tensor):
            text = "[saved tensor]"
        elif isinstance(val, tuple) and any(isinstance(t, Tensor) for t in val):
            text = "[saved tensors]"
        else:
            text = str(val)
        attrs[attr[len(_SAVED_PREFIX):]] = text
    if not attrs:
        return name
    width = max(max_attr_chars, 3)
    c1 = max(len(k) for k in attrs)
    c2 = min(max(len(v) for v in attrs.values()), width)
    rows = [f"{k.ljust(c1)}: {(v[:c2 - 3] + '...' if len(v) > c2 else v).rjust(c2)}"
            for k, v in attrs.items()]
    return "\n".join([name, "-" * max(c1 + c2 + 2, len(name)), *rows])


def build(outputs: Tensor | Iterable[Tensor], params: Mapping[str, Tensor] | None = None,
          show_attrs: bool = False, show_saved: bool = False,
          max_attr_chars: int = 50) -> Graph:
    """The nodes and edges of the graph behind `outputs`, made as torchviz's `make_dot` makes
    them, statement for statement (see the module docstring)."""
    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    names = {id(v): k for k, v in (params or {}).items()}
    g = Graph()
    seen: set[int] = set()

    def var_label(t: Tensor, name: str | None = None) -> str:
        return f"{name or names.get(id(t), '')}\n {_size(t.shape)}"

    def saved(fn: Any, t: Any, name: str | None, arrow_from_fn: bool) -> None:
        seen.add(id(t))
        g._keep.append(t)
        if arrow_from_fn:
            g.edge(fn, t, dir="none")
        else:
            g.edge(t, fn, dir="none")
        g.node(t, var_label(t, name), _SAVED)

    def enter(fn: Any) -> bool:
        # Everything torchviz's add_nodes does before recursing; False when already drawn.
        if id(fn) in seen:
            return False
        seen.add(id(fn))
        g._keep.append(fn)
        if show_saved:
            for attr in dir(fn):
                if not attr.startswith(_SAVED_PREFIX):
                    continue
                try:
                    val = getattr(fn, attr)
                except RuntimeError:  # freed by a backward: nothing left to show
                    continue
                seen.add(id(val))
                g._keep.append(val)
                short = attr[len(_SAVED_PREFIX):]
                if isinstance(val, Tensor):
                    saved(fn, val, short, True)
                if isinstance(val, tuple):
                    for i, t in enumerate(val):
                        if isinstance(t, Tensor):
                            saved(fn, t, f"{short}[{i}]", True)
        if hasattr(fn, "variable"):  # AccumulateGrad: its leaf goes above it
            var = fn.variable
            seen.add(id(var))
            g.node(var, var_label(var), _LEAF)
            g.edge(var, fn)
        g.node(fn, _fn_label(fn, show_attrs, max_attr_chars))
        return True

    def leave(fn: Any) -> None:
        # A custom Function's node: its saved tensors, after its inputs (torchviz's order).
        if hasattr(fn, "saved_tensors"):
            try:
                tensors = fn.saved_tensors
            except RuntimeError:  # freed by a backward
                return
            for t in tensors:
                if isinstance(t, Tensor):
                    saved(fn, t, None, False)

    def add_nodes(root: Any) -> None:
        # Depth first in torchviz's order, with an explicit stack: a long graph (an unrolled
        # RNN) is deeper than Python's recursion limit.
        if not enter(root):
            return
        stack = [(root, iter(getattr(root, "next_functions", ())))]
        while stack:
            fn, children = stack[-1]
            for child, _ in children:
                if child is None:
                    continue
                g.edge(child, fn)
                if enter(child):
                    stack.append((child, iter(getattr(child, "next_functions", ()))))
                    break
            else:
                stack.pop()
                leave(fn)

    def add_base_tensor(var: Tensor, color: str = _OUTPUT) -> None:
        if id(var) in seen:
            return
        seen.add(id(var))
        g.node(var, var_label(var), color)
        if var.grad_fn is not None:
            add_nodes(var.grad_fn)
            g.edge(var.grad_fn, var)
        if var._base is not None:  # a view: its base, dark green, dotted
            add_base_tensor(var._base, _BASE)
            g.edge(var._base, var, style="dotted")

    for t in outs:
        add_base_tensor(t)
    g._keep.clear()  # the ids are strings now; nothing needs to stay alive
    return g


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _dot_attrs(attrs: Mapping[str, str]) -> str:
    return " ".join(f"{k}={_dot_quote(v) if k == 'label' else v}" for k, v in attrs.items())


def to_dot(outputs: Tensor | Iterable[Tensor], params: Mapping[str, Tensor] | None = None,
           show_attrs: bool = False, show_saved: bool = False, max_attr_chars: int = 50) -> str:
    """Graphviz DOT text of the graph behind `outputs`, as torchviz's `make_dot(...).source`
    (the same statements and attributes; labels in DOT escapes)."""
    return _dot(build(outputs, params, show_attrs, show_saved, max_attr_chars))


def _dot(g: Graph) -> str:
    size = max(12, len(g.body) * 0.15)  # torchviz's resize_graph
    lines = ["digraph {", f'\tgraph [size="{size},{size}"]',
             ("\tnode [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 "
              "shape=box style=filled]")]
    for st in g.body:
        if st[0] == "node":
            lines.append(f"\t{st[1]} [{_dot_attrs(st[2])}]")
        else:
            tail = f"\t{st[1]} -> {st[2]}"
            lines.append(f"{tail} [{_dot_attrs(st[3])}]" if st[3] else tail)
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Layout: layers as `dot` ranks them (every edge points down, from an input to its user), the
# edges that skip layers routed through points of their own in the layers between, the order
# within a layer by alternating barycentre sweeps, boxes packed without overlap.

class _Layout:
    """Boxes (centre x, top y, width, height) and edge routes (points, arrowhead or not,
    dotted or not) for a Graph, in pixels, inputs at the top."""

    def __init__(self, g: Graph) -> None:
        self.g = g
        boxes = g.boxes
        self.size = {k: self._box_size(label) for k, (label, _) in boxes.items()}
        rank = self._ranks()
        self.rank = rank
        # Chains of layout points per edge: the two boxes and one dummy per layer between.
        nrows = max(rank.values(), default=0) + 1
        rows: list[list[Any]] = [[] for _ in range(nrows)]
        for k in boxes:
            rows[rank[k]].append(k)
        self.chains: list[list[Any]] = []
        for i, (a, b, _) in enumerate(g.edges):
            ra, rb = rank[a], rank[b]
            step = 1 if rb >= ra else -1
            dummies = [("d", i, r) for r in range(ra + step, rb, step)]
            for d in dummies:
                rows[d[2]].append(d)
            self.chains.append([a, *dummies, b])
        self.rows = rows
        self.x = self._place(rows)
        self._finish(rows)

    @staticmethod
    def _box_size(label: str) -> tuple[float, float]:
        lines = label.split("\n")
        return (max(len(s) for s in lines) * _CHAR_W + 2 * _PAD_X,
                len(lines) * _LINE_H + 2 * _PAD_Y)

    def width(self, k: Any) -> float:
        return self.size[k][0] if isinstance(k, str) else 6.0

    def _ranks(self) -> dict[str, int]:
        """Row per box, 0 at the top: every box one row above its highest user (the longest
        path down to an output), over the arrowed and dotted edges; a saved tensor, joined only
        by undirected edges, one row below the lowest node that saved it (`dot` ranks the
        undirected edge node -> tensor the same way)."""
        g = self.g
        users: dict[str, set[str]] = {k: set() for k in g.nodes}
        inputs: dict[str, set[str]] = {k: set() for k in g.nodes}
        loose: dict[str, set[str]] = {k: set() for k in g.nodes}
        for a, b, attrs in g.edges:
            if attrs.get("dir") == "none":
                loose[a].add(b)
                loose[b].add(a)
            elif a != b:
                users[a].add(b)
                inputs[b].add(a)
        height: dict[str, int] = {}
        waiting = {k: len(v) for k, v in users.items()}
        ready = [k for k, n in waiting.items() if n == 0]
        while ready:
            k = ready.pop()
            height[k] = 1 + max((height[u] for u in users[k]), default=-1)
            for a in inputs[k]:
                waiting[a] -= 1
                if waiting[a] == 0:
                    ready.append(a)
        for k in g.nodes:  # a cycle (cannot come from an autograd graph): cut it anywhere
            if k not in height:
                height[k] = 1 + max((height[u] for u in users[k] if u in height), default=-1)
        for k in g.nodes:
            if not users[k] and not inputs[k] and loose[k]:
                height[k] = min(height[n] for n in loose[k]) - 1
        top = max(height.values(), default=0)
        return {k: top - h for k, h in height.items()}

    def _neighbours(self) -> tuple[dict[Any, list[Any]], dict[Any, list[Any]]]:
        above: dict[Any, list[Any]] = {}
        below: dict[Any, list[Any]] = {}
        row = {k: r for r, keys in enumerate(self.rows) for k in keys}
        for chain in self.chains:
            for p, q in itertools.pairwise(chain):
                if row[p] == row[q]:
                    continue
                if row[p] > row[q]:
                    p, q = q, p
                below.setdefault(p, []).append(q)
                above.setdefault(q, []).append(p)
        return above, below

    def _pack(self, keys: list[Any], want: dict[Any, float]) -> dict[Any, float]:
        """Centres for one row: in the order of their wishes, no two boxes closer than the gap,
        each run of touching boxes centred on what its members wish (least squares)."""
        order = sorted(keys, key=lambda k: want[k])
        clusters: list[tuple[list[Any], list[float], float]] = []  # members, offsets, start
        for k in order:
            members, offsets = [k], [0.0]
            start = want[k]
            while clusters:
                pm, po, ps = clusters[-1]
                shift = po[-1] + (self.width(pm[-1]) + self.width(members[0])) / 2 + _GAP_X
                if ps + shift <= start:
                    break
                clusters.pop()
                members, offsets = pm + members, po + [shift + o for o in offsets]
                start = sum(want[m] - o for m, o in zip(members, offsets)) / len(members)
            clusters.append((members, offsets, start))
        return {m: s + o for ms, os, s in clusters for m, o in zip(ms, os)}

    def _place(self, rows: list[list[Any]]) -> dict[Any, float]:
        x: dict[Any, float] = {}
        for keys in rows:  # discovery order, packed from 0
            x.update(self._pack(keys, {k: i for i, k in enumerate(keys)}))
        above, below = self._neighbours()

        def sweep(order: Iterable[int], sides: tuple[dict[Any, list[Any]], ...]) -> None:
            for r in order:
                want = {}
                for k in rows[r]:
                    near = [x[n] for side in sides for n in side.get(k, ())]
                    want[k] = sum(near) / len(near) if near else x[k]
                x.update(self._pack(rows[r], want))

        down, up = range(len(rows)), range(len(rows) - 1, -1, -1)
        for _ in range(3):
            sweep(down, (above,))
            sweep(up, (below,))
        sweep(down, (above, below))
        return x

    def _finish(self, rows: list[list[Any]]) -> None:
        left = min((self.x[k] - self.width(k) / 2 for r in rows for k in r), default=0.0)
        right = max((self.x[k] + self.width(k) / 2 for r in rows for k in r), default=0.0)
        for k in self.x:
            self.x[k] += _MARGIN - left
        self.W = right - left + 2 * _MARGIN
        self.row_top: list[float] = []
        self.row_h: list[float] = []
        y = _MARGIN
        for keys in rows:
            h = max((self.size[k][1] for k in keys if isinstance(k, str)), default=_LINE_H)
            self.row_top.append(y)
            self.row_h.append(h)
            y += h + _GAP_Y
        self.H = y - _GAP_Y + _MARGIN

    def box(self, k: str) -> tuple[float, float, float, float]:
        """(left, top, width, height) of a box."""
        w, h = self.size[k]
        r = self.rank[k]
        return self.x[k] - w / 2, self.row_top[r] + (self.row_h[r] - h) / 2, w, h

    def routes(self) -> list[tuple[list[tuple[float, float]], bool, bool]]:
        """Per edge: its points (the first and last on the borders of its boxes; several
        edges at one border are spread along it), whether it ends in an arrowhead, dotted."""
        ends: dict[tuple[str, str], list[tuple[float, Any]]] = {}  # (box, side) -> (x, end)
        plans = []
        for i, chain in enumerate(self.chains):
            a, b = chain[0], chain[-1]
            ra, rb = self.rank[a], self.rank[b]
            if ra == rb:
                plans.append(None)
                continue
            down = rb > ra
            nxt, prv = chain[1], chain[-2]
            side_a, side_b = ("bottom", "top") if down else ("top", "bottom")
            ends.setdefault((a, side_a), []).append((self.x[nxt], ("t", i)))
            ends.setdefault((b, side_b), []).append((self.x[prv], ("h", i)))
            plans.append(down)
        port: dict[tuple[str, Any], float] = {}
        for (k, _side), items in ends.items():
            items.sort()
            w = self.size[k][0]
            step = min(12.0, (w - 2 * _PAD_X) / max(len(items) - 1, 1))
            for j, (_, tag) in enumerate(items):
                port[(k, tag)] = self.x[k] + (j - (len(items) - 1) / 2) * step
        out = []
        for i, (chain, down) in enumerate(zip(self.chains, plans)):
            a, b = chain[0], chain[-1]
            attrs = self.g.edges[i][2]
            arrow, dotted = attrs.get("dir") != "none", attrs.get("style") == "dotted"
            la, ta, wa, ha = self.box(a)
            lb, tb, wb, hb = self.box(b)
            if down is None:  # same row: side to side
                if la < lb:
                    pts = [(la + wa, ta + ha / 2), (lb, tb + hb / 2)]
                else:
                    pts = [(la, ta + ha / 2), (lb + wb, tb + hb / 2)]
                out.append((pts, arrow, dotted))
                continue
            ya = ta + ha if down else ta
            yb = tb if down else tb + hb
            pts = [(port[(a, ("t", i))], ya)]
            for d in chain[1:-1]:
                r = d[2]
                pts.append((self.x[d], self.row_top[r] + self.row_h[r] / 2))
            pts.append((port[(b, ("h", i))], yb))
            out.append((pts, arrow, dotted))
        return out


def _curve(pts: list[tuple[float, float]], arrow: bool) -> tuple[
        list[tuple[float, float, float, float, float, float]], tuple[float, float]]:
    """Cubic pieces through the points, vertical where they meet a box, and the point the
    line stops at: short of the last point by the arrowhead when there is one."""
    (x0, y0), pieces = pts[0], []
    last = pts[-1]
    horizontal = abs(pts[0][1] - last[1]) < 1e-9
    dx = (1 if last[0] > pts[-2][0] else -1) if horizontal else 0
    dy = 0 if horizontal else (1 if last[1] > pts[-2][1] else -1)
    stop = (last[0] - dx * _ARROW_LEN, last[1] - dy * _ARROW_LEN) if arrow else last
    for j, (x1, y1) in enumerate(pts[1:], 1):
        if j == len(pts) - 1:
            x1, y1 = stop
        if horizontal:
            pieces.append((x0 + (x1 - x0) / 3, y0, x0 + 2 * (x1 - x0) / 3, y1, x1, y1))
        else:
            ym = (y0 + y1) / 2
            pieces.append((x0, ym, x1, ym, x1, y1))
        x0, y0 = x1, y1
    return pieces, (dx, dy)


def _arrowhead(tip: tuple[float, float], d: tuple[float, float]) -> list[tuple[float, float]]:
    (x, y), (dx, dy) = tip, d
    bx, by = x - dx * _ARROW_LEN, y - dy * _ARROW_LEN
    return [(x, y), (bx - dy * _ARROW_HALF, by + dx * _ARROW_HALF),
            (bx + dy * _ARROW_HALF, by - dx * _ARROW_HALF)]


def _svg(g: Graph) -> str:
    lay = _Layout(g)
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{lay.W:.0f}" '
              f'height="{lay.H:.0f}" viewBox="0 0 {lay.W:.1f} {lay.H:.1f}" '
              f'font-family="monospace" font-size="{_FONT_PX:.0f}">'),
             '<rect width="100%" height="100%" fill="white"/>']
    heads = []
    for (a, b, _), (pts, arrow, dotted) in zip(g.edges, lay.routes()):
        pieces, d = _curve(pts, arrow)
        path = f"M{pts[0][0]:.1f},{pts[0][1]:.1f} " + " ".join(
            "C" + " ".join(f"{v:.1f}" for v in piece) for piece in pieces)
        dash = ' stroke-dasharray="2,3"' if dotted else ""
        ends = f'data-tail="n{a}" data-head="n{b}"'
        parts.append(f'<path class="edge" {ends} d="{path}" fill="none" stroke="black"{dash}/>')
        if arrow:
            heads.append((ends, _arrowhead(pts[-1], d)))
    for k, (label, color) in g.boxes.items():
        left, top, w, h = lay.box(k)
        parts.append(f'<rect id="n{k}" x="{left:.1f}" y="{top:.1f}" width="{w:.1f}" '
                     f'height="{h:.1f}" fill="{_HEX[color]}" stroke="black"/>')
        for i, line in enumerate(label.split("\n")):
            if line.strip():
                parts.append(f'<text x="{left + w / 2:.1f}" '
                             f'y="{top + _PAD_Y + _LINE_H * (i + 0.5):.1f}" '
                             f'text-anchor="middle" dominant-baseline="central" '
                             f'xml:space="preserve">{html.escape(line)}</text>')
    for ends, tri in heads:  # last, so that nothing covers them
        parts.append(f'<polygon class="arrowhead" {ends} points="' +
                     " ".join(f"{x:.1f},{y:.1f}" for x, y in tri) + '"/>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _png(g: Graph) -> bytes:
    """The SVG's picture drawn with matplotlib on an Agg canvas of its own (no pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import PathPatch, Polygon, Rectangle
    from matplotlib.path import Path

    lay = _Layout(g)
    dpi = 100.0
    fig = Figure(figsize=(lay.W / dpi, lay.H / dpi), dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0, lay.W)
    ax.set_ylim(lay.H, 0)  # y down, as in the SVG
    ax.axis("off")
    for (pts, arrow, dotted) in lay.routes():
        pieces, d = _curve(pts, arrow)
        verts = [pts[0]] + [p for c in pieces for p in ((c[0], c[1]), (c[2], c[3]), (c[4], c[5]))]
        codes = [Path.MOVETO] + [Path.CURVE4] * (3 * len(pieces))
        ax.add_patch(PathPatch(Path(verts, codes), fill=False, lw=0.8,
                               linestyle=":" if dotted else "-"))
        if arrow:
            ax.add_patch(Polygon(_arrowhead(pts[-1], d), closed=True, color="black", zorder=3))
    pt = _FONT_PX * 72 / dpi
    for k, (label, color) in g.boxes.items():
        left, top, w, h = lay.box(k)
        ax.add_patch(Rectangle((left, top), w, h, facecolor=_HEX[color], edgecolor="black",
                               lw=0.8, zorder=2))
        for i, line in enumerate(label.split("\n")):
            if line.strip():
                ax.text(left + w / 2, top + _PAD_Y + _LINE_H * (i + 0.5), line, ha="center",
                        va="center", family="monospace", fontsize=pt, zorder=4)
    buf = io.BytesIO()
    canvas.print_png(buf)
    return buf.getvalue()


def to_svg(outputs: Tensor | Iterable[Tensor], params: Mapping[str, Tensor] | None = None,
           show_attrs: bool = False, show_saved: bool = False, max_attr_chars: int = 50) -> str:
    """SVG of the graph behind `outputs`, laid out without Graphviz (inputs on top, arrows
    down to their users, as `dot` draws torchviz's graphs)."""
    return _svg(build(outputs, params, show_attrs, show_saved, max_attr_chars))


class Drawing:
    """A drawn graph: shown inline by Jupyter/IPython (`_repr_svg_`, and `_repr_png_` when
    matplotlib is installed), written with `save`; `source` is its DOT text."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._svg: str | None = None

    @property
    def source(self) -> str:
        """The DOT text (torchviz's `make_dot(...).source`)."""
        return _dot(self.graph)

    def svg(self) -> str:
        if self._svg is None:
            self._svg = _svg(self.graph)
        return self._svg

    def png(self) -> bytes:
        """PNG bytes; needs matplotlib."""
        return _png(self.graph)

    def save(self, path: str | pathlib.Path, format: str | None = None
             ) -> pathlib.Path:
        """Write the picture to `path` as "svg", "png" or "dot" (by default its suffix's)."""
        path = pathlib.Path(path)
        fmt = (format or path.suffix.lstrip(".") or "svg").lower()
        if fmt == "svg":
            path.write_text(self.svg())
        elif fmt == "dot" or fmt == "gv":
            path.write_text(self.source)
        elif fmt == "png":
            path.write_bytes(self.png())
        else:
            raise ValueError(f"tg.viz: unknown format {fmt!r} (svg, png or dot)")
        return path

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_png_(self) -> bytes | None:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            return None
        return self.png()

    def __repr__(self) -> str:
        return (f"<tapegrad.viz.Drawing: {len(self.graph.nodes)} nodes, "
                f"{len(self.graph.edges)} edges; .save('g.svg'|'g.png'|'g.dot')>")


def draw(outputs: Tensor | Iterable[Tensor], path: str | pathlib.Path | None = None,
         format: str | None = None, params: Mapping[str, Tensor] | None = None,
         show_attrs: bool = False, show_saved: bool = False,
         max_attr_chars: int = 50) -> Drawing:
    """The picture of the graph behind `outputs` (torchviz's `make_dot` arguments), which a
    notebook shows inline; written to `path` too when given (format by its suffix)."""
    if format is not None and format.lower() not in ("svg", "png", "dot", "gv"):
        raise ValueError(f"tg.viz: unknown format {format!r} (svg, png or dot)")
    drawing = Drawing(build(outputs, params, show_attrs, show_saved, max_attr_chars))
    if path is not None:
        drawing.save(path, format)
    return drawing
