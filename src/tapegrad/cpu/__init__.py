"""`tg.cpu`: torch.cpu's deprecated mixed-precision spellings (`tg.cpu.amp.autocast`,
`tg.cpu.amp.GradScaler`) and `is_available`."""

from __future__ import annotations

from . import amp as amp

__all__ = ["amp", "is_available"]


def is_available() -> bool:
    """Matches `torch.cpu.is_available` (always True)."""
    return True
