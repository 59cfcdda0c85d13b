"""`Parameter`: a leaf Tensor that requires grad and that a `Module` registers on assignment."""

from __future__ import annotations

import sys
import weakref
from typing import Any

from .. import _errors
from .._storage import Storage
from ..tensor import Tensor, empty

__all__ = ["Parameter", "UninitializedParameter", "UninitializedBuffer", "is_lazy"]

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



# ------------------------------------------------------------------ lazy (uninitialized) tensors
# NOTE [Uninitialized tensors]
# torch's UninitializedParameter/UninitializedBuffer hold an empty tensor and refuse every torch
# function except a few (size, dtype/device conversions, copy_) through __torch_function__.
# tapegrad has no such dispatch point: ops read `t._storage.array` directly. So the data lives in
# a `_TrapStorage` whose `array` raises torch's ValueError; the mixin below answers the allowed
# queries from the real (empty) array it keeps aside. `materialize` swaps in an ordinary storage
# and changes the class (Parameter, or Tensor for a buffer), in place, as torch does.


_MACHINERY = ("tapegrad.ops", "tapegrad.tensor", "tapegrad._", "tapegrad.nn.functional",
              "tapegrad.nn._", "tapegrad.autograd", "tapegrad.nn.parameter", "tapegrad.special",
              "tapegrad.linalg", "tapegrad.fft")
_GENERIC = {"entry", "wrapper", "inner", "fn", "f", "<lambda>", "<genexpr>", "<listcomp>",
            "__call__", "apply", "_plain", "array", "shape"}


def _in_machinery(frame: Any) -> bool:
    module = frame.f_globals.get("__name__", "")
    return module.startswith(_MACHINERY) or frame.f_code.co_filename.startswith("<tapegrad")


def _op_name() -> str:
    # torch names the function that met the uninitialized tensor; tapegrad names the outermost
    # frame of its op machinery (ops, tensor methods, nn.functional) on the way to the trap.
    frame = sys._getframe(2)
    name = None
    while frame is not None:
        if _in_machinery(frame):
            if frame.f_code.co_name not in _GENERIC:
                name = frame.f_code.co_name
        elif name is not None:
            break
        frame = frame.f_back
    return f"<function {name or 'op'}>"


class _TrapStorage(Storage):
    __slots__ = ("_real", "_kind")

    def __init__(self, array: Any, kind: str) -> None:
        self._real = array
        self._kind = kind

    @property  # type: ignore[override]
    def array(self) -> Any:
        raise ValueError(_errors.UNINITIALIZED_USE.format(func=_op_name(), cls=self._kind))

    @array.setter
    def array(self, value: Any) -> None:
        raise ValueError(_errors.UNINITIALIZED_USE.format(func=_op_name(), cls=self._kind))


def _plain(t: Tensor) -> Tensor:
    """An ordinary leaf over the uninitialized tensor's real (empty) array."""
    out = Tensor._make(t._storage._real)
    out._requires_grad = t._requires_grad
    return out


class UninitializedTensorMixin:
    """The behaviour `UninitializedParameter` and `UninitializedBuffer` share.

    Matches `torch.nn.parameter.UninitializedTensorMixin`: only size/dtype/device queries,
    dtype/device conversions and `materialize` work; any other use raises torch's ValueError.
    """

    __slots__ = ()
    cls_to_become: Any = None

    def materialize(self, shape: Any, device: Any = None, dtype: Any = None) -> None:
        """Give the tensor `shape` (its dtype/device unless given) and make it an ordinary
        Parameter/Tensor in place. Matches `UninitializedTensorMixin.materialize`."""
        real = _plain(self)  # type: ignore[arg-type]
        if device is None:
            device = real.device
        if dtype is None:
            dtype = real.dtype
        new = empty(shape, device=device, dtype=dtype)
        self.__class__ = self.cls_to_become
        self._storage = new._storage  # type: ignore[attr-defined]

    @property
    def shape(self) -> Any:
        # A user's `.shape` is torch's RuntimeError; an op reading it is torch's refused
        # function (ValueError), as torch's __torch_function__ stops the op at its entry.
        if _in_machinery(sys._getframe(1)):
            raise ValueError(_errors.UNINITIALIZED_USE.format(
                func=_op_name(), cls=self._storage._kind))  # type: ignore[attr-defined]
        raise RuntimeError(_errors.UNINITIALIZED_SHAPE)

    def requires_grad_(self, requires_grad: bool = True) -> Any:
        raise ValueError(_errors.UNINITIALIZED_USE.format(
            func="<function requires_grad_>", cls=type(self).__name__))

    def share_memory_(self) -> Any:
        raise RuntimeError(_errors.UNINITIALIZED_SHARE_MEMORY)

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__}>"

    def __reduce_ex__(self, proto: Any) -> Any:
        return (self.__class__, (self.requires_grad,))  # type: ignore[attr-defined]

    # the queries and conversions torch allows (its _allowed_methods and descriptors)
    def size(self, dim: int | None = None) -> Any:
        return _plain(self).size(dim)  # type: ignore[arg-type]

    @property
    def dtype(self) -> Any:
        return _plain(self).dtype  # type: ignore[arg-type]

    @property
    def device(self) -> Any:
        return _plain(self).device  # type: ignore[arg-type]

    @property
    def ndim(self) -> int:
        return 1

    def _convert(self, result: Tensor) -> Tensor:
        # torch: a Parameter subclass's results are plain tensors; a buffer's keep the class
        # (Tensor.__torch_function__ converts them), so a lazy module's .to() keeps them lazy.
        if not isinstance(self, Tensor) or isinstance(self, _ParameterBase):
            return result
        t = object.__new__(type(self))
        for slot in _TENSOR_SLOTS:
            object.__setattr__(t, slot, getattr(result, slot))
        t._storage = _TrapStorage(result._storage.array, type(self).__name__)
        return t

    @property
    def data(self) -> Tensor:
        return self._convert(Tensor._make(self._storage._real))  # type: ignore

    @data.setter
    def data(self, value: Tensor) -> None:
        st = value._storage
        array = st._real if isinstance(st, _TrapStorage) else st.array
        self._storage = _TrapStorage(array, self._storage._kind)  # type: ignore[attr-defined]

    def get_device(self) -> int:
        return _plain(self).get_device()  # type: ignore[arg-type]

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        return self._convert(_plain(self).to(*args, **kwargs))  # type: ignore

    def cpu(self, *args: Any, **kwargs: Any) -> Tensor:
        return self._convert(_plain(self).cpu(*args, **kwargs))  # type: ignore

    def cuda(self, *args: Any, **kwargs: Any) -> Tensor:
        return self._convert(_plain(self).cuda(*args, **kwargs))  # type: ignore

    def half(self) -> Tensor:
        return self._convert(_plain(self).half())  # type: ignore

    def float(self) -> Tensor:
        return self._convert(_plain(self).float())  # type: ignore

    def double(self) -> Tensor:
        return self._convert(_plain(self).double())  # type: ignore

    def char(self) -> Tensor:
        return self._convert(_plain(self).char())  # type: ignore

    def short(self) -> Tensor:
        return self._convert(_plain(self).short())  # type: ignore

    def int(self) -> Tensor:
        return self._convert(_plain(self).int())  # type: ignore

    def long(self) -> Tensor:
        return self._convert(_plain(self).long())  # type: ignore


_ParameterBase = Parameter


def is_lazy(param: Any) -> bool:
    """Whether `param` is an UninitializedParameter or UninitializedBuffer.

    Matches `torch.nn.parameter.is_lazy`."""
    return isinstance(param, UninitializedTensorMixin)


def _uninitialized(cls: type, requires_grad: bool, device: Any, dtype: Any) -> Any:
    real = empty(0, device=device, dtype=dtype)
    t = object.__new__(cls)
    for slot in _TENSOR_SLOTS:
        object.__setattr__(t, slot, getattr(real, slot))
    t._storage = _TrapStorage(real._storage.array, cls.__name__)
    t.requires_grad = requires_grad  # (the setter: torch refuses requires_grad_() on these)
    return t


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A parameter whose shape is not known yet (a lazy module's, until its first forward).

    Matches `torch.nn.parameter.UninitializedParameter`.
    """

    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device: Any = None,
                dtype: Any = None) -> UninitializedParameter:
        return _uninitialized(cls, requires_grad, device, dtype)

    def __init__(self, requires_grad: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        pass

    def __deepcopy__(self, memo: dict) -> Any:
        # (only the parameter: torch's UninitializedBuffer refuses deepcopy as any use)
        if id(self) in memo:
            return memo[id(self)]
        real = _plain(self)
        result = type(self)(self.requires_grad, real.device, real.dtype)
        memo[id(self)] = result
        return result


# the persistent flag of uninitialized buffers made with persistent=False, by id
_NON_PERSISTENT: set[int] = set()


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape is not known yet. Matches `torch.nn.parameter.UninitializedBuffer`.
    """

    __slots__ = ()
    cls_to_become = Tensor
    _is_buffer = True

    def __new__(cls, requires_grad: bool = False, device: Any = None, dtype: Any = None,
                persistent: bool = True) -> UninitializedBuffer:
        t = _uninitialized(cls, requires_grad, device, dtype)
        if not persistent:
            _NON_PERSISTENT.add(id(t))
            weakref.finalize(t, _NON_PERSISTENT.discard, id(t))
        return t

    def __init__(self, requires_grad: bool = False, device: Any = None, dtype: Any = None,
                 persistent: bool = True) -> None:
        pass

    @property
    def persistent(self) -> bool:
        return id(self) not in _NON_PERSISTENT
