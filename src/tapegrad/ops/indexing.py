"""Indexing: gather/scatter family, index_select/index_add, `__getitem__`/`__setitem__`,
sorting and the data-dependent ops (nonzero, unique, masked_select, one_hot).

Basic indexing decomposes as torch's does (int -> select, slice -> slice, None -> unsqueeze);
advanced indexing (int/bool tensors and lists) is one `IndexBackward0` node whose backward is
a scatter-add (duplicates accumulate), computed by jax.vjp.

NOTE [Index checks]
torch's CPU kernels check every index value and raise; JAX clamps or drops out-of-range
indices silently. So each op here checks its index tensor's values before the kernel, when
they are concrete (eager): one small jitted min/max and a host read, the cost torch's own
check has. Under `jax.jit` (a tracer) there is no value to check and JAX's behaviour applies.
Boolean masks, whose result size depends on the data, are turned into index arrays on the
host in the same way; under a trace they raise `ConcreteValueError`'s JAX counterpart.
"""

from __future__ import annotations

import builtins

import jax
import jax.numpy as jnp
import numpy as np

from .._compilation_cache import jit as _cc_jit
from .. import _checks, _dtype, _errors, return_types
from .. import _grad_mode as grad_mode
from .._graph import gradient_edge
from .._storage import ViewStorage, storage_root, value_checkable
from ..tensor import Tensor
from . import _backward_helpers as H
from ._op import Op
from ._registry import public
from .from_jax import JaxFunction
from .shape import alias, select, slice_op
from .views import check_inplace, check_overlap, finish_inplace, snapshot


# --------------------------------------------------------------------- index checks
@_cc_jit
def _bounds(a):
    return jnp.min(a), jnp.max(a)


_concrete = value_checkable


def _first_outside(index: Tensor, low: int, high: int) -> int | None:
    """The first index value (row-major) outside [low, high), or None; see NOTE [Index
    checks]. Only concrete arrays are checked."""
    a = index._storage.array
    if not _concrete(a) or a.size == 0:
        return None
    lo, hi = _bounds(a)
    if int(lo) >= low and int(hi) < high:
        return None
    values = np.asarray(a).reshape(-1)
    return int(values[np.argmax((values < low) | (values >= high))])


def _check_index_dtype(index: Tensor, message: str) -> None:
    if index.dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError(message)


# --------------------------------------------------------------------- gather and scatter
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
                            scatter_add_op(H.zeros(self_sym_sizes, grad), index, grad, dim)})
scatter_op = Op("scatter", "ScatterBackward0", _scatter_fwd, inputs=("self", "index", "src"),
                static=("dim",), promote=("self", "src"),
                derivatives={"self": lambda grad, index, dim:
                             scatter_op(grad, index, H.zeros(index.shape, grad), dim),
                             "src": lambda grad, index, dim: gather_op(grad, index, dim)})
scatter_add_op = Op("scatter_add", "ScatterAddBackward0", _scatter_add_fwd,
                    inputs=("self", "index", "src"), static=("dim",), promote=("self", "src"),
                    derivatives={"self": lambda grad: grad,
                                 "src": lambda grad, index, dim: gather_op(grad, index, dim)})
scatter_value_op = Op("scatter", "ScatterBackward1",
                      lambda self, index, value, dim: _scatter_fwd(
                          self, index, jnp.full(index.shape, value, self.dtype), dim),
                      inputs=("self", "index"), static=("value", "dim"), promote=("self",),
                      derivatives={"self": lambda grad, index, dim:
                                   scatter_value_op(grad, index, 0, dim)})
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
                                  index_add_op(H.zeros(self_sym_sizes, grad), index, grad,
                                               dim)})


def _check_gather_like(name: str, self: Tensor, dim: int, index: Tensor,
                       src: Tensor | None = None) -> None:
    """torch's gather/scatter checks (scatter_gather_dtype_check, gather_shape_check,
    scatter_shape_check), then the index values (NOTE [Index checks])."""
    if index.dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError(_errors.GATHER_INDEX_DTYPE.format(name=name))
    if name == "scatter" and src is not None and src.dtype is not self.dtype:
        raise RuntimeError(_errors.SCATTER_SRC_DTYPE)
    if index.ndim != self.ndim and not (index.ndim <= 1 and self.ndim <= 1):
        raise RuntimeError(_errors.INDEX_NDIM.format(
            what="input" if name == "gather" else "self"))
    for d in range(index.ndim if self.ndim else 0):
        if d == dim:
            continue
        too_big = index.shape[d] > self.shape[d]
        if name == "gather" and too_big:
            raise RuntimeError(_errors.GATHER_INDEX_SIZE.format(
                bad=d, index=list(index.shape), self=list(self.shape), dim=dim))
        if name != "gather" and (too_big or (src is not None and src.ndim
                                             and index.shape[d] > src.shape[d])):
            msg = (_errors.SCATTER_INDEX_SIZE_SRC if src is not None
                   else _errors.SCATTER_INDEX_SIZE)
            raise RuntimeError(msg.format(index=list(index.shape), self=list(self.shape),
                                          dim=dim, src=list(src.shape) if src is not None
                                          else None))
    size = self.shape[dim] if self.ndim else 1
    bad = _first_outside(index, 0, size)
    if bad is not None:
        raise RuntimeError(_errors.INDEX_OUT_OF_BOUNDS.format(index=bad, dim=dim, size=size))


@public(dims="dim")
def gather(input, dim, index, *, sparse_grad=False):
    """Matches `torch.gather`."""
    _check_gather_like("gather", input, dim, index)
    return gather_op(input, index, dim)


@public(dims="dim", inplace=True)
def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """Matches `torch.scatter` (a tensor `src`, or a number)."""
    if src is None:
        src = value
    if not isinstance(src, Tensor):  # scatter.value: ScatterBackward1
        _check_gather_like("scatter", input, dim, index)
        return scatter_value_op(input, index, src, dim)
    _check_gather_like("scatter", input, dim, index, src)
    return scatter_op(input, index, src, dim)


@public(dims="dim", inplace=True)
def scatter_add(input, dim, index, src):
    """Matches `torch.scatter_add` (duplicates accumulate)."""
    _check_gather_like("scatter", input, dim, index, src)
    return scatter_add_op(input, index, src, dim)


@public(dims="dim")
def index_select(input, dim, index):
    """Matches `torch.index_select`."""
    if index.ndim > 1:
        raise IndexError(_errors.INDEX_SELECT_VECTOR)
    _check_index_dtype(index, _errors.INDEX_SELECT_DTYPE)
    size = input.shape[dim] if input.ndim else 1
    if _first_outside(index, 0, size) is not None:
        raise IndexError(_errors.INDEX_OUT_OF_RANGE_SELF)
    if index.ndim == 0:  # torch treats a 0-d index as a vector of one
        index = Tensor._make(index._storage.array.reshape(1))
    return index_select_op(input, index, dim)


@public(dims="dim", inplace=True)
def index_add(input, dim, index, source, *, alpha=1):
    """Matches `torch.index_add`."""
    if index.dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError(_errors.INDEX_ADD_DTYPE.format(dtype=index.dtype.scalar_name))
    n = index.numel()
    got = source.shape[dim] if source.ndim else 1
    if n != got:
        raise RuntimeError(_errors.INDEX_ADD_COUNT.format(n=n, got=got, dim=dim))
    size = input.shape[dim] if input.ndim else 1
    bad = _first_outside(index, 0, size)
    if bad is not None:
        raise RuntimeError(_errors.INDEX_OUT_OF_BOUNDS.format(index=bad, dim=dim, size=size))
    return index_add_op(input, index, source, dim, alpha)


@public
def take_along_dim(input, indices, dim=None):
    """Matches `torch.take_along_dim` (torch broadcasts, then gathers: GatherBackward0)."""
    if dim is None:
        return gather_op(input.reshape(-1), indices.reshape(-1), 0)
    d = _checks.wrap_dim(dim, input.ndim)
    shape_self = list(input.shape)
    shape_idx = list(indices.shape)
    shape_self[d] = shape_idx[d] = 1
    b = list(np.broadcast_shapes(tuple(shape_self), tuple(shape_idx)))
    s_shape, i_shape = list(b), list(b)
    s_shape[d], i_shape[d] = input.shape[d], indices.shape[d]
    # torch always expands self here (an ExpandBackward0 even when the shape is unchanged).
    src = input.expand(tuple(s_shape))
    idx = indices.expand(tuple(i_shape)) if tuple(i_shape) != tuple(indices.shape) else indices
    return gather_op(src, idx, d)


# --------------------------------------------------------------------- advanced indexing
def _apply_index(self, *index_arrays, pattern):
    it = iter(index_arrays)
    key = tuple(next(it) if p else slice(None) for p in pattern)
    return self[key]


# torch's backward kernels: zeros + index_put_ / masked_scatter_ (one in-place write).
_index_fn = JaxFunction(_apply_index, name="index", node="IndexBackward0", grad_version=1,
                        linear=True)
_masked_select_fn = JaxFunction(lambda self, flat: self.reshape(-1)[flat],
                                name="masked_select", node="MaskedSelectBackward0",
                                grad_version=1, linear=True)


def _is_bool_index(obj) -> bool:
    if isinstance(obj, Tensor):
        return obj.dtype is _dtype.bool
    return isinstance(obj, (list, np.ndarray)) and np.asarray(obj).dtype == np.bool_


def _to_index_tensor(obj) -> Tensor:
    if isinstance(obj, Tensor):
        if obj.dtype.is_floating_point or obj.dtype.is_complex:
            raise IndexError(_errors.INDEX_TENSOR_DTYPE)
        return obj
    a = np.asarray(obj)
    if a.dtype.kind not in "iub":
        raise IndexError(_errors.INDEX_TENSOR_DTYPE)
    return Tensor._make(jnp.asarray(a, jnp.int64 if a.dtype.kind != "b" else jnp.bool_))


def _expand_masks(self: Tensor, index: tuple) -> tuple:
    """Boolean masks become one int64 index array per dim they cover (torch does the same);
    see NOTE [Index checks]. Their shape must match the indexed dims."""
    out = []
    dim = 0
    n_specified = builtins.sum(1 for i in index if i is not None and i is not Ellipsis)
    for obj in index:
        if obj is Ellipsis:
            dim += self.ndim - n_specified
            out.append(obj)
            continue
        if obj is None:
            out.append(obj)
            continue
        if _is_bool_index(obj):
            arr = np.asarray(obj._storage.array if isinstance(obj, Tensor) else obj)
            if arr.ndim == 0:
                out.append(None if arr else slice(0, 0))
                continue
            for k in range(arr.ndim):
                if dim + k >= self.ndim or arr.shape[k] != self.shape[dim + k]:
                    raise IndexError(_errors.MASK_SHAPE.format(
                        mask=list(arr.shape), index=k, shape=list(self.shape), dim=dim + k))
            for nz in np.nonzero(arr):
                out.append(Tensor._make(jnp.asarray(nz, jnp.int64)))
            dim += arr.ndim
            n_specified += arr.ndim - 1
            continue
        out.append(obj)
        dim += 1
    return tuple(out)


@public(function=False, method=False, dunders=("__getitem__",))
def getitem(self, index) -> Tensor:
    """`tensor[index]` with torch's decomposition into select/slice/unsqueeze/index."""
    if isinstance(index, slice):
        # torch: a lone slice is always recorded, even a full one (x[:] is SliceBackward0).
        if self.ndim == 0:
            raise IndexError(_errors.SLICE_ZERO_DIM)
        size = self.shape[0]
        start, stop, step = index.indices(size)
        if index.step is not None and index.step <= 0:
            raise ValueError(_errors.SLICE_STEP)
        return slice_op(self, 0, start, builtins.max(stop, start), step)
    if not isinstance(index, tuple):
        if self.ndim == 0 and isinstance(index, (int, np.integer)) and \
                not isinstance(index, bool):
            raise IndexError(_errors.INDEX_ZERO_DIM)
        index = (index,)
    index = _expand_masks(self, index)
    n_specified = builtins.sum(1 for i in index if i is not None and i is not Ellipsis)
    if n_specified > self.ndim:
        raise IndexError(_errors.TOO_MANY_INDICES.format(ndim=self.ndim))
    result = self
    dim = 0  # the dim of `result` the next index applies to
    source = 0  # ... and of `self`, for torch's messages
    advanced: list[tuple[int, int, object]] = []
    for obj in index:
        if obj is Ellipsis:
            dim += self.ndim - n_specified
            source += self.ndim - n_specified
            continue
        if obj is None:
            result = result.unsqueeze(dim)
            dim += 1
            continue
        if isinstance(obj, bool):
            result = result.unsqueeze(dim) if obj else result.unsqueeze(dim)[0:0]
            dim += 1
            continue
        if isinstance(obj, (int, np.integer)):
            size = result.shape[dim]
            i = _checks.check_index(int(obj), size, _errors.INDEX_OUT_OF_BOUNDS, dim=source)
            result = select(result, dim, i)
            source += 1
            continue
        if isinstance(obj, slice):
            size = result.shape[dim]
            start, stop, step = obj.indices(size)
            if obj.step is not None and obj.step <= 0:
                raise ValueError(_errors.SLICE_STEP)
            if not (start == 0 and stop == size and step == 1):
                result = slice_op(result, dim, start, builtins.max(stop, start), step)
            dim += 1
            source += 1
            continue
        advanced.append((dim, source, obj))
        dim += 1
        source += 1
    if not advanced:
        return alias(self) if result is self else result
    pattern = [False] * result.ndim
    arrays = []
    for k, (d, src, obj) in enumerate(advanced):
        pattern[d] = True
        t = _to_index_tensor(obj)
        size = result.shape[d]
        bad = _first_outside(t, -size, size)
        if bad is not None:
            # torch's index kernel names the index tensor's position among the index
            # tensors, not the dimension it indexes.
            raise IndexError(_errors.INDEX_OUT_OF_BOUNDS.format(index=bad, dim=k, size=size))
        arrays.append(t)
    return _index_fn(result, *arrays, pattern=tuple(pattern))


# --------------------------------------------------------------------- __setitem__
def _encode_key(self: Tensor, index) -> tuple[tuple, list]:
    """Split an index into a hashable static pattern and the index arrays it holds."""
    if not isinstance(index, tuple):
        index = (index,)
    index = _expand_masks(self, index)
    n_specified = builtins.sum(1 for i in index if i is not None and i is not Ellipsis)
    pattern, arrays = [], []
    dim = 0  # the dim of `self` the next index applies to (for the bounds checks)
    for obj in index:
        if isinstance(obj, slice):
            pattern.append(("slice", obj.start, obj.stop, obj.step))
            dim += 1
        elif obj is None or obj is Ellipsis:
            pattern.append(("const", obj))
            if obj is Ellipsis:
                dim += builtins.max(self.ndim - n_specified, 0)
        elif isinstance(obj, (int, np.integer)):
            size = self.shape[dim] if dim < self.ndim else 0
            _checks.check_index(int(obj), size, _errors.INDEX_OUT_OF_BOUNDS, dim=dim)
            pattern.append(("const", int(obj)))
            dim += 1
        else:
            t = _to_index_tensor(obj)
            if dim < self.ndim:
                size = self.shape[dim]
                bad = _first_outside(t, -size, size)
                if bad is not None:  # (dim: the position among the index tensors, as torch)
                    raise IndexError(_errors.INDEX_OUT_OF_BOUNDS.format(
                        index=bad, dim=len(arrays), size=size))
            pattern.append(("array",))
            arrays.append(t)
            dim += 1
    return tuple(pattern), arrays


def _slices_first(self: Tensor, pattern: tuple) -> bool:
    """Whether torch's indexing makes a view before an advanced-index write: an int, a None
    or a slice that is not the whole dim (then the write is through that view: CopySlices,
    not IndexPutBackward0)."""
    n_specified = builtins.sum(1 for p in pattern if p != ("const", None)
                               and p != ("const", Ellipsis))
    dim = 0
    for p in pattern:
        if p == ("const", Ellipsis):
            dim += builtins.max(self.ndim - n_specified, 0)
        elif p[0] == "const":
            return True  # an int (select) or None (unsqueeze)
        elif p[0] == "slice":
            size = self.shape[dim]
            if slice(*p[1:]).indices(size) != (0, size, 1):
                return True
            dim += 1
        else:
            dim += 1
    return False


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


def _strip_leading_ones(shape: tuple) -> tuple:
    # torch's setitem views the value without its leading 1s (slicePrefix1sSize).
    k = 0
    while k < len(shape) and shape[k] == 1:
        k += 1
    return tuple(shape[k:])


def _index_put(self, value, *arrays, pattern):
    key = _decode_key(pattern, arrays)
    value = value.reshape(_strip_leading_ones(value.shape))
    return self.at[key].set(jnp.broadcast_to(value.astype(self.dtype), self[key].shape))


# torch shows the base's new history after a basic-indexed write as CopySlices (a write
# through a view), after an advanced-indexed one as IndexPutBackward0 (index_put_).
_copy_slices_fn = JaxFunction(_index_put, name="index_put", node="CopySlices", linear=True)
_index_put_fn = JaxFunction(_index_put, name="index_put", node="IndexPutBackward0",
                            linear=True)


def _basic_index_shape(self: Tensor, index) -> tuple:
    """The shape of `self[index]` for a basic (view) index, without recording anything."""
    with grad_mode.no_grad():
        return tuple(self[index].shape)


@public(function=False, method=False, dunders=("__setitem__",))
def setitem(self, index, value) -> None:
    """`tensor[index] = value`: an in-place write (version bump, history rebase)."""
    pattern, arrays = _encode_key(self, index)
    if not arrays and isinstance(value, Tensor) and value.ndim:
        # torch's copy_to: the value (leading 1s dropped) is expanded to the slice's shape
        # before copy_ makes autograd's checks, so a shape error comes first.
        target = _basic_index_shape(self, index)
        if tuple(value.shape) != target:
            shape = list(value.shape)
            while shape and shape[0] == 1:
                shape.pop(0)
            with grad_mode.no_grad():
                value.reshape(shape).expand(target)
    if (not arrays and self._requires_grad and grad_mode.is_grad_enabled()
            and (self._grad_fn is None or isinstance(self._storage, ViewStorage))):
        # torch writes basic-indexed values through the view self[index], and checks that
        # view: "a view of a leaf Variable ...", or a view of a no_grad view's message first.
        check_inplace(self[index], (value,))
    if not arrays and getattr(self._storage, "multi_output", None) is not None:
        check_inplace(self[index], (value,))  # torch writes through the view self[index]
    check_inplace(self, (value,))
    if isinstance(value, Tensor) and (arrays or value.ndim):
        # torch's copy_ into self[index], or index_put_ into self, check overlap (NOTE
        # [Memory overlap]) before index_put_'s shape check; a 0-d value is fill_'s number.
        if arrays:
            check_overlap(self, (value,))
        elif storage_root(value._storage) is storage_root(self._storage):
            with grad_mode.no_grad():
                check_overlap(self[index], (value,))
    if not isinstance(value, Tensor):
        value = Tensor._make(jnp.asarray(value, self._storage.array.dtype))
    elif arrays and value.dtype is not self.dtype:
        raise RuntimeError(_errors.INDEX_PUT_DTYPE.format(dst=self.dtype.scalar_name,
                                                          src=value.dtype.scalar_name))
    fn = _index_put_fn if arrays and not _slices_first(self, pattern) else _copy_slices_fn
    if arrays:  # index_put_'s shape check (after autograd's, as in torch)
        target = jax.eval_shape(lambda a, *xs: a[_decode_key(pattern, xs)],
                                self._storage.array, *[a._storage.array for a in arrays]).shape
        shape = _strip_leading_ones(tuple(value.shape))
        try:
            ok = np.broadcast_shapes(shape, tuple(target)) == tuple(target)
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(_errors.INDEX_PUT_SHAPE.format(value=list(shape),
                                                              target=list(target)))
        if shape != tuple(value.shape):
            value = value.view(shape)  # as torch: ViewBackward0 in the value's history
    out = fn(snapshot(self), value, *arrays, pattern=pattern)
    finish_inplace(self, out)


# --------------------------------------------------------------------- masks
@public
def masked_select(input, mask):
    """Matches `torch.masked_select` (output size depends on the data: eager only)."""
    if mask.dtype is not _dtype.bool:
        raise RuntimeError(_errors.MASKED_SELECT_MASK)
    shape = np.broadcast_shapes(tuple(input.shape), tuple(mask.shape))
    src = input.expand(shape) if tuple(shape) != tuple(input.shape) else input
    flat = np.flatnonzero(np.broadcast_to(np.asarray(mask._storage.array), shape))
    return _masked_select_fn(src, Tensor._make(jnp.asarray(flat, jnp.int64)))


@public
def nonzero(input, *, as_tuple=False):
    """Matches `torch.nonzero` (data-dependent size: eager only)."""
    nz = np.nonzero(np.asarray(input._storage.array))
    if as_tuple:
        return tuple(Tensor._make(jnp.asarray(a, jnp.int64)) for a in nz)
    return Tensor._make(jnp.asarray(np.stack(nz, axis=-1), jnp.int64))


def _not_implemented(name: str):
    def formula(grad):
        raise NotImplementedError(f"the derivative for '{name}' is not implemented.")

    return formula


# torch records unique's output with a node whose backward raises.
_unique_grad = Op("_unique2", "Unique2Backward0", lambda self: self, dtype_rule="keep",
                  derivatives={"self": _not_implemented("_unique2")})


@public
def unique(input, sorted=True, return_inverse=False, return_counts=False,  # noqa: A002
           dim=None):
    """Matches `torch.unique` (eager only: the size depends on the data)."""
    axis = None if dim is None else _checks.wrap_dim(dim, input.ndim)
    array = np.asarray(input._storage.array)
    res = np.unique(array, return_inverse=return_inverse, return_counts=return_counts,
                    axis=axis)
    values = res if not (return_inverse or return_counts) else res[0]
    out = [_unique_like(input, Tensor._make(jnp.asarray(values)))]
    if not (return_inverse or return_counts):
        return out[0]
    if return_inverse:
        inverse = res[1].reshape(input.shape if axis is None else (array.shape[axis],))
        out.append(Tensor._make(jnp.asarray(inverse, jnp.int64)))
    if return_counts:
        out.append(Tensor._make(jnp.asarray(res[-1], jnp.int64)))
    return tuple(out)


def _unique_like(self, values):
    if not (self.requires_grad and grad_mode.is_grad_enabled()):
        return values
    # Give the data-dependent result a node with an edge to `self`, as torch does.
    node = _unique_grad.node_cls((gradient_edge(self),),
                                 ((tuple(values.shape), values.dtype),))
    node._saved = {}
    node._args = None
    return Tensor._make(values._storage.array, node, 0)


@public(function=False, method=False, functional=True)
def one_hot(input, num_classes=-1):
    """Matches `torch.nn.functional.one_hot` (int64 result, no grad)."""
    if input.dtype is not _dtype.int64:
        raise RuntimeError(_errors.ONE_HOT_DTYPE)
    a = input._storage.array
    if _concrete(a) and a.size:
        lo, hi = (int(v) for v in _bounds(a))
        if lo < 0:
            raise RuntimeError(_errors.ONE_HOT_NEGATIVE)
        if num_classes == -1:
            num_classes = hi + 1
        elif hi >= num_classes:
            raise RuntimeError(_errors.ONE_HOT_TOO_LARGE)
    out = Tensor._make(jax.nn.one_hot(a, num_classes, dtype=jnp.int64))
    out._vc.version = 2  # torch builds it with zeros + scatter_ (two in-place writes)
    return out


# --------------------------------------------------------------------- sorting
def _sort_fwd(self, dim, descending):
    idx = jnp.argsort(-self if descending else self, axis=dim, stable=True)
    return jnp.take_along_axis(self, idx, axis=dim), idx.astype(jnp.int64)


def _topk_fwd(self, k, dim, largest):
    moved = jnp.moveaxis(self, dim, -1)
    vals, idx = jax.lax.top_k(moved if largest else -moved, k)
    vals = vals if largest else -vals
    return jnp.moveaxis(vals, -1, dim), jnp.moveaxis(idx, -1, dim).astype(jnp.int64)


def _value_selecting_backward(grad, self_sym_sizes, indices, dim):
    return scatter_op(H.zeros(self_sym_sizes, grad), indices, grad, dim)


sort_op = Op("sort", "SortBackward0", _sort_fwd, grad_version=2, static=("dim", "descending"),
             outputs=("values", "indices"), dtype_rule="keep",
             derivatives={"self": lambda grad, self_sym_sizes, indices, dim:
                          _value_selecting_backward(grad, self_sym_sizes, indices, dim)})
topk_op = Op("topk", "TopkBackward0", _topk_fwd, grad_version=2, static=("k", "dim", "largest"),
             outputs=("values", "indices"), dtype_rule="keep",
             derivatives={"self": lambda grad, self_sym_sizes, indices, dim:
                          _value_selecting_backward(grad, self_sym_sizes, indices, dim)})


@public(dims="dim")
def sort(input, dim=-1, descending=False, stable=False):
    """Matches `torch.sort` (values, indices); the backward scatters (SortBackward0)."""
    values, indices = sort_op(input, dim, descending)
    return return_types.make("sort")(values, indices)


@public(dims="dim")
def argsort(input, dim=-1, descending=False, stable=False):
    """Matches `torch.argsort`."""
    return sort(input, dim, descending, stable).indices


@public(dims="dim")
def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002
    """Matches `torch.topk`."""
    size = input.shape[dim] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError(_errors.TOPK_RANGE)
    values, indices = topk_op(input, k, dim, largest)
    return return_types.make("topk")(values, indices)
