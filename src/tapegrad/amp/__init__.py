"""`tg.amp`: mixed precision as torch.amp has it: `autocast` (per-op dtypes, NOTE [Autocast]
in `ops/_autocast.py`) and `GradScaler` (dynamic loss scaling)."""

from __future__ import annotations

from .autocast_mode import autocast as autocast
from .autocast_mode import custom_bwd as custom_bwd
from .autocast_mode import custom_fwd as custom_fwd
from .autocast_mode import is_autocast_available as is_autocast_available
from .grad_scaler import GradScaler as GradScaler

__all__ = ["autocast", "custom_bwd", "custom_fwd", "is_autocast_available", "GradScaler"]
