"""Autocast at the op level: torch's per-device op lists and cast policies.

NOTE [Autocast]
Inside `tg.autocast(device_type)` an op on the device's lower-precision list runs with its
floating inputs cast to the autocast dtype, an op on the float32 list with them cast to
float32, an op on the promote list with them cast to the widest floating type among them;
float64 inputs are never cast, in-place ops are never autocast (`ops/views.py: inplace`),
every other op runs as it is (ordinary type promotion). A
cast is `Tensor.to` (a `ToCopyBackward0` node, as torch's); casts of leaf float32 tensors that
require grad (weights) are cached until the outermost autocast region exits, as torch's
`cached_cast` does (the cache is per tensor, not per dtype, as torch's). Inside a listed op
autocast is off (torch excludes its autocast key there), so an op that tapegrad composes of
other ops casts once, at its entry; an op that torch decomposes (`einsum`) and tapegrad too
sees its parts cast.

Where the check happens: `Op.apply` (ops/_dispatch.py) reads one module global,
`_numerics.autocast`, and comes here only when a region is active; functions that tapegrad
composes in Python (matmul, F.linear, the losses) carry `autocast_entry`, which does the
same check at their entry. The lists are torch's (its `autocast_mode.cpp`, checked for the
CPU against live torch in tests/amp); names that tapegrad computes under another name are
listed under both.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .. import _dtype, _numerics
from ..tensor import Tensor

__all__ = ["LISTS", "run_op", "autocast_entry", "cast_args"]

LOWER, FP32, PROMOTE = "lower", "fp32", "promote"

_CPU_LOWER = """conv1d conv2d conv3d bmm mm linalg_vecdot baddbmm addmm addbmm linear _convolution
convolution matmul conv_tbc mkldnn_rnn_layer conv_transpose1d conv_transpose2d conv_transpose3d
prelu _prelu_kernel scaled_dot_product_attention _scaled_dot_product_flash_attention_for_cpu
_native_multi_head_attention einsum inner chain_matmul linalg.multi_dot rnn_tanh_cell
rnn_relu_cell"""
_CPU_FP32 = """avg_pool3d binary_cross_entropy grid_sampler grid_sample polar prod quantile
nanquantile stft cdist _cdist_forward trace view_as_complex cholesky cholesky_inverse
cholesky_solve inverse lu_solve orgqr ormqr pinverse max_pool3d max_unpool2d max_unpool3d
adaptive_avg_pool3d reflection_pad1d reflection_pad2d replication_pad1d replication_pad2d
replication_pad3d mse_loss cosine_embedding_loss nll_loss nll_loss2d hinge_embedding_loss
poisson_nll_loss smooth_l1_loss cross_entropy cross_entropy_loss l1_loss huber_loss
margin_ranking_loss soft_margin_loss triplet_margin_loss multi_margin_loss ctc_loss kl_div
multilabel_margin_loss binary_cross_entropy_with_logits fft.fft fft.ifft fft.fft2 fft.ifft2
fft.fftn fft.ifftn fft.rfft fft.irfft fft.rfft2 fft.irfft2 fft.rfftn fft.irfftn fft.hfft
fft.ihfft linalg.cond linalg.matrix_rank linalg.solve linalg_solve linalg.cholesky
linalg.svdvals linalg.eigvals linalg.eigvalsh linalg.inv linalg_inv linalg.householder_product
linalg.tensorinv linalg.tensorsolve geqrf qr svd triangular_solve fractional_max_pool2d
fractional_max_pool3d adaptive_max_pool3d linalg.qr linalg.cholesky_ex linalg.svd linalg.eig
linalg.eigh linalg.lstsq linalg.inv_ex"""
_CPU_PROMOTE = "stack cat index_copy tensordot"

_CUDA_LOWER = """_convolution conv1d conv2d conv3d conv_tbc conv_transpose1d conv_transpose2d
conv_transpose3d convolution prelu _prelu_kernel addmm addmv addr matmul einsum mm mv
linalg_vecdot linear addbmm baddbmm bmm chain_matmul linalg.multi_dot lstm_cell gru_cell
rnn_tanh_cell rnn_relu_cell scaled_dot_product_attention
_scaled_dot_product_flash_attention_for_cpu inner"""
_CUDA_FP32 = """acos asin cosh erfinv exp expm1 log log10 log2 log1p reciprocal rsqrt sinh tan pow
softplus layer_norm native_layer_norm group_norm native_group_norm frobenius_norm nuclear_norm
cosine_similarity poisson_nll_loss cosine_embedding_loss nll_loss nll_loss2d
hinge_embedding_loss kl_div l1_loss smooth_l1_loss huber_loss mse_loss margin_ranking_loss
multilabel_margin_loss soft_margin_loss triplet_margin_loss multi_margin_loss
binary_cross_entropy_with_logits dist pdist cdist _cdist_forward renorm logsumexp prod softmax
log_softmax cumprod cumsum linalg.vector_norm linalg_vector_norm linalg.matrix_norm sum norm
cross_entropy cross_entropy_loss"""
_CUDA_PROMOTE = """addcdiv addcmul atan2 bilinear _trilinear cross linalg.cross linalg_cross dot
vdot grid_sampler grid_sample index_put scatter_add tensordot stack cat index_copy"""


def _table(lower: str, fp32: str, promote: str) -> dict[str, str]:
    table = dict.fromkeys(promote.split(), PROMOTE)
    table.update(dict.fromkeys(fp32.split(), FP32))
    table.update(dict.fromkeys(lower.split(), LOWER))
    return table


# device type -> op name -> policy.
LISTS: dict[str, dict[str, str]] = {"cpu": _table(_CPU_LOWER, _CPU_FP32, _CPU_PROMOTE),
                                    "cuda": _table(_CUDA_LOWER, _CUDA_FP32, _CUDA_PROMOTE)}


def _eligible(t: Any) -> bool:
    # torch's is_eligible: a floating tensor that is not float64.
    return isinstance(t, Tensor) and t.dtype.is_floating_point and t.dtype is not _dtype.float64


def _cast(t: Any, to: _dtype.dtype, state: _numerics.AutocastState) -> Any:
    """torch's cached_cast of one argument."""
    if not _eligible(t) or t.dtype is to:
        return t
    cache = state.cache
    if (cache is not None and to is state.dtype and t.dtype is _dtype.float32
            and t._requires_grad and t._grad_fn is None and t._base is None):
        hit = cache.get(id(t))
        if hit is not None and hit[0] is t:
            return hit[1]
        out = t.to(to)
        cache[id(t)] = (t, out)
        return out
    return t.to(to)


def _target(policy: str, args: Any, state: _numerics.AutocastState) -> _dtype.dtype:
    if policy == LOWER:
        return state.dtype
    if policy == FP32:
        return _dtype.float32
    # promote: float32 wins over the lower-precision dtype; float64 tensors are ignored.
    for a in args:
        for t in (a if isinstance(a, (list, tuple)) else (a,)):
            if _eligible(t) and t.dtype is _dtype.float32:
                return _dtype.float32
    return state.dtype


def cast_args(policy: str, args: Any, state: _numerics.AutocastState,
              kwargs: dict | None = None) -> tuple[list, dict]:
    """The arguments (tensors, lists of tensors, keyword tensors) cast by `policy`."""
    to = _target(policy, list(args) + list((kwargs or {}).values()), state)

    def one(a: Any) -> Any:
        if isinstance(a, (list, tuple)) and a and isinstance(a[0], Tensor):
            return type(a)(_cast(t, to, state) for t in a)
        return _cast(a, to, state)

    return [one(a) for a in args], {k: one(v) for k, v in (kwargs or {}).items()}


def run_op(op: Any, values: list, static: dict, apply: Callable) -> Any:
    """`apply(op, values, static)` inside an autocast region (see NOTE [Autocast])."""
    state = _numerics.autocast
    policy = LISTS[state.device_type].get(op.name)
    _numerics.suspend()
    try:
        if policy is not None:
            values, _ = cast_args(policy, values, state)
        return apply(op, values, static)
    finally:
        _numerics.resume(state)


def autocast_entry(name: str) -> Callable[[Callable], Callable]:
    """Mark a function tapegrad composes of other ops as torch's op `name` for autocast: its
    arguments are cast at entry by `name`'s policy and autocast is off inside it."""
    def wrap(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def entry(*args: Any, **kwargs: Any) -> Any:
            state = _numerics.autocast
            if state is None:
                return fn(*args, **kwargs)
            policy = LISTS[state.device_type].get(name)
            if policy is None:
                return fn(*args, **kwargs)
            _numerics.suspend()
            try:
                args, kwargs = cast_args(policy, args, state, kwargs)
                return fn(*args, **kwargs)
            finally:
                _numerics.resume(state)

        return entry

    return wrap
