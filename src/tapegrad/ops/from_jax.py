"""The generic path: any JAX function as a differentiable tapegrad op, backward by `jax.vjp`.

`jax_function(fn)` returns a callable on Tensors. Its forward is `jax.jit(fn)` (cached per
static arguments); its node saves the inputs and runs `jax.vjp` of `fn` at backward, as one
jitted call. That backward is itself a `jax_function`, so `create_graph=True` works to any
order; its graph shows generic `<Name>Backward` nodes rather than torch's double-backward node
names (use an `Op` table entry when those matter).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from .._compilation_cache import jit as _cc_jit
from .. import _grad_mode as grad_mode
from .. import _numerics, _x64
from .._dtype import from_numpy_dtype
from .._graph import Node, SavedTensor, gradient_edge
from .._storage import cut
from ..tensor import Tensor

__all__ = ["jax_function", "JaxFunction"]


def _is_diff(array) -> bool:
    return array.dtype.kind in "fc" or array.dtype == jnp.bfloat16


class JaxFunctionNode(Node):
    """Backward node of a `JaxFunction`: runs the function's vjp on the saved inputs."""

    __slots__ = ("_function", "_saved_inputs", "_static", "_multi")

    def apply(self, grads: list, create_graph: bool) -> list:
        primals = [s.unpack(self) if isinstance(s, SavedTensor)
                   else s.zeros() if type(s) is _Unsaved else s for s in self._saved_inputs]
        if create_graph and self._function.linear:
            # The vjp of a linear function does not depend on the primals: the double-backward
            # graph hangs off the incoming gradients only, and a gradient that does not depend
            # on an input requiring grad does not require grad (as torch's formulas give).
            primals = [p.detach() if isinstance(p, Tensor) else p for p in primals]
        cotangents = [g if g is not None else Tensor._make(jnp.zeros(shape, dt.np))
                      for g, (shape, dt) in zip(grads, self._metadata)]
        vjp = self._function.vjp_function()
        static = dict(self._static)
        static[vjp.split_key] = len(primals)
        outs = vjp(*primals, *cotangents, **static)
        outs = list(outs) if isinstance(outs, (tuple, list)) else [outs]
        # vjp returns one gradient per differentiable primal: exactly one per edge.
        result = [g if fn is not None else None for g, (fn, _) in zip(outs, self.next_functions)]
        gv = self._function.grad_version
        if gv and not create_graph:
            for i, g in enumerate(result):
                v = gv[i] if isinstance(gv, tuple) else gv  # a tuple: one per edge
                if g is not None and v:
                    g._vc.version = v
        return result

    def release_variables(self) -> None:
        for s in self._saved_inputs:
            if isinstance(s, SavedTensor):
                s.release()


class JaxFunction:
    """A JAX function lifted to tapegrad Tensors (see module docstring)."""

    def __init__(self, fn: Callable[..., Any], name: str | None = None,
                 node: str | None = None, grad_version: int | tuple = 0,
                 precision: str | None = None, linear: bool = False) -> None:
        self.fn = fn
        # `fn` is linear (affine) in its differentiable inputs (indexing, indexed writes,
        # padding): its vjp reads no primal value, and is itself linear.
        self.linear = linear
        # "matmul"/"conv": the kernel runs at the precision torch's settings choose (NOTE
        # [Kernel precision]); its backward (the vjp) too.
        self.precision = precision
        self._prec_attr = {None: None, "matmul": "matmul_precision",
                           "conv": "conv_precision"}[precision]
        self.grad_version = grad_version  # see Op's grad_version
        self.name = name or getattr(fn, "__name__", "JaxFunction").strip("_<>") or "Jax"
        node_name = node or (self.name[:1].upper() + self.name[1:] + "Backward")
        self.node_cls = type(node_name, (JaxFunctionNode,), {"__slots__": ()})
        self._jit = _cc_jit(self._call_static, static_argnames=("_static", "_prec"))
        self._vjp: JaxFunction | None = None
        self.depth = 0
        self.split_key = ""
        functools.update_wrapper(self, fn)

    def _call_static(self, *arrays, _static, _prec):
        if _prec is None:
            return self.fn(*arrays, **dict(_static))
        with jax.default_matmul_precision(_prec):
            return self.fn(*arrays, **dict(_static))

    def vjp_function(self) -> JaxFunction:
        """The backward as a JaxFunction of (*primals, *cotangents) -> grads of float inputs."""
        if self._vjp is None:
            fn = self.fn
            # Each order of derivative gets its own keyword for where primals end.
            split_key = f"_n_primals_{self.depth + 1}"

            def vjp(*args, **static):
                n = static.pop(split_key)
                primals, cts = args[:n], args[n:]
                diff = [i for i, p in enumerate(primals) if _is_diff(jnp.asarray(p))]

                def partial(*d):
                    full = list(primals)
                    for i, v in zip(diff, d):
                        full[i] = v
                    return fn(*full, **static)

                out, pullback = jax.vjp(partial, *[primals[i] for i in diff])
                # torch's complex gradients are the conjugate of JAX's cotangent convention:
                # conj(vjp(conj(grad))) (identity for real arrays).
                cts = [jnp.conj(c) if jnp.iscomplexobj(c) else c for c in cts]
                ct = tuple(cts) if isinstance(out, (tuple, list)) else cts[0]
                return tuple(jnp.conj(g) if jnp.iscomplexobj(g) else g for g in pullback(ct))

            self._vjp = _VjpFunction(vjp, self.name + "Backward", precision=self.precision,
                                     linear=self.linear)
            self._vjp.depth = self.depth + 1
            self._vjp.split_key = split_key
        return self._vjp

    @_x64.scoped
    def __call__(self, *args: Any, **static: Any) -> Any:
        arrays = [a._storage.array if isinstance(a, Tensor) else a for a in args]
        attr = self._prec_attr
        out = self._jit(*arrays, _static=tuple(sorted(static.items())),
                        _prec=None if attr is None else getattr(_numerics, attr))
        multi = isinstance(out, (tuple, list))
        outs = list(out) if multi else [out]
        enabled = grad_mode.is_grad_enabled()
        if not (enabled and any(isinstance(a, Tensor) and a._requires_grad for a in args)):
            res = [Tensor._make(o if enabled else cut(o)) for o in outs]
            return tuple(res) if multi else res[0]
        # One edge per differentiable (floating) tensor argument, as torch's nodes have.
        node = self.node_cls(
            tuple(gradient_edge(a) for a in args
                  if isinstance(a, Tensor) and _is_diff(a._storage.array)),
            tuple((tuple(o.shape), from_numpy_dtype(o.dtype)) for o in outs))
        node._function = self
        node._static = static
        node._multi = multi
        if self.linear:
            # The vjp reads no differentiable input's value, so (as torch's formulas, e.g.
            # copy_'s, save no `src`) those are not saved: no version check, no pack hook.
            node._saved_inputs = [
                (_Unsaved(a._storage.array) if _is_diff(a._storage.array)
                 else SavedTensor(a, is_output=False)) if isinstance(a, Tensor) else a
                for a in args]
        else:
            node._saved_inputs = [SavedTensor(a, is_output=False) if isinstance(a, Tensor)
                                  else a for a in args]
        res = [Tensor._make(o, node, i) if _is_diff(o) else Tensor._make(o)
               for i, o in enumerate(outs)]
        return tuple(res) if multi else res[0]


class _Unsaved:
    """An input a linear function's vjp needs only the shape and dtype of."""

    __slots__ = ("shape", "dtype")

    def __init__(self, array: Any) -> None:
        self.shape, self.dtype = array.shape, array.dtype

    def zeros(self) -> Tensor:
        return Tensor._make(jnp.zeros(self.shape, self.dtype))


class _VjpFunction(JaxFunction):
    """A vjp: called with (*primals, *cotangents, _n_primals=n)."""


def jax_function(fn: Callable[..., Any] | None = None, *, name: str | None = None,
                 node: str | None = None, precision: str | None = None):
    """Turn a JAX function of arrays into a differentiable tapegrad op (backward: jax.vjp).

    Non-tensor keyword arguments are static (hashable). Usable as a decorator.

    >>> import jax.numpy as jnp, tapegrad as tg
    >>> softabs = tg.autograd.jax_function(lambda x: jnp.sqrt(x * x + 1.0))
    >>> x = tg.tensor([0., 2.], requires_grad=True)
    >>> softabs(x).sum().backward()
    >>> x.grad
    tensor([0.0000, 0.8944])
    """
    if fn is None:
        return functools.partial(jax_function, name=name, node=node, precision=precision)
    return JaxFunction(fn, name, node, precision=precision)
