"""Shape ops: the table. Their gradients are the transposed shape op."""

from __future__ import annotations

import builtins

import jax
import jax.numpy as jnp

from ._op import Op
from .sum_to import sum_to


def _shape(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return tuple(int(s) for s in size)


def _infer_view_shape(shape: tuple, numel: int) -> tuple:
    if -1 in shape:
        known = 1
        for s in shape:
            if s != -1:
                known *= s
        shape = tuple(numel // known if s == -1 else s for s in shape)
    return shape


view_op = Op("view", "ViewBackward0", lambda self, size: jnp.reshape(self, size),
             static=("size",), dtype_rule="keep", view=lambda s, b: False,
             derivatives={"self": lambda grad, self_sym_sizes: grad.reshape(self_sym_sizes)})
expand_op = Op("expand", "ExpandBackward0", lambda self, size: jnp.broadcast_to(self, size),
               static=("size",), dtype_rule="keep", view=lambda s, b: _expanded(b.shape, s["size"]),
               derivatives={"self": lambda grad, self_sym_sizes: sum_to(grad, self_sym_sizes)})
transpose_op = Op("transpose", "TransposeBackward0",
                  lambda self, dim0, dim1: jnp.swapaxes(self, dim0, dim1),
                  static=("dim0", "dim1"), dtype_rule="keep", view=lambda s, b: _transposed(b.shape, s["dim0"], s["dim1"]),
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
                  static=("dim",), dtype_rule="keep", view=lambda s, b: False,
                  derivatives={"self": lambda grad, dim: grad.squeeze(dim)})
squeeze_all = Op("squeeze", "SqueezeBackward0", lambda self: jnp.squeeze(self),
                 dtype_rule="keep", view=lambda s, b: False,
                 derivatives={"self": lambda grad, self_sym_sizes: grad.reshape(self_sym_sizes)})
squeeze_dim = Op("squeeze", "SqueezeBackward1",
                 lambda self, dim: jnp.squeeze(self, dim) if self.shape[dim] == 1 else self,
                 static=("dim",), dtype_rule="keep", view=lambda s, b: False,
                 derivatives={"self": lambda grad, self_sym_sizes, dim:
                              grad.reshape(self_sym_sizes)})
slice = Op("slice", "SliceBackward0",  # noqa: A001
           lambda self, dim, start, end, step: jnp.moveaxis(
               jnp.moveaxis(self, dim, 0)[start:end:step], 0, dim),
           static=("dim", "start", "end", "step"), dtype_rule="keep",
           view=lambda s, b: _sliced(b.shape, s["dim"], s["start"], s["end"], s["step"]),
           derivatives={"self": lambda grad, self_sym_sizes, dim, start, end, step:
                        slice_backward(grad, self_sym_sizes, dim, start, end, step)})
slice_backward = Op(
    "slice_backward", "SliceBackwardBackward0",
    lambda grad_output, input_sizes, dim, start, end, step: jnp.moveaxis(
        jnp.zeros(input_sizes, grad_output.dtype).swapaxes(0, dim).at[start:end:step].set(
            jnp.moveaxis(grad_output, dim, 0)).swapaxes(0, dim), 0, 0),
    inputs=("grad_output",), static=("input_sizes", "dim", "start", "end", "step"),
    dtype_rule="keep",
    derivatives={"grad_output": lambda grad, dim, start, end, step:
                 slice(grad, dim, start, end, step)})
select = Op("select", "SelectBackward0",
            lambda self, dim, index: jnp.take(self, index, axis=dim),
            static=("dim", "index"), dtype_rule="keep",
            view=lambda s, b: any(n > 1 for n in b.shape[:s["dim"]]),
            derivatives={"self": lambda grad, self_sym_sizes, dim, index:
                         select_backward(grad, self_sym_sizes, dim, index)})
select_backward = Op(
    "select_backward", "SelectBackwardBackward0",
    lambda grad_output, input_sizes, dim, index: jnp.moveaxis(
        jnp.zeros(input_sizes, grad_output.dtype).swapaxes(0, dim).at[index].set(
            jnp.moveaxis(jnp.expand_dims(grad_output, dim), dim, 0)[0]).swapaxes(0, dim), 0, 0),
    inputs=("grad_output",), static=("input_sizes", "dim", "index"), dtype_rule="keep",
    derivatives={"grad_output": lambda grad, dim, index: select(grad, dim, index)})


def _cat_backward(grad, tensors_sym_sizes, dim):
    from ._backward_helpers import cat_backward

    return cat_backward(grad, tensors_sym_sizes, dim)


def _stack_backward(grad, tensors_sym_sizes, dim):
    from ._backward_helpers import stack_backward

    return stack_backward(grad, len(tensors_sym_sizes), dim)


cat = Op("cat", "CatBackward0", lambda tensors, dim: jnp.concatenate(tensors, axis=dim),
         inputs=("*tensors",), static=("dim",), defaults={"dim": 0},
         derivatives={"tensors": _cat_backward})
stack = Op("stack", "StackBackward0", lambda tensors, dim: jnp.stack(tensors, axis=dim),
           inputs=("*tensors",), static=("dim",), defaults={"dim": 0},
           derivatives={"tensors": _stack_backward})


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
    n = builtins.max(0, -(-(end - start) // step))
    if n == shape[dim] and step == 1:
        return False
    if n <= 1:
        return any(s > 1 for s in shape[dim + 1:]) and any(s > 1 for s in shape[:dim])
    return step != 1 or any(s > 1 for s in shape[:dim])


def _inverse_perm(dims: tuple) -> tuple:
    inv = [0] * len(dims)
    for i, d in enumerate(dims):
        inv[d % len(dims)] = i
    return tuple(inv)


def view(self, *size):
    """Matches `torch.Tensor.view` (every tapegrad tensor is contiguous)."""
    shape = _infer_view_shape(_shape(size), self.numel())
    return view_op(self, shape)


def reshape(self, *size):
    """Matches `torch.reshape`: a view, or (for a view torch lays out non-contiguously)
    clone + _unsafe_view, as torch shows (UnsafeViewBackward0 over CloneBackward0)."""
    if self._view_strided:
        from . import clone

        shape = _infer_view_shape(_shape(size), self.numel())
        return unsafe_view_op(clone(self), shape)
    return view(self, *size)


def expand(self, *size):
    shape = _shape(size)
    lead = len(shape) - self.ndim
    shape = tuple(self.shape[i - lead] if s == -1 else s for i, s in enumerate(shape))
    return expand_op(self, shape)


def expand_as(self, other):
    return expand(self, tuple(other.shape))


def transpose(self, dim0: int, dim1: int):
    nd = builtins.max(self.ndim, 1)
    return transpose_op(self, dim0 % nd, dim1 % nd)


def t(self):
    if self.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
    return t_op(self)


def permute(self, *dims):
    nd = builtins.max(self.ndim, 1)
    return permute_op(self, tuple(d % nd for d in _shape(dims)))


def unsqueeze(self, dim: int):
    return unsqueeze_op(self, dim % (self.ndim + 1))


def squeeze(self, dim=None):
    if dim is None:
        return squeeze_all(self)
    return squeeze_dim(self, dim % builtins.max(self.ndim, 1))


def flatten(self, start_dim: int = 0, end_dim: int = -1):
    if self.ndim == 0:
        return reshape(self, 1)
    s, e = start_dim % self.ndim, end_dim % self.ndim
    shape = tuple(self.shape)
    n = 1
    for x in shape[s:e + 1]:
        n *= x
    return reshape(self, shape[:s] + (n,) + shape[e + 1:])


# --------------------------------------------------------------------- more shape ops
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
             derivatives={"self": lambda grad, dims: grad.flip(dims)})
roll_op = Op("roll", "RollBackward0", lambda self, shifts, dims: jnp.roll(self, shifts, dims),
             static=("shifts", "dims"), dtype_rule="keep",
             derivatives={"self": lambda grad, shifts, dims:
                          roll_op(grad, tuple(-s for s in shifts), dims)})


def _split_backward(grads, self_sym_sizes, dim, split_size, split_sizes=None):
    from .tensor_factories import zeros_of

    sizes = split_sizes if split_sizes is not None else _split_sizes(self_sym_sizes[dim],
                                                                      split_size)
    like = next(g for g in grads if g is not None)
    parts = []
    for g, n in zip(grads, sizes):
        if g is None:
            shape = list(self_sym_sizes)
            shape[dim] = n
            g = zeros_of(tuple(shape), like)
        parts.append(g)
    return cat(parts, dim)


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


split_op = Op("split", "SplitBackward0", _split_fwd, static=("split_size", "dim"),
              outputs="*", dtype_rule="keep",
              derivatives={"self": lambda grads, self_sym_sizes, dim, split_size:
                           _split_backward(grads, self_sym_sizes, dim, split_size)})
split_sizes_op = Op("split_with_sizes", "SplitWithSizesBackward0", _split_sizes_fwd,
                    static=("split_sizes", "dim"), outputs="*", dtype_rule="keep",
                    derivatives={"self": lambda grads, self_sym_sizes, dim, split_sizes:
                                 _split_backward(grads, self_sym_sizes, dim, None,
                                                 split_sizes)})


def _unbind_backward(grads, self_sym_sizes, dim):
    from .tensor_factories import zeros_of

    like = next(g for g in grads if g is not None)
    shape = tuple(s for i, s in enumerate(self_sym_sizes) if i != dim)
    return stack([g if g is not None else zeros_of(shape, like) for g in grads], dim)


unbind_op = Op("unbind", "UnbindBackward0",
               lambda self, dim: [jnp.take(self, i, axis=dim) for i in range(self.shape[dim])],
               static=("dim",), outputs="*", dtype_rule="keep",
               derivatives={"self": lambda grads, self_sym_sizes, dim:
                            _unbind_backward(grads, self_sym_sizes, dim)})


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
_reflect_pad = {}


def _mode_pad_fn(mode: str, n: int):
    from .from_jax import JaxFunction

    key = (mode, n)
    if key not in _reflect_pad:
        name = {"reflect": "Reflection", "replicate": "Replication",
                "circular": "Circular"}[mode]
        jnp_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]

        def fwd(self, pad):
            return jnp.pad(self, _pad_slices(pad, self.ndim), mode=jnp_mode)

        _reflect_pad[key] = JaxFunction(fwd, name=f"{mode}_pad{n}d",
                                        node=f"{name}Pad{n}DBackward0")
    return _reflect_pad[key]


def pad(self, pad, mode: str = "constant", value=None):
    """Matches `torch.nn.functional.pad`."""
    pad = tuple(int(p) for p in pad)
    if mode == "constant":
        return constant_pad_op(self, pad, 0 if value is None else value)
    return _mode_pad_fn(mode, len(pad) // 2)(self, pad=pad)


diagonal_op = Op("diagonal", "DiagonalBackward0",
                 lambda self, offset, dim1, dim2: jnp.diagonal(self, offset, dim1, dim2),
                 static=("offset", "dim1", "dim2"), dtype_rule="keep", view=lambda s, b: True,
                 derivatives={"self": lambda grad, self_sym_sizes, offset, dim1, dim2:
                              _diagonal_backward(grad, self_sym_sizes, offset, dim1, dim2)})


def _diag_embed_fwd(self, offset, dim1, dim2):
    n = self.shape[-1] + builtins.abs(offset)
    out = jnp.zeros(self.shape[:-1] + (n, n), self.dtype)
    i = jnp.arange(self.shape[-1])
    r, c = (i, i + offset) if offset >= 0 else (i - offset, i)
    out = out.at[..., r, c].set(self)
    return out


diag_embed_op = Op("diag_embed", "DiagEmbedBackward0", _diag_embed_fwd,
                   static=("offset", "dim1", "dim2"), dtype_rule="keep",
                   derivatives={"self": lambda grad, offset, dim1, dim2:
                                diagonal_op(grad, offset, dim1, dim2)})


def _diagonal_backward(grad, sizes, offset, dim1, dim2):
    return diagonal_backward_op(grad, tuple(sizes), offset, dim1, dim2)


triu_op = Op("triu", "TriuBackward0", lambda self, diagonal: jnp.triu(self, diagonal),
             static=("diagonal",), defaults={"diagonal": 0}, dtype_rule="keep",
             derivatives={"self": lambda grad, diagonal: triu_op(grad, diagonal)})
tril_op = Op("tril", "TrilBackward0", lambda self, diagonal: jnp.tril(self, diagonal),
             static=("diagonal",), defaults={"diagonal": 0}, dtype_rule="keep",
             derivatives={"self": lambda grad, diagonal: tril_op(grad, diagonal)})
trace_op = Op("trace", "TraceBackward0", lambda self: jnp.trace(self), grad_version=2, dtype_rule="keep",
              derivatives={"self": lambda grad, self_sym_sizes:
                           _trace_backward(grad, self_sym_sizes)})


def _trace_backward(grad, sizes):
    from ..tensor import Tensor

    eye = Tensor._make(jnp.eye(sizes[0], sizes[1], dtype=grad._storage.array.dtype))
    return eye * grad


def unflatten(self, dim: int, sizes):
    d = dim % builtins.max(self.ndim, 1)
    shape = tuple(self.shape)
    sizes = tuple(sizes)
    if -1 in sizes:
        known = 1
        for s in sizes:
            if s != -1:
                known *= s
        sizes = tuple(shape[d] // known if s == -1 else s for s in sizes)
    return reshape(self, shape[:d] + sizes + shape[d + 1:])


def mT(self):  # noqa: N802
    return transpose(self, -2, -1)


def repeat(self, *repeats):
    repeats = _shape(repeats)
    if len(repeats) < self.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    return repeat_op(self, repeats)


def tile(self, *dims):
    dims = _shape(dims)
    if len(dims) < self.ndim:
        dims = (1,) * (self.ndim - len(dims)) + dims
    return repeat_op(self, dims)


def flip(self, *dims):
    dims = _shape(dims)
    nd = builtins.max(self.ndim, 1)
    return flip_op(self, tuple(d % nd for d in dims))


def roll(self, shifts, dims=None):
    if dims is None:
        return roll_op(self.flatten(), _as_tuple(shifts), (0,)).view(tuple(self.shape))
    nd = builtins.max(self.ndim, 1)
    return roll_op(self, _as_tuple(shifts), tuple(d % nd for d in _as_tuple(dims)))


def _as_tuple(x) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def narrow(self, dim: int, start: int, length: int):
    d = dim % builtins.max(self.ndim, 1)
    start = start % self.shape[d] if start < 0 else start
    return slice(self, d, start, start + length, 1)


def split(self, split_size_or_sections, dim: int = 0):
    d = dim % builtins.max(self.ndim, 1)
    if isinstance(split_size_or_sections, int):
        return tuple(split_op(self, split_size_or_sections, d))
    return tuple(split_sizes_op(self, tuple(split_size_or_sections), d))


def chunk(self, chunks: int, dim: int = 0):
    d = dim % builtins.max(self.ndim, 1)
    size = self.shape[d]
    split_size = -(-size // chunks)
    return tuple(split_op(self, split_size, d))


def unbind(self, dim: int = 0):
    return tuple(unbind_op(self, dim % builtins.max(self.ndim, 1)))


def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1):
    nd = builtins.max(self.ndim, 1)
    return diagonal_op(self, offset, dim1 % nd, dim2 % nd)


def diag(self, diagonal: int = 0):
    """Matches `torch.diag`: 1-D -> matrix (DiagEmbedBackward0), 2-D -> its diagonal."""
    if self.ndim == 1:
        return diag_embed_op(self, diagonal, 0, 1)
    return diagonal_op(self, diagonal, 0, 1)


def triu(self, diagonal: int = 0):
    return triu_op(self, diagonal)


def tril(self, diagonal: int = 0):
    return tril_op(self, diagonal)


def trace(self):
    return trace_op(self)


def movedim(self, source, destination):
    src = [s % self.ndim for s in _as_tuple(source)]
    dst = [d % self.ndim for d in _as_tuple(destination)]
    order = [d for d in range(self.ndim) if d not in src]
    perm = [0] * self.ndim
    for s, d in zip(src, dst):
        perm[d] = s
    rest = iter(order)
    for i in range(self.ndim):
        if i not in dst:
            perm[i] = next(rest)
    return permute(self, tuple(perm))


# torch's matmul unfolds with _unsafe_view (UnsafeViewBackward0) and squeezes in place
# (SqueezeBackward4); same math as view/squeeze, torch's node names.
unsafe_view_op = Op("_unsafe_view", "UnsafeViewBackward0", lambda self, size: jnp.reshape(
    self, size), static=("size",), dtype_rule="keep", view=lambda s, b: False,
                    derivatives={"self": lambda grad, self_sym_sizes:
                                 grad.reshape(self_sym_sizes)})
squeeze4_op = Op("squeeze_", "SqueezeBackward4",
                 lambda self, dim: jnp.squeeze(self, dim) if self.shape[dim] == 1 else self,
                 static=("dim",), dtype_rule="keep",
                 derivatives={"self": lambda grad, self_sym_sizes, dim:
                              grad.reshape(self_sym_sizes)})


def unsafe_view(self, shape):
    return unsafe_view_op(self, tuple(shape))


def squeeze_inplace_dim(self, dim: int):
    out = squeeze4_op(self, dim)
    out._vc.version += 1  # torch's squeeze_ is in place: the result is at version 1
    return out


def _diagonal_backward_fwd(grad_output, input_sizes, offset, dim1, dim2):
    out = jnp.zeros(input_sizes, grad_output.dtype)
    moved = jnp.moveaxis(out, (dim1, dim2), (-2, -1))
    n = grad_output.shape[-1]
    i = jnp.arange(n)
    r, c = (i, i + offset) if offset >= 0 else (i - offset, i)
    moved = moved.at[..., r, c].set(grad_output)
    return jnp.moveaxis(moved, (-2, -1), (dim1, dim2))


diagonal_backward_op = Op(
    "diagonal_backward", "DiagonalBackwardBackward0", _diagonal_backward_fwd,
    inputs=("grad_output",), static=("input_sizes", "offset", "dim1", "dim2"),
    dtype_rule="keep",
    derivatives={"grad_output": lambda grad, offset, dim1, dim2:
                 diagonal_op(grad, offset, dim1, dim2)})

# An expand that broadcasts makes several view elements alias one base element.
expand_op.overlapping = lambda s, b: _expanded(b.shape, s["size"])
for _op in (split_op, split_sizes_op, unbind_op):
    _op.view = lambda s, b: True
