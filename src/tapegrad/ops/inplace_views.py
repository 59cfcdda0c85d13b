"""In-place view ops: `Tensor.t_`, `transpose_` (`swapaxes_`, `swapdims_`), `squeeze_`,
`unsqueeze_`. They change a tensor's geometry, not its values.

torch: the tensor keeps its storage and gets new sizes and strides; its version is bumped; its
history becomes the op's own node (`TBackward1`, `TransposeBackward1`, `SqueezeBackward3/4/5`,
`UnsqueezeBackward1`, whose next edge is the tensor's old history). A view stays a view of the
same base (the base's history is not touched, unlike a write through a view: no CopySlices),
and other views of the base regenerate their nodes (the shared version moved). Under no_grad
the history is left as it was (so a later backward meets torch's shape error).

tapegrad: the tensor's storage becomes a view chain over the same root storage extended by the
view op (a non-view tensor gets a `ReshapedStorage`, whose `inverse` chain lets views of it be
replayed from its new geometry: `views.base_chain`), so every alias still shares the values and
`stride()`/`is_contiguous()` follow from the chain (NOTE [Strides]).
"""

from __future__ import annotations

import jax.numpy as jnp

from .. import _errors
from .. import _grad_mode as grad_mode
from .._checks import wrap_any, wrap_dim
from .._storage import (InferenceVersionCounter, ViewStorage, is_contiguous_strides,
                        strides_of)
from ..tensor import Tensor
from ._op import Op
from ._registry import public
from .shape import (squeeze4_op, squeeze_all, squeeze_dim, squeeze_dims, t_op, transpose_op,
                    unsqueeze_op, unsqueeze_to)
from .stats_seq import transpose1_op, unsqueeze1_op
from .views import ReshapedStorage, check_inplace, snapshot

__all__ = ["squeeze_", "swapaxes_", "t_", "transpose_", "unsqueeze_"]


def _squeeze_some(self, dim):
    return jnp.squeeze(self, tuple(d for d in dim if self.ndim and self.shape[d] == 1))


# torch's nodes of the in-place view ops (derivatives.yaml: t_, transpose_, squeeze_,
# squeeze_.dim, squeeze_.dims, unsqueeze_); squeeze_.dim's SqueezeBackward4 is shape.py's,
# transpose_'s and unsqueeze_'s are stats_seq.py's (torch's quantile uses them).
t1_op = Op("t_", "TBackward1", lambda self: jnp.transpose(self), dtype_rule="keep",
           derivatives={"self": lambda grad: grad.t()})
squeeze3_op = Op("squeeze_", "SqueezeBackward3", lambda self: jnp.squeeze(self),
                 dtype_rule="keep",
                 derivatives={"self": lambda grad, self_sym_sizes:
                              unsqueeze_to(grad, self_sym_sizes)})
squeeze5_op = Op("squeeze_", "SqueezeBackward5", _squeeze_some, static=("dim",),
                 dtype_rule="keep",
                 derivatives={"self": lambda grad, self_sym_sizes, dim:
                              unsqueeze_to(grad, self_sym_sizes, tuple(dim))})


def _entry(op, **static) -> tuple:
    # One link of a view chain (NOTE [Views over immutable arrays]).
    return (op, tuple(sorted(static.items())), None)


def _unsqueezes(dims) -> tuple:
    # The chain that puts back the size-1 dims `dims` (ascending) a squeeze removed.
    return tuple(_entry(unsqueeze_op, dim=d) for d in sorted(dims))


def _check(self: Tensor) -> None:
    # torch's autograd checks run before the op's own argument checks (dims, t_'s ndim).
    try:
        check_inplace(self)
    except RuntimeError as error:
        # (torch's geometry change runs no kernel: an expanded view may be transposed.)
        if str(error) != _errors.INPLACE_OVERLAP:
            raise


def _apply(self: Tensor, node_op: Op, static: dict, link: tuple, inverse: tuple) -> Tensor:
    if self._base is not None:
        _ = self.grad_fn  # a view whose base was written: its node is regenerated first
    out = node_op(snapshot(self), **static)
    array = out._storage.array
    storage = self._storage
    if isinstance(storage, ViewStorage):
        new = type(storage)(storage.root, storage.chain + (link,), array, storage.overlapping,
                            storage.no_grad_view)
        new.creation = storage.creation
        new.multi_output = storage.multi_output
        new.drop_edge = storage.drop_edge
        if type(storage) is ReshapedStorage:
            new.inverse = inverse + storage.inverse
    else:
        new = ReshapedStorage(storage, (link,), array)
        new.inverse = inverse
    self._storage = new
    shape = tuple(array.shape)
    self._view_strided = not is_contiguous_strides(shape, strides_of(new, shape)[0])
    self._vc.version += 1
    if out._grad_fn is not None:
        self._grad_fn = out._grad_fn
        self._output_nr = 0
        self._requires_grad = True
        if self._base is not None:
            self._view_version = self._vc.version
    if (type(self._vc) is InferenceVersionCounter
            and not grad_mode.is_inference_mode_enabled()):
        # (torch changes the geometry, then refuses: as `Tensor._set_array`.)
        raise RuntimeError(_errors.INFERENCE_INPLACE)
    return self


@public(function=False)
def t_(self):
    """Matches `torch.Tensor.t_`: transposes in place (0-D and 1-D: unchanged)."""
    _check(self)
    if self.ndim > 2:
        raise RuntimeError(_errors.T_DIMS.format(ndim=self.ndim).replace("t()", "t_()", 1))
    link = _entry(t_op)
    return _apply(self, t1_op, {}, link, (link,))


def _transpose(self, dim0, dim1):
    _check(self)
    dim0, dim1 = wrap_dim(dim0, self.ndim), wrap_dim(dim1, self.ndim)
    link = _entry(transpose_op, dim0=dim0, dim1=dim1)
    return _apply(self, transpose1_op, {"dim0": dim0, "dim1": dim1}, link, (link,))


@public(function=False, aliases=("swapdims_",))
def transpose_(self, dim0, dim1):
    """Matches `torch.Tensor.transpose_`."""
    return _transpose(self, dim0, dim1)


@public(function=False)
def swapaxes_(self, axis0, axis1):
    """Matches `torch.Tensor.swapaxes_`."""
    return _transpose(self, axis0, axis1)


@public(function=False)
def squeeze_(self, dim=None):
    """Matches `torch.Tensor.squeeze_` (all size-1 dims, one dim, or a tuple of dims)."""
    _check(self)
    if dim is not None:
        dim = wrap_any(dim, self.ndim)
    shape = tuple(self.shape)
    if dim is None:
        ones = [d for d, n in enumerate(shape) if n == 1]
        return _apply(self, squeeze3_op, {}, _entry(squeeze_all), _unsqueezes(ones))
    if isinstance(dim, tuple):
        ones = [d for d in dim if shape and shape[d] == 1]
        return _apply(self, squeeze5_op, {"dim": dim}, _entry(squeeze_dims, dim=dim),
                      _unsqueezes(ones))
    ones = [dim] if shape and shape[dim] == 1 else []
    return _apply(self, squeeze4_op, {"dim": dim}, _entry(squeeze_dim, dim=dim),
                  _unsqueezes(ones))


@public(function=False)
def unsqueeze_(self, dim):
    """Matches `torch.Tensor.unsqueeze_`."""
    _check(self)
    dim = wrap_dim(dim, self.ndim + 1)
    return _apply(self, unsqueeze1_op, {"dim": dim}, _entry(unsqueeze_op, dim=dim),
                  (_entry(squeeze_dim, dim=dim),))
