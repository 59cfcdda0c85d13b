"""`tg.compile(fn)`: a PyTorch-style function run as one `jax.jit` program, side effects included.

    step = tg.compile(step)          # zero_grad, forward, loss, backward, optimizer step
    loss = step(x, y)                # one XLA program; params/.grad/optimizer state updated
    fast = tg.compile(model)         # a compiled forward: outputs carry one fused grad_fn
    fast(x).sum().backward()         # ... so eager backward gives the eager gradients

NOTE [How tg.compile works]
Every tapegrad op is a jitted JAX function and a Tensor may hold a tracer, so tapegrad code
(backward included) already runs inside `jax.jit`. What `jax.jit` cannot see are the Python
side effects: in-place writes swap the array inside a tensor's storage box, `.grad` is set or
cleared, version counters move, the random generator's key advances. `compile` makes those
explicit:

1. *Discover the state* (`_Walk`) on every call: everything the function can reach through its
   arguments, its closure cells, the globals its code names (recursively through the user
   functions it references), the bound `self` of a method, `Module`s (and the globals their
   `forward` names), optimizers, dicts/lists/tuples and plain user objects' `__dict__`, plus
   the default random generator. Every tapegrad Tensor found (deduplicated by identity, with
   storage boxes and version counters deduplicated separately, since views and `detach()`
   share them) and every raw `jax.Array` in a mutable container is *state*. The walk also
   builds the cache key: the layout of all of that, every Python scalar in it (learning
   rates, `training` flags, ...), and each tensor's shape, dtype, `requires_grad`, leaf-ness
   and whether it has a `.grad`, and the grad mode.
2. *Trace once per key* (`_Program`): a pure function of the state arrays installs tracers in
   the storage boxes (and container slots), runs `fn` with the real objects, reads back what
   changed - new storage arrays, `.grad` (None -> tensor, tensor -> None, in-place), version
   deltas, `requires_grad`, random keys, the returned values - and then *restores every
   object* to its pre-trace state (so no tracer ever escapes into user objects). The changes
   become the program's outputs plus a replay plan.
3. *Replay* on every call: gather the state arrays, call the compiled program, write the
   concrete outputs back into the same storage boxes, set `.grad`, bump versions by the
   traced deltas, rebuild the returned values.

Python-level state changes the replay plan cannot express (a new entry in a dict or list, a new
attribute, a changed Python int/float such as a step counter kept as an int, history rebased
onto an external tensor) make the call run eagerly instead - the equivalent of a torch.compile
graph break - and compilation is tried again on the next call. This is exactly what happens on
an optimizer's first step, which creates its state (momentum buffers, ...): step 1 runs eagerly,
step 2 compiles, every later step replays. Python scalars are never lifted into arrays: they are
baked into the program and guarded by the key (a changed learning rate recompiles). A function
that mutates Python scalars on every call (an int counter) therefore never compiles: after
`_MAX_FALLBACKS` consecutive eager fallbacks `compile` warns and stays eager. Keep such
counters in tensors, as torch's Adam keeps `state['step']`.

Recompilation happens whenever the key changes (a shape, dtype, `requires_grad` flag, a
parameter replaced by one of another shape, a Python hyperparameter, grad mode) and is logged
at debug level on the `tapegrad.compile` logger with the first difference.

*Outputs and autograd.* If the traced function left every external `.grad` and every tensor
requiring grad untouched and returns tensors that require grad (a forward), the call returns
them with one `CompiledFunctionBackward` node whose edges are the external tensors requiring
grad (parameters, inputs, non-leaf inputs' grad_fns). Its backward is a second jitted program
that re-runs the forward on tracers and calls `tg.autograd.grad` inside the trace, i.e. the
*tape's own* gradients (detach, no_grad, custom Functions, hook-free), not `jax.vjp` of the
forward (which would differentiate through `detach()`). The forward is recomputed in backward
(rematerialization); `create_graph=True` through a compiled forward is not supported. If the
function did change gradients or parameters (a training step), returned tensors that required
grad get a node whose graph is already freed, as eager's are after `backward()`.

*Concrete values.* Code that needs a tensor's value while tracing (`.item()`, `bool(t)`, a
Python `if` on a tensor, `.tolist()`, `.numpy()`, `float(t)`) raises `ConcreteValueError`
naming the user's line, with the way out.

Known limits: state reachable only through objects the walk does not enter (library objects,
numpy arrays - which are baked in as constants -, module-level state of other libraries) is not
tracked; backward inside a compiled function does not flow into a graph recorded outside it
(that call runs eagerly); hooks on intermediate tensors run at trace time only.
"""

from __future__ import annotations

import functools
import linecache
import logging
import os
import sys
import traceback
import types
import warnings
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import random as _random_module
from .autograd import grad as _autograd_grad
from .autograd.grad_mode import enable_grad, is_grad_enabled
from .autograd.graph import Node, SavedTensor, make_gradient_edge
from .nn.modules.module import Module
from .tensor import Tensor

__all__ = ["compile", "CompiledFunction", "ConcreteValueError"]

logger = logging.getLogger("tapegrad.compile")

# Consecutive eager fallbacks (Python-level mutations) after which a function stays eager.
_MAX_FALLBACKS = 3

_TENSOR_SLOTS = tuple(s for s in Tensor.__slots__ if s != "__weakref__")
_SCALARS = frozenset({int, float, bool, complex, str, bytes, type(None), np.float64,
                      np.float32, np.int64, np.int32, np.bool_})
_ARRAY_TYPES: set[type] = set()
_LIBRARY_ROOTS = frozenset(sys.stdlib_module_names) | {
    "builtins", "jax", "jaxlib", "numpy", "torch", "equinox", "optax", "chex", "scipy",
    "pytest", "_pytest", "pluggy", "hypothesis", "IPython", "ipykernel", "tapegrad"}
_TAPEGRAD_DIR = os.path.dirname(os.path.abspath(__file__))


def _is_array(x: Any) -> bool:
    t = type(x)
    if t in _ARRAY_TYPES:
        return True
    if isinstance(x, (jax.Array, jax.core.Tracer)):
        _ARRAY_TYPES.add(t)
        return True
    return False


# ------------------------------------------------------------------------------ errors
class ConcreteValueError(RuntimeError):
    """Raised when a function compiled by `tg.compile` needs a tensor's value while tracing."""


class _NeedsEager(Exception):
    """Internal: the trace changed Python state the replay plan cannot express."""


_CONVERSIONS = {
    "item": ("`tensor.item()`", "value = loss.item()", "print(f\"loss {value:.3f}\")",
             "loss = step(x, y)         # compiled: returns the tensor\n"
             "    print(loss.item())        # read the value outside tg.compile"),
    "__float__": ("`float(tensor)`", "scale = float(norm)", "x = x / scale",
                  "x = x / norm              # keep it a tensor"),
    "__int__": ("`int(tensor)`", "n = int(count)", "y = x[:n]",
                "compute the size from shapes, or call the function uncompiled"),
    "__index__": ("using a tensor as a Python index", "i = idx_tensor", "y = xs[i]",
                  "y = x.index_select(0, idx_tensor)   # indexing with a tensor stays traced"),
    "__bool__": ("`bool(tensor)` (a Python `if`/`while`/`and`/`or`/`assert` on a tensor)",
                 "if loss > 1:", "    loss = loss / 2",
                 "loss = tg.where(loss > 1, loss / 2, loss)   # the choice happens in the "
                 "program"),
    "tolist": ("`tensor.tolist()`", "values = out.tolist()", "best = max(values)",
               "best = out.max()            # reduce with tensor ops, read the result outside"),
    "numpy": ("`tensor.numpy()`", "a = out.numpy()", "m = a.mean()",
              "m = out.mean()             # tensor ops, or .numpy() on the returned tensor"),
    "__array__": ("`np.asarray(tensor)`", "a = np.asarray(out)", "m = a.mean()",
                  "m = out.mean()             # tensor ops, or np.asarray() outside"),
}


def _frame_file(frame: traceback.FrameSummary) -> str:
    return os.path.abspath(frame.filename)


def _in_library(filename: str) -> bool:
    if filename.startswith(_TAPEGRAD_DIR):
        return True
    parts = filename.replace("\\", "/").split("/")
    return any(p in ("jax", "jaxlib", "numpy", "site-packages") for p in parts[:-1]) or \
        filename.startswith("<frozen")


def _concrete_value_error(err: Exception, fn_name: str) -> ConcreteValueError:
    frames = traceback.extract_tb(err.__traceback__)
    tensor_file = os.path.join(_TAPEGRAD_DIR, "tensor.py")
    conv = next((i for i, f in enumerate(frames)
                 if _frame_file(f) == tensor_file and f.name in _CONVERSIONS), None)
    if conv is None:  # a library routine needed the value (a data-dependent shape, ...)
        conv = next((i for i, f in enumerate(frames)
                     if _frame_file(f).startswith(_TAPEGRAD_DIR)
                     and not _frame_file(f).endswith("compile.py")), len(frames))
    user = next((i for i in range(conv - 1, -1, -1) if not _in_library(_frame_file(frames[i]))),
                None)
    what, bad1, bad2, instead = _CONVERSIONS.get(
        frames[conv].name if conv < len(frames) else "",
        (f"`{frames[conv].name}` (a data-dependent value or shape)" if conv < len(frames)
         else "a tensor's value", "n = int(mask.sum())", "y = x[:n]",
         "keep sizes static (masks with tg.where instead of boolean indexing),\n"
         "    or call this function uncompiled"))
    lines = [f"tg.compile: {what} needs a concrete value, but `{fn_name}` is being traced."]
    if user is not None:
        f = frames[user]
        lines.append(f'  File "{f.filename}", line {f.lineno}, in {f.name}')
        lines.append(f"    {(f.line or linecache.getline(f.filename, f.lineno)).strip()}")
    if conv > 0 and (user is None or conv - 1 != user):
        f = frames[conv - 1]
        lines.append(f'  (the value is read in "{f.filename}", line {f.lineno}, in {f.name}: '
                     f"{(f.line or '').strip()})")
    lines += [
        "Not allowed inside tg.compile:",
        f"    {bad1}",
        f"    {bad2}",
        "Why: tg.compile runs the function once on abstract (traced) tensors to record one XLA",
        "program, then replays that program on every call. A tensor's value only exists when",
        "the program runs, so Python cannot read it (or branch on it) while recording.",
        "Write instead:",
        f"    {instead}",
        f"(JAX reported: {type(err).__name__}.)",
    ]
    return ConcreteValueError("\n".join(lines))


_CONCRETE_ERRORS = (jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError,
                    jax.errors.TracerIntegerConversionError, jax.errors.TracerBoolConversionError)


# ------------------------------------------------------------------------------ discovery
def _code_names(code: types.CodeType, _cache: dict = {}) -> tuple[str, ...]:  # noqa: B006
    """Global names a code object (and the code objects nested in it) may read."""
    names = _cache.get(code)
    if names is None:
        found = set(code.co_names)
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                found.update(_code_names(const))
        names = _cache[code] = tuple(sorted(found))
    return names


_walkable_cache: dict[type, bool] = {}


def _walkable_class(cls: type) -> bool:
    """Enter instances' `__dict__`? Yes for tapegrad's stateful classes and user classes."""
    ok = _walkable_cache.get(cls)
    if ok is None:
        root = cls.__module__.split(".")[0]
        if issubclass(cls, (Node, SavedTensor)):
            ok = False
        elif root == "tapegrad":
            ok = True  # Module, optimizers, Generator, schedulers
        else:
            ok = root not in _LIBRARY_ROOTS and root != "__future__"
        ok = ok and hasattr(cls, "__dict__") and not isinstance(cls, type(types))
        _walkable_cache[cls] = ok
    return ok


def _user_function(f: types.FunctionType) -> bool:
    return (f.__module__ or "").split(".")[0] not in _LIBRARY_ROOTS


class _Walk:
    """The state reachable from a call, and the cache key describing it (see NOTE)."""

    __slots__ = ("key", "tensors", "tix", "storages", "six", "vcs", "vix", "slots",
                 "containers", "seen", "leaves", "treedef", "keep")

    def __init__(self) -> None:
        self.key: list = []
        self.tensors: list[Tensor] = []
        self.tix: dict[int, int] = {}
        self.storages: list = []
        self.six: dict[int, int] = {}
        self.vcs: list = []
        self.vix: dict[int, int] = {}
        self.slots: list[tuple[Any, Any]] = []   # (container, key): a raw array in a container
        self.containers: list[tuple[Any, Any]] = []  # (container, keys or None) to snapshot
        self.seen: dict[int, int] = {}
        self.keep: list = []  # keeps walked objects alive while ids are in use

    # The walk emits a prefix code into `key`: each item starts with a tag.
    def tensor(self, t: Tensor) -> None:
        key = self.key
        i = self.tix.get(id(t))
        if i is not None:
            key.append(("T", i))
            return
        i = self.tix[id(t)] = len(self.tensors)
        self.tensors.append(t)
        storage = t._storage
        si = self.six.get(id(storage))
        if si is None:
            si = self.six[id(storage)] = len(self.storages)
            self.storages.append(storage)
            a = storage.array
            key.append(("T", i, si, a.shape, a.dtype))
        else:
            key.append(("T", i, si))
        vc = t._vc
        vi = self.vix.get(id(vc))
        if vi is None:
            vi = self.vix[id(vc)] = len(self.vcs)
            self.vcs.append(vc)
        key.append((type(t), vi, t._requires_grad, t._grad_fn is None, t._retains_grad,
                    t._backward_hooks is not None and len(t._backward_hooks) > 0,
                    t._post_acc_hooks is not None and len(t._post_acc_hooks) > 0))
        g = t._grad
        if g is None:
            key.append(None)
        else:
            self.tensor(g)
        if t._base is not None:
            self.tensor(t._base)
        if type(t) is not Tensor:
            d = getattr(t, "__dict__", None)
            if d:
                self.mapping(d)

    def value(self, obj: Any, container: Any, slot: Any) -> None:
        t = type(obj)
        if t in _SCALARS:
            self.key.append((t, obj))
        elif isinstance(obj, Tensor):
            self.tensor(obj)
        elif t is dict or isinstance(obj, dict):
            self.container(obj, self.mapping)
        elif t is list:
            self.container(obj, self.sequence)
        elif t is tuple:
            self.key.append(("tuple", len(obj)))
            for x in obj:
                self.value(x, None, None)
        elif _is_array(obj):
            if container is None:
                # An array inside a tuple (or another read-only place) is a constant.
                self.key.append(("const", id(obj)))
                self.keep.append(obj)
            else:
                self.key.append(("A", len(self.slots), obj.shape, obj.dtype))
                self.slots.append((container, slot))
        else:
            self.obj(obj, t)

    def container(self, obj: Any, walk: Callable) -> None:
        ref = self.seen.get(id(obj))
        if ref is not None:
            self.key.append(("ref", ref))
            return
        self.seen[id(obj)] = len(self.seen)
        self.keep.append(obj)
        self.containers.append((obj, None))
        walk(obj)

    def mapping(self, d: dict) -> None:
        key = self.key
        key.append(("d", type(d), len(d)))
        value = self.value
        for k, v in d.items():
            if type(k) in _SCALARS:
                key.append(k)
            else:
                value(k, None, None)
            value(v, d, k)

    def sequence(self, seq: list) -> None:
        self.key.append(("l", len(seq)))
        value = self.value
        for i, v in enumerate(seq):
            value(v, seq, i)

    def obj(self, obj: Any, t: type) -> None:
        key = self.key
        ref = self.seen.get(id(obj))
        if ref is not None:
            key.append(("ref", ref))
            return
        if t is types.FunctionType:
            self.seen[id(obj)] = len(self.seen)
            self.keep.append(obj)
            key.append(("fn", obj.__code__))
            if _user_function(obj):
                self.function(obj)
        elif t is types.MethodType:
            key.append(("method",))
            self.value(obj.__func__, None, None)
            self.value(obj.__self__, None, None)
        elif t is functools.partial:
            key.append(("partial",))
            self.value(obj.func, None, None)
            self.value(obj.args, None, None)
            self.value(obj.keywords, None, None)
        elif isinstance(obj, (set, frozenset)):
            key.append(("set", len(obj)))
            for x in sorted(obj, key=repr) if all(type(x) in _SCALARS for x in obj) else obj:
                self.value(x, None, None)
        elif isinstance(obj, (type, types.ModuleType, types.BuiltinFunctionType)):
            key.append(("id", id(obj)))
        elif isinstance(obj, np.ndarray):
            key.append(("np", id(obj), obj.shape, obj.dtype))
            self.keep.append(obj)
        elif _walkable_class(t):
            self.seen[id(obj)] = len(self.seen)
            self.keep.append(obj)
            key.append(("o", t))
            d = obj.__dict__
            self.containers.append((d, None))
            self.mapping(d)
            if isinstance(obj, Module):
                forward = getattr(t, "forward", None)
                if isinstance(forward, types.FunctionType) and _user_function(forward):
                    self.globals_of(forward)
        else:
            key.append(("opaque", t))

    def function(self, f: types.FunctionType) -> None:
        if f.__closure__:
            for cell in f.__closure__:
                try:
                    contents = cell.cell_contents
                except ValueError:  # an empty cell (a name not assigned yet)
                    self.key.append(("empty",))
                    continue
                self.containers.append((cell, ()))
                self.value(contents, cell, _CELL)
        if f.__defaults__:
            self.value(f.__defaults__, None, None)
        if f.__kwdefaults__:
            self.value(f.__kwdefaults__, None, None)
        self.globals_of(f)

    def globals_of(self, f: types.FunctionType) -> None:
        g = f.__globals__
        names = [n for n in _code_names(f.__code__) if n in g]
        self.key.append(("g", id(g), tuple(names)))
        if names:
            self.containers.append((g, names))
            for n in names:
                self.value(g[n], g, n)

    # ---------------------------------------------------------------------- roots
    @classmethod
    def of_call(cls, fn: Any, args: tuple, kwargs: dict) -> _Walk:
        w = cls()
        leaves, treedef = jax.tree_util.tree_flatten((args, kwargs))
        w.leaves, w.treedef = leaves, treedef
        w.key.append(("args", treedef))
        w.containers.append((leaves, None))
        w.sequence(leaves)
        if isinstance(fn, types.FunctionType):
            w.seen[id(fn)] = len(w.seen)
            w.function(fn)
        else:
            w.value(fn, None, None)
        w.value(_random_module.default_generator, None, None)
        w.key.append(("mode", is_grad_enabled()))
        return w

    def arrays(self) -> list:
        out = [s.array for s in self.storages]
        for c, k in self.slots:
            out.append(_slot_get(c, k))
        return out


_CELL = object()  # the slot key of a closure cell's contents


def _slot_get(container: Any, k: Any) -> Any:
    return container.cell_contents if k is _CELL else container[k]


def _slot_set(container: Any, k: Any, value: Any) -> None:
    if k is _CELL:
        container.cell_contents = value
    else:
        container[k] = value


# ------------------------------------------------------------------------------ snapshot
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

    __slots__ = ("_program", "_walk", "_arrays", "_saved", "_released")

    def apply(self, grads: list, create_graph: bool) -> list:
        for s in self._saved:  # torch's checks: freed graph, in-place modified input
            s.raw_array(self)
        if create_graph:
            raise RuntimeError(
                "tg.compile: create_graph=True (double backward) through a compiled forward is "
                "not supported; call the module uncompiled for higher-order gradients.")
        cotangents = [g._storage.array if g is not None else jnp.zeros(shape, dt.np)
                      for g, (shape, dt) in zip(grads, self._metadata)]
        out = self._program.backward(self._walk, self._arrays, cotangents)
        return [None if a is None else Tensor._make(a) for a in out]

    def release_variables(self) -> None:
        for s in self._saved:
            s.release()
        self._walk = None
        self._arrays = None


def _released_node(metadata: tuple) -> Node:
    # A training step's returned loss: its graph was consumed by the backward inside the step.
    node = CompiledFunctionBackward((), metadata)
    probe = SavedTensor(Tensor._make(jnp.zeros(())), is_output=False)
    probe.release()
    node._saved = [probe]
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
        self.jitted = jax.jit(self._forward_pure)
        self._bwd = jax.jit(self._backward_pure)
        self._walk: _Walk | None = None

    # ---------------------------------------------------------------------- tracing
    def _install(self, walk: _Walk, arrays: list, backward: bool) -> tuple:
        ns = len(walk.storages)
        for s, a in zip(walk.storages, arrays):
            s.array = a
        for (c, k), a in zip(walk.slots, arrays[ns:]):
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
        snap = _Snapshot(walk)
        try:
            presented = None
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

        slot_ids = {(id(c), k) for c, k in walk.slots}
        reason = snap.changed_containers(slot_ids)
        if reason is not None:
            raise _NeedsEager(reason)
        for i, s in enumerate(walk.storages):
            if s.array is not arrays[i]:
                plan.storage_updates.append((i, output(s.array)))
        ns = len(walk.storages)
        for i, (c, k) in enumerate(walk.slots):
            v = _slot_get(c, k)
            if v is not arrays[ns + i]:
                if not _is_array(v):
                    raise _NeedsEager("an array in a container was replaced by a non-array")
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
                raise _NeedsEager("a tensor with a graph was stored outside the function")
            return ("new", new_tensor(t, False))

        def new_tensor(t: Tensor, rg: bool) -> int:
            s = t._storage
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
                    raise _NeedsEager(f"{name} of an external tensor changed")
                if name == "_grad_acc":
                    continue
                if name == "_requires_grad":
                    plan.tensor_effects.append((i, name, now))
                    continue
                if j == grad_slot:
                    grads_changed = True
                    if snap.tensor_slots[i][_SLOT_INDEX["_grad_fn"]] is not None:
                        raise _NeedsEager("backward reached a graph recorded outside the function")
                if now is None:
                    plan.tensor_effects.append((i, name, None))
                elif name == "_storage":
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

        leaves, plan.out_treedef = jax.tree_util.tree_flatten(result)
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
            leaves = jax.tree_util.tree_leaves(result)
            outs = [leaves[n] for n in plan.diff_outputs]
            inputs = [walk.tensors[i] for i in plan.edge_tensors]
            grads = _autograd_grad(
                outs, inputs, grad_outputs=[Tensor._make(c) for c in cotangents],
                allow_unused=True)
            return [None if g is None else g._storage.array for g in grads]
        finally:
            snap.restore()

    # ---------------------------------------------------------------------- calls
    def trace_and_run(self, walk: _Walk) -> list:
        self._walk = walk
        try:
            return self.jitted(walk.arrays())
        finally:
            self._walk = None

    def backward(self, walk: _Walk, arrays: list, cotangents: list) -> list:
        self._walk = walk
        try:
            return self._bwd(arrays, cotangents)
        except _CONCRETE_ERRORS as e:
            raise _concrete_value_error(e, self.name) from e
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
        new_storages = [Tensor._make(outs[j])._storage for j in plan.new_storages]
        new_vcs = []
        for v in plan.new_vcs:
            vc = Tensor._make(None)._vc
            vc.version = v
            new_vcs.append(vc)
        new_tensors = []
        for sref, vref, _rg, strided in plan.new_tensors:
            t = Tensor._make(None, None, 0,
                             new_vcs[vref[1]] if vref[0] == "new" else vcs[vref[1]],
                             new_storages[sref[1]] if sref[0] == "new" else storages[sref[1]])
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
                    tuple(make_gradient_edge(t) for t in edge_tensors), plan.metadata)
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


# ------------------------------------------------------------------------------ public API
class CompiledFunction:
    """`fn` compiled by `tg.compile`: calls behave as `fn`'s, run as one jitted program.

    `compiles` counts traces that produced a program, `eager_calls` the calls that ran eagerly.
    """

    def __init__(self, fn: Callable, disable: bool = False) -> None:
        self._fn = fn
        self._disable = disable
        self._cache: dict[tuple, _Program] = {}
        self._last_key: tuple | None = None
        self._fallbacks = 0
        self._gave_up = False
        self.compiles = 0
        self.eager_calls = 0
        self.__name__ = getattr(fn, "__name__", type(fn).__name__)
        self.__qualname__ = getattr(fn, "__qualname__", self.__name__)
        self.__doc__ = getattr(fn, "__doc__", None)
        self.__wrapped__ = fn

    def __repr__(self) -> str:
        return f"<tg.compile of {self._fn!r}>"

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        # `@tg.compile` on a method: bind `self` as the first argument (it is walked).
        if instance is None:
            return self
        return functools.partial(self, instance)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._disable or self._gave_up:
            return self._fn(*args, **kwargs)
        walk = _Walk.of_call(self._fn, args, kwargs)
        key = tuple(walk.key)
        program = self._cache.get(key)
        if program is None:
            return self._compile_and_run(key, walk)
        if program.eager:
            self.eager_calls += 1
            return self._fn(*args, **kwargs)
        arrays = walk.arrays()
        outs = program.jitted(arrays)
        return program.replay(walk, arrays, outs)

    def _compile_and_run(self, key: tuple, walk: _Walk) -> Any:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("tg.compile: compiling %s (%s)", self.__name__,
                         _describe_change(self._last_key, key))
        self._last_key = key
        program = _Program(self._fn, self.__name__)
        arrays = walk.arrays()
        try:
            outs = program.trace_and_run(walk)
        except _NeedsEager as e:
            program.eager = True
            self._cache[key] = program
            self._fallbacks += 1
            logger.debug("tg.compile: %s runs eagerly for this input: %s", self.__name__, e)
            if self._fallbacks >= _MAX_FALLBACKS:
                self._gave_up = True
                warnings.warn(
                    f"tg.compile: {self.__name__} changed Python-level state (last: {e}) on "
                    f"{_MAX_FALLBACKS} consecutive compilations; it now runs eagerly. Keep "
                    "mutable counters in tensors (as torch's Adam keeps state['step']).",
                    UserWarning, stacklevel=3)
            self.eager_calls += 1
            args, kwargs = jax.tree_util.tree_unflatten(walk.treedef, walk.leaves)
            return self._fn(*args, **kwargs)
        except _CONCRETE_ERRORS as e:
            raise _concrete_value_error(e, self.__name__) from e
        self._fallbacks = 0
        self.compiles += 1
        self._cache[key] = program
        return program.replay(walk, arrays, outs)


def _describe_change(old: tuple | None, new: tuple) -> str:
    if old is None:
        return "first call"
    for a, b in zip(old, new):
        if a != b:
            return f"changed: {_token(a)} -> {_token(b)}"
    return f"state layout changed ({len(old)} -> {len(new)} items)"


def _token(tok: Any) -> str:
    if isinstance(tok, tuple) and tok and tok[0] == "T" and len(tok) == 5:
        return f"tensor #{tok[1]} shape {tuple(tok[3])} dtype {tok[4]}"
    if isinstance(tok, tuple) and len(tok) == 7 and isinstance(tok[0], type):
        return f"{tok[0].__name__}(requires_grad={tok[2]}, is_leaf={tok[3]})"
    if isinstance(tok, tuple) and tok and tok[0] == "mode":
        return f"grad mode {'on' if tok[1] else 'off'}"
    return repr(tok)


def compile(fn: Callable | None = None, *, disable: bool = False) -> Any:  # noqa: A001
    """Run `fn` as one `jax.jit` program with eager side effects. Matches `torch.compile`'s use.

    `fn` may be a function (a training step reaching models and optimizers by argument or
    closure), a method, or a `Module` (a compiled forward whose outputs carry one fused
    grad_fn). Usable as `@tg.compile` or `@tg.compile()`. See NOTE [How tg.compile works].

    >>> import tapegrad as tg
    >>> w = tg.tensor([1., 2.], requires_grad=True)
    >>> @tg.compile
    ... def step(x):
    ...     loss = (w * x).sum()
    ...     loss.backward()
    ...     with tg.no_grad():
    ...         w.sub_(0.1 * w.grad)
    ...     w.grad = None
    ...     return loss.detach()
    >>> step(tg.tensor([1., 1.]))
    tensor(3.)
    >>> w
    tensor([0.9000, 1.9000], requires_grad=True)
    """
    if fn is None:
        return functools.partial(compile, disable=disable)
    return CompiledFunction(fn, disable=disable)
