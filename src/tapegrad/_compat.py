"""torch.* names outside the op table: default dtype and device, dtype information, the
legacy constructors (`tg.Tensor(2, 3)`, `tg.FloatTensor`), window functions, process-wide
settings torch exposes, and converters (`as_tensor`, `from_numpy`). Each matches the torch
function of the same name; where tapegrad cannot (no uninitialized memory, no shared NumPy
buffers), the docstring says what it does instead."""

from __future__ import annotations

import builtins
import math
import warnings
from collections.abc import Sequence
from typing import Any

import jax.numpy as jnp
import numpy as np

from . import _device, _dtype, _errors, _numerics, _x64
from .tensor import (Size, Tensor, check_ndarray, device, from_jax, full, legacy_new, tensor,
                     zeros)
from ._checks import user_stacklevel
from ._dtype import layout, strided  # (defined with the dtypes: `Tensor.layout` needs it)
from ._tensor_str import set_printoptions

__all__ = [
    "set_default_dtype", "set_default_device", "get_default_device", "as_tensor", "asarray",
    "from_numpy", "scalar_tensor", "empty_strided", "can_cast", "finfo", "iinfo",
    "broadcast_shapes", "typename", "range", "hann_window", "hamming_window",
    "blackman_window", "bartlett_window", "kaiser_window", "get_num_threads",
    "set_num_threads", "get_num_interop_threads", "set_num_interop_threads",
    "use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
    "is_deterministic_algorithms_warn_only_enabled", "set_deterministic_debug_mode",
    "get_deterministic_debug_mode", "set_float32_matmul_precision",
    "get_float32_matmul_precision", "is_storage", "set_warn_always", "is_warn_always_enabled",
    "layout", "strided", "memory_format", "contiguous_format", "preserve_format",
    "channels_last", "channels_last_3d", "LEGACY_TENSOR_TYPES",
    "set_default_tensor_type", "set_printoptions",
]


# ------------------------------------------------------------------ defaults


def set_default_dtype(d: _dtype.dtype) -> None:
    """Matches `torch.set_default_dtype` (float32 or float64; complex follows)."""
    if not isinstance(d, _dtype.dtype) or not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _dtype.set_default_dtype(d)


def set_default_device(device: Any) -> None:
    """Matches `torch.set_default_device`; asking for CUDA without a GPU raises at once
    (torch's CPU build raises at the next factory)."""
    _device.set_default(device)


def get_default_device() -> device:
    """Matches `torch.get_default_device`."""
    return _device.get_default()


# ------------------------------------------------------------------ converters


@_x64.scoped
def as_tensor(data: Any, dtype: _dtype.dtype | None = None, device: Any = None) -> Tensor:
    """Matches `torch.as_tensor`: the tensor itself when no conversion is needed. A NumPy
    array or a torch tensor is copied (torch shares a NumPy array's memory; a JAX array
    cannot alias a buffer its owner may write: `tg.from_dlpack` shares a torch tensor's)."""
    if isinstance(data, Tensor):
        return data.to(device, dtype)
    return tensor(data, dtype=dtype, device=device)


@_x64.scoped
def asarray(obj: Any, *, dtype: _dtype.dtype | None = None, device: Any = None,
            copy: bool | None = None, requires_grad: bool = False) -> Tensor:
    """Matches `torch.asarray`."""
    if isinstance(obj, Tensor):
        out = obj.to(device, dtype)
        if copy:
            out = out.clone()
        return out.requires_grad_(requires_grad) if requires_grad else out
    return tensor(obj, dtype=dtype, device=device, requires_grad=requires_grad)


@_x64.scoped
def from_numpy(ndarray: np.ndarray) -> Tensor:
    """Matches `torch.from_numpy`'s values and dtype; the data is copied (a JAX array never
    aliases a NumPy buffer that NumPy may write)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(_errors.FROM_NUMPY_TYPE.format(type_name=builtins.type(ndarray).__name__))
    check_ndarray(ndarray)
    return from_jax(jnp.array(ndarray, copy=True))


@_x64.scoped
def scalar_tensor(s: Any, *, dtype: _dtype.dtype | None = None, layout: Any = None,
                  device: Any = None, requires_grad: bool = False,
                  pin_memory: bool = False) -> Tensor:
    """Matches `torch.scalar_tensor` (default dtype: the default float)."""
    return full((), s, dtype=dtype or _dtype.get_default_dtype(), device=device,
                requires_grad=requires_grad)


@_x64.scoped
def empty_strided(size: Sequence[int], stride: Sequence[int], *,
                  dtype: _dtype.dtype | None = None, layout: Any = None, device: Any = None,
                  requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Matches `torch.empty_strided`'s shape and dtype (zeros, contiguous)."""
    return zeros(tuple(size), dtype=dtype, device=device, requires_grad=requires_grad)


# ------------------------------------------------------------------ dtype information


def can_cast(from_: _dtype.dtype, to: _dtype.dtype) -> bool:
    """Matches `torch.can_cast`: no float -> integral, complex -> real or non-bool -> bool."""
    def cat(d: _dtype.dtype) -> int:
        return 0 if d is _dtype.bool else 3 if d.is_complex else 2 if d.is_floating_point else 1

    return cat(from_) <= cat(to) and not (cat(to) == 0 and cat(from_) != 0)


class finfo:  # noqa: N801
    """Matches `torch.finfo`."""

    def __init__(self, type: _dtype.dtype | None = None) -> None:  # noqa: A002
        d = type if type is not None else _dtype.get_default_dtype()
        if not (d.is_floating_point or d.is_complex):
            raise TypeError("torch.finfo() requires a floating point input type. Use "
                            "torch.iinfo to handle 'torch.finfo'")
        info = np.finfo(d.np)
        self.bits = info.bits
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = float(info.resolution)
        self.dtype = (d.name if not d.is_complex else
                      {"complex64": "float32", "complex128": "float64"}[d.name])

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:  # noqa: N801
    """Matches `torch.iinfo`."""

    def __init__(self, type: _dtype.dtype) -> None:  # noqa: A002
        if type.is_floating_point or type.is_complex:
            raise TypeError("torch.iinfo() requires an integer input type. Use "
                            "torch.finfo to handle 'torch.iinfo'")
        info = np.iinfo(np.uint8 if type is _dtype.bool else type.np)
        self.bits = info.bits
        self.max = int(info.max)
        self.min = int(info.min)
        self.dtype = type.name

    def __repr__(self) -> str:
        return f"iinfo(min={float(self.min):g}, max={float(self.max):g}, dtype={self.dtype})"


def broadcast_shapes(*shapes: Any) -> Size:
    """Matches `torch.broadcast_shapes`."""
    result: list[int] = []
    for index, shape in enumerate(shapes):
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        for k in builtins.range(1, len(shape) + 1):
            size = shape[-k]
            if k > len(result):
                result.insert(0, size)
            elif result[-k] == 1:
                result[-k] = size
            elif size != 1 and size != result[-k]:
                raise RuntimeError(
                    f"Attempting to broadcast a dimension of length {size} at -{k}! "
                    f"Mismatching argument at index {index} had {shape}; but expected shape "
                    f"should be broadcastable to {list(result)}")
    return Size(result)


def typename(obj: Any) -> str:
    """Matches `torch.typename`."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    qualname = getattr(obj, "__qualname__", None) or builtins.type(obj).__qualname__
    if module in ("", "builtins") or not hasattr(obj, "__qualname__"):
        return builtins.type(obj).__qualname__ if not hasattr(obj, "__qualname__") else qualname
    return f"{module}.{qualname}"


@_x64.scoped
def range(start: float, end: float, step: float = 1, *,  # noqa: A001
          dtype: _dtype.dtype | None = None, layout: Any = None, device: Any = None,
          requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Matches `torch.range` (deprecated there too: the end is included)."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because "
                  "its behavior is inconsistent with Python's range builtin. Instead, use "
                  "torch.arange, which produces values in [start, end).", UserWarning,
                  stacklevel=user_stacklevel())
    n = int(math.floor((end - start) / step)) + 1
    dt = dtype or _dtype.get_default_dtype()
    values = np.arange(n, dtype=np.float64) * step + start
    return tensor(values.tolist(), dtype=dt, device=device, requires_grad=requires_grad)


# ------------------------------------------------------------------ windows


@_x64.scoped
def _window(name: str, values, window_length: int, dtype, requires_grad: bool,
            device: Any = None) -> Tensor:
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got "
                           f"window_length={window_length}")
    dt = dtype or _dtype.get_default_dtype()
    if not dt.is_floating_point:
        cpp = {"int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
               "uint8": "unsigned char", "bool": "bool"}.get(dt.name, dt.name)
        raise RuntimeError(
            f"{name} expects floating point dtypes, got: TensorOptions(dtype={cpp}, "
            "device=cpu, layout=Strided (default), requires_grad=false (default), "
            "pinned_memory=false, memory_format=(nullopt))")
    return tensor(np.asarray(values, np.float64).tolist(), dtype=dt, device=device,
                  requires_grad=requires_grad)


def _cosine(window_length: int, periodic: bool, coeffs: Sequence[float]) -> np.ndarray:
    if window_length == 0:
        return np.zeros(0)
    if window_length == 1:
        return np.ones(1)
    n = window_length + 1 if periodic else window_length
    k = np.arange(window_length, dtype=np.float64)
    out = np.zeros(window_length)
    for i, c in enumerate(coeffs):
        out += c * np.cos(2 * math.pi * i * k / (n - 1))
    return out


def hann_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None,
                device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Matches `torch.hann_window`."""
    return _window("hann_window", _cosine(window_length, periodic, (0.5, -0.5)),
                   window_length, dtype, requires_grad, device)


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54,
                   beta: float = 0.46, *, dtype=None, layout=None, device=None,
                   requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Matches `torch.hamming_window`."""
    return _window("hamming_window", _cosine(window_length, periodic, (alpha, -beta)),
                   window_length, dtype, requires_grad, device)


def blackman_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None,
                    device=None, requires_grad: bool = False,
                    pin_memory: bool = False) -> Tensor:
    """Matches `torch.blackman_window`."""
    return _window("blackman_window", _cosine(window_length, periodic, (0.42, -0.5, 0.08)),
                   window_length, dtype, requires_grad, device)


def bartlett_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None,
                    device=None, requires_grad: bool = False,
                    pin_memory: bool = False) -> Tensor:
    """Matches `torch.bartlett_window`."""
    if window_length <= 1:
        values = np.ones(window_length)
    else:
        n = window_length + 1 if periodic else window_length
        k = np.arange(window_length, dtype=np.float64)
        values = 1 - np.abs(2 * k / (n - 1) - 1)
    return _window("bartlett_window", values, window_length, dtype, requires_grad, device)


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *,
                  dtype=None, layout=None, device=None, requires_grad: bool = False,
                  pin_memory: bool = False) -> Tensor:
    """Matches `torch.kaiser_window`."""
    if window_length <= 1:
        values = np.ones(window_length)
    else:
        n = window_length + 1 if periodic else window_length
        k = np.arange(window_length, dtype=np.float64)
        ratio = 2 * k / (n - 1) - 1
        values = np.i0(beta * np.sqrt(np.clip(1 - ratio ** 2, 0, None))) / np.i0(beta)
    return _window("kaiser_window", values, window_length, dtype, requires_grad, device)


# ------------------------------------------------------------------ settings
# torch's process-wide switches. JAX on the CPU is deterministic, so most of these record the
# setting and report it back; the float32 matmul precision reaches the kernels
# (`_numerics.py`).
_settings: dict[str, Any] = {"threads": 1, "interop_threads": 1, "deterministic": False,
                             "warn_only": False, "warn_always": False}


def get_num_threads() -> int:
    """Matches `torch.get_num_threads` (the value last set; XLA manages its own pool)."""
    return _settings["threads"]


def set_num_threads(int: builtins.int) -> None:  # noqa: A002
    """Matches `torch.set_num_threads` (recorded; XLA manages its own thread pool)."""
    _settings["threads"] = builtins.int(int)


def get_num_interop_threads() -> int:
    """Matches `torch.get_num_interop_threads`."""
    return _settings["interop_threads"]


def set_num_interop_threads(int: builtins.int) -> None:  # noqa: A002
    """Matches `torch.set_num_interop_threads` (recorded)."""
    _settings["interop_threads"] = builtins.int(int)


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Matches `torch.use_deterministic_algorithms` (tapegrad's CPU kernels always are)."""
    _settings["deterministic"] = bool(mode)
    _settings["warn_only"] = bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    """Matches `torch.are_deterministic_algorithms_enabled`."""
    return _settings["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """Matches `torch.is_deterministic_algorithms_warn_only_enabled`."""
    return _settings["warn_only"]


def set_deterministic_debug_mode(debug_mode: int | str) -> None:
    """Matches `torch.set_deterministic_debug_mode`."""
    modes = {"default": 0, "warn": 1, "error": 2}
    mode = modes[debug_mode] if isinstance(debug_mode, str) else builtins.int(debug_mode)
    use_deterministic_algorithms(mode > 0, warn_only=mode == 1)


def get_deterministic_debug_mode() -> int:
    """Matches `torch.get_deterministic_debug_mode`."""
    if not _settings["deterministic"]:
        return 0
    return 1 if _settings["warn_only"] else 2


def set_float32_matmul_precision(precision: str) -> None:
    """Matches `torch.set_float32_matmul_precision`: matmul-family kernels run at this
    precision on a GPU (NOTE [Kernel precision]); an unknown name warns and changes nothing."""
    if not isinstance(precision, str):
        raise RuntimeError("set_float32_matmul_precision expects a str, but got "
                           f"{builtins.type(precision).__name__}")
    if precision not in ("highest", "high", "medium"):
        warnings.warn(_errors.MATMUL_PRECISION_UNKNOWN.format(precision=precision),
                      UserWarning, stacklevel=user_stacklevel())
        return
    _numerics.set_matmul(precision)


def get_float32_matmul_precision() -> str:
    """Matches `torch.get_float32_matmul_precision`."""
    return _numerics.get_matmul()


def is_storage(obj: Any) -> bool:
    """Matches `torch.is_storage` (tapegrad exposes no storage objects)."""
    return False


def set_warn_always(b: bool) -> None:
    """Matches `torch.set_warn_always`."""
    _settings["warn_always"] = bool(b)


def is_warn_always_enabled() -> bool:
    """Matches `torch.is_warn_always_enabled`."""
    return _settings["warn_always"]


# ------------------------------------------------------------------ layouts, formats


class memory_format:  # noqa: N801
    """Matches `torch.memory_format` (accepted everywhere; JAX picks physical layouts)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"


contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")


# ------------------------------------------------------------------ legacy constructors


class _LegacyTensorType(builtins.type):
    """`isinstance(t, tg.FloatTensor)` is a dtype check, as torch's."""

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj.dtype is cls._dtype

    def __call__(cls, *args: Any, **kwargs: Any) -> Tensor:
        return legacy_new(cls._dtype, cls.__name__, args, kwargs)

    def __repr__(cls) -> str:
        return f"<class 'torch.{cls.__name__}'>"


def _legacy(name: str, dt_name: str) -> type:
    return _LegacyTensorType(name, (), {"_dtype": getattr(_dtype, dt_name),
                                        "__doc__": f"Matches `torch.{name}`.",
                                        "dtype": getattr(_dtype, dt_name)})


LEGACY_TENSOR_TYPES = {name: _legacy(name, dt) for name, dt in [
    ("FloatTensor", "float32"), ("DoubleTensor", "float64"), ("HalfTensor", "float16"),
    ("BFloat16Tensor", "bfloat16"), ("LongTensor", "int64"), ("IntTensor", "int32"),
    ("ShortTensor", "int16"), ("CharTensor", "int8"), ("ByteTensor", "uint8"),
    ("BoolTensor", "bool")]}



# ------------------------------------------------------------------ tensor misc (deprecated)
_warned_tensor_type = False


def set_default_tensor_type(t: Any) -> None:
    """Matches `torch.set_default_tensor_type` (deprecated, warns once per process): a
    floating legacy type (`tg.DoubleTensor`, or its name `"torch.DoubleTensor"`) sets the
    default dtype."""
    global _warned_tensor_type
    if isinstance(t, str):
        name = t[len("torch."):] if t.startswith("torch.") else t
        if name.startswith("cuda."):
            raise TypeError(f"type {t} not available. Torch not compiled with CUDA enabled.")
        if name not in LEGACY_TENSOR_TYPES:
            raise AttributeError(f"module 'torch' has no attribute '{name}'")
        t = LEGACY_TENSOR_TYPES[name]
    if not _warned_tensor_type:
        # torch's TORCH_WARN_ONCE (tests/test_tensor_misc.py).
        _warned_tensor_type = True
        warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please "
                      "use torch.set_default_dtype() and torch.set_default_device() as "
                      "alternatives.", UserWarning, stacklevel=user_stacklevel())
    if not isinstance(t, _LegacyTensorType):
        raise TypeError("invalid type object: only floating-point types are supported as the "
                        "default type")
    if not t._dtype.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _dtype.set_default_dtype(t._dtype)
