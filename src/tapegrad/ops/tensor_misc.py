"""Small torch names of the misc family: `torch.fill`, `torch.is_distributed`,
`Tensor.conj_physical_`, and the `Tensor.layout` and (deprecated) `Tensor.volatile`
properties."""

from __future__ import annotations

import warnings
from typing import Any

import jax.numpy as jnp

from .. import _dtype, _errors
from .._checks import user_stacklevel
from ..tensor import Tensor
from . import _backward_helpers as H
from ._op import Op
from ._registry import public
from .complex_ops import conj_physical
from .views import inplace

__all__ = ["fill", "is_distributed", "layout", "volatile"]

# torch.fill (out of place): fill.Scalar is FillBackward0, fill.Tensor FillBackward1 (the
# in-place fill_ has FillBackward2/3 in pointwise.py). `self: zeros_like(grad)`.
_fill_scalar = Op("fill", "FillBackward0", lambda self, value: jnp.full_like(self, value),
                  static=("value",), dtype_rule="keep",
                  derivatives={"self": lambda grad: H.zeros_like(grad)})
_fill_tensor = Op("fill", "FillBackward1", lambda self, value: jnp.full_like(self, value),
                  inputs=("self", "value"), dtype_rule="keep",
                  derivatives={"self": lambda grad: H.zeros_like(grad),
                               "value": lambda grad: grad.sum()})


def _is_number(value: Any) -> bool:
    return isinstance(value, (bool, int, float, complex))


@public(method=False, overloaded=True)
def fill(input, value):
    """Matches `torch.fill`: a new tensor shaped as `input`, every element `value` (a number
    or a 0-d tensor, whose gradient is the sum)."""
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(_errors.FILL_VALUE_DIM.format(ndim=value.ndim))
        return _fill_tensor(input, value)
    if not _is_number(value):
        raise TypeError(_errors.INVALID_ARGUMENTS.format(
            name="fill", types=f"Tensor, {type(value).__name__}"))
    return _fill_scalar(input, value)


@public
def is_distributed(input) -> bool:
    """Matches `torch.is_distributed`: False (no distributed tensors here)."""
    return False


# torch's conj_physical_ has a node of its own (ConjPhysicalBackward1, also on real tensors,
# where it leaves the values and bumps the version); `self: grad.conj_physical()`.
_conj_physical_ = Op("conj_physical_", "ConjPhysicalBackward1", jnp.conj, dtype_rule="keep",
                     derivatives={"self": lambda grad: conj_physical(grad)})
conj_physical_ = public(inplace(_conj_physical_, "conj_physical_"), name="conj_physical_",
                        function=False,
                        doc="Matches `torch.Tensor.conj_physical_` (in place).")


@public(function=False, prop=True)
def layout(self) -> _dtype.layout:
    """Matches `torch.Tensor.layout`: `strided` (tapegrad has no sparse layouts)."""
    return _dtype.strided


class _Property(property):
    # A property that is also callable, so that a declaration may name it as its method
    # form (NOTE [Public surface]): torch's `volatile` has a setter as well.
    def __call__(self, t: Tensor) -> Any:
        return self.fget(t)


def _get_volatile(self) -> bool:
    warnings.warn("volatile was removed (Variable.volatile is always False)", UserWarning,
                  stacklevel=user_stacklevel())
    return False


def _set_volatile(self, value: Any) -> None:
    warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` "
                  "instead.", UserWarning, stacklevel=user_stacklevel())


@public(function=False, method=_Property(_get_volatile, _set_volatile,
                                         doc="Matches `torch.Tensor.volatile` (deprecated)."))
def volatile(self) -> bool:
    """Matches `torch.Tensor.volatile`: always False, with torch's deprecation warning;
    setting it warns and has no effect."""
    return _get_volatile(self)
