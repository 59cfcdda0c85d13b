"""NOTE [x64]: tapegrad's 64-bit dtypes without touching JAX's global configuration.

torch has float64/int64 tensors (and gradcheck needs float64), but JAX truncates them to 32 bits
unless `jax_enable_x64` is on. Turning it on globally at import (what tapegrad once did) changes
every JAX program in the process: `jnp.array(1.0)` becomes float64, equinox weights double.
Instead, tapegrad switches x64 on *thread-locally* for the duration of its own work: each entry
point that creates arrays or calls a kernel (op dispatch, factories, backward, the optimizers'
updates, compiled steps) runs inside `enabled()`. The user's setting (global or local) is
restored on exit, so JAX code outside tapegrad sees exactly what it saw before `import tapegrad`.

The cost is one `swap_local`/`set_local` pair per entry (well under a microsecond); nested
entries keep the scope on. Kernels are traced and cached under x64 (JAX keys its caches on the
setting), so they compile once as before.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import jax

__all__ = ["enabled", "scoped", "swap_on", "restore"]

_STATE = jax.enable_x64
swap_on = functools.partial(_STATE.swap_local, True)  # returns the previous local value
restore = _STATE.set_local

F = TypeVar("F", bound=Callable[..., Any])


class enabled:
    """`with enabled():` run JAX with 64-bit types on in this thread, restoring the user's."""

    __slots__ = ("_prev",)

    def __enter__(self) -> None:
        self._prev = _STATE.swap_local(True)

    def __exit__(self, *exc: Any) -> None:
        _STATE.set_local(self._prev)


def scoped(fn: F) -> F:
    """Decorator: `fn` runs with x64 on (see NOTE [x64])."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        prev = _STATE.swap_local(True)
        try:
            return fn(*args, **kwargs)
        finally:
            _STATE.set_local(prev)

    return wrapper  # type: ignore[return-value]
