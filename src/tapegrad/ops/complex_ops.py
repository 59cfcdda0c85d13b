"""Complex views and conjugation: `conj`, `conj_physical`, `real`, `imag`, `view_as_real`,
`view_as_complex` (torch's nodes: ConjBackward0, ConjPhysicalBackward0, SelectBackward0 over
ViewAsRealBackward0, ViewAsComplexBackward0).

torch's gradient convention for complex tensors is the conjugate Wirtinger derivative: for a
real loss L of z = x + iy, `z.grad` is dL/dx + i dL/dy, so a holomorphic op's formula is
`grad * f'(z).conj()`. The formulas elsewhere in the table call `.conj()`, which is the tensor
itself for real dtypes (as torch's `x.conj() is x`), so real graphs are unchanged.

tapegrad holds no lazy conjugate bit and these results are copies, not views (README,
"Semantics"): values, gradients and node names are torch's.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

import math

from .. import _errors
from ..tensor import Tensor
from ._backward_helpers import zeros as _zeros
from ._op import Op
from ._registry import public
from .pointwise import where
from .shape import select

_conj = Op("conj", "ConjBackward0", jnp.conj, dtype_rule="keep",
           derivatives={"self": lambda grad: conj(grad)})
_conj_physical = Op("conj_physical", "ConjPhysicalBackward0", jnp.conj, dtype_rule="keep",
                    derivatives={"self": lambda grad: conj_physical(grad)})
_view_as_real = Op("view_as_real", "ViewAsRealBackward0",
                   lambda self: jnp.stack([jnp.real(self), jnp.imag(self)], axis=-1),
                   dtype_rule="keep", derivatives={"self": lambda grad: view_as_complex(grad)})
_view_as_complex = Op("view_as_complex", "ViewAsComplexBackward0",
                      lambda self: jax.lax.complex(self[..., 0], self[..., 1]), dtype_rule="keep",
                      derivatives={"self": lambda grad: view_as_real(grad)})


@public
def conj(input: Tensor) -> Tensor:
    """Matches `torch.conj` (the tensor itself for a non-complex dtype)."""
    return _conj(input) if input.dtype.is_complex else input


@public
def conj_physical(input: Tensor) -> Tensor:
    """Matches `torch.conj_physical` (the tensor itself for a non-complex dtype)."""
    return _conj_physical(input) if input.dtype.is_complex else input


@public(method=False)
def view_as_real(input: Tensor) -> Tensor:
    """Matches `torch.view_as_real` (a copy here: see the module docstring)."""
    if not input.dtype.is_complex:
        raise RuntimeError(_errors.VIEW_AS_REAL_NOT_COMPLEX)
    return _view_as_real(input)


@public(method=False)
def view_as_complex(input: Tensor) -> Tensor:
    """Matches `torch.view_as_complex` (a copy here: see the module docstring)."""
    if input.dtype.name not in ("float16", "float32", "float64"):
        raise RuntimeError(_errors.VIEW_AS_COMPLEX_DTYPE.format(
            dtype=input.dtype.scalar_name))
    if input.ndim == 0:
        raise RuntimeError(_errors.VIEW_AS_COMPLEX_0D)
    if input.shape[-1] != 2:
        raise RuntimeError(_errors.VIEW_AS_COMPLEX_LAST)
    return _view_as_complex(input)


@public(prop=True)
def real(input: Tensor) -> Tensor:
    """Matches `torch.real` / `Tensor.real`: the tensor itself for a real dtype."""
    if not input.dtype.is_complex:
        return input
    return select(view_as_real(input), -1, 0)


@public(prop=True)
def imag(input: Tensor) -> Tensor:
    """Matches `torch.imag` / `Tensor.imag` (torch's error for a real dtype)."""
    if not input.dtype.is_complex:
        raise RuntimeError(_errors.IMAG_NOT_COMPLEX)
    return select(view_as_real(input), -1, 1)


# (angle lives here for its complex formula; real inputs: torch's 0 / pi, zero gradient.)
def _angle_forward(self):
    if jnp.iscomplexobj(self):
        return jnp.angle(self)
    return jnp.where(jnp.isnan(self), self, jnp.where(self < 0, jnp.asarray(math.pi, self.dtype),
                                                      jnp.zeros_like(self)))


def _angle_backward(grad, self):
    # torch's angle_backward: zero for real inputs; i z / |z|^2 (zero at 0) for complex ones.
    if not self.dtype.is_complex:
        return _zeros(tuple(self.shape), grad)
    value = grad * self / self.abs().pow(2) * 1j
    return where(self == 0.0, _zeros((), value), value)


angle = Op("angle", "AngleBackward0", _angle_forward, dtype_rule="float", public=True,
           derivatives={"self": _angle_backward})
