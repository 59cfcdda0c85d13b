"""`tg.backends.cuda`: `matmul.allow_tf32` (default False), which decides the precision of
float32 matmuls on a GPU as torch's does (NOTE [Kernel precision] in `_numerics.py`)."""

from __future__ import annotations

from typing import Any

from .. import _numerics

__all__ = ["matmul", "is_built"]


def _check_bool(value: Any, setter: str) -> bool:
    # torch's C++ setters accept exactly a bool.
    if not isinstance(value, bool):
        raise RuntimeError(f"{setter} expects a bool, but got {type(value).__name__}")
    return value


class cuBLASModule:  # noqa: N801
    """Matches `torch.backends.cuda.matmul` (allow_tf32 decides; the reduced-precision
    reduction flags are recorded)."""

    _RECORDED = ("allow_fp16_reduced_precision_reduction",
                 "allow_bf16_reduced_precision_reduction", "allow_fp16_accumulation")

    def __init__(self) -> None:
        object.__setattr__(self, "_flags", {"allow_fp16_reduced_precision_reduction": True,
                                            "allow_bf16_reduced_precision_reduction": True,
                                            "allow_fp16_accumulation": False})

    def __getattr__(self, name: str) -> Any:
        if name == "allow_tf32":
            return _numerics.cuda_matmul_tf32()
        if name in self._RECORDED:
            return self._flags[name]
        raise AttributeError("Unknown attribute " + name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "allow_tf32":
            _numerics.set_cuda_matmul_tf32(_check_bool(value, "set_allow_tf32_cublas"))
            return
        if name in self._RECORDED:
            self._flags[name] = value
            return
        raise AttributeError("Unknown attribute " + name)


matmul = cuBLASModule()


def is_built() -> bool:
    """Matches `torch.backends.cuda.is_built` (whether a CUDA backend is present)."""
    return _numerics.on_gpu()
