"""`tapegrad.linalg`: matches `torch.linalg` for the functions declared with
`namespace="linalg"` in the op table (generated, see NOTE [Public surface])."""

from __future__ import annotations

from .ops import NAMESPACES as _NAMESPACES
from .ops.linalg import LinAlgError as LinAlgError

globals().update(_NAMESPACES.get("linalg", {}))
__all__ = sorted(_NAMESPACES.get("linalg", {})) + ["LinAlgError"]
