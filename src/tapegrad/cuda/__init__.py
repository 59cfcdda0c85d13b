"""`tg.cuda`: the CUDA queries torch programs make, answered from JAX's GPU devices.

Without a GPU each function behaves as torch's CPU build does (`is_available()` is False,
`device_count()` 0, the seeding functions do nothing, the others raise its AssertionError).
tapegrad has one random generator for every device (a `cuda` tensor's samples are drawn from
it and placed on the GPU), so with a GPU `manual_seed`/`manual_seed_all` seed that generator.
"""

from __future__ import annotations

from typing import Any

import jax

from .. import _device, _errors
from .. import random as _random

__all__ = ["is_available", "device_count", "current_device", "set_device", "synchronize",
           "manual_seed", "manual_seed_all", "get_device_name", "is_initialized",
           "empty_cache", "get_device_capability", "memory_allocated", "max_memory_allocated"]


def _require_gpu() -> list:
    gpus = _device.gpu_devices()
    if not gpus:
        raise AssertionError(_errors.NO_CUDA)
    return gpus


def _index(device: Any) -> int:
    """The GPU index torch's `device` argument names (None: the current device)."""
    if device is None:
        return _device._current_cuda
    if isinstance(device, int) and not isinstance(device, bool):
        return device
    d = _device.parse(device)
    return _device._current_cuda if d.index is None else d.index


def is_available() -> bool:
    """Matches `torch.cuda.is_available`: whether JAX has a GPU device."""
    return bool(_device.gpu_devices())


def device_count() -> int:
    """Matches `torch.cuda.device_count`: JAX's GPU devices."""
    return len(_device.gpu_devices())


def is_initialized() -> bool:
    """Matches `torch.cuda.is_initialized` (JAX initialises its GPUs at import)."""
    return bool(_device.gpu_devices())


def current_device() -> int:
    """Matches `torch.cuda.current_device`: the index `cuda` without an index names."""
    _require_gpu()
    return _device._current_cuda


def set_device(device: Any) -> None:
    """Matches `torch.cuda.set_device`: which GPU `cuda` without an index names."""
    gpus = _require_gpu()
    index = _index(device)
    if not 0 <= index < len(gpus):
        raise RuntimeError(_errors.CUDA_INVALID_ORDINAL)
    _device._current_cuda = index


def synchronize(device: Any = None) -> None:
    """Matches `torch.cuda.synchronize`: wait for the work queued on the GPU."""
    gpus = _require_gpu()
    jax.effects_barrier()
    # Work on one device runs in order: a tiny computation queued last finishes last.
    jax.device_put(0, gpus[_index(device)]).block_until_ready()


def manual_seed(seed: int) -> None:
    """Matches `torch.cuda.manual_seed` (a no-op without a GPU, as torch's CPU build)."""
    if _device.gpu_devices():
        _random.manual_seed(seed)


def manual_seed_all(seed: int) -> None:
    """Matches `torch.cuda.manual_seed_all` (a no-op without a GPU, as torch's CPU build)."""
    manual_seed(seed)


def get_device_name(device: Any = None) -> str:
    """Matches `torch.cuda.get_device_name` (JAX's device kind, e.g. 'NVIDIA H100 80GB HBM3')."""
    gpus = _require_gpu()
    index = _index(device)
    if not 0 <= index < len(gpus):
        raise RuntimeError(_errors.CUDA_INVALID_ORDINAL)
    return gpus[index].device_kind


def empty_cache() -> None:
    """Matches `torch.cuda.empty_cache` (JAX's allocator keeps its pool; nothing to do)."""


def get_device_capability(device: Any = None) -> tuple[int, int]:
    """Matches `torch.cuda.get_device_capability`: (major, minor) of the GPU."""
    gpus = _require_gpu()
    major, _, minor = str(getattr(gpus[_index(device)], "compute_capability", "0.0")).partition(".")
    return int(major), int(minor or 0)


def _bytes(device: Any, key: str) -> int:
    gpus = _device.gpu_devices()
    if not gpus:
        return 0  # torch's CPU build answers 0
    stats = gpus[_index(device)].memory_stats() or {}
    return int(stats.get(key, 0))


def memory_allocated(device: Any = None) -> int:
    """Matches `torch.cuda.memory_allocated`: bytes JAX's allocator has in use on the GPU."""
    return _bytes(device, "bytes_in_use")


def max_memory_allocated(device: Any = None) -> int:
    """Matches `torch.cuda.max_memory_allocated`: JAX's peak bytes in use on the GPU."""
    return _bytes(device, "peak_bytes_in_use")
from . import amp as amp  # noqa: E402  (torch's deprecated tg.cuda.amp spellings)
