"""The op table's public face: builds `tg.<op>`, `Tensor.<op>`, `Tensor.<op>_` and dunders.

Entries live in the family files (pointwise, reduction, shape, linalg); this module only adds
the small dispatch torch does in its Python bindings (a Python scalar exponent picks
`pow.Tensor_Scalar`, `2 - x` is `rsub`) and generates the in-place variants.
"""

from __future__ import annotations

import jax.numpy as jnp

from .. import _dtype, _errors
from ..autograd import grad_mode
from ..tensor import Tensor
from . import linalg, pointwise, reduction, shape
from ._op import Op, OpNode
from .linalg import bmm, dot, matmul, mm, mv
from .pointwise import (abs, add, cos, div, eq, exp, ge, gt, le, log, logical_and, logical_not,
                        logical_or, lt, mul, ne, neg, reciprocal, relu, sgn, sigmoid, sign, sin,
                        sqrt, sub, tanh, where)
from .reduction import mean, sum
from .shape import (cat, expand, expand_as, flatten, permute, reshape, select, squeeze, stack, t,
                    transpose, unsqueeze, view)
from .sum_to import is_expandable_to, sum_to

__all__ = ["Op", "OpNode", "add", "sub", "mul", "div", "neg", "pow", "exp", "log", "sqrt", "sin",
           "cos", "tanh", "sigmoid", "relu", "abs", "sign", "sgn", "reciprocal", "where", "eq",
           "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_not", "sum",
           "mean", "cat", "stack", "view", "reshape", "expand", "expand_as", "transpose", "t",
           "permute", "unsqueeze", "squeeze", "flatten", "select", "mm", "bmm", "mv", "dot",
           "matmul", "to", "rsub", "sum_to", "validate_grad", "clone"]


def pow(self, exponent):  # noqa: A001
    """Matches `torch.pow`: a Python exponent is PowBackward0, a tensor one PowBackward1."""
    if isinstance(self, Tensor):
        if isinstance(exponent, Tensor):
            return pointwise.pow_tensor(self, exponent)
        return pointwise.pow_scalar(self, exponent)
    return pointwise.rpow_scalar(exponent, self)


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


# The create_graph copy AccumulateGrad makes (torch's empty_strided + copy_: CopyBackwards,
# whose first edge is the empty destination).
_copy_from = Op("copy_", "CopyBackwards", lambda self, src: src, inputs=("self", "src"),
                dtype_rule="keep", derivatives={"self": lambda grad: grad * 0,
                                                "src": lambda grad: grad})


def copy_from(src: Tensor) -> Tensor:
    dest = Tensor._make(jnp.zeros(src._storage.array.shape, src._storage.array.dtype))
    return _copy_from(dest, src)


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


_METHODS = {
    "add": add, "sub": sub, "mul": mul, "div": div, "neg": neg, "pow": pow, "exp": exp,
    "log": log, "sqrt": sqrt, "sin": sin, "cos": cos, "tanh": tanh, "sigmoid": sigmoid,
    "relu": relu, "abs": abs, "sign": sign, "sgn": sgn, "reciprocal": reciprocal, "eq": eq,
    "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge, "logical_and": logical_and,
    "logical_or": logical_or, "logical_not": logical_not, "sum": sum, "mean": mean,
    "view": view, "reshape": reshape, "expand": expand, "expand_as": expand_as,
    "transpose": transpose, "t": t, "permute": permute, "unsqueeze": unsqueeze,
    "squeeze": squeeze, "flatten": flatten, "select": select, "mm": mm, "bmm": bmm, "mv": mv,
    "dot": dot, "matmul": matmul, "to": to, "clone": clone,
    "multiply": mul, "subtract": sub, "divide": div, "negative": neg, "absolute": abs,
    "__add__": add, "__radd__": _radd, "__sub__": sub, "__rsub__": rsub, "__mul__": mul,
    "__rmul__": _rmul, "__truediv__": div, "__rtruediv__": _rtruediv, "__neg__": neg,
    "__pow__": pow, "__rpow__": _rpow, "__matmul__": matmul, "__rmatmul__": _rmatmul,
    "__abs__": abs, "__eq__": eq, "__ne__": ne, "__lt__": lt, "__le__": le, "__gt__": gt,
    "__ge__": ge,
}

# In-place variants: the out-of-place entry's formula on a snapshot of self, then the result
# is written into self's storage (torch's in-place ops default to the out-of-place formula).
_INPLACE = {"add_": add, "sub_": sub, "mul_": mul, "div_": div, "neg_": neg, "pow_": pow,
            "exp_": exp, "log_": log, "sqrt_": sqrt, "sin_": sin, "cos_": cos, "tanh_": tanh,
            "sigmoid_": sigmoid, "relu_": relu, "abs_": abs, "sign_": sign,
            "reciprocal_": reciprocal, "__iadd__": add, "__isub__": sub, "__imul__": mul,
            "__itruediv__": div, "__ipow__": pow}


def _make_inplace(fn):
    def inplace(self, *args, **kwargs):
        self._check_inplace()
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
            with grad_mode.no_grad() if out._grad_fn is None else _nullcontext():
                out = to(out, self.dtype)
        self._set_array(out._storage.array)
        if out._grad_fn is not None:
            # In-place on a non-leaf (or a leaf not requiring grad) rebases its history.
            self._grad_fn = out._grad_fn
            self._output_nr = out._output_nr
            self._requires_grad = True
            _retarget_saved_result(out._grad_fn, self)
        return self

    inplace.__name__ = getattr(fn, "__name__", "op") + "_"
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


def _zero_(self):
    self._check_inplace()
    self._set_array(jnp.zeros_like(self._storage.array))
    return self


def _fill_(self, value):
    self._check_inplace()
    self._set_array(jnp.full_like(self._storage.array, value))
    return self


for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)
for _name, _fn in _INPLACE.items():
    setattr(Tensor, _name, _make_inplace(_fn))
Tensor.zero_ = _zero_
Tensor.fill_ = _fill_
Tensor.float = lambda self: to(self, _dtype.float32)
Tensor.double = lambda self: to(self, _dtype.float64)
Tensor.half = lambda self: to(self, _dtype.float16)
Tensor.long = lambda self: to(self, _dtype.int64)
Tensor.int = lambda self: to(self, _dtype.int32)
Tensor.bool = lambda self: to(self, _dtype.bool)
Tensor.T = property(lambda self: permute(self, tuple(reversed(range(self.ndim)))))
Tensor.__hash__ = lambda self: id(self)
