"""`tg.cpu.amp`: torch's deprecated CPU spellings of `tg.amp.autocast('cpu')` and
`tg.amp.GradScaler('cpu')`, with its FutureWarnings."""

from __future__ import annotations

import warnings

from .. import _dtype
from ..amp import GradScaler as _GradScaler
from ..amp import autocast as _autocast
from .._checks import user_stacklevel

__all__ = ["autocast", "GradScaler"]


class autocast(_autocast):  # noqa: N801
    """Matches `torch.cpu.amp.autocast(enabled=True, dtype=torch.bfloat16,
    cache_enabled=True)` (deprecated there: use `tg.amp.autocast('cpu', ...)`)."""

    def __init__(self, enabled: bool = True, dtype: _dtype.dtype = _dtype.bfloat16,
                 cache_enabled: bool = True) -> None:
        warnings.warn("`torch.cpu.amp.autocast(args...)` is deprecated. Please use "
                      "`torch.amp.autocast('cpu', args...)` instead.", FutureWarning,
                      stacklevel=user_stacklevel())
        super().__init__("cpu", enabled=enabled, dtype=dtype, cache_enabled=cache_enabled)


class GradScaler(_GradScaler):
    """Matches `torch.cpu.amp.GradScaler` (deprecated there: use
    `tg.amp.GradScaler('cpu', ...)`)."""

    def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000,
                 enabled: bool = True) -> None:
        warnings.warn("`torch.cpu.amp.GradScaler(args...)` is deprecated. Please use "
                      "`torch.amp.GradScaler('cpu', args...)` instead.", FutureWarning,
                      stacklevel=user_stacklevel())
        super().__init__("cpu", init_scale=init_scale, growth_factor=growth_factor,
                         backoff_factor=backoff_factor, growth_interval=growth_interval,
                         enabled=enabled)
