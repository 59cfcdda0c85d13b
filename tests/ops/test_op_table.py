"""The op table itself: every declared Op has samples in op_db; entries are well formed."""

from __future__ import annotations

import pytest

import tapegrad as tg
from tapegrad.ops import Op

from op_db import OPS


def _declared_ops(include_nn: bool = True):
    import tapegrad.ops as ops_pkg
    from tapegrad.ops import indexing, linalg, nn_ops, pointwise, reduction, shape, views

    found = {}
    modules = [pointwise, reduction, shape, indexing, linalg, views, ops_pkg]
    if include_nn:
        modules.append(nn_ops)  # its samples live in tests/nn/nn_db.py
    for mod in modules:
        for name, value in vars(mod).items():
            if isinstance(value, Op):
                found[id(value)] = value
    return list(found.values())


def test_node_names_are_unique():
    names = [op.node_name for op in _declared_ops() if op.node_name]
    dupes = {n for n in names if names.count(n) > 1}
    assert not dupes, dupes


def test_every_differentiable_op_node_is_exercised_by_op_db():
    # Run every op_db sample and collect the node classes it creates; each declared node must
    # appear (internal backward-of-backward nodes appear under gradgradcheck instead).
    seen = set()
    from op_db import flat_outputs, make_inputs

    for info in OPS:
        for sample in info.samples:
            inputs = make_inputs(tg, sample, tg.float64, 0)
            stack = [o.grad_fn for o in flat_outputs(info.fn(tg, *inputs))
                     if isinstance(o, tg.Tensor) and o.grad_fn is not None]
            visited = set()
            while stack:
                node = stack.pop()
                if node is None or id(node) in visited:
                    continue
                visited.add(id(node))
                seen.add(type(node).__name__)
                stack.extend(fn for fn, _ in node.next_functions)
    # Nodes made only inside backward formulas or by in-place-on-view (tests/autograd/
    # test_views.py exercises AsStrided*).
    internal = {"SliceBackwardBackward0", "SelectBackwardBackward0", "CopyBackwards",
                "AsStridedBackward0", "AsStridedScatterBackward0",
                "DiagonalBackwardBackward0", "MulBackward1", "IndexAddBackward0",
                "ScatterAddBackward0", "SgnBackward0", "Unique2Backward0"}
    missing = sorted(op.node_name for op in _declared_ops(include_nn=False)
                     if op.node_name and op.derivatives and op.node_name not in seen
                     and op.node_name not in internal)
    assert not missing, f"ops without op_db samples: {missing}"


def test_malformed_entry_fails_at_declaration():
    with pytest.raises(TypeError, match="unknown names"):
        Op("bad", "BadBackward0", lambda self: self,
           derivatives={"self": lambda grad, nonsense: grad})
    with pytest.raises(TypeError, match="unknown input"):
        Op("bad", "BadBackward0", lambda self: self, derivatives={"other": lambda grad: grad})
