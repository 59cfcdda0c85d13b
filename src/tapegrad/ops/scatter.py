"""Indexing and scattering ops beyond `indexing.py`: index_put/copy/fill/reduce,
scatter_reduce, take/put, masked_scatter, repeat_interleave (the splits, stacks, diagonals
and constructors are in `assembly.py`). Declarations as in `indexing.py`.

Where torch's op is a composite (hstack, meshgrid, kron, repeat_interleave with an int, ...)
the declaration is an `@public` function of the same parts, so torch's graph (its parts'
nodes) comes for free. Ops with a node of their own are `Op`s with torch's formulas, or, for
the reductions whose formulas branch on data (scatter_reduce/index_reduce, masked_scatter,
index_put), `JaxFunction`s under torch's node name whose backward is torch's formula written
in JAX (`jax.custom_vjp`) or JAX's vjp where that is the same function.
"""

from __future__ import annotations

import builtins
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from .. import _checks, _dtype, _errors
from ..tensor import Tensor
from . import _backward_helpers as H
from ._op import Op
from ._registry import public
from .from_jax import JaxFunction
from .indexing import (_check_gather_like, _concrete, _decode_key, _encode_key, _first_outside,
                       _grid, index_select_op)
from .shape import (expand, view_op)
from .._checks import user_stacklevel


def _tensors(args) -> list:
    """`f(a, b)` or `f([a, b])`: torch's TensorList arguments."""
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        return list(args[0])
    return list(args)



# --------------------------------------------------------------------- index_put
def _index_key(pattern, indices):
    # The index arrays travel stacked in one int64 tensor (broadcast to one shape).
    return _decode_key(pattern, [indices[i] for i in range(indices.shape[0])])


def _index_put_fwd(self, values, indices, pattern, accumulate):
    key = _index_key(pattern, indices)
    values = jnp.broadcast_to(values.astype(self.dtype), self[key].shape)
    return self.at[key].add(values) if accumulate else self.at[key].set(values)


_index_gather_fn = JaxFunction(lambda grad, indices, *, pattern: grad[_index_key(pattern, indices)],
                               name="index", node="IndexBackward0", linear=True)

index_put_op = Op(
    "index_put", "IndexPutBackward0", _index_put_fwd, inputs=("self", "values", "indices"),
    static=("pattern", "accumulate"), promote=("self", "values"),
    # torch: self: accumulate ? grad : grad.index_put(indices, zeros_like(values), false);
    # values: grad.index(indices) (summed to values' shape by the engine).
    derivatives={"self": lambda grad, values_sym_sizes, indices, pattern, accumulate:
                 grad if accumulate else index_put_op(grad, H.zeros(values_sym_sizes, grad),
                                                      indices, pattern, False),
                 "values": lambda grad, indices, pattern: _index_gather_fn(grad, indices,
                                                                           pattern=pattern)})


@public(inplace=True)
def index_put(input, indices, values, accumulate=False):
    """Matches `torch.index_put` (a tuple of index tensors, None for a whole dim;
    `accumulate` adds, duplicates included)."""
    indices = tuple(indices)
    for i, t in enumerate(indices):
        if not isinstance(t, Tensor):
            raise TypeError(_errors.TENSORLIST_ELEMENT.format(index=i, arg=1,
                                                              type_name=type(t).__name__))
    n = builtins.sum(1 for i in indices if i is not None and not (
        isinstance(i, Tensor) and i.dtype is _dtype.bool and i.ndim > 1))
    n += builtins.sum(i.ndim for i in indices
                      if isinstance(i, Tensor) and i.dtype is _dtype.bool and i.ndim > 1)
    if n > input.ndim:
        raise IndexError(_errors.INDEX_PUT_TOO_MANY.format(ndim=input.ndim, n=n))
    key = tuple(slice(None) if i is None else i for i in indices)
    pattern, arrays = _encode_key(input, key)
    if values.dtype is not input.dtype:
        raise RuntimeError(_errors.INDEX_PUT_DTYPE.format(dst=input.dtype.scalar_name,
                                                          src=values.dtype.scalar_name))
    target = jax.eval_shape(lambda a, *xs: a[_decode_key(pattern, xs)],
                            input._storage.array, *[a._storage.array for a in arrays]).shape
    try:
        np.broadcast_shapes(tuple(values.shape), tuple(target))
        ok = len(values.shape) <= len(target) or all(s == 1 for s in values.shape[
            :len(values.shape) - len(target)])
    except ValueError:
        ok = False
    if not ok or np.broadcast_shapes(tuple(values.shape), tuple(target)) != tuple(target):
        raise RuntimeError(_errors.INDEX_PUT_SHAPE.format(value=list(values.shape),
                                                          target=list(target)))
    if arrays:
        shape = np.broadcast_shapes(*[tuple(a.shape) for a in arrays])
        stacked = jnp.stack([jnp.broadcast_to(a._storage.array.astype(jnp.int64), shape)
                             for a in arrays])
    else:
        stacked = jnp.zeros((0,), jnp.int64)
    return index_put_op(input, values, Tensor._make(stacked), pattern, bool(accumulate))


# --------------------------------------------------------------------- index_copy, index_fill
def _along(self, dim, fn):
    if self.ndim == 0:
        return fn(self.reshape(1)).reshape(())
    return jnp.moveaxis(fn(jnp.moveaxis(self, dim, 0)), 0, dim)


def _vector(index):
    return index.reshape(-1)


def _index_copy_fwd(self, index, source, dim):
    src = source.reshape(1, *source.shape) if source.ndim < self.ndim else source
    src = jnp.moveaxis(src, dim, 0) if self.ndim else src.reshape(-1)
    return _along(self, dim, lambda s: s.at[_vector(index)].set(src.astype(s.dtype)))


def _index_fill_fwd(self, index, value, dim):
    return _along(self, dim, lambda s: s.at[_vector(index)].set(
        jnp.asarray(value, s.dtype)))


index_fill_op = Op("index_fill", "IndexFillBackward0",
                   lambda self, index, value, dim: _index_fill_fwd(self, index, value, dim),
                   inputs=("self", "index"), static=("value", "dim"), promote=("self",),
                   dtype_rule="keep",
                   derivatives={"self": lambda grad, index, dim:
                                index_fill_op(grad, index, 0, dim)})
index_fill_tensor_op = Op(
    "index_fill", "IndexFillBackward1",
    lambda self, index, value, dim: _index_fill_fwd(self, index, value, dim),
    inputs=("self", "index", "value"), static=("dim",), promote=("self",), dtype_rule="keep",
    # (torch: grad.index_select(dim, unique(index)).sum(); the same sum, no data-dependent
    # size: what the fill removed from grad.)
    derivatives={"self": lambda grad, index, dim: index_fill_op(grad, index, 0, dim),
                 "value": lambda grad, index, dim: (grad - index_fill_op(grad, index, 0,
                                                                          dim)).sum()})
index_copy_op = Op(
    "index_copy", "IndexCopyBackward0", _index_copy_fwd, inputs=("self", "index", "source"),
    static=("dim",), promote=("self", "source"),
    derivatives={"self": lambda grad, index, dim: index_fill_op(grad, index, 0, dim),
                 "source": lambda grad, index, source_sym_sizes, dim:
                 index_select_op(grad, _as_vector(index), dim).reshape(source_sym_sizes)})


def _as_vector(index: Tensor) -> Tensor:
    return Tensor._make(index._storage.array.reshape(-1)) if index.ndim == 0 else index


@public(dims="dim", inplace=True)
def index_copy(input, dim, index, source):
    """Matches `torch.index_copy`."""
    if index.ndim > 1:
        raise IndexError(_errors.INDEX_COPY_INDEX_DIMS.format(ndim=index.ndim))
    if index.dtype is not _dtype.int64:
        raise RuntimeError(_errors.INDEX_COPY_INDEX_DTYPE.format(
            dtype=index.dtype.scalar_name))
    n = index.numel()
    got = source.shape[dim] if source.ndim else 1
    if n != got:
        raise IndexError(_errors.INDEX_COPY_COUNT.format(n=n, got=got))
    if source.dtype is not input.dtype:
        raise RuntimeError(_errors.INDEX_COPY_SOURCE_DTYPE.format(
            a=input.dtype.scalar_name, b=source.dtype.scalar_name))
    size = input.shape[dim] if input.ndim else 1
    bad = _first_outside(index, 0, size)
    if bad is not None:
        raise IndexError(_errors.INDEX_COPY_OUT_OF_BOUNDS.format(index=bad, dim=dim,
                                                                 size=size))
    return index_copy_op(input, index, source, dim)


@public(dims="dim", inplace=True)
def index_fill(input, dim, index, value):
    """Matches `torch.index_fill` (a number, or a 0-d tensor: IndexFillBackward1)."""
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(_errors.INDEX_FILL_VALUE_DIMS.format(ndim=value.ndim))
    if index.dtype is not _dtype.int64:
        raise IndexError(_errors.INDEX_FILL_INDEX_DTYPE)
    if index.ndim > 1:
        raise RuntimeError(_errors.INDEX_FILL_INDEX_DIMS)
    size = input.shape[dim] if input.ndim else 1
    bad = _first_outside(index, -size, size)
    if bad is not None:
        raise IndexError(_errors.INDEX_OUT_OF_BOUNDS.format(index=bad, dim=dim, size=size))
    if isinstance(value, Tensor):
        return index_fill_tensor_op(input, index, value, dim)
    return index_fill_op(input, index, value, dim)


# --------------------------------------------------------------------- take, put
def _check_flat_index(input, index, name: str) -> None:
    if index.dtype is not _dtype.int64:
        raise RuntimeError(_errors.FLAT_INDEX_DTYPE.format(name=name,
                                                           dtype=index.dtype.scalar_name))
    n = input.numel()
    bad = _first_outside(index, -n, n)
    if bad is not None:
        raise IndexError(_errors.FLAT_INDEX_RANGE.format(index=bad, n=n))


def _put_fwd(self, index, source, accumulate):
    flat = self.reshape(-1)
    src = source.reshape(-1).astype(self.dtype)
    idx = index.reshape(-1)
    flat = flat.at[idx].add(src) if accumulate else flat.at[idx].set(src)
    return flat.reshape(self.shape)


put_op = Op("put", "PutBackward0", _put_fwd, inputs=("self", "index", "source"),
            static=("accumulate",), promote=("self", "source"),
            derivatives={"self": lambda grad, index, source_sym_sizes, accumulate:
                         grad if accumulate else put_op(grad, index, H.zeros(
                             source_sym_sizes, grad), False),
                         "source": lambda grad, index, source_sym_sizes:
                         take_op(grad, index).reshape(source_sym_sizes)})
take_op = Op("take", "TakeBackward0", lambda self, index: self.reshape(-1)[index],
             inputs=("self", "index"), promote=("self",), dtype_rule="keep", grad_version=1,
             derivatives={"self": lambda grad, self_sym_sizes, index:
                          put_op(H.zeros(self_sym_sizes, grad), index, grad, True)})


@public
def take(input, index):
    """Matches `torch.take` (indices into the flattened input)."""
    _check_flat_index(input, index, "take")
    return take_op(input, index)


@public(inplace=True)
def put(input, index, source, accumulate=False):
    """Matches `torch.put` (writes into the flattened input; `accumulate` adds)."""
    _check_flat_index(input, index, "put_")
    if source.numel() != index.numel():
        raise IndexError(_errors.PUT_COUNT.format(source=source.numel(), index=index.numel()))
    if source.dtype is not input.dtype:
        raise RuntimeError(_errors.PUT_DTYPE.format(a=input.dtype.scalar_name,
                                                    b=source.dtype.scalar_name))
    return put_op(input, index, source, bool(accumulate))


# --------------------------------------------------------------------- masked_scatter
def _masked_scatter_fwd(self, mask, source):
    self = jnp.broadcast_to(self, jnp.broadcast_shapes(self.shape, mask.shape))
    m = jnp.broadcast_to(mask, self.shape).reshape(-1)
    src = source.reshape(-1)
    if src.size == 0:
        return self
    pos = jnp.clip(jnp.cumsum(m) - 1, 0, src.size - 1)
    return jnp.where(m, src[pos].astype(self.dtype), self.reshape(-1)).reshape(self.shape)


_masked_scatter_fn = JaxFunction(_masked_scatter_fwd, name="masked_scatter",
                                 node="MaskedScatterBackward0", linear=True)


@public(inplace=True)
def masked_scatter(input, mask, source):
    """Matches `torch.masked_scatter` (source's elements in order where mask is True)."""
    if mask.dtype is not _dtype.bool:
        raise RuntimeError(_errors.MASKED_SCATTER_MASK.format(dtype=mask.dtype.scalar_name))
    if source.dtype is not input.dtype:
        raise RuntimeError(_errors.MASKED_SCATTER_DTYPE.format(a=input.dtype.scalar_name,
                                                               b=source.dtype.scalar_name))
    # (torch expands self inside the op: its node's edge goes to self, whose gradient is
    # summed back to self's shape.)
    shape = _checks.broadcast_shapes(tuple(mask.shape), tuple(input.shape))
    m = mask._storage.array
    if _concrete(m) and int(jnp.sum(m) if m.shape == shape else
                            jnp.sum(jnp.broadcast_to(m, shape))) > source.numel():
        raise RuntimeError(_errors.MASKED_SCATTER_SOURCE)
    return _masked_scatter_fn(input, mask, source)


# --------------------------------------------------------------------- scatter_reduce
def _sr_forward(self, index, src, dim, reduce, include_self):
    grid = _grid(index, dim)
    src = src[tuple(slice(0, s) for s in index.shape)]
    if reduce in ("sum", "mean"):
        base = self if include_self else self.at[grid].set(0)
        out = base.at[grid].add(src)
        if reduce == "mean":
            count = jnp.ones_like(self) if include_self else jnp.ones_like(self).at[grid].set(0)
            count = count.at[grid].add(1)
            out = out / jnp.where(count == 0, 1, count)
        return out
    if reduce == "prod":
        return _scatter_prod(self, index, src, dim, include_self)
    fill = -jnp.inf if reduce == "amax" else jnp.inf
    base = self if include_self else self.at[grid].set(fill)
    return base.at[grid].max(src) if reduce == "amax" else base.at[grid].min(src)


def _scatter_prod(self, index, src, dim, include_self):
    # A product per target through a one-hot of the index (JAX differentiates this to any
    # order; its scatter-multiply has no derivative for repeated indices).
    self_m = jnp.moveaxis(self, dim, -1)
    idx_m = jnp.moveaxis(index, dim, -1)
    src_m = jnp.moveaxis(src, dim, -1)
    lead = tuple(slice(0, n) for n in idx_m.shape[:-1])
    sub = self_m[lead]
    onehot = idx_m[..., None, :] == jnp.arange(sub.shape[-1])[:, None]
    factor = jnp.prod(jnp.where(onehot, src_m[..., None, :], 1), axis=-1)
    new = sub * factor if include_self else jnp.where(onehot.any(-1), factor, sub)
    return jnp.moveaxis(self_m.at[lead].set(new.astype(self.dtype)), -1, dim)


def _sr_backward(grad, self, index, src, result, dim, reduce, include_self):
    """torch's scatter_reduce_backward (FunctionsManual.cpp), in JAX."""
    grid = _grid(index, dim)
    src_full = src
    src = src[tuple(slice(0, s) for s in index.shape)]

    def gather(t):
        return t[tuple(slice(0, s) if d != dim else slice(None)
                       for d, s in enumerate(index.shape))][grid]

    if reduce == "sum":
        grad_self, grad_src = grad, gather(grad)
    elif reduce == "mean":
        n = jnp.ones_like(grad) if include_self else jnp.zeros_like(grad)
        n = n.at[grid].add(1)
        n = jnp.where(n == 0, 1, n)
        grad_self, grad_src = grad / n, gather(grad) / gather(n)
    elif reduce == "prod":
        masked_self = jnp.where(self == 0, 1, self)
        masked_self_result = _sr_forward(masked_self, index, src, dim, reduce, include_self)
        grad_self = grad * masked_self_result / masked_self
        src_zero = src == 0
        src_num_zeros = gather(jnp.zeros_like(self).at[grid].add(src_zero.astype(self.dtype)))
        src_single_zero = src_zero & (src_num_zeros == 1)
        masked_src = jnp.where(src_single_zero, 1, src)
        masked_src_result = _sr_forward(self, index, masked_src, dim, reduce, include_self)
        grad_src = jnp.where(src_single_zero, gather(grad * masked_src_result),
                             gather(grad * result) / jnp.where(src_zero, 1, src))
    else:
        value = gather(result)
        self_is_result = (self == result).astype(self.dtype)
        src_is_result = (src == value).astype(self.dtype)
        n = self_is_result.at[grid].add(src_is_result)
        dist = grad / n
        grad_self = self_is_result * dist
        grad_src = src_is_result * gather(dist)
    if not include_self:
        grad_self = grad_self.at[grid].set(0)
    if src_full.shape != src.shape:
        grad_src = jnp.zeros_like(src_full).at[tuple(slice(0, s) for s in index.shape)].set(
            grad_src)
    return grad_self, grad_src


def _make_scatter_reduce(dim, reduce, include_self):
    @jax.custom_vjp
    def f(self, src, index):
        return _sr_forward(self, index, src, dim, reduce, include_self)

    def fwd(self, src, index):
        out = _sr_forward(self, index, src, dim, reduce, include_self)
        return out, (self, src, index, out)

    def bwd(res, grad):
        self, src, index, out = res
        gs, gsrc = _sr_backward(grad, self, index, src, out, dim, reduce, include_self)
        return gs, gsrc, np.zeros(index.shape, jax.dtypes.float0)

    f.defvjp(fwd, bwd)
    return f


_SR_CACHE: dict = {}


def _scatter_reduce_jax(self, src, index, *, dim, reduce, include_self):
    key = (dim, reduce, include_self)
    if key not in _SR_CACHE:
        _SR_CACHE[key] = _make_scatter_reduce(*key)
    return _SR_CACHE[key](self, src, index)


# The backward of scatter_reduce: torch's formula in JAX (its own derivative by JAX's vjp).
_sr_grads_fn = JaxFunction(
    lambda grad, self, src, result, index, *, dim, reduce, include_self, which:
    _sr_backward(grad, self, index, src, result, dim, reduce, include_self)[which],
    name="scatter_reduce_backward", node="ScatterReduceBackwardBackward")


def _sr_grad(which):
    def formula(grad, self, index, src, result, dim, reduce, include_self):
        if which == 0 and reduce == "sum" and include_self:
            return grad  # torch passes the incoming gradient through
        return _sr_grads_fn(grad, self, src, result, index, dim=dim, reduce=reduce,
                            include_self=include_self, which=which)

    return formula


scatter_reduce_op = Op(
    "scatter_reduce", "ScatterReduceBackward0",
    lambda self, index, src, dim, reduce, include_self: _sr_forward(
        self, index, src, dim, reduce, include_self),
    inputs=("self", "index", "src"), static=("dim", "reduce", "include_self"),
    promote=("self", "src"),
    derivatives={"self": _sr_grad(0), "src": _sr_grad(1)})
_REDUCES = ("sum", "prod", "mean", "amax", "amin")


@public(dims="dim", inplace=True)
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """Matches `torch.scatter_reduce` (sum, prod, mean, amax, amin; torch's gradients, ties
    shared evenly)."""
    if reduce not in _REDUCES:
        raise RuntimeError(_errors.SCATTER_REDUCE_REDUCE.format(reduce=reduce))
    if src.dtype is not input.dtype:
        raise RuntimeError(_errors.SCATTER_SRC_DTYPE)
    _check_gather_like("scatter", input, dim, index, src)
    return scatter_reduce_op(input, index, src, dim, reduce, bool(include_self))


def _index_reduce_jax(self, source, index, *, dim, reduce, include_self):
    # index_reduce is scatter_reduce with the index spread along `dim` over source's shape.
    shape = [1] * source.ndim
    shape[dim] = -1
    idx = jnp.broadcast_to(index.reshape(shape), source.shape)
    return _scatter_reduce_jax(self, source, idx, dim=dim, reduce=reduce,
                               include_self=include_self)


_index_reduce_fn = JaxFunction(_index_reduce_jax, name="index_reduce",
                               node="IndexReduceBackward0")
_index_reduce_warned = [False]


@public(dims="dim", inplace=True)
def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    """Matches `torch.index_reduce` (prod, mean, amax, amin; torch's beta warning, once)."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(_errors.INDEX_REDUCE_REDUCE.format(reduce=reduce))
    if index.ndim > 1:
        raise IndexError(_errors.INDEX_REDUCE_INDEX_DIMS.format(
            ndim=index.ndim, dtype=index.dtype.scalar_name, size=list(index.shape)))
    if index.dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError(_errors.INDEX_REDUCE_INDEX_DTYPE.format(
            dtype=index.dtype.scalar_name))
    if source.dtype is not input.dtype:
        raise RuntimeError(_errors.INDEX_REDUCE_SOURCE_DTYPE.format(
            a=input.dtype.scalar_name, b=source.dtype.scalar_name))
    n = index.numel()
    got = source.shape[dim] if source.ndim else 1
    if n != got:
        raise RuntimeError(_errors.INDEX_REDUCE_COUNT.format(n=n, got=got, dim=dim))
    if not _index_reduce_warned[0]:  # torch's TORCH_WARN_ONCE (before its index check)
        _index_reduce_warned[0] = True
        warnings.warn(_errors.INDEX_REDUCE_BETA, UserWarning, stacklevel=user_stacklevel())
    size = input.shape[dim] if input.ndim else 1
    if _first_outside(index, 0, size) is not None:
        raise IndexError(_errors.INDEX_OUT_OF_RANGE_SELF)
    return _index_reduce_fn(input, source, _as_vector(index), dim=dim, reduce=reduce,
                            include_self=bool(include_self))


# --------------------------------------------------------------------- repeat_interleave
@public
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Matches `torch.repeat_interleave`: an int repeats each element by unsqueeze, expand,
    clone, view (torch's composite); a tensor of repeats gathers with index_select. With only
    a tensor, the index pattern itself."""
    if repeats is None:
        return _repeat_index(input, output_size)
    flat = (lambda t: t if t.ndim == 1 else t.flatten())
    if not isinstance(repeats, Tensor):
        if repeats < 0:
            raise RuntimeError(_errors.REPEATS_NEGATIVE)
        src = input if dim is not None else flat(input)
        d = _checks.wrap_dim(0 if dim is None else dim, src.ndim)
        shape = list(src.shape)
        expanded = src.unsqueeze(d + 1)
        ex_shape = list(expanded.shape)
        ex_shape[d + 1] = int(repeats)
        out = expand(expanded, *ex_shape).clone()
        shape[d] = shape[d] * int(repeats) if src.ndim else int(repeats)
        return view_op(out, tuple(shape))
    src = input if dim is not None else flat(input)
    d = _checks.wrap_dim(0 if dim is None else dim, src.ndim)
    if repeats.ndim > 1:
        raise RuntimeError(_errors.REPEATS_DIMS)
    size = src.shape[d] if src.ndim else 1
    if repeats.numel() == 1:
        reps = np.full(size, int(np.asarray(repeats._storage.array).reshape(-1)[0]))
    else:
        if repeats.shape[0] != size:
            raise RuntimeError(_errors.REPEATS_SIZE.format(n=repeats.shape[0], d=d, size=size))
        reps = None
    index = _repeat_index(repeats if reps is None else Tensor._make(jnp.asarray(reps)),
                          output_size)
    return index_select_op(src, index, d)


def _repeat_index(repeats: Tensor, output_size=None) -> Tensor:
    """torch.repeat_interleave(repeats): each position i repeated repeats[i] times (the size
    depends on the data: read on the host, as torch's kernel does)."""
    if repeats.dtype.is_floating_point or repeats.dtype.is_complex or \
            repeats.dtype is _dtype.bool:
        raise NotImplementedError(_errors.REPEATS_DTYPE.format(
            dtype=repeats.dtype.scalar_name))
    if repeats.ndim > 1:
        raise RuntimeError(_errors.REPEATS_DIMS)
    reps = np.asarray(repeats._storage.array).reshape(-1)
    if (reps < 0).any():
        raise RuntimeError(_errors.REPEATS_NEGATIVE_TENSOR)
    if output_size is not None and int(reps.sum()) != output_size:
        raise RuntimeError(_errors.REPEATS_OUTPUT_SIZE)
    return Tensor._make(jnp.asarray(np.repeat(np.arange(reps.size), reps), jnp.int64))
