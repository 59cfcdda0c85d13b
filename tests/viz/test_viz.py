"""tg.viz's graph is torchviz's `make_dot` graph of the same program under torch, statement
for statement (nodes, labels, colours, edges and their direction, AccumulateGrad boxes, saved
tensors), and its DOT is valid DOT. The reference is torchviz itself where it is installed,
else torch's graph walked the way make_dot walks it (`_walk_torch`)."""

from __future__ import annotations

import shutil
import subprocess
import warnings

import pytest
import torch
from viz_dotcheck import ID, DotError, parse, renumber

import tapegrad as tg


def _program(T):
    w = T.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = T.tensor([0.5, -0.5], requires_grad=True)
    x = T.tensor([[1.0, -1.0], [2.0, 0.0]])
    h = (x @ w + b).tanh()
    loss = (h * h).sum() + b.exp().mean()
    return loss, {"w": w, "b": b}


def _attrs_program(T):
    # Nodes whose saved values tapegrad exposes exactly as torch does (names and values).
    w = T.tensor([1.0, 2.0], requires_grad=True)
    h = w.tanh()
    return (h * h).sum() + w.exp().sum(), {"w": w}


def _view_and_function_program(T):
    class Sq(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = Sq.apply(x) * 2
    return (y[0:2], (y + 1).sum()), {"x": x}  # two outputs, the first a view of y


def _walk_torch(var, params=None, show_attrs=False, show_saved=False, max_attr_chars=50):
    """make_dot's statements for a torch graph, in its order: each backward node (saved
    tensors first, then an AccumulateGrad's leaf, then the node), an edge input -> user before
    walking into the input, a custom Function's saved_tensors after its inputs; the outputs,
    and a view output's base dark green with a dotted edge. Saved values freed by a backward
    are left out (make_dot would raise)."""
    names = {id(v): k for k, v in (params or {}).items()}
    body, seen, keep = [], set(), []

    def key(o):
        keep.append(o)
        return str(id(o))

    def node(o, label, color=None):
        body.append(("node", key(o), {"label": label, **({"fillcolor": color} if color else {})}))

    def edge(a, b, **attrs):
        body.append(("edge", key(a), key(b), attrs))

    def var_name(t, name=None):
        return f"{name or names.get(id(t), '')}\n ({', '.join(str(s) for s in t.shape)})"

    def saved_values(fn):
        for attr in dir(fn):
            if attr.startswith("_saved_"):
                try:
                    yield attr[len("_saved_"):], getattr(fn, attr)
                except RuntimeError:
                    pass

    def fn_name(fn):
        name = type(fn).__name__
        rows = {}
        for attr, val in (saved_values(fn) if show_attrs else ()):
            if torch.is_tensor(val):
                rows[attr] = "[saved tensor]"
            elif isinstance(val, tuple) and any(torch.is_tensor(t) for t in val):
                rows[attr] = "[saved tensors]"
            else:
                rows[attr] = str(val)
        if not rows:
            return name
        c1 = max(map(len, rows))
        c2 = min(max(map(len, rows.values())), max(max_attr_chars, 3))
        lines = [f"{k:<{c1}}: {v if len(v) <= c2 else v[:c2 - 3] + '...':>{c2}}"
                 for k, v in rows.items()]
        return "\n".join([name, "-" * max(c1 + c2 + 2, len(name)), *lines])

    def add(fn):
        if id(fn) in seen:
            return
        seen.add(id(fn))
        keep.append(fn)
        for attr, val in (saved_values(fn) if show_saved else ()):
            seen.add(id(val))
            keep.append(val)
            pairs = [(attr, val)] if torch.is_tensor(val) else \
                [(f"{attr}[{i}]", t) for i, t in enumerate(val)
                 if torch.is_tensor(t)] if isinstance(val, tuple) else []
            for name, t in pairs:
                edge(fn, t, dir="none")
                node(t, var_name(t, name), "orange")
        if hasattr(fn, "variable"):
            seen.add(id(fn.variable))
            node(fn.variable, var_name(fn.variable), "lightblue")
            edge(fn.variable, fn)
        node(fn, fn_name(fn))
        for child, _ in fn.next_functions:
            if child is not None:
                edge(child, fn)
                add(child)
        if hasattr(fn, "saved_tensors"):
            for t in fn.saved_tensors:
                seen.add(id(t))
                edge(t, fn, dir="none")
                node(t, var_name(t), "orange")

    def add_base(v, color="darkolivegreen1"):
        if id(v) in seen:
            return
        seen.add(id(v))
        node(v, var_name(v), color)
        if v.grad_fn is not None:
            add(v.grad_fn)
            edge(v.grad_fn, v)
        if v._is_view():
            add_base(v._base, "darkolivegreen3")
            edge(v._base, v, style="dotted")

    for v in (var if isinstance(var, tuple) else (var,)):
        add_base(v)
    return body


def _torchviz_body(var, params=None, show_attrs=False, show_saved=False):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torchviz's distutils LooseVersion warns
        try:
            import torchviz
        except ImportError:
            return _walk_torch(var, params, show_attrs, show_saved)
        return parse(torchviz.make_dot(var, params, show_attrs=show_attrs,
                                       show_saved=show_saved).source)


def _ours(var, params=None, **kw):
    return parse(tg.viz.to_dot(var, params, **kw))


@pytest.mark.parametrize("show_saved", [False, True])
@pytest.mark.parametrize("program", [_program, _view_and_function_program])
def test_same_statements_as_torchviz(program, show_saved):
    expected = renumber(_torchviz_body(*program(torch), show_saved=show_saved))
    got = renumber(_ours(*program(tg), show_saved=show_saved))
    assert got == expected
    kinds = [s[2].get("fillcolor") for s in got if s[0] == "node"]
    assert "lightblue" in kinds
    if program is _program:  # a custom Function's saved_tensors are drawn either way
        assert ("orange" in kinds) == show_saved
    assert any(s[2]["label"] == "AccumulateGrad" for s in got if s[0] == "node")


def test_view_output_and_custom_function_saved_tensors():
    got = renumber(_ours(*_view_and_function_program(tg)))
    nodes = {s[1]: s[2] for s in got if s[0] == "node"}
    dotted = [s for s in got if s[0] == "edge" and s[3] == {"style": "dotted"}]
    assert len(dotted) == 1 and nodes[dotted[0][1]]["fillcolor"] == "darkolivegreen3"
    assert nodes[dotted[0][2]] == {"label": "\n (2)", "fillcolor": "darkolivegreen1"}
    # Sq's saved x is the leaf x itself: one id, declared blue, then orange (torchviz's
    # repeated statement; Graphviz keeps the last attributes), with both edges.
    sq = next(k for k, v in nodes.items() if v["label"] == "SqBackward")
    leaf = next(s[1] for s in got if s[0] == "node" and s[2].get("fillcolor") == "lightblue")
    assert ("edge", leaf, sq, {"dir": "none"}) in got and ("edge", leaf, sq, {}) not in got
    assert nodes[leaf]["fillcolor"] == "orange"


def test_show_attrs_labels_as_torchviz():
    expected = renumber(_torchviz_body(*_attrs_program(torch), show_attrs=True,
                                       show_saved=True))
    got = renumber(_ours(*_attrs_program(tg), show_attrs=True, show_saved=True))
    assert got == expected
    labels = [s[2]["label"] for s in got if s[0] == "node"]
    assert "TanhBackward0\n----------------------\nresult: [saved tensor]" in labels
    assert "MulBackward0\n---------------------\nother: [saved tensor]\nself : [saved tensor]" \
        in labels
    assert "SumBackward0\n" + "-" * 20 + "\nself_sym_sizes: (2,)" in labels


def test_show_attrs_truncates_long_values():
    w = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    boxes = tg.viz.build(w.sum(), show_attrs=True, max_attr_chars=5).boxes
    assert "SumBackward0\n" + "-" * 21 + "\nself_sym_sizes: (2..." in [
        v[0] for v in boxes.values()]


def test_show_attrs_where_tapegrad_exposes_fewer_saved_values():
    # MmBackward0 and MeanBackward0 expose fewer `_saved_*` values than torch's (no
    # mat2_sym_sizes, self_sym_numel, ...): every row tapegrad shows is one torch shows.
    def rows(body):
        out = []
        for s in body:
            if s[0] == "node":
                head, *rest = s[2]["label"].split("\n")
                out.append((head, {tuple(p.strip() for p in r.split(": ", 1))
                                   for r in rest[1:]}))
        return out

    ref = rows(_torchviz_body(*_program(torch), show_attrs=True))
    got = rows(_ours(*_program(tg), show_attrs=True))
    assert [h for h, _ in got] == [h for h, _ in ref]
    assert all(g <= r for (_, g), (_, r) in zip(got, ref))
    assert sum(g == r and bool(g) for (_, g), (_, r) in zip(got, ref)) >= 4


def test_after_backward_saved_values_are_left_out():
    loss, params = _program(tg)
    loss.backward()
    t_loss, t_params = _program(torch)
    t_loss.backward()
    expected = renumber(_walk_torch(t_loss, t_params, show_attrs=True, show_saved=True))
    got = renumber(_ours(loss, params, show_attrs=True, show_saved=True))
    assert [s[:2] for s in got] == [s[:2] for s in expected]
    assert not any(s[2].get("fillcolor") == "orange" for s in got if s[0] == "node")


def test_dot_ids_are_dot_ids_and_graphviz_reads_one_node_per_box():
    loss, params = _program(tg)
    text = tg.viz.to_dot(loss, params, show_attrs=True, show_saved=True)
    body = parse(text)
    ids = {s[1] for s in body if s[0] == "node"}
    assert all(ID.fullmatch(k) and k.isdigit() for k in ids)
    assert {k for s in body if s[0] == "edge" for k in s[1:3]} <= ids
    assert text.splitlines()[1] == '\tgraph [size="12,12"]'
    with pytest.raises(DotError, match="badly delimited"):  # what the old ids looked like
        parse('digraph {\n\t139908833613040.self [label="self"]\n}')
    if shutil.which("dot"):
        plain = subprocess.run(["dot", "-Tplain"], input=text, capture_output=True, text=True,
                               check=True).stdout.splitlines()
        assert len([ln for ln in plain if ln.startswith("node ")]) == len(ids)
        assert len([ln for ln in plain if ln.startswith("edge ")]) == \
            len([s for s in body if s[0] == "edge"])


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
            names.append(type(fn).__name__)
            if hasattr(fn, "variable"):
                names.append("leaf")
            stack += [c for c, _ in fn.next_functions if c is not None]
        return sorted(names)

    g = tg.viz.build(chain(tg))
    drawn = sorted("leaf" if color == "lightblue" else label
                   for label, color in g.boxes.values() if color != "darkolivegreen1")
    assert drawn == torch_names(chain(torch))
    assert tg.viz.to_svg(chain(tg)).count("<rect id=") == len(g.boxes)
