"""Shape ops: the table (their gradients are the transposed shape op) and the public functions
that check arguments with torch's errors and pick the overload."""

from __future__ import annotations

import builtins
import warnings

import jax
import jax.numpy as jnp

from .. import _checks, _errors
from .._storage import ViewStorage, strides_of, view_strides
from . import _backward_helpers as H
from ._op import Op
from ._registry import public
from .from_jax import JaxFunction
from .pointwise import clone
from .sum_to import sum_to
from .._checks import user_stacklevel


# Whether torch's view would be non-contiguous (only dims of size > 1 matter to that).
def _transposed(shape, d0: int, d1: int) -> bool:
    return d0 != d1 and shape[d0] > 1 and shape[d1] > 1


def _permuted(shape, dims) -> bool:
    order = [d for d in dims if shape[d] > 1]
    return order != sorted(order)


def _expanded(shape, size) -> bool:
    lead = len(size) - len(shape)
    for i, n in enumerate(size):
        old = shape[i - lead] if i >= lead else 1
        if n > 1 and old == 1:
            return True
    return False


def _sliced(shape, dim: int, start: int, end: int, step: int) -> bool:
    # torch's is_contiguous of the slice of a contiguous base: strides of dims of size > 1
    # must be the products of the sizes after them.
    n = builtins.max(0, -(-(end - start) // step))
    new = list(shape)
    new[dim] = n
    if 0 in new:
        return False
    strides = [1] * len(shape)
    for i in range(len(shape) - 2, -1, -1):
        strides[i] = strides[i + 1] * shape[i + 1]
    strides[dim] *= step
    expected = 1
    for i in range(len(new) - 1, -1, -1):
        if new[i] != 1:
            if strides[i] != expected:
                return True
            expected *= new[i]
    return False


def _inverse_perm(dims: tuple) -> tuple:
    inv = [0] * len(dims)
    for i, d in enumerate(dims):
        inv[d] = i
    return tuple(inv)


def _contiguous(s, b) -> bool:
    return False


view_op = Op("view", "ViewBackward0", lambda self, size: jnp.reshape(self, size),
             static=("size",), dtype_rule="keep", view=_contiguous,
             derivatives={"self": lambda grad, self_sym_sizes: grad.reshape(self_sym_sizes)})
# reshape of a non-contiguous tensor that a view can express is torch's _reshape_alias.
reshape_alias_op = Op("_reshape_alias", "ReshapeAliasBackward0",
                      lambda self, size: jnp.reshape(self, size), static=("size",),
                      dtype_rule="keep", view=_contiguous,
                      derivatives={"self": lambda grad, self_sym_sizes:
                                   grad.reshape(self_sym_sizes)})
expand_op = Op("expand", "ExpandBackward0", lambda self, size: jnp.broadcast_to(self, size),
               static=("size",), dtype_rule="keep",
               view=lambda s, b: _expanded(b.shape, s["size"]),
               # An expand that broadcasts makes several view elements alias one base element.
               overlapping=lambda s, b: _expanded(b.shape, s["size"]),
               derivatives={"self": lambda grad, self_sym_sizes: sum_to(grad, self_sym_sizes)})
transpose_op = Op("transpose", "TransposeBackward0",
                  lambda self, dim0, dim1: jnp.swapaxes(self, dim0, dim1),
                  static=("dim0", "dim1"), dtype_rule="keep",
                  view=lambda s, b: _transposed(b.shape, s["dim0"], s["dim1"]),
                  derivatives={"self": lambda grad, dim0, dim1: grad.transpose(dim0, dim1)})
t_op = Op("t", "TBackward0", lambda self: jnp.transpose(self), dtype_rule="keep",
          view=lambda s, b: b.ndim == 2 and _transposed(b.shape, 0, 1),
          derivatives={"self": lambda grad: grad.t()})
permute_op = Op("permute", "PermuteBackward0", lambda self, dims: jnp.transpose(self, dims),
                static=("dims",), dtype_rule="keep",
                view=lambda s, b: _permuted(b.shape, s["dims"]),
                derivatives={"self": lambda grad, dims: grad.permute(_inverse_perm(dims))})
unsqueeze_op = Op("unsqueeze", "UnsqueezeBackward0",
                  lambda self, dim: jnp.expand_dims(self, dim),
                  static=("dim",), dtype_rule="keep", view=_contiguous,
                  derivatives={"self": lambda grad, dim: grad.squeeze(dim)})
def unsqueeze_to(grad, sizes, dims=None):
    """torch's unsqueeze_to: `grad.unsqueeze(d)` for each size-1 dim d of `sizes` (among
    `dims`), so a create_graph backward records UnsqueezeBackward0 nodes, and nothing when
    no dim was squeezed."""
    n = len(sizes)
    if dims is None:
        wanted = set(range(n))
    else:
        wanted = {d % n for d in (dims if isinstance(dims, tuple) else (dims,))} if n else set()
    for d in range(n):
        if d in wanted and sizes[d] == 1:
            grad = grad.unsqueeze(d)
    return grad


squeeze_all = Op("squeeze", "SqueezeBackward0", lambda self: jnp.squeeze(self),
                 dtype_rule="keep", view=_contiguous,
                 derivatives={"self": lambda grad, self_sym_sizes:
                              unsqueeze_to(grad, self_sym_sizes)})
squeeze_dim = Op("squeeze", "SqueezeBackward1",
                 lambda self, dim: jnp.squeeze(self, dim) if self.ndim and self.shape[dim] == 1
                 else self,
                 static=("dim",), dtype_rule="keep", view=_contiguous,
                 derivatives={"self": lambda grad, self_sym_sizes, dim:
                              unsqueeze_to(grad, self_sym_sizes, dim)})
squeeze_dims = Op("squeeze", "SqueezeBackward2",
                  lambda self, dim: jnp.squeeze(self, tuple(d for d in dim if self.ndim
                                                            and self.shape[d] == 1)),
                  static=("dim",), dtype_rule="keep", view=_contiguous,
                  derivatives={"self": lambda grad, self_sym_sizes, dim:
                               unsqueeze_to(grad, self_sym_sizes, tuple(dim))})
slice_op = Op("slice", "SliceBackward0",
              lambda self, dim, start, end, step: jnp.moveaxis(
                  jnp.moveaxis(self, dim, 0)[start:end:step], 0, dim),
              static=("dim", "start", "end", "step"), dtype_rule="keep",
              view=lambda s, b: _sliced(b.shape, s["dim"], s["start"], s["end"], s["step"]),
              derivatives={"self": lambda grad, self_sym_sizes, dim, start, end, step:
                           slice_backward(grad, self_sym_sizes, dim, start, end, step)})
slice_backward = Op(
    "slice_backward", "SliceBackwardBackward0",
    lambda grad_output, input_sizes, dim, start, end, step: jnp.moveaxis(
        jnp.moveaxis(jnp.zeros(input_sizes, grad_output.dtype), dim, 0).at[start:end:step].set(
            jnp.moveaxis(grad_output, dim, 0)), 0, dim),
    inputs=("grad_output",), static=("input_sizes", "dim", "start", "end", "step"),
    dtype_rule="keep",
    derivatives={"grad_output": lambda grad, dim, start, end, step:
                 slice_op(grad, dim, start, end, step)})
select_op = Op("select", "SelectBackward0",
               lambda self, dim, index: jnp.take(self, index, axis=dim),
               static=("dim", "index"), traced=("index",), dtype_rule="keep",
               view=lambda s, b: any(n > 1 for n in b.shape[:s["dim"]]),
               derivatives={"self": lambda grad, self_sym_sizes, dim, index:
                            select_backward(grad, self_sym_sizes, dim, index)})
select_backward = Op(
    "select_backward", "SelectBackwardBackward0",
    lambda grad_output, input_sizes, dim, index: jnp.moveaxis(
        jnp.moveaxis(jnp.zeros(input_sizes, grad_output.dtype), dim, 0).at[index].set(
            grad_output), 0, dim),
    inputs=("grad_output",), static=("input_sizes", "dim", "index"), traced=("index",),
    dtype_rule="keep",
    derivatives={"grad_output": lambda grad, dim, index: select_op(grad, dim, index)})
alias_op = Op("alias", "AliasBackward0", lambda self: self, dtype_rule="keep",
              view=_contiguous, derivatives={"self": lambda grad: grad})


def _cat_backward(grad, tensors_sym_sizes, dim):
    out = []
    offset = 0
    for size in tensors_sym_sizes:
        if len(size) == 1 and size[0] == 0:  # torch skips legacy empty inputs
            out.append(None)
            continue
        n = size[dim]
        out.append(slice_op(grad, dim, offset, offset + n, 1))
        offset += n
    return out


def _stack_backward(grad, tensors_sym_sizes, dim):
    return [select_op(grad, dim, i) for i in range(len(tensors_sym_sizes))]


cat_op = Op("cat", "CatBackward0", lambda tensors, dim: jnp.concatenate(tensors, axis=dim),
            inputs=("*tensors",), static=("dim",), defaults={"dim": 0}, chunked=True,
            derivatives={"tensors": _cat_backward})
stack_op = Op("stack", "StackBackward0", lambda tensors, dim: jnp.stack(tensors, axis=dim),
              inputs=("*tensors",), static=("dim",), defaults={"dim": 0}, chunked=True,
              derivatives={"tensors": _stack_backward})


# --------------------------------------------------------------------- views
@public(function=False)
def view(self, *size):
    """Matches `torch.Tensor.view` (a dtype argument is not supported): refuses what the
    input's strides cannot express, as torch (NOTE [Strides])."""
    size = _checks.infer_size(_checks.parse_size(size), self.numel())
    if not _viewable(self, size):
        raise RuntimeError(_errors.VIEW_STRIDES)
    return view_op(self, size)


def _viewable(t, size) -> bool:
    """Whether torch's view of `t` to `size` exists (computeStride on t's strides)."""
    if not isinstance(t._storage, ViewStorage):
        return True
    shape = tuple(t.shape)
    strides, _ = strides_of(t._storage, shape)
    return view_strides(shape, strides, tuple(size)) is not None


@public
def reshape(input, *shape):
    """Matches `torch.reshape`: a view, or (for a view torch lays out non-contiguously)
    clone + _unsafe_view, as torch shows (UnsafeViewBackward0 over CloneBackward0)."""
    size = _checks.infer_size(_checks.parse_size(shape), input.numel())
    if not _viewable(input, size):
        return unsafe_view_op(clone(input), size)
    return view_op(input, size) if input.is_contiguous() else reshape_alias_op(input, size)


@public(function=False)
def view_as(self, other):
    """Matches `torch.Tensor.view_as`."""
    return view(self, tuple(other.shape))


@public(function=False)
def reshape_as(self, other):
    """Matches `torch.Tensor.reshape_as`."""
    return reshape(self, tuple(other.shape))


@public(function=False)
def expand(self, *sizes, size=None, implicit=False):
    """Matches `torch.Tensor.expand` (-1 keeps a dim; new dims lead; `size=` by keyword)."""
    target = _checks.parse_size(sizes if size is None else (size,))
    shape = tuple(self.shape)
    lead = len(target) - len(shape)
    if lead < 0:
        raise RuntimeError(_errors.EXPAND_FEW.format(
            type=self.dtype.legacy_name, sizes=list(shape), target=list(target),
            n=len(target), ndim=len(shape)))
    out = list(target)
    for i in range(len(target) - 1, -1, -1):  # torch's infer_expand_geometry: last dim first
        n = target[i]
        if i < lead:
            if n < 0:
                raise RuntimeError(_errors.EXPAND_LEADING.format(size=n, dim=i))
            continue
        old = shape[i - lead]
        if n == -1:
            out[i] = old
        elif old != n and old != 1:
            raise RuntimeError(_errors.EXPAND_SIZE.format(
                size=n, existing=old, dim=i, target=list(target), sizes=list(shape)))
    return expand_op(self, tuple(out))


@public(function=False)
def expand_as(self, other):
    """Matches `torch.Tensor.expand_as`."""
    return expand(self, tuple(other.shape))


@public(dims=("dim0", "dim1"), aliases=("swapdims",))
def transpose(input, dim0, dim1):
    """Matches `torch.transpose`."""
    return transpose_op(input, dim0, dim1)


@public(dims=("axis0", "axis1"))
def swapaxes(input, axis0, axis1):
    """Matches `torch.swapaxes` (transpose, under NumPy's argument names)."""
    return transpose_op(input, axis0, axis1)


@public
def t(input):
    """Matches `torch.t` (0-D and 1-D tensors are returned as they are, as a view)."""
    if input.ndim > 2:
        raise RuntimeError(_errors.T_DIMS.format(ndim=input.ndim))
    return t_op(input)


@public
def permute(input, *dims):
    """Matches `torch.permute`."""
    dims = _checks.parse_size(dims)
    if len(dims) != input.ndim:
        raise RuntimeError(_errors.PERMUTE_LENGTH.format(ndim=input.ndim, n=len(dims)))
    wrapped = tuple(_checks.wrap_dim(d, input.ndim) for d in dims)
    if len(set(wrapped)) != len(wrapped):
        raise RuntimeError(_errors.PERMUTE_DUPLICATE)
    return permute_op(input, wrapped)


@public(dims={"dim": 1})
def unsqueeze(input, dim):
    """Matches `torch.unsqueeze` (dim may name the new last dim)."""
    return unsqueeze_op(input, dim)


@public(dims="dim")
def squeeze(input, dim=None):
    """Matches `torch.squeeze` (all size-1 dims, one dim, or a tuple of dims)."""
    if dim is None:
        return squeeze_all(input)
    if isinstance(dim, tuple):
        return squeeze_dims(input, dim)
    return squeeze_dim(input, dim)


@public(dims=("start_dim", "end_dim"))
def flatten(input, start_dim=0, end_dim=-1):
    """Matches `torch.flatten`."""
    if input.ndim == 0:
        return reshape(input, 1)
    if start_dim > end_dim:
        raise RuntimeError(_errors.FLATTEN_ORDER)
    shape = tuple(input.shape)
    n = H.numel(shape[start_dim:end_dim + 1])
    return reshape(input, shape[:start_dim] + (n,) + shape[end_dim + 1:])


@public(dims="dim")
def unflatten(input, dim, sizes):
    """Matches `torch.unflatten`."""
    shape = tuple(input.shape)
    sizes = _checks.parse_size((sizes,))
    if not sizes:
        raise RuntimeError(_errors.UNFLATTEN_EMPTY)
    if -1 in sizes:
        sizes = _checks.infer_size(sizes, shape[dim])
    elif H.numel(sizes) != shape[dim]:
        raise RuntimeError(_errors.UNFLATTEN_SIZES.format(sizes=list(sizes), dim=dim,
                                                          size=shape[dim]))
    return reshape(input, shape[:dim] + sizes + shape[dim + 1:])


@public(function=False, prop=True)
def mT(self):  # noqa: N802
    """The last two dims transposed. Matches `torch.Tensor.mT`."""
    if self.ndim < 2:
        raise RuntimeError(_errors.MT_NOT_MATRIX.format(ndim=self.ndim))
    return transpose(self, -2, -1)


@public(function=False, prop=True)
def T(self):  # noqa: N802
    """All dims reversed. Matches `torch.Tensor.T` (deprecated except on 0-D..2-D)."""
    global _warned_t
    if self.ndim > 2 and not _warned_t:
        _warned_t = True  # torch warns once per process (TORCH_WARN_ONCE)
        warnings.warn(_errors.T_DEPRECATED, UserWarning, stacklevel=user_stacklevel())
    return permute(self, tuple(reversed(range(self.ndim))))


_warned_t = False


@public(dims="dim")
def select(input, dim, index):
    """Matches `torch.select` (a view; negative indices count from the end)."""
    if input.ndim == 0:
        raise IndexError(_errors.SELECT_ZERO_DIM)
    index = _checks.check_index(index, input.shape[dim], _errors.SELECT_INDEX,
                                sizes=list(input.shape), dim=dim)
    return select_op(input, dim, index)


@public(dims="dim")
def narrow(input, dim, start, length):
    """Matches `torch.narrow`."""
    if input.ndim == 0:
        raise RuntimeError(_errors.NARROW_ZERO_DIM)
    size = input.shape[dim]
    if not -size <= start <= size:
        raise IndexError(_errors.NARROW_START.format(low=-size, high=size, start=start))
    if start < 0:
        start += size
    if length < 0:
        raise RuntimeError(_errors.NARROW_NEGATIVE)
    if start + length > size:
        raise RuntimeError(_errors.NARROW_EXCEEDS.format(start=start, length=length, size=size))
    return slice_op(input, dim, start, start + length, 1)


def alias(self):
    """The whole tensor as a view (`x[...]`): AliasBackward0."""
    return alias_op(self)


# --------------------------------------------------------------------- joining and splitting
def _check_cat(tensors, dim: int) -> None:
    first = tensors[0]
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(_errors.CAT_ZERO_DIM.format(index=i))
    for i, t in enumerate(tensors[1:], 1):
        if t.ndim == 1 and t.shape[0] == 0:  # torch skips legacy empty inputs
            continue
        if t.ndim != first.ndim:
            raise RuntimeError(_errors.CAT_NDIM.format(a=first.ndim, b=t.ndim))
        for d in range(first.ndim):
            if d != dim and t.shape[d] != first.shape[d]:
                raise RuntimeError(_errors.CAT_SIZES.format(
                    dim=dim, expected=first.shape[d], got=t.shape[d], index=i))


@public(aliases=("concat", "concatenate"), method=False)
def cat(tensors, dim=0):
    """Matches `torch.cat`."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError(_errors.CAT_EMPTY)
    if tensors[0].ndim == 0:
        raise RuntimeError(_errors.CAT_ZERO_DIM.format(index=0))
    dim = _checks.wrap_dim(dim, tensors[0].ndim)
    _check_cat(tensors, dim)
    return cat_op(tensors, dim)


@public(method=False)
def stack(tensors, dim=0):
    """Matches `torch.stack`."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError(_errors.STACK_EMPTY)
    for i, t in enumerate(tensors[1:], 1):
        if tuple(t.shape) != tuple(tensors[0].shape):
            raise RuntimeError(_errors.STACK_SIZES.format(a=list(tensors[0].shape),
                                                          b=list(t.shape), index=i))
    return stack_op(tensors, _checks.wrap_dim(dim, tensors[0].ndim + 1))


def _split_backward(grads, self_sym_sizes, dim, split_size, split_sizes=None):
    sizes = split_sizes if split_sizes is not None else _split_sizes(self_sym_sizes[dim],
                                                                      split_size)
    like = next(g for g in grads if g is not None)
    parts = []
    for g, n in zip(grads, sizes):
        if g is None:
            shape = list(self_sym_sizes)
            shape[dim] = n
            g = H.zeros(tuple(shape), like)
        parts.append(g)
    return cat_op(parts, dim)


def _split_sizes(total: int, split_size: int) -> tuple:
    if split_size == 0:
        return (0,) if total == 0 else ()
    n = builtins.max(1, -(-total // split_size))
    return tuple(builtins.min(split_size, total - i * split_size) for i in range(n))


def _split_fwd(self, split_size, dim):
    sizes = _split_sizes(self.shape[dim], split_size)
    offsets = [builtins.sum(sizes[:i]) for i in range(len(sizes))]
    return [jax.lax.slice_in_dim(self, o, o + n, axis=dim) for o, n in zip(offsets, sizes)]


def _split_sizes_fwd(self, split_sizes, dim):
    offsets = [builtins.sum(split_sizes[:i]) for i in range(len(split_sizes))]
    return [jax.lax.slice_in_dim(self, o, o + n, axis=dim) for o, n in zip(offsets, split_sizes)]


def _always(s, b) -> bool:
    return True


split_op = Op("split", "SplitBackward0", _split_fwd, static=("split_size", "dim"),
              outputs="*", dtype_rule="keep", view=_always,
              derivatives={"self": lambda grads, self_sym_sizes, dim, split_size:
                           _split_backward(grads, self_sym_sizes, dim, split_size)})
split_sizes_op = Op("split_with_sizes", "SplitWithSizesBackward0", _split_sizes_fwd,
                    static=("split_sizes", "dim"), outputs="*", dtype_rule="keep", view=_always,
                    derivatives={"self": lambda grads, self_sym_sizes, dim, split_sizes:
                                 _split_backward(grads, self_sym_sizes, dim, None,
                                                 split_sizes)})


def _unbind_backward(grads, self_sym_sizes, dim):
    like = next(g for g in grads if g is not None)
    shape = tuple(s for i, s in enumerate(self_sym_sizes) if i != dim)
    return stack_op([g if g is not None else H.zeros(shape, like) for g in grads], dim)


unbind_op = Op("unbind", "UnbindBackward0",
               lambda self, dim: [jnp.take(self, i, axis=dim) for i in range(self.shape[dim])],
               static=("dim",), outputs="*", dtype_rule="keep", view=_always,
               derivatives={"self": lambda grads, self_sym_sizes, dim:
                            _unbind_backward(grads, self_sym_sizes, dim)})


def _split_method(self, split_size, dim=0):
    """Matches `torch.Tensor.split` (torch's method names its size argument `split_size`)."""
    return split(self, split_size, dim)


@public(method=_split_method)
def split(tensor, split_size_or_sections, dim=0):
    """Matches `torch.split` (a size per chunk, or a list of sizes)."""
    if tensor.ndim == 0:
        raise RuntimeError(_errors.SPLIT_ZERO_DIM)
    dim = _checks.wrap_dim(dim, tensor.ndim)
    if isinstance(split_size_or_sections, int):
        return tuple(_split(tensor, split_size_or_sections, dim))
    return split_with_sizes(tensor, split_size_or_sections, dim)


def _split(tensor, split_size: int, dim: int):
    size = tensor.shape[dim]
    if split_size < 0:
        raise RuntimeError(_errors.SPLIT_NEGATIVE.format(size=split_size))
    if split_size == 0 and size != 0:
        raise RuntimeError(_errors.SPLIT_ZERO.format(size=size))
    return split_op(tensor, split_size, dim)


@public(dims="dim")
def split_with_sizes(input, split_sizes, dim=0):
    """Matches `torch.split_with_sizes`."""
    sizes = tuple(split_sizes)
    if any(s < 0 for s in sizes):
        raise RuntimeError(_errors.SPLIT_SIZES_NEGATIVE.format(sizes=list(sizes)))
    if builtins.sum(sizes) != input.shape[dim]:
        raise RuntimeError(_errors.SPLIT_SIZES_SUM.format(size=input.shape[dim], dim=dim,
                                                          sizes=list(sizes)))
    return tuple(split_sizes_op(input, sizes, dim))


@public
def chunk(input, chunks, dim=0):
    """Matches `torch.chunk`."""
    if input.ndim == 0:
        raise RuntimeError(_errors.CHUNK_ZERO_DIM)
    if chunks <= 0:
        raise RuntimeError(_errors.CHUNK_COUNT.format(chunks=chunks))
    dim = _checks.wrap_dim(dim, input.ndim)
    size = input.shape[dim]
    return tuple(_split(input, -(-size // chunks), dim))


@public
def unbind(input, dim=0):
    """Matches `torch.unbind`."""
    return tuple(unbind_op(input, _checks.wrap_dim(dim, input.ndim, wrap_scalar=False)))


@public(aliases=("moveaxis",))
def movedim(input, source, destination):
    """Matches `torch.movedim`."""
    src = tuple(source) if isinstance(source, (tuple, list)) else (source,)
    dst = tuple(destination) if isinstance(destination, (tuple, list)) else (destination,)
    if len(src) != len(dst):
        raise RuntimeError(_errors.MOVEDIM_LENGTH.format(source=list(src),
                                                         destination=list(dst)))
    ndim = input.ndim
    wrapped = {}
    for which, dims in (("source", src), ("destination", dst)):
        wrapped[which] = tuple(_checks.wrap_dim(d, ndim) for d in dims)
    for which, dims in (("source", src), ("destination", dst)):
        if len(set(wrapped[which])) != len(dims):
            raise RuntimeError(_errors.MOVEDIM_REPEATED.format(which=which, dims=list(dims)))
    src, dst = wrapped["source"], wrapped["destination"]
    perm = [-1] * ndim
    for s, d in zip(src, dst):
        perm[d] = s
    rest = iter(d for d in range(ndim) if d not in src)
    for i in range(ndim):
        if perm[i] == -1:
            perm[i] = next(rest)
    return permute_op(input, tuple(perm))


# --------------------------------------------------------------------- copies of the layout
def _repeat_backward(grad, self_sym_sizes, repeats):
    # Sum over the tiles: view each dim d as (repeats[d], size[d]) and reduce the repeat axes.
    lead = len(repeats) - len(self_sym_sizes)
    sizes = (1,) * lead + tuple(self_sym_sizes)
    shape, dims = [], []
    for i, (r, s) in enumerate(zip(repeats, sizes)):
        shape += [r, s]
        dims.append(2 * i)
    out = grad.reshape(tuple(shape)).sum(tuple(dims))
    return out.reshape(tuple(self_sym_sizes))


repeat_op = Op("repeat", "RepeatBackward0", lambda self, repeats: jnp.tile(
    jnp.reshape(self, (1,) * (len(repeats) - self.ndim) + self.shape), repeats),
               static=("repeats",), dtype_rule="keep",
               derivatives={"self": lambda grad, self_sym_sizes, repeats:
                            _repeat_backward(grad, self_sym_sizes, repeats)})
flip_op = Op("flip", "FlipBackward0", lambda self, dims: jnp.flip(self, dims),
             static=("dims",), dtype_rule="keep",
             derivatives={"self": lambda grad, dims: flip_op(grad, dims)})
# dims=() rolls the flattened tensor (torch's roll without dims), in one node.
roll_op = Op("roll", "RollBackward0", lambda self, shifts, dims: jnp.roll(
    self, shifts, dims) if dims else jnp.roll(self, shifts[0]), static=("shifts", "dims"),
             dtype_rule="keep",
             derivatives={"self": lambda grad, shifts, dims:
                          roll_op(grad, tuple(-s for s in shifts), dims)})


def _check_repeats(input, repeats: tuple) -> None:
    if len(repeats) < input.ndim:
        raise RuntimeError(_errors.REPEAT_DIMS)
    lead = len(repeats) - input.ndim
    sizes = [r * ((1,) * lead + tuple(input.shape))[i] for i, r in enumerate(repeats)]
    for s in sizes:
        if s < 0:
            raise RuntimeError(_errors.NEGATIVE_DIMENSION.format(size=s, sizes=sizes))


@public(function=False)
def repeat(self, *repeats):
    """Matches `torch.Tensor.repeat`."""
    repeats = _checks.parse_size(repeats)
    _check_repeats(self, repeats)
    return repeat_op(self, repeats)


@public
def tile(input, *dims):
    """Matches `torch.tile` (fewer dims than the tensor's are padded with ones in front)."""
    dims = _checks.parse_size(dims)
    if len(dims) < input.ndim:
        dims = (1,) * (input.ndim - len(dims)) + dims
    _check_repeats(input, dims)
    return repeat_op(input, dims)


@public
def flip(input, *dims):
    """Matches `torch.flip`."""
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    return flip_op(input, _checks.wrap_dims(tuple(dims), input.ndim))


@public
def roll(input, shifts, dims=None):
    """Matches `torch.roll` (without dims: over the flattened tensor)."""
    shifts = shifts if isinstance(shifts, (tuple, list)) else (shifts,)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(_errors.ROLL_ALIGN.format(shifts=len(shifts), dims=0))
        return roll_op(input, tuple(shifts), ())
    dims = dims if isinstance(dims, (tuple, list)) else (dims,)
    if len(shifts) != len(dims):
        raise RuntimeError(_errors.ROLL_ALIGN.format(shifts=len(shifts), dims=len(dims)))
    return roll_op(input, tuple(shifts), tuple(_checks.wrap_dim(d, input.ndim) for d in dims))


# --------------------------------------------------------------------- padding
def _pad_slices(pad: tuple, ndim: int):
    # torch's pad lists (left, right) pairs starting from the last dim.
    widths = [(0, 0)] * ndim
    for i in range(len(pad) // 2):
        widths[ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return widths


def _constant_pad_fwd(self, pad, value):
    widths = _pad_slices(pad, self.ndim)
    cfg = [(lo, hi, 0) for lo, hi in widths]
    return jax.lax.pad(self, jnp.asarray(value, self.dtype), cfg)


constant_pad_op = Op("constant_pad_nd", "ConstantPadNdBackward0", _constant_pad_fwd,
                     static=("pad", "value"), defaults={"value": 0}, dtype_rule="keep",
                     derivatives={"self": lambda grad, pad:
                                  constant_pad_op(grad, tuple(-p for p in pad), 0)})


def _mode_pad(mode: str, n: int) -> JaxFunction:
    name = {"reflect": "Reflection", "replicate": "Replication", "circular": "Circular"}[mode]
    jnp_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]

    def fwd(self, pad):
        return jnp.pad(self, _pad_slices(pad, self.ndim), mode=jnp_mode)

    # (Not `linear`: torch's pad backward-backward takes `self` too, so its gradient
    # requires grad whenever the input does.)
    return JaxFunction(fwd, name=f"{mode}_pad{n}d", node=f"{name}Pad{n}DBackward0")


_MODE_PADS = {(mode, n): _mode_pad(mode, n) for mode in ("reflect", "replicate", "circular")
              for n in (1, 2, 3)}


@public(function=False, method=False, functional=True)
def pad(input, pad, mode="constant", value=None):
    """Matches `torch.nn.functional.pad`."""
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError(_errors.PAD_ODD)
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(_errors.PAD_TOO_LONG.format(n=len(pad), ndim=input.ndim))
    if mode == "constant":
        return constant_pad_op(input, pad, 0 if value is None else value)
    if mode == "reflect":
        for i in range(len(pad) // 2):
            d = input.ndim - 1 - i
            if pad[2 * i] >= input.shape[d] or pad[2 * i + 1] >= input.shape[d]:
                raise RuntimeError(_errors.PAD_REFLECT_SIZE.format(
                    left=pad[2 * i], right=pad[2 * i + 1], dim=d, sizes=list(input.shape)))
    return _MODE_PADS[mode, len(pad) // 2](input, pad=pad)


# --------------------------------------------------------------------- diagonals, triangles
def _diagonal_backward_fwd(grad_output, input_sizes, offset, dim1, dim2):
    out = jnp.zeros(input_sizes, grad_output.dtype)
    moved = jnp.moveaxis(out, (dim1, dim2), (-2, -1))
    n = grad_output.shape[-1]
    i = jnp.arange(n)
    r, c = (i, i + offset) if offset >= 0 else (i - offset, i)
    moved = moved.at[..., r, c].set(grad_output)
    return jnp.moveaxis(moved, (-2, -1), (dim1, dim2))


diagonal_op = Op("diagonal", "DiagonalBackward0",
                 lambda self, offset, dim1, dim2: jnp.diagonal(self, offset, dim1, dim2),
                 static=("offset", "dim1", "dim2"), dtype_rule="keep", view=_always,
                 derivatives={"self": lambda grad, self_sym_sizes, offset, dim1, dim2:
                              diagonal_backward_op(grad, tuple(self_sym_sizes), offset, dim1,
                                                   dim2)})
diagonal_backward_op = Op(
    "diagonal_backward", "DiagonalBackwardBackward0", _diagonal_backward_fwd,
    inputs=("grad_output",), static=("input_sizes", "offset", "dim1", "dim2"),
    dtype_rule="keep",
    derivatives={"grad_output": lambda grad, offset, dim1, dim2:
                 diagonal_op(grad, offset, dim1, dim2)})


def _diag_embed_fwd(self, offset, dim1, dim2):
    n = self.shape[-1] + builtins.abs(offset)
    out = jnp.zeros(self.shape[:-1] + (n, n), self.dtype)
    i = jnp.arange(self.shape[-1])
    r, c = (i, i + offset) if offset >= 0 else (i - offset, i)
    # (built on the last two dims, then moved where dim1/dim2 say)
    return jnp.moveaxis(out.at[..., r, c].set(self), (-2, -1), (dim1, dim2))


diag_embed_op = Op("diag_embed", "DiagEmbedBackward0", _diag_embed_fwd,
                   static=("offset", "dim1", "dim2"), dtype_rule="keep",
                   derivatives={"self": lambda grad, offset, dim1, dim2:
                                diagonal_op(grad, offset, dim1, dim2)})


@public(dims=("dim1", "dim2"))
def diagonal(input, offset=0, dim1=0, dim2=1):
    """Matches `torch.diagonal` (a view)."""
    if dim1 == dim2:
        raise RuntimeError(_errors.DIAGONAL_SAME_DIMS.format(dim1=dim1, dim2=dim2))
    return diagonal_op(input, offset, dim1, dim2)


# torch.diag of a matrix is diagonal_copy: a copy, not a view, with its own node name.
diagonal_copy_op = Op("diagonal_copy", "DiagonalBackward0_copy",
                      lambda self, offset, dim1, dim2: jnp.diagonal(self, offset, dim1, dim2),
                      static=("offset", "dim1", "dim2"), dtype_rule="keep",
                      derivatives={"self": lambda grad, self_sym_sizes, offset, dim1, dim2:
                                   diagonal_backward_op(grad, tuple(self_sym_sizes), offset,
                                                        dim1, dim2)})


@public
def diag(input, diagonal=0):
    """Matches `torch.diag`: 1-D -> matrix (DiagEmbedBackward0), 2-D -> a copy of its
    diagonal (DiagonalBackward0_copy)."""
    if input.ndim == 1:
        return diag_embed_op(input, diagonal, 0, 1)
    if input.ndim != 2:
        raise RuntimeError(_errors.DIAG_DIMS.format(ndim=input.ndim))
    return diagonal_copy_op(input, diagonal, 0, 1)


triu_op = Op("triu", "TriuBackward0", lambda self, diagonal: jnp.triu(self, diagonal),
             static=("diagonal",), defaults={"diagonal": 0}, dtype_rule="keep",
             derivatives={"self": lambda grad, diagonal: triu_op(grad, diagonal)})
tril_op = Op("tril", "TrilBackward0", lambda self, diagonal: jnp.tril(self, diagonal),
             static=("diagonal",), defaults={"diagonal": 0}, dtype_rule="keep",
             derivatives={"self": lambda grad, diagonal: tril_op(grad, diagonal)})


trace_op = Op("trace", "TraceBackward0", lambda self: jnp.trace(self), grad_version=2,
              dtype_rule="keep",
              derivatives={"self": lambda grad, self_sym_sizes:
                           H.eye_like(self_sym_sizes, grad) * grad})


@public(inplace=True)
def triu(input, diagonal=0):
    """Matches `torch.triu`."""
    if input.ndim < 2:
        raise RuntimeError(_errors.TRIANGLE_DIMS.format(name="triu"))
    return triu_op(input, diagonal)


@public(inplace=True)
def tril(input, diagonal=0):
    """Matches `torch.tril`."""
    if input.ndim < 2:
        raise RuntimeError(_errors.TRIANGLE_DIMS.format(name="tril"))
    return tril_op(input, diagonal)


@public
def trace(input):
    """Matches `torch.trace`."""
    if input.ndim != 2:
        raise RuntimeError(_errors.TRACE_NOT_MATRIX.format(ndim=input.ndim))
    return trace_op(input)


# --------------------------------------------------------------------- matmul's helpers
# torch's matmul unfolds with _unsafe_view (UnsafeViewBackward0) and squeezes in place
# (SqueezeBackward4); same math as view/squeeze, torch's node names.
# Not a view op: torch's _unsafe_view result has no ._base (in-place on it is plain in-place).
unsafe_view_op = Op("_unsafe_view", "UnsafeViewBackward0", lambda self, size: jnp.reshape(
    self, size), static=("size",), dtype_rule="keep",
                    derivatives={"self": lambda grad, self_sym_sizes:
                                 grad.reshape(self_sym_sizes)})
squeeze4_op = Op("squeeze_", "SqueezeBackward4",
                 lambda self, dim: jnp.squeeze(self, dim) if self.ndim and self.shape[dim] == 1
                 else self,
                 static=("dim",), dtype_rule="keep",
                 derivatives={"self": lambda grad, self_sym_sizes, dim:
                              unsqueeze_to(grad, self_sym_sizes, dim)})


def unsafe_view(self, shape):
    """torch's `_unsafe_view` (UnsafeViewBackward0): a reshape that is not a view."""
    return unsafe_view_op(self, tuple(shape))


def squeeze_inplace_dim(self, dim: int):
    """torch's `squeeze_(dim)` inside matmul: the result is at version 1."""
    out = squeeze4_op(self, dim)
    out._vc.version += 1
    return out
