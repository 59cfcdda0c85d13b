"""Helpers shared by the distributions. Match `torch.distributions.utils`."""

from __future__ import annotations

import functools
from numbers import Number

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np

from .. import _dtype, ops
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


def _standard_gamma_fn(key, alpha):
    key = jax.random.wrap_key_data(key.astype(jnp.uint32), impl="threefry2x32")
    sample = jax.random.gamma(key, alpha)
    return sample.astype(alpha.dtype)


_standard_gamma_jax = jax_function(_standard_gamma_fn, name="standard_gamma",
                                   node="StandardGammaBackward0")


def _key() -> Tensor:
    # The key's two uint32 words, carried as int64 (a non-differentiable input).
    k = jax.random.key_data(_random.default_generator._next())
    return Tensor._make(k.astype(jnp.int64))


def standard_gamma(alpha: Tensor) -> Tensor:
    """Gamma(alpha, 1) draws from tapegrad's default generator; differentiable in alpha
    (JAX's implicit reparameterization, as torch's `_standard_gamma_grad`)."""
    return _standard_gamma_jax(_key(), alpha)


def standard_normal(shape, dtype) -> Tensor:
    return _random.randn(*shape, dtype=dtype) if shape else _random.randn((), dtype=dtype)


def uniform(shape, dtype, low: float = 0.0, high: float = 1.0) -> Tensor:
    u = _random.rand(*shape, dtype=dtype) if shape else _random.rand((), dtype=dtype)
    return u * (high - low) + low if (low, high) != (0.0, 1.0) else u


def categorical_sample(probs: Tensor, sample_shape: tuple) -> Tensor:
    key = _random.default_generator._next()
    logits = jnp.log(probs.detach().jax())
    out = jax.random.categorical(key, logits, axis=-1,
                                 shape=tuple(sample_shape) + tuple(probs.shape[:-1]))
    return Tensor._make(out.astype(jnp.int64))


def poisson_sample(rate: Tensor) -> Tensor:
    key = _random.default_generator._next()
    out = jax.random.poisson(key, rate.detach().jax(), shape=tuple(rate.shape))
    return Tensor._make(out.astype(rate.detach().jax().dtype))


def bernoulli_sample(probs: Tensor) -> Tensor:
    return _random.bernoulli(probs.detach())
