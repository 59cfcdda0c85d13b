"""Assembly ops beyond `shape.py`: atleast_*d and the stacks, flips and rotations, splits,
products, grids and combinations, diagonals and their scatters, and `Tensor.unfold`.
Declarations as in `shape.py`; samples in tests/ops/op_db_scatter.py."""

from __future__ import annotations

import builtins
import itertools
import operator
import warnings

import jax.numpy as jnp
import numpy as np

from .. import _checks, _device, _dtype, _errors
from ..tensor import Tensor
from . import _backward_helpers as H
from ._op import Op
from ._registry import public
from .indexing import (masked_select, nonzero)
from .pointwise import contiguous
from .shape import (_always, _split_backward, _split_fwd, _split_sizes_fwd, cat,
                    diag_embed_op, expand, flip_op, select_op, slice_op, stack, unbind, unsafe_view, view_op)
from .._checks import user_stacklevel


def _tensors(args) -> list:
    """`f(a, b)` or `f([a, b])`: torch's TensorList arguments."""
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        return list(args[0])
    return list(args)


# --------------------------------------------------------------------- atleast_*d, stacks
def _atleast(t: Tensor, n: int) -> Tensor:
    if t.ndim >= n:
        return t
    if t.ndim == 0:
        return view_op(t, (1,) * n)
    if n == 2 or t.ndim == 2:  # (n, ) -> (1, n); (a, b) -> (a, b, 1)
        out = t.unsqueeze(0) if t.ndim == 1 else t
        return out.unsqueeze(-1) if n == 3 else out
    return t.unsqueeze(0).unsqueeze(-1)  # 1-d -> 3-d


def _atleast_public(n: int):
    def atleast(*tensors):
        if len(tensors) == 1 and isinstance(tensors[0], Tensor):
            return _atleast(tensors[0], n)
        return tuple(_atleast(t, n) for t in _tensors(tensors))

    atleast.__name__ = atleast.__qualname__ = f"atleast_{n}d"
    atleast.__doc__ = f"Matches `torch.atleast_{n}d` (a tensor, or a tuple for several)."
    return public(atleast, method=False)


atleast_1d = _atleast_public(1)
atleast_2d = _atleast_public(2)
atleast_3d = _atleast_public(3)


def _nonempty(tensors, name: str) -> list:
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError(_errors.TENSORLIST_EMPTY.format(name=name))
    return tensors


@public(method=False)
def hstack(tensors):
    """Matches `torch.hstack` (atleast_1d, then cat along dim 0 for vectors, else 1)."""
    parts = [_atleast(t, 1) for t in _nonempty(tensors, "hstack")]
    return cat(parts, 0 if parts[0].ndim == 1 else 1)


@public(method=False, aliases=("row_stack",))
def vstack(tensors):
    """Matches `torch.vstack` / `torch.row_stack` (atleast_2d, then cat along dim 0)."""
    return cat([_atleast(t, 2) for t in _nonempty(tensors, "vstack")], 0)


@public(method=False)
def dstack(tensors):
    """Matches `torch.dstack` (atleast_3d, then cat along dim 2)."""
    return cat([_atleast(t, 3) for t in _nonempty(tensors, "dstack")], 2)


@public(method=False)
def column_stack(tensors):
    """Matches `torch.column_stack` (0-d and 1-d inputs become columns)."""
    parts = [view_op(t, (t.numel(), 1)) if t.ndim <= 1 else t
             for t in _nonempty(tensors, "column_stack")]
    return cat(parts, 1)


# --------------------------------------------------------------------- flips and rotations
@public
def fliplr(input):
    """Matches `torch.fliplr`."""
    if input.ndim < 2:
        raise RuntimeError(_errors.FLIP_DIMS.format(n=2))
    return flip_op(input, (1,))


@public
def flipud(input):
    """Matches `torch.flipud`."""
    if input.ndim < 1:
        raise RuntimeError(_errors.FLIP_DIMS.format(n=1))
    return flip_op(input, (0,))


def _rot90_backward(grad, k, dims):
    # rot90(grad, -k), spelled as torch's kernel computes it: for an odd k a flip and a
    # transpose, whose non-contiguous result torch's AccumulateGrad copies (grad._version).
    back = (-k) % 4
    if back == 1:
        return grad.flip(dims[1]).transpose(dims[0], dims[1])
    if back == 3:
        return grad.flip(dims[0]).transpose(dims[0], dims[1])
    return rot90_op(grad, back, dims)


rot90_op = Op("rot90", "Rot90Backward0",
              lambda self, k, dims: jnp.rot90(self, k, axes=dims),
              static=("k", "dims"), dtype_rule="keep",
              derivatives={"self": _rot90_backward})


@public
def rot90(input, k=1, dims=(0, 1)):
    """Matches `torch.rot90`."""
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(_errors.ROT90_NDIMS.format(n=len(dims)))
    if input.ndim < 2:
        raise RuntimeError(_errors.ROT90_TOTAL.format(n=input.ndim))
    wrapped = tuple(_checks.wrap_dim(d, input.ndim) for d in dims)
    if wrapped[0] == wrapped[1]:
        raise RuntimeError(_errors.ROT90_SAME.format(dim0=dims[0], dim1=dims[1]))
    dims = wrapped
    return rot90_op(input, k % 4, dims)


# --------------------------------------------------------------------- flattening, broadcasting
@public
def ravel(input):
    """Matches `torch.ravel` (contiguous, then view(-1))."""
    return view_op(contiguous(input), (input.numel(),))


@public
def broadcast_to(input, size):
    """Matches `torch.broadcast_to` (an expand)."""
    return expand(input, *tuple(size))


@public(method=False)
def broadcast_tensors(*tensors):
    """Matches `torch.broadcast_tensors` (each expanded where its shape differs)."""
    tensors = _tensors(tensors)
    shape: tuple = ()
    for t in tensors:
        shape = _checks.broadcast_shapes(shape, tuple(t.shape))
    return tuple(t if tuple(t.shape) == shape else expand(t, *shape) for t in tensors)


# --------------------------------------------------------------------- splits
def _slices(input, dim: int, bounds) -> tuple:
    size = input.shape[dim]
    out = []
    for start, end in bounds:
        start, end, _ = slice(start, end).indices(size)
        out.append(slice_op(input, dim, start, builtins.max(start, end), 1))
    return tuple(out)


@public(dims="dim")
def tensor_split(input, indices_or_sections, dim=0):
    """Matches `torch.tensor_split` (a number of sections, or split indices; a tensor of
    either)."""
    if input.ndim == 0:
        raise RuntimeError(_errors.TENSOR_SPLIT_ZERO_DIM.format(ndim=input.ndim))
    arg = indices_or_sections
    if isinstance(arg, Tensor):
        if arg.dtype is not _dtype.int64:
            raise RuntimeError(_errors.TENSOR_SPLIT_DTYPE.format(
                dtype=arg.dtype.scalar_name))
        if arg.ndim > 1:
            raise RuntimeError(_errors.TENSOR_SPLIT_TENSOR_DIMS.format(ndim=arg.ndim))
        # (The split points decide the output shapes: torch reads them on the host too.)
        arg = int(np.asarray(arg._storage.array)) if arg.ndim == 0 else \
            [int(i) for i in np.asarray(arg._storage.array)]
    size = input.shape[dim]
    if isinstance(arg, (int, np.integer)):
        n = int(arg)
        if n <= 0:
            raise RuntimeError(_errors.TENSOR_SPLIT_SECTIONS.format(n=n))
        small, extra = divmod(size, n)
        bounds, start = [], 0
        for i in range(n):
            end = start + small + (1 if i < extra else 0)
            bounds.append((start, end))
            start = end
        return _slices(input, dim, bounds)
    points = [int(i) for i in arg]
    edges = [0, *points, size]
    return _slices(input, dim, list(zip(edges[:-1], edges[1:])))


def _directional_split(name: str, min_ndim: int, dim_of):
    def fn(input, indices_or_sections):
        if input.ndim < min_ndim:
            raise RuntimeError(_errors.DIRECTIONAL_SPLIT_NDIM.format(
                name=name, n=min_ndim, ndim=input.ndim))
        dim = dim_of(input)
        arg = indices_or_sections
        if isinstance(arg, (int, np.integer)):
            size = input.shape[dim]
            if arg == 0 or size % arg != 0:
                raise RuntimeError(_errors.DIRECTIONAL_SPLIT_SIZE.format(
                    name=name, dim=dim, size=size, split=arg))
        return tensor_split(input, arg, dim)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Matches `torch.{name}` (tensor_split along its dim)."
    return public(fn)


hsplit = _directional_split("hsplit", 1, lambda t: 0 if t.ndim == 1 else 1)
vsplit = _directional_split("vsplit", 2, lambda t: 0)
dsplit = _directional_split("dsplit", 3, lambda t: 2)

# unsafe_split/unsafe_chunk: split's values without view tracking, torch's own nodes.
unsafe_split_op = Op("unsafe_split", "UnsafeSplitBackward0", _split_fwd,
                     static=("split_size", "dim"), outputs="*", dtype_rule="keep",
                     derivatives={"self": lambda grads, self_sym_sizes, dim, split_size:
                                  _split_backward(grads, self_sym_sizes, dim, split_size)})
unsafe_split_sizes_op = Op(
    "unsafe_split_with_sizes", "UnsafeSplitWithSizesBackward0", _split_sizes_fwd,
    static=("split_sizes", "dim"), outputs="*", dtype_rule="keep",
    derivatives={"self": lambda grads, self_sym_sizes, dim, split_sizes:
                 _split_backward(grads, self_sym_sizes, dim, None, split_sizes)})


def _unsafe_split(input, split_size: int, dim: int):
    size = input.shape[dim]
    if split_size < 0:
        raise RuntimeError(_errors.SPLIT_NEGATIVE.format(size=split_size))
    if split_size == 0 and size != 0:
        raise RuntimeError(_errors.SPLIT_ZERO.format(size=size))
    return tuple(unsafe_split_op(input, split_size, dim))


@public
def unsafe_split(input, split_size, dim=0):
    """Matches `torch.unsafe_split` (UnsafeSplitBackward0; the pieces are not views)."""
    if input.ndim == 0:
        raise RuntimeError(_errors.SPLIT_ZERO_DIM)
    return _unsafe_split(input, split_size, _checks.wrap_dim(dim, input.ndim))


@public
def unsafe_chunk(input, chunks, dim=0):
    """Matches `torch.unsafe_chunk`."""
    if input.ndim == 0:
        raise RuntimeError(_errors.CHUNK_ZERO_DIM)
    if chunks <= 0:
        raise RuntimeError(_errors.CHUNK_COUNT.format(chunks=chunks))
    dim = _checks.wrap_dim(dim, input.ndim)
    return _unsafe_split(input, -(-input.shape[dim] // chunks), dim)


@public(dims="dim")
def unsafe_split_with_sizes(input, split_sizes, dim=0):
    """Matches `torch.unsafe_split_with_sizes`."""
    sizes = tuple(split_sizes)
    if any(s < 0 for s in sizes):
        raise RuntimeError(_errors.SPLIT_SIZES_NEGATIVE.format(sizes=list(sizes)))
    if builtins.sum(sizes) != input.shape[dim]:
        raise RuntimeError(_errors.SPLIT_SIZES_SUM.format(size=input.shape[dim], dim=dim,
                                                          sizes=list(sizes)))
    return tuple(unsafe_split_sizes_op(input, tuple(split_sizes), dim))


# --------------------------------------------------------------------- products
vdot_op = Op("vdot", "VdotBackward0", lambda self, other: jnp.vdot(self, other),
             inputs=("self", "other"), precision="matmul",
             derivatives={"self": lambda grad, other: grad.conj() * other,
                          "other": lambda grad, self: grad * self})


@public
def vdot(input, other):
    """Matches `torch.vdot` (the first argument conjugated)."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(_errors.DOT_DIMS.format(a=input.ndim, b=other.ndim))
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(_errors.DOT_SIZES.format(a=input.shape[0], b=other.shape[0]))
    if input.dtype is not other.dtype:
        raise RuntimeError(_errors.DOT_DTYPE.format(a=input.dtype.scalar_name,
                                                    b=other.dtype.scalar_name))
    return vdot_op(input, other)


@public
def kron(input, other):
    """Matches `torch.kron` (torch's _unsafe_view / mul / _unsafe_view)."""
    if not isinstance(other, Tensor):
        raise TypeError(_errors.ARGUMENT_NOT_TENSOR.format(name="kron", arg="other",
                                                           position=2,
                                                           type_name=type(other).__name__))
    n = builtins.max(input.ndim, other.ndim)
    pad_a, pad_b = n - input.ndim, n - other.ndim
    a_shape, b_shape, out_shape = [], [], []
    for i in range(n):
        a = input.shape[i - pad_a] if i >= pad_a else 1
        b = other.shape[i - pad_b] if i >= pad_b else 1
        a_shape += [a, 1]
        b_shape += [1, b]
        out_shape.append(a * b)
    return unsafe_view(unsafe_view(input, a_shape) * unsafe_view(other, b_shape), out_shape)


# --------------------------------------------------------------------- grids and combinations
_meshgrid_warned = [False]


@public(method=False)
def meshgrid(*tensors, indexing=None):
    """Matches `torch.meshgrid` (views expanded; torch's warning when `indexing` is not
    given, once per process as torch's)."""
    tensors = _tensors(tensors)
    if indexing is None:
        if not _meshgrid_warned[0]:
            _meshgrid_warned[0] = True
            warnings.warn(_errors.MESHGRID_INDEXING_WARNING, UserWarning, stacklevel=user_stacklevel())
        indexing = "ij"
    if not tensors:
        raise RuntimeError(_errors.TENSORLIST_EMPTY.format(name="meshgrid"))
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(_errors.MESHGRID_DIMS)
    for t in tensors[1:]:
        if t.dtype is not tensors[0].dtype:
            raise RuntimeError(_errors.MESHGRID_DTYPE)
    if indexing not in ("ij", "xy"):
        raise RuntimeError(_errors.MESHGRID_INDEXING.format(indexing=indexing))
    swap = indexing == "xy" and len(tensors) >= 2
    if swap:
        tensors[0], tensors[1] = tensors[1], tensors[0]
    shape = tuple(t.numel() for t in tensors)
    out = []
    for i, t in enumerate(tensors):
        view_shape = [1] * len(tensors)
        view_shape[i] = -1
        out.append(expand(view_op(t, tuple(shape[i] if s == -1 else s for s in view_shape)),
                          *shape))
    if swap:
        out[0], out[1] = out[1], out[0]
    return tuple(out)


def _check_vector(t: Tensor) -> None:
    if t.ndim != 1:
        raise RuntimeError(_errors.EXPECT_1D.format(shape=list(t.shape)))


@public(method=False)
def cartesian_prod(*tensors):
    """Matches `torch.cartesian_prod` (meshgrid, flatten, stack)."""
    tensors = _tensors(tensors)
    for t in tensors:
        _check_vector(t)
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(tensors, indexing="ij")
    return stack([g.flatten() for g in grids], 1)


@public(method=False)
def combinations(input, r=2, with_replacement=False):
    """Matches `torch.combinations` (meshgrid, masked_select by a triangle mask, stack)."""
    _check_vector(input)
    if r < 0:
        raise RuntimeError(_errors.EXPECT_NON_NEGATIVE.format(r=r))
    if r == 0:
        return Tensor._make(jnp.zeros((0,), input._storage.array.dtype))
    n = input.numel()
    grids = meshgrid([input] * r, indexing="ij")
    index = np.meshgrid(*[np.arange(n)] * r, indexing="ij")
    mask = np.ones((n,) * r, bool)
    for i in range(r - 1):
        mask &= (index[i] <= index[i + 1]) if with_replacement else (index[i] < index[i + 1])
    mask_t = Tensor._make(jnp.asarray(mask))
    return stack([masked_select(g, mask_t) for g in grids], 1)


def _block_diag_fwd(tensors):
    blocks = [t.reshape(1, -1) if t.ndim == 1 else t.reshape(1, 1) if t.ndim == 0 else t
              for t in tensors]
    rows = builtins.sum(b.shape[0] for b in blocks)
    cols = builtins.sum(b.shape[1] for b in blocks)
    dt = jnp.result_type(*[b.dtype for b in blocks]) if blocks else jnp.float32
    out = jnp.zeros((rows, cols), dt)
    r = c = 0
    for b in blocks:
        out = out.at[r:r + b.shape[0], c:c + b.shape[1]].set(b.astype(dt))
        r, c = r + b.shape[0], c + b.shape[1]
    return out


def _block_diag_backward(grad, tensors_sym_sizes):
    out = []
    r = c = 0
    for size in tensors_sym_sizes:
        rows, cols = (1, 1) if len(size) == 0 else (1, size[0]) if len(size) == 1 else size
        block = slice_op(slice_op(grad, 0, r, r + rows, 1), 1, c, c + cols, 1)
        out.append(block.reshape(tuple(size)) if len(size) < 2 else block)
        r, c = r + rows, c + cols
    return out


block_diag_op = Op("block_diag", "BlockDiagBackward0", _block_diag_fwd, inputs=("*tensors",),
                   derivatives={"tensors": _block_diag_backward})


@public(method=False)
def block_diag(*tensors):
    """Matches `torch.block_diag` (0-d and 1-d inputs as 1 x n blocks)."""
    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError(_errors.BLOCK_DIAG_DIMS.format(index=i, ndim=t.ndim))
    return block_diag_op(list(tensors))


def _index_factory(kind: str):
    def fn(row, col, offset=0, *, dtype=None, device=None, layout=None, pin_memory=False):
        if row < 0:
            raise RuntimeError(_errors.INDICES_NEGATIVE.format(name="row", value=row))
        if col < 0:
            raise RuntimeError(_errors.INDICES_NEGATIVE.format(name="col", value=col))
        rows, cols = (np.tril_indices if kind == "tril" else np.triu_indices)(row, offset, col)
        dt = _dtype.int64 if dtype is None else dtype
        array = jnp.asarray(np.stack([rows, cols]).reshape(2, -1), dt.np)
        return Tensor._make(_device.place(array, device, f"{kind}_indices"))

    fn.__name__ = fn.__qualname__ = f"{kind}_indices"
    fn.__doc__ = f"Matches `torch.{kind}_indices` (a 2 x N tensor of row and column indices)."
    return public(fn, method=False)


tril_indices = _index_factory("tril")
triu_indices = _index_factory("triu")


@public(method=False)
def unravel_index(indices, shape):
    """Matches `torch.unravel_index` (a tuple of int64 tensors; indices wrap as torch's)."""
    if indices.dtype.is_floating_point or indices.dtype.is_complex or \
            indices.dtype is _dtype.bool:
        raise TypeError(_errors.UNRAVEL_DTYPE.format(dtype=f"torch.{indices.dtype.name}"))
    shape = (shape,) if isinstance(shape, int) else tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError(_errors.UNRAVEL_SHAPE.format(shape=shape))
    coefs = list(reversed(list(itertools.accumulate(reversed(shape[1:] + (1,)),
                                                    func=operator.mul))))
    a = indices._storage.array.astype(jnp.int64)[..., None]
    res = (a // jnp.asarray(coefs, jnp.int64)) % jnp.asarray(shape, jnp.int64)
    return unbind(Tensor._make(res), -1)


# --------------------------------------------------------------------- diagonals
@public(dims={"dim1": 1, "dim2": 1})
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Matches `torch.diag_embed`."""
    if dim1 == dim2:
        raise RuntimeError(_errors.DIAGONAL_SAME_DIMS.format(dim1=dim1, dim2=dim2))
    return diag_embed_op(input, offset, dim1, dim2)


@public
def diagflat(input, offset=0):
    """Matches `torch.diagflat` (a flattened view, then diag_embed)."""
    return diag_embed_op(view_op(contiguous(input), (input.numel(),)), offset, 0, 1)


def _diag_positions(n: int, offset: int):
    i = jnp.arange(n)
    return (i, i + offset) if offset >= 0 else (i - offset, i)


def _diagonal_scatter_fwd(self, src, offset, dim1, dim2):
    moved = jnp.moveaxis(self, (dim1, dim2), (-2, -1))
    r, c = _diag_positions(src.shape[-1], offset)
    return jnp.moveaxis(moved.at[..., r, c].set(src), (-2, -1), (dim1, dim2))


def _select_scatter_fwd(self, src, dim, index):
    return jnp.moveaxis(jnp.moveaxis(self, dim, 0).at[index].set(src), 0, dim)


def _slice_scatter_fwd(self, src, dim, start, end, step):
    return jnp.moveaxis(jnp.moveaxis(self, dim, 0).at[start:end:step].set(
        jnp.moveaxis(src, dim, 0)), 0, dim)


diagonal_scatter_op = Op(
    "diagonal_scatter", "DiagonalScatterBackward0", _diagonal_scatter_fwd,
    inputs=("self", "src"), static=("offset", "dim1", "dim2"),
    derivatives={"self": lambda grad, src_sym_sizes, offset, dim1, dim2: diagonal_scatter_op(
        grad, H.zeros(src_sym_sizes, grad), offset, dim1, dim2),
                 "src": lambda grad, offset, dim1, dim2: grad.diagonal(offset, dim1, dim2)})
select_scatter_op = Op(
    "select_scatter", "SelectScatterBackward0", _select_scatter_fwd,
    inputs=("self", "src"), static=("dim", "index"),
    derivatives={"self": lambda grad, src_sym_sizes, dim, index: select_scatter_op(
        grad, H.zeros(src_sym_sizes, grad), dim, index),
                 "src": lambda grad, dim, index: select_op(grad, dim, index)})
slice_scatter_op = Op(
    "slice_scatter", "SliceScatterBackward0", _slice_scatter_fwd,
    inputs=("self", "src"), static=("dim", "start", "end", "step"),
    derivatives={"self": lambda grad, src_sym_sizes, dim, start, end, step: slice_scatter_op(
        grad, H.zeros(src_sym_sizes, grad), dim, start, end, step),
                 "src": lambda grad, dim, start, end, step: slice_op(grad, dim, start, end,
                                                                      step)})


def _check_scatter_src(src: Tensor, expected: tuple) -> None:
    if tuple(src.shape) != tuple(expected):
        raise RuntimeError(_errors.SCATTER_SLICE_SIZE.format(src=list(src.shape),
                                                             slice=list(expected)))


def _diagonal_size(shape, offset, dim1, dim2) -> tuple:
    n1, n2 = shape[dim1], shape[dim2]
    n = builtins.max(0, builtins.min(n1, n2 - offset) if offset >= 0
                     else builtins.min(n1 + offset, n2))
    rest = tuple(s for i, s in enumerate(shape) if i not in (dim1, dim2))
    return rest + (n,)


@public(dims=("dim1", "dim2"))
def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """Matches `torch.diagonal_scatter`."""
    if dim1 == dim2:
        raise RuntimeError(_errors.DIAGONAL_SAME_DIMS.format(dim1=dim1, dim2=dim2))
    _check_scatter_src(src, _diagonal_size(tuple(input.shape), offset, dim1, dim2))
    return diagonal_scatter_op(input, src, offset, dim1, dim2)


@public(dims="dim")
def select_scatter(input, src, dim, index):
    """Matches `torch.select_scatter`."""
    if input.ndim == 0:
        raise IndexError(_errors.SELECT_ZERO_DIM)
    index = _checks.check_index(index, input.shape[dim], _errors.SELECT_INDEX,
                                sizes=list(input.shape), dim=dim)
    _check_scatter_src(src, tuple(s for i, s in enumerate(input.shape) if i != dim))
    return select_scatter_op(input, src, dim, index)


@public(dims="dim")
def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """Matches `torch.slice_scatter`."""
    if step <= 0:
        raise RuntimeError(_errors.SLICE_STEP_POSITIVE)
    size = input.shape[dim]
    start, end, _ = slice(start, end).indices(size)
    end = builtins.max(start, end)
    n = -(-(end - start) // step)
    expected = tuple(n if i == dim else s for i, s in enumerate(input.shape))
    _check_scatter_src(src, expected)
    return slice_scatter_op(input, src, dim, start, end, step)


# --------------------------------------------------------------------- unfold
def _unfold_index(length: int, size: int, step: int):
    n = (length - size) // step + 1
    return np.arange(n)[:, None] * step + np.arange(size)[None, :]


def _unfold_fwd(self, dimension, size, step):
    if self.ndim == 0:
        return self.reshape(1)[: size]
    idx = _unfold_index(self.shape[dimension], size, step)
    return jnp.moveaxis(jnp.take(self, jnp.asarray(idx), axis=dimension), dimension + 1, -1)


def _unfold_backward_fwd(grad_in, input_sizes, dim, size, step):
    if len(input_sizes) == 0:
        return grad_in.reshape(())
    idx = _unfold_index(input_sizes[dim], size, step)
    g = jnp.moveaxis(grad_in, -1, dim + 1)
    g = g.reshape(g.shape[:dim] + (-1,) + g.shape[dim + 2:])
    out = jnp.moveaxis(jnp.zeros(input_sizes, grad_in.dtype), dim, 0)
    out = out.at[jnp.asarray(idx.reshape(-1))].add(jnp.moveaxis(g, dim, 0))
    return jnp.moveaxis(out, 0, dim)


def _unfold_overlapping(s, b) -> bool:
    length = b.shape[s["dimension"]] if b.ndim else 1
    return s["step"] < s["size"] and (length - s["size"]) // s["step"] >= 1


unfold_op = Op("unfold", "UnfoldBackward0", _unfold_fwd, static=("dimension", "size", "step"),
               dtype_rule="keep", view=_always, overlapping=_unfold_overlapping,
               derivatives={"self": lambda grad, self_sym_sizes, dimension, size, step:
                            unfold_backward_op(grad, tuple(self_sym_sizes), dimension, size,
                                               step)})
unfold_backward_op = Op(
    "unfold_backward", "UnfoldBackwardBackward0", _unfold_backward_fwd, inputs=("grad_in",),
    static=("input_sizes", "dim", "size", "step"), dtype_rule="keep",
    derivatives={"grad_in": lambda grad, dim, size, step: unfold_op(grad, dim, size, step)})


@public(function=False, dims="dimension")
def unfold(self, dimension, size, step):
    """Matches `torch.Tensor.unfold` (a view of sliding windows, UnfoldBackward0)."""
    max_size = self.shape[dimension] if self.ndim else 1
    if size > max_size:
        raise RuntimeError(_errors.UNFOLD_SIZE.format(dim=dimension, max=max_size, size=size))
    if size < 0:
        raise RuntimeError(_errors.UNFOLD_NEGATIVE.format(size=size))
    if step <= 0:
        raise RuntimeError(_errors.UNFOLD_STEP.format(step=step))
    return unfold_op(self, dimension, size, step)


@public
def argwhere(input):
    """Matches `torch.argwhere` (nonzero's indices; eager only: the size depends on data)."""
    return nonzero(input)

