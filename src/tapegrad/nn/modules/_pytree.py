"""`nn.Module` as a JAX pytree: parameters, buffers and submodules are the children.

NOTE [Modules as pytrees]
Every Module class (each subclass registers itself in `Module.__init_subclass__`) flattens to
its registered parameters, buffers and child modules, in registration order, keyed by name
(`jax.tree_util.keystr` gives `.fc.weight.data`); everything else in the instance dict
(`training`, sizes, hook dicts, plain attributes) is aux data. Unflattening makes a new
instance of the class without calling `__init__`: the children JAX hands back, and a shallow
copy of the rest (its dicts, sets and lists copied, so hooks registered on the copy stay
there). Two aux data are equal when their names match and every other attribute is the same
object or an equal plain value (numbers, strings, and containers of them), so `jax.jit` of a
function taking a module retraces when `training` or a size changes, and `tree_map` over two
separately built modules works when they differ only in their arrays. tapegrad's own
traversals keep a Module whole (`_tapegrad_pytree_leaf`, `tensor.is_pytree_leaf`).
"""

from __future__ import annotations

from typing import Any

import jax

__all__ = ["register_module_pytree"]

_PLAIN = (int, float, complex, bool, str, bytes, type(None))
_CONTAINERS = (dict, set, frozenset, list, tuple)
_STORES = ("_parameters", "_buffers", "_modules")


def _same(a: Any, b: Any) -> bool:
    """Equal as aux data: the same object, or equal plain values / containers of them."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, _PLAIN):
        return a == b
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (set, frozenset)):
        return all(isinstance(x, _PLAIN) for x in a) and a == b
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(map(_same, a, b))
    return False


class _ModuleAux:
    """A module's aux data: the names of its children and its other attributes."""

    __slots__ = ("names", "static")

    def __init__(self, names: tuple, static: dict) -> None:
        self.names = names
        self.static = static

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, _ModuleAux) and self.names == other.names
                and _same(self.static, other.static))

    def __hash__(self) -> int:
        return hash((self.names, self.static.get("training")))

    def __repr__(self) -> str:
        return f"{self.names}"


def _flatten_with_keys(m: Any) -> tuple:
    d = m.__dict__
    names = tuple(tuple(d[s]) for s in _STORES)
    children = [(jax.tree_util.GetAttrKey(k), v) for s in _STORES for k, v in d[s].items()]
    static = {k: v for k, v in d.items() if k not in _STORES}
    return children, _ModuleAux(names, static)


def _flatten(m: Any) -> tuple:
    d = m.__dict__
    names = tuple(tuple(d[s]) for s in _STORES)
    children = [v for s in _STORES for v in d[s].values()]
    static = {k: v for k, v in d.items() if k not in _STORES}
    return children, _ModuleAux(names, static)


def register_module_pytree(cls: type) -> None:
    """Register a Module class as a JAX pytree node (NOTE [Modules as pytrees])."""
    def unflatten(aux: _ModuleAux, children: Any) -> Any:
        m = object.__new__(cls)
        d = m.__dict__
        for k, v in aux.static.items():
            d[k] = v.copy() if isinstance(v, _CONTAINERS) and not isinstance(
                v, (tuple, frozenset)) else v
        it = iter(children)
        for store, keys in zip(_STORES, aux.names):
            d[store] = {k: next(it) for k in keys}
        return m

    jax.tree_util.register_pytree_with_keys(cls, _flatten_with_keys, unflatten, _flatten)
