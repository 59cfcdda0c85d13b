"""tg.viz: the drawn graph is torch's graph for the same program (names and edges)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import torch

import tapegrad as tg


def _program(T):
    w = T.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = T.tensor([0.5, -0.5], requires_grad=True)
    x = T.tensor([[1.0, -1.0], [2.0, 0.0]])
    h = (x @ w + b).tanh()
    loss = (h * h).sum() + b.exp().mean()
    return loss, {"w": w, "b": b}


def _torch_edges(out):
    """(child label, parent label) for torch's graph, leaves labelled by name and size."""
    loss, params = out
    names = {id(v): k for k, v in params.items()}
    edges, seen = set(), set()

    def label(fn):
        if hasattr(fn, "variable"):
            v = fn.variable
            return f"{names.get(id(v))}\n({', '.join(map(str, v.shape))})"
        return fn.name()

    def walk(fn):
        if fn in seen:
            return
        seen.add(fn)
        for child, _ in fn.next_functions:
            if child is not None:
                edges.add((label(child), label(fn)))
                walk(child)

    walk(loss.grad_fn)
    return edges, label(loss.grad_fn)


def test_graph_matches_torch_node_names_and_edges():
    t_edges, t_root = _torch_edges(_program(torch))
    loss, params = _program(tg)
    g = tg.viz.build(loss, params=params)
    label = {k: v[0] for k, v in g.boxes.items()}
    out_keys = [k for k, (_, color) in g.boxes.items() if color == tg.viz._OUTPUT]
    assert len(out_keys) == 1 and label[out_keys[0]] == "()"
    node_edges = {(label[a], label[b]) for a, b in g.edges if b not in out_keys}
    assert node_edges == t_edges
    assert {label[a] for a, b in g.edges if b in out_keys} == {t_root}
    leaves = sorted(v for v, color in g.boxes.values() if color == tg.viz._LEAF)
    assert leaves == ["b\n(2)", "w\n(2, 2)"]


def _torch_saved(loss):
    """sorted (node name, saved tensor name) over torch's graph."""
    out, seen, stack = [], set(), [loss.grad_fn]
    while stack:
        fn = stack.pop()
        if fn in seen or fn is None:
            continue
        seen.add(fn)
        for attr in dir(fn):
            if attr.startswith("_saved_") and isinstance(getattr(fn, attr), torch.Tensor):
                out.append((fn.name(), attr[len("_saved_"):]))
        stack += [c for c, _ in fn.next_functions]
    return sorted(out)


def test_dot_text_and_saved_tensors_match_torch():
    loss, params = _program(tg)
    dot = tg.viz.to_dot(loss, params=params, show_saved=True)
    assert dot.startswith("digraph {") and dot.rstrip().endswith("}")
    for name in ("TanhBackward0", "MmBackward0", "AddBackward0", "MulBackward0", "SumBackward0",
                 "ExpBackward0", "MeanBackward0"):
        assert f'label="{name}' in dot
    assert 'label="result\\n(2, 2)" fillcolor=orange' in dot  # TanhBackward0's result
    assert "fillcolor=lightblue" in dot and "fillcolor=darkolivegreen1" in dot
    # The saved tensors drawn are the ones torch's nodes expose, node by node.
    g = tg.viz.build(loss, params=params, show_saved=True)
    drawn = sorted((g.boxes[b][0].split("\n")[0], g.boxes[a][0].split("\n")[0])
                   for a, b in g.edges if g.boxes[a][1] == tg.viz._SAVED)
    assert drawn == _torch_saved(_program(torch)[0])


@pytest.mark.parametrize("fmt", ["svg", "dot"])
def test_draw_writes_files(tmp_path, fmt):
    loss, params = _program(tg)
    path = tmp_path / f"g.{fmt}"
    text = tg.viz.draw(loss, path, params=params)
    assert path.read_text() == text
    if fmt == "svg":
        root = ET.fromstring(text)
        labels = [e.text for e in root.iter("{http://www.w3.org/2000/svg}text")]
        assert "TanhBackward0" in labels and "w" in labels
        assert len(list(root.iter("{http://www.w3.org/2000/svg}rect"))) == len(
            tg.viz.build(loss, params=params).boxes)


def test_draw_png_and_after_backward(tmp_path):
    loss, params = _program(tg)
    loss.backward()  # saved values freed: the graph still draws, without them
    tg.viz.draw(loss, tmp_path / "g.png", params=params, show_saved=True)
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="unknown format"):
        tg.viz.draw(loss, format="pdf")


def test_a_graph_deeper_than_the_recursion_limit():
    # An unrolled recurrence: 2,000 steps, two nodes each, deeper than Python's recursion
    # limit; the same node names as torch's graph, counted without recursion.
    def chain(T):
        x = T.tensor([0.5], requires_grad=True)
        h = x
        for _ in range(2000):
            h = (h * 0.9).tanh()
        return h

    def torch_names(out):
        names, seen, stack = [], set(), [out.grad_fn]
        while stack:
            fn = stack.pop()
            if fn in seen:
                continue
            seen.add(fn)
            names.append("leaf" if hasattr(fn, "variable") else fn.name())
            stack += [c for c, _ in fn.next_functions if c is not None]
        return sorted(names)

    g = tg.viz.build(chain(tg))
    drawn = sorted("leaf" if color == tg.viz._LEAF else label
                   for label, color in g.boxes.values() if color != tg.viz._OUTPUT)
    assert drawn == torch_names(chain(torch))
    assert tg.viz.to_svg(chain(tg)).count("<rect") == len(g.boxes)
