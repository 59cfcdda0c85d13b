"""NOTE [x64]: tapegrad's 64-bit dtypes without touching JAX's global configuration.

torch has float64/int64 tensors (and gradcheck needs float64), but JAX truncates them to 32 bits
unless `jax_enable_x64` is on. Turning it on globally at import (what tapegrad once did) changes
every JAX program in the process: `jnp.array(1.0)` becomes float64, equinox weights double.
Instead, tapegrad switches x64 on *thread-locally* for the duration of its own work: each entry
point that creates arrays or calls a kernel (op dispatch, factories, backward, the optimizers'
updates, compiled steps) runs inside `enabled()`. The user's setting (global or local) is
restored on exit, so JAX code outside tapegrad sees exactly what it saw before `import tapegrad`.

The cost is one `swap_local`/`set_local` pair per entry (well under a microsecond); nested
entries keep the scope on. Leaving it also restores the persistent compilation cache's write
threshold after a kernel compile (NOTE [Compilation cache]): one flag test. Kernels are traced and cached under x64 (JAX keys its caches on the
setting), so they compile once as before.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import jax

from . import _compilation_cache

__all__ = ["enabled", "scoped", "swap_on", "restore"]

_STATE = jax.enable_x64
F = TypeVar("F", bound=Callable[..., Any])

# NOTE [Compilation cache]: leaving the scope restores the persistent cache's write threshold
# once a tapegrad kernel was compiled in this thread (`_compilation_cache.disarm`).
swap_on = functools.partial(_STATE.swap_local, True)  # returns the previous local value
if _compilation_cache.install() is None:
    restore = _STATE.set_local
else:
    _x_set = _STATE.set_local
    _cc = _compilation_cache

    def restore(prev: Any) -> None:
        """Leave the scope: the user's x64 (and write threshold, after a compile) back."""
        _x_set(prev)
        if _cc.armed:
            _cc.disarm()


class enabled:
    """`with enabled():` run JAX with 64-bit types on in this thread, restoring the user's."""

    __slots__ = ("_prev",)

    def __enter__(self) -> None:
        self._prev = swap_on()

    def __exit__(self, *exc: Any) -> None:
        restore(self._prev)


def scoped(fn: F) -> F:
    """Decorator: `fn` runs with x64 on (see NOTE [x64])."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        prev = swap_on()
        try:
            return fn(*args, **kwargs)
        finally:
            restore(prev)

    return wrapper  # type: ignore[return-value]
