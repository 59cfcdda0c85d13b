"""Process-wide numerics state: torch's float32 matmul/conv precision switches and the active
autocast region. The op kernels (ops layer) read it; `tg.set_float32_matmul_precision`,
`tg.backends` and `tg.autocast` (top layer) write it through the functions here.

NOTE [Kernel precision]
torch computes a float32 matmul in full precision unless asked otherwise
(`set_float32_matmul_precision('high'|'medium')`, `backends.cuda.matmul.allow_tf32`), while
cuDNN convolutions may use TF32 by default (`backends.cudnn.allow_tf32` is True). JAX's
default on a GPU is TF32 for both. So every matmul-family and convolution kernel takes the
precision chosen here as a static argument (part of its cache key) and traces its body under
`jax.default_matmul_precision`, which puts `precision=` on each `dot_general` and
`conv_general_dilated` it makes. On the CPU XLA computes float32 in full precision whatever the
setting; the settings still reach the kernels (visible in their jaxprs).

`KEY` is everything here that decides a trace (kernel precisions, the autocast dtype): the
fused-backward and `tg.compile` caches include it, so a program traced under one setting is
never reused under another. A precision change also clears compiled code (`_lru`), so the
user's own `jax.jit` of tapegrad code retraces too; autocast, entered every step, does not
(under a plain `jax.jit` a function traced outside a region keeps its dtypes inside one).
"""

from __future__ import annotations

from typing import Any

import jax

from . import _lru

__all__ = ["matmul_precision", "conv_precision", "autocast", "KEY", "get_matmul",
           "set_matmul", "set_cuda_matmul_tf32", "cuda_matmul_tf32", "set_cudnn_tf32",
           "cudnn_tf32", "AutocastState", "on_gpu"]

# torch keeps a float32 precision per backend (cuBLAS, the CPU's oneDNN): "none" (never set),
# "ieee" (full precision), "tf32", "bf16". `set_float32_matmul_precision` sets both;
# `backends.cuda.matmul.allow_tf32` only cuBLAS's, and reading the generic precision after the
# two disagree is torch's error (see `get_matmul`).
_BACKENDS: dict[str, str] = {"cuda": "none", "cpu": "none"}
_TO_BACKEND = {"highest": "none", "high": "tf32", "medium": "bf16"}
_FROM_BACKEND = {"none": "highest", "ieee": "highest", "tf32": "high", "bf16": "medium"}
# The jax.default_matmul_precision name a kernel runs under, per torch precision.
_JAX_NAME = {"highest": "highest", "high": "high", "medium": "default"}
_cudnn_tf32 = True

_gpu: bool | None = None


def on_gpu() -> bool:
    """Whether tensors live on a GPU (JAX's default backend): which torch backend's settings
    apply (cuBLAS/cuDNN there, the CPU's otherwise)."""
    global _gpu
    if _gpu is None:
        _gpu = jax.default_backend() == "gpu"
    return _gpu


# Read by the kernels (a jax.default_matmul_precision name) and by the autocast hot-path check.
# LISTENERS are called after a precision changed (the ops layer rebinds its kernels).
LISTENERS: list = []
matmul_precision = "highest"
conv_precision = "highest"
autocast: AutocastState | None = None
KEY: tuple = ("highest", "highest", None)


def _refresh() -> None:
    global matmul_precision, conv_precision, KEY
    slot = _BACKENDS["cuda" if on_gpu() else "cpu"]
    new = (_JAX_NAME[_FROM_BACKEND[slot]], "high" if on_gpu() and _cudnn_tf32 else "highest")
    changed = new != (matmul_precision, conv_precision)
    matmul_precision, conv_precision = new
    if changed:
        # Programs traced under the old precision (the user's own `jax.jit` of tapegrad code
        # included) must not serve the new one: drop compiled code (a rare event), and let
        # the kernels rebind to the new precision.
        _lru.clear_compiled()
        for listener in LISTENERS:
            listener()
    KEY = (matmul_precision, conv_precision,
           None if autocast is None else (autocast.device_type, autocast.dtype))


def get_matmul() -> str:
    """torch's `get_float32_matmul_precision`: the common precision of the backends, or
    torch's RuntimeError when they were set apart and disagree."""
    values = {v for v in _BACKENDS.values() if v != "none"}
    if len(values) > 1:
        raise RuntimeError(
            "PyTorch is checking the matmul precision without a specific backend name,"
            "Current status indicate that you have used mix of the legacy and new APIs to set "
            "the matmul precision. We suggest only using the new API for matmul precision. "
            "See also: https://pytorch.org/docs/main/notes/cuda.html#tensorfloat-32-tf32-on-"
            "ampere-and-later-devices")
    return _FROM_BACKEND[values.pop()] if values else "highest"


def set_matmul(precision: str) -> None:
    """Set every backend's float32 matmul precision ('highest', 'high', 'medium')."""
    value = _TO_BACKEND[precision]
    for k in _BACKENDS:
        _BACKENDS[k] = value
    _refresh()


def cuda_matmul_tf32() -> bool:
    """torch's `backends.cuda.matmul.allow_tf32`."""
    return _BACKENDS["cuda"] in ("tf32", "bf16")


def set_cuda_matmul_tf32(allow: bool) -> None:
    _BACKENDS["cuda"] = "tf32" if allow else "ieee"
    _refresh()


def cudnn_tf32() -> bool:
    """torch's `backends.cudnn.allow_tf32`."""
    return _cudnn_tf32


def set_cudnn_tf32(allow: bool) -> None:
    global _cudnn_tf32
    _cudnn_tf32 = bool(allow)
    _refresh()


# ------------------------------------------------------------------ autocast
class AutocastState:
    """The autocast region in force for the device tensors live on: its device type (which
    op lists apply), its lower-precision dtype (a tapegrad dtype) and its cast cache."""

    __slots__ = ("device_type", "dtype", "cache")

    def __init__(self, device_type: str, dtype: Any, cache: dict | None) -> None:
        self.device_type = device_type
        self.dtype = dtype
        self.cache = cache


# torch's per-device autocast switches (thread-local there; process-wide here).
enabled: dict[str, bool] = {"cpu": False, "cuda": False}
dtypes: dict[str, Any] = {}        # device type -> dtype (filled by the amp module)
cache_enabled = True
nesting = 0
# Casts of leaf float32 tensors that require grad (weights), kept until the outermost
# autocast region exits: id(source) -> (source, cast).
cast_cache: dict[int, tuple] = {}


def refresh_autocast() -> None:
    """Recompute `autocast` after a switch changed."""
    global autocast
    device_type = "cuda" if on_gpu() else "cpu"
    autocast = (AutocastState(device_type, dtypes[device_type],
                              cast_cache if cache_enabled else None)
                if enabled[device_type] else None)
    _refresh()


def suspend() -> AutocastState | None:
    """Turn autocast off inside an op that autocast already handled (torch excludes its
    autocast key there); returns what `resume` restores."""
    global autocast
    state = autocast
    autocast = None
    return state


def resume(state: AutocastState | None) -> None:
    global autocast
    autocast = state


_refresh()  # the defaults for the backend tensors live on (a GPU: cuDNN's TF32 for convs)
