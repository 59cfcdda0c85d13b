"""Named helpers for formulas too long for one table line (FunctionsManual.cpp's role), and
the few forward helpers the table's kernels share.

Formulas here are written with Tensor methods (attached from the declarations before any
formula runs), so this module imports no op family and every family may use it.
"""

from __future__ import annotations

import math

import jax.numpy as jnp

from ..tensor import Tensor


# --------------------------------------------------------------------- constructors
def zeros(shape: tuple, like: Tensor) -> Tensor:
    """A zeros tensor of `shape` with `like`'s dtype (traceable: no host round trip)."""
    return Tensor._make(jnp.zeros(tuple(shape), like._storage.array.dtype))


def zeros_like(t: Tensor) -> Tensor:
    return zeros(tuple(t.shape), t)


def full_like(t: Tensor, value) -> Tensor:
    return Tensor._make(jnp.full(t._storage.array.shape, value, t._storage.array.dtype))


def eye_like(sizes: tuple, like: Tensor) -> Tensor:
    """An identity matrix of `sizes` (rows, cols) with `like`'s dtype."""
    return Tensor._make(jnp.eye(sizes[0], sizes[1], dtype=like._storage.array.dtype))


def numel(sizes: tuple) -> int:
    n = 1
    for s in sizes:
        n *= s
    return n


# --------------------------------------------------------------------- reductions
def sum_backward(grad: Tensor, sizes: tuple, dim: tuple, keepdim: bool) -> Tensor:
    if not keepdim and len(sizes) > 0:
        for d in sorted(dim):
            grad = grad.unsqueeze(d)
    return grad.expand(sizes)


def mean_backward(grad: Tensor, sizes: tuple, dim: tuple, keepdim: bool) -> Tensor:
    n = 1
    if len(sizes) > 0:
        for d in dim:
            n *= sizes[d]
    return sum_backward(grad, sizes, dim, keepdim) / n


def restore_reduced_dims(t: Tensor, dim: tuple, keepdim: bool, ndim: int) -> Tensor:
    """torch's restore_reduced_dims: unsqueeze the reduced dims back."""
    if keepdim or ndim == 0:
        return t
    for d in sorted(dim):
        t = t.unsqueeze(d)
    return t


# --------------------------------------------------------------------- pointwise
def clamp_backward(grad, self, min, max):  # noqa: A002
    if min is not None and max is not None:
        return grad.where((self >= min).logical_and(self <= max), 0.0)
    if min is not None:
        return grad.where(self >= min, 0.0)
    if max is not None:
        return grad.where(self <= max, 0.0)
    return grad


def gelu_backward(grad, self, approximate):
    if approximate == "tanh":
        k_beta = math.sqrt(2.0) * (2.0 / math.sqrt(math.pi)) * 0.5
        k_kappa = 0.044715
        x_sq = self * self
        x_cube = x_sq * self
        inner = k_beta * (self + k_kappa * x_cube)
        t = inner.tanh()
        left = 0.5 * self
        right = 1 + t
        left_derivative = 0.5 * right
        right_derivative = left * (1 - t * t) * (k_beta * (1 + 3 * k_kappa * x_sq))
        return grad * (left_derivative + right_derivative)
    k_alpha = 1.0 / math.sqrt(2.0)
    k_beta = (2.0 / math.sqrt(math.pi)) * (1.0 / math.sqrt(2.0)) * 0.5
    cdf = 0.5 * (1 + (self * k_alpha).erf())
    pdf = k_beta * (-0.5 * self * self).exp()
    return grad * (cdf + self * pdf)


def silu_backward(grad, self):
    s = self.sigmoid()
    return grad * (s * (1 + self * (1 - s)))


def softplus_backward(grad, self, beta, threshold):
    z = (self * beta).exp()
    return grad.where(self * beta > threshold, grad * z / (z + 1.0))


def elu_backward(grad, self, alpha, scale, input_scale):
    negative = grad * input_scale * scale * alpha * (self * input_scale).exp()
    positive = self > 0
    return (grad * scale).where(positive, negative)


# --------------------------------------------------------------------- forward helpers (jnp)
def div_rounding(self, other, rounding_mode):
    if rounding_mode == "trunc":
        if jnp.issubdtype(self.dtype, jnp.integer):
            return jnp.sign(self) * jnp.sign(other) * (jnp.abs(self) // jnp.abs(other))
        return jnp.trunc(self / other)
    if jnp.issubdtype(self.dtype, jnp.integer):
        return jnp.floor_divide(self, other)
    return jnp.floor(self / other)


def pow_forward(self, exponent):
    if isinstance(exponent, int) and not isinstance(exponent, bool) and exponent >= 0:
        return jnp.power(self, exponent)  # exact integer powers (x**2 is x*x)
    return jnp.power(self, jnp.asarray(exponent, self.dtype))


def lerp_forward(self, end, weight):
    # torch's lerp: two formulas to stay exact at both ends.
    return jnp.where(jnp.abs(weight) < 0.5, self + weight * (end - self),
                     end - (end - self) * (1 - weight))


def clamp_forward(self, min, max):  # noqa: A002
    out = self
    if min is not None:
        out = jnp.maximum(out, jnp.asarray(min, self.dtype))
    if max is not None:
        out = jnp.minimum(out, jnp.asarray(max, self.dtype))
    return out
