"""`torch.embedding_bag` (ATen's 4-tuple form) and `nn.functional.embedding_bag`.

torch's EmbeddingBagBackward0 has two edges (weight, per_sample_weights). Its formulas are
`_embedding_bag_backward` and `_embedding_bag_per_sample_weights_backward`, whose own
derivatives torch does not implement: under create_graph their nodes
(EmbeddingBagBackwardBackward0, NotImplemented) are recorded and raise torch's errors when run.

Bags come from the offsets on the device (no host round trip): `offset2bag[j]` is the number of
bag starts at or before position j, minus one, as torch's CPU kernel computes it (an index_add
of ones at the offsets, then a cumulative sum); with include_last_offset the last offset only
ends the last bag, whose positions run to the end of the input (torch's behaviour). bag_size
counts the non-padding entries; torch returns it (and max_indices) as zeros for mode 'sum', and
max_indices equal to bag_size for 'mean'.
"""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np

from ... import _dtype, _x64
from ..._checks import user_stacklevel
from ..._grad_mode import no_grad
from ...tensor import Tensor, arange, from_jax
from .._op import Op
from .._registry import public
from ..from_jax import JaxFunction
from ._common import _F, _const

_MODES = {"sum": 0, "mean": 1, "max": 2}


def _offset2bag(offsets, n, include_last_offset):
    offs = offsets[:-1] if include_last_offset else offsets
    starts = jnp.zeros(n + 1, jnp.int32).at[offs].add(1)
    return jnp.cumsum(starts[:n]) - 1, offs.shape[0]


def _valid(indices, padding_idx):
    return (indices != padding_idx) if padding_idx >= 0 else jnp.ones(indices.shape, bool)


def _embedding_bag_fwd(weight, indices, offsets, per_sample_weights, scale_grad_by_freq, mode,
                       include_last_offset, padding_idx, has_psw):
    n, d = indices.shape[0], weight.shape[1]
    itype = jnp.promote_types(indices.dtype, offsets.dtype)
    bag, nb = _offset2bag(offsets, n, include_last_offset)
    valid = _valid(indices, padding_idx)
    rows = weight[indices]
    bag_size = jnp.zeros(nb, itype).at[bag].add(valid.astype(itype))
    if mode == 2:
        vals = jnp.where(valid[:, None], rows, -jnp.inf)
        out = jnp.full((nb, d), -jnp.inf, weight.dtype).at[bag].max(vals)
        nonempty = (bag_size > 0)[:, None]
        out = jnp.where(nonempty, out, 0)
        pos = jnp.arange(n, dtype=jnp.int32)[:, None]
        cand = valid[:, None] & (rows == out[bag])
        first = jnp.full((nb, d), n, jnp.int32).at[bag].min(
            jnp.where(cand, pos, jnp.int32(n)))
        max_indices = jnp.where(nonempty, indices[jnp.clip(first, 0, max(n - 1, 0))], 0)
        return out, bag.astype(itype), bag_size, max_indices.astype(itype)
    scale = per_sample_weights if has_psw else jnp.ones(n, weight.dtype)
    contrib = jnp.where(valid[:, None], rows * scale[:, None], 0)
    out = jnp.zeros((nb, d), weight.dtype).at[bag].add(contrib)
    if mode == 1:
        out = out / jnp.where(bag_size > 0, bag_size, 1).astype(weight.dtype)[:, None]
        return out, bag.astype(itype), bag_size, bag_size
    zeros = jnp.zeros(nb, itype)
    if padding_idx < 0 and weight.dtype != jnp.float64:
        # torch's fast CPU path (sum, no padding_idx, float32/half/bfloat16) leaves
        # offset2bag empty; its backward rebuilds it from the offsets, as here
        return out, jnp.zeros((0,), itype), zeros, zeros
    return out, bag.astype(itype), zeros, zeros


class _NoDerivative(JaxFunction):
    """A backward formula torch gives no derivative: its node is recorded under
    create_graph and raises torch's error when run."""

    def __init__(self, fn, name, node, error):
        super().__init__(fn, name=name, node=node)
        self._error = error

    def vjp_function(self):
        raise self._error[0](self._error[1])


def _weight_backward_fn(grad, indices, offsets, bag_size, max_indices, per_sample_weights,
                        num_weights, scale_grad_by_freq, mode, padding_idx, has_psw,
                        include_last_offset):
    d = grad.shape[1]
    offset2bag = _offset2bag(offsets, indices.shape[0], include_last_offset)[0]
    if mode == 2:
        g = jnp.where((bag_size > 0)[:, None], grad, 0)
        cols = jnp.broadcast_to(jnp.arange(d), g.shape)
        return jnp.zeros((num_weights, d), grad.dtype).at[max_indices, cols].add(g)
    valid = _valid(indices, padding_idx)
    scale = jnp.ones(indices.shape, grad.dtype)
    if scale_grad_by_freq:
        # torch's CPU kernel divides the gradient of the k-th distinct index (in sorted
        # order) by the count of sorted_indices[k], not of that index itself: kept, as torch.
        counts = jnp.zeros(num_weights, grad.dtype).at[indices].add(1)
        present = jnp.zeros(num_weights, jnp.int32).at[indices].set(1)
        rank = jnp.cumsum(present) - 1
        scale = scale / counts[jnp.sort(indices)[rank[indices]]]
    if mode == 1:
        size = bag_size[offset2bag]
        scale = jnp.where(size > 0, scale / jnp.where(size > 0, size, 1).astype(grad.dtype), 0)
    if has_psw:
        scale = scale * per_sample_weights
    g = jnp.where(valid[:, None], grad[offset2bag] * scale[:, None], 0)
    return jnp.zeros((num_weights, d), grad.dtype).at[indices].add(g)


def _psw_backward_fn(grad, weight, indices, offsets, padding_idx, include_last_offset):
    offset2bag = _offset2bag(offsets, indices.shape[0], include_last_offset)[0]
    dots = jnp.sum(grad[offset2bag] * weight[indices], axis=1)
    return jnp.where(_valid(indices, padding_idx), dots, 0)


_weight_backward = _NoDerivative(
    _weight_backward_fn, "embedding_bag_backward", "EmbeddingBagBackwardBackward0",
    (NotImplementedError, "the derivative for '_embedding_bag_backward' is not implemented."))
_psw_backward = _NoDerivative(
    _psw_backward_fn, "embedding_bag_per_sample_weights_backward", "NotImplemented",
    (RuntimeError, "derivative for aten::_embedding_bag_per_sample_weights_backward is not "
                   "implemented"))

embedding_bag_op = Op(
    "_embedding_bag", "EmbeddingBagBackward0", _embedding_bag_fwd,
    inputs=("weight", "indices", "offsets", "per_sample_weights"),
    static=("scale_grad_by_freq", "mode", "include_last_offset", "padding_idx", "has_psw"),
    outputs=("result0", "result1", "result2", "result3"), dtype_rule="keep",
    derivatives={
        "weight": lambda grad, indices, offsets, result2, result3, per_sample_weights,
        weight_sym_sizes, scale_grad_by_freq, mode, padding_idx, has_psw, include_last_offset:
        _weight_backward(grad, indices, offsets, result2, result3, per_sample_weights,
                         num_weights=weight_sym_sizes[0], scale_grad_by_freq=scale_grad_by_freq,
                         mode=mode, padding_idx=padding_idx, has_psw=has_psw,
                         include_last_offset=include_last_offset),
        "per_sample_weights": lambda grad, weight, indices, offsets, padding_idx,
        include_last_offset: _psw_backward(grad, weight, indices, offsets,
                                           padding_idx=padding_idx,
                                           include_last_offset=include_last_offset)})


def _index_check(t: Tensor, arg: str = "indices") -> None:
    if t.dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError(f"Expected tensor for argument #1 '{arg}' to have one of the "
                           f"following scalar types: Long, Int; but got {t.type()} instead "
                           f"(while checking arguments for embedding_bag)")


def _host(t: Tensor):
    """The values on the host for torch's CPU checks (torch syncs too); None inside a trace."""
    array = t.jax()
    return None if isinstance(array, jax.core.Tracer) else np.asarray(array)


@_x64.scoped
def _embedding_renorm_(weight: Tensor, input: Tensor, max_norm: float, norm_type: float) -> None:
    # torch.embedding_renorm_: rows used by `input` with norm > max_norm are scaled down, in place.
    with no_grad():
        w = weight.jax()
        used = jnp.zeros(w.shape[0], bool).at[input.jax().reshape(-1)].set(True)
        norms = jnp.sum(jnp.abs(w) ** norm_type, axis=1) ** (1.0 / norm_type)
        scale = jnp.where(used & (norms > max_norm), max_norm / (norms + 1e-7), 1.0)
        weight.copy_(from_jax(w * scale[:, None]))


@public(name="embedding_bag", method=False)
def embedding_bag_aten(weight, indices, offsets, scale_grad_by_freq=False, mode=0,
                       sparse=False, per_sample_weights=None, include_last_offset=False,
                       padding_idx=None):
    """Matches `torch.embedding_bag`: (output, offset2bag, bag_size, max_indices)."""
    _index_check(indices)
    _index_check(offsets)
    if not (weight.dtype.is_floating_point):
        raise RuntimeError("Expected tensor for argument #1 'weight' to have one of the "
                           "following scalar types: Half, BFloat16, Float, Double; but got "
                           f"{weight.type()} instead (while checking arguments for "
                           "embedding_bag)")
    if mode not in (0, 1, 2):
        raise RuntimeError("`mode` must be sum, mean, or max.")
    if per_sample_weights is not None:
        if mode != 0:
            raise RuntimeError("embedding_bag: per_sample_weights only supported with "
                               "mode='sum'")
        if per_sample_weights.dtype != weight.dtype:
            raise RuntimeError(
                f"Expected tensor for argument #1 'weight' to have the same type as tensor for "
                f"argument #1 'per_sample_weights'; but type {weight.type()} does not equal "
                f"{per_sample_weights.type()} (while checking arguments for embedding_bag)")
    if sparse:
        raise NotImplementedError("tapegrad: sparse embedding_bag gradients are not supported")
    num = weight.size(0)
    if padding_idx is None:
        padding_idx = -1
    elif padding_idx < -num or padding_idx >= num:
        raise RuntimeError(f"padding_idx must be within the number of embeddings, -{num} "
                           f"through {num - 1}, but got {padding_idx}")
    elif padding_idx < 0:
        padding_idx += num
    n = indices.numel()
    off = _host(offsets)
    if off is not None and off.size:
        if off[0] != 0:
            raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the "
                               f"mini-batch has to start from position 0. However, got "
                               f"{int(off[0])}")
        if off[-1] > n:
            raise RuntimeError(f"offsets[-1] can not be greater than input's length {n} but "
                               f"got offsets[-1] of {int(off[-1])}")
    idx = _host(indices)
    if idx is not None:
        bad = idx[(idx < 0) | (idx >= num)]
        if bad.size:
            raise RuntimeError(f"embedding_bag: Expected idx >= 0 && idx < num_embeddings but "
                               f"found idx to be {int(bad[0])}")
    has_psw = per_sample_weights is not None
    psw = per_sample_weights if has_psw else _const((n,), 1.0, weight)
    return embedding_bag_op(weight, indices.reshape(-1), offsets, psw,
                            bool(scale_grad_by_freq), int(mode), bool(include_last_offset),
                            int(padding_idx), has_psw)


@public(**_F, namespace="nn.functional")
def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2,
                  scale_grad_by_freq=False, mode="mean", sparse=False, per_sample_weights=None,
                  include_last_offset=False, padding_idx=None):
    """Matches `torch.nn.functional.embedding_bag` (dense gradients)."""
    if weight.dtype == _dtype.int64 and input.is_floating_point():
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage "
                      "`embedding_bag(weight, input, ...)` is deprecated, and should now be "
                      "`embedding_bag(input, weight, ...)`.", stacklevel=user_stacklevel())
        weight, input = input, weight
    if per_sample_weights is not None and input.size() != per_sample_weights.size():
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) "
                         f"is not None, then it must have the same shape as the input "
                         f"({input.shape})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight.dim()}")
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences. However, found "
                             f"offsets of type {_type_str(offsets)}")
        offsets = arange(0, input.numel(), input.size(1), dtype=input.dtype)
        include_last_offset = False
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.dim()}")
    if mode not in _MODES:
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max":
        if scale_grad_by_freq:
            raise ValueError("max mode does not support scaling the gradient by the frequency")
        if sparse:
            raise ValueError("max mode does not support sparse weights")
    if max_norm is not None:
        _index_check(input)
        _embedding_renorm_(weight, input, float(max_norm), float(norm_type))
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
            f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
            "GitHub.")
    return embedding_bag_aten(weight, input, offsets, scale_grad_by_freq, _MODES[mode], sparse,
                              per_sample_weights, include_last_offset, padding_idx)[0]


def _type_str(x) -> str:
    if isinstance(x, Tensor):
        return "<class 'torch.Tensor'>"
    return str(type(x))

