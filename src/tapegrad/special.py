"""`tapegrad.special`: matches `torch.special` for the functions declared with
`namespace="special"` in the op table (generated, see NOTE [Public surface])."""

from __future__ import annotations

from .ops import NAMESPACES as _NAMESPACES

globals().update(_NAMESPACES.get("special", {}))
__all__ = sorted(_NAMESPACES.get("special", {}))
