"""`tg.backends.cudnn`: `allow_tf32` (default True, as torch's) decides the precision of
float32 convolutions on a GPU (NOTE [Kernel precision] in `_numerics.py`); `enabled`,
`deterministic` and `benchmark` are validated and recorded (XLA picks its own kernels)."""

from __future__ import annotations

import sys
import types
from typing import Any

from .. import _numerics
from .cuda import _check_bool

__all__ = ["is_available", "version"]

# torch's C++ setter names (its error text); allow_tf32's names cuBLAS, as torch 2.13's does.
_SETTERS = {"enabled": "set_enabled_cudnn", "deterministic": "set_deterministic_cudnn",
            "benchmark": "set_benchmark_cudnn", "allow_tf32": "set_allow_tf32_cublas"}
_flags: dict[str, bool] = {"enabled": True, "deterministic": False, "benchmark": False}


def is_available() -> bool:
    """Matches `torch.backends.cudnn.is_available` (a GPU backend is present)."""
    return _numerics.on_gpu()


def version() -> int | None:
    """Matches `torch.backends.cudnn.version` (None: tapegrad does not load cuDNN itself)."""
    return None


class _CudnnModule(types.ModuleType):
    """The module with torch's validated flag attributes."""

    def __getattr__(self, name: str) -> Any:
        if name == "allow_tf32":
            return _numerics.cudnn_tf32()
        if name in _flags:
            return _flags[name]
        raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "allow_tf32":
            _numerics.set_cudnn_tf32(_check_bool(value, _SETTERS[name]))
        elif name in _flags:
            _flags[name] = _check_bool(value, _SETTERS[name])
        else:
            super().__setattr__(name, value)


sys.modules[__name__].__class__ = _CudnnModule
