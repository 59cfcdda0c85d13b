"""Argument checks shared by every op, with torch's exception classes and texts.

Pure Python on shapes and ints (no arrays), so they cost nothing on the traced path and run
at the call, before any kernel: dims (torch's maybe_wrap_dim), dim lists, sizes (torch's
size parsing and infer_size), broadcasting (infer_size), indices. Ops declare which of their
arguments are dims (`ops/_registry.py`), and the generated wrappers call these.
"""

from __future__ import annotations

import operator
import sys
from collections.abc import Sequence
from typing import Any

from . import _errors

__all__ = ["wrap_dim", "wrap_dims", "wrap_any", "parse_size", "infer_size", "broadcast_shapes",
           "check_index", "numel"]


def wrap_dim(dim: Any, ndim: int, wrap_scalar: bool = True) -> int:
    """torch's maybe_wrap_dim: a negative dim counts from the end; out of range is an
    IndexError. A 0-d tensor accepts dims 0 and -1 when `wrap_scalar` (most ops do)."""
    try:
        dim = operator.index(dim)
    except TypeError:
        raise TypeError(_errors.DIM_NOT_INT.format(type_name=type(dim).__name__)) from None
    if ndim <= 0:
        if not wrap_scalar:
            raise IndexError(_errors.DIM_OF_ZERO_DIM.format(dim=dim))
        ndim = 1
    if not -ndim <= dim < ndim:
        raise IndexError(_errors.DIM_OUT_OF_RANGE.format(low=-ndim, high=ndim - 1, dim=dim))
    return dim + ndim if dim < 0 else dim


def wrap_dims(dims: Any, ndim: int) -> tuple[int, ...]:
    """A dim or a list of dims, each wrapped; torch's dim_list_to_bitset refuses repeats."""
    if isinstance(dims, (list, tuple)):
        out = tuple(wrap_dim(d, ndim) for d in dims)
        seen = set()
        for d in out:
            if d in seen:
                raise RuntimeError(_errors.DIM_REPEATED.format(dim=d))
            seen.add(d)
        return out
    return (wrap_dim(dims, ndim),)


def wrap_any(dims: Any, ndim: int) -> Any:
    """`wrap_dim` for an int, `wrap_dims` for a list or tuple (a declared `dims=` argument).
    A bool is passed through: `var(True)`/`std(False)` mean `unbiased` (torch's overload)."""
    if isinstance(dims, bool):
        return dims
    if isinstance(dims, (list, tuple)):
        return wrap_dims(dims, ndim)
    return wrap_dim(dims, ndim)


def parse_size(size: Sequence[Any]) -> tuple[int, ...]:
    """torch's size arguments: `f(2, 3)`, `f((2, 3))`, `f([2, 3])` or `f(torch.Size(...))`."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    out = []
    for s in size:
        try:
            out.append(operator.index(s))
        except TypeError:
            raise TypeError(_errors.SIZE_NOT_INT.format(type_name=type(s).__name__)) from None
    return tuple(out)


def numel(shape: Sequence[int]) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def infer_size(shape: Sequence[int], numel_: int) -> tuple[int, ...]:
    """torch's infer_size for view/reshape: at most one -1, the sizes must cover `numel_`."""
    infer = None
    known = 1
    for i, s in enumerate(shape):
        if s == -1:
            if infer is not None:
                raise RuntimeError(_errors.ONLY_ONE_INFERRED)
            infer = i
        elif s >= 0:
            known *= s
        else:
            raise RuntimeError(_errors.INVALID_SHAPE_DIM.format(size=s, index=i,
                                                                shape=list(shape)))
    if numel_ == known or (infer is not None and known > 0 and numel_ % known == 0):
        if infer is None:
            return tuple(shape)
        if known == 0:  # torch: an empty tensor's -1 could be anything
            raise RuntimeError(_errors.INFER_WITH_ZERO.format(shape=list(shape)))
        out = list(shape)
        out[infer] = numel_ // known
        return tuple(out)
    raise RuntimeError(_errors.SHAPE_INVALID_FOR_SIZE.format(shape=list(shape), numel=numel_))


def broadcast_shapes(a: Sequence[int], b: Sequence[int]) -> tuple[int, ...]:
    """torch's infer_size of two shapes, with its error naming the first bad dim."""
    if tuple(a) == tuple(b):
        return tuple(a)
    ndim = max(len(a), len(b))
    out = [1] * ndim
    for i in range(ndim - 1, -1, -1):
        offset = ndim - 1 - i
        x = a[len(a) - 1 - offset] if len(a) - 1 - offset >= 0 else 1
        y = b[len(b) - 1 - offset] if len(b) - 1 - offset >= 0 else 1
        if x != y and x != 1 and y != 1:
            raise RuntimeError(_errors.BROADCAST.format(a=x, b=y, dim=i))
        out[i] = y if x == 1 else x
    return tuple(out)


def check_index(index: int, size: int, fmt: str, **fields: Any) -> int:
    """An int index into a dim of `size`: wrapped, or torch's IndexError built from `fmt`."""
    if not -size <= index < size:
        raise IndexError(fmt.format(index=index, size=size, **fields))
    return index + size if index < 0 else index


_PACKAGE_DIR = __file__.rsplit("/", 1)[0] + "/"


def user_stacklevel() -> int:
    """The `stacklevel` that makes a warning point at the first frame outside tapegrad.

    torch's warnings come from C++ and show the Python line that called torch; tapegrad's
    entry points add wrapper frames (argument checks, NOTE [x64]), so a fixed stacklevel would
    point inside the package. Call it in the `warnings.warn(...)` call itself."""
    frame = sys._getframe(1)  # the function calling warnings.warn: level 1
    level = 1
    while frame is not None and (frame.f_code.co_filename.startswith(_PACKAGE_DIR)
                                 or frame.f_code.co_filename.startswith("<tapegrad")):
        frame = frame.f_back
        level += 1
    return level
