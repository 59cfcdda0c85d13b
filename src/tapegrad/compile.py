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

The full walk costs tens of microseconds for a small model, as much as the program itself, so
a call first tries a cheap *guard* (`_Guard`) built from the previous call's walk: identity
checks of every container's keys and values, every stable tensor's storage box, version
counter, flags and hooks, done as C-level list comparisons; batch arguments and `.grad`
tensors may be new objects each call (they must look fresh: no grad, no view, no hooks). Shapes
and dtypes are not re-checked there: the jitted program checks them itself, and a mismatch
(JAX wanting to retrace) sends the call to the full walk (`_Retrace`). A tensor passed as an
argument that is a view (a batch sliced from a dataset) is an input by its own value, not by
its root's, so slicing new batches does not recompile; writes to it go through to its base.

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
at INFO level on the `tapegrad.compile` logger with the first difference. After
`CACHE_SIZE_LIMIT` (8, torch's `cache_size_limit`) programs a function warns once, naming the
last change, and runs eagerly from then on.

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

Known limits: state reachable only through objects the walk does not enter (instances of
library classes, numpy arrays - baked in as constants -, module state of other libraries, the
globals of functions reached only through a library) is not tracked, and anything the function
writes there keeps a tracer; backward inside a compiled function does not flow into a graph
recorded outside it (that call runs eagerly); Python side effects that are not state (print,
logging, hooks on intermediate tensors) happen at trace time only; a function that raises
leaves no partial effects (eager would keep those made before the exception). Adam's and
Adagrad's step count, read on the host eagerly as torch does, stays a traced tensor here (NOTE
[Step counts under tg.compile] in `optim/optimizer.py`), so those steps compile once.
"""

from __future__ import annotations

import functools
import itertools
import linecache
import logging
import operator
import os
import sys
import sysconfig
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
# Programs one compiled function may make before it runs eagerly (torch's cache_size_limit).
CACHE_SIZE_LIMIT = 8

_TENSOR_SLOTS = tuple(s for s in Tensor.__slots__ if s != "__weakref__")
_SCALARS = frozenset({int, float, bool, complex, str, bytes, type(None), np.float64,
                      np.float32, np.int64, np.int32, np.bool_})
_ARRAY_TYPES: set[type] = set()
_TAPEGRAD_DIR = os.path.dirname(os.path.abspath(__file__))
# Code installed in these places is a library: its objects are not walked into.
_LIBRARY_DIRS = tuple(sorted({os.path.abspath(p) for k in ("stdlib", "platstdlib", "purelib",
                                                          "platlib")
                              if (p := sysconfig.get_paths().get(k))}))
_library_cache: dict[str, bool] = {}


def _is_library(module_name: str | None) -> bool:
    """Is a module third-party or standard library (not the user's code, not tapegrad)?"""
    if not module_name:
        return True
    lib = _library_cache.get(module_name)
    if lib is None:
        root = module_name.split(".")[0]
        module = sys.modules.get(module_name) or sys.modules.get(root)
        # A submodule of an extension (jaxlib._jax.pytree) has no file: its package's tells.
        file = getattr(module, "__file__", None) or getattr(sys.modules.get(root), "__file__",
                                                           None)
        if root == "tapegrad":
            lib = False
        elif file is None:  # builtins, frozen modules; or __main__ in a notebook / REPL
            lib = module_name != "__main__" and (
                root in sys.stdlib_module_names or root in sys.builtin_module_names)
        else:
            lib = os.path.abspath(file).startswith(_LIBRARY_DIRS)
        _library_cache[module_name] = lib
    return lib


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


class _Retrace(Exception):
    """Internal: the guarded fast path met inputs the program was not traced for."""


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
    reader = frames[conv - 1] if conv > 0 else None
    by_library = reader is not None and (user is None or conv - 1 != user)
    if by_library:
        lines.append(f'  (the value is read in "{reader.filename}", line {reader.lineno}, in '
                     f"{reader.name}: {(reader.line or '').strip()})")
    lines += [
        "Not allowed inside tg.compile:",
        f"    {bad1}",
        f"    {bad2}",
        "Why: tg.compile runs the function once on abstract (traced) tensors to record one XLA",
        "program, then replays that program on every call. A tensor's value only exists when",
        "the program runs, so Python cannot read it (or branch on it) while recording.",
    ]
    if by_library and _frame_file(reader).startswith(_TAPEGRAD_DIR):
        lines += [
            "Here the value is read by tapegrad itself, not by your code: that routine has no",
            "traced path yet. Keep it out of the compiled function (for example compile the",
            "forward and backward, and call the optimizer's step() eagerly after it).",
        ]
    else:
        lines += ["Write instead:", f"    {instead}"]
    lines.append(f"(JAX reported: {type(err).__name__}.)")
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
        # tapegrad's own stateful classes (Module, optimizers, Generator, schedulers) and
        # user classes are entered; library objects and graph nodes are not.
        # tg.compile's own objects are opaque: a compiled function reachable from the state
        # (`self.step = tg.compile(self._step)`) must not put its own caches in the key.
        ok = (not issubclass(cls, (Node, SavedTensor, CompiledFunction, _Program, _Guard))
              and not _is_library(cls.__module__) and hasattr(cls, "__dict__"))
        _walkable_cache[cls] = ok
    return ok


def _user_function(f: types.FunctionType) -> bool:
    module = f.__module__ or ""
    return not _is_library(module) and not module.startswith("tapegrad")


_PLAIN_STORAGE = type(Tensor._make(None)._storage)
_PLAIN_VC = type(Tensor._make(None)._vc)


def _root_storage(storage: Any) -> Any:
    # A view's storage reads through to its root's array (NOTE [Views over immutable arrays]);
    # only roots hold arrays of their own, so only roots are program inputs.
    while type(storage) is not _PLAIN_STORAGE and hasattr(storage, "root"):
        storage = storage.root
    return storage


class _Walk:
    """The state reachable from a call, and the cache key describing it (see NOTE).

    `tensors`, `storages` (root storages: the program's inputs), `vcs` and `slots` (raw arrays
    in containers) are in discovery order; a program's replay plan refers to them by position.
    The rest records what `_Guard` needs to re-check a later call cheaply.
    """

    __slots__ = ("key", "tensors", "tix", "storages", "six", "vcs", "vix", "slots",
                 "containers", "seen", "leaves", "treedef", "keep", "origins", "resighted",
                 "objects", "functions", "sets", "slot_containers", "code_names")

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
        self.origins: list[tuple] = []  # per tensor: ("arg", leaf) / ("grad", parent) / ("in",)
        self.resighted: set[int] = set()
        self.objects: list = []
        self.functions: list = []
        self.sets: list = []
        self.slot_containers: set[int] = set()
        self.code_names: dict[tuple, tuple] = {}

    # The walk emits a prefix code into `key`: each item starts with a tag.
    def tensor(self, t: Tensor, origin: tuple = ("in",)) -> None:
        key = self.key
        i = self.tix.get(id(t))
        if i is not None:
            key.append(("T", i))
            self.resighted.add(i)
            return
        i = self.tix[id(t)] = len(self.tensors)
        self.tensors.append(t)
        self.origins.append(origin)
        storage = t._storage
        # A view passed as an argument (a batch sliced from a dataset) is a value: its own
        # array is the input, not its root's (whose view chain would be in the key).
        root = storage if origin[0] == "arg" else _root_storage(storage)
        si = self.six.get(id(root))
        if si is None:
            si = self.six[id(root)] = len(self.storages)
            self.storages.append(root)
            a = root.array
            key.append(("T", i, si, a.shape, a.dtype))
        else:
            key.append(("T", i, si))
        if root is not storage:
            key.append(("view", storage.chain))
        vc = t._vc
        vi = self.vix.get(id(vc))
        if vi is None:
            vi = self.vix[id(vc)] = len(self.vcs)
            self.vcs.append(vc)
        key.append((type(t), vi, t._requires_grad, t._grad_fn is None, t._retains_grad))
        for hooks in (t._backward_hooks, t._post_acc_hooks):
            if hooks is None:
                key.append(None)
            else:
                self.container(hooks, self.mapping)
        g = t._grad
        if g is None:
            key.append(None)
        else:
            self.tensor(g, ("grad", i))
        if t._base is not None:
            self.tensor(t._base)
        if type(t) is not Tensor:
            d = getattr(t, "__dict__", None)
            if d:
                self.container(d, self.mapping)

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
                self.slot_containers.add(id(container))
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
                self.functions.append(obj)
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
        elif t is set or t is frozenset:
            key.append(("set", frozenset(obj)) if all(type(x) in _SCALARS for x in obj)
                       else ("set?", id(obj)))
            if t is set:
                self.sets.append(obj)
                self.keep.append(obj)
        elif isinstance(obj, (type, types.ModuleType, types.BuiltinFunctionType)):
            key.append(("id", id(obj)))
        elif isinstance(obj, np.ndarray):
            key.append(("np", id(obj), obj.shape, obj.dtype))
            self.keep.append(obj)
        elif _walkable_class(t) and hasattr(obj, "__dict__"):
            self.seen[id(obj)] = len(self.seen)
            self.keep.append(obj)
            self.objects.append(obj)
            key.append(("o", t))
            d = obj.__dict__
            self.containers.append((d, None))
            if t is _random_module.Generator:
                # Only the key array matters to a program; the seed it came from does not
                # (re-seeding between calls must not recompile).
                self.value(d["_key"], d, "_key")
            else:
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
        all_names = _code_names(f.__code__)
        names = tuple(n for n in all_names if n in g)
        self.key.append(("g", id(g), names))
        if names:
            self.containers.append((g, names))
            self.code_names[id(g), names] = all_names
            for n in names:
                self.value(g[n], g, n)

    # ---------------------------------------------------------------------- roots
    @classmethod
    def of_call(cls, fn: Any, args: tuple, kwargs: dict) -> _Walk:
        w = cls()
        leaves, treedef = jax.tree_util.tree_flatten((args, kwargs))
        w.leaves, w.treedef = leaves, treedef
        w.key.append(("args", treedef, len(leaves)))
        w.seen[id(leaves)] = 0
        w.containers.append((leaves, None))
        for i, leaf in enumerate(leaves):
            if isinstance(leaf, Tensor):
                w.tensor(leaf, ("arg", i))
            else:
                w.value(leaf, leaves, i)
        if isinstance(fn, types.FunctionType):
            w.seen[id(fn)] = len(w.seen)
            w.functions.append(fn)
            w.function(fn)
        else:
            w.value(fn, None, None)
        w.value(_random_module.default_generator, None, None)
        w.key.append(("mode", is_grad_enabled()))
        return w

    def arrays(self) -> list:
        out = list(map(_GET_ARRAY, self.storages))
        for c, k in self.slots:
            out.append(_slot_get(c, k))
        return out


_GET_ARRAY = operator.attrgetter("array")
_chain = itertools.chain.from_iterable
_is = operator.is_
_CELL = object()  # the slot key of a closure cell's contents


def _slot_get(container: Any, k: Any) -> Any:
    return container.cell_contents if k is _CELL else container[k]


def _slot_set(container: Any, k: Any, value: Any) -> None:
    if k is _CELL:
        container.cell_contents = value
    else:
        container[k] = value


# ------------------------------------------------------------------------------ guard
_STABLE_SLOTS = ("_storage", "_vc", "_requires_grad", "_grad_fn", "_output_nr",
                 "_retains_grad", "_backward_hooks", "_post_acc_hooks", "_view_strided")
_GET_STABLE = operator.attrgetter(*_STABLE_SLOTS)
_GET_BASE = operator.attrgetter("_base")
_GET_GRAD = operator.attrgetter("_grad")
_GET_STORAGE = operator.attrgetter("_storage")
_GET_VC = operator.attrgetter("_vc")
_GET_CODE = operator.attrgetter("__code__", "__defaults__", "__kwdefaults__")
# What a fresh tensor (a batch argument, a new .grad) looks like.
_FRESH_SLOTS = ("_grad", "_base", "_grad_fn", "_backward_hooks", "_post_acc_hooks",
                "_retains_grad")
_GET_FRESH = operator.attrgetter(*_FRESH_SLOTS)
_FRESH_IDS = list(map(id, (None, None, None, None, None, False)))


class _Guard:
    """A cheap re-check that a call reaches the same state as the walk this guard was built
    from, up to fresh argument tensors and fresh `.grad` tensors (new objects every step).

    Everything is compared by identity (C-level list comparisons of ids), so a passing guard
    means the full walk would produce the same key - except shapes and dtypes of the input
    arrays, which the jitted program checks itself (a mismatch would retrace: `_Retrace`).
    Anything unexpected makes `check` return None and the call takes the full walk.
    """

    def __init__(self, walk: _Walk, program: _Program) -> None:
        self.program = program
        self.ok = False
        self.grad_mode = is_grad_enabled()
        self.treedef = walk.treedef
        self.n_leaves = len(walk.leaves)
        self.template = walk
        tensors = walk.tensors

        def fresh(t: Tensor) -> bool:
            return list(map(id, _GET_FRESH(t))) == _FRESH_IDS and not (
                type(t) is not Tensor and getattr(t, "__dict__", None))

        # Stable tensors are checked by identity and slots: those found in the state, and
        # arguments that are not fresh-looking (a parameter passed in, with its .grad).
        # Fresh tensors - batch arguments, .grad tensors - may be new objects on every call:
        # (tensor index, storage index, vc index, source, type, requires_grad); each must own
        # its storage box and counter, to be replaced position for position.
        stable_ix = [i for i, (t, o) in enumerate(zip(tensors, walk.origins))
                     if o[0] == "in" or (o[0] == "arg" and not fresh(t))]
        self.stable = [tensors[i] for i in stable_ix]
        self.stable_slots = list(_chain(map(_GET_STABLE, self.stable)))
        self.stable_bases = list(map(_GET_BASE, self.stable))
        self.stable_args = [(walk.origins[i][1], tensors[i]) for i in stable_ix
                            if walk.origins[i][0] == "arg"]
        stable_set = set(stable_ix)
        if any(i not in stable_set for i in walk.resighted):
            return  # a fresh-looking tensor is also reachable elsewhere: no shortcut
        self.arg_fresh = []
        self.grad_fresh = []
        for i, (t, o) in enumerate(zip(tensors, walk.origins)):
            if i in stable_set:
                continue
            s = t._storage
            if (type(s) is not _PLAIN_STORAGE and o[0] != "arg") or not fresh(t):
                return
            entry = (i, walk.six[id(s)], walk.vix[id(t._vc)], o[1], type(t), t._requires_grad)
            (self.arg_fresh if o[0] == "arg" else self.grad_fresh).append(entry)
        fresh_storages = {e[1] for e in self.arg_fresh + self.grad_fresh}
        fresh_vcs = {e[2] for e in self.arg_fresh + self.grad_fresh}
        if len(fresh_storages) != len(self.arg_fresh) + len(self.grad_fresh) or \
                len(fresh_vcs) != len(fresh_storages):
            return
        # Which stable tensors have a grad, and whether it is fresh or another stable tensor.
        self.grad_parents = self.stable
        self.grad_types = [type(t._grad) for t in self.grad_parents]
        fresh_grads = {e[0] for e in self.grad_fresh}
        self.grad_refs = []
        for k, t in enumerate(self.grad_parents):
            g = t._grad
            if g is not None and walk.tix[id(g)] not in fresh_grads:
                self.grad_refs.append((k, g))
        self.grad_index = {walk.tix[id(p)]: k for k, p in enumerate(self.grad_parents)}
        # Argument leaves that are not tensors: the same object (or an equal scalar).
        self.leaf_checks = []
        arg_positions = {e[3] for e in self.arg_fresh} | {i for i, _ in self.stable_args}
        for i, leaf in enumerate(walk.leaves):
            if i in arg_positions:
                continue
            self.leaf_checks.append((i, leaf))
        # Containers, compared by the identity of their keys and values.
        dicts, lists, cells, slotted = [], [], [], []
        self.globals = []
        for c, keys in walk.containers:
            if c is walk.leaves:
                continue
            if id(c) in walk.slot_containers:
                slotted.append(c)
            elif keys == ():
                cells.append(c)
            elif keys is not None:
                # ... and the names the code may read that were not globals yet (or builtins).
                names = _code_names_for(walk, c, keys)
                self.globals.append((c, operator.itemgetter(*keys), len(keys),
                                     tuple(n for n in names if n not in keys)))
            elif isinstance(c, dict):
                dicts.append(c)
            else:
                lists.append(c)
        # Most dicts (a Module's hook dicts) are empty: those only need their length checked.
        self.empty_dicts = [d for d in dicts if not d]
        self.dicts = [d for d in dicts if d]
        self.lists, self.cells = lists, cells
        self.dict_lens = list(map(len, self.dicts))
        self.dict_keys = list(_chain(self.dicts))
        self.dict_values = list(_chain(map(dict.values, self.dicts)))
        self.list_values = list(_chain(lists))
        self.list_lens = list(map(len, lists))
        self.cell_values = [id(c.cell_contents) for c in cells]
        self.global_values = [self._global_ids(g, get, n) for g, get, n, _ in self.globals]
        slot_keys = {}
        for c, k in walk.slots:
            slot_keys.setdefault(id(c), set()).add(k)
        self.slotted = []
        for c in slotted:
            ks = slot_keys[id(c)]
            if isinstance(c, dict):
                self.slotted.append((c, list(c.keys()), [None if k in ks else id(v)
                                                         for k, v in c.items()]))
            elif isinstance(c, list):
                self.slotted.append((c, None, [None if k in ks else id(v)
                                               for k, v in enumerate(c)]))
            else:  # a cell holding an array
                self.slotted.append((c, (), None))
        self.slot_leaf = [(n, k) for n, (c, k) in enumerate(walk.slots) if c is walk.leaves]
        self.objects = walk.objects
        self.object_types = list(map(type, walk.objects))
        self.functions = walk.functions
        self.function_parts = list(_chain(map(_GET_CODE, walk.functions)))
        self.sets = walk.sets
        self.set_values = list(map(frozenset, walk.sets))
        self.keep = walk.keep
        self.ok = True

    @staticmethod
    def _global_ids(g: dict, get: Callable, n: int) -> list:
        values = get(g)
        return [id(values)] if n == 1 else list(map(id, values))

    def check(self, args: tuple, kwargs: dict) -> _Walk | None:
        """`prepare` and `verify` in one."""
        walk = self.prepare(args, kwargs)
        return walk if walk is not None and self.verify() else None

    def prepare(self, args: tuple, kwargs: dict) -> _Walk | None:
        """This call's arguments and fresh tensors in the template's positions, or None."""
        if is_grad_enabled() is not self.grad_mode:
            return None
        leaves, treedef = jax.tree_util.tree_flatten((args, kwargs))
        if treedef != self.treedef or len(leaves) != self.n_leaves:
            return None
        for i, expected in self.stable_args:
            if leaves[i] is not expected:
                return None
        for i, expected in self.leaf_checks:
            v = leaves[i]
            if v is not expected and not (type(v) is type(expected) and type(v) in _SCALARS
                                          and v == expected):
                if not (_is_array(v) and _is_array(expected)):
                    return None
        # Fresh tensors: the batch arguments and the .grad tensors of stable tensors.
        grads = list(map(_GET_GRAD, self.grad_parents))
        if list(map(type, grads)) != self.grad_types:
            return None
        for k, g in self.grad_refs:
            if grads[k] is not g:
                return None
        template = self.template
        tensors = list(template.tensors)
        storages = list(template.storages)
        vcs = list(template.vcs)
        for i, si, vi, src, typ, rg in self.arg_fresh:
            t = leaves[src]
            if type(t) is not typ or t._requires_grad is not rg:
                return None
            tensors[i] = t
        for i, si, vi, parent, typ, rg in self.grad_fresh:
            t = grads[self.grad_index[parent]]
            if t._requires_grad is not rg:
                return None
            tensors[i] = t
        fresh = [tensors[e[0]] for e in self.arg_fresh] + \
            [tensors[e[0]] for e in self.grad_fresh]
        if fresh:
            if list(map(id, _chain(map(_GET_FRESH, fresh)))) != _FRESH_IDS * len(fresh):
                return None
            for e, t in zip(self.arg_fresh, fresh):
                storages[e[1]] = t._storage
                vcs[e[2]] = t._vc
            for e, t in zip(self.grad_fresh, fresh[len(self.arg_fresh):]):
                s = t._storage
                if type(s) is not _PLAIN_STORAGE:
                    return None
                storages[e[1]] = s
                vcs[e[2]] = t._vc
            if len(set(map(id, tensors))) != len(tensors) or \
                    len(set(map(id, storages))) != len(storages) or \
                    len(set(map(id, vcs))) != len(vcs):
                return None
        walk = _Walk.__new__(_Walk)
        walk.tensors, walk.storages, walk.vcs = tensors, storages, vcs
        walk.leaves, walk.treedef = leaves, treedef
        walk.keep = (self.keep, leaves)
        if self.slot_leaf:
            slots = list(template.slots)
            for n, k in self.slot_leaf:
                slots[n] = (leaves, k)
            walk.slots = slots
        else:
            walk.slots = template.slots
        walk.containers = _LazyContainers(template, leaves)
        return walk


    def verify(self) -> bool:
        """The state itself (containers, stable tensors, functions) is as it was."""
        # Identity (`is`), never `==`: 1 == 1.0 == True, and a Tensor's == is elementwise.
        if (any(map(len, self.empty_dicts))
                or list(map(len, self.dicts)) != self.dict_lens
                or not all(map(_is, _chain(map(dict.values, self.dicts)), self.dict_values))
                or not all(map(_is, _chain(self.dicts), self.dict_keys))
                or list(map(len, self.lists)) != self.list_lens
                or not all(map(_is, _chain(self.lists), self.list_values))
                or not all(map(_is, _chain(map(_GET_STABLE, self.stable)), self.stable_slots))
                or not all(map(_is, map(_GET_BASE, self.stable), self.stable_bases))
                or list(map(type, self.objects)) != self.object_types
                or not all(map(_is, _chain(map(_GET_CODE, self.functions)),
                               self.function_parts))
                or list(map(frozenset, self.sets)) != self.set_values):
            return False
        for c, v in zip(self.cells, self.cell_values):
            if id(c.cell_contents) != v:
                return False
        for (g, get, n, absent), v in zip(self.globals, self.global_values):
            if self._global_ids(g, get, n) != v or any(map(g.__contains__, absent)):
                return False
        for c, keys, ids in self.slotted:
            if keys == ():
                if not _is_array(c.cell_contents):
                    return False
                continue
            if keys is not None and list(c.keys()) != keys:
                return False
            if len(c) != len(ids):
                return False
            for v, expected in zip(c.values() if keys is not None else c, ids):
                if expected is None:
                    if not _is_array(v):
                        return False
                elif id(v) != expected:
                    return False
        return True


def _code_names_for(walk: _Walk, g: dict, names: tuple) -> tuple:
    return walk.code_names.get((id(g), names), names)


class _LazyContainers:
    """A fast-path walk's containers: the template's, with this call's argument leaves.
    Only a trace (the backward of a compiled forward) iterates them."""

    __slots__ = ("template", "leaves")

    def __init__(self, template: _Walk, leaves: list) -> None:
        self.template, self.leaves = template, leaves

    def __iter__(self):
        old = self.template.leaves
        return iter([(self.leaves, None) if c is old else (c, keys)
                     for c, keys in self.template.containers])


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
        self.jitted = jax.jit(self._forward_pure)
        self._bwd = jax.jit(self._backward_pure)
        self.grad_meta: list = []
        self._proxies: list = []
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
        if walk is None:
            # Called from the guarded fast path, but JAX wants to trace: an input's shape or
            # dtype differs from the traced ones. The full walk will find (or make) a program.
            raise _Retrace
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

        slot_ids = {(id(c), k) for c, k in walk.slots}
        reason = snap.changed_containers(slot_ids)
        if reason is not None:
            raise _NeedsEager(reason)
        for i, s in enumerate(self._proxies):
            if s.array is not arrays[i]:
                # (Replay writes into the real box: an argument view writes through to its base.)
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
        try:
            return self.jitted(arrays)
        finally:
            self._walk = None

    def backward(self, walk: _Walk, arrays: list, cotangents: list) -> list:
        self._walk = walk
        try:
            return self._bwd(arrays, cotangents)
        except _CONCRETE_ERRORS as e:
            err = _concrete_value_error(e, self.name)
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

    Counters: `compiles` (programs made), `eager_calls` (calls that ran eagerly), `fast_calls`
    (calls that reused the previous call's program through the cheap guard, not a full walk).
    """

    def __init__(self, fn: Callable, disable: bool = False,
                 cache_size_limit: int | None = None) -> None:
        self._fn = fn
        self._disable = disable
        self._limit = CACHE_SIZE_LIMIT if cache_size_limit is None else cache_size_limit
        self._cache: dict[tuple, _Program] = {}
        self._last_key: tuple | None = None
        self._fallbacks = 0
        self._gave_up = False
        self._guard: _Guard | None = None
        self.compiles = 0
        self.eager_calls = 0
        self.fast_calls = 0
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
            self.eager_calls += 1
            return self._fn(*args, **kwargs)
        guard = self._guard
        if guard is not None:
            try:
                walk = guard.prepare(args, kwargs)
                if walk is not None and not guard.verify():
                    walk = None
            except Exception:  # noqa: BLE001 - anything odd in the guard: take the full walk
                walk = None
            if walk is not None:
                arrays = walk.arrays()
                try:
                    outs = guard.program.jitted(arrays)
                except _Retrace:
                    pass
                else:
                    self.fast_calls += 1
                    return guard.program.replay(walk, arrays, outs)
        return self._call_slow(args, kwargs)

    def _call_slow(self, args: tuple, kwargs: dict) -> Any:
        walk = _Walk.of_call(self._fn, args, kwargs)
        key = tuple(walk.key)
        program = self._cache.get(key)
        if program is None:
            reason = _describe_change(self._last_key, key)
            if self.compiles >= self._limit:
                # torch's cache_size_limit: stop compiling, say which guard keeps changing.
                self._gave_up = True
                warnings.warn(
                    f"tg.compile: {self.__name__} hit the recompile limit ({self._limit} "
                    f"programs); it now runs eagerly. Last reason: {reason}. Keep that value "
                    "fixed between calls (or pass cache_size_limit= to tg.compile).",
                    UserWarning, stacklevel=3)
                return self._run_eagerly(walk)
            logger.info("tg.compile: compiling %s (%s)", self.__name__, reason)
            program = self._cache[key] = _Program(self._fn, self.__name__)
            self.compiles += 1
        self._last_key = key
        if program.eager:
            return self._run_eagerly(walk)
        arrays = walk.arrays()
        try:
            outs = program.run(walk, arrays)
        except _NeedsEager as e:
            program.eager = True
            self.compiles -= 1
            self._fallbacks += 1
            self._guard = None
            logger.debug("tg.compile: %s runs eagerly for this input: %s", self.__name__, e)
            if self._fallbacks >= _MAX_FALLBACKS:
                self._gave_up = True
                warnings.warn(
                    f"tg.compile: {self.__name__} changed Python-level state (last: {e}) on "
                    f"{_MAX_FALLBACKS} consecutive compilations; it now runs eagerly. Keep "
                    "mutable counters in tensors (as torch's Adam keeps state['step']).",
                    UserWarning, stacklevel=3)
            return self._run_eagerly(walk)
        except _CONCRETE_ERRORS as e:
            del self._cache[key]
            self.compiles -= 1
            err = _concrete_value_error(e, self.__name__)
            err.jax_error = e  # JAX's own report (with the jaxpr), for debugging
            raise err from None
        self._fallbacks = 0
        guard = _Guard(walk, program)
        self._guard = guard if guard.ok else None
        return program.replay(walk, arrays, outs)

    def _run_eagerly(self, walk: _Walk) -> Any:
        self.eager_calls += 1
        args, kwargs = jax.tree_util.tree_unflatten(walk.treedef, walk.leaves)
        return self._fn(*args, **kwargs)


def _describe_change(old: tuple | None, new: tuple) -> str:
    if old is None:
        return "first call"
    for a, b in zip(old, new):
        if a != b:
            if _is_tensor_token(a) and _is_tensor_token(b) and a[1] == b[1]:
                return (f"changed: tensor #{a[1]} shape {tuple(a[3])} dtype {a[4]} -> "
                        f"shape {tuple(b[3])} dtype {b[4]}")
            return f"changed: {_token(a)} -> {_token(b)}"
    return f"state layout changed ({len(old)} -> {len(new)} items)"


def _is_tensor_token(tok: Any) -> bool:
    return isinstance(tok, tuple) and len(tok) == 5 and tok[0] == "T"


def _token(tok: Any) -> str:
    if _is_tensor_token(tok):
        return f"tensor #{tok[1]} shape {tuple(tok[3])} dtype {tok[4]}"
    if isinstance(tok, tuple) and len(tok) == 7 and isinstance(tok[0], type):
        return f"{tok[0].__name__}(requires_grad={tok[2]}, is_leaf={tok[3]})"
    if isinstance(tok, tuple) and tok and tok[0] == "mode":
        return f"grad mode {'on' if tok[1] else 'off'}"
    return repr(tok)


def compile(fn: Callable | None = None, *, disable: bool = False,  # noqa: A001
            cache_size_limit: int | None = None) -> Any:
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
        return functools.partial(compile, disable=disable, cache_size_limit=cache_size_limit)
    return CompiledFunction(fn, disable=disable, cache_size_limit=cache_size_limit)
