"""One compiled program: the trace (a pure function of the state arrays), the replay plan it
finds, the replay, and the node a compiled forward's outputs carry (see NOTE [How tg.compile
works] in `__init__.py`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .._compilation_cache import jit as _cc_jit
from .._storage import Storage, StopGradientStorage
from .. import _device
from .._graph import Node, SavedTensor, gradient_edge
from .._grad_mode import enable_grad
from ..autograd import grad as _autograd_grad
from ..tensor import Tensor, is_pytree_leaf
from ._errors import CONCRETE_ERRORS, NeedsEager, Retrace, concrete_value_error
from ._walk import (_CELL, _PLAIN_STORAGE, _PLAIN_VC, _SCALARS, _is_array, _slot_get, _slot_set,
                    _Walk, slot_name)

_TENSOR_SLOTS = tuple(s for s in Tensor.__slots__ if s != "__weakref__")

class _Snapshot:
    """Everything a trace may change on the Python side, to compare with and restore."""

    def __init__(self, walk: _Walk) -> None:
        self.walk = walk
        self.tensor_slots = [tuple(getattr(t, s) for s in _TENSOR_SLOTS) for t in walk.tensors]
        self.arrays = [s.array for s in walk.storages]
        self.versions = [v.version for v in walk.vcs]
        self.containers = []
        for c, keys in walk.containers:
            if keys == ():  # a cell
                self.containers.append((c, keys, c.cell_contents))
            elif keys is not None:  # some names of a globals dict
                self.containers.append((c, keys, [c.get(k, _MISSING) for k in keys]))
            elif isinstance(c, dict):
                self.containers.append((c, None, list(c.items())))
            else:
                self.containers.append((c, None, list(c)))

    def changed_containers(self, slot_ids: set) -> str | None:
        """A description of the first Python-level change, or None."""
        for c, keys, saved in self.containers:
            if keys == ():
                if not _same(c.cell_contents, saved) and (id(c), _CELL) not in slot_ids:
                    return "a closure variable was reassigned"
            elif keys is not None:
                for k, v in zip(keys, saved):
                    if not _same(c.get(k, _MISSING), v) and (id(c), k) not in slot_ids:
                        return f"global {k!r} was reassigned"
            elif isinstance(c, dict):
                if len(c) != len(saved):
                    return f"a dict changed size ({len(saved)} -> {len(c)} entries)"
                for (k0, v0), (k1, v1) in zip(saved, c.items()):
                    if k0 is not k1 and k0 != k1:
                        return f"dict keys changed ({k0!r} -> {k1!r})"
                    if not _same(v1, v0) and (id(c), k0) not in slot_ids:
                        return f"entry {k0!r} of a dict or object changed ({_short(v0)} -> " \
                               f"{_short(v1)})"
            else:
                if len(c) != len(saved):
                    return f"a list changed length ({len(saved)} -> {len(c)})"
                for i, (v0, v1) in enumerate(zip(saved, c)):
                    if not _same(v1, v0) and (id(c), i) not in slot_ids:
                        return f"item {i} of a list changed"
        return None

    def restore(self) -> None:
        for c, keys, saved in self.containers:
            if keys == ():
                c.cell_contents = saved
            elif keys is not None:
                for k, v in zip(keys, saved):
                    if v is _MISSING:
                        c.pop(k, None)
                    else:
                        c[k] = v
            elif isinstance(c, dict):
                c.clear()
                c.update(saved)
            else:
                c[:] = saved
        for t, values in zip(self.walk.tensors, self.tensor_slots):
            for s, v in zip(_TENSOR_SLOTS, values):
                setattr(t, s, v)
        for s, a in zip(self.walk.storages, self.arrays):
            if type(s) is _PLAIN_STORAGE:  # an argument view was proxied, never written
                s.array = a
        for vc, v in zip(self.walk.vcs, self.versions):
            vc.version = v


_MISSING = object()


def _same(a: Any, b: Any) -> bool:
    if a is b:
        return True
    return type(a) is type(b) and type(a) in _SCALARS and a == b


def _short(v: Any) -> str:
    return repr(v) if type(v) in _SCALARS else type(v).__name__


# Tensor slots a trace may change and the replay plan expresses; any other change is eager.
_REPLAYED = frozenset({"_storage", "_vc", "_grad", "_requires_grad", "_grad_acc"})
_SLOT_INDEX = {s: i for i, s in enumerate(_TENSOR_SLOTS)}


# ------------------------------------------------------------------------------ nodes
class CompiledFunctionBackward(Node):
    """The one node of a compiled forward's outputs: a jitted re-run of the forward plus the
    tape's backward, on the arrays the forward saw (see NOTE [How tg.compile works])."""

    __slots__ = ("_program", "_walk", "_arrays", "_saved")

    def apply(self, grads: list, create_graph: bool) -> list:
        for s in self._saved:  # torch's checks: freed graph, in-place modified input
            s.raw_array(self)
        if create_graph:
            raise RuntimeError(
                "tg.compile: create_graph=True (double backward) through a compiled forward is "
                "not supported; call the module uncompiled for higher-order gradients.")
        cotangents = [g._storage.array if g is not None else jnp.zeros(shape, dt.np)
                      for g, (shape, dt) in zip(grads, self._metadata)]
        program = self._program
        out = program.backward(self._walk, self._arrays, cotangents)
        result = []
        for a, meta in zip(out, program.grad_meta):
            if a is None:
                result.append(None)
                continue
            g = Tensor._make(a)
            g._vc.version, g._view_strided = meta
            result.append(g)
        return result

    def release_variables(self) -> None:
        for s in self._saved:
            s.release()
        self._walk = None
        self._arrays = None


_FREED = SavedTensor(Tensor._make(np.zeros(())), is_output=False)
_FREED.release()  # unpacking it raises torch's "backward through the graph a second time"


def _released_node(metadata: tuple) -> Node:
    # A training step's returned loss: its graph was consumed by the backward inside the step.
    node = CompiledFunctionBackward((), metadata)
    node._saved = (_FREED,)
    node._program = node._walk = node._arrays = None
    return node


# ------------------------------------------------------------------------------ programs
class _Plan:
    """What a trace found, as positions into the call's `_Walk` and the program's outputs."""

    def __init__(self) -> None:
        self.storage_updates: list[tuple[int, int]] = []   # (storage index, output index)
        self.slot_updates: list[tuple[int, int]] = []      # (slot index, output index)
        self.vc_deltas: list[tuple[int, int]] = []         # (vc index, delta)
        self.tensor_effects: list[tuple[int, str, Any]] = []  # (tensor index, slot, ref)
        self.new_storages: list[int] = []                  # output index per new storage
        self.new_vcs: list[int] = []                       # final version per new counter
        self.new_tensors: list[tuple] = []                 # (storage ref, vc ref, rg, strided)
        self.out_treedef = None
        self.out_leaves: list[tuple] = []
        self.fused = False
        self.edge_tensors: list[int] = []
        self.diff_outputs: list[int] = []                  # out_leaves positions
        self.metadata: tuple = ()


class _Program:
    """One compiled program for one cache key."""

    def __init__(self, fn: Callable, name: str) -> None:
        self.fn = fn
        self.name = name
        self.plan: _Plan | None = None
        self.eager = False
        self.jitted = _cc_jit(self._forward_pure)
        self._bwd = _cc_jit(self._backward_pure)
        self.grad_meta: list = []
        self._proxies: list = []
        self._hyper: dict[int, Tensor] = {}
        self._walk: _Walk | None = None

    # ---------------------------------------------------------------------- tracing
    def _install(self, walk: _Walk, arrays: list, backward: bool) -> tuple:
        ns = len(walk.storages)
        proxies: dict[int, Any] = {}
        self._proxies = []
        for s, a in zip(walk.storages, arrays):
            if type(s) is _PLAIN_STORAGE:
                s.array = a
                self._proxies.append(s)
            else:  # an argument view: its tensors read a stand-in box during the trace
                proxy = proxies[id(s)] = _PLAIN_STORAGE(a)
                self._proxies.append(proxy)
        if proxies:
            for t in walk.tensors:
                proxy = proxies.get(id(t._storage))
                if proxy is not None:
                    t._storage = proxy
        self._hyper = {}
        for i, ((c, k), a) in enumerate(zip(walk.slots, arrays[ns:])):
            if i in walk.hyper_slots:  # NOTE [Traced hyperparameters]
                a = self._hyper[i] = Tensor._make(a)
            _slot_set(c, k, a)
        for t in walk.tensors:
            if t._grad_fn is not None:  # an external non-leaf is a leaf inside the program
                t._grad_fn = None
                t._output_nr = 0
                t._retains_grad = False
            if backward:  # hooks on external tensors run when the node's edges are reached
                t._backward_hooks = None
                t._post_acc_hooks = None
        return jax.tree_util.tree_unflatten(walk.treedef, walk.leaves)

    def _forward_pure(self, arrays: list) -> list:
        walk = self._walk
        if walk is None:
            # Called from the guarded fast path, but JAX wants to trace: an input's shape or
            # dtype differs from the traced ones. The full walk will find (or make) a program.
            raise Retrace
        snap = _Snapshot(walk)
        try:
            args, kwargs = self._install(walk, arrays, backward=False)
            presented = [tuple(getattr(t, s) for s in _TENSOR_SLOTS) for t in walk.tensors]
            result = self.fn(*args, **kwargs)
            plan, outputs = self._analyze(walk, snap, presented, arrays, result)
            self.plan = plan
            return outputs
        finally:
            snap.restore()

    def _analyze(self, walk: _Walk, snap: _Snapshot, presented: list, arrays: list,
                 result: Any) -> tuple[_Plan, list]:
        plan = _Plan()
        outputs: list = []
        out_ix: dict[int, int] = {}

        def output(a) -> int:
            j = out_ix.get(id(a))
            if j is None:
                j = out_ix[id(a)] = len(outputs)
                outputs.append(a)
            return j

        slot_ids = {(id(c), slot_name(k)) for c, k in walk.slots}
        reason = snap.changed_containers(slot_ids)
        if reason is not None:
            raise NeedsEager(reason)
        for i, s in enumerate(self._proxies):
            if s.array is not arrays[i]:
                # (Replay writes into the real box: an argument view writes through to its base.)
                plan.storage_updates.append((i, output(s.array)))
        ns = len(walk.storages)
        for i, (c, k) in enumerate(walk.slots):
            v = _slot_get(c, k)
            if i in walk.hyper_slots:
                if v is not self._hyper[i]:
                    raise NeedsEager(f"the optimizer hyperparameter {k!r} was set inside the "
                                     "compiled function")
                continue
            if v is not arrays[ns + i]:
                if not _is_array(v):
                    raise NeedsEager("an array in a container was replaced by a non-array")
                plan.slot_updates.append((i, output(v)))
        for i, vc in enumerate(walk.vcs):
            delta = vc.version - snap.versions[i]
            if delta:
                plan.vc_deltas.append((i, delta))

        new_tix: dict[int, int] = {}
        new_six: dict[int, int] = {}
        new_vix: dict[int, int] = {}

        def tensor_ref(t: Tensor) -> tuple:
            i = walk.tix.get(id(t))
            if i is not None:
                return ("ext", i)
            k = new_tix.get(id(t))
            if k is not None:
                return ("new", k)
            if t._grad_fn is not None:
                raise NeedsEager("a tensor with a graph was stored outside the function")
            return ("new", new_tensor(t, False))

        def new_tensor(t: Tensor, rg: bool) -> int:
            s = _shared(t._storage)
            si = walk.six.get(id(s))
            if si is not None:
                sref = ("ext", si)
            else:
                k = new_six.get(id(s))
                if k is None:
                    k = new_six[id(s)] = len(plan.new_storages)
                    plan.new_storages.append(output(s.array))
                sref = ("new", k)
            vi = walk.vix.get(id(t._vc))
            if vi is not None:
                vref = ("ext", vi)
            else:
                k = new_vix.get(id(t._vc))
                if k is None:
                    k = new_vix[id(t._vc)] = len(plan.new_vcs)
                    plan.new_vcs.append(t._vc.version)
                vref = ("new", k)
            k = new_tix[id(t)] = len(plan.new_tensors)
            plan.new_tensors.append((sref, vref, rg and t._requires_grad, t._view_strided))
            return k

        grads_changed = False
        grad_slot = _SLOT_INDEX["_grad"]
        for i, t in enumerate(walk.tensors):
            before = presented[i]
            for name, j in _SLOT_INDEX.items():
                now = getattr(t, name)
                if now is before[j]:
                    continue
                if name not in _REPLAYED:
                    raise NeedsEager(f"{name} of an external tensor changed")
                if name == "_grad_acc":
                    continue
                if name == "_requires_grad":
                    plan.tensor_effects.append((i, name, now))
                    continue
                if j == grad_slot:
                    grads_changed = True
                    if snap.tensor_slots[i][_SLOT_INDEX["_grad_fn"]] is not None:
                        raise NeedsEager("backward reached a graph recorded outside the function")
                if now is None:
                    plan.tensor_effects.append((i, name, None))
                elif name == "_storage":
                    now = _shared(now)
                    si = walk.six.get(id(now))
                    if si is None:
                        k = new_six.get(id(now))
                        if k is None:
                            k = new_six[id(now)] = len(plan.new_storages)
                            plan.new_storages.append(output(now.array))
                        plan.tensor_effects.append((i, name, ("new", k)))
                    else:
                        plan.tensor_effects.append((i, name, ("ext", si)))
                elif name == "_vc":
                    vi = walk.vix.get(id(now))
                    if vi is None:
                        k = new_vix.get(id(now))
                        if k is None:
                            k = new_vix[id(now)] = len(plan.new_vcs)
                            plan.new_vcs.append(now.version)
                        plan.tensor_effects.append((i, name, ("new", k)))
                    else:
                        plan.tensor_effects.append((i, name, ("ext", vi)))
                else:
                    plan.tensor_effects.append((i, name, tensor_ref(now)))
        # A grad written in place or a tensor requiring grad updated: a step, not a forward.
        updated = {i for i, _ in plan.storage_updates}
        storage_slot = _SLOT_INDEX["_storage"]
        params_changed = any(
            t._requires_grad and walk.six[id(presented[i][storage_slot])] in updated
            for i, t in enumerate(walk.tensors))
        grads_changed = grads_changed or any(
            t._grad is not None and walk.six.get(id(t._grad._storage)) in updated
            for t in walk.tensors)

        leaves, plan.out_treedef = jax.tree_util.tree_flatten(result, is_leaf=is_pytree_leaf)
        live = []
        for n, leaf in enumerate(leaves):
            if isinstance(leaf, Tensor):
                i = walk.tix.get(id(leaf))
                if i is not None:
                    plan.out_leaves.append(("ext", i))
                    continue
                k = new_tix.get(id(leaf))
                if k is None:
                    k = new_tensor(leaf, True)
                    if leaf._requires_grad and leaf._grad_fn is not None:
                        live.append((n, leaf))
                plan.out_leaves.append(("new", k))
            elif _is_array(leaf):
                plan.out_leaves.append(("arr", output(leaf)))
            else:
                plan.out_leaves.append(("const", leaf))
        plan.metadata = tuple((tuple(t.shape), t.dtype) for _, t in live)
        plan.diff_outputs = [n for n, _ in live]
        if live and not grads_changed and not params_changed:
            plan.edge_tensors = [i for i, t in enumerate(walk.tensors) if t._requires_grad
                                 and (t.dtype.is_floating_point or t.dtype.is_complex)]
            plan.fused = bool(plan.edge_tensors)
        return plan, outputs

    def _backward_pure(self, arrays: list, cotangents: list) -> list:
        walk = self._walk
        plan = self.plan
        snap = _Snapshot(walk)
        try:
            args, kwargs = self._install(walk, arrays, backward=True)
            with enable_grad():
                result = self.fn(*args, **kwargs)
            leaves = jax.tree_util.tree_leaves(result, is_leaf=is_pytree_leaf)
            outs = [leaves[n] for n in plan.diff_outputs]
            inputs = [walk.tensors[i] for i in plan.edge_tensors]
            grads = _autograd_grad(
                outs, inputs, grad_outputs=[Tensor._make(c) for c in cotangents],
                allow_unused=True)
            # How each gradient would reach AccumulateGrad eagerly: its version and whether
            # torch would see a non-contiguous view (then AccumulateGrad clones, not steals).
            self.grad_meta = [None if g is None else (g._vc.version, g._view_strided)
                              for g in grads]
            return [None if g is None else g._storage.array for g in grads]
        finally:
            snap.restore()

    # ---------------------------------------------------------------------- calls
    def run(self, walk: _Walk, arrays: list) -> list:
        """Call the program; if JAX traces (first call, or a retrace), trace with `walk`."""
        self._walk = walk
        if _device.MULTI:  # one program, one device (NOTE [Devices])
            arrays = _device.colocate(arrays)
        try:
            return self.jitted(arrays)
        finally:
            self._walk = None

    def backward(self, walk: _Walk, arrays: list, cotangents: list) -> list:
        self._walk = walk
        if _device.MULTI:
            arrays = _device.colocate(arrays)
            cotangents = _device.colocate(cotangents)
        try:
            return self._bwd(arrays, cotangents)
        except CONCRETE_ERRORS as e:
            err = concrete_value_error(e, self.name)
            err.jax_error = e
            raise err from None
        finally:
            self._walk = None

    def replay(self, walk: _Walk, arrays: list, outs: list) -> Any:
        plan = self.plan
        storages, vcs, tensors = walk.storages, walk.vcs, walk.tensors
        for i, j in plan.storage_updates:
            storages[i].array = outs[j]
        for i, j in plan.slot_updates:
            c, k = walk.slots[i]
            _slot_set(c, k, outs[j])
        for i, d in plan.vc_deltas:
            vcs[i].version += d
        new_storages = [_PLAIN_STORAGE(outs[j]) for j in plan.new_storages]
        new_vcs = [_PLAIN_VC(v) for v in plan.new_vcs]
        new_tensors = []
        for sref, vref, rg, strided in plan.new_tensors:
            t = Tensor._make(None, None, 0,
                             new_vcs[vref[1]] if vref[0] == "new" else vcs[vref[1]],
                             new_storages[sref[1]] if sref[0] == "new" else storages[sref[1]])
            t._requires_grad = rg
            t._view_strided = strided
            new_tensors.append(t)
        for i, name, ref in plan.tensor_effects:
            t = tensors[i]
            if name == "_requires_grad" or ref is None:
                setattr(t, name, ref)
            elif name == "_storage":
                t._storage = new_storages[ref[1]] if ref[0] == "new" else storages[ref[1]]
            elif name == "_vc":
                t._vc = new_vcs[ref[1]] if ref[0] == "new" else vcs[ref[1]]
            else:
                t._grad = new_tensors[ref[1]] if ref[0] == "new" else tensors[ref[1]]
        # Returned values.
        leaves = []
        for kind, ref in plan.out_leaves:
            if kind == "ext":
                leaves.append(tensors[ref])
            elif kind == "new":
                leaves.append(new_tensors[ref])
            elif kind == "arr":
                leaves.append(outs[ref])
            else:
                leaves.append(ref)
        if plan.diff_outputs:
            if plan.fused:
                edge_tensors = [tensors[i] for i in plan.edge_tensors]
                node = CompiledFunctionBackward(
                    tuple(gradient_edge(t) for t in edge_tensors), plan.metadata)
                node._program = self
                node._walk = walk
                node._arrays = arrays
                node._saved = [SavedTensor(t, is_output=False) for t in edge_tensors]
            else:
                node = _released_node(plan.metadata)
            for nr, n in enumerate(plan.diff_outputs):
                t = leaves[n]
                t._grad_fn = node
                t._output_nr = nr
                t._requires_grad = True
        return jax.tree_util.tree_unflatten(plan.out_treedef, leaves)


def _shared(storage: Storage) -> Storage:
    """The storage box a traced `detach()`/`.data` aliases (eagerly they share that very box;
    under the trace they read it through stop_gradient: NOTE [Untracked writes under JAX
    transforms] in _storage.py)."""
    while type(storage) is StopGradientStorage:
        storage = storage.source
    return storage
