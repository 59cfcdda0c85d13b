"""The nn op table (ops/nn_ops.py): node names unique across all tables, every entry exercised."""

from __future__ import annotations

import warnings

import jax
import numpy as np

import tapegrad as tg
from tapegrad.ops import Op, nn_ops

from nn_db import CASES, fill_state, flat_outputs, make_inputs


def _ops_in(module) -> list[Op]:
    return [v for v in vars(module).values() if isinstance(v, Op)]


def test_nn_node_names_are_unique_across_every_op_table():
    import tapegrad.ops as ops_pkg
    from tapegrad.ops import indexing, linalg, pointwise, reduction, shape

    found = {}
    for mod in (pointwise, reduction, shape, indexing, linalg, ops_pkg, nn_ops):
        for op in _ops_in(mod):
            found[id(op)] = op
    # (torch names every missing derivative's node NotImplemented.)
    names = [op.node_name for op in found.values() if op.node_name
             and op.node_name != "NotImplemented"]
    dupes = {n for n in names if names.count(n) > 1}
    assert not dupes, dupes


def test_every_nn_op_node_is_exercised_by_nn_db():
    seen = set()

    def run(case):
        rng = np.random.default_rng(0)
        module = case.make(tg).to(tg.float64)
        fill_state(tg, module, rng)
        module.train(case.train)
        inputs = make_inputs(tg, case.inputs, tg.float64, rng)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the warnings are compared in test_layers
            result = case.call(tg, module, *inputs) if case.call else module(*inputs)
        stack = [o.grad_fn for o in flat_outputs(result) if isinstance(o, tg.Tensor)]
        visited = set()
        while stack:
            node = stack.pop()
            if node is None or id(node) in visited:
                continue
            visited.add(id(node))
            seen.add(type(node).__name__)
            stack.extend(fn for fn, _ in node.next_functions)

    for case in CASES:
        if "warns_once" in case.tags:  # would use up the once-per-process warning
            continue
        # Only the node classes matter: trace abstractly (no XLA compile per op); cases that
        # need concrete values run eagerly. The generator's key is restored (a random op
        # would leave a tracer in it).
        key = tg.get_rng_state()
        try:
            jax.eval_shape(lambda: run(case))
        except Exception:
            tg.set_rng_state(key)
            run(case)
        else:
            tg.set_rng_state(key)
    missing = sorted(op.node_name for op in _ops_in(nn_ops) if op.node_name not in seen)
    assert not missing, f"nn ops without nn_db cases: {missing}"
