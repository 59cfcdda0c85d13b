"""Shape ops: the table. Their gradients are the transposed shape op."""

from __future__ import annotations

import builtins

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
             static=("size",), dtype_rule="keep",
             derivatives={"self": lambda grad, self_sym_sizes: grad.reshape(self_sym_sizes)})
expand_op = Op("expand", "ExpandBackward0", lambda self, size: jnp.broadcast_to(self, size),
               static=("size",), dtype_rule="keep",
               derivatives={"self": lambda grad, self_sym_sizes: sum_to(grad, self_sym_sizes)})
transpose_op = Op("transpose", "TransposeBackward0",
                  lambda self, dim0, dim1: jnp.swapaxes(self, dim0, dim1),
                  static=("dim0", "dim1"), dtype_rule="keep",
                  derivatives={"self": lambda grad, dim0, dim1: grad.transpose(dim0, dim1)})
t_op = Op("t", "TBackward0", lambda self: jnp.transpose(self), dtype_rule="keep",
          derivatives={"self": lambda grad: grad.t()})
permute_op = Op("permute", "PermuteBackward0", lambda self, dims: jnp.transpose(self, dims),
                static=("dims",), dtype_rule="keep",
                derivatives={"self": lambda grad, dims: grad.permute(_inverse_perm(dims))})
unsqueeze_op = Op("unsqueeze", "UnsqueezeBackward0",
                  lambda self, dim: jnp.expand_dims(self, dim),
                  static=("dim",), dtype_rule="keep",
                  derivatives={"self": lambda grad, dim: grad.squeeze(dim)})
squeeze_all = Op("squeeze", "SqueezeBackward0", lambda self: jnp.squeeze(self),
                 dtype_rule="keep",
                 derivatives={"self": lambda grad, self_sym_sizes: grad.reshape(self_sym_sizes)})
squeeze_dim = Op("squeeze", "SqueezeBackward1",
                 lambda self, dim: jnp.squeeze(self, dim) if self.shape[dim] == 1 else self,
                 static=("dim",), dtype_rule="keep",
                 derivatives={"self": lambda grad, self_sym_sizes, dim:
                              grad.reshape(self_sym_sizes)})
slice = Op("slice", "SliceBackward0",  # noqa: A001
           lambda self, dim, start, end, step: jnp.moveaxis(
               jnp.moveaxis(self, dim, 0)[start:end:step], 0, dim),
           static=("dim", "start", "end", "step"), dtype_rule="keep",
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
    """Matches `torch.reshape` (a view here: see README 'Semantics')."""
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
