"""Tensor queries, conversions and small utilities torch has as functions and methods
(`numel`, `is_nonzero`, `type`, `cpu`, `H`, `sum_to_size`, `fill_diagonal_`, `apply_`, the
random in-place fills, ...). None records a node of its own: each is a query, or a
composite of table ops that records the nodes torch records."""

from __future__ import annotations

import math
import warnings
from typing import Any

import jax.numpy as jnp
import numpy as np

from .. import _device, _dtype, _errors
from .. import _grad_mode as grad_mode
from .. import random as _random
from .._checks import wrap_dim
from .._storage import InferenceVersionCounter, is_contiguous_strides, strides_of
from ..tensor import Tensor, like_device, zeros
from ._registry import public
from .._checks import user_stacklevel

# ------------------------------------------------------------------ queries


@public(method=False)
def numel(input: Tensor) -> int:
    """Matches `torch.numel`."""
    return input.numel()


@public(method=False, name="is_floating_point")
def _is_floating_point(input: Tensor) -> bool:
    """Matches `torch.is_floating_point`."""
    return input.dtype.is_floating_point


@public
def is_signed(input: Tensor) -> bool:
    """Matches `torch.is_signed`."""
    return input.dtype.is_signed


@public
def is_nonzero(input: Tensor) -> bool:
    """Matches `torch.is_nonzero` (a host read, as torch's)."""
    n = input.numel()
    if n == 0:
        raise RuntimeError(_errors.BOOL_NO_VALUES)
    if n > 1:
        raise RuntimeError(_errors.BOOL_AMBIGUOUS)
    return bool(input.item())


@public
def is_same_size(input: Tensor, other: Tensor) -> bool:
    """Matches `torch.is_same_size`."""
    return tuple(input.shape) == tuple(other.shape)


@public
def is_inference(input: Tensor) -> bool:
    """Matches `torch.is_inference`: made in inference mode."""
    return type(input._vc) is InferenceVersionCounter


@public
def get_device(input: Tensor) -> int:
    """Matches `torch.get_device`/`torch.Tensor.get_device`: -1 on the CPU, else the device
    index."""
    dev = input.device
    return -1 if dev.type == "cpu" else (dev.index or 0)


@public(function=False)
def ndimension(input: Tensor) -> int:
    """Matches `torch.Tensor.ndimension`."""
    return input.ndim


@public(function=False, name="_is_view")
def _is_view(input: Tensor) -> bool:
    """Whether the tensor is a view (has a `_base`). Matches `torch.Tensor._is_view`."""
    return input._base is not None


@public(function=False, prop=True)
def nbytes(input: Tensor) -> int:
    """Matches `torch.Tensor.nbytes`."""
    return input.numel() * input.dtype.itemsize


@public(function=False, prop=True)
def itemsize(input: Tensor) -> int:
    """Matches `torch.Tensor.itemsize`."""
    return input.dtype.itemsize


_H_warned = False


@public(function=False, prop=True)
def H(input: Tensor) -> Tensor:  # noqa: N802
    """Matches `torch.Tensor.H`: the conjugate transpose of a matrix."""
    if input.ndim not in (0, 2):
        raise RuntimeError(_errors.H_NOT_MATRIX.format(ndim=input.ndim))
    if input.ndim == 0 and not _H_warned:
        # torch's TORCH_WARN_ONCE: once per process (tests/test_warn_once.py).
        globals()["_H_warned"] = True
        warnings.warn("Tensor.H is deprecated on 0-D tensors. Consider using x.conj().",
                      UserWarning, stacklevel=user_stacklevel())
    out = input.transpose(0, 1) if input.ndim == 2 else input
    return out.conj() if input.dtype.is_complex else out


@public(function=False, prop=True)
def mH(input: Tensor) -> Tensor:  # noqa: N802
    """Matches `torch.Tensor.mH`: the conjugate transpose of the last two dims."""
    if input.ndim < 2:
        raise RuntimeError("tensor.mH is only supported on matrices or batches of matrices. "
                           f"Got {input.ndim}-D tensor.")
    out = input.mT
    return out.conj() if input.dtype.is_complex else out


@public(function=False)
def stride(input: Tensor, dim: int | None = None) -> Any:
    """Matches `torch.Tensor.stride` (NOTE [Strides] in `_storage.py`)."""
    strides = strides_of(input._storage, tuple(input.shape))[0]
    if dim is None:
        return strides
    return strides[wrap_dim(dim, input.ndim, wrap_scalar=False)]


@public(function=False)
def storage_offset(input: Tensor) -> int:
    """Matches `torch.Tensor.storage_offset`."""
    return strides_of(input._storage, tuple(input.shape))[1]


@public(function=False)
def is_contiguous(input: Tensor, memory_format: Any = None) -> bool:
    """Matches `torch.Tensor.is_contiguous` (row-major; size-1 dims ignored)."""
    shape = tuple(input.shape)
    return is_contiguous_strides(shape, strides_of(input._storage, shape)[0])


# ------------------------------------------------------------------ conversions


@public(function=False)
def cpu(input: Tensor, memory_format: Any = None) -> Tensor:
    """Matches `torch.Tensor.cpu`: the tensor itself when it is on the CPU."""
    return input.to(_device.CPU)


@public(function=False)
def cuda(input: Tensor, device: Any = None, non_blocking: bool = False,
         memory_format: Any = None) -> Tensor:
    """Matches `torch.Tensor.cuda` (`device`: an index, a string or a device; None: the
    current CUDA device); without a GPU, torch's CPU build's AssertionError."""
    if device is None:
        dev = _device.device("cuda")
    elif isinstance(device, int) and not isinstance(device, bool):
        dev = _device.device(device)  # an index on the accelerator (torch's error without)
    elif isinstance(device, (str, _device.device)):
        dev = _device.parse(device)
    else:
        raise TypeError(_errors.CUDA_DEVICE_TYPE.format(got=type(device).__name__))
    if not _device.gpu_devices():
        raise AssertionError(_errors.NO_CUDA)
    return input.to(dev)


_LEGACY_TYPE_NAMES = {
    "float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
    "bfloat16": "BFloat16Tensor", "int64": "LongTensor", "int32": "IntTensor",
    "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor",
    "complex64": "ComplexFloatTensor", "complex128": "ComplexDoubleTensor",
}


@public(function=False, name="type")
def _type(input: Tensor, dtype: Any = None, non_blocking: bool = False) -> Any:
    """Matches `torch.Tensor.type`: the legacy type name, or a conversion to `dtype` (a dtype
    or a legacy name such as 'torch.DoubleTensor')."""
    if dtype is None:
        return "torch." + _LEGACY_TYPE_NAMES[input.dtype.name]
    if isinstance(dtype, str):
        by_name = {f"torch.{v}": k for k, v in _LEGACY_TYPE_NAMES.items()}
        if dtype not in by_name:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = getattr(_dtype, by_name[dtype])
    elif not isinstance(dtype, _dtype.dtype):
        dtype = getattr(dtype, "dtype", dtype)
    return input if dtype is input.dtype else input.to(dtype)


def _to(dt_name: str):
    def convert(input: Tensor, memory_format: Any = None) -> Tensor:
        return input.to(getattr(_dtype, dt_name))
    return convert


cdouble = public(_to("complex128"), name="cdouble", function=False,
                 doc="Matches `torch.Tensor.cdouble`.")
cfloat = public(_to("complex64"), name="cfloat", function=False,
                doc="Matches `torch.Tensor.cfloat`.")


@public(method=False, name="detach")
def _detach(input: Tensor) -> Tensor:
    """Matches `torch.detach`."""
    return input.detach()


@public(method=False)
def empty_like(input: Tensor, *, dtype: Any = None, layout: Any = None, device: Any = None,
               requires_grad: bool = False, memory_format: Any = None,
               pin_memory: bool = False) -> Tensor:
    """Matches `torch.empty_like` (the values are zeros: JAX has no uninitialized memory)."""
    return zeros(tuple(input.shape), dtype=dtype or input.dtype,
                 device=like_device(input, device, "empty_like"),
                 requires_grad=requires_grad)


# ------------------------------------------------------------------ dunders


@public(name="__contains__", function=False, method=False, dunders=("__contains__",))
def _contains(input: Tensor, element: Any) -> bool:
    """Matches `torch.Tensor.__contains__`: `(element == self).any()`, a host read."""
    if not isinstance(element, (Tensor, int, float, bool, complex)):
        raise RuntimeError(_errors.CONTAINS_TYPE.format(type=type(element)))
    return bool((input == element).any().item())


@public(name="__reversed__", function=False, method=False, dunders=("__reversed__",))
def _reversed(input: Tensor) -> Tensor:
    """Matches `torch.Tensor.__reversed__`: flip along the first dim."""
    return input if input.ndim == 0 else input.flip(0)


@public(name="__long__", function=False, method=False, dunders=("__long__",))
def _long(input: Tensor) -> int:
    """Matches `torch.Tensor.__long__` (`int(t)`)."""
    return int(input)


@public(name="__complex__", function=False, method=False, dunders=("__complex__",))
def _complex(input: Tensor) -> complex:
    """Matches `torch.Tensor.__complex__`."""
    if input.numel() != 1:
        raise ValueError(_errors.ONE_ELEMENT_SCALAR)
    return complex(input.item())


@public(name="__nonzero__", function=False, method=False, dunders=("__nonzero__",))
def _nonzero(input: Tensor) -> bool:
    """Matches `torch.Tensor.__nonzero__` (Python 2's `__bool__`)."""
    return bool(input)


@public(name="__div__", function=False, method=False, dunders=("__div__",))
def _div(input: Tensor, other: Any) -> Tensor:
    """Matches `torch.Tensor.__div__`: true division."""
    return input / other


@public(name="__rdiv__", function=False, method=False, dunders=("__rdiv__",))
def _rdiv(input: Tensor, other: Any) -> Tensor:
    """Matches `torch.Tensor.__rdiv__`."""
    return other / input


@public(name="__idiv__", function=False, method=False, dunders=("__idiv__",))
def _idiv(input: Tensor, other: Any) -> Tensor:
    """Matches `torch.Tensor.__idiv__`: in-place true division."""
    return input.div_(other)


# ------------------------------------------------------------------ utilities


@public(function=False)
def sum_to_size(input: Tensor, *size: Any) -> Tensor:
    """Matches `torch.Tensor.sum_to_size`: sum broadcast dims away down to `size`."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    shape = tuple(input.shape)
    lead = len(shape) - len(size)
    ok = lead >= 0 and all(s == 1 or s == d for s, d in zip(size, shape[lead:]))
    if not ok:
        raise RuntimeError(_errors.SUM_TO_SIZE.format(
            size=", ".join(map(str, size)), shape=", ".join(map(str, shape))))
    if tuple(size) == shape:
        return input
    dims = list(range(lead)) + [lead + i for i, s in enumerate(size)
                                if s == 1 and shape[lead + i] != 1]
    out = input.sum(dims, keepdim=True)
    return out.reshape(size) if lead else out


@public(function=False)
def fill_diagonal_(input: Tensor, fill_value: Any, wrap: bool = False) -> Tensor:
    """Matches `torch.Tensor.fill_diagonal_`: writes through diagonal views (CopySlices)."""
    if input.ndim < 2:
        raise RuntimeError(_errors.FILL_DIAGONAL_DIMS)
    if input.ndim > 2 and len(set(input.shape)) != 1:
        raise RuntimeError(_errors.FILL_DIAGONAL_SIZES)
    if input.ndim > 2:
        # Every dim equal: the positions (i, i, ..., i), written as one masked fill.
        n = input.shape[0]
        mask = jnp.zeros(input.shape, bool).at[(jnp.arange(n),) * input.ndim].set(True)
        return input.masked_fill_(Tensor._make(mask), fill_value)
    rows, cols = input.shape
    size = min(rows, cols)
    input[:size].diagonal().fill_(fill_value)
    if wrap and rows > cols + 1:
        # torch fills the wrapped positions (a diagonal every cols + 1 rows, along the flat
        # storage) with a second write: one more version bump. Written here as one masked
        # fill (MaskedFillBackward0 where torch shows CopySlices of an as_strided view).
        flat = jnp.arange(rows * cols).reshape(rows, cols)
        mask = (flat % (cols + 1) == 0) & (flat >= size * (cols + 1))
        input.masked_fill_(Tensor._make(mask), fill_value)
    return input


@public(function=False)
def apply_(input: Tensor, callable: Any) -> Tensor:  # noqa: A002
    """Matches `torch.Tensor.apply_`: a Python function on every element (on the host)."""
    if input.requires_grad and grad_mode.is_grad_enabled():
        raise RuntimeError(_errors.APPLY_REQUIRES_GRAD.format(name="apply_"))
    values = np.asarray(input.detach().numpy())
    out = np.vectorize(callable, otypes=[values.dtype])(values) if values.size else values
    input._storage.array = jnp.asarray(out, values.dtype)
    return input


@public(function=False)
def map_(input: Tensor, tensor: Tensor, callable: Any) -> Tensor:  # noqa: A002
    """Matches `torch.Tensor.map_`: `callable(a, b)` over `self` and broadcast `tensor`."""
    if input.requires_grad and grad_mode.is_grad_enabled():
        raise RuntimeError(_errors.APPLY_REQUIRES_GRAD.format(name="map_"))
    a = np.asarray(input.detach().numpy())
    b = np.broadcast_to(np.asarray(tensor.detach().numpy()), a.shape)
    out = np.vectorize(callable, otypes=[a.dtype])(a, b) if a.size else a
    input._storage.array = jnp.asarray(out, a.dtype)
    return input


# ------------------------------------------------------------------ random fills

# torch's dtype texts of its continuous distributions' kernels (the dtype's C++ name).
_CPP_NAMES = {"int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
              "uint8": "unsigned char", "bool": "bool"}


def _fill_random(input: Tensor, name: str, sample, dist: str | None = None,
                 long_name: bool = False, generator: Any = None) -> Tensor:
    dt = input.dtype
    if not (dt.is_floating_point or dt.is_complex):
        if dist is None:
            raise NotImplementedError(f'"{name}_cpu" not implemented for \'{dt.scalar_name}\'')
        cpp = dt.scalar_name if long_name else _CPP_NAMES.get(dt.name, dt.scalar_name)
        raise RuntimeError(_errors.CONTINUOUS_DTYPE.format(dist=dist, name=cpp))
    key = _random._gen(generator)._next()
    return _random._write_random(input, sample(key, tuple(input.shape),
                                               input._storage.array.dtype))


@public(function=False)
def exponential_(input: Tensor, lambd: float = 1.0, *, generator: Any = None) -> Tensor:
    """Matches `torch.Tensor.exponential_` (in distribution: JAX's generator)."""
    import jax

    if lambd <= 0:
        raise RuntimeError(_errors.EXPONENTIAL_LAMBDA.format(lambd=f"{lambd:g}"))
    return _fill_random(input, "exponential_", lambda k, s, d: (
        jax.random.exponential(k, s, d) / lambd), "Exponential", long_name=True, generator=generator)


@public(function=False)
def cauchy_(input: Tensor, median: float = 0.0, sigma: float = 1.0, *,
            generator: Any = None) -> Tensor:
    """Matches `torch.Tensor.cauchy_` (in distribution)."""
    import jax

    return _fill_random(input, "cauchy_", lambda k, s, d: (
        median + sigma * jax.random.cauchy(k, s, d)), "Cauchy", generator=generator)


@public(function=False)
def log_normal_(input: Tensor, mean: float = 1.0, std: float = 2.0, *,
                generator: Any = None) -> Tensor:
    """Matches `torch.Tensor.log_normal_` (in distribution)."""
    import jax

    return _fill_random(input, "log_normal", lambda k, s, d: jnp.exp(
        mean + std * jax.random.normal(k, s, d)), generator=generator)


@public(function=False)
def geometric_(input: Tensor, p: float, *, generator: Any = None) -> Tensor:
    """Matches `torch.Tensor.geometric_` (in distribution: trials to the first success)."""
    import jax

    if not 0 < p < 1:
        raise RuntimeError(_errors.GEOMETRIC_P.format(p=p))
    key = _random._gen(generator)._next()
    u = jax.random.uniform(key, tuple(input.shape), jnp.float64)
    values = jnp.floor(jnp.log1p(-u) / math.log1p(-p)) + 1
    return _random._write_random(input, values.astype(input._storage.array.dtype))


@public(function=False)
def random_(input: Tensor, from_: int = 0, to: int | None = None, *,
            generator: Any = None) -> Tensor:
    """Matches `torch.Tensor.random_` (in distribution): integers in [from, to), or
    [0, 2**mantissa] for floats without bounds."""
    import jax

    if to is None:
        if from_ != 0:
            from_, to = 0, from_
        else:
            dt = input.dtype
            to = (2 ** (np.finfo(dt.np).nmant + 1) if dt.is_floating_point
                  else int(np.iinfo(dt.np).max) if dt is not _dtype.bool else 2)
    if from_ >= to:
        raise RuntimeError(_errors.RANDOM_RANGE.format(low=from_, high=to))
    key = _random._gen(generator)._next()
    values = jax.random.randint(key, tuple(input.shape), from_, to, jnp.int64)
    return _random._write_random(input, values.astype(input._storage.array.dtype))
