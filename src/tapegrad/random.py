"""Random numbers: `Generator` over JAX PRNG keys, `manual_seed`, and the random factories.

Mirrors `torch.random` (and the random functions torch keeps at top level). A `Generator` holds a
JAX key; every draw splits it (new key, sample key) and samples, in one cached jitted call, so a
draw never syncs with the host. Streams are reproducible run to run for the same seed and the
same sequence of draws; they are not bit-equal to torch's Philox/MT19937 streams (nobody
expects that, and tests that need equal values copy torch's tensors over).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ._compilation_cache import jit as _cc_jit
from . import _bind, _device, _dtype, _errors, _x64
from ._storage import LOWERING
from ._dtype import dtype as DType
from .tensor import Tensor, _sizes, device, from_jax, like_device

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed",
           "get_rng_state", "set_rng_state", "rand", "rand_like", "randn", "randn_like",
           "randint", "randperm", "bernoulli", "normal"]

# torch.default_generator's initial seed before any manual_seed.
_DEFAULT_SEED = 67280421310721
_U64 = 1 << 64


def _check_seed(seed: int) -> int:
    # torch: any int in [-2**63, 2**64); a negative seed is taken modulo 2**64.
    seed = int(seed)
    if not -(1 << 63) <= seed < _U64:
        raise ValueError("Overflow when unpacking long long")
    return seed % _U64


def _key_for(seed: int) -> jax.Array:
    # A threefry key from all 64 bits of the seed (jax.random.PRNGKey folds an int64).
    # device_put, not jnp.asarray: no XLA program to compile (this runs at import).
    hi, lo = seed >> 32, seed & 0xFFFF_FFFF
    return jax.device_put(np.array([hi, lo], dtype=np.uint32))


class Generator:
    """A random stream over a JAX PRNG key. Matches `torch.Generator` (CPU).

    >>> import tapegrad as tg
    >>> g = tg.Generator().manual_seed(3)
    >>> a = tg.rand(2, generator=g); _ = g.manual_seed(3)
    >>> bool((tg.rand(2, generator=g) == a).all())
    True
    """

    def __init__(self, device: Any = "cpu") -> None:
        self._initial_seed = _DEFAULT_SEED
        self._key = _key_for(_DEFAULT_SEED)

    @property
    def device(self):
        return device("cpu")

    def manual_seed(self, seed: int) -> Generator:
        """Reset the stream from `seed`; returns the generator, as torch does."""
        seed = _check_seed(seed)
        self._initial_seed = seed
        self._key = _key_for(seed)
        return self

    def seed(self) -> int:
        """Seed from OS entropy and return the seed."""
        s = int.from_bytes(os.urandom(8), "little") & 0x7FFF_FFFF_FFFF_FFFF
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._initial_seed

    def get_state(self) -> Tensor:
        """The stream state as a uint8 tensor (the key's bytes; not torch's layout)."""
        raw = np.asarray(self._key).astype("<u4").tobytes()
        return _leaf(jnp.asarray(np.frombuffer(raw, dtype=np.uint8).copy()), False)

    def set_state(self, new_state: Tensor) -> Generator:
        raw = np.asarray(new_state.jax(), dtype=np.uint8).tobytes()
        if len(raw) != 8:
            raise RuntimeError("Expected a state of 8 bytes, as returned by get_state()")
        self._key = jnp.asarray(np.frombuffer(raw, dtype="<u4").copy())
        return self

    def _next(self) -> jax.Array:
        """The key for one draw; advances the stream. Traceable (no host round trip)."""
        if VMAP_RANDOMNESS:
            frame = VMAP_RANDOMNESS[-1]
            if frame[0] == "error":
                raise RuntimeError(_errors.VMAP_RANDOM_ERROR)
            if frame[0] == "different":
                frame[1], sub = _split(frame[1])  # the per-example key (batched by jax.vmap)
                return sub
        if LOWERING.levels and not isinstance(self._key, jax.core.Tracer):
            # A tg.func trace stages every op (NOTE [Lowered tg.func levels]): the stream
            # advances now, outside it, and the draw's key enters it as a constant.
            with jax.ensure_compile_time_eval():
                self._key, sub = _split(self._key)
            return sub
        self._key, sub = _split(self._key)
        return sub


# NOTE [Randomness under vmap]: torch.func.vmap's `randomness`. While `tg.func.vmap` traces
# its function, the innermost call's [mode, key] is on this stack: "error" makes every draw
# raise torch's error; "different" draws from a key that vmap passes in batched (one key per
# example, split from the default generator once per call), so rows differ; "same" draws
# from the stream as outside vmap (one unbatched draw, so rows agree).
VMAP_RANDOMNESS: list[list] = []


@_cc_jit
def _split(key):
    keys = jax.random.split(jax.random.wrap_key_data(key, impl="threefry2x32"))
    return jax.random.key_data(keys[0]), keys[1]


default_generator = Generator()


@_x64.scoped
def manual_seed(seed: int) -> Generator:
    """Seed the default generator. Matches `torch.manual_seed` (returns the generator)."""
    return default_generator.manual_seed(seed)


@_x64.scoped
def seed() -> int:
    """Seed the default generator from OS entropy. Matches `torch.seed`."""
    return default_generator.seed()


def initial_seed() -> int:
    """Matches `torch.initial_seed`."""
    return default_generator.initial_seed()


@_x64.scoped
def get_rng_state() -> Tensor:
    """Matches `torch.get_rng_state` (the state's bytes are tapegrad's own)."""
    return default_generator.get_state()


@_x64.scoped
def set_rng_state(new_state: Tensor) -> None:
    """Matches `torch.set_rng_state`."""
    default_generator.set_state(new_state)


def _gen(generator: Generator | None) -> Generator:
    return default_generator if generator is None else generator


# ------------------------------------------------------------------ samplers (one jit each)
def _sample_dtype(dt) -> Any:
    # Half types are sampled in float32 and rounded, as JAX's samplers want >= 32 bits here.
    return jnp.float32 if dt in (jnp.float16, jnp.bfloat16) else dt


@functools.partial(_cc_jit, static_argnames=("shape", "dtype"))
def _uniform(key, shape, dtype, low, high):
    u = jax.random.uniform(key, shape, _sample_dtype(dtype))
    return (low + (high - low) * u).astype(dtype)


@functools.partial(_cc_jit, static_argnames=("shape", "dtype"))
def _normal(key, shape, dtype, mean, std):
    return (mean + std * jax.random.normal(key, shape, _sample_dtype(dtype))).astype(dtype)


@functools.partial(_cc_jit, static_argnames=("shape", "dtype"))
def _randint(key, shape, dtype, low, high):
    return jax.random.randint(key, shape, low, high, jnp.int64).astype(dtype)


@functools.partial(_cc_jit, static_argnames=("n", "dtype"))
def _permutation(key, n, dtype):
    return jax.random.permutation(key, n).astype(dtype)


@_cc_jit
def _bernoulli(key, p):
    return jax.random.uniform(key, jnp.shape(p), jnp.float32 if p.dtype != jnp.float64
                              else jnp.float64) < p


def _size(size: Sequence[Any]) -> tuple[int, ...]:
    return _sizes(tuple(size))


def _float_dtype(dtype: DType | None) -> DType:
    dt = dtype if dtype is not None else _dtype.get_default_dtype()
    return dt


def _leaf(array, requires_grad: bool) -> Tensor:
    return from_jax(array, requires_grad=requires_grad)


@_x64.scoped
def rand(*size: Any, generator: Generator | None = None, dtype: DType | None = None,
         layout: Any = None, device: Any = None, requires_grad: bool = False,
         pin_memory: bool = False) -> Tensor:
    """Uniform samples in [0, 1). Matches `torch.rand`."""
    dt = _float_dtype(dtype)
    array = _uniform(_gen(generator)._next(), _size(size), dt.np, 0.0, 1.0)
    return _leaf(_device.place(array, device, "rand"), requires_grad)


@_x64.scoped
def randn(*size: Any, generator: Generator | None = None, dtype: DType | None = None,
          layout: Any = None, device: Any = None, requires_grad: bool = False,
          pin_memory: bool = False) -> Tensor:
    """Standard normal samples. Matches `torch.randn`."""
    dt = _float_dtype(dtype)
    array = _normal(_gen(generator)._next(), _size(size), dt.np, 0.0, 1.0)
    return _leaf(_device.place(array, device, "randn"), requires_grad)


@_x64.scoped
def rand_like(input: Tensor, *, dtype: DType | None = None, layout: Any = None,
              device: Any = None, requires_grad: bool = False,
              memory_format: Any = None, pin_memory: bool = False) -> Tensor:
    """Matches `torch.rand_like`."""
    return rand(tuple(input.shape), dtype=dtype or input.dtype,
                device=like_device(input, device, "rand_like"),
                requires_grad=requires_grad)


@_x64.scoped
def randn_like(input: Tensor, *, dtype: DType | None = None, layout: Any = None,
               device: Any = None, requires_grad: bool = False,
               memory_format: Any = None, pin_memory: bool = False) -> Tensor:
    """Matches `torch.randn_like`."""
    return randn(tuple(input.shape), dtype=dtype or input.dtype,
                 device=like_device(input, device, "randn_like"),
                 requires_grad=requires_grad)


@_x64.scoped
def randint(*args: Any, low: Any = None, high: Any = None, size: Any = None,
            generator: Generator | None = None, dtype: DType | None = None,
            layout: Any = None, device: Any = None, requires_grad: bool = False,
            pin_memory: bool = False) -> Tensor:
    """Integers in [low, high). `randint(high, size)` or `randint(low, high, size)`, any of
    them by keyword as in torch."""
    rest = list(args)
    if size is None and rest:
        size = rest.pop()
    if high is None and rest:
        high = rest.pop()
    if low is None:
        low = rest.pop() if rest else 0
    if rest or size is None or high is None:
        raise TypeError("randint() expects (high, size) or (low, high, size)")
    if not low < high:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    dt = dtype if dtype is not None else _dtype.int64
    array = _randint(_gen(generator)._next(), _size((size,)), dt.np, int(low), int(high))
    return _leaf(_device.place(array, device, "randint"), requires_grad)


@_x64.scoped
def randperm(n: int, *, generator: Generator | None = None, dtype: DType | None = None,
             layout: Any = None, device: Any = None, requires_grad: bool = False,
             pin_memory: bool = False) -> Tensor:
    """A random permutation of 0..n-1. Matches `torch.randperm`."""
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got{n}")
    dt = dtype if dtype is not None else _dtype.int64
    return _leaf(_device.place(_permutation(_gen(generator)._next(), int(n), dt.np), device,
                               "randperm"), requires_grad)


@_x64.scoped
def bernoulli(input: Tensor, p: float | None = None, *,
              generator: Generator | None = None) -> Tensor:
    """0/1 samples with probabilities `input` (or `p`); same dtype as input. No grad."""
    a = input.jax()
    probs = a if p is None else jnp.full(a.shape, p, a.dtype)
    return _leaf(_bernoulli(_gen(generator)._next(), probs).astype(a.dtype), False)


@_x64.scoped
def normal(mean: Tensor | float, std: Tensor | float = 1.0, size: Sequence[int] | None = None,
           *, generator: Generator | None = None, dtype: DType | None = None,
           device: Any = None, requires_grad: bool = False) -> Tensor:
    """Normal samples with (broadcast) `mean` and `std`. Matches `torch.normal` (no grad)."""
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if tensors:
        shape = jnp.broadcast_shapes(*(tuple(t.shape) for t in tensors))
        dt = tensors[0].dtype
    else:
        if size is None:
            raise TypeError("normal() with float mean and std needs a size")
        shape, dt = _size((size,)), _float_dtype(dtype)
    m = mean.jax() if isinstance(mean, Tensor) else mean
    s = std.jax() if isinstance(std, Tensor) else std
    z = _normal(_gen(generator)._next(), tuple(shape), dt.np, 0.0, 1.0)
    if not tensors:
        z = _device.place(z, device, "normal")
    return _leaf((m + s * z).astype(dt.np), requires_grad)


# ------------------------------------------------------------------ in-place Tensor methods
def _write_random(self: Tensor, array) -> Tensor:
    # Like torch's in-place random kernels: one write, one version bump, torch's error on a
    # leaf that requires grad (outside no_grad). On a non-leaf the new history is copy_'s
    # (CopyBackwards; torch shows NormalBackward0 etc.), with the same zero gradient.
    return self.copy_(from_jax(array))


def _check_float(self: Tensor, name: str) -> None:
    if not (self.dtype.is_floating_point or self.dtype.is_complex):
        raise RuntimeError(f'"{name}" not implemented for '
                           f"'{self.dtype.scalar_name}'")




@_x64.scoped
def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *,
            generator: Generator | None = None) -> Tensor:
    """Fill with normal samples. Matches `torch.Tensor.normal_`."""
    _check_float(self, "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    a = self.jax()
    return _write_random(self, _normal(_gen(generator)._next(), a.shape, a.dtype,
                                       float(mean), float(std)))


@_x64.scoped
def uniform_(self: Tensor, from_: float = 0.0, to: float = 1.0, *,
             generator: Generator | None = None, **kwargs: Any) -> Tensor:
    """Fill with uniform samples in [from, to). Matches `torch.Tensor.uniform_`."""
    from_ = kwargs.pop("from", from_)
    _check_float(self, "check_uniform_bounds")
    if from_ > to:
        raise RuntimeError(
            f"uniform_ expects to return a [from, to) range, but found from={from_} > to={to}")
    a = self.jax()
    return _write_random(self, _uniform(_gen(generator)._next(), a.shape, a.dtype,
                                        float(from_), float(to)))


@_x64.scoped
def bernoulli_(self: Tensor, p: float | Tensor = 0.5, *,
               generator: Generator | None = None) -> Tensor:
    """Fill with 0/1 samples of probability `p`. Matches `torch.Tensor.bernoulli_`."""
    a = self.jax()
    probs = (jnp.broadcast_to(p.jax(), a.shape) if isinstance(p, Tensor)
             else jnp.full(a.shape, p, jnp.float64))
    return _write_random(self, _bernoulli(_gen(generator)._next(), probs).astype(a.dtype))


@_x64.scoped
def _tensor_bernoulli(self: Tensor, p: float | None = None, *,
                      generator: Generator | None = None) -> Tensor:
    return bernoulli(self, p, generator=generator)


# Random Tensor methods belong with the generator, as the op methods belong with the table
# (NOTE [Registration point]).
_tensor_bernoulli.__name__ = _tensor_bernoulli.__qualname__ = "bernoulli"
_bind.attach(Tensor, __name__, normal_=normal_, uniform_=uniform_, bernoulli_=bernoulli_,
             bernoulli=_tensor_bernoulli)
