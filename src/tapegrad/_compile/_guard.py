"""The cheap re-check of a repeated call (see NOTE [How tg.compile works] in `__init__.py`)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import jax

from .. import _numerics
from .._grad_mode import is_grad_enabled
from ..tensor import Tensor, is_pytree_leaf
from ._walk import (_PLAIN_STORAGE, _SCALARS, _Walk, _chain, _is, _is_array, hyper_matches,
                    slot_name)

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
class _Hyper:
    """The expectation of a traced hyperparameter's slot (in place of an expected id)."""

    __slots__ = ("expect",)

    def __init__(self, expect: Any) -> None:
        self.expect = expect


class _Guard:
    """A cheap re-check that a call reaches the same state as the walk this guard was built
    from, up to fresh argument tensors and fresh `.grad` tensors (new objects every step).

    Everything is compared by identity (C-level list comparisons of ids), so a passing guard
    means the full walk would produce the same key - except shapes and dtypes of the input
    arrays, which the jitted program checks itself (a mismatch would retrace: `_Retrace`).
    Anything unexpected makes `check` return None and the call takes the full walk.
    """

    def __init__(self, walk: _Walk, program: Any) -> None:
        self.program = program
        self.ok = False
        self.grad_mode = is_grad_enabled()
        self.numerics = _numerics.KEY  # precision and autocast dtype: they trace in
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
        hyper_keys = {}
        for n, (c, k) in enumerate(walk.slots):
            slot_keys.setdefault(id(c), set()).add(slot_name(k))
            if n in walk.hyper_slots:
                hyper_keys.setdefault(id(c), {})[slot_name(k)] = _Hyper(walk.hyper_slots[n])
        self.slotted = []
        for c in slotted:
            ks = slot_keys[id(c)]
            hs = hyper_keys.get(id(c), {})
            if isinstance(c, dict):
                # (A traced hyperparameter must still be traced as it was: NOTE [Traced
                # hyperparameters].)
                self.slotted.append((c, list(c.keys()), [
                    hs[k] if k in hs else None if k in ks else id(v) for k, v in c.items()]))
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
        if is_grad_enabled() is not self.grad_mode or _numerics.KEY != self.numerics:
            return None
        leaves, treedef = jax.tree_util.tree_flatten((args, kwargs), is_leaf=is_pytree_leaf)
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
        walk.hyper_slots = template.hyper_slots
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
                elif type(expected) is _Hyper:
                    if not hyper_matches(expected.expect, v):
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
