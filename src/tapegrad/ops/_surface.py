"""Build the public surface from the declarations (NOTE [Public surface] in `_registry.py`):
`tg.<name>`, `Tensor.<name>`, `Tensor.<name>_`, the dunders, the `nn.functional` and
namespace (`linalg`, ...) entries, and `ops.__all__`.

An `Op` declared public gets generated functions with torch's parameter names (the first
tensor is `input` in the function form, `self` in the method form), its dims wrapped and its
`check` run first, then a direct `Op.apply` call: no argument parsing at run time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import _bind
from .._checks import wrap_any
from ..tensor import Tensor
from ._autocast import LISTS as _AUTOCAST_LISTS
from ._autocast import autocast_entry
from ._op import Op
from ._registry import REGISTRY, Public
from .views import inplace

__all__ = ["build", "FUNCTIONS", "FUNCTIONAL", "NAMESPACES", "METHODS"]

FUNCTIONS: dict[str, Callable] = {}    # tg.<name>
FUNCTIONAL: dict[str, Callable] = {}   # tg.nn.functional.<name>
NAMESPACES: dict[str, dict[str, Callable]] = {}  # tg.<namespace>.<name>
METHODS: dict[str, Any] = {}           # Tensor.<name> (methods, properties, dunders)


def op_function(op: Op, entry: Public, first: str) -> Callable:
    """A plain function calling `op` with torch's signature; `first` names its first tensor
    (`input` for `tg.x`, `self` for `Tensor.x`)."""
    names = [first if n == "self" else n for n in op.input_names]
    params, values = [], []
    defaults: dict[str, Any] = {}
    for n in names:
        params.append(f"*{n}" if op.variadic else n)
        values.append(n)
    statics = []
    for s in op.static:
        if s in op.defaults:
            defaults[f"_d_{s}"] = op.defaults[s]
            params.append(f"{s}=_d_{s}")
        else:
            params.append(s)
        statics.append(f"{s!r}: {s}")
    body = []
    for d, extra in entry.dims.items():
        ndim = f"{names[0]}.ndim" + (f" + {extra}" if extra else "")
        body.append(f"    if {d} is not None:\n        {d} = _wrap_any({d}, {ndim})")
    if entry_check(entry) is not None:
        body.append(f"    _check({', '.join(names + list(op.static))})")
    tensors = f"list({values[0]})" if op.variadic else f"[{', '.join(values)}]"
    static = "{" + ", ".join(statics) + "}" if statics else "_defaults"
    body.append(f"    return _apply(_op, {tensors}, {static})")
    source = f"def {op.name}({', '.join(params)}):\n" + "\n".join(body) + "\n"
    namespace = {"_apply": Op.apply, "_op": op, "_defaults": op.defaults,
                 "_wrap_any": wrap_any, "_check": entry_check(entry), **defaults}
    exec(compile(source, f"<tapegrad: {op.name}>", "exec"), namespace)  # noqa: S102
    fn = namespace[op.name]
    fn.__qualname__ = op.name
    fn.__module__ = "tapegrad"
    fn.__doc__ = entry.doc
    fn._op = op  # for introspection (the stub generator, the README table)
    return fn


def entry_check(entry: Public) -> Callable | None:
    """An Op's declared argument check (called with its tensors and statics), if any."""
    return entry.impl.check if isinstance(entry.impl, Op) else None


def _forms(entry: Public) -> tuple[Callable, Callable]:
    """(function form, method form) of a declaration."""
    if isinstance(entry.impl, Op):
        return op_function(entry.impl, entry, "input"), op_function(entry.impl, entry, "self")
    # (An `nn.functional` form declared apart from its torch.<name> form casts as torch's op.)
    key = entry.name if entry.namespace == "nn.functional" else entry.key
    if any(key in table for table in _AUTOCAST_LISTS.values()):
        # A composite on torch's autocast lists: cast once at entry (NOTE [Autocast]); an
        # Op-backed entry is cast in Op.apply.
        entry_cast = autocast_entry(key)
        return entry_cast(entry.function_impl), entry_cast(entry.impl)
    return entry.function_impl, entry.impl


def build() -> list[str]:
    """Make every public name from `REGISTRY`; return `ops.__all__` (the `tg.*` names)."""
    for entry in REGISTRY.values():
        function, method = _forms(entry)
        target = NAMESPACES.setdefault(entry.namespace, {}) if entry.namespace else FUNCTIONS
        for name in entry.names:
            if entry.function:
                target[name] = function
            if entry.functional:
                FUNCTIONAL[name] = function
            if entry.method is True:
                METHODS[name] = property(method) if entry.prop else method
            elif callable(entry.method):
                METHODS[name] = entry.method
            if entry.inplace is True:
                METHODS[f"{name}_"] = inplace(method, f"{name}_")
            elif callable(entry.inplace):  # torch's in-place form has a node of its own
                METHODS[f"{name}_"] = entry.inplace
        for dunder in entry.dunders:
            METHODS[dunder] = method
        for dunder in entry.inplace_dunders:
            METHODS[dunder] = (entry.inplace if callable(entry.inplace)
                               else inplace(method, dunder))
    _bind.attach(Tensor, __name__, **METHODS)
    return sorted(FUNCTIONS)
