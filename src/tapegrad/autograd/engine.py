"""The engine: runs a backward pass over the graph, as torch's autograd Engine does.

Dependency counts decide when a node is ready (all its gradient contributions arrived); ready
nodes run highest sequence number first (AccumulateGrad before anything else); each node's
incoming gradients are summed in an input buffer (`InputBuffers`, shared with the fused
path); saved values are released after a node runs unless the graph is kept.
`autograd.grad` captures gradients at the inputs' edges instead of accumulating into `.grad`.
What a backward does to gradients (buffers, validation, accumulation) is in `_buffers.py`.
See `autograd/README.md` for the whole chain.
"""

from __future__ import annotations

import contextlib
import gc
import heapq
import itertools
import sys
import threading
from collections.abc import Sequence

import jax.numpy as jnp

from .. import _anomaly as anomaly_mode
from .. import _errors, _x64
from .. import _grad_mode as grad_mode
from .._graph import AccumulateGrad, Node, grad_accumulator
from ..ops import OpNode
from ..tensor import Tensor
from . import _fusion
from ._buffers import InputBuffers, validate_grad

__all__ = ["run_backward", "gradient_edge_or_raise"]

def _check_hook_result(hook, old: Tensor, new) -> None:
    # torch's check_single_result: a tensor hook may not change the gradient's size or type.
    name = getattr(hook, "__name__", repr(hook))
    if tuple(new.shape) != tuple(old.shape):
        raise RuntimeError(_errors.HOOK_CHANGED_SIZE.format(name=name))
    if new.dtype is not old.dtype:
        raise RuntimeError(_errors.HOOK_CHANGED_TYPE.format(
            name=name, old=old.dtype.legacy_name, new=new.dtype.legacy_name))


def _call_tensor_pre_hooks(node: Node, inputs: list) -> list:
    for output_nr, hook in node.tensor_pre_hooks():
        if inputs[output_nr] is None:
            continue
        new = hook(inputs[output_nr])
        if new is not None:
            _check_hook_result(hook, inputs[output_nr], new)
            inputs[output_nr] = new
    if node._retains_grad_hooks:
        for output_nr, hook in list(node._retains_grad_hooks.items()):
            if inputs[output_nr] is not None:
                hook(inputs[output_nr])
    return inputs


def _call_pre_hooks(node: Node, inputs: list) -> list:
    if node._pre_hooks:
        for hook in list(node._pre_hooks.values()):
            new = hook(tuple(inputs))
            if new is not None:
                inputs[:] = new  # the same list: see NOTE [Gradient buffers and versions]
    return inputs


def _validate_outputs(node: Node, outputs: list) -> list:
    if len(outputs) != len(node.next_functions):
        raise RuntimeError(_errors.INCORRECT_GRADIENT_COUNT.format(
            name=node.name(), expected=len(node.next_functions), got=len(outputs)))
    for i, (grad, (fn, nr)) in enumerate(zip(outputs, node.next_functions)):
        if grad is None or fn is None:
            continue
        meta = fn._metadata[nr]
        if tuple(grad.shape) != meta[0] or grad.dtype is not meta[1]:
            outputs[i] = validate_grad(grad, meta, node.name(), i)
    return outputs


def _collect_dependencies(roots: list[Node]) -> dict[Node, int]:
    deps: dict[Node, int] = {}
    seen = set(roots)
    stack = list(roots)
    while stack:
        node = stack.pop()
        for fn, _ in node.next_functions:
            if fn is None:
                continue
            deps[fn] = deps.get(fn, 0) + 1
            if fn not in seen:
                seen.add(fn)
                stack.append(fn)
    return deps


def _compute_needed(roots: list[Node], targets: set) -> dict[Node, bool]:
    """Which nodes must run so that gradients reach `targets` (torch's exec_info)."""
    needed: dict[Node, bool] = {}
    for r in roots:
        if r not in needed:
            needed[r] = r in targets
            _mark_needed(r, targets, needed)
    return needed


def _mark_needed(root: Node, targets: set, needed: dict) -> None:
    # Iterative post-order DFS from one root (each root its own walk: a stack holding two
    # roots would make the lower one the "parent" of the upper one).
    stack = [(root, iter(root.next_functions))]
    while stack:
        node, it = stack[-1]
        advanced = False
        for fn, _ in it:
            if fn is None:
                continue
            if fn not in needed:
                needed[fn] = fn in targets
                stack.append((fn, iter(fn.next_functions)))
                advanced = True
                break
            if needed[fn]:
                needed[node] = True
        if not advanced:
            stack.pop()
            if stack and needed[node]:
                needed[stack[-1][0]] = True


# NOTE [Cyclic GC during backward]: a pass over a large graph allocates many small containers,
# and each time that crosses CPython's gen-0 threshold the collector may walk every tracked
# object, i.e. the whole graph: ~15% of a 100k-node backward. Reference counting alone frees
# everything a pass makes (it builds no cycles), so the collector is paused for the pass and
# restored after; a count keeps concurrent passes from re-enabling it under each other.
_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextlib.contextmanager
def _gc_paused():
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


@_x64.scoped
def run_backward(root_edges: Sequence[tuple[Node, int]], root_grads: Sequence[Tensor | None],
                 keep_graph: bool, create_graph: bool,
                 inputs: Sequence[tuple[Node, int]] | None = None,
                 accumulate_grad: bool = True) -> list[Tensor | None]:
    """Run one backward pass. With `accumulate_grad=False`, return the gradients captured at
    the `inputs` edges (autograd.grad); otherwise accumulate into `.grad` (backward)."""
    with _gc_paused():
        return _run_backward(root_edges, root_grads, keep_graph, create_graph, inputs,
                             accumulate_grad)


def _run_backward(root_edges, root_grads, keep_graph, create_graph, inputs, accumulate_grad):
    if not create_graph and inputs is None and accumulate_grad and not anomaly_mode._enabled:
        # See NOTE [Whole-graph fusion].
        if _fusion.try_run(root_edges, root_grads, keep_graph):
            return []
    buffers_of = InputBuffers(create_graph)
    place = buffers_of.place
    buffers: dict[Node, list] = {}
    roots: list[Node] = []
    for (node, nr), grad in zip(root_edges, root_grads):
        buf = buffers.get(node)
        if buf is None:
            buf = [None] * len(node._metadata)
            buffers[node] = buf
            roots.append(node)
        if grad is not None:
            buffers_of.root(grad)
        place(buf, nr, grad)
    deps = _collect_dependencies(roots)

    needed: dict[Node, bool] | None = None
    captures: dict[Node, list[tuple[int, int]]] = {}
    captured: list[Tensor | None] = []
    if inputs is not None:
        targets = set()
        for i, (node, nr) in enumerate(inputs):
            if node is None:  # an input with no edge (ViewStorage.drop_edge): never reached
                captured.append(None)
                continue
            if accumulate_grad:
                targets.add(node)
            else:
                captures.setdefault(node, []).append((nr, i))
                captured.append(None)
        needed = _compute_needed(roots, targets | set(captures))
        if not accumulate_grad:
            # Capture-only nodes do not run, unless a capture lies further down (read from
            # the values before any is changed: the order of `captures` must not matter).
            reaches = dict(needed)
            for node in captures:
                if node not in targets:
                    needed[node] = any(fn is not None and reaches.get(fn)
                                       for fn, _ in node.next_functions)

    single_root = len(root_edges) == 1
    counter = itertools.count()
    ready: list = []
    for node in roots:
        if deps.get(node, 0) == 0:
            heapq.heappush(ready, (-node._sequence_nr, next(counter), node))
    pending = {node: buffers[node] for node in roots if deps.get(node, 0) != 0}

    with grad_mode.set_grad_enabled(create_graph):
        while ready:
            _, _, node = heapq.heappop(ready)
            grads = buffers.pop(node, None) or pending.pop(node)
            if needed is not None:
                # torch's evaluate_function calls a reached node's tensor pre-hooks even when
                # it does not run (once: a node that runs calls them in call_function). Only
                # captured nodes and a single root edge's node (torch's graph root itself; two
                # or more root edges hang under a GraphRoot, which skips unneeded children)
                # are reached without being needed.
                if node in captures:
                    cap_grads = grads if needed.get(node) else _call_tensor_pre_hooks(
                        node, list(grads))
                    for nr, idx in captures[node]:
                        captured[idx] = cap_grads[nr]
                elif single_root and not needed.get(node):
                    _call_tensor_pre_hooks(node, list(grads))
                if not needed.get(node):
                    continue
            steal = (type(node) is AccumulateGrad and grads[0] is not None
                     and buffers_of.exclusive(grads[0]))
            buffers_of.taken(grads)
            if anomaly_mode._enabled:
                outputs = _call_function_with_anomaly(node, grads, keep_graph, create_graph,
                                                      steal)
            else:
                outputs = _call_function(node, grads, keep_graph, create_graph, steal)
            for grad, (fn, nr) in zip(outputs, node.next_functions):
                if fn is None:
                    continue
                count = deps[fn] - 1
                deps[fn] = count
                if needed is not None and not (needed.get(fn) or fn in captures):
                    continue
                buf = pending.get(fn)
                if buf is None:
                    buf = [None] * len(fn._metadata)
                    pending[fn] = buf
                place(buf, nr, grad)
                if count == 0:
                    buffers[fn] = pending.pop(fn)
                    heapq.heappush(ready, (-fn._sequence_nr, next(counter), fn))
    return captured


# References to a gradient only the engine holds: the `grads` list and getrefcount's argument.
_FRESH_REFS = 2


def _call_function(node: Node, grads: list, keep_graph: bool, create_graph: bool,
                   steal: bool = False) -> list:
    # torch's call_function + evaluate_function: tensor pre-hooks (then retains_grad hooks),
    # node pre-hooks, the node, output validation, node post-hooks (AccumulateGrad's too,
    # with no grad_inputs), and only then the release of saved values.
    accumulate = type(node) is AccumulateGrad
    if accumulate:
        # torch steals only a gradient nobody else references (use_count), so a hook that
        # kept the gradient it was given makes AccumulateGrad clone it, while a new gradient
        # a hook returned is stolen. A reference the hooks add shows in the refcount; the
        # list holding the gradients stays the same object (see _call_pre_hooks).
        original = grads[0]
        refs = sys.getrefcount(original)
    grads = _call_tensor_pre_hooks(node, grads)
    grads = _call_pre_hooks(node, grads)
    if accumulate:
        if grads[0] is original:
            steal = steal and sys.getrefcount(original) <= refs
        else:
            steal = (grads[0] is not None and not grads[0]._view_strided
                     and sys.getrefcount(grads[0]) <= _FRESH_REFS)
        del original
        outputs = node.apply(grads, create_graph, steal)
    elif (not create_graph and isinstance(node, OpNode)
          and len(node.next_functions) <= _fusion.MAX_FUSED_EDGES):
        # A table op's formulas as one fused, jitted call (validated inside). (A node with a
        # huge fan-out, stack's of 10k tensors, runs its formulas op by op instead: one
        # program with 10k outputs would take longer to compile than to run eagerly.)
        outputs = _fusion.node_backward(node, grads)
    else:
        outputs = _validate_outputs(node, list(node.apply(grads, create_graph)))
    if node._post_hooks:
        for hook in list(node._post_hooks.values()):
            new = hook(tuple(outputs), tuple(grads))
            if new is not None:
                outputs = list(new)
    if not keep_graph:
        node.release_variables()
    return outputs


def _call_function_with_anomaly(node: Node, grads: list, keep_graph: bool, create_graph: bool,
                                steal: bool) -> list:
    # torch's evaluate_function under anomaly mode: nodes created while this one runs record
    # it as their parent; NaN outputs are an error; any error shows the forward traceback of
    # the failing node (thread_on_exception -> print_stack) and then propagates unchanged.
    prev = anomaly_mode.set_current_node(node)
    try:
        outputs = _call_function(node, grads, keep_graph, create_graph, steal)
        if anomaly_mode._check_nan:
            for i, grad in enumerate(outputs):
                if grad is not None and bool(jnp.isnan(grad._storage.array).any()):
                    raise RuntimeError(anomaly_mode.NAN_OUTPUT.format(name=node.name(),
                                                                      index=i))
        return outputs
    except Exception:
        anomaly_mode.warn_stack(node)
        raise
    finally:
        anomaly_mode.set_current_node(prev)


def gradient_edge_or_raise(t: Tensor, index: int) -> tuple[Node, int]:
    """A root's edge for backward/grad (torch's error if it has none). A view's grad_fn is
    read through the property (regenerated, or torch's error, after an in-place write)."""
    fn = t._grad_fn if t._base is None else t.grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    acc = grad_accumulator(t) if t._requires_grad else None
    if acc is not None:
        return (acc, 0)
    raise RuntimeError(_errors.NO_GRAD_FN.format(index=index))
