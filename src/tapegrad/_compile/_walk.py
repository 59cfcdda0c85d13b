"""Discovery: the state a call of a compiled function can reach, and the cache key describing
it (see NOTE [How tg.compile works] in `__init__.py`)."""

from __future__ import annotations

import functools
import itertools
import operator
import types
from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from .. import random as _random_module
from .._graph import Node, SavedTensor
from .. import _numerics
from .._grad_mode import is_grad_enabled
from ..nn.modules.module import Module
from ..tensor import Tensor, is_pytree_leaf
from ._library import is_library_module

# NOTE [Traced hyperparameters]
# An optimizer's learning rate is a Python float that an LR scheduler changes between steps.
# Baked into the program as a constant, every new value would compile a new program (and
# after `cache_size_limit` programs the step would run eagerly). So a param group's float
# `lr` is a program input instead: the key records only that it is a float, each call reads
# its current value, and during the trace the optimizer sees it as a float64 0-d tensor
# (the optimizers use it only in arithmetic, which keeps the update's dtype: a 0-d operand
# does not promote). Hyperparameters the optimizers branch on in Python (`weight_decay != 0`,
# amsgrad, ...) stay constants of the program. The ones a scheduler may change (CyclicLR and
# OneCycleLR with `cycle_momentum`: `momentum`, or `betas[0]`; a weight-decay schedule) are
# inputs too while positive: the optimizers branch only on their being zero (`momentum !=
# 0`, through `optim.optimizer.is_zero`), so the key records "a positive float" and a zero
# value stays a constant (a program of its own).
TRACED_HYPERPARAMETERS = frozenset({"lr"})
TRACED_WHEN_POSITIVE = frozenset({"momentum", "weight_decay"})
TRACED_FIRST_WHEN_POSITIVE = frozenset({"betas"})


class Item:
    """The slot key of item `index` of the tuple held at `name` (Adam's `betas[0]`)."""

    __slots__ = ("name", "index")

    def __init__(self, name: str, index: int) -> None:
        self.name, self.index = name, index


# What the guard expects of a traced hyperparameter's slot (NOTE [Traced hyperparameters]):
HYPER_FLOAT = "float"        # any float
HYPER_POSITIVE = "positive"  # a float > 0
# (A tuple `rest`: a tuple of a float > 0 followed by `rest`.)

_SCALARS = frozenset({int, float, bool, complex, str, bytes, type(None), np.float64,
                      np.float32, np.int64, np.int32, np.bool_})
_ARRAY_TYPES: set[type] = set()
# Classes whose instances the walk never enters (tg.compile's own objects among them).
OPAQUE: list[type] = [Node, SavedTensor]


def _is_array(x: Any) -> bool:
    t = type(x)
    if t in _ARRAY_TYPES:
        return True
    if isinstance(x, (jax.Array, jax.core.Tracer)):
        _ARRAY_TYPES.add(t)
        return True
    return False


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
        ok = (not issubclass(cls, tuple(OPAQUE))
              and not is_library_module(cls.__module__) and hasattr(cls, "__dict__"))
        _walkable_cache[cls] = ok
    return ok


def _user_function(f: types.FunctionType) -> bool:
    module = f.__module__ or ""
    return not is_library_module(module) and not module.startswith("tapegrad")


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
                 "objects", "functions", "sets", "slot_containers", "code_names",
                 "hyper_groups", "hyper_slots")

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
        self.hyper_groups: set[int] = set()  # ids of optimizer param_group dicts
        # slot index -> HYPER_FLOAT / HYPER_POSITIVE / a tuple's other items: the slots
        # holding a traced hyperparameter, and what the guard checks of them
        self.hyper_slots: dict[int, Any] = {}

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
        hyper = id(d) in self.hyper_groups
        for k, v in d.items():
            if type(k) in _SCALARS:
                key.append(k)
            else:
                value(k, None, None)
            expect = _hyper_expectation(k, v) if hyper else None
            if expect is not None:
                # NOTE [Traced hyperparameters]: an input of the program, not a constant.
                key.append(("H", len(self.slots), expect))
                self.hyper_slots[len(self.slots)] = expect
                self.slots.append((d, Item(k, 0) if type(expect) is tuple else k))
                self.slot_containers.add(id(d))
            else:
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
            groups = d.get("param_groups")
            if type(groups) is list and "state" in d:  # an optimizer's param groups
                self.hyper_groups.update(id(g) for g in groups if type(g) is dict)
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
        leaves, treedef = jax.tree_util.tree_flatten((args, kwargs), is_leaf=is_pytree_leaf)
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
        w.key.append(("mode", is_grad_enabled(), _numerics.KEY))
        return w

    def arrays(self) -> list:
        out = list(map(_GET_ARRAY, self.storages))
        for c, k in self.slots:
            out.append(_slot_get(c, k))
        for i in self.hyper_slots:  # a Python float, read at every call
            j = len(self.storages) + i
            out[j] = np.float64(out[j])
        return out


_GET_ARRAY = operator.attrgetter("array")
_chain = itertools.chain.from_iterable
_is = operator.is_
_CELL = object()  # the slot key of a closure cell's contents


def _hyper_expectation(k: Any, v: Any) -> Any:
    """What a param group's entry `k` = `v` is traced as (None: a constant of the program)."""
    if type(v) is float:
        if k in TRACED_HYPERPARAMETERS:
            return HYPER_FLOAT
        if k in TRACED_WHEN_POSITIVE and v > 0:
            return HYPER_POSITIVE
    elif (type(v) is tuple and k in TRACED_FIRST_WHEN_POSITIVE and len(v) == 2
          and type(v[0]) is float and v[0] > 0 and all(type(x) is float for x in v)):
        return v[1:]
    return None


def hyper_matches(expect: Any, v: Any) -> bool:
    """Whether `v` is still traced as `expect` says (the guard's check)."""
    if expect is HYPER_FLOAT:
        return type(v) is float
    if expect is HYPER_POSITIVE:
        return type(v) is float and v > 0
    return (type(v) is tuple and len(v) == 2 and type(v[0]) is float and v[0] > 0
            and type(v[1]) is float and v[1:] == expect)


def slot_name(k: Any) -> Any:
    """The container key a slot occupies (a tuple item's slot occupies its tuple's)."""
    return k.name if type(k) is Item else k


def _slot_get(container: Any, k: Any) -> Any:
    if k is _CELL:
        return container.cell_contents
    if type(k) is Item:
        return container[k.name][k.index]
    return container[k]


def _slot_set(container: Any, k: Any, value: Any) -> None:
    if k is _CELL:
        container.cell_contents = value
    elif type(k) is Item:
        items = list(container[k.name])
        items[k.index] = value
        container[k.name] = tuple(items)
    else:
        container[k] = value
