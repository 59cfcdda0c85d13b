"""Random samplers of the misc family: `multinomial`, `poisson`, `randint_like`.

They draw from tapegrad's generator (`random.py`: one key per draw, split from the stream, so
`tg.manual_seed` reproduces them and they trace under `jax.jit`); their values follow the same
distributions as torch's, not torch's streams. torch's argument errors are raised as torch's;
those that depend on the values (negative or non-finite probabilities, zero rows, negative
rates) are checked when the values are concrete (not under a JAX trace), as the indexing ops do.
"""

from __future__ import annotations

import functools
import operator
import warnings
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .._storage import value_checkable
from .. import _dtype, _errors, _x64
from .. import random as _random
from .._checks import user_stacklevel
from .._compilation_cache import jit as _cc_jit
from ..tensor import Tensor, from_jax, like_device
from .. import _device
from ._op import Op
from ._registry import public
from .tensor_api import _CPP_NAMES

__all__ = ["multinomial", "poisson", "randint_like"]


_concrete = value_checkable


def _int_arg(value: Any, name: str, arg: str, position: int) -> int:
    # torch's argument parser: an int (not a bool, not a float) where the schema says int.
    if isinstance(value, Tensor) and not value.dtype.is_floating_point and value.ndim == 0:
        return operator.index(value)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(_errors.ARGUMENT_TYPE.format(name=name, arg=arg, position=position,
                                                     expected="int",
                                                     type_name=type(value).__name__))
    return int(value)


# ------------------------------------------------------------------ multinomial
@functools.partial(_cc_jit, static_argnames=("n", "replacement"))
def _multinomial(key, probs, n, replacement):
    if probs.dtype in (jnp.float16, jnp.bfloat16):
        probs = probs.astype(jnp.float32)
    rows = probs.reshape(-1, probs.shape[-1])
    logits = jnp.log(rows)  # zero probabilities: -inf, never drawn
    if replacement:
        out = jax.random.categorical(key, logits, axis=-1, shape=(n, rows.shape[0])).T
    else:
        # Gumbel top-k: n draws without replacement, each in proportion to what is left.
        _, out = jax.lax.top_k(logits + jax.random.gumbel(key, logits.shape, logits.dtype), n)
    return out.reshape(probs.shape[:-1] + (n,)).astype(jnp.int64)


def _check_probabilities(a: np.ndarray, fast: bool) -> None:
    """torch's value checks: the fast path (no replacement, or one sample) looks at the whole
    tensor; the sampling kernel goes row by row, entry by entry."""
    rows = a.reshape(a.shape[0] if a.ndim == 2 else 1, a.shape[-1]).astype(np.float64)
    if fast:
        if not (np.all(rows < np.inf) and np.all(rows >= 0)):
            raise RuntimeError(_errors.MULTINOMIAL_INVALID)
        if np.any(rows.sum(-1) == 0):
            raise RuntimeError(_errors.MULTINOMIAL_SUM)
        return
    for row in rows:
        bad = ~(row >= 0) | ~np.isfinite(row)
        if bad.any():
            value = row[np.argmax(bad)]
            raise RuntimeError(_errors.MULTINOMIAL_NEGATIVE if not value >= 0
                               else _errors.MULTINOMIAL_NONFINITE)
        if not row.sum() > 0:
            raise RuntimeError(_errors.MULTINOMIAL_SUM)


@_x64.scoped
def _tensor_multinomial(self, num_samples, replacement=False, *, generator=None):
    """Matches `torch.Tensor.multinomial`."""
    return _sample(self, num_samples, replacement, generator, 1)


@public(method=_tensor_multinomial)
def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Matches `torch.multinomial` (in distribution: tapegrad's generator): `num_samples`
    category indices per row of `input` (weights, not necessarily normalized)."""
    return _sample(input, num_samples, replacement, generator, 2)


def _sample(input, num_samples, replacement, generator, position):
    n = _int_arg(num_samples, "multinomial", "num_samples", position)
    if input.ndim not in (1, 2):
        raise RuntimeError(_errors.MULTINOMIAL_DIM)
    if not input.dtype.is_floating_point:
        raise RuntimeError(_errors.MULTINOMIAL_DTYPE.format(dtype=input.dtype.scalar_name))
    if n <= 0:
        raise RuntimeError(_errors.MULTINOMIAL_N)
    categories = input.shape[-1]
    if not replacement and n > categories:
        raise RuntimeError(_errors.MULTINOMIAL_TOO_MANY)
    if categories > 2 ** 24:
        raise RuntimeError(_errors.MULTINOMIAL_CATEGORIES)
    a = input._storage.array
    shape = tuple(a.shape[:-1]) + (n,)
    if 0 in shape:  # (torch returns before looking at the values)
        return from_jax(jnp.zeros(shape, jnp.int64))
    if _concrete(a):
        _check_probabilities(np.asarray(a), fast=not replacement or n == 1)
    return from_jax(_multinomial(_random._gen(generator)._next(), a, n, bool(replacement)))


# ------------------------------------------------------------------ poisson
@_cc_jit
def _poisson(key, rate):
    lam = rate.astype(jnp.float32) if rate.dtype in (jnp.float16, jnp.bfloat16) else rate
    return jax.random.poisson(key, lam, lam.shape, dtype=jnp.int64).astype(rate.dtype)


# torch: `self: zeros_like(self)` (nothing saved; the gradient is a fresh zero tensor).
poisson_op = Op("poisson", "PoissonBackward0", lambda self, key: _poisson(key, self),
                inputs=("self", "key"), dtype_rule="keep",
                grad_version=1,  # torch's zeros_like is empty_like + zero_
                derivatives={"self": lambda grad: _zeros_like(grad)})


def _zeros_like(t: Tensor) -> Tensor:
    return Tensor._make(jnp.zeros(t._storage.array.shape, t._storage.array.dtype))


@public(method=False)
def poisson(input, generator=None):
    """Matches `torch.poisson` (in distribution): a Poisson sample per rate in `input`; its
    gradient is zero (PoissonBackward0)."""
    dt = input.dtype
    if not dt.is_floating_point:
        raise NotImplementedError(f"\"poisson_cpu\" not implemented for '{dt.scalar_name}'")
    a = input._storage.array
    if _concrete(a) and a.size and not bool(np.all(np.asarray(a, np.float64) >= 0)):
        raise RuntimeError(_errors.POISSON_RATE)
    key = Tensor._make(_random._gen(generator)._next())
    return poisson_op(input, key)


# ------------------------------------------------------------------ randint_like
# torch's names of its floating types in the precision warning, and their mantissa digits.
_FLOAT_BOUNDS = {"float32": ("float", 24), "float64": ("double", 53),
                 "float16": ("c10::Half", 11), "bfloat16": ("c10::BFloat16", 8)}


def _check_range(low: int, high: int, dt) -> None:
    """torch's check_from_to_in_range (DistributionTemplates.h)."""
    if low >= high:
        raise RuntimeError(_errors.RANDOM_RANGE.format(low=low, high=high))
    if dt.is_floating_point:
        name, digits = _FLOAT_BOUNDS.get(dt.name, (dt.name, 24))
        bound = 2 ** digits
        for what, value in (("from", low), ("to - 1", high - 1)):
            if not -bound <= value <= bound:
                warnings.warn(_errors.RANDOM_FLOAT_BOUNDS.format(what=what, digits=digits,
                                                                 name=name),
                              UserWarning, stacklevel=user_stacklevel())
        return
    if dt.is_complex:
        return
    info = (0, 1) if dt is _dtype.bool else (int(np.iinfo(dt.np).min), int(np.iinfo(dt.np).max))
    name = _CPP_NAMES.get(dt.name, dt.scalar_name)
    if not info[0] <= low <= info[1]:
        raise RuntimeError(_errors.RANDOM_FROM_BOUNDS.format(name=name))
    if not info[0] <= high - 1 <= info[1]:
        raise RuntimeError(_errors.RANDOM_TO_BOUNDS.format(name=name))


@functools.partial(_cc_jit, static_argnames=("shape", "dtype"))
def _randint(key, shape, dtype, low, high):
    return jax.random.randint(key, shape, low, high, jnp.int64).astype(dtype)


def _bound(value: Any) -> int:
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError("high must be a scalar tensor and on CPU")
        return int(value.item())
    return int(value)


def _bad_bounds(args: tuple) -> bool:
    return any(isinstance(a, bool) or not isinstance(a, (int, np.integer, Tensor)) for a in args)


@public(method=False)
def randint_like(input, low=0, high=None, *, generator=None, dtype=None, layout=None,
                 device=None, requires_grad=False, memory_format=None, pin_memory=False):
    """Matches `torch.randint_like`: integers in [low, high) (`randint_like(x, high)` or
    `randint_like(x, low, high)`), shaped as `input`, in its dtype unless `dtype` says."""
    given = (low,) if high is None else (low, high)
    if _bad_bounds(given):
        # torch's parser: no overload takes these (its text lists the types given).
        types = ", ".join(type(a).__name__ for a in (input, *given))
        raise TypeError(_errors.INVALID_ARGUMENTS.format(name="randint_like", types=types))
    if high is None:
        low, high = 0, low
    low, high = _bound(low), _bound(high)
    dt = dtype if dtype is not None else input.dtype
    _check_range(low, high, dt)
    array = _randint(_random._gen(generator)._next(), tuple(input.shape), dt.np,
                     jnp.int64(low), jnp.int64(high))
    dev = like_device(input, device, "randint_like")
    return from_jax(_device.place(array, dev, "randint_like"), requires_grad=requires_grad)
