"""torch.autograd's legacy names: `Variable` (a Tensor since torch 0.4: `Variable(t)` is an
alias of `t` without history, sharing its data and version counter; `isinstance(x, Variable)`
holds for every Tensor), `variable` (an error pointing at `tensor`) and
`set_multithreading_enabled` (tapegrad's backward always runs on the calling thread, so the
setting is recorded, as torch's, and changes nothing else)."""

from __future__ import annotations

import threading
import warnings
from typing import Any

from .. import _checks
from .._grad_mode import _DecoratorContextManager
from ..tensor import Tensor, tensor

__all__ = ["Variable", "variable", "set_multithreading_enabled"]


class _VariableMeta(type):
    def __instancecheck__(cls, other: Any) -> bool:
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """`Variable(data, requires_grad=False, volatile=False)`: `data.detach()` with
    `requires_grad` set. Matches `torch.autograd.Variable`."""

    def __new__(cls, data: Any = None, requires_grad: bool = False,  # type: ignore[misc]
                volatile: bool = False) -> Tensor:
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` "
                          "instead.", UserWarning, stacklevel=_checks.user_stacklevel())
        if data is None:
            data = tensor([])
        elif not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        out = data.detach()
        if requires_grad:
            if not (out.dtype.is_floating_point or out.dtype.is_complex):
                # (torch's legacy constructor words it differently from requires_grad_.)
                raise RuntimeError("Only Tensors of floating point and complex dtype can "
                                   "require gradients")
            out.requires_grad_(True)
        return out


def variable(*args: Any, **kwargs: Any) -> Any:
    """Matches `torch.autograd.variable`: removed, use `tg.tensor`."""
    raise RuntimeError("torch.autograd.variable(...) is deprecated, use torch.tensor(...) instead")


_STATE = threading.local()


def _is_multithreading_enabled() -> bool:
    return getattr(_STATE, "enabled", True)


class set_multithreading_enabled(_DecoratorContextManager):
    """Context manager or function: multithreaded backward on or off (thread-local). Matches
    `torch.autograd.set_multithreading_enabled`; tapegrad's engine is single-threaded."""

    def __init__(self, mode: bool) -> None:
        self.prev = _is_multithreading_enabled()
        _STATE.enabled = bool(mode)
        self.mode = mode

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        _STATE.enabled = self.prev

    def clone(self) -> set_multithreading_enabled:
        return self.__class__(self.mode)
