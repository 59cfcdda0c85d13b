"""`tapegrad.nn.functional`: matches `torch.nn.functional` for the functions listed here.

Each function decomposes where torch decomposes, so that the final grad_fn is torch's: ops torch
shows by their own node come from the nn op table (`ops/nn_ops.py`: `AddmmBackward0`,
`ConvolutionBackward0`, `NllLossBackward0`, ...); composites (`l1_loss`, `kl_div`,
`cross_entropy`, `dropout`, `scaled_dot_product_attention`, `multi_head_attention_forward`,
`bilinear`) are written in tapegrad ops as torch writes them.

Optional tensors torch passes as undefined (a conv without bias, a batch norm without affine
weight) are passed here as constants that do not require grad, so the node gets the same `None`
edge torch's has.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import jax.numpy as jnp

from .. import _errors, _x64
from .. import random as _random
from .._grad_mode import no_grad
from ..ops import FUNCTIONAL as _FUNCTIONAL
from ..ops._autocast import autocast_entry as _autocast_entry
from ..ops import nn_ops as _nn
from ..ops.nn_extra.embedding_bag import _embedding_renorm_  # (shared with embedding_bag)
from ..ops.nn_extra.toplevel import _conv as _toplevel_conv
from ..ops.nn_extra.toplevel import _layer_norm as _toplevel_layer_norm
from ..ops import pointwise as _pw
from ..ops.pointwise import mul_scalar as _mul_scalar
from ..ops.reduction import log_softmax as _log_softmax
from ..ops.reduction import softmax as _softmax
from ..ops.shape import pad as pad
from ..ops.shape import view_op as _view_op
from ..ops.views import inplace as _inplace
from ..tensor import Tensor, from_jax
from ._functional_helpers import _const, _host_values, _snapshot, _tuple
from ._loss_functions import binary_cross_entropy as binary_cross_entropy
from ._loss_functions import binary_cross_entropy_with_logits as binary_cross_entropy_with_logits
from ._loss_functions import cross_entropy as cross_entropy
from ._loss_functions import huber_loss as huber_loss
from ._loss_functions import kl_div as kl_div
from ._loss_functions import l1_loss as l1_loss
from ._loss_functions import mse_loss as mse_loss
from ._loss_functions import nll_loss as nll_loss
from ._loss_functions import smooth_l1_loss as smooth_l1_loss


# ------------------------------------------------------------------ activations
# Declared in the op table with `functional=True` (sigmoid, tanh, pad, one_hot, ...).
globals().update(_FUNCTIONAL)
_relu_ = _inplace(_pw.relu, "relu_")
_elu_ = _inplace(_pw.elu_result, "elu_")
_silu_ = _inplace(_pw.silu, "silu_")
_leaky_relu_ = _inplace(_pw.leaky_relu_result, "leaky_relu_")


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """Matches `torch.nn.functional.relu`."""
    return _relu_(input) if inplace else _pw.relu(input)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """Matches `torch.nn.functional.elu` (in place: EluBackward1, which saves the result)."""
    return _elu_(input, alpha) if inplace else _pw.elu(input, alpha)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Matches `torch.nn.functional.gelu`."""
    return _pw.gelu(input, approximate=approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """Matches `torch.nn.functional.silu`."""
    return _silu_(input) if inplace else _pw.silu(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """Matches `torch.nn.functional.leaky_relu` (in place: LeakyReluBackward1)."""
    return (_leaky_relu_(input, negative_slope) if inplace
            else _pw.leaky_relu(input, negative_slope))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """Matches `torch.nn.functional.softplus`."""
    return _pw.softplus(input, beta, threshold)


def logsigmoid(input: Tensor) -> Tensor:
    """Matches `torch.nn.functional.logsigmoid`."""
    return _pw.logsigmoid(input)


def _get_softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: Any = None) -> Tensor:
    """Matches `torch.nn.functional.softmax`."""
    if dim is None:
        dim = _get_softmax_dim("softmax", input.ndim, _stacklevel)
    return _softmax(input, dim, dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype: Any = None) -> Tensor:
    """Matches `torch.nn.functional.log_softmax`."""
    if dim is None:
        dim = _get_softmax_dim("log_softmax", input.ndim, _stacklevel)
    return _log_softmax(input, dim, dtype)


# ------------------------------------------------------------------ linear
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """`input @ weight.T + bias`. Matches `torch.nn.functional.linear` (and its graph).

    torch: 2-D input with bias is addmm; other inputs with bias are flattened to 2-D around an
    addmm; without bias it is matmul. (torch's non-contiguous-input branch, matmul + add, is
    not modelled: tapegrad treats every input as contiguous.)
    """
    if input.shape[-1] != weight.shape[-1] or weight.ndim != 2:
        rows = input.numel() // input.shape[-1] if input.ndim else 1
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x"
                           f"{input.shape[-1]} and {weight.shape[-1]}x{weight.shape[0]})")
    if bias is None:
        return input.matmul(weight.t())
    if input.dtype is not weight.dtype:
        raise RuntimeError(_errors.LINEAR_DTYPE.format(a=input.dtype.scalar_name,
                                                       b=weight.dtype.scalar_name))
    if input.ndim == 2:
        return _nn.addmm(bias, input, weight.t())
    if not input.is_contiguous():
        # torch's linear: only a contiguous input takes the flattened addmm path; any other
        # goes through matmul and an in-place bias add.
        out = input.matmul(weight.t())
        return out.add_(bias)
    out_shape = tuple(input.shape[:-1]) + (weight.shape[0],)
    flat = input.view(-1, input.shape[-1])
    return _nn.addmm(bias, flat, weight.t()).view(out_shape)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor,
             bias: Tensor | None = None) -> Tensor:
    """`x1^T W x2 + b`. Matches `torch.nn.functional.bilinear` (its `_trilinear` graph)."""
    lead = tuple(input1.shape[:-1])
    x1 = input1.reshape(-1, input1.shape[-1])
    x2 = input2.reshape(-1, input2.shape[-1])
    out = _nn.trilinear(x1, weight, x2).view(lead + (weight.shape[0],))
    return out + bias if bias is not None else out


# ------------------------------------------------------------------ convolution
# F.conv1d/2d/3d are torch.conv1d/2d/3d: the checks and padding modes are written once, with
# the top-level forms (ops/nn_extra/toplevel.py; 'same' padding warns once per process).
_conv = _x64.scoped(_toplevel_conv)  # (it makes a float64 zero bias: NOTE [x64])


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """Matches `torch.nn.functional.conv1d`."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """Matches `torch.nn.functional.conv2d`."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


# ------------------------------------------------------------------ pooling
def _pool_args(input: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
               name: str) -> tuple:
    if input.ndim not in (3, 4):
        raise RuntimeError(f"{name}: Expected 3D or 4D tensor, but got: {list(input.shape)}")
    kernel = _tuple(kernel_size, 2)
    stride = kernel if stride is None or stride == [] or stride == () else _tuple(stride, 2)
    padding = _tuple(padding, 2)
    dilation = _tuple(dilation, 2)
    for p, k in zip(padding, kernel, strict=True):
        if p > k // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={p}, kernel_size={k} and dilation={dilation[0]}")
    return kernel, stride, padding, dilation


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Matches `torch.nn.functional.max_pool2d` (MaxPool2DWithIndicesBackward0)."""
    kernel, stride, padding, dilation = _pool_args(input, kernel_size, stride, padding,
                                                   dilation, "max_pool2d")
    out, indices = _nn.max_pool2d_with_indices(input, kernel, stride, padding, dilation,
                                               bool(ceil_mode))
    return (out, indices) if return_indices else out


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Matches `torch.nn.functional.avg_pool2d`."""
    kernel, stride, padding, _ = _pool_args(input, kernel_size, stride, padding, 1,
                                            "avg_pool2d")
    return _nn.avg_pool2d(input, kernel, stride, padding, bool(ceil_mode),
                          bool(count_include_pad), divisor_override)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Matches `torch.nn.functional.adaptive_avg_pool2d` (a 1x1 output is a mean, as torch's)."""
    if input.ndim not in (3, 4):
        raise RuntimeError("adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got "
                           f"{list(input.shape)}")
    size = tuple(input.shape[-2 + i] if s is None else s for i, s in enumerate(
        output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2))
    if size == (1, 1):
        return input.mean((-1, -2), keepdim=True)
    return _nn.adaptive_avg_pool2d(input, size)


# ------------------------------------------------------------------ normalization
def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Matches `torch.nn.functional.batch_norm` (running stats updated in place in training).

    The running statistics are updated in place as torch's CPU kernel does (no version bump):
    `running = momentum * batch + (1 - momentum) * running`, with the unbiased batch variance.
    """
    if training:
        size = tuple(input.shape)
        n = size[0]
        for s in size[2:]:
            n *= s
        if n == 1:
            raise ValueError("Expected more than 1 value per channel when training, got input "
                             f"size {input.size()}")
    c = input.shape[1]
    w = weight if weight is not None else _const((c,), 1.0, input)
    b = bias if bias is not None else _const((c,), 0.0, input)
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("running_mean must be defined in evaluation mode")
    rm = _snapshot(running_mean) if running_mean is not None else _const((c,), 0.0, input)
    rv = _snapshot(running_var) if running_var is not None else _const((c,), 1.0, input)
    out, mean, var = _nn.native_batch_norm(input, w, b, rm, rv, bool(training),
                                           float(momentum), float(eps))
    if training and running_mean is not None and running_var is not None:
        count = input.numel() // c
        with no_grad():
            # Scalars as operands (not static arguments): momentum may change every step.
            new_mean = mean * momentum + running_mean * (1 - momentum)
            new_var = var * (count / (count - 1)) * momentum + running_var * (1 - momentum)
            # torch's kernel writes the running stats without a version bump (its schema does
            # not mark them mutated); writing through `.data` does the same.
            running_mean.data.copy_(new_mean)
            running_var.data.copy_(new_var)
    return out


def layer_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Matches `torch.nn.functional.layer_norm` (torch's calls torch.layer_norm)."""
    return _toplevel_layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Matches `torch.nn.functional.group_norm`."""
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.ndim}")
    c = input.shape[1]
    if c % num_groups != 0:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got "
            f"input of shape {list(input.shape)} and num_groups={num_groups}")
    w = weight if weight is not None else _const((c,), 1.0, input)
    b = bias if bias is not None else _const((c,), 0.0, input)
    return _nn.native_group_norm(input, w, b, int(num_groups), float(eps))[0]


# ------------------------------------------------------------------ embedding, dropout
def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Matches `torch.nn.functional.embedding` (dense gradients only)."""
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= weight.size(0):
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -weight.size(0):
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = weight.size(0) + padding_idx
    else:
        padding_idx = -1
    if sparse:
        raise NotImplementedError("tapegrad: sparse embedding gradients are not supported")
    if input.dtype.is_floating_point:
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           "following scalar types: Long, Int; but got torch.FloatTensor "
                           "instead (while checking arguments for embedding)")
    values = _host_values(input)
    if values is not None and values.size and (values.min() < 0
                                               or values.max() >= weight.size(0)):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _embedding_renorm_(weight, input, float(max_norm), float(norm_type))
    return _nn.embedding(weight, input, padding_idx, bool(scale_grad_by_freq))



def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            inplace: bool = False) -> Tensor:
    """Zero elements with probability `p`, scale the rest by 1/(1-p). Matches torch's CPU path.

    The mask comes from tapegrad's default generator (see `tapegrad.manual_seed`): same seed,
    same masks, run to run; not torch's masks.
    """
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:
        zero = _const((), 0.0, input)
        return input.mul_(zero) if inplace else input * zero
    # torch: noise.bernoulli_(1 - p); noise.div_(1 - p); input * noise.
    with no_grad():
        noise = _random.bernoulli(_const(tuple(input.shape), 1 - p, input))
        noise = noise / (1 - p)
    return input.mul_(noise) if inplace else input * noise


# ------------------------------------------------------------------ attention
def _canonical_mask(mask: Tensor | None, like: Tensor) -> Tensor | None:
    # torch's _canonical_mask: a bool mask becomes 0 / -inf in the query's dtype.
    if mask is None or mask.dtype.name != "bool":
        return mask
    return _const(tuple(mask.shape), 0.0, like).masked_fill(mask, -float("inf"))


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(q k^T * scale + mask) v. Matches torch's CPU backends.

    As torch on CPU: 4-D inputs of one batch/head shape and head size without dropout take the
    flash kernel (`ScaledDotProductFlashAttentionForCpuBackward0`); anything else the math
    composite (q and k each scaled by sqrt(scale), matmul, softmax, dropout, matmul).
    """
    if enable_gqa:
        raise NotImplementedError("tapegrad: enable_gqa is not supported")
    L, S = query.size(-2), key.size(-2)
    scale_factor = 1 / math.sqrt(query.size(-1)) if scale is None else scale
    flash = (dropout_p == 0.0 and query.ndim == 4 and key.ndim == 4 and value.ndim == 4
             and query.shape[:2] == key.shape[:2] == value.shape[:2]
             and query.size(-1) == key.size(-1) == value.size(-1))
    if flash:
        mask = _canonical_mask(attn_mask, query)
        if mask is None:
            mask = _const((), 0.0, query)
        return _nn.sdpa_flash_cpu(query, key, value, mask, bool(is_causal), float(scale_factor))
    root = math.sqrt(scale_factor)
    attn = _mul_scalar(query, root).matmul(_mul_scalar(key, root).transpose(-2, -1))
    if is_causal:
        causal = from_jax(jnp.tril(jnp.ones((L, S), bool)))
        attn = attn.masked_fill(causal.logical_not(), -float("inf"))
    if attn_mask is not None:
        if attn_mask.dtype.name == "bool":
            attn = attn.masked_fill(attn_mask.logical_not(), -float("inf"))
        else:
            attn = attn + attn_mask
    attn = _softmax(attn, -1, None)
    if dropout_p > 0.0:
        attn = dropout(attn, dropout_p)
    return attn.matmul(value)


def multi_head_attention_forward(query: Tensor, key: Tensor, value: Tensor,
                                 embed_dim_to_check: int, num_heads: int,
                                 in_proj_weight: Tensor | None, in_proj_bias: Tensor | None,
                                 bias_k: Tensor | None, bias_v: Tensor | None,
                                 add_zero_attn: bool, dropout_p: float,
                                 out_proj_weight: Tensor, out_proj_bias: Tensor | None,
                                 training: bool = True, key_padding_mask: Tensor | None = None,
                                 need_weights: bool = True, attn_mask: Tensor | None = None,
                                 use_separate_proj_weight: bool = False,
                                 q_proj_weight: Tensor | None = None,
                                 k_proj_weight: Tensor | None = None,
                                 v_proj_weight: Tensor | None = None,
                                 static_k: Tensor | None = None, static_v: Tensor | None = None,
                                 average_attn_weights: bool = True,
                                 is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
    """Matches `torch.nn.functional.multi_head_attention_forward` for batched (L, N, E) input.

    A port of torch's function, op for op. Not supported: `bias_k`/`bias_v`,
    `add_zero_attn`, `static_k`/`static_v`.
    """
    if bias_k is not None or bias_v is not None or add_zero_attn or static_k is not None \
            or static_v is not None:
        raise NotImplementedError("tapegrad: bias_k/bias_v, add_zero_attn and static_k/v are "
                                  "not supported")
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(key_padding_mask, query)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None
    else:
        attn_mask = _canonical_mask(attn_mask, query)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if not use_separate_proj_weight:
        if key.shape != value.shape:
            raise AssertionError(f"key shape {key.shape} does not match value shape "
                                 f"{value.shape}")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    else:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match "
                                 f"value's {value.shape[:2]}")
        b_q = b_k = b_v = None
        if in_proj_bias is not None:
            b_q, b_k, b_v = in_proj_bias.chunk(3)
        q = linear(query, q_proj_weight, b_q)
        k = linear(key, k_proj_weight, b_k)
        v = linear(value, v_proj_weight, b_v)
    if attn_mask is not None:
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.ndim == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")
    q = q.view(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = k.view(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    v = v.view(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    src_len = k.size(1)
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                                 f"{key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        key_padding_mask = key_padding_mask.view(bsz, 1, 1, src_len).expand(
            -1, num_heads, -1, -1).reshape(bsz * num_heads, 1, src_len)
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask
    if not training:
        dropout_p = 0.0
    if need_weights:
        q_scaled = q * math.sqrt(1.0 / float(head_dim))
        if is_causal and attn_mask is None:
            raise AssertionError("FIXME: is_causal not implemented for need_weights")
        if attn_mask is not None:
            weights = _nn.baddbmm(attn_mask, q_scaled, k.transpose(-2, -1))
        else:
            weights = q_scaled.bmm(k.transpose(-2, -1))
        weights = softmax(weights, dim=-1)
        if dropout_p > 0.0:
            weights = dropout(weights, p=dropout_p)
        out = weights.bmm(v)
        out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias)
        out = out.view(tgt_len, bsz, out.size(1))
        weights = weights.view(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        return out, weights
    if attn_mask is not None:
        if attn_mask.size(0) == 1 and attn_mask.ndim == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.view(bsz, num_heads, -1, src_len)
    q = q.view(bsz, num_heads, tgt_len, head_dim)
    k = k.view(bsz, num_heads, src_len, head_dim)
    v = v.view(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3)
    # torch's flash kernel lays its output out as (N, L, H, E), so this permute is contiguous
    # and torch's reshape is a view; the math path's output is not, and torch copies. (The
    # view op itself: tapegrad's strides model does not know the flash kernel's layout.)
    out = _view_op(out, (bsz * tgt_len, embed_dim)) if dropout_p == 0.0 \
        else out.reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias)
    return out.view(tgt_len, bsz, out.size(1)), None


def _in_projection_packed(q: Tensor, k: Tensor, v: Tensor, w: Tensor,
                          b: Tensor | None) -> tuple[Tensor, Tensor, Tensor]:
    E = q.size(-1)
    if k is v and q is k:
        proj = linear(q, w, b)
        proj = proj.unflatten(-1, (3, E)).unsqueeze(0).transpose(0, -2).squeeze(-2).contiguous()
        return proj[0], proj[1], proj[2]
    w_q, w_kv = w.split([E, E * 2])
    b_q, b_kv = (None, None) if b is None else b.split([E, E * 2])
    if k is v:
        q_proj = linear(q, w_q, b_q)
        kv = linear(k, w_kv, b_kv).unflatten(-1, (2, E)).unsqueeze(0).transpose(0, -2)
        kv = kv.squeeze(-2).contiguous()
        return q_proj, kv[0], kv[1]
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


# torch's autocast lists name these (NOTE [Autocast] in ops/_autocast.py): cast once at entry.
for _name in ("linear", "conv1d", "conv2d", "bilinear", "scaled_dot_product_attention",
              "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy",
              "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div"):
    globals()[_name] = _autocast_entry(_name)(globals()[_name])
