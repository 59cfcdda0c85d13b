"""More discrete distributions and the relaxed categoricals. Match torch's Geometric,
Binomial, NegativeBinomial, Multinomial, OneHotCategoricalStraightThrough,
ExpRelaxedCategorical and RelaxedOneHotCategorical: torch's formulas for log_prob, entropy and
moments (so values and gradients equal torch's), torch's validation, `expand`. Samples come from
tapegrad's default generator (reproducible per seed, not torch's values)."""

from __future__ import annotations

import functools
import math
from numbers import Number

import jax

from .._compilation_cache import jit as _cc_jit
from .. import _dtype, _x64, ops
from .. import random as _random
from .._grad_mode import no_grad
from ..nn import functional as F
from ..tensor import Size, Tensor, arange, full_like, ones_like, tensor, zeros, zeros_like
from . import constraints
from .continuous import Gamma
from .discrete import _BOTH, Categorical, OneHotCategorical, Poisson
from .distribution import Distribution
from .kl import register_kl
from .transformed_distribution import TransformedDistribution
from .transforms import ExpTransform
from .utils import (
    broadcast_all,
    categorical_sample,
    clamp_probs,
    finfo,
    lazy_property,
    lgamma,
    logits_to_probs,
    poisson_sample,
    probs_to_logits,
    uniform,
)

__all__ = ["Geometric", "Binomial", "NegativeBinomial", "Multinomial",
           "OneHotCategoricalStraightThrough", "ExpRelaxedCategorical",
           "RelaxedOneHotCategorical"]

_NEG_INF = float("-inf")


def _checked_instance(self, cls, _instance=None):
    """torch's Distribution._get_checked_instance."""
    if _instance is None and type(self).__init__ != cls.__init__:
        raise NotImplementedError(
            f"Subclass {self.__class__.__name__} of {cls.__name__} that defines a custom "
            "__init__ method must also define a custom .expand() method.")
    return self.__new__(type(self)) if _instance is None else _instance


def _finish_expand(new, batch_shape, event_shape, validate_args) -> None:
    Distribution.__init__(new, batch_shape, event_shape, validate_args=False)
    new._validate_args = validate_args


def _expand_categorical(cat: Categorical, batch_shape) -> Categorical:
    """torch's Categorical.expand (tapegrad's Categorical has none)."""
    new = cat.__new__(type(cat))
    batch_shape = Size(batch_shape)
    param_shape = tuple(batch_shape) + (cat._num_events,)
    if "probs" in cat.__dict__:
        new.probs = cat.probs.expand(param_shape)
        new._param = new.probs
    if "logits" in cat.__dict__:
        new.logits = cat.logits.expand(param_shape)
        new._param = new.logits
    new._num_events = cat._num_events
    _finish_expand(new, batch_shape, Size(), cat._validate_args)
    return new


def _broadcast_all(*values):
    """utils.broadcast_all through broadcast_tensors, as torch's: tensors already of the
    broadcast shape come back as they are (torch's reprs show them without an expand node)."""
    if not all(isinstance(v, (Tensor, Number)) for v in values):
        return broadcast_all(*values)  # torch's ValueError
    dt = next((v.dtype for v in values if isinstance(v, Tensor)), _dtype.get_default_dtype())
    return tuple(ops.broadcast_tensors(*(v if isinstance(v, Tensor) else tensor(v, dtype=dt)
                                         for v in values)))


def _clamp_by_zero(x: Tensor) -> Tensor:
    # clamp(x, min=0) whose gradient at 0 is 0.5, as torch's Binomial.
    return (x.clamp(min=0) + x - x.clamp(max=0)) / 2


@functools.partial(_cc_jit, static_argnames=("shape",))
def _binomial(key, count, probs, shape):
    return jax.random.binomial(key, count, probs, shape=shape).astype(probs.dtype)


@_x64.scoped
def _binomial_sample(count: Tensor, probs: Tensor) -> Tensor:
    key = _random.default_generator._next()
    return Tensor._make(_binomial(key, count.detach().jax(), probs.detach().jax(),
                                  tuple(probs.shape)))


class Geometric(Distribution):
    """Geometric(probs=None, logits=None): failures before the first success."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs=None, logits=None, validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError(_BOTH)
        if probs is not None:
            (self.probs,) = _broadcast_all(probs)
        else:
            (self.logits,) = _broadcast_all(logits)
        given = probs if probs is not None else logits
        batch_shape = Size() if isinstance(given, Number) else given.size()
        super().__init__(batch_shape, validate_args=validate_args)
        if self._validate_args and probs is not None:
            value = self.probs
            valid = value > 0
            if not bool(valid.all().item()):
                invalid_value = value.detach()[~valid]
                raise ValueError(
                    "Expected parameter probs "
                    f"({type(value).__name__} of shape {tuple(value.shape)}) "
                    f"of distribution {repr(self)} "
                    f"to be positive but found invalid values:\n{invalid_value}")

    def expand(self, batch_shape, _instance=None):
        new = _checked_instance(self, Geometric, _instance)
        batch_shape = Size(batch_shape)
        if "probs" in self.__dict__:
            new.probs = self.probs.expand(tuple(batch_shape))
        if "logits" in self.__dict__:
            new.logits = self.logits.expand(tuple(batch_shape))
        _finish_expand(new, batch_shape, Size(), self._validate_args)
        return new

    @property
    def mean(self) -> Tensor:
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        return zeros_like(self.probs)

    @property
    def variance(self) -> Tensor:
        return (1.0 / self.probs - 1.0) / self.probs

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits, is_binary=True)

    def sample(self, sample_shape=Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        tiny = float(finfo(self.probs.dtype).tiny)
        with no_grad():
            u = uniform(shape, self.probs.dtype).clamp(min=tiny)
            return (u.log() / (-self.probs).log1p()).floor()

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value, probs = _broadcast_all(value, self.probs)
        # torch zeroes these entries of a clone in place: no gradient flows through them.
        probs = ops.where((probs == 1) & (value == 0), zeros_like(probs), probs)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self):
        return F.binary_cross_entropy_with_logits(self.logits, self.probs,
                                                  reduction="none") / self.probs


class _CountAndProbs(Distribution):
    """Binomial's and NegativeBinomial's parameters: a count and probs or logits, broadcast
    together (the count cast to their dtype), and their `expand`, as torch's."""

    def _init_count(self, total_count, probs, logits, validate_args) -> None:
        if (probs is None) == (logits is None):
            raise ValueError(_BOTH)
        if probs is not None:
            self.total_count, self.probs = _broadcast_all(total_count, probs)
            self.total_count = self.total_count.type_as(self.probs)
        else:
            self.total_count, self.logits = _broadcast_all(total_count, logits)
            self.total_count = self.total_count.type_as(self.logits)
        self._param = self.probs if probs is not None else self.logits
        super().__init__(self._param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        # (torch's check names the public class: Binomial or NegativeBinomial.)
        public = next(c for c in type(self).__mro__ if c.__bases__ == (_CountAndProbs,))
        new = _checked_instance(self, public, _instance)
        batch_shape = Size(batch_shape)
        new.total_count = self.total_count.expand(tuple(batch_shape))
        if "probs" in self.__dict__:
            new.probs = self.probs.expand(tuple(batch_shape))
            new._param = new.probs
        if "logits" in self.__dict__:
            new.logits = self.logits.expand(tuple(batch_shape))
            new._param = new.logits
        _finish_expand(new, batch_shape, Size(), self._validate_args)
        return new


class Binomial(_CountAndProbs):
    """Binomial(total_count=1, probs=None, logits=None)."""

    arg_constraints = {"total_count": constraints.nonnegative_integer,
                       "probs": constraints.unit_interval, "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None,
                 validate_args: bool | None = None) -> None:
        self._init_count(total_count, probs, logits, validate_args)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> Size:
        return self._param.size()

    def sample(self, sample_shape=Size()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        with no_grad():
            return _binomial_sample(self.total_count.expand(shape), self.probs.expand(shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        log_factorial_n = lgamma(self.total_count + 1)
        log_factorial_k = lgamma(value + 1)
        log_factorial_nmk = lgamma(self.total_count - value + 1)
        # k log p + (n - k) log(1 - p) = k logit - n max(logit, 0) - n log1p(e^-|logit|)
        normalize_term = (self.total_count * _clamp_by_zero(self.logits)
                          + self.total_count * (-self.logits.abs()).exp().log1p()
                          - log_factorial_n)
        return value * self.logits - log_factorial_k - log_factorial_nmk - normalize_term

    def _homogeneous_count(self, what: str) -> int:
        total_count = int(self.total_count.max())
        if not self.total_count.min() == total_count:
            raise NotImplementedError(f"Inhomogeneous total count not supported by `{what}`.")
        return total_count

    def entropy(self):
        self._homogeneous_count("entropy")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(log_prob.exp() * log_prob).sum(0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        total_count = self._homogeneous_count("enumerate_support")
        values = arange(1 + total_count, dtype=self._param.dtype)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1,) + tuple(self._batch_shape))
        return values


class NegativeBinomial(_CountAndProbs):
    """NegativeBinomial(total_count, probs=None, logits=None): successes before
    total_count failures."""

    arg_constraints = {"total_count": constraints.greater_than_eq(0),
                       "probs": constraints.half_open_interval(0.0, 1.0),
                       "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, total_count, probs=None, logits=None,
                 validate_args: bool | None = None) -> None:
        self._init_count(total_count, probs, logits, validate_args)

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.logits.exp()

    @property
    def mode(self) -> Tensor:
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self) -> Tensor:
        return self.mean / (-self.logits).sigmoid()

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> Size:
        return self._param.size()

    @lazy_property
    def _gamma(self) -> Gamma:
        # Not validated: total_count may be zero.
        return Gamma(concentration=self.total_count, rate=(-self.logits).exp(),
                     validate_args=False)

    def sample(self, sample_shape=Size()) -> Tensor:
        with no_grad():
            rate = self._gamma.sample(sample_shape=sample_shape)
            return poisson_sample(rate)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        log_unnormalized_prob = (self.total_count * F.logsigmoid(-self.logits)
                                 + value * F.logsigmoid(self.logits))
        log_normalization = (-lgamma(self.total_count + value) + lgamma(1.0 + value)
                             + lgamma(self.total_count))
        # total_count == 0 and value == 0 has probability 1 (lgamma(0) is infinite).
        log_normalization = log_normalization.masked_fill(self.total_count + value == 0.0, 0.0)
        return log_unnormalized_prob - log_normalization


class _Multinomial(constraints.Constraint):
    """torch's constraints.multinomial: nonnegative counts summing to at most upper_bound."""

    is_discrete = True
    event_dim = 1

    def __init__(self, upper_bound) -> None:
        self.upper_bound = upper_bound

    def check(self, x):
        return (x >= 0).all(dim=-1) & (x.sum(dim=-1) <= self.upper_bound)


class Multinomial(Distribution):
    """Multinomial(total_count=1, probs=None, logits=None): category counts of total_count
    draws."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count: int = 1, probs=None, logits=None,
                 validate_args: bool | None = None) -> None:
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        self._binomial = Binomial(total_count=total_count, probs=self.probs)
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = _checked_instance(self, Multinomial, _instance)
        batch_shape = Size(batch_shape)
        new.total_count = self.total_count
        new._categorical = _expand_categorical(self._categorical, batch_shape)
        _finish_expand(new, batch_shape, self.event_shape, self._validate_args)
        return new

    @property
    def mean(self) -> Tensor:
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self):
        return _Multinomial(self.total_count)

    @property
    def logits(self) -> Tensor:
        return self._categorical.logits

    @property
    def probs(self) -> Tensor:
        return self._categorical.probs

    @property
    def param_shape(self) -> Size:
        return self._categorical.param_shape

    def sample(self, sample_shape=Size()) -> Tensor:
        sample_shape = tuple(sample_shape)
        with no_grad():
            draws = categorical_sample(self._categorical.probs.expand(
                tuple(self._batch_shape) + tuple(self._event_shape)),
                (self.total_count,) + sample_shape)
            # The draw axis last, then counted per category (torch's scatter_add_).
            draws = draws.permute(*range(1, draws.dim()), 0)
            counts = zeros(tuple(self._extended_shape(sample_shape)), dtype=draws.dtype)
            counts.scatter_add_(-1, draws, ones_like(draws))
        return counts.type_as(self.probs)

    def entropy(self):
        n = tensor(self.total_count)
        cat_entropy = self._categorical.entropy()
        # torch takes lgamma of the int64 count in float32; its float32 value is the
        # correctly rounded one (JAX's float32 gammaln can be 1 ulp off), taken on the host
        # from a Python int as torch's tensor(total_count) is.
        term1 = n * cat_entropy - tensor(math.lgamma(self.total_count + 1),
                                         dtype=_dtype.float32)
        support = self._binomial.enumerate_support(expand=False)[1:]
        binomial_probs = self._binomial.log_prob(support).exp()
        weights = lgamma(support + 1)
        term2 = (binomial_probs * weights).sum([0, -1])
        return term1 + term2

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = _broadcast_all(self.logits, value)
        log_factorial_n = lgamma(value.sum(-1) + 1)
        log_factorial_xs = lgamma(value + 1).sum(-1)
        # torch zeroes these entries of a clone in place: no gradient flows through them.
        logits = ops.where((value == 0) & (logits == _NEG_INF), zeros_like(logits), logits)
        log_powers = (logits * value).sum(-1)
        return log_factorial_n - log_factorial_xs + log_powers


class OneHotCategoricalStraightThrough(OneHotCategorical):
    """OneHotCategorical with the straight-through gradient estimator as rsample."""

    has_rsample = True

    def expand(self, batch_shape, _instance=None):
        new = _checked_instance(self, OneHotCategorical, _instance)
        batch_shape = Size(batch_shape)
        new._categorical = _expand_categorical(self._categorical, batch_shape)
        _finish_expand(new, batch_shape, self.event_shape, self._validate_args)
        return new

    def rsample(self, sample_shape=Size()) -> Tensor:
        samples = self.sample(sample_shape)
        probs = self._categorical.probs
        return samples + (probs - probs.detach())


class ExpRelaxedCategorical(Distribution):
    """ExpRelaxedCategorical(temperature, probs=None, logits=None): the log of a
    RelaxedOneHotCategorical point (Concrete / Gumbel-softmax in log space)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None,
                 validate_args: bool | None = None) -> None:
        self._categorical = Categorical(probs, logits)
        self.temperature = temperature
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = _checked_instance(self, ExpRelaxedCategorical, _instance)
        batch_shape = Size(batch_shape)
        new.temperature = self.temperature
        new._categorical = _expand_categorical(self._categorical, batch_shape)
        _finish_expand(new, batch_shape, self.event_shape,
                       self._validate_args)
        return new

    @property
    def param_shape(self) -> Size:
        return self._categorical.param_shape

    @property
    def logits(self) -> Tensor:
        return self._categorical.logits

    @property
    def probs(self) -> Tensor:
        return self._categorical.probs

    def rsample(self, sample_shape=Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        uniforms = clamp_probs(uniform(shape, self.logits.dtype))
        gumbels = -((-(uniforms.log())).log())
        scores = (self.logits + gumbels) / self.temperature
        return scores - scores.logsumexp(dim=-1, keepdim=True)

    def log_prob(self, value):
        K = self._categorical._num_events
        if self._validate_args:
            self._validate_sample(value)
        logits, value = _broadcast_all(self.logits, value)
        log_scale = lgamma(full_like(self.temperature, float(K))) \
            - self.temperature.log().mul(-(K - 1))
        score = logits - value.mul(self.temperature)
        score = (score - score.logsumexp(dim=-1, keepdim=True)).sum(-1)
        return score + log_scale


class RelaxedOneHotCategorical(TransformedDistribution):
    """RelaxedOneHotCategorical(temperature, probs=None, logits=None): reparameterizable
    points of the simplex (exp of an ExpRelaxedCategorical)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None,
                 validate_args: bool | None = None) -> None:
        base_dist = ExpRelaxedCategorical(temperature, probs, logits,
                                          validate_args=validate_args)
        super().__init__(base_dist, ExpTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = _checked_instance(self, RelaxedOneHotCategorical, _instance)
        batch_shape = Size(batch_shape)
        shape = tuple(batch_shape) + tuple(self.event_shape)
        for t in reversed(self.transforms):
            shape = tuple(t.inverse_shape(shape))
        base_batch_shape = shape[:len(shape) - len(self.base_dist.event_shape)]
        new.base_dist = self.base_dist.expand(base_batch_shape)
        new.transforms = self.transforms
        _finish_expand(new, batch_shape, self.event_shape,
                       self._validate_args)
        return new

    @property
    def temperature(self) -> Tensor:
        return self.base_dist.temperature

    @property
    def logits(self) -> Tensor:
        return self.base_dist.logits

    @property
    def probs(self) -> Tensor:
        return self.base_dist.probs


# ----------------------------------------------------------------------- KL pairs (torch's)


def _kl_inf(t: Tensor) -> Tensor:
    return full_like(t, float("inf"))


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p, q):
    if bool((p.total_count < q.total_count).any()):
        raise NotImplementedError("KL between Binomials where q.total_count > p.total_count "
                                  "is not implemented")
    kl = p.total_count * (p.probs * (p.logits - q.logits) + (-p.probs).log1p()
                          - (-q.probs).log1p())
    # torch writes inf in place where p.total_count > q.total_count: no gradient there.
    return ops.where(p.total_count > q.total_count, _kl_inf(kl), kl)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p, q):
    return -p.entropy() - (-q.probs).log1p() / p.probs - q.logits


@register_kl(Poisson, Binomial)
def _kl_poisson_binomial(p, q):
    return _kl_inf(p.rate)
