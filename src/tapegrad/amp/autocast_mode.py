"""`tg.autocast` / `tg.amp.autocast` and torch's autocast state functions
(`is_autocast_enabled`, `get_autocast_dtype`, ...). The casting itself happens per op
(NOTE [Autocast] in `ops/_autocast.py`); this module switches it on and off.

tapegrad's tensors live on JAX's default backend, so the region that applies is the one for
that backend's device type ('cuda' on a GPU, 'cpu' otherwise); a region for the other device
type is recorded (its flags read back as torch's) but casts nothing, as torch's autocast for
one device leaves tensors on another alone.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .. import _dtype, _numerics
from .._checks import user_stacklevel
from ..tensor import Tensor

__all__ = ["autocast", "is_autocast_available", "is_autocast_enabled", "set_autocast_enabled",
           "get_autocast_dtype", "set_autocast_dtype", "is_autocast_cache_enabled",
           "set_autocast_cache_enabled", "clear_autocast_cache",
           "autocast_increment_nesting", "autocast_decrement_nesting", "custom_fwd",
           "custom_bwd"]

_numerics.dtypes.update({"cpu": _dtype.bfloat16, "cuda": _dtype.float16})

# torch's device-type parser names these; autocast exists for the first few.
_DEVICE_TYPES = ("cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, maia, xla, "
                 "lazy, vulkan, mps, meta, hpu, mtia, privateuseone")
_AUTOCAST_DEVICES = ("cpu", "cuda", "xpu", "ipu", "hpu", "xla", "mps", "mtia", "maia")


def _device_type(device_type: str) -> str:
    """torch's parse of a device string's type (its RuntimeError for an unknown one)."""
    kind = str(device_type).split(":")[0]
    if kind not in _DEVICE_TYPES.split(", "):
        raise RuntimeError(f"Expected one of {_DEVICE_TYPES} device type at start of device "
                           f"string: {device_type}")
    return kind


def is_autocast_available(device_type: str) -> bool:
    """Matches `torch.amp.is_autocast_available`."""
    return _device_type(device_type) in _AUTOCAST_DEVICES


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Matches `torch.is_autocast_enabled` (no argument: CUDA's, as torch's)."""
    return _numerics.enabled.get(_device_type(device_type or "cuda"), False)


def set_autocast_enabled(device_type: Any, enabled: bool | None = None) -> None:
    """Matches `torch.set_autocast_enabled` (also the legacy one-argument CUDA form)."""
    if enabled is None:
        device_type, enabled = "cuda", device_type
    _numerics.enabled[_device_type(device_type)] = bool(enabled)
    _numerics.refresh_autocast()


def get_autocast_dtype(device_type: str) -> _dtype.dtype:
    """Matches `torch.get_autocast_dtype`."""
    return _numerics.dtypes.get(_device_type(device_type), _dtype.bfloat16)


def set_autocast_dtype(device_type: str, dtype: _dtype.dtype) -> None:
    """Matches `torch.set_autocast_dtype`."""
    _numerics.dtypes[_device_type(device_type)] = dtype
    _numerics.refresh_autocast()


def is_autocast_cache_enabled() -> bool:
    """Matches `torch.is_autocast_cache_enabled`."""
    return _numerics.cache_enabled


def set_autocast_cache_enabled(enabled: bool) -> None:
    """Matches `torch.set_autocast_cache_enabled`."""
    _numerics.cache_enabled = bool(enabled)
    _numerics.refresh_autocast()


def clear_autocast_cache() -> None:
    """Matches `torch.clear_autocast_cache`."""
    _numerics.cast_cache.clear()


def autocast_increment_nesting() -> int:
    """Matches `torch.autocast_increment_nesting`."""
    _numerics.nesting += 1
    return _numerics.nesting


def autocast_decrement_nesting() -> int:
    """Matches `torch.autocast_decrement_nesting`."""
    _numerics.nesting -= 1
    return _numerics.nesting


class autocast:  # noqa: N801
    """A region (context manager or decorator) whose ops run in torch's per-op autocast
    dtypes. Matches `torch.autocast(device_type, dtype=None, enabled=True,
    cache_enabled=None)`: the same op lists (see NOTE [Autocast]), checks and warnings."""

    def __init__(self, device_type: str, dtype: _dtype.dtype | None = None,
                 enabled: bool = True, cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dtype
        self.device = device_type
        if not is_autocast_available(device_type):
            raise RuntimeError(
                f"User specified an unsupported autocast device_type '{device_type}'")
        self._cache_enabled = (is_autocast_cache_enabled() if cache_enabled is None
                               else cache_enabled)
        if enabled:
            if device_type == "cuda":
                if not _numerics.on_gpu():
                    warnings.warn("CUDA is not available or torch_xla is imported. Disabling "
                                  "autocast.", stacklevel=user_stacklevel())
                    enabled = False
            elif self.fast_dtype not in (_dtype.bfloat16, _dtype.float16):
                name = device_type.upper()
                warnings.warn(
                    f"In {name} autocast, but the target dtype is not supported. Disabling "
                    f"autocast.\n{name} Autocast only supports dtypes of torch.bfloat16, "
                    "torch.float16 currently.", stacklevel=user_stacklevel())
                enabled = False
        self._enabled = enabled

    def __enter__(self) -> autocast:
        self.prev_cache_enabled = is_autocast_cache_enabled()
        self.prev = is_autocast_enabled(self.device)
        self.prev_fastdtype = get_autocast_dtype(self.device)
        _numerics.enabled[self.device] = bool(self._enabled)
        _numerics.dtypes[self.device] = self.fast_dtype
        autocast_increment_nesting()
        _numerics.cache_enabled = bool(self._cache_enabled)
        _numerics.refresh_autocast()
        return self

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> bool:
        # The weight-cast cache lives until the outermost region exits.
        if autocast_decrement_nesting() == 0:
            clear_autocast_cache()
        _numerics.enabled[self.device] = self.prev
        _numerics.dtypes[self.device] = self.prev_fastdtype
        _numerics.cache_enabled = self.prev_cache_enabled
        _numerics.refresh_autocast()
        return False

    def __call__(self, func: Callable) -> Callable:
        if not callable(func):
            raise TypeError(
                f"autocast()(func) requires a callable, but got {type(func).__name__}. Did "
                "you mean to use autocast as a context manager? For example:\n    with "
                "torch.autocast(device_type=...):\n        output = model(input)")

        @functools.wraps(func)
        def decorate_autocast(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return decorate_autocast


# ------------------------------------------------------------------ torch's deprecated per-device names
def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"torch.{old} is deprecated. Please use torch.{new} instead.",
                  DeprecationWarning, stacklevel=user_stacklevel())


def is_autocast_cpu_enabled() -> bool:
    """Matches `torch.is_autocast_cpu_enabled` (deprecated there)."""
    _deprecated("is_autocast_cpu_enabled()", "is_autocast_enabled('cpu')")
    return is_autocast_enabled("cpu")


def set_autocast_cpu_enabled(enabled: bool) -> None:
    """Matches `torch.set_autocast_cpu_enabled` (deprecated there)."""
    _deprecated("set_autocast_cpu_enabled(enabled)", "set_autocast_enabled('cpu', enabled)")
    set_autocast_enabled("cpu", enabled)


def get_autocast_cpu_dtype() -> _dtype.dtype:
    """Matches `torch.get_autocast_cpu_dtype` (deprecated there)."""
    _deprecated("get_autocast_cpu_dtype()", "get_autocast_dtype('cpu')")
    return get_autocast_dtype("cpu")


def set_autocast_cpu_dtype(dtype: _dtype.dtype) -> None:
    """Matches `torch.set_autocast_cpu_dtype` (deprecated there)."""
    _deprecated("set_autocast_cpu_dtype(dtype)", "set_autocast_dtype('cpu', dtype)")
    set_autocast_dtype("cpu", dtype)


def get_autocast_gpu_dtype() -> _dtype.dtype:
    """Matches `torch.get_autocast_gpu_dtype` (deprecated there)."""
    _deprecated("get_autocast_gpu_dtype()", "get_autocast_dtype('cuda')")
    return get_autocast_dtype("cuda")


def set_autocast_gpu_dtype(dtype: _dtype.dtype) -> None:
    """Matches `torch.set_autocast_gpu_dtype` (deprecated there)."""
    _deprecated("set_autocast_gpu_dtype(dtype)", "set_autocast_dtype('cuda', dtype)")
    set_autocast_dtype("cuda", dtype)


__all__ += ["is_autocast_cpu_enabled", "set_autocast_cpu_enabled", "get_autocast_cpu_dtype",
            "set_autocast_cpu_dtype", "get_autocast_gpu_dtype", "set_autocast_gpu_dtype"]


# ------------------------------------------------------------------ custom Functions under autocast
def _cast(value: Any, device_type: str, dtype: _dtype.dtype) -> Any:
    """torch.amp's `_cast`: floating tensors (not float64) of `device_type` to `dtype`, through
    lists, tuples and mappings; anything else as it is."""
    if isinstance(value, Tensor):
        eligible = (value.is_floating_point() and value.device.type == device_type
                    and value.dtype is not _dtype.float64)
        return value.to(dtype) if eligible else value
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, Mapping):
        return {_cast(k, device_type, dtype): _cast(v, device_type, dtype)
                for k, v in value.items()}
    if isinstance(value, Iterable) and not _is_array_like(value):
        items = (_cast(v, device_type, dtype) for v in value)
        return type(value)(items) if isinstance(value, (list, tuple)) else items
    return value


def _is_array_like(value: Any) -> bool:
    # torch leaves numpy arrays alone (they are iterable).
    return type(value).__module__ == "numpy"


def custom_fwd(fwd: Callable | None = None, *, device_type: str,
               cast_inputs: _dtype.dtype | None = None) -> Callable:
    """Decorator for a custom Function's `forward`. Matches `torch.amp.custom_fwd`: records
    the autocast state for `custom_bwd`; with `cast_inputs`, inside an autocast region the
    forward runs with autocast off on its floating inputs cast to `cast_inputs`."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args: Any, **kwargs: Any) -> Any:
        args[0]._dtype = get_autocast_dtype(device_type)
        if cast_inputs is None:
            args[0]._fwd_used_autocast = is_autocast_enabled(device_type)
            return fwd(*args, **kwargs)
        in_region = is_autocast_enabled(device_type)
        args[0]._fwd_used_autocast = False
        if in_region:
            with autocast(device_type=device_type, enabled=False):
                return fwd(*_cast(args, device_type, cast_inputs),
                           **_cast(kwargs, device_type, cast_inputs))
        return fwd(*args, **kwargs)

    return decorate_fwd


def custom_bwd(bwd: Callable | None = None, *, device_type: str) -> Callable:
    """Decorator for a custom Function's `backward`. Matches `torch.amp.custom_bwd`: the
    backward runs in the autocast state its forward ran in."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args: Any, **kwargs: Any) -> Any:
        with autocast(device_type=device_type, enabled=args[0]._fwd_used_autocast,
                      dtype=args[0]._dtype):
            return bwd(*args, **kwargs)

    return decorate_bwd
