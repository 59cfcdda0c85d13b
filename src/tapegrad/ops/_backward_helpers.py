"""Named helpers for formulas too long for one table line (FunctionsManual.cpp's role)."""

from __future__ import annotations

from ..tensor import Tensor, zeros


def zeros_like(t: Tensor) -> Tensor:
    return zeros(tuple(t.shape), dtype=t.dtype)


def pow_backward(grad: Tensor, self: Tensor, exponent) -> Tensor:
    # torch: zeros when exponent == 0, else grad * (exponent * self.pow(exponent - 1)),
    # where `exponent * tensor` is mul.Scalar (MulBackward1).
    from .pointwise import mul_scalar

    if exponent == 0:
        return zeros_like(self)
    return grad * mul_scalar(self.pow(exponent - 1), exponent)


def pow_backward_self(grad: Tensor, self: Tensor, exponent: Tensor) -> Tensor:
    from .. import ops

    zero = zeros((), dtype=grad.dtype)
    return ops.where(exponent == 0.0, zero, grad * (exponent * self.pow(exponent - 1)))


def pow_backward_exponent(grad: Tensor, self: Tensor, exponent: Tensor, result: Tensor) -> Tensor:
    from .. import ops

    # torch: d/dexp of 0**exp is 0 where exp >= 0 (not nan from log(0)).
    cond = ops.logical_and(self == 0, exponent >= 0)
    zero = zeros((), dtype=grad.dtype)
    return grad * ops.where(cond, zero, result * self.log())


def abs_backward(grad: Tensor, self: Tensor) -> Tensor:
    return grad * self.sgn()


def sum_backward(grad: Tensor, sizes: tuple, dim: tuple, keepdim: bool) -> Tensor:
    if not keepdim and len(sizes) > 0:
        ndim = len(sizes)
        for d in sorted(x % ndim for x in dim):
            grad = grad.unsqueeze(d)
    return grad.expand(sizes)


def mean_backward(grad: Tensor, sizes: tuple, dim: tuple, keepdim: bool) -> Tensor:
    n = 1
    if len(sizes) > 0:
        for d in dim:
            n *= sizes[d]
    return sum_backward(grad, sizes, dim, keepdim) / n


def numel(sizes: tuple) -> int:
    n = 1
    for s in sizes:
        n *= s
    return n


def cat_backward(grad: Tensor, sizes: tuple, dim: int) -> list:
    from .shape import slice as _slice

    out = []
    offset = 0
    ndim = grad.ndim
    d = dim % ndim
    for size in sizes:
        if len(size) == 1 and size[0] == 0:  # torch skips legacy empty inputs
            out.append(None)
            continue
        n = size[d]
        out.append(_slice(grad, d, offset, offset + n, 1))
        offset += n
    return out


def stack_backward(grad: Tensor, count: int, dim: int) -> list:
    from .shape import select

    return [select(grad, dim, i) for i in range(count)]


# --------------------------------------------------------------------- forward helpers (jnp)
def div_rounding(self, other, rounding_mode):
    import jax.numpy as jnp

    if rounding_mode is None:
        return self / other
    if rounding_mode == "trunc":
        if jnp.issubdtype(self.dtype, jnp.integer):
            return jnp.sign(self) * jnp.sign(other) * (jnp.abs(self) // jnp.abs(other))
        return jnp.trunc(self / other)
    if rounding_mode == "floor":
        if jnp.issubdtype(self.dtype, jnp.integer):
            return jnp.floor_divide(self, other)
        return jnp.floor(self / other)
    raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                     f"found '{rounding_mode}'")


def remainder(self, other):
    import jax.numpy as jnp

    # torch: Python-style modulo (sign of the divisor).
    return jnp.remainder(self, other)


def pow_forward(self, exponent):
    import jax.numpy as jnp

    if isinstance(exponent, int) and not isinstance(exponent, bool) and exponent >= 0:
        return jnp.power(self, exponent)  # exact integer powers (x**2 is x*x)
    return jnp.power(self, jnp.asarray(exponent, self.dtype))


def lerp_forward(self, end, weight):
    import jax.numpy as jnp

    # torch's lerp: two formulas to stay exact at both ends.
    return jnp.where(jnp.abs(weight) < 0.5, self + weight * (end - self),
                     end - (end - self) * (1 - weight))


def clamp_forward(self, min, max):  # noqa: A002
    import jax.numpy as jnp

    out = self
    if min is not None:
        out = jnp.maximum(out, jnp.asarray(min, self.dtype))
    if max is not None:
        out = jnp.minimum(out, jnp.asarray(max, self.dtype))
    return out


# --------------------------------------------------------------------- backward formulas
def minmax_backward(grad, self, other, masked):
    # torch: ties split the gradient evenly between both inputs.
    from . import pointwise as P

    return P.masked_fill(P.where(self == other, grad / 2, grad), masked, 0.0)


def clamp_backward(grad, self, min, max):  # noqa: A002
    from . import pointwise as P

    if min is not None and max is not None:
        return P.where((self >= min).logical_and(self <= max), grad, 0.0)
    if min is not None:
        return P.where(self >= min, grad, 0.0)
    if max is not None:
        return P.where(self <= max, grad, 0.0)
    return grad


def gelu_backward(grad, self, approximate):
    import math

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
    from . import pointwise as P

    z = (self * beta).exp()
    return P.where(self * beta > threshold, grad, grad * z / (z + 1.0))


def elu_backward(grad, self, alpha, scale, input_scale):
    from . import pointwise as P

    negative = grad * input_scale * scale * alpha * (self * input_scale).exp()
    return P.where(self > 0, grad * scale, negative)
