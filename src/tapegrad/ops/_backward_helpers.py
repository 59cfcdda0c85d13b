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
