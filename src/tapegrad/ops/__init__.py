"""The op table's public face: builds `tg.<op>`, `Tensor.<op>`, `Tensor.<op>_` and dunders.

Entries live in the family files (pointwise, reduction, shape, linalg); this module only adds
the small dispatch torch does in its Python bindings (a Python scalar exponent picks
`pow.Tensor_Scalar`, `2 - x` is `rsub`) and generates the in-place variants.
"""

from __future__ import annotations

import builtins

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype, _errors
from ..autograd import grad_mode
from ..tensor import Tensor
from . import indexing, linalg, pointwise, reduction, shape
from ._op import Op, OpNode
from .from_jax import JaxFunction, jax_function
from .indexing import (gather, getitem, index_add, index_select, masked_select, scatter,
                       scatter_add, take_along_dim)
from .linalg import bmm, dot, einsum, matmul, mm, mv, outer
from .pointwise import (abs, acos, acosh, add, addcdiv, addcmul, asin, asinh, atan, atan2,
                        atanh, ceil, cos, cosh, elu, eq, erf, erfc, exp, exp2, expm1, floor,
                        frac, ge, gelu, gt, isfinite, isinf, isnan, le, leaky_relu, log, log1p,
                        log2, log10, logical_and, logical_not, logical_or, logical_xor,
                        logsigmoid, lt, masked_fill, maximum, minimum, mul, nan_to_num, ne, neg,
                        reciprocal, relu, round, rsqrt, sgn, sigmoid, sign, silu, sin, sinh,
                        softplus, sqrt, sub, tan, tanh, trunc, where)
from .reduction import (all, amax, amin, any, argmax, argmin, cumprod, cumsum, log_softmax,
                        logsumexp, max, mean, min, norm, prod, softmax, std, sum, var,
                        vector_norm)
from .shape import (cat, chunk, diag, diagonal, expand, expand_as, flatten, flip, movedim,
                    narrow, pad, permute, repeat, reshape, roll, select, split, squeeze, stack,
                    t, tile, trace, transpose, tril, triu, unbind, unflatten, unsqueeze, view)
from .sum_to import is_expandable_to, sum_to

def pow(self, exponent):  # noqa: A001
    """Matches `torch.pow`: a Python exponent is PowBackward0, a tensor one PowBackward1."""
    if isinstance(self, Tensor):
        if isinstance(exponent, Tensor):
            return pointwise.pow_tensor(self, exponent)
        _pow_int_check(self, exponent)
        if isinstance(exponent, float) and not (self.dtype.is_floating_point
                                                or self.dtype.is_complex):
            self = to(self, _dtype.get_default_dtype())
        return pointwise.pow_scalar(self, exponent)
    return pointwise.rpow_scalar(exponent, self)


def _pow_int_check(self, exponent):
    if (not (self.dtype.is_floating_point or self.dtype.is_complex)
            and isinstance(exponent, int) and exponent < 0):
        raise RuntimeError("Integers to negative integer powers are not allowed.")


def div(self, other, *, rounding_mode=None):
    """True division, or 'trunc'/'floor' rounding (DivBackward2). Matches `torch.div`."""
    if rounding_mode is None:
        return pointwise.div(self, other)
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{rounding_mode}'")
    return pointwise.div_mode(self, other, rounding_mode)


def floor_divide(self, other):
    return div(self, other, rounding_mode="floor")


def fmod(self, other):
    if isinstance(other, Tensor):
        return pointwise.fmod_tensor(self, other)
    return pointwise.fmod_scalar(self, other)


def remainder(self, other):
    if isinstance(other, Tensor):
        return pointwise.remainder_tensor(self, other)
    return pointwise.remainder_scalar(self, other)


def clamp(self, min=None, max=None):  # noqa: A002
    """Matches `torch.clamp` (number bounds: ClampBackward1, tensor bounds: ClampBackward0)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        lo = min if min is not None else full_like_of(self, -float("inf"))
        hi = max if max is not None else full_like_of(self, float("inf"))
        lo = lo if isinstance(lo, Tensor) else full_like_of(self, lo)
        hi = hi if isinstance(hi, Tensor) else full_like_of(self, hi)
        return pointwise.clamp_tensor(self, lo, hi)
    return pointwise.clamp_scalar(self, min, max)


def clamp_min(self, min):  # noqa: A002
    return clamp(self, min=min)


def clamp_max(self, max):  # noqa: A002
    return clamp(self, max=max)


def full_like_of(t: Tensor, value) -> Tensor:
    return Tensor._make(jnp.full(t._storage.array.shape, value, t._storage.array.dtype))


def lerp(self, end, weight):
    if isinstance(weight, Tensor):
        return pointwise.lerp_tensor(self, end, weight)
    return pointwise.lerp_scalar(self, end, weight)


def square(self):
    """Matches `torch.square` (it is pow(self, 2) in ATen: PowBackward0)."""
    return pow(self, 2)


def one_hot(tensor, num_classes: int = -1):
    """Matches `torch.nn.functional.one_hot` (int64 result, no grad)."""
    if num_classes == -1:
        num_classes = int(np.asarray(tensor._storage.array).max()) + 1
    out = Tensor._make(jax.nn.one_hot(tensor._storage.array, num_classes, dtype=jnp.int64))
    out._vc.version = 2  # torch builds it with zeros + scatter_ (two in-place writes)
    return out


def nonzero(self, *, as_tuple: bool = False):
    """Matches `torch.nonzero` (data-dependent size: eager only)."""
    nz = np.nonzero(np.asarray(self._storage.array))
    if as_tuple:
        return tuple(Tensor._make(jnp.asarray(a, jnp.int64)) for a in nz)
    return Tensor._make(jnp.asarray(np.stack(nz, axis=-1), jnp.int64))


def sort(self, dim: int = -1, descending: bool = False, stable: bool = False):
    """Matches `torch.sort` (values, indices); the backward gathers (SortBackward0)."""
    d = dim % builtins.max(self.ndim, 1)
    values, indices = _sort_op(self, d, descending)
    return reduction_namedtuple("sort")(values, indices)


def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False):
    return sort(self, dim, descending, stable).indices


def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
    d = dim % builtins.max(self.ndim, 1)
    values, indices = _topk_op(self, k, d, largest)
    return reduction_namedtuple("topk")(values, indices)


def _sort_fwd(self, dim, descending):
    idx = jnp.argsort(-self if descending else self, axis=dim, stable=True)
    return jnp.take_along_axis(self, idx, axis=dim), idx.astype(jnp.int64)


def _topk_fwd(self, k, dim, largest):
    moved = jnp.moveaxis(self, dim, -1)
    vals, idx = jax.lax.top_k(moved if largest else -moved, k)
    vals = vals if largest else -vals
    return jnp.moveaxis(vals, -1, dim), jnp.moveaxis(idx, -1, dim).astype(jnp.int64)


def _value_selecting_backward(grad, self_sym_sizes, indices, dim):
    from .tensor_factories import zeros_of

    return indexing.scatter_op(zeros_of(self_sym_sizes, grad), indices, grad, dim)


_sort_op = Op("sort", "SortBackward0", _sort_fwd, grad_version=2, static=("dim", "descending"),
              outputs=("values", "indices"), dtype_rule="keep",
              derivatives={"self": lambda grad, self_sym_sizes, indices, dim:
                           _value_selecting_backward(grad, self_sym_sizes, indices, dim)})
_topk_op = Op("topk", "TopkBackward0", _topk_fwd, grad_version=2, static=("k", "dim", "largest"),
              outputs=("values", "indices"), dtype_rule="keep",
              derivatives={"self": lambda grad, self_sym_sizes, indices, dim:
                           _value_selecting_backward(grad, self_sym_sizes, indices, dim)})


def reduction_namedtuple(name: str):
    from .. import return_types

    return return_types.make(name)


def _not_implemented(name: str):
    def formula(grad):
        raise NotImplementedError(f"the derivative for '{name}' is not implemented.")

    return formula


# torch records unique's output with a node whose backward raises.
_unique_grad = Op("_unique2", "Unique2Backward0", lambda self: self, dtype_rule="keep",
                  derivatives={"self": _not_implemented("_unique2")})


def unique(self, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim=None):
    """Matches `torch.unique` (eager only: the size depends on the data)."""
    res = np.unique(np.asarray(self._storage.array), return_inverse=return_inverse,
                    return_counts=return_counts)
    values = res if not (return_inverse or return_counts) else res[0]
    out = [_unique_like(self, Tensor._make(jnp.asarray(values)))]
    if not (return_inverse or return_counts):
        return out[0]
    if return_inverse:
        out.append(Tensor._make(jnp.asarray(res[1].reshape(self.shape), jnp.int64)))
    if return_counts:
        out.append(Tensor._make(jnp.asarray(res[-1], jnp.int64)))
    return tuple(out)


def _unique_like(self, values):
    if not (self.requires_grad and grad_mode.is_grad_enabled()):
        return values
    # Give the data-dependent result a node with an edge to `self`, as torch does.
    node = _unique_grad.node_cls(((self._grad_fn, self._output_nr) if self._grad_fn is not None
                                  else (self._grad_accumulator(), 0),),
                                 ((tuple(values.shape), values.dtype),))
    node._saved = {}
    node._args = None
    out = Tensor._make(values._storage.array, node, 0)
    return out


def rsub(self, other, alpha=1):
    """`other - alpha * self`. Matches `torch.rsub`."""
    if isinstance(other, Tensor):
        return sub(other, self, alpha=alpha)
    return pointwise.rsub_scalar(self, other, alpha)


_to_copy = Op("_to_copy", "ToCopyBackward0", lambda self, dtype: self.astype(dtype.np),
              static=("dtype",), dtype_rule="keep",
              derivatives={"self": lambda grad, self_dtype: to(grad, self_dtype)})
clone_op = Op("clone", "CloneBackward0", lambda self: self + 0 if self.dtype != bool
              else self, dtype_rule="keep", derivatives={"self": lambda grad: grad})


_copy_op = Op("copy", "CopyBackwards", lambda self, src: jnp.broadcast_to(
    jnp.asarray(src, self.dtype), self.shape), inputs=("self", "src"), promote=(),
              derivatives={"self": lambda grad: grad * 0,
                           "src": lambda grad, src_dtype: to(grad, src_dtype)})


def copy_from(src: Tensor) -> Tensor:
    """The create_graph copy AccumulateGrad makes: torch's empty_strided + copy_, whose
    CopyBackwards node's first edge is the (empty) destination."""
    dest = Tensor._make(jnp.zeros(src._storage.array.shape, src._storage.array.dtype))
    return _copy_op(dest, src)


def to(self, *args, dtype=None, **kwargs):
    """Dtype conversion (device arguments are accepted and ignored). Matches `torch.Tensor.to`."""
    for a in args:
        if isinstance(a, _dtype.dtype):
            dtype = a
        elif isinstance(a, Tensor):
            dtype = a.dtype
    if dtype is None or dtype is self.dtype:
        return self
    return _to_copy(self, dtype)


def clone(self, *, memory_format=None):
    return clone_op(self)


def validate_grad(grad: Tensor, metadata: tuple, node_name: str, index: int) -> Tensor:
    """Bring a gradient to its input's shape and dtype, as torch's engine validate_outputs."""
    shape, dt = metadata
    if tuple(grad.shape) != tuple(shape):
        if not is_expandable_to(tuple(shape), tuple(grad.shape)):
            raise RuntimeError(_errors.INVALID_GRADIENT_SHAPE.format(
                node=node_name, index=index, got=list(grad.shape), expected=list(shape)))
        grad = sum_to(grad, tuple(shape))
    if grad.dtype is not dt:
        grad = to(grad, dt)
    return grad


# ----------------------------------------------------------------------- Tensor methods
def _rpow(self, other):
    return pow(other, self)


def _rtruediv(self, other):
    # torch's Tensor.__rtruediv__ is `self.reciprocal() * other`.
    return reciprocal(self) * other


def _radd(self, other):
    return add(self, other)


def _rmul(self, other):
    return mul(self, other)


def _rmatmul(self, other):
    return matmul(other, self)


_METHOD_NAMES = (
    "add", "sub", "mul", "div", "neg", "pow", "exp", "exp2", "expm1", "log", "log2", "log10",
    "log1p", "sqrt", "rsqrt", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh",
    "cosh", "tanh", "asinh", "acosh", "atanh", "sigmoid", "relu", "abs", "sign", "sgn", "erf",
    "erfc", "reciprocal", "square", "floor", "ceil", "round", "trunc", "frac", "fmod",
    "remainder", "maximum", "minimum", "clamp", "clamp_min", "clamp_max", "lerp", "addcmul",
    "addcdiv", "masked_fill", "nan_to_num", "floor_divide", "eq", "ne", "lt", "le", "gt", "ge",
    "logical_and", "logical_or", "logical_xor", "logical_not", "isnan", "isinf", "isfinite",
    "all", "any", "sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin",
    "var", "std", "norm", "logsumexp", "cumsum", "cumprod", "softmax", "log_softmax", "view",
    "reshape", "expand", "expand_as", "transpose", "t", "permute", "unsqueeze", "squeeze",
    "flatten", "unflatten", "select", "narrow", "split", "chunk", "unbind", "repeat", "tile",
    "flip", "roll", "movedim", "diagonal", "diag", "triu", "tril", "trace", "mm", "bmm", "mv",
    "dot", "outer", "matmul", "gather", "scatter", "scatter_add", "index_select", "index_add",
    "take_along_dim", "masked_select", "sort", "argsort", "topk", "nonzero", "unique", "to",
    "clone", "where")
_METHODS = {name: globals()[name] for name in _METHOD_NAMES}
_METHODS.update({
    "multiply": mul, "subtract": sub, "divide": div, "negative": neg, "absolute": abs,
    "clip": clamp, "arctan2": atan2, "ger": outer,
    "type_as": lambda self, other: to(self, other.dtype),
    # torch copies (CloneBackward0) only what it lays out non-contiguously.
    "contiguous": lambda self, memory_format=None: clone(self) if self._view_strided else self,
    "__add__": add, "__radd__": _radd, "__sub__": sub, "__rsub__": rsub, "__mul__": mul,
    "__rmul__": _rmul, "__truediv__": div, "__rtruediv__": _rtruediv, "__neg__": neg,
    "__pow__": pow, "__rpow__": _rpow, "__matmul__": matmul, "__rmatmul__": _rmatmul,
    "__abs__": abs, "__eq__": eq, "__ne__": ne, "__lt__": lt, "__le__": le, "__gt__": gt,
    "__ge__": ge, "__floordiv__": floor_divide, "__mod__": remainder,
    "__and__": logical_and, "__or__": logical_or, "__xor__": logical_xor,
    "__invert__": logical_not, "__getitem__": getitem,
    "__rfloordiv__": lambda self, other: floor_divide(full_like_of(self, other), self),
})
Tensor.where = lambda self, condition, other: where(condition, self, other)
_METHODS.pop("where")

# In-place variants: the out-of-place entry's formula on a snapshot of self, then the result
# is written into self's storage (torch's in-place ops default to the out-of-place formula).
_INPLACE = {f"{n}_": globals()[n] for n in (
    "add", "sub", "mul", "div", "neg", "pow", "exp", "exp2", "expm1", "log", "log2", "log10",
    "log1p", "sqrt", "rsqrt", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh",
    "cosh", "tanh", "asinh", "acosh", "atanh", "sigmoid", "relu", "abs", "sign", "sgn", "erf",
    "erfc", "reciprocal", "square", "floor", "ceil", "round", "trunc", "frac", "fmod",
    "remainder", "clamp", "clamp_min", "clamp_max", "lerp", "addcmul", "addcdiv", "masked_fill",
    "nan_to_num", "floor_divide", "scatter", "scatter_add", "index_add", "tril", "triu")}
_INPLACE.update({"__iadd__": add, "__isub__": sub, "__imul__": mul, "__itruediv__": div,
                 "__ipow__": pow, "clip_": clamp, "multiply_": mul, "subtract_": sub,
                 "divide_": div})


def _make_inplace(fn):
    def inplace(self, *args, **kwargs):
        from .views import check_inplace, finish_inplace

        check_inplace(self)
        # See NOTE [Saved tensors]: the formula saves the snapshot (torch saves self.clone()),
        # so writing into self does not trip the version check of this very node.
        snapshot = Tensor._make(self._storage.array, self._grad_fn, self._output_nr)
        snapshot._requires_grad = self._requires_grad
        out = fn(snapshot, *args, **kwargs)
        if out.dtype is not self.dtype:
            if not _dtype.can_cast(out.dtype, self.dtype):
                raise RuntimeError(
                    f"result type {_TORCH_NAMES[out.dtype.name]} can't be cast to the desired "
                    f"output type {_TORCH_NAMES[self.dtype.name]}")
            out = to(out, self.dtype)
        finish_inplace(self, out)
        _retarget_saved_result(out._grad_fn, self)
        return self

    inplace.__name__ = getattr(fn, "__name__", "op") + "_"
    # For introspection (the stub generator, _stubgen.py): the signature is fn's.
    if isinstance(fn, Op):
        inplace._op = fn
    else:
        inplace.__wrapped__ = fn
    return inplace


class _nullcontext:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return None


def _retarget_saved_result(node, target: Tensor) -> None:
    from ..autograd.graph import SavedTensor

    saved = getattr(node, "_saved", None)
    if not saved:
        return
    value = saved.get("result")
    if isinstance(value, SavedTensor):
        value.vc = target._vc
        value.saved_version = target._vc.version


_TORCH_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half",
                "bfloat16": "BFloat16", "int64": "Long", "int32": "Int", "int16": "Short",
                "int8": "Char", "uint8": "Byte", "bool": "Bool", "complex64": "ComplexFloat",
                "complex128": "ComplexDouble"}


_zero_op = Op("zero", "ZeroBackward0", lambda self: jnp.zeros_like(self), dtype_rule="keep",
              derivatives={"self": lambda grad: grad * 0})
_fill_op = Op("fill", "FillBackward2", lambda self, value: jnp.full_like(self, value),
              static=("value",), dtype_rule="keep",
              derivatives={"self": lambda grad: grad * 0})
def _copy_(self, src, non_blocking: bool = False):
    """In-place copy with broadcasting and dtype cast. Matches `torch.Tensor.copy_`."""
    if not isinstance(src, Tensor):
        src = Tensor._make(jnp.asarray(src, self._storage.array.dtype))
    return _make_inplace(lambda s, x: _copy_op(s, x))(self, src)


def _method_of(op: Op):
    """`op` as a Tensor method: a plain function (bound by Python itself, where an Op binds
    through `__get__`), with a shortcut for the common call - every tensor input positional,
    statics left at their defaults - that skips `Op.__call__`'s argument parsing."""
    if op.variadic:
        return op
    n_other = len(op.input_names) - 1
    apply, defaults = op.apply, op.defaults

    def method(self, *args, **kwargs):
        if not kwargs and len(args) == n_other:
            # `defaults` itself, not a copy: Op.apply only reads its statics.
            return apply([self, *args], defaults)
        return op(self, *args, **kwargs)

    method.__name__ = method.__qualname__ = op.name
    method.__doc__ = op.__doc__
    method._op = op  # for introspection (the stub generator, _stubgen.py)
    return method


for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _method_of(_fn) if isinstance(_fn, Op) else _fn)
for _name, _fn in _INPLACE.items():
    setattr(Tensor, _name, _make_inplace(_fn))
Tensor.zero_ = _make_inplace(_zero_op)
Tensor.fill_ = _make_inplace(_fill_op)
Tensor.copy_ = _copy_
Tensor.float = lambda self: to(self, _dtype.float32)
Tensor.double = lambda self: to(self, _dtype.float64)
Tensor.half = lambda self: to(self, _dtype.float16)
Tensor.long = lambda self: to(self, _dtype.int64)
Tensor.int = lambda self: to(self, _dtype.int32)
Tensor.bool = lambda self: to(self, _dtype.bool)
Tensor.T = property(lambda self: permute(self, tuple(reversed(range(self.ndim)))))
Tensor.mT = property(shape.mT)
Tensor.__setitem__ = lambda self, index, value: indexing.setitem(self, index, value)
Tensor.__hash__ = lambda self: id(self)

__all__ = sorted(n for n, v in globals().items()
                 if not n.startswith("_") and callable(v) and not isinstance(v, type)
                 and getattr(v, "__module__", "").startswith("tapegrad")
                 or isinstance(v, Op))
