"""Whole-graph fused backward: a backward nobody observes inside runs as one jitted call.

NOTE [Whole-graph fusion]
When a backward accumulates into leaves only (no create_graph, no `inputs=`, no hooks of any
kind on any node or leaf, no anomaly mode) and every node is a table op (OpNode) or an
AccumulateGrad, nothing outside can see the order or the intermediate gradients. Then the
engine's whole schedule is a function of the graph's structure: the same nodes, edges, saved
shapes and static arguments give the same computation. We key a cache by that structure and
trace, once, the engine's own loop (same ready order, same buffer reuse rules, same per-node
fused formulas) on tracers; later backwards of the same structure are one XLA call plus a
Python walk to build the key and gather the saved arrays. Anything else (a version-check
failure, freed saved values, a hook) falls back to the node-by-node engine, which reproduces
torch's partial-failure state exactly.
"""

from __future__ import annotations

import heapq
import itertools

import jax

from ..tensor import Tensor, accumulate_grad
from . import anomaly_mode
from .graph import AccumulateGrad, SavedTensor

_CACHE: dict = {}


_OpNode = None  # ops._op.OpNode (imported on first use: ops imports autograd)


def try_run(root_edges, root_grads, keep_graph: bool) -> bool:
    """Run the backward fused if allowed (see NOTE [Whole-graph fusion]); False otherwise."""
    if anomaly_mode._enabled:
        return False
    global _OpNode
    if _OpNode is None:
        from ..ops._op import OpNode as _OpNode
    roots, seen = [], set()
    for node, _ in root_edges:
        if node not in seen:
            seen.add(node)
            roots.append(node)
    # Dependencies, eligibility and which input slots receive a gradient (an edge from a
    # node that runs, or a root given a gradient), in one walk.
    deps: dict = {}
    fed = {edge for edge, g in zip(root_edges, root_grads) if g is not None}
    stack = list(roots)
    while stack:
        node = stack.pop()
        # Eligible: no hooks anywhere, table ops and leaves only (see the NOTE).
        if (node._pre_hooks or node._post_hooks or node._tensor_pre_hooks
                or node._retains_grad_hooks):
            return False
        if type(node) is AccumulateGrad:
            v = node.variable
            if v._backward_hooks or v._post_acc_hooks:
                return False
        elif not isinstance(node, _OpNode):
            return False
        for edge in node.next_functions:
            fn = edge[0]
            if fn is None:
                continue
            fed.add(edge)
            deps[fn] = deps.get(fn, 0) + 1
            if fn not in seen:
                seen.add(fn)
                stack.append(fn)
    # The engine's execution order (it depends on structure only).
    order = []
    index: dict = {}
    counter = itertools.count()
    ready = [(-n._sequence_nr, next(counter), n) for n in roots if n not in deps]
    heapq.heapify(ready)
    while ready:
        node = heapq.heappop(ready)[2]
        index[node] = len(order)
        order.append(node)
        for fn, _ in node.next_functions:
            if fn is None:
                continue
            left = deps[fn] - 1
            deps[fn] = left
            if left == 0:
                heapq.heappush(ready, (-fn._sequence_nr, next(counter), fn))
    if len(order) != len(seen):
        return False
    key_parts = []
    arrays = []
    try:
        for node in order:
            cls = type(node)
            if cls is AccumulateGrad:
                key_parts.append((AccumulateGrad, node._metadata))
                continue
            needs = []
            edges = []
            for fn, nr in node.next_functions:
                if fn is None:
                    needs.append(False)
                    edges.append(None)
                else:
                    needs.append(True)
                    edges.append((index[fn], nr))
            n_out = len(node._metadata)
            mask = ((node, 0) in fed,) if n_out == 1 else tuple(
                [(node, k) in fed for k in range(n_out)])
            node_key, node_arrays = cls._op._fusion_plan(node, mask, tuple(needs))
            key_parts.append((cls, node_key, tuple(edges)))
            arrays.append(node_arrays)
    except RuntimeError:
        return False  # a freed graph or a version mismatch: let the engine raise it in order
    root_sig = tuple((index[node], nr, None if g is None else
                      (g._storage.array.shape, g._storage.array.dtype))
                     for (node, nr), g in zip(root_edges, root_grads))
    key = (tuple(key_parts), root_sig)
    entry = _CACHE.get(key)
    if entry is None:
        entry = _build(order, key_parts, root_sig)
        _CACHE[key] = entry
    fn, leaf_info = entry
    outs = fn([g._storage.array for g in root_grads if g is not None], arrays)
    if not keep_graph:
        for node in order:
            node.release_variables()
    for (leaf_index, steal, version), array in zip(leaf_info, outs):
        grad = Tensor._make(array)
        grad._vc.version = version
        accumulate_grad(order[leaf_index].variable, grad, False, steal)
    return True


def _build(order, key_parts, root_sig):
    """Trace the engine loop over `order` once (see NOTE [Whole-graph fusion])."""
    from ..autograd import grad_mode
    from .engine import _add_arrays

    leaf_info: list = []

    def replay(root_arrays, arrays):
        with grad_mode.no_grad():
            owners: dict = {}
            alive: list = []

            def place(buf, nr, grad):
                # Mirrors engine.run_backward's place (NOTE [Gradient buffers and versions]).
                if grad is None:
                    return
                owners[id(grad)] = owners.get(id(grad), 0) + 1
                alive.append(grad)
                old = buf[nr]
                if old is None:
                    buf[nr] = grad
                    return
                if old is not grad and owners.get(id(old)) == 1 and old._base is None:
                    old._set_array(_add_arrays(old, grad))
                    owners[id(grad)] -= 1
                else:
                    new = old + grad
                    new._view_strided = old._view_strided and grad._view_strided
                    owners[id(old)] -= 1
                    owners[id(grad)] -= 1
                    owners[id(new)] = 1
                    alive.append(new)
                    buf[nr] = new

            buffers = [[None] * len(node._metadata) for node in order]
            it = iter(root_arrays)
            for node_index, nr, sig in root_sig:
                if sig is None:
                    continue
                g = Tensor._make(next(it))
                owners[id(g)] = 1  # the caller holds root gradients
                place(buffers[node_index], nr, g)
            leaf_info.clear()
            results = []
            array_iter = iter(arrays)
            for i, node in enumerate(order):
                grads = buffers[i]
                if isinstance(node, AccumulateGrad):
                    g = grads[0]
                    if g is None:
                        continue
                    steal = owners.get(id(g)) == 1 and not g._view_strided
                    leaf_info.append((i, steal, g._vc.version))
                    results.append(g._storage.array)
                    continue
                for g in grads:
                    if g is not None and id(g) in owners:
                        owners[id(g)] -= 1
                op = type(node)._op
                node_key = key_parts[i][1]
                node_arrays = next(array_iter)
                if all(g is None for g in grads):
                    outputs = [None] * len(node.next_functions)
                else:
                    outputs = op._fused_run(node, node_key, grads, node_arrays)
                for grad, (fn, nr) in zip(outputs, node.next_functions):
                    if fn is not None:
                        place(buffers[order_index[fn]], nr, grad)
            return results

    order_index = {node: i for i, node in enumerate(order)}
    jitted = jax.jit(replay)
    return jitted, leaf_info


__all__ = ["try_run"]
_ = SavedTensor  # saved values are gathered through Op._fusion_plan
