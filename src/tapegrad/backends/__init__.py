"""`tg.backends`: torch's backend switches that decide numerics (`cuda.matmul.allow_tf32`,
`cudnn.allow_tf32`); the others (`cudnn.enabled`, `deterministic`, `benchmark`) are
validated and recorded, since XLA chooses its own kernels."""

from __future__ import annotations

from . import cuda as cuda
from . import cudnn as cudnn

__all__ = ["cuda", "cudnn"]
