"""`tg.cuda.amp`: torch's deprecated CUDA spellings of `tg.amp.autocast('cuda')`,
`tg.amp.GradScaler('cuda')`, `tg.amp.custom_fwd/custom_bwd(device_type='cuda')`, with their
FutureWarnings."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

from .. import _dtype
from .._checks import user_stacklevel
from ..amp import GradScaler as _GradScaler
from ..amp import autocast as _autocast
from ..amp import custom_bwd as _custom_bwd
from ..amp import custom_fwd as _custom_fwd

__all__ = ["autocast", "GradScaler", "custom_fwd", "custom_bwd"]


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"`torch.cuda.amp.{old}(args...)` is deprecated. Please use "
                  f"`torch.amp.{new}` instead.", FutureWarning, stacklevel=user_stacklevel())


class autocast(_autocast):  # noqa: N801
    """Matches `torch.cuda.amp.autocast(enabled=True, dtype=torch.float16,
    cache_enabled=True)` (deprecated there: use `tg.amp.autocast('cuda', ...)`)."""

    def __init__(self, enabled: bool = True, dtype: _dtype.dtype = _dtype.float16,
                 cache_enabled: bool = True) -> None:
        _deprecated("autocast", "autocast('cuda', args...)")
        super().__init__("cuda", enabled=enabled, dtype=dtype, cache_enabled=cache_enabled)


class GradScaler(_GradScaler):
    """Matches `torch.cuda.amp.GradScaler` (deprecated there: use
    `tg.amp.GradScaler('cuda', ...)`)."""

    def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000,
                 enabled: bool = True) -> None:
        _deprecated("GradScaler", "GradScaler('cuda', args...)")
        super().__init__("cuda", init_scale=init_scale, growth_factor=growth_factor,
                         backoff_factor=backoff_factor, growth_interval=growth_interval,
                         enabled=enabled)


def custom_fwd(fwd: Callable | None = None, *, cast_inputs: Any = None) -> Callable:
    """Matches `torch.cuda.amp.custom_fwd` (deprecated there)."""
    _deprecated("custom_fwd", "custom_fwd(args..., device_type='cuda')")
    return functools.partial(_custom_fwd, device_type="cuda")(fwd=fwd, cast_inputs=cast_inputs)


def custom_bwd(bwd: Callable) -> Callable:
    """Matches `torch.cuda.amp.custom_bwd` (deprecated there)."""
    _deprecated("custom_bwd", "custom_bwd(args..., device_type='cuda')")
    return functools.partial(_custom_bwd, device_type="cuda")(bwd)
