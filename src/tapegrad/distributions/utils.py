"""Helpers shared by the distributions. Match `torch.distributions.utils`."""

from __future__ import annotations

import functools
from numbers import Number

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np

from .._compilation_cache import jit as _cc_jit
from .. import _dtype, _x64, ops
from .. import random as _random
from ..nn import functional as F
from ..ops.from_jax import jax_function
from ..tensor import Tensor, tensor, zeros_like

__all__ = ["broadcast_all", "logits_to_probs", "probs_to_logits", "clamp_probs",
           "lazy_property", "finfo"]


def finfo(dt) -> np.finfo:
    return np.finfo(dt.np)


def broadcast_all(*values):
    """Numbers become tensors (of the first tensor's dtype, else the default dtype); all are
    broadcast to one shape."""
    if not all(isinstance(v, (Tensor, Number)) for v in values):
        raise ValueError("Input arguments must all be instances of Number, "
                         "torch.Tensor or objects implementing __torch_function__.")
    dt = next((v.dtype for v in values if isinstance(v, Tensor)), _dtype.get_default_dtype())
    values = [v if isinstance(v, Tensor) else tensor(v, dtype=dt) for v in values]
    shape = tuple(np.broadcast_shapes(*(tuple(v.shape) for v in values)))
    return tuple(v.expand(shape) for v in values)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    if is_binary:
        return logits.sigmoid()
    return F.softmax(logits, dim=-1)


def clamp_probs(probs: Tensor) -> Tensor:
    eps = float(finfo(probs.dtype).eps)
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    ps = clamp_probs(probs)
    if is_binary:
        return ps.log() - (-ps).log1p()
    return ps.log()


class lazy_property:  # noqa: N801 - torch's name
    """Computed on first access and cached on the instance."""

    def __init__(self, wrapped) -> None:
        self.wrapped = wrapped
        functools.update_wrapper(self, wrapped)

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return self
        value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


def _sum_rightmost(value: Tensor, dim: int) -> Tensor:
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:value.dim() - dim]) + (-1,)).sum(-1)


# lgamma / digamma: the table's ops where declared, else the generic path under torch's node
# names (values and derivatives are JAX's gammaln / digamma, whose derivatives are polygamma).
_lgamma_jax = jax_function(jsp.gammaln, name="lgamma", node="LgammaBackward0")
_digamma_jax = jax_function(jsp.digamma, name="digamma", node="DigammaBackward0")


def lgamma(x: Tensor) -> Tensor:
    op = getattr(ops, "lgamma", None)
    return op(x) if op is not None else _lgamma_jax(x)


def digamma(x: Tensor) -> Tensor:
    op = getattr(ops, "digamma", None)
    return op(x) if op is not None else _digamma_jax(x)


def xlogy(x: Tensor, y: Tensor | float) -> Tensor:
    op = getattr(ops, "xlogy", None)
    if op is not None:
        return op(x, y)
    y = y if isinstance(y, Tensor) else tensor(y, dtype=x.dtype)
    return ops.where(x == 0, zeros_like(x * y), x * y.log())


@_cc_jit
def _gamma_draw(key, alpha):
    key = jax.random.wrap_key_data(key, impl="threefry2x32")
    return jax.random.gamma(key, alpha).astype(alpha.dtype)


@jax.custom_jvp
def _gamma_reparam(alpha, x):
    return x


@_gamma_reparam.defjvp
def _gamma_reparam_jvp(primals, tangents):
    # Implicit reparameterization: dx/dalpha at the drawn x (torch's _standard_gamma_grad).
    alpha, x = primals
    d_alpha, d_x = tangents
    return x, jax.lax.random_gamma_grad(alpha, x) * d_alpha + d_x


_standard_gamma_jax = jax_function(_gamma_reparam, name="standard_gamma",
                                   node="StandardGammaBackward0")


@_x64.scoped
def standard_gamma(alpha: Tensor) -> Tensor:
    """Gamma(alpha, 1) draws from tapegrad's default generator; differentiable in alpha
    (implicit reparameterization, as torch's `_standard_gamma_grad`)."""
    key = jax.random.key_data(_random.default_generator._next())
    x = Tensor._make(_gamma_draw(key, alpha.detach().jax()))
    return _standard_gamma_jax(alpha, x)


@_x64.scoped
def standard_normal(shape, dtype) -> Tensor:
    return _random.randn(*shape, dtype=dtype) if shape else _random.randn((), dtype=dtype)


@_x64.scoped
def uniform(shape, dtype, low: float = 0.0, high: float = 1.0) -> Tensor:
    u = _random.rand(*shape, dtype=dtype) if shape else _random.rand((), dtype=dtype)
    return u * (high - low) + low if (low, high) != (0.0, 1.0) else u


@functools.partial(_cc_jit, static_argnames=("shape",))
def _categorical(key, probs, shape):
    return jax.random.categorical(key, jnp.log(probs), axis=-1, shape=shape).astype(jnp.int64)


@functools.partial(_cc_jit, static_argnames=("shape",))
def _poisson(key, rate, shape):
    return jax.random.poisson(key, rate, shape=shape).astype(rate.dtype)


@_x64.scoped
def categorical_sample(probs: Tensor, sample_shape: tuple) -> Tensor:
    key = _random.default_generator._next()
    shape = tuple(sample_shape) + tuple(probs.shape[:-1])
    return Tensor._make(_categorical(key, probs.detach().jax(), shape))


@_x64.scoped
def poisson_sample(rate: Tensor) -> Tensor:
    key = _random.default_generator._next()
    return Tensor._make(_poisson(key, rate.detach().jax(), tuple(rate.shape)))


@_x64.scoped
def bernoulli_sample(probs: Tensor) -> Tensor:
    return _random.bernoulli(probs.detach())
