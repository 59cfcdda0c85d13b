"""dtype objects that print like torch's, and torch's type-promotion rules.

tapegrad never relies on JAX's default dtypes: every array it makes gets an explicit dtype
chosen here, so results follow torch (Python float -> float32, int -> int64) whatever JAX's
x64 flag would otherwise pick.
"""

from __future__ import annotations

import builtins

import jax.numpy as jnp
import numpy as np

__all__ = ["dtype", "float16", "bfloat16", "float32", "float64", "int8", "int16", "int32",
           "int64", "uint8", "bool", "complex64", "complex128"]



class dtype:
    """A tensor element type. Matches `torch.dtype` (prints as `tapegrad.float32`).

    Besides torch's attributes it carries the names torch's C++ core uses in messages (the
    one table of them): `scalar_name` (ScalarType, "Float"), `type_meta_name` (caffe2
    TypeMeta, "float") and `legacy_name` ("torch.FloatTensor", the legacy tensor type).
    """

    __slots__ = ("name", "np", "is_floating_point", "is_complex", "is_signed", "itemsize", "_rank",
                 "scalar_name", "type_meta_name")

    def __init__(self, name: str, np_dtype, rank: int, kind: str, scalar_name: str,
                 type_meta_name: str) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = kind == "f"
        self.is_complex = kind == "c"
        self.is_signed = kind != "u" and kind != "b"
        self.itemsize = self.np.itemsize
        self._rank = rank
        self.scalar_name = scalar_name
        self.type_meta_name = type_meta_name

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype: NumPy and JAX read a `.dtype` attribute, so `np.dtype(tg.float32)`,
        `jnp.zeros(2, tg.float32)` and `jnp.zeros_like(tensor)` understand tapegrad dtypes."""
        return self.np

    @property
    def legacy_name(self) -> str:
        return f"torch.{self.scalar_name}Tensor"

    def __repr__(self) -> str:
        return f"tapegrad.{self.name}"

    def __reduce__(self):
        return self.name


bool = dtype("bool", np.bool_, 0, "b", "Bool", "bool")  # noqa: A001 - torch's name
uint8 = dtype("uint8", np.uint8, 1, "u", "Byte", "unsigned char")
int8 = dtype("int8", np.int8, 2, "i", "Char", "signed char")
int16 = dtype("int16", np.int16, 3, "i", "Short", "short int")
int32 = dtype("int32", np.int32, 4, "i", "Int", "int")
int64 = dtype("int64", np.int64, 5, "i", "Long", "long int")
float16 = dtype("float16", jnp.float16, 6, "f", "Half", "c10::Half")
bfloat16 = dtype("bfloat16", jnp.bfloat16, 6, "f", "BFloat16", "c10::BFloat16")
float32 = dtype("float32", np.float32, 7, "f", "Float", "float")
float64 = dtype("float64", np.float64, 8, "f", "Double", "double")
complex64 = dtype("complex64", np.complex64, 9, "c", "ComplexFloat", "c10::complex<float>")
complex128 = dtype("complex128", np.complex128, 10, "c", "ComplexDouble",
                   "c10::complex<double>")

ALL = (bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64, complex64,
       complex128)
_BY_NP = {d.np: d for d in ALL}
# torch aliases
half, float, double, long, int, short, cfloat, cdouble = (  # noqa: A001
    float16, float32, float64, int64, int32, int16, complex64, complex128)


def from_numpy_dtype(np_dtype) -> dtype:
    try:
        return _BY_NP[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(f"tapegrad has no dtype for {np_dtype}") from None


_default_dtype: list = []  # set by set_default_dtype (torch.set_default_dtype)


def get_default_dtype() -> dtype:
    """Matches `torch.get_default_dtype`."""
    return _default_dtype[0] if _default_dtype else float32


def set_default_dtype(d: dtype) -> None:
    _default_dtype[:] = [d]


def _category(d: dtype) -> builtins.int:
    if d is bool:
        return 0
    if d.is_complex:
        return 3
    if d.is_floating_point:
        return 2
    return 1


def promote_types(type1: dtype, type2: dtype) -> dtype:
    """torch.promote_types."""
    a, b = type1, type2
    if a is b:
        return a
    ca, cb = _category(a), _category(b)
    if ca != cb:
        hi, lo = (a, b) if ca > cb else (b, a)
        if hi.is_complex and lo.is_floating_point and lo is float64:
            return complex128
        return hi
    if {a, b} == {float16, bfloat16}:
        return float32
    if {a, b} == {uint8, int8}:
        return int16
    return a if a._rank > b._rank else b


def _combine_categories(higher: dtype | None, lower: dtype | None) -> dtype | None:
    # c10's combine_categories: a higher-priority operand class keeps its dtype unless a
    # lower-priority operand is of a higher category (int tensor + float scalar -> float).
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.is_complex:
        return higher
    if lower.is_complex:
        if higher.is_floating_point:
            return complex128 if higher is float64 else complex64
        return lower
    if higher.is_floating_point:
        return higher
    if higher is bool or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


def scalar_dtype(value) -> dtype:
    """The dtype torch gives a wrapped Python number."""
    if isinstance(value, (builtins.bool, np.bool_)):
        return bool
    if isinstance(value, (builtins.int, np.integer)):
        return int64
    if isinstance(value, complex):
        return complex64
    return float32



def result_type(*operands) -> dtype:
    """torch.result_type over tensors and Python scalars (dimensioned > zero-dim > scalars)."""
    dim_result = zero_result = wrapped_result = None
    for op in operands:
        d = getattr(op, "dtype", None)
        if isinstance(d, dtype):
            if op.ndim > 0:
                dim_result = d if dim_result is None else promote_types(dim_result, d)
            else:
                zero_result = d if zero_result is None else promote_types(zero_result, d)
        elif op is not None:
            d = scalar_dtype(op)
            wrapped_result = d if wrapped_result is None else promote_types(wrapped_result, d)
    return _combine_categories(dim_result, _combine_categories(zero_result, wrapped_result))


def can_cast(from_: dtype, to: dtype) -> builtins.bool:
    """torch.can_cast: no casting down a category (float -> int, int -> bool)."""
    return _category(from_) <= _category(to)


class layout:  # noqa: N801
    """Matches `torch.layout` (tapegrad has one: `strided`)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"


strided = layout("strided")
