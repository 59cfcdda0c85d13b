"""tapegrad modules and equinox modules, each usable as the other (SPEC §6).

    tmod = tg.nn.from_equinox(eqx_model)     # its arrays become Parameters; train it with
    loss = loss_fn(tmod(x), y)               # backward and tg.optim as any Module
    eqx_model = tmod.to_equinox()            # the trained arrays back in the equinox model

    emod = tg.nn.to_equinox(torch_style_module)   # an eqx.Module: parameters and buffers as
    jax.jit(jax.grad(loss))(emod, x)              # fields, calls the module functionally

`from_equinox` splits the model with `eqx.partition(model, eqx.is_inexact_array)`: every
floating array is a Parameter (named by its path, dots replaced by underscores), the rest is
static. The forward is one differentiable op (`tg.autograd.jax_function`) that recombines the
model and calls it, so gradients reach the Parameters and the inputs through `jax.vjp`.
`to_equinox` is the other way: an `eqx.Module` holding the module's parameters and buffers as
arrays, whose call runs the tapegrad module through `tg.func.functional_call` on those
arrays, which JAX transformations see through (tapegrad ops run on tracers). It is a pure
function of its fields only if the module's forward is: no dropout in training mode, no
running-statistics updates (call `.eval()` first).
"""

from __future__ import annotations

import re
from typing import Any

import jax

from ..ops.from_jax import jax_function
from ..func import functional_call
from ..tensor import Tensor, from_jax
from .modules.module import Module
from .parameter import Parameter

__all__ = ["from_equinox", "to_equinox", "EquinoxModule"]


def _path_name(path: tuple) -> str:
    name = jax.tree_util.keystr(path)
    return re.sub(r"[^0-9A-Za-z_]+", "_", name).strip("_") or "param"


class EquinoxModule(Module):
    """A tapegrad Module around an equinox model (see the module docstring)."""

    def __init__(self, model: Any) -> None:
        import equinox as eqx

        super().__init__()
        params, static = eqx.partition(model, eqx.is_inexact_array)
        with_paths, treedef = jax.tree_util.tree_flatten_with_path(params)
        names = [_path_name(path) for path, _ in with_paths]
        if len(set(names)) != len(names):
            names = [f"p{i}_{n}" for i, n in enumerate(names)]
        for name, (_, array) in zip(names, with_paths):
            self.register_parameter(name, Parameter(from_jax(array)))
        self._eqx_names = names
        self._eqx_treedef = treedef
        self._eqx_static = static

        def call(*arrays: Any, n_params: int) -> Any:
            p = jax.tree_util.tree_unflatten(treedef, arrays[:n_params])
            return eqx.combine(p, static)(*arrays[n_params:])

        self._eqx_call = jax_function(call, name=type(model).__name__)

    def forward(self, *inputs: Tensor) -> Any:
        params = [self._parameters[n] for n in self._eqx_names]
        return self._eqx_call(*params, *inputs, n_params=len(params))

    def to_equinox(self) -> Any:
        """The equinox model with this module's current parameter values."""
        import equinox as eqx

        arrays = [self._parameters[n].jax() for n in self._eqx_names]
        return eqx.combine(jax.tree_util.tree_unflatten(self._eqx_treedef, arrays),
                           self._eqx_static)


def from_equinox(model: Any) -> EquinoxModule:
    """A tapegrad Module whose Parameters are `model`'s floating arrays."""
    return EquinoxModule(model)


def to_equinox(module: Module) -> Any:
    """An `eqx.Module` over `module`'s parameters and buffers (see the module docstring)."""
    import equinox as eqx

    class TapegradModel(eqx.Module):
        """`module` as a pure function of `params` and `buffers` (dicts of arrays)."""

        params: dict
        buffers: dict
        static: _Opaque = eqx.field(static=True)

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            state = {k: from_jax(v) for k, v in {**self.params, **self.buffers}.items()}
            wrap = lambda a: from_jax(a) if isinstance(a, jax.Array) else a  # noqa: E731
            out = functional_call(self.static.module, state, tuple(wrap(a) for a in args),
                                  {k: wrap(v) for k, v in kwargs.items()})
            return jax.tree_util.tree_map(lambda t: t.jax(), out,
                                          is_leaf=lambda t: isinstance(t, Tensor))

    return TapegradModel({k: p.jax() for k, p in module.named_parameters()},
                         {k: b.jax() for k, b in module.named_buffers()}, _Opaque(module))


class _Opaque:
    """Holds the module as an equinox static field: not a pytree (a Module is one, NOTE
    [Modules as pytrees]), hashed and compared by identity."""

    __slots__ = ("module",)

    def __init__(self, module: Module) -> None:
        self.module = module
