"""`tapegrad.fft`: matches `torch.fft` for the functions declared with
`namespace="fft"` in the op table (generated, see NOTE [Public surface])."""

from __future__ import annotations

from .ops import NAMESPACES as _NAMESPACES

globals().update(_NAMESPACES.get("fft", {}))
__all__ = sorted(_NAMESPACES.get("fft", {}))
