"""Fused backward: a node's formulas as one jitted call, and a whole backward nobody observes
inside as one jitted call.

NOTE [Fused node backward]
Without `create_graph` nobody sees the ops a node's formulas run, so the formulas of one node
(traced once with tracers, as tapegrad ops) become one cached jitted function of the incoming
gradients and the saved arrays, keyed by everything that decides the trace: which inputs need
grad, which gradients arrive, the saved values' names, shapes and dtypes, the static
arguments and the targets' shapes and dtypes. The trace also records what is not an array:
which outputs are the incoming gradient itself, one another, or views of an incoming
gradient (identity matters for buffer reuse), and the versions torch's backward kernels leave.

NOTE [Whole-graph fusion]
When a backward accumulates into leaves only (no create_graph, no `inputs=`, no hooks of any
kind on any node or leaf, no anomaly mode) and every node is a table op (OpNode) or an
AccumulateGrad, nothing outside can see the order or the intermediate gradients. Then the
engine's whole schedule is a function of the graph's structure: the same nodes, edges, saved
shapes and static arguments give the same computation. We key a cache by that structure and
trace, once, the engine's own loop (same ready order, same `InputBuffers` reuse rules, same
per-node fused formulas) on tracers; later backwards of the same structure are one XLA call
plus a Python walk to build the key and gather the saved arrays. The cached program holds
structure only (op objects, edge indices, shapes), never a node or a tensor, so it keeps no
graph and no leaf alive. Anything else (a version-check failure, freed saved values, a hook)
falls back to the node-by-node engine, which reproduces torch's partial-failure state exactly.
"""

from __future__ import annotations

import heapq
import itertools
from typing import Any

from .. import _device
from .. import _grad_mode as grad_mode
from .. import _numerics
from .._compilation_cache import jit as _cc_jit
from .._graph import AccumulateGrad, SavedTensor
from .._lru import LRU
from ..ops import OpNode
from ..ops._dispatch import SavedScalar
from ..tensor import Tensor
from ._buffers import InputBuffers, accumulate_grad, validate_grad

__all__ = ["try_run", "node_backward"]

# Compiled node backwards, keyed by (op, structure key); whole graphs by their structure.
_NODE_CACHE = LRU("fused_node", 4096)
_GRAPH_CACHE = LRU("fused_graph", 256)
# Graphs with more nodes than this run node by node: tracing (and keying) a huge graph costs
# more than it saves, and its program would be as large as the graph.
MAX_FUSED_NODES = 512
# Nodes with more edges than this run their formulas op by op (see engine._call_function).
MAX_FUSED_EDGES = 64

# The base recorded for a gradient that is a view of a temporary made inside a fused backward:
# only "is a view" matters to the engine (its storage is shared, so torch won't reuse it).
_OPAQUE_BASE = object()


# ------------------------------------------------------------------------ one node
def _node_plan(node: OpNode, mask: tuple, needs: tuple) -> tuple:
    """(key, saved arrays) of a node's fused backward, version-checked; `mask` says which
    incoming gradients are fed, the node's outputs' metadata describes them. Tuned for speed:
    it runs once per node of every fused backward. A scalar's type is in the key (2, 2.0 and
    True are equal keys but give different traces)."""
    names = []
    arrays = []
    statics = []
    sig = []
    traced = type(node)._op.traced
    for k, v in node._saved.items():
        tv = type(v)
        if tv is SavedTensor:
            if (v.freed or v.hooks is not None or v.vc.version != v.saved_version
                    or (v.non_leaf and v.tensor._grad_fn is None)):
                a = v.raw_array(node)  # raises torch's error, or unpacks through saved hooks
            else:
                a = v.storage.array if v.is_output else v.tensor._storage.array
            names.append(k)
            arrays.append(a)
            sig.append((a.shape, a.dtype))
        elif tv is list and v and type(v[0]) is SavedTensor:
            xs = [x.raw_array(node) for x in v]
            names.append(k)
            arrays.append(xs)
            sig.append(tuple([(x.shape, x.dtype) for x in xs]))
        elif tv is SavedScalar:
            statics.append((k, v.unpack(node)))
        elif traced and k in traced:  # a traced static: an argument, not part of the key
            names.append(k)
            arrays.append(v)
            sig.append(type(v))
        else:
            statics.append((k, v))
    targets = tuple([None if fn is None else fn._metadata[nr] for fn, nr in node.next_functions])
    statics_t = tuple(statics)
    key = (needs, mask, tuple(names), statics_t, tuple([type(v) for _, v in statics]), targets,
           node._metadata, tuple(sig))
    return key, arrays


def _run_node(op, key: tuple, grads: list, arrays: list) -> list:
    """Call the node's fused function (compiling it on a miss) and rebuild the gradients'
    identities (see NOTE [Fused node backward])."""
    cache_key = (op, key, _numerics.KEY)  # the precision and autocast dtype trace into it
    entry = _NODE_CACHE.get(cache_key)
    grad_arrays = [g._storage.array for g in grads if g is not None]
    if entry is None:
        # Published only once traced: the trace fills `aliases`/`versions`, which another
        # thread must not read half-written (a concurrent miss compiles its own copy).
        entry = _compile_node(op, key)
        out = (entry[0](grad_arrays, arrays) if not _device.MULTI
               else _device.colocated(entry[0], grad_arrays, arrays))
        _NODE_CACHE[cache_key] = entry
    else:
        out = (entry[0](grad_arrays, arrays) if not _device.MULTI
               else _device.colocated(entry[0], grad_arrays, arrays))
    fn, aliases, versions = entry
    result = [None if a is None else Tensor._make(a) for a in out]
    for i, version in versions:
        if result[i] is not None:
            result[i]._vc.version = version
    for i, kind, j in aliases:
        if kind == "grad":
            result[i] = grads[j]
        elif kind == "out":
            result[i] = result[j]
        else:  # a view (of incoming grad j): it shares storage and version in torch
            result[i]._base = grads[j] if j >= 0 else _OPAQUE_BASE
            result[i]._view_strided = kind == "strided_view"
            if j >= 0:
                result[i]._vc = grads[j]._vc
    return result


def _view_of(t: Tensor, grads: list) -> tuple[int, str] | None:
    """If `t` is a view: (index of the incoming grad it views, or -1; "view"/"strided_view")."""
    if t._base is None:
        return None
    strided = t._view_strided
    base = t._base
    while base is not None:
        for k, g in enumerate(grads):
            if base is g:
                return k, "strided_view" if strided else "view"
        strided = strided or base._view_strided
        base = base._base
    return -1, "strided_view" if strided else "view"


def _compile_node(op, key: tuple) -> tuple:
    needs, grad_mask, dynamic_names, static_items, _, targets, *_ = key
    static_env = dict(static_items)
    aliases: list[tuple[int, str, int]] = []
    versions: list[tuple[int, int]] = []

    def fused(grad_arrays, arrays):
        with grad_mode.no_grad():
            env = dict(static_env)
            it = iter(grad_arrays)
            grads = [Tensor._make(next(it)) if m else None for m in grad_mask]
            env["grad"] = grads[0]
            env["grads"] = grads
            for k, a in zip(dynamic_names, arrays):
                if k in op.traced:
                    env[k] = a  # a traced static stays a (traced) scalar
                else:
                    env[k] = [Tensor._make(x) for x in a] if isinstance(a, list) else \
                        Tensor._make(a)
            outs = op.run_formulas(env, needs, len(targets))
            validated = [None if g is None or t is None
                         else validate_grad(g, t, op.node_name, i)
                         for i, (g, t) in enumerate(zip(outs, targets))]
            versions.clear()
            for i, (g, v) in enumerate(zip(outs, validated)):
                n = op.grad_version_of(i, targets[i], static_env)
                if n and g is not None and v is g:  # not reshaped/cast by validation
                    versions.append((i, n))
            aliases.clear()
            for i, g in enumerate(validated):
                if g is None:
                    continue
                same_grad = [k for k, x in enumerate(grads) if x is g]
                if same_grad:
                    aliases.append((i, "grad", same_grad[0]))
                    continue
                for j in range(i):
                    if validated[j] is g:
                        aliases.append((i, "out", j))
                        break
                else:
                    view = _view_of(g, grads)
                    if view is not None:
                        aliases.append((i, view[1], view[0]))
            return tuple(None if g is None else g._storage.array for g in validated)

    return _cc_jit(fused), aliases, versions


def node_backward(node: OpNode, grads: list) -> list:
    """A table op's node run without create_graph: its formulas as one fused jitted call."""
    if all(g is None for g in grads):
        return [None] * len(node.next_functions)
    needs = tuple(fn is not None for fn, _ in node.next_functions)
    key, arrays = _node_plan(node, tuple(g is not None for g in grads), needs)
    # A root's gradient reaches here as the caller gave it: its own shape and dtype decide
    # the trace too (JAX would retrace silently on others, invalidating the recorded aliases).
    grad_sig = tuple((g._storage.array.shape, g._storage.array.dtype)
                     for g in grads if g is not None)
    return _run_node(type(node)._op, key + (grad_sig,), grads, arrays)


# ------------------------------------------------------------------------ whole graph
def try_run(root_edges, root_grads, keep_graph: bool) -> bool:
    """Run the backward fused if allowed (see NOTE [Whole-graph fusion]); False otherwise."""
    plan = _plan(root_edges, root_grads)
    if plan is None:
        return False
    order, key_parts, arrays, index = plan
    bufs = InputBuffers(create_graph=False)
    buffers: dict[int, list] = {}
    for (node, nr), g in zip(root_edges, root_grads):
        i = index[node]
        buf = buffers.setdefault(i, [None] * len(node._metadata))
        if g is not None:
            bufs.root(g)  # the caller holds root gradients
            bufs.place(buf, nr, g)
    # Segments of at most MAX_FUSED_NODES nodes in execution order (one for a small graph):
    # each is one cached XLA call; a repeating structure (a long chain) reuses one program.
    op_index = 0
    for lo in range(0, len(order), MAX_FUSED_NODES):
        hi = min(len(order), lo + MAX_FUSED_NODES)
        n_ops = sum(1 for part in key_parts[lo:hi] if part[0] is not AccumulateGrad)
        _run_segment(order, key_parts, arrays[op_index:op_index + n_ops], lo, hi, bufs,
                     buffers, keep_graph)
        op_index += n_ops
    return True


def _plan(root_edges, root_grads):
    """(execution order, structure key per node, saved arrays per op node, index) of a graph
    the fused backward may run, or None (hooks, a custom node, a failed version check)."""
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
            return None
        if type(node) is AccumulateGrad:
            v = node.variable
            if v._backward_hooks or v._post_acc_hooks:
                return None
        elif not isinstance(node, OpNode) or len(node.next_functions) > MAX_FUSED_EDGES:
            return None
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
        return None
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
            node_key, node_arrays = _node_plan(node, mask, tuple(needs))
            key_parts.append((cls._op, node_key, tuple(edges)))
            arrays.append(node_arrays)
    except RuntimeError:
        return None  # a freed graph or a version mismatch: let the engine raise it in order
    return order, key_parts, arrays, index


def _describe(t: Tensor, bufs: InputBuffers) -> tuple:
    # What the replay must know of a gradient entering a segment: its layout and identity
    # facts (see NOTE [Gradient buffers and versions]), not its values.
    a = t._storage.array
    return (a.shape, a.dtype, t._vc.version, t._base is not None, t._view_strided,
            bufs.owners.get(id(t), 0))


def _run_segment(order, key_parts, arrays, lo, hi, bufs, buffers, keep_graph) -> None:
    """Run nodes `order[lo:hi]` as one cached jitted call: the gradients buffered for them go
    in, the leaves' gradients and those for later nodes come out (and are placed there)."""
    incoming: list[Tensor] = []
    slot_of: dict[int, int] = {}
    in_sig = []
    for i in range(lo, hi):
        buf = buffers.pop(i, None)
        if not buf:
            continue
        for nr, g in enumerate(buf):
            if g is None:
                continue
            k = slot_of.get(id(g))
            if k is None:
                k = slot_of[id(g)] = len(incoming)
                incoming.append(g)
            in_sig.append((i - lo, nr, k))
    parts = []
    out_edges = []
    for i in range(lo, hi):
        part = key_parts[i]
        if part[0] is AccumulateGrad:
            parts.append(part)
            continue
        op, node_key, edges = part
        local = []
        for e in edges:
            if e is None:
                local.append(None)
            elif e[0] < hi:
                local.append((e[0] - lo, e[1]))
            else:  # to a node of a later segment
                local.append((-1 - len(out_edges), 0))
                out_edges.append(e)
        parts.append((op, node_key, tuple(local)))
    key = (tuple(parts), tuple(in_sig), tuple(_describe(t, bufs) for t in incoming),
           _numerics.KEY)
    entry = _GRAPH_CACHE.get(key)
    in_arrays = [t._storage.array for t in incoming]
    if entry is None:  # published once traced (see _run_node)
        entry = _compile_segment(parts, key[1], key[2])
        outs = (entry[0](in_arrays, arrays) if not _device.MULTI
                else _device.colocated(entry[0], in_arrays, arrays))
        _GRAPH_CACHE[key] = entry
    else:
        outs = (entry[0](in_arrays, arrays) if not _device.MULTI
                else _device.colocated(entry[0], in_arrays, arrays))
    _, leaf_info, out_info = entry
    bufs.taken(incoming)
    if not keep_graph:
        for node in order[lo:hi]:
            node.release_variables()
    it = iter(outs)
    for local_index, steal, version in leaf_info:
        grad = Tensor._make(next(it))
        grad._vc.version = version
        accumulate_grad(order[lo + local_index].variable, grad, False, steal)
    made: list[Tensor] = []
    for (target, nr), info in zip(out_edges, out_info):
        kind = info[0]
        if kind == "in":
            grad = incoming[info[1]]
        elif kind == "out":
            grad = made[info[1]]
        else:
            grad = Tensor._make(next(it))
            grad._vc.version = info[1]
            if info[2]:
                grad._base = _OPAQUE_BASE
            grad._view_strided = info[3]
        made.append(grad)
        node = order[target]
        buf = buffers.setdefault(target, [None] * len(node._metadata))
        bufs.place(buf, nr, grad)


def _compile_segment(parts: list, in_sig: tuple, in_meta: tuple) -> tuple:
    """Trace the engine loop over a segment described by `parts` once (see NOTE [Whole-
    graph fusion]); the closure holds structure only. Returns (jitted function, leaf info,
    outgoing info), the two lists filled by the trace."""
    leaf_info: list = []
    out_info: list = []

    def replay(in_arrays, arrays):
        with grad_mode.no_grad():
            bufs = InputBuffers(create_graph=False)
            incoming = []
            for a, (_, _, version, is_view, strided, owners) in zip(in_arrays, in_meta):
                t = Tensor._make(a)
                t._vc.version = version
                t._base = _OPAQUE_BASE if is_view else None
                t._view_strided = strided
                bufs.owners[id(t)] = owners
                bufs.alive.append(t)
                incoming.append(t)
            buffers = [[None] * (len(part[1]) if part[0] is AccumulateGrad else len(part[1][6]))
                       for part in parts]
            for local, nr, k in in_sig:
                buffers[local][nr] = incoming[k]
            leaf_info.clear()
            out_info.clear()
            results, leaving = [], []
            array_iter = iter(arrays)
            for i, part in enumerate(parts):
                grads = buffers[i]
                if part[0] is AccumulateGrad:
                    g = grads[0]
                    if g is None:
                        continue
                    leaf_info.append((i, bufs.exclusive(g), g._vc.version))
                    results.append(g._storage.array)
                    continue
                bufs.taken(grads)
                op, node_key, edges = part
                node_arrays = next(array_iter)
                if all(g is None for g in grads):
                    outputs: list[Any] = [None] * len(edges)
                else:
                    grad_sig = tuple((g._storage.array.shape, g._storage.array.dtype)
                                     for g in grads if g is not None)
                    outputs = _run_node(op, node_key + (grad_sig,), grads, node_arrays)
                for grad, edge in zip(outputs, edges):
                    if edge is None:
                        continue
                    if edge[0] >= 0:
                        bufs.place(buffers[edge[0]], edge[1], grad)
                    else:
                        leaving.append(grad)
            # Gradients leaving the segment: the incoming tensor itself, one already leaving,
            # or a new array with its version and layout (identity matters for reuse).
            new = []
            for grad in leaving:
                if grad is None:
                    out_info.append(("none",))
                    continue
                same_in = [k for k, t in enumerate(incoming) if t is grad]
                same_out = [j for j, t in enumerate(leaving[:len(out_info)]) if t is grad]
                if same_in:
                    out_info.append(("in", same_in[0]))
                elif same_out:
                    out_info.append(("out", same_out[0]))
                else:
                    out_info.append(("new", grad._vc.version, grad._base is not None,
                                     grad._view_strided))
                    new.append(grad._storage.array)
            return results + new

    return _cc_jit(replay), leaf_info, out_info
