"""The op table itself: every public name has op_db samples, every declared node is exercised,
entries are well formed, and the declared surface is torch's (each name exists in torch in
the form declared)."""

from __future__ import annotations

import jax
import pytest
import torch

import tapegrad as tg
from tapegrad.ops import Op, REGISTRY

from op_calls import call, default_form
from op_db import OPS, flat_outputs, make_inputs


def _declared_ops(include_nn: bool = True):
    import importlib
    import pkgutil

    import tapegrad.ops as ops_pkg

    found = {}
    modules = [ops_pkg] + [importlib.import_module(f"tapegrad.ops.{m.name}")
                           for m in pkgutil.iter_modules(ops_pkg.__path__)]
    if not include_nn:  # nn_ops' samples live in tests/nn/nn_db.py
        modules = [m for m in modules if m.__name__ != "tapegrad.ops.nn_ops"]
    for mod in modules:
        for value in vars(mod).values():
            if isinstance(value, Op):
                found[id(value)] = value
    return list(found.values())


def test_every_public_name_has_samples():
    covered = {info.op for info in OPS if info.samples}
    missing = sorted(k for k in REGISTRY if k not in covered)
    assert not missing, f"public names without op_db samples: {missing}"


def test_op_db_names_existing_public_ops():
    unknown = sorted(info.op for info in OPS if info.op is not None and info.op not in REGISTRY)
    assert not unknown, unknown


# torch nodes tapegrad declares more than once, each declaration a different use of torch's
# op: AsStridedBackward0 is the replayed view of a written base (ops/views.py, a chain of view
# ops) and rearrange's as_strided (ops/rearrange.py, a split and a permutation).
SHARED_NODES = {"AsStridedBackward0": 2}


def test_node_names_are_unique():
    # (torch names every missing derivative's node NotImplemented.)
    names = [op.node_name for op in _declared_ops() if op.node_name
             and op.node_name != "NotImplemented"]
    dupes = {n for n in names if names.count(n) > SHARED_NODES.get(n, 1)}
    assert not dupes, dupes


def test_every_differentiable_op_node_is_exercised_by_op_db():
    # Run every op_db sample and collect the node classes it creates; each declared node must
    # appear (internal backward-of-backward nodes appear under gradgradcheck instead).
    seen = set()

    def run(info, sample):
        args, kwargs = make_inputs(tg, sample, tg.float64, 0)
        stack = [o.grad_fn for o in flat_outputs(call(info, tg, args, kwargs,
                                                      default_form(info)))
                 if isinstance(o, tg.Tensor) and o.grad_fn is not None]
        visited = set()
        while stack:
            node = stack.pop()
            if node is None or id(node) in visited:
                continue
            visited.add(id(node))
            seen.add(type(node).__name__)
            stack.extend(fn for fn, _ in node.next_functions)

    for info in OPS:
        for sample in info.samples:
            # Only the node classes matter: trace abstractly (no XLA compile per op), and run
            # eagerly the samples whose ops need concrete values (nonzero, unique, ...).
            # (The generator's key is restored: a random op would leave a tracer in it.)
            rng = tg.get_rng_state()
            try:
                jax.eval_shape(lambda: run(info, sample))
            except Exception:
                tg.set_rng_state(rng)
                run(info, sample)
            else:
                tg.set_rng_state(rng)
    # Nodes made only inside backward formulas or by in-place-on-view (tests/autograd/
    # test_views.py exercises AsStrided*), or by reshape of a non-contiguous input that a view
    # can express (ReshapeAliasBackward0: tests/test_fuzz.py, against torch).
    internal = {"SliceBackwardBackward0", "SelectBackwardBackward0", "CopyBackwards",
                "AsStridedBackward0", "AsStridedScatterBackward0",
                "DiagonalBackwardBackward0", "MulBackward1", "IndexAddBackward0",
                "ScatterAddBackward0", "Unique2Backward0", "ThresholdBackwardBackward0",
                "ReshapeAliasBackward0"}
    missing = sorted(op.node_name for op in _declared_ops(include_nn=False)
                     if op.node_name and op.derivatives and op.node_name not in seen
                     and op.node_name not in internal)
    assert not missing, f"ops without op_db samples: {missing}"


def _torch_namespace(e):
    if e.namespace:
        return getattr(torch, e.namespace)
    return torch


@pytest.mark.parametrize("key", sorted(REGISTRY))
def test_declared_surface_exists_in_torch(key):
    # A declaration says where a name appears; torch must have it there too.
    e = REGISTRY[key]
    for name in e.names:
        if e.function:
            assert hasattr(_torch_namespace(e), name), f"torch has no {e.namespace or 'torch'}.{name}"
        if e.functional:
            assert hasattr(torch.nn.functional, name), f"torch.nn.functional has no {name}"
        if e.method:
            assert hasattr(torch.Tensor, name), f"torch.Tensor has no {name}"
        if e.inplace:
            assert hasattr(torch.Tensor, name + "_"), f"torch.Tensor has no {name}_"
    for dunder in (*e.dunders, *e.inplace_dunders):
        assert hasattr(torch.Tensor, dunder), dunder


def test_public_functions_are_documented():
    undocumented = sorted(k for k, e in REGISTRY.items()
                          if not (tg.ops.FUNCTIONS.get(e.name) or e.impl).__doc__)
    assert not undocumented, undocumented


def test_ops_all_is_the_declared_function_names():
    assert tg.ops.__all__ == sorted(n for k, e in REGISTRY.items() if e.function
                                    and not e.namespace for n in e.names)
    assert not {"validate_grad", "copy_from", "sum_to", "Op"} & set(tg.ops.__all__)
    assert not hasattr(tg, "validate_grad") and not hasattr(tg, "sum_to")


def test_malformed_entry_fails_at_declaration():
    with pytest.raises(TypeError, match="unknown names"):
        Op("bad", "BadBackward0", lambda self: self,
           derivatives={"self": lambda grad, nonsense: grad})
    with pytest.raises(TypeError, match="unknown input"):
        Op("bad", "BadBackward0", lambda self: self, derivatives={"other": lambda grad: grad})


def test_readme_op_table_is_current():
    import op_table_md

    assert op_table_md.current_readme_table() == op_table_md.table(), \
        "README's op table is stale: run `python tests/ops/op_table_md.py --write`"
