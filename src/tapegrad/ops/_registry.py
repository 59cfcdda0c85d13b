"""The public surface, declared beside each op: which torch names an op or a function has.

NOTE [Public surface]
Every public name comes from one declaration: an `Op` given surface keywords, or a function
decorated with `@public(...)`. The declaration says
    function   `tg.<name>` (torch has it at top level)
    method     `Tensor.<name>` (a bool, or another callable for torch's method form)
    inplace    `Tensor.<name>_` (the out-of-place op on a snapshot, written back: torch's
               in-place ops default to the out-of-place formula), or the in-place method
               itself where torch's has a node of its own (`eq_` is EqBackward1)
    aliases    more names for all of the above (`arccos` for `acos`, `greater` for `gt`)
    dunders    `Tensor.__<x>__` spellings (`__add__`), `inplace_dunders` for `__iadd__`
    functional `tg.nn.functional.<name>` too
    namespace  `tg.<namespace>.<name>` instead of `tg.<name>` (`linalg`, `special`, `fft`)
    dims       which arguments are dims: wrapped and range-checked (`_checks.wrap_dim`) before
               the body runs, so every dim-taking op raises torch's IndexError
    doc        the docstring (default: "Matches `torch.<name>`.")
`ops/_surface.py` builds `tg.*`, `Tensor.*`, `ops.__all__`, `nn.functional`'s exposed names,
`tensor.pyi` and the README's table from `REGISTRY`; nothing keeps a list of names by hand.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from .. import _errors, _x64
from .._checks import wrap_any
from ..tensor import Tensor

__all__ = ["Public", "REGISTRY", "public", "register"]


class Public:
    """One public torch name and where it appears (see NOTE [Public surface])."""

    __slots__ = ("name", "impl", "function", "method", "inplace", "aliases", "dunders",
                 "inplace_dunders", "functional", "dims", "doc", "prop", "module", "namespace",
                 "function_impl")

    def __init__(self, name: str, impl: Any, *, function: bool = True,
                 method: bool | Callable = True, inplace: bool | Callable = False,
                 aliases: tuple[str, ...] = (), dunders: tuple[str, ...] = (),
                 inplace_dunders: tuple[str, ...] = (), functional: bool = False,
                 dims: Any = None, doc: str | None = None, prop: bool = False,
                 module: str = "", namespace: str = "") -> None:
        self.name = name
        self.namespace = namespace
        self.function_impl: Any = impl  # the function form (with its argument checks)
        self.impl = impl
        self.function = function
        self.method = method
        self.inplace = inplace
        self.aliases = tuple(aliases)
        self.dunders = tuple(dunders)
        self.inplace_dunders = tuple(inplace_dunders)
        self.functional = functional
        self.dims = _normalize_dims(dims)
        self.doc = doc
        self.prop = prop
        self.module = module

    def __repr__(self) -> str:
        return f"Public({self.key!r})"

    @property
    def key(self) -> str:
        """The registry key: `name`, or `namespace.name` (`linalg.vector_norm`)."""
        return f"{self.namespace}.{self.name}" if self.namespace else self.name

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


# name -> declaration, in declaration order.
REGISTRY: dict[str, Public] = {}


def _normalize_dims(dims: Any) -> dict[str, int]:
    """`"dim"`, `("dim0", "dim1")` or `{"dim": 1}` -> {argument: extra dims it may address}
    (1 for `unsqueeze`'s and `stack`'s dim, which may name the new last dim)."""
    if dims is None:
        return {}
    if isinstance(dims, str):
        return {dims: 0}
    if isinstance(dims, dict):
        return dict(dims)
    return {d: 0 for d in dims}


def register(entry: Public) -> Public:
    if entry.key in REGISTRY:
        raise TypeError(f"public name {entry.key!r} declared twice "
                        f"({REGISTRY[entry.key].module} and {entry.module})")
    REGISTRY[entry.key] = entry
    return entry


def public(fn: Callable | None = None, *, name: str | None = None, function: bool = True,
           method: bool | Callable = True, inplace: bool | Callable = False,
           aliases: tuple[str, ...] = (), dunders: tuple[str, ...] = (),
           inplace_dunders: tuple[str, ...] = (), functional: bool = False, dims: Any = None,
           doc: str | None = None, prop: bool = False, namespace: str = "",
           overloaded: bool = False, number_input: bool = False) -> Any:
    """Declare a function as a public torch name (see NOTE [Public surface]).

    Returns the function with its declared dims wrapped and range-checked first (generated
    code; the function itself when it declares none), which is also the method form. The
    function form (`tg.<name>`) also checks that an `input` argument is a Tensor, with
    torch's TypeError (`overloaded`: torch's "invalid combination of arguments" text;
    `number_input`: a Python number is accepted there too, as `torch.pow(2, x)`)."""
    def decorate(f: Callable) -> Callable:
        entry = Public(name or f.__name__, f, function=function, method=method,
                       inplace=inplace, aliases=aliases, dunders=dunders,
                       inplace_dunders=inplace_dunders, functional=functional, dims=dims,
                       doc=doc, prop=prop, module=f.__module__, namespace=namespace)
        if not f.__doc__:
            owner = "torch.Tensor" if not function else f"torch.{namespace or ''}".rstrip(".")
            f.__doc__ = entry.doc or f"Matches `{owner}.{entry.name}`."
        entry.doc = f.__doc__
        # A composite may make arrays itself (jnp outside a kernel): x64 on (NOTE [x64]).
        run = entry.impl = _x64.scoped(f)
        if entry.dims:
            entry.impl = with_checks(run, entry.dims)
        first = next(iter(inspect.signature(f).parameters), None)
        # (torch's parser names a namespaced function `<namespace>_<name>`: special_erf.)
        checked = f"{namespace}_{entry.name}" if namespace else entry.name
        entry.function_impl = (with_checks(run, entry.dims, checked, overloaded,
                                           number_input) if first == "input" else entry.impl)
        register(entry)
        return entry.impl

    return decorate if fn is None else decorate(fn)


def with_checks(f: Callable, dims: dict[str, int], tensor_check: str | None = None,
                overloaded: bool = False, number_input: bool = False) -> Callable:
    """A function with `f`'s signature that checks its arguments before calling `f`:
    `input` is a Tensor (torch's TypeError, for public name `tensor_check`), and the `dims`
    arguments are wrapped (`dim = _wrap(dim, input.ndim + extra)` for an int, each element
    checked and repeats refused for a list; None passes through). Generated code, so a check
    costs a call and a few comparisons."""
    sig = inspect.signature(f)
    params = list(sig.parameters.values())
    first = params[0].name
    missing = [d for d in dims if d not in sig.parameters]
    if missing:
        raise TypeError(f"{f.__qualname__}: dims {missing} are not parameters")
    defaults: dict[str, Any] = {}
    decl, call = [], []
    seen_star = False
    for p in params:
        text = p.name
        if p.default is not inspect.Parameter.empty:
            defaults[f"_d_{p.name}"] = p.default
            text += f"=_d_{p.name}"
        if p.kind is p.VAR_POSITIONAL:
            decl.append(f"*{p.name}")
            call.append(f"*{p.name}")
            seen_star = True
        elif p.kind is p.VAR_KEYWORD:
            decl.append(f"**{p.name}")
            call.append(f"**{p.name}")
        elif p.kind is p.KEYWORD_ONLY:
            if not seen_star:
                decl.append("*")
                seen_star = True
            decl.append(text)
            call.append(f"{p.name}={p.name}")
        else:
            decl.append(text)
            call.append(p.name)
    body = []
    if tensor_check is not None:
        # (Arguments left at their default object are not listed: torch lists those given.)
        given = [p.name if p.default is inspect.Parameter.empty
                 else f"_NOT_GIVEN if {p.name} is _d_{p.name} else {p.name}"
                 for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        types = "(_Tensor, int, float, bool, complex)" if number_input else "_Tensor"
        body.append(f"    if not isinstance({first}, {types}):\n"
                    f"        _not_tensor({tensor_check!r}, {overloaded!r}, "
                    f"({', '.join(given)},))")
    for d, extra in dims.items():
        ndim = f"{first}.ndim" + (f" + {extra}" if extra else "")
        body.append(f"    if {d} is not None:\n        {d} = _wrap_any({d}, {ndim})")
    source = (f"def {f.__name__}({', '.join(decl)}):\n" + "\n".join(body)
              + f"\n    return _impl({', '.join(call)})\n")
    namespace: dict[str, Any] = {"_impl": f, "_wrap_any": wrap_any, "_Tensor": Tensor,
                                 "_not_tensor": _not_tensor, "_NOT_GIVEN": _NOT_GIVEN,
                                 **defaults}
    exec(compile(source, f"<tapegrad: checks of {f.__qualname__}>", "exec"), namespace)  # noqa: S102
    wrapper = namespace[f.__name__]
    wrapper.__qualname__ = f.__qualname__
    wrapper.__module__ = f.__module__
    wrapper.__doc__ = f.__doc__
    wrapper.__signature__ = sig
    wrapper.__wrapped__ = f
    return wrapper


_NOT_GIVEN = object()


def _not_tensor(name: str, overloaded: bool, args: tuple) -> None:
    """torch's TypeError for a non-Tensor `input` (its Python argument parser's text)."""
    if overloaded:
        types = ", ".join("Tensor" if isinstance(a, Tensor) else type(a).__name__
                          for a in args if a is not _NOT_GIVEN and a is not None)
        raise TypeError(_errors.INVALID_ARGUMENTS.format(name=name, types=types))
    raise TypeError(_errors.ARGUMENT_NOT_TENSOR.format(name=name, arg="input", position=1,
                                                       type_name=type(args[0]).__name__))
