"""Tensor: a JAX array plus torch's autograd bookkeeping (leaf/grad/grad_fn/version/aliasing).

The tensor layer: it knows nothing of graphs, ops or the engine. Op methods (`add`,
`__mul__`, `sum`, ...), `grad_fn` and `backward` are attached by the layers that implement
them (see NOTE [Registration point] in `_bind.py`). This module holds the data, aliasing,
the user-facing attributes and the factories.

NOTE [Inference tensors]
torch's inference tensors have no version counter. tapegrad marks a tensor made inside
`inference_mode` by giving it an `InferenceVersionCounter`, so `detach()` and views (which
share the counter) are inference tensors too, as in torch. The marker drives
`Tensor.is_inference()`, `SavedTensor` refusing to save one (torch's error), and `_version`,
in-place writes and `requires_grad_()` outside inference mode (torch's errors). The checks
cost one module-global read until inference mode is first entered. The in-place check sits
in `_set_array`, the one write every in-place op makes: after torch's leaf/view checks and,
as in torch, after the value is written (torch raises once its kernel ran).
Known differences: torch gives `detach()`/`.data` of an inference tensor (made outside
inference mode) a version counter (`_version` 0) and `clone()` of one `_version` 1. `.data`
of an inference tensor gets a fresh (plain) counter here, so it is not reported as an
inference tensor (torch: it is).
"""

from __future__ import annotations

import math
import sys
import warnings
import weakref
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import _checks, _device, _dtype, _errors, _x64
from . import _grad_mode as grad_mode
from ._device import device
from ._dtype import dtype as DType
from ._storage import (InferenceVersionCounter, StopGradientStorage, Storage, VersionCounter,
                       guard_lowered_write)
from ._tensor_str import tensor_repr
from .utils.hooks import HookDict, RemovableHandle, add_hook
from ._checks import user_stacklevel

__all__ = ["Tensor", "tensor", "from_jax", "zeros", "ones", "full", "arange", "eye",
           "zeros_like", "ones_like", "full_like", "empty", "device", "Size"]


class Size(tuple):
    """A tensor shape. Matches `torch.Size` (prints as `torch.Size([2, 3])`, as torch does)."""

    def __repr__(self) -> str:
        return f"torch.Size([{', '.join(str(int(s)) for s in self)}])"

    __str__ = __repr__

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    # torch.Size stays a Size under slicing, concatenation and repetition.
    def __getitem__(self, index):
        result = super().__getitem__(index)
        return Size(result) if isinstance(index, slice) else result

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))

    def __mul__(self, n):
        return Size(tuple(self) * n)

    __rmul__ = __mul__


class Tensor:
    """A multi-dimensional array with torch's autograd semantics, backed by a `jax.Array`.

    Matches `torch.Tensor`. Create one with `tapegrad.tensor(...)` or a factory.
    """

    __slots__ = ("_storage", "_vc", "_requires_grad", "_grad_fn", "_output_nr", "_grad",
                 "_retains_grad", "_backward_hooks", "_post_acc_hooks", "_grad_acc",
                 "_base", "_view_strided", "_view_version", "__weakref__")

    # ----------------------------------------------------------------- construction
    @staticmethod
    def _make(array, grad_fn: Any = None, output_nr: int = 0,
              vc: VersionCounter | None = None, storage: Storage | None = None) -> Tensor:
        t = object.__new__(Tensor)
        t._storage = storage if storage is not None else Storage(array)
        if vc is None:
            vc = (InferenceVersionCounter() if grad_mode.inference_used
                  and grad_mode.is_inference_mode_enabled() else VersionCounter())
        t._vc = vc
        t._requires_grad = grad_fn is not None
        t._grad_fn = grad_fn
        t._output_nr = output_nr
        t._grad = None
        t._retains_grad = False
        t._backward_hooks = None
        t._post_acc_hooks = None
        t._grad_acc = None
        t._base = None  # the tensor this one is a view of (torch's ._base), if any
        t._view_strided = False  # a view torch would give non-contiguous strides
        t._view_version = 0  # version when a view's grad_fn was last set (see ops/views.py: grad_fn)
        return t

    def __new__(cls, *args: Any, **kwargs: Any) -> Tensor:
        # torch's legacy constructor: `Tensor(2, 3)`, `Tensor([1, 2])` (default dtype).
        if cls is not Tensor:
            return object.__new__(cls)
        return legacy_new(_dtype.get_default_dtype(), "Tensor", args, kwargs)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        register_pytree(cls)  # NOTE [Tensors as pytrees]: subclasses (Parameter) too

    # ----------------------------------------------------------------- data
    @property
    def shape(self) -> Size:
        return Size(self._storage.array.shape)

    def size(self, dim: int | None = None):
        """Matches `torch.Tensor.size`."""
        if dim is None:
            return self.shape
        return self._storage.array.shape[_checks.wrap_dim(dim, self.ndim, wrap_scalar=False)]

    @property
    def dtype(self) -> DType:
        return _dtype.from_numpy_dtype(self._storage.array.dtype)

    @property
    def ndim(self) -> int:
        return self._storage.array.ndim

    def dim(self) -> int:
        return self._storage.array.ndim

    def numel(self) -> int:
        return int(np.prod(self._storage.array.shape, dtype=np.int64))

    def nelement(self) -> int:
        return self.numel()

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._storage.array.shape[0]

    @property
    def device(self) -> device:
        """torch's name of the device the data is on (NOTE [Devices] in `_device.py`)."""
        return _device.of_array(self._storage.array)

    @property
    def is_cuda(self) -> bool:
        return _device.MULTI and self.device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        return not _device.MULTI or self.device.type == "cpu"

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    def is_complex(self) -> bool:
        return self.dtype.is_complex

    def element_size(self) -> int:
        return self.dtype.itemsize

    @property
    def _version(self) -> int:
        if type(self._vc) is InferenceVersionCounter:
            raise RuntimeError(_errors.INFERENCE_VERSION)
        return self._vc.version

    def is_inference(self) -> bool:
        """True for a tensor made in inference mode (or a view/detach of one).

        Matches `torch.Tensor.is_inference`. See NOTE [Inference tensors]."""
        return type(self._vc) is InferenceVersionCounter

    # ----------------------------------------------------------------- conversions
    def jax(self) -> jax.Array:
        """The underlying `jax.Array` (no copy)."""
        return self._storage.array

    def __jax_array__(self) -> jax.Array:
        return self._storage.array

    def __dlpack__(self, *, stream: Any = None, **kwargs: Any) -> Any:
        """Export through DLPack (to torch, NumPy, ...). As torch, refused for a tensor that
        requires grad; the consumer shares the JAX buffer, which must then not be written."""
        if self._requires_grad:
            raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
        return self._storage.array.__dlpack__(stream=stream, **kwargs)

    def __dlpack_device__(self) -> tuple:
        return self._storage.array.__dlpack_device__()

    def __array__(self, dtype=None, copy=None):
        if self.requires_grad:
            raise RuntimeError(_errors.NUMPY_REQUIRES_GRAD)
        return np.asarray(self._storage.array, dtype=dtype)

    def numpy(self) -> np.ndarray:
        """Matches `torch.Tensor.numpy` (refuses tensors that require grad, or not on the CPU,
        as torch does)."""
        if _device.MULTI and self.device.type != "cpu":
            raise TypeError(_errors.NUMPY_NOT_CPU.format(device=self.device))
        if self.requires_grad:
            raise RuntimeError(_errors.NUMPY_REQUIRES_GRAD)
        return np.asarray(self._storage.array)

    def tolist(self) -> Any:
        return np.asarray(self._storage.array).tolist()

    def item(self) -> int | float | bool:
        """Matches `torch.Tensor.item`."""
        n = self.numel()
        if n != 1:
            raise RuntimeError(_errors.ITEM_NUMEL.format(numel=n))
        return np.asarray(self._storage.array).reshape(()).item()

    def __float__(self) -> float:
        global _warned_float
        if self._requires_grad and not _warned_float:
            _warned_float = True  # torch warns once per process (TORCH_WARN_ONCE)
            warnings.warn(_errors.SCALAR_REQUIRES_GRAD, UserWarning, stacklevel=user_stacklevel())
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        n = self.numel()
        if n != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with {'no values' if n == 0 else 'more than one value'}"
                " is ambiguous")
        return bool(self.item())

    def __index__(self) -> int:
        if self.dtype.is_floating_point or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __hash__(self) -> int:
        return id(self)

    # Pickling and copying, as torch: a tensor pickles as its value and `requires_grad` (a
    # non-leaf comes back a leaf); deepcopy of a non-leaf is refused, of a leaf copies `.grad`.
    def __reduce_ex__(self, protocol: Any) -> tuple:
        for hooks in (self._backward_hooks, self._post_acc_hooks):
            for hook in (hooks or {}).values():
                warnings.warn(_errors.HOOK_NOT_SERIALIZED.format(hook=hook), UserWarning,
                              stacklevel=user_stacklevel())
        return (_rebuild_tensor, (np.asarray(self._storage.array), self._requires_grad))

    def __deepcopy__(self, memo: dict) -> Tensor:
        if id(self) in memo:
            return memo[id(self)]
        if self._grad_fn is not None:
            raise RuntimeError(_errors.DEEPCOPY_NON_LEAF)
        new = _leaf(self._storage.array, self._requires_grad)  # arrays are immutable
        new._vc.version = 1  # torch's deepcopy fills a new tensor in place
        memo[id(self)] = new
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        return new

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def __repr__(self) -> str:
        return tensor_repr(self)

    def __format__(self, spec: str) -> str:
        # torch: a 0-d tensor formats as its Python number, even with an empty spec.
        if self.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    # ----------------------------------------------------------------- autograd attributes
    @property
    def requires_grad(self) -> bool:
        if self._requires_grad:
            if getattr(self._storage, "drop_edge", False):
                # A no_grad view's flag is its base's (ViewStorage.drop_edge), even after
                # the base is detached in place.
                base = self._base
                return isinstance(base, Tensor) and base.requires_grad
            return True
        # torch: a view requires grad if its base does (its base may have gained history by
        # an in-place op since the view was made).
        base = self._base
        return isinstance(base, Tensor) and base.requires_grad and self._grad_fn is None

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self._set_requires_grad(value, _errors.ONLY_FLOAT_REQUIRES_GRAD_SETTER)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Matches `torch.Tensor.requires_grad_`."""
        self._set_requires_grad(requires_grad, _errors.ONLY_FLOAT_REQUIRES_GRAD_METHOD)
        return self

    def _set_requires_grad(self, requires_grad: bool, dtype_error: str) -> None:
        if (requires_grad and type(self._vc) is InferenceVersionCounter
                and not grad_mode.is_inference_mode_enabled()):
            raise RuntimeError(_errors.INFERENCE_REQUIRES_GRAD)
        if self._grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(_errors.NON_LEAF_REQUIRES_GRAD)
            return
        if requires_grad and not (self.dtype.is_floating_point or self.dtype.is_complex):
            raise RuntimeError(dtype_error)
        self._requires_grad = bool(requires_grad)
        if requires_grad and getattr(self._storage, "drop_edge", False):
            self._storage.drop_edge = False  # its own flag is set now: it accumulates

    @property
    def is_leaf(self) -> bool:
        if self._base is not None:
            return self.grad_fn is None  # torch reads grad_fn(): a stale view's checks run
        return self._grad_fn is None

    @property
    def output_nr(self) -> int:
        return self._output_nr

    @property
    def grad(self) -> Tensor | None:
        if self._grad_fn is not None and not self._retains_grad:
            # torch warns (and returns None) when .grad of a non-leaf is read.
            warnings.warn(_errors.NON_LEAF_GRAD_ACCESS, UserWarning, stacklevel=user_stacklevel())
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(_errors.ASSIGN_GRAD_NOT_TENSOR.format(
                    type_name=type(value).__name__))
            # torch checks the dtype first, then the size.
            if value.dtype is not self.dtype:
                raise RuntimeError(_errors.ASSIGN_GRAD_DTYPE.format(
                    grad_dtype=value.dtype.type_meta_name,
                    dtype=self.dtype.scalar_name))
            if tuple(value.shape) != tuple(self.shape):
                raise RuntimeError(_errors.ASSIGN_GRAD_SIZE.format(
                    grad_size=list(value.shape), size=list(self.shape)))
        self._grad = value

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def retain_grad(self) -> None:
        """Keep `.grad` for this non-leaf during backward. Matches `torch.Tensor.retain_grad`."""
        if not self._requires_grad:
            raise RuntimeError(_errors.RETAIN_GRAD_NO_GRAD)
        if self._grad_fn is None or self._retains_grad:
            return
        ref = weakref.ref(self)

        def retain_grad_hook(grad: Tensor) -> None:
            var = ref()
            if var is None or grad is None:
                return
            if var._grad is None:
                var._grad = _fresh(grad.detach()) if not grad_mode.is_grad_enabled() else grad
            else:
                var._grad = var._grad + grad

        fn = self._grad_fn
        if fn._retains_grad_hooks is None:
            fn._retains_grad_hooks = {}
        fn._retains_grad_hooks[self._output_nr] = retain_grad_hook
        self._retains_grad = True

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Run `hook(grad)` when this tensor's gradient is computed; it may return a new one.

        Matches `torch.Tensor.register_hook`.
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            return self._grad_fn._add_tensor_pre_hook(self._output_nr, hook)
        if self._backward_hooks is None:
            self._backward_hooks = HookDict()
        return add_hook(self._backward_hooks, hook)

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]) -> RemovableHandle:
        """Run `hook(tensor)` after `.grad` of this leaf was accumulated."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            raise RuntimeError(
                "post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_acc_hooks is None:
            self._post_acc_hooks = HookDict()
        return add_hook(self._post_acc_hooks, hook)

    def detach(self) -> Tensor:
        """A leaf sharing storage and version counter. Matches `torch.Tensor.detach`."""
        return Tensor._make(None, None, 0, self._vc, _detached_storage(self._storage))

    def detach_(self) -> Tensor:
        """Make this tensor a leaf that does not require grad. Matches `torch.Tensor.detach_`."""
        if self._base is not None:
            raise RuntimeError(_errors.DETACH_VIEW_INPLACE)
        self._grad_fn = None
        self._output_nr = 0
        self._requires_grad = False
        self._storage = _detached_storage(self._storage)
        return self

    @property
    def data(self) -> Tensor:
        # See NOTE [Storage and version counter]: `.data` gets a fresh version counter.
        return Tensor._make(None, None, 0, VersionCounter(), _detached_storage(self._storage))

    @data.setter
    def data(self, value: Tensor) -> None:
        guard_lowered_write(self._storage)  # NOTE [Lowered tg.func levels]
        self._storage = value._storage

    # ----------------------------------------------------------------- in-place support
    def _set_array(self, array) -> None:
        """Write a new value into the shared storage and bump the shared version."""
        guard_lowered_write(self._storage)  # NOTE [Lowered tg.func levels]
        self._storage.array = array
        self._vc.version += 1
        # torch checks after its kernel ran: the value is written, then the error raised.
        if (type(self._vc) is InferenceVersionCounter
                and not grad_mode.is_inference_mode_enabled()):
            raise RuntimeError(_errors.INFERENCE_INPLACE)


_warned_float = False


def _detached_storage(storage: Storage) -> Storage:
    """The storage `detach()`/`.data` share: the same box, or for a JAX tracer one that reads
    it through stop_gradient (NOTE [Untracked writes under JAX transforms] in `_storage.py`)."""
    if isinstance(storage.array, jax.core.Tracer):
        return StopGradientStorage(storage)
    return storage


# Views returned by a custom Function, by id: (weakref, output_nr, Function name). torch marks
# them CreationMeta::IN_CUSTOM_FUNCTION: writing them, or reading their grad_fn after their
# base was written, raises (the view+inplace logic would bypass the custom backward). A side
# table, not a slot: the check costs nothing while it is empty, which is nearly always.
CUSTOM_FUNCTION_VIEWS: dict[int, tuple] = {}


def mark_custom_function_view(t: Tensor, output_nr: int, name: str, multi: bool) -> None:
    """Record `t`, a view output of custom Function `name`: torch's IN_CUSTOM_FUNCTION, or
    MULTI_OUTPUT_NODE when the Function has more than one differentiable output."""
    key = id(t)
    CUSTOM_FUNCTION_VIEWS[key] = (weakref.ref(t, lambda _: CUSTOM_FUNCTION_VIEWS.pop(key, None)),
                                  output_nr, name, multi)


def custom_function_view_error(t: Tensor, indirect: bool) -> RuntimeError | None:
    """torch's error for `t` if it is a custom Function's view output, else None."""
    entry = CUSTOM_FUNCTION_VIEWS.get(id(t))
    if entry is None or entry[0]() is not t:
        return None
    _, index, name, multi = entry
    if multi:
        message = _errors.MULTI_OUTPUT_VIEW_INPLACE.format(index=index, name=name)
        if indirect:
            message = message.replace(_errors.CUSTOM_VIEW_DIRECT, _errors.CUSTOM_VIEW_INDIRECT, 1)
        return RuntimeError(message)
    how = _errors.CUSTOM_VIEW_INDIRECT if indirect else _errors.CUSTOM_VIEW_DIRECT
    return RuntimeError(_errors.CUSTOM_FUNCTION_VIEW_INPLACE.format(index=index, name=name,
                                                                    how=how))


def _fresh(t: Tensor) -> Tensor:
    """A new tensor with its own storage box and version counter (an O(1) 'clone')."""
    return Tensor._make(t._storage.array)


# --------------------------------------------------------------------- factories
def _infer_dtype(data) -> DType:
    if isinstance(data, Tensor):
        return data.dtype
    if isinstance(data, (bool, np.bool_)):
        return _dtype.bool
    if isinstance(data, (int, np.integer)):
        return _dtype.int64 if not isinstance(data, np.integer) else _dtype.from_numpy_dtype(
            data.dtype)
    if isinstance(data, (float, np.floating)):
        return (_dtype.get_default_dtype() if not isinstance(data, np.floating)
                else _dtype.from_numpy_dtype(data.dtype))
    if isinstance(data, complex):
        return (_dtype.complex128 if _dtype.get_default_dtype() is _dtype.float64
                else _dtype.complex64)
    if isinstance(data, np.ndarray):
        return _dtype.from_numpy_dtype(data.dtype)
    if isinstance(data, jax.Array):
        return _dtype.from_numpy_dtype(data.dtype)
    if isinstance(data, (list, tuple)):
        if len(data) == 0:
            return _dtype.get_default_dtype()
        best = None
        for item in data:
            d = _infer_dtype(item)
            best = d if best is None else _scalar_list_promote(best, d)
        return best
    if isinstance(data, str):
        raise ValueError(_errors.TENSOR_STR_DATA.format(type_name=type(data).__name__))
    if _is_torch_tensor(data):
        return _dtype.from_numpy_dtype(_torch_to_numpy(data).dtype)
    raise RuntimeError(_errors.TENSOR_INFER_DTYPE.format(type_name=type(data).__name__))


def _torch_tensor_type() -> type | tuple:
    """torch.Tensor if torch is loaded, else () (torch is never imported here: if some data
    is a torch tensor, torch is loaded)."""
    torch = sys.modules.get("torch")
    return getattr(torch, "Tensor", ()) if torch is not None else ()


def _is_torch_tensor(data) -> bool:
    return isinstance(data, _torch_tensor_type())


def _torch_to_numpy(t) -> np.ndarray:
    """A torch tensor's values on the host (bfloat16, which NumPy lacks, through its bits)."""
    t = t.detach().cpu().resolve_conj().resolve_neg()
    if str(t.dtype) == "torch.bfloat16":
        return t.contiguous().view(sys.modules["torch"].int16).numpy().view(jnp.bfloat16)
    return t.numpy()


# NumPy element types torch converts (and bfloat16, which tapegrad's own arrays use).
_NUMPY_TYPES = frozenset(np.dtype(t) for t in (
    np.bool_, np.uint8, np.uint16, np.uint32, np.uint64, np.int8, np.int16, np.int32, np.int64,
    np.float16, np.float32, np.float64, np.complex64, np.complex128, jnp.bfloat16))


def check_ndarray(data: np.ndarray) -> None:
    """torch's checks of a NumPy array it converts: element type, byte order, strides."""
    if data.dtype.newbyteorder("=") not in _NUMPY_TYPES:
        raise TypeError(_errors.NUMPY_UNSUPPORTED_DTYPE.format(
            type_name=data.dtype.type.__name__))
    if not data.dtype.isnative:
        raise ValueError(_errors.NUMPY_BYTE_ORDER)
    if any(s < 0 for s in data.strides):
        raise ValueError(_errors.NUMPY_NEGATIVE_STRIDES)


def _scalar_list_promote(a: DType, b: DType) -> DType:
    # torch.tensor([1, 2.5]) is float32, [True, 2] is int64: Python values promote by category.
    if a is b:
        return a
    if a.is_floating_point and b.is_floating_point:
        return _dtype.promote_types(a, b)
    order = lambda d: (0 if d is _dtype.bool else 1 if not (d.is_floating_point or d.is_complex)  # noqa: E731
                       else 2 if d.is_floating_point else 3)
    return a if order(a) >= order(b) else b


def _check_sequence_shape(data) -> None:
    """torch's compute_sizes + recursive_store: the shape comes from the first element at each
    level, and every sequence must then match it (torch's ValueError/TypeError otherwise)."""
    sizes = []
    item = data
    while isinstance(item, (list, tuple)):
        sizes.append(len(item))
        if not item:
            break
        item = item[0]

    def check(seq, dim: int) -> None:
        if dim == len(sizes):
            return
        if not isinstance(seq, (list, tuple, Tensor, np.ndarray)):
            raise TypeError(_errors.TENSOR_NOT_A_SEQUENCE)
        if isinstance(seq, (list, tuple)):
            if len(seq) != sizes[dim]:
                raise ValueError(_errors.TENSOR_RAGGED.format(
                    length=sizes[dim], dim=dim, got=len(seq)))
            for element in seq:
                check(element, dim + 1)

    if isinstance(data, (list, tuple)) and sizes[-1] != 0:
        check(data, 0)


def _to_numpy(data):
    if isinstance(data, Tensor):
        return np.asarray(data._storage.array)
    if isinstance(data, (list, tuple)):
        kinds = (Tensor, _torch_tensor_type())
        return np.array([_to_numpy(d) for d in data]) if any(
            isinstance(d, kinds) for d in data) else data
    if _is_torch_tensor(data):
        return _torch_to_numpy(data)
    return data


def _check_requires_grad(dt: DType, requires_grad: bool) -> None:
    if requires_grad and not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError(_errors.ONLY_FLOAT_REQUIRES_GRAD)


def _leaf(array, requires_grad: bool) -> Tensor:
    t = Tensor._make(array)
    t._requires_grad = requires_grad
    return t


@_x64.scoped
def tensor(*args: Any, dtype: DType | None = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Make a leaf tensor from data (copying). Matches `torch.tensor`.

    >>> tensor([1.], requires_grad=True)
    tensor([1.], requires_grad=True)
    """
    # Positional arguments are counted by hand to give torch's TypeError text.
    if len(args) != 1:
        if not args:
            raise TypeError(_errors.TENSOR_NO_DATA)
        raise TypeError(_errors.TENSOR_TOO_MANY_ARGS.format(n=len(args)))
    data = args[0]
    if isinstance(data, Tensor):
        warnings.warn(_errors.TENSOR_OF_TENSOR, UserWarning, stacklevel=user_stacklevel())
    elif isinstance(data, np.ndarray):
        check_ndarray(data)
    elif _is_torch_tensor(data):  # a foreign tensor is data, as a NumPy array (no warning)
        data = _torch_to_numpy(data)
    dt = dtype if dtype is not None else _infer_dtype(data)
    _check_requires_grad(dt, requires_grad)
    if isinstance(data, jax.Array):
        array = data.astype(dt.np)
    else:
        _check_sequence_shape(data)
        # torch converts out-of-range Python floats to inf without a warning.
        with np.errstate(over="ignore"):
            # Always a copy, as torch.tensor (device_put may alias a NumPy buffer on CPU; this
            # one is private). device_put, not jnp.array: no XLA program per shape to compile.
            array = jax.device_put(np.array(_to_numpy(data), dtype=dt.np, copy=True))
    return _leaf(_device.place(array, device, "tensor"), requires_grad)


@_x64.scoped
def from_dlpack(ext_tensor: Any, *, device: Any = None, copy: bool | None = None) -> Tensor:
    """A tensor over another library's buffer (a torch tensor, a NumPy array, ...) through
    DLPack, without a copy where the device allows. Matches `torch.from_dlpack`; the buffer
    becomes a JAX array, which JAX assumes nobody writes: copy (`tg.tensor(...)`) instead if
    the producer will change it in place."""
    if not hasattr(ext_tensor, "__dlpack__"):
        raise RuntimeError(_errors.DLPACK_INVALID_CAPSULE)
    array = jax.dlpack.from_dlpack(ext_tensor)
    if copy:
        array = jnp.array(array, copy=True)
    return from_jax(_device.place(array, device, "from_dlpack") if device is not None else array)


@_x64.scoped
def from_jax(array: jax.Array, *, requires_grad: bool = False) -> Tensor:
    """Wrap a JAX array (or tracer) as a leaf tensor without copying."""
    dt = _dtype.from_numpy_dtype(array.dtype)
    _check_requires_grad(dt, requires_grad)
    return _leaf(array, requires_grad)


@_x64.scoped
def _rebuild_tensor(array: np.ndarray, requires_grad: bool) -> Tensor:
    """Unpickle a tensor (see `Tensor.__reduce_ex__`). torch rebuilds by `set_`: version 1."""
    t = _leaf(jnp.asarray(array), requires_grad)
    t._vc.version = 1
    return t


# NOTE [Host-built factories]: a small zeros/ones/empty/arange is built by NumPy and put on the
# device; through JAX (`jnp.zeros(shape)`) each new shape compiles an XLA program first, which
# dominated a fresh process's first steps (a model's constructor makes parameters of a dozen
# shapes). Values are exact either way (0 and 1 in every dtype; arange's values cast once,
# except to bfloat16, where NumPy's cast could round twice). Large ones stay on the device
# kernel: no host fill and transfer, and no large constant inside a compiled program.
_HOST_FILL_MAX = 1 << 16


def _filled(shape: tuple[int, ...], dt: Any, value: int) -> jax.Array:
    if math.prod(shape) <= _HOST_FILL_MAX:
        return jax.device_put((np.zeros if value == 0 else np.ones)(shape, dt))
    return (jnp.zeros if value == 0 else jnp.ones)(shape, dt)


def _sizes(size: tuple, name: str | None = None) -> tuple[int, ...]:
    """A factory's size, with torch's error for a negative dimension."""
    shape = _checks.parse_size(size)
    for s in shape:
        if s < 0:
            if name is not None:  # torch's zeros checks its sizes itself, in its own words
                raise RuntimeError(_errors.FACTORY_NEGATIVE.format(name=name))
            raise RuntimeError(_errors.NEGATIVE_DIMENSION.format(size=s, sizes=list(shape)))
    return shape


@_x64.scoped
def zeros(*size, dtype: DType | None = None, layout: Any = None, device: Any = None,
          requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Matches `torch.zeros`."""
    dt = dtype or _dtype.get_default_dtype()
    _check_requires_grad(dt, requires_grad)
    return _leaf(_device.place(_filled(_sizes(size, "zeros"), dt.np, 0), device, "zeros"),
                 requires_grad)


@_x64.scoped
def ones(*size, dtype: DType | None = None, layout: Any = None, device: Any = None,
         requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Matches `torch.ones`."""
    dt = dtype or _dtype.get_default_dtype()
    _check_requires_grad(dt, requires_grad)
    return _leaf(_device.place(_filled(_sizes(size), dt.np, 1), device, "ones"), requires_grad)


@_x64.scoped
def empty(*size, dtype: DType | None = None, layout: Any = None, device: Any = None,
          requires_grad: bool = False, pin_memory: bool = False,
          memory_format: Any = None) -> Tensor:
    """Matches `torch.empty` (zero-filled: JAX has no uninitialized memory)."""
    dt = dtype or _dtype.get_default_dtype()
    _check_requires_grad(dt, requires_grad)
    return _leaf(_device.place(_filled(_sizes(size), dt.np, 0), device, "empty"), requires_grad)


@_x64.scoped
def full(size, fill_value, *, dtype: DType | None = None, layout: Any = None,
         device: Any = None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    dt = dtype or _infer_dtype(fill_value)
    _check_requires_grad(dt, requires_grad)
    return _leaf(_device.place(jnp.full(_sizes((size,)), fill_value, dt.np), device, "full"),
                 requires_grad)


@_x64.scoped
def arange(start, end=None, step=1, *, dtype: DType | None = None, layout: Any = None,
           device: Any = None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError(_errors.ARANGE_STEP_ZERO)
    if (end - start) * step < 0:
        raise RuntimeError(_errors.ARANGE_BOUNDS)
    dt = dtype or _infer_dtype([start, end, step])
    _check_requires_grad(dt, requires_grad)
    values = np.arange(start, end, step)
    if values.size <= _HOST_FILL_MAX and dt.np != jnp.bfloat16:  # NOTE [Host-built factories]
        array = jax.device_put(values.astype(dt.np))
    else:
        array = jnp.asarray(values, dtype=dt.np)
    return _leaf(_device.place(array, device, "arange"), requires_grad)


@_x64.scoped
def eye(n: int, m: int | None = None, *, dtype: DType | None = None, layout: Any = None,
        device: Any = None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    dt = dtype or _dtype.get_default_dtype()
    _check_requires_grad(dt, requires_grad)
    for name, value in (("n", n), ("m", m)):
        if value is not None and value < 0:
            raise RuntimeError(_errors.EYE_NEGATIVE.format(name=name, value=value))
    return _leaf(_device.place(jnp.eye(n, m, dtype=dt.np), device, "eye"), requires_grad)


def like_device(t: Tensor, device: Any, name: str) -> Any:
    """The device of a `*_like` factory `name`: `device`, else the input's (None when that is
    the only device there is: nothing to place)."""
    if device is not None:
        _device.check_arg(device, name)
        return device
    return t.device if _device.MULTI else None


@_x64.scoped
def zeros_like(input: Tensor, *, dtype: DType | None = None, layout: Any = None,
               device: Any = None, requires_grad: bool = False,
               memory_format: Any = None, pin_memory: bool = False) -> Tensor:
    """Matches `torch.zeros_like`."""
    return zeros(tuple(input.shape), dtype=dtype or input.dtype,
                 device=like_device(input, device, "zeros_like"),
                 requires_grad=requires_grad)


@_x64.scoped
def ones_like(input: Tensor, *, dtype: DType | None = None, layout: Any = None,
              device: Any = None, requires_grad: bool = False,
              memory_format: Any = None, pin_memory: bool = False) -> Tensor:
    """Matches `torch.ones_like`."""
    return ones(tuple(input.shape), dtype=dtype or input.dtype,
                device=like_device(input, device, "ones_like"),
                requires_grad=requires_grad)


@_x64.scoped
def full_like(input: Tensor, fill_value, *, dtype: DType | None = None, layout: Any = None,
              device: Any = None, requires_grad: bool = False,
              memory_format: Any = None, pin_memory: bool = False) -> Tensor:
    """Matches `torch.full_like`."""
    return full(tuple(input.shape), fill_value, dtype=dtype or input.dtype,
                device=like_device(input, device, "full_like"), requires_grad=requires_grad)


@_x64.scoped
def legacy_new(dt: _dtype.dtype, name: str, args: tuple, kwargs: dict) -> Tensor:
    """`torch.Tensor(...)` / `torch.FloatTensor(...)`: sizes (zeros: no uninitialized
    memory), a sequence of data, or a tensor of that dtype (returned as is)."""
    extra = sorted(k for k in kwargs if k != "device")
    if extra:
        given = ", ".join([type(a).__name__ for a in args]
                          + [f"{k}={type(kwargs[k]).__name__}" for k in extra])
        raise TypeError(f"new() received an invalid combination of arguments - got ({given}),"
                        " but expected one of:")
    if not args:
        return zeros((0,), dtype=dt)
    if len(args) == 1 and isinstance(args[0], Tensor):
        if args[0].dtype is not dt:
            raise TypeError(f"expected {dt.scalar_name} (got {args[0].dtype.scalar_name})")
        return args[0].detach()  # an alias of the data, as torch's
    if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        return zeros(tuple(args), dtype=dt)
    if len(args) == 1 and isinstance(args[0], (tuple, list, Size)) and isinstance(
            args[0], Size):
        return zeros(tuple(args[0]), dtype=dt)
    if len(args) == 1:
        return tensor(args[0], dtype=dt)
    raise TypeError(f"new() received an invalid combination of arguments - got "
                    f"({', '.join(type(a).__name__ for a in args)}), but expected "
                    f"one of:")


# NOTE [Tensors as pytrees]
# Tensor and its subclasses are JAX pytree nodes: the one child is the data array, the aux
# data is `requires_grad` (the node type is the class), so tensors pass through `jax.jit`,
# `jax.vmap`, `jax.device_put`, `jax.tree_util`, optax and equinox filters. Unflattening
# builds a new leaf of the same class with the same `requires_grad` around whatever JAX hands
# back (an array, a tracer, or a placeholder JAX uses internally: nothing is checked here).
# Only the data and the flag travel: grad_fn, .grad, hooks, version counter and aliasing do
# not survive a round trip. tapegrad's own traversals that treat tensors as leaves pass
# `is_leaf=is_pytree_leaf`.
_DATA_KEY = jax.tree_util.GetAttrKey("data")
_SLOTS = tuple(s for s in Tensor.__slots__ if s != "__weakref__")


def _tree_flatten(t: Tensor) -> tuple:
    return (t._storage.array,), t._requires_grad


def _tree_flatten_with_keys(t: Tensor) -> tuple:
    return ((_DATA_KEY, t._storage.array),), t._requires_grad


def register_pytree(cls: type) -> None:
    """Register a Tensor class as a JAX pytree node (NOTE [Tensors as pytrees])."""
    def unflatten(requires_grad: bool, children: Any) -> Tensor:
        t = Tensor._make(children[0])
        if cls is not Tensor:
            sub = object.__new__(cls)
            for slot in _SLOTS:
                object.__setattr__(sub, slot, getattr(t, slot))
            t = sub
        t._requires_grad = requires_grad
        return t

    jax.tree_util.register_pytree_with_keys(cls, _tree_flatten_with_keys, unflatten,
                                            _tree_flatten)


def is_pytree_leaf(x: Any) -> bool:
    """`is_leaf` for tapegrad's own tree traversals: tensors and classes marked
    `_tapegrad_pytree_leaf` (nn.Module) stay whole."""
    return isinstance(x, Tensor) or getattr(type(x), "_tapegrad_pytree_leaf", False)


register_pytree(Tensor)
