"""`Parameter`: a leaf Tensor that requires grad and that a `Module` registers on assignment."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor, empty

__all__ = ["Parameter"]

_TENSOR_SLOTS = tuple(s for s in Tensor.__slots__ if s != "__weakref__")


class Parameter(Tensor):
    """A leaf tensor that requires grad (by default) and is registered by `Module.__setattr__`.

    Matches `torch.nn.Parameter`: it shares storage and version counter with `data` (torch's
    `_make_subclass` of a detached alias), and prints as `Parameter containing:` + the tensor.

    >>> import tapegrad as tg
    >>> tg.nn.Parameter(tg.ones(2))
    Parameter containing:
    tensor([1., 1.], requires_grad=True)
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        if data is None:
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): expected a Tensor as data, got {type(data).__name__}")
        alias = data.detach()
        p = object.__new__(cls)
        for slot in _TENSOR_SLOTS:
            object.__setattr__(p, slot, getattr(alias, slot))
        p.requires_grad_(requires_grad)
        return p

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict) -> Parameter:
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.detach().clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol: Any):
        return (_rebuild_parameter, (self.detach().clone(), self.requires_grad))


def _rebuild_parameter(data: Tensor, requires_grad: bool) -> Parameter:
    p = Parameter(data, requires_grad)
    p._vc.version = 1  # as torch's rebuilt parameters
    return p

