"""Indexing: gather/scatter family, index_select, `__getitem__` and `__setitem__`.

Basic indexing decomposes as torch's does (int -> select, slice -> slice, None -> unsqueeze);
advanced indexing (int/bool tensors and lists) is one `IndexBackward0` node whose backward is
a scatter-add (duplicates accumulate), computed by jax.vjp.
"""

from __future__ import annotations

import builtins

import jax.numpy as jnp
import numpy as np

from ..tensor import Tensor
from ._op import Op
from .from_jax import JaxFunction
from .tensor_factories import zeros_of


def _grid(index, dim):
    grids = list(jnp.indices(index.shape, sparse=True))
    grids[dim] = index
    return tuple(grids)


def _gather_fwd(self, index, dim):
    # torch allows index smaller than self in the non-gathered dims.
    sl = tuple(slice(0, index.shape[d]) if d != dim else slice(None) for d in range(self.ndim))
    return self[sl][_grid(index, dim)] if self.ndim else self


def _scatter_fwd(self, index, src, dim):
    src = src[tuple(slice(0, s) for s in index.shape)] if src.ndim else src
    return self.at[_grid(index, dim)].set(src) if self.ndim else src


def _scatter_add_fwd(self, index, src, dim):
    src = src[tuple(slice(0, s) for s in index.shape)] if src.ndim else src
    return self.at[_grid(index, dim)].add(src) if self.ndim else self + src


gather_op = Op("gather", "GatherBackward0", _gather_fwd, grad_version=1, inputs=("self", "index"),
               static=("dim",), promote=("self",),
               derivatives={"self": lambda grad, self_sym_sizes, index, dim:
                            scatter_add_op(zeros_of(self_sym_sizes, grad), index, grad, dim)})
scatter_op = Op("scatter", "ScatterBackward0", _scatter_fwd, inputs=("self", "index", "src"),
                static=("dim",), promote=("self", "src"),
                derivatives={"self": lambda grad, index, dim:
                             scatter_op(grad, index, zeros_of(index.shape, grad), dim),
                             "src": lambda grad, index, dim: gather_op(grad, index, dim)})
scatter_add_op = Op("scatter_add", "ScatterAddBackward0", _scatter_add_fwd,
                    inputs=("self", "index", "src"), static=("dim",), promote=("self", "src"),
                    derivatives={"self": lambda grad: grad,
                                 "src": lambda grad, index, dim: gather_op(grad, index, dim)})
index_add_op = Op("index_add", "IndexAddBackward0",
                  lambda self, index, source, dim, alpha: jnp.moveaxis(
                      jnp.moveaxis(self, dim, 0).at[index].add(
                          jnp.moveaxis(source, dim, 0) * alpha), 0, dim),
                  inputs=("self", "index", "source"), static=("dim", "alpha"),
                  defaults={"alpha": 1}, promote=("self", "source"),
                  derivatives={"self": lambda grad: grad,
                               "source": lambda grad, index, dim, alpha:
                               index_select_op(grad, index, dim) * alpha
                               if alpha != 1 else index_select_op(grad, index, dim)})
index_select_op = Op("index_select", "IndexSelectBackward0",
                     lambda self, index, dim: jnp.take(self, index, axis=dim), grad_version=1,
                     inputs=("self", "index"), static=("dim",), promote=("self",),
                     derivatives={"self": lambda grad, self_sym_sizes, index, dim:
                                  index_add_op(zeros_of(self_sym_sizes, grad), index, grad,
                                               dim)})


def _dim(dim: int, ndim: int) -> int:
    return dim % builtins.max(ndim, 1)


def gather(self, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """Matches `torch.gather`."""
    return gather_op(self, index, _dim(dim, self.ndim))


def scatter(self, dim: int, index: Tensor, src) -> Tensor:
    """Matches `torch.scatter` (tensor `src`, or a number)."""
    if not isinstance(src, Tensor):
        src = Tensor._make(jnp.full(index.shape, src, self._storage.array.dtype))
    return scatter_op(self, index, src, _dim(dim, self.ndim))


def scatter_add(self, dim: int, index: Tensor, src: Tensor) -> Tensor:
    return scatter_add_op(self, index, src, _dim(dim, self.ndim))


def index_select(self, dim: int, index: Tensor) -> Tensor:
    return index_select_op(self, index, _dim(dim, self.ndim))


def index_add(self, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    return index_add_op(self, index, source, _dim(dim, self.ndim), alpha)


def take_along_dim(self, indices: Tensor, dim: int | None = None) -> Tensor:
    """Matches `torch.take_along_dim` (torch broadcasts, then gathers: GatherBackward0)."""
    if dim is None:
        return gather(self.reshape(-1), 0, indices.reshape(-1))
    d = _dim(dim, self.ndim)
    shape_self = list(self.shape)
    shape_idx = list(indices.shape)
    shape_self[d] = shape_idx[d] = 1
    b = list(np.broadcast_shapes(tuple(shape_self), tuple(shape_idx)))
    s_shape, i_shape = list(b), list(b)
    s_shape[d], i_shape[d] = self.shape[d], indices.shape[d]
    # torch always expands self here (an ExpandBackward0 even when the shape is unchanged).
    src = self.expand(tuple(s_shape))
    idx = indices.expand(tuple(i_shape)) if tuple(i_shape) != tuple(indices.shape) else indices
    return gather_op(src, idx, d)


# --------------------------------------------------------------------- advanced indexing
def _apply_index(self, *index_arrays, pattern):
    it = iter(index_arrays)
    key = tuple(next(it) if p else slice(None) for p in pattern)
    return self[key]


# torch's backward kernels: zeros + index_put_ / masked_scatter_ (one in-place write).
_index_fn = JaxFunction(_apply_index, name="index", node="IndexBackward0", grad_version=1)
_masked_select_fn = JaxFunction(lambda self, flat: self.reshape(-1)[flat],
                                name="masked_select", node="MaskedSelectBackward0",
                                grad_version=1)


def masked_select(self, mask: Tensor) -> Tensor:
    """Matches `torch.masked_select` (output size depends on the data: not traceable)."""
    shape = np.broadcast_shapes(tuple(self.shape), tuple(mask.shape))
    src = self.expand(shape) if tuple(shape) != tuple(self.shape) else self
    flat = np.flatnonzero(np.broadcast_to(np.asarray(mask._storage.array), shape))
    return _masked_select_fn(src, Tensor._make(jnp.asarray(flat, jnp.int64)))


def _to_index_array(obj):
    if isinstance(obj, Tensor):
        a = obj._storage.array
    else:
        a = np.asarray(obj)
        if a.dtype.kind == "f":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        a = jnp.asarray(a)
    return a


def _is_advanced(obj) -> bool:
    return isinstance(obj, (Tensor, list, np.ndarray)) or (
        isinstance(obj, tuple) and False)


def getitem(self, index) -> Tensor:
    """`tensor[index]` with torch's decomposition into select/slice/unsqueeze/index."""
    if isinstance(index, slice):
        # torch: a lone slice is always recorded, even a full one (x[:] is SliceBackward0).
        size = self.shape[0]
        start, stop, step = index.indices(size)
        if index.step is not None and index.step <= 0:
            raise ValueError("step must be greater than zero")
        return slice_op(self, 0, start, builtins.max(stop, start), step)
    if not isinstance(index, tuple):
        index = (index,)
    # Expand a bool tensor index into one int index per dim it covers (torch does the same).
    expanded = []
    for obj in index:
        if isinstance(obj, Tensor) and obj.dtype.name == "bool" or (
                isinstance(obj, (list, np.ndarray)) and np.asarray(obj).dtype == np.bool_):
            arr = np.asarray(obj._storage.array if isinstance(obj, Tensor) else obj)
            if arr.ndim == 0:
                expanded.append(None if arr else slice(0, 0))
                continue
            for nz in np.nonzero(arr):
                expanded.append(Tensor._make(jnp.asarray(nz, jnp.int64)))
        else:
            expanded.append(obj)
    index = tuple(expanded)
    n_specified = builtins.sum(1 for i in index if i is not None and i is not Ellipsis)
    if n_specified > self.ndim:
        raise IndexError(f"too many indices for tensor of dimension {self.ndim}")
    result = self
    dim = 0
    advanced: list[tuple[int, object]] = []
    for i, obj in enumerate(index):
        if obj is Ellipsis:
            dim += self.ndim - n_specified
            continue
        if obj is None:
            result = result.unsqueeze(dim)
            dim += 1
            continue
        if isinstance(obj, bool):
            result = result.unsqueeze(dim) if obj else result.unsqueeze(dim)[0:0]
            dim += 1
            continue
        if isinstance(obj, (int, np.integer)) or (isinstance(obj, Tensor) and obj.ndim == 0
                                                   and obj.dtype.name != "bool" and False):
            size = result.shape[dim]
            if not -size <= obj < size:
                raise IndexError(f"index {obj} is out of bounds for dimension {dim} with size "
                                 f"{size}")
            result = select(result, dim, int(obj))
            continue
        if isinstance(obj, slice):
            size = result.shape[dim]
            start, stop, step = obj.indices(size)
            if obj.step is not None and obj.step <= 0:
                raise ValueError("step must be greater than zero")
            if not (start == 0 and stop == size and step == 1):
                stop = builtins.max(stop, start)
                result = slice_op(result, dim, start, stop, step)
            dim += 1
            continue
        advanced.append((dim, obj))
        dim += 1
    if not advanced:
        if result is self:
            return alias(self)
        return result
    pattern = [False] * result.ndim
    arrays = []
    for d, obj in advanced:
        pattern[d] = True
        arrays.append(Tensor._make(_to_index_array(obj)) if not isinstance(obj, Tensor) else obj)
    return _index_fn(result, *arrays, pattern=tuple(pattern))


def select(self, dim, index):
    from .shape import select as _select

    return _select(self, dim, index)


def slice_op(self, dim, start, end, step):
    from .shape import slice as _slice

    return _slice(self, dim, start, end, step)


alias_op = Op("alias", "AliasBackward0", lambda self: self, dtype_rule="keep",
              view=lambda s, b: False,
              derivatives={"self": lambda grad: grad})


def alias(self):
    return alias_op(self)


# --------------------------------------------------------------------- __setitem__
def _encode_key(index) -> tuple[tuple, list]:
    """Split an index into a hashable static pattern and the index arrays it holds."""
    if not isinstance(index, tuple):
        index = (index,)
    pattern, arrays = [], []
    for obj in index:
        if isinstance(obj, slice):
            pattern.append(("slice", obj.start, obj.stop, obj.step))
        elif obj is None or obj is Ellipsis or isinstance(obj, (int, np.integer)):
            pattern.append(("const", obj if obj is None or obj is Ellipsis else int(obj)))
        else:
            pattern.append(("array",))
            arrays.append(obj if isinstance(obj, Tensor) else Tensor._make(_to_index_array(obj)))
    return tuple(pattern), arrays


def _decode_key(pattern, arrays):
    it = iter(arrays)
    key = []
    for p in pattern:
        if p[0] == "slice":
            key.append(slice(p[1], p[2], p[3]))
        elif p[0] == "const":
            key.append(p[1])
        else:
            key.append(next(it))
    return tuple(key)


def _index_put(self, value, *arrays, pattern):
    key = _decode_key(pattern, arrays)
    return self.at[key].set(jnp.broadcast_to(value.astype(self.dtype), self[key].shape))


# torch shows the base's new history after an indexed write as CopySlices.
_index_put_fn = JaxFunction(_index_put, name="index_put", node="CopySlices")


def setitem(self, index, value) -> None:
    """`tensor[index] = value`: an in-place write (version bump, history rebase)."""
    from .. import _errors
    from ..autograd import grad_mode
    from .views import check_inplace, finish_inplace

    pattern, arrays = _encode_key(index)
    if (not arrays and self._grad_fn is None and self._requires_grad
            and grad_mode.is_grad_enabled()):
        # torch writes basic-indexed values through a view, hence the view's message.
        raise RuntimeError(_errors.VIEW_OF_LEAF_INPLACE)
    check_inplace(self)
    if not isinstance(value, Tensor):
        value = Tensor._make(jnp.asarray(value, self._storage.array.dtype))
    snapshot = Tensor._make(self._storage.array, self._grad_fn, self._output_nr)
    snapshot._requires_grad = self._requires_grad
    out = _index_put_fn(snapshot, value, *arrays, pattern=pattern)
    finish_inplace(self, out)
