"""`Tensor.to`'s argument parsing (torch's three signatures and its TypeError) and the device
change it makes, recorded as torch's `ToCopyBackward0` (NOTE [Devices] in `_device.py`).

A device change is not a table op: its forward is a `jax.device_put` outside any jitted
kernel, and its node sends the gradient back to the source device. A graph holding one runs
node by node (the whole-graph fusion only takes table ops: one XLA program, one device).
"""

from __future__ import annotations

from typing import Any

from .. import _device, _errors
from .. import _grad_mode as grad_mode
from .._dtype import dtype as DType
from .._graph import Node, gradient_edge
from ..tensor import Tensor

__all__ = ["parse_to", "move", "ToCopyBackward0"]

_TO_KWARGS = ("device", "dtype", "non_blocking", "copy", "memory_format")


def _torch_type_name(value: Any) -> str:
    if isinstance(value, Tensor):
        return "Tensor"
    if isinstance(value, DType):
        return "torch.dtype"
    if isinstance(value, _device.device):
        return "torch.device"
    return type(value).__name__


def _bad_args(args: tuple, kwargs: dict) -> TypeError:
    got = ", ".join(_torch_type_name(a) for a in args)
    if kwargs:
        got += (", " if args else "") + "".join(
            f"{k}={_torch_type_name(v)}, " for k, v in kwargs.items())
    return TypeError(_errors.TO_BAD_ARGS.format(got=got))


def _is_device_like(value: Any) -> bool:
    return value is None or isinstance(value, (str, _device.device)) or (
        isinstance(value, int) and not isinstance(value, bool))


def parse_to(args: tuple, kwargs: dict) -> tuple[_device.device | None, DType | None, bool]:
    """(device, dtype, copy) of torch's `to(...)` arguments, with torch's TypeError for a
    combination none of its signatures takes."""
    if len(args) > 4:
        raise TypeError(f"to() takes from 0 to 4 positional arguments but {len(args)} were given")
    if any(k not in _TO_KWARGS for k in kwargs):
        raise _bad_args(args, kwargs)
    dev = kwargs.get("device")
    dt = kwargs.get("dtype")
    rest = args
    if args:
        first = args[0]
        if isinstance(first, Tensor):
            dev, dt, rest = first.device, first.dtype, args[1:]
        elif isinstance(first, DType):
            dt, rest = first, args[1:]
        elif _is_device_like(first):
            dev, rest = first, args[1:]
            if rest and (rest[0] is None or isinstance(rest[0], DType)):
                dt, rest = rest[0], rest[1:]
        else:
            raise _bad_args(args, kwargs)
    if len(rest) > 2 or not all(isinstance(r, bool) for r in rest):
        raise _bad_args(args, kwargs)
    if not _is_device_like(dev) or not (dt is None or isinstance(dt, DType)):
        raise _bad_args(args, kwargs)
    copy = bool(rest[1]) if len(rest) > 1 else bool(kwargs.get("copy", False))
    return (None if dev is None else _device.parse(dev)), dt, copy


class ToCopyBackward0(Node):
    """torch's node of a device change: the gradient goes back to the source device (and
    dtype). Saves no tensor, as torch's."""

    __slots__ = ("_src_device", "_src_dtype")

    def apply(self, grads: list, create_graph: bool) -> list:
        grad = grads[0]
        if grad is None:
            return [None]
        return [grad.to(self._src_device, self._src_dtype)]

    def release_variables(self) -> None:
        pass


def move(self: Tensor, dev: _device.device, converted: Tensor) -> Tensor:
    """`converted` (self, already in the target dtype, not yet recorded as a copy) on device
    `dev`, with a `ToCopyBackward0` whose edge is `self`'s."""
    array = _device.move(converted._storage.array, dev)
    dt = converted.dtype
    if not (self._requires_grad and grad_mode.is_grad_enabled()
            and (dt.is_floating_point or dt.is_complex)):
        return Tensor._make(array)
    a = converted._storage.array
    node = ToCopyBackward0((gradient_edge(self),), ((a.shape, dt),))
    node._src_device = self.device
    node._src_dtype = self.dtype
    return Tensor._make(array, node, 0)
